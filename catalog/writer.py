"""Atomic, idempotent writes of instruments and market data into a ``ParquetDataCatalog``.

:func:`write_to_catalog` is the only way Tradefly writes to the catalog. Nautilus stores each
data type and identifier (instrument ID, or bar type for bars) in its own directory
``data/<type>/<identifier>/``; the writer works directory by directory, in three phases.

Plan (read-only)
    For a directory that already has files, the stored rows are read back and new rows
    identical to a stored row (same type, identifier, ``ts_init`` and every value) are
    dropped, as are repeats within the input. If nothing new remains anywhere, the call ends
    here and the catalog is not touched: writing the same data twice adds nothing.

Stage
    Each changed directory is written in full (stored rows plus new ones, sorted by
    ``ts_init``, one file) into a fresh catalog in a sibling staging directory
    ``.<name>.staging-*``. Nautilus ``write_data`` refuses files with overlapping intervals,
    hence the rewrite rather than an extra file. The live catalog is not touched.

Commit
    Each changed live directory is renamed into the staging area and its staged replacement
    renamed into place (into an empty catalog, the staged catalog is renamed in one go). If
    anything fails or is interrupted (``KeyboardInterrupt`` included) at any point, every move
    is undone from what is on disk and the staging directory removed, so the catalog is
    exactly as before; the staging directory is removed after success too. Only a crash of
    the process itself during the commit (two renames per changed directory) could leave some
    directories new and others old; each directory is always complete, and running the same
    ingest again completes it.

The work is proportional to the directories changed, not to the catalog's size. Planning and
staging use :data:`WRITE_THREADS` threads (Parquet I/O releases the GIL). One writer at a
time: concurrent writers to one catalog are not coordinated.
"""

import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, fields
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from nautilus_trader.core.data import Data
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.persistence.catalog import ParquetDataCatalog
from nautilus_trader.persistence.funcs import class_to_filename, urisafe_identifier
from nautilus_trader.serialization.arrow.serializer import ArrowSerializer

WriteProgress = Callable[[int], object]
"""Called with the number of input objects just handled (a ``tqdm.update``)."""

WRITE_THREADS = 2
"""Worker threads reading and writing catalog directories (our machines have 2 cores)."""

_NAN = "NaN"  # stands for float NaN in row keys, since NaN != NaN


@dataclass(frozen=True, slots=True)
class WriteStats:
    """What :func:`write_to_catalog` did.

    Parameters
    ----------
    rows_written : int
        Data rows (quotes, greeks, bars, ...) newly stored.
    rows_already_present : int
        Data rows not stored because an identical row was already in the catalog or earlier
        in the same input.
    instruments_written : int
        Instrument definitions newly stored.
    instruments_already_present : int
        Instrument definitions identical to a stored (or earlier input) one.
    conflicting_rows : int
        Of the rows and instruments written, those whose type, identifier and ``ts_init``
        equal those of another stored row with different values (e.g. one day's bar from two
        vendors). Both rows are kept.

    """

    rows_written: int = 0
    rows_already_present: int = 0
    instruments_written: int = 0
    instruments_already_present: int = 0
    conflicting_rows: int = 0


@dataclass(frozen=True, slots=True)
class _Group:
    data_cls: type
    identifier: str | None
    new: list[Data]

    @property
    def relative_dir(self) -> Path:
        """Return the group's directory relative to the catalog root (Nautilus's layout)."""
        directory = Path("data", str(class_to_filename(self.data_cls)))
        if self.identifier is None:
            return directory
        return directory / str(urisafe_identifier(self.identifier))


@dataclass(frozen=True, slots=True)
class _Plan:
    rows: list[Data]  # the directory's full new content sorted by ts_init; empty: no change
    written: int
    present: int
    conflicts: int


def _identifier(obj: Data) -> str | None:
    """Return the identifier Nautilus files `obj` under (same rule as ``write_data``)."""
    if isinstance(obj, Instrument):
        return str(obj.id.value)
    if hasattr(obj, "bar_type"):
        return str(obj.bar_type)
    if hasattr(obj, "instrument_id"):
        return str(obj.instrument_id.value)
    return None


def _groups(data: Sequence[Data]) -> list[_Group]:
    by_key: dict[tuple[type, str | None], list[Data]] = {}
    for obj in data:
        if not isinstance(obj, Data):
            raise TypeError(f"catalog data must be Nautilus Data or Instrument, was {type(obj)}")
        by_key.setdefault((type(obj), _identifier(obj)), []).append(obj)
    return [
        _Group(data_cls, identifier, sorted(new, key=lambda obj: obj.ts_init))
        for (data_cls, identifier), new in sorted(
            by_key.items(), key=lambda item: (item[0][0].__name__, item[0][1] or "")
        )
    ]


def _row_keys(table: pa.Table, columns: Sequence[str]) -> list[tuple[Hashable, ...]]:
    """Return one hashable tuple per row of `table` over `columns` (NaN made comparable)."""
    values = []
    for name in columns:
        column = table.column(name).to_pylist()
        if pa.types.is_floating(table.schema.field(name).type):
            column = [_NAN if value is not None and value != value else value for value in column]
        values.append(column)
    return list(zip(*values, strict=True))


def _deserialize(data_cls: type, table: pa.Table) -> list[Data]:
    """Read stored rows back as objects of `data_cls` (Rust-backed types come back as pyo3)."""
    objects: list[Data] = ArrowSerializer.deserialize(data_cls, table)
    if not objects or isinstance(objects[0], data_cls):
        return objects
    from_pyo3_list = getattr(data_cls, "from_pyo3_list", None)
    if from_pyo3_list is not None:
        return list(from_pyo3_list(objects))
    from_pyo3 = data_cls.from_pyo3  # type: ignore[attr-defined]
    return [from_pyo3(obj) for obj in objects]


def _plan(root: Path, group: _Group) -> _Plan:
    """Work out the new content of one group's directory from the catalog at `root`."""
    directory = root / group.relative_dir
    files = sorted(directory.glob("*.parquet")) if directory.is_dir() else []
    stored = (
        pa.concat_tables([pq.ParquetFile(path).read(use_threads=False) for path in files])
        if files
        else None
    )
    stored_ts = set(stored.column("ts_init").to_pylist()) if stored is not None else set()
    new = group.new
    new_ts = [obj.ts_init for obj in new]

    if stored_ts.isdisjoint(new_ts) and len(set(new_ts)) == len(new_ts):
        fresh = new  # no row shares a ts_init with another, so none can be a duplicate
        conflicts = 0
    else:
        batch = ArrowSerializer.serialize_batch(new, data_cls=group.data_cls)
        table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
        seen = set(_row_keys(stored, table.column_names)) if stored is not None else set()
        used_ts = set(stored_ts)
        fresh = []
        conflicts = 0
        for obj, key in zip(new, _row_keys(table, table.column_names), strict=True):
            if key in seen:
                continue
            seen.add(key)
            fresh.append(obj)
            conflicts += obj.ts_init in used_ts
            used_ts.add(obj.ts_init)
    present = len(new) - len(fresh)
    if not fresh:
        return _Plan([], 0, present, 0)
    rows = fresh
    if stored is not None:
        rows = sorted([*_deserialize(group.data_cls, stored), *fresh], key=lambda o: o.ts_init)
    return _Plan(rows, len(fresh), present, conflicts)


def _in_threads[T, R](
    tasks: Sequence[T], work: Callable[[T], R], on_done: Callable[[T, R], None]
) -> list[R]:
    """Run `work` over `tasks` in :data:`WRITE_THREADS` threads; `on_done` runs in this thread.

    On any exception (a worker's, or ``KeyboardInterrupt`` here) the workers stop after their
    current task and the exception propagates once they have.
    """
    stop = threading.Event()
    finished: queue.SimpleQueue[tuple[int, R]] = queue.SimpleQueue()
    results: dict[int, R] = {}

    def run(first: int) -> None:
        for index in range(first, len(tasks), WRITE_THREADS):
            if stop.is_set():
                return
            finished.put((index, work(tasks[index])))

    def collect() -> None:
        while not finished.empty():
            index, result = finished.get()
            results[index] = result
            on_done(tasks[index], result)

    with ThreadPoolExecutor(WRITE_THREADS, thread_name_prefix="catalog-writer") as pool:
        pending = {pool.submit(run, first) for first in range(WRITE_THREADS)}
        try:
            while pending:
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_EXCEPTION)
                collect()
                for future in done:
                    future.result()  # re-raises a worker's exception
        except BaseException:
            stop.set()  # leaving the pool's block then waits for the workers
            raise
    collect()
    return [results[index] for index in range(len(tasks))]


def _stage(staging: Path, work: list[tuple[_Group, _Plan]], progress: WriteProgress | None) -> None:
    """Write the planned directories into a fresh catalog at `staging`."""
    local = threading.local()

    def apply(item: tuple[_Group, _Plan]) -> None:
        if not hasattr(local, "catalog"):
            local.catalog = ParquetDataCatalog(str(staging))
        local.catalog.write_data(item[1].rows, skip_disjoint_check=True)

    def done(item: tuple[_Group, _Plan], _: None) -> None:
        if progress is not None:
            progress(len(item[0].new))

    _in_threads(work, apply, done)


class _Commit:
    """Moves staged directories into the live catalog; undoes every move on failure.

    Each directory ``D`` moves in two renames: the live ``D`` (if any) to ``old/D``, then
    ``new/D`` to the live ``D``. :meth:`rollback` works from what is on disk, not from a log
    of moves, so it is right wherever an interruption landed.
    """

    def __init__(self, target: Path, scratch: Path, directories: list[Path]) -> None:
        self._target = target
        self._new = scratch / "new"
        self._old = scratch / "old"
        self._directories = directories
        self._existed = {d for d in directories if (target / d).is_dir()}
        parents = {parent for d in directories for parent in d.parents if parent != Path(".")}
        self._created = sorted(
            (p for p in parents if not (target / p).is_dir()),
            key=lambda p: len(p.parts),
            reverse=True,
        )

    def run(self) -> None:
        """Move every staged directory into place."""
        for directory in self._directories:
            live = self._target / directory
            if directory in self._existed:
                (self._old / directory).parent.mkdir(parents=True, exist_ok=True)
                live.rename(self._old / directory)
            live.parent.mkdir(parents=True, exist_ok=True)
            (self._new / directory).rename(live)

    def rollback(self) -> None:
        """Restore every directory to its state before :meth:`run`."""
        for directory in self._directories:
            live, old = self._target / directory, self._old / directory
            if directory in self._existed:
                if old.exists():
                    if live.exists():
                        live.rename(self._new / directory)
                    old.rename(live)
            elif live.exists():
                live.rename(self._new / directory)
        for parent in self._created:  # deepest first
            if (self._target / parent).is_dir():
                (self._target / parent).rmdir()


def write_to_catalog(
    catalog_dir: Path,
    data: Sequence[Instrument | Data],
    progress: WriteProgress | None = None,
) -> WriteStats:
    """Write instruments and data into the catalog at `catalog_dir`, atomically and idempotently.

    See the module docstring for how atomicity and idempotency are achieved.

    Parameters
    ----------
    catalog_dir : Path
        The catalog root (created, with its parents, if missing).
    data : Sequence[Instrument | Data]
        Instruments, ``QuoteTick``, ``OptionGreeks``, ``Bar`` (any Nautilus type the catalog
        stores under a per-instrument or per-bar-type directory), in any order.
    progress : WriteProgress, optional
        Called from the calling thread with the number of input objects handled (each
        object is reported once; the total is ``len(data)``).

    Returns
    -------
    WriteStats
        Rows and instruments written and already present.

    Raises
    ------
    TypeError
        If an element of `data` is not a Nautilus ``Data``.
    NotADirectoryError
        If `catalog_dir` exists and is not a directory.
    Exception
        Whatever Nautilus or the file system raised; the catalog is then unchanged.

    """
    groups = _groups(data)
    target = Path(os.path.abspath(catalog_dir))
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"catalog path was not a directory: {target}")

    def planned(group: _Group, plan: _Plan) -> None:
        if progress is not None and not plan.rows:
            progress(len(group.new))

    plans = _in_threads(groups, lambda group: _plan(target, group), planned)
    stats = {field.name: 0 for field in fields(WriteStats)}
    for group, plan in zip(groups, plans, strict=True):
        kind = "instruments" if issubclass(group.data_cls, Instrument) else "rows"
        stats[f"{kind}_written"] += plan.written
        stats[f"{kind}_already_present"] += plan.present
        stats["conflicting_rows"] += plan.conflicts
    work = [(group, plan) for group, plan in zip(groups, plans, strict=True) if plan.rows]
    if not work:
        return WriteStats(**stats)

    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
    try:
        _stage(scratch / "new", work, progress)
        if not target.exists():
            (scratch / "new").rename(target)
        else:
            commit = _Commit(target, scratch, [group.relative_dir for group, _ in work])
            try:
                commit.run()
            except BaseException:
                commit.rollback()
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return WriteStats(**stats)
