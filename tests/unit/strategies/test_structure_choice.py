"""Choosing a structure from the regime (``strategies/toolkit/structure_choice.py``), by hand."""

import msgspec
import pytest

from strategies.toolkit.structure_choice import Condition, Regime, RegimeTracker, StructureChoice


def test_every_bound_must_hold_and_unknown_inputs_fail_a_bound() -> None:
    rich_neutral = Condition(iv_rank_min=50, trend=["neutral"])
    assert rich_neutral.holds(Regime(iv_rank=50.0, trend="neutral"))
    assert not rich_neutral.holds(Regime(iv_rank=49.9, trend="neutral"))
    assert not rich_neutral.holds(Regime(iv_rank=80.0, trend="up"))
    assert not rich_neutral.holds(Regime(trend="neutral"))  # no IV rank yet
    assert Condition().holds(Regime())  # no bound: always
    bullish = Condition(signal=["up"], min_confidence=0.2)
    assert bullish.holds(Regime(signal="up", signal_confidence=0.25))
    assert not bullish.holds(Regime(signal="up", signal_confidence=0.1))
    assert not bullish.holds(Regime())  # no signal published


def test_tracker_ranks_iv_and_reads_the_trend_by_hand() -> None:
    tracker = RegimeTracker(iv_window=4, iv_min_sessions=3, trend_sessions=3, trend_band=0.02)
    for close, iv in ((100.0, 0.20), (101.0, 0.30)):
        tracker.add_close(close)
        tracker.add_iv(iv)
    early = tracker.regime()
    assert (early.iv_rank, early.trend) == (None, None)  # 2 sessions of 3 needed
    tracker.add_close(105.0)  # average (100 + 101 + 105) / 3 = 102; 105 > 102 x 1.02
    tracker.add_iv(0.25)
    regime = tracker.regime("up", 0.4)
    assert regime.iv_rank == pytest.approx(50.0)  # (0.25 - 0.20) / (0.30 - 0.20)
    assert regime.iv_percentile == pytest.approx(50.0)  # 1 of 2 earlier below
    assert (regime.trend, regime.signal) == ("up", "up")
    assert regime.tags() == (
        "iv:0.25",
        "iv_rank:50",
        "iv_percentile:50",
        "trend:up",
        "signal:up",
        "confidence:0.4",
    )
    tracker.add_close(101.0)  # average (101 + 105 + 101) / 3 = 102.33, within 2 %
    tracker.add_iv(None)  # no IV this session: no rank
    assert (tracker.regime().trend, tracker.regime().iv_rank) == ("neutral", None)


def test_bad_choices_name_the_field() -> None:
    with pytest.raises(msgspec.ValidationError, match="trend held 'sideways'"):
        msgspec.convert(
            {"structure": "iron_condor", "when": {"trend": ["sideways"]}}, StructureChoice
        )
    with pytest.raises(ValueError, match="iv_min_sessions was 1"):
        RegimeTracker(iv_window=10, iv_min_sessions=1, trend_sessions=5, trend_band=0.0)
