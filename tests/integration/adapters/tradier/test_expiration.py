"""Live expiration against the fake Tradier: the put the StructureEngine sold expires worthless
(account history ``OPTEXP`` event, the documented ``option_type``; the fake drops the position),
the option position closes at 0 keeping the premium, the trade closes (exit reason
``expired``), once across polls and a restart; the wheel then sells its next put, or, after its
covered call expired, its next call."""

import asyncio
import datetime as dt
from pathlib import Path

import pytest
import yaml
from nautilus_trader.cache.cache import Cache
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.model.events import OrderFilled, PositionClosed
from nautilus_trader.model.position import Position

from actors.trade_recorder import exit_reason
from options.settlement_orders import settlement_kind
from strategies.toolkit.exits import ExitReason
from strategies.toolkit.wheel import WheelPhase
from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.node_harness import (
    SHORT_ID,
    SHORT_PUT,
    start_node,
    wait_for,
)
from tests.integration.adapters.tradier.test_assignment import (
    CALL,
    CALL_ID,
    fast_settlements,
    sell_put,
    sells_one_to_open_at_close,
)
from tests.integration.adapters.tradier.test_short_option_combo import quoted, session_close
from tests.integration.adapters.tradier.test_short_option_state import (
    single_put_config,
    strategy_of,
)

pytestmark = pytest.mark.timeout(90)

WHEEL = {"call_params": {"strike": {"moneyness": 1.0}}, "call_dte_min": 0, "call_dte_max": 400}


def config_with_call(path: Path) -> None:
    """Load the wheel's 475 call at start too."""
    config = yaml.safe_load(path.read_text())
    config["instruments"]["load_ids"].append(str(CALL_ID))
    path.write_text(yaml.safe_dump(config))


def closed_reason(cache: Cache, position: Position) -> ExitReason:
    """The exit reason the trade recorder and the journal give the closed position."""
    closing = cache.order(position.closing_order_id)
    fill = next(e for e in reversed(closing.events) if isinstance(e, OrderFilled))
    return exit_reason(cache, PositionClosed.create(position, fill, UUID4(), fill.ts_event))


async def test_an_expired_put_closes_at_zero_once_and_its_trade_closes_expired(
    server: FakeTradier, tmp_path: Path
) -> None:
    path = fast_settlements(single_put_config(server, tmp_path, assigned_shares="hold"))
    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        await sell_put(server, running)
        server.expire(SHORT_PUT, dt.datetime.now(dt.UTC).date())
        await wait_for(lambda: not strategy._trades)  # the trade closed
        await asyncio.sleep(0.5)  # five more history polls find the same event
        cache = running.node.cache
        (option,) = cache.positions(instrument_id=SHORT_ID)
        # premium: 1 contract x 3.10 x 100 = 310.00 dollars; bought back at 0, no commission
        assert option.is_closed and option.realized_pnl.as_double() == 310.0
        closing = cache.order(option.closing_order_id)
        assert closing.tags == ["EXPIRATION_US_OTM"] and closing.avg_px == 0.0
        assert closed_reason(cache, option) == ExitReason.EXPIRED
        assert len(cache.orders(instrument_id=SHORT_ID)) == 2  # the entry and one close
        assert not cache.positions_open()  # no shares
        (structure,) = strategy._store.structures(strategy.id.value, open_only=False)
        assert structure.status == "closed"
        # the fake's cash: 100,000 + 310 premium; nothing more at expiry
        assert server.cash == 100_310.0
    finally:
        await running.stop()

    running = await start_node(path)  # the history still lists the event
    try:
        await asyncio.sleep(0.5)
        strategy = strategy_of(running)
        # nothing booked again: no settlement order, no position of the strategy (the fake
        # lists the day's entry order, which reconciliation opens and closes as EXTERNAL)
        cache = running.node.cache
        assert not any(settlement_kind(order.tags) for order in cache.orders())
        assert not cache.positions(strategy_id=strategy.id)
        assert not cache.positions_open()
        assert not strategy._trades
    finally:
        await running.stop()


async def test_the_wheel_sells_its_next_put_after_its_put_expired(
    server: FakeTradier, tmp_path: Path
) -> None:
    path = fast_settlements(
        single_put_config(server, tmp_path, structure="cash_secured_put", wheel=WHEEL)
    )
    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        await sell_put(server, running)
        server.expire(SHORT_PUT, dt.datetime.now(dt.UTC).date())
        await wait_for(lambda: not strategy._trades)
        assert strategy.wheel_phase == WheelPhase.PUT
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10}))
        # the put phase again: a second put
        await sells_one_to_open_at_close(server, running, SHORT_PUT, 2)
    finally:
        await running.stop()


async def test_the_wheel_sells_its_next_call_after_its_covered_call_expired(
    server: FakeTradier, tmp_path: Path
) -> None:
    path = fast_settlements(
        single_put_config(server, tmp_path, structure="cash_secured_put", wheel=WHEEL)
    )
    config_with_call(path)
    server.set_quote(CALL, 4.00, 4.10)
    today = dt.datetime.now(dt.UTC).date()
    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        await sell_put(server, running)
        server.assign(SHORT_PUT, today, 1)
        await wait_for(lambda: strategy.wheel_phase == WheelPhase.CALL)
        await wait_for(lambda: quoted(strategy, {CALL_ID: 4.00}))
        session_close(running, 472.60)  # one covered call on the 100 shares
        await wait_for(lambda: len(server.placements()) == 2)
        await server.fill(max(server.orders), 1, price=4.00)
        await wait_for(lambda: strategy._trades and strategy._trades[0].opened)
        server.expire(CALL, today)
        await wait_for(lambda: not strategy._trades)
        (call,) = running.node.cache.positions(instrument_id=CALL_ID)
        # premium: 1 contract x 4.00 x 100 = 400 dollars, kept at expiry
        assert call.is_closed and call.realized_pnl.as_double() == 400.0
        assert closed_reason(running.node.cache, call) == ExitReason.EXPIRED
        (cycle,) = strategy.wheel_report()
        assert (cycle["shares"], cycle["calls"], strategy.wheel_phase) == (100, 1, WheelPhase.CALL)
        # the shares are still held: the next call
        await sells_one_to_open_at_close(server, running, CALL, 3)
    finally:
        await running.stop()
