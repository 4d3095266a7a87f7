"""The evaluator over the state store: equity path, owner commands, restarts and SIGKILL."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from risk.daily_loss import DailyLossCap, DailyLossCapConfig
from risk.decision import ALLOW, Action, RiskDecision
from risk.drawdown import DrawdownTiers, DrawdownTiersConfig
from risk.evaluator import RiskEvaluator
from risk.kill_switch import KillSwitch, KillSwitchConfig
from risk.milestones import EquityMilestones, MilestonesConfig
from statestore import StateStore
from statestore.risk import RiskLedger

DAY_NS = 86_400 * 1_000_000_000


class RecordingNotifier:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def notify(self, title: str, body: str) -> None:
        self.sent.append((title, body))


def _evaluator(store: StateStore, notifier: RecordingNotifier) -> RiskEvaluator:
    rules = [
        DrawdownTiers(DrawdownTiersConfig(cooldown_secs=0)),
        EquityMilestones(MilestonesConfig(baseline=10_000.0)),
        KillSwitch(KillSwitchConfig(), exists=lambda _p: False),
    ]
    return RiskEvaluator(rules, RiskLedger(store), notifier)


def _milestone_titles(notifier: RecordingNotifier) -> list[str]:
    return [title for title, _ in notifier.sent if title.startswith("equity milestone")]


def test_equity_path_notifies_each_doubling_once_and_a_rerun_nothing(tmp_path: Path) -> None:
    path = [10_000.0, 19_000.0, 20_100.0, 39_000.0, 40_500.0]
    notifier = RecordingNotifier()
    with StateStore(tmp_path / "state.sqlite") as store:
        evaluator = _evaluator(store, notifier)
        seen = []
        for day, equity in enumerate(path):
            evaluator.update(day * DAY_NS, equity)
            seen.append(_milestone_titles(notifier))
    assert seen == [
        [],
        [],
        ["equity milestone 2x"],
        ["equity milestone 2x"],
        ["equity milestone 2x", "equity milestone 4x"],
    ]
    rerun = RecordingNotifier()
    with StateStore(tmp_path / "state.sqlite") as store:
        evaluator = _evaluator(store, rerun)
        for day, equity in enumerate(path):
            evaluator.update((len(path) + day) * DAY_NS, equity)
        records = RiskLedger(store).milestones()
    assert _milestone_titles(rerun) == []
    assert [(m.multiple, m.notified_ns is not None) for m in records] == [(2.0, True), (4.0, True)]


def test_a_tripped_latch_survives_reopening_and_clears_only_by_the_owner_reset(
    tmp_path: Path,
) -> None:
    file = tmp_path / "state.sqlite"
    with StateStore(file) as store:
        evaluator = _evaluator(store, RecordingNotifier())
        evaluator.update(0, 100_000.0)
        assert evaluator.update(1, 70_000.0).action == Action.FLATTEN
    with StateStore(file) as store:
        evaluator = _evaluator(store, RecordingNotifier())
        assert evaluator.update(2, 100_000.0).action == Action.FLATTEN
        assert evaluator.update(3 * DAY_NS, 100_000.0).action == Action.FLATTEN
        RiskLedger(store).add_command("reset", 4, rule="drawdown")
        assert evaluator.update(5, 100_000.0) == ALLOW
        commands = RiskLedger(store).commands()
    assert [(c.command, c.rule, c.outcome) for c in commands] == [
        ("reset", "drawdown", "applied to drawdown")
    ]


def test_every_decision_change_is_an_event_with_its_reason() -> None:
    with StateStore(":memory:") as store:
        evaluator = _evaluator(store, RecordingNotifier())
        for ts, equity in enumerate([100.0, 100.0, 84.0, 84.0, 70.0]):
            evaluator.update(ts, equity)
        events = RiskLedger(store).events("combined")
    assert [(e.ts_ns, e.action, e.factor) for e in events] == [
        (2, "reduce", 0.5),
        (4, "flatten", 0.0),
    ]
    assert "tier 25% flatten (latched until the owner resets it)" in events[-1].reason
    assert events[-1].rules == "drawdown"


def test_kill_switch_owner_command_blocks_and_is_notified() -> None:
    notifier = RecordingNotifier()
    with StateStore(":memory:") as store:
        evaluator = _evaluator(store, notifier)
        evaluator.update(0, 10_000.0)
        RiskLedger(store).add_command("kill_switch_on", 1)
        decision = evaluator.update(2, 10_000.0)
        assert decision.action == Action.BLOCK
        assert evaluator.last_decision() == RiskDecision(
            Action.BLOCK, 0.0, "kill switch: switched on by the owner", "kill_switch"
        )
        RiskLedger(store).add_command("kill_switch_off", 3)
        assert evaluator.update(4, 10_000.0) == ALLOW
    assert notifier.sent == [("risk: block", "kill switch: switched on by the owner")]


def test_entries_blocked_or_resized_are_logged() -> None:
    with StateStore(":memory:") as store:
        evaluator = _evaluator(store, RecordingNotifier())
        half = RiskDecision(Action.REDUCE, 0.5, "drawdown tier 15%", "drawdown")
        evaluator.record_entry(7, "S-000", half, 3, 1)
        evaluator.record_entry(8, "S-000", RiskDecision(Action.BLOCK, 0.0, "x", "k"), 2, 0)
        events = RiskLedger(store).events("entry")
    assert [(e.action, e.reason) for e in events] == [
        ("entry_reduced", "S-000: 3 -> 1 contracts (drawdown: drawdown tier 15%)"),
        ("entry_blocked", "S-000: 2 -> 0 contracts (k: x)"),
    ]


def test_rule_names_must_be_unique() -> None:
    rules = [DailyLossCap(DailyLossCapConfig(max_loss_fraction=0.1))] * 2
    with StateStore(":memory:") as store:
        try:
            RiskEvaluator(rules, RiskLedger(store), RecordingNotifier())
        except ValueError as exc:
            assert "daily_loss" in str(exc)
        else:
            raise AssertionError("no ValueError")


def test_latch_and_milestone_written_by_a_sigkilled_process_survive(tmp_path: Path) -> None:
    file = tmp_path / "state.sqlite"
    child = textwrap.dedent(
        f"""
        import os, signal
        from tests.unit.risk.test_evaluator import RecordingNotifier, _evaluator
        from statestore import StateStore
        store = StateStore({str(file)!r})
        evaluator = _evaluator(store, RecordingNotifier())
        evaluator.update(0, 10_000.0)
        evaluator.update(1, 25_000.0)   # 2x milestone, notified
        evaluator.update(2, 15_000.0)   # 40% down from the peak: flatten, latched
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run(
        [sys.executable, "-c", child], check=False, cwd=root, env=os.environ.copy()
    )
    assert result.returncode == -signal.SIGKILL
    notifier = RecordingNotifier()
    with StateStore(file) as store:
        evaluator = _evaluator(store, notifier)
        assert evaluator.update(3, 26_000.0).action == Action.FLATTEN
        RiskLedger(store).add_command("reset", 4)
        assert evaluator.update(5, 26_000.0) == ALLOW
    assert _milestone_titles(notifier) == []
