"""What a catalog holds: instruments by underlying and kind, data spans, missing sessions.

:func:`describe_catalog` reads the instrument definitions through ``ParquetDataCatalog`` and,
for data, only the ``ts_init`` column of each Parquet file under ``data/<type>/<identifier>/``
(one small read per file, on :data:`READ_THREADS` threads). Data is grouped by
underlying (an option's ``underlying``; an equity or index is its own) and by kind:

- ``quote_tick`` / ``option_greeks`` / ``option_volume`` (:mod:`options.option_volume`) /
  ``bar 1-DAY-LAST`` / ``bar 1-MINUTE-LAST`` / custom types, each split into ``options`` and
  ``underlying`` rows;
- its span (first and last New York session with a row), and the NYSE sessions
  (``exchange_calendars`` XNYS) inside the span without any row of that kind;
- the vendor-greeks audit summary (:mod:`catalog.greeks_audit`) of the rows stored;
- the splits stored per underlying (:mod:`catalog.splits`), ex-date and ratio.

"""

import datetime as dt
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow.parquet as pq
from nautilus_trader.model.instruments import Instrument, OptionContract
from nautilus_trader.persistence.funcs import class_to_filename

from catalog.access import open_catalog
from catalog.greeks_audit import VendorGreeksAudit, audit_summary_lines
from catalog.splits import StockSplit, split_line, stored_splits
from options.market_calendar import NEW_YORK, sessions_between
from options.option_volume import OptionVolume

READ_THREADS = 2
"""Threads reading data files (our machines have 2 cores)."""

MISSING_SHOWN = 5
"""Missing sessions listed by name per line (the rest are counted)."""


@dataclass(slots=True)
class DataSpan:
    """Rows of one kind of data of one underlying.

    Parameters
    ----------
    underlying : str
        The underlying ticker.
    data_type : str
        ``quote_tick``, ``option_greeks``, ``bar 1-DAY-LAST``, ... (the catalog's directory
        name, with the bar specification for bars).
    scope : str
        ``options`` (rows of the underlying's option contracts) or ``underlying``.
    identifiers : int
        Instruments (or bar types) with rows.
    rows : int
        Rows stored.
    sessions : set[datetime.date]
        New York dates with at least one row.

    """

    underlying: str
    data_type: str
    scope: str
    identifiers: int = 0
    rows: int = 0
    sessions: set[dt.date] = field(default_factory=set)

    @property
    def first(self) -> dt.date:
        """Return the first session with a row."""
        return min(self.sessions)

    @property
    def last(self) -> dt.date:
        """Return the last session with a row."""
        return max(self.sessions)

    def missing_sessions(self) -> list[dt.date]:
        """Return the NYSE sessions from :attr:`first` to :attr:`last` without a row."""
        return [day for day in sessions_between(self.first, self.last) if day not in self.sessions]


@dataclass(slots=True)
class UnderlyingSummary:
    """The instruments of one underlying.

    Parameters
    ----------
    ticker : str
        The underlying ticker.
    kind : str
        The class of its own instrument (``Equity``, ``IndexInstrument``), or ``absent``
        when only its options are stored.
    calls, puts : int
        Option contracts by kind.
    expirations : set[datetime.date]
        Expiration dates (New York) of its options.

    """

    ticker: str
    kind: str = "absent"
    calls: int = 0
    puts: int = 0
    expirations: set[dt.date] = field(default_factory=set)


@dataclass(slots=True)
class CatalogInventory:
    """What :func:`describe_catalog` found.

    Parameters
    ----------
    path : Path
        The catalog.
    instrument_counts : dict[str, int]
        Instruments by class name.
    underlyings : dict[str, UnderlyingSummary]
        By ticker.
    spans : list[DataSpan]
        By underlying, data type and scope.
    audit_lines : list[str]
        The vendor-greeks audit summary, one line each (empty without audit records).
    splits : dict[str, list[str]]
        By ticker, its splits as ``2020-08-31 4:1``, oldest first.

    """

    path: Path
    instrument_counts: dict[str, int]
    underlyings: dict[str, UnderlyingSummary]
    spans: list[DataSpan]
    audit_lines: list[str] = field(default_factory=list)
    splits: dict[str, list[str]] = field(default_factory=dict)

    def render(self) -> str:
        """Return the inventory as plain text."""
        counts = ", ".join(f"{name} {n:,}" for name, n in sorted(self.instrument_counts.items()))
        lines = [f"catalog: {self.path}", f"instruments: {counts or 'none'}"]
        for ticker in sorted(self.underlyings):
            u = self.underlyings[ticker]
            lines.append(f"underlying {ticker} ({u.kind})")
            if u.calls or u.puts:
                expiries = sorted(u.expirations)
                lines.append(
                    f"  options: {u.calls + u.puts:,} (calls {u.calls:,}, puts {u.puts:,}), "
                    f"{len(expiries):,} expirations {expiries[0]}..{expiries[-1]}"
                )
            if self.splits.get(ticker):
                lines.append(f"  splits: {', '.join(self.splits[ticker])}")
            for span in (s for s in self.spans if s.underlying == ticker):
                missing = span.missing_sessions()
                shown = ", ".join(str(day) for day in missing[:MISSING_SHOWN])
                more = f" and {len(missing) - MISSING_SHOWN:,} more" if len(missing) > 5 else ""
                gap = f"; missing: {shown}{more}" if missing else ""
                lines.append(
                    f"  {span.data_type} ({span.scope}): {span.rows:,} rows, "
                    f"{span.identifiers:,} ids, {span.first}..{span.last}, "
                    f"{len(span.sessions):,} sessions, {len(missing):,} missing{gap}"
                )
        lines.extend(self.audit_lines)
        return "\n".join(lines)


def _ny_dates(ts_init: npt.NDArray[np.uint64]) -> set[dt.date]:
    """Return the New York dates of UNIX-ns timestamps (New York's offsets are whole hours)."""
    hours = np.unique(ts_init.astype(np.int64) // 3_600_000_000_000)
    return {dt.datetime.fromtimestamp(int(h) * 3600, tz=NEW_YORK).date() for h in hours}


def _read_file(path: Path) -> tuple[int, set[dt.date]]:
    """Return the rows of one data file and the New York dates of their ``ts_init``."""
    ts = pq.read_table(path, columns=["ts_init"]).column("ts_init").to_numpy()
    return len(ts), _ny_dates(ts)


def _underlying_of(identifier: str, instruments: dict[str, Instrument]) -> tuple[str, str] | None:
    """Return (underlying, scope) of a data directory's identifier, or None if unknown."""
    instrument_id = identifier.split("-", 1)[0]  # a bar type starts with the instrument ID
    instrument = instruments.get(instrument_id)
    if isinstance(instrument, OptionContract):
        return instrument.underlying, "options"
    if instrument is not None:
        return instrument.id.symbol.value, "underlying"
    return None


def _data_type(type_dir: str, identifier: str) -> str:
    if type_dir == _VOLUME_DIR:
        return "option_volume"
    if type_dir == "bar":
        parts = identifier.split("-")
        return f"bar {'-'.join(parts[1:4])}" if len(parts) >= 4 else "bar"
    return type_dir


def describe_catalog(path: Path) -> CatalogInventory:
    """Describe the catalog at `path`.

    Parameters
    ----------
    path : Path
        A ``ParquetDataCatalog`` folder (repaired first if a write was interrupted).

    Returns
    -------
    CatalogInventory

    Raises
    ------
    FileNotFoundError
        If `path` is not a directory.

    """
    if not path.is_dir():
        raise FileNotFoundError(2, "catalog folder not found", str(path))
    catalog = open_catalog(path)
    instruments = {i.id.value: i for i in catalog.instruments()}
    counts: dict[str, int] = defaultdict(int)
    underlyings: dict[str, UnderlyingSummary] = {}
    for instrument in instruments.values():
        counts[type(instrument).__name__] += 1
        if isinstance(instrument, OptionContract):
            u = underlyings.setdefault(
                instrument.underlying, UnderlyingSummary(instrument.underlying)
            )
            if instrument.option_kind.name == "CALL":
                u.calls += 1
            else:
                u.puts += 1
            u.expirations.add(
                dt.datetime.fromtimestamp(instrument.expiration_ns / 1e9, tz=NEW_YORK).date()
            )
        else:
            ticker = instrument.id.symbol.value
            underlyings.setdefault(ticker, UnderlyingSummary(ticker)).kind = type(
                instrument
            ).__name__
    spans: dict[tuple[str, str, str], DataSpan] = {}
    files: list[tuple[DataSpan, Path]] = []
    data_root = path / "data"
    type_dirs = sorted(p for p in data_root.iterdir() if p.is_dir()) if data_root.is_dir() else []
    for type_dir in type_dirs:
        if type_dir.name in _INSTRUMENT_DIRS or type_dir.name in (_AUDIT_DIR, _SPLIT_DIR):
            continue
        for id_dir in sorted(p for p in type_dir.iterdir() if p.is_dir()):
            owner = _underlying_of(id_dir.name, instruments) or (id_dir.name.split(".")[0], "other")
            key = (owner[0], _data_type(type_dir.name, id_dir.name), owner[1])
            span = spans.setdefault(key, DataSpan(*key))
            span.identifiers += 1
            files.extend((span, file) for file in id_dir.glob("*.parquet"))
    with ThreadPoolExecutor(READ_THREADS) as pool:  # Parquet reads release the GIL
        for (span, _), (rows, sessions) in zip(
            files, pool.map(_read_file, (file for _, file in files)), strict=True
        ):
            span.rows += rows
            span.sessions |= sessions
    for ticker, _, _ in spans:
        underlyings.setdefault(ticker, UnderlyingSummary(ticker))
    ordered = sorted(
        (s for s in spans.values() if s.rows),
        key=lambda s: (s.underlying, s.scope != "underlying", s.data_type),
    )
    splits: dict[str, list[str]] = {}
    for ticker in underlyings:
        for split in stored_splits(catalog, ticker):
            splits.setdefault(ticker, []).append(split_line(split).split(" ", 1)[1])
    return CatalogInventory(
        path, dict(counts), underlyings, ordered, audit_summary_lines(catalog), splits
    )


_AUDIT_DIR = str(class_to_filename(VendorGreeksAudit))
_SPLIT_DIR = str(class_to_filename(StockSplit))
_VOLUME_DIR = str(class_to_filename(OptionVolume))
_INSTRUMENT_DIRS = frozenset(
    {"option_contract", "equity", "index_instrument", "futures_contract", "currency_pair"}
)
