"""The risk layer: rules that gate new entries (never exits) and keep their state in the store.

Rules (:mod:`risk.daily_loss`, :mod:`risk.drawdown`, :mod:`risk.kill_switch`,
:mod:`risk.milestones`) are pure: time and equity are injected and each returns an immutable
:class:`RiskDecision`. :class:`RiskEvaluator` runs them over the state store; the
``RiskGuard`` actor (:mod:`actors.risk_guard`) runs the evaluator in a node and puts the
combined decision in the cache, where strategies read it with :func:`current_decision`.
Before every entry a strategy asks :func:`check_entry` with an :class:`EntryProposal`: the
standing decision plus the pre-trade checks (:mod:`risk.pretrade`: sizing, greeks, stress,
trading window, order rate, data quality); see :mod:`risk.gate` for the calling convention.
"""

from risk.decision import ALLOW, Action, RiskDecision, combine
from risk.gate import (
    FLATTEN_ALL,
    OWNER_FLATTEN_TOPIC,
    RISK_CACHE_KEY,
    RISK_ENTRY_TOPIC,
    EntryAdmitted,
    EntryGated,
    check_entry,
    current_decision,
)
from risk.proposal import ClosingLeg, EntryProposal, ProposedLeg

__all__ = [
    "ALLOW",
    "FLATTEN_ALL",
    "OWNER_FLATTEN_TOPIC",
    "RISK_CACHE_KEY",
    "RISK_ENTRY_TOPIC",
    "Action",
    "ClosingLeg",
    "EntryAdmitted",
    "EntryGated",
    "EntryProposal",
    "ProposedLeg",
    "RiskDecision",
    "check_entry",
    "combine",
    "current_decision",
]
