"""Live trading armed or disarmed by the owner: a disarmed live node makes no new entries.

A node trades real money only when it was started armed (``tradefly live --arm-live`` with
``TRADEFLY_CONFIRM_LIVE`` set to the account number); the control app can never arm a paper
node. On a node started armed, the owner's ``disarm_live`` stops new entries at the next
evaluation (exits and owner flattens go on) and ``arm_live`` (a step-up in the app) lets them
through again. The disarm is persisted: a live node restarted (by hand or by a supervisor,
even with ``--arm-live``) stays disarmed until the owner arms it in the app.
"""

from __future__ import annotations

from risk.decision import ALLOW, Action, RiskDecision
from risk.rules import RuleResult, State

LIVE_ARMING = "live_arming"
ARM_LIVE = "arm_live"
DISARM_LIVE = "disarm_live"
PAPER_REFUSAL = (
    "refused: this node trades paper; live trading is armed only when a node starts "
    "(tradefly live --arm-live with TRADEFLY_CONFIRM_LIVE)"
)
"""The outcome of ``arm_live``/``disarm_live`` on a node not started armed for live."""


class LiveArming:
    """Block entries of a live node while the owner has disarmed it.

    Parameters
    ----------
    live : bool
        Whether the node was started armed for real-money trading; on a paper node the rule
        always allows and does not take the owner's arming commands.
    name : str, default "live_arming"
        Rule name in decisions and the store.

    """

    def __init__(self, live: bool, name: str = LIVE_ARMING) -> None:
        self.live = live
        self.name = name

    def evaluate(self, now_ns: int, equity: float, state: State) -> RuleResult:
        """Return ``block`` while a live node is disarmed, else ``allow``."""
        if self.live and state.get("disarmed", False):
            reason = "live trading disarmed by the owner: no new entries until it is armed"
            return RuleResult(RiskDecision(Action.BLOCK, 0.0, reason, self.name), state)
        return RuleResult(ALLOW, state)

    def apply_command(self, command: str, now_ns: int, equity: float, state: State) -> State | None:
        """``disarm_live``/``arm_live`` on a live node; ``None`` otherwise (paper: refused)."""
        if not self.live or command not in (ARM_LIVE, DISARM_LIVE):
            return None
        return {"disarmed": command == DISARM_LIVE}
