"""Equity-curve metrics against hand computations on small curves."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actors.records import EquityPoint
from tradefly.backtest.metrics import (
    daily_returns,
    drawdown_series,
    equity_series,
    max_drawdown,
    max_drawdown_usd,
    sharpe_ratio,
    sortino_ratio,
    ulcer_index,
)

# 16:00 New York in January (EST) is 21:00 UTC.
FIRST_CLOSE = pd.Timestamp("2024-01-02 21:00", tz="UTC")


def _ns(text: str) -> int:
    return int(pd.Timestamp(text, tz="UTC").value)


def _curve(values: list[float]) -> list[EquityPoint]:
    """One point per day at 21:00 UTC from 2024-01-02."""
    return [
        EquityPoint(int((FIRST_CLOSE + pd.Timedelta(days=i)).value), value)
        for i, value in enumerate(values)
    ]


# --- equity_series ---------------------------------------------------------------------------


def test_equity_series_from_points_is_utc_indexed():
    series = equity_series(_curve([100.0, 101.5]))
    assert str(series.index.tz) == "UTC"
    assert series.index[0] == FIRST_CLOSE
    assert series.tolist() == [100.0, 101.5]


def test_equity_series_accepts_a_tz_aware_series_and_converts_to_utc():
    index = pd.DatetimeIndex(["2024-01-02 16:00", "2024-01-03 16:00"]).tz_localize(
        "America/New_York"
    )
    series = equity_series(pd.Series([100.0, 110.0], index=index))
    assert series.index[0] == FIRST_CLOSE
    assert str(series.index.tz) == "UTC"


def test_equity_series_rejects_naive_index():
    naive = pd.Series([100.0, 110.0], index=pd.DatetimeIndex(["2024-01-02", "2024-01-03"]))
    with pytest.raises(ValueError, match="timezone-naive"):
        equity_series(naive)


def test_equity_series_rejects_non_datetime_index():
    with pytest.raises(TypeError, match="DatetimeIndex"):
        equity_series(pd.Series([100.0, 110.0]))


@pytest.mark.parametrize("order", [[1, 0], [0, 0]], ids=["decreasing", "duplicate"])
def test_equity_series_rejects_timestamps_not_strictly_increasing(order):
    points = _curve([100.0, 110.0])
    with pytest.raises(ValueError, match="strictly increasing"):
        equity_series([points[i] for i in order])


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_equity_series_rejects_non_finite_equity(bad):
    with pytest.raises(ValueError, match="not finite"):
        equity_series(_curve([100.0, bad]))


# --- daily_returns ---------------------------------------------------------------------------


def test_daily_returns_hand_computed():
    returns = daily_returns(_curve([100.0, 110.0, 99.0, 121.0]))
    # 110/100 - 1, 99/110 - 1, 121/99 - 1
    assert returns.tolist() == pytest.approx([0.1, -0.1, 22.0 / 99.0])
    assert list(returns.index) == [FIRST_CLOSE + pd.Timedelta(days=d) for d in (1, 2, 3)]
    assert returns.name == "return"


def test_daily_returns_keep_the_last_point_of_each_new_york_session():
    curve = [
        EquityPoint(_ns("2024-01-02 15:00"), 105.0),  # 10:00 New York, intraday
        EquityPoint(_ns("2024-01-02 21:00"), 100.0),  # 16:00 New York, Jan 2
        EquityPoint(_ns("2024-01-03 01:00"), 102.0),  # 20:00 New York, still Jan 2
        EquityPoint(_ns("2024-01-03 21:00"), 112.2),  # Jan 3 close
    ]
    returns = daily_returns(curve)
    assert returns.tolist() == pytest.approx([112.2 / 102.0 - 1.0])
    assert returns.index[0] == pd.Timestamp("2024-01-03 21:00", tz="UTC")


def test_daily_returns_same_for_series_input():
    points = _curve([100.0, 110.0, 99.0])
    series = pd.Series(
        [p.equity for p in points], index=pd.to_datetime([p.ts_ns for p in points], utc=True)
    )
    pd.testing.assert_series_equal(daily_returns(series), daily_returns(points))


@pytest.mark.parametrize("values", [[], [100.0]])
def test_daily_returns_empty_for_fewer_than_two_sessions(values):
    assert daily_returns(_curve(values)).empty


def test_daily_returns_reject_non_positive_base():
    with pytest.raises(ValueError, match="not positive"):
        daily_returns(_curve([100.0, 0.0, 50.0]))


# --- drawdowns -------------------------------------------------------------------------------


def test_drawdown_series_hand_computed():
    # Running peaks 100, 120, 120, 150, 150.
    drawdown = drawdown_series(_curve([100.0, 120.0, 90.0, 150.0, 135.0]))
    assert drawdown.tolist() == pytest.approx([0.0, 0.0, 30.0 / 120.0, 0.0, 15.0 / 150.0])
    assert drawdown.name == "drawdown"


def test_max_drawdown_fraction_and_usd_hand_computed():
    curve = _curve([100.0, 120.0, 90.0, 150.0, 135.0])
    assert max_drawdown(curve) == pytest.approx(0.25)
    assert max_drawdown_usd(curve) == pytest.approx(30.0)


def test_max_drawdown_usd_can_come_from_a_different_fall_than_the_fraction():
    # 100 -> 50 is -50 % ($50); 1000 -> 900 is -10 % ($100).
    curve = _curve([100.0, 50.0, 1000.0, 900.0])
    assert max_drawdown(curve) == pytest.approx(0.5)
    assert max_drawdown_usd(curve) == pytest.approx(100.0)


def test_drawdown_of_a_rising_curve_is_zero():
    curve = _curve([100.0, 101.0, 102.0])
    assert max_drawdown(curve) == 0.0
    assert max_drawdown_usd(curve) == 0.0
    assert ulcer_index(curve) == 0.0


def test_drawdown_rejects_non_positive_peak():
    with pytest.raises(ValueError, match="peak"):
        drawdown_series(_curve([-10.0, -5.0]))


def test_empty_curve_metrics_are_nan():
    assert math.isnan(max_drawdown([]))
    assert math.isnan(max_drawdown_usd([]))
    assert math.isnan(ulcer_index([]))
    assert drawdown_series([]).empty


def test_ulcer_index_hand_computed():
    # Percentage drawdowns 0, 0, -25, 0, -10: sqrt((625 + 100) / 5) = sqrt(145).
    assert ulcer_index(_curve([100.0, 120.0, 90.0, 150.0, 135.0])) == pytest.approx(
        math.sqrt(145.0)
    )


# --- Sharpe ----------------------------------------------------------------------------------

RETURNS = [0.01, -0.02, 0.03, 0.0]
# mean 0.005; squared deviations 25e-6 + 625e-6 + 625e-6 + 25e-6 = 1300e-6; ddof=1 -> / 3.
RETURNS_STD = math.sqrt(0.0013 / 3.0)


def test_sharpe_hand_computed():
    assert sharpe_ratio(RETURNS) == pytest.approx(0.005 / RETURNS_STD * math.sqrt(252.0))


def test_sharpe_with_risk_free_and_periods():
    expected = (0.005 - 0.001) / RETURNS_STD * math.sqrt(12.0)
    assert sharpe_ratio(RETURNS, periods_per_year=12, risk_free=0.001) == pytest.approx(expected)


def test_sharpe_accepts_series_and_arrays_alike():
    expected = sharpe_ratio(RETURNS)
    assert sharpe_ratio(pd.Series(RETURNS)) == pytest.approx(expected)
    assert sharpe_ratio(np.array(RETURNS)) == pytest.approx(expected)


def test_sharpe_drops_nan_returns():
    assert sharpe_ratio([0.01, math.nan, -0.02, 0.03, 0.0]) == pytest.approx(sharpe_ratio(RETURNS))


@pytest.mark.parametrize(
    "returns",
    [[], [0.01], [0.01, math.nan], [0.0, 0.0, 0.0], [0.01, 0.01, 0.01]],
    ids=["empty", "one", "one-after-nan", "flat", "constant"],
)
def test_sharpe_is_nan_without_two_returns_or_with_zero_std(returns):
    assert math.isnan(sharpe_ratio(returns))


def test_sharpe_rejects_bad_input():
    with pytest.raises(ValueError, match="infinite"):
        sharpe_ratio([0.01, math.inf])
    with pytest.raises(ValueError, match="periods_per_year was 0"):
        sharpe_ratio(RETURNS, periods_per_year=0)


# --- Sortino ---------------------------------------------------------------------------------


def test_sortino_hand_computed():
    # mean 0.0025; shortfalls below 0: -0.02, -0.01; DD = sqrt((0.0004 + 0.0001) / 4).
    returns = [0.01, -0.02, 0.03, -0.01]
    expected = 0.0025 / math.sqrt(0.0005 / 4.0) * math.sqrt(252.0)
    assert sortino_ratio(returns) == pytest.approx(expected)


def test_sortino_with_target():
    # r - 0.01 = 0, -0.03, 0.02, -0.02; DD = sqrt((0.0009 + 0.0004) / 4); mean - T = -0.0075.
    returns = [0.01, -0.02, 0.03, -0.01]
    expected = -0.0075 / math.sqrt(0.0013 / 4.0) * math.sqrt(252.0)
    assert sortino_ratio(returns, target=0.01) == pytest.approx(expected)


@pytest.mark.parametrize(
    "returns", [[], [-0.01], [0.01, 0.02], [0.0, 0.0]], ids=["empty", "one", "no-loss", "flat"]
)
def test_sortino_is_nan_without_two_returns_or_downside(returns):
    assert math.isnan(sortino_ratio(returns))


def test_sortino_rejects_bad_periods():
    with pytest.raises(ValueError, match="periods_per_year"):
        sortino_ratio(RETURNS, periods_per_year=-1)


# --- properties ------------------------------------------------------------------------------

positive_equity = st.lists(
    st.floats(min_value=1.0, max_value=1e7, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=40,
)


@settings(deadline=None, max_examples=60)
@given(values=positive_equity)
def test_drawdown_bounds(values):
    """For positive equity the drawdown lies in [0, 1), is 0 at each running peak, and the
    ulcer index (percent) never exceeds 100 times the maximum drawdown."""
    curve = _curve(values)
    drawdown = drawdown_series(curve).to_numpy()
    assert ((drawdown >= 0.0) & (drawdown < 1.0)).all()
    assert drawdown[int(np.argmax(values))] == 0.0
    assert ulcer_index(curve) <= 100.0 * max_drawdown(curve) + 1e-9
    assert max_drawdown_usd(curve) >= 0.0


@settings(deadline=None, max_examples=60)
@given(
    returns=st.lists(st.floats(min_value=-0.5, max_value=0.5), min_size=2, max_size=40),
    scale=st.floats(min_value=0.1, max_value=10.0),
)
def test_sharpe_is_scale_invariant(returns, scale):
    """Scaling every return by a positive constant leaves the Sharpe ratio unchanged (zero risk
    free rate); near-zero deviations, reported as nan, are excluded."""
    base = sharpe_ratio(returns)
    scaled = sharpe_ratio([scale * r for r in returns])
    if math.isnan(base) or math.isnan(scaled):
        return
    assert scaled == pytest.approx(base, rel=1e-6, abs=1e-9)
