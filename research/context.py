"""Market context features: VIX, trend regime, a Gaussian-mixture volatility regime, earnings.

Each function maps a history to one row per session that uses only what was known at that
session's decision time (its close). VIX closes at 16:15 ET, after the 16:00 equity close, so
a session reads the VIX close of the previous session.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.mixture import GaussianMixture

VOL_REGIME_COMPONENTS = 3
VOL_REGIME_MIN_HISTORY = 504
"""Sessions of realised volatility needed before the first regime fit (about two years)."""
VOL_REGIME_WINDOW = 2520
"""Sessions of realised volatility each yearly fit reads at most (the last ten years)."""


def load_cboe_vix(path: Path) -> pd.Series:
    """Return Cboe's VIX history file as a series of closes indexed by session date.

    Parameters
    ----------
    path : Path
        Cboe's ``VIX_History.csv`` (``DATE,OPEN,HIGH,LOW,CLOSE``, dates ``MM/DD/YYYY``).

    Returns
    -------
    pandas.Series
        VIX closes (index points, e.g. ``22.75``), named ``vix``, on a DatetimeIndex of dates.

    Raises
    ------
    ValueError
        If the header is not Cboe's or a row has a bad date or close (the message names the
        file and line).

    """
    dates: list[dt.date] = []
    closes: list[float] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or [h.strip().upper() for h in header[:5]] != [
            "DATE",
            "OPEN",
            "HIGH",
            "LOW",
            "CLOSE",
        ]:
            raise ValueError(f"{path}: header was {header!r}, expected DATE,OPEN,HIGH,LOW,CLOSE")
        for line, row in enumerate(reader, start=2):
            try:
                dates.append(_parse_us_date(row[0]))
                closes.append(float(row[4]))
            except (ValueError, IndexError) as exc:
                raise ValueError(f"{path}:{line}: bad VIX row {row!r} ({exc})") from None
    series = pd.Series(closes, index=pd.DatetimeIndex(dates), name="vix", dtype=np.float64)
    return series[~series.index.duplicated(keep="last")].sort_index()


def _parse_us_date(text: str) -> dt.date:
    month, day, year = (int(part) for part in text.strip().split("/"))
    return dt.date(year, month, day)


def vix_features(sessions: pd.DatetimeIndex, vix: pd.Series, rv21: pd.Series) -> pd.DataFrame:
    """Return VIX features per session from the VIX close of the previous session.

    Parameters
    ----------
    sessions : pandas.DatetimeIndex
        Session dates, increasing.
    vix : pandas.Series
        VIX closes by date (:func:`load_cboe_vix`).
    rv21 : pandas.Series
        The underlying's 21-session realised volatility on `sessions`, annualised decimal.

    Returns
    -------
    pandas.DataFrame
        ``ctx_vix`` (level, index points), ``ctx_vix_chg_5`` (log change over 5 VIX sessions),
        ``ctx_vix_z_63`` (z-score over 63), ``ctx_vix_pct_252`` (percentile rank of the level
        in the last 252 closes, 0 to 1), ``ctx_vix_vs_mean_20`` (level over its 20-session
        mean: the VIX history file has no VIX9D/VIX3M, so this stands in for the term
        structure), ``ctx_vix_minus_rv21`` (VIX/100 minus realised vol).

    """
    frame = pd.DataFrame({"vix": vix.astype(np.float64)})
    lv = np.log(frame["vix"])
    frame["chg5"] = lv.diff(5)
    frame["z63"] = (frame["vix"] - frame["vix"].rolling(63).mean()) / frame["vix"].rolling(63).std(
        ddof=1
    )
    frame["pct252"] = frame["vix"].rolling(252).rank(pct=True)
    frame["vs20"] = frame["vix"] / frame["vix"].rolling(20).mean()
    # as of the previous session: the last VIX date strictly before each session
    positions = frame.index.searchsorted(sessions, side="left") - 1
    valid = positions >= 0
    if len(frame):
        taken = frame.to_numpy()[np.where(valid, positions, 0)]
        taken[~valid] = np.nan
    else:  # no VIX history: every VIX feature is missing
        taken = np.full((len(sessions), frame.shape[1]), np.nan)
    out = pd.DataFrame(
        taken,
        index=sessions,
        columns=[
            "ctx_vix",
            "ctx_vix_chg_5",
            "ctx_vix_z_63",
            "ctx_vix_pct_252",
            "ctx_vix_vs_mean_20",
        ],
    )
    out["ctx_vix_minus_rv21"] = out["ctx_vix"] / 100.0 - rv21.reindex(sessions).to_numpy()
    return out


def trend_regime(close: pd.Series) -> pd.Series:
    """Return the trend regime per session: 1 up, -1 down, 0 mixed, ``nan`` before 200 sessions.

    Up when the close is above its 200-session simple moving average and the 50-session
    average is above the 200-session one; down when both are below; mixed otherwise.
    """
    sma50 = close.rolling(50).mean()
    sma200 = close.rolling(200).mean()
    up = (close > sma200) & (sma50 > sma200)
    down = (close < sma200) & (sma50 < sma200)
    regime = pd.Series(np.where(up, 1.0, np.where(down, -1.0, 0.0)), index=close.index)
    regime[sma200.isna()] = np.nan
    return regime.rename("ctx_trend_regime")


_GMM_CACHE: dict[bytes, GaussianMixture] = {}


def _fitted_mixture(history: np.ndarray, seed: int) -> GaussianMixture:
    key = hashlib.sha256(history.tobytes() + seed.to_bytes(8, "little")).digest()
    model = _GMM_CACHE.get(key)
    if model is None:
        # start from the history's quantiles: deterministic, and no k-means initialisation
        quantiles = np.quantile(history, np.linspace(0, 1, VOL_REGIME_COMPONENTS + 2)[1:-1])
        model = GaussianMixture(
            n_components=VOL_REGIME_COMPONENTS,
            random_state=seed,
            init_params="random_from_data",  # replaced by means_init; avoids a k-means run
            means_init=quantiles.reshape(-1, 1),
        )
        model.fit(history.reshape(-1, 1))
        _GMM_CACHE[key] = model
    return model


def vol_regime(rv: pd.Series, seed: int = 0) -> pd.DataFrame:
    """Return a Gaussian-mixture volatility regime per session, refitted once a calendar year.

    The sessions of calendar year ``Y`` are classified by a 3-component
    ``sklearn.mixture.GaussianMixture`` fitted on the log realised volatility of the last
    :data:`VOL_REGIME_WINDOW` sessions before 1 January of ``Y``, so no session's regime
    depends on its own year. Years with fewer than :data:`VOL_REGIME_MIN_HISTORY` earlier
    sessions get ``nan``. Fits are memoised by their input, so calling this daily on a
    growing history refits only once a year.

    Parameters
    ----------
    rv : pandas.Series
        Realised volatility (annualised decimal) on a DatetimeIndex of sessions.
    seed : int, default 0
        ``random_state`` of the mixture.

    Returns
    -------
    pandas.DataFrame
        ``ctx_vol_regime`` (0 calm, 1 normal, 2 stressed: components ordered by mean) and
        ``ctx_vol_regime_p_high`` (posterior probability of the stressed component).

    """
    logrv = np.log(rv.where(rv > 0))
    regime = np.full(len(rv), np.nan)
    p_high = np.full(len(rv), np.nan)
    years = rv.index.year
    for year in np.unique(years):
        before = logrv[rv.index < pd.Timestamp(year=int(year), month=1, day=1)].dropna()
        before = before.to_numpy()[-VOL_REGIME_WINDOW:]
        if len(before) < VOL_REGIME_MIN_HISTORY:
            continue
        model = _fitted_mixture(before.astype(np.float64), seed)
        order = np.argsort(model.means_.ravel())
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        rows = np.flatnonzero((years == year) & logrv.notna().to_numpy())
        if len(rows) == 0:
            continue
        x = logrv.to_numpy()[rows].reshape(-1, 1)
        proba = model.predict_proba(x)
        regime[rows] = rank[np.argmax(proba, axis=1)]
        p_high[rows] = proba[:, order[-1]]
    return pd.DataFrame({"ctx_vol_regime": regime, "ctx_vol_regime_p_high": p_high}, index=rv.index)


def earnings_days(
    sessions: pd.DatetimeIndex, decision_ns: np.ndarray, events: pd.DataFrame
) -> pd.DataFrame:
    """Return calendar days to the next and since the last earnings release, as known then.

    Parameters
    ----------
    sessions : pandas.DatetimeIndex
        Session dates.
    decision_ns : numpy.ndarray
        Each session's decision instant (UNIX ns, its close).
    events : pandas.DataFrame
        Earnings events with ``known_ns`` (when the row became known: ``ts_init`` of the
        catalog's ``EarningsEvent``) and ``report_date`` (release date, datetime64).

    Returns
    -------
    pandas.DataFrame
        ``ctx_days_to_earnings`` (to the next release date on or after the session among
        events known at the decision) and ``ctx_days_since_earnings`` (since the last release
        date on or before it); ``nan`` when none is known (an ETF has none).

    """
    to_next = np.full(len(sessions), np.nan)
    since = np.full(len(sessions), np.nan)
    if len(events):
        known = events["known_ns"].to_numpy(dtype=np.int64)
        report = pd.DatetimeIndex(events["report_date"]).to_numpy()
        day = sessions.to_numpy()
        for i in range(len(sessions)):
            visible = report[known <= decision_ns[i]]
            ahead = visible[visible >= day[i]]
            behind = visible[visible <= day[i]]
            if len(ahead):
                to_next[i] = (ahead.min() - day[i]) / np.timedelta64(1, "D")
            if len(behind):
                since[i] = (day[i] - behind.max()) / np.timedelta64(1, "D")
    return pd.DataFrame(
        {"ctx_days_to_earnings": to_next, "ctx_days_since_earnings": since}, index=sessions
    )
