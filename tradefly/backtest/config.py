"""Backtest run configs: YAML files under ``configs/backtest/`` decoded and validated by msgspec.

A run config is the backtest's own sections (``data``: what the catalog replays; ``venue``:
the simulated account) plus ``strategies:`` and ``actors:`` lists in Nautilus's importable form
(:mod:`configfile.components`), identical to a live config's, so a backtested strategy section
runs live unchanged.
"""

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from nautilus_trader.common.actor import Actor
from nautilus_trader.common.config import resolve_config_path
from nautilus_trader.trading.strategy import Strategy

from configfile.components import actor_problems, build_actors, build_strategies, strategy_problems
from configfile.fields import (
    ConfigError,
    config_kind,
    decode_config,
    field_path,
    mapping_at,
    read_config_yaml,
    struct_fields,
    unknown_keys,
    validation_problem,
)

FillModelKind = Literal["quotes", "trade_close_half_spread"]
REPLAY_MARGIN_DAYS = 10


class DataSection(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What the run replays from the catalog.

    Parameters
    ----------
    start : date
        First session replayed.
    end : date | None
        Last session replayed. ``None`` runs until every position the entries can open has
        expired: the latest ``entry_end + dte_max`` of the strategies' configs (their config
        classes' defaults where the file leaves them out; ``dte_max × (1 + max_rolls)`` for a
        strategy that rolls, which then needs ``max_rolls`` or ``data.end``) plus ten days.
    underlyings : list[str]
        Underlying tickers replayed (``[SPY, QQQ]``). Empty (the default): the ``underlying``
        of each strategy's config, in order. The first is the run's benchmark: its daily bars
        mark the sessions at which equity is recorded and its closes are the buy-and-hold line.
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
    strike_band : float | None
        Read only contracts whose strike lies within this fraction of the underlying's closes
        over the sessions they could be entered on (``0.10``: 10%); None (the default) reads
        every strike. Set it wider than any strike a strategy can pick, or the run changes
        (:mod:`catalog.contract_reads`).

    """

    start: dt.date
    end: dt.date | None = None
    underlyings: list[str] = msgspec.field(default_factory=list)
    option_kinds: list[Literal["put", "call"]] = msgspec.field(
        default_factory=lambda: ["put", "call"]
    )
    fill_model: FillModelKind = "quotes"
    half_spread: float = 0.0
    index_roots: list[str] = msgspec.field(default_factory=list)
    resolution: Literal["daily", "minute"] = "daily"
    strike_band: Annotated[float, msgspec.Meta(gt=0)] | None = None


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


class StrategyEntry(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A Nautilus strategy of the run, as ``ImportableStrategyConfig`` reads it.

    Parameters
    ----------
    strategy_path : str
        ``package.module:Class`` of the strategy (``strategies.structure_engine:StructureEngine``).
    config_path : str
        ``package.module:Class`` of its config.
    config : dict
        Fields of the config, exactly as in a live config (``underlying`` included).

    """

    strategy_path: str
    config_path: str
    config: dict[str, Any] = msgspec.field(default_factory=dict)


class ActorEntry(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A Nautilus actor of the run, as ``ImportableActorConfig`` reads it.

    Parameters
    ----------
    actor_path : str
        ``package.module:Class`` of the actor (``actors.risk_guard:RiskGuard``).
    config_path : str
        ``package.module:Class`` of its config.
    config : dict
        Fields of the config, exactly as in a live config.

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
    strategies : list[StrategyEntry]
        The strategies, as in a live config's ``strategies:`` list (at least one).
    actors : list[ActorEntry]
        Further actors (risk guards), as in a live config's ``actors:`` list.

    """

    name: str
    data: DataSection
    venue: VenueSection
    strategies: list[StrategyEntry]
    description: str = ""
    synthetic: bool = False
    actors: list[ActorEntry] = msgspec.field(default_factory=list)

    def underlyings(self) -> list[str]:
        """Return the underlying tickers replayed, upper case, the benchmark first.

        Raises
        ------
        ValueError
            If neither ``data.underlyings`` nor any strategy's config names an underlying.

        """
        named = self.data.underlyings or [
            str(entry.config["underlying"])
            for entry in self.strategies
            if entry.config.get("underlying")
        ]
        tickers = list(dict.fromkeys(ticker.upper() for ticker in named))
        if not tickers:
            raise ValueError(
                "data.underlyings: no underlying to replay; set it or give a strategy's config "
                "an underlying"
            )
        return tickers

    def replay_end(self) -> dt.date:
        """Return the last session replayed (see :class:`DataSection`).

        Raises
        ------
        ValueError
            If ``data.end`` is not set and no strategy's config has ``entry_end``, or one
            rolls without ``max_rolls``.

        """
        if self.data.end is not None:
            return self.data.end
        ends = []
        for index, settings in enumerate(self._strategy_settings()):
            entry_end = getattr(settings, "entry_end", None)
            if entry_end is not None:
                held = getattr(settings, "holding_days", getattr(settings, "dte_max", 0))
                if held is None:
                    raise ValueError(
                        f"data.end: not set, and strategies[{index}] rolls without max_rolls "
                        "(no last expiry to run to); set data.end or max_rolls"
                    )
                days = int(held or 0) + REPLAY_MARGIN_DAYS
                ends.append(dt.date.fromisoformat(str(entry_end)) + dt.timedelta(days=days))
        if not ends:
            raise ValueError("data.end: not set, and no strategy's config has an entry_end")
        return max(ends)

    def reach_days(self) -> int | None:
        """Return the largest ``dte_max`` of the strategies, or None if one has no such field.

        No entry of the run can open a contract expiring later than its last session plus
        this many days. A strategy config with a ``horizon_days`` (the structure engine's:
        windows of calendars or of the wheel's calls beyond ``dte_max``) counts the larger.
        """
        days = [
            max(getattr(settings, "dte_max", None) or 0, getattr(settings, "horizon_days", 0))
            if getattr(settings, "dte_max", None) is not None
            else None
            for settings in self._strategy_settings()
        ]
        if not days or any(d is None for d in days):
            return None
        return max(int(d) for d in days if d is not None)

    def reads_volume(self) -> bool:
        """Return whether a strategy filters on session volume (a ``min_volume`` is set).

        Only then are the catalog's per-contract volume records
        (:class:`options.option_volume.OptionVolume`) read and replayed.
        """
        return any(
            getattr(settings, "min_volume", None) is not None
            for settings in self._strategy_settings()
        )

    def _strategy_settings(self) -> list[Any]:
        return [
            decode_config(entry.config, resolve_config_path(entry.config_path))
            for entry in self.strategies
        ]

    def with_strategy_fields(self, index: int = 0, **fields: Any) -> "RunConfig":
        """Return a copy whose strategy `index` has `fields` set in its ``config``."""
        entry = self.strategies[index]
        changed = msgspec.structs.replace(entry, config={**entry.config, **fields})
        strategies = [*self.strategies[:index], changed, *self.strategies[index + 1 :]]
        return msgspec.structs.replace(self, strategies=strategies)

    def build_strategies(self) -> list[Strategy]:
        """Build the run's strategies (see :func:`configfile.components.build_strategies`)."""
        return build_strategies([msgspec.to_builtins(entry) for entry in self.strategies])

    def build_actors(self) -> list[Actor]:
        """Build the run's actors (see :func:`configfile.components.build_actors`)."""
        return build_actors([msgspec.to_builtins(entry) for entry in self.actors])


def load_run_config(path: Path) -> RunConfig:
    """Read and validate a run config.

    Raises
    ------
    ConfigError
        (a ``ValueError``) If the file is missing, not valid YAML, not a backtest config, or a
        key is missing, unknown, of the wrong type or invalid; one line per problem, each
        naming the file and the field
        (``strategies[0].config.dte_mn: unknown key (did you mean dte_min?)``).

    """
    raw = read_config_yaml(path)
    if config_kind(raw) in ("live", "node"):
        raise ConfigError(path, ["a live config, not a backtest config (run tradefly live)"])
    problems = _section_problems(raw)
    if problems:
        raise ConfigError(path, problems)
    try:
        config = msgspec.convert(raw, RunConfig, strict=False)
        config.underlyings()
        config.replay_end()
    except msgspec.ValidationError as exc:
        raise ConfigError(path, [validation_problem(exc, "")]) from None
    except ValueError as exc:
        raise ConfigError(path, [str(exc)]) from None
    return config


def _section_problems(raw: dict[str, Any]) -> list[str]:
    if "strategy" in raw:
        return [
            "strategy: replaced by a strategies: list of {strategy_path, config_path, config} "
            "(config: the old strategy: fields plus underlying:), as in configs/backtest/"
        ]
    problems = unknown_keys(raw, struct_fields(RunConfig), "")
    for name, section_cls in (("data", DataSection), ("venue", VenueSection)):
        section, problem = mapping_at(raw, name)
        problems += (
            [problem] if problem else unknown_keys(section, struct_fields(section_cls), name)
        )
    data, _ = mapping_at(raw, "data")
    if "underlying" in data:
        problems = [p for p in problems if not p.startswith("data.underlying:")]
        problems.append(
            f"{field_path('data', 'underlying')}: moved; give each strategy's config its "
            "underlying (or list them in data.underlyings)"
        )
    if not raw.get("strategies"):
        problems.append("strategies: missing; a run needs at least one strategy")
    return problems + strategy_problems(raw) + actor_problems(raw)
