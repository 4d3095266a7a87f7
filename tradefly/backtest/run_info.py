"""What a report needs to reproduce its run: resolved config, data span, catalog, versions."""

import importlib.metadata
from pathlib import Path
from typing import Any

import msgspec
import nautilus_trader

from options.market_calendar import session_of_ns
from tradefly.backtest.config import RunConfig, strategy_config
from tradefly.backtest.results import ClosePoint


def resolved_config(config: RunConfig) -> dict[str, Any]:
    """Return every field of a run config, defaults included, as JSON-ready builtins.

    ``strategy`` holds every field of the strategy's config class (``ShortOptionConfig``),
    not only the ones the YAML file set; dates are ISO strings.

    Raises
    ------
    ValueError
        If the strategy fields are invalid (see :func:`tradefly.backtest.config.strategy_config`).

    """
    fields: dict[str, Any] = msgspec.to_builtins(config)
    strategy: dict[str, Any] = msgspec.to_builtins(strategy_config(config))
    fields["strategy"] = strategy
    return fields


def run_info(config: RunConfig, catalog_dir: Path, closes: list[ClosePoint]) -> dict[str, Any]:
    """Return the reproducibility block of ``summary.json``.

    Parameters
    ----------
    config : RunConfig
        The run as executed (after command-line overrides).
    catalog_dir : Path
        The catalog replayed (made absolute).
    closes : list[ClosePoint]
        The underlying's closes replayed; their first and last New York sessions are the
        data span.

    Returns
    -------
    dict[str, Any]
        ``config`` (:func:`resolved_config`), ``catalog`` (absolute path), ``data_span``
        (``{"first_session", "last_session", "sessions"}``, ISO dates, ``None`` when nothing
        was replayed) and ``versions`` (``tradefly``, ``nautilus_trader``).

    """
    sessions = [session_of_ns(point.ts_ns) for point in closes]
    return {
        "config": resolved_config(config),
        "catalog": str(catalog_dir.resolve()),
        "data_span": {
            "first_session": sessions[0].isoformat() if sessions else None,
            "last_session": sessions[-1].isoformat() if sessions else None,
            "sessions": len(sessions),
        },
        "versions": {
            "tradefly": importlib.metadata.version("tradefly"),
            "nautilus_trader": nautilus_trader.__version__,
        },
    }
