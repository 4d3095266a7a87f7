"""The audit log: hash-chained, an edit or a deletion is named; the node records what it applied."""

import itertools

import pytest

from risk.evaluator import RiskEvaluator
from risk.kill_switch import KillSwitch, KillSwitchConfig
from risk.owner_pause import OwnerPause
from statestore import StateStore
from statestore.audit import GENESIS, AuditLog
from statestore.risk import RiskLedger


def filled_log(store: StateStore, rows: int = 5) -> AuditLog:
    log = AuditLog(store)
    for n in range(rows):
        log.append(1_000 + n, "owner", "10.0.0.2", "pause_entries", f"#{n}", "requested")
    return log


def test_an_intact_chain_verifies() -> None:
    with StateStore(":memory:") as store:
        log = filled_log(store)
        assert log.verify() is None
        entries = sorted(log.entries(), key=lambda e: e.seq)
        assert entries[0].prev_hash == GENESIS
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE audit_log SET outcome = 'applied' WHERE seq = 3",
        "UPDATE audit_log SET address = '1.2.3.4' WHERE seq = 3",
        "UPDATE audit_log SET ts_ns = ts_ns + 1 WHERE seq = 3",
        "DELETE FROM audit_log WHERE seq = 3",
    ],
)
def test_the_first_modified_or_missing_row_is_named(tamper: str) -> None:
    with StateStore(":memory:") as store:
        log = filled_log(store)
        store._conn.execute(tamper)
        # An edited row breaks its own hash; a deleted row breaks its successor's link.
        assert log.verify() in (3, 4)
        assert log.verify() == (4 if tamper.startswith("DELETE") else 3)


def test_a_rewritten_hash_is_caught_by_the_next_row() -> None:
    with StateStore(":memory:") as store:
        log = filled_log(store)
        store._conn.execute(
            "UPDATE audit_log SET detail = 'x', hash = ? WHERE seq = 2", ("0" * 64,)
        )
        assert log.verify() == 2


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def notify(self, title: str, body: str) -> None:
        self.sent.append((title, body))


def test_the_node_applies_owner_commands_and_records_each_outcome() -> None:
    with StateStore(":memory:") as store:
        ledger = RiskLedger(store)
        handled: list[str] = []

        def handler(command, now_ns):
            handled.append(command.argument)
            return "flatten published" if command.command == "flatten" else None

        rules = [KillSwitch(KillSwitchConfig()), OwnerPause()]
        evaluator = RiskEvaluator(rules, ledger, Recorder(), handler)
        ledger.add_command("pause_entries", 1)
        decision = evaluator.update(10, 100_000.0)
        assert decision.action == "block" and decision.rule == "owner_pause"
        ledger.add_command("flatten", 11, argument="*")
        ledger.add_command("resume_entries", 12)
        assert evaluator.update(20, 100_000.0).action == "allow"
        assert handled == ["*"]
        applied = [(c.command, c.applied_ns, c.outcome) for c in ledger.commands()]
        assert applied == [
            ("pause_entries", 10, "applied to owner_pause"),
            ("flatten", 20, "flatten published"),
            ("resume_entries", 20, "applied to owner_pause"),
        ]
        audit = sorted(AuditLog(store).entries(), key=lambda e: e.seq)
        assert [(e.actor, e.action, e.detail, e.outcome) for e in audit] == [
            ("node", "pause_entries", "#1", "applied to owner_pause"),
            ("node", "flatten", "#2 *", "flatten published"),
            ("node", "resume_entries", "#3", "applied to owner_pause"),
        ]
        assert AuditLog(store).verify() is None


def test_the_guard_sets_the_milestone_baseline_the_owner_asked_for() -> None:
    from actors.risk_guard import RiskGuard, RiskGuardConfig
    from risk.milestones import MilestonesConfig

    guard = RiskGuard(RiskGuardConfig(interval_secs=1.0, milestones=MilestonesConfig()))
    with StateStore(":memory:") as store:
        ledger = RiskLedger(store)
        guard._evaluator = RiskEvaluator(guard._rules, ledger, Recorder(), guard._apply_command)
        ledger.save_rule_state("milestones", {"baseline": 10_000.0, "level": 2}, "x", 1)
        ledger.add_command("milestone_baseline", 2, argument="50000.00")
        ledger.add_command("milestone_baseline", 3, argument="-5")
        guard.evaluator.update(10, 60_000.0)
        outcomes = [c.outcome for c in ledger.commands()]
        assert outcomes[0] == "baseline of milestones set to 50,000.00; levels count from it"
        assert outcomes[1] == "refused: baseline '-5' is not a positive amount"
        state = ledger.rule_state("milestones")
        assert state["baseline"] == 50_000.0 and state["level"] == 0
        assert ledger.milestones() == []  # 60,000 is not 2x the new baseline
