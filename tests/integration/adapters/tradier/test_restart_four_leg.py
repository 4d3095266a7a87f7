"""A live iron condor (one ``multileg`` order) survives SIGKILL in the middle of its life.

The node runs in a child process (:mod:`tests.integration.adapters.tradier.chaos_node`, built by
``build_trading_node`` as ``tradefly live`` builds it; a SPY daily bar every 0.4 s, so the
strategy decides every 0.4 s) against the loopback fake Tradier in this process, which outlives
every kill. ``StructureEngine`` trades ``iron_condor`` (short delta 0.40, wings 10 wide) with
``spread_orders: combo``, one condor, once per expiration, take-profit at half the credit.

Quotes (fake, on the harness's expiration about nine months out, spot 472.60): at the high
book the deltas from the mids are 470 put -0.40, 460 put -0.21, 480 call 0.30, 490 call 0.15,
so the condor is short the 470 put and 480 call, long the 460 put and 490 call.

1. The entry goes out as one 4-leg ``multileg`` order and fills at 3.10, 1.92, 2.50 and 1.24:
   credit 3.10 - 1.92 + 2.50 - 1.24 = 2.44 a share. The node is SIGKILLed once the fill is in
   its state store.
2. Restarted, it manages the condor on: at the high book (no exit due) nothing is sent.
3. At the low book the debit to close is 1.04 - 0.60 + 0.84 - 0.40 = 0.88 <= half of 2.44:
   one exit ``multileg`` order closes all four legs. The node is SIGKILLed while it works.
4. Restarted again, the working exit is not sent again; it fills, the broker holds nothing,
   and no new condor is opened (the expiration was traded).

Broker cash (the fake charges no fees): 100,000 + (2.44 - 0.88) x 100 = 100,156.00.
"""

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
from pathlib import Path

import pytest
import yaml
from nautilus_trader.model.enums import OptionKind

from options.occ import format_occ
from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.node_harness import (
    EXPIRY,
    LONG_ID,
    LONG_PUT,
    SHORT_ID,
    SHORT_PUT,
    seed_quotes,
    wait_for,
)
from tests.integration.adapters.tradier.test_restart_chaos import Child, start_child, wait_ready
from tests.integration.adapters.tradier.test_short_option_combo import combo_config

pytestmark = pytest.mark.timeout(180)

SHORT_CALL = format_occ("SPY", EXPIRY, OptionKind.CALL, 480)
LONG_CALL = format_occ("SPY", EXPIRY, OptionKind.CALL, 490)
HIGH = {
    SHORT_PUT: (3.10, 3.14),
    LONG_PUT: (1.88, 1.92),
    SHORT_CALL: (2.50, 2.54),
    LONG_CALL: (1.20, 1.24),
}
LOW = {
    SHORT_PUT: (1.00, 1.04),
    LONG_PUT: (0.60, 0.64),
    SHORT_CALL: (0.80, 0.84),
    LONG_CALL: (0.40, 0.44),
}
OPEN_PRICE = {SHORT_PUT: 3.10, LONG_PUT: 1.92, SHORT_CALL: 2.50, LONG_CALL: 1.24}
CLOSE_PRICE = {SHORT_PUT: 1.04, LONG_PUT: 0.60, SHORT_CALL: 0.84, LONG_CALL: 0.40}
QUIET_SECS = 2.0  # five decisions


def condor_config(server: FakeTradier, folder: Path) -> Path:
    path = combo_config(server, folder)
    config = yaml.safe_load(path.read_text())
    call_ids = [f"{SHORT_CALL}.US", f"{LONG_CALL}.US"]
    config["instruments"] = {"load_ids": ["SPY.US", str(SHORT_ID), str(LONG_ID), *call_ids]}
    config["state_store"] = str(folder / "state.sqlite")
    config["log_level"] = "INFO"
    strategy = config["strategies"][0]["config"]
    strategy.update(
        structure="iron_condor",
        structure_params={"short_delta": 0.40, "width": 10},
        expiration_choice="window",
        entry_schedule="once_per_expiration",
        quantity=1,
    )
    path.write_text(yaml.safe_dump(config))
    return path


def quote(server: FakeTradier, book: dict[str, tuple[float, float]]) -> None:
    for symbol, (bid, ask) in book.items():
        server.set_quote(symbol, bid, ask)


def legs(form: dict[str, str]) -> dict[str, tuple[str, str]]:
    """OCC symbol -> (side, quantity) of each leg of a multileg placement."""
    return {
        form[f"option_symbol[{i}]"]: (form[f"side[{i}]"], form[f"quantity[{i}]"]) for i in range(4)
    }


def store_rows(folder: Path, sql: str) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(folder / "state.sqlite")) as db:
        return db.execute(sql).fetchall()


def structures(folder: Path) -> list[tuple[object, ...]]:
    """(status, legs) of each structure not dropped (an entry whose spread did not load)."""
    return store_rows(
        folder,
        "SELECT s.status, COUNT(*) FROM structures s JOIN structure_legs l USING (structure_id)"
        " WHERE s.status != 'dropped' GROUP BY s.structure_id",
    )


def credits(folder: Path) -> list[object]:
    return [
        row[0] for row in store_rows(folder, "SELECT credit FROM structures WHERE status='open'")
    ]


def intents(folder: Path) -> list[tuple[object, ...]]:
    return store_rows(folder, "SELECT kind, state FROM order_intents ORDER BY created_ns")


async def kill(child: Child) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(child.process.pid, signal.SIGKILL)
    await child.process.wait()


async def test_iron_condor_is_managed_on_after_sigkill_and_nothing_is_sent_twice(
    tmp_path: Path,
) -> None:
    async with FakeTradier() as server:
        seed_quotes(server)
        quote(server, HIGH)
        config = condor_config(server, tmp_path)
        child = await start_child(config, tmp_path, 0)
        try:
            await wait_ready(child)
            await wait_for(lambda: server.orders, timeout=30.0)
            (entry,) = server.placements()
            assert entry["class"] == "multileg" and entry["type"] == "market"
            assert legs(entry) == {
                SHORT_PUT: ("sell_to_open", "1"),
                LONG_PUT: ("buy_to_open", "1"),
                SHORT_CALL: ("sell_to_open", "1"),
                LONG_CALL: ("buy_to_open", "1"),
            }
            (entry_id,) = server.orders
            await server.fill(entry_id, 1, leg_prices=OPEN_PRICE)
            await wait_for(lambda: intents(tmp_path) == [("entry", "filled")], timeout=20.0)
            await wait_for(lambda: structures(tmp_path) == [("open", 4)], timeout=20.0)
            # Every leg's fill booked: credit 3.10 - 1.92 + 2.50 - 1.24 = 2.44 a share.
            await wait_for(lambda: credits(tmp_path) == [pytest.approx(2.44)], timeout=20.0)
        finally:
            await kill(child)

        # Restart: the condor is restored and held; at the high book nothing is due.
        child = await start_child(config, tmp_path, 1)
        try:
            await wait_ready(child)
            await asyncio.sleep(QUIET_SECS)
            assert len(server.placements()) == 1
            quote(server, LOW)
            await wait_for(lambda: len(server.placements()) == 2, timeout=20.0)
            exit_form = server.placements()[1]
            assert exit_form["class"] == "multileg" and exit_form["type"] == "market"
            assert legs(exit_form) == {
                SHORT_PUT: ("buy_to_close", "1"),
                LONG_PUT: ("sell_to_close", "1"),
                SHORT_CALL: ("buy_to_close", "1"),
                LONG_CALL: ("sell_to_close", "1"),
            }
            await wait_for(lambda: intents(tmp_path)[-1] == ("exit", "working"), timeout=20.0)
        finally:
            await kill(child)  # the exit still works at the broker

        # Restart with the exit working: it is not sent again; its fill closes the condor.
        child = await start_child(config, tmp_path, 2)
        try:
            await wait_ready(child)
            await asyncio.sleep(QUIET_SECS)
            assert len(server.placements()) == 2
            exit_id = max(server.orders)
            await server.fill(exit_id, 1, leg_prices=CLOSE_PRICE)
            await wait_for(lambda: not server.positions)
            await wait_for(lambda: intents(tmp_path) == [("entry", "filled"), ("exit", "filled")])
            await asyncio.sleep(QUIET_SECS)
            assert len(server.placements()) == 2  # once per expiration: no second condor
            assert server.cash == pytest.approx(100_000 + (2.44 - 0.88) * 100)  # 100,156.00
            assert max(server.peak.values()) == 1
            child.process.send_signal(signal.SIGUSR1)
            await asyncio.wait_for(child.process.wait(), 30.0)
        finally:
            await kill(child)
        dump = json.loads(child.dump.read_text())
        assert dump == {"positions": [], "orders_open": []}
        assert structures(tmp_path) == [("closed", 4)]
