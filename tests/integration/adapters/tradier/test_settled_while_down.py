"""An assignment or expiration while the node was down, booked at its restart against the fake
Tradier (account-history events in the documented layout; the fake's ``OPTASGN`` is a labelled
guess): the strategy that held the put gets the 100 shares at the strike and the option closes
at 0 keeping the premium, once, across further restarts; the wheel then sells one covered
call; ``assigned_shares: close_next_session`` sells the shares at the next session's close.

A put is sold and filled while the node runs; the node stops; the fake assigns (or expires) the
put; the node starts again (also as a child process that kills itself with SIGKILL at one
crash point of the booking, ``statestore.kill_points``, then started once more).
Unless a test says otherwise, the restart is on a new day: Tradier's list of today's orders no
longer shows the entry order, so nothing but the state store says the strategy held the put.
"""

import asyncio
import contextlib
import datetime as dt
import os
import signal
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml
from nautilus_trader.model.identifiers import InstrumentId

from actors.journal import TradeJournal
from adapters.tradier.constants import TRADIER_VENUE
from options.market_calendar import is_session
from options.settlement_orders import settlement_kind
from statestore.kill_points import SETTLEMENT_POINTS
from strategies.toolkit.wheel import WheelPhase
from tests.integration.adapters.tradier.fake_server import FakeTradier, Fault
from tests.integration.adapters.tradier.node_harness import (
    LONG_ID,
    LONG_PUT,
    SHORT_ID,
    SHORT_PUT,
    RunningNode,
    start_node,
    wait_for,
)
from tests.integration.adapters.tradier.test_assignment import (
    CALL,
    CALL_ID,
    SPY_ID,
    assert_one_cycle_assigned_at_470,
    fast_settlements,
    owned,
    sell_put,
    sells_one_to_open_at_close,
)
from tests.integration.adapters.tradier.test_expiration import WHEEL, config_with_call
from tests.integration.adapters.tradier.test_restart_chaos import start_child
from tests.integration.adapters.tradier.test_short_option_combo import (
    combo_config,
    quoted,
    session_close,
)
from tests.integration.adapters.tradier.test_short_option_state import (
    single_put_config,
    strategy_of,
)

pytestmark = pytest.mark.timeout(120)


def previous_session() -> dt.date:
    day = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    while not is_session(day):
        day -= dt.timedelta(days=1)
    return day


async def sold_put_then_stopped(server: FakeTradier, path: Path) -> None:
    running = await start_node(path)
    try:
        await sell_put(server, running)
    finally:
        await running.stop()


def new_day(server: FakeTradier) -> None:
    """Tradier's intraday order list no longer shows the earlier day's (filled) orders."""
    server.new_day()


def settlement_orders(running: RunningNode) -> list[Any]:
    return [o for o in running.node.cache.orders() if settlement_kind(o.tags) is not None]


async def test_a_put_assigned_while_down_is_booked_once_at_the_restart(
    server: FakeTradier, tmp_path: Path
) -> None:
    path = fast_settlements(single_put_config(server, tmp_path, assigned_shares="hold"))
    await sold_put_then_stopped(server, path)
    server.assign(SHORT_PUT, previous_session(), 1)
    new_day(server)

    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        await wait_for(lambda: SPY_ID.value in owned(strategy))
        cache = running.node.cache
        (option,) = cache.positions(instrument_id=SHORT_ID)
        (shares,) = cache.positions_open(instrument_id=SPY_ID)
        # the put rebuilt from the store at the 3.10 credit, closed at 0: 1 x 3.10 x 100 = 310
        assert option.strategy_id == strategy.id
        assert option.is_closed and option.realized_pnl.as_double() == 310.0
        # delivered: 1 contract x 100 = 100 shares at the 470 strike, the strategy's own
        assert (shares.strategy_id, shares.signed_qty, shares.avg_px_open) == (
            strategy.id,
            100.0,
            470.0,
        )
        assert owned(strategy)[SPY_ID.value][0] == 100
        assert not strategy._trades  # the assigned leg closed the trade
        assert sorted(settlement_kind(o.tags) for o in settlement_orders(running)) == [
            "PHYSICAL_CLOSE",
            "PHYSICAL_OPEN",
        ]
        (structure,) = strategy._store.structures(strategy.id.value, open_only=False)
        assert structure.status == "closed"
        assert server.cash == 53_310.0  # 100,000 + 310 premium - 47,000 for the shares
    finally:
        await running.stop()

    for _life in range(2):  # the history still lists the event: nothing more is booked
        running = await start_node(path)
        try:
            strategy = strategy_of(running)
            cache = running.node.cache
            await wait_for(lambda c=cache, s=strategy: c.positions_open(strategy_id=s.id))
            assert owned(strategy)[SPY_ID.value][0] == 100
            assert not settlement_orders(running)
            # the 100 shares at Tradier are the strategy's (claimed from its owned shares)
            (shares,) = running.node.cache.positions_open()
            assert (shares.instrument_id, shares.strategy_id, shares.signed_qty) == (
                SPY_ID,
                strategy.id,
                100.0,
            )
        finally:
            await running.stop()


async def test_a_put_assigned_the_same_day_is_closed_once_at_zero_not_by_reconciliation(
    server: FakeTradier, tmp_path: Path
) -> None:
    # Tradier's list of today's orders still shows the entry: reconciliation rebuilds the
    # short put from its fill and, Tradier holding none, would close it at its 3.10 average
    # (no premium kept); the restart books the assignment instead, at 0, once
    path = fast_settlements(single_put_config(server, tmp_path, assigned_shares="hold"))
    await sold_put_then_stopped(server, path)
    server.assign(SHORT_PUT, dt.datetime.now(dt.UTC).date(), 1)

    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        await wait_for(lambda: SPY_ID.value in owned(strategy))
        cache = running.node.cache
        (option,) = cache.positions(instrument_id=SHORT_ID)
        assert option.is_closed and option.realized_pnl.as_double() == 310.0
        # the entry order and the settlement's close: no reconciliation order of the put
        orders = cache.orders(instrument_id=SHORT_ID)
        assert sorted(o.side.name for o in orders) == ["BUY", "SELL"]
        (close,) = [o for o in orders if o.side.name == "BUY"]
        assert (settlement_kind(close.tags), close.avg_px) == ("PHYSICAL_CLOSE", 0.0)
        assert owned(strategy)[SPY_ID.value][0] == 100
    finally:
        await running.stop()


async def test_a_put_expired_while_down_closes_its_trade_once_at_the_restart(
    server: FakeTradier, tmp_path: Path
) -> None:
    path = fast_settlements(single_put_config(server, tmp_path, assigned_shares="hold"))
    await sold_put_then_stopped(server, path)
    server.expire(SHORT_PUT, previous_session())
    new_day(server)

    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        await wait_for(lambda: settlement_orders(running))
        await wait_for(lambda: not strategy._trades)
        (option,) = running.node.cache.positions(instrument_id=SHORT_ID)
        assert option.is_closed and option.realized_pnl.as_double() == 310.0
        (close,) = settlement_orders(running)
        assert settlement_kind(close.tags) == "OTM"
        assert not running.node.cache.positions_open()
        assert owned(strategy) == {}
    finally:
        await running.stop()

    running = await start_node(path)
    try:
        assert not settlement_orders(running)
        assert not running.node.cache.positions()
    finally:
        await running.stop()


async def test_the_wheel_sells_one_covered_call_after_its_put_was_assigned_while_down(
    server: FakeTradier, tmp_path: Path
) -> None:
    path = fast_settlements(
        single_put_config(server, tmp_path, structure="cash_secured_put", wheel=WHEEL)
    )
    config_with_call(path)
    server.set_quote(CALL, 4.00, 4.10)
    await sold_put_then_stopped(server, path)
    server.assign(SHORT_PUT, previous_session(), 1)
    new_day(server)

    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        await wait_for(lambda: strategy.wheel_phase == WheelPhase.CALL)
        assert_one_cycle_assigned_at_470(strategy)
        await wait_for(lambda: quoted(strategy, {CALL_ID: 4.00}))
        # the call phase: one covered call on the 100 shares
        await sells_one_to_open_at_close(server, running, CALL, 2)
    finally:
        await running.stop()

    running = await start_node(path)  # the cycle and its shares are booked once
    try:
        strategy = strategy_of(running)
        (cycle,) = strategy.wheel_report()
        assert (cycle["shares"], strategy.wheel_phase) == (100, WheelPhase.CALL)
        assert owned(strategy)[SPY_ID.value][0] == 100
        assert not settlement_orders(running)
    finally:
        await running.stop()
    assert len(server.placements()) == 2


async def test_close_next_session_sells_the_shares_assigned_while_down(
    server: FakeTradier, tmp_path: Path
) -> None:
    path = fast_settlements(
        single_put_config(server, tmp_path, assigned_shares="close_next_session")
    )
    await sold_put_then_stopped(server, path)
    server.assign(SHORT_PUT, previous_session(), 1)
    new_day(server)

    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        await wait_for(lambda: SPY_ID.value in owned(strategy))
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10}))
        session_close(running, 472.60)  # the session after the assignment's: the shares go
        await wait_for(lambda: any(p.get("class") == "equity" for p in server.placements()))
        (sale,) = [p for p in server.placements() if p.get("class") == "equity"]
        assert (sale["symbol"], sale["side"], sale["quantity"], sale["type"]) == (
            "SPY",
            "sell",
            "100",
            "market",
        )
        (order_id,) = [o.id for o in server.orders.values() if o.order_class == "equity"]
        await server.fill(order_id, 100, price=472.60)
        await wait_for(lambda: SPY_ID.value not in owned(strategy))
        # shares bought at 470 and sold at 472.60: 100 x 2.60 = 260 dollars
        (shares,) = running.node.cache.positions(instrument_id=SPY_ID)
        assert shares.is_closed and round(shares.realized_pnl.as_double(), 2) == 260.0
        assert server.cash == 100_310.0 + 260.0  # premium and share P&L
    finally:
        await running.stop()


async def opened_spread_then_stopped(server: FakeTradier, path: Path) -> int:
    """Open the 470/460 put credit spread, 2 lots, as one multileg order; return its id."""
    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10, LONG_ID: 1.88}))
        session_close(running, 472.60)
        await wait_for(lambda: server.orders)
        (entry_id,) = server.orders
        await server.fill(entry_id, 2, leg_prices={SHORT_PUT: 3.10, LONG_PUT: 1.90})
        await wait_for(lambda: strategy._trades and strategy._trades[0].open_legs)
        await wait_for(lambda: strategy._trades[0].open_legs == {SHORT_ID, LONG_ID})
    finally:
        await running.stop()
    return entry_id


def realized(running: RunningNode, instrument_id: InstrumentId) -> float:
    (position,) = running.node.cache.positions(instrument_id=instrument_id)
    assert position.is_closed
    return round(position.realized_pnl.as_double(), 2)


async def test_a_spread_settled_while_down_rebuilds_each_leg_at_its_own_fill_price(
    server: FakeTradier, tmp_path: Path
) -> None:
    # The spread fills at 3.10 (short 470 put) and 1.90 (long 460 put): 1.20 credit. While
    # the node is down the 470 put is assigned and the 460 put expires. At the restart each
    # leg is rebuilt at its own fill price, read from Tradier's order detail (the order is
    # no longer in today's list), not at the 1.20 net credit, and closed at 0.
    path = fast_settlements(combo_config(server, tmp_path))
    entry_id = await opened_spread_then_stopped(server, path)
    server.assign(SHORT_PUT, previous_session(), 2)
    server.expire(LONG_PUT, previous_session())
    new_day(server)
    store = tmp_path / "state.sqlite"

    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        await wait_for(lambda: SPY_ID.value in owned(strategy))
        await wait_for(lambda: not running.node.cache.positions_open(instrument_id=LONG_ID))
        await wait_for(lambda: not strategy._trades)
        # short 470 put: sold 2 at 3.10, closed at 0 by the assignment: 2 x 3.10 x 100 = 620
        assert realized(running, SHORT_ID) == 620.0
        # long 460 put: bought 2 at 1.90, expired at 0: -(2 x 1.90 x 100) = -380
        assert realized(running, LONG_ID) == -380.0
        # together the spread's credit: 2 x 1.20 x 100 = 240 (at the net credit the legs
        # would have booked +240 and -240)
        (shares,) = running.node.cache.positions_open(instrument_id=SPY_ID)
        assert (shares.strategy_id, shares.signed_qty, shares.avg_px_open) == (
            strategy.id,
            200.0,
            470.0,
        )
        assert owned(strategy)[SPY_ID.value][0] == 200
        assert sorted(settlement_kind(o.tags) for o in settlement_orders(running)) == [
            "OTM",
            "PHYSICAL_CLOSE",
            "PHYSICAL_OPEN",
        ]
        (structure,) = strategy._store.structures(strategy.id.value, open_only=False)
        assert structure.status == "closed"
        detail = f"/v1/accounts/{server.account_id}/orders/{entry_id}"
        assert ("GET", detail) in [(method, path) for method, path, _form in server.requests]
        # 100,000 + 240 credit - 200 shares x 470 = 6,240
        assert server.cash == pytest.approx(6_240.0)
    finally:
        await running.stop()
    assert booked_rows(store) == 3  # the two closes and the delivery

    running = await start_node(path)  # booked once: nothing more at the next start
    try:
        strategy = strategy_of(running)
        cache = running.node.cache
        await wait_for(lambda c=cache, s=strategy: c.positions_open(strategy_id=s.id))
        assert owned(strategy)[SPY_ID.value][0] == 200
        assert not settlement_orders(running)
        assert not cache.positions(instrument_id=SHORT_ID)
        assert not cache.positions(instrument_id=LONG_ID)
    finally:
        await running.stop()
    assert booked_rows(store) == 3


async def test_without_the_order_detail_each_leg_falls_back_to_the_net_credit_logged_once(
    server: FakeTradier, tmp_path: Path
) -> None:
    # Tradier answers no order detail (404): both legs are rebuilt at the spread's 1.20 net
    # credit, as before per-leg prices, and the node says so in one WARNING
    path = fast_settlements(combo_config(server, tmp_path))
    await opened_spread_then_stopped(server, path)
    server.assign(SHORT_PUT, previous_session(), 2)
    server.expire(LONG_PUT, previous_session())
    new_day(server)
    server.inject(Fault("GET", r"/orders/\d+$", status=404, times=1_000))

    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        await wait_for(lambda: SPY_ID.value in owned(strategy))
        await wait_for(lambda: not strategy._trades)
        assert realized(running, SHORT_ID) == 240.0  # 2 x 1.20 x 100
        assert realized(running, LONG_ID) == -240.0  # -(2 x 1.20 x 100)
    finally:
        await running.stop()


async def test_the_net_credit_fallback_is_logged_once_for_all_its_legs(
    server: FakeTradier, tmp_path: Path
) -> None:
    path = fast_settlements(combo_config(server, tmp_path))
    await opened_spread_then_stopped(server, path)
    server.assign(SHORT_PUT, previous_session(), 2)
    server.expire(LONG_PUT, previous_session())
    new_day(server)
    server.inject(Fault("GET", r"/orders/\d+$", status=404, times=1_000))
    store = tmp_path / "state.sqlite"

    child = await start_child(path, tmp_path, 0)
    await kill_when(lambda: booked_rows(store) == 3, child)
    lines = [
        line for line in (tmp_path / "life-0.log").read_text().splitlines() if "net credit" in line
    ]
    assert len(lines) == 1
    assert SHORT_PUT in lines[0] and LONG_PUT in lines[0] and "WARN" in lines[0]


def booked_rows(store: Path) -> int:
    with contextlib.closing(sqlite3.connect(store)) as db:
        return int(db.execute("SELECT COUNT(*) FROM option_settlements").fetchone()[0])


async def kill_when(condition: Any, child: Any, timeout: float = 60.0) -> None:
    """SIGKILL the child node as soon as `condition()` holds (or when it exits)."""

    async def poll() -> None:
        while not condition() and child.process.returncode is None:
            await asyncio.sleep(0.005)

    try:
        await asyncio.wait_for(poll(), timeout)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.process.pid, signal.SIGKILL)
        await child.process.wait()


def journalled(path: Path) -> Path:
    """The config at `path` with the trade journal in the node's state store."""
    config = yaml.safe_load(path.read_text())
    config["actors"] = [
        {
            "actor_path": "actors.journal:TradeJournal",
            "config_path": "actors.journal:TradeJournalConfig",
            "config": {"underlying": "SPY"},
        }
    ]
    path.write_text(yaml.safe_dump(config))
    return path


# Killed before its transaction commits, the booking is all undone (the Nautilus events live
# in memory only): the next start books it; killed after, the next start books nothing.
COMMITTED = "settlement.committed"


@pytest.mark.parametrize("point", SETTLEMENT_POINTS)
async def test_a_restart_killed_at_each_point_of_the_booking_books_the_assignment_once(
    server: FakeTradier, tmp_path: Path, point: str
) -> None:
    # The wheel's put (sold at 3.10) was assigned while the node was down. The restarted node
    # (a child process) kills itself with SIGKILL at `point` of the booking; the next start
    # (in this process) must hold the assignment booked exactly once: the put closed at 0
    # keeping 1 x 3.10 x 100 = 310 dollars, the 100 shares at the 470 strike the strategy's,
    # Tradier's cash 100,000 + 310 - 47,000 = 53,310 (the node's account: Tradier's equity),
    # one wheel cycle, one journal record of the put.
    path = journalled(
        fast_settlements(
            single_put_config(server, tmp_path, structure="cash_secured_put", wheel=WHEEL)
        )
    )
    await sold_put_then_stopped(server, path)
    server.assign(SHORT_PUT, previous_session(), 1)
    new_day(server)
    store = tmp_path / "state.sqlite"

    child = await start_child(path, tmp_path, 0, kill_at=point)
    assert await asyncio.wait_for(child.process.wait(), 60.0) == -signal.SIGKILL
    booked_before = point == COMMITTED
    assert booked_rows(store) == (2 if booked_before else 0)  # the put's close, the delivery

    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        await wait_for(lambda: SPY_ID.value in owned(strategy))
        assert owned(strategy)[SPY_ID.value][0] == 100
        assert_one_cycle_assigned_at_470(strategy)
        assert strategy.wheel_phase == WheelPhase.CALL
        assert not strategy._trades
        (structure,) = strategy._store.structures(strategy.id.value, open_only=False)
        assert structure.status == "closed"
        kinds = sorted(settlement_kind(o.tags) for o in settlement_orders(running))
        assert kinds == ([] if booked_before else ["PHYSICAL_CLOSE", "PHYSICAL_OPEN"])
        assert booked_rows(store) == 2
        cache = running.node.cache
        await wait_for(lambda: cache.positions_open(strategy_id=strategy.id))
        (shares,) = cache.positions_open()
        assert (shares.instrument_id, shares.strategy_id, shares.signed_qty) == (
            SPY_ID,
            strategy.id,
            100.0,
        )
        if not booked_before:  # the put booked in this life: closed at 0, 310 realized
            (option,) = cache.positions(instrument_id=SHORT_ID)
            assert option.strategy_id == strategy.id
            assert option.is_closed and option.realized_pnl.as_double() == 310.0
        # the node's account is Tradier's: equity = cash 53,310 + the shares at cost 47,000
        assert server.cash == 53_310.0
        account = running.node.portfolio.account(TRADIER_VENUE)
        await wait_for(lambda: account.balance_total().as_double() == 100_310.0)
        (journal,) = [a for a in running.node.trader.actors() if isinstance(a, TradeJournal)]
        (record,) = [r for r in journal.rows() if r["kind"] == "trade"]
        assert (record["id"], record["exit_reason"]) == (structure.structure_id, "assigned")
        assert record["pnl"] == 310.0  # the put's premium once; the shares are still held
        assert (record["positions_open"], record["awaiting_shares"]) == ([shares.id.value], False)
        assert record["exit_time"] is None
    finally:
        await running.stop()
