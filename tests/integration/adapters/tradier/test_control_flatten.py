"""Flatten from the control app closes the position at the (loopback) broker.

A real node (``build_trading_node``, as ``tradefly live`` builds it) runs ``StructureEngine``
and the ``RiskGuard`` (evaluating every 0.3 s) on one state store against the fake Tradier on
127.0.0.1. The owner logs in to the control app over that store (password and TOTP), and posts
"Flatten everything" with a fresh code: the app writes the owner command, the guard applies it
and publishes ``tradefly.owner.flatten``, the strategy sends ``buy_to_close`` with exit reason
``owner_flatten``; before it, the positions page shows the guard's mark of the structure
(value, P&L and greeks against a hand computation); after the fill the account holds nothing,
the command is marked applied and the audit log holds the owner's request and the node's
outcome.
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
            "config": {"interval_secs": 0.3, "kill_switch": {}, "marks_interval_secs": 0.0},
        }
    ]
    path.write_text(yaml.safe_dump(config))
    return path


def rows(store: Path, sql: str) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(store)) as db:
        return db.execute(sql).fetchall()


def flatten_from_the_app(store: Path) -> tuple[str, int]:
    """Log in, read the positions page and flatten everything, as the owner's phone does.

    Returns the positions page and the flatten's response status.
    """
    settings = ControlSettings(store, hasher=FAST_HASHER)
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        code = pyotp.TOTP(SECRET).now()
        login = client.post(
            "/login", data={"password": PASSWORD, "totp": code}, headers=SAME_ORIGIN
        )
        assert login.status_code == 200, login.text
        page = client.get("/positions").text
        form = {"target": "*", "confirm": "yes"}  # the login's code counts as the step-up
        response = client.post(
            "/actions/flatten", data=form, headers=SAME_ORIGIN, follow_redirects=False
        )
        return page, response.status_code


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

        # The guard marks the structure: short 1 put filled at 3.10, quoted 3.10/3.14 (mid
        # 3.12), vendor greeks per share delta -0.25, gamma 0.01, vega 0.30, theta -0.05:
        # value -1 x 100 x 3.12 = -312.00; P&L -1 x 100 x (3.12 - 3.10) = -2.00; delta
        # -1 x 100 x -0.25 = 25 shares; gamma -1.00; vega -30.00 $/vol pt; theta +5.00 $/day.
        marked = "SELECT mark, unrealized_pnl, delta, gamma, vega, theta FROM structure_marks"
        await wait_for(lambda: any(r[2] is not None for r in rows(store, marked)), timeout=20.0)
        (mark,) = rows(store, marked)
        assert mark == pytest.approx((-312.0, -2.0, 25.0, -1.0, -30.0, 5.0))
        page, status = await asyncio.to_thread(flatten_from_the_app, store)
        assert status == 303
        assert '<td>-$312.00</td><td class="bad">-$2.00</td><td>25.0</td><td>-1.00</td>' in page
        assert "<td>-$30.00</td><td>$5.00</td>" in page
        await wait_for(lambda: len(server.orders) == 2, timeout=20.0)
        close = server.placements()[-1]
        assert close["side"] == "buy_to_close" and close["option_symbol"] == SHORT_ID.symbol.value
        (order,) = [o for o in running.node.cache.orders() if o.side.name == "BUY"]
        assert "owner_flatten" in (order.tags or [])
        await server.fill(max(server.orders), 1, price=3.14)
        await wait_for(lambda: net_position(running, SHORT_ID) == 0)
        await wait_for(lambda: not strategy._trades)
        await wait_for(lambda: rows(store, marked) == [])  # closed: no mark left
    finally:
        await running.stop()
    (command,) = rows(store, "SELECT command, argument, applied_ns, outcome FROM owner_commands")
    assert command[:2] == ("flatten", "*") and command[2] is not None
    assert "published" in command[3]
    audit = rows(store, "SELECT actor, action, detail, outcome FROM audit_log ORDER BY seq")
    assert ("owner", "flatten", "*", "requested #1") in audit
    assert ("node", "flatten", "#1 *", command[3]) in audit
    assert rows(store, "SELECT status FROM structures") == [("closed",)]
