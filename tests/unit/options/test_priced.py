"""Priced structures: scaling, entry prices, greeks, calendars' bounds and model breakevens."""

import pytest

from options.priced import Greeks, Leg, PricedStructure, StockLeg
from options.pricing import bs_price
from options.structures import Side
from tests.unit.options.synthetic_chain import BACK, FRONT, C, P

L, S = Side.LONG, Side.SHORT
SHORT_PUT = Leg(P, S, 95.0, FRONT, 1.20, 1.30, greeks=Greeks(-0.20, 0.03, -0.04, 0.10))
LONG_PUT = Leg(P, L, 90.0, FRONT, 0.50, 0.60, greeks=Greeks(-0.10, 0.02, -0.03, 0.07))


def calendar() -> PricedStructure:
    return PricedStructure(
        (Leg(C, S, 100.0, FRONT, 2.90, 3.10), Leg(C, L, 100.0, BACK, 4.40, 4.60))
    )


def test_quantity_multiplies_dollars_not_the_per_share_price() -> None:
    spread = PricedStructure((SHORT_PUT, LONG_PUT), quantity=3)
    assert spread.natural == pytest.approx(-0.60)
    assert spread.max_profit() == pytest.approx(0.60 * 100 * 3)
    assert spread.max_loss() == pytest.approx(4.40 * 100 * 3)
    assert spread.pnl_at_expiry(100.0) == pytest.approx(180.0)
    assert spread.pnl_at_expiry(0.0) == pytest.approx(-1320.0)


def test_an_entry_price_replaces_the_natural_price() -> None:
    spread = PricedStructure((SHORT_PUT, LONG_PUT))
    assert spread.max_profit(net_price=-1.0) == pytest.approx(100.0)
    assert spread.max_loss(net_price=-1.0) == pytest.approx(400.0)
    assert spread.breakevens(net_price=-1.0) == pytest.approx((94.0,))
    assert spread.pnl_at_expiry(95.0, net_price=-1.0) == pytest.approx(100.0)


def test_net_greeks_are_signed_by_side_and_scaled_by_100_and_quantity() -> None:
    greeks = PricedStructure((SHORT_PUT, LONG_PUT), quantity=2).greeks
    # delta 100 x (0.20 - 0.10) x 2; gamma 100 x (-0.03 + 0.02) x 2; theta 100 x (0.04 - 0.03)
    # x 2; vega 100 x (-0.10 + 0.07) x 2
    assert greeks is not None
    assert (greeks.delta, greeks.gamma, greeks.theta, greeks.vega) == pytest.approx(
        (20.0, -2.0, 2.0, -6.0)
    )


def test_stock_adds_its_shares_to_delta_and_its_price_to_the_net() -> None:
    call = Leg(C, S, 105.0, FRONT, 1.20, 1.30, greeks=Greeks(0.20, 0.03, -0.04, 0.10))
    covered = PricedStructure((call,), StockLeg(100, 99.90, 100.10))
    assert covered.natural == pytest.approx(100.10 - 1.20)
    assert covered.mid == pytest.approx(100.00 - 1.25)
    greeks = covered.greeks
    assert greeks is not None
    assert (greeks.delta, greeks.gamma, greeks.theta, greeks.vega) == pytest.approx(
        (80.0, -3.0, 4.0, -10.0)
    )


def test_greeks_are_none_when_a_leg_has_none() -> None:
    assert PricedStructure((SHORT_PUT, Leg(P, L, 90.0, FRONT, 0.5, 0.6))).greeks is None


def test_cash_reserve_only_when_cash_secured() -> None:
    assert PricedStructure((SHORT_PUT,)).cash_reserve == 0.0
    assert PricedStructure((SHORT_PUT,), quantity=2, cash_secured=True).cash_reserve == 19_000.0


def test_a_position_that_cannot_lose_has_zero_max_loss_and_no_breakeven() -> None:
    # long C100 paid 1.00, short C105 sold 2.00: a 1.00 credit on a spread worth 0 to 5
    free = PricedStructure((Leg(C, L, 100.0, FRONT, 0.9, 1.0), Leg(C, S, 105.0, FRONT, 2.0, 2.1)))
    assert free.max_loss() == 0.0
    assert free.max_profit() == pytest.approx(600.0)
    assert free.breakevens() == ()


def test_calendar_loss_is_bounded_by_the_debit_and_profit_needs_a_model() -> None:
    spread = calendar()
    assert spread.is_multi_expiration and spread.front_expiration == FRONT
    assert spread.natural == pytest.approx(1.70)
    assert spread.max_loss() == pytest.approx(170.0)
    assert spread.max_profit() is None
    assert spread.breakevens() is None
    with pytest.raises(ValueError, match="model_pnl"):
        spread.pnl_at_expiry(100.0)


def test_calendar_model_values_the_back_leg_by_black_scholes() -> None:
    spread = calendar()
    back_value = bs_price(100.0, 100.0, 35 / 365, 0.20, 0.0, 0.0, True)
    assert spread.model_pnl([100.0], 0.20)[0] == pytest.approx((back_value - 1.70) * 100)
    low, high = spread.model_breakevens(0.20)
    assert low < 100.0 < high
    assert spread.model_pnl([low, high], 0.20) == pytest.approx([0.0, 0.0], abs=1e-6)


def test_diagonal_with_the_long_leg_further_out_adds_the_width_to_the_loss() -> None:
    # short front C100 at 2.90, long back C105 at 2.60: 0.30 credit; above 105 at the front
    # expiry the back call is worth at least S - 105 against the front's S - 100.
    diagonal = PricedStructure(
        (Leg(C, S, 100.0, FRONT, 2.90, 3.10), Leg(C, L, 105.0, BACK, 2.40, 2.60))
    )
    assert diagonal.max_loss() == pytest.approx((5.0 - 0.30) * 100)


@pytest.mark.parametrize("kind", [C, P])
def test_short_back_legs_are_valued_at_their_upper_bound(kind) -> None:
    # long front at 3.10, short back at 4.40 (a 1.30 credit); the back option is worth at most
    # the spot (call) or the strike (put), so the worst case is -100 + 1.30 a share.
    reverse = PricedStructure(
        (Leg(kind, L, 100.0, FRONT, 2.90, 3.10), Leg(kind, S, 100.0, BACK, 4.40, 4.60))
    )
    assert reverse.max_loss() == pytest.approx((100 - 1.30) * 100)


def test_model_breakevens_equal_the_exact_ones_for_one_expiration() -> None:
    condor = PricedStructure(
        (
            SHORT_PUT,
            LONG_PUT,
            Leg(C, S, 105.0, FRONT, 1.20, 1.30),
            Leg(C, L, 110.0, FRONT, 0.50, 0.60),
        )
    )
    assert condor.breakevens() == pytest.approx((93.80, 106.20))
    assert condor.model_breakevens(0.25) == pytest.approx((93.80, 106.20), abs=1e-6)


def test_pnl_at_expiry_rejects_a_negative_spot() -> None:
    with pytest.raises(ValueError, match="spot"):
        PricedStructure((SHORT_PUT,)).pnl_at_expiry(-1.0)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Leg(C, L, 0.0, FRONT, 1.0, 1.1), "Leg.strike"),
        (lambda: Leg(C, L, 100.0, FRONT, 1.2, 1.1), "bid/ask"),
        (lambda: Leg(C, L, 100.0, FRONT, -0.1, 1.1), "bid/ask"),
        (lambda: Leg(C, L, 100.0, FRONT, 1.0, 1.1, ratio=0), "Leg.ratio"),
        (lambda: StockLeg(0, 100.0, 100.0), "StockLeg.shares"),
        (lambda: StockLeg(100, 100.0, 99.0), "StockLeg bid/ask"),
        (lambda: Greeks(float("nan"), 0.0, 0.0, 0.0), "Greeks.delta"),
        (lambda: PricedStructure(()), "PricedStructure.legs"),
        (lambda: PricedStructure((SHORT_PUT,), quantity=0), "PricedStructure.quantity"),
    ],
)
def test_bad_fields_are_named(build, field) -> None:
    with pytest.raises(ValueError, match=field):
        build()
