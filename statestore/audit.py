"""The owner's audit log: append-only and hash-chained, so an edited or deleted row is detected.

Each row's ``hash`` is the SHA-256 (hex) of the previous row's hash and the row's own fields
(``seq``, ``ts_ns``, ``actor``, ``address``, ``action``, ``detail``, ``outcome``) as canonical
JSON; the first row chains to :data:`GENESIS`. Rewriting a row without recomputing every later
hash breaks the chain at that row; :meth:`AuditLog.verify` names it. (A tamperer who rewrites
the whole chain is only caught against a copy of the last hash kept elsewhere: the control app
shows it on the audit page.)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from statestore.store import StateStore

GENESIS = "0" * 64
"""The ``prev_hash`` of the first row."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row of the audit log.

    Parameters
    ----------
    seq : int
        Position in the chain, from 1.
    ts_ns : int
        UNIX nanoseconds.
    actor : str
        Who: ``owner`` (the control app's user), ``node`` (the running node), ``cli``.
    address : str
        From where: the client's IP address, or ``node`` / ``cli``.
    action : str
        What (``login``, ``pause_entries``, ``flatten``, ...).
    detail : str
        Arguments (a structure id, a command id), never a secret.
    outcome : str
        What came of it (``requested #12``, ``applied: ...``, ``refused: ...``).
    prev_hash, hash : str
        The chain (hex SHA-256).

    """

    seq: int
    ts_ns: int
    actor: str
    address: str
    action: str
    detail: str
    outcome: str
    prev_hash: str
    hash: str


def entry_hash(
    prev_hash: str,
    seq: int,
    ts_ns: int,
    actor: str,
    address: str,
    action: str,
    detail: str,
    outcome: str,
) -> str:
    """Return the chained hash of a row (hex SHA-256 of the previous hash and the fields)."""
    fields = json.dumps(
        [prev_hash, seq, ts_ns, actor, address, action, detail, outcome],
        ensure_ascii=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(fields.encode()).hexdigest()


class AuditLog:
    """Append to and verify the audit log of a :class:`StateStore`.

    Parameters
    ----------
    store : StateStore
        The open store (schema version 3 or later).

    """

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self._conn = store._conn

    def append(
        self, ts_ns: int, actor: str, address: str, action: str, detail: str, outcome: str
    ) -> AuditEntry:
        """Append one row (committed before returning) and return it."""
        with self.store.transaction():
            last = self._conn.execute(
                "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
            ).fetchone()
            seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
            digest = entry_hash(prev, seq, ts_ns, actor, address, action, detail, outcome)
            self._conn.execute(
                "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (seq, ts_ns, actor, address, action, detail, outcome, prev, digest),
            )
        return AuditEntry(seq, ts_ns, actor, address, action, detail, outcome, prev, digest)

    def entries(self, limit: int | None = None, before: int | None = None) -> list[AuditEntry]:
        """Return rows newest first (at most `limit`, with ``seq < before`` when given)."""
        sql = "SELECT * FROM audit_log WHERE seq < ? ORDER BY seq DESC LIMIT ?"
        params = (before if before is not None else 2**62, limit if limit is not None else -1)
        return [AuditEntry(*row) for row in self._conn.execute(sql, params).fetchall()]

    def head(self) -> AuditEntry | None:
        """Return the newest row, if any."""
        rows = self.entries(limit=1)
        return rows[0] if rows else None

    def verify(self) -> int | None:
        """Return the ``seq`` of the first row that breaks the chain, or ``None`` when intact.

        A row breaks the chain when its ``seq`` is not the next number (a row was deleted),
        its ``prev_hash`` is not the previous row's hash, or its ``hash`` does not match its
        fields (the row was edited).
        """
        prev, expected_seq = GENESIS, 1
        for row in self._conn.execute("SELECT * FROM audit_log ORDER BY seq"):
            entry = AuditEntry(*row)
            digest = entry_hash(
                prev,
                entry.seq,
                entry.ts_ns,
                entry.actor,
                entry.address,
                entry.action,
                entry.detail,
                entry.outcome,
            )
            if entry.seq != expected_seq or entry.prev_hash != prev or entry.hash != digest:
                return entry.seq
            prev, expected_seq = entry.hash, expected_seq + 1
        return None
