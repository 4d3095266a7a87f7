"""The commit of a staged catalog write: a journal, renames that can be rolled forward, repair.

A write stages its files in a sibling directory ``.<catalog>.staging-*`` (see
:func:`new_staging_dir`): new files under ``new/``, and, once the commit starts, the live
directories it replaces under ``old/``. Before the first rename the writer writes
:data:`JOURNAL_NAME` there (fsync'd, then renamed into place), listing every path to move.
:meth:`Commit.apply` then moves each staged path into the live catalog. It decides each step
from what is on disk, so it can run again after any interruption and completes what is left:
running it is rolling the write forward. The journal is removed once the renames are durable.

:func:`repair_staging` is what the next opening of the catalog runs (with the catalog locked,
see :mod:`catalog.access`): a staging directory holding a journal is rolled forward; one
without a journal never started its renames, so it is deleted and the catalog stays as it was.
Either way no staging directory remains. (A staging directory without a journal but with
``old/`` directories was left by a writer older than the journal: those directories are put
back where their live place is empty, so no stored data is lost, before it is deleted.)
"""

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from statestore.kill_points import kill_point

JOURNAL_NAME = "commit.json"
"""The journal's file name inside a staging directory."""

_STAGING_INFIX = ".staging-"


@dataclass(frozen=True, slots=True)
class Move:
    """One staged path (a file or a whole directory) to rename into the live catalog.

    Parameters
    ----------
    relative : Path
        The path relative to the catalog root (``.``: the whole catalog, when it is new).
    replaces : bool
        The live directory exists and is swapped out (else the path is new).

    """

    relative: Path
    replaces: bool


def new_staging_dir(target: Path) -> Path:
    """Create and return an empty staging directory for the catalog at `target`.

    Raises
    ------
    OSError
        If the directory cannot be created.

    """
    return Path(tempfile.mkdtemp(prefix=f".{target.name}{_STAGING_INFIX}", dir=target.parent))


def _staging_dirs(target: Path) -> list[Path]:
    """Return the staging directories of `target` (``mkdtemp`` adds 8 characters)."""
    if not target.parent.is_dir():
        return []
    name = re.compile(re.escape(f".{target.name}{_STAGING_INFIX}") + r"[a-z0-9_]{8}")
    return sorted(p for p in target.parent.iterdir() if name.fullmatch(p.name) and p.is_dir())


def fsync_path(path: Path) -> None:
    """Flush the file or directory at `path` to disk.

    Raises
    ------
    OSError
        If `path` cannot be opened or flushed.

    """
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    """Flush every directory under `root`, `root` and its parent to disk (files not included).

    Raises
    ------
    OSError
        If a directory cannot be opened or flushed.

    """
    for directory, _, _ in os.walk(root):
        fsync_path(Path(directory))
    fsync_path(root.parent)


class Commit:
    """Moves the paths staged under ``<scratch>/new`` into the catalog at `target`.

    A replacing move takes two renames: the live ``D`` to ``old/D``, then ``new/D`` to the
    live ``D``; a new file or directory takes one.

    Parameters
    ----------
    target : Path
        The catalog root.
    scratch : Path
        The staging directory.
    moves : list[Move]
        The paths to move, in order.
    files : int
        The Parquet files staged (what the repair notice counts).

    """

    def __init__(self, target: Path, scratch: Path, moves: list[Move], files: int) -> None:
        self._target = target
        self._scratch = scratch
        self._moves = moves
        self.files = files
        parents = {parent for m in moves for parent in m.relative.parents if parent != Path(".")}
        self._created = sorted(
            (p for p in parents if not (target / p).is_dir()),
            key=lambda p: len(p.parts),
            reverse=True,
        )
        self._renames = 0

    @classmethod
    def from_journal(cls, target: Path, scratch: Path) -> "Commit":
        """Return the commit the journal in `scratch` describes.

        Raises
        ------
        OSError
            If the journal cannot be read.
        ValueError
            If the journal is not one :meth:`write_journal` wrote.

        """
        text = (scratch / JOURNAL_NAME).read_text()
        try:
            journal = json.loads(text)
            moves = [Move(Path(m["path"]), bool(m["replaces"])) for m in journal["moves"]]
            files = int(journal["files"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"unreadable commit journal {scratch / JOURNAL_NAME}: {exc}") from exc
        return cls(target, scratch, moves, files)

    def _paths(self, move: Move) -> tuple[Path, Path, Path]:
        """Return the live, old and new places of `move`."""
        live = self._target / move.relative
        return live, self._scratch / "old" / move.relative, self._scratch / "new" / move.relative

    def write_journal(self) -> None:
        """Write the journal of this commit durably and atomically; then the hook's point 0.

        Raises
        ------
        OSError
            If the journal cannot be written.

        """
        moves = [{"path": str(m.relative), "replaces": m.replaces} for m in self._moves]
        partial = self._scratch / f"{JOURNAL_NAME}.partial"
        with partial.open("w") as handle:
            json.dump({"files": self.files, "moves": moves}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, self._scratch / JOURNAL_NAME)
        fsync_path(self._scratch)
        self._crash_point()

    def apply(self) -> None:
        """Move every staged path still staged into place (rolls an interrupted commit forward).

        Raises
        ------
        OSError
            If a rename fails.

        """
        for move in self._moves:
            live, old, new = self._paths(move)
            if not new.exists():
                continue  # moved in already
            if move.replaces and live.exists() and not old.exists():
                old.parent.mkdir(parents=True, exist_ok=True)
                self._rename(live, old)
            live.parent.mkdir(parents=True, exist_ok=True)
            self._rename(new, live)

    def finish(self) -> None:
        """Flush the renames to disk, then remove the journal: the commit is complete.

        Raises
        ------
        OSError
            If a directory cannot be flushed.

        """
        changed = {(self._target / m.relative).parent for m in self._moves}
        changed.update((self._target / p).parent for p in self._created)
        for directory in sorted(changed):
            fsync_path(directory)
        (self._scratch / JOURNAL_NAME).unlink(missing_ok=True)

    def rollback(self) -> None:
        """Restore every path to its state before :meth:`apply` and remove the journal.

        Works from what is on disk, so it is right wherever an in-process failure landed.
        """
        for move in self._moves:
            live, old, new = self._paths(move)
            if move.replaces:
                if old.exists():
                    if live.exists():
                        live.rename(new)
                    old.rename(live)
            elif live.exists() and not new.exists():
                live.rename(new)
        for parent in self._created:  # deepest first
            if (self._target / parent).is_dir():
                (self._target / parent).rmdir()
        (self._scratch / JOURNAL_NAME).unlink(missing_ok=True)

    def remove_staging(self) -> None:
        """Delete the staging directory, unless it still holds the journal.

        The journal stays only when :meth:`rollback` failed; the next repair then rolls the
        write forward.
        """
        if not (self._scratch / JOURNAL_NAME).exists():
            shutil.rmtree(self._scratch, ignore_errors=True)

    def _rename(self, source: Path, destination: Path) -> None:
        source.rename(destination)
        self._renames += 1
        self._crash_point()

    def _crash_point(self) -> None:
        kill_point(f"catalog.commit.renames.{self._renames}")  # test-only (statestore.kill_points)


@dataclass(frozen=True, slots=True)
class Repair:
    """An interrupted write that :func:`repair_staging` completed or discarded.

    Parameters
    ----------
    files : int
        Parquet files the write had staged.
    rolled_forward : bool
        The write had begun its renames and was completed (else it was discarded and the
        catalog is as before it).
    restored : int, default 0
        Live directories put back from ``old/`` of a staging directory without a journal (left
        by a writer older than the journal, which moved them out before its renames).

    """

    files: int
    rolled_forward: bool
    restored: int = 0

    def message(self) -> str:
        """Return the one-line notice for the user."""
        how = "rolled forward" if self.rolled_forward else "rolled back"
        if self.restored:
            how += f", {self.restored} directories restored"
        return f"catalog: repaired an interrupted write of {self.files} files ({how})"


def _restore_moved_out(target: Path, old: Path) -> int:
    """Put back each directory under `old` whose live place is empty; return how many."""
    moved_out = [
        Path(directory)
        for directory, _, names in os.walk(old)
        if any(name.endswith(".parquet") for name in names)
    ]
    restored = 0
    for directory in moved_out:
        live = target / directory.relative_to(old)
        if not live.exists():
            live.parent.mkdir(parents=True, exist_ok=True)
            directory.rename(live)
            restored += 1
    return restored


def repair_staging(target: Path) -> list[Repair]:
    """Complete or discard every interrupted write of the catalog at `target`.

    The caller holds the catalog's lock (no write is running).

    Returns
    -------
    list[Repair]
        One per staging directory found, in name order (empty: nothing was interrupted).

    Raises
    ------
    OSError
        If a rename or deletion fails (the staging directory stays, to be repaired later).
    ValueError
        If a journal is unreadable.

    """
    repairs = []
    for scratch in _staging_dirs(target):
        if (scratch / JOURNAL_NAME).exists():
            commit = Commit.from_journal(target, scratch)
            commit.apply()
            commit.finish()
            repair = Repair(commit.files, rolled_forward=True)
        else:
            files = sum(1 for _ in (scratch / "new").rglob("*.parquet"))
            restored = _restore_moved_out(target, scratch / "old")
            repair = Repair(files, rolled_forward=False, restored=restored)
        shutil.rmtree(scratch)
        repairs.append(repair)
    return repairs
