"""The signal actor in a Nautilus backtest replaying real SPY bars: its features equal the
training pipeline's to 1e-9, and it publishes the signal on the topic and in the cache."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from actors.signal_actor import SignalActor, SignalActorConfig
from catalog.access import open_catalog
from options.instruments import daily_bar_type, make_equity
from research.dataset import build_features, load_inputs
from research.registry import load_model
from strategies.toolkit.signal import Signal, latest_signal, signal_topic
from tests.conftest import shared_data_path
from tradefly.backtest.config import DataSection, RunConfig, VenueSection
from tradefly.backtest.runner import RunData, new_engine, replay_order

VIX = "underlying_daily/cboe_VIX_History.csv"
FIRST, LAST = dt.date(2021, 3, 1), dt.date(2021, 3, 12)


def _run(
    catalog: Path, model: Path, **gate: object
) -> tuple[SignalActor, list[Signal], Signal | None]:
    spy = make_equity("SPY")
    bars = [
        b
        for b in open_catalog(catalog).bars(bar_types=[str(daily_bar_type(spy.id))])
        if FIRST <= pd.Timestamp(b.ts_event, tz="UTC").tz_convert("America/New_York").date() <= LAST
    ]
    config = RunConfig(
        name="signal",
        data=DataSection(underlyings=["SPY"], start=FIRST, end=LAST),
        venue=VenueSection(starting_balance=100_000),
        strategies=[],
    )
    engine = new_engine(config, RunData([spy], [], replay_order(bars)))
    actor = SignalActor(
        SignalActorConfig(
            underlying="SPY",
            model_path=str(model),
            catalog_path=str(catalog),
            vix_csv=str(shared_data_path(VIX)),
            **gate,  # type: ignore[arg-type]
        )
    )
    engine.add_actor(actor)
    received: list[Signal] = []
    engine.kernel.msgbus.subscribe(topic=signal_topic("SPY"), handler=received.append)
    engine.run()
    latest = latest_signal(engine.cache, "SPY")
    engine.dispose()
    return actor, received, latest


def test_replayed_features_equal_the_training_pipeline_to_1e_9(trained: tuple[Path, Path]) -> None:
    catalog, model = trained
    actor, received, latest = _run(catalog, model)
    training = build_features(load_inputs(catalog, "SPY", shared_data_path(VIX)), regime_seed=7)
    assert len(actor.features) == 10  # the sessions 2021-03-01 .. 2021-03-12
    for ts, row in actor.features.items():
        day = (
            pd.Timestamp(ts, tz="UTC").tz_convert("America/New_York").tz_localize(None).normalize()
        )
        expected = training.loc[day]
        assert list(row.index) == list(expected.index)
        assert row.notna().sum() >= 85
        np.testing.assert_allclose(
            row.to_numpy(), expected.to_numpy(), rtol=0, atol=1e-9, equal_nan=True
        )
    assert received == actor.signals and len(received) == 10
    last = received[-1]
    assert latest == last
    assert last.model_version == f"actor-test/{model.name}"
    assert last.probability is not None and last.confidence == pytest.approx(
        abs(2 * last.probability - 1)
    )
    assert all(s.entries_allowed for s in received)


def test_a_news_gate_without_news_known_leaves_entries_allowed(trained: tuple[Path, Path]) -> None:
    catalog, model = trained
    # with no news in the catalog the decayed score is missing, which no floor blocks
    actor, received, _ = _run(catalog, model, gate_news_score_floor=0.0)
    assert all(s.entries_allowed for s in received)
    assert np.isnan(actor.features[received[0].ts_ns]["news_score_decayed"])


def test_a_model_of_other_feature_code_is_refused(
    trained: tuple[Path, Path], tmp_path: Path
) -> None:
    _, model = trained
    copy = tmp_path / "old-model"
    shutil.copytree(model, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["feature_code_version"] = "0" * 16
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match=r"feature_code_version was '0{16}'.*retrain"):
        load_model(copy)
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing")


def test_the_actor_stops_alone_when_its_model_cannot_load(
    trained: tuple[Path, Path], tmp_path: Path
) -> None:
    catalog, _ = trained
    actor, received, latest = _run(catalog, tmp_path / "missing")
    assert received == [] and latest is None and actor.features == {}
