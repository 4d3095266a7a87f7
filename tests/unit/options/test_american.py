"""American prices, deltas and implied vols (:mod:`options.american`)."""

import numpy as np
import pytest

from options.american import american_implied_vol_array, american_price_delta_array
from options.pricing import bs_delta_array, bs_price_array, implied_vol_array


def test_hull_american_put() -> None:
    """Hull, Options, Futures, and Other Derivatives, Example 21.1: an American put with
    S = K = 50, r = 10%, sigma = 40%, 5 months; a 5-step tree gives 4.49, finer trees converge
    to about 4.28 (the European value is 4.08)."""
    price, delta = american_price_delta_array(50.0, 50.0, 5 / 12, 0.40, 0.10, 0.0, False)
    european = bs_price_array(50.0, 50.0, 5 / 12, 0.40, 0.10, 0.0, False)
    assert float(european) == pytest.approx(4.076, abs=0.001)
    assert float(price[0]) == pytest.approx(4.28, abs=0.015)
    assert -0.5 < float(delta[0]) < float(bs_delta_array(50.0, 50.0, 5 / 12, 0.4, 0.1, 0.0, False))


def test_no_early_exercise_premium_where_it_never_pays() -> None:
    args = (100.0, [80.0, 100.0, 120.0], 0.5, 0.3)
    calls, _ = american_price_delta_array(*args, 0.05, 0.0, True)  # no dividend
    assert calls == pytest.approx(bs_price_array(*args, 0.05, 0.0, True), abs=1e-12)
    puts, _ = american_price_delta_array(*args, 0.0, 0.0, False)  # zero rate
    assert puts == pytest.approx(bs_price_array(*args, 0.0, 0.0, False), abs=1e-12)
    paying, _ = american_price_delta_array(*args, 0.0, 0.06, True)  # calls on a yield
    assert np.all(paying >= bs_price_array(*args, 0.0, 0.06, True) - 1e-9)
    assert paying[0] > bs_price_array(100.0, 80.0, 0.5, 0.3, 0.0, 0.06, True) + 0.01


def test_implied_vol_round_trip_and_below_intrinsic() -> None:
    strikes = np.array([80.0, 100.0, 120.0, 140.0])
    vols = np.array([0.15, 0.25, 0.35, 0.6])
    prices, _ = american_price_delta_array(100.0, strikes, 0.75, vols, 0.05, 0.0, False)
    solved = american_implied_vol_array(prices, 100.0, strikes, 0.75, 0.05, 0.0, False)
    assert solved == pytest.approx(vols, abs=1e-4)
    # the same prices read as European options imply higher vols (they include the premium)
    assert np.all(implied_vol_array(prices, 100.0, strikes, 0.75, 0.05, 0.0, False) > solved)
    below = american_implied_vol_array(19.0, 100.0, 120.0, 0.75, 0.05, 0.0, False)
    assert np.isnan(below[0])  # a put below its intrinsic value 20 has no vol
