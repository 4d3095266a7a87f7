"""Config files checked key by key: every problem is one line ``FILE: FIELD.PATH: what``.

Shared by the backtest, live and Nautilus node config readers and by ``tradefly check``.
Field paths use dots for keys and ``[i]`` for list items (``strategies[0].config.dte_min``).
"""

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import msgspec
import yaml
from nautilus_trader.common.config import (
    msgspec_decoding_hook,
    msgspec_encoding_hook,
    resolve_path,
)

ConfigKind = Literal["backtest", "live", "node"]

BACKTEST_MARKERS = frozenset({"name", "venue", "strategy", "synthetic", "description"})
LIVE_MARKERS = frozenset(
    {
        "environment",
        "account_id",
        "instruments",
        "execution",
        "reconciliation",
        "risk",
        "timeouts",
        "claim_held_options",
        "state_store",
        "trader_id",
        "log_level",
    }
)
NODE_MARKERS = frozenset({"data_clients", "exec_clients"})

_MSGSPEC_PATH = re.compile(r"^(?P<what>.*) - at `\$(?P<path>[^`]*)`$", re.DOTALL)


class ConfigError(ValueError):
    """A config file had problems.

    Parameters
    ----------
    source : str or Path
        The file.
    problems : Sequence[str]
        One line each, ``FIELD.PATH: what`` (or just ``what`` for the whole file).

    Attributes
    ----------
    lines : list[str]
        ``FILE: problem`` for each problem; ``str(error)`` joins them with newlines.

    """

    def __init__(self, source: str | Path, problems: Sequence[str]) -> None:
        self.lines = [f"{source}: {problem}" for problem in problems]
        super().__init__("\n".join(self.lines))


def read_config_yaml(path: str | Path) -> dict[str, Any]:
    """Return the mapping a YAML config file holds.

    Raises
    ------
    ConfigError
        If the file is missing or unreadable, is not valid YAML, or is not a mapping.

    """
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, ["file not found"]) from None
    except OSError as exc:
        raise ConfigError(path, [f"could not be read ({exc.strerror})"]) from None
    except UnicodeDecodeError:
        raise ConfigError(path, ["not a text file (not UTF-8)"]) from None
    except yaml.YAMLError as exc:
        raise ConfigError(path, [f"not valid YAML: {_yaml_problem(exc)}"]) from None
    if not isinstance(raw, dict):
        raise ConfigError(path, [f"not a YAML mapping of keys (was {type(raw).__name__})"])
    return raw


def _yaml_problem(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"{exc.problem} (line {mark.line + 1}, column {mark.column + 1})"
    return " ".join(str(exc).split())


def config_kind(raw: Mapping[str, Any]) -> ConfigKind | None:
    """Return which kind of config a mapping is by its top-level keys, or None if unclear.

    A backtest config has ``name``/``venue`` (or the retired ``strategy``); a Nautilus node
    config ``data_clients``/``exec_clients``; a Tradier live config ``environment``,
    ``instruments``, ``execution`` and the like. The kind with the most such keys wins; a tie
    is None. ``strategies``/``actors``/``data`` are in both backtest and live configs: with
    none of the marker keys, a config holding ``strategies`` or ``actors`` is a live one (a
    backtest needs ``name`` and ``venue``), anything else None.
    """
    keys = set(raw)
    scores: dict[ConfigKind, int] = {
        "backtest": len(keys & BACKTEST_MARKERS),
        "node": 2 * len(keys & NODE_MARKERS),
        "live": len(keys & LIVE_MARKERS),
    }
    best = max(scores.values())
    if best == 0 and keys & {"strategies", "actors"}:
        return "live"
    winners = [kind for kind, score in scores.items() if score == best]
    return winners[0] if best > 0 and len(winners) == 1 else None


def field_path(where: str, key: str | int) -> str:
    """Return the path of `key` inside `where` (``a.b``, ``a[0]``)."""
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


def unknown_keys(data: Mapping[str, Any], allowed: Iterable[str], where: str) -> list[str]:
    """Return one problem per key of `data` not in `allowed`, with the closest allowed key.

    Parameters
    ----------
    data : Mapping
        The mapping read from the file.
    allowed : Iterable[str]
        The keys that mean something there.
    where : str
        The path of `data` in the file (empty at the top level).

    Returns
    -------
    list[str]
        ``PATH.KEY: unknown key (did you mean CLOSEST?)`` lines, in the file's order.

    """
    names = sorted(set(allowed))
    problems = []
    for key in data:
        if key in names:
            continue
        close = difflib.get_close_matches(str(key), names, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]}?)" if close else ""
        problems.append(f"{field_path(where, str(key))}: unknown key{hint}")
    return problems


def struct_fields(cls: type) -> frozenset[str]:
    """Return the field names of a msgspec struct class (a Nautilus config class)."""
    return frozenset(field.encode_name for field in msgspec.structs.fields(cls))


def validation_problem(exc: msgspec.ValidationError, where: str) -> str:
    """Return a msgspec validation error as ``PATH: what`` relative to `where`."""
    text = " ".join(str(exc).split())
    match = _MSGSPEC_PATH.match(text)
    what, inner = (match.group("what"), match.group("path")) if match else (text, "")
    path = f"{where}{inner}" if where else inner.lstrip(".")
    what = what[:1].lower() + what[1:]
    return f"{path}: {what}" if path else what


def mapping_at(raw: Mapping[str, Any], key: str, where: str = "") -> tuple[dict[str, Any], str]:
    """Return the mapping under `key` (``{}`` when absent or null) and a problem if not one."""
    value = raw.get(key)
    if value is None:
        return {}, ""
    if not isinstance(value, dict):
        path = field_path(where, key)
        return {}, f"{path}: expected a mapping of keys, got {type(value).__name__}"
    return value, ""


def check_section(
    data: Mapping[str, Any],
    cls: type,
    where: str,
    allowed: Iterable[str] | None = None,
) -> list[str]:
    """Check a mapping against a config class: unknown keys first, then types and values.

    Decoded as Nautilus decodes configs (JSON with its identifier hooks), so what passes here
    is what the node will build.

    Parameters
    ----------
    data : Mapping
        The section read from the file.
    cls : type
        The msgspec struct (Nautilus config class) the section feeds.
    where : str
        The section's path in the file.
    allowed : Iterable[str], optional
        The keys accepted (default: every field of `cls`).

    Returns
    -------
    list[str]
        Problems, one line each; empty when the section is valid.

    """
    problems = unknown_keys(data, struct_fields(cls) if allowed is None else allowed, where)
    if problems:
        return problems
    try:
        decode_config(data, cls)
    except msgspec.ValidationError as exc:
        return [validation_problem(exc, where)]
    except (TypeError, msgspec.EncodeError) as exc:
        return [f"{where}: {exc}"]
    return []


def decode_config(data: Mapping[str, Any], cls: type) -> Any:
    """Return `data` decoded into `cls` the way Nautilus decodes importable configs.

    Raises
    ------
    msgspec.ValidationError
        If a field is missing or of the wrong type or value.

    """
    encoded = msgspec.json.encode(dict(data), enc_hook=msgspec_encoding_hook)
    return msgspec.json.decode(encoded, type=cls, dec_hook=msgspec_decoding_hook)


def import_class(path: Any, where: str) -> tuple[type | None, str]:
    """Import the class a ``module:Class`` path names; return it or a problem line."""
    if not isinstance(path, str) or ":" not in path:
        return None, f"{where}: expected 'package.module:Class', got {path!r}"
    try:
        cls = resolve_path(path)
    except (ImportError, AttributeError) as exc:
        return None, f"{where}: cannot import {path!r} ({exc})"
    if not isinstance(cls, type):
        return None, f"{where}: {path!r} is not a class"
    return cls, ""
