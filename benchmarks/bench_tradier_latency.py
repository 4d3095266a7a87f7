"""Quote-to-order latency through the Tradier adapter in a real TradingNode.

A trivial strategy answers every quote of one option with a limit order at the bid. The loopback
fake Tradier (tests/integration/adapters/tradier/fake_server.py) streams the quotes over its
market WebSocket and acknowledges the orders. Latency is measured in-process from the moment the
data client receives a quote message (before decoding) to the moment the execution client hands
the order form to the HTTP client (before the request is written); the network is not included.
Quotes are sent one at a time: the next goes out when the previous order was acknowledged.
With ``--state-store FULL|NORMAL`` the strategy first mints each order's intent in a state store
file (``synchronous`` pragma as given), as Tradefly's strategies do on the decision path.

Run from the project root:

    .venv/bin/python -m benchmarks.bench_tradier_latency --quotes 10000
    .venv/bin/python -m benchmarks.bench_tradier_latency --quotes 10000 --state-store FULL
"""

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml
from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.data import QuoteTick
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import ClientId, InstrumentId
from nautilus_trader.model.objects import Quantity
from nautilus_trader.trading.strategy import Strategy

from adapters.tradier.constants import EndpointGroup
from adapters.tradier.node import build_trading_node
from statestore import StateStore
from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.node_harness import LONG_ID, LONG_PUT, seed_quotes

THIS = "benchmarks.bench_tradier_latency"


class QuoteToOrderConfig(StrategyConfig, frozen=True):
    instrument_id: str
    state_store: str | None = None
    synchronous: str = "NORMAL"


class QuoteToOrder(Strategy):
    """Send a one-lot limit buy at the bid for every quote."""

    def __init__(self, config: QuoteToOrderConfig) -> None:
        super().__init__(config)
        self.instrument_id = InstrumentId.from_str(config.instrument_id)
        self.store: StateStore | None = None
        if config.state_store is not None:
            self.store = StateStore(config.state_store, synchronous=config.synchronous)

    def on_start(self) -> None:
        self.subscribe_quote_ticks(self.instrument_id)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        order = self.order_factory.limit(
            instrument_id=self.instrument_id,
            order_side=OrderSide.BUY,
            quantity=Quantity.from_int(1),
            price=tick.bid_price,
        )
        if self.store is not None:
            self.store.mint_intent(
                strategy_id=self.id.value,
                kind="entry",
                client_order_id=order.client_order_id.value,
                instrument_id=order.instrument_id.value,
                ts_ns=self.clock.timestamp_ns(),
            )
        self.submit_order(order)


def percentile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000.0


async def run(quotes: int, synchronous: str | None = None) -> dict[str, float]:
    os.environ.setdefault("TRADIER_ACCESS_TOKEN", "benchmark-token")
    async with FakeTradier() as server:
        seed_quotes(server)
        folder = Path(tempfile.mkdtemp(prefix="tradier-bench-"))
        config = {
            "trader_id": "BENCH-001",
            "state_store": str(folder / "node.sqlite"),
            "environment": "sandbox",
            "account_id": server.account_id,
            "log_level": "ERROR",
            "instruments": {"load_ids": [str(LONG_ID)]},
            "data": {"base_url": server.rest_url, "market_ws_url": server.market_ws_url},
            "execution": {
                "base_url": server.rest_url,
                "account_ws_url": server.account_ws_url,
                "poll_interval_secs": 3600.0,
                "stream_poll_interval_secs": 3600.0,
            },
            "risk": {"max_order_submit_rate": "100000/00:00:01"},
            "reconciliation": {"reconciliation_startup_delay_secs": 0.1},
            "timeouts": {"post_stop": 0.1},
            "strategies": [
                {
                    "strategy_path": f"{THIS}:QuoteToOrder",
                    "config_path": f"{THIS}:QuoteToOrderConfig",
                    "config": {
                        "instrument_id": str(LONG_ID),
                        "state_store": str(folder / "state.sqlite") if synchronous else None,
                        "synchronous": synchronous or "NORMAL",
                    },
                },
            ],
        }
        path = folder / "bench.yaml"
        path.write_text(yaml.safe_dump(config))
        node = await build_trading_node(path)
        task = asyncio.get_running_loop().create_task(node.run_async())
        while not node.trader.is_running:
            await asyncio.sleep(0.01)
        data = node.kernel.data_engine._clients[ClientId("TRADIER")]
        execution = node.kernel.exec_engine._clients[ClientId("TRADIER")]
        http = execution._account._http
        for group in EndpointGroup:
            http.limiter(group)._limit = 10**9  # measure the adapter, not Tradier's quotas

        received: list[int] = []
        sent: list[int] = []
        on_message = data._on_stream_message

        def timed_message(line: bytes) -> None:
            received.append(time.perf_counter_ns())
            on_message(line)

        data.stream._on_message = timed_message
        place = execution._account.place

        async def timed_place(form):
            sent.append(time.perf_counter_ns())
            return await place(form)

        execution._account.place = timed_place
        while not (data.stream.is_connected and server.market_clients):
            await asyncio.sleep(0.01)

        for i in range(quotes):
            bid = 1.00 + (i % 100) / 100
            server.order_placed.clear()
            await server.publish_quote(LONG_PUT, bid, bid + 0.05)
            await asyncio.wait_for(server.order_placed.wait(), 10.0)
        latencies = [s - r for r, s in zip(received, sent, strict=True)]
        await node.stop_async()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        node.kernel.dispose()
        return {
            "quotes": quotes,
            "p50_us": percentile(latencies, 0.50),
            "p99_us": percentile(latencies, 0.99),
            "mean_us": statistics.fmean(latencies) / 1000.0,
            "max_us": max(latencies) / 1000.0,
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quotes", type=int, default=10_000)
    parser.add_argument("--state-store", choices=("FULL", "NORMAL"), default=None)
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.quotes, args.state_store))
    store = f"state store {args.state_store}" if args.state_store else "no state store"
    print(
        f"quote -> order request ({store}), {result['quotes']} quotes: "
        f"p50 {result['p50_us']:.0f} us, p99 {result['p99_us']:.0f} us, "
        f"mean {result['mean_us']:.0f} us, max {result['max_us']:.0f} us",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
