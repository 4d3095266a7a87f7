"""The shipped sandbox portfolio (a wheel on IWM, an iron condor on SPY) on ONE live node.

``configs/live/tradier_sandbox_portfolio.yaml`` runs with its ``strategies:`` and ``actors:``
sections unchanged; only the Tradier endpoints and account, the state store, the instruments
(the fake serves no chain listing: the contracts below are loaded by id) and the poll intervals
point at the loopback fake Tradier, which, like the sandbox, refuses market streaming. The node
runs in a child process (:mod:`tests.integration.adapters.tradier.chaos_node`, a daily bar of
IWM at 220.00 and of SPY at 472.60 every 0.4 s) and is SIGKILLed once; the fake outlives it.

The fake quotes one expiration: the standard monthly expiration 30 to 45 days out that both
sections ask for (``dte_min: 30, dte_max: 45, monthly_only: true``). On a session with no
monthly expiration in that window (about half of them: third Fridays are 28 or 35 days apart)
the strategies would not trade at all, so there, and only there, the test moves both
sections' ``dte_max`` out to the next monthly expiration and says so in the failure text.

Quotes (fake; deltas from the mids, rate 0, about 39 days out, IV about 0.17-0.25):

- IWM puts 205 1.79/1.83 (delta -0.18), 210 3.03/3.07 (-0.27), 215 4.78/4.82 (-0.37): the
  wheel's 0.30-delta cash-secured put is the 210 put (21,000 dollars reserved), 1 contract;
- SPY puts 445 2.07/2.11 (-0.14), 450 2.98/3.02 (-0.19), 455 4.16/4.20 (-0.25) and calls
  490 4.00/4.04 (0.26), 495 2.98/3.02 (0.21), 500 2.38/2.42 (0.17), 505 1.55/1.59 (0.12): the
  0.20-delta condor is short the 450 put and 495 call, long the 445 put and 500 call (width
  5). Natural credit 2.98 - 2.11 + 2.98 - 2.42 = 1.43 (mid 1.51), max loss (5 - 1.43) x 100 =
  357 dollars (mid: 349), so ``risk_fraction: 0.02`` of about 100,000 dollars buys
  floor(2,000 / 357) = 5 condors (5.60; 5.73 at the mid).

1. Life 0: each strategy sends its own entry, tagged with its own client order id: the wheel
   one ``sell_to_open`` of the 210 put, the condor one 4-leg ``multileg`` order of 5. They fill
   at the naturals (put 3.03; condor 2.98, 2.11, 2.98, 2.42). SIGKILL.
2. Life 1: each strategy resumes its own trade (state store rows and the positions the
   restarted node claims for it); nothing is sent. Clean stop: the node's positions are the
   put for the wheel and the four SPY legs for the condor.
3. Life 2: the SPY book drops (450P 0.50/0.54, 445P 0.30/0.34, 495C 0.45/0.49, 500C
   0.25/0.29): natural debit 0.54 - 0.30 + 0.49 - 0.25 = 0.48 <= half the 1.43 credit, so
   the condor's take-profit sends ONE exit ``multileg`` order of 5 closing its four legs; the
   wheel's put is not touched and no strategy enters again (the condor's expiration was
   traded; the wheel holds its put).

Broker cash (the fake charges no fees): 100,000 + 303.00 (put: 3.03 x 100) + 715.00 (condor:
1.43 x 5 x 100) - 240.00 (exit: 0.48 x 5 x 100) = 100,778.00. The condor's journal P&L, with
the config's 0.35 dollars a contract: 715.00 - 240.00 - 2 x 4 x 5 x 0.35 = 461.00.
"""

import asyncio
import contextlib
import datetime as dt
import json
import os
import signal
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml
from nautilus_trader.model.enums import OptionKind

from adapters.tradier.orders import order_tag
from options.market_calendar import is_session
from options.occ import format_occ
from strategies.toolkit.selection import is_monthly_expiration
from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.node_harness import wait_for, write_config
from tests.integration.adapters.tradier.test_restart_chaos import (
    PROJECT_ROOT,
    Child,
    start_child,
    wait_ready,
)

pytestmark = pytest.mark.timeout(240)

SHIPPED = PROJECT_ROOT / "configs" / "live" / "tradier_sandbox_portfolio.yaml"
CLOSES = "IWM=220.00,SPY=472.60"
WHEEL, CONDOR = "StructureEngine-000", "StructureEngine-001"  # the sections' order
QUIET_SECS = 2.0  # five decisions of each strategy


def monthly_expiration(today: dt.date) -> tuple[dt.date, bool]:
    """The first standard monthly expiration 30 or more days out (the third Friday, or the
    Thursday before it when that Friday is a holiday), and whether it is within 45 days."""
    day = today + dt.timedelta(days=30)
    friday = dt.timedelta(days=1)
    while not (
        is_monthly_expiration(day)
        and is_session(day)
        and (day.weekday() == 4 or not is_session(day + friday))
    ):
        day += dt.timedelta(days=1)
    return day, (day - today).days <= 45


TODAY = dt.datetime.now(dt.UTC).date()
EXPIRY, IN_WINDOW = monthly_expiration(TODAY)


def occ(root: str, kind: OptionKind, strike: int) -> str:
    return format_occ(root, EXPIRY, kind, strike)


PUT, CALL = OptionKind.PUT, OptionKind.CALL
WHEEL_PUT = occ("IWM", PUT, 210)
SHORT_PUT, LONG_PUT = occ("SPY", PUT, 450), occ("SPY", PUT, 445)
SHORT_CALL, LONG_CALL = occ("SPY", CALL, 495), occ("SPY", CALL, 500)
CONDOR_LEGS = (SHORT_PUT, LONG_PUT, SHORT_CALL, LONG_CALL)
IWM_BOOK = {
    occ("IWM", PUT, 205): (1.79, 1.83),
    WHEEL_PUT: (3.03, 3.07),
    occ("IWM", PUT, 215): (4.78, 4.82),
}
SPY_HIGH = {
    LONG_PUT: (2.07, 2.11),
    SHORT_PUT: (2.98, 3.02),
    occ("SPY", PUT, 455): (4.16, 4.20),
    occ("SPY", CALL, 490): (4.00, 4.04),
    SHORT_CALL: (2.98, 3.02),
    LONG_CALL: (2.38, 2.42),
    occ("SPY", CALL, 505): (1.55, 1.59),
}
SPY_LOW = {
    SHORT_PUT: (0.50, 0.54),
    LONG_PUT: (0.30, 0.34),
    SHORT_CALL: (0.45, 0.49),
    LONG_CALL: (0.25, 0.29),
}
OPEN_PRICE = {SHORT_PUT: 2.98, LONG_PUT: 2.11, SHORT_CALL: 2.98, LONG_CALL: 2.42}
CLOSE_PRICE = {SHORT_PUT: 0.54, LONG_PUT: 0.30, SHORT_CALL: 0.49, LONG_CALL: 0.25}


def quote(server: FakeTradier, book: dict[str, tuple[float, float]]) -> None:
    for symbol, (bid, ask) in book.items():
        server.set_quote(symbol, bid, ask)


def portfolio_config(server: FakeTradier, folder: Path) -> Path:
    """The shipped file, its Tradier, state store and instrument settings aimed at the fake."""
    shipped = yaml.safe_load(SHIPPED.read_text())
    harness = yaml.safe_load(write_config(server, folder).read_text())
    config = dict(shipped)
    config["account_id"] = server.account_id
    config["state_store"] = str(folder / "state.sqlite")
    symbols = ["SPY", "IWM", *IWM_BOOK, *SPY_HIGH]
    config["instruments"] = {"load_ids": [f"{symbol}.US" for symbol in symbols]}
    for section in ("data", "execution", "reconciliation"):
        config[section] = {**shipped[section], **harness[section]}
    config["timeouts"] = harness["timeouts"]
    if not IN_WINDOW:
        for strategy in config["strategies"]:
            strategy["config"]["dte_max"] = (EXPIRY - TODAY).days
    path = folder / "portfolio.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def rows(folder: Path, sql: str) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(folder / "state.sqlite")) as db:
        return db.execute(sql).fetchall()


def intents(folder: Path) -> list[tuple[Any, ...]]:
    """(strategy, kind, client order id, state) of every order intent, oldest first."""
    return rows(
        folder,
        "SELECT strategy_id, kind, client_order_id, state FROM order_intents ORDER BY created_ns",
    )


def structures(folder: Path) -> set[tuple[Any, ...]]:
    """(strategy, underlying, status, legs) of every structure not dropped."""
    return set(
        rows(
            folder,
            "SELECT s.strategy_id, s.underlying, s.status, group_concat(l.instrument_id)"
            " FROM structures s JOIN structure_legs l USING (structure_id)"
            " WHERE s.status != 'dropped' GROUP BY s.structure_id",
        )
    )


def legs_of(*symbols: str) -> str:
    return ",".join(sorted(f"{symbol}.US" for symbol in symbols))


def sorted_legs(found: set[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
    return {(*row[:3], ",".join(sorted(row[3].split(",")))) for row in found}


def journal(folder: Path) -> dict[str, dict[str, Any]]:
    """Strategy id -> its one journal record (with ``closed``)."""
    found: dict[str, dict[str, Any]] = {}
    for strategy_id, exit_ns, record in rows(
        folder, "SELECT strategy_id, exit_ns, record FROM journal WHERE kind = 'trade'"
    ):
        assert strategy_id not in found, f"two journal trades for {strategy_id}"
        found[strategy_id] = {**json.loads(record), "closed": exit_ns is not None}
    return found


def multileg_legs(form: dict[str, str]) -> dict[str, tuple[str, str]]:
    count = sum(1 for key in form if key.startswith("side["))
    return {
        form[f"option_symbol[{i}]"]: (form[f"side[{i}]"], form[f"quantity[{i}]"])
        for i in range(count)
    }


async def kill(child: Child) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(child.process.pid, signal.SIGKILL)
    await child.process.wait()


async def stop_cleanly(child: Child) -> list[dict[str, Any]]:
    """SIGUSR1: the child stops its node and dumps the open positions."""
    child.process.send_signal(signal.SIGUSR1)
    await asyncio.wait_for(child.process.wait(), 60.0)
    positions: list[dict[str, Any]] = json.loads(child.dump.read_text())["positions"]
    return positions


def owners(positions: list[dict[str, Any]]) -> dict[str, tuple[str, float]]:
    return {p["instrument_id"]: (p["strategy_id"], p["signed_qty"]) for p in positions}


async def test_a_wheel_and_an_iron_condor_share_one_node_and_each_keeps_its_own_trade(
    tmp_path: Path,
) -> None:
    note = "" if IN_WINDOW else f" (dte_max moved to {(EXPIRY - TODAY).days}: no monthly in 45)"
    async with FakeTradier(market_streaming=False) as server:
        server.set_quote("SPY", 472.58, 472.62)
        server.set_quote("IWM", 219.98, 220.02)
        quote(server, IWM_BOOK | SPY_HIGH)
        config = portfolio_config(server, tmp_path)
        running = yaml.safe_load(config.read_text())
        shipped = yaml.safe_load(SHIPPED.read_text())
        assert running["actors"] == shipped["actors"]
        if IN_WINDOW:
            assert running["strategies"] == shipped["strategies"]

        # Life 0: both enter, each with its own order and tag; both fill; SIGKILL.
        child = await start_child(config, tmp_path, 0, CLOSES)
        try:
            await wait_ready(child)
            await wait_for(lambda: len(server.placements()) == 2, timeout=60.0)
            by_class = {form["class"]: form for form in server.placements()}
            assert set(by_class) == {"option", "multileg"}, f"{by_class}{note}"
            put, condor = by_class["option"], by_class["multileg"]
            assert (put["symbol"], put["option_symbol"], put["side"], put["quantity"]) == (
                "IWM",
                WHEEL_PUT,
                "sell_to_open",
                "1",
            )
            assert condor["symbol"] == "SPY" and condor["type"] == "market"
            assert multileg_legs(condor) == {
                SHORT_PUT: ("sell_to_open", "5"),
                LONG_PUT: ("buy_to_open", "5"),
                SHORT_CALL: ("sell_to_open", "5"),
                LONG_CALL: ("buy_to_open", "5"),
            }
            await wait_for(lambda: len(intents(tmp_path)) == 2, timeout=20.0)
            # Each order carries the client order id its own strategy minted.
            tags = {strategy: order_tag(cid) for strategy, _k, cid, _s in intents(tmp_path)}
            assert tags == {WHEEL: put["tag"], CONDOR: condor["tag"]}
            assert put["tag"].endswith("-000-1") and condor["tag"].endswith("-001-1")
            ids = {order.tag: order.id for order in server.orders.values()}
            await server.fill(ids[put["tag"]], 1, price=3.03)
            await server.fill(ids[condor["tag"]], 5, leg_prices=OPEN_PRICE)
            await wait_for(
                lambda: (
                    [(s, k, state) for s, k, _c, state in intents(tmp_path)]
                    in (
                        [(WHEEL, "entry", "filled"), (CONDOR, "entry", "filled")],
                        [(CONDOR, "entry", "filled"), (WHEEL, "entry", "filled")],
                    )
                ),
                timeout=20.0,
            )
            opened = {
                (WHEEL, "IWM", "open", legs_of(WHEEL_PUT)),
                (CONDOR, "SPY", "open", legs_of(*CONDOR_LEGS)),
            }
            await wait_for(lambda: sorted_legs(structures(tmp_path)) == opened, timeout=20.0)
            # Every leg's fill booked, credit a share: the put's 3.03; the condor's
            # 2.98 - 2.11 + 2.98 - 2.42 = 1.43.
            credits = {WHEEL: pytest.approx(3.03), CONDOR: pytest.approx(1.43)}
            sql = "SELECT strategy_id, credit FROM structures"
            await wait_for(lambda: dict(rows(tmp_path, sql)) == credits, timeout=20.0)
        finally:
            await kill(child)

        # Life 1: each strategy takes back its own legs; nothing is sent; clean stop.
        child = await start_child(config, tmp_path, 1, CLOSES)
        try:
            await wait_ready(child)
            await asyncio.sleep(QUIET_SECS)
            assert len(server.placements()) == 2
            positions = await stop_cleanly(child)
        finally:
            await kill(child)
        assert owners(positions) == {
            f"{WHEEL_PUT}.US": (WHEEL, -1.0),
            f"{SHORT_PUT}.US": (CONDOR, -5.0),
            f"{LONG_PUT}.US": (CONDOR, 5.0),
            f"{SHORT_CALL}.US": (CONDOR, -5.0),
            f"{LONG_CALL}.US": (CONDOR, 5.0),
        }
        assert sorted_legs(structures(tmp_path)) == opened

        # Life 2: the condor takes its profit with one multileg order; the wheel holds.
        child = await start_child(config, tmp_path, 2, CLOSES)
        try:
            await wait_ready(child)
            await asyncio.sleep(QUIET_SECS)
            assert len(server.placements()) == 2
            quote(server, SPY_LOW)
            await wait_for(lambda: len(server.placements()) == 3, timeout=30.0)
            exit_form = server.placements()[2]
            assert exit_form["class"] == "multileg" and exit_form["symbol"] == "SPY"
            assert multileg_legs(exit_form) == {
                SHORT_PUT: ("buy_to_close", "5"),
                LONG_PUT: ("sell_to_close", "5"),
                SHORT_CALL: ("buy_to_close", "5"),
                LONG_CALL: ("sell_to_close", "5"),
            }
            assert "-001-" in exit_form["tag"]
            exit_id = next(o.id for o in server.orders.values() if o.tag == exit_form["tag"])
            await server.fill(exit_id, 5, leg_prices=CLOSE_PRICE)
            await wait_for(
                lambda: intents(tmp_path)[-1][1:] == ("exit", exit_form["tag"], "filled")
            )
            await wait_for(lambda: journal(tmp_path).get(CONDOR, {}).get("closed"), timeout=20.0)
            await asyncio.sleep(QUIET_SECS)
            assert len(server.placements()) == 3  # no second condor, no second put
            positions = await stop_cleanly(child)
        finally:
            await kill(child)

    assert owners(positions) == {f"{WHEEL_PUT}.US": (WHEEL, -1.0)}
    assert server.positions == {WHEEL_PUT: [-1.0, -303.0]}
    # 100,000 + 303.00 + 715.00 - 240.00 (module docstring)
    assert server.cash == pytest.approx(100_778.00)
    assert max(server.peak[symbol] for symbol in CONDOR_LEGS) == 5
    assert sorted_legs(structures(tmp_path)) == {
        (WHEEL, "IWM", "open", legs_of(WHEEL_PUT)),
        (CONDOR, "SPY", "closed", legs_of(*CONDOR_LEGS)),
    }
    assert rows(tmp_path, "SELECT strategy_id, state FROM order_intents WHERE kind='exit'") == [
        (CONDOR, "filled")
    ]
    assert rows(tmp_path, "SELECT * FROM owned_shares") == []
    records = journal(tmp_path)
    wheel, condor = records[WHEEL], records[CONDOR]
    assert (wheel["underlying"], wheel["size"], wheel["closed"]) == ("IWM", 1, False)
    assert (wheel["fill_price"], wheel["fees"]) == (pytest.approx(3.03), pytest.approx(0.35))
    assert (condor["underlying"], condor["size"], condor["closed"]) == ("SPY", 5, True)
    assert (condor["fill_price"], condor["exit_price"]) == (
        pytest.approx(1.43),
        pytest.approx(0.48),
    )
    assert condor["exit_reason"] == "take_profit"
    # fees: 2 fills x 4 legs x 5 contracts x 0.35 = 14.00, the entry's before the SIGKILL
    # included: P&L 715.00 - 240.00 - 14.00 = 461.00
    assert (condor["fees"], condor["pnl"]) == (pytest.approx(14.00), pytest.approx(461.00))
