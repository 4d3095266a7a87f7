"""An append-only file that makes a store write durable before SQLite has it.

On the live decision path a SQLite commit (about 50-100 µs inside a running node) would sit
between a quote and its order. Instead the store appends the write's statements to a journal
file of its own (:class:`WriteJournal`: one ``os.write`` of one JSON line, a few µs) and
executes them in SQLite moments later, off that path. The line is written before the call
returns, so an order never leaves before its intent is on disk: after a SIGKILL at any instant
the next store to open the database replays the dead process's journal (a line cut short by
the kill belongs to a call that never returned, so nothing followed it). With
``synchronous=FULL`` each line is also fsynced, as SQLite would have done.

A journalled write must be idempotent (``INSERT OR IGNORE``, ``INSERT OR REPLACE``, ``UPDATE
... SET col = value``): a kill between the store's commit and its emptying of the journal makes
the next store replay lines SQLite already holds, and since nothing was written after them,
executing them again leaves the same state.

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
from typing import Any

Statement = tuple[str, tuple[Any, ...]]
"""One SQL statement and its parameters (str, int, float or None: JSON round-trips them)."""

_SUFFIX = ".jsonl"
_TEMP = ".tmp"


def _pattern(db_path: str) -> str:
    return f"{glob.escape(db_path)}-pending-*{_SUFFIX}"


class WriteJournal:
    """The open journal of one store.

    Parameters
    ----------
    db_path : str
        The SQLite file the journal belongs to (the journal lives next to it, named
        ``<db_path>-pending-<id>.jsonl``).
    fsync : bool
        Whether each append is fsynced (``synchronous=FULL``).

    """

    def __init__(self, db_path: str, fsync: bool) -> None:
        self._fsync = fsync
        stem = f"{db_path}-pending-{uuid.uuid4().hex}"
        temp = stem + _TEMP
        self._fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        self.path = stem + _SUFFIX
        os.rename(temp, self.path)
        if fsync:
            _fsync_folder(self.path)

    def append(self, statements: list[Statement]) -> None:
        """Write one atomic group of statements as one line; durable against a kill on return."""
        os.write(self._fd, json.dumps(statements, separators=(",", ":")).encode() + b"\n")
        if self._fsync:
            os.fsync(self._fd)

    def clear(self) -> None:
        """Empty the journal (SQLite holds everything it held)."""
        os.ftruncate(self._fd, 0)

    def close(self) -> None:
        """Delete the journal (call only once SQLite holds everything) and drop its lock."""
        os.unlink(self.path)
        os.close(self._fd)


def replay_orphans(conn: sqlite3.Connection, db_path: str) -> int:
    """Execute the lines of journals left by ended processes, then delete those journals.

    Parameters
    ----------
    conn : sqlite3.Connection
        The store's connection, in autocommit mode and outside a transaction.
    db_path : str
        The SQLite file.

    Returns
    -------
    int
        Lines replayed (each in order; one transaction per journal).

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
            groups = _complete_lines(path)
            if groups:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    for group in groups:
                        for sql, params in group:
                            conn.execute(sql, params)
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            os.unlink(path)
            replayed += len(groups)
        finally:
            os.close(fd)
    return replayed


def _complete_lines(path: str) -> list[list[list[Any]]]:
    with open(path, "rb") as journal:
        data = journal.read()
    # The last line is torn if the process died inside its write: that call never returned.
    lines = data.split(b"\n")[:-1]
    return [json.loads(line) for line in lines if line]


def _fsync_folder(path: str) -> None:
    fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
