"""The signal actor on a live ``TradingNode`` against the loopback fake Tradier: it computes
its features from the live daily bar the Tradier data client builds from the quote, publishes
a signal, and the structures engine in the same node consumes it to choose and place its entry;
with a news gate configured, the same signal's gate blocks that entry (no order reaches Tradier).

Data: the model and SPY history of ``conftest.trained`` (real SPY bars, Cboe VIX); the live
market is the fake Tradier's (SPY 472.60/472.67, the 470 put 3.10/3.14), not market data; the
gated test's news article is SYNTHETIC.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from nautilus_trader.model.identifiers import ClientId, InstrumentId

from actors.signal_actor import SignalActor
from adapters.alphavantage.data_types import NewsSentiment
from catalog.writer import write_to_catalog
from research.dataset import bars_frame, build_features, load_inputs
from risk import RISK_ENTRY_TOPIC, EntryGated
from strategies.toolkit.signal import latest_signal
from tests.conftest import shared_data_path
from tests.integration.adapters.tradier.conftest import credentials, server  # noqa: F401
from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.node_harness import (
    LONG_ID,
    SHORT_ID,
    SHORT_PUT,
    start_node,
    wait_for,
    write_config,
)
from tests.integration.adapters.tradier.test_short_option_combo import quoted

pytestmark = pytest.mark.timeout(180)

VIX = "underlying_daily/cboe_VIX_History.csv"


def _live_config(
    fake: FakeTradier, folder: Path, model: Path, history: Path, **gate: float
) -> Path:
    path = write_config(fake, folder)
    config = yaml.safe_load(path.read_text())
    config["instruments"] = {"load_ids": ["SPY.US", str(SHORT_ID), str(LONG_ID)]}
    config["data"]["use_streaming"] = False
    config["strategies"] = [
        {
            "strategy_path": "strategies.structure_engine:StructureEngine",
            "config_path": "strategies.structure_engine:StructureEngineConfig",
            "config": {
                "underlying": "SPY",
                # the only choice needs a bullish signal: no signal, no entry
                "choices": [
                    {
                        "structure": "short_put",
                        "structure_params": {"strike": {"moneyness": 1.0}},
                        "when": {"signal": ["up"]},
                    }
                ],
                "expiration_choice": "best_first_leg",
                "entry_schedule": "daily",
                "dte_min": 0,
                "dte_max": 400,
                "quantity": 1,
                "max_open_trades": 1,
                "assigned_shares": "hold",
            },
        }
    ]
    config["actors"] = [
        {
            "actor_path": "actors.signal_actor:SignalActor",
            "config_path": "actors.signal_actor:SignalActorConfig",
            "config": {
                "underlying": "SPY",
                "model_path": str(model),
                "catalog_path": str(history),
                "vix_csv": str(shared_data_path(VIX)),
                "regime_seed": 7,
                # every probability is >= 0: the signal is bullish whatever the model says
                "long_above": 0.0,
                "short_below": 0.0,
                **gate,
            },
        }
    ]
    path.write_text(yaml.safe_dump(config))
    return path


async def test_the_live_signal_is_computed_from_the_tradier_bar_and_chooses_the_entry(
    server: FakeTradier,  # noqa: F811
    tmp_path: Path,
    trained: tuple[Path, Path],
) -> None:
    history, model = trained
    running = await start_node(_live_config(server, tmp_path, model, history))
    try:
        (engine,) = running.node.trader.strategies()
        (actor,) = (a for a in running.node.trader.actors() if isinstance(a, SignalActor))
        await wait_for(lambda: quoted(engine, {SHORT_ID: 3.10, LONG_ID: 1.88}), timeout=30.0)
        assert actor.signals == [] and not server.orders  # no signal yet: no choice holds

        before = time.time_ns()
        client = running.node.kernel.data_engine._clients[ClientId("TRADIER")]
        await client._publish_daily_bars()  # the daily bar the client publishes before the close
        await wait_for(lambda: server.orders, timeout=60.0)

        (signal,) = actor.signals
        assert signal.ts_ns >= before and signal.direction == 1
        assert latest_signal(running.node.cache, "SPY") == signal
        (placed,) = server.placements()
        assert (placed["class"], placed["option_symbol"], placed["side"]) == (
            "option",
            SHORT_PUT,
            "sell_to_open",
        )
        # the live bar is the fake's quote: open = last = mid 472.635, high 472.67, low 472.60
        live_bar = running.node.cache.bar(actor._bar_type)
        assert live_bar is not None and live_bar.ts_event == signal.ts_ns
        assert live_bar.close.as_double() == pytest.approx(472.635)
    finally:
        await running.stop()

    # the row the actor computed equals the training pipeline's on the history plus that bar
    inputs = load_inputs(history, "SPY", shared_data_path(VIX))
    bars = pd.concat([inputs.bars, bars_frame([live_bar])])
    expected = build_features(dataclasses.replace(inputs, bars=bars), regime_seed=7)
    row = actor.features[signal.ts_ns]
    assert list(row.index) == list(expected.columns)
    assert row["tech_ret_1"] == pytest.approx(np.log(472.635 / inputs.bars["close"].iloc[-1]))
    np.testing.assert_allclose(
        row.to_numpy(), expected.iloc[-1].to_numpy(), rtol=0, atol=1e-9, equal_nan=True
    )


async def test_the_live_entry_gate_blocks_the_entry_the_signal_chose(
    server: FakeTradier,  # noqa: F811
    tmp_path: Path,
    trained: tuple[Path, Path],
) -> None:
    history, model = trained
    # one SYNTHETIC SPY article, published an hour ago, with a bearish score of -0.6
    catalog = tmp_path / "history"
    shutil.copytree(history, catalog)
    hour_ago = time.time_ns() - 3_600 * 10**9
    article = NewsSentiment(
        instrument_id=InstrumentId.from_str("SPY.US"),
        title="SYNTHETIC: a bearish article written for this test",
        url="https://example.invalid/synthetic",
        source="Synthetic",
        relevance=0.9,
        score=-0.6,
        label="Bearish",
        overall_score=-0.6,
        overall_label="Bearish",
        topics={},
        ts_event=hour_ago,
        ts_init=hour_ago,
    )
    write_to_catalog(catalog, [article])
    config = _live_config(server, tmp_path, model, catalog, gate_news_score_floor=-0.2)
    running = await start_node(config)
    gated: list[EntryGated] = []
    running.node.kernel.msgbus.subscribe(
        topic=RISK_ENTRY_TOPIC,
        handler=lambda m: gated.append(m) if isinstance(m, EntryGated) else None,
    )
    try:
        (engine,) = running.node.trader.strategies()
        (actor,) = (a for a in running.node.trader.actors() if isinstance(a, SignalActor))
        await wait_for(lambda: quoted(engine, {SHORT_ID: 3.10, LONG_ID: 1.88}), timeout=30.0)
        client = running.node.kernel.data_engine._clients[ClientId("TRADIER")]
        await client._publish_daily_bars()
        await wait_for(lambda: gated, timeout=60.0)

        (signal,) = actor.signals
        assert signal.direction == 1  # the signal chose the short put ...
        assert not signal.entries_allowed  # ... and its gate bars the entry
        assert signal.gate_reason == "news score -0.600 below -0.2"
        (blocked,) = gated
        assert (blocked.wanted, blocked.allowed) == (1, 0)
        assert blocked.decision.rule == "signal_gate"
        assert blocked.decision.reason == "signal gate: news score -0.600 below -0.2 (SPY)"
        assert not server.orders
    finally:
        await running.stop()
