"""Command-line changes to a run config: ``--set key=value``, ``--start``, ``--end``."""

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec
import yaml
from nautilus_trader.common.config import resolve_config_path

from configfile.components import actor_problems, strategy_problems
from configfile.fields import ConfigError, struct_fields, validation_problem
from tradefly.backtest.config import RunConfig

_STRATEGY_KEY = re.compile(r"^strategies\[(?P<index>\d+)\]\.config\.(?P<field>\w+)$")


def apply_overrides(
    config: RunConfig,
    source: Path,
    assignments: Sequence[str] = (),
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> RunConfig:
    """Return `config` with command-line values set, validated like the file itself.

    Parameters
    ----------
    config : RunConfig
        The run as loaded from `source`.
    source : Path
        The config file (named in errors).
    assignments : Sequence[str]
        ``key=value`` each, the value read as a YAML scalar. Keys:
        ``strategies[i].config.FIELD`` (a field of that strategy's config class),
        ``strategy.FIELD`` (the same, when the run has one strategy) and ``data.FIELD`` /
        ``venue.FIELD`` (``venue.starting_balance=50000``).
    start, end : datetime.date, optional
        First and last session replayed (``data.start``, ``data.end``). ``start`` also moves
        every strategy's ``entry_start`` and ``end`` moves its ``entry_end`` to ``end`` less
        its ``dte_max`` days, so every entry can expire inside the run (for strategies whose
        config class has those fields), unless an assignment sets them.

    Raises
    ------
    ConfigError
        One line naming the file, the ``--set`` key and what is wrong: no ``=``, an unknown
        section or field, a value of the wrong type or an invalid strategy.

    """
    fields: dict[str, Any] = msgspec.to_builtins(config)
    for entry in fields["strategies"]:
        _move_entry_window(entry, start, end)
    if start is not None:
        fields["data"]["start"] = start.isoformat()
    if end is not None:
        fields["data"]["end"] = end.isoformat()
    for assignment in assignments:
        _assign(fields, source, assignment)
    problems = strategy_problems(fields) + actor_problems(fields)
    if problems:
        raise ConfigError(source, [f"--set: {problems[0]}"])
    try:
        changed = msgspec.convert(fields, RunConfig, strict=False)
    except msgspec.ValidationError as exc:
        raise ConfigError(source, [f"--set: {validation_problem(exc, '')}"]) from None
    return changed


def _move_entry_window(entry: dict[str, Any], start: dt.date | None, end: dt.date | None) -> None:
    names = _config_fields(entry)
    settings = entry["config"]
    if start is not None and "entry_start" in names:
        settings["entry_start"] = start.isoformat()
    if end is not None and "entry_end" in names:
        days = int(settings.get("dte_max") or 0)
        settings["entry_end"] = (end - dt.timedelta(days=days)).isoformat()


def _config_fields(entry: dict[str, Any]) -> frozenset[str]:
    try:
        return struct_fields(resolve_config_path(entry["config_path"]))
    except (ImportError, AttributeError, TypeError):
        return frozenset()


def _assign(fields: dict[str, Any], source: Path, assignment: str) -> None:
    key, equals, text = assignment.partition("=")
    if not equals or not key:
        raise ConfigError(source, [f"--set {assignment!r}: expected section.field=value"])
    value = yaml.safe_load(text)
    section, dot, name = key.partition(".")
    match = _STRATEGY_KEY.match(key)
    if match or section == "strategy":
        strategies = fields["strategies"]
        if match:
            index, name = int(match.group("index")), match.group("field")
        elif len(strategies) == 1:
            index = 0
        else:
            raise ConfigError(
                source,
                [
                    f"--set {key}: the run has {len(strategies)} strategies; "
                    f"name one (strategies[i].config.{name})"
                ],
            )
        if index >= len(strategies) or name not in _config_fields(strategies[index]):
            raise ConfigError(source, [f"--set {key}: unknown key"])
        strategies[index]["config"][name] = value
        return
    target = fields.get(section) if dot and section in ("data", "venue") else None
    if not isinstance(target, dict) or name not in target:
        raise ConfigError(source, [f"--set {key}: unknown key"])
    target[name] = value
