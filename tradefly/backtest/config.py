"""Backtest run configs: YAML files under ``configs/backtest/`` decoded and validated by msgspec."""

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import msgspec
import yaml

from strategies.short_option import ShortOptionConfig, validate_config

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

    """

    underlying: str
    start: dt.date
    end: dt.date | None = None
    option_kinds: list[Literal["put", "call"]] = msgspec.field(
        default_factory=lambda: ["put", "call"]
    )
    fill_model: FillModelKind = "quotes"
    half_spread: float = 0.0


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

    """

    name: str
    data: DataSection
    venue: VenueSection
    strategy: dict[str, Any]
    description: str = ""
    synthetic: bool = False

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
    ValueError
        If the file is not valid YAML or a field is missing, unknown or of the wrong type
        (the message names the field).

    """
    try:
        raw = yaml.safe_load(path.read_text())
        config = msgspec.convert(raw, RunConfig, strict=False)
        strategy_config(config)
    except (yaml.YAMLError, msgspec.ValidationError, ValueError) as exc:
        raise ValueError(f"run config {path} was invalid: {exc}") from exc
    return config


def strategy_config(config: RunConfig) -> ShortOptionConfig:
    """Return the strategy configuration of a run (``underlying`` taken from ``data``).

    Raises
    ------
    ValueError
        If a strategy field is unknown, of the wrong type, or invalid.

    """
    fields = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in config.strategy.items()}
    fields["underlying"] = config.data.underlying
    try:
        strategy = msgspec.convert(fields, ShortOptionConfig, strict=False)
    except msgspec.ValidationError as exc:
        raise ValueError(f"strategy section: {exc}") from exc
    validate_config(strategy)
    return strategy
