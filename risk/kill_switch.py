"""Kill switch: no new entries while a file exists, the owner switched it on, or it tripped.

It trips by itself (and stays on until the owner's ``kill_switch_off`` or ``reset``, across
restarts) when `max_rejects` orders were rejected or denied, or `max_data_breaks` entries
waited on data-quality breaks, within `incident_window_secs`.
"""

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
    max_rejects : int | None
        Trip after this many rejected or denied orders within the window; >= 1.
    max_data_breaks : int | None
        Trip after this many entries blocked by data-quality breakers within the window; >= 1.
    max_breaker_failures : int | None
        Trip after this many failed rule evaluations within the window; >= 1 (each failure
        already blocks entries for that evaluation).
    incident_window_secs : float, default 3600
        The window, seconds; > 0.

    """

    file: str | None = None
    flatten: bool = False
    max_rejects: int | None = None
    max_data_breaks: int | None = None
    max_breaker_failures: int | None = None
    incident_window_secs: float = 3_600.0

    def __post_init__(self) -> None:
        for name in ("max_rejects", "max_data_breaks", "max_breaker_failures"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"kill_switch.{name} was {value!r}, not >= 1")
        if not self.incident_window_secs > 0:
            raise ValueError(
                f"kill_switch.incident_window_secs was {self.incident_window_secs!r}, not > 0"
            )


REJECT = "reject"
DATA_BREAK = "data_quality"
BROKEN = "breaker"
_WHAT = {
    REJECT: "orders rejected",
    DATA_BREAK: "entries blocked by data quality",
    BROKEN: "failed rule evaluations",
}
NS_PER_SECOND = 1_000_000_000


class KillSwitch:
    """Block entries (and optionally flatten) while the switch is on.

    On when the configured file exists, the owner's last command was ``kill_switch_on``
    (state ``owner_on``, persisted) or incidents tripped it (state ``tripped``, the reason;
    ``incidents``: recent incident times per kind); ``kill_switch_off`` and ``reset`` switch
    the owner's switch off and release a trip (the file keeps it on until it is removed).

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
        if state.get("tripped"):
            causes.append(str(state["tripped"]))
        new_state = {**state, "owner_on": bool(state.get("owner_on", False))}
        if not causes:
            return RuleResult(ALLOW, new_state)
        action = Action.FLATTEN if self.config.flatten else Action.BLOCK
        reason = f"kill switch: {' and '.join(causes)}"
        return RuleResult(RiskDecision(action, 0.0, reason, self.name), new_state)

    def apply_command(self, command: str, now_ns: int, equity: float, state: State) -> State | None:
        """Owner switch: on for ``kill_switch_on``, off for ``kill_switch_off`` and ``reset``."""
        if command == "kill_switch_on":
            return {**state, "owner_on": True}
        if command in ("kill_switch_off", "reset"):
            return {"owner_on": False}
        return None

    def observe(self, kind: str, now_ns: int, state: State) -> State | None:
        """Count an incident (``reject``, ``data_quality``, ``breaker``); trip at its count.

        Returns the new state, or ``None`` when this switch does not count `kind`.
        """
        limits = {
            REJECT: self.config.max_rejects,
            DATA_BREAK: self.config.max_data_breaks,
            BROKEN: self.config.max_breaker_failures,
        }
        limit = limits.get(kind)
        if limit is None:
            return None
        since = now_ns - int(self.config.incident_window_secs * NS_PER_SECOND)
        incidents = dict(state.get("incidents", {}))
        times = [t for t in incidents.get(kind, []) if t > since] + [now_ns]
        incidents[kind] = times
        new_state = {**state, "incidents": incidents}
        if len(times) >= limit and not state.get("tripped"):
            what = _WHAT[kind]
            window = f"{self.config.incident_window_secs:g} s"
            new_state["tripped"] = f"tripped: {len(times)} {what} within {window}"
        return new_state
