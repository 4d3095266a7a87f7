"""Parsing over every real Tradier response recorded in 2013-2014 (``../shared/data/tradier``).

These are the official Ruby gem's fixtures: an older field layout than today's API (``order_id``,
``time_in_force``, ISO quote dates, ``cash`` as ``[amount, {...}]``). Every file in the folder
must have a test here; a new file fails ``test_every_recorded_file_is_covered``.
"""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from nautilus_trader.model.enums import OrderSide, OrderStatus, OrderType, PositionSide, TimeInForce

from adapters.tradier import parsing, schemas
from options.instruments import daily_bar_type, equity_id, make_equity
from tests.conftest import shared_data_path

FOLDER = "tradier/tradier_rb_2013"
TS_INIT = 1_700_000_000_000_000_000


def body(name: str) -> bytes:
    return shared_data_path(f"{FOLDER}/{name}").read_bytes()


def check_account_balances() -> None:
    balance = parsing.parse_account_balance(
        schemas.decode(schemas.BalancesResponse, body("account_balances.json"))
    )
    # 2013 cash account with a negative equity and cash as [amount, {...}]
    assert balance.total.as_double() == pytest.approx(-1930391.42)
    assert balance.free == balance.total
    assert balance.locked.as_double() == 0.0


def check_user_balances() -> None:
    response = schemas.decode(schemas.UserAccountsResponse, body("user_balances.json"))
    accounts = schemas.as_list(response.accounts.account)  # type: ignore[union-attr]
    assert len(accounts) >= 3
    balances = []
    for account in accounts:
        assert account.balances is not None
        balance = parsing.parse_account_balance(schemas.BalancesResponse(account.balances))
        assert balance.total.as_decimal() == balance.locked.as_decimal() + balance.free.as_decimal()
        balances.append(balance)
    cash, margin, pdt, _ = balances
    assert cash.total.as_double() == pytest.approx(-1930391.42)
    assert margin.total.as_double() == pytest.approx(8763599.06)
    assert margin.free.as_double() == pytest.approx(8758001.01)  # option buying power
    assert pdt.free.as_double() == pytest.approx(50297.9)


def check_account_positions() -> None:
    parsed = parsing.parse_positions(
        schemas.decode(schemas.PositionsResponse, body("account_positions.json"))
    )
    assert parsed.rejected == 0
    equity, option = parsed.items
    assert str(equity.instrument_id) == "AAPL.US"
    assert equity.side == PositionSide.LONG
    assert equity.quantity == 21
    assert equity.avg_px_open == Decimal("9847.35") / 21
    assert str(option.instrument_id) == "DELL140118C00015000.US"
    assert option.side == PositionSide.SHORT
    assert option.quantity == 1
    assert option.avg_px_open == Decimal("0.02")  # |-2.0| / (1 x 100)


def check_user_positions() -> None:
    response = schemas.decode(schemas.UserAccountsResponse, body("user_positions.json"))
    accounts = schemas.as_list(response.accounts.account)  # type: ignore[union-attr]
    counts = [
        len(parsing.parse_positions(schemas.PositionsResponse(a.positions)).items) for a in accounts
    ]
    assert counts == [0, 2, 1, 0]  # "null", a list, a single object, "null"


def check_account_orders() -> None:
    orders = parsing.parse_orders(
        schemas.decode(schemas.OrdersResponse, body("account_orders.json"))
    )
    assert len(orders) == 35
    statuses = {parsing.order_status(o.status) for o in orders}
    assert statuses == {
        OrderStatus.FILLED,
        OrderStatus.REJECTED,
        OrderStatus.ACCEPTED,
        OrderStatus.CANCELED,
        OrderStatus.EXPIRED,
    }
    for order in orders:
        assert parsing.venue_id(order) == order.order_id  # 2013: id is 0, order_id is set
        assert parsing.order_side(order) == OrderSide.BUY
        assert parsing.order_type(order) in (OrderType.MARKET, OrderType.LIMIT)
        assert parsing.time_in_force(order) == TimeInForce.DAY
        assert parsing.order_created_ns(order)
    option = next(o for o in orders if o.order_id == 1028)
    assert str(parsing.instrument_id_for(parsing.order_symbol(option))) == "AAPL130622C00450000.US"
    rejected = next(o for o in orders if o.order_id == 957)
    assert parsing.order_reason(rejected) == "IncorrectOrderQuantity"
    new = next(o for o in orders if o.order_id == 967)
    assert parsing.order_updated_ns(new) == parsing.order_created_ns(new)  # 0001-01-01 sentinel


def check_user_orders() -> None:
    response = schemas.decode(schemas.UserAccountsResponse, body("user_orders.json"))
    (account,) = schemas.as_list(response.accounts.account)  # type: ignore[union-attr]
    orders = parsing.parse_orders(schemas.OrdersResponse(account.orders))
    assert [o.order_id for o in orders] == [952, 953]


def check_order() -> None:
    response = schemas.decode(schemas.OrderResponse, body("order.json"))
    assert response.order is None


def check_order_with_warnings() -> None:
    order = schemas.decode(schemas.OrderResponse, body("order_with_warnings.json")).order
    assert isinstance(order, schemas.Order)
    assert parsing.order_status(order.status) == OrderStatus.REJECTED
    assert parsing.order_reason(order) == "You do not have enough buying power for this trade."
    assert order.result is False


def check_placed_order() -> None:
    order = schemas.decode(schemas.OrderResponse, body("placed_order.json")).order
    assert isinstance(order, schemas.Order)
    assert parsing.venue_id(order) == 2038
    assert parsing.order_status(order.status) == OrderStatus.ACCEPTED


def check_quote() -> None:
    quotes, unmatched = parsing.parse_quotes(
        schemas.decode(schemas.QuotesResponse, body("quote.json"))
    )
    assert unmatched == []
    (quote,) = quotes
    tick = parsing.parse_quote_tick(quote, make_equity("AAPL"), TS_INIT)
    assert tick.bid_price.as_double() == 438.63
    assert tick.ask_price.as_double() == 438.66
    # bid_date 2013-06-10T16:34:58-04:00 is the later of the two sides
    assert (
        tick.ts_event
        == int(dt.datetime(2013, 6, 10, 20, 34, 58, tzinfo=dt.UTC).timestamp()) * 10**9
    )


def check_quotes() -> None:
    quotes, _ = parsing.parse_quotes(schemas.decode(schemas.QuotesResponse, body("quotes.json")))
    assert [q.symbol for q in quotes] == ["AAPL", "MSFT"]
    for quote in quotes:
        tick = parsing.parse_quote_tick(quote, make_equity(quote.symbol), TS_INIT)
        assert tick.bid_price <= tick.ask_price


def _check_adjusted_root_rows(name: str, expected: int) -> None:
    parsed = parsing.parse_chain(schemas.decode(schemas.QuotesResponse, body(name)), TS_INIT)
    assert parsed.rejected == 0
    assert len(parsed.items) == expected
    adjusted = parsed.items[0].contract
    assert str(adjusted.id) == "AAPL7150117C00430000.US"
    assert adjusted.underlying == "AAPL"
    assert adjusted.info["non_standard_deliverable"] is True
    assert adjusted.info["root"] == "AAPL7"
    for row in parsed.items:
        assert row.quote is not None
        assert row.greeks is None  # no greeks in the 2013 layout


def check_option_quote() -> None:
    _check_adjusted_root_rows("option_quote.json", 1)


def check_option_quotes() -> None:
    _check_adjusted_root_rows("option_quotes.json", 2)
    parsed = parsing.parse_chain(
        schemas.decode(schemas.QuotesResponse, body("option_quotes.json")), TS_INIT
    )
    standard = parsed.items[1].contract
    assert standard.info["non_standard_deliverable"] is False
    assert standard.strike_price.as_double() == 395.0


def check_chain() -> None:
    parsed = parsing.parse_chain(schemas.decode(schemas.ChainResponse, body("chain.json")), TS_INIT)
    assert parsed.rejected == 0
    assert len(parsed.items) == 330
    roots = {row.contract.info["root"] for row in parsed.items}
    assert roots == {"AAPL", "AAPL7"}
    for row in parsed.items:
        assert row.contract.underlying == "AAPL"
        assert row.contract.info["non_standard_deliverable"] is (
            row.contract.info["root"] != "AAPL"
        )
    # 2015-01-17 was a Saturday expiration: expiry moves to the Friday session close.
    first = parsed.items[0].contract
    assert first.expiration_utc == dt.datetime(2015, 1, 16, 21, 0, tzinfo=dt.UTC)


def check_expirations() -> None:
    expirations = parsing.parse_expirations(
        schemas.decode(schemas.ExpirationsResponse, body("expirations.json"))
    )
    assert len(expirations) == 12
    assert expirations[0].date == dt.date(2013, 6, 7)
    assert expirations[-1].date == dt.date(2015, 1, 17)


def check_expirations_with_strikes() -> None:
    expirations = parsing.parse_expirations(
        schemas.decode(schemas.ExpirationsResponse, body("expirations_with_strikes.json"))
    )
    assert len(expirations) == 12
    for exp in expirations:
        assert exp.strikes
        assert exp.adjusted_strikes  # the 2014 adjusted-roots block
        assert list(exp.strikes) == sorted(exp.strikes)


def check_strikes() -> None:
    strikes = parsing.parse_strikes(schemas.decode(schemas.StrikesResponse, body("strikes.json")))
    assert strikes[0] == Decimal("195.0")
    assert len(strikes) > 50


def check_history() -> None:
    bar_type = daily_bar_type(equity_id("AAPL"))
    parsed = parsing.parse_daily_bars(
        schemas.decode(schemas.HistoryResponse, body("history.json")), bar_type, 4
    )
    assert parsed.rejected == 0
    assert len(parsed.items) > 250
    first = parsed.items[0]
    assert first.close.as_double() == 562.29
    # 2012-05-25 close, 16:00 New York (EDT) = 20:00 UTC
    assert first.ts_event == int(dt.datetime(2012, 5, 25, 20, tzinfo=dt.UTC).timestamp()) * 10**9
    assert all(
        a.ts_event < b.ts_event for a, b in zip(parsed.items, parsed.items[1:], strict=False)
    )


def check_timesales() -> None:
    parsed = parsing.parse_timesales_ticks(
        schemas.decode(schemas.TimesalesResponse, body("timesales.json")), make_equity("AAPL")
    )
    assert parsed.rejected == 0
    assert len(parsed.items) == 590
    first = parsed.items[0]
    assert first.price.as_double() == 438.715
    # 2013-06-10T15:59:01 US/Eastern (no offset in the vendor's time)
    assert (
        first.ts_event
        == int(dt.datetime(2013, 6, 10, 19, 59, 1, tzinfo=dt.UTC).timestamp()) * 10**9
    )
    assert len({t.trade_id for t in parsed.items}) == 590


def check_clock() -> None:
    clock = parsing.parse_clock(schemas.decode(schemas.ClockResponse, body("clock.json")))
    assert clock.state == "closed"
    assert not clock.is_open
    assert clock.next_state == "premarket"
    assert (
        clock.next_change_ns == int(dt.datetime(2013, 6, 11, 12, tzinfo=dt.UTC).timestamp()) * 10**9
    )


def check_calendar() -> None:
    parsed = parsing.parse_calendar(schemas.decode(schemas.CalendarResponse, body("calendar.json")))
    assert parsed.rejected == 0
    assert len(parsed.items) == 30
    open_days = [d for d in parsed.items if d.status == "open"]
    assert len(open_days) == 20
    day = open_days[0]
    assert day.date == dt.date(2013, 6, 3)
    assert day.close_ns == int(dt.datetime(2013, 6, 3, 20, tzinfo=dt.UTC).timestamp()) * 10**9
    assert all(d.open_ns is None for d in parsed.items if d.status == "closed")


def check_lookup() -> None:
    hits = parsing.parse_securities(schemas.decode(schemas.SecuritiesResponse, body("lookup.json")))
    assert hits[0].symbol == "AAPL"
    assert {h.type for h in hits} >= {"stock", "etf"}


def check_search() -> None:
    hits = parsing.parse_securities(schemas.decode(schemas.SecuritiesResponse, body("search.json")))
    assert len(hits) == 8
    assert hits[0].description == "Apple Inc"


def check_session() -> None:
    session = schemas.decode(schemas.SessionResponse, body("session.json")).stream
    assert session.sessionid == "316908ae-c98d-4cc4-bb3b-32a3dc58aca0"


def check_account_gainloss() -> None:
    response = schemas.decode(schemas.GainLossResponse, body("account_gainloss.json"))
    (row,) = schemas.as_list(response.gainloss.closed_position)  # type: ignore[union-attr]
    assert row.symbol == "AAPL"
    assert row.quantity == 21.0


def check_account_history() -> None:
    response = schemas.decode(schemas.AccountHistoryResponse, body("account_history.json"))
    events = schemas.as_list(response.history.event)  # type: ignore[union-attr]
    assert events
    assert all(schemas.text(e.symbol) is None for e in events)  # "null" strings


def check_user_history() -> None:
    response = schemas.decode(schemas.UserAccountsResponse, body("user_history.json"))
    (account,) = schemas.as_list(response.accounts.account)  # type: ignore[union-attr]
    assert isinstance(account.history, schemas.HistoryEventsBody)
    assert schemas.as_list(account.history.event)


def check_user_profile() -> None:
    profile = schemas.decode(schemas.ProfileResponse, body("user_profile.json")).profile
    accounts = schemas.as_list(profile.account)
    assert len(accounts) > 5
    assert accounts[0].account_number == 10026165


RECORDED: dict[str, Callable[[], None]] = {
    "account_balances.json": check_account_balances,
    "account_gainloss.json": check_account_gainloss,
    "account_history.json": check_account_history,
    "account_orders.json": check_account_orders,
    "account_positions.json": check_account_positions,
    "calendar.json": check_calendar,
    "chain.json": check_chain,
    "clock.json": check_clock,
    "expirations.json": check_expirations,
    "expirations_with_strikes.json": check_expirations_with_strikes,
    "history.json": check_history,
    "lookup.json": check_lookup,
    "option_quote.json": check_option_quote,
    "option_quotes.json": check_option_quotes,
    "order.json": check_order,
    "order_with_warnings.json": check_order_with_warnings,
    "placed_order.json": check_placed_order,
    "quote.json": check_quote,
    "quotes.json": check_quotes,
    "search.json": check_search,
    "session.json": check_session,
    "strikes.json": check_strikes,
    "timesales.json": check_timesales,
    "user_balances.json": check_user_balances,
    "user_history.json": check_user_history,
    "user_orders.json": check_user_orders,
    "user_positions.json": check_user_positions,
    "user_profile.json": check_user_profile,
}


def test_every_recorded_file_is_covered() -> None:
    folder: Path = shared_data_path(FOLDER)
    assert {p.name for p in folder.glob("*.json")} == set(RECORDED)


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_recorded_response(name: str) -> None:
    RECORDED[name]()
