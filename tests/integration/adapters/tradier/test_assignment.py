"""Assignment on a live node against the fake Tradier: the put the StructureEngine sold is
assigned (account history ``option`` event, documented layout; the fake's ``option_type`` is a
labelled guess), the option position closes at 0 keeping the premium, the strategy owns the
100 shares delivered at the strike, once, across polls and a restart; a wheel then sells a
covered call on them."""

import asyncio
import datetime as dt
from pathlib import Path

import pytest
import yaml
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.identifiers import InstrumentId

from options.occ import format_occ
from strategies.structure_engine import StructureEngine
from strategies.toolkit.wheel import WheelPhase
from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.node_harness import (
    EXPIRY,
    SHORT_ID,
    SHORT_PUT,
    RunningNode,
    start_node,
    wait_for,
)
from tests.integration.adapters.tradier.test_short_option_combo import quoted, session_close
from tests.integration.adapters.tradier.test_short_option_state import (
    single_put_config,
    strategy_of,
)

pytestmark = pytest.mark.timeout(90)

SPY_ID = InstrumentId.from_str("SPY.US")
CALL = format_occ("SPY", EXPIRY, OptionKind.CALL, 475)
CALL_ID = InstrumentId.from_str(f"{CALL}.US")


def fast_settlements(path: Path) -> Path:
    config = yaml.safe_load(path.read_text())
    config["execution"]["settlement_poll_interval_secs"] = 0.1
    path.write_text(yaml.safe_dump(config))
    return path


def owned(strategy: object) -> dict[str, tuple[int, int]]:
    return strategy._store.owned_shares(strategy.id.value)  # type: ignore[attr-defined]


async def sell_put(server: FakeTradier, running: RunningNode, contracts: int = 1) -> None:
    strategy = strategy_of(running)
    await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10}))
    session_close(running, 472.60)  # sells the 470 put
    await wait_for(lambda: server.orders)
    (entry_id,) = server.orders
    await server.fill(entry_id, contracts, price=3.10)
    await wait_for(lambda: strategy._trades and strategy._trades[0].opened)


async def sells_one_to_open_at_close(
    server: FakeTradier, running: RunningNode, symbol: str, placements: int
) -> None:
    """At the next session close the strategy's `placements`-th order sells 1 `symbol` to open."""
    session_close(running, 472.60)
    await wait_for(lambda: len(server.placements()) == placements)
    form = server.placements()[placements - 1]
    assert (form["option_symbol"], form["side"], form["quantity"]) == (symbol, "sell_to_open", "1")


def assert_one_cycle_assigned_at_470(strategy: StructureEngine) -> None:
    """The wheel's cycle after the 470 put sold at 3.10 was assigned into 100 shares."""
    (cycle,) = strategy.wheel_report()
    # cost basis per share = 470 - (310 premium - 0 fees) / 100 shares = 466.90
    assert (cycle["shares"], cycle["assignment_price"], cycle["cost_basis"]) == (100, 470.0, 466.9)


async def test_an_assigned_put_closes_at_zero_and_credits_its_shares_once(
    server: FakeTradier, tmp_path: Path
) -> None:
    path = fast_settlements(single_put_config(server, tmp_path, assigned_shares="hold"))
    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        await sell_put(server, running)
        server.assign(SHORT_PUT, dt.datetime.now(dt.UTC).date(), 1)
        await wait_for(lambda: SPY_ID.value in owned(strategy))
        await asyncio.sleep(0.5)  # five more history polls find the same event
        cache = running.node.cache
        (option,) = cache.positions(instrument_id=SHORT_ID)
        (shares,) = cache.positions_open(instrument_id=SPY_ID)
        # premium: 1 contract x 3.10 x 100 = 310.00 dollars; bought back at 0, no commission
        assert option.is_closed and option.realized_pnl.as_double() == 310.0
        # delivered: 1 contract x 100 = 100 shares at the 470 strike (47,000 dollars)
        assert (shares.signed_qty, shares.avg_px_open) == (100.0, 470.0)
        assert shares.strategy_id == strategy.id
        assert owned(strategy)[SPY_ID.value][0] == 100
        assert not strategy._trades  # the assigned leg closed the trade
        # the fake's cash: 100,000 + 310 premium - 47,000 for the shares = 53,310
        assert server.cash == 53_310.0
    finally:
        await running.stop()

    running = await start_node(path)  # the history still lists the event
    try:
        await asyncio.sleep(0.5)
        assert owned(strategy_of(running))[SPY_ID.value][0] == 100
    finally:
        await running.stop()


async def test_the_wheel_sells_a_covered_call_on_the_shares_its_assigned_put_delivered(
    server: FakeTradier, tmp_path: Path
) -> None:
    path = fast_settlements(
        single_put_config(
            server,
            tmp_path,
            structure="cash_secured_put",
            wheel={
                "call_params": {"strike": {"moneyness": 1.0}},
                "call_dte_min": 0,
                "call_dte_max": 400,
            },
        )
    )
    config = yaml.safe_load(path.read_text())
    config["instruments"]["load_ids"].append(str(CALL_ID))
    path.write_text(yaml.safe_dump(config))
    server.set_quote(CALL, 4.00, 4.10)
    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        await sell_put(server, running)
        assert strategy.wheel_phase == WheelPhase.PUT
        server.assign(SHORT_PUT, dt.datetime.now(dt.UTC).date(), 1)
        await wait_for(lambda: strategy.wheel_phase == WheelPhase.CALL)
        assert_one_cycle_assigned_at_470(strategy)
        await wait_for(lambda: quoted(strategy, {CALL_ID: 4.00}))
        # the call phase: one covered call on the 100 shares
        await sells_one_to_open_at_close(server, running, CALL, 2)
    finally:
        await running.stop()


async def test_one_of_two_puts_assigned_is_booked_once_across_a_restart(
    server: FakeTradier, tmp_path: Path
) -> None:
    path = fast_settlements(single_put_config(server, tmp_path, assigned_shares="hold", quantity=2))
    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        await sell_put(server, running, contracts=2)
        server.assign(SHORT_PUT, dt.datetime.now(dt.UTC).date(), 1)
        await wait_for(lambda: SPY_ID.value in owned(strategy))
        await asyncio.sleep(0.5)
        (option,) = running.node.cache.positions_open(instrument_id=SHORT_ID)
        assert option.signed_qty == -1.0  # the other contract is still short
        assert owned(strategy)[SPY_ID.value][0] == 100
    finally:
        await running.stop()

    # restarted, the node holds what Tradier holds (one short put): the event, read again,
    # books nothing more
    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        await wait_for(lambda: running.node.cache.positions_open(instrument_id=SHORT_ID))
        await asyncio.sleep(0.5)
        (option,) = running.node.cache.positions_open(instrument_id=SHORT_ID)
        assert option.signed_qty == -1.0
        assert owned(strategy)[SPY_ID.value][0] == 100
        assert strategy._trades and strategy._trades[0].opened
    finally:
        await running.stop()
