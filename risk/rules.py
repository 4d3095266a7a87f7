"""What every risk rule shares: its result and the owner reset."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from risk.decision import RiskDecision

State = dict[str, Any]
"""A rule's persisted state: a JSON-serialisable mapping (``{}`` before the first update)."""


@dataclass(frozen=True, slots=True)
class Milestone:
    """An equity milestone reached.

    Parameters
    ----------
    key : str
        Unique per baseline and multiple (``"10000.00@2x"``).
    multiple : float
        Equity over the baseline (2, 4, 8, ...).
    baseline : float
        USD.
    equity : float
        USD, when it was reached.

    """

    key: str
    multiple: float
    baseline: float
    equity: float


@dataclass(frozen=True, slots=True)
class RuleResult:
    """What a rule decided and the state it leaves.

    Parameters
    ----------
    decision : RiskDecision
        The rule's decision on new entries.
    state : State
        The rule's new state (persist it when it differs from the old one).
    milestones : tuple[Milestone, ...]
        Milestones newly reached by this update.

    """

    decision: RiskDecision
    state: State
    milestones: tuple[Milestone, ...] = field(default=())


class Rule(Protocol):
    """A risk rule: pure, with time and equity injected."""

    name: str

    def evaluate(self, now_ns: int, equity: float, state: State) -> RuleResult:
        """Return the decision for equity `equity` (USD) at `now_ns` (UNIX ns)."""
        ...

    def apply_command(self, command: str, now_ns: int, equity: float, state: State) -> State | None:
        """Return the state after an owner command, or ``None`` when it does not concern it."""
        ...


@dataclass(frozen=True, slots=True)
class Cap:
    """What one pre-trade check allows of a proposed entry.

    Parameters
    ----------
    allowed : int
        Units of the structure the check allows (0 blocks the entry).
    reason : str
        Why it allows fewer than wanted (empty when it does not limit).
    rule : str
        The check's name.

    """

    allowed: int
    reason: str = ""
    rule: str = ""
