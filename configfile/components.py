"""Strategies and actors of a run, in Nautilus's importable form, shared by backtest and live.

Both a backtest config and a Tradier live config list ``strategies:`` and ``actors:`` as
Nautilus's ``ImportableStrategyConfig`` / ``ImportableActorConfig`` read them: each entry is
``strategy_path`` (or ``actor_path``), ``config_path`` and ``config``. The same list, copied
unchanged, runs in ``tradefly backtest`` and ``tradefly live``. Checking an entry imports both
classes, refuses keys of ``config`` that the config class lacks (naming the field, with the
closest known one), decodes it as Nautilus does and then builds the strategy or actor, so its
own validation runs.
"""

from collections.abc import Callable, Mapping
from typing import Any

from nautilus_trader.common.actor import Actor
from nautilus_trader.common.config import ActorFactory, ImportableActorConfig
from nautilus_trader.trading.config import ImportableStrategyConfig, StrategyFactory
from nautilus_trader.trading.strategy import Strategy

from configfile.fields import (
    check_section,
    field_path,
    import_class,
    mapping_at,
    unknown_keys,
)

STRATEGY_KEYS = ("strategy_path", "config_path", "config")
ACTOR_KEYS = ("actor_path", "config_path", "config")


def strategy_problems(raw: Mapping[str, Any]) -> list[str]:
    """Return the problems of ``raw["strategies"]``, one line each (empty when valid)."""
    return _list_problems(raw, "strategies", "strategy_path", _build_strategy)


def actor_problems(raw: Mapping[str, Any]) -> list[str]:
    """Return the problems of ``raw["actors"]``, one line each (empty when valid)."""
    return _list_problems(raw, "actors", "actor_path", _build_actor)


def build_strategies(entries: list[Mapping[str, Any]]) -> list[Strategy]:
    """Build the strategies of a ``strategies:`` list, in order.

    Parameters
    ----------
    entries : list of Mapping
        Each ``{"strategy_path", "config_path", "config"}``.

    Raises
    ------
    ValueError
        If a strategy refuses its configuration; the message starts with
        ``strategies[i].config``.

    """
    return [
        _built(_build_strategy, entry, field_path("strategies", index), "strategy_path")
        for index, entry in enumerate(entries)
    ]


def build_actors(entries: list[Mapping[str, Any]]) -> list[Actor]:
    """Build the actors of an ``actors:`` list, in order (errors as :func:`build_strategies`)."""
    return [
        _built(_build_actor, entry, field_path("actors", index), "actor_path")
        for index, entry in enumerate(entries)
    ]


def _built(build: Callable[..., Any], entry: Mapping[str, Any], where: str, key: str) -> Any:
    try:
        return build(entry[key], entry["config_path"], dict(entry.get("config") or {}))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{where}.config: {' '.join(str(exc).split())}") from None


def _list_problems(
    raw: Mapping[str, Any],
    key: str,
    class_key: str,
    build: Callable[[str, str, dict[str, Any]], Any],
) -> list[str]:
    entries = raw.get(key) or []
    if not isinstance(entries, list):
        return [f"{key}: expected a list, got {type(entries).__name__}"]
    problems = []
    for index, entry in enumerate(entries):
        where = field_path(key, index)
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected a mapping, got {type(entry).__name__}")
            continue
        problems += _entry_problems(entry, where, class_key, build)
    return problems


def _entry_problems(
    entry: Mapping[str, Any],
    where: str,
    class_key: str,
    build: Callable[[str, str, dict[str, Any]], Any],
) -> list[str]:
    problems = unknown_keys(entry, (class_key, "config_path", "config"), where)
    problems += [
        f"{field_path(where, k)}: missing" for k in (class_key, "config_path") if k not in entry
    ]
    config, problem = mapping_at(entry, "config", where)
    problems += [problem] if problem else []
    if problems:
        return problems
    component_cls, problem = import_class(entry[class_key], field_path(where, class_key))
    config_cls, config_problem = import_class(entry["config_path"], f"{where}.config_path")
    problems = [p for p in (problem, config_problem) if p]
    if problems or component_cls is None or config_cls is None:
        return problems
    problems = check_section(config, config_cls, f"{where}.config")
    if problems:
        return problems
    try:
        build(entry[class_key], entry["config_path"], config)
    except (ValueError, TypeError) as exc:
        return [f"{where}.config: {' '.join(str(exc).split())}"]
    return []


def _build_strategy(strategy_path: str, config_path: str, config: dict[str, Any]) -> Strategy:
    importable = ImportableStrategyConfig(
        strategy_path=strategy_path, config_path=config_path, config=config
    )
    strategy: Strategy = StrategyFactory.create(importable)
    return strategy


def _build_actor(actor_path: str, config_path: str, config: dict[str, Any]) -> Actor:
    importable = ImportableActorConfig(
        actor_path=actor_path, config_path=config_path, config=config
    )
    actor: Actor = ActorFactory.create(importable)
    return actor
