"""Equity milestones: each doubling (or other multiple) of a baseline, detected once."""

from __future__ import annotations

from typing import Literal

import msgspec

from risk.decision import ALLOW, Action, RiskDecision, reduce
from risk.rules import Milestone, RuleResult, State


class MilestonesConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Configuration of :class:`EquityMilestones`.

    Parameters
    ----------
    baseline : float | None
        USD; ``None`` takes the first equity seen (stored, so a restart keeps it).
    multiple : float, default 2.0
        Milestones are ``baseline × multiple**k`` for k = 1, 2, ... (2x, 4x, 8x ...); > 1.
    on_milestone : str, default "continue"
        ``continue``; ``pause`` (no new entries until the owner's reset); ``scale`` (size times
        `scale_factor` per milestone reached, compounding); ``reset_baseline`` (the equity at
        the milestone becomes the new baseline).
    scale_factor : float, default 0.5
        In (0, 1), for ``scale``.

    """

    baseline: float | None = None
    multiple: float = 2.0
    on_milestone: Literal["continue", "pause", "scale", "reset_baseline"] = "continue"
    scale_factor: float = 0.5

    def __post_init__(self) -> None:
        if self.baseline is not None and self.baseline <= 0:
            raise ValueError(f"milestones.baseline was {self.baseline!r}, not > 0")
        if self.multiple <= 1.0:
            raise ValueError(f"milestones.multiple was {self.multiple!r}, not > 1")
        if not 0.0 < self.scale_factor < 1.0:
            raise ValueError(f"milestones.scale_factor was {self.scale_factor!r}, not in (0, 1)")


class EquityMilestones:
    """Detect each milestone of equity over a baseline once, and act as configured.

    State (persist it): ``baseline`` (USD), ``level`` (k of the last milestone reached),
    ``scaled`` (milestones counted for ``scale``) and ``paused``. A level once reached is
    never reported again, even when equity falls back and rises past it. A deposit or
    withdrawal moves the baseline by its amount (:meth:`apply_capital_flow`).

    Parameters
    ----------
    config : MilestonesConfig
        The milestones.
    name : str, default "milestones"
        Rule name in decisions and the store.

    """

    def __init__(self, config: MilestonesConfig, name: str = "milestones") -> None:
        self.config = config
        self.name = name

    def evaluate(self, now_ns: int, equity: float, state: State) -> RuleResult:
        """Return the decision and the milestones newly reached at `equity` (USD)."""
        cfg = self.config
        stored = state.get("baseline", cfg.baseline)
        baseline = equity if stored is None else float(stored)
        level = int(state.get("level", 0))
        scaled = int(state.get("scaled", 0))
        paused = bool(state.get("paused", False))
        reached = []
        while equity >= baseline * cfg.multiple ** (level + 1):
            level += 1
            multiple = cfg.multiple**level
            reached.append(Milestone(f"{baseline:.2f}@{multiple:g}x", multiple, baseline, equity))
        if reached and cfg.on_milestone == "reset_baseline":
            baseline, level = equity, 0
        elif reached and cfg.on_milestone == "pause":
            paused = True
        elif reached and cfg.on_milestone == "scale":
            scaled += len(reached)
        new_state = {"baseline": baseline, "level": level, "scaled": scaled, "paused": paused}
        return RuleResult(self._decision(paused, scaled), new_state, tuple(reached))

    def _decision(self, paused: bool, scaled: int) -> RiskDecision:
        if paused:
            reason = "equity milestone reached: entries paused until the owner resets"
            return RiskDecision(Action.BLOCK, 0.0, reason, self.name)
        if scaled:
            factor = self.config.scale_factor**scaled
            return reduce(factor, f"{scaled} equity milestone(s): size x{factor:g}", self.name)
        return ALLOW

    def apply_capital_flow(self, amount: float, state: State) -> State | None:
        """Move the baseline by a deposit (`amount` > 0) or withdrawal (< 0), USD.

        A 10,000 baseline with a 5,000 deposit becomes 15,000: the 2x milestone is then at
        30,000, not 20,000. A baseline the flow takes to zero or below is dropped (the next
        equity is the baseline). ``None`` while there is no baseline yet.
        """
        stored = state.get("baseline", self.config.baseline)
        if stored is None:
            return None
        baseline = float(stored) + amount
        return {**state, "baseline": baseline if baseline > 0 else None}

    def apply_command(self, command: str, now_ns: int, equity: float, state: State) -> State | None:
        """Resume entries after a ``pause`` on ``reset`` (levels reached stay reached)."""
        if command != "reset" or not state:
            return None
        return {**state, "paused": False}
