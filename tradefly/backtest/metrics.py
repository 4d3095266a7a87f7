"""Performance metrics over an account equity curve: returns, drawdowns, Sharpe, Sortino, ulcer.

Every function is pure. An equity curve is either a sequence of
:class:`~actors.records.EquityPoint` (UNIX nanoseconds, USD) or a float
``pandas.Series`` of USD equity indexed by a timezone-aware ``DatetimeIndex``; timestamps must
be strictly increasing. Fractions are decimals (0.12 is 12 %) unless a docstring says percent.
"""

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from actors.records import EquityPoint
from options.market_calendar import NEW_YORK

type EquityCurve = Sequence[EquityPoint] | pd.Series
"""An equity curve: equity points, or a USD ``Series`` indexed by tz-aware timestamps."""

type Returns = pd.Series | Sequence[float] | npt.NDArray[np.float64]
"""Per-period simple returns as decimals (0.01 is +1 %)."""

SESSION_TIMEZONE = NEW_YORK

_TRADING_DAYS_PER_YEAR = 252
# Below this a standard or downside deviation of decimal returns is rounding noise, not risk.
_ZERO_DEVIATION = 1e-12


def equity_series(curve: EquityCurve) -> pd.Series:
    """Return `curve` as a float ``Series`` of USD equity indexed by UTC timestamps.

    Parameters
    ----------
    curve : Sequence[EquityPoint] or pandas.Series
        Equity points (``ts_ns`` UNIX nanoseconds, ``equity`` USD), or a Series of USD equity
        indexed by a timezone-aware ``DatetimeIndex`` (converted to UTC).

    Returns
    -------
    pandas.Series
        ``float64`` equity in USD, ``DatetimeIndex`` in UTC, named ``equity``.

    Raises
    ------
    TypeError
        If a Series index is not a ``DatetimeIndex``.
    ValueError
        If a Series index is timezone-naive, timestamps are not strictly increasing, or an
        equity value is not finite.

    """
    if isinstance(curve, pd.Series):
        if not isinstance(curve.index, pd.DatetimeIndex):
            raise TypeError(
                f"equity curve index was {type(curve.index).__name__}, expected a DatetimeIndex"
            )
        if curve.index.tz is None:
            raise ValueError("equity curve index was timezone-naive, expected UTC timestamps")
        index = curve.index.tz_convert("UTC")
        values = curve.to_numpy(dtype=np.float64)
    else:
        index = pd.to_datetime([point.ts_ns for point in curve], unit="ns", utc=True)
        values = np.array([point.equity for point in curve], dtype=np.float64)
    series = pd.Series(values, index=index, name="equity", dtype=np.float64)
    if not series.index.is_monotonic_increasing or not series.index.is_unique:
        raise ValueError("equity curve timestamps were not strictly increasing")
    if not np.isfinite(values).all():
        bad = series[~np.isfinite(values)]
        raise ValueError(f"equity was not finite at {bad.index[0].isoformat()}: {bad.iloc[0]}")
    return series


def daily_returns(curve: EquityCurve) -> pd.Series:
    """Return simple returns between consecutive session-close equity points.

    The last equity point of each New York calendar date stands for that session's close; the
    return of session *t* is ``E_t / E_{t-1} - 1``.

    Parameters
    ----------
    curve : Sequence[EquityPoint] or pandas.Series
        Equity curve in USD (see :func:`equity_series`).

    Returns
    -------
    pandas.Series
        Decimal returns (0.01 is +1 %), one per session after the first, indexed by the UTC
        timestamp of the session's closing point, named ``return``. Empty when the curve spans
        fewer than two sessions.

    Raises
    ------
    ValueError
        If the curve is malformed (see :func:`equity_series`) or an equity a return is computed
        from is not positive.

    """
    equity = equity_series(curve)
    session_dates = equity.index.tz_convert(SESSION_TIMEZONE).normalize()
    closes = equity[~session_dates.duplicated(keep="last")]
    base = closes.iloc[:-1]
    if (base <= 0).any():
        bad = base[base <= 0]
        raise ValueError(
            f"equity was not positive at {bad.index[0].isoformat()}: {bad.iloc[0]}; "
            "simple returns need a positive base"
        )
    returns = closes.iloc[1:].to_numpy() / base.to_numpy() - 1.0
    return pd.Series(returns, index=closes.index[1:], name="return", dtype=np.float64)


def drawdown_series(curve: EquityCurve) -> pd.Series:
    """Return the drawdown at each point as a positive fraction of the running peak.

    ``D_t = (P_t - E_t) / P_t`` with ``P_t = max(E_0 .. E_t)``.

    Parameters
    ----------
    curve : Sequence[EquityPoint] or pandas.Series
        Equity curve in USD (see :func:`equity_series`).

    Returns
    -------
    pandas.Series
        Non-negative decimals (0.12 is 12 % below the peak), same UTC index as the curve,
        named ``drawdown``.

    Raises
    ------
    ValueError
        If the curve is malformed or its running peak is not positive (a fraction of a
        non-positive peak is undefined).

    """
    equity = equity_series(curve)
    peak = equity.cummax()
    if (peak <= 0).any():
        raise ValueError(
            f"running peak equity was not positive: {peak.iloc[0]}; "
            "a drawdown fraction needs a positive peak"
        )
    return ((peak - equity) / peak).rename("drawdown")


def max_drawdown(curve: EquityCurve) -> float:
    """Return the largest drawdown as a positive fraction of the running peak.

    Parameters
    ----------
    curve : Sequence[EquityPoint] or pandas.Series
        Equity curve in USD (see :func:`equity_series`).

    Returns
    -------
    float
        Decimal in ``[0, inf)``, e.g. 0.12 for a fall of 12 % from a peak; 0.0 for a curve that
        never falls; ``nan`` for an empty curve.

    Raises
    ------
    ValueError
        As :func:`drawdown_series`.

    """
    drawdown = drawdown_series(curve)
    return float(drawdown.max()) if len(drawdown) else math.nan


def max_drawdown_usd(curve: EquityCurve) -> float:
    """Return the largest fall of equity from its running peak, in USD.

    The fall measured is the largest in dollars, which need not be the one that is largest
    as a fraction (:func:`max_drawdown`).

    Parameters
    ----------
    curve : Sequence[EquityPoint] or pandas.Series
        Equity curve in USD (see :func:`equity_series`).

    Returns
    -------
    float
        Non-negative USD; ``nan`` for an empty curve.

    Raises
    ------
    ValueError
        If the curve is malformed (see :func:`equity_series`).

    """
    equity = equity_series(curve)
    if equity.empty:
        return math.nan
    return float((equity.cummax() - equity).max())


def ulcer_index(curve: EquityCurve) -> float:
    """Return the ulcer index of the curve, in percent.

    ``UI = sqrt(mean(R_t ** 2))`` with ``R_t = 100 * (E_t - P_t) / P_t`` the percentage
    drawdown from the running peak ``P_t``, averaged over every point of the curve.
    Source: P. G. Martin (1987), as published in P. G. Martin and B. B. McCann, *The
    Investor's Guide to Fidelity Funds* (Wiley, 1989).

    Parameters
    ----------
    curve : Sequence[EquityPoint] or pandas.Series
        Equity curve in USD (see :func:`equity_series`).

    Returns
    -------
    float
        Percent (5.0 means 5 %), non-negative; ``nan`` for an empty curve.

    Raises
    ------
    ValueError
        As :func:`drawdown_series`.

    """
    percent = 100.0 * drawdown_series(curve).to_numpy()
    if percent.size == 0:
        return math.nan
    return float(np.sqrt(np.mean(percent**2)))


def sharpe_ratio(
    returns: Returns,
    periods_per_year: int = _TRADING_DAYS_PER_YEAR,
    risk_free: float = 0.0,
) -> float:
    """Return the annualised ex-post Sharpe ratio of per-period returns.

    ``S = mean(r - rf) / std(r - rf, ddof=1) * sqrt(periods_per_year)``.
    Source: W. F. Sharpe, "The Sharpe Ratio", *Journal of Portfolio Management* 21(1), 1994;
    the square-root-of-time annualisation assumes independent returns (A. W. Lo, "The
    Statistics of Sharpe Ratios", *Financial Analysts Journal* 58(4), 2002).

    Parameters
    ----------
    returns : pandas.Series, Sequence[float] or numpy.ndarray
        Simple returns per period as decimals (e.g. :func:`daily_returns`). NaN values are
        dropped.
    periods_per_year : int, default 252
        Periods in a year (252 for NYSE sessions).
    risk_free : float, default 0.0
        Risk-free return per period as a decimal (e.g. ``0.04 / 252`` for 4 % a year).

    Returns
    -------
    float
        Annualised ratio (dimensionless); ``nan`` when fewer than two returns remain or
        their standard deviation is zero.

    Raises
    ------
    ValueError
        If `periods_per_year` is not positive or a return is infinite.

    """
    excess = _clean_returns(returns, periods_per_year) - risk_free
    if excess.size < 2:
        return math.nan
    deviation = float(np.std(excess, ddof=1))
    return _annualised_ratio(float(np.mean(excess)), deviation, periods_per_year)


def sortino_ratio(
    returns: Returns,
    periods_per_year: int = _TRADING_DAYS_PER_YEAR,
    target: float = 0.0,
) -> float:
    """Return the annualised Sortino ratio of per-period returns.

    ``So = (mean(r) - T) / DD * sqrt(periods_per_year)`` with the downside deviation
    ``DD = sqrt(sum(min(0, r - T) ** 2) / N)`` over all ``N`` returns, for target return ``T``.
    Source: F. A. Sortino and L. N. Price, "Performance Measurement in a Downside Risk
    Framework", *Journal of Investing* 3(3), 1994.

    Parameters
    ----------
    returns : pandas.Series, Sequence[float] or numpy.ndarray
        Simple returns per period as decimals (e.g. :func:`daily_returns`). NaN values are
        dropped.
    periods_per_year : int, default 252
        Periods in a year (252 for NYSE sessions).
    target : float, default 0.0
        Target (minimum acceptable) return per period as a decimal.

    Returns
    -------
    float
        Annualised ratio (dimensionless); ``nan`` when fewer than two returns remain or none
        falls below `target` (zero downside deviation).

    Raises
    ------
    ValueError
        If `periods_per_year` is not positive or a return is infinite.

    """
    values = _clean_returns(returns, periods_per_year)
    if values.size < 2:
        return math.nan
    shortfall = np.minimum(values - target, 0.0)
    downside = math.sqrt(float(np.mean(shortfall**2)))
    return _annualised_ratio(float(np.mean(values)) - target, downside, periods_per_year)


def _annualised_ratio(mean_excess: float, deviation: float, periods_per_year: int) -> float:
    """Return ``mean_excess / deviation * sqrt(periods_per_year)``; NaN for a zero deviation."""
    if deviation <= _ZERO_DEVIATION:
        return math.nan
    return mean_excess / deviation * math.sqrt(periods_per_year)


def _clean_returns(returns: Returns, periods_per_year: int) -> npt.NDArray[np.float64]:
    if periods_per_year <= 0:
        raise ValueError(f"periods_per_year was {periods_per_year}, expected a positive number")
    values: npt.NDArray[np.float64] = np.asarray(returns, dtype=np.float64)
    if np.isinf(values).any():
        raise ValueError("a return was infinite")
    return values[~np.isnan(values)]
