"""Child process of the restart chaos test: a live node that decides every few tenths of a second.

``python -m tests.integration.adapters.tradier.chaos_node CONFIG READY DUMP [BAR_SECS] [CLOSES]``

Builds the node with :func:`adapters.tradier.node.build_trading_node` (as ``tradefly live``
does), runs it, writes the file READY once the trader runs, then publishes a daily bar stamped
now every BAR_SECS seconds (default 0.4) for each underlying of CLOSES (``SYMBOL=CLOSE`` pairs
joined by commas, default ``SPY=472.60``), so each strategy decides 1 ms after each.
On SIGUSR1 (Nautilus handles SIGTERM and SIGINT itself) it stops the node cleanly and writes
DUMP: the open positions and working orders of the node's cache as JSON. SIGKILL (the point
of the test) leaves no DUMP.
"""

import asyncio
import contextlib
import json
import signal
import sys
import time
from pathlib import Path
from typing import Any

from nautilus_trader.live.node import TradingNode
from nautilus_trader.model.data import Bar
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.objects import Price, Quantity

from adapters.tradier.node import build_trading_node
from options.instruments import daily_bar_type

CLOSES = "SPY=472.60"  # the 470 put is nearest the money


def publish_bars(node: TradingNode, closes: dict[InstrumentId, float]) -> None:
    now = time.time_ns()
    for instrument_id, close in closes.items():
        price = Price(close, 4)
        bar_type = daily_bar_type(instrument_id)
        bar = Bar(bar_type, price, price, price, price, Quantity.from_int(1), now, now)
        node.kernel.data_engine.process(bar)


def parse_closes(text: str) -> dict[InstrumentId, float]:
    pairs = (item.split("=") for item in text.split(","))
    return {InstrumentId.from_str(f"{symbol}.US"): float(close) for symbol, close in pairs}


def cache_state(node: TradingNode) -> dict[str, Any]:
    cache = node.cache
    return {
        "positions": [
            {
                "instrument_id": str(p.instrument_id),
                "strategy_id": p.strategy_id.value,
                "signed_qty": float(p.signed_qty),
            }
            for p in cache.positions_open()
        ],
        "orders_open": [
            {"client_order_id": o.client_order_id.value, "strategy_id": o.strategy_id.value}
            for o in cache.orders_open()
        ],
    }


async def run(
    config: Path, ready: Path, dump: Path, bar_secs: float, closes: dict[InstrumentId, float]
) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, stop.set)
    node = await build_trading_node(config)
    task = asyncio.get_running_loop().create_task(node.run_async())
    while not node.trader.is_running:
        if task.done():
            task.result()
            raise RuntimeError("node stopped during start")
        await asyncio.sleep(0.01)
    ready.write_text("running")
    while not stop.is_set():
        publish_bars(node, closes)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), bar_secs)
    await node.stop_async()
    dump.write_text(json.dumps(cache_state(node)))
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    node.kernel.dispose()


if __name__ == "__main__":
    bar_secs = float(sys.argv[4]) if len(sys.argv) > 4 else 0.4
    closes = parse_closes(sys.argv[5] if len(sys.argv) > 5 else CLOSES)
    paths = (Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
    asyncio.run(run(*paths, bar_secs, closes))
