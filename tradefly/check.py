"""``tradefly check CONFIG...``: validate backtest, live, node and training configs offline.

The kind is told from the top-level keys (:func:`configfile.fields.config_kind`); each
kind is checked by the same code its command runs before it starts, so a config that passes
here fails neither ``tradefly backtest`` nor ``tradefly live`` on a key, type or value. No
network, no catalog.
"""

import argparse
import sys
from pathlib import Path
from typing import Any

from nautilus_trader.config import TradingNodeConfig

from adapters.tradier.config import resolve_environment
from adapters.tradier.constants import TradierEnvironment
from adapters.tradier.live_config import load_checked_live_config
from configfile.fields import (
    BACKTEST_MARKERS,
    LIVE_MARKERS,
    ConfigError,
    check_section,
    config_kind,
    field_path,
    import_class,
    mapping_at,
    read_config_yaml,
    struct_fields,
    unknown_keys,
)
from tradefly.backtest.config import load_run_config
from tradefly.train import load_train_config

CLIENT_SECTIONS = ("data_clients", "exec_clients")
TRAIN_MARKERS = frozenset({"underlying", "label", "validation", "model", "vix_csv", "registry"})


def add_check_parser(commands: "argparse._SubParsersAction[Any]") -> None:
    """Register ``tradefly check``."""
    parser = commands.add_parser(
        "check",
        help="Validate backtest and live configs offline (unknown keys, types, values).",
        description=(
            "Validate each CONFIG without network or catalog: tells backtest, Tradier live and "
            "Nautilus node configs apart, refuses unknown keys at every level (with the closest "
            "known key), wrong types and invalid values (the strategy's own validation runs). "
            "Prints 'OK: ...' per valid file; exit code 2 if any file has a problem, one line "
            "per problem naming the file and the field."
        ),
    )
    parser.add_argument("configs", nargs="+", type=Path, metavar="CONFIG", help="config YAML")
    parser.set_defaults(handler=_check)


def check_config(path: Path) -> str:
    """Check one config file; return its ``OK: ...`` line.

    Raises
    ------
    ConfigError
        If the file is missing, not YAML, of no known kind, or has problems (one line each).

    """
    raw = read_config_yaml(path)
    if is_train_config(raw):
        return f"OK: training config ({load_train_config(path).name})"
    kind = config_kind(raw)
    if kind == "backtest":
        config = load_run_config(path)
        return f"OK: backtest config ({config.name})"
    if kind == "live":
        load_checked_live_config(path)
        try:
            environment = resolve_environment(raw.get("environment"))
        except ValueError as exc:
            raise ConfigError(path, [f"environment: {exc}"]) from None
        if environment is TradierEnvironment.LIVE:
            return "OK: live config (REAL MONEY: needs --arm-live and TRADEFLY_CONFIRM_LIVE)"
        return "OK: live config (paper)"
    if kind == "node":
        problems = node_config_problems(raw)
        if problems:
            raise ConfigError(path, problems)
        clients = ", ".join(name for s in CLIENT_SECTIONS for name in (raw.get(s) or {}))
        return f"OK: Nautilus node config (clients: {clients})"
    backtest_keys = ", ".join(sorted(BACKTEST_MARKERS | {"data"}))
    live_keys = ", ".join(sorted(LIVE_MARKERS | {"data"}))
    problem = f"neither a backtest config ({backtest_keys}) nor a live config ({live_keys})"
    raise ConfigError(path, [problem])


def is_train_config(raw: dict[str, Any]) -> bool:
    """Return whether a mapping is a ``tradefly train`` config (by its keys)."""
    return bool(TRAIN_MARKERS & raw.keys()) and not (BACKTEST_MARKERS - {"name"}) & raw.keys()


def node_config_problems(raw: dict[str, Any]) -> list[str]:
    """Return the problems of a Nautilus ``TradingNodeConfig`` mapping, one line each.

    Every client of ``data_clients``/``exec_clients`` is an importable config (``path``,
    ``config``, ``factory``) whose ``config`` is checked against the class ``path`` names.
    """
    problems = unknown_keys(raw, struct_fields(TradingNodeConfig), "")
    for section_name in CLIENT_SECTIONS:
        section, problem = mapping_at(raw, section_name)
        problems += [problem] if problem else []
        for name, client in section.items():
            problems += _client_problems(client, field_path(section_name, str(name)))
    if problems:
        return problems
    rest = {k: v for k, v in raw.items() if k not in CLIENT_SECTIONS}
    return check_section(rest, TradingNodeConfig, "")


def _client_problems(client: Any, where: str) -> list[str]:
    if not isinstance(client, dict):
        return [f"{where}: expected a mapping with path and config, got {type(client).__name__}"]
    problems = unknown_keys(client, ("path", "config", "factory"), where)
    if "path" not in client:
        problems.append(f"{where}.path: missing")
    config, problem = mapping_at(client, "config", where)
    problems += [problem] if problem else []
    factory, problem = mapping_at(client, "factory", where)
    problems += [problem] if problem else unknown_keys(factory, ("path",), f"{where}.factory")
    if problems:
        return problems
    if factory:
        _, problem = import_class(factory.get("path"), f"{where}.factory.path")
        problems += [problem] if problem else []
    config_cls, problem = import_class(client["path"], f"{where}.path")
    if config_cls is None:
        return [*problems, problem]
    return problems + check_section(config, config_cls, f"{where}.config")


def _check(args: argparse.Namespace) -> int:
    failed = False
    for path in args.configs:
        try:
            sys.stdout.write(f"{path}: {check_config(path)}\n")
        except ConfigError as exc:
            failed = True
            sys.stderr.writelines(f"error: {line}\n" for line in exc.lines)
    return 2 if failed else 0
