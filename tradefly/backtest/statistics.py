"""The figures of a backtest report: curve statistics, trade statistics, tables, benchmark.

Curve statistics are computed over session returns of the mark-to-market equity curve
(:func:`tradefly.backtest.metrics.daily_returns`); CAGR, volatility and Calmar come from
``empyrical`` (252 sessions a year). Trade statistics count owner trades
(:func:`tradefly.backtest.trades.group_trades`) that have closed; a trade wins when its P&L
after fees, shares included, is above zero and loses when below. Fractions are decimals.
"""

import math
from collections.abc import Callable, Sequence
from typing import Any

import empyrical
import numpy as np
import pandas as pd

from tradefly.backtest.metrics import (
    SESSION_TIMEZONE,
    daily_returns,
    drawdown_series,
    max_drawdown,
    max_drawdown_usd,
    sharpe_ratio,
    sortino_ratio,
    ulcer_index,
)
from tradefly.backtest.trades import OPEN, Trade

DTE_BUCKETS = ((0, 7), (8, 14), (15, 30), (31, 45), (46, 60), (61, None))
"""Inclusive calendar-day ranges of DTE at entry (``None``: no upper bound)."""

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def curve_statistics(equity: pd.Series) -> dict[str, float]:
    """Return the statistics of a mark-to-market equity curve.

    Parameters
    ----------
    equity : pandas.Series
        USD equity indexed by UTC timestamps (see
        :func:`tradefly.backtest.metrics.equity_series`).

    Returns
    -------
    dict[str, float]
        ``total_return`` (last over first equity point, minus 1), ``cagr``
        (``empyrical.cagr`` of session returns), ``volatility`` (annualised standard deviation
        of session returns, ``empyrical.annual_volatility``), ``sharpe``, ``sortino``
        (:mod:`tradefly.backtest.metrics`), ``calmar`` (``empyrical.calmar_ratio``),
        ``max_drawdown`` (fraction of the running peak), ``max_drawdown_usd``,
        ``max_drawdown_days`` (longest calendar-day stretch from a peak until equity is back at
        it, or until the last point if it never is), ``ulcer_index`` (percent). ``nan`` where
        undefined.

    """
    returns = daily_returns(equity)
    values = returns.to_numpy()
    first, last = (float(equity.iloc[0]), float(equity.iloc[-1])) if len(equity) else (0, 0)
    return {
        "total_return": last / first - 1.0 if first > 0 else math.nan,
        "cagr": float(empyrical.cagr(values)) if len(values) else math.nan,
        "volatility": float(empyrical.annual_volatility(values)),
        "sharpe": sharpe_ratio(returns),
        "sortino": sortino_ratio(returns),
        "calmar": float(empyrical.calmar_ratio(values)) if len(values) else math.nan,
        "max_drawdown": max_drawdown(equity),
        "max_drawdown_usd": max_drawdown_usd(equity),
        "max_drawdown_days": _longest_drawdown_days(equity),
        "ulcer_index": ulcer_index(equity),
    }


def _longest_drawdown_days(equity: pd.Series) -> float:
    if equity.empty:
        return math.nan
    underwater = (drawdown_series(equity) > 0).to_numpy()
    times = equity.index
    longest = pd.Timedelta(0)
    start: pd.Timestamp | None = None
    for i, below in enumerate(underwater):
        if below and start is None:
            start = times[i - 1]
        elif not below and start is not None:
            longest = max(longest, times[i] - start)
            start = None
    if start is not None:
        longest = max(longest, times[-1] - start)
    return float(longest / pd.Timedelta(days=1))


def trade_statistics(trades: Sequence[Trade], equity: pd.Series) -> dict[str, float]:
    """Return the statistics of a run's trades.

    Parameters
    ----------
    trades : Sequence[Trade]
        Every trade of the run; open trades count only for ``exposure`` and ``fees``.
    equity : pandas.Series
        The equity curve; its points after the first are the session closes ``exposure``
        is measured at.

    Returns
    -------
    dict[str, float]
        ``n_closed``, ``n_wins``, ``n_losses``; ``win_rate`` (wins over closed trades);
        ``profit_factor`` (sum of wins over the absolute sum of losses); ``expectancy``
        (mean P&L per closed trade, USD); ``average_win``, ``average_loss`` (USD, the loss
        negative); ``payoff_ratio`` (average win over the absolute average loss);
        ``largest_win``, ``largest_loss`` (USD); ``exposure`` (fraction of session closes with
        a trade open: entered at or before the close and not yet exited); ``fees`` (USD,
        every trade). ``nan`` where undefined (no closed trades, no losses).

    """
    pnl = np.array([t.pnl for t in trades if t.exit_reason != OPEN], dtype=np.float64)
    wins, losses = pnl[pnl > 0], pnl[pnl < 0]
    average_win = float(wins.mean()) if wins.size else math.nan
    average_loss = float(losses.mean()) if losses.size else math.nan
    return {
        "n_closed": float(pnl.size),
        "n_wins": float(wins.size),
        "n_losses": float(losses.size),
        "win_rate": wins.size / pnl.size if pnl.size else math.nan,
        "profit_factor": float(wins.sum() / -losses.sum()) if losses.size else math.nan,
        "expectancy": float(pnl.mean()) if pnl.size else math.nan,
        "average_win": average_win,
        "average_loss": average_loss,
        "payoff_ratio": average_win / -average_loss if losses.size else math.nan,
        "largest_win": float(wins.max()) if wins.size else math.nan,
        "largest_loss": float(losses.min()) if losses.size else math.nan,
        "exposure": _exposure(trades, equity),
        "fees": float(sum(t.fees for t in trades)),
    }


def _exposure(trades: Sequence[Trade], equity: pd.Series) -> float:
    closes = equity.index[1:]
    if len(closes) == 0:
        return math.nan
    held = np.zeros(len(closes), dtype=bool)
    for trade in trades:
        entered = closes >= pd.Timestamp(trade.entry_time)
        exited = pd.Timestamp(trade.exit_time) if trade.exit_time else None
        held |= entered & (closes < exited) if exited is not None else entered
    return float(held.mean())


def period_returns(equity: pd.Series) -> dict[str, dict[str, float]]:
    """Return compounded session returns per calendar month and year (New York dates).

    Returns
    -------
    dict[str, dict[str, float]]
        ``monthly`` keyed ``YYYY-MM`` and ``yearly`` keyed ``YYYY``: the product of
        ``1 + r`` over the period's session returns, minus 1 (``empyrical.aggregate_returns``).

    """
    returns = daily_returns(equity)
    returns.index = returns.index.tz_convert(SESSION_TIMEZONE)
    if returns.empty:
        return {"monthly": {}, "yearly": {}}
    monthly = empyrical.aggregate_returns(returns, "monthly")
    yearly = empyrical.aggregate_returns(returns, "yearly")
    return {
        "monthly": {f"{y:04d}-{m:02d}": float(v) for (y, m), v in monthly.items()},
        "yearly": {f"{y:04d}": float(v) for y, v in yearly.items()},
    }


def breakdowns(trades: Sequence[Trade]) -> dict[str, list[dict[str, Any]]]:
    """Return closed trades grouped by exit reason, weekday of entry, DTE bucket, structure.

    Returns
    -------
    dict[str, list[dict[str, Any]]]
        Keys ``exit_reason``, ``weekday`` (New York weekday of entry, ``Mon``..),
        ``dte`` (:data:`DTE_BUCKETS` as ``"0-7"``, ``"61+"``), ``structure``; each a list of
        rows ``{"group", "trades", "wins", "win_rate", "pnl", "average_pnl"}`` (USD) in
        order of the group.

    """
    closed = [t for t in trades if t.exit_reason != OPEN]
    keys: dict[str, Callable[[Trade], tuple[int, str]]] = {
        "exit_reason": lambda t: (0, t.exit_reason),
        "weekday": lambda t: (t.entry_date.weekday(), WEEKDAYS[t.entry_date.weekday()]),
        "dte": _dte_bucket,
        "structure": lambda t: (0, t.structure),
    }
    return {name: _grouped(closed, key) for name, key in keys.items()}


def _dte_bucket(trade: Trade) -> tuple[int, str]:
    for low, high in DTE_BUCKETS:
        if trade.dte >= low and (high is None or trade.dte <= high):
            return low, f"{low}-{high}" if high is not None else f"{low}+"
    return trade.dte, str(trade.dte)  # below 0: entered after its expiration date


def _grouped(
    trades: Sequence[Trade], key: Callable[[Trade], tuple[int, str]]
) -> list[dict[str, Any]]:
    groups: dict[tuple[int, str], list[float]] = {}
    for trade in trades:
        groups.setdefault(key(trade), []).append(trade.pnl)
    rows = []
    for group in sorted(groups):
        pnl = groups[group]
        wins = sum(1 for p in pnl if p > 0)
        rows.append(
            {
                "group": group[1],
                "trades": len(pnl),
                "wins": wins,
                "win_rate": wins / len(pnl),
                "pnl": float(sum(pnl)),
                "average_pnl": float(sum(pnl) / len(pnl)),
            }
        )
    return rows


def benchmark_statistics(closes: pd.Series, equity: pd.Series) -> dict[str, float]:
    """Return buy-and-hold figures of the underlying over the run's span.

    Parameters
    ----------
    closes : pandas.Series
        The underlying's session closes (USD per share) indexed by UTC timestamps.
    equity : pandas.Series
        The strategy's equity curve, for the correlation.

    Returns
    -------
    dict[str, float]
        ``total_return`` (last close over first, minus 1), ``cagr``, ``sharpe``,
        ``max_drawdown`` (fraction), and ``correlation`` (Pearson, of the benchmark's and the
        strategy's session returns on the New York dates both have). No dividends.

    """
    bench_returns = daily_returns(closes)
    strategy_returns = daily_returns(equity)
    by_date = pd.concat(
        [_by_session(bench_returns), _by_session(strategy_returns)], axis=1, join="inner"
    )
    correlation = (
        float(by_date.iloc[:, 0].corr(by_date.iloc[:, 1])) if len(by_date) > 1 else math.nan
    )
    first = float(closes.iloc[0]) if len(closes) else math.nan
    return {
        "total_return": float(closes.iloc[-1]) / first - 1.0 if len(closes) else math.nan,
        "cagr": float(empyrical.cagr(bench_returns.to_numpy())) if len(bench_returns) else math.nan,
        "sharpe": sharpe_ratio(bench_returns),
        "max_drawdown": max_drawdown(closes),
        "correlation": correlation,
    }


def _by_session(returns: pd.Series) -> pd.Series:
    dates = returns.index.tz_convert(SESSION_TIMEZONE).date
    return pd.Series(returns.to_numpy(), index=pd.Index(dates))
