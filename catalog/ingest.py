"""Ingest pipelines: vendor files through a loader, then one atomic write into the catalog.

Each pipeline reads every file first (with a progress bar on stderr), so a file that cannot be
read or has an unknown layout stops the run before anything is written. Accepted rows are then
written once through :func:`catalog.writer.write_to_catalog`, and an :class:`IngestReport`
counts rows read, written, already present and rejected by reason, and rows read and rejected
per file.
"""

import datetime as dt
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from nautilus_trader.core.data import Data
from nautilus_trader.model.instruments import OptionContract
from tqdm import tqdm

from catalog.deliverables import load_deliverables
from catalog.eod_chains import load_eod_chain
from catalog.greeks_audit import (
    AUDIT_DIVIDEND_YIELD,
    AUDIT_RATE,
    audit_vendor_greeks,
    header_line,
)
from catalog.lean_minute import load_lean_minute
from catalog.nautilus_tables import option_tables
from catalog.option_bars import load_option_bars
from catalog.splits import (
    StockSplit,
    lean_factor_file,
    split_line,
    splits_from_alpha_vantage_csv,
    splits_from_lean_factor_file,
)
from catalog.underlying_bars import load_underlying_bars
from catalog.validation import LoadResult, ProgressCallback, open_text
from catalog.writer import write_to_catalog

Loader = Callable[..., LoadResult]
"""An option file loader: ``(path, layout, progress, deliverables=table) -> LoadResult``."""


@dataclass(frozen=True, slots=True)
class FileCount:
    """Rows read and rejected from one input file.

    Parameters
    ----------
    path : Path
        The file.
    rows_read : int
        Data rows read (header lines excluded).
    rows_rejected : int
        Of those, rows rejected.

    """

    path: Path
    rows_read: int
    rows_rejected: int


@dataclass(frozen=True, slots=True)
class IngestReport:
    """The outcome of one ingest run.

    Parameters
    ----------
    catalog_dir : Path
        The catalog written to.
    files : tuple[Path, ...]
        The input files, in the order read.
    rows_read : int
        Data rows read from the files (header lines excluded).
    rows_written : int
        Catalog data rows newly stored (an EOD chain row gives up to three: a quote, greeks
        and its volume).
    rows_already_present : int
        Catalog data rows not stored because identical rows were already there.
    rejected : dict[str, int]
        Rejected file rows by reason label, most frequent first.
    instruments : int
        Distinct instruments defined by the accepted rows.
    instruments_written : int
        Of `instruments`, those new to the catalog.
    conflicting_rows : int
        Rows not written because a stored row has the same instrument and timestamp but other
        values (e.g. the same day's bar from another vendor); the stored row is kept.
    file_counts : tuple[FileCount, ...]
        Rows read and rejected per input file, in the order read.
    audit_lines : tuple[str, ...]
        The vendor-greeks audit summary (:mod:`catalog.greeks_audit`), one line each; empty
        when the input had no vendor greeks.
    split_lines : tuple[str, ...]
        The splits read from the vendor's split records of the bar files
        (:mod:`catalog.splits`), ``splits: AAPL 2020-08-31 4:1`` one line each.

    """

    catalog_dir: Path
    files: tuple[Path, ...]
    rows_read: int
    rows_written: int
    rows_already_present: int
    rejected: dict[str, int]
    instruments: int
    instruments_written: int
    conflicting_rows: int
    file_counts: tuple[FileCount, ...] = ()
    audit_lines: tuple[str, ...] = ()
    split_lines: tuple[str, ...] = ()

    @property
    def rows_rejected(self) -> int:
        """Return the number of rejected file rows."""
        return sum(self.rejected.values())

    def summary(self) -> str:
        """Return a plain-text table of the counts (rejects broken down by reason)."""
        rows: list[tuple[str, int]] = [
            ("files read", len(self.files)),
            *(
                (f"  {label} {count.path}", value)
                for count in self.file_counts
                for label, value in (
                    ("rows read from", count.rows_read),
                    ("rows rejected from", count.rows_rejected),
                )
            ),
            ("rows read", self.rows_read),
            ("rows rejected", self.rows_rejected),
            *((f"  {reason}", count) for reason, count in self.rejected.items()),
            ("instruments", self.instruments),
            ("  new to the catalog", self.instruments_written),
            ("catalog rows written", self.rows_written),
            ("catalog rows already present", self.rows_already_present),
        ]
        if self.conflicting_rows:
            rows.append(("rows refused: conflict with a stored row", self.conflicting_rows))
        # File paths may be long: they do not widen the table (their counts come later).
        width = max(len(label) for label, _ in rows if not label.startswith("  rows "))
        table = [f"{label:<{width}}  {count:>10,}" for label, count in rows]
        lines = [f"catalog: {self.catalog_dir}", *table, *self.split_lines, *self.audit_lines]
        return "\n".join(lines)

    def failures(self) -> list[str]:
        """Return why the ingest failed, one line each (empty when it succeeded).

        It failed when a file had a header and no data rows, when any file had rows and
        every one was rejected, or when the catalog holds none of the input's rows afterwards
        (nothing written and nothing already present; not repeated when every file was
        header-only).
        """
        header_only = [count.path for count in self.file_counts if not count.rows_read]
        problems = [f"{path}: no data rows after the header" for path in header_only]
        problems += [
            f"every row of {count.path} was rejected ({count.rows_read:,} rows)"
            for count in self.file_counts
            if count.rows_read and count.rows_rejected == count.rows_read
        ]
        everything_header_only = bool(header_only) and len(header_only) == len(self.file_counts)
        if self.rows_written + self.rows_already_present == 0 and not everything_header_only:
            names = ", ".join(str(path) for path in self.files)
            problems.append(f"nothing was written to {self.catalog_dir} from {names}")
        return problems


def _count_rows(paths: Sequence[Path]) -> int:
    """Return the non-blank lines after each file's first line (the progress bar's total)."""
    total = 0
    for path in paths:
        try:
            with open_text(path) as handle:
                total += max(sum(1 for line in handle if line.strip()) - 1, 0)
        except OSError:
            continue  # the loader reports it
    return total


def _read(paths: Sequence[Path], show_progress: bool) -> "tqdm[None]":
    """Return a progress bar over the data rows of `paths`."""
    return tqdm(
        total=_count_rows(paths),
        desc="reading",
        unit="rows",
        file=sys.stderr,
        disable=not show_progress,
    )


def _vendor_splits(bar_files: Sequence[Path], ticker: str | None) -> list[StockSplit]:
    """Return the splits the vendor records with `bar_files` (:mod:`catalog.splits`).

    LEAN daily files: their factor file's; Alpha Vantage daily-adjusted CSVs (which need
    `ticker`): the rows whose split coefficient is not 1.
    """
    splits = []
    for path in bar_files:
        factor_file = lean_factor_file(path)
        if factor_file is not None:
            owner = ticker or path.name.split(".")[0]
            splits += splits_from_lean_factor_file(factor_file, owner)
        elif ticker is not None:
            splits += splits_from_alpha_vantage_csv(path, ticker)
    return splits


def _write(
    catalog_dir: Path,
    paths: Sequence[Path],
    loaded: LoadResult,
    show_progress: bool,
    file_counts: Sequence[FileCount],
    derived: Sequence[Data] = (),
    splits: Sequence[StockSplit] = (),
) -> IngestReport:
    """Write what `loaded` holds, the `derived` records and the `splits` in one atomic write."""
    objects = [*loaded.instruments.values(), *loaded.data, *derived, *splits]
    with tqdm(
        total=len(objects),
        desc="writing",
        unit="objects",
        file=sys.stderr,
        disable=not show_progress,
    ) as bar:
        stats = write_to_catalog(
            catalog_dir,
            objects,
            progress=bar.update,
            derived_types=tuple({type(record) for record in [*derived, *splits]}),
        )
    return IngestReport(
        catalog_dir=catalog_dir,
        files=tuple(paths),
        rows_read=loaded.rows_read,
        rows_written=stats.rows_written,
        rows_already_present=stats.rows_already_present,
        rejected=loaded.rejects.as_dict(),
        instruments=len(loaded.instruments),
        instruments_written=stats.instruments_written,
        conflicting_rows=stats.conflicting_rows,
        file_counts=tuple(file_counts),
        split_lines=tuple(f"splits: {split_line(split)}" for split in splits),
    )


def _single_underlying(loaded: LoadResult) -> str | None:
    """Return the underlying of the loaded options if there is exactly one."""
    underlyings = {
        instrument.underlying
        for instrument in loaded.instruments.values()
        if isinstance(instrument, OptionContract)
    }
    return underlyings.pop() if len(underlyings) == 1 else None


def _load_files(
    paths: Sequence[Path],
    load: Callable[[Path, ProgressCallback], LoadResult],
    bar: "tqdm[None]",
    file_counts: list[FileCount],
) -> LoadResult:
    """Load each of `paths` in turn, naming it on the progress `bar`, and merge the results.

    Appends each file's row counts to `file_counts`.
    """
    loaded = LoadResult()
    for path in paths:
        bar.set_postfix_str(path.name)
        one = load(path, bar.update)
        file_counts.append(FileCount(path, one.rows_read, one.rejects.total))
        loaded.extend(one)
    return loaded


def _ingest_options(
    catalog_dir: Path,
    files: Sequence[Path],
    load_options: Loader,
    layout: str | None,
    bar_files: Sequence[Path],
    ticker: str | None,
    bar_layout: str | None,
    show_progress: bool,
    audit: tuple[float, float] = (AUDIT_RATE, AUDIT_DIVIDEND_YIELD),
    deliverables: Path | None = None,
) -> IngestReport:
    """Load option files, then the underlying's bar files, then write once; audit the greeks.

    The vendor-greeks audit records go into the catalog in the same atomic write as the data
    they are computed from, so a kill never leaves one without the other.
    """
    counts: list[FileCount] = []
    table = load_deliverables(deliverables) if deliverables is not None else None
    with _read([*files, *bar_files], show_progress) as bar:
        loaded = _load_files(
            files,
            lambda path, progress: load_options(path, layout, progress, deliverables=table),
            bar,
            counts,
        )
        bar_ticker = ticker or _single_underlying(loaded)
        loaded.extend(
            _load_files(
                bar_files,
                lambda path, progress: load_underlying_bars(path, bar_ticker, bar_layout, progress),
                bar,
                counts,
            )
        )
    records, summaries = audit_vendor_greeks(loaded.instruments, loaded.data, *audit)
    splits = _vendor_splits(bar_files, bar_ticker)
    report = _write(
        catalog_dir, [*files, *bar_files], loaded, show_progress, counts, records, splits
    )
    if not summaries:
        return report
    lines = (header_line(*audit), *(summary.line() for summary in summaries))
    return replace(report, audit_lines=lines)


def ingest_eod_chains(
    catalog_dir: Path,
    files: Sequence[Path],
    layout: str | None = None,
    bar_files: Sequence[Path] = (),
    ticker: str | None = None,
    bar_layout: str | None = None,
    show_progress: bool = True,
    quote_date: dt.date | None = None,
    audit_rate: float = AUDIT_RATE,
    audit_dividend_yield: float = AUDIT_DIVIDEND_YIELD,
    deliverables: Path | None = None,
) -> IngestReport:
    """Ingest end-of-day option chain files (and optionally the underlying's daily bars).

    The vendor IV and delta of every row with a quote are recomputed from its mid and
    compared (:mod:`catalog.greeks_audit`); the report ends with the summary, and the
    compared rows are stored in the catalog with those beyond the thresholds flagged.

    Parameters
    ----------
    catalog_dir : Path
        The catalog root.
    files : Sequence[Path]
        Chain CSVs (see :mod:`catalog.eod_chains`).
    layout : str, optional
        The chain layout; detected from each header when ``None``.
    bar_files : Sequence[Path], default ()
        Daily bar CSVs of the underlying (see :mod:`catalog.underlying_bars`).
    ticker : str, optional
        The ticker of `bar_files` (rows of other tickers are rejected); defaults to the
        options' underlying when the chains hold exactly one.
    bar_layout : str, optional
        The layout of `bar_files`; detected from each header when ``None``.
    show_progress : bool, default True
        Show progress bars on stderr.
    quote_date : datetime.date, optional
        The session of ``cboe-quotetable`` snapshots, instead of the one their ``Date:`` line
        names.
    audit_rate, audit_dividend_yield : float, default 0.0
        The flat rate and dividend yield (decimals per year) of the greeks audit.
    deliverables : Path, optional
        A deliverables table CSV (:mod:`catalog.deliverables`): contracts of the adjusted
        roots it lists get their deliverable and multiplier; other adjusted roots are
        rejected.

    Returns
    -------
    IngestReport

    Raises
    ------
    OSError
        If a file cannot be read (nothing is written).
    ValueError
        If a file is empty, its header matches no layout, a bar file needs a ticker and
        none is known, or a Cboe snapshot names no date and `quote_date` is None (nothing
        is written).

    """
    load = partial(load_eod_chain, quote_date=quote_date)
    return _ingest_options(
        catalog_dir,
        files,
        load,
        layout,
        bar_files,
        ticker,
        bar_layout,
        show_progress,
        (audit_rate, audit_dividend_yield),
        deliverables,
    )


def ingest_option_bars(
    catalog_dir: Path,
    files: Sequence[Path],
    layout: str | None = None,
    bar_files: Sequence[Path] = (),
    ticker: str | None = None,
    bar_layout: str | None = None,
    show_progress: bool = True,
    deliverables: Path | None = None,
) -> IngestReport:
    """Ingest daily option bar files (and optionally the underlying's daily bars).

    Arguments, return value and errors as :func:`ingest_eod_chains`, except that `files` are
    option day-aggregate CSVs (see :mod:`catalog.option_bars`) and `layout` is the option bars
    layout (detected from each header when ``None``).
    """
    return _ingest_options(
        catalog_dir,
        files,
        load_option_bars,
        layout,
        bar_files,
        ticker,
        bar_layout,
        show_progress,
        deliverables=deliverables,
    )


def ingest_underlying_bars(
    catalog_dir: Path,
    files: Sequence[Path],
    ticker: str | None = None,
    layout: str | None = None,
    show_progress: bool = True,
) -> IngestReport:
    """Ingest daily bar files of underlyings.

    The splits the vendor records with the bars are stored in the same atomic write
    (:mod:`catalog.splits`): a LEAN daily file's, when its factor file sits in its LEAN
    folder, and an Alpha Vantage daily-adjusted CSV's split coefficients.

    Parameters
    ----------
    catalog_dir : Path
        The catalog root.
    files : Sequence[Path]
        Daily bar CSVs (see :mod:`catalog.underlying_bars`).
    ticker : str, optional
        Required for layouts without a ticker column; otherwise rows of other tickers are
        rejected.
    layout : str, optional
        The layout; detected from each header when ``None``.
    show_progress : bool, default True
        Show progress bars on stderr.

    Returns
    -------
    IngestReport

    Raises
    ------
    OSError
        If a file cannot be read (nothing is written).
    ValueError
        If a file is empty, its header matches no layout, or `ticker` is missing for a
        layout without a ticker column (nothing is written).

    """
    counts: list[FileCount] = []
    with _read(files, show_progress) as bar:
        loaded = _load_files(
            files,
            lambda path, progress: load_underlying_bars(path, ticker, layout, progress),
            bar,
            counts,
        )
    splits = _vendor_splits(files, ticker)
    return _write(catalog_dir, files, loaded, show_progress, counts, splits=splits)


def ingest_lean_minute(
    catalog_dir: Path,
    files: Sequence[Path],
    layout: str | None = None,
    show_progress: bool = True,
) -> IngestReport:
    """Ingest QuantConnect LEAN minute zips: option quotes and trades, equity and index bars.

    Parameters
    ----------
    catalog_dir : Path
        The catalog root.
    files : Sequence[Path]
        LEAN minute zips (see :mod:`catalog.lean_minute`), e.g. a day's option quotes and the
        underlying's minute bars in one write.
    layout : str, optional
        One of :data:`catalog.lean_minute.LAYOUTS` for every file; detected from each zip's
        folder and name when ``None``.
    show_progress : bool, default True
        Show progress bars on stderr.

    Returns
    -------
    IngestReport
        Catalog rows written count one ``QuoteTick`` or ``Bar`` per accepted row.

    Raises
    ------
    OSError
        If a file cannot be read (nothing is written).
    ValueError
        If a file is not a LEAN minute zip of a known layout (nothing is written).

    """
    counts: list[FileCount] = []
    loaded = LoadResult()
    quote_parts = []
    with tqdm(desc="reading", unit="rows", file=sys.stderr, disable=not show_progress) as bar:
        for path in files:
            bar.set_postfix_str(path.name)
            one = load_lean_minute(path, layout, bar.update)
            counts.append(FileCount(path, one.result.rows_read, one.result.rejects.total))
            loaded.extend(one.result)
            quote_parts.extend(one.option_quotes)
    tables = option_tables(quote_parts)
    objects = [*loaded.instruments.values(), *loaded.data]
    total = len(objects) + sum(len(table.table) for table in tables)
    with tqdm(
        total=total, desc="writing", unit="rows", file=sys.stderr, disable=not show_progress
    ) as bar:
        stats = write_to_catalog(catalog_dir, objects, progress=bar.update, tables=tables)
    return IngestReport(
        catalog_dir=catalog_dir,
        files=tuple(files),
        rows_read=loaded.rows_read,
        rows_written=stats.rows_written,
        rows_already_present=stats.rows_already_present,
        rejected=loaded.rejects.as_dict(),
        instruments=len(loaded.instruments),
        instruments_written=stats.instruments_written,
        conflicting_rows=stats.conflicting_rows,
        file_counts=tuple(counts),
    )
