"""The feature matrix of one underlying, from the catalog (training) or from live history.

:func:`build_features` is the one function both ``tradefly train`` and the signal actor call;
its inputs come from the catalog through :func:`load_inputs` or from the actor's own history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from nautilus_trader.model.data import Bar, OptionGreeks
from nautilus_trader.model.instruments import OptionContract

from adapters.alphavantage.data_types import EarningsEvent, NewsSentiment
from catalog.access import open_catalog
from options.instruments import daily_bar_type, make_underlying
from research.context import earnings_days, load_cboe_vix, trend_regime, vix_features, vol_regime
from research.news import news_features
from research.option_features import chain_frame, empty_chains, option_features
from research.technical import technical_features

MARKET_TZ = "America/New_York"


def _empty_articles() -> pd.DataFrame:
    return pd.DataFrame({"known_ns": pd.Series(dtype=np.int64), "relevance": [], "score": []})


def _empty_earnings() -> pd.DataFrame:
    return pd.DataFrame(
        {"known_ns": pd.Series(dtype=np.int64), "report_date": pd.Series(dtype="datetime64[ns]")}
    )


@dataclass(frozen=True)
class FeatureInputs:
    """Everything the features of one underlying read.

    Parameters
    ----------
    bars : pandas.DataFrame
        Daily bars (:func:`bars_frame`): index session dates, columns ``open, high, low,
        close, volume`` and ``ts_ns`` (the session close, the decision instant).
    vix : pandas.Series | None
        VIX closes by date (:func:`research.context.load_cboe_vix`); None: VIX features ``nan``.
    articles : pandas.DataFrame
        News for the ticker (:func:`news_frame`).
    earnings : pandas.DataFrame
        Earnings events for the ticker (:func:`earnings_frame`).
    chains : pandas.DataFrame
        End-of-day option chain snapshots
        (:func:`research.option_features.chain_frame`); empty: option features ``nan``.

    """

    bars: pd.DataFrame
    vix: pd.Series | None = None
    articles: pd.DataFrame = field(default_factory=_empty_articles)
    earnings: pd.DataFrame = field(default_factory=_empty_earnings)
    chains: pd.DataFrame = field(default_factory=empty_chains)


def build_features(inputs: FeatureInputs, regime_seed: int = 0) -> pd.DataFrame:
    """Return the feature matrix: one row per session, technical, context and news columns.

    Row ``t`` reads only data known at session ``t``'s close (see each module).

    Parameters
    ----------
    inputs : FeatureInputs
        The histories.
    regime_seed : int, default 0
        Seed of the Gaussian-mixture volatility regime.

    Returns
    -------
    pandas.DataFrame
        Float64 columns, index the session dates of ``inputs.bars``.

    Raises
    ------
    ValueError
        If the bars are malformed (:func:`research.technical.check_bars`).

    """
    bars = inputs.bars
    tech = technical_features(bars)
    decision_ns = bars["ts_ns"].to_numpy(dtype=np.int64)
    sessions = pd.DatetimeIndex(bars.index)
    parts = [tech]
    vix = inputs.vix if inputs.vix is not None else pd.Series(dtype=np.float64)
    parts.append(vix_features(sessions, vix, tech["tech_rv_21"]))
    parts.append(trend_regime(bars["close"].astype(np.float64)).to_frame())
    parts.append(vol_regime(tech["tech_rv_21"], seed=regime_seed))
    parts.append(earnings_days(sessions, decision_ns, inputs.earnings))
    parts.append(news_features(decision_ns, sessions, inputs.articles))
    parts.append(
        option_features(
            sessions,
            decision_ns,
            bars["close"].to_numpy(dtype=np.float64),
            tech["tech_rv_21"].to_numpy(),
            inputs.chains,
        )
    )
    return pd.concat(parts, axis=1).astype(np.float64)


def bars_frame(bars: Iterable[Bar]) -> pd.DataFrame:
    """Return Nautilus daily bars as a bars DataFrame indexed by session date (New York)."""
    rows = [
        (
            b.ts_event,
            b.open.as_double(),
            b.high.as_double(),
            b.low.as_double(),
            b.close.as_double(),
            b.volume.as_double(),
        )
        for b in bars
    ]
    frame = pd.DataFrame(rows, columns=["ts_ns", "open", "high", "low", "close", "volume"])
    frame["ts_ns"] = frame["ts_ns"].astype(np.int64)
    dates = (
        pd.to_datetime(frame["ts_ns"], unit="ns", utc=True)
        .dt.tz_convert(MARKET_TZ)
        .dt.tz_localize(None)
    )
    frame.index = pd.DatetimeIndex(dates.dt.normalize().to_numpy(), name="session")
    return frame.sort_index()


def news_frame(records: Iterable[NewsSentiment]) -> pd.DataFrame:
    """Return news records as ``known_ns, relevance, score`` (``ts_init`` is when it was known)."""
    rows = [(r.ts_init, r.relevance, r.score) for r in records]
    if not rows:
        return _empty_articles()
    frame = pd.DataFrame(rows, columns=["known_ns", "relevance", "score"])
    frame["known_ns"] = frame["known_ns"].astype(np.int64)
    return frame


def earnings_frame(records: Iterable[EarningsEvent]) -> pd.DataFrame:
    """Return earnings events as ``known_ns, report_date``."""
    rows = [(r.ts_init, pd.Timestamp(r.report_date)) for r in records if r.report_date]
    if not rows:
        return _empty_earnings()
    frame = pd.DataFrame(rows, columns=["known_ns", "report_date"])
    frame["known_ns"] = frame["known_ns"].astype(np.int64)
    return frame


def load_inputs(
    catalog_dir: Path, underlying: str, vix_csv: Path | None, bars_before_ns: int | None = None
) -> FeatureInputs:
    """Read an underlying's daily bars, news and earnings from the catalog; VIX from Cboe's file.

    `bars_before_ns` keeps only bars stamped before that instant (the signal actor's history
    before a replay starts). News and earnings are read whole: the feature functions take
    each record only from the instant it became known.

    Raises
    ------
    ValueError
        If the catalog has no daily bars of `underlying`, or the VIX file is malformed.

    """
    catalog = open_catalog(catalog_dir)
    instrument_id = make_underlying(underlying).id
    bars = catalog.bars(bar_types=[str(daily_bar_type(instrument_id))])
    if bars_before_ns is not None:
        bars = [b for b in bars if b.ts_event < bars_before_ns]
    if not bars:
        raise ValueError(
            f"{catalog_dir}: no daily bars of {underlying} in the catalog; run tradefly ingest bars"
        )
    ticker_id = f"{underlying}.US"
    news = [d.data if hasattr(d, "data") else d for d in catalog.query(NewsSentiment)]
    events = [d.data if hasattr(d, "data") else d for d in catalog.query(EarningsEvent)]
    contracts = [
        c
        for c in catalog.instruments()
        if isinstance(c, OptionContract) and c.underlying == underlying
    ]
    chains = empty_chains()
    if contracts:
        ids = [str(c.id) for c in contracts]
        chains = chain_frame(
            contracts,
            catalog.quote_ticks(instrument_ids=ids),
            catalog.query(OptionGreeks, identifiers=ids),
        )
    return FeatureInputs(
        bars=bars_frame(bars),
        vix=load_cboe_vix(vix_csv) if vix_csv is not None else None,
        articles=news_frame(r for r in news if str(r.instrument_id) == ticker_id),
        earnings=earnings_frame(e for e in events if str(e.instrument_id) == ticker_id),
        chains=chains,
    )
