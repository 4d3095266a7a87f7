"""What a report needs to reproduce its run: resolved config, data span, catalog, versions."""

import importlib.metadata
from pathlib import Path
from typing import Any

import msgspec
import nautilus_trader
from nautilus_trader.common.config import msgspec_encoding_hook, resolve_config_path

from actors.records import ClosePoint
from configfile.fields import decode_config
from options.market_calendar import session_of_ns
from tradefly.backtest.config import RunConfig


def resolved_config(config: RunConfig) -> dict[str, Any]:
    """Return every field of a run config, defaults included, as JSON-ready builtins.

    Each strategy's and actor's ``config`` holds every field of its config class, not only
    the ones the YAML file set; dates are ISO strings.

    Raises
    ------
    msgspec.ValidationError
        If a strategy's or actor's config does not decode (a config that
        :func:`tradefly.backtest.config.load_run_config` accepted always does).

    """
    fields: dict[str, Any] = msgspec.to_builtins(config)
    for entry in [*fields["strategies"], *fields["actors"]]:
        decoded = decode_config(entry["config"], resolve_config_path(entry["config_path"]))
        entry["config"] = msgspec.json.decode(
            msgspec.json.encode(decoded, enc_hook=msgspec_encoding_hook)
        )
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
