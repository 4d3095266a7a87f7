"""An append-only file that makes a store write durable before SQLite has it.

On the live decision path a SQLite commit (about 50-100 µs inside a running node) would sit
between a quote and its order. Instead the store appends the write's statements to a journal
file of its own (:class:`WriteJournal`: one JSON line copied into the memory-mapped file, no
system call) and
executes them in SQLite moments later, off that path. The line is written before the call
returns, so an order never leaves before its intent is on disk: after a SIGKILL at any instant
the next store to open the database replays the dead process's journal (a line cut short by
the kill belongs to a call that never returned, so nothing followed it). With
``synchronous=FULL`` each line is also synced to the disk (``msync``), as SQLite would have done.

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
import mmap
import os
import sqlite3
import uuid
from collections.abc import Sequence
from typing import Any

import msgspec

Statement = tuple[str, tuple[Any, ...]]
"""One SQL statement and its parameters (str, int, float or None: JSON round-trips them)."""

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode
_NEWLINE = 0x0A
_CAPACITY = 1 << 20  # bytes; doubled when a burst of writes outgrows it
_SUFFIX = ".jsonl"
_TEMP = ".tmp"


def _pattern(db_path: str) -> str:
    return f"{glob.escape(db_path)}-pending-*{_SUFFIX}"


class WriteJournal:
    """The open journal of one store.

    The file is memory-mapped (``MAP_SHARED``), so an append is a copy into the page cache with
    no system call; the kernel writes it to the file whether or not the process lives on. It
    is preallocated with zero bytes: its content ends at the first zero byte, and only lines
    ending in a newline count (the newline is copied last).

    Parameters
    ----------
    db_path : str
        The SQLite file the journal belongs to (the journal lives next to it, named
        ``<db_path>-pending-<id>.jsonl``).
    fsync : bool
        Whether each append is synced to the disk (``msync``; ``synchronous=FULL``).

    """

    def __init__(self, db_path: str, fsync: bool) -> None:
        self._fsync = fsync
        stem = f"{db_path}-pending-{uuid.uuid4().hex}"
        temp = stem + _TEMP
        self._fd = os.open(temp, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        os.write(self._fd, bytes(_CAPACITY))  # real zeroed pages, so appends never fault them in
        self._map = mmap.mmap(self._fd, _CAPACITY, flags=mmap.MAP_SHARED | mmap.MAP_POPULATE)
        self._end = 0
        self.path = stem + _SUFFIX
        os.rename(temp, self.path)
        if fsync:
            os.fsync(self._fd)
            _fsync_folder(self.path)

    def append(self, statements: Sequence[Statement]) -> None:
        """Write one atomic group of statements as one line; durable against a kill on return."""
        line = _encode(statements)
        end = self._end + len(line) + 1
        if end > len(self._map):
            self._grow(end)
        self._map[self._end : end - 1] = line
        self._map[end - 1] = _NEWLINE  # last: a line without it was cut short by a kill
        self._end = end
        if self._fsync:
            self._map.flush()

    def groups(self) -> list[list[list[Any]]]:
        """Return the statement groups written since the last :meth:`clear`, in order."""
        return _decode_lines(self._map[: self._end])

    @property
    def is_empty(self) -> bool:
        """Whether nothing was written since the last :meth:`clear`."""
        return self._end == 0

    def clear(self) -> None:
        """Empty the journal (SQLite holds everything it held)."""
        self._map[: self._end] = bytes(self._end)
        self._end = 0

    def close(self) -> None:
        """Delete the journal (call only once SQLite holds everything) and drop its lock."""
        os.unlink(self.path)
        self._map.close()
        os.close(self._fd)

    def _grow(self, needed: int) -> None:
        self._map.resize(max(2 * len(self._map), needed))  # the file grows with the map


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
        return _decode_lines(journal.read())


def _decode_lines(data: bytes) -> list[list[list[Any]]]:
    # The content ends at the first zero byte, and its last line is torn if the process died
    # inside its append: that call never returned.
    lines = data.split(b"\0", 1)[0].split(b"\n")[:-1]
    return [_decode(line) for line in lines if line]


def _fsync_folder(path: str) -> None:
    fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
