"""Rolling performance gates and the kill switch's automatic trips, alone and over the store."""

from pathlib import Path

import empyrical
import numpy as np
import pytest

from risk.decision import ALLOW, Action
from risk.evaluator import RiskEvaluator
from risk.kill_switch import KillSwitch, KillSwitchConfig
from risk.performance import (
    ClosedTrade,
    PerformanceGate,
    PerformanceGateConfig,
    profit_factor,
    ulcer_index,
    win_rate,
)
from statestore import StateStore
from statestore.risk import RiskLedger
from tests.unit.risk.test_evaluator import RecordingNotifier
from tests.unit.risk.test_rules import ny_ns

SECOND_NS = 1_000_000_000
SESSIONS = [f"2021-03-{d:02d}" for d in (1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 15, 16)]


def _run_days(rule: PerformanceGate, equities: list[float], state: dict | None = None):  # type: ignore[no-untyped-def, type-arg]
    state = state or {}
    result = None
    for day, equity in zip(SESSIONS, equities, strict=False):
        result = rule.evaluate(ny_ns(day), equity, state)
        state = result.state
    return result


def test_the_statistics_by_hand() -> None:
    assert ulcer_index([100.0, 90.0, 100.0]) == pytest.approx(np.sqrt((0 + 100 + 0) / 3))
    assert profit_factor([300.0, -100.0, -50.0]) == pytest.approx(2.0)
    assert profit_factor([1.0]) == float("inf")
    assert win_rate([1.0, -1.0, 0.0, 2.0]) == 0.5


def test_sharpe_gate_reduces_below_its_threshold_only_once_enough_days_are_in() -> None:
    config = PerformanceGateConfig(window_days=10, min_days=3, min_sharpe=0.0)
    rule = PerformanceGate(config)
    falling = [100_000.0, 99_000.0, 98_500.0, 98_600.0]
    assert _run_days(rule, falling[:3]).decision == ALLOW  # two returns: not judged yet
    result = _run_days(rule, falling)
    returns = np.diff(falling) / np.asarray(falling[:-1])
    sharpe = empyrical.sharpe_ratio(returns, annualization=252)
    assert result.decision.action == Action.REDUCE
    assert result.decision.factor == 0.5
    assert f"Sharpe {sharpe:.2f} over 3 days < 0" in result.decision.reason
    rising = [100_000.0, 100_500.0, 101_000.0, 100_900.0]
    assert _run_days(rule, rising).decision == ALLOW


def test_the_last_equity_of_a_session_counts_and_the_window_slides() -> None:
    rule = PerformanceGate(PerformanceGateConfig(window_days=3, min_days=3, max_ulcer=1.0))
    state = rule.evaluate(ny_ns("2021-03-01", 10), 100_000.0, {}).state
    state = rule.evaluate(ny_ns("2021-03-01", 16), 101_000.0, state).state
    assert state["days"] == [["2021-03-01", 101_000.0]]
    result = _run_days(rule, [100_000.0, 97_000.0, 96_000.0, 99_000.0, 100_000.0, 101_000.0])
    assert [d[0] for d in result.state["days"]] == SESSIONS[2:6]
    assert result.decision == ALLOW  # the -4% days slid out of the window
    deep = _run_days(rule, [100_000.0, 97_000.0, 96_000.0, 99_000.0])
    assert deep.decision.action == Action.REDUCE
    assert "Ulcer index" in deep.decision.reason


def test_trade_gates_count_each_closed_trade_once_and_block() -> None:
    config = PerformanceGateConfig(
        window_trades=4, min_trades=4, min_profit_factor=1.0, min_win_rate=0.5, action="block"
    )
    rule = PerformanceGate(config)
    trades = [ClosedTrade(str(i), i, pnl) for i, pnl in enumerate([100.0, -300.0, 50.0, -20.0])]
    state = rule.record_trades({}, trades[:3])
    assert rule.evaluate(ny_ns("2021-03-01"), 1e5, state).decision == ALLOW  # 3 < min_trades
    state = rule.record_trades(state, trades)  # the first three are not counted again
    assert state["trades"] == [100.0, -300.0, 50.0, -20.0]
    blocked = rule.evaluate(ny_ns("2021-03-01"), 1e5, state).decision
    assert blocked.action == Action.BLOCK
    assert "profit factor 0.47 over 4 trades < 1" in blocked.reason
    assert "win rate" not in blocked.reason  # 2 of 4 won: exactly 50%
    wins = [ClosedTrade(str(i), i, 400.0) for i in range(4, 6)]
    state = rule.record_trades(state, wins)  # the window keeps the last four
    assert state["trades"] == [50.0, -20.0, 400.0, 400.0]
    assert rule.evaluate(ny_ns("2021-03-01"), 1e5, state).decision == ALLOW


def test_sortino_gate_judges_the_downside_of_daily_returns() -> None:
    config = PerformanceGateConfig(window_days=10, min_days=3, min_sortino=0.0)
    rule = PerformanceGate(config)
    falling = [100_000.0, 99_000.0, 99_500.0, 98_000.0]
    result = _run_days(rule, falling)
    returns = np.diff(falling) / np.asarray(falling[:-1])
    # by hand: mean return over the root mean square of the negative returns, x sqrt(252)
    downside = np.sqrt(np.mean(np.minimum(returns, 0.0) ** 2))
    sortino = returns.mean() / downside * np.sqrt(252)
    assert sortino == pytest.approx(empyrical.sortino_ratio(returns, annualization=252))
    assert result.decision.action == Action.REDUCE
    assert f"Sortino {sortino:.2f} over 3 days < 0" in result.decision.reason
    assert _run_days(rule, [100_000.0, 101_000.0, 100_900.0, 101_500.0]).decision == ALLOW


def test_win_rate_gate_blocks_below_its_share_of_winners() -> None:
    config = PerformanceGateConfig(
        window_trades=4, min_trades=4, min_win_rate=0.5, min_profit_factor=1.0, action="block"
    )
    rule = PerformanceGate(config)
    trades = [ClosedTrade(str(i), i, pnl) for i, pnl in enumerate([100.0, -10.0, -10.0, -10.0])]
    decision = rule.evaluate(ny_ns("2021-03-01"), 1e5, rule.record_trades({}, trades)).decision
    assert decision.action == Action.BLOCK
    assert decision.reason == "performance: win rate 25% over 4 trades < 50%"  # PF 3.33 passes


def test_reset_empties_the_windows_and_counts_no_trade_twice() -> None:
    config = PerformanceGateConfig(
        window_days=3,
        min_days=3,
        max_ulcer=1.0,
        window_trades=2,
        min_trades=2,
        min_profit_factor=1.0,
    )
    rule = PerformanceGate(config)
    losses = [ClosedTrade("a", 1, -50.0), ClosedTrade("b", 2, -70.0)]
    state = rule.record_trades({}, losses)
    state = _run_days(rule, [100_000.0, 97_000.0, 96_000.0, 99_000.0], state).state
    assert rule.evaluate(ny_ns("2021-03-04"), 99_000.0, state).decision.action == Action.REDUCE
    reset = rule.apply_command("reset", ny_ns("2021-03-04"), 99_000.0, state)
    assert reset == {"closed_ns": 2}
    assert rule.evaluate(ny_ns("2021-03-05"), 99_000.0, reset).decision == ALLOW
    assert rule.record_trades(reset, losses) == reset  # the trades before the reset stay out
    assert rule.apply_command("kill_switch_off", 0, 1e5, state) is None


def test_a_bad_performance_value_names_the_field() -> None:
    with pytest.raises(ValueError, match=r"performance\.min_days was 30"):
        PerformanceGateConfig(window_days=20, min_days=30)


# -- kill switch trips -----------------------------------------------------------------------


def test_kill_switch_trips_on_the_nth_reject_within_the_window_and_holds() -> None:
    rule = KillSwitch(KillSwitchConfig(max_rejects=3, incident_window_secs=60), exists=bool)
    now = ny_ns("2021-03-01", 11)
    state = rule.observe("reject", now - 61 * SECOND_NS, {})  # aged out by the third
    assert state is not None
    state = rule.observe("reject", now - 30 * SECOND_NS, state)
    state = rule.observe("reject", now, state)
    assert state is not None
    assert rule.evaluate(now, 1e5, state).decision == ALLOW  # 2 within 60 s
    state = rule.observe("reject", now + SECOND_NS, state)
    assert state is not None
    decision = rule.evaluate(now + 2 * SECOND_NS, 1e5, state).decision
    assert decision.action == Action.BLOCK
    assert "tripped: 3 orders rejected within 60 s" in decision.reason
    a_day_later = rule.evaluate(now + 86_400 * SECOND_NS, 1e5, state).decision
    assert a_day_later.action == Action.BLOCK  # until the owner releases it
    released = rule.apply_command("kill_switch_off", now, 1e5, state)
    assert released is not None
    assert rule.evaluate(now, 1e5, released).decision == ALLOW
    reset = rule.apply_command("reset", now, 1e5, state)  # `tradefly risk reset` releases it too
    assert reset is not None
    assert rule.evaluate(now, 1e5, reset).decision == ALLOW
    assert rule.observe("data_quality", now, {}) is None  # not counted by this switch


def test_data_quality_trips_flatten_through_the_evaluator_and_survive_a_restart(
    tmp_path: Path,
) -> None:
    config = KillSwitchConfig(max_data_breaks=2, flatten=True)
    now = ny_ns("2021-03-01", 16)
    with StateStore(tmp_path / "s.sqlite") as store:
        evaluator = RiskEvaluator(
            [KillSwitch(config, exists=bool)], RiskLedger(store), RecordingNotifier()
        )
        assert evaluator.record_incident("data_quality", now, "SPY... stale")
        assert evaluator.update(now, 1e5) == ALLOW
        evaluator.record_incident("data_quality", now + SECOND_NS, "SPY... crossed")
        assert evaluator.update(now + SECOND_NS, 1e5).action == Action.FLATTEN
        assert not evaluator.record_incident("reject", now, "not counted")
    with StateStore(tmp_path / "s.sqlite") as store:
        ledger = RiskLedger(store)
        evaluator = RiskEvaluator([KillSwitch(config, exists=bool)], ledger, RecordingNotifier())
        later = evaluator.update(now + 86_400 * SECOND_NS, 1e5)
        assert later.action == Action.FLATTEN
        assert "2 entries blocked by data quality" in later.reason
        assert ledger.rule_states()["kill_switch"][1] == "data_quality: SPY... crossed"


class Broken:
    name = "broken"

    def evaluate(self, now_ns: int, equity: float, state: dict) -> None:  # type: ignore[type-arg]
        raise ZeroDivisionError("no equity")

    def apply_command(self, command: str, now_ns: int, equity: float, state: dict) -> None:  # type: ignore[type-arg]
        return None


def test_a_broken_rule_blocks_entries_and_trips_the_kill_switch_at_its_count(
    tmp_path: Path,
) -> None:
    switch = KillSwitch(KillSwitchConfig(max_breaker_failures=2), exists=bool)
    now = ny_ns("2021-03-01", 16)
    with StateStore(tmp_path / "s.sqlite") as store:
        evaluator = RiskEvaluator([Broken(), switch], RiskLedger(store), RecordingNotifier())  # type: ignore[list-item]
        first = evaluator.update(now, 1e5)
        assert first.action == Action.BLOCK
        assert first.reason == (
            "broken failed (ZeroDivisionError('no equity')): no entries until it evaluates again"
        )
        assert first.rule == "broken"
        evaluator.update(now + SECOND_NS, 1e5)  # the second failure trips the switch
        third = evaluator.update(now + 2 * SECOND_NS, 1e5)  # which acts from the next one on
        assert third.rule == "broken,kill_switch"
        assert "tripped: 2 failed rule evaluations within 3600 s" in third.reason
