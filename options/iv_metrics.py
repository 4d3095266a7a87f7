"""Implied-vol regime of an underlying: 30-day ATM IV from a chain, IV rank and IV percentile.

Pure functions on plain records (:class:`options.chain_selection.ChainQuote`). Units: vols are
decimals per year (0.20 is 20 %), times are calendar days (ACT/365, as :mod:`options.pricing`),
IV rank and IV percentile are percentages in ``[0, 100]``.

The 30-day ATM IV is built in two steps:

1. **ATM IV per expiration.** At each strike, the contract's IV is the vendor's
   (``ChainQuote.implied_vol``) or, when the vendor gives none, the Black-Scholes-Merton IV of
   the mid price (:func:`options.pricing.implied_vol_array`); where a strike has both a call
   and a put, their mean. The ATM IV is the linear interpolation in strike between the nearest
   strikes below and above the spot (the nearest strike's IV when the spot is outside the
   quoted strikes).
2. **Constant maturity.** Total implied variance ``w(T) = σ(T)² T`` is interpolated linearly
   in time between the two expirations around the target (30 days) and turned back into a vol,
   ``σ₃₀ = √(w(30) / 30)`` with T in days; this is the near/next-term weighting of the Cboe VIX
   methodology (Cboe, "VIX White Paper", 2019, "Step 3: Calculate the 30-day weighted average
   of σ₁² and σ₂²"). When every expiration is on one side of the target, the nearest
   expiration's ATM IV is used as is (flat extrapolation). Expirations at or before the
   snapshot's day are ignored.

IV rank and IV percentile of the latest value against the last ``window`` sessions (the latest
included), as the terms are used by option brokers (tastytrade, "IV Rank and IV Percentile"):

- IV rank ``= 100 (σ_now - min σ) / (max σ - min σ)``;
- IV percentile ``= 100 × (number of earlier sessions in the window with σ < σ_now) /
  (number of earlier sessions in the window)``.
"""

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

import numpy as np

from options.chain_selection import ChainQuote
from options.pricing import implied_vol_array

DEFAULT_WINDOW: Final = 252
"""Sessions in the IV rank and IV percentile look-back (about one year)."""

DEFAULT_TARGET_DAYS: Final = 30
"""Calendar days of the constant-maturity ATM IV."""

_DAYS_PER_YEAR: Final = 365.0


def contract_ivs(
    chain: Sequence[ChainQuote],
    spot: float,
    today: dt.date,
    *,
    rate: float = 0.0,
    div_yield: float = 0.0,
) -> list[float]:
    """Return each quote's implied vol: the vendor's, else the BSM IV of its mid price.

    Parameters
    ----------
    chain : sequence of ChainQuote
        The quotes; expirations after `today` are priced with ``T = days / 365``.
    spot : float
        The underlying price, dollars per share; positive.
    today : datetime.date
        The snapshot's day.
    rate, div_yield : float, default 0.0
        Continuously compounded risk-free rate and dividend yield, decimals per year.

    Returns
    -------
    list of float
        One vol per quote (decimal per year), in the order given; NaN where the vendor gives
        none and the mid has no implied vol (zero bid and ask, at or beyond the no-arbitrage
        bounds, or expiring today or earlier).

    Raises
    ------
    ValueError
        If `spot` is not finite and positive.

    """
    return _contract_ivs_of_chains([(chain, spot, today)], rate, div_yield)[0]


def _contract_ivs_of_chains(
    chains: Sequence[tuple[Sequence[ChainQuote], float, dt.date]], rate: float, div_yield: float
) -> list[list[float]]:
    # contract_ivs of each (chain, spot, today), the mids of all chains solved in ONE call of
    # the elementwise solver (its fixed cost is most of a small chain's).
    results: list[list[float]] = []
    missing: list[tuple[int, int]] = []
    inputs: list[tuple[float, float, float, float, bool]] = []
    for number, (chain, spot, today) in enumerate(chains):
        if not (math.isfinite(spot) and spot > 0.0):
            raise ValueError(f"spot must be finite and positive, was {spot!r}")
        results.append([q.implied_vol if q.implied_vol is not None else math.nan for q in chain])
        for i, q in enumerate(chain):
            if q.implied_vol is None and q.expiration > today:
                missing.append((number, i))
                t_years = (q.expiration - today).days / _DAYS_PER_YEAR
                inputs.append(
                    ((q.bid + q.ask) / 2.0, spot, q.strike, t_years, q.kind.name == "CALL")
                )
    if missing:
        mids, spots, strikes, years, is_call = (
            np.array(column) for column in zip(*inputs, strict=True)
        )
        solved = implied_vol_array(mids, spots, strikes, years, rate, div_yield, is_call)
        for (number, i), vol in zip(missing, solved, strict=True):
            results[number][i] = float(vol)
    return results


def atm_iv_by_expiration(
    chain: Iterable[ChainQuote],
    spot: float,
    today: dt.date,
    *,
    rate: float = 0.0,
    div_yield: float = 0.0,
) -> dict[dt.date, float]:
    """Return the at-the-money implied vol of each expiration after `today`.

    Parameters
    ----------
    chain : iterable of ChainQuote
        The snapshot's quotes, any expirations, calls and puts.
    spot : float
        The underlying price, dollars per share; positive.
    today : datetime.date
        The snapshot's day; expirations on or before it are left out.
    rate, div_yield : float, default 0.0
        As :func:`contract_ivs`.

    Returns
    -------
    dict of datetime.date to float
        Expiration to ATM IV (decimal per year), ascending by expiration; an expiration with
        no contract IV (see :func:`contract_ivs`) is left out. The ATM IV is interpolated
        linearly in strike between the nearest strikes around `spot` (module docstring).

    Raises
    ------
    ValueError
        If `spot` is not finite and positive.

    """
    quotes = [q for q in chain if q.expiration > today]
    ivs = contract_ivs(quotes, spot, today, rate=rate, div_yield=div_yield)
    return _atm_by_expiration(quotes, ivs, spot)


def _atm_by_expiration(
    quotes: Sequence[ChainQuote], ivs: Sequence[float], spot: float
) -> dict[dt.date, float]:
    by_strike: dict[dt.date, dict[float, list[float]]] = defaultdict(lambda: defaultdict(list))
    for quote, vol in zip(quotes, ivs, strict=True):
        if math.isfinite(vol) and vol > 0.0:
            by_strike[quote.expiration][quote.strike].append(vol)
    result = {}
    for expiration in sorted(by_strike):
        smile = {k: sum(v) / len(v) for k, v in by_strike[expiration].items()}
        result[expiration] = _at_spot(smile, spot)
    return result


def _at_spot(smile: Mapping[float, float], spot: float) -> float:
    below = [k for k in smile if k <= spot]
    above = [k for k in smile if k >= spot]
    if not below:
        return smile[min(above)]
    if not above:
        return smile[max(below)]
    low, high = max(below), min(above)
    if low == high:
        return smile[low]
    weight = (spot - low) / (high - low)
    return smile[low] + weight * (smile[high] - smile[low])


def constant_maturity_iv(
    term: Mapping[int, float], target_days: int = DEFAULT_TARGET_DAYS
) -> float | None:
    """Return the IV at `target_days` from a term structure, interpolating total variance.

    Parameters
    ----------
    term : mapping of int to float
        Calendar days to expiration (positive) to that expiration's ATM IV (decimal per year);
        entries with days <= 0 or a non-finite IV are ignored.
    target_days : int, default 30
        The constant maturity, calendar days; positive.

    Returns
    -------
    float or None
        ``√(w / target_days)`` where ``w`` is the total variance ``σ² T`` interpolated linearly
        in T between the expirations around the target (Cboe VIX methodology, module
        docstring); the nearest expiration's IV when all are on one side; None when `term` has
        no usable entry.

    Raises
    ------
    ValueError
        If `target_days` is not positive.

    """
    if target_days <= 0:
        raise ValueError(f"target_days must be positive, was {target_days!r}")
    points = sorted((d, v) for d, v in term.items() if d > 0 and math.isfinite(v))
    if not points:
        return None
    near = [(d, v) for d, v in points if d <= target_days]
    far = [(d, v) for d, v in points if d >= target_days]
    if not near:
        return far[0][1]
    if not far:
        return near[-1][1]
    (d1, v1), (d2, v2) = near[-1], far[0]
    if d1 == d2:
        return v1
    w1, w2 = v1 * v1 * d1, v2 * v2 * d2
    w = w1 + (w2 - w1) * (target_days - d1) / (d2 - d1)
    return math.sqrt(w / target_days)


def atm_iv_30d(
    chain: Iterable[ChainQuote],
    spot: float,
    today: dt.date,
    *,
    target_days: int = DEFAULT_TARGET_DAYS,
    rate: float = 0.0,
    div_yield: float = 0.0,
) -> float | None:
    """Return the constant-maturity (30-day by default) ATM implied vol of a chain snapshot.

    Parameters
    ----------
    chain : iterable of ChainQuote
        The snapshot's quotes.
    spot : float
        The underlying price, dollars per share; positive.
    today : datetime.date
        The snapshot's day.
    target_days : int, default 30
        The constant maturity, calendar days.
    rate, div_yield : float, default 0.0
        As :func:`contract_ivs`.

    Returns
    -------
    float or None
        :func:`constant_maturity_iv` of :func:`atm_iv_by_expiration` (decimal per year); None
        when no expiration after `today` has an IV.

    Raises
    ------
    ValueError
        If `spot` is not finite and positive or `target_days` is not positive.

    """
    (result,) = atm_ivs_30d(
        [(chain, spot, today)], target_days=target_days, rate=rate, div_yield=div_yield
    )
    return result


def atm_ivs_30d(
    snapshots: Iterable[tuple[Iterable[ChainQuote], float, dt.date]],
    *,
    target_days: int = DEFAULT_TARGET_DAYS,
    rate: float = 0.0,
    div_yield: float = 0.0,
) -> list[float | None]:
    """Return :func:`atm_iv_30d` of many snapshots, their mids solved in one vectorised call.

    The solver works element by element, so each value is exactly the one
    :func:`atm_iv_30d` returns for that snapshot alone; a few sessions' chains cost about
    what one costs (most of a small chain's cost is the solver's fixed cost per call).

    Parameters
    ----------
    snapshots : iterable of (iterable of ChainQuote, float, datetime.date)
        Each snapshot's quotes, underlying price (dollars per share; positive) and day.
    target_days : int, default 30
        The constant maturity, calendar days.
    rate, div_yield : float, default 0.0
        As :func:`contract_ivs`.

    Returns
    -------
    list of float or None
        One ATM IV per snapshot (decimal per year), in the order given; None where no
        expiration after the snapshot's day has an IV.

    Raises
    ------
    ValueError
        If a spot is not finite and positive or `target_days` is not positive.

    """
    chains = [
        ([q for q in chain if q.expiration > today], spot, today)
        for chain, spot, today in snapshots
    ]
    ivs = _contract_ivs_of_chains(chains, rate, div_yield)
    result = []
    for (quotes, spot, today), chain_ivs in zip(chains, ivs, strict=True):
        by_expiration = _atm_by_expiration(quotes, chain_ivs, spot)
        term = {(e - today).days: v for e, v in by_expiration.items()}
        result.append(constant_maturity_iv(term, target_days))
    return result


def _window(history: Sequence[float], window: int) -> list[float]:
    if window < 2:
        raise ValueError(f"window must be at least 2 sessions, was {window!r}")
    if not history:
        raise ValueError("history was empty: it must end with the current IV")
    values = list(history[-window:])
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"history holds a non-finite IV in its last {window} sessions")
    return values


def iv_rank(history: Sequence[float], window: int = DEFAULT_WINDOW) -> float | None:
    """Return the IV rank of the latest IV against the last `window` sessions.

    Parameters
    ----------
    history : sequence of float
        One IV per session, oldest first, the current session last (decimal per year).
    window : int, default 252
        Sessions in the look-back, the current one included; at least 2.

    Returns
    -------
    float or None
        ``100 (σ_now - min) / (max - min)`` over the window, in ``[0, 100]``; None when the
        window holds a single session or min equals max (no range to rank in).

    Raises
    ------
    ValueError
        If `history` is empty, `window` is below 2, or a value in the window is not finite.

    """
    values = _window(history, window)
    low, high = min(values), max(values)
    if len(values) < 2 or high == low:
        return None
    return 100.0 * (values[-1] - low) / (high - low)


def iv_percentile(history: Sequence[float], window: int = DEFAULT_WINDOW) -> float | None:
    """Return the IV percentile of the latest IV: the share of earlier sessions below it.

    Parameters
    ----------
    history : sequence of float
        One IV per session, oldest first, the current session last (decimal per year).
    window : int, default 252
        Sessions in the look-back, the current one included; at least 2.

    Returns
    -------
    float or None
        ``100 × count(σ < σ_now) / (len(window) - 1)`` over the earlier sessions of the
        window, in ``[0, 100]``; None when the window holds only the current session.

    Raises
    ------
    ValueError
        If `history` is empty, `window` is below 2, or a value in the window is not finite.

    """
    values = _window(history, window)
    earlier, now = values[:-1], values[-1]
    if not earlier:
        return None
    return 100.0 * sum(1 for v in earlier if v < now) / len(earlier)
