"""The signal actor: a registered model's view of an underlying, published after each daily bar.

At start it loads the model (:func:`research.registry.load_model`, which refuses a model
trained by other feature code), the underlying's daily bars before the start from the catalog,
the catalog's news and earnings records and Cboe's VIX file. After each daily bar of the
underlying it appends the bar, computes the feature row of that session with
:func:`research.dataset.build_features` (the function ``tradefly train`` uses), predicts,
applies the entry gate (enforced by :func:`risk.gate.check_entry`), and publishes a
:class:`strategies.toolkit.signal.Signal` on ``tradefly.signal.<UNDERLYING>`` and into the
cache (see :func:`latest_signal`). News arriving live (``NewsSentiment`` from the Alpha
Vantage data client, when ``news_client_id`` is set) is added as it comes.

EMA-type features carry state from the first bar, so the actor's features equal training's
when its history starts at the same bar: give it the catalog the model was trained on.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
from nautilus_trader.common.actor import Actor
from nautilus_trader.config import ActorConfig
from nautilus_trader.core.data import Data
from nautilus_trader.model.data import Bar, DataType
from nautilus_trader.model.identifiers import ClientId

from adapters.alphavantage.data_types import EarningsEvent, NewsSentiment
from options.instruments import daily_bar_type, equity_id
from research.dataset import (
    FeatureInputs,
    bars_frame,
    build_features,
    earnings_frame,
    load_inputs,
    news_frame,
)
from research.inference import EntryGate, direction_of, features_hash, probability_up
from research.registry import RegisteredModel, load_model
from strategies.toolkit.signal import Signal, signal_topic, store_latest_signal


class SignalActorConfig(ActorConfig, frozen=True, kw_only=True):  # type: ignore[call-arg]
    """Configuration of :class:`SignalActor`.

    Parameters
    ----------
    underlying : str
        The ticker (``SPY``).
    model_path : str
        A registered model folder (``models/spy-direction-5d/v73cac7754ce0``).
    catalog_path : str
        The catalog with the underlying's daily bars (history before the start), news and
        earnings.
    vix_csv : str | None
        Cboe's VIX history file; None: VIX features are missing (as in training without it).
    long_above : float, default 0.55
        Probability at or above which the direction is 1.
    short_below : float, default 0.45
        Probability at or below which the direction is -1.
    gate_days_before_earnings, gate_days_after_earnings : int | None
        Entry gate around earnings releases (calendar days), see
        :class:`research.inference.EntryGate`.
    gate_news_score_floor : float | None
        Entry gate on the decayed news sentiment score.
    news_client_id : str | None
        Data client to subscribe to ``NewsSentiment`` from live (``ALPHAVANTAGE``).
    regime_seed : int, default 7
        Seed of the volatility-regime mixture; must be the training config's ``seed``.

    """

    underlying: str
    model_path: str
    catalog_path: str
    vix_csv: str | None = None
    long_above: float = 0.55
    short_below: float = 0.45
    gate_days_before_earnings: int | None = None
    gate_days_after_earnings: int | None = None
    gate_news_score_floor: float | None = None
    news_client_id: str | None = None
    regime_seed: int = 7

    def __post_init__(self) -> None:
        if not 0.0 <= self.short_below <= self.long_above <= 1.0:
            raise ValueError(
                f"short_below {self.short_below} and long_above {self.long_above} must satisfy "
                "0 <= short_below <= long_above <= 1"
            )


class SignalActor(Actor):
    """Publish a model signal after each daily bar (see the module docstring).

    Parameters
    ----------
    config : SignalActorConfig
        The configuration.

    """

    def __init__(self, config: SignalActorConfig) -> None:
        super().__init__(config)
        self._cfg = config
        self._gate = EntryGate(
            days_before_earnings=config.gate_days_before_earnings,
            days_after_earnings=config.gate_days_after_earnings,
            news_score_floor=config.gate_news_score_floor,
        )
        self._bar_type = daily_bar_type(equity_id(config.underlying))
        self._model: RegisteredModel | None = None
        self._inputs: FeatureInputs | None = None
        self.features: dict[int, pd.Series] = {}
        """Feature row computed at each decision (UNIX ns), for inspection and tests."""
        self.signals: list[Signal] = []
        """Every signal published, in order."""

    def on_start(self) -> None:
        """Load the model and the history; subscribe to the daily bars (and live news)."""
        try:
            self._model = load_model(Path(self._cfg.model_path))
            vix = Path(self._cfg.vix_csv) if self._cfg.vix_csv else None
            self._inputs = load_inputs(
                Path(self._cfg.catalog_path),
                self._cfg.underlying,
                vix,
                bars_before_ns=self.clock.timestamp_ns(),
            )
        except (OSError, ValueError) as exc:
            self.log.error(f"signal actor cannot start: {exc}")
            self.stop()
            return
        self.subscribe_bars(self._bar_type)
        if self._cfg.news_client_id:
            self.subscribe_data(
                DataType(NewsSentiment),
                client_id=ClientId(self._cfg.news_client_id),
                instrument_id=equity_id(self._cfg.underlying),
            )
        self.log.info(
            f"signal model {self._model.version}, history of {len(self._inputs.bars)} bars"
        )

    def on_data(self, data: Data) -> None:
        """Add a live news or earnings record to the history."""
        if self._inputs is None:
            return
        if isinstance(data, NewsSentiment):
            articles = pd.concat([self._inputs.articles, news_frame([data])], ignore_index=True)
            self._inputs = replace(self._inputs, articles=articles)
        elif isinstance(data, EarningsEvent):
            events = pd.concat([self._inputs.earnings, earnings_frame([data])], ignore_index=True)
            self._inputs = replace(self._inputs, earnings=events)

    def on_bar(self, bar: Bar) -> None:
        """Append the bar, compute its session's features, predict and publish."""
        if bar.bar_type != self._bar_type or self._inputs is None or self._model is None:
            return
        bars = self._inputs.bars
        if len(bars) and bar.ts_event <= int(bars["ts_ns"].iloc[-1]):
            return  # already in the history (preloaded)
        bars = pd.concat([bars, bars_frame([bar])])
        self._inputs = replace(self._inputs, bars=bars)
        row = build_features(self._inputs, regime_seed=self._cfg.regime_seed).iloc[-1]
        self.features[bar.ts_event] = row
        try:
            probability = probability_up(self._model, row)
        except KeyError as exc:
            self.log.error(f"the model reads a feature this code does not compute: {exc}")
            return
        allowed, reason = self._gate.check(row)
        signal = Signal(
            underlying=self._cfg.underlying,
            ts_ns=bar.ts_event,
            direction=direction_of(probability, self._cfg.long_above, self._cfg.short_below),
            probability=probability,
            confidence=abs(2.0 * probability - 1.0),
            model_version=self._model.version,
            features_hash=features_hash(row[self._model.feature_names]),
            entries_allowed=allowed,
            gate_reason=reason,
        )
        self.signals.append(signal)
        store_latest_signal(self.cache, signal)
        self.msgbus.publish(topic=signal_topic(self._cfg.underlying), msg=signal)
