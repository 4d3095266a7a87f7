"""Monte Carlo of a strategy's trade sequence: bootstrap of its trades' P&L.

Each path draws the strategy's trade P&Ls with replacement (as many as it made), in a random
order, and books them one after the other on the starting equity; the distribution of the
final equity and of the maximum drawdown over the paths says how much of the backtest's
result was the luck of the order and mix of its trades (Efron's bootstrap; see also
López de Prado, *Advances in Financial Machine Learning*, ch. 13 on backtesting through
synthetic paths).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PERCENTILES = (1, 5, 25, 50, 75, 95, 99)


@dataclass(frozen=True)
class MonteCarloResult:
    """Distribution of final equity and maximum drawdown over bootstrap paths.

    Parameters
    ----------
    n_paths : int
        Paths drawn.
    final_equity : dict[int, float]
        Percentile (1 .. 99) to final equity, dollars.
    max_drawdown : dict[int, float]
        Percentile to maximum drawdown, a decimal fraction of the running peak (0.1 is 10 %).
    probability_of_loss : float
        Share of paths ending below the starting equity.
    final_equity_paths : numpy.ndarray
        Final equity of every path, shape ``(n_paths,)``.
    max_drawdown_paths : numpy.ndarray
        Maximum drawdown of every path, shape ``(n_paths,)``.

    """

    n_paths: int
    final_equity: dict[int, float]
    max_drawdown: dict[int, float]
    probability_of_loss: float
    final_equity_paths: np.ndarray
    max_drawdown_paths: np.ndarray


def bootstrap_trades(
    pnl: np.ndarray, starting_equity: float, n_paths: int = 10_000, seed: int = 0
) -> MonteCarloResult:
    """Bootstrap a trade sequence.

    Parameters
    ----------
    pnl : numpy.ndarray
        Each trade's realised P&L in dollars (after fees), shape ``(n_trades,)``.
    starting_equity : float
        Dollars (> 0).
    n_paths : int, default 10000
        Paths to draw (>= 1).
    seed : int, default 0
        Seed of ``numpy.random.default_rng``: the same inputs give the same result.

    Returns
    -------
    MonteCarloResult

    Raises
    ------
    ValueError
        If `pnl` is empty or not finite, `starting_equity` is not positive or `n_paths` < 1.

    """
    values = np.asarray(pnl, dtype=np.float64)
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError(
            f"trade P&L must be a non-empty finite sequence (was {values.size} values)"
        )
    if not starting_equity > 0:
        raise ValueError(f"starting equity was {starting_equity!r}, must be > 0")
    if n_paths < 1:
        raise ValueError(f"n_paths was {n_paths!r}, must be >= 1")
    rng = np.random.default_rng(seed)
    draws = values[rng.integers(0, values.size, size=(n_paths, values.size))]
    equity = starting_equity + np.cumsum(draws, axis=1)
    curve = np.concatenate([np.full((n_paths, 1), starting_equity), equity], axis=1)
    peaks = np.maximum.accumulate(curve, axis=1)
    drawdown = (1.0 - curve / peaks).max(axis=1)
    final = equity[:, -1]
    return MonteCarloResult(
        n_paths=n_paths,
        final_equity={p: float(np.percentile(final, p)) for p in PERCENTILES},
        max_drawdown={p: float(np.percentile(drawdown, p)) for p in PERCENTILES},
        probability_of_loss=float(np.mean(final < starting_equity)),
        final_equity_paths=final,
        max_drawdown_paths=drawdown,
    )
