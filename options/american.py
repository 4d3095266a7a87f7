"""American option prices, deltas and implied vols: Black-Scholes plus a tree's exercise premium.

A Cox-Ross-Rubinstein tree (J. C. Cox, S. A. Ross and M. Rubinstein, "Option Pricing: A
Simplified Approach", Journal of Financial Economics 7, 1979; Hull, "Options, Futures, and
Other Derivatives", 10th edition, chapter 21) prices each option twice, with and without
early exercise. Their difference, the early-exercise premium, is added to the closed-form
European value of :mod:`options.pricing` (the control-variate technique of Hull and White,
1988, Hull chapter 21.2): the tree's discretisation error mostly cancels in the difference.

The implied vol of an American price is found by de-Americanisation (Burkovska, Gass, Glau,
Mahlstedt, Schoutens and Wohlmuth, "Calibration to American options: numerical investigation
of the de-Americanization method", Quantitative Finance 18, 2018): subtract the premium
computed at the current vol estimate, invert the European formula, repeat. A few rounds
converge because the premium changes slowly with vol.

Units as :mod:`options.pricing`: dollars per share, years (ACT/365), decimals per year, delta
per share. Every function works on numpy arrays elementwise (1-D after broadcasting).
"""

from typing import Final

import numpy as np
import numpy.typing as npt

from options.pricing import bs_delta_array, bs_price_array, implied_vol_array

FloatArray = npt.NDArray[np.float64]

TREE_STEPS: Final = 100
"""Time steps of the binomial tree."""

DEAMERICANISE_ROUNDS: Final = 3
"""Rounds of premium removal when solving for an American implied vol."""


def _tree(
    spot: FloatArray,
    strike: FloatArray,
    t_years: FloatArray,
    vol: FloatArray,
    rate: FloatArray,
    div_yield: FloatArray,
    is_call: npt.NDArray[np.bool_],
    steps: int,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Return (American price, American delta, European price, European delta) on one tree."""
    dt = t_years / steps
    up = np.exp(vol * np.sqrt(dt))
    p = (np.exp((rate - div_yield) * dt) - 1.0 / up) / (up - 1.0 / up)
    disc = np.exp(-rate * dt)
    sign = np.where(is_call, 1.0, -1.0)[:, None]
    strikes = strike[:, None]
    up_ = up[:, None]
    down_weight = (disc * (1.0 - p))[:, None]
    up_weight = (disc * p)[:, None]
    nodes = spot[:, None] * up_ ** (2.0 * np.arange(steps + 1) - steps)
    american = np.maximum(sign * (nodes - strikes), 0.0)
    european = american.copy()
    first: tuple[FloatArray, FloatArray] | None = None
    for level in range(steps - 1, -1, -1):
        nodes = nodes[:, :-1] * up_  # S u^(2j - level) from S u^(2j - level - 1)
        continuation = up_weight * american[:, 1:] + down_weight * american[:, :-1]
        european = up_weight * european[:, 1:] + down_weight * european[:, :-1]
        american = np.maximum(continuation, sign * (nodes - strikes))
        if level == 1:
            first = (american.copy(), european.copy())
    assert first is not None  # steps >= 2
    move = spot * (up - 1.0 / up)
    a_delta = (first[0][:, 1] - first[0][:, 0]) / move
    e_delta = (first[1][:, 1] - first[1][:, 0]) / move
    return american[:, 0], a_delta, european[:, 0], e_delta


def _arrays(*values: npt.ArrayLike) -> list[FloatArray]:
    shape = np.broadcast_shapes(*(np.shape(v) for v in values))
    return [np.broadcast_to(np.asarray(v, dtype=np.float64), shape).ravel() for v in values]


def american_price_delta_array(
    spot: npt.ArrayLike,
    strike: npt.ArrayLike,
    t_years: npt.ArrayLike,
    vol: npt.ArrayLike,
    rate: npt.ArrayLike,
    div_yield: npt.ArrayLike,
    is_call: npt.ArrayLike,
    steps: int = TREE_STEPS,
) -> tuple[FloatArray, FloatArray]:
    """Return American option prices and deltas, elementwise.

    Parameters
    ----------
    spot, strike : array_like
        Dollars per share; positive.
    t_years : array_like
        Years to expiry (ACT/365); positive.
    vol, rate, div_yield : array_like
        Decimals per year; vol positive.
    is_call : array_like of bool
        True for calls.
    steps : int, default TREE_STEPS
        Tree steps (at least 2).

    Returns
    -------
    tuple of numpy.ndarray of float64
        ``(price, delta)``, 1-D: the Black-Scholes-Merton value (and delta) plus the tree's
        early-exercise premium (and its delta).

    """
    s, k, t, v, r, q, c = _arrays(spot, strike, t_years, vol, rate, div_yield, is_call)
    calls = c.astype(bool)
    price = bs_price_array(s, k, t, v, r, q, calls)
    delta = bs_delta_array(s, k, t, v, r, q, calls)
    tree = _may_exercise_early(calls, r, q) & np.isfinite(v)
    if tree.any():
        a_price, a_delta, e_price, e_delta = _tree(
            s[tree], k[tree], t[tree], v[tree], r[tree], q[tree], calls[tree], steps
        )
        price[tree] += a_price - e_price
        delta[tree] += a_delta - e_delta
    return price, delta


def _may_exercise_early(
    calls: npt.NDArray[np.bool_], rate: FloatArray, div_yield: FloatArray
) -> npt.NDArray[np.bool_]:
    """Return where early exercise can pay: calls on a dividend yield, puts at a positive rate.

    Without dividends a call is worth more alive than exercised, and at a zero (or negative)
    rate so is a put, so their American value is the European one (R. C. Merton, "Theory of
    Rational Option Pricing", 1973; Hull chapter 11.5-11.6).
    """
    return np.where(calls, div_yield > 0.0, rate > 0.0)


def american_implied_vol_array(
    price: npt.ArrayLike,
    spot: npt.ArrayLike,
    strike: npt.ArrayLike,
    t_years: npt.ArrayLike,
    rate: npt.ArrayLike,
    div_yield: npt.ArrayLike,
    is_call: npt.ArrayLike,
    steps: int = TREE_STEPS,
    rounds: int = DEAMERICANISE_ROUNDS,
) -> FloatArray:
    """Return the implied vols of American option prices, elementwise, NaN where none exists.

    Parameters
    ----------
    price : array_like
        Option prices, dollars per share.
    spot, strike, t_years, rate, div_yield, is_call : array_like
        As :func:`american_price_delta_array`.
    steps : int, default TREE_STEPS
        Tree steps.
    rounds : int, default DEAMERICANISE_ROUNDS
        Premium-removal rounds (see the module docstring).

    Returns
    -------
    numpy.ndarray of float64
        1-D vols as decimals per year; NaN where the price less its early-exercise premium
        has no European implied vol (:func:`options.pricing.implied_vol_array`), e.g. a put
        priced below its intrinsic value.

    """
    target, s, k, t, r, q, c = _arrays(price, spot, strike, t_years, rate, div_yield, is_call)
    calls = c.astype(bool)
    vol = implied_vol_array(target, s, k, t, r, q, calls)
    early = _may_exercise_early(calls, r, q)
    for _ in range(rounds):
        solved = np.isfinite(vol) & early
        if not solved.any():
            break
        premium = np.zeros_like(vol)
        a_price, _, e_price, _ = _tree(
            s[solved], k[solved], t[solved], vol[solved], r[solved], q[solved], calls[solved], steps
        )
        premium[solved] = a_price - e_price
        vol = implied_vol_array(target - premium, s, k, t, r, q, calls)
    return vol
