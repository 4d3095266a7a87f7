"""A consolidated copy of the catalog's per-contract files: one Parquet file per root and month.

Nautilus's catalog keeps one folder per contract and data type
(``data/bar/SPY210219P00370000.US-1-DAY-LAST-EXTERNAL/<start>_<end>.parquet``), so a run of a
few thousand contracts spends most of its load time opening small files. The first read of a
contract folder copies the files of every folder of the same data type, OCC root and expiration
month (a *partition*) into one file, ``<catalog>/.tradefly-index/<type>/<root>/<YYMM>.parquet``,
and later reads take the rows from there. The index is a cache; the catalog's own files stay
the truth:

- Each folder is recorded with its own modification time and each copied file with its name,
  size, modification time and inode, all taken before the files are read. A read checks every
  folder it asks for against that record (a ``stat`` of the folder and of each file): any
  difference (a file added, removed, replaced or rewritten) rebuilds the partition from the
  catalog's files before its rows are used. A time within ``RACY_NS`` of the moment it was
  recorded is not trusted (a change in the same clock tick would not show), as Git does with
  its index.
- A partition is written to a temporary file and renamed into place, so a process killed at any
  instant leaves the old partition or the new one; a partition that cannot be read (truncated,
  not Parquet, another layout) is rebuilt.
- When the index cannot be written (a read-only catalog, a full disk) the rows just read from the
  catalog's files are used, and a warning is logged once per process.
- A folder whose files do not share the partition's schema, and every folder whose name is not a
  compact OCC contract (the underlying's bars and instrument), are read from the catalog's files.
"""

import contextlib
import json
import logging
import os
import re
import time
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

INDEX_DIR = ".tradefly-index"
"""The index's folder under the catalog's root (Nautilus reads only ``data/``)."""
FORMAT = 1
"""Version of the partition layout; a partition of another version is rebuilt."""
READ_THREADS = max(2, min(4, os.cpu_count() or 2))
"""Threads reading catalog files at once, one per core (2 to 4): each file is a few kilobytes,
so the cost is opening and decoding, which pyarrow does mostly without the GIL (on 2 cores, 4
threads read 6,000 instrument files 18% slower than 2)."""
RACY_NS = 2_000_000_000
"""A recorded modification time this close to the recording (ns) is not trusted."""

_MANIFEST_KEY = b"tradefly.index"
_KEPT_PARTITIONS = 4
_CONTRACT = re.compile(r"^(?P<root>[A-Z0-9]{1,6})(?P<yymm>\d{4})\d{2}[CP]\d{8}$")
_LOG = logging.getLogger(__name__)
_warned = False


@dataclass(frozen=True, slots=True)
class FileStamp:
    """What identifies one catalog file's content: its name and ``os.stat`` fields."""

    name: str
    size: int
    mtime_ns: int
    ino: int


@dataclass(frozen=True, slots=True)
class _Folder:
    """One folder in a partition: its stamps, and where its files' rows are."""

    mtime_ns: int
    files: list[tuple[FileStamp, int, int, dict[bytes, bytes]]]  # stamp, offset, rows, metadata
    indexed: bool  # False: its files do not share the partition's schema
    stamped_ns: int  # when the stamps were taken


@dataclass(frozen=True, slots=True)
class _Partition:
    table: pa.Table
    folders: dict[str, _Folder]


def read_file(path: str) -> pa.Table:
    """Return one catalog Parquet file as a table, with its schema metadata."""
    # The bytes read at once and decoded in this thread: pyarrow's own readahead and thread
    # pool cost more than they save on files this small.
    with open(path, "rb") as file:
        return pq.ParquetFile(pa.BufferReader(file.read())).read(use_threads=False)


def partition_key(folder: str) -> tuple[str, str] | None:
    """Return a contract folder's partition, ``(root, "YYMM")``, or None for other folders.

    The folder is an instrument id (``SPY210219P00370000.US``) or a bar type that starts with
    one (``SPY210219P00370000.US-1-DAY-LAST-EXTERNAL``).
    """
    match = _CONTRACT.match(folder.partition(".")[0])
    return None if match is None else (match["root"], match["yymm"])


class ContractIndex:
    """The index of one data type in one catalog (see the module docstring).

    Parameters
    ----------
    catalog_root : str
        The catalog's folder (the one holding ``data/``).
    type_folder : str
        The data type's folder name under ``data/`` (``bar``, ``quote_tick``,
        ``option_contract``, ...).

    """

    def __init__(self, catalog_root: str, type_folder: str, wanted: Iterable[str]) -> None:
        self._data_root = os.path.join(catalog_root, "data", type_folder)
        self._index_root = Path(catalog_root, INDEX_DIR, type_folder)
        self._partitions: OrderedDict[tuple[str, str], _Partition] = OrderedDict()
        self._rebuilt: set[tuple[str, str]] = set()
        self._wanted: dict[tuple[str, str], list[str]] = {}
        for folder in wanted:
            key = partition_key(folder)
            if key is not None:
                self._wanted.setdefault(key, []).append(folder)
        self._keys = list(self._wanted)  # in the order the read asks for them
        self._cleaned: set[Path] = set()
        self._jobs: dict[tuple[str, str], Future[_Partition]] = {}
        self._pool: ThreadPoolExecutor | None = None

    def close(self) -> None:
        """Wait for the partitions being written; drop the ones not started."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def files(self, folder: str) -> list[pa.Table] | None:
        """Return a folder's files from the index in name order, or None to read them directly.

        Each table has its file's own schema metadata. An empty list means the folder has no
        Parquet file (or does not exist). None is returned for folders that are not contract
        folders and for folders the index does not hold as they are now.
        """
        key = partition_key(folder)
        if key is None:
            return None
        partition = self._partition(key)
        if not _unchanged(partition, self._data_root, folder):
            if key in self._rebuilt and key not in self._jobs:
                return None
            partition = self._rebuilt_partition(key)
            if not _unchanged(partition, self._data_root, folder):
                return None  # changed again while it was being read, or too recent to trust
        held = partition.folders.get(folder)
        if held is None:
            return []
        if not held.indexed:
            return None
        return [
            partition.table.slice(offset, rows).replace_schema_metadata(metadata)
            for _stamp, offset, rows, metadata in held.files
        ]

    def _partition(self, key: tuple[str, str]) -> _Partition:
        if key in self._partitions:
            self._partitions.move_to_end(key)
            return self._partitions[key]
        path = self._path(key)
        if path.parent not in self._cleaned:
            self._cleaned.add(path.parent)
            _remove_abandoned(path.parent)
        try:
            partition = _read_partition(path)
        except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
            partition = _Partition(pa.table({}), {})  # absent or unreadable: rebuilt
        return self._keep(key, partition)

    def _keep(self, key: tuple[str, str], partition: _Partition) -> _Partition:
        self._partitions[key] = partition
        self._partitions.move_to_end(key)
        while len(self._partitions) > _KEPT_PARTITIONS:
            self._partitions.popitem(last=False)
        return partition

    def _rebuilt_partition(self, key: tuple[str, str]) -> _Partition:
        if key not in self._jobs:
            self._start_rebuild(key)
        job = self._jobs.pop(key)
        self._look_ahead(key)
        return self._keep(key, job.result())

    def _look_ahead(self, key: tuple[str, str]) -> None:
        """Start rebuilding the next partitions of the read that need it, while this one waits."""
        position = self._keys.index(key) if key in self._wanted else len(self._keys)
        for later in self._keys[position + 1 : position + 1 + READ_THREADS]:
            if later in self._rebuilt:
                continue
            old = self._partition(later)
            if not all(_unchanged(old, self._data_root, f) for f in self._wanted[later]):
                self._start_rebuild(later)

    def _start_rebuild(self, key: tuple[str, str]) -> None:
        """Copy the wanted folders of the partition afresh; keep its other unchanged folders."""
        self._rebuilt.add(key)
        old = self._partition(key)
        wanted = set(self._wanted.get(key, []))
        kept = [
            f
            for f in old.folders
            if f not in wanted and old.folders[f].indexed and _unchanged(old, self._data_root, f)
        ]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(READ_THREADS)
        self._jobs[key] = self._pool.submit(
            _rebuild, self._data_root, sorted(wanted), old, kept, self._path(key)
        )

    def _path(self, key: tuple[str, str]) -> Path:
        root, month = key
        return self._index_root / root / f"{month}.parquet"


def _rebuild(
    data_root: str, folders: list[str], old: _Partition, kept: list[str], path: Path
) -> _Partition:
    """Copy a partition's folders (in a worker thread) and write it; return it."""
    partition = _copy_folders(data_root, folders, old, kept)
    try:
        _write_partition(path, partition)
    except OSError as error:
        _warn_once(f"the catalog's read index could not be written ({error}); reading files")
    return partition


def _unchanged(partition: _Partition, data_root: str, folder: str) -> bool:
    """Return whether a folder and its files are as the partition recorded them."""
    held = partition.folders.get(folder)
    directory = os.path.join(data_root, folder)
    try:
        mtime_ns = os.stat(directory).st_mtime_ns
    except FileNotFoundError:
        return held is None
    if held is None or held.mtime_ns != mtime_ns or _racy(mtime_ns, held):
        return False
    for stamp, _offset, _rows, _metadata in held.files:
        try:
            stat = os.stat(os.path.join(directory, stamp.name))
        except FileNotFoundError:
            return False
        now = FileStamp(stamp.name, stat.st_size, stat.st_mtime_ns, stat.st_ino)
        if now != stamp or _racy(stat.st_mtime_ns, held):
            return False
    return True


def _racy(mtime_ns: int, held: _Folder) -> bool:
    return mtime_ns >= held.stamped_ns - RACY_NS


def _copy_folders(
    data_root: str, folders: list[str], old: _Partition, kept: list[str]
) -> _Partition:
    """Read the folders' files, each stamped before it is read, into one partition.

    The `kept` folders of the `old` partition are carried over with their rows and stamps.
    """
    stamped_ns = time.time_ns()
    stamps: dict[str, tuple[int, list[FileStamp]]] = {}
    for folder in folders:
        try:
            stamps[folder] = _stamps(os.path.join(data_root, folder))
        except FileNotFoundError:
            continue  # gone, or a file went while it was listed: not held, so read directly
    paths = [os.path.join(data_root, f, s.name) for f, (_, files) in stamps.items() for s in files]
    tables = iter([_read_if_there(path) for path in paths])
    schema: pa.Schema | None = old.table.schema if kept and old.table.num_columns else None
    rows: list[pa.Table] = []
    held: dict[str, _Folder] = {}
    offset = 0
    for folder in kept:
        placed = []
        for stamp, start, count, metadata in old.folders[folder].files:
            placed.append((stamp, offset, count, metadata))
            rows.append(old.table.slice(start, count))
            offset += count
        held[folder] = _Folder(
            old.folders[folder].mtime_ns, placed, True, old.folders[folder].stamped_ns
        )
    for folder, (mtime_ns, files) in stamps.items():
        read = [next(tables) for _ in files]
        own = [t for t in read if t is not None]
        if len(own) < len(read):
            continue  # a file went between its stamp and its read
        bare = [t.schema.remove_metadata() for t in own]
        schema = schema or (bare[0] if bare else None)
        if not all(s.equals(schema) for s in bare):
            held[folder] = _Folder(mtime_ns, [(s, 0, 0, {}) for s in files], False, stamped_ns)
            continue
        placed = []
        for stamp, table in zip(files, own, strict=True):
            placed.append((stamp, offset, table.num_rows, dict(table.schema.metadata or {})))
            rows.append(table.replace_schema_metadata(None))
            offset += table.num_rows
        held[folder] = _Folder(mtime_ns, placed, True, stamped_ns)
    table = pa.concat_tables(rows) if rows else pa.table({})
    return _Partition(table, held)


def _stamps(directory: str) -> tuple[int, list[FileStamp]]:
    """Return a folder's modification time and its Parquet files' stamps, by name."""
    mtime_ns = os.stat(directory).st_mtime_ns
    files = []
    for entry in os.scandir(directory):
        if entry.name.endswith(".parquet"):
            stat = entry.stat()
            files.append(FileStamp(entry.name, stat.st_size, stat.st_mtime_ns, stat.st_ino))
    return mtime_ns, sorted(files, key=lambda s: s.name)


def _read_if_there(path: str) -> pa.Table | None:
    try:
        return read_file(path)
    except FileNotFoundError:
        return None


def _write_partition(path: Path, partition: _Partition) -> None:
    manifest = {
        "format": FORMAT,
        "folders": {
            folder: {
                "mtime_ns": held.mtime_ns,
                "stamped_ns": held.stamped_ns,
                "indexed": held.indexed,
                "files": [
                    [
                        stamp.name,
                        stamp.size,
                        stamp.mtime_ns,
                        stamp.ino,
                        offset,
                        rows,
                        {k.decode("latin-1"): v.decode("latin-1") for k, v in metadata.items()},
                    ]
                    for stamp, offset, rows, metadata in held.files
                ],
            }
            for folder, held in partition.folders.items()
        },
    }
    table = partition.table.replace_schema_metadata({_MANIFEST_KEY: json.dumps(manifest)})
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table, temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _read_partition(path: Path) -> _Partition:
    table = read_file(str(path))
    manifest = json.loads((table.schema.metadata or {})[_MANIFEST_KEY])
    if manifest["format"] != FORMAT:
        raise ValueError(f"{path}: index format {manifest['format']}")
    table = table.replace_schema_metadata(None)
    folders = {}
    for folder, held in manifest["folders"].items():
        files = []
        for name, size, mtime_ns, ino, offset, rows, metadata in held["files"]:
            if offset + rows > table.num_rows:
                raise ValueError(f"{path}: rows {offset}+{rows} of {table.num_rows}")
            own = {k.encode("latin-1"): v.encode("latin-1") for k, v in metadata.items()}
            files.append((FileStamp(name, size, mtime_ns, ino), offset, rows, own))
        folders[folder] = _Folder(
            int(held["mtime_ns"]), files, bool(held["indexed"]), int(held["stamped_ns"])
        )
    return _Partition(table, folders)


def _remove_abandoned(directory: Path) -> None:
    """Delete the temporary partition files in `directory` of processes that no longer run."""
    if not directory.is_dir():
        return
    for leftover in directory.glob("*.parquet.*.tmp"):
        pid = leftover.name.removesuffix(".tmp").rpartition(".")[2]
        if pid.isdigit() and not _is_running(int(pid)):
            with contextlib.suppress(OSError):  # a read-only catalog keeps it
                leftover.unlink(missing_ok=True)


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _warn_once(message: str) -> None:
    global _warned
    if not _warned:
        _warned = True
        _LOG.warning(message)
