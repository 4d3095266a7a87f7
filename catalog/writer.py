"""Atomic, idempotent writes of instruments and market data into a ``ParquetDataCatalog``.

:func:`write_to_catalog` is the only way Tradefly writes to the catalog. Nautilus stores each
data type and identifier (instrument ID, or bar type for bars) in its own directory
``data/<type>/<identifier>/`` of Parquet files named by the interval of ``ts_init`` they hold.
Input arrives as Nautilus objects, as Arrow tables already in Nautilus's stored layout
(:class:`CatalogTable`, e.g. from :mod:`catalog.nautilus_tables`), or both. The writer works
directory by directory, in three phases.

Plan (read-only)
    New rows identical to a stored row (same type, identifier, ``ts_init`` and every value)
    are dropped, as are repeats within the input. For market data and instruments
    (:data:`ONE_ROW_PER_TIMESTAMP`), a new row with the ``ts_init`` of a stored (or earlier
    input) row but other values is refused and counted as conflicting: the stored row stays,
    so a replay never sees two versions of one bar or quote (delete the directory and ingest
    again to replace data). Custom data may hold many rows at one time (news articles,
    statements) and keeps them all. If nothing new remains anywhere, the call
    ends here and the catalog is not touched: writing the same data twice adds nothing. When
    the new rows' interval overlaps no stored file, they become one more file (an append);
    otherwise the directory is rewritten as one file of stored and new rows sorted by
    ``ts_init`` (Nautilus refuses files with overlapping intervals).

Stage
    The new files are written and fsync'd into a sibling staging directory
    ``.<name>.staging-*``, in Nautilus's layout and file naming. The live catalog is not
    touched.

Commit
    A journal listing every path to move is written durably into the staging directory
    (:mod:`catalog.commit`). Then each appended file is renamed into its live directory; each
    rewritten directory is renamed into the staging area and its staged replacement renamed
    into place; a new directory is renamed into place (into an empty catalog, the staged
    catalog is renamed in one go). Once the renames are on disk the journal is removed and
    the staging directory deleted. If anything fails or is interrupted in the process
    (``KeyboardInterrupt`` included), every move is undone from what is on disk and the
    staging directory removed, so the catalog is exactly as before. If the process dies
    (``SIGKILL``, power loss), the next write or :func:`catalog.access.open_catalog` of the
    catalog finds the staging directory: with a journal it completes the renames (rolls the
    write forward), without one it deletes it (the catalog had not been touched), and says
    so in one line.

The work is proportional to the directories changed, not to the catalog's size. Planning and
staging use :data:`WRITE_THREADS` threads (Parquet I/O releases the GIL). A write holds the
catalog's lock (:func:`catalog.access.catalog_lock`) from its repair to its end, so
concurrent writers wait for each other.
"""

import os
import queue
import shutil
import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from nautilus_trader.core.data import Data
from nautilus_trader.model.data import Bar, OptionGreeks, QuoteTick, TradeTick
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.persistence.catalog.parquet import (
    _parse_filename_timestamps,
    _timestamps_to_filename,
)
from nautilus_trader.persistence.funcs import class_to_filename, urisafe_identifier
from nautilus_trader.serialization.arrow.serializer import ArrowSerializer

from catalog.access import catalog_lock, repair_locked
from catalog.commit import Commit, Move, fsync_path, fsync_tree, new_staging_dir
from options.option_volume import OptionVolume

WriteProgress = Callable[[int], object]
"""Called with the number of input rows just handled (a ``tqdm.update``)."""

WRITE_THREADS = 2
"""Worker threads reading and writing catalog directories (our machines have 2 cores)."""

ROW_GROUP_SIZE = 5_000
"""Rows per Parquet row group, as ``ParquetDataCatalog.max_rows_per_group`` defaults."""

ONE_ROW_PER_TIMESTAMP: tuple[type, ...] = (
    Bar,
    QuoteTick,
    TradeTick,
    OptionGreeks,
    OptionVolume,
    Instrument,
)
"""Types with at most one version of a row per identifier and ``ts_init``."""

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
        Market data rows and instruments not written because a stored row (or an earlier one
        of the same input) has the same type, identifier and ``ts_init`` but other values, e.g.
        one day's bar from two vendors. The stored row is kept.
    derived_rows_written : int
        Rows of the write's `derived_types` (records computed from the data, such as the
        vendor-greeks audit) newly stored; not counted in the fields above.

    """

    rows_written: int = 0
    rows_already_present: int = 0
    instruments_written: int = 0
    instruments_already_present: int = 0
    conflicting_rows: int = 0
    derived_rows_written: int = 0


@dataclass(frozen=True, slots=True)
class CatalogTable:
    """Rows for one catalog directory, as an Arrow table in Nautilus's stored layout.

    Parameters
    ----------
    data_cls : type
        The Nautilus class the rows decode to (``QuoteTick``, ``OptionGreeks``, an
        ``Instrument`` subclass, ...); names the directory ``data/<type>/``.
    identifier : str or None
        The instrument ID (or bar type) naming the subdirectory; ``None`` for none.
    table : pyarrow.Table
        The rows, with the schema and schema metadata ``ArrowSerializer`` gives `data_cls`
        and a ``ts_init`` column, in any order.

    """

    data_cls: type
    identifier: str | None
    table: pa.Table

    @property
    def relative_dir(self) -> Path:
        """Return the directory relative to the catalog root (Nautilus's layout)."""
        return _relative_dir(self.data_cls, self.identifier)


@cache
def _relative_dir(data_cls: type, identifier: str | None) -> Path:
    directory = Path("data", str(class_to_filename(data_cls)))
    if identifier is None:
        return directory
    return directory / str(urisafe_identifier(identifier))


@dataclass(frozen=True, slots=True)
class _Plan:
    table: pa.Table | None  # the file to stage, sorted by ts_init; None: no change
    rewrite: bool  # the file replaces the directory's stored files (else it is added)
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


def object_tables(data: Iterable[Data]) -> list[CatalogTable]:
    """Group Nautilus objects by catalog directory, each group as one table sorted by time.

    Raises
    ------
    TypeError
        If an element of `data` is not a Nautilus ``Data``.

    """
    by_key: dict[tuple[type, str | None], list[Data]] = {}
    for obj in data:
        if not isinstance(obj, Data):
            raise TypeError(f"catalog data must be Nautilus Data or Instrument, was {type(obj)}")
        by_key.setdefault((type(obj), _identifier(obj)), []).append(obj)
    tables = []
    for (data_cls, identifier), objects in by_key.items():
        objects.sort(key=lambda obj: obj.ts_init)
        batch = ArrowSerializer.serialize_batch(objects, data_cls=data_cls)
        table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
        tables.append(CatalogTable(data_cls, identifier, table))
    return tables


def _row_keys(table: pa.Table) -> list[tuple[Hashable, ...]]:
    """Return one hashable tuple per row of `table` over all columns (NaN made comparable)."""
    values = []
    for name in table.column_names:
        column = table.column(name).to_pylist()
        if pa.types.is_floating(table.schema.field(name).type):
            column = [_NAN if value is not None and value != value else value for value in column]
        values.append(column)
    return list(zip(*values, strict=True))


def _sorted(table: pa.Table) -> pa.Table:
    ts = table.column("ts_init")
    if len(ts) < 2 or pc.all(pc.greater_equal(ts[1:], ts[:-1])).as_py():
        return table
    return table.take(pc.sort_indices(ts))  # a stable sort


def _stored_files(directory: Path) -> list[tuple[Path, tuple[int, int] | None]]:
    if not directory.is_dir():
        return []
    return [(path, _parse_filename_timestamps(path.name)) for path in directory.glob("*.parquet")]


def _plan(root: Path | None, group: CatalogTable) -> _Plan:
    """Work out what one group's directory needs, from the catalog at `root` (None: empty)."""
    new = _sorted(group.table)
    new_ts = new.column("ts_init")
    first, last = new_ts[0].as_py(), new_ts[-1].as_py()
    stored_files = _stored_files(root / group.relative_dir) if root is not None else []
    overlaps = any(
        interval is None or (interval[0] <= last and first <= interval[1])
        for _, interval in stored_files
    )
    repeats_ts = pc.count_distinct(new_ts).as_py() < len(new_ts)
    if not overlaps and not repeats_ts:
        return _Plan(new, False, len(new), 0, 0)  # nothing can repeat a stored row

    stored = (
        pa.concat_tables([pq.ParquetFile(path).read(use_threads=False) for path, _ in stored_files])
        if overlaps
        else None
    )
    seen = set(_row_keys(stored)) if stored is not None else set()
    used_ts = set(stored.column("ts_init").to_pylist()) if stored is not None else set()
    one_per_ts = issubclass(group.data_cls, ONE_ROW_PER_TIMESTAMP)
    keep = []
    conflicts = 0
    for index, key in enumerate(_row_keys(new)):
        if key in seen:
            continue
        seen.add(key)
        ts = new_ts[index].as_py()
        if one_per_ts and ts in used_ts:
            conflicts += 1
            continue
        used_ts.add(ts)
        keep.append(index)
    present = len(new) - len(keep) - conflicts
    if not keep:
        return _Plan(None, False, 0, present, conflicts)
    fresh = new.take(keep)
    if stored is None:
        return _Plan(fresh, False, len(keep), present, conflicts)
    merged = pa.concat_tables([stored.cast(fresh.schema), fresh])
    return _Plan(_sorted(merged), True, len(keep), present, conflicts)


def _write_parquet(table: pa.Table, directory: Path) -> Path:
    """Write `table` (sorted by ``ts_init``) as a file named by its interval, as Nautilus does."""
    ts = table.column("ts_init")
    path = directory / str(_timestamps_to_filename(ts[0].as_py(), ts[-1].as_py()))
    directory.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, row_group_size=ROW_GROUP_SIZE)
    return path


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


def write_to_catalog(
    catalog_dir: Path,
    data: Sequence[Instrument | Data] = (),
    progress: WriteProgress | None = None,
    *,
    tables: Sequence[CatalogTable] = (),
    derived_types: tuple[type, ...] = (),
) -> WriteStats:
    """Write instruments and data into the catalog at `catalog_dir`, atomically and idempotently.

    See the module docstring for how atomicity and idempotency are achieved. A write a killed
    process left is completed or discarded first (the repair :func:`catalog.access.open_catalog`
    makes), with one line on the ``catalog`` logger.

    Parameters
    ----------
    catalog_dir : Path
        The catalog root (created, with its parents, if missing).
    data : Sequence[Instrument | Data], default ()
        Instruments, ``QuoteTick``, ``OptionGreeks``, ``Bar`` (any Nautilus type the catalog
        stores under a per-instrument or per-bar-type directory), in any order.
    progress : WriteProgress, optional
        Called from the calling thread with the number of input rows handled (each object
        or table row is reported once; the total is ``len(data)`` plus the tables' rows).
    tables : Sequence[CatalogTable], default ()
        Rows already in Nautilus's stored layout, at most one table per directory and none
        for a directory `data` also writes to.
    derived_types : tuple[type, ...], default ()
        Types of `data` computed from the rest of it (written in the same atomic write, so a
        kill never leaves the data without them), counted apart in the stats.

    Returns
    -------
    WriteStats
        Rows and instruments written and already present.

    Raises
    ------
    TypeError
        If an element of `data` is not a Nautilus ``Data``.
    ValueError
        If two groups of input name the same directory, or the journal of a killed write
        (see the module docstring) is unreadable.
    NotADirectoryError
        If `catalog_dir` exists and is not a directory.
    Exception
        Whatever Nautilus or the file system raised; the catalog is then unchanged.

    """
    groups = [*object_tables(data), *(t for t in tables if len(t.table))]
    directories = [group.relative_dir for group in groups]
    if len(set(directories)) < len(directories):
        raise ValueError("two groups of input named the same catalog directory")
    target = Path(os.path.abspath(catalog_dir))
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"catalog path was not a directory: {target}")
    if not groups:
        return WriteStats()
    target.parent.mkdir(parents=True, exist_ok=True)
    with catalog_lock(target):
        repair_locked(target)
        return _write_locked(target, groups, progress, derived_types)


def _write_locked(
    target: Path,
    groups: list[CatalogTable],
    progress: WriteProgress | None,
    derived_types: tuple[type, ...] = (),
) -> WriteStats:
    """Plan, stage and commit `groups` into the catalog at `target`, whose lock is held."""
    root = target if target.exists() else None

    def planned(group: CatalogTable, plan: _Plan) -> None:
        if progress is not None and plan.table is None:
            progress(len(group.table))

    plans = _in_threads(groups, lambda group: _plan(root, group), planned)
    stats = {field.name: 0 for field in fields(WriteStats)}
    for group, plan in zip(groups, plans, strict=True):
        if issubclass(group.data_cls, derived_types):
            stats["derived_rows_written"] += plan.written
            continue
        kind = "instruments" if issubclass(group.data_cls, Instrument) else "rows"
        stats[f"{kind}_written"] += plan.written
        stats[f"{kind}_already_present"] += plan.present
        stats["conflicting_rows"] += plan.conflicts
    work = [(group, plan) for group, plan in zip(groups, plans, strict=True) if plan.table]
    if not work:
        return WriteStats(**stats)

    scratch = new_staging_dir(target)
    try:
        moves = _stage(scratch / "new", target, work, progress)
        fsync_tree(scratch / "new")
        if root is None:
            moves = [Move(Path("."), replaces=False)]
        commit = Commit(target, scratch, moves, files=len(work))
        commit.write_journal()
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    try:
        commit.apply()
        commit.finish()
    except BaseException:
        commit.rollback()
        raise
    finally:
        commit.remove_staging()
    return WriteStats(**stats)


def _stage(
    staging: Path,
    target: Path,
    work: list[tuple[CatalogTable, _Plan]],
    progress: WriteProgress | None,
) -> list[Move]:
    """Write the planned files under `staging`, durably; return the moves that commit them."""

    def apply(item: tuple[CatalogTable, _Plan]) -> Move:
        group, plan = item
        assert plan.table is not None
        path = _write_parquet(plan.table, staging / group.relative_dir)
        fsync_path(path)
        if plan.rewrite:
            return Move(group.relative_dir, replaces=True)
        if (target / group.relative_dir).is_dir():
            return Move(path.relative_to(staging), replaces=False)
        return Move(group.relative_dir, replaces=False)

    def done(item: tuple[CatalogTable, _Plan], _: Move) -> None:
        if progress is not None:
            progress(len(item[0].table))

    return _in_threads(work, apply, done)
