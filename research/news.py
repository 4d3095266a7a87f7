"""News sentiment per ticker and session, joined as of the time each article became known."""

from __future__ import annotations

import numpy as np
import pandas as pd

NEWS_HALF_LIFE_DAYS = 3.0
_NS_PER_DAY = 86_400 * 1_000_000_000
_DECAY_WINDOW_DAYS = 30


def news_features(decision_ns: np.ndarray, index: pd.Index, articles: pd.DataFrame) -> pd.DataFrame:
    """Return per-session news sentiment features for one ticker.

    An article counts for a session when it became known after the previous session's
    decision and at or before this one's (``known_ns`` in ``(d[t-1], d[t]]``); the decayed
    score reads every article known at or before ``d[t]`` in the last 30 days.

    Parameters
    ----------
    decision_ns : numpy.ndarray
        Decision instants (UNIX ns), increasing, one per session.
    index : pandas.Index
        The sessions (index of the result).
    articles : pandas.DataFrame
        ``known_ns`` (``ts_init`` of the catalog's ``NewsSentiment``), ``relevance`` (0 to 1)
        and ``score`` (the ticker sentiment score, -1 to 1), one row per article.

    Returns
    -------
    pandas.DataFrame
        ``news_count`` (articles in the session's window), ``news_score`` (relevance-weighted
        mean score; ``nan`` without articles), ``news_dispersion`` (relevance-weighted standard
        deviation of scores), ``news_score_decayed`` (relevance- and time-weighted mean with a
        half-life of :data:`NEWS_HALF_LIFE_DAYS` days; ``nan`` without articles).

    """
    n = len(decision_ns)
    count = np.zeros(n)
    mean = np.full(n, np.nan)
    disp = np.full(n, np.nan)
    decayed = np.full(n, np.nan)
    if len(articles):
        order = np.argsort(articles["known_ns"].to_numpy(dtype=np.int64), kind="stable")
        known = articles["known_ns"].to_numpy(dtype=np.int64)[order]
        rel = articles["relevance"].to_numpy(dtype=np.float64)[order]
        score = articles["score"].to_numpy(dtype=np.float64)[order]
        ends = np.searchsorted(known, decision_ns, side="right")
        starts = np.concatenate(([0], ends[:-1])) if n else ends
        starts[0] = np.searchsorted(known, decision_ns[0] - _NS_PER_DAY, side="right") if n else 0
        window_starts = np.searchsorted(
            known, decision_ns - _DECAY_WINDOW_DAYS * _NS_PER_DAY, side="right"
        )
        for i in range(n):
            lo, hi = starts[i], ends[i]
            count[i] = hi - lo
            w = rel[lo:hi]
            if hi > lo and w.sum() > 0:
                m = float(np.dot(w, score[lo:hi]) / w.sum())
                mean[i] = m
                disp[i] = float(np.sqrt(np.dot(w, (score[lo:hi] - m) ** 2) / w.sum()))
            a, b = window_starts[i], ends[i]
            if b > a:
                age_days = (decision_ns[i] - known[a:b]) / _NS_PER_DAY
                wd = rel[a:b] * np.power(0.5, age_days / NEWS_HALF_LIFE_DAYS)
                if wd.sum() > 0:
                    decayed[i] = float(np.dot(wd, score[a:b]) / wd.sum())
    return pd.DataFrame(
        {
            "news_count": count,
            "news_score": mean,
            "news_dispersion": disp,
            "news_score_decayed": decayed,
        },
        index=index,
    )
