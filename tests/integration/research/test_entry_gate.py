"""The signal actor's entry gate is enforced: on the real 2021 SPY backtest a session whose
decayed news sentiment is below the configured floor opens nothing, and the journal records
the blocked entry with its reason; on real IBM bars and earnings the sessions after each
release are gated and :func:`risk.check_entry` blocks an entry then.

Data: the real 2021 SPY chain and bars (lambdaclass files), the model and history of
``conftest.trained`` (real SPY bars to 2020, Cboe VIX). No real news capture covers SPY in
2021, so the two articles are SYNTHETIC, written in Alpha Vantage's documented NEWS_SENTIMENT
layout (``fixtures/documented_layout_news_sentiment_SPY_synthetic_2021-02.json``) and read by
the project's own parser into the actor's catalog.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import msgspec
import numpy as np
import pandas as pd
import pytest
from nautilus_trader.cache.cache import Cache

from actors.journal import TradeJournal
from actors.signal_actor import SignalActor
from adapters.alphavantage.parsing.fundamentals import parse_earnings
from adapters.alphavantage.parsing.news import parse_news_sentiment
from adapters.alphavantage.schemas.fundamentals import decode_earnings
from adapters.alphavantage.schemas.news import decode_news_sentiment
from catalog.writer import write_to_catalog
from options.market_calendar import session_close_ns
from research.dataset import FeatureInputs, build_features, earnings_frame
from research.inference import EntryGate, features_hash
from risk import Action, check_entry
from statestore.journal import ENTRY_BLOCKED, TRADE
from strategies.toolkit.signal import Signal, store_latest_signal
from tests.conftest import shared_data_path
from tests.unit.risk.test_pretrade import short_put
from tradefly.backtest.config import ActorEntry, load_run_config
from tradefly.backtest.overrides import apply_overrides
from tradefly.backtest.runner import build_engine

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = ROOT / "configs" / "backtest" / "spy2021_weekly_put.yaml"
NEWS = (
    Path(__file__).parent
    / "fixtures"
    / "documented_layout_news_sentiment_SPY_synthetic_2021-02.json"
)
VIX = "underlying_daily/cboe_VIX_History.csv"
FLOOR = -0.2
IBM_BARS = "alpha_vantage/csv/daily_adjusted_IBM.csv"
IBM_EARNINGS = "alpha_vantage/xrgarcia_alphavantage_api_client/mock_earnings.json"


@pytest.fixture(scope="module")
def history_with_news(trained: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    history, _ = trained
    catalog = tmp_path_factory.mktemp("gate") / "catalog"
    shutil.copytree(history, catalog)
    batch = parse_news_sentiment(decode_news_sentiment(NEWS.read_bytes()))
    assert len(batch.records) == 2 and not batch.rejected
    write_to_catalog(catalog, batch.records)
    return catalog


def _session(ts_ns: int) -> dt.date:
    return pd.Timestamp(ts_ns, tz="UTC").tz_convert("America/New_York").date()


def test_a_session_under_the_news_floor_opens_nothing_and_the_journal_says_why(
    spy2021_catalog: Path, trained: tuple[Path, Path], history_with_news: Path
) -> None:
    _, model = trained
    base = apply_overrides(
        load_run_config(REFERENCE), REFERENCE, [], dt.date(2021, 1, 4), dt.date(2021, 4, 30)
    )
    actor = ActorEntry(
        actor_path="actors.signal_actor:SignalActor",
        config_path="actors.signal_actor:SignalActorConfig",
        config={
            "underlying": "SPY",
            "model_path": str(model),
            "catalog_path": str(history_with_news),
            "vix_csv": str(shared_data_path(VIX)),
            "regime_seed": 7,
            "gate_news_score_floor": FLOOR,
        },
    )
    engine, _ = build_engine(msgspec.structs.replace(base, actors=[actor]), spy2021_catalog)
    engine.run()
    actors = engine.trader.actors()
    signal_actor = next(a for a in actors if isinstance(a, SignalActor))
    signals = signal_actor.signals
    journal = next(a for a in actors if isinstance(a, TradeJournal)).rows()
    engine.dispose()

    # By hand (research/news.py, half-life 3 days, relevance 0.8 each):
    # 2021-02-01 close: one article (-0.5, known 08:30) -> decayed score -0.5 < -0.2: blocked,
    #   and so on through 02-04 (the same single article).
    # 2021-02-05 close: + the 09:30 article (+0.4): ages 4.3125 and 0.2708 days, weights
    #   0.8 * 0.5**(4.3125/3) = 0.29537 and 0.8 * 0.5**(0.2708/3) = 0.75147,
    #   (0.29537 * -0.5 + 0.75147 * 0.4) / 1.04684 = 0.14607 >= -0.2: allowed again.
    blocked = {_session(s.ts_ns): s.gate_reason for s in signals if not s.entries_allowed}
    assert set(blocked) == {dt.date(2021, 2, d) for d in (1, 2, 3, 4)}
    assert blocked[dt.date(2021, 2, 1)] == "news score -0.500 below -0.2"
    feb5 = next(s for s in signals if _session(s.ts_ns) == dt.date(2021, 2, 5))
    assert feb5.entries_allowed
    assert signal_actor.features[feb5.ts_ns]["news_score_decayed"] == pytest.approx(
        0.14607, abs=1e-5
    )

    trades = [r for r in journal if r["kind"] == TRADE]
    gated = [r for r in journal if r["kind"] == ENTRY_BLOCKED]
    entry_sessions = [
        pd.Timestamp(r["entry_time"]).tz_convert("America/New_York").date() for r in trades
    ]
    # Without the gate this run trades every Monday 2021-01-04 .. 03-08 (10 trades,
    # test_signal_backtest.py); the gate removes the entry of Monday 2021-02-01.
    assert dt.date(2021, 2, 1) not in entry_sessions
    assert len(trades) == 9
    assert len(gated) == 1
    record = gated[0]
    assert pd.Timestamp(record["entry_time"]).tz_convert("America/New_York").date() == dt.date(
        2021, 2, 1
    )
    assert record["size"] == 0 and record["wanted_size"] >= 1
    assert record["risk_action"] == "block"
    assert record["risk_rule"] == "signal_gate"
    assert record["risk_reason"] == "signal gate: news score -0.500 below -0.2 (SPY)"
    assert "risk:signal_gate" in record["reason_tags"]
    assert session_close_ns(dt.date(2021, 2, 1)) in {s.ts_ns for s in signals}


def test_real_ibm_earnings_gate_the_two_sessions_after_each_release() -> None:
    """Real IBM daily bars (Alpha Vantage CSV) and real IBM EARNINGS (reported dates, no
    report time: known at the next session's open), through the feature and gate functions
    the signal actor calls, then :func:`risk.check_entry` on the signal it would publish."""
    raw = pd.read_csv(shared_data_path(IBM_BARS), parse_dates=["timestamp"]).sort_values(
        "timestamp"
    )
    raw = raw[raw["timestamp"] >= "2019-01-02"]
    sessions = [ts.date() for ts in raw["timestamp"]]
    bars = pd.DataFrame(
        {c: raw[c].to_numpy(dtype=np.float64) for c in ("open", "high", "low", "close", "volume")}
        | {"ts_ns": np.array([session_close_ns(d) for d in sessions], dtype=np.int64)},
        index=pd.DatetimeIndex(raw["timestamp"].to_numpy(), name="session"),
    )
    reported = parse_earnings(decode_earnings(shared_data_path(IBM_EARNINGS).read_bytes()))
    features = build_features(FeatureInputs(bars=bars, earnings=earnings_frame(reported.records)))
    gate = EntryGate(days_after_earnings=2)
    checks = {day.date(): gate.check(row) for day, row in features.iterrows()}
    blocked = {day: reason for day, (allowed, reason) in checks.items() if not allowed}
    # IBM reported on 2020-01-21, 04-20, 07-20 and 10-19 (after the close): known at the
    # next open, so the next two sessions are 1 and 2 calendar days after the release
    # (04-20 and 07-20 are Mondays, 01-21 a Tuesday, 10-19 a Monday).
    in_2020 = sorted(d for d in blocked if d.year == 2020)
    expected = ["01-22", "01-23", "04-21", "04-22", "07-21", "07-22", "10-20", "10-21"]
    assert in_2020 == [dt.date.fromisoformat(f"2020-{d}") for d in expected]
    assert blocked[dt.date(2020, 7, 21)] == "earnings 1 days ago"
    assert checks[dt.date(2020, 7, 20)] == (True, "")  # the release day: not known at its close

    signal = Signal(
        underlying="IBM",
        ts_ns=session_close_ns(dt.date(2020, 7, 21)),
        direction=0,
        probability=0.5,
        confidence=0.0,
        model_version="none",
        features_hash=features_hash(features.loc["2020-07-21"]),
        entries_allowed=False,
        gate_reason=blocked[dt.date(2020, 7, 21)],
    )
    cache = Cache()
    store_latest_signal(cache, signal)
    proposal = dataclasses.replace(short_put(1, ts_ns=signal.ts_ns), underlying="IBM")
    decision = check_entry(cache, proposal)
    assert (decision.action, decision.rule) == (Action.BLOCK, "signal_gate")
    assert decision.reason == "signal gate: earnings 1 days ago (IBM)"
