"""On-disk cache of raw Alpha Vantage replies, so a re-run makes no repeat calls.

One file per call under ``<root>/<FUNCTION>/<SYMBOL>/``, named from the call's parameters,
holding the body exactly as served, plus a ``.meta.json`` with the fetch instant. Only replies
that passed the vendor checks are stored. Writes go to a temporary file renamed into place,
so an interrupted run never leaves a partial entry.
"""

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from adapters.alphavantage.loaders.plan import PlannedCall

_UNSAFE = re.compile(r"[^A-Za-z0-9._=-]+")
_MAX_NAME = 120


@dataclass(frozen=True, slots=True)
class CachedReply:
    """A cached reply.

    Parameters
    ----------
    body : bytes
        The body as served.
    fetched_ns : int
        UNIX ns when it was fetched.

    """

    body: bytes
    fetched_ns: int


class ResponseCache:
    """Raw replies on disk, keyed by :attr:`PlannedCall.key`.

    Parameters
    ----------
    root : Path
        The cache directory (created on first write).

    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, call: PlannedCall) -> Path:
        """Return the file that holds the reply of `call`."""
        name = _UNSAFE.sub("_", call.key.split("?", 1)[1])
        if len(name) > _MAX_NAME:
            digest = hashlib.sha256(call.key.encode()).hexdigest()[:16]
            name = f"{name[:_MAX_NAME]}-{digest}"
        suffix = ".csv" if call.is_csv else ".json"
        symbol = _UNSAFE.sub("_", call.symbol) or "_"
        return self.root / call.function / symbol / f"{name}{suffix}"

    def get(self, call: PlannedCall) -> CachedReply | None:
        """Return the cached reply of `call`, or ``None``."""
        path = self.path(call)
        meta = _meta_path(path)
        try:
            body = path.read_bytes()
            fetched_ns = int(json.loads(meta.read_text())["fetched_ns"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return CachedReply(body, fetched_ns)

    def put(self, call: PlannedCall, body: bytes, fetched_ns: int) -> None:
        """Store the reply of `call` atomically (the metadata last, so it marks completeness)."""
        path = self.path(call)
        path.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(path, body)
        meta = {"fetched_ns": fetched_ns, "call": call.key}
        _atomic_write(_meta_path(path), json.dumps(meta).encode())

    def discard(self, call: PlannedCall) -> None:
        """Remove the cached reply of `call` (e.g. one that no longer parses)."""
        path = self.path(call)
        for file in (_meta_path(path), path):
            file.unlink(missing_ok=True)


def _meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


def _atomic_write(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
