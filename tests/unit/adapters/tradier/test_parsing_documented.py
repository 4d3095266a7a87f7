"""Parsing over fixtures written in today's documented Tradier layout (``api-tradier.md``).

No real capture of today's layout exists; the ``fixtures/documented_layout_*.json`` files follow
the vendor documentation's examples and are named as such.
"""

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest
from nautilus_trader.model.data import BarSpecification, BarType
from nautilus_trader.model.enums import (
    AggregationSource,
    BarAggregation,
    OptionKind,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    PriceType,
    TimeInForce,
)

from adapters.tradier import parsing, schemas
from adapters.tradier.errors import TradierParseError
from options.deliverables import Deliverable, deliverable_of, is_standard_contract
from options.instruments import daily_bar_type, equity_id, make_equity

FIXTURES = Path(__file__).parent / "fixtures"
TS_INIT = 1_704_300_000_000_000_000  # 2024-01-03T16:40:00Z


def load[S: msgspec.Struct](schema: type[S], name: str) -> S:
    return schemas.decode(schema, (FIXTURES / f"documented_layout_{name}.json").read_bytes())


def ns(*args: int) -> int:
    return int(dt.datetime(*args, tzinfo=dt.UTC).timestamp()) * 10**9


def test_quotes_with_unmatched_symbols() -> None:
    quotes, unmatched = parsing.parse_quotes(load(schemas.QuotesResponse, "quotes"))
    assert [q.symbol for q in quotes] == ["SPY", "SPY240119P00470000"]
    assert unmatched == ["SPY230120C00400000"]
    tick = parsing.parse_quote_tick(quotes[0], make_equity("SPY"), TS_INIT)
    assert tick.bid_price.as_double() == 472.6
    assert tick.ask_size.as_double() == 5
    assert tick.ts_event == 1704229199000 * 10**6


def test_single_quote_object_is_a_list_of_one() -> None:
    quotes, _ = parsing.parse_quotes(load(schemas.QuotesResponse, "quote_single"))
    assert len(quotes) == 1


def test_chain_with_greeks() -> None:
    parsed = parsing.parse_chain(load(schemas.ChainResponse, "chain_greeks"), TS_INIT, 472.65)
    assert parsed.rejected == 0
    rows = {str(r.contract.id): r for r in parsed.items}
    put = rows["SPY240119P00470000.US"]
    assert put.contract.option_kind == OptionKind.PUT
    assert put.contract.strike_price.as_double() == 470.0
    assert put.contract.multiplier.as_double() == 100
    assert put.contract.expiration_utc == dt.datetime(2024, 1, 19, 21, tzinfo=dt.UTC)
    assert put.quote is not None
    assert put.quote.bid_price.as_double() == 3.10
    greeks = put.greeks
    assert greeks is not None
    assert greeks.delta == -0.2412
    assert greeks.vega == 0.4021
    assert greeks.theta == -0.1523
    assert greeks.mark_iv == 0.1745
    assert greeks.underlying_price == 472.65
    assert greeks.open_interest == 40122
    # updated_at 2024-01-02 14:59:08 US/Eastern
    assert greeks.ts_event == ns(2024, 1, 2, 19, 59, 8)
    # mid_iv 0.0 falls back to smv_vol (A4.2)
    low = rows["SPY240119P00460000.US"].greeks
    assert low is not None
    assert low.mark_iv == 0.192
    assert low.bid_iv is None
    # greeks null: no OptionGreeks; no bid: no quote, contract still listed
    assert rows["SPY240119C00480000.US"].greeks is None
    assert rows["SPY240119P00300000.US"].quote is None


def test_spxw_single_object_chain() -> None:
    parsed = parsing.parse_chain(load(schemas.ChainResponse, "chain_spxw_single"), TS_INIT)
    (row,) = parsed.items
    assert str(row.contract.id) == "SPXW240119C04700000.US"
    assert row.contract.underlying == "SPX"
    assert row.contract.info["root"] == "SPXW"
    assert row.contract.info["non_standard_deliverable"] is False
    assert row.contract.info["expiration_type"] == "weeklys"


def test_adjusted_root_is_flagged_non_standard() -> None:
    parsed = parsing.parse_chain(load(schemas.ChainResponse, "chain_adjusted_root"), TS_INIT)
    (row,) = parsed.items
    assert row.contract.underlying == "AAPL"
    assert row.contract.info["non_standard_deliverable"] is True


@pytest.mark.parametrize("name", ["chain_null", "chain_null_string"])
def test_empty_chain(name: str) -> None:
    assert parsing.parse_chain(load(schemas.ChainResponse, name), TS_INIT).items == []


@pytest.mark.parametrize(
    ("symbol", "underlying", "root", "standard"),
    [
        ("SPY240119P00470000", "SPY", "SPY", True),
        ("SPXW240119C04700000", "SPX", "SPXW", True),
        ("RUTW240119C02000000", "RUT", "RUTW", True),
        ("AAPL1240119C00150000", "AAPL", "AAPL1", False),
        ("AAPL7150117C00430000", "AAPL", "AAPL7", False),
        ("BRKB240119C00350000", "BRKB", "BRKB", True),
    ],
)
def test_option_symbols(symbol: str, underlying: str, root: str, standard: bool) -> None:
    parsed = parsing.parse_option_symbol(symbol)
    assert parsed.underlying == underlying
    assert parsed.occ.root == root
    assert parsed.standard is standard
    assert parsed.occ.compact == symbol


def test_mini_contract_size_becomes_the_multiplier() -> None:
    contract = parsing.parse_option_contract("AAPL7150117C00430000", TS_INIT, contract_size=10)
    assert contract.multiplier.as_double() == 10
    assert contract.info["contract_size"] == 10
    # the same deliverable a backtest reads (options.deliverables): 10 shares, multiplier 10
    assert deliverable_of(contract.info, 10) == Deliverable(10, multiplier=10)


@pytest.mark.parametrize(
    ("symbol", "contract_size", "standard"),
    [
        ("SPY240119P00470000", 100, True),
        ("SPXW240119C04700000", 100, True),  # cash-settled index, multiplier 100
        ("AAPL7150117C00430000", 10, False),  # a mini: 10 shares, multiplier 10
        ("AAPL1240119C00150000", 100, False),  # adjusted root: Tradier does not say what
    ],
)
def test_the_structure_engine_trades_only_standard_tradier_contracts(
    symbol: str, contract_size: int, standard: bool
) -> None:
    # The live structure engine leaves out what options.deliverables calls non-standard.
    contract = parsing.parse_option_contract(symbol, TS_INIT, contract_size=contract_size)
    assert is_standard_contract(contract) is standard


@pytest.mark.parametrize("symbol", ["SPY", "SPY24011P00470000", "SPY240119X00470000", ""])
def test_bad_option_symbols_raise(symbol: str) -> None:
    with pytest.raises(TradierParseError):
        parsing.parse_option_symbol(symbol)


def test_expirations_variants() -> None:
    dates = [
        e.date for e in parsing.parse_expirations(load(schemas.ExpirationsResponse, "expirations"))
    ]
    assert dates == [dt.date(2024, 1, 5), dt.date(2024, 1, 12), dt.date(2024, 1, 19)]
    (single,) = parsing.parse_expirations(load(schemas.ExpirationsResponse, "expirations_single"))
    assert single.date == dt.date(2024, 1, 19)
    assert parsing.parse_expirations(load(schemas.ExpirationsResponse, "expirations_null")) == []
    first, second = parsing.parse_expirations(
        load(schemas.ExpirationsResponse, "expirations_strikes")
    )
    assert first.strikes == (Decimal("460.0"), Decimal("465.0"), Decimal("470.0"))
    assert first.contract_size == 100
    assert second.expiration_type == "weeklys"
    assert second.strikes == (Decimal("470.0"),)


def test_strikes_variants() -> None:
    assert len(parsing.parse_strikes(load(schemas.StrikesResponse, "strikes"))) == 3
    assert parsing.parse_strikes(load(schemas.StrikesResponse, "strikes_single")) == (
        Decimal("150.0"),
    )


def test_option_lookup_roots() -> None:
    roots = parsing.parse_option_lookup(load(schemas.OptionLookupResponse, "option_lookup"))
    assert roots["SPX"] == ["SPX240119C04700000", "SPX240119P04700000"]
    assert roots["SPXW"] == ["SPXW240119C04700000"]


def test_history_rejects_and_counts_bad_rows() -> None:
    bar_type = daily_bar_type(equity_id("SPY"))
    parsed = parsing.parse_daily_bars(load(schemas.HistoryResponse, "history"), bar_type, 4)
    assert len(parsed.items) == 2
    assert parsed.rejected == 2  # a Saturday, a missing close
    assert parsed.items[0].ts_event == ns(2024, 1, 2, 21)
    single = parsing.parse_daily_bars(load(schemas.HistoryResponse, "history_single"), bar_type, 4)
    assert len(single.items) == 1
    assert (
        parsing.parse_daily_bars(load(schemas.HistoryResponse, "history_null"), bar_type, 4).items
        == []
    )


def test_history_refuses_intraday_bar_type() -> None:
    bar_type = BarType(
        equity_id("SPY"),
        BarSpecification(1, BarAggregation.MINUTE, PriceType.LAST),
        AggregationSource.EXTERNAL,
    )
    with pytest.raises(ValueError, match="was not daily"):
        parsing.parse_daily_bars(load(schemas.HistoryResponse, "history"), bar_type, 4)


def test_timesales_bars_are_stamped_at_their_end() -> None:
    bar_type = BarType(
        equity_id("SPY"),
        BarSpecification(1, BarAggregation.MINUTE, PriceType.LAST),
        AggregationSource.EXTERNAL,
    )
    parsed = parsing.parse_timesales_bars(load(schemas.TimesalesResponse, "timesales"), bar_type, 4)
    assert len(parsed.items) == 2
    assert parsed.rejected == 1  # the tick-style row has no OHLC
    assert parsed.items[0].ts_event == (1704205800 + 60) * 10**9


def test_clock_and_calendar() -> None:
    clock = parsing.parse_clock(load(schemas.ClockResponse, "clock"))
    assert clock.is_open
    assert clock.next_change_ns == ns(2024, 1, 2, 21)
    days = parsing.parse_calendar(load(schemas.CalendarResponse, "calendar")).items
    holiday, half_day, full_day = days
    assert holiday.status == "closed"
    assert holiday.close_ns is None
    assert half_day.close_ns == ns(2023, 11, 24, 18)  # 13:00 EST early close
    assert full_day.close_ns == ns(2023, 11, 27, 21)


def test_margin_balances_use_option_buying_power() -> None:
    balance = parsing.parse_account_balance(load(schemas.BalancesResponse, "balances_margin"))
    assert balance.total.as_decimal() == Decimal("25210.55")
    assert balance.free.as_decimal() == Decimal("24210.55")
    assert balance.locked.as_decimal() == Decimal("1000.00")


def test_cash_balances_use_cash_available() -> None:
    balance = parsing.parse_account_balance(load(schemas.BalancesResponse, "balances_cash"))
    assert balance.total.as_decimal() == Decimal("5120.00")
    assert balance.free.as_decimal() == Decimal("5000.00")


def test_positions_variants() -> None:
    parsed = parsing.parse_positions(load(schemas.PositionsResponse, "positions"))
    short, long, shares = parsed.items
    assert short.side == PositionSide.SHORT
    assert short.quantity == 1
    assert short.avg_px_open == Decimal("3.1")
    assert long.avg_px_open == Decimal("1.05")
    assert shares.avg_px_open == Decimal("472.65")
    assert (
        len(parsing.parse_positions(load(schemas.PositionsResponse, "positions_single")).items) == 1
    )
    assert parsing.parse_positions(load(schemas.PositionsResponse, "positions_null")).items == []


def test_orders_list() -> None:
    multileg, single, rejected, stop = parsing.parse_orders(load(schemas.OrdersResponse, "orders"))
    assert multileg.order_class == "multileg"
    assert parsing.order_type(multileg) == OrderType.LIMIT
    assert [leg.option_symbol for leg in parsing.order_legs(multileg)] == [
        "SPY240119P00470000",
        "SPY240119P00460000",
    ]
    assert [parsing.order_side(leg) for leg in parsing.order_legs(multileg)] == [
        OrderSide.SELL,
        OrderSide.BUY,
    ]
    assert multileg.tag == "O-20240102-143312-001-000-1"
    assert parsing.order_status(single.status) == OrderStatus.PARTIALLY_FILLED
    assert parsing.time_in_force(single) == TimeInForce.GTC
    assert parsing.order_status(rejected.status) == OrderStatus.REJECTED
    assert "Unexpected SellShortOrder" in parsing.order_reason(rejected)
    assert parsing.order_type(stop) == OrderType.STOP_LIMIT
    assert stop.stop_price == 466.0
    assert parsing.order_created_ns(single) == ns(2024, 1, 2, 15)
    assert parsing.is_terminal("filled")
    assert not parsing.is_terminal("partially_filled")
    assert not parsing.is_terminal("accepted_for_bidding")
    assert len(parsing.parse_orders(load(schemas.OrdersResponse, "orders_single"))) == 1
    assert parsing.parse_orders(load(schemas.OrdersResponse, "orders_null")) == []


def test_order_ack_and_preview() -> None:
    ack = load(schemas.OrderResponse, "order_ack").order
    assert isinstance(ack, schemas.Order)
    assert parsing.venue_id(ack) == 257459
    preview = load(schemas.OrderResponse, "order_preview").order
    assert isinstance(preview, schemas.Order)
    assert preview.result is True
    assert preview.margin_change == 1000.0
    assert preview.order_class == "multileg"


def test_market_stream_events() -> None:
    raw = json.loads((FIXTURES / "documented_layout_market_events.json").read_text())
    events = [schemas.decode(schemas.MarketEvent, json.dumps(e).encode()) for e in raw]
    quote, trade, summary, timesale, tradex, error = events
    equity = make_equity("C")
    tick = parsing.parse_stream_quote(quote, equity, TS_INIT)
    assert tick.bid_price.as_double() == 281.84
    assert tick.ts_event == 1557757190000 * 10**6
    trade_tick = parsing.parse_stream_trade(trade, make_equity("SPY"), TS_INIT)
    assert trade_tick.price.as_double() == 281.12  # numbers as strings
    assert trade_tick.size.as_double() == 100
    assert str(trade_tick.trade_id) == "1557757204760-34507070"
    assert summary.prev_close == 287.59
    assert (
        parsing.parse_stream_trade(timesale, make_equity("SPY"), TS_INIT).price.as_double()
        == 281.10
    )
    assert (
        parsing.parse_stream_trade(tradex, make_equity("SPY"), TS_INIT).trade_id
        != trade_tick.trade_id
    )
    assert error.type is None
    assert error.error == "1234 is not a valid symbol"


def test_account_stream_events() -> None:
    raw = json.loads((FIXTURES / "documented_layout_account_events.json").read_text())
    opened, filled, heartbeat = (
        schemas.decode(schemas.AccountEvent, json.dumps(e).encode()) for e in raw
    )
    assert opened.status == "open"
    assert filled.executed_quantity == 2.0  # the legacy field name is accepted
    assert heartbeat.event == "heartbeat"
    assert parsing.iso_to_ns(heartbeat.timestamp or "") == ns(2025, 12, 9, 18, 3, 51) + 29067000


def test_fill_state_derives_increments() -> None:
    state = parsing.FillState()
    assert state.advance(0.0, 0.0) is None
    first = state.advance(1.0, 1.04, 1.0, 1.04)
    assert first == parsing.FillIncrement(Decimal(1), Decimal("1.04"), Decimal(1))
    assert state.advance(1.0, 1.04) is None  # no new quantity: no duplicate fill
    # two fills merged between polls: the increment's price comes from the averages
    second = state.advance(3.0, 1.06, 1.0, 1.08)
    assert second is not None
    assert second.quantity == 2
    assert second.price == Decimal("1.07")
    # "filled" before the fill fields are populated: wait for the next poll
    assert parsing.FillState().advance(2.0, 0.0) is None


def test_trade_ids_are_deterministic() -> None:
    assert str(parsing.trade_id(228175, Decimal("2.0"))) == "228175-2"
    assert parsing.trade_id(1, Decimal("1")) == parsing.trade_id(1, Decimal("1.00"))


@pytest.mark.parametrize("value", ["null", None])
def test_null_lists(value: str | None) -> None:
    assert schemas.as_list(value) == []
    assert schemas.as_values(value) == []


def test_unexpected_string_in_a_list_field_raises() -> None:
    with pytest.raises(TradierParseError, match="was a string"):
        parsing.parse_orders(schemas.OrdersResponse(orders="unavailable"))


def test_malformed_body_raises_parse_error() -> None:
    with pytest.raises(TradierParseError, match="did not match"):
        schemas.decode(schemas.QuotesResponse, b'{"quotes":{"quote":{"symbol":"A","bid":"x"}}}')
    with pytest.raises(TradierParseError):
        schemas.decode(schemas.QuotesResponse, b"{not json")


def test_option_history_yields_expirations_assignments_and_exercises() -> None:
    # documented layout (A6.4); the OPTASGN/OPTEXC option types are guesses (only OPTEXP is
    # documented): assignments and exercises are also recognised by their descriptions
    parsed = parsing.parse_option_settlements(
        load(schemas.AccountHistoryResponse, "account_history_options")
    )
    # the trade row books nothing here; four malformed assignments (an equity symbol, 1.5
    # contracts, year 9999, a date that is not ISO) are rejected and counted
    assert [(s.instrument_id.value, s.kind, s.contracts) for s in parsed.items] == [
        ("SPY261204C00480000.US", "expired", 1),
        ("SPY261204P00470000.US", "assigned", 2),
        ("SPY261204C00460000.US", "exercised", 1),
    ]
    assert parsed.rejected == 4
    # history rows carry a date only: the settlement is stamped at that session's close,
    # 16:00 New York = 21:00 UTC on Friday 2026-12-04 (and Saturday the 5th rolls back to it)
    assert [s.ts_event for s in parsed.items] == [ns(2026, 12, 4, 21, 0, 0)] * 3
    assert len({s.key for s in parsed.items}) == 3


@pytest.mark.parametrize("body", [b'{"history": null}', b'{"history": "null"}'])
def test_empty_option_history_has_no_settlements(body: bytes) -> None:
    parsed = parsing.parse_option_settlements(schemas.decode(schemas.AccountHistoryResponse, body))
    assert (parsed.items, parsed.rejected) == ([], 0)
