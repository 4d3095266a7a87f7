"""From a feature row to a signal: the model's probability, direction, confidence and entry gate.

Pure functions shared by the signal actor and tests; the actor adds only the Nautilus glue.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from research.registry import RegisteredModel


@dataclass(frozen=True, slots=True)
class EntryGate:
    """Configurable rule that blocks new entries around earnings and on bad news.

    Parameters
    ----------
    days_before_earnings : int | None
        Block when the next known earnings release is this many calendar days away or fewer.
    days_after_earnings : int | None
        Block when the last release was this many calendar days ago or fewer.
    news_score_floor : float | None
        Block when the decayed news sentiment score (``news_score_decayed``, -1 to 1) is
        below this value.

    """

    days_before_earnings: int | None = None
    days_after_earnings: int | None = None
    news_score_floor: float | None = None

    def check(self, row: pd.Series) -> tuple[bool, str]:
        """Return ``(entries_allowed, reason)`` for a feature row of :func:`build_features`."""
        to_next = row.get("ctx_days_to_earnings", math.nan)
        since = row.get("ctx_days_since_earnings", math.nan)
        news = row.get("news_score_decayed", math.nan)
        if self.days_before_earnings is not None and to_next <= self.days_before_earnings:
            return False, f"earnings in {to_next:g} days"
        if self.days_after_earnings is not None and since <= self.days_after_earnings:
            return False, f"earnings {since:g} days ago"
        if self.news_score_floor is not None and news < self.news_score_floor:
            return False, f"news score {news:.3f} below {self.news_score_floor:g}"
        return True, ""


def features_hash(row: pd.Series) -> str:
    """Return the SHA-256 (hex) of a feature row's names and float64 values, in order."""
    digest = hashlib.sha256()
    digest.update("\0".join(str(n) for n in row.index).encode())
    digest.update(np.ascontiguousarray(row.to_numpy(dtype=np.float64)).tobytes())
    return digest.hexdigest()


def probability_up(model: RegisteredModel, row: pd.Series) -> float:
    """Return the model's probability that the forward return is positive, for one row.

    Raises
    ------
    KeyError
        If the row lacks a feature the model reads.

    """
    x = row[model.feature_names].to_numpy(dtype=np.float64).reshape(1, -1)
    return float(model.booster.predict(x)[0])


def direction_of(probability: float, long_above: float, short_below: float) -> int:
    """Return 1 when ``probability >= long_above``, -1 when ``<= short_below``, else 0."""
    if probability >= long_above:
        return 1
    if probability <= short_below:
        return -1
    return 0
