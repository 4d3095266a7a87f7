"""A roll on a live node against the loopback fake Tradier: one multileg order of four legs.

A bull put spread (470/460, 2 lots) opened as one multileg order is rolled out to a later
expiration at the same strikes (``roll_to: out``) when half its credit can be kept: ONE
multileg order buys back the 470 put, sells the 460 put, sells the later 470 put and buys the
later 460 put. After a restart with that order filled while the node was down, nothing is sent
again and the roll chain is whole. An iron condor's roll (eight legs) goes out as two
multileg orders, the close and the open.
"""

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
import yaml
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.identifiers import InstrumentId

from actors.journal import TradeJournal
from options.market_calendar import is_session
from options.occ import format_occ
from statestore import StateStore
from tests.integration.adapters.tradier.fake_server import FakeTradier
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
from tests.integration.adapters.tradier.test_journal_combo import JOURNAL_ACTOR
from tests.integration.adapters.tradier.test_short_option_combo import (
    combo_config,
    net_position,
    quoted,
    session_close,
)

pytestmark = pytest.mark.timeout(90)


def _later_expiration() -> dt.date:
    day = EXPIRY + dt.timedelta(days=28)
    while not is_session(day):
        day += dt.timedelta(days=1)
    return day


LATER = _later_expiration()
NEW_SHORT = format_occ("SPY", LATER, OptionKind.PUT, 470)
NEW_LONG = format_occ("SPY", LATER, OptionKind.PUT, 460)
NEW_SHORT_ID = InstrumentId.from_str(f"{NEW_SHORT}.US")
NEW_LONG_ID = InstrumentId.from_str(f"{NEW_LONG}.US")


ROLL_FILL = {SHORT_PUT: 1.04, LONG_PUT: 0.60, NEW_SHORT: 3.50, NEW_LONG: 2.00}


def roll_config(server: FakeTradier, folder: Path) -> Path:
    """The combo spread config rolling out at half the credit kept, once per chain."""
    path = combo_config(server, folder)
    config = yaml.safe_load(path.read_text())
    config["instruments"]["load_ids"] += [str(NEW_SHORT_ID), str(NEW_LONG_ID)]
    config["strategies"][0]["config"].update(
        {"roll_profit_pct": 0.5, "roll_to": "out", "max_rolls": 1}
    )
    config["actors"] = [JOURNAL_ACTOR]
    path.write_text(yaml.safe_dump(config))
    server.set_quote(NEW_SHORT, 3.50, 3.54)
    server.set_quote(NEW_LONG, 1.96, 2.00)
    return path


async def _open_spread_and_send_roll(server: FakeTradier, running: RunningNode) -> dict[str, str]:
    (strategy,) = running.node.trader.strategies()
    await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10, LONG_ID: 1.88, NEW_SHORT_ID: 3.50}))
    session_close(running, 472.60)
    await wait_for(lambda: server.orders)
    (entry_id,) = server.orders
    await server.fill(entry_id, 2, leg_prices={SHORT_PUT: 3.10, LONG_PUT: 1.90})
    await wait_for(lambda: net_position(running, SHORT_ID) == -2)
    await wait_for(lambda: net_position(running, LONG_ID) == 2)
    await wait_for(lambda: strategy._trades and strategy._trades[0].credit == pytest.approx(1.20))

    # Closing costs 1.04 - 0.60 = 0.44 <= (1 - 0.5) x 1.20: roll; the later spread sells for
    # 3.50 - 2.00 = 1.50.
    server.set_quote(SHORT_PUT, 1.00, 1.04)
    server.set_quote(LONG_PUT, 0.60, 0.64)
    await wait_for(lambda: quoted(strategy, {SHORT_ID: 1.00, LONG_ID: 0.60}))
    session_close(running, 480.0)
    await wait_for(lambda: len(server.placements()) == 2)
    return server.placements()[1]


def _legs(form: dict[str, str]) -> dict[str, tuple[str, str]]:
    count = sum(1 for key in form if key.startswith("option_symbol["))
    return {
        form[f"option_symbol[{i}]"]: (form[f"side[{i}]"], form[f"quantity[{i}]"])
        for i in range(count)
    }


def _intents(folder: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(folder / "state.sqlite") as db:
        return db.execute("SELECT kind, state FROM order_intents ORDER BY created_ns").fetchall()


async def test_a_roll_goes_out_as_one_multileg_order(server: FakeTradier, tmp_path: Path) -> None:
    running = await start_node(roll_config(server, tmp_path))
    try:
        form = await _open_spread_and_send_roll(server, running)
        assert form["class"] == "multileg" and form["type"] == "market"
        assert _legs(form) == {
            SHORT_PUT: ("buy_to_close", "2"),
            LONG_PUT: ("sell_to_close", "2"),
            NEW_SHORT: ("sell_to_open", "2"),
            NEW_LONG: ("buy_to_open", "2"),
        }
        roll_id = max(server.orders)
        await server.fill(
            roll_id,
            2,
            leg_prices={SHORT_PUT: 1.04, LONG_PUT: 0.60, NEW_SHORT: 3.50, NEW_LONG: 2.00},
        )
        for instrument_id, held in (
            (SHORT_ID, 0),
            (LONG_ID, 0),
            (NEW_SHORT_ID, -2),
            (NEW_LONG_ID, 2),
        ):
            await wait_for(lambda i=instrument_id, h=held: net_position(running, i) == h)
        (strategy,) = running.node.trader.strategies()
        await wait_for(lambda: len(strategy._trades) == 1 and strategy._trades[0].opened)
        (successor,) = strategy._trades
        assert successor.credit == pytest.approx(1.50)
        assert {leg.instrument_id for leg in successor.legs} == {NEW_SHORT_ID, NEW_LONG_ID}
        original = successor.rolled_from
        assert strategy._store.roll_chain(successor.structure_id) == [
            original,
            successor.structure_id,
        ]
        (journal,) = [a for a in running.node.trader.actors() if isinstance(a, TradeJournal)]
        await wait_for(lambda: journal.rows() and journal.rows()[0]["exit_time"] is not None)
        first, second = journal.rows()
        # Hand computation (the fake charges no fees): the old spread sold for 3.10 - 1.90
        # = 1.20 and bought back for 1.04 - 0.60 = 0.44: (1.20 - 0.44) x 2 x 100 = 152.00.
        assert first["exit_reason"] == "rolled"
        assert first["pnl"] == pytest.approx(152.0)
        assert [(leg["fill_price"], leg["exit_price"]) for leg in first["legs"]] == [
            (3.10, 1.04),
            (1.90, 0.60),
        ]
        assert second["rolled_from"] == first["id"] == second["roll_chain"] == original
        assert second["fill_price"] == pytest.approx(1.50)
    finally:
        await running.stop()
    assert len(server.placements()) == 2
    assert _intents(tmp_path) == [("entry", "filled"), ("roll", "filled")]


async def test_a_roll_filled_while_the_node_was_down_is_not_sent_again(
    server: FakeTradier, tmp_path: Path
) -> None:
    path = roll_config(server, tmp_path)
    running = await start_node(path)
    try:
        await _open_spread_and_send_roll(server, running)
    finally:
        await running.stop()
    roll_id = max(server.orders)
    await server.fill(
        roll_id, 2, leg_prices={SHORT_PUT: 1.04, LONG_PUT: 0.60, NEW_SHORT: 3.50, NEW_LONG: 2.00}
    )

    running = await start_node(path)
    try:
        (strategy,) = running.node.trader.strategies()
        strategy_id = strategy.id.value
        await wait_for(lambda: len(strategy._trades) == 1 and strategy._trades[0].opened)
        (successor,) = strategy._trades
        assert {leg.instrument_id for leg in successor.legs} == {NEW_SHORT_ID, NEW_LONG_ID}
        assert successor.open_legs == {NEW_SHORT_ID, NEW_LONG_ID}
        assert successor.credit == pytest.approx(1.50)
        # A decision with the same quotes: the old spread is gone, the new one is not rolled
        # again (max_rolls 1) nor at its take-profit; nothing is sent.
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 1.00, NEW_SHORT_ID: 3.50}))
        session_close(running, 480.0)
        await wait_for(lambda: _intents(tmp_path)[-1] == ("roll", "filled"))
    finally:
        await running.stop()
    assert len(server.placements()) == 2
    assert _intents(tmp_path) == [("entry", "filled"), ("roll", "filled")]
    with StateStore(tmp_path / "state.sqlite") as store:
        old, new = store.structures(strategy_id, open_only=False)
    assert (old.status, new.status) == ("closed", "open")
    assert new.rolled_from == old.structure_id


SHORT_CALL = format_occ("SPY", EXPIRY, OptionKind.CALL, 480)
LONG_CALL = format_occ("SPY", EXPIRY, OptionKind.CALL, 490)
NEW_SHORT_CALL = format_occ("SPY", LATER, OptionKind.CALL, 480)
NEW_LONG_CALL = format_occ("SPY", LATER, OptionKind.CALL, 490)
CONDOR_HIGH = {
    SHORT_PUT: (3.10, 3.14),
    LONG_PUT: (1.88, 1.92),
    SHORT_CALL: (2.50, 2.54),
    LONG_CALL: (1.20, 1.24),
    NEW_SHORT: (3.50, 3.54),
    NEW_LONG: (1.96, 2.00),
    NEW_SHORT_CALL: (2.90, 2.94),
    NEW_LONG_CALL: (1.50, 1.54),
}
CONDOR_LOW = {
    SHORT_PUT: (1.00, 1.04),
    LONG_PUT: (0.60, 0.64),
    SHORT_CALL: (0.80, 0.84),
    LONG_CALL: (0.40, 0.44),
}


async def test_a_condor_roll_goes_out_as_two_multileg_orders(
    server: FakeTradier, tmp_path: Path
) -> None:
    # Eight legs are more than one Tradier multileg order holds: the close and the open go out
    # together as two orders of four legs.
    path = roll_config(server, tmp_path)
    config = yaml.safe_load(path.read_text())
    calls = [SHORT_CALL, LONG_CALL, NEW_SHORT_CALL, NEW_LONG_CALL]
    config["instruments"]["load_ids"] += [f"{symbol}.US" for symbol in calls]
    config["strategies"][0]["config"].update(
        structure="iron_condor",
        structure_params={"short_delta": 0.40, "width": 10},
        expiration_choice="window",
        quantity=1,
    )
    path.write_text(yaml.safe_dump(config))
    for symbol, (bid, ask) in CONDOR_HIGH.items():
        server.set_quote(symbol, bid, ask)
    running = await start_node(path)
    try:
        (strategy,) = running.node.trader.strategies()
        call_id = InstrumentId.from_str(f"{NEW_LONG_CALL}.US")
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10, call_id: 1.50}))
        session_close(running, 472.60)
        await wait_for(lambda: server.orders)
        (entry_id,) = server.orders
        entry_prices = {SHORT_PUT: 3.10, LONG_PUT: 1.92, SHORT_CALL: 2.50, LONG_CALL: 1.24}
        await server.fill(entry_id, 1, leg_prices=entry_prices)
        await wait_for(
            lambda: strategy._trades and strategy._trades[0].credit == pytest.approx(2.44)
        )

        # Debit to close 1.04 - 0.60 + 0.84 - 0.40 = 0.88 <= half of 2.44: roll out.
        for symbol, (bid, ask) in CONDOR_LOW.items():
            server.set_quote(symbol, bid, ask)
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 1.00}))
        session_close(running, 472.60)
        await wait_for(lambda: len(server.placements()) == 3)
        close, reopen = server.placements()[1:]
        assert _legs(close) == {
            SHORT_PUT: ("buy_to_close", "1"),
            LONG_PUT: ("sell_to_close", "1"),
            SHORT_CALL: ("buy_to_close", "1"),
            LONG_CALL: ("sell_to_close", "1"),
        }
        assert _legs(reopen) == {
            NEW_SHORT: ("sell_to_open", "1"),
            NEW_LONG: ("buy_to_open", "1"),
            NEW_SHORT_CALL: ("sell_to_open", "1"),
            NEW_LONG_CALL: ("buy_to_open", "1"),
        }
        for order_id in sorted(server.orders)[1:]:
            await server.fill(order_id, 1)
        await wait_for(lambda: len(strategy._trades) == 1 and strategy._trades[0].opened)
        await wait_for(lambda: len(strategy._trades[0].open_legs) == 4)
        (successor,) = strategy._trades
        assert successor.rolled_from is not None
    finally:
        await running.stop()
    assert _intents(tmp_path) == [
        ("entry", "filled"),
        ("exit", "filled"),
        ("entry", "filled"),
    ]


async def test_a_roll_canceled_after_part_filled_leaves_both_structures_at_what_filled(
    server: FakeTradier, tmp_path: Path
) -> None:
    # One of the two spreads of the roll fills, then the broker cancels the rest: the old
    # spread keeps 1 lot (checked again at the next decision), the new one holds 1 lot.
    running = await start_node(roll_config(server, tmp_path))
    try:
        await _open_spread_and_send_roll(server, running)
        roll_id = max(server.orders)
        await server.fill(roll_id, 1, leg_prices=ROLL_FILL)
        await server.set_status(roll_id, "canceled")
        await wait_for(lambda: _intents(tmp_path)[-1] == ("roll", "canceled"))
        for instrument_id, held in (
            (SHORT_ID, -1),
            (LONG_ID, 1),
            (NEW_SHORT_ID, -1),
            (NEW_LONG_ID, 1),
        ):
            await wait_for(lambda i=instrument_id, h=held: net_position(running, i) == h)
        (strategy,) = running.node.trader.strategies()
        old, new = strategy._trades
        await wait_for(lambda: not old.closing)
        assert [(leg.quantity, leg.closed_quantity) for leg in old.legs] == [(2, 1), (2, 1)]
        assert old.open_legs == {SHORT_ID, LONG_ID}
        assert new.opened and new.rolled_from == old.structure_id
        assert [leg.quantity for leg in new.legs] == [1, 1]
    finally:
        await running.stop()
