"""An append-only file that makes a minted intent durable before SQLite has it.

On the live decision path a SQLite commit (about 50-100 µs inside a running node) sits between
a quote and its order. Instead, :class:`IntentJournal` appends the intent's row to a file of its
own (one ``os.write`` of one JSON line, a few µs) and the store inserts the rows into SQLite
moments later, off that path. The journal line is written before the order can be submitted,
so an order never leaves without its intent on disk: after a SIGKILL at any instant the next
store to open the database replays the dead process's journal into SQLite (a line cut short by
the kill was never acknowledged to the caller, so no order followed it). With
``synchronous=FULL`` each line is also fsynced, as SQLite would have done.

Each journal belongs to one open store and holds an exclusive ``flock`` for its life; a store
that opens the database replays and deletes only journals it can lock, i.e. those of stores
whose process has ended (the kernel drops the lock of a killed process). A journal is created
under a temporary name and renamed once locked, so no replayer can take a journal that a live
store is about to use.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import sqlite3
import uuid
from collections.abc import Sequence
from typing import Any

_SUFFIX = ".jsonl"
_TEMP = ".tmp"


def _pattern(db_path: str) -> str:
    return f"{glob.escape(db_path)}-intents-*{_SUFFIX}"


class IntentJournal:
    """The open journal of one store.

    Parameters
    ----------
    db_path : str
        The SQLite file the journal belongs to (the journal lives next to it).
    fsync : bool
        Whether each append is fsynced (``synchronous=FULL``).

    """

    def __init__(self, db_path: str, fsync: bool) -> None:
        self._fsync = fsync
        stem = f"{db_path}-intents-{uuid.uuid4().hex}"
        temp = stem + _TEMP
        self._fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        self.path = stem + _SUFFIX
        os.rename(temp, self.path)
        if fsync:
            _fsync_folder(self.path)

    def append(self, row: Sequence[Any]) -> None:
        """Write one intent row as one line; durable against a process kill when it returns."""
        os.write(self._fd, json.dumps(row, separators=(",", ":")).encode() + b"\n")
        if self._fsync:
            os.fsync(self._fd)

    def clear(self) -> None:
        """Empty the journal (every row it held is committed in SQLite)."""
        os.ftruncate(self._fd, 0)

    def close(self) -> None:
        """Delete the journal (call only once SQLite holds every row) and drop its lock."""
        os.unlink(self.path)
        os.close(self._fd)


def replay_orphans(conn: sqlite3.Connection, db_path: str, insert_sql: str) -> int:
    """Insert the rows of journals left by ended processes, then delete those journals.

    Parameters
    ----------
    conn : sqlite3.Connection
        The store's connection, in autocommit mode and outside a transaction.
    db_path : str
        The SQLite file.
    insert_sql : str
        An ``INSERT OR IGNORE`` statement taking one journal row (replay is idempotent: a row
        that reached SQLite before the kill is skipped).

    Returns
    -------
    int
        Rows read from orphaned journals.

    """
    replayed = 0
    for path in sorted(glob.glob(_pattern(db_path))):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:  # another store replayed it meanwhile
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # a live store's journal
                continue
            if not os.path.exists(path):  # replayed and deleted before we locked it
                continue
            rows = _complete_rows(path)
            if rows:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    conn.executemany(insert_sql, rows)
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            os.unlink(path)
            replayed += len(rows)
        finally:
            os.close(fd)
    return replayed


def _complete_rows(path: str) -> list[list[Any]]:
    with open(path, "rb") as journal:
        data = journal.read()
    # The last line is torn if the process died inside its write: that append never returned,
    # so no order was submitted for it.
    lines = data.split(b"\n")[:-1]
    return [json.loads(line) for line in lines if line]


def _fsync_folder(path: str) -> None:
    fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
