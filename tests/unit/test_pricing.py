"""Tests for the float64 Black-Scholes-Merton module."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from nautilus_trader.core.nautilus_pyo3 import black_scholes_greeks

from options.pricing import (
    NS_PER_YEAR,
    bs_delta,
    bs_delta_array,
    bs_gamma,
    bs_price,
    bs_price_array,
    bs_rho,
    bs_theta,
    bs_vega,
    implied_vol,
    implied_vol_array,
    price_bounds_array,
    year_fraction,
)

# (spot, strike, t_years, vol, rate, div_yield)
CASES = [
    (42.0, 40.0, 0.5, 0.2, 0.1, 0.0),
    (100.0, 100.0, 1.0, 0.25, 0.05, 0.02),
    (100.0, 80.0, 0.1, 0.35, 0.045, 0.015),
    (100.0, 125.0, 30 / 365, 0.45, 0.045, 0.015),
    (470.0, 400.0, 2.0, 0.15, 0.0, 0.0),
    (12.5, 15.0, 3 / 365, 0.8, -0.005, 0.03),
]


def test_hull_example_call_and_put() -> None:
    # Hull, "Options, Futures, and Other Derivatives", the Black-Scholes-Merton worked example:
    # S=42, K=40, r=10 %, sigma=20 %, T=0.5 gives c = 4.76 and p = 0.81.
    assert round(bs_price(42.0, 40.0, 0.5, 0.2, 0.1, 0.0, True), 2) == 4.76
    assert round(bs_price(42.0, 40.0, 0.5, 0.2, 0.1, 0.0, False), 2) == 0.81


@pytest.mark.parametrize(("spot", "strike", "t", "vol", "rate", "q"), CASES)
def test_put_call_parity(
    spot: float, strike: float, t: float, vol: float, rate: float, q: float
) -> None:
    call = bs_price(spot, strike, t, vol, rate, q, True)
    put = bs_price(spot, strike, t, vol, rate, q, False)
    forward_value = spot * math.exp(-q * t) - strike * math.exp(-rate * t)
    assert call - put == pytest.approx(forward_value, abs=1e-10)


@pytest.mark.parametrize(("spot", "strike", "t", "vol", "rate", "q"), CASES)
@pytest.mark.parametrize("is_call", [True, False])
def test_greeks_match_finite_differences(
    spot: float, strike: float, t: float, vol: float, rate: float, q: float, is_call: bool
) -> None:
    def price(s: float = spot, tt: float = t, v: float = vol, r: float = rate) -> float:
        return bs_price(s, strike, tt, v, r, q, is_call)

    args = (spot, strike, t, vol, rate, q, is_call)
    hs = spot * 1e-4
    delta_fd = (price(s=spot + hs) - price(s=spot - hs)) / (2 * hs)
    assert bs_delta(*args) == pytest.approx(delta_fd, abs=1e-7)

    hg = spot * 1e-3
    gamma_fd = (price(s=spot + hg) - 2 * price() + price(s=spot - hg)) / hg**2
    assert bs_gamma(*args) == pytest.approx(gamma_fd, rel=1e-4, abs=1e-8)

    hv = 1e-5
    vega_fd = (price(v=vol + hv) - price(v=vol - hv)) / (2 * hv) / 100
    assert bs_vega(*args) == pytest.approx(vega_fd, rel=1e-6, abs=1e-10)

    ht = min(t / 2, 1e-5)
    theta_fd = -(price(tt=t + ht) - price(tt=t - ht)) / (2 * ht) / 365
    assert bs_theta(*args) == pytest.approx(theta_fd, rel=1e-5, abs=1e-9)

    hr = 1e-5
    rho_fd = (price(r=rate + hr) - price(r=rate - hr)) / (2 * hr) / 100
    assert bs_rho(*args) == pytest.approx(rho_fd, rel=1e-6, abs=1e-10)


@pytest.mark.parametrize(("spot", "strike", "t", "vol", "rate", "q"), CASES)
@pytest.mark.parametrize("is_call", [True, False])
def test_implied_vol_round_trip(
    spot: float, strike: float, t: float, vol: float, rate: float, q: float, is_call: bool
) -> None:
    price = bs_price(spot, strike, t, vol, rate, q, is_call)
    assert implied_vol(price, spot, strike, t, rate, q, is_call) == pytest.approx(vol, abs=1e-9)


@pytest.mark.parametrize(("spot", "strike", "t", "vol", "rate", "q"), CASES)
@pytest.mark.parametrize("is_call", [True, False])
def test_delta_matches_nautilus(
    spot: float, strike: float, t: float, vol: float, rate: float, q: float, is_call: bool
) -> None:
    # Nautilus takes the cost of carry b = r - q and computes in 32-bit floats.
    nautilus = black_scholes_greeks(spot, rate, rate - q, vol, is_call, strike, t)
    assert bs_delta(spot, strike, t, vol, rate, q, is_call) == pytest.approx(
        nautilus.delta, abs=1e-4
    )


def test_array_forms_match_scalars_and_broadcast() -> None:
    strikes = np.array([90.0, 100.0, 110.0])
    is_call = np.array([[True], [False]])
    prices = bs_price_array(100.0, strikes, 0.25, 0.3, 0.04, 0.01, is_call)
    assert prices.shape == (2, 3)
    for row, call in enumerate((True, False)):
        for col, strike in enumerate(strikes):
            assert prices[row, col] == bs_price(100.0, float(strike), 0.25, 0.3, 0.04, 0.01, call)
    vols = implied_vol_array(prices, 100.0, strikes, 0.25, 0.04, 0.01, is_call)
    np.testing.assert_allclose(vols, 0.3, atol=1e-10)


def test_values_at_expiry() -> None:
    assert bs_price(105.0, 100.0, 0.0, 0.3, 0.05, 0.01, True) == 5.0
    assert bs_price(105.0, 100.0, 0.0, 0.3, 0.05, 0.01, False) == 0.0
    deltas = bs_delta_array(
        np.array([105.0, 100.0, 95.0]), 100.0, 0.0, 0.3, 0.05, 0.01, np.array([[True], [False]])
    )
    np.testing.assert_array_equal(deltas, [[1.0, 0.5, 0.0], [-0.0, -0.5, -1.0]])
    for greek in (bs_gamma, bs_vega, bs_theta, bs_rho):
        assert greek(100.0, 100.0, 0.0, 0.3, 0.05, 0.01, True) == 0.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"spot": 0.0}, "spot was not finite and positive"),
        ({"strike": -1.0}, "strike was not finite and positive"),
        ({"vol": 0.0}, "vol was not finite and positive"),
        ({"t_years": -0.1}, "t_years was negative"),
        ({"rate": math.nan}, "rate was not finite"),
        ({"div_yield": math.inf}, "div_yield was not finite"),
    ],
)
def test_invalid_inputs_raise(kwargs: dict[str, float], message: str) -> None:
    args: dict[str, float] = {
        "spot": 100.0,
        "strike": 100.0,
        "t_years": 0.5,
        "vol": 0.2,
        "rate": 0.05,
        "div_yield": 0.0,
    } | kwargs
    with pytest.raises(ValueError, match=message):
        bs_price(is_call=True, **args)


def test_implied_vol_rejects_prices_outside_the_bounds() -> None:
    # A call with S=100, K=90: lower bound S e^(-qT) - K e^(-rT), upper bound S e^(-qT).
    lower, upper = (float(b) for b in price_bounds_array(100.0, 90.0, 0.5, 0.05, 0.02, True))
    assert lower == pytest.approx(100 * math.exp(-0.01) - 90 * math.exp(-0.025))
    assert upper == pytest.approx(100 * math.exp(-0.01))
    with pytest.raises(ValueError, match="at or below the no-arbitrage lower bound"):
        implied_vol(lower - 0.01, 100.0, 90.0, 0.5, 0.05, 0.02, True)
    with pytest.raises(ValueError, match="at or above the no-arbitrage upper bound"):
        implied_vol(upper + 0.01, 100.0, 90.0, 0.5, 0.05, 0.02, True)
    with pytest.raises(ValueError, match="t_years was not positive"):
        implied_vol(5.0, 100.0, 100.0, 0.0, 0.05, 0.02, True)
    with pytest.raises(ValueError, match="price was not finite"):
        implied_vol(math.nan, 100.0, 100.0, 0.5, 0.05, 0.02, True)
    # A European put may be worth less than K - S; only the discounted intrinsic is a bound.
    deep_put = bs_price(50.0, 100.0, 1.0, 0.2, 0.05, 0.0, False)
    assert deep_put < 50.0
    assert implied_vol(deep_put, 50.0, 100.0, 1.0, 0.05, 0.0, False) == pytest.approx(0.2, abs=1e-6)


def test_implied_vol_array_gives_nan_where_no_vol_exists() -> None:
    vols = implied_vol_array(
        np.array([-1.0, 0.0, 3.0, 200.0, math.nan]), 100.0, 100.0, 0.5, 0.05, 0.0, True
    )
    assert np.isnan(vols[[0, 1, 3, 4]]).all()
    assert math.isfinite(vols[2])
    assert np.isnan(implied_vol_array(1.0, 100.0, 100.0, 0.0, 0.05, 0.0, True))


def test_year_fraction_is_act_365() -> None:
    assert year_fraction(0, NS_PER_YEAR) == 1.0
    assert year_fraction(0, 73 * 86_400 * 10**9) == pytest.approx(0.2)
    assert year_fraction(10, 0) < 0


market_inputs = st.fixed_dictionaries(
    {
        "spot": st.floats(1.0, 2000.0),
        "moneyness": st.floats(0.5, 1.5),
        "t_years": st.floats(1 / 365, 3.0),
        "vol": st.floats(0.03, 2.0),
        "rate": st.floats(-0.01, 0.1),
        "div_yield": st.floats(0.0, 0.08),
        "is_call": st.booleans(),
    }
)


@settings(deadline=None)
@given(market_inputs, st.floats(0.03, 2.0))
def test_price_rises_with_vol(m: dict[str, float], other_vol: float) -> None:
    """Prices do not fall as vol rises (vega >= 0); nothing is excluded.

    Where both prices are the same number (deep in or out of the money) they may differ in the
    last bit: 1e-12 relative is allowed.
    """
    low, high = sorted((m["vol"], other_vol))
    strike = m["spot"] * m["moneyness"]
    args = (m["spot"], strike, m["t_years"])
    carry = (m["rate"], m["div_yield"], bool(m["is_call"]))
    lower, higher = bs_price(*args, low, *carry), bs_price(*args, high, *carry)
    assert lower <= higher + 1e-12 * max(1.0, abs(higher))


@settings(deadline=None)
@given(market_inputs)
def test_implied_vol_round_trip_property(m: dict[str, float]) -> None:
    """implied_vol inverts bs_price where the price carries information about vol.

    Excluded: options whose price does not move measurably with vol (vega below 1e-6 of spot
    per vol point), where the price alone cannot pin the vol down in float64.
    """
    strike = m["spot"] * m["moneyness"]
    args = (
        m["spot"],
        strike,
        m["t_years"],
        m["vol"],
        m["rate"],
        m["div_yield"],
        bool(m["is_call"]),
    )
    assume(bs_vega(*args) > 1e-6 * m["spot"])
    price = bs_price(*args)
    vol = implied_vol(
        price, m["spot"], strike, m["t_years"], m["rate"], m["div_yield"], bool(m["is_call"])
    )
    assert vol == pytest.approx(m["vol"], rel=1e-6)
