"""The live journal on the loopback fake Tradier: a credit spread traded as one multileg
order, and two trades netted into one position.

The combo's legs fill as ``{order}-LEG-{symbol}`` fills of an order the journal finds by its
parent's structure tag; the record holds each leg's fill and exit, the net prices and the P&L.
Two trades in one contract share the broker's netted position: each record keeps its own fills
and P&L, and their P&L adds up to the position's.
"""

from pathlib import Path
from typing import Any

import pytest
import yaml

from actors.journal import TradeJournal
from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.node_harness import (
    LONG_ID,
    LONG_PUT,
    SHORT_ID,
    SHORT_PUT,
    start_node,
    wait_for,
)
from tests.integration.adapters.tradier.test_short_option_combo import (
    combo_config,
    net_position,
    quoted,
    session_close,
)
from tests.integration.adapters.tradier.test_short_option_state import (
    single_put_config,
    strategy_of,
)

JOURNAL_ACTOR = {
    "actor_path": "actors.journal:TradeJournal",
    "config_path": "actors.journal:TradeJournalConfig",
    "config": {"underlying": "SPY"},
}


async def test_combo_spread_round_trip_is_journalled(server: FakeTradier, tmp_path: Path) -> None:
    path = combo_config(server, tmp_path)
    config = yaml.safe_load(path.read_text())
    config["actors"] = [JOURNAL_ACTOR]
    path.write_text(yaml.safe_dump(config))
    running = await start_node(path)
    try:
        (strategy,) = running.node.trader.strategies()
        (journal,) = [a for a in running.node.trader.actors() if isinstance(a, TradeJournal)]
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10, LONG_ID: 1.88}))
        session_close(running, 472.60)
        await wait_for(lambda: server.orders)
        (entry_id,) = server.orders
        await server.fill(entry_id, 2, leg_prices={SHORT_PUT: 3.10, LONG_PUT: 1.90})
        await wait_for(lambda: net_position(running, SHORT_ID) == -2)
        await wait_for(lambda: net_position(running, LONG_ID) == 2)

        server.set_quote(SHORT_PUT, 1.00, 1.04)
        server.set_quote(LONG_PUT, 0.60, 0.64)
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 1.00, LONG_ID: 0.60}))
        session_close(running, 480.0)
        await wait_for(lambda: len(server.orders) == 2)
        await server.fill(max(server.orders), 2, leg_prices={SHORT_PUT: 1.04, LONG_PUT: 0.60})
        await wait_for(lambda: journal.rows() and journal.rows()[0]["exit_time"] is not None)
        (record,) = journal.rows()
    finally:
        await running.stop()
    assert record["structure"] == "bull put spread"
    assert record["size"] == 2
    assert [(leg["fill_price"], leg["exit_price"]) for leg in record["legs"]] == [
        (3.10, 1.04),
        (1.90, 0.60),
    ]
    assert record["fill_price"] == pytest.approx(1.20)
    assert record["exit_price"] == pytest.approx(0.44)
    assert record["pnl"] == pytest.approx((1.20 - 0.44) * 2 * 100)  # the fake charges no fees
    assert record["exit_reason"] == "take_profit"
    assert record["error_class"] is None


async def test_two_trades_in_one_netted_contract_get_their_own_records(
    server: FakeTradier, tmp_path: Path
) -> None:
    """Two short puts in the 470 put, one netted position at the broker.

    Hand computation (1 contract each, 100 shares a contract, the fake charges no fees):
    trade 1 sold at 3.10 and bought back at 1.40: (3.10 - 1.40) x 100 = 170.00;
    trade 2 sold at 2.00 and bought back at 1.00: (2.00 - 1.00) x 100 = 100.00;
    together the position's realized P&L, 270.00.
    """
    path = single_put_config(server, tmp_path, max_open_trades=2)
    config = yaml.safe_load(path.read_text())
    config["actors"] = [JOURNAL_ACTOR]
    path.write_text(yaml.safe_dump(config))
    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        (journal,) = [a for a in running.node.trader.actors() if isinstance(a, TradeJournal)]
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10}))
        session_close(running, 472.60)  # trade 1
        await wait_for(lambda: len(server.orders) == 1)
        await server.fill(max(server.orders), 1, price=3.10)
        await wait_for(lambda: net_position(running, SHORT_ID) == -1)
        server.set_quote(SHORT_PUT, 2.00, 2.04)
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 2.00}))
        session_close(running, 472.60)  # trade 2, same contract
        await wait_for(lambda: len(server.orders) == 2)
        await server.fill(max(server.orders), 1, price=2.00)
        await wait_for(lambda: net_position(running, SHORT_ID) == -2)
        assert len(running.node.cache.positions_open()) == 1  # netted

        server.set_quote(SHORT_PUT, 1.36, 1.40)  # trade 1's take-profit only
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 1.36}))
        session_close(running, 472.60)
        await wait_for(lambda: len(server.orders) == 3)
        await server.fill(max(server.orders), 1, price=1.40)
        await wait_for(lambda: net_position(running, SHORT_ID) == -1)
        await wait_for(lambda: len(_closed(journal)) == 1)
        (first,) = _closed(journal)

        server.set_quote(SHORT_PUT, 0.96, 1.00)  # trade 2's take-profit
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 0.96}))
        session_close(running, 472.60)
        await wait_for(lambda: sum(o.side == "buy_to_close" for o in server.orders.values()) == 2)
        exit_id = max(i for i, o in server.orders.items() if o.side == "buy_to_close")
        await server.fill(exit_id, 1, price=1.00)
        await wait_for(lambda: len(_closed(journal)) == 2)
        (position,) = running.node.cache.positions_closed()
        realized = position.realized_pnl.as_double()
        second = next(r for r in _closed(journal) if r["id"] != first["id"])
    finally:
        await running.stop()
    assert [(r["fill_price"], r["exit_price"], r["pnl"]) for r in (first, second)] == [
        (3.10, 1.40, 170.00),
        (2.00, 1.00, 100.00),
    ]
    assert [(r["exit_reason"], r["error_class"]) for r in (first, second)] == [
        ("take_profit", None),
        ("take_profit", None),
    ]
    assert realized == pytest.approx(first["pnl"] + second["pnl"]) == pytest.approx(270.00)


def _closed(journal: TradeJournal) -> list[dict[str, Any]]:
    return [r for r in journal.rows() if r["kind"] == "trade" and r["exit_time"] is not None]


async def test_an_entry_filled_while_the_node_was_down_is_journalled_after_the_restart(
    server: FakeTradier, tmp_path: Path
) -> None:
    """The journal record of an entry sent before a stop gets the fill reconciliation brings.

    The order rebuilt by reconciliation has no tags: its fill is matched to the open trade
    holding the contract, once (a second restart brings the same fill again). Hand
    computation: sold at 3.10, bought back at 1.04 at the take-profit, one contract:
    (3.10 - 1.04) x 100 = 206.00 (the fake charges no fees).
    """
    path = single_put_config(server, tmp_path)
    config = yaml.safe_load(path.read_text())
    config["actors"] = [JOURNAL_ACTOR]
    path.write_text(yaml.safe_dump(config))
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
        (journal,) = [a for a in running.node.trader.actors() if isinstance(a, TradeJournal)]
        await wait_for(lambda: journal.rows() and journal.rows()[0]["fill_price"] is not None)
    finally:
        await running.stop()

    running = await start_node(path)  # reconciliation brings the same fill again
    try:
        strategy = strategy_of(running)
        (journal,) = [a for a in running.node.trader.actors() if isinstance(a, TradeJournal)]
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10}))
        server.set_quote(SHORT_PUT, 1.00, 1.04)
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 1.00}))
        session_close(running, 472.60)
        await wait_for(lambda: len(server.placements()) == 2)
        await server.fill(max(server.orders), 1, price=1.04)
        await wait_for(lambda: len(_closed(journal)) == 1)
        (record,) = journal.rows()
    finally:
        await running.stop()
    assert (record["fill_price"], record["exit_price"]) == (3.10, 1.04)
    assert [(leg["filled"], leg["exited"]) for leg in record["legs"]] == [(1, 1)]  # once each
    assert record["pnl"] == pytest.approx(206.00)
    assert record["exit_reason"] == "take_profit"
