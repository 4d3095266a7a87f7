"""``StructureEngine`` state on a real node against the fake Tradier: what a restart keeps,
what a failed entry frees, how trades sharing one netted contract exit, which quotes count.
"""

import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from nautilus_trader.model.enums import OrderSide

from statestore import IntentState, StateStore
from strategies.toolkit.book import Leg, Trade, TradeBook
from tests.integration.adapters.tradier.fake_server import FakeTradier, Fault
from tests.integration.adapters.tradier.node_harness import (
    EXPIRY,
    LONG_ID,
    LONG_PUT,
    SHORT_ID,
    SHORT_PUT,
    RunningNode,
    start_node,
    wait_for,
)
from tests.integration.adapters.tradier.test_short_option_combo import (
    combo_config,
    net_position,
    quoted,
    session_close,
)

pytestmark = pytest.mark.timeout(90)


def single_put_config(server: FakeTradier, folder: Path, **overrides: Any) -> Path:
    """The combo test's config with a single-leg short 470 put, 1 contract per trade."""
    path = combo_config(server, folder)
    config = yaml.safe_load(path.read_text())
    strategy = config["strategies"][0]["config"]
    strategy.pop("spread_orders")
    strategy.update(
        {
            "structure": "short_put",
            "structure_params": {"strike": {"moneyness": 1.0}},
            "quantity": 1,
            **overrides,
        }
    )
    path.write_text(yaml.safe_dump(config))
    return path


def strategy_of(running: RunningNode) -> Any:
    (strategy,) = running.node.trader.strategies()
    return strategy


def intents(folder: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(folder / "state.sqlite") as db:
        return db.execute(
            "SELECT kind, client_order_id, state FROM order_intents ORDER BY created_ns"
        ).fetchall()


async def test_a_rejected_entry_frees_its_expiration(server: FakeTradier, tmp_path: Path) -> None:
    path = single_put_config(server, tmp_path, entry_schedule="once_per_expiration")
    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10}))
        server.reject_next = "Backoffice rejected the order"
        session_close(running, 472.60)
        await wait_for(lambda: len(server.placements()) == 1)
        await wait_for(lambda: not strategy._trades)  # the rejection dropped the trade
        session_close(running, 472.60)
        await wait_for(lambda: len(server.placements()) == 2)  # the expiration is free again
        await wait_for(
            lambda: [state for _kind, _id, state in intents(tmp_path)] == ["rejected", "working"]
        )
    finally:
        await running.stop()


async def test_a_quote_keeps_counting_for_exits_all_session(
    server: FakeTradier, tmp_path: Path
) -> None:
    running = await start_node(single_put_config(server, tmp_path))
    try:
        strategy = strategy_of(running)
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10}))
        session_close(running, 472.60)
        await wait_for(lambda: server.orders)
        server.set_quote(SHORT_PUT, 1.00, 1.04)  # half the credit can be bought back ...
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 1.00}))
        # From now on no quote reaches the strategy: every quote poll fails.
        server.inject(Fault("POST", r"/markets/quotes", status=500, times=10**6))
        session_close(running, 472.60)  # ... but the entry has not filled yet: no exit
        (entry_id,) = server.orders
        await server.fill(entry_id, 1, price=3.10)
        await wait_for(lambda: net_position(running, SHORT_ID) == -1)
        await wait_for(lambda: strategy._trades and strategy._trades[0].opened)
        # The book is still: the quote seen before the last decision must count for this one.
        session_close(running, 472.60)
        await wait_for(lambda: len(server.placements()) == 2)
        assert server.placements()[1]["side"] == "buy_to_close"
    finally:
        await running.stop()


async def test_two_trades_in_one_netted_contract_exit_on_their_own(
    server: FakeTradier, tmp_path: Path
) -> None:
    path = single_put_config(server, tmp_path, max_open_trades=2)
    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10}))
        session_close(running, 472.60)  # trade 1: credit 3.10
        await wait_for(lambda: len(server.orders) == 1)
        await server.fill(max(server.orders), 1, price=3.10)
        await wait_for(lambda: net_position(running, SHORT_ID) == -1)
        server.set_quote(SHORT_PUT, 2.00, 2.04)
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 2.00}))
        session_close(running, 472.60)  # trade 2 in the same contract: credit 2.00
        await wait_for(lambda: len(server.orders) == 2)
        await server.fill(max(server.orders), 1, price=2.00)
        await wait_for(lambda: net_position(running, SHORT_ID) == -2)
        assert len({p.id for p in running.node.cache.positions_open()}) == 1  # netted

        server.set_quote(SHORT_PUT, 1.36, 1.40)  # trade 1's take-profit (<= 1.55), not trade 2's
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 1.36}))
        session_close(running, 472.60)
        await wait_for(lambda: len(server.orders) == 3)
        await server.fill(max(server.orders), 1, price=1.40)
        await wait_for(lambda: net_position(running, SHORT_ID) == -1)
        await wait_for(lambda: len(strategy._trades) == 1)
        (left,) = strategy._trades
        assert left.credit == pytest.approx(2.00) and not left.closing

        server.set_quote(SHORT_PUT, 0.96, 1.00)  # now trade 2's take-profit
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 0.96}))
        session_close(running, 472.60)  # trade 2 exits; a new entry fits under max_open_trades

        def closes() -> list[int]:
            return sorted(i for i, o in server.orders.items() if o.side == "buy_to_close")

        await wait_for(lambda: len(closes()) == 2)
        exit_id = closes()[1]
        await server.fill(exit_id, 1, price=1.00)
        await wait_for(lambda: not any(t.opened for t in strategy._trades))
        assert net_position(running, SHORT_ID) == 0
        # That decision also had room for a new entry (trade 2 was closing, max 2 open).
        assert [t.opened for t in strategy._trades] == [False]
    finally:
        await running.stop()


async def test_an_entry_filled_while_the_node_was_down_is_not_sent_again(
    server: FakeTradier, tmp_path: Path
) -> None:
    path = single_put_config(server, tmp_path)
    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10}))
        session_close(running, 472.60)
        await wait_for(lambda: server.orders)
    finally:
        await running.stop()
    (entry_id,) = server.orders
    await server.fill(entry_id, 1, price=3.10)  # filled while the node is down

    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        await wait_for(lambda: strategy._trades and strategy._trades[0].opened)
        (trade,) = strategy._trades
        assert trade.credit == pytest.approx(3.10)
        assert {p.strategy_id for p in running.node.cache.positions_open()} == {strategy.id}
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10}))
        session_close(running, 472.60)  # max_open_trades reached: no new entry
        server.set_quote(SHORT_PUT, 1.00, 1.04)
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 1.00}))
        session_close(running, 472.60)
        await wait_for(lambda: len(server.placements()) == 2)
        assert server.placements()[1]["side"] == "buy_to_close"
    finally:
        await running.stop()
    (entry, exit_) = intents(tmp_path)
    assert (entry[0], entry[2]) == ("entry", "filled")
    assert exit_[0] == "exit"


@pytest.mark.parametrize("days_ago", [0, 3])
async def test_an_intent_the_broker_never_received_is_not_sent_and_frees_its_cycle(
    server: FakeTradier, tmp_path: Path, days_ago: int
) -> None:
    path = single_put_config(server, tmp_path, entry_schedule="once_per_expiration")
    running = await start_node(path)
    strategy_id = strategy_of(running).id.value
    await running.stop()
    # A kill between writing the intent and the POST: the store has it, Tradier does not.
    with StateStore(tmp_path / "state.sqlite") as store:
        book = TradeBook(store, strategy_id, "SPY")
        trade = Trade(expiration=EXPIRY, legs=[Leg(SHORT_ID, OrderSide.SELL, 1)])
        book.add(trade)
        minted = time.time_ns() - days_ago * 86_400 * 10**9
        store.mint_intent(
            strategy_id, "entry", "O-LOST-1", str(SHORT_ID), minted, trade.structure_id
        )

    running = await start_node(path)
    # An intent minted on an earlier day is looked up in about a month of orders, not guessed.
    looked_back = [f for m, p, f in server.requests if p.endswith("/orders") and m == "GET"]
    assert any(f.get("filter") == "all" for f in looked_back) == (days_ago > 0)
    try:
        strategy = strategy_of(running)
        assert not strategy._trades  # the unsent entry was dropped ...
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10}))
        session_close(running, 472.60)
        await wait_for(lambda: len(server.placements()) == 1)  # ... and its expiration is free
    finally:
        await running.stop()
    with StateStore(tmp_path / "state.sqlite") as store:
        lost = store.intent("O-LOST-1")
        assert lost is not None and lost.state == IntentState.NOT_SENT


async def test_a_spread_whose_short_leg_never_filled_closes_its_lone_wing(
    server: FakeTradier, tmp_path: Path
) -> None:
    path = combo_config(server, tmp_path)
    config = yaml.safe_load(path.read_text())
    config["strategies"][0]["config"]["spread_orders"] = "legs"
    path.write_text(yaml.safe_dump(config))
    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10, LONG_ID: 1.88}))
        server.reject_next = "Backoffice rejected the order"  # the short leg goes first
        session_close(running, 472.60)
        await wait_for(lambda: len(server.placements()) == 2)
        wing_id = max(server.orders)
        await server.fill(wing_id, 2, price=1.90)
        await wait_for(lambda: len(server.placements()) == 3)
        unwind = server.placements()[2]
        assert (unwind["option_symbol"], unwind["side"], unwind["quantity"]) == (
            LONG_PUT,
            "sell_to_close",
            "2",
        )
        assert unwind["tag"].startswith("O-")
        (trade,) = strategy._trades
        assert trade.closing and [leg.instrument_id for leg in trade.legs] == [LONG_ID]
    finally:
        await running.stop()


async def test_a_combo_order_goes_out_when_the_spread_response_is_lost(
    server: FakeTradier, tmp_path: Path
) -> None:
    running = await start_node(combo_config(server, tmp_path))
    try:
        strategy = strategy_of(running)
        request = strategy.request_instrument

        def request_losing_the_response(instrument_id: Any, callback: Any = None) -> Any:
            return request(instrument_id, callback=lambda _request_id: None)

        strategy.request_instrument = request_losing_the_response  # the engine drops the answer
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10, LONG_ID: 1.88}))
        session_close(running, 472.60)
        await wait_for(lambda: server.orders)  # the spread reached the cache: the order is sent
        (entry,) = server.placements()
        assert entry["class"] == "multileg"
    finally:
        await running.stop()
