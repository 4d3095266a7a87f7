"""Option features of an underlying from its end-of-day chain snapshots in the catalog.

Per session, from the snapshot stamped at that session's close (the catalog's quotes and
vendor greeks of every contract quoted that day): the 30-day constant-maturity ATM IV and its
IV rank and IV percentile over the last 252 snapshots (:mod:`options.iv_metrics`), the term
slope, the 25-delta skew, the put/call open-interest ratio and the ATM IV minus realised vol.
The catalog has no option volume, so there is no put/call volume ratio. Sessions without a
snapshot get ``nan``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
from nautilus_trader.model.data import OptionGreeks, QuoteTick
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.instruments import OptionContract

from options.chain_selection import ChainQuote
from options.iv_metrics import atm_iv_30d, atm_iv_by_expiration, iv_percentile, iv_rank

CHAIN_COLUMNS = (
    "ts_ns",
    "expiration",
    "kind",
    "strike",
    "bid",
    "ask",
    "delta",
    "iv",
    "open_interest",
)
OPTION_FEATURES = (
    "opt_atm_iv_30d",
    "opt_iv_rank_252",
    "opt_iv_percentile_252",
    "opt_term_slope",
    "opt_skew_25d",
    "opt_pc_oi_ratio",
    "opt_iv_minus_rv21",
)
IV_WINDOW = 252


def empty_chains() -> pd.DataFrame:
    """Return a chain frame with no rows."""
    return pd.DataFrame({c: pd.Series(dtype=np.float64) for c in CHAIN_COLUMNS})


def chain_frame(
    contracts: Iterable[OptionContract], quotes: Iterable[QuoteTick], greeks: Iterable[OptionGreeks]
) -> pd.DataFrame:
    """Return catalog quotes joined with their vendor greeks, one row per contract and instant.

    Returns
    -------
    pandas.DataFrame
        :data:`CHAIN_COLUMNS`: ``ts_ns`` (int), ``expiration`` (date), ``kind`` (``C``/``P``),
        ``strike``, ``bid``, ``ask`` (dollars per share), ``delta``, ``iv`` (decimal; ``nan``
        without greeks), ``open_interest`` (contracts; ``nan`` without greeks).

    """
    info = {
        c.id: (
            pd.Timestamp(c.expiration_ns, tz="UTC").tz_convert("America/New_York").date(),
            "C" if c.option_kind == OptionKind.CALL else "P",
            c.strike_price.as_double(),
        )
        for c in contracts
    }
    by_key = {(g.instrument_id, g.ts_event): g for g in greeks}
    rows = []
    for q in quotes:
        if q.instrument_id not in info:
            continue
        expiration, kind, strike = info[q.instrument_id]
        g = by_key.get((q.instrument_id, q.ts_event))
        rows.append(
            (
                q.ts_event,
                expiration,
                kind,
                strike,
                q.bid_price.as_double(),
                q.ask_price.as_double(),
                g.delta if g is not None else math.nan,
                g.mark_iv if g is not None else math.nan,
                g.open_interest if g is not None else math.nan,
            )
        )
    if not rows:
        return empty_chains()
    frame = pd.DataFrame(rows, columns=list(CHAIN_COLUMNS))
    frame["ts_ns"] = frame["ts_ns"].astype(np.int64)
    return frame.sort_values(["ts_ns", "expiration", "kind", "strike"], kind="stable").reset_index(
        drop=True
    )


def _quotes(snapshot: pd.DataFrame) -> list[ChainQuote]:
    out = []
    for r in snapshot.itertuples(index=False):
        iv = float(r.iv)
        delta = float(r.delta)
        out.append(
            ChainQuote(
                expiration=r.expiration,
                kind=OptionKind.CALL if r.kind == "C" else OptionKind.PUT,
                strike=float(r.strike),
                bid=float(r.bid),
                ask=float(r.ask),
                delta=delta if math.isfinite(delta) else None,
                implied_vol=iv if math.isfinite(iv) and iv > 0 else None,
            )
        )
    return out


def _skew_25d(snapshot: pd.DataFrame, today: dt.date) -> float:
    dte = np.array([(e - today).days for e in snapshot["expiration"]])
    usable = snapshot[(dte > 0) & np.isfinite(snapshot["iv"]) & np.isfinite(snapshot["delta"])]
    if usable.empty:
        return math.nan
    days = np.array([(e - today).days for e in usable["expiration"]])
    target = usable["expiration"].to_numpy()[np.argmin(np.abs(days - 30))]
    same = usable[usable["expiration"] == target]
    puts, calls = same[same["kind"] == "P"], same[same["kind"] == "C"]
    if puts.empty or calls.empty:
        return math.nan
    put_iv = puts["iv"].to_numpy()[np.argmin(np.abs(puts["delta"].to_numpy() + 0.25))]
    call_iv = calls["iv"].to_numpy()[np.argmin(np.abs(calls["delta"].to_numpy() - 0.25))]
    return float(put_iv - call_iv)


def option_features(
    sessions: pd.DatetimeIndex,
    decision_ns: np.ndarray,
    close: np.ndarray,
    rv21: np.ndarray,
    chains: pd.DataFrame,
) -> pd.DataFrame:
    """Return the option features per session (see the module docstring).

    Parameters
    ----------
    sessions : pandas.DatetimeIndex
        Session dates.
    decision_ns : numpy.ndarray
        Each session's close (UNIX ns); the snapshot read is the one stamped then.
    close : numpy.ndarray
        The underlying's close per session (the spot of the ATM interpolation).
    rv21 : numpy.ndarray
        21-session realised volatility per session, annualised decimal.
    chains : pandas.DataFrame
        :func:`chain_frame` rows.

    Returns
    -------
    pandas.DataFrame
        :data:`OPTION_FEATURES` columns: vols as decimals, IV rank and percentile in
        ``[0, 100]``, term slope = ATM IV of the last expiration within 120 days minus that
        of the first after 7 days, skew = IV of the put nearest -0.25 delta minus IV of the
        call nearest +0.25 delta at the expiration nearest 30 days, put/call OI ratio.

    """
    out = np.full((len(sessions), len(OPTION_FEATURES)), np.nan)
    if len(chains):
        groups = {int(ts): g for ts, g in chains.groupby("ts_ns", sort=True)}
        history: list[float] = []
        for i, ts in enumerate(decision_ns):
            snapshot = groups.get(int(ts))
            if snapshot is None:
                continue
            atm, term_slope, skew, pc_oi = _snapshot_values(
                snapshot, float(close[i]), sessions[i].date()
            )
            if math.isfinite(atm):
                history.append(atm)
                out[i, 0] = atm
                out[i, 1] = _or_nan(iv_rank(history, IV_WINDOW))
                out[i, 2] = _or_nan(iv_percentile(history, IV_WINDOW))
                out[i, 6] = atm - rv21[i]
            out[i, 3:6] = (term_slope, skew, pc_oi)
    return pd.DataFrame(out, index=sessions, columns=list(OPTION_FEATURES))


_SNAPSHOT_CACHE: dict[tuple[int, float, dt.date], tuple[float, float, float, float]] = {}


def _snapshot_values(
    snapshot: pd.DataFrame, spot: float, today: dt.date
) -> tuple[float, float, float, float]:
    """Return ATM 30-day IV, term slope, 25-delta skew and put/call OI of one snapshot.

    Memoised by the snapshot's content hash, spot and day, so the signal actor, which
    recomputes the whole history after each bar, computes each snapshot once.
    """
    key = (int(pd.util.hash_pandas_object(snapshot, index=False).sum()), spot, today)
    cached = _SNAPSHOT_CACHE.get(key)
    if cached is not None:
        return cached
    quotes = _quotes(snapshot)
    atm = _or_nan(atm_iv_30d(quotes, spot, today))
    term = {
        e: v
        for e, v in atm_iv_by_expiration(quotes, spot, today).items()
        if 7 < (e - today).days <= 120
    }
    slope = term[max(term)] - term[min(term)] if len(term) >= 2 else math.nan
    oi_put = snapshot.loc[snapshot["kind"] == "P", "open_interest"].sum()
    oi_call = snapshot.loc[snapshot["kind"] == "C", "open_interest"].sum()
    pc = float(oi_put / oi_call) if oi_call > 0 else math.nan
    values = (atm, slope, _skew_25d(snapshot, today), pc)
    _SNAPSHOT_CACHE[key] = values
    return values


def _or_nan(value: float | None) -> float:
    return math.nan if value is None else float(value)
