"""End to end on real data: the signal actor runs inside the 2021 SPY backtest; every trade's
journal record carries the signal (direction and confidence) published at its entry session,
and with the structures engine's ``choices`` the signal chooses the structure.

The model is trained on SPY bars up to 2020 (yfinance file); the actor reads its history
before the run from that catalog and then the replayed 2021 bars.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import msgspec
import pandas as pd

from actors.journal import TradeJournal
from actors.signal_actor import SignalActor
from options.market_calendar import session_close_ns
from tests.conftest import shared_data_path
from tradefly.backtest.config import ActorEntry, load_run_config
from tradefly.backtest.overrides import apply_overrides
from tradefly.backtest.runner import build_engine

REFERENCE = Path(__file__).resolve().parents[3] / "configs" / "backtest" / "spy2021_weekly_put.yaml"
VIX = "underlying_daily/cboe_VIX_History.csv"
DIRECTION = {-1: "bearish", 0: "neutral", 1: "bullish"}


def _signal_actor(model: Path, history: Path, long_above: float = 0.55) -> ActorEntry:
    return ActorEntry(
        actor_path="actors.signal_actor:SignalActor",
        config_path="actors.signal_actor:SignalActorConfig",
        config={
            "underlying": "SPY",
            "model_path": str(model),
            "catalog_path": str(history),
            "vix_csv": str(shared_data_path(VIX)),
            "regime_seed": 7,
            "long_above": long_above,
        },
    )


def test_each_trade_records_the_signal_of_its_entry_session(
    spy2021_catalog: Path, trained: tuple[Path, Path]
) -> None:
    history, model = trained
    base = apply_overrides(
        load_run_config(REFERENCE), REFERENCE, [], dt.date(2021, 1, 4), dt.date(2021, 4, 30)
    )
    config = msgspec.structs.replace(base, actors=[_signal_actor(model, history)])
    engine, _ = build_engine(config, spy2021_catalog)
    engine.run()
    actors = engine.trader.actors()
    signal_actor = next(a for a in actors if isinstance(a, SignalActor))
    journal = next(a for a in actors if isinstance(a, TradeJournal)).rows()
    engine.dispose()

    by_session = {s.ts_ns: s for s in signal_actor.signals}
    assert len(by_session) >= 80  # one per replayed session
    trades = [r for r in journal if r["kind"] == "trade"]
    assert len(trades) == 10  # weekly entries 2021-01-04 .. 2021-03-11 (end less dte_max)
    for record in trades:
        session = pd.Timestamp(record["entry_time"]).tz_convert("America/New_York").date()
        signal = by_session[session_close_ns(session)]
        assert record["signal"] == DIRECTION[signal.direction]
        assert record["confidence"] == signal.confidence
        assert f"model:{signal.model_version}" in record["reason_tags"]
    assert len({r["confidence"] for r in trades}) > 1


def test_the_signal_chooses_the_structure_of_each_trade(
    spy2021_catalog: Path, trained: tuple[Path, Path]
) -> None:
    history, model = trained
    base = apply_overrides(
        load_run_config(REFERENCE), REFERENCE, [], dt.date(2021, 1, 4), dt.date(2021, 4, 30)
    )
    strategy = base.strategies[0]
    engine_config = {
        k: v for k, v in strategy.config.items() if k not in ("structure", "structure_params")
    }
    engine_config["choices"] = [
        {"structure": "short_put", "structure_params": {"delta": 0.5}, "when": {"signal": ["up"]}},
        {
            "structure": "short_call",
            "structure_params": {"delta": 0.5},
            "when": {"signal": ["down", "neutral"]},
        },
    ]
    config = msgspec.structs.replace(
        base,
        data=msgspec.structs.replace(base.data, option_kinds=["put", "call"]),
        strategies=[msgspec.structs.replace(strategy, config=engine_config)],
        # a high bar for "up": the model is bullish all through early 2021 at 0.55
        actors=[_signal_actor(model, history, long_above=0.64)],
    )
    engine, _ = build_engine(config, spy2021_catalog)
    engine.run()
    actors = engine.trader.actors()
    signal_actor = next(a for a in actors if isinstance(a, SignalActor))
    journal = next(a for a in actors if isinstance(a, TradeJournal)).rows()
    engine.dispose()

    by_session = {s.ts_ns: s for s in signal_actor.signals}
    trades = [r for r in journal if r["kind"] == "trade"]
    assert len(trades) >= 8
    chosen = {"bullish": "short put", "bearish": "short call", "neutral": "short call"}
    for record in trades:
        session = pd.Timestamp(record["entry_time"]).tz_convert("America/New_York").date()
        signal = by_session[session_close_ns(session)]
        assert record["signal"] == DIRECTION[signal.direction]
        assert record["structure"] == chosen[record["signal"]]
        assert record["confidence"] == signal.confidence
        assert f"confidence:{signal.confidence:.4g}" in record["reason_tags"]
    assert {r["structure"] for r in trades} == {"short put", "short call"}
