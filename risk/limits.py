"""Risk limits the owner may change while the node runs, and whether a change raises one.

A limit is named by its path in the risk guard's configuration: ``daily_loss.max_loss_fraction``,
``drawdown.tiers.N.drawdown`` (tier N, from 0) and ``entry.sizing.max_concurrent_trades``.
Every one is "higher is looser": a higher value lets more loss or more trades through, so a
change to a higher value *raises* the limit (the control app asks for a step-up code), a change
to a lower one lowers it. A new value is checked by the section's own configuration (the same
errors as a config file). The risk guard keeps the owner's changes in the store (rule state
``limits``: ``overrides`` and the ``current`` values) and applies them at its next evaluation
and at every start.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import msgspec

SET_LIMIT = "set_limit"
"""The owner command (``argument``: :meth:`LimitChange.to_argument`)."""

LIMITS_STATE = "limits"
"""The risk guard's rule-state row with the owner's overrides and the current values."""

_SCALARS: dict[str, tuple[str, ...]] = {
    "daily_loss.max_loss_fraction": ("daily_loss", "max_loss_fraction"),
    "entry.sizing.max_concurrent_trades": ("entry", "sizing", "max_concurrent_trades"),
}


@dataclass(frozen=True, slots=True)
class LimitChange:
    """The owner's change of one limit.

    Parameters
    ----------
    key : str
        The limit's path (``daily_loss.max_loss_fraction``).
    value : float
        The new value (a fraction as a decimal, or a count).
    may_raise : bool
        Whether the owner stepped up (a fresh TOTP code): without it a raise is refused.

    """

    key: str
    value: float
    may_raise: bool = False

    def to_argument(self) -> str:
        """Return the command argument (JSON)."""
        return json.dumps({"key": self.key, "value": self.value, "may_raise": self.may_raise})

    @classmethod
    def from_argument(cls, argument: str | None) -> LimitChange:
        """Parse a command argument written by :meth:`to_argument`.

        Raises
        ------
        ValueError
            If it is not such an argument, or the value is not a finite number.

        """
        try:
            fields = json.loads(argument or "")
            change = cls(str(fields["key"]), float(fields["value"]), bool(fields["may_raise"]))
        except (TypeError, KeyError, ValueError):
            raise ValueError(f"limit argument was {argument!r}, not key/value") from None
        if not math.isfinite(change.value):
            raise ValueError(f"limit {change.key} value was {change.value!r}, not a number")
        return change


def _path(key: str) -> tuple[str | int, ...]:
    if key in _SCALARS:
        return _SCALARS[key]
    parts = key.split(".")
    tier = len(parts) == 4 and parts[0:2] == ["drawdown", "tiers"] and parts[3] == "drawdown"
    if tier and parts[2].isdigit():
        return ("drawdown", "tiers", int(parts[2]), "drawdown")
    raise ValueError(
        f"limit {key!r} is not one of daily_loss.max_loss_fraction, drawdown.tiers.N.drawdown, "
        "entry.sizing.max_concurrent_trades"
    )


def current_limits(sections: dict[str, msgspec.Struct | None]) -> dict[str, float]:
    """Return the value of every changeable limit the configured `sections` set.

    Parameters
    ----------
    sections : dict[str, msgspec.Struct | None]
        The guard's ``daily_loss``, ``drawdown`` and ``entry`` configurations (``None``: off).

    """
    out: dict[str, float] = {}
    for name, section in sections.items():
        if section is None:
            continue
        tree = msgspec.to_builtins(section)
        if name == "drawdown":
            for i, tier in enumerate(tree["tiers"]):
                out[f"drawdown.tiers.{i}.drawdown"] = float(tier["drawdown"])
        for key, path in _SCALARS.items():
            if path[0] != name:
                continue
            value: Any = tree
            for part in path[1:]:
                value = value.get(part) if isinstance(value, dict) else None
            if value is not None:
                out[key] = float(value)
    return out


def with_limit(
    sections: dict[str, msgspec.Struct | None], key: str, value: float
) -> tuple[str, msgspec.Struct]:
    """Return the section that `key` names, with the limit set to `value`.

    Returns
    -------
    tuple[str, msgspec.Struct]
        The section's name (``drawdown``) and its new configuration.

    Raises
    ------
    ValueError
        If `key` is not a changeable limit, its rule is not configured (or the limit is off),
        or the section's configuration refuses the value (its own message).

    """
    path = _path(key)
    name = str(path[0])
    section = sections.get(name)
    if section is None:
        raise ValueError(f"limit {key}: the {name} rule is not configured")
    tree: Any = msgspec.to_builtins(section)
    node = tree
    for part in path[1:-1]:
        try:
            node = node[part]
        except (IndexError, KeyError, TypeError):
            raise ValueError(f"limit {key}: no such limit in the configuration") from None
        if node is None:
            raise ValueError(f"limit {key}: {part} is off in the configuration")
    last = path[-1]
    if isinstance(last, str) and node.get(last) is None:
        raise ValueError(f"limit {key} is off in the configuration")
    node[last] = int(value) if key.endswith("max_concurrent_trades") else value
    if key.endswith("max_concurrent_trades") and value != int(value):
        raise ValueError(f"limit {key} value was {value!r}, not a whole number")
    try:
        return name, msgspec.convert(tree, type(section))
    except (msgspec.ValidationError, ValueError) as exc:
        raise ValueError(f"limit {key}: {exc}") from None


def is_raise(current: float | None, value: float) -> bool:
    """Whether setting a limit to `value` raises it (unknown current values count as raising)."""
    return current is None or value > current
