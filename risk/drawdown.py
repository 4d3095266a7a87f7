"""Drawdown tiers from the equity peak: warn, reduce size, block or flatten and halt."""

from __future__ import annotations

from typing import Literal

import msgspec

from risk.decision import ALLOW, Action, RiskDecision, combine, reduce
from risk.rules import RuleResult, State

NS_PER_SECOND = 1_000_000_000


class DrawdownTier(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One tier of :class:`DrawdownTiers`.

    Parameters
    ----------
    drawdown : float
        Fraction below the peak at which the tier trips (0.15 = 15%); in (0, 1).
    action : str
        ``warn`` (allow, with a reason), ``reduce`` (size times `factor`), ``block`` or
        ``flatten`` (close open positions).
    factor : float, default 0.5
        Size factor of a ``reduce`` tier, in (0, 1).
    latch : bool | None
        Whether the tier stays tripped until the owner resets it. ``None``: latched for
        ``block`` and ``flatten``, not for ``warn`` and ``reduce``.

    """

    drawdown: float
    action: Literal["warn", "reduce", "block", "flatten"]
    factor: float = 0.5
    latch: bool | None = None

    def __post_init__(self) -> None:
        if not 0.0 < self.drawdown < 1.0:
            raise ValueError(f"drawdown.tiers: drawdown was {self.drawdown!r}, not in (0, 1)")
        if self.action == "reduce" and not 0.0 < self.factor < 1.0:
            raise ValueError(f"drawdown.tiers: factor was {self.factor!r}, not in (0, 1)")

    @property
    def latched(self) -> bool:
        """Whether a trip lasts until the owner resets it."""
        return self.latch if self.latch is not None else self.action in ("block", "flatten")


def _default_tiers() -> list[DrawdownTier]:
    return [
        DrawdownTier(drawdown=0.10, action="warn"),
        DrawdownTier(drawdown=0.15, action="reduce", factor=0.5),
        DrawdownTier(drawdown=0.25, action="flatten"),
    ]


class DrawdownTiersConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Configuration of :class:`DrawdownTiers`.

    Parameters
    ----------
    tiers : list[DrawdownTier]
        Default: warn at 10%, halve size at 15%, flatten and halt at 25%.
    cooldown_secs : float, default 86400
        A tier that is not latched stays in force this long after drawdown falls back below
        it (seconds).

    """

    tiers: list[DrawdownTier] = msgspec.field(default_factory=_default_tiers)
    cooldown_secs: float = 86_400.0

    def __post_init__(self) -> None:
        if self.cooldown_secs < 0:
            raise ValueError(f"drawdown.cooldown_secs was {self.cooldown_secs!r}, not >= 0")


class DrawdownTiers:
    """Act on the drawdown of equity from its peak, tier by tier.

    State (persist it): ``peak`` (USD), ``until`` (per tier index: UNIX ns until which a
    non-latched tier stays in force) and ``latched`` (tier indexes tripped until the owner's
    reset). A restart that restores the state keeps latches and cooldowns; only
    ``apply_command("reset", ...)`` clears them, and it makes the current equity the new peak.
    A deposit or withdrawal moves the peak by its amount (:meth:`apply_capital_flow`).

    Parameters
    ----------
    config : DrawdownTiersConfig
        The tiers.
    name : str, default "drawdown"
        Rule name in decisions and the store.

    """

    def __init__(self, config: DrawdownTiersConfig, name: str = "drawdown") -> None:
        self.config = config
        self.name = name

    def evaluate(self, now_ns: int, equity: float, state: State) -> RuleResult:
        """Return the decision at `now_ns` (UNIX ns) for `equity` (USD)."""
        peak = max(float(state.get("peak", equity)), equity)
        # rounded: 1 - 90_000 / 100_000 is 0.0999...98 in binary floating point
        drawdown = round(1.0 - equity / peak, 12) if peak > 0 else 0.0
        until: dict[str, int] = dict(state.get("until", {}))
        latched: set[int] = set(state.get("latched", []))
        cooldown_ns = int(self.config.cooldown_secs * NS_PER_SECOND)
        in_force = []
        for index, tier in enumerate(self.config.tiers):
            tripped = drawdown >= tier.drawdown
            if tripped and tier.latched:
                latched.add(index)
            elif tripped:
                until[str(index)] = now_ns + cooldown_ns
            if tripped or index in latched or until.get(str(index), -1) > now_ns:
                in_force.append((tier, index in latched))
        active = {k: v for k, v in until.items() if v > now_ns}
        new_state = {"peak": peak, "until": active, "latched": sorted(latched)}
        return RuleResult(self._decision(in_force, drawdown, peak), new_state)

    def _decision(
        self, in_force: list[tuple[DrawdownTier, bool]], drawdown: float, peak: float
    ) -> RiskDecision:
        if not in_force:
            return ALLOW
        tiers = ", ".join(
            f"tier {tier.drawdown * 100:g}% {tier.action}"
            + (" (latched until the owner resets it)" if latched else "")
            for tier, latched in in_force
        )
        reason = f"drawdown {drawdown:.2%} from the peak {peak:,.2f}: {tiers}"
        decisions = []
        for tier, _ in in_force:
            if tier.action == "reduce":
                decisions.append(reduce(tier.factor, reason, self.name))
            elif tier.action in ("block", "flatten"):
                decisions.append(RiskDecision(Action(tier.action), 0.0, reason, self.name))
        decision = combine(decisions)
        return RiskDecision(decision.action, decision.factor, reason, self.name)

    def apply_capital_flow(self, amount: float, state: State) -> State | None:
        """Move the peak by a deposit (`amount` > 0) or withdrawal (< 0), USD.

        Drawdown stays what trading made it: a 10,000 peak and equity after a 3,000
        withdrawal of 7,000 is no drawdown. A peak the flow takes to zero or below is
        dropped (the next equity is the peak). ``None`` before the first evaluation.
        """
        if "peak" not in state:
            return None
        peak = float(state["peak"]) + amount
        if peak > 0:
            return {**state, "peak": peak}
        return {k: v for k, v in state.items() if k != "peak"}

    def apply_command(self, command: str, now_ns: int, equity: float, state: State) -> State | None:
        """Clear latches and cooldowns on ``reset``; the current equity becomes the peak."""
        if command != "reset":
            return None
        return {"peak": equity, "until": {}, "latched": []}
