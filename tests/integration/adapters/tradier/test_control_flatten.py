"""Flatten from the control app closes the position at the (loopback) broker.

A real node (``build_trading_node``, as ``tradefly live`` builds it) runs ``StructureEngine``
and the ``RiskGuard`` (evaluating every 0.3 s) on one state store against the fake Tradier on
127.0.0.1. The owner logs in to the control app over that store (password and TOTP), and
posts "Flatten everything" with a fresh code: the app writes the owner command, the guard
applies it and publishes ``tradefly.owner.flatten``, the strategy sends ``buy_to_close`` with
exit reason ``owner_flatten``; after the fill the account holds nothing, the command is marked
applied and the audit log holds the owner's request and the node's outcome.
"""

import asyncio
import contextlib
import sqlite3
from pathlib import Path
from typing import Any

import pyotp
import pytest
import yaml
from fastapi.testclient import TestClient

from control.main import create_app
from control.settings import ControlSettings
from tests.control.conftest import FAST_HASHER, PASSWORD, SAME_ORIGIN, SECRET, make_owner_store
from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.node_harness import SHORT_ID, start_node, wait_for
from tests.integration.adapters.tradier.test_short_option_combo import (
    net_position,
    quoted,
    session_close,
)
from tests.integration.adapters.tradier.test_short_option_state import (
    single_put_config,
    strategy_of,
)

pytestmark = pytest.mark.timeout(120)


def guarded_config(server: FakeTradier, folder: Path) -> Path:
    path = single_put_config(server, folder, entry_schedule="once_per_expiration")
    config = yaml.safe_load(path.read_text())
    config["actors"] = [
        {
            "actor_path": "actors.risk_guard:RiskGuard",
            "config_path": "actors.risk_guard:RiskGuardConfig",
            "config": {"interval_secs": 0.3, "kill_switch": {}},
        }
    ]
    path.write_text(yaml.safe_dump(config))
    return path


def rows(store: Path, sql: str) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(store)) as db:
        return db.execute(sql).fetchall()


def flatten_from_the_app(store: Path) -> int:
    """Log in and flatten everything, as the owner's phone does; return the response status."""
    settings = ControlSettings(store, hasher=FAST_HASHER)
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        code = pyotp.TOTP(SECRET).now()
        login = client.post(
            "/login", data={"password": PASSWORD, "totp": code}, headers=SAME_ORIGIN
        )
        assert login.status_code == 200, login.text
        form = {"target": "*", "confirm": "yes"}  # the login's code counts as the step-up
        response = client.post(
            "/actions/flatten", data=form, headers=SAME_ORIGIN, follow_redirects=False
        )
        return response.status_code


async def test_flatten_from_the_app_closes_the_position_at_the_broker(
    server: FakeTradier, tmp_path: Path
) -> None:
    store = make_owner_store(tmp_path / "state.sqlite")
    running = await start_node(guarded_config(server, tmp_path))
    try:
        strategy = strategy_of(running)
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10}))
        session_close(running, 472.60)
        await wait_for(lambda: len(server.orders) == 1)
        await server.fill(max(server.orders), 1, price=3.10)
        await wait_for(lambda: net_position(running, SHORT_ID) == -1)
        await wait_for(lambda: bool(strategy._trades) and strategy._trades[0].opened)

        assert await asyncio.to_thread(flatten_from_the_app, store) == 303
        await wait_for(lambda: len(server.orders) == 2, timeout=20.0)
        close = server.placements()[-1]
        assert close["side"] == "buy_to_close" and close["option_symbol"] == SHORT_ID.symbol.value
        (order,) = [o for o in running.node.cache.orders() if o.side.name == "BUY"]
        assert "owner_flatten" in (order.tags or [])
        await server.fill(max(server.orders), 1, price=3.14)
        await wait_for(lambda: net_position(running, SHORT_ID) == 0)
        await wait_for(lambda: not strategy._trades)
    finally:
        await running.stop()
    (command,) = rows(store, "SELECT command, argument, applied_ns, outcome FROM owner_commands")
    assert command[:2] == ("flatten", "*") and command[2] is not None
    assert "published" in command[3]
    audit = rows(store, "SELECT actor, action, detail, outcome FROM audit_log ORDER BY seq")
    assert ("owner", "flatten", "*", "requested #1") in audit
    assert ("node", "flatten", "#1 *", command[3]) in audit
    assert rows(store, "SELECT status FROM structures") == [("closed",)]
