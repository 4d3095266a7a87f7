"""Labels: the forward return over a horizon, from closes strictly after the decision."""

from __future__ import annotations

import numpy as np
import pandas as pd


def forward_log_return(close: pd.Series, horizon: int) -> pd.Series:
    """Return ``log(close[t + horizon] / close[t])`` per session; ``nan`` for the last `horizon`.

    The decision is taken at the close of session ``t``; the label reads only the closes of
    sessions ``t + 1 .. t + horizon`` (its label window ends at ``t + horizon``).

    Raises
    ------
    ValueError
        If `horizon` is not a positive integer.

    """
    if horizon < 1:
        raise ValueError(f"label horizon was {horizon!r}, must be >= 1 session")
    return np.log(close.shift(-horizon) / close).rename(f"fwd_logret_{horizon}")


def label_window_end(n_rows: int, horizon: int) -> np.ndarray:
    """Return, per row position ``t``, the last position its label reads (``t + horizon``)."""
    return np.arange(n_rows, dtype=np.int64) + horizon
