"""Daily loss cap: no new entries once equity has fallen a fraction below the session's start."""

from __future__ import annotations

from typing import Literal

import msgspec

from options.market_calendar import session_of_ns
from risk.decision import ALLOW, Action, RiskDecision
from risk.rules import RuleResult, State


class DailyLossCapConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Configuration of :class:`DailyLossCap`.

    Parameters
    ----------
    max_loss_fraction : float
        Trip when equity is this fraction (or more) below the session's starting equity
        (0.05 = 5%); in (0, 1).
    action : str, default "block"
        ``block`` (no new entries for the rest of the session) or ``flatten`` (also close
        open positions).

    """

    max_loss_fraction: float
    action: Literal["block", "flatten"] = "block"

    def __post_init__(self) -> None:
        if not 0.0 < self.max_loss_fraction < 1.0:
            raise ValueError(
                f"daily_loss.max_loss_fraction was {self.max_loss_fraction!r}, not in (0, 1)"
            )


class DailyLossCap:
    """Block entries for the rest of a New York session once its loss reaches the cap.

    The session's starting equity is the last equity seen before the session (the previous
    close), else the first equity seen in it. Once tripped, the cap holds until the next
    session even if equity recovers; an owner reset releases it sooner; a deposit or withdrawal
    moves the start by its amount (:meth:`apply_capital_flow`). State (persist it):
    ``session`` (ISO date), ``start_equity``, ``last_equity``, ``tripped``.

    Parameters
    ----------
    config : DailyLossCapConfig
        The cap.
    name : str, default "daily_loss"
        Rule name in decisions and the store.

    """

    def __init__(self, config: DailyLossCapConfig, name: str = "daily_loss") -> None:
        self.config = config
        self.name = name

    def evaluate(self, now_ns: int, equity: float, state: State) -> RuleResult:
        """Return the decision at `now_ns` (UNIX ns) for `equity` (USD)."""
        session = session_of_ns(now_ns).isoformat()
        if state.get("session") != session:
            start = float(state.get("last_equity", equity))
            state = {"session": session, "start_equity": start, "tripped": False}
        start = float(state["start_equity"])
        # rounded: 1 - 90_000 / 100_000 is 0.0999...98 in binary floating point
        loss = round((start - equity) / start, 12) if start > 0 else 0.0
        tripped = bool(state["tripped"]) or loss >= self.config.max_loss_fraction
        new_state = {**state, "last_equity": equity, "tripped": tripped}
        if not tripped:
            return RuleResult(ALLOW, new_state)
        reason = (
            f"daily loss cap: equity {equity:,.2f} is {loss:.2%} below the session's start "
            f"{start:,.2f} (cap {self.config.max_loss_fraction:.2%}); no entries until the "
            "next session"
        )
        return RuleResult(
            RiskDecision(Action(self.config.action), 0.0, reason, self.name), new_state
        )

    def apply_capital_flow(self, amount: float, state: State) -> State | None:
        """Move the session's start (and last) equity by a deposit or withdrawal, USD.

        A 3,000 withdrawal from 10,000 is no loss of the session: the start becomes 7,000.
        A start the flow takes to zero or below starts the session afresh. ``None`` before
        the first evaluation.
        """
        if "start_equity" not in state:
            return None
        start = float(state["start_equity"]) + amount
        last = float(state.get("last_equity") or state["start_equity"]) + amount
        if start <= 0 or last <= 0:
            return {}
        return {**state, "start_equity": start, "last_equity": last}

    def apply_command(self, command: str, now_ns: int, equity: float, state: State) -> State | None:
        """Release the cap on ``reset`` (the session's start becomes the current equity)."""
        if command != "reset" or not state:
            return None
        return {**state, "tripped": False, "start_equity": equity}
