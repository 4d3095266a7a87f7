"""SQLite state store: order intents, structures, traded cycles, owned shares, wheel cycles, status.

One file per node, in WAL mode, with ``synchronous=NORMAL`` by default: a committed write
survives a SIGKILL of the process at any instant; after an operating-system crash or a power
loss the last transactions may be rolled back (SQLite's documented WAL behaviour). ``FULL``
survives those too, at an fsync per commit (about 0.3 ms here, against 0.03 ms). Every write
method is durable when it returns, so a caller that writes an intent and then submits the order
has the intent on disk first. :meth:`StateStore.transaction` groups several writes into one
commit.

On a live node (a file store called from a running asyncio loop) the writes of the decision
path (minting an intent, saving or updating a structure, marking a cycle, node status) keep
SQLite off that path: each is appended to the store's write journal
(:mod:`statestore.write_journal`) and executed in SQLite within 0.25 s from the loop, or at once
when the store is next read or written, whichever comes first, in the order they were made.
Reads therefore always see every write made before them, and the writes a killed process had
only journalled are replayed by the next store that opens the file. Writes whose result the
caller needs (:meth:`StateStore.set_intent_state`) or that are not idempotent
(:meth:`StateStore.add_owned_shares`) always go to SQLite at once.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import msgspec

from statestore.migrations import MIGRATIONS
from statestore.write_journal import Statement, WriteJournal, replay_orphans

MEMORY = ":memory:"

_encode_json = msgspec.json.Encoder().encode

FLUSH_DELAY_S = 0.25
"""How long after a journalled write the loop executes the journalled writes in SQLite.

Long enough that the writes of a busy moment share one commit and few orders wait behind one
(a commit of a quarter second of writes takes about a millisecond); short enough that another
process reading the file (the control app) sees them almost at once. A read or write through
this store executes them first, so it never sees them late.
"""

_INSERT_INTENT = "INSERT INTO order_intents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_JOURNAL_INTENT = "INSERT OR IGNORE INTO order_intents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


class IntentState(StrEnum):
    """Where an order intent stands.

    ``minted`` is written before the order is submitted: after a restart it means the outcome
    is unknown until the broker is asked (by the order's client order id, which Tradier keeps
    in the order's ``tag``). ``not_sent`` is a minted intent the broker confirmed it never
    received.
    """

    MINTED = "minted"
    WORKING = "working"
    FILLED = "filled"
    REJECTED = "rejected"
    CANCELED = "canceled"
    EXPIRED = "expired"
    NOT_SENT = "not_sent"


OPEN_INTENT_STATES = frozenset({IntentState.MINTED, IntentState.WORKING})

FINAL_INTENT_STATES = frozenset(
    {
        IntentState.FILLED,
        IntentState.REJECTED,
        IntentState.CANCELED,
        IntentState.EXPIRED,
        IntentState.NOT_SENT,
    }
)
"""Intent states that never change again."""

_OPEN_STRUCTURES = "status IN ('opening', 'open', 'closing')"
_OPEN_INTENTS = "state IN ('minted', 'working')"  # literal: SQLite then uses the partial index


@dataclass(frozen=True, slots=True)
class OrderIntent:
    """One decision to send one order, minted before the order is submitted.

    Parameters
    ----------
    intent_id : str
        Unique id (32 hex digits: a random prefix per open store and a counter).
    strategy_id : str
        The strategy that owns it.
    kind : str
        ``entry``, ``exit``, ``shares`` (closing assigned shares) or ``roll``.
    structure_id : str | None
        The structure it opens or closes.
    client_order_id : str
        The Nautilus client order id (Tradier ``tag``).
    instrument_id : str
        The order's instrument (a generic spread id for a combo order).
    state : IntentState
        Where it stands.
    created_ns, updated_ns : int
        UNIX nanoseconds.
    detail : dict
        Free-form facts (tag, reason, quantity).

    """

    intent_id: str
    strategy_id: str
    kind: str
    structure_id: str | None
    client_order_id: str
    instrument_id: str
    state: IntentState
    created_ns: int
    updated_ns: int
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoredLeg:
    """A leg of a stored structure.

    Parameters
    ----------
    instrument_id : str
        The option (or shares) traded.
    side : str
        Opening side, ``BUY`` or ``SELL``.
    quantity : int
        Contracts (or shares) per structure.
    ratio : int, default 1
        Ratio of the leg within the structure.
    position_id : str | None
        The Nautilus position holding it, once known.

    """

    instrument_id: str
    side: str
    quantity: int
    ratio: int = 1
    position_id: str | None = None


@dataclass(frozen=True, slots=True)
class StoredStructure:
    """A structure a strategy opened (or is opening), with its legs.

    Parameters
    ----------
    structure_id : str
        Unique id.
    strategy_id : str
        The owner.
    underlying : str
        Ticker.
    cycle : str
        The expiration (ISO date) it trades; one cycle is traded once per strategy when the
        strategy's schedule says so.
    status : str
        ``opening``, ``open``, ``closing``, ``closed`` or ``dropped`` (never opened).
    legs : tuple[StoredLeg, ...]
        Its legs.
    credit : float
        Net opening credit, dollars per share (negative for a debit).
    opened_ns, closed_ns : int | None
        UNIX nanoseconds.
    rolled_from : str | None
        The structure this one replaced (a roll chain).

    """

    structure_id: str
    strategy_id: str
    underlying: str
    cycle: str
    status: str
    legs: tuple[StoredLeg, ...]
    credit: float = 0.0
    opened_ns: int | None = None
    closed_ns: int | None = None
    rolled_from: str | None = None


def default_store_path(trader_id: str) -> Path:
    """Return the default store file of a node: ``data/state/<trader_id>.sqlite``."""
    return Path("data") / "state" / f"{trader_id}.sqlite"


def new_id() -> str:
    """Return a fresh unique id (hex UUID4)."""
    return uuid.uuid4().hex


class StateStore:
    """The state store of one node.

    Parameters
    ----------
    path : str | Path
        The SQLite file (created with its folder), or ``":memory:"`` for a private in-memory
        store (backtests).
    synchronous : str, default "NORMAL"
        SQLite ``synchronous`` pragma: ``NORMAL`` (durable across a process kill) or ``FULL``
        (also across an OS crash or power loss).

    Raises
    ------
    sqlite3.DatabaseError
        If the file is not a SQLite database.
    ValueError
        If the file has a newer schema than this code knows.

    """

    def __init__(self, path: str | Path, synchronous: str = "NORMAL") -> None:
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError(f"synchronous was {synchronous!r}, not 'FULL' or 'NORMAL'")
        self.path = str(path)
        if self.path != MEMORY:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        self._depth = 0
        # Our components' clock callbacks run on the node's event loop
        # (strategies.toolkit.event_loop), yet the connection may be used from any thread:
        # one lock serialises it, held by a transaction until it commits.
        self._lock = threading.RLock()
        self._conn.execute("PRAGMA busy_timeout = 30000")
        if self.path != MEMORY:
            self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute(f"PRAGMA synchronous = {synchronous}")
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._fsync_journal = synchronous == "FULL"
        self._journal: WriteJournal | None = None
        # Client order ids of every intent in the file, loaded at the first journalled mint:
        # a journalled INSERT OR IGNORE cannot report a duplicate, so the store refuses it here.
        self._client_ids: set[str] | None = None
        self._flush_handle: asyncio.TimerHandle | None = None
        # Intent ids: a random prefix per open store and a counter (no getrandom per intent).
        self._id_prefix = new_id()[:24]
        self._id_counter = itertools.count()
        self._migrate()
        if self.path != MEMORY:
            replay_orphans(self._conn, self.path)

    # -- Plumbing ----------------------------------------------------------------------------

    def close(self) -> None:
        """Execute journalled writes, delete the write journal and close the connection."""
        self.flush()
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        self._conn.close()

    def flush(self) -> None:
        """Execute the journalled writes not yet in SQLite, in order, in one commit."""
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        if self._journal is None or self._journal.is_empty:
            return
        # The journal holds the pending writes (as lines only: nothing more stays alive).
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            for group in self._journal.groups():
                for sql, params in group:
                    self._conn.execute(sql, params)
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")
        self._journal.clear()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        """Number of migrations applied."""
        (version,) = self._conn.execute("PRAGMA user_version").fetchone()
        return int(version)

    def _migrate(self) -> None:
        with self.transaction():
            current = self.schema_version
            if current > len(MIGRATIONS):
                raise ValueError(
                    f"state store {self.path} has schema version {current}, newer than this "
                    f"Tradefly knows ({len(MIGRATIONS)})"
                )
            for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
                for statement in _statements(script):
                    self._conn.execute(statement)
                self._conn.execute(f"PRAGMA user_version = {version}")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes into one atomic commit (nesting joins the outer transaction).

        Another thread's writes wait until the transaction commits or rolls back.
        """
        with self._lock:
            if self._depth == 0:
                self._flush_locked()
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if self._depth == 0:
                self._conn.execute("COMMIT")

    def _write(self, sql: str, params: tuple[Any, ...]) -> int:
        # Outside a transaction one statement commits on its own (autocommit mode, atomic).
        with self._lock:
            self._flush_locked()
            return self._conn.execute(sql, params).rowcount

    def _read(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[Any]:
        with self._lock:
            self._flush_locked()
            return self._conn.execute(sql, params).fetchall()

    def _write_idempotent(self, *statements: Statement) -> None:
        """Make `statements` (idempotent ones) durable as one atomic group, journalled if live."""
        with self._lock:
            loop = self._journalling_loop()
            if loop is None:
                with self.transaction():
                    for sql, params in statements:
                        self._conn.execute(sql, params)
                return
            self._journal_write(loop, statements)

    def _journal_write(self, loop: asyncio.AbstractEventLoop, group: Sequence[Statement]) -> None:
        if self._journal is None:
            self._journal = WriteJournal(self.path, fsync=self._fsync_journal)
        self._journal.append(group)
        if self._flush_handle is None:
            self._flush_handle = loop.call_later(FLUSH_DELAY_S, self.flush)

    def _journalling_loop(self) -> asyncio.AbstractEventLoop | None:
        """Return the running loop when a write may be journalled (file store, no transaction)."""
        if self.path == MEMORY or self._depth:
            return None
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            return None

    # -- Order intents -----------------------------------------------------------------------

    def mint_intent(
        self,
        strategy_id: str,
        kind: str,
        client_order_id: str,
        instrument_id: str,
        ts_ns: int,
        structure_id: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> OrderIntent:
        """Write a new intent in state ``minted``; call before submitting its order.

        Durable against a process kill when it returns: committed to SQLite, or, on a live node,
        appended to the intent journal and committed moments later (see the module docstring).

        Raises
        ------
        sqlite3.IntegrityError
            If `client_order_id` already belongs to an intent.

        """
        intent = OrderIntent(
            intent_id=f"{self._id_prefix}{next(self._id_counter):08x}",
            strategy_id=strategy_id,
            kind=kind,
            structure_id=structure_id,
            client_order_id=client_order_id,
            instrument_id=instrument_id,
            state=IntentState.MINTED,
            created_ns=ts_ns,
            updated_ns=ts_ns,
            detail=dict(detail) if detail else {},
        )
        row = (
            intent.intent_id,
            strategy_id,
            kind,
            structure_id,
            client_order_id,
            instrument_id,
            IntentState.MINTED.value,
            ts_ns,
            ts_ns,
            _encode_json(intent.detail).decode(),
        )
        with self._lock:
            loop = self._journalling_loop()
            if loop is None:
                self._write(_INSERT_INTENT, row)
                if self._client_ids is not None:
                    self._client_ids.add(client_order_id)
                return intent
            if self._client_ids is None:
                rows = self._conn.execute("SELECT client_order_id FROM order_intents")
                self._client_ids = {row[0] for row in rows}  # no flush: it holds no intent
            if client_order_id in self._client_ids:
                raise sqlite3.IntegrityError(
                    f"UNIQUE constraint failed: order_intents.client_order_id ({client_order_id})"
                )
            self._journal_write(loop, [(_JOURNAL_INTENT, row)])
            self._client_ids.add(client_order_id)
            return intent

    def set_intent_state(self, client_order_id: str, state: IntentState, ts_ns: int) -> bool:
        """Move the intent of `client_order_id` to `state`; a final state never changes.

        Returns
        -------
        bool
            Whether the state changed.

        """
        finals = tuple(s.value for s in FINAL_INTENT_STATES)
        changed = self._write(
            "UPDATE order_intents SET state = ?, updated_ns = ? WHERE client_order_id = ? "  # noqa: S608
            f"AND state != ? AND state NOT IN ({', '.join('?' * len(finals))})",
            (state.value, ts_ns, client_order_id, state.value, *finals),
        )
        return changed > 0

    def set_intent_venue_order_id(self, client_order_id: str, venue_order_id: str) -> None:
        """Record the venue's id of an intent's order (``detail["venue_order_id"]``).

        A restart reads the order back from the venue by this id, also after the venue's list
        of recent orders has dropped it.
        """
        self._write(
            "UPDATE order_intents SET detail = json_set(detail, '$.venue_order_id', ?) "
            "WHERE client_order_id = ?",
            (venue_order_id, client_order_id),
        )

    def intent(self, client_order_id: str) -> OrderIntent | None:
        """Return the intent of a client order id, if any."""
        sql = "SELECT * FROM order_intents WHERE client_order_id = ?"
        rows = self._read(sql, (client_order_id,))
        return _intent(rows[0]) if rows else None

    def intents(self, strategy_id: str | None = None, open_only: bool = False) -> list[OrderIntent]:
        """Return intents (of one strategy, or all), oldest first; `open_only` skips final ones."""
        sql, params = "SELECT * FROM order_intents WHERE 1", []
        if strategy_id is not None:
            sql, params = sql + " AND strategy_id = ?", [strategy_id]
        if open_only:
            sql += f" AND {_OPEN_INTENTS}"
        rows = self._read(sql + " ORDER BY created_ns, client_order_id", params)
        return [_intent(row) for row in rows]

    # -- Structures --------------------------------------------------------------------------

    def save_structure(self, structure: StoredStructure) -> None:
        """Insert or replace a structure and its legs (one atomic write)."""
        row = (
            structure.structure_id,
            structure.strategy_id,
            structure.underlying,
            structure.cycle,
            structure.status,
            structure.credit,
            structure.opened_ns,
            structure.closed_ns,
            structure.rolled_from,
        )
        statements: list[Statement] = [
            (
                "INSERT OR REPLACE INTO structures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '{}')",
                row,
            ),
            ("DELETE FROM structure_legs WHERE structure_id = ?", (structure.structure_id,)),
        ]
        statements += [
            (
                "INSERT INTO structure_legs VALUES (?, ?, ?, ?, ?, ?)",
                (
                    structure.structure_id,
                    leg.instrument_id,
                    leg.side,
                    leg.ratio,
                    leg.quantity,
                    leg.position_id,
                ),
            )
            for leg in structure.legs
        ]
        self._write_idempotent(*statements)

    def update_structure(
        self,
        structure_id: str,
        status: str | None = None,
        credit: float | None = None,
        opened_ns: int | None = None,
        closed_ns: int | None = None,
    ) -> None:
        """Change the given fields of a stored structure (``None`` leaves a field as it is)."""
        self._write_idempotent(
            (
                "UPDATE structures SET status = COALESCE(?, status), credit = COALESCE(?, credit), "
                "opened_ns = COALESCE(?, opened_ns), closed_ns = COALESCE(?, closed_ns) "
                "WHERE structure_id = ?",
                (status, credit, opened_ns, closed_ns, structure_id),
            )
        )

    def set_leg_position(self, structure_id: str, instrument_id: str, position_id: str) -> None:
        """Record the position holding a leg."""
        self._write_idempotent(
            (
                "UPDATE structure_legs SET position_id = ? "
                "WHERE structure_id = ? AND instrument_id = ?",
                (position_id, structure_id, instrument_id),
            )
        )

    def structures(self, strategy_id: str, open_only: bool = True) -> list[StoredStructure]:
        """Return a strategy's structures (open ones by default), oldest first."""
        sql = "SELECT * FROM structures WHERE strategy_id = ?"
        params: list[Any] = [strategy_id]
        if open_only:
            sql += f" AND {_OPEN_STRUCTURES}"
        rows = self._read(sql + " ORDER BY rowid", params)
        return [self._structure(row) for row in rows]

    def roll_chain(self, structure_id: str) -> list[str]:
        """Return the ids of a structure's roll chain, the original first and `structure_id` last.

        A structure that was never rolled is a chain of one; an unknown id gives ``[]``.
        """
        rows = self._read(
            "WITH RECURSIVE chain(structure_id, rolled_from, depth) AS ("
            "SELECT structure_id, rolled_from, 0 FROM structures WHERE structure_id = ? "
            "UNION ALL SELECT s.structure_id, s.rolled_from, chain.depth + 1 "
            "FROM structures s JOIN chain ON s.structure_id = chain.rolled_from) "
            "SELECT structure_id FROM chain ORDER BY depth DESC",
            (structure_id,),
        )
        return [row[0] for row in rows]

    def strategies_with_open_structures(self) -> set[str]:
        """Return the ids of strategies holding open structures."""
        rows = self._read(
            f"SELECT DISTINCT strategy_id FROM structures WHERE {_OPEN_STRUCTURES}"  # noqa: S608
        )
        return {row[0] for row in rows}

    def _structure(self, row: tuple[Any, ...]) -> StoredStructure:
        legs = self._read(
            "SELECT instrument_id, side, quantity, ratio, position_id FROM structure_legs "
            "WHERE structure_id = ? ORDER BY rowid",
            (row[0],),
        )
        return StoredStructure(
            structure_id=row[0],
            strategy_id=row[1],
            underlying=row[2],
            cycle=row[3],
            status=row[4],
            credit=row[5],
            opened_ns=row[6],
            closed_ns=row[7],
            rolled_from=row[8],
            legs=tuple(StoredLeg(*leg) for leg in legs),
        )

    # -- Traded cycles -----------------------------------------------------------------------

    def mark_cycle_traded(self, strategy_id: str, cycle: str, structure_id: str) -> None:
        """Record that a strategy traded a cycle (expiration) with a structure."""
        self._write_idempotent(
            (
                "INSERT OR REPLACE INTO traded_cycles VALUES (?, ?, ?)",
                (strategy_id, cycle, structure_id),
            )
        )

    def release_cycle(self, strategy_id: str, structure_id: str) -> None:
        """Forget the cycle a structure marked traded (its entry never filled)."""
        self._write_idempotent(
            (
                "DELETE FROM traded_cycles WHERE strategy_id = ? AND structure_id = ?",
                (strategy_id, structure_id),
            )
        )

    def traded_cycles(self, strategy_id: str) -> set[str]:
        """Return the cycles a strategy has traded."""
        rows = self._read("SELECT cycle FROM traded_cycles WHERE strategy_id = ?", (strategy_id,))
        return {row[0] for row in rows}

    # -- Shares received by assignment or exercise -------------------------------------------

    def add_owned_shares(
        self, strategy_id: str, instrument_id: str, quantity: int, ts_ns: int
    ) -> None:
        """Add `quantity` (signed: negative for a short) shares a strategy received."""
        with self.transaction():
            self._write(
                "INSERT INTO owned_shares VALUES (?, ?, ?, ?) "
                "ON CONFLICT (strategy_id, instrument_id) DO UPDATE SET "
                "quantity = quantity + excluded.quantity, "
                "received_ns = MAX(received_ns, excluded.received_ns)",
                (strategy_id, instrument_id, quantity, ts_ns),
            )
            self._write("DELETE FROM owned_shares WHERE quantity = 0", ())

    def owned_shares(self, strategy_id: str) -> dict[str, tuple[int, int]]:
        """Return ``{instrument_id: (signed quantity, received_ns)}`` of a strategy's shares."""
        rows = self._read(
            "SELECT instrument_id, quantity, received_ns FROM owned_shares WHERE strategy_id = ?",
            (strategy_id,),
        )
        return {row[0]: (row[1], row[2]) for row in rows}

    def share_owners(self) -> list[tuple[str, str]]:
        """Return ``(strategy_id, instrument_id)`` of every strategy's shares, oldest first."""
        rows = self._read(
            "SELECT strategy_id, instrument_id FROM owned_shares ORDER BY received_ns", ()
        )
        return [(row[0], row[1]) for row in rows]

    # -- Option settlements booked ----------------------------------------------------------

    def book_settlement(self, name: str, strategy_id: str, ts_ns: int) -> bool:
        """Record that a strategy booked settlement order `name`; False if it already had."""
        return bool(
            self._write(
                "INSERT OR IGNORE INTO option_settlements VALUES (?, ?, ?)",
                (name, strategy_id, ts_ns),
            )
        )

    def booked_settlements(self) -> set[str]:
        """Return the names of the settlement orders strategies have booked."""
        return {row[0] for row in self._read("SELECT name FROM option_settlements", ())}

    # -- Wheel cycles ------------------------------------------------------------------------

    def save_wheel_cycle(
        self, strategy_id: str, cycle: int, record: dict[str, Any], ts_ns: int
    ) -> None:
        """Insert or replace cycle number `cycle` of a strategy's wheel (plain values)."""
        self._write(
            "INSERT OR REPLACE INTO wheel_cycles VALUES (?, ?, ?, ?)",
            (strategy_id, cycle, json.dumps(record), ts_ns),
        )

    def wheel_cycles(self, strategy_id: str) -> list[dict[str, Any]]:
        """Return the records of a strategy's wheel cycles, first cycle first."""
        rows = self._read(
            "SELECT record FROM wheel_cycles WHERE strategy_id = ? ORDER BY cycle", (strategy_id,)
        )
        return [json.loads(row[0]) for row in rows]

    # -- IV history ------------------------------------------------------------------------

    def save_session_iv(self, strategy_id: str, session: str, iv: float) -> None:
        """Keep a strategy's 30-day ATM IV (decimal per year) of a session (ISO date)."""
        sql = "INSERT OR REPLACE INTO session_ivs VALUES (?, ?, ?)"
        self._write_idempotent((sql, (strategy_id, session, iv)))

    def session_ivs(self, strategy_id: str) -> dict[str, float]:
        """Return a strategy's kept ATM IVs, ``{session ISO date: iv}``, oldest first."""
        rows = self._read(
            "SELECT session, iv FROM session_ivs WHERE strategy_id = ? ORDER BY session",
            (strategy_id,),
        )
        return {row[0]: row[1] for row in rows}

    # -- Node status ---------------------------------------------------------------------------

    def set_status(self, key: str, value: str, ts_ns: int) -> None:
        """Record a node status value (e.g. ``market_data: polling``)."""
        sql = "INSERT OR REPLACE INTO node_status VALUES (?, ?, ?)"
        self._write_idempotent((sql, (key, value, ts_ns)))

    def status(self) -> dict[str, tuple[str, int]]:
        """Return ``{key: (value, updated_ns)}``."""
        rows = self._read("SELECT key, value, updated_ns FROM node_status")
        return {row[0]: (row[1], row[2]) for row in rows}


def _statements(script: str) -> list[str]:
    """Split a migration into its SQL statements (a trigger's body keeps its semicolons)."""
    out: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                out.append(pending)
            pending = ""
    return out


def _intent(row: tuple[Any, ...]) -> OrderIntent:
    return OrderIntent(
        intent_id=row[0],
        strategy_id=row[1],
        kind=row[2],
        structure_id=row[3],
        client_order_id=row[4],
        instrument_id=row[5],
        state=IntentState(row[6]),
        created_ns=row[7],
        updated_ns=row[8],
        detail=json.loads(row[9]),
    )
