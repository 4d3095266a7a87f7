"""The risk layer: rules that gate new entries (never exits) and keep their state in the store.

Rules (:mod:`risk.daily_loss`, :mod:`risk.drawdown`, :mod:`risk.kill_switch`,
:mod:`risk.milestones`) are pure: time and equity are injected and each returns an immutable
:class:`RiskDecision`. :class:`RiskEvaluator` runs them over the state store; the
``RiskGuard`` actor (:mod:`actors.risk_guard`) runs the evaluator in a node and puts the
combined decision in the cache, where strategies read it with :func:`current_decision`.
"""

from risk.decision import ALLOW, Action, RiskDecision, combine
from risk.gate import RISK_CACHE_KEY, RISK_ENTRY_TOPIC, EntryGated, current_decision

__all__ = [
    "ALLOW",
    "RISK_CACHE_KEY",
    "RISK_ENTRY_TOPIC",
    "Action",
    "EntryGated",
    "RiskDecision",
    "combine",
    "current_decision",
]
