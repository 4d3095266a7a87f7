"""The shift test: no feature reads data at or after its label window, on real SPY and VIX data.

The label of session ``t`` reads closes ``t+1 .. t+h``. Every feature row ``t`` must be the
same whether the history ends at ``t`` or runs on for years, and must not move when every bar,
VIX close and article after ``t``'s decision is changed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from research.dataset import FeatureInputs, build_features
from research.labels import forward_log_return

CUTS = ("2016-03-01", "2019-12-31", "2020-03-16", "2021-06-30")


def _truncated(inputs: FeatureInputs, cut: pd.Timestamp) -> FeatureInputs:
    bars = inputs.bars.loc[:cut]
    decision = int(bars["ts_ns"].iloc[-1])
    assert inputs.vix is not None
    return FeatureInputs(
        bars=bars,
        vix=inputs.vix.loc[:cut],
        articles=inputs.articles[inputs.articles["known_ns"] <= decision],
        earnings=inputs.earnings[inputs.earnings["known_ns"] <= decision],
    )


def _articles(bars: pd.DataFrame) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    known = np.sort(rng.integers(int(bars["ts_ns"].iloc[0]), int(bars["ts_ns"].iloc[-1]), 4000))
    return pd.DataFrame(
        {"known_ns": known, "relevance": rng.uniform(0, 1, 4000), "score": rng.uniform(-1, 1, 4000)}
    )


def _earnings(bars: pd.DataFrame) -> pd.DataFrame:
    # quarterly releases, each known 30 days ahead (a calendar fetch), built for this test
    dates = pd.date_range(bars.index[0], bars.index[-1], freq="QS") + pd.Timedelta(days=20)
    known = (dates - pd.Timedelta(days=30)).as_unit("ns").asi8 + 21 * 3600 * 10**9
    return pd.DataFrame({"known_ns": known.astype(np.int64), "report_date": dates})


@pytest.fixture(scope="module")
def full(spy_inputs: FeatureInputs) -> tuple[FeatureInputs, pd.DataFrame]:
    inputs = FeatureInputs(
        bars=spy_inputs.bars,
        vix=spy_inputs.vix,
        articles=_articles(spy_inputs.bars),
        earnings=_earnings(spy_inputs.bars),
    )
    return inputs, build_features(inputs)


@pytest.mark.parametrize("cut", CUTS)
def test_features_of_a_session_do_not_change_when_the_history_ends_there(
    full: tuple[FeatureInputs, pd.DataFrame], cut: str
) -> None:
    inputs, features = full
    at = inputs.bars.index[inputs.bars.index <= pd.Timestamp(cut)][-1]
    short = build_features(_truncated(inputs, at))
    pd.testing.assert_frame_equal(short, features.loc[:at], check_exact=True)
    assert short.iloc[-1].notna().sum() >= 80


def test_changing_everything_after_a_decision_leaves_its_features_alone(
    full: tuple[FeatureInputs, pd.DataFrame],
) -> None:
    inputs, features = full
    at = pd.Timestamp("2020-02-19")
    decision = int(inputs.bars.loc[at, "ts_ns"])
    bars = inputs.bars.copy()
    later = bars.index > at
    bars.loc[later, ["open", "high", "low", "close"]] *= 0.5
    bars.loc[later, "volume"] *= 7
    assert inputs.vix is not None
    vix = inputs.vix.copy()
    vix[vix.index >= at] = 80.0  # the VIX of the session itself closes after the decision
    articles = inputs.articles.copy()
    articles.loc[articles["known_ns"] > decision, "score"] = 1.0
    shocked = build_features(
        FeatureInputs(bars=bars, vix=vix, articles=articles, earnings=inputs.earnings)
    )
    pd.testing.assert_frame_equal(shocked.loc[:at], features.loc[:at], check_exact=True)
    assert not shocked.loc[at:].iloc[1:].equals(features.loc[at:].iloc[1:])


def test_the_label_reads_only_closes_after_the_decision(
    full: tuple[FeatureInputs, pd.DataFrame],
) -> None:
    inputs, _ = full
    close = inputs.bars["close"]
    label = forward_log_return(close, 5)
    t = 100
    assert label.iloc[t] == pytest.approx(np.log(close.iloc[t + 5] / close.iloc[t]))
    shifted = close.copy()
    shifted.iloc[: t + 1] *= 1.0  # unchanged past
    shifted.iloc[t + 6 :] *= 3.0  # beyond the window: no effect on the label of t
    assert forward_log_return(shifted, 5).iloc[t] == label.iloc[t]
    assert label.iloc[-5:].isna().all()
