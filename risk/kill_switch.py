"""Kill switch: no new entries while a file exists or the owner has switched it on."""

from __future__ import annotations

import os
from collections.abc import Callable

import msgspec

from risk.decision import ALLOW, Action, RiskDecision
from risk.rules import RuleResult, State


class KillSwitchConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Configuration of :class:`KillSwitch`.

    Parameters
    ----------
    file : str | None
        While a file exists at this path the switch is on (``touch`` it to stop entries).
    flatten : bool, default False
        Also close open positions while the switch is on.

    """

    file: str | None = None
    flatten: bool = False


class KillSwitch:
    """Block entries (and optionally flatten) while the switch is on.

    On when the configured file exists or the owner's last command was ``kill_switch_on``
    (state ``owner_on``, persisted); ``kill_switch_off`` and ``reset`` switch the owner's
    switch off (the file keeps it on until it is removed).

    Parameters
    ----------
    config : KillSwitchConfig
        The switch.
    name : str, default "kill_switch"
        Rule name in decisions and the store.
    exists : Callable[[str], bool], default os.path.exists
        How the file is looked for (injected in tests).

    """

    def __init__(
        self,
        config: KillSwitchConfig,
        name: str = "kill_switch",
        exists: Callable[[str], bool] = os.path.exists,
    ) -> None:
        self.config = config
        self.name = name
        self._exists = exists

    def evaluate(self, now_ns: int, equity: float, state: State) -> RuleResult:
        """Return the decision at `now_ns` (UNIX ns); `equity` is not used."""
        causes = []
        if self.config.file is not None and self._exists(self.config.file):
            causes.append(f"file {self.config.file} exists")
        if state.get("owner_on", False):
            causes.append("switched on by the owner")
        new_state = {"owner_on": bool(state.get("owner_on", False))}
        if not causes:
            return RuleResult(ALLOW, new_state)
        action = Action.FLATTEN if self.config.flatten else Action.BLOCK
        reason = f"kill switch: {' and '.join(causes)}"
        return RuleResult(RiskDecision(action, 0.0, reason, self.name), new_state)

    def apply_command(self, command: str, now_ns: int, equity: float, state: State) -> State | None:
        """Owner switch: on for ``kill_switch_on``, off for ``kill_switch_off`` and ``reset``."""
        if command == "kill_switch_on":
            return {"owner_on": True}
        if command in ("kill_switch_off", "reset"):
            return {"owner_on": False}
        return None
