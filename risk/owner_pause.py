"""The owner's pause: no new entries while the owner has paused them (exits go on)."""

from __future__ import annotations

from risk.decision import ALLOW, Action, RiskDecision
from risk.rules import RuleResult, State

OWNER_PAUSE = "owner_pause"


class OwnerPause:
    """Block entries between the owner's ``pause_entries`` and ``resume_entries`` commands.

    The state (``{"paused": true}`` while paused) is persisted, so a pause survives a restart.
    The risk guard always runs this rule; it never blocks before the owner pauses.

    Parameters
    ----------
    name : str, default "owner_pause"
        Rule name in decisions and the store.

    """

    def __init__(self, name: str = OWNER_PAUSE) -> None:
        self.name = name

    def evaluate(self, now_ns: int, equity: float, state: State) -> RuleResult:
        """Return ``block`` while paused, else ``allow``; `now_ns` and `equity` are not used."""
        if state.get("paused", False):
            reason = "entries paused by the owner"
            return RuleResult(RiskDecision(Action.BLOCK, 0.0, reason, self.name), state)
        return RuleResult(ALLOW, state)

    def apply_command(self, command: str, now_ns: int, equity: float, state: State) -> State | None:
        """``pause_entries`` pauses, ``resume_entries`` resumes; other commands are not its."""
        if command == "pause_entries":
            return {"paused": True}
        if command == "resume_entries":
            return {"paused": False}
        return None
