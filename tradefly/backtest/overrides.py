"""Command-line changes to a run config: ``--set key=value``, ``--start``, ``--end``."""

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec
import yaml

from strategies.short_option import ShortOptionConfig
from tradefly.backtest.config import RunConfig, strategy_config
from tradefly.config_fields import ConfigError, struct_fields, validation_problem


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
        ``section.field=value`` each (``strategy.target_delta=-0.3``,
        ``venue.starting_balance=50000``); the value is read as a YAML scalar.
    start, end : datetime.date, optional
        First and last session replayed (``data.start``, ``data.end``). ``start`` also moves
        ``strategy.entry_start`` and ``end`` moves ``strategy.entry_end`` to ``end`` less
        ``strategy.dte_max`` days, so every entry can expire inside the run, unless an
        assignment sets them.

    Raises
    ------
    ConfigError
        One line naming the file, the ``--set`` key and what is wrong: no ``=``, an unknown
        section or field, a value of the wrong type or an invalid strategy.

    """
    fields: dict[str, Any] = msgspec.to_builtins(config)
    strategy = fields["strategy"]
    if start is not None:
        fields["data"]["start"] = start.isoformat()
        strategy["entry_start"] = start.isoformat()
    if end is not None:
        fields["data"]["end"] = end.isoformat()
        days = int(strategy.get("dte_max", 0))
        strategy["entry_end"] = (end - dt.timedelta(days=days)).isoformat()
    for assignment in assignments:
        _assign(fields, source, assignment)
    try:
        changed = msgspec.convert(fields, RunConfig, strict=False)
        strategy_config(changed)
    except msgspec.ValidationError as exc:
        raise ConfigError(source, [f"--set: {validation_problem(exc, '')}"]) from None
    except ValueError as exc:
        raise ConfigError(source, [f"--set: {exc}"]) from None
    return changed


def _assign(fields: dict[str, Any], source: Path, assignment: str) -> None:
    key, equals, text = assignment.partition("=")
    if not equals or not key:
        raise ConfigError(source, [f"--set {assignment!r}: expected section.field=value"])
    section, dot, name = key.partition(".")
    if section == "strategy" and name in struct_fields(ShortOptionConfig) - {"underlying"}:
        fields["strategy"][name] = yaml.safe_load(text)
        return
    target = fields.get(section) if dot else fields
    leaf = name if dot else key
    if not isinstance(target, dict) or leaf not in target:
        raise ConfigError(source, [f"--set {key}: unknown key"])
    target[leaf] = yaml.safe_load(text)
