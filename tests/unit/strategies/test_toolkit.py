import datetime as dt

import pytest
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.identifiers import InstrumentId

from strategies.toolkit.chain import ChainQuote, ChainSnapshot
from strategies.toolkit.exits import ExitReason, ExitRules
from strategies.toolkit.selection import (
    by_delta,
    by_moneyness,
    candidates,
    is_monthly_expiration,
    nearest_expiration_only,
    wing_for,
)
from strategies.toolkit.sizing import contracts_for_risk, max_loss_per_contract

SESSION = dt.date(2021, 1, 4)


def quote(
    strike: float,
    expiration: dt.date,
    delta: float | None,
    bid: float = 1.0,
    ask: float = 1.1,
    kind: OptionKind = OptionKind.PUT,
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
    )


FEB19 = dt.date(2021, 2, 19)
FEB26 = dt.date(2021, 2, 26)


def test_by_delta_breaks_ties_by_nearer_expiration_then_higher_strike() -> None:
    far = quote(370, FEB26, -0.50)
    low = quote(365, FEB19, -0.49)
    high = quote(375, FEB19, -0.51)
    assert by_delta([far, low, high], -0.50) == far  # exact beats ties
    assert by_delta([low, high], -0.50) == high  # equal distance: higher strike
    assert by_delta([quote(370, FEB26, -0.49), quote(360, FEB19, -0.51)], -0.50).expiration == FEB19


def test_by_delta_ignores_contracts_without_delta() -> None:
    assert by_delta([quote(370, FEB19, None)], -0.5) is None


def test_by_moneyness_picks_nearest_strike_to_spot() -> None:
    pool = [quote(365, FEB19, None), quote(370, FEB19, None), quote(375, FEB19, None)]
    assert by_moneyness(pool, spot=371.2, moneyness=1.0).strike == 370
    assert by_moneyness(pool, spot=372.5, moneyness=1.0).strike == 375  # tie: higher strike


def test_candidates_filter_window_kind_bid_and_monthly() -> None:
    snap = ChainSnapshot(
        SESSION,
        370.0,
        (
            quote(370, FEB19, -0.5),
            quote(370, FEB26, -0.5),
            quote(360, FEB19, -0.3, bid=0.0),
            quote(380, FEB19, 0.4, kind=OptionKind.CALL),
            quote(370, dt.date(2021, 1, 15), -0.5),
        ),
    )
    found = candidates(snap, OptionKind.PUT, 25, 60)
    assert {(q.strike, q.expiration) for q in found} == {(370, FEB19), (370, FEB26)}
    assert [q.expiration for q in candidates(snap, OptionKind.PUT, 25, 60, monthly_only=True)] == [
        FEB19
    ]
    assert candidates(snap, OptionKind.PUT, 25, 60, exclude_expirations=[FEB19, FEB26]) == []
    assert {q.expiration for q in nearest_expiration_only(found)} == {FEB19}


def test_monthly_expiration_rule_includes_good_friday_thursday() -> None:
    assert is_monthly_expiration(dt.date(2021, 2, 19))
    assert not is_monthly_expiration(dt.date(2021, 2, 26))
    assert is_monthly_expiration(dt.date(2022, 4, 14))  # Good Friday 2022-04-15


def test_wing_is_width_further_out_of_the_money() -> None:
    short = quote(370, FEB19, -0.5)
    snap = ChainSnapshot(
        SESSION,
        370.0,
        (short, quote(360, FEB19, -0.3), quote(362, FEB19, -0.33), quote(365, FEB26, -0.4)),
    )
    assert wing_for(snap, short, 10).strike == 360
    assert wing_for(snap, short, 8).strike == 362
    assert wing_for(snap, short, 9).strike == 360  # 362 would be inside the width
    assert wing_for(snap, short, 20) is None


def test_exit_rules() -> None:
    rules = ExitRules(take_profit_pct=0.5, stop_loss_multiple=2.0, exit_dte=7)
    assert rules.check(credit=2.0, debit_to_close=1.0, dte=20) == ExitReason.TAKE_PROFIT
    assert rules.check(credit=2.0, debit_to_close=4.0, dte=20) == ExitReason.STOP_LOSS
    assert rules.check(credit=2.0, debit_to_close=1.5, dte=7) == ExitReason.DTE_EXIT
    assert rules.check(credit=2.0, debit_to_close=1.5, dte=8) is None
    assert ExitRules().check(2.0, 100.0, 0) is None
    with pytest.raises(ValueError, match="stop_loss_multiple was"):
        ExitRules(stop_loss_multiple=0.5)


def test_sizing_on_equity_compounds() -> None:
    loss = max_loss_per_contract(short_strike=370, credit=3.17, wing_strike=360)
    assert loss == pytest.approx(683.0)
    assert contracts_for_risk(100_000, 0.02, loss) == 2
    assert contracts_for_risk(200_000, 0.02, loss) == 5
    assert max_loss_per_contract(370, 5.0, None) == pytest.approx(36_500.0)
    with pytest.raises(ValueError, match="risk_fraction was"):
        contracts_for_risk(1.0, 0.0, 1.0)


def test_rebuild_trades_groups_legs_by_session_and_expiration() -> None:
    from nautilus_trader.model.enums import OrderSide
    from nautilus_trader.model.identifiers import PositionId

    from strategies.short_option import OpenLeg, rebuild_trades

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
