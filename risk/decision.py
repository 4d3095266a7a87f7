"""The risk layer's verdict on new entries: allow, reduce, block or flatten."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Action(StrEnum):
    """What a risk decision does to new entries (exits are always allowed)."""

    ALLOW = "allow"
    REDUCE = "reduce"
    BLOCK = "block"
    FLATTEN = "flatten"

    @property
    def severity(self) -> int:
        """Rank of the action: allow 0, reduce 1, block 2, flatten 3."""
        return list(Action).index(self)


@dataclass(frozen=True, slots=True)
class RiskDecision:
    """An immutable risk decision.

    Parameters
    ----------
    action : Action
        ``allow``: enter at full size. ``reduce``: enter with the size times `factor`, rounded
        down. ``block``: no new entries. ``flatten``: no new entries and close open positions.
    factor : float
        Size factor in [0, 1]: 1 for ``allow``, 0 for ``block`` and ``flatten``.
    reason : str
        Why, in words (empty for a plain allow; a warning can allow with a reason).
    rule : str
        The rule(s) that decided (comma separated when combined).

    Raises
    ------
    ValueError
        If `factor` is outside [0, 1] or does not fit the action.

    """

    action: Action
    factor: float = 1.0
    reason: str = ""
    rule: str = ""

    def __post_init__(self) -> None:
        if not 0.0 <= self.factor <= 1.0:
            raise ValueError(f"factor was {self.factor!r}, not in [0, 1]")
        if self.action == Action.ALLOW and self.factor != 1.0:
            raise ValueError(f"an allow decision has factor 1, not {self.factor!r}")
        if self.action in (Action.BLOCK, Action.FLATTEN) and self.factor != 0.0:
            raise ValueError(f"a {self.action} decision has factor 0, not {self.factor!r}")

    @property
    def blocks_entries(self) -> bool:
        """True for ``block`` and ``flatten``."""
        return self.action in (Action.BLOCK, Action.FLATTEN)

    def sized(self, quantity: int) -> int:
        """Return the entry size this decision allows for `quantity` contracts (rounded down)."""
        return int(quantity * self.factor + 1e-9)

    def to_bytes(self) -> bytes:
        """Encode as JSON (the form kept in the Nautilus cache)."""
        return json.dumps(
            {
                "action": self.action.value,
                "factor": self.factor,
                "reason": self.reason,
                "rule": self.rule,
            }
        ).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> RiskDecision:
        """Decode what :meth:`to_bytes` wrote."""
        fields: dict[str, Any] = json.loads(data)
        return cls(Action(fields["action"]), fields["factor"], fields["reason"], fields["rule"])


ALLOW = RiskDecision(Action.ALLOW)
"""A plain allow."""


def reduce(factor: float, reason: str, rule: str) -> RiskDecision:
    """Return a ``reduce`` decision (an ``allow`` when `factor` is 1)."""
    action = Action.ALLOW if factor >= 1.0 else Action.REDUCE
    return RiskDecision(action, min(factor, 1.0), reason, rule)


def combine(decisions: Iterable[RiskDecision]) -> RiskDecision:
    """Combine rule decisions: the most severe action wins; reduce factors multiply.

    The reason joins the reasons of every decision that has one (``; ``), the rule names
    those rules.
    """
    decisions = list(decisions)
    speaking = [d for d in decisions if d.action != Action.ALLOW or d.reason]
    if not speaking:
        return ALLOW
    action = max((d.action for d in decisions), key=lambda a: a.severity)
    factor = 1.0
    for decision in decisions:
        factor *= decision.factor
    reason = "; ".join(d.reason for d in speaking if d.reason)
    rule = ",".join(dict.fromkeys(d.rule for d in speaking))
    if action == Action.ALLOW:
        return RiskDecision(action, 1.0, reason, rule)
    return RiskDecision(action, factor, reason, rule)
