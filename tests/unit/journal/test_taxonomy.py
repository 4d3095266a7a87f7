"""Each rule of the error taxonomy at and around its threshold, and their order."""

import math
from typing import Any

import pytest

from journal.taxonomy import (
    ENTRY_QUALITY,
    LIQUIDITY_EXECUTION,
    RISK_POLICY,
    TIMING,
    VOLATILITY,
    classify,
    trend,
    vol_regime,
)


def loser(**changes: Any) -> dict[str, Any]:
    """A losing short put held 10 days on 100k; a move well inside one implied sd."""
    record: dict[str, Any] = {
        "pnl": -500.0,
        "exit_time": "2021-03-19T20:00:00.000000Z",
        "exit_reason": "expired",
        "equity": 100_000.0,
        "entry_slippage": 1.0,
        "exit_slippage": 0.0,
        "legs": [{"bid": 2.00, "ask": 2.04}],
        "iv": 0.20,
        "spot": 400.0,
        "exit_spot": 398.0,
        "days_held": 10,
    }
    return {**record, **changes}


def test_winners_and_open_trades_have_no_error_class() -> None:
    assert classify(loser(pnl=0.0)) is None
    assert classify(loser(pnl=120.0)) is None
    assert classify(loser(exit_time=None)) is None
    assert classify(loser(pnl=None)) is None


def test_a_plain_loss_is_entry_quality() -> None:
    assert classify(loser()) == ENTRY_QUALITY


def test_risk_policy_at_two_percent_of_equity_or_on_a_flatten() -> None:
    assert classify(loser(pnl=-2_000.0)) != RISK_POLICY  # exactly 2%: within the rule
    assert classify(loser(pnl=-2_000.01)) == RISK_POLICY
    assert classify(loser(exit_reason="risk_flatten")) == RISK_POLICY
    assert classify(loser(exit_reason="owner_flatten")) == RISK_POLICY


def test_liquidity_and_execution() -> None:
    assert classify(loser(entry_slippage=124.0)) == ENTRY_QUALITY  # 24.8% of the loss
    assert classify(loser(entry_slippage=100.0, exit_slippage=25.0)) == LIQUIDITY_EXECUTION
    assert classify(loser(legs=[{"bid": 1.90, "ask": 2.09}])) == ENTRY_QUALITY  # 9.5%
    assert classify(loser(legs=[{"bid": 1.90, "ask": 2.10}])) == LIQUIDITY_EXECUTION  # 10%
    assert classify(loser(legs=[{"bid": 0.0, "ask": 0.0}])) == LIQUIDITY_EXECUTION
    assert classify(loser(exit_reason="broken_entry")) == LIQUIDITY_EXECUTION


def test_volatility_from_one_implied_standard_deviation() -> None:
    sd = 0.20 * math.sqrt(10 / 365)
    below, above = 400.0 * math.exp(-sd * 0.999), 400.0 * math.exp(-sd * 1.001)
    assert classify(loser(exit_spot=below)) == ENTRY_QUALITY
    assert classify(loser(exit_spot=above)) == VOLATILITY
    assert classify(loser(exit_spot=400.0 * math.exp(sd * 1.001))) == VOLATILITY
    assert classify(loser(exit_spot=above, iv=None)) == ENTRY_QUALITY  # no IV: no rule


def test_timing_for_a_loss_locked_in_by_an_early_exit() -> None:
    assert classify(loser(exit_reason="stop_loss")) == TIMING
    assert classify(loser(exit_reason="dte_exit")) == TIMING
    assert classify(loser(exit_reason="assigned")) == ENTRY_QUALITY


def test_rules_apply_in_their_documented_order() -> None:
    everything = loser(
        pnl=-5_000.0, entry_slippage=5_000.0, exit_spot=300.0, exit_reason="stop_loss"
    )
    assert classify(everything) == RISK_POLICY
    assert classify({**everything, "pnl": -500.0}) == LIQUIDITY_EXECUTION
    assert classify({**everything, "pnl": -500.0, "entry_slippage": 0.0}) == VOLATILITY
    assert classify({**everything, "pnl": -500.0, "entry_slippage": 0.0, "exit_spot": 399}) == (
        TIMING
    )


@pytest.mark.parametrize(
    ("iv", "regime"),
    [
        (None, None),
        (math.nan, None),
        (0.1499, "low_vol"),
        (0.15, "normal_vol"),
        (0.2499, "normal_vol"),
        (0.25, "high_vol"),
    ],
)
def test_vol_regime_bands(iv: float | None, regime: str | None) -> None:
    assert vol_regime(iv) == regime


def test_trend_against_the_moving_average() -> None:
    assert trend(400.0, None) is None
    assert trend(400.0, 400.0) == "up"
    assert trend(399.99, 400.0) == "down"
