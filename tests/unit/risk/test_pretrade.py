"""Each pre-trade check alone, with injected time and a hand-built book, at its thresholds."""

import dataclasses
import datetime as dt

import pytest

from options import pricing
from options.market_calendar import NEW_YORK
from risk.data_quality import DataQualityConfig, check_data_quality
from risk.decision import ALLOW, Action, RiskDecision
from risk.entry_sizing import EntrySizingConfig, check_sizing
from risk.exposure import GreeksLimitsConfig, PricingConfig, book_exposures, check_greeks, greeks_of
from risk.order_rate import OrderRateConfig, check_order_rate
from risk.pretrade import PreTradeConfig, evaluate_entry
from risk.proposal import (
    Book,
    BookPosition,
    ClosingLeg,
    EntryProposal,
    OpenEntry,
    ProposedLeg,
)
from risk.stress import StressConfig, check_stress
from risk.trading_window import EventDay, TradingWindowConfig, check_window

SECOND_NS = 1_000_000_000
DAY_NS = 86_400 * SECOND_NS


def ny_ns(day: str, hour: int = 16, minute: int = 0, second: float = 0.0) -> int:
    when = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), tzinfo=NEW_YORK)
    return int(when.timestamp() * 1e9) + int(second * SECOND_NS)


NOW = ny_ns("2021-03-02", 15)
EXPIRY = NOW + 30 * DAY_NS


def short_put(
    quantity: int = 1,
    max_loss: float = 500.0,
    *,
    ts_ns: int = NOW,
    bid: float | None = 2.0,
    ask: float | None = 2.1,
    quote_ns: int | None = NOW,
    delta: float | None = -0.30,
    iv: float | None = 0.20,
    underlying: str = "SPY",
    structure: str = "short_put",
    chain_price: float | None = None,
) -> EntryProposal:
    leg = ProposedLeg(
        instrument_id="SPY210402P00100000.US",
        ratio=-1,
        kind="put",
        strike=100.0,
        expiration_ns=EXPIRY,
        bid=bid,
        ask=ask,
        quote_ns=quote_ns,
        iv=iv,
        delta=delta,
        gamma=0.05 if delta is not None else None,
        vega=0.11 if delta is not None else None,
        theta=-0.03 if delta is not None else None,
    )
    return EntryProposal(
        ts_ns=ts_ns,
        strategy_id="S-1",
        underlying=underlying,
        structure=structure,
        quantity=quantity,
        max_loss_per_unit=max_loss,
        legs=(leg,),
        underlying_price=100.0,
        chain_underlying_price=chain_price,
    )


def entry(
    underlying: str = "SPY", structure: str = "short_put", max_loss: float = 0.0
) -> OpenEntry:
    return OpenEntry(NOW - DAY_NS, "S-1", underlying, structure, 1, max_loss, ("X.US",))


BOOK = Book(equity=100_000.0, cash=100_000.0, underlying_prices={"SPY": 100.0})


# -- proposal --------------------------------------------------------------------------------


def test_a_proposal_refuses_a_zero_quantity_or_loss_and_prices_its_premium() -> None:
    with pytest.raises(ValueError, match="quantity was 0"):
        short_put(quantity=0)
    with pytest.raises(ValueError, match="max_loss_per_unit was 0"):
        short_put(max_loss=0.0)
    assert short_put().premium_per_unit == pytest.approx(200.0)  # sold at the 2.00 bid
    assert short_put(bid=None).premium_per_unit is None


# -- sizing ----------------------------------------------------------------------------------


def test_risk_per_trade_sizes_on_current_equity_at_and_around_the_budget() -> None:
    config = EntrySizingConfig(risk_per_trade=0.02)  # 2,000 of 100,000
    assert check_sizing(config, short_put(5, 400.0), BOOK).allowed == 5  # exactly the budget
    cut = check_sizing(config, short_put(5, 400.01), BOOK)
    assert cut.allowed == 4
    assert "risk per trade 2.00% of equity 100,000.00" in cut.reason
    grown = dataclasses.replace(BOOK, equity=150_000.0)  # gains compound: 3,000 budget
    assert check_sizing(config, short_put(10, 400.0), grown).allowed == 7
    shrunk = dataclasses.replace(BOOK, equity=19_999.0)  # losses shrink: 399.98 < one unit
    assert check_sizing(config, short_put(5, 400.0), shrunk).allowed == 0


def test_concurrent_trade_counts_per_account_underlying_and_structure() -> None:
    one_open = dataclasses.replace(BOOK, entries=(entry(),))
    two_open = dataclasses.replace(BOOK, entries=(entry(), entry("QQQ", "put_credit_spread")))
    assert check_sizing(EntrySizingConfig(max_concurrent_trades=2), short_put(), one_open).allowed
    full = check_sizing(EntrySizingConfig(max_concurrent_trades=2), short_put(), two_open)
    assert (full.allowed, full.reason) == (0, "sizing: 2 open trades, the limit is 2")
    per_underlying = EntrySizingConfig(max_trades_per_underlying=1)
    assert check_sizing(per_underlying, short_put(), one_open).allowed == 0
    assert check_sizing(per_underlying, short_put(underlying="IWM"), one_open).allowed == 1
    per_structure = EntrySizingConfig(max_trades_per_structure=2)
    assert check_sizing(per_structure, short_put(), two_open).allowed == 1
    assert check_sizing(per_structure, short_put(structure="x"), two_open).allowed == 1


def test_underlying_and_structure_risk_caps_count_the_open_entries() -> None:
    book = dataclasses.replace(BOOK, entries=(entry(max_loss=3_000.0), entry("QQQ", max_loss=9e9)))
    config = EntrySizingConfig(max_underlying_risk=0.05)  # 5,000 on SPY: 2,000 left
    assert check_sizing(config, short_put(5, 1_000.0), book).allowed == 2
    assert check_sizing(config, short_put(5, 1_000.01), book).allowed == 1
    by_structure = EntrySizingConfig(max_structure_risk=0.05)  # QQQ's short put counts too
    assert check_sizing(by_structure, short_put(5, 1_000.0), book).allowed == 0
    assert check_sizing(by_structure, short_put(5, 1_000.0, structure="spread"), book).allowed == 5


def test_cash_buffer_keeps_a_fraction_of_equity_free_of_open_risk() -> None:
    book = dataclasses.replace(BOOK, entries=(entry(max_loss=70_000.0),))
    config = EntrySizingConfig(cash_buffer=0.2)  # 100,000 - 70,000 - 20,000 = 10,000 free
    assert check_sizing(config, short_put(9, 2_500.0), book).allowed == 4
    assert "buffer of 20.00% of equity" in check_sizing(config, short_put(9, 2_500.0), book).reason
    assert check_sizing(config, short_put(9, 2_500.01), book).allowed == 3


def test_minimum_notional_skips_small_entries_also_after_a_cut() -> None:
    config = EntrySizingConfig(min_notional=600.0)  # 200 of premium per unit
    assert check_sizing(config, short_put(3), BOOK).allowed == 3  # 600: at the minimum
    small = check_sizing(config, short_put(2), BOOK)
    assert small.allowed == 0
    assert "premium 400.00 for 2 unit(s) is below the minimum notional 600.00" in small.reason
    both = EntrySizingConfig(min_notional=600.0, risk_per_trade=0.01)  # 1,000: 2 of 500
    assert check_sizing(both, short_put(5, 500.0), BOOK).allowed == 0


def test_a_bad_sizing_value_names_the_field() -> None:
    with pytest.raises(ValueError, match=r"sizing\.risk_per_trade was 1\.5"):
        EntrySizingConfig(risk_per_trade=1.5)
    with pytest.raises(ValueError, match=r"sizing\.max_concurrent_trades was 0"):
        EntrySizingConfig(max_concurrent_trades=0)


# -- greeks ----------------------------------------------------------------------------------


def test_greeks_limits_cut_an_entry_to_the_units_that_fit() -> None:
    # one short put at delta -0.30 per share: +30 shares of delta per unit
    config = GreeksLimitsConfig(max_delta_shares=100.0)
    assert check_greeks(config, short_put(3), BOOK).allowed == 3
    cut = check_greeks(config, short_put(5), BOOK)
    assert cut.allowed == 3
    assert "net delta 0.00 with +30.00 per unit, limit ±100.00: 3 unit(s) fit" in cut.reason
    at_limit = short_put(5, delta=-0.25)  # 4 units: exactly 100 shares
    assert check_greeks(config, at_limit, BOOK).allowed == 4
    vega = GreeksLimitsConfig(max_vega=33.0)  # -11 USD per vol point per unit
    assert check_greeks(vega, short_put(5), BOOK).allowed == 3
    theta = GreeksLimitsConfig(max_theta=8.9)  # +3 USD per day per unit
    assert check_greeks(theta, short_put(5), BOOK).allowed == 2


def test_book_greeks_are_modelled_at_the_iv_of_each_mark() -> None:
    spot, strike, t = 100.0, 95.0, 30 / 365
    mark = pricing.bs_price(spot, strike, t, 0.25, 0.0, 0.0, False)
    position = BookPosition("P.US", "SPY", "put", -2.0, 100.0, mark, strike, NOW + 30 * DAY_NS)
    shares = BookPosition("SPY.US", "SPY", "equity", 50.0, 1.0, 100.0)
    book = dataclasses.replace(BOOK, positions=(position, shares))
    greeks = greeks_of(book_exposures(book, NOW, PricingConfig()), PricingConfig())
    delta = pricing.bs_delta(spot, strike, t, 0.25, 0.0, 0.0, False)
    assert greeks["delta"] == pytest.approx(-200 * delta + 50, rel=1e-6)
    assert greeks["vega"] == pytest.approx(
        -200 * pricing.bs_vega(spot, strike, t, 0.25, 0, 0, False)
    )
    # a book already past a limit may still enter what reduces it
    config = GreeksLimitsConfig(max_delta_shares=1.0)
    assert check_greeks(config, short_put(1, delta=0.1), book).allowed == 1
    assert check_greeks(config, short_put(1), book).allowed == 0


# -- stress grid -----------------------------------------------------------------------------


def _worst_unit_loss() -> float:
    # one short put (K 100, S 100, 30 days at 20%), by hand over the default grid
    t = pricing.year_fraction(NOW, EXPIRY)
    now = pricing.bs_price(100.0, 100.0, t, 0.20, 0.0, 0.0, False)
    losses = [
        100 * (pricing.bs_price(100.0 * (1 + m), 100.0, t, max(0.20 + v, 1e-6), 0, 0, False) - now)
        for m in (-0.2, -0.1, -0.05, 0.0, 0.05, 0.1, 0.2)
        for v in (-0.1, 0.0, 0.1)
    ]
    return max(losses)


def test_stress_grid_cuts_an_entry_at_the_worst_scenario_limit() -> None:
    unit = _worst_unit_loss()  # the -20%, +10 points scenario: about 1,772
    assert 1_750 < unit < 1_800
    config = StressConfig(max_loss_fraction=3 * unit / 100_000 + 1e-9)
    assert check_stress(config, short_put(3), BOOK).allowed == 3
    cut = check_stress(config, short_put(4), BOOK)
    assert cut.allowed == 3
    assert "underlying -20%, IV +10 points" in cut.reason
    tight = StressConfig(max_loss_fraction=0.999 * unit / 100_000)
    assert check_stress(tight, short_put(1), BOOK).allowed == 0


def test_stress_grid_counts_the_book_and_lets_a_hedge_in() -> None:
    unit = _worst_unit_loss()
    held = BookPosition("SPY.US", "SPY", "equity", 100.0, 1.0, 100.0)  # loses 2,000 at -20%
    book = dataclasses.replace(BOOK, positions=(held,))
    config = StressConfig(max_loss_fraction=(2_000 + unit) / 100_000 + 1e-9)
    assert check_stress(config, short_put(2), book).allowed == 1
    hedge = BookPosition("SPY.US", "SPY", "equity", -100.0, 1.0, 100.0)  # short shares
    hedged = dataclasses.replace(BOOK, positions=(hedge,))
    assert check_stress(StressConfig(max_loss_fraction=0.001), short_put(1), hedged).allowed == 1


# -- trading window --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "allowed"),
    [
        (ny_ns("2021-03-02", 9, 29, 59.9), 0),
        (ny_ns("2021-03-02", 9, 30), 1),
        (ny_ns("2021-03-02", 16, 0, 0.001), 1),  # the end-of-day decision after the close
        (ny_ns("2021-03-02", 16, 1), 0),
        (ny_ns("2021-03-06", 12), 0),  # a Saturday
        (ny_ns("2021-11-26", 12, 0, 59), 1),  # half day, before the cut-off's minute ends
        (ny_ns("2021-11-26", 12, 1), 0),
        (ny_ns("2021-11-24", 12, 30), 1),  # a full day: no cut-off
    ],
)
def test_trading_window_in_new_york_hours_and_half_days(when: int, allowed: int) -> None:
    config = TradingWindowConfig(start="09:30", end="16:00", half_day_cutoff="12:00")
    assert check_window(config, short_put(ts_ns=when), []).allowed == allowed


def test_earnings_blackout_counts_only_dates_already_known() -> None:
    config = TradingWindowConfig(earnings_days_before=1, earnings_days_after=1)
    known = [EventDay("SPY", "2021-04-21", ny_ns("2021-04-01"))]
    days = {
        d: check_window(config, short_put(ts_ns=ny_ns(d)), known).allowed
        for d in ("2021-04-19", "2021-04-20", "2021-04-21", "2021-04-22", "2021-04-23")
    }
    assert days == {
        "2021-04-19": 1,
        "2021-04-20": 0,
        "2021-04-21": 0,
        "2021-04-22": 0,
        "2021-04-23": 1,
    }
    blocked = check_window(config, short_put(ts_ns=ny_ns("2021-04-20")), known)
    assert "earnings of SPY on 2021-04-21" in blocked.reason
    later = [EventDay("SPY", "2021-04-21", ny_ns("2021-04-20", 17))]  # published after
    assert check_window(config, short_put(ts_ns=ny_ns("2021-04-20")), later).allowed == 1
    other = [EventDay("AAPL", "2021-04-21")]
    assert check_window(config, short_put(ts_ns=ny_ns("2021-04-21")), other).allowed == 1
    events = TradingWindowConfig(events=[EventDay("*", "2021-04-28")])  # FOMC
    assert check_window(events, short_put(ts_ns=ny_ns("2021-04-28")), []).allowed == 0


def test_a_bad_window_value_names_the_field() -> None:
    with pytest.raises(ValueError, match=r"trading_window\.end was '25:00'"):
        TradingWindowConfig(end="25:00")
    with pytest.raises(ValueError, match="start 16:00 is not before end 09:30"):
        TradingWindowConfig(start="16:00", end="09:30")


# -- order rate ------------------------------------------------------------------------------


def test_order_rate_counts_the_entry_orders_in_the_window() -> None:
    config = OrderRateConfig(max_orders=3, per_secs=60)
    spread = dataclasses.replace(short_put(), legs=short_put().legs * 2)  # two orders
    one = dataclasses.replace(BOOK, order_times_ns=(NOW - 10 * SECOND_NS,))
    assert check_order_rate(config, spread, one).allowed == 1
    two = dataclasses.replace(BOOK, order_times_ns=(NOW - 10 * SECOND_NS, NOW))
    blocked = check_order_rate(config, spread, two)
    assert blocked.allowed == 0
    assert "2 orders in the last 60 s and 2 more would pass the limit of 3" in blocked.reason
    aged = dataclasses.replace(BOOK, order_times_ns=(NOW - 60 * SECOND_NS, NOW))  # one aged out
    assert check_order_rate(config, spread, aged).allowed == 1


# -- data quality ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proposal", "allowed", "why"),
    [
        (short_put(quote_ns=NOW - 60 * SECOND_NS), 1, ""),
        (short_put(quote_ns=NOW - 60 * SECOND_NS - 1), 0, "quote is stale (60 s old)"),
        (short_put(bid=0.0), 0, "has a zero bid"),
        (short_put(bid=2.2, ask=2.1), 0, "quote is crossed (bid 2.2 > ask 2.1)"),
        (short_put(bid=None, ask=None), 0, "has no quote"),
        (short_put(delta=None), 0, "has no greeks"),
        (short_put(chain_price=100.5), 1, ""),
        (short_put(chain_price=100.51), 0, "differs from its own 100.00 by 0.51%"),
    ],
)
def test_data_quality_breakers(proposal: EntryProposal, allowed: int, why: str) -> None:
    cap = check_data_quality(DataQualityConfig(), proposal, BOOK)
    assert cap.allowed == allowed
    assert why in cap.reason
    if why:
        assert cap.reason.startswith("data quality: entry waits: ")


def test_missing_greeks_pass_when_not_required() -> None:
    config = DataQualityConfig(require_greeks=False)
    assert check_data_quality(config, short_put(delta=None), BOOK).allowed == 1


# -- all checks after the standing decision --------------------------------------------------


def test_evaluate_entry_applies_the_standing_decision_first_then_the_smallest_cap() -> None:
    config = PreTradeConfig(
        sizing=EntrySizingConfig(risk_per_trade=0.02), greeks=GreeksLimitsConfig(max_vega=33.0)
    )
    assert evaluate_entry(config, short_put(2, 400.0), BOOK, ALLOW) == ALLOW
    decision = evaluate_entry(config, short_put(8, 400.0), BOOK, ALLOW)
    assert (decision.action, decision.sized(8), decision.rule) == (
        Action.REDUCE,
        3,
        "sizing,greeks",
    )
    halved = RiskDecision(Action.REDUCE, 0.5, "drawdown tier", "drawdown")
    decision = evaluate_entry(config, short_put(8, 400.0), BOOK, halved)
    assert decision.sized(8) == 3  # 4 after the halving, then the vega cap
    assert decision.rule == "drawdown,greeks"
    decision = evaluate_entry(config, short_put(4, 400.0), BOOK, halved)
    assert decision.sized(4) == 2
    assert decision.rule == "drawdown"
    block = RiskDecision(Action.BLOCK, 0.0, "daily loss cap", "daily_loss")
    assert evaluate_entry(config, short_put(1), BOOK, block) is block
    window = PreTradeConfig(trading_window=TradingWindowConfig())
    late = evaluate_entry(window, short_put(ts_ns=ny_ns("2021-03-02", 17)), BOOK, ALLOW)
    assert (late.action, late.rule) == (Action.BLOCK, "trading_window")


# -- a roll: the entry replaces an open structure ---------------------------------------------


def test_a_roll_is_checked_against_the_book_without_the_structure_it_replaces() -> None:
    # The book holds one short 95 put (entry of S-1, worst case 9,400) marked at 1.00: cash
    # 100,000, equity 100,000 - 1 x 100 x 1.00 = 99,900. The roll buys it back at its ask
    # 1.05 and sells the 100 put of short_put() in its place.
    old = "SPY210402P00095000.US"
    held = BookPosition(old, "SPY", "put", -1.0, 100.0, 1.00, 95.0, EXPIRY)
    book = dataclasses.replace(
        BOOK,
        equity=99_900.0,
        positions=(held,),
        entries=(OpenEntry(NOW - DAY_NS, "S-1", "SPY", "short_put", 1, 9_400.0, (old,)),),
    )
    roll = dataclasses.replace(short_put(), closes=(ClosingLeg(old, -1.0, 1.05),))

    after = book.after_closing(roll)
    # cash: 100,000 - 1 x 1.05 x 100 = 99,895; equity: 99,900 - 105 + 100 (the mark leaves)
    assert (after.cash, after.equity) == (pytest.approx(99_895.0), pytest.approx(99_895.0))
    assert (after.positions, after.entries) == ((), ())
    assert book.after_closing(short_put()) is book  # a plain entry closes nothing

    at_limit = PreTradeConfig(sizing=EntrySizingConfig(max_concurrent_trades=1))
    assert evaluate_entry(at_limit, roll, book, ALLOW) == ALLOW
    assert evaluate_entry(at_limit, short_put(), book, ALLOW).action == Action.BLOCK
    # another strategy's entry in the same contract still counts
    theirs = dataclasses.replace(
        book, entries=(dataclasses.replace(book.entries[0], strategy_id="S-2"),)
    )
    assert evaluate_entry(at_limit, roll, theirs, ALLOW).action == Action.BLOCK
    # the cash buffer no longer sets the replaced entry's 9,400 aside: 99,895 - 20% x 99,895
    # = 79,916 of room, 15 units of 5,000; counted as open: 100,000 - 9,400 - 19,980 = 70,620,
    # 14 units
    buffer = PreTradeConfig(sizing=EntrySizingConfig(cash_buffer=0.2))
    twenty = dataclasses.replace(roll, quantity=20, max_loss_per_unit=5_000.0)
    assert evaluate_entry(buffer, twenty, book, ALLOW).sized(20) == 15
    assert (
        evaluate_entry(buffer, dataclasses.replace(twenty, closes=()), book, ALLOW).sized(20) == 14
    )

    # greeks: +30 delta shares a unit; the old put's own (short, 95 strike) delta leaves
    greeks = PreTradeConfig(greeks=GreeksLimitsConfig(max_delta_shares=30.0))
    assert evaluate_entry(greeks, roll, book, ALLOW) == ALLOW
    assert evaluate_entry(greeks, short_put(), book, ALLOW).action == Action.BLOCK

    # stress grid: valued without the old put, the new put's worst scenario alone fits
    worst = _worst_unit_loss()
    stress = PreTradeConfig(stress=StressConfig(max_loss_fraction=1.001 * worst / 99_895))
    assert evaluate_entry(stress, roll, book, ALLOW) == ALLOW
    assert evaluate_entry(stress, short_put(), book, ALLOW).action == Action.BLOCK

    # a partial close leaves the rest of the position in the book
    two = dataclasses.replace(book, positions=(dataclasses.replace(held, quantity=-2.0),))
    (left,) = two.after_closing(roll).positions
    assert left.quantity == -1.0
