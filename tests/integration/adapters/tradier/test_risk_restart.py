"""Risk state survives a SIGKILL: a tripped breaker still blocks entries, exits still work, and a
milestone already notified is not notified again.

A live node (:mod:`tests.integration.adapters.tradier.chaos_node`, built by
``build_trading_node`` as ``tradefly live`` builds it, deciding every 0.4 s) trades one SPY
470 put against the loopback fake Tradier, with the ``RiskGuard`` (a drawdown tier that blocks
at 0.2% below the peak, latched; milestones over a 40,000 baseline) and the ``TradeJournal`` in
its config, both on the node's state store, and the guard's notifications going through
apprise to a channel on 127.0.0.1 (``json://``).

Life 1: the put is sold; equity (100,000) is 2.5x the baseline, so the 2x milestone is
notified. The put's quote then rises until equity is more than 0.2% below its peak: the tier
trips and latches, and the block is notified. The node is killed (SIGKILL).

Life 2, after the put's quote has fallen to the take-profit: the node closes the put (exits
still work) and then, with no trade open and the daily schedule due at every bar, every entry
is blocked (the latch survived), nothing is sent to the broker, and the channel receives
nothing more: no second milestone and no second block.
"""

import asyncio
import contextlib
import os
import signal
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.node_harness import SHORT_PUT, seed_quotes
from tests.integration.adapters.tradier.test_restart_chaos import start_child, wait_ready
from tests.integration.adapters.tradier.test_short_option_combo import combo_config
from tests.unit.risk.channel_server import Channel, channel_server

pytestmark = pytest.mark.timeout(300)

LOSS = (6.00, 6.04)  # the 470 put's quote after the sale at about 3.12: equity -0.29%
TAKE_PROFIT = (1.00, 1.04)  # at or below half the credit: the take-profit fires


def risk_config(server: FakeTradier, folder: Path, channel: Channel) -> Path:
    path = combo_config(server, folder)
    config = yaml.safe_load(path.read_text())
    strategy = config["strategies"][0]["config"]
    strategy.update(
        structure="short_put",
        structure_params={"strike": {"moneyness": 1.0}},
        spread_orders="legs",
        quantity=1,
        max_open_trades=1,
    )
    config["state_store"] = str(folder / "state.sqlite")
    config["log_level"] = "INFO"
    config["actors"] = [
        {
            "actor_path": "actors.risk_guard:RiskGuard",
            "config_path": "actors.risk_guard:RiskGuardConfig",
            "config": {
                "underlying": "SPY",
                "drawdown": {"cooldown_secs": 0, "tiers": [{"drawdown": 0.002, "action": "block"}]},
                "milestones": {"baseline": 40_000.0},
                "notify": {"urls": [channel.url("owner")]},
            },
        },
        {
            "actor_path": "actors.journal:TradeJournal",
            "config_path": "actors.journal:TradeJournalConfig",
            "config": {"underlying": "SPY"},
        },
    ]
    path.write_text(yaml.safe_dump(config))
    return path


def rows(store: Path, sql: str) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(store)) as db:
        return db.execute(sql).fetchall()


async def until(condition: Any, timeout: float = 60.0) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.1)

    await asyncio.wait_for(poll(), timeout)


def entries(server: FakeTradier) -> list[Any]:
    return [o for o in server.orders.values() if (o.side or "").endswith("_to_open")]


def exits(server: FakeTradier) -> list[Any]:
    return [o for o in server.orders.values() if (o.side or "").endswith("_to_close")]


async def test_latched_breaker_and_notified_milestone_survive_sigkill(tmp_path: Path) -> None:
    store = tmp_path / "state.sqlite"
    with channel_server() as channel:
        async with FakeTradier(auto_fill=True) as server:
            seed_quotes(server)
            config = risk_config(server, tmp_path, channel)

            # Life 1: sell the put, notify the milestone, trip and latch the tier, SIGKILL.
            child = await start_child(config, tmp_path, 1)
            await wait_ready(child, timeout=60.0)
            await until(lambda: SHORT_PUT in server.positions)
            await until(lambda: "equity milestone 2x" in channel.titles())
            server.set_quote(SHORT_PUT, *LOSS)
            await until(lambda: "risk: block" in channel.titles())
            latched = rows(store, "SELECT state FROM risk_state WHERE rule = 'drawdown'")
            assert '"latched": [0]' in latched[0][0]
            os.kill(child.process.pid, signal.SIGKILL)
            await child.process.wait()
            killed_at = max(r[0] for r in rows(store, "SELECT ts_ns FROM risk_events"))
            assert len(entries(server)) == 1 and exits(server) == []

            # Life 2: the exit goes out and fills; every later entry is blocked.
            server.set_quote(SHORT_PUT, *TAKE_PROFIT)
            child = await start_child(config, tmp_path, 2)
            await wait_ready(child, timeout=60.0)
            await until(lambda: SHORT_PUT not in server.positions)
            blocked_after = (
                "SELECT reason FROM risk_events WHERE action = 'entry_blocked'"
                f" AND ts_ns > {killed_at}"
            )
            await until(lambda: len(rows(store, blocked_after)) >= 3)
            child.process.send_signal(signal.SIGUSR1)
            await asyncio.wait_for(child.process.wait(), 30.0)

    assert len(entries(server)) == 1, "an entry was sent while the latched tier blocked entries"
    assert [o.status for o in exits(server)] == ["filled"]
    assert "latched until the owner resets it" in rows(store, blocked_after)[0][0]
    assert channel.titles() == ["equity milestone 2x", "risk: block"]
    assert rows(store, "SELECT key, notified_ns IS NOT NULL FROM milestones") == [
        ("40000.00@2x", 1)
    ]
    trades = rows(
        store,
        "SELECT json_extract(record, '$.exit_reason'), json_extract(record, '$.pnl') "
        "FROM journal WHERE kind = 'trade'",
    )
    assert [reason for reason, _ in trades] == ["take_profit"]
    assert rows(store, "SELECT COUNT(*) FROM journal WHERE kind = 'entry_blocked'")[0][0] >= 3
