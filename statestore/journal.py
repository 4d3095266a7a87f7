"""The trade journal's table in the state store: one JSON record per trade or gated entry.

A row is written when a trade's entry is sent and rewritten as its fills, exits and outcome
arrive (:mod:`actors.journal` builds the records); entries the risk layer blocked or resized
are rows of their own. Every write commits before it returns (see :class:`StateStore`), so
after a restart the journal carries on with the trades still open.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from statestore.store import StateStore

TRADE = "trade"
ENTRY_BLOCKED = "entry_blocked"
ENTRY_REDUCED = "entry_reduced"
KINDS = (TRADE, ENTRY_BLOCKED, ENTRY_REDUCED)
"""Kinds of journal rows: a trade, an entry the risk layer blocked, one it resized."""


@dataclass(frozen=True, slots=True)
class JournalRow:
    """One journal row.

    Parameters
    ----------
    journal_id : str
        The trade's structure id, or ``gate-<ts_ns>-<strategy>`` for a gated entry.
    kind : str
        One of :data:`KINDS`.
    strategy_id : str
        The strategy.
    underlying : str
        Ticker.
    entry_ns : int
        UNIX nanoseconds of the entry decision.
    exit_ns : int | None
        UNIX nanoseconds of the trade's end (``None`` while open; the entry time for a gated
        entry).
    record : dict[str, Any]
        The journal fields (see :mod:`actors.journal`).

    """

    journal_id: str
    kind: str
    strategy_id: str
    underlying: str
    entry_ns: int
    exit_ns: int | None
    record: dict[str, Any]


class JournalLedger:
    """Read and write the ``journal`` table of a :class:`StateStore`.

    Parameters
    ----------
    store : StateStore
        The open store (its schema includes the journal).

    """

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self._conn = store._conn

    def put(self, row: JournalRow) -> None:
        """Insert or replace a row (committed before it returns).

        Raises
        ------
        ValueError
            If ``row.kind`` is not one of :data:`KINDS` or the record is not JSON-serialisable
            (NaN and infinities included).

        """
        if row.kind not in KINDS:
            raise ValueError(f"journal kind was {row.kind!r}, not one of {', '.join(KINDS)}")
        record = json.dumps(row.record, sort_keys=True, allow_nan=False)
        with self.store.transaction():
            self._conn.execute(
                "INSERT OR REPLACE INTO journal VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    row.journal_id,
                    row.kind,
                    row.strategy_id,
                    row.underlying,
                    row.entry_ns,
                    row.exit_ns,
                    record,
                ),
            )

    def get(self, journal_id: str) -> JournalRow | None:
        """Return one row, or ``None``."""
        found = self._conn.execute(
            "SELECT * FROM journal WHERE journal_id = ?", (journal_id,)
        ).fetchone()
        return _row(found) if found else None

    def open_trades(self) -> list[JournalRow]:
        """Return the trades without an exit yet, oldest first."""
        rows = self._conn.execute(
            "SELECT * FROM journal WHERE exit_ns IS NULL AND kind = 'trade' ORDER BY entry_ns"
        )
        return [_row(r) for r in rows.fetchall()]

    def rows(self, kind: str | None = None) -> list[JournalRow]:
        """Return every row (of one kind, if given) by entry time."""
        sql = "SELECT * FROM journal"
        params: tuple[Any, ...] = ()
        if kind is not None:
            sql, params = sql + " WHERE kind = ?", (kind,)
        found = self._conn.execute(sql + " ORDER BY entry_ns, journal_id", params)
        return [_row(r) for r in found.fetchall()]


def _row(found: tuple[Any, ...]) -> JournalRow:
    journal_id, kind, strategy_id, underlying, entry_ns, exit_ns, record = found
    return JournalRow(
        journal_id, kind, strategy_id, underlying, entry_ns, exit_ns, json.loads(record)
    )
