"""Read only the option contracts a run can use, choosing them by their catalog folder names.

The Parquet catalog keeps one folder per contract and data type, named by the instrument id
(``data/option_contract/SPY210219P00370000.US/``), and reading those thousands of small files
is most of a backtest's load time and memory. The compact OCC name already says the root,
expiration, kind and strike, so the run picks its contracts from the names and reads only
their files, one ``ParquetFile`` read each (:func:`read_by_folder`): Nautilus's own query
compares every file path with every id asked for and registers one DataFusion table per
folder, which costs tens of milliseconds per contract.

A contract is read when (:class:`ContractFilter`):

- its kind is in ``data.option_kinds``;
- it expires on or after the first session replayed and, when every strategy's config has a
  ``dte_max``, no later than the last session replayed plus the largest ``dte_max`` (no entry
  can reach a later one);
- with ``data.strike_band`` set to ``b``: its strike lies within ``b`` (a fraction) of the
  underlying's closes over the sessions on which it could be entered, from its expiration less
  the largest ``dte_max`` (or from the first session replayed) to its expiration (or the last
  session replayed): ``min(close) * (1 - b) <= strike <= max(close) * (1 + b)``. Leave it unset
  (the default) to read every strike; set it wider than any strike a strategy can pick.

A folder whose name is not a compact OCC symbol is read and its contract kept as before.
"""

import datetime as dt
import os
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from nautilus_trader.model.data import Bar
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.instruments import OptionContract
from nautilus_trader.persistence.catalog import ParquetDataCatalog
from nautilus_trader.persistence.funcs import class_to_filename
from nautilus_trader.serialization.arrow.serializer import ArrowSerializer

from catalog.contract_index import READ_THREADS, ContractIndex, read_file
from options.index_options import index_of_root
from options.market_calendar import day_bounds_ns, session_of_ns
from options.occ import parse_occ

LISTEN_AHEAD_DAYS = 7
"""Days before a contract's expiration enters a DTE window that its rows are still read."""


@dataclass(frozen=True, slots=True)
class ContractFilter:
    """Which contracts a run reads (see the module docstring).

    Parameters
    ----------
    kinds : frozenset[OptionKind]
        Option kinds traded.
    start, end : datetime.date
        First and last session replayed.
    reach_days : int | None
        The largest ``dte_max`` of the strategies; None when a strategy has none.
    strike_band : float | None
        Fraction of the underlying's close; None reads every strike.
    closes : dict[str, tuple[numpy.ndarray, numpy.ndarray]]
        Per underlying ticker, its sessions (``datetime64[D]``, ascending) and closes (USD per
        share) over the run.

    """

    kinds: frozenset[OptionKind]
    start: dt.date
    end: dt.date
    reach_days: int | None
    strike_band: float | None
    closes: dict[str, tuple[np.ndarray, np.ndarray]]

    def keeps(self, underlying: str, kind: OptionKind, expiration: dt.date, strike: float) -> bool:
        """Return whether a contract can be traded by the run (see the module docstring)."""
        if kind not in self.kinds or expiration < self.start:
            return False
        if self.reach_days is not None and expiration > self.end + dt.timedelta(self.reach_days):
            return False
        if self.strike_band is None or underlying not in self.closes:
            return True
        sessions, closes = self.closes[underlying]
        first = self.start
        if self.reach_days is not None:
            first = max(first, expiration - dt.timedelta(self.reach_days))
        lo = int(np.searchsorted(sessions, np.datetime64(first, "D"), "left"))
        hi = int(np.searchsorted(sessions, np.datetime64(min(expiration, self.end), "D"), "right"))
        if hi <= lo:
            return False
        window = closes[lo:hi]
        band = self.strike_band
        return float(window.min()) * (1 - band) <= strike <= float(window.max()) * (1 + band)

    def first_row_ns(self, expiration: dt.date) -> int | None:
        """Return the earliest ``ts_init`` of a contract's rows worth reading (None: all).

        Rows stamped before the session ``reach_days + LISTEN_AHEAD_DAYS`` days before the
        expiration are left out: no entry can take the contract then, and the strategy engine
        keeps a contract's quotes only from ``SUBSCRIBE_AHEAD_DAYS`` (at most
        ``LISTEN_AHEAD_DAYS``) before its expiration enters the DTE window.
        """
        if self.reach_days is None:
            return None
        first = expiration - dt.timedelta(days=self.reach_days + LISTEN_AHEAD_DAYS)
        return day_bounds_ns(first)[0]


def closes_by_ticker(bars: Iterable[Bar]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Return each underlying's sessions and closes from its daily bars (see ContractFilter)."""
    rows: dict[str, list[tuple[dt.date, float]]] = {}
    for bar in bars:
        ticker = bar.bar_type.instrument_id.symbol.value
        rows.setdefault(ticker, []).append((session_of_ns(bar.ts_event), bar.close.as_double()))
    result = {}
    for ticker, points in rows.items():
        points.sort()
        sessions = np.array([p[0] for p in points], dtype="datetime64[D]")
        result[ticker] = (sessions, np.array([p[1] for p in points], dtype=float))
    return result


def chosen_option_ids(
    catalog: ParquetDataCatalog, tickers: Sequence[str], keep: ContractFilter
) -> list[str]:
    """Return the ids of the catalog's option contracts the run reads, from the folder names.

    Contracts of other roots are skipped when the root names another underlying (an index root
    names its index: ``SPXW`` is ``SPX``); a folder whose name is not a compact OCC symbol is
    returned, so its contract is read and judged by its fields.
    """
    wanted = set(tickers)
    chosen = []
    for name in _folders(catalog, OptionContract):
        symbol, _, _venue = name.rpartition(".")
        try:
            occ = parse_occ(symbol)
        except ValueError:
            chosen.append(name)
            continue
        underlying = index_of_root(occ.root) or occ.root
        if underlying not in wanted and occ.root in wanted:
            underlying = occ.root
        if underlying not in wanted:
            if not occ.root[-1:].isdigit():
                continue
            chosen.append(name)  # an adjusted root (AAPL1): judged by its underlying field
            continue
        if keep.keeps(underlying, occ.kind, occ.expiration, float(occ.strike)):
            chosen.append(name)
    return chosen


def read_by_folder(
    catalog: ParquetDataCatalog,
    data_cls: type,
    folders: Iterable[str],
    start_ns: int | None = None,
    end_ns: int | None = None,
    floors: Mapping[str, int | None] | None = None,
) -> list[Any]:
    """Read the data of `data_cls` in the given folders (instrument ids or bar types).

    Rows come from the catalog's read index or, for folders it does not hold, from the files
    whose names' time span meets the run's (as Nautilus chooses them), read whole
    (:func:`read_tables`); they are decoded by Nautilus's ``ArrowSerializer`` (the decoder
    ``ParquetDataCatalog.query`` uses; a file's instrument id is in its own metadata),
    consecutive files of one schema in one call, keeping rows with
    ``start_ns <= ts_init <= end_ns`` and, where `floors` names the folder,
    ``ts_init >= floors[folder]``
    (:meth:`ContractFilter.first_row_ns`). The result is in folder order, not time order (the
    caller sorts).
    """
    data: list[Any] = []
    alike: list[pa.Table] = []  # consecutive tables of one schema, decoded in one call
    for table in read_tables(catalog, data_cls, folders, start_ns, end_ns, floors):
        if alike and not table.schema.equals(alike[0].schema, check_metadata=True):
            data += _decoded(data_cls, alike)
            alike = []
        alike.append(table)
    return data + _decoded(data_cls, alike) if alike else data


def read_tables(
    catalog: ParquetDataCatalog,
    data_cls: type,
    folders: Iterable[str],
    start_ns: int | None = None,
    end_ns: int | None = None,
    floors: Mapping[str, int | None] | None = None,
) -> Iterator[pa.Table]:
    """Yield the Arrow tables of `data_cls` in the given folders, in folder order.

    Files are chosen as :func:`read_by_folder` says; only tables with rows in
    ``[start_ns, end_ns]`` (by ``ts_init``, and from ``floors[folder]`` where given) are
    yielded, filtered to them, each with its file's schema metadata. A contract folder's files
    come from the catalog's read index (:mod:`catalog.contract_index`), which rebuilds what has
    changed; other files are read in ``READ_THREADS`` threads.
    """
    type_folder = class_to_filename(data_cls)
    root = os.path.join(catalog.path, "data", type_folder)
    if not os.path.isdir(root):
        return
    folders = list(folders)
    index = ContractIndex(catalog.path, type_folder, folders)
    try:
        with ThreadPoolExecutor(READ_THREADS) as pool:
            # A few reads ahead of the caller, not all of them: read tables wait in memory.
            reads: deque[Future[pa.Table]] = deque()
            for folder in folders:
                floor = (floors or {}).get(folder)
                first_ns = start_ns if floor is None else max(floor, start_ns or 0)
                indexed = index.files(folder)
                if indexed is not None:
                    for table in indexed:
                        reads.append(_ready(rows_between(table, first_ns, end_ns)))
                else:
                    directory = os.path.join(root, folder)
                    for path in _files(catalog, data_cls, directory, start_ns, end_ns):
                        reads.append(pool.submit(_read_table, path, first_ns, end_ns))
                while len(reads) > 2 * READ_THREADS:
                    table = reads.popleft().result()
                    if table.num_rows:
                        yield table
            while reads:
                table = reads.popleft().result()
                if table.num_rows:
                    yield table
    finally:
        index.close()


def rows_between(table: pa.Table, start_ns: int | None, end_ns: int | None) -> pa.Table:
    """Return the rows of `table` with ``start_ns <= ts_init <= end_ns`` (None: unbounded)."""
    if start_ns is None and end_ns is None:
        return table
    ts_init = table.column("ts_init").to_numpy()
    keep = (ts_init >= (start_ns or 0)) & (ts_init <= (end_ns if end_ns is not None else 2**63 - 1))
    if keep.all():
        return table
    return table.filter(pa.array(keep))


def _files(
    catalog: ParquetDataCatalog,
    data_cls: type,
    directory: str,
    start_ns: int | None,
    end_ns: int | None,
) -> list[str]:
    try:
        names = sorted(os.listdir(directory))
    except FileNotFoundError:
        return []
    files = [os.path.join(directory, n) for n in names if n.endswith(".parquet")]
    return catalog.filter_files(data_cls, files, None, start_ns, end_ns) if files else []


def _ready(table: pa.Table) -> Future[pa.Table]:
    done: Future[pa.Table] = Future()
    done.set_result(table)
    return done


def _read_table(path: str, start_ns: int | None, end_ns: int | None) -> pa.Table:
    return rows_between(read_file(path), start_ns, end_ns)


def _decoded(data_cls: type, tables: list[pa.Table]) -> list[Any]:
    """Return the rows of tables of one schema as the Cython objects the engine takes.

    Decoded by Nautilus's ``ArrowSerializer`` as ``ParquetDataCatalog.query`` does; quotes and
    bars decode to pyo3 objects and are converted.
    """
    table = tables[0] if len(tables) == 1 else pa.concat_tables(tables).combine_chunks()
    decoded: list[Any] = ArrowSerializer.deserialize(data_cls, table)
    if decoded and "nautilus_pyo3" in type(decoded[0]).__module__:
        converted: list[Any] = data_cls.from_pyo3_list(decoded)  # type: ignore[attr-defined]
        return converted
    return decoded


def _folders(catalog: ParquetDataCatalog, data_cls: type) -> list[str]:
    root = os.path.join(catalog.path, "data", class_to_filename(data_cls))
    try:
        return sorted(entry.name for entry in os.scandir(root) if entry.is_dir())
    except FileNotFoundError:
        return []
