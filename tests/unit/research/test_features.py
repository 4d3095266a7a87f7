"""Feature functions on real data and on hand-checkable inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from research.context import earnings_days, trend_regime, vix_features
from research.dataset import FeatureInputs, build_features
from research.news import news_features
from research.technical import TECHNICAL_FEATURE_COUNT, technical_features

DAY = 86_400 * 10**9


def test_sixty_or_more_technical_features_on_real_spy(spy_inputs: FeatureInputs) -> None:
    tech = technical_features(spy_inputs.bars)
    assert tech.shape[1] == TECHNICAL_FEATURE_COUNT >= 60
    last = tech.iloc[-1]
    assert last.notna().all()
    close = spy_inputs.bars["close"]
    assert last["tech_ret_21"] == pytest.approx(np.log(close.iloc[-1] / close.iloc[-22]))
    rv = np.log(close).diff().iloc[-21:].std(ddof=1) * np.sqrt(252)
    assert last["tech_rv_21"] == pytest.approx(rv)
    assert last["tech_sma_dist_200"] == pytest.approx(close.iloc[-1] / close.iloc[-200:].mean() - 1)


def test_bars_with_a_missing_column_are_refused() -> None:
    bars = pd.DataFrame({"open": [1.0], "high": [1.0], "low": [1.0], "close": [1.0]})
    with pytest.raises(ValueError, match=r"lack column\(s\) \['volume'\]"):
        technical_features(bars)


def test_vix_is_read_as_of_the_previous_session() -> None:
    sessions = pd.DatetimeIndex(["2021-03-01", "2021-03-02", "2021-03-03"])
    vix = pd.Series([20.0, 30.0, 40.0], index=sessions)
    out = vix_features(sessions, vix, pd.Series([0.1, 0.2, 0.25], index=sessions))
    assert np.isnan(out["ctx_vix"].iloc[0])
    assert out["ctx_vix"].iloc[1:].tolist() == [20.0, 30.0]
    assert out["ctx_vix_minus_rv21"].iloc[2] == pytest.approx(0.30 - 0.25)


def test_without_vix_history_the_vix_features_are_missing() -> None:
    sessions = pd.DatetimeIndex(["2021-03-01", "2021-03-02"])
    out = vix_features(sessions, pd.Series(dtype="float64"), pd.Series([0.1, 0.2], index=sessions))
    assert out.shape == (2, 6)
    assert out.isna().all().all()


def test_trend_regime_up_down_and_warm_up() -> None:
    up = pd.Series(np.linspace(100, 200, 260))
    assert trend_regime(up).iloc[:199].isna().all()
    assert trend_regime(up).iloc[-1] == 1.0
    assert trend_regime(up[::-1].reset_index(drop=True)).iloc[-1] == -1.0


def test_vol_regime_is_ordered_calm_to_stressed_on_real_data(spy_inputs: FeatureInputs) -> None:
    features = build_features(spy_inputs)
    regime = features["ctx_vol_regime"]
    assert regime.loc[:"2013-12-31"].isna().all()  # two years of history before the first fit
    assert regime.loc["2020-03-16":"2020-03-31"].eq(2.0).all()  # the covid crash is stressed
    assert regime.loc["2017-01-01":"2017-12-31"].mean() < 1.0  # 2017 was calm


def test_news_aggregates_articles_known_in_each_session_window() -> None:
    d = np.array([10 * DAY, 11 * DAY, 12 * DAY], dtype=np.int64)
    articles = pd.DataFrame(
        {
            "known_ns": [10 * DAY - 5, 10 * DAY + 1, 11 * DAY, 12 * DAY + 1],
            "relevance": [1.0, 0.5, 0.5, 1.0],
            "score": [0.4, 0.2, -0.4, 0.9],
        }
    )
    out = news_features(d, pd.RangeIndex(3), articles)
    assert out["news_count"].tolist() == [
        1.0,
        2.0,
        0.0,
    ]  # the last article is after the last decision
    assert out["news_score"].iloc[0] == pytest.approx(0.4)
    assert out["news_score"].iloc[1] == pytest.approx((0.5 * 0.2 - 0.5 * 0.4) / 1.0)
    assert out["news_dispersion"].iloc[1] == pytest.approx(0.3)
    assert np.isnan(out["news_score"].iloc[2])
    age_days = np.array([2 * DAY + 5, 2 * DAY - 1, DAY]) / DAY
    w = np.array([1.0, 0.5, 0.5]) * 0.5 ** (age_days / 3.0)  # half-life 3 days
    expected = float(np.dot(w, [0.4, 0.2, -0.4]) / w.sum())
    assert out["news_score_decayed"].iloc[2] == pytest.approx(expected)


def test_earnings_days_use_only_events_known_at_the_decision() -> None:
    sessions = pd.DatetimeIndex(["2021-01-04", "2021-01-20", "2021-01-29"])
    decision = (sessions.as_unit("ns").asi8 + 21 * 3600 * 10**9).astype(np.int64)
    events = pd.DataFrame(
        {
            "known_ns": [decision[1], decision[0]],
            "report_date": pd.to_datetime(["2021-01-21", "2021-04-20"]),
        }
    )
    out = earnings_days(sessions, decision, events)
    assert out["ctx_days_to_earnings"].tolist() == [106.0, 1.0, 81.0]
    assert np.isnan(out["ctx_days_since_earnings"].iloc[0])
    assert out["ctx_days_since_earnings"].iloc[2] == 8.0
