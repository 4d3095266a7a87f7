"""Black-Scholes-Merton prices, greeks and implied volatility in 64-bit floats.

European options on an underlying paying a continuous dividend yield `q`, with a continuously
compounded risk-free rate `r` (the generalised Black-Scholes-Merton model with cost of carry
``b = r - q``). Nautilus's compiled greeks compute price, delta and gamma in 32-bit floats; these
functions keep float64 throughout, so they suit finite differences, P&L attribution and the
synthetic demo market.

Formulas, with ``F = S e^((r-q)T)``, ``d1 = (ln(S/K) + (r - q + σ²/2) T) / (σ √T)`` and
``d2 = d1 - σ √T``:

- call ``S e^(-qT) N(d1) - K e^(-rT) N(d2)``, put ``K e^(-rT) N(-d2) - S e^(-qT) N(-d1)``;
- delta ``e^(-qT) N(d1)`` (call), ``-e^(-qT) N(-d1)`` (put);
- gamma ``e^(-qT) n(d1) / (S σ √T)``; vega ``S e^(-qT) n(d1) √T``;
- theta ``-S e^(-qT) n(d1) σ / (2√T) ∓ r K e^(-rT) N(±d2) ± q S e^(-qT) N(±d1)``;
- rho ``± K T e^(-rT) N(±d2)``.

Sources: F. Black and M. Scholes, "The Pricing of Options and Corporate Liabilities", Journal of
Political Economy 81 (1973); R. C. Merton, "Theory of Rational Option Pricing", Bell Journal of
Economics and Management Science 4 (1973); J. C. Hull, "Options, Futures, and Other
Derivatives", 10th edition, chapters 15 (The Black-Scholes-Merton Model), 17 (Options on Stock
Indices and Currencies: the dividend yield) and 19 (The Greek Letters).

Units: prices in dollars per share; `t_years` in years of calendar time (ACT/365, see
:func:`year_fraction`); vol, rate and dividend yield as decimals per year (0.20 is 20 %); delta
and gamma per share and per dollar of the underlying; vega per vol point (a change of 0.01 in
vol); theta per calendar day (the yearly rate divided by 365); rho per rate point (a change of
0.01 in the rate).

At ``t_years == 0`` the functions return the value at expiry: the intrinsic value, a delta of
1, 0 or -1 (±0.5 exactly at the money), and zero gamma, vega, theta and rho.

Each function has a scalar form (``bs_price``) and a numpy form (``bs_price_array``) whose
arguments broadcast against each other.
"""

import math
from collections.abc import Callable
from inspect import Signature, signature
from typing import Any, Final, Protocol

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

NS_PER_YEAR: Final = 365 * 86_400 * 1_000_000_000
"""Nanoseconds in an ACT/365 year."""

DAYS_PER_YEAR: Final = 365.0
"""Calendar days per year for theta and year fractions (ACT/365)."""

IV_MIN: Final = 1e-6
"""Lowest implied vol the solver returns (decimal per year)."""

IV_MAX: Final = 20.0
"""Highest implied vol the solver returns (decimal per year, 2000 %)."""

_IV_MAX_ITERATIONS: Final = 100
_IV_RELATIVE_TOLERANCE: Final = 1e-13
_SQRT_2: Final = math.sqrt(2.0)
_INV_SQRT_2PI: Final = 1.0 / math.sqrt(2.0 * math.pi)
_erfc = np.frompyfunc(math.erfc, 1, 1)


def year_fraction(from_ns: int, to_ns: int) -> float:
    """Return the calendar time between two instants in years (ACT/365).

    Parameters
    ----------
    from_ns : int
        The start, UNIX nanoseconds.
    to_ns : int
        The end, UNIX nanoseconds.

    Returns
    -------
    float
        ``(to_ns - from_ns) / (365 days)``; negative when `to_ns` is before `from_ns`.

    """
    return (to_ns - from_ns) / NS_PER_YEAR


def _norm_cdf(x: FloatArray) -> FloatArray:
    # N(x) = erfc(-x / √2) / 2 keeps full relative precision in both tails.
    return 0.5 * np.asarray(_erfc(-x / _SQRT_2), dtype=np.float64)


def _norm_pdf(x: FloatArray) -> FloatArray:
    return _INV_SQRT_2PI * np.exp(-0.5 * x * x)


def _require(name: str, values: FloatArray, *, positive: bool) -> None:
    bad = ~np.isfinite(values)
    if positive:
        bad |= values <= 0.0
    if bad.any():
        condition = "finite and positive" if positive else "finite"
        raise ValueError(f"{name} was not {condition}: {values[bad].flat[0]!r}")


class _Inputs:
    """Broadcast, validated inputs and the shared terms of the formulas."""

    def __init__(
        self,
        spot: npt.ArrayLike,
        strike: npt.ArrayLike,
        t_years: npt.ArrayLike,
        vol: npt.ArrayLike,
        rate: npt.ArrayLike,
        div_yield: npt.ArrayLike,
        is_call: npt.ArrayLike,
    ) -> None:
        s, k, t, v, r, q = (
            np.asarray(a, dtype=np.float64) for a in (spot, strike, t_years, vol, rate, div_yield)
        )
        c = np.asarray(is_call, dtype=np.bool_)
        _require("spot", s, positive=True)
        _require("strike", k, positive=True)
        _require("vol", v, positive=True)
        _require("rate", r, positive=False)
        _require("div_yield", q, positive=False)
        _require("t_years", t, positive=False)
        if (t < 0.0).any():
            raise ValueError(f"t_years was negative: {t[t < 0.0].flat[0]!r}")
        s, k, t, v, r, q, c = np.broadcast_arrays(s, k, t, v, r, q, c)
        self.spot, self.strike, self.vol, self.rate, self.div_yield = s, k, v, r, q
        self.is_call = c
        self.expired = t == 0.0
        # Evaluate the formulas at t = 1 where expired; those entries are overwritten.
        self.t = np.where(self.expired, 1.0, t)
        self.sqrt_t = np.sqrt(self.t)
        self.spot_df = s * np.exp(-q * self.t)
        self.strike_df = k * np.exp(-r * self.t)
        vol_sqrt_t = v * self.sqrt_t
        self.d1 = (np.log(s / k) + (r - q + 0.5 * v * v) * self.t) / vol_sqrt_t
        self.d2 = self.d1 - vol_sqrt_t
        self.sign = np.where(c, 1.0, -1.0)

    def finish(self, values: FloatArray, at_expiry: npt.ArrayLike) -> FloatArray:
        """Return `values`, replaced by `at_expiry` where the option has expired."""
        return np.where(self.expired, at_expiry, values)


class _ScalarFunction(Protocol):
    """The signature of the scalar functions (:func:`bs_price` and its greeks)."""

    def __call__(
        self,
        spot: float,
        strike: float,
        t_years: float,
        vol: float,
        rate: float,
        div_yield: float,
        is_call: bool,
    ) -> float: ...


_Formula = Callable[[_Inputs], tuple[FloatArray, npt.ArrayLike]]
"""Values before expiry and values at expiry, from validated inputs."""


def _describe(function: Callable[..., object], name: str, doc: str, sig: Signature) -> None:
    """Give a function made by a factory its public name, docstring and signature."""
    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    function.__dict__["__signature__"] = sig


def _elementwise[**P](
    inputs: Callable[P, _Inputs], formula: _Formula, name: str, doc: str
) -> Callable[P, FloatArray]:
    """Return the numpy form of `formula`, taking the arguments of `inputs`."""

    def function(*args: P.args, **kwargs: P.kwargs) -> FloatArray:
        x = inputs(*args, **kwargs)
        values, at_expiry = formula(x)
        return x.finish(values, at_expiry)

    _describe(function, name, doc, signature(inputs).replace(return_annotation=FloatArray))
    return function


def _scalar(array_form: Callable[..., FloatArray], name: str, doc: str) -> _ScalarFunction:
    """Return the scalar form of `array_form`, with the arguments of :class:`_ScalarFunction`."""

    def function(*args: Any, **kwargs: Any) -> float:
        return float(array_form(*args, **kwargs))

    call = signature(_ScalarFunction.__call__)
    _describe(function, name, doc, call.replace(parameters=list(call.parameters.values())[1:]))
    return function


def _price(x: _Inputs) -> FloatArray:
    n1 = _norm_cdf(x.sign * x.d1)
    n2 = _norm_cdf(x.sign * x.d2)
    # Both terms are non-negative; clamp the rounding residue of their difference.
    return np.maximum(x.sign * (x.spot_df * n1 - x.strike_df * n2), 0.0)


def _price_formula(x: _Inputs) -> tuple[FloatArray, FloatArray]:
    return _price(x), np.maximum(x.sign * (x.spot - x.strike), 0.0)


def _delta_formula(x: _Inputs) -> tuple[FloatArray, FloatArray]:
    delta = x.sign * np.exp(-x.div_yield * x.t) * _norm_cdf(x.sign * x.d1)
    moneyness = np.sign(x.sign * (x.spot - x.strike))
    return delta, x.sign * np.where(moneyness == 0.0, 0.5, np.maximum(moneyness, 0.0))


def _gamma_formula(x: _Inputs) -> tuple[FloatArray, float]:
    return x.spot_df * _norm_pdf(x.d1) / (x.spot * x.spot * x.vol * x.sqrt_t), 0.0


def _vega_per_unit(x: _Inputs) -> FloatArray:
    return x.spot_df * _norm_pdf(x.d1) * x.sqrt_t


def _vega_formula(x: _Inputs) -> tuple[FloatArray, float]:
    return _vega_per_unit(x) / 100.0, 0.0


def _theta_formula(x: _Inputs) -> tuple[FloatArray, float]:
    decay = -x.spot_df * _norm_pdf(x.d1) * x.vol / (2.0 * x.sqrt_t)
    carry = x.sign * (
        x.div_yield * x.spot_df * _norm_cdf(x.sign * x.d1)
        - x.rate * x.strike_df * _norm_cdf(x.sign * x.d2)
    )
    return (decay + carry) / DAYS_PER_YEAR, 0.0


def _rho_formula(x: _Inputs) -> tuple[FloatArray, float]:
    return x.sign * x.strike_df * x.t * _norm_cdf(x.sign * x.d2) / 100.0, 0.0


bs_price_array = _elementwise(
    _Inputs,
    _price_formula,
    "bs_price_array",
    """Return Black-Scholes-Merton option prices, elementwise.

    Parameters
    ----------
    spot : array_like of float
        Underlying price, dollars per share; positive.
    strike : array_like of float
        Strike, dollars per share; positive.
    t_years : array_like of float
        Time to expiry in years (ACT/365); zero or positive.
    vol : array_like of float
        Volatility as a decimal per year (0.2 is 20 %); positive.
    rate : array_like of float
        Continuously compounded risk-free rate, decimal per year.
    div_yield : array_like of float
        Continuous dividend yield, decimal per year.
    is_call : array_like of bool
        True for calls, False for puts.

    Returns
    -------
    numpy.ndarray of float64
        Prices in dollars per share, shaped as the broadcast inputs.

    Raises
    ------
    ValueError
        If an input is not finite, `spot`, `strike` or `vol` is not positive, `t_years` is
        negative, or the shapes do not broadcast.

    """,
)

bs_delta_array = _elementwise(
    _Inputs,
    _delta_formula,
    "bs_delta_array",
    """Return deltas (dV/dS per share), elementwise; arguments as :func:`bs_price_array`.

    Returns
    -------
    numpy.ndarray of float64
        In (0, 1) for calls and (-1, 0) for puts before expiry.

    Raises
    ------
    ValueError
        As :func:`bs_price_array`.

    """,
)

bs_gamma_array = _elementwise(
    _Inputs,
    _gamma_formula,
    "bs_gamma_array",
    """Return gammas (d²V/dS², per share per dollar), elementwise; as :func:`bs_price_array`.

    Returns
    -------
    numpy.ndarray of float64
        Gamma, identical for a call and a put with the same terms.

    Raises
    ------
    ValueError
        As :func:`bs_price_array`.

    """,
)

bs_vega_array = _elementwise(
    _Inputs,
    _vega_formula,
    "bs_vega_array",
    """Return vegas per vol point, elementwise; arguments as :func:`bs_price_array`.

    Returns
    -------
    numpy.ndarray of float64
        Dollars per share for a rise of 0.01 (one vol point) in `vol`.

    Raises
    ------
    ValueError
        As :func:`bs_price_array`.

    """,
)

bs_theta_array = _elementwise(
    _Inputs,
    _theta_formula,
    "bs_theta_array",
    """Return thetas per calendar day, elementwise; arguments as :func:`bs_price_array`.

    Returns
    -------
    numpy.ndarray of float64
        Dollars per share gained over one calendar day as time passes with everything else
        fixed (the yearly rate ``dV/dt`` divided by 365); usually negative.

    Raises
    ------
    ValueError
        As :func:`bs_price_array`.

    """,
)

bs_rho_array = _elementwise(
    _Inputs,
    _rho_formula,
    "bs_rho_array",
    """Return rhos per rate point, elementwise; arguments as :func:`bs_price_array`.

    Returns
    -------
    numpy.ndarray of float64
        Dollars per share for a rise of 0.01 (one percentage point) in `rate`, with the
        dividend yield held fixed.

    Raises
    ------
    ValueError
        As :func:`bs_price_array`.

    """,
)

bs_price = _scalar(
    bs_price_array,
    "bs_price",
    """Return the Black-Scholes-Merton price of a European option.

    Parameters
    ----------
    spot : float
        Underlying price, dollars per share; positive.
    strike : float
        Strike, dollars per share; positive.
    t_years : float
        Time to expiry in years (ACT/365, see :func:`year_fraction`); zero or positive.
    vol : float
        Volatility as a decimal per year (0.2 is 20 %); positive.
    rate : float
        Continuously compounded risk-free rate, decimal per year.
    div_yield : float
        Continuous dividend yield, decimal per year.
    is_call : bool
        True for a call, False for a put.

    Returns
    -------
    float
        The price in dollars per share (the intrinsic value when `t_years` is 0).

    Raises
    ------
    ValueError
        If an input is not finite, `spot`, `strike` or `vol` is not positive, or `t_years` is
        negative.

    """,
)

bs_delta = _scalar(
    bs_delta_array,
    "bs_delta",
    """Return the delta (dV/dS per share) of a European option; arguments as :func:`bs_price`.

    Returns
    -------
    float
        In (0, 1) for a call and (-1, 0) for a put before expiry.

    Raises
    ------
    ValueError
        As :func:`bs_price`.

    """,
)

bs_gamma = _scalar(
    bs_gamma_array,
    "bs_gamma",
    """Return the gamma (d²V/dS² per share per dollar); arguments as :func:`bs_price`.

    Returns
    -------
    float
        Change in delta per dollar move of the underlying.

    Raises
    ------
    ValueError
        As :func:`bs_price`.

    """,
)

bs_vega = _scalar(
    bs_vega_array,
    "bs_vega",
    """Return the vega per vol point; arguments as :func:`bs_price`.

    Returns
    -------
    float
        Dollars per share for a rise of 0.01 in `vol`.

    Raises
    ------
    ValueError
        As :func:`bs_price`.

    """,
)

bs_theta = _scalar(
    bs_theta_array,
    "bs_theta",
    """Return the theta per calendar day; arguments as :func:`bs_price`.

    Returns
    -------
    float
        Dollars per share gained over one calendar day (the yearly rate divided by 365).

    Raises
    ------
    ValueError
        As :func:`bs_price`.

    """,
)

bs_rho = _scalar(
    bs_rho_array,
    "bs_rho",
    """Return the rho per rate point; arguments as :func:`bs_price`.

    Returns
    -------
    float
        Dollars per share for a rise of 0.01 in `rate`.

    Raises
    ------
    ValueError
        As :func:`bs_price`.

    """,
)


def price_bounds_array(
    spot: npt.ArrayLike,
    strike: npt.ArrayLike,
    t_years: npt.ArrayLike,
    rate: npt.ArrayLike,
    div_yield: npt.ArrayLike,
    is_call: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """Return the no-arbitrage bounds of European option prices, elementwise.

    Parameters
    ----------
    spot, strike, t_years, rate, div_yield, is_call : array_like
        As :func:`bs_price_array`.

    Returns
    -------
    tuple of numpy.ndarray of float64
        ``(lower, upper)`` in dollars per share. Calls: ``max(S e^(-qT) - K e^(-rT), 0)`` and
        ``S e^(-qT)``; puts: ``max(K e^(-rT) - S e^(-qT), 0)`` and ``K e^(-rT)`` (Hull,
        chapter 11 "Properties of Stock Options", with a dividend yield). The lower bound is
        the discounted intrinsic value, which a European put may trade below the plain
        intrinsic ``K - S``.

    Raises
    ------
    ValueError
        As :func:`bs_price_array`.

    """
    x = _Inputs(spot, strike, t_years, 1.0, rate, div_yield, is_call)
    t = np.where(x.expired, 0.0, x.t)
    spot_df = x.spot * np.exp(-x.div_yield * t)
    strike_df = x.strike * np.exp(-x.rate * t)
    lower = np.maximum(x.sign * (spot_df - strike_df), 0.0)
    upper = np.where(x.is_call, spot_df, strike_df)
    return lower, upper


def implied_vol_array(
    price: npt.ArrayLike,
    spot: npt.ArrayLike,
    strike: npt.ArrayLike,
    t_years: npt.ArrayLike,
    rate: npt.ArrayLike,
    div_yield: npt.ArrayLike,
    is_call: npt.ArrayLike,
) -> FloatArray:
    """Return Black-Scholes-Merton implied vols, elementwise, NaN where none exists.

    A safeguarded Newton iteration: each step keeps a bracket ``[lo, hi]`` with
    ``price(lo) <= target <= price(hi)`` (the price rises with vol) and takes the Newton step
    when it lands inside the bracket, else bisects. It starts from the inflection point
    ``σ = √(2 |ln(F/K)| / T)``, from which Newton converges monotonically (Manaster and
    Koehler, "The Calculation of Implied Variances from the Black-Scholes Model", Journal of
    Finance 37, 1982). It stops when a step changes vol by less than 1e-13 relative.

    Parameters
    ----------
    price : array_like of float
        Option prices, dollars per share.
    spot, strike, t_years, rate, div_yield, is_call : array_like
        As :func:`bs_price_array`.

    Returns
    -------
    numpy.ndarray of float64
        Implied vols as decimals per year; NaN where `price` is not finite, at or outside the
        no-arbitrage bounds (:func:`price_bounds_array`), outside the prices reachable with
        vols in ``[IV_MIN, IV_MAX]``, or where `t_years` is 0.

    Raises
    ------
    ValueError
        If `spot`, `strike`, `t_years`, `rate` or `div_yield` is invalid (as
        :func:`bs_price_array`).

    """
    x = _Inputs(spot, strike, t_years, IV_MIN, rate, div_yield, is_call)
    target = np.asarray(price, dtype=np.float64)
    shape = np.broadcast_shapes(target.shape, x.spot.shape)
    target = _flat(target, shape)
    s, k, r, q = (_flat(a, shape) for a in (x.spot, x.strike, x.rate, x.div_yield))
    t = _flat(np.where(x.expired, 0.0, x.t), shape)
    c = _flat(x.is_call, shape)
    lower, upper = price_bounds_array(s, k, t, r, q, c)
    valid = np.isfinite(target) & (target > lower) & (target < upper) & (t > 0.0)
    if valid.any():
        # Solve only the reachable entries: price(IV_MIN) <= target <= price(IV_MAX).
        valid &= bs_price_array(s, k, t, IV_MIN, r, q, c) <= target
        valid &= target <= bs_price_array(s, k, t, IV_MAX, r, q, c)
    result = np.full(target.size, np.nan)
    if valid.any():
        result[valid] = _solve_iv(
            target[valid], s[valid], k[valid], t[valid], r[valid], q[valid], c[valid]
        )
    return result.reshape(shape)


def _flat[G: np.generic](values: npt.NDArray[G], shape: tuple[int, ...]) -> npt.NDArray[G]:
    return np.broadcast_to(values, shape).ravel()


def _solve_iv(
    target: FloatArray,
    spot: FloatArray,
    strike: FloatArray,
    t: FloatArray,
    rate: FloatArray,
    div_yield: FloatArray,
    is_call: npt.NDArray[np.bool_],
) -> FloatArray:
    """Solve bracketed inputs (all 1-D, same length, each with a root in [IV_MIN, IV_MAX])."""
    forward = spot * np.exp((rate - div_yield) * t)
    sigma = np.clip(np.sqrt(2.0 * np.abs(np.log(forward / strike)) / t), 0.05, IV_MAX / 2.0)
    lo = np.full_like(sigma, IV_MIN)
    hi = np.full_like(sigma, IV_MAX)
    active = np.arange(sigma.size)
    for _ in range(_IV_MAX_ITERATIONS):
        x = _Inputs(
            spot[active],
            strike[active],
            t[active],
            sigma[active],
            rate[active],
            div_yield[active],
            is_call[active],
        )
        s = sigma[active]
        diff = _price(x) - target[active]
        lo_a = np.where(diff <= 0.0, s, lo[active])
        hi_a = np.where(diff >= 0.0, s, hi[active])
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = s - diff / _vega_per_unit(x)
        inside = np.isfinite(newton) & (newton > lo_a) & (newton < hi_a)
        step = np.where(inside, newton, 0.5 * (lo_a + hi_a))
        done = (diff == 0.0) | (np.abs(step - s) <= _IV_RELATIVE_TOLERANCE * s)
        sigma[active] = np.where(diff == 0.0, s, step)
        lo[active], hi[active] = lo_a, hi_a
        active = active[~done]
        if active.size == 0:
            break
    return sigma


def implied_vol(
    price: float,
    spot: float,
    strike: float,
    t_years: float,
    rate: float,
    div_yield: float,
    is_call: bool,
) -> float:
    """Return the Black-Scholes-Merton implied vol of a European option price.

    Uses the safeguarded Newton iteration of :func:`implied_vol_array`.

    Parameters
    ----------
    price : float
        The option price, dollars per share.
    spot : float
        Underlying price, dollars per share; positive.
    strike : float
        Strike, dollars per share; positive.
    t_years : float
        Time to expiry in years (ACT/365); positive.
    rate : float
        Continuously compounded risk-free rate, decimal per year.
    div_yield : float
        Continuous dividend yield, decimal per year.
    is_call : bool
        True for a call, False for a put.

    Returns
    -------
    float
        The implied vol as a decimal per year (0.2 is 20 %).

    Raises
    ------
    ValueError
        If `price` is not finite, is at or below the discounted intrinsic value (the
        no-arbitrage lower bound) or at or above the upper bound (the discounted spot for a
        call, the discounted strike for a put), if the implied vol lies outside
        ``[IV_MIN, IV_MAX]``, if `t_years` is not positive, or if another input is invalid.

    """
    if not t_years > 0.0:
        raise ValueError(f"t_years was not positive: {t_years!r}")
    if not math.isfinite(price):
        raise ValueError(f"price was not finite: {price!r}")
    lower, upper = (
        float(b) for b in price_bounds_array(spot, strike, t_years, rate, div_yield, is_call)
    )
    if price <= lower:
        raise ValueError(
            f"price was at or below the no-arbitrage lower bound {lower!r} "
            f"(discounted intrinsic value): {price!r}"
        )
    if price >= upper:
        raise ValueError(f"price was at or above the no-arbitrage upper bound {upper!r}: {price!r}")
    vol = float(implied_vol_array(price, spot, strike, t_years, rate, div_yield, is_call))
    if math.isnan(vol):
        raise ValueError(
            f"implied vol was outside [{IV_MIN}, {IV_MAX}] for price {price!r} "
            f"(spot {spot!r}, strike {strike!r}, t_years {t_years!r})"
        )
    return vol
