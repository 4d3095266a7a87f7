"""Offline check of a Tradier live YAML config (layout in :mod:`adapters.tradier.node`).

Every key at every level is checked against what reads it: the top level against the keys the
node builder reads, ``data``/``execution`` against the Tradier client configs (without the
fields the builder sets from the top level), ``reconciliation``/``risk`` against Nautilus's
``LiveExecEngineConfig``/``LiveRiskEngineConfig``, ``timeouts`` against the ``timeout_*``
fields of ``TradingNodeConfig``, and each strategy's and actor's ``config`` against the config
class its ``config_path`` names. Then the strategy or actor is constructed from its config,
so its own validation runs (``StructureEngine`` calls ``validate_config``). No network.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import msgspec
from nautilus_trader.config import (
    LiveExecEngineConfig,
    LiveRiskEngineConfig,
    TradingNodeConfig,
)
from nautilus_trader.model.identifiers import InstrumentId

from adapters.tradier.config import TradierDataClientConfig, TradierExecClientConfig
from configfile.components import actor_problems, strategy_problems
from configfile.fields import (
    ConfigError,
    check_section,
    config_kind,
    field_path,
    mapping_at,
    read_config_yaml,
    struct_fields,
    unknown_keys,
)

TOP_LEVEL_SECTIONS = ("instruments", "data", "execution", "reconciliation", "risk", "timeouts")
SET_BY_NODE = {
    "data": frozenset({"environment", "instrument_provider", "routing"}),
    "execution": frozenset(
        {"environment", "account_id", "instrument_provider", "routing", "state_store"}
    ),
}
TIMEOUT_PREFIX = "timeout_"
ENVIRONMENTS = ("sandbox", "live")
LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARNING", "WARN", "ERROR", "OFF")


class _Scalars(msgspec.Struct, forbid_unknown_fields=True):
    """The top-level keys that are not sections, with their types."""

    trader_id: str = "TRADEFLY-001"
    environment: str | None = None
    account_id: str | None = None
    log_level: str = "INFO"
    claim_held_options: bool = True
    state_store: str | None = None
    catalog: str | None = None


class _Instruments(msgspec.Struct, forbid_unknown_fields=True):
    """The ``instruments`` section (the instrument provider's ids and filters)."""

    load_ids: list[str] = msgspec.field(default_factory=list)
    underlyings: list[str] = msgspec.field(default_factory=list)
    min_dte: int = 0
    max_dte: int = 60
    monthly_only: bool = False
    strike_window_pct: float | None = None


TOP_LEVEL_KEYS = frozenset({*struct_fields(_Scalars), *TOP_LEVEL_SECTIONS, "strategies", "actors"})


def load_checked_live_config(path: str | Path) -> dict[str, Any]:
    """Read a live YAML config and check it (see the module docstring).

    Parameters
    ----------
    path : str or Path
        The live YAML file.

    Returns
    -------
    dict
        The mapping read, unchanged.

    Raises
    ------
    ConfigError
        If the file is missing, not YAML, not a live config (a backtest config, say), or has
        unknown keys, wrong types or invalid values; one line per problem, naming the field.

    """
    raw = read_config_yaml(path)
    kind = config_kind(raw)
    if kind == "backtest":
        raise ConfigError(path, ["a backtest config, not a live config (run tradefly backtest)"])
    if kind == "node":
        raise ConfigError(path, ["a Nautilus node config, not a Tradier live config"])
    problems = live_config_problems(raw)
    if problems:
        raise ConfigError(path, problems)
    return raw


def live_config_problems(raw: Mapping[str, Any]) -> list[str]:
    """Return every problem of a live config mapping, one line each (empty when valid)."""
    problems = unknown_keys(raw, TOP_LEVEL_KEYS, "")
    scalars = {k: v for k, v in raw.items() if k in struct_fields(_Scalars) and v is not None}
    problems += check_section(scalars, _Scalars, "")
    problems += _choice_problems(scalars, "environment", ENVIRONMENTS, str.lower)
    problems += _choice_problems(scalars, "log_level", LOG_LEVELS, str.upper)
    problems += _trader_id_problems(scalars.get("trader_id"))
    problems += _catalog_problems(scalars.get("catalog"))
    problems += _section_problems(raw)
    problems += strategy_problems(raw)
    problems += actor_problems(raw)
    return problems


def _choice_problems(
    scalars: Mapping[str, Any], key: str, choices: tuple[str, ...], fold: Callable[[str], str]
) -> list[str]:
    # Checked here: Nautilus aborts the process (a Rust panic) on an unknown log level.
    value = scalars.get(key)
    if not isinstance(value, str) or fold(value.strip()) in choices:
        return []
    return [f"{key}: expected one of {', '.join(choices)}, got {value!r}"]


def _trader_id_problems(trader_id: Any) -> list[str]:
    # Checked here: Nautilus's TraderId aborts the process (a Rust panic) on a malformed value.
    if not isinstance(trader_id, str):
        return []
    name, _, tag = trader_id.partition("-")
    if not name or not tag or trader_id != trader_id.strip():
        return [f"trader_id: expected NAME-TAG (e.g. TRADEFLY-001), got {trader_id!r}"]
    return []


def _catalog_problems(catalog: Any) -> list[str]:
    if isinstance(catalog, str) and not Path(catalog).is_dir():
        return [f"catalog: no catalog folder at {catalog!r}"]
    return []


def _section_problems(raw: Mapping[str, Any]) -> list[str]:
    classes: dict[str, type] = {
        "instruments": _Instruments,
        "data": TradierDataClientConfig,
        "execution": TradierExecClientConfig,
        "reconciliation": LiveExecEngineConfig,
        "risk": LiveRiskEngineConfig,
    }
    problems = []
    for name in TOP_LEVEL_SECTIONS:
        section, problem = mapping_at(raw, name)
        if problem:
            problems.append(problem)
        elif name == "timeouts":
            problems += _timeout_problems(section)
        else:
            problems += _set_by_node(section, name)
            problems += check_section(section, classes[name], name)
    if not problems:
        instruments, _ = mapping_at(raw, "instruments")
        problems += _load_id_problems(instruments.get("load_ids") or [])
    return problems


def _set_by_node(section: Mapping[str, Any], name: str) -> list[str]:
    top = {"instrument_provider": "instruments", "routing": None}
    problems = []
    for key in SET_BY_NODE.get(name, frozenset()) & set(section):
        where = top.get(key, key)
        hint = f"set it at the top level ({where}:)" if where else "the node sets it"
        problems.append(f"{field_path(name, key)}: not allowed here; {hint}")
    return problems


def _timeout_problems(section: Mapping[str, Any]) -> list[str]:
    fields = struct_fields(TradingNodeConfig)
    names = {f.removeprefix(TIMEOUT_PREFIX) for f in fields if f.startswith(TIMEOUT_PREFIX)}
    problems = unknown_keys(section, names, "timeouts")
    for key, value in section.items():
        if key in names and (isinstance(value, bool) or not isinstance(value, int | float)):
            problems.append(f"timeouts.{key}: expected seconds (a number), got {value!r}")
        elif key in names and value < 0:
            problems.append(f"timeouts.{key}: expected seconds >= 0, got {value!r}")
    return problems


def _load_id_problems(load_ids: list[str]) -> list[str]:
    problems = []
    for index, value in enumerate(load_ids):
        try:
            InstrumentId.from_str(value)
        except ValueError as exc:
            problems.append(f"instruments.load_ids[{index}]: {exc}")
    return problems
