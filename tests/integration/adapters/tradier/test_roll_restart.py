"""A live roll survives SIGKILL while its multileg order works: nothing is sent twice.

The node runs in a child process (:mod:`tests.integration.adapters.tradier.chaos_node`, built
as ``tradefly live`` builds it; a SPY daily bar every 0.4 s, so the strategy decides every
0.4 s) against the loopback fake Tradier in this process, which outlives every kill. The
strategy is the 470/460 bull put spread of ``test_roll_combo`` (2 lots, one multileg order),
rolled out to the same strikes on a later expiration at half its credit kept, once per chain.

1. The entry fills at 3.10 and 1.90: credit 1.20 a share.
2. At the low book the debit to close is 1.04 - 0.60 = 0.44 <= half of 1.20: one 4-leg
   multileg order buys back the 470 put, sells the 460 put, sells the later 470 put and buys
   the later 460 put. The node is SIGKILLed while it works.
3. Restarted, the working roll is not sent again, and the old spread is neither rolled nor
   exited again while it works; the roll fills (later spread at 3.50 and 2.00: credit 1.50),
   the broker holds the later spread only, and nothing more is sent (max_rolls 1; the new
   spread is below its take-profit; max_open_trades 1).

Broker cash (the fake charges no fees), 2 lots of 100 shares:
100,000 + 2 x 100 x (1.20 - 0.44 + 1.50) = 100,452.00.
"""

import asyncio
import contextlib
import json
import signal
import sqlite3
from pathlib import Path

import pytest
import yaml

from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.node_harness import (
    LONG_PUT,
    SHORT_PUT,
    seed_quotes,
    wait_for,
)
from tests.integration.adapters.tradier.test_restart_chaos import start_child, wait_ready
from tests.integration.adapters.tradier.test_restart_four_leg import kill, legs, quote
from tests.integration.adapters.tradier.test_roll_combo import NEW_LONG, NEW_SHORT, roll_config

pytestmark = pytest.mark.timeout(180)

LOW = {SHORT_PUT: (1.00, 1.04), LONG_PUT: (0.60, 0.64)}
ROLL_PRICES = {SHORT_PUT: 1.04, LONG_PUT: 0.60, NEW_SHORT: 3.50, NEW_LONG: 2.00}
QUIET_SECS = 2.0  # five decisions


def _rows(folder: Path, sql: str) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(folder / "state.sqlite")) as db:
        return db.execute(sql).fetchall()


def _intents(folder: Path) -> list[tuple[object, ...]]:
    return _rows(folder, "SELECT kind, state FROM order_intents ORDER BY created_ns")


def _structures(folder: Path) -> list[tuple[object, ...]]:
    """(status, credit, parent's status) of each structure not dropped, oldest first."""
    return _rows(
        folder,
        "SELECT s.status, ROUND(s.credit, 2), p.status FROM structures s "
        "LEFT JOIN structures p ON p.structure_id = s.rolled_from "
        "WHERE s.status != 'dropped' ORDER BY s.rowid",
    )


async def test_a_roll_working_across_sigkill_is_not_sent_twice(tmp_path: Path) -> None:
    async with FakeTradier() as server:
        seed_quotes(server)
        config = roll_config(server, tmp_path)
        settings = yaml.safe_load(config.read_text())
        config.write_text(yaml.safe_dump({**settings, "log_level": "INFO"}))  # life-N.log
        child = await start_child(config, tmp_path, 0)
        try:
            await wait_ready(child)
            await wait_for(lambda: server.orders, timeout=30.0)
            (entry_id,) = server.orders
            await server.fill(entry_id, 2, leg_prices={SHORT_PUT: 3.10, LONG_PUT: 1.90})
            await wait_for(lambda: _structures(tmp_path) == [("open", 1.2, None)], timeout=20.0)
            quote(server, LOW)
            await wait_for(lambda: len(server.placements()) == 2, timeout=20.0)
            assert legs(server.placements()[1]) == {
                SHORT_PUT: ("buy_to_close", "2"),
                LONG_PUT: ("sell_to_close", "2"),
                NEW_SHORT: ("sell_to_open", "2"),
                NEW_LONG: ("buy_to_open", "2"),
            }
            await wait_for(lambda: _intents(tmp_path)[-1] == ("roll", "working"), timeout=20.0)
        finally:
            await kill(child)  # the roll still works at the broker

        child = await start_child(config, tmp_path, 1)
        try:
            await wait_ready(child)
            await asyncio.sleep(QUIET_SECS)
            assert len(server.placements()) == 2
            await server.fill(max(server.orders), 2, leg_prices=ROLL_PRICES)
            await wait_for(lambda: set(server.positions) == {NEW_SHORT, NEW_LONG})
            await wait_for(lambda: _intents(tmp_path) == [("entry", "filled"), ("roll", "filled")])
            await wait_for(
                lambda: _structures(tmp_path) == [("closed", 1.2, None), ("open", 1.5, "closed")],
                timeout=20.0,
            )
            await asyncio.sleep(QUIET_SECS)
            assert len(server.placements()) == 2
            assert server.cash == pytest.approx(100_000 + 2 * 100 * (1.20 - 0.44 + 1.50))
            assert max(server.peak.values()) == 2
            child.process.send_signal(signal.SIGUSR1)
            await asyncio.wait_for(child.process.wait(), 30.0)
        finally:
            await kill(child)
        dump = json.loads(child.dump.read_text())
        assert sorted((p["instrument_id"], p["signed_qty"]) for p in dump["positions"]) == sorted(
            [(f"{NEW_SHORT}.US", -2.0), (f"{NEW_LONG}.US", 2.0)]
        )
        assert dump["orders_open"] == []
