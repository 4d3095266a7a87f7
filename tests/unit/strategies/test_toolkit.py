import datetime as dt

import pytest
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.identifiers import InstrumentId

from options import presets
from options.structures import DteWindow, StrikeByMoneyness
from strategies.toolkit.chain import ChainQuote, ChainSnapshot
from strategies.toolkit.exits import ExitReason, ExitRules
from strategies.toolkit.selection import is_monthly_expiration
from strategies.toolkit.sizing import contracts_for_risk
from strategies.toolkit.structure_selection import Liquidity, Selection, select

SESSION = dt.date(2021, 1, 4)


def quote(
    strike: float,
    expiration: dt.date,
    delta: float | None,
    bid: float = 1.0,
    ask: float = 1.1,
    kind: OptionKind = OptionKind.PUT,
    open_interest: float | None = None,
    volume: float | None = None,
) -> ChainQuote:
    right = "P" if kind == OptionKind.PUT else "C"
    symbol = f"SPY{expiration:%y%m%d}{right}{int(strike * 1000):08d}.US"
    return ChainQuote(
        InstrumentId.from_str(symbol),
        kind,
        strike,
        expiration,
        (expiration - SESSION).days,
        bid,
        ask,
        100,
        100,
        delta,
        open_interest,
        volume,
    )


FEB19 = dt.date(2021, 2, 19)
FEB26 = dt.date(2021, 2, 26)


def snapshot(*quotes: ChainQuote, spot: float = 370.0) -> ChainSnapshot:
    return ChainSnapshot(SESSION, spot, quotes)


def test_best_first_leg_takes_the_delta_nearest_the_target_across_expirations() -> None:
    far = quote(370, FEB26, -0.50)
    low = quote(365, FEB19, -0.49)
    high = quote(375, FEB19, -0.45)
    put = presets.short_put(delta=0.50, dte=DteWindow(25, 60))
    chosen = select(put, snapshot(far, low, high), expiration_choice="best_first_leg")
    assert isinstance(chosen, Selection) and chosen.legs[0].quote == far  # exact beats 0.01
    chosen = select(
        put,
        snapshot(quote(370, FEB26, -0.49), quote(360, FEB19, -0.51)),
        expiration_choice="best_first_leg",
    )
    assert isinstance(chosen, Selection) and chosen.expiration == FEB19  # tie: nearer expiration


def test_quotes_without_delta_are_not_picked_by_delta() -> None:
    chosen = select(presets.short_put(dte=DteWindow(25, 60)), snapshot(quote(370, FEB19, None)))
    assert chosen == "short_put: leg 0 (short put 2021-02-19): no quote has a delta"


def test_moneyness_picks_the_strike_nearest_spot() -> None:
    pool = snapshot(
        quote(365, FEB19, None), quote(370, FEB19, None), quote(375, FEB19, None), spot=371.2
    )
    atm = presets.short_put(strike=StrikeByMoneyness(1.0), dte=DteWindow(25, 60))
    chosen = select(atm, pool, expiration_choice="nearest")
    assert isinstance(chosen, Selection) and chosen.legs[0].quote.strike == 370


def test_filters_window_kind_bid_monthly_and_excluded_cycles() -> None:
    snap = snapshot(
        quote(370, FEB26, -0.5),
        quote(370, FEB19, -0.5),
        quote(360, FEB19, -0.3, bid=0.0),
        quote(380, FEB19, 0.4, kind=OptionKind.CALL),
        quote(370, dt.date(2021, 1, 15), -0.5),
    )
    put = presets.short_put(delta=0.3, dte=DteWindow(25, 60))
    nearest = select(put, snap, expiration_choice="nearest")
    assert isinstance(nearest, Selection)
    assert (nearest.legs[0].quote.strike, nearest.expiration) == (370, FEB19)  # no bid: no 360
    monthly = select(put, snap, expiration_choice="nearest", monthly_only=True, excluded=[FEB19])
    assert monthly == "short_put: no usable put 25-60 days out"
    assert select(put, snap, expiration_choice="best_first_leg", excluded=[FEB19, FEB26]) == (
        "short_put: no usable put 25-60 days out"
    )


def test_spread_wing_is_the_exact_width_and_liquidity_filters_apply() -> None:
    short = quote(370, FEB19, -0.5, bid=3.0, ask=3.2)
    snap = snapshot(short, quote(360, FEB19, -0.3, bid=1.0, ask=1.4), quote(362, FEB19, -0.33))
    spread = presets.bull_put_spread(short_delta=0.5, width=10, dte=DteWindow(25, 60))
    chosen = select(spread, snap)
    assert isinstance(chosen, Selection)
    assert [leg.quote.strike for leg in chosen.legs] == [370, 360]
    assert chosen.priced.natural == pytest.approx(-(3.0 - 1.4))  # credit 1.60 at the natural
    # the 360 wing is 0.40 wide, 33 % of its 1.20 mid: refused by either filter
    for liquidity in (Liquidity(max_spread=0.30), Liquidity(max_spread_fraction=0.25)):
        refused = select(spread, snap, liquidity=liquidity)
        assert isinstance(refused, str) and "no strike within 0.00 of 360.00" in refused
    assert isinstance(select(spread, snap, liquidity=Liquidity(max_spread=0.40)), Selection)


def test_min_open_interest_refuses_thin_and_unknown_contracts() -> None:
    short = quote(370, FEB19, -0.5, bid=3.0, ask=3.2, open_interest=1_500)
    thin = quote(360, FEB19, -0.3, bid=1.0, ask=1.4, open_interest=99)
    spread = presets.bull_put_spread(short_delta=0.5, width=10, dte=DteWindow(25, 60))
    assert isinstance(select(spread, snapshot(short, thin)), Selection)  # no filter: taken
    refused = select(spread, snapshot(short, thin), liquidity=Liquidity(min_open_interest=100))
    assert isinstance(refused, str) and "no strike within 0.00 of 360.00" in refused
    unknown = quote(360, FEB19, -0.3, bid=1.0, ask=1.4)  # no greeks record: open interest unknown
    assert isinstance(select(spread, snapshot(short, unknown), liquidity=Liquidity(0.5)), Selection)
    assert isinstance(
        select(spread, snapshot(short, unknown), liquidity=Liquidity(min_open_interest=0)), str
    )
    enough = quote(360, FEB19, -0.3, bid=1.0, ask=1.4, open_interest=100)
    chosen = select(spread, snapshot(short, enough), liquidity=Liquidity(min_open_interest=100))
    assert isinstance(chosen, Selection) and chosen.legs[1].quote == enough  # at the minimum


def test_min_volume_refuses_thin_and_unknown_contracts() -> None:
    short = quote(370, FEB19, -0.5, bid=3.0, ask=3.2, open_interest=1_000, volume=2_000)
    thin = quote(360, FEB19, -0.3, bid=1.0, ask=1.4, volume=49)
    spread = presets.bull_put_spread(short_delta=0.5, width=10, dte=DteWindow(25, 60))
    assert isinstance(select(spread, snapshot(short, thin)), Selection)  # no filter: taken
    refused = select(spread, snapshot(short, thin), liquidity=Liquidity(min_volume=50))
    assert isinstance(refused, str) and "no strike within 0.00 of 360.00" in refused
    unknown = quote(360, FEB19, -0.3, bid=1.0, ask=1.4, open_interest=500)  # no volume record
    assert isinstance(
        select(spread, snapshot(short, unknown), liquidity=Liquidity(min_volume=0)), str
    )
    enough = quote(360, FEB19, -0.3, bid=1.0, ask=1.4, open_interest=10, volume=50)
    chosen = select(spread, snapshot(short, enough), liquidity=Liquidity(min_volume=50))
    assert isinstance(chosen, Selection) and chosen.legs[1].quote == enough  # at the minimum
    both = Liquidity(min_open_interest=10, min_volume=50)
    assert isinstance(select(spread, snapshot(short, enough), liquidity=both), Selection)
    both = Liquidity(min_open_interest=11, min_volume=50)  # each minimum applies on its own
    assert isinstance(select(spread, snapshot(short, enough), liquidity=both), str)


def test_monthly_expiration_rule_includes_good_friday_thursday() -> None:
    assert is_monthly_expiration(dt.date(2021, 2, 19))
    assert not is_monthly_expiration(dt.date(2021, 2, 26))
    assert is_monthly_expiration(dt.date(2022, 4, 14))  # Good Friday 2022-04-15


def test_exit_rules() -> None:
    rules = ExitRules(take_profit_pct=0.5, stop_loss_multiple=2.0, exit_dte=7)
    assert rules.check(credit=2.0, debit_to_close=1.0, dte=20) == ExitReason.TAKE_PROFIT
    assert rules.check(credit=2.0, debit_to_close=4.0, dte=20) == ExitReason.STOP_LOSS
    assert rules.check(credit=2.0, debit_to_close=1.5, dte=7) == ExitReason.DTE_EXIT
    assert rules.check(credit=2.0, debit_to_close=1.5, dte=8) is None
    assert ExitRules().check(2.0, 100.0, 0) is None
    with pytest.raises(ValueError, match="stop_loss_multiple was"):
        ExitRules(stop_loss_multiple=0.5)


def test_debit_exit_rules_measure_against_the_debit_paid() -> None:
    # paid 2.00 (credit -2.00); closing receives the bid (debit to close negative)
    rules = ExitRules(take_profit_pct=1.0, stop_loss_pct=0.5)
    assert rules.check(credit=-2.0, debit_to_close=-4.0, dte=20) == ExitReason.TAKE_PROFIT
    assert rules.check(credit=-2.0, debit_to_close=-3.9, dte=20) is None
    assert rules.check(credit=-2.0, debit_to_close=-1.0, dte=20) == ExitReason.STOP_LOSS
    assert rules.check(credit=-2.0, debit_to_close=-1.1, dte=20) is None


def test_short_delta_and_strike_breach_exits() -> None:
    rules = ExitRules(short_delta_limit=0.40, exit_on_short_strike=True)
    assert rules.check(2.0, 2.0, 20, short_deltas=(-0.41,)) == ExitReason.SHORT_DELTA
    assert rules.check(2.0, 2.0, 20, short_deltas=(-0.39, 0.2)) is None
    assert rules.check(2.0, 2.0, 20, strike_breached=True) == ExitReason.STRIKE_BREACHED
    with pytest.raises(ValueError, match=r"short_delta_limit was 1\.0"):
        ExitRules(short_delta_limit=1.0)


def test_sizing_on_equity_compounds() -> None:
    assert contracts_for_risk(100_000, 0.02, 683.0) == 2
    assert contracts_for_risk(200_000, 0.02, 683.0) == 5
    with pytest.raises(ValueError, match="risk_fraction was"):
        contracts_for_risk(1.0, 0.0, 1.0)


def test_rebuild_trades_groups_legs_by_session_and_expiration() -> None:
    from nautilus_trader.model.enums import OrderSide
    from nautilus_trader.model.identifiers import PositionId

    from strategies.structure_engine import OpenLeg, rebuild_trades

    def leg(symbol: str, side: OrderSide, px: float, opened: dt.date) -> OpenLeg:
        return OpenLeg(
            InstrumentId.from_str(f"{symbol}.US"),
            PositionId(f"P-{symbol}-{opened}"),
            side,
            2,
            px,
            opened,
            FEB19,
        )

    day1, day2 = dt.date(2021, 1, 4), dt.date(2021, 1, 11)
    trades = rebuild_trades(
        [
            leg("SPY210219P00360000", OrderSide.BUY, 8.11, day1),
            leg("SPY210219P00370000", OrderSide.SELL, 11.28, day1),
            leg("SPY210219P00375000", OrderSide.SELL, 9.00, day2),
        ]
    )
    assert len(trades) == 2
    spread, single = trades
    assert [lg.instrument_id.symbol.value for lg in spread.legs] == [
        "SPY210219P00370000",
        "SPY210219P00360000",
    ]
    assert spread.credit == pytest.approx(3.17)
    assert spread.opened and spread.open_legs == {lg.instrument_id for lg in spread.legs}
    assert single.credit == pytest.approx(9.00)
    assert all(lg.quantity == 2 and lg.position_id is not None for t in trades for lg in t.legs)
