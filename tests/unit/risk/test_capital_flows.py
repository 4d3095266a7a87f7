"""Deposits and withdrawals move the rules' equity references: not a gain, not a drawdown.

Each test runs the real rules through the evaluator over a store, at the thresholds, with
and without the flow recorded (the same equity path trips the rule when the flow is not).
"""

import datetime as dt

import pytest

from risk.capital import CapitalFlow
from risk.daily_loss import DailyLossCap, DailyLossCapConfig
from risk.decision import Action
from risk.drawdown import DrawdownTiers, DrawdownTiersConfig
from risk.evaluator import RiskEvaluator
from risk.milestones import EquityMilestones, MilestonesConfig
from statestore import StateStore
from statestore.audit import AuditLog
from statestore.risk import RiskLedger
from tests.unit.risk.test_evaluator import RecordingNotifier

# Monday 2026-12-07, 15:00 UTC (10:00 in New York): one session for every update below.
T0 = int(dt.datetime(2026, 12, 7, 15, tzinfo=dt.UTC).timestamp() * 1e9)
MINUTE = 60 * 1_000_000_000


def _run(rule, path: list[float], flow: CapitalFlow | None, flow_after: int = 1):
    """Evaluate `rule` along `path`; record `flow` after the first `flow_after` updates.

    Returns the decisions and the store's ledger (the store stays open in memory).
    """
    store = StateStore(":memory:")
    ledger = RiskLedger(store)
    evaluator = RiskEvaluator([rule], ledger, RecordingNotifier())
    decisions = []
    for i, equity in enumerate(path):
        if flow is not None and i == flow_after:
            ledger.add_command("capital_flow", T0 + i * MINUTE, argument=flow.to_argument())
        decisions.append(evaluator.update(T0 + i * MINUTE, equity))
    return decisions, ledger


def test_a_deposit_is_not_a_milestone() -> None:
    # Baseline 10,000 and 2x milestones: 20,000 is the first one. A 5,000 deposit makes the
    # baseline 15,000, so the 2x milestone is at 2 x 15,000 = 30,000.
    deposit = CapitalFlow(5_000.0, "2026-12-07", "from savings")
    path = [10_000.0, 15_000.0, 20_000.0, 29_999.99]
    rule = EquityMilestones(MilestonesConfig(baseline=10_000.0))
    _, ledger = _run(rule, path, deposit)
    assert ledger.milestones() == []
    assert ledger.rule_state("milestones")["baseline"] == 15_000.0
    _, ledger = _run(rule, [*path, 30_000.0], deposit)
    assert [(m.multiple, m.baseline, m.equity) for m in ledger.milestones()] == [
        (2.0, 15_000.0, 30_000.0)
    ]
    # Unrecorded, the deposit alone (equity 20,000 = 2 x 10,000) would be the 2x milestone.
    _, ledger = _run(rule, path, None)
    assert [(m.multiple, m.baseline) for m in ledger.milestones()] == [(2.0, 10_000.0)]


def test_a_deposit_is_not_a_milestone_at_one_and_a_half_times() -> None:
    # 1.5x milestones of 10,000: 15,000, which a 10,000 account reaches by a 5,000 deposit.
    deposit = CapitalFlow(5_000.0, "2026-12-07")
    rule = EquityMilestones(MilestonesConfig(baseline=10_000.0, multiple=1.5))
    _, ledger = _run(rule, [10_000.0, 15_000.0, 22_499.0], deposit)
    assert ledger.milestones() == []  # 1.5 x 15,000 = 22,500
    _, ledger = _run(rule, [10_000.0, 15_000.0], None)
    assert [m.multiple for m in ledger.milestones()] == [1.5]


def test_a_withdrawal_is_not_a_drawdown() -> None:
    # Default tiers: warn 10%, halve 15%, flatten and latch at 25%. Peak 10,000; a 3,000
    # withdrawal makes the peak 7,000, so equity 7,000 is no drawdown; 25% of 7,000 below it
    # is 5,250, where the flatten tier trips.
    withdrawal = CapitalFlow(-3_000.0, "2026-12-07", "tax")
    rule = DrawdownTiers(DrawdownTiersConfig())
    decisions, ledger = _run(rule, [10_000.0, 7_000.0, 6_301.0], withdrawal)
    assert [d.action for d in decisions] == [Action.ALLOW, Action.ALLOW, Action.ALLOW]
    assert ledger.rule_state("drawdown")["peak"] == 7_000.0
    decisions, _ = _run(rule, [10_000.0, 7_000.0, 5_250.0], withdrawal)
    assert decisions[2].action == Action.FLATTEN
    # Unrecorded, the withdrawal is a 30% drawdown: flatten.
    decisions, _ = _run(rule, [10_000.0, 7_000.0], None)
    assert decisions[1].action == Action.FLATTEN


def test_a_withdrawal_is_not_a_daily_loss() -> None:
    # Cap 5% of the session's start, 10,000; after a 3,000 withdrawal the start is 7,000 and
    # the cap trips at 7,000 x 0.95 = 6,650.
    withdrawal = CapitalFlow(-3_000.0, "2026-12-07")
    rule = DailyLossCap(DailyLossCapConfig(max_loss_fraction=0.05))
    decisions, ledger = _run(rule, [10_000.0, 7_000.0, 6_650.01], withdrawal)
    assert [d.action for d in decisions] == [Action.ALLOW] * 3
    assert ledger.rule_state("daily_loss")["start_equity"] == 7_000.0
    decisions, _ = _run(rule, [10_000.0, 7_000.0, 6_650.0], withdrawal)
    assert decisions[2].action == Action.BLOCK
    decisions, _ = _run(rule, [10_000.0, 7_000.0], None)
    assert decisions[1].action == Action.BLOCK


def test_a_deposit_does_not_hide_a_drawdown_that_follows() -> None:
    # Peak 10,000, deposit 5,000: peak 15,000. A fall to 11,250 is 25% below it.
    deposit = CapitalFlow(5_000.0, "2026-12-07")
    rule = DrawdownTiers(DrawdownTiersConfig())
    decisions, _ = _run(rule, [10_000.0, 15_000.0, 11_250.0], deposit)
    assert [d.action for d in decisions] == [Action.ALLOW, Action.ALLOW, Action.FLATTEN]


def test_each_flow_is_recorded_and_audited_and_a_bad_one_refused() -> None:
    rules = [DrawdownTiers(DrawdownTiersConfig()), EquityMilestones(MilestonesConfig())]
    with StateStore(":memory:") as store:
        ledger = RiskLedger(store)
        evaluator = RiskEvaluator(rules, ledger, RecordingNotifier())
        evaluator.update(T0, 10_000.0)
        flow = CapitalFlow(-2_500.5, "2026-12-04", "car")
        ledger.add_command("capital_flow", T0 + 1, argument=flow.to_argument())
        ledger.add_command("capital_flow", T0 + 2, argument='{"amount": 0, "date": "x"}')
        evaluator.update(T0 + MINUTE, 7_499.5)
        outcomes = [c.outcome for c in ledger.commands()]
        assert outcomes == [
            "withdrawal 2,500.50 on 2026-12-04 recorded; moved: drawdown, milestones",
            "refused: capital flow amount was 0.0, not a non-zero amount",
        ]
        [record] = ledger.capital_flows()
        assert (record.command_id, record.flow_date, record.amount, record.note) == (
            1,
            "2026-12-04",
            -2_500.5,
            "car",
        )
        assert ledger.rule_state("milestones")["baseline"] == 7_499.5  # 10,000 - 2,500.50
        audit = sorted(AuditLog(store).entries(), key=lambda e: e.seq)
        assert [(e.action, e.outcome) for e in audit] == [("capital_flow", o) for o in outcomes]


@pytest.mark.parametrize(
    ("amount", "date", "note", "message"),
    [
        (float("nan"), "2026-12-07", "", "amount was nan"),
        (1e13, "2026-12-07", "", "not a non-zero amount"),
        (5.0, "07/12/2026", "", "date was '07/12/2026', not YYYY-MM-DD"),
        (5.0, "2026-12-07", "x" * 201, "note was 201 characters, over 200"),
    ],
)
def test_a_malformed_flow_is_one_clear_error(
    amount: float, date: str, note: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        CapitalFlow(amount, date, note)
