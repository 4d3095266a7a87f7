"""Backtest run configs: YAML files under ``configs/backtest/`` decoded and validated by msgspec."""

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import msgspec
from nautilus_trader.common.actor import Actor
from nautilus_trader.common.config import ActorFactory, ImportableActorConfig

from strategies.short_option import ShortOptionConfig, validate_config
from tradefly.config_fields import (
    ConfigError,
    check_section,
    config_kind,
    field_path,
    import_class,
    mapping_at,
    read_config_yaml,
    struct_fields,
    unknown_keys,
    validation_problem,
)

FillModelKind = Literal["quotes", "trade_close_half_spread"]


class DataSection(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What the run replays from the catalog.

    Parameters
    ----------
    underlying : str
        Underlying ticker (``SPY``).
    start : date
        First session replayed.
    end : date | None
        Last session replayed. ``None`` runs until every position the entries can open has
        expired: ``strategy.entry_end + strategy.dte_max`` plus ten days.
    option_kinds : list[str]
        Option kinds loaded (``put``, ``call``).
    fill_model : str
        ``quotes``: options fill against the catalog's bid/ask quotes (sells at the bid, buys at
        the ask). ``trade_close_half_spread``: for trade-only data (daily trade bars), each
        option bar becomes a quote at ``close ± half_spread``, so a sell fills at the trade
        close less the half-spread and a buy at the close plus it.
    half_spread : float
        Dollars per share for ``trade_close_half_spread``.
    index_roots : list[str]
        Further underlying tickers to treat as indexes whose options settle in cash at the
        close, beyond the built-in SPX, XSP, NDX, RUT and VIX
        (:mod:`options.index_options`).
    resolution : str
        ``daily``: the underlying's daily bars and end-of-day option data. ``minute``: the
        underlying's 1-minute bars and every option quote of the run's sessions (minute
        quotes from ``tradefly ingest lean-minute``); index options settle in cash at the
        day's last index value (PM) or its first minute's open (AM)
        (:func:`tradefly.backtest.index_settlement.minute_settlement_prices`).

    """

    underlying: str
    start: dt.date
    end: dt.date | None = None
    option_kinds: list[Literal["put", "call"]] = msgspec.field(
        default_factory=lambda: ["put", "call"]
    )
    fill_model: FillModelKind = "quotes"
    half_spread: float = 0.0
    index_roots: list[str] = msgspec.field(default_factory=list)
    resolution: Literal["daily", "minute"] = "daily"


class VenueSection(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The simulated broker account (a CASH account in USD).

    Parameters
    ----------
    starting_balance : float
        USD.
    commission_per_contract : float
        USD per option contract, charged on every option fill except expiry and assignment.
    commission_per_share : float
        USD per share on share orders (0 by default).

    """

    starting_balance: float
    commission_per_contract: float = 0.65
    commission_per_share: float = 0.0


class ActorEntry(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A Nautilus actor added to the run, as in a live config's ``actors:`` list.

    Parameters
    ----------
    actor_path : str
        ``package.module:Class`` of the actor (``actors.risk_guard:RiskGuard``).
    config_path : str
        ``package.module:Class`` of its config.
    config : dict
        Fields of the config; ``underlying``, when the config class has that field and it is
        not given, is ``data.underlying``.

    """

    actor_path: str
    config_path: str
    config: dict[str, Any] = msgspec.field(default_factory=dict)


class RunConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A whole backtest run.

    Parameters
    ----------
    name : str
        Run name (report folders are ``<name>-<timestamp>``).
    description : str
        What the run encodes.
    synthetic : bool
        True for runs over the seeded synthetic demo market.
    data : DataSection
    venue : VenueSection
    strategy : dict
        Fields of :class:`strategies.short_option.ShortOptionConfig` (``underlying`` is taken
        from ``data``).
    actors : list[ActorEntry]
        Further actors (risk guards), checked and built as in live configs.

    """

    name: str
    data: DataSection
    venue: VenueSection
    strategy: dict[str, Any]
    description: str = ""
    synthetic: bool = False
    actors: list[ActorEntry] = msgspec.field(default_factory=list)

    def replay_end(self) -> dt.date:
        """Return the last session replayed (see :class:`DataSection`)."""
        if self.data.end is not None:
            return self.data.end
        entry_end = self.strategy.get("entry_end")
        if entry_end is None:
            raise ValueError("data.end was not set and strategy.entry_end was missing")
        last_entry = dt.date.fromisoformat(str(entry_end))
        return last_entry + dt.timedelta(days=int(self.strategy.get("dte_max", 0)) + 10)


def load_run_config(path: Path) -> RunConfig:
    """Read and validate a run config.

    Raises
    ------
    ConfigError
        (a ``ValueError``) If the file is missing, not valid YAML, not a backtest config, or a
        key is missing, unknown, of the wrong type or invalid; one line per problem, each
        naming the file and the field (``strategy.dte_mn: unknown key (did you mean dte_min?)``).

    """
    raw = read_config_yaml(path)
    if config_kind(raw) in ("live", "node"):
        raise ConfigError(path, ["a live config, not a backtest config (run tradefly live)"])
    problems = _unknown_key_problems(raw)
    if problems:
        raise ConfigError(path, problems)
    try:
        config = msgspec.convert(raw, RunConfig, strict=False)
        strategy_config(config)
        run_actors(config)
    except msgspec.ValidationError as exc:
        raise ConfigError(path, [validation_problem(exc, "")]) from None
    except ValueError as exc:
        raise ConfigError(path, [str(exc)]) from None
    return config


def _unknown_key_problems(raw: dict[str, Any]) -> list[str]:
    problems = unknown_keys(raw, struct_fields(RunConfig), "")
    for name, section_cls in (("data", DataSection), ("venue", VenueSection)):
        section, problem = mapping_at(raw, name)
        problems += (
            [problem] if problem else unknown_keys(section, struct_fields(section_cls), name)
        )
    strategy, problem = mapping_at(raw, "strategy")
    if "underlying" in strategy:
        problems.append("strategy.underlying: not allowed here; it is data.underlying")
    allowed = struct_fields(ShortOptionConfig)
    problems += [problem] if problem else unknown_keys(strategy, allowed, "strategy")
    return problems + _actor_problems(raw)


def _actor_problems(raw: dict[str, Any]) -> list[str]:
    actors = raw.get("actors") or []
    if not isinstance(actors, list):
        return [f"actors: expected a list, got {type(actors).__name__}"]
    problems: list[str] = []
    for index, entry in enumerate(actors):
        where = field_path("actors", index)
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected a mapping of keys, got {type(entry).__name__}")
            continue
        problems += unknown_keys(entry, struct_fields(ActorEntry), where)
        config, problem = mapping_at(entry, "config", where)
        _, actor_problem = import_class(entry.get("actor_path"), f"{where}.actor_path")
        config_cls, config_problem = import_class(entry.get("config_path"), f"{where}.config_path")
        problems += [p for p in (problem, actor_problem, config_problem) if p]
        if config_cls is not None and not problem:
            problems += check_section(config, config_cls, f"{where}.config")
    return problems


def run_actors(config: RunConfig) -> list[Actor]:
    """Build the run's actors (``underlying`` defaults to ``data.underlying``).

    Raises
    ------
    ValueError
        If an actor refuses its configuration; the message starts with ``actors[i].config``.

    """
    actors = []
    for index, entry in enumerate(config.actors):
        fields = dict(entry.config)
        config_cls, _ = import_class(entry.config_path, "")
        if config_cls is not None and "underlying" in struct_fields(config_cls):
            fields.setdefault("underlying", config.data.underlying)
        importable = ImportableActorConfig(
            actor_path=entry.actor_path, config_path=entry.config_path, config=fields
        )
        try:
            actors.append(ActorFactory.create(importable))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"actors[{index}].config: {' '.join(str(exc).split())}") from None
    return actors


def strategy_config(config: RunConfig) -> ShortOptionConfig:
    """Return the strategy configuration of a run (``underlying`` taken from ``data``).

    Raises
    ------
    ValueError
        If a strategy field is unknown, of the wrong type, or invalid; the message starts
        with the field's path (``strategy.target_delta: ...``).

    """
    fields = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in config.strategy.items()}
    fields["underlying"] = config.data.underlying
    try:
        strategy = msgspec.convert(fields, ShortOptionConfig, strict=False)
    except msgspec.ValidationError as exc:
        raise ValueError(validation_problem(exc, "strategy")) from None
    try:
        validate_config(strategy)
    except ValueError as exc:
        raise ValueError(f"strategy: {exc}") from None
    return strategy
