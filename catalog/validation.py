"""Row validation shared by the file loaders: reject reasons, counters, field parsers, layouts.

Every loader reads a vendor file row by row. A malformed row is never half-written: the field
parsers here raise :class:`RowRejected` with a :class:`RejectReason`, the loader counts it in a
:class:`RejectCounter` and moves on, so one bad row never stops a file. Layouts (which vendor
produced a CSV) are recognised from the header by :func:`detect_layout`, which raises a clear
``ValueError`` naming the expected headers when nothing matches.
"""

import csv
import datetime as dt
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from nautilus_trader.core.data import Data
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.objects import Price, Quantity

from options.market_calendar import is_session, session_close_ns

ProgressCallback = Callable[[int], object]
"""Called by loaders with the number of rows just processed (a ``tqdm.update``)."""


class RejectReason(StrEnum):
    """Why a vendor row was rejected (the value is the label shown in ingest summaries)."""

    MALFORMED_ROW = "malformed row (too few fields)"
    MISSING_VALUE = "missing value"
    UNPARSEABLE_NUMBER = "unparseable number"
    UNPARSEABLE_DATE = "unparseable date"
    UNPARSEABLE_SYMBOL = "unparseable OCC symbol"
    SYMBOL_MISMATCH = "OCC symbol disagrees with type/expiration/strike columns"
    SPLIT_ADJUSTED = "split-adjusted"
    ADJUSTED_ROOT = "adjusted root not in the deliverables table"
    TICKER_MISMATCH = "ticker differs from the requested ticker"
    NEGATIVE_PRICE = "negative price"
    NEGATIVE_QUANTITY = "negative volume or open interest"
    NEGATIVE_VOLATILITY = "negative implied volatility"
    CROSSED_QUOTE = "bid above ask"
    NO_ASK = "no ask (blank or 0)"
    TIME_OUTSIDE_DAY = "time outside the day"
    HIGH_BELOW_LOW = "bar high below low"
    OPEN_CLOSE_OUTSIDE_RANGE = "bar open or close outside high-low range"
    EXPIRED_BEFORE_QUOTE_DATE = "expiration before quote date"
    NON_SESSION = "date is not a NYSE session"
    OUTSIDE_CALENDAR = "date outside the market calendar's range"
    DUPLICATE_ROW = "duplicate instrument and date in the input"


class RowRejected(Exception):  # noqa: N818 (a signal, not an error, inside the loaders)
    """Raised by field parsers when a row must be rejected.

    Parameters
    ----------
    reason : RejectReason
        Why the row is rejected.

    """

    def __init__(self, reason: RejectReason) -> None:
        super().__init__(reason.value)
        self.reason = reason


class RejectCounter:
    """Counts rejected rows by :class:`RejectReason`."""

    def __init__(self) -> None:
        self._counts: Counter[RejectReason] = Counter()

    def add(self, reason: RejectReason, count: int = 1) -> None:
        """Count `count` rows rejected for `reason`."""
        self._counts[reason] += count

    def update(self, other: "RejectCounter") -> None:
        """Add every count of `other` to this counter."""
        self._counts.update(other._counts)

    @property
    def total(self) -> int:
        """Return the number of rejected rows."""
        return sum(self._counts.values())

    def as_dict(self) -> dict[str, int]:
        """Return ``{reason label: count}`` for reasons seen, most frequent first."""
        return {reason.value: count for reason, count in self._counts.most_common()}

    def __getitem__(self, reason: RejectReason) -> int:
        return self._counts[reason]


@dataclass(slots=True)
class LoadResult:
    """What a loader made of one or more files.

    Parameters
    ----------
    instruments : dict[str, Instrument]
        Instrument definitions by instrument ID string (one per ID).
    data : list[Data]
        Quotes, greeks and bars built from accepted rows, in file order.
    rows_read : int
        Data rows read (header lines excluded), accepted or rejected.
    rejects : RejectCounter
        Rejected rows by reason.

    """

    instruments: dict[str, Instrument] = field(default_factory=dict)
    data: list[Data] = field(default_factory=list)
    rows_read: int = 0
    rejects: RejectCounter = field(default_factory=RejectCounter)

    def add_instrument(self, instrument: Instrument) -> None:
        """Keep `instrument` unless one with the same ID is already held."""
        self.instruments.setdefault(instrument.id.value, instrument)

    def extend(self, other: "LoadResult") -> None:
        """Append everything `other` holds (instruments by ID, data, counts)."""
        for instrument in other.instruments.values():
            self.add_instrument(instrument)
        self.data.extend(other.data)
        self.rows_read += other.rows_read
        self.rejects.update(other.rejects)


@dataclass(frozen=True, slots=True)
class Layout:
    """A vendor CSV layout, recognised by the columns its header must contain.

    Parameters
    ----------
    name : str
        The layout name users pass as ``layout`` (e.g. ``historicaloptiondata``).
    columns : tuple[str, ...]
        Column names the header must contain (compared case-insensitively, any order; extra
        columns are allowed and ignored). For a layout without a header, what its fields hold.
    first_row : re.Pattern[str], optional
        For a layout without a header line: the pattern the first line (fields joined by
        commas) must match in full; that line is then a data row.

    """

    name: str
    columns: tuple[str, ...]
    first_row: re.Pattern[str] | None = None

    def matches(self, header: Sequence[str]) -> bool:
        """Return whether `header` contains every required column (or is a matching row)."""
        if self.first_row is not None:
            return bool(self.first_row.fullmatch(",".join(cell.strip() for cell in header)))
        names = {name.strip().lower() for name in header}
        return all(column in names for column in self.columns)

    @property
    def has_header(self) -> bool:
        """Return whether files of this layout start with a header line."""
        return self.first_row is None


def detect_layout(
    header: Sequence[str],
    layouts: Sequence[Layout],
    path: Path,
    name: str | None = None,
) -> Layout:
    """Return the layout of a CSV from its header, or the named one after checking it.

    Parameters
    ----------
    header : Sequence[str]
        The header row.
    layouts : Sequence[Layout]
        Candidate layouts, tried in order.
    path : Path
        The file, for error messages.
    name : str, optional
        A layout name that must be used (its columns are still checked).

    Returns
    -------
    Layout

    Raises
    ------
    ValueError
        If `name` is unknown, or the header does not contain the columns of `name` (or of
        any layout when `name` is ``None``). The message lists the expected headers.

    """
    if name is not None:
        chosen = [layout for layout in layouts if layout.name == name]
        if not chosen:
            known = ", ".join(layout.name for layout in layouts)
            raise ValueError(f"layout was {name!r}; expected one of: {known}")
        candidates: Sequence[Layout] = chosen
    else:
        candidates = layouts
    for layout in candidates:
        if layout.matches(header):
            return layout
    expected = "; ".join(f"{layout.name}: {','.join(layout.columns)}" for layout in candidates)
    raise ValueError(
        f"{path}: header was {','.join(header)!r}, which matches no known layout. "
        f"Expected headers containing the columns of {expected}"
    )


def column_index(header: Sequence[str], columns: Iterable[str]) -> dict[str, int]:
    """Return the position of each of `columns` in `header` (case-insensitive)."""
    positions = {name.strip().lower(): i for i, name in enumerate(header)}
    return {column: positions[column] for column in columns}


def optional_column(header: Sequence[str], column: str) -> int | None:
    """Return the position of `column` in `header` (case-insensitive), or None if absent."""
    for index, name in enumerate(header):
        if name.strip().lower() == column:
            return index
    return None


def optional_count(row: Sequence[str], index: int | None) -> int | None:
    """Return the whole count at `index` (:func:`parse_count`), or None where there is none.

    None when the column is absent (`index` None), the row ends before it or the field is
    blank.

    Raises
    ------
    RowRejected
        As :func:`parse_count`, for a field that is neither blank nor a valid count.

    """
    if index is None or index >= len(row) or not row[index].strip():
        return None
    return parse_count(row[index].strip())


def field_text(row: Sequence[str], index: int) -> str:
    """Return the stripped field at `index`.

    Raises
    ------
    RowRejected
        ``MALFORMED_ROW`` if the row is too short, ``MISSING_VALUE`` if the field is blank.

    """
    if index >= len(row):
        raise RowRejected(RejectReason.MALFORMED_ROW)
    text = row[index].strip()
    if not text:
        raise RowRejected(RejectReason.MISSING_VALUE)
    return text


def parse_decimal(text: str) -> Decimal:
    """Parse a finite decimal number.

    Raises
    ------
    RowRejected
        ``UNPARSEABLE_NUMBER`` if `text` is not a finite number.

    """
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise RowRejected(RejectReason.UNPARSEABLE_NUMBER) from exc
    if not value.is_finite():
        raise RowRejected(RejectReason.UNPARSEABLE_NUMBER)
    return value


def parse_float(text: str) -> float:
    """Parse a finite float (greeks, IV, underlying price).

    Raises
    ------
    RowRejected
        ``UNPARSEABLE_NUMBER`` if `text` is not a finite number.

    """
    return float(parse_decimal(text))


def parse_price(text: str, precision: int) -> Price:
    """Parse a non-negative price in dollars per share, rounded half-even to `precision`.

    Raises
    ------
    RowRejected
        ``UNPARSEABLE_NUMBER`` or ``NEGATIVE_PRICE``.

    """
    value = parse_decimal(text)
    if value < 0:
        raise RowRejected(RejectReason.NEGATIVE_PRICE)
    quantized = value.quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_EVEN)
    return Price.from_str(str(quantized))


MAX_COUNT = 2**53
"""Largest count accepted: every whole number up to it is exact as a float."""


def parse_count(text: str) -> int:
    """Parse a non-negative whole count (volume, open interest); ``"12.0"`` is accepted.

    Raises
    ------
    RowRejected
        ``UNPARSEABLE_NUMBER`` if not a whole number or above :data:`MAX_COUNT`,
        ``NEGATIVE_QUANTITY`` if negative.

    """
    value = parse_decimal(text)
    if value != value.to_integral_value() or value > MAX_COUNT:
        raise RowRejected(RejectReason.UNPARSEABLE_NUMBER)
    if value < 0:
        raise RowRejected(RejectReason.NEGATIVE_QUANTITY)
    return int(value)


def parse_volume(text: str) -> Quantity:
    """Parse a non-negative whole volume as a ``Quantity`` (see :func:`parse_count`)."""
    return Quantity.from_int(parse_count(text))


def parse_date(text: str) -> dt.date:
    """Parse an ISO ``YYYY-MM-DD`` date.

    Raises
    ------
    RowRejected
        ``UNPARSEABLE_DATE``.

    """
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise RowRejected(RejectReason.UNPARSEABLE_DATE) from exc


def parse_us_date(text: str) -> dt.date:
    """Parse a US ``MM/DD/YYYY`` date.

    Raises
    ------
    RowRejected
        ``UNPARSEABLE_DATE``.

    """
    try:
        return dt.datetime.strptime(text, "%m/%d/%Y").date()  # noqa: DTZ007 (a calendar date)
    except ValueError as exc:
        raise RowRejected(RejectReason.UNPARSEABLE_DATE) from exc


def check_bar_prices(open_: Price, high: Price, low: Price, close: Price) -> None:
    """Check a bar's OHLC are consistent (low <= open, close <= high).

    Raises
    ------
    RowRejected
        ``HIGH_BELOW_LOW`` or ``OPEN_CLOSE_OUTSIDE_RANGE``.

    """
    if high < low:
        raise RowRejected(RejectReason.HIGH_BELOW_LOW)
    if not (low <= open_ <= high and low <= close <= high):
        raise RowRejected(RejectReason.OPEN_CLOSE_OUTSIDE_RANGE)


@lru_cache(maxsize=65_536)
def _close_ns_or_reason(day: dt.date) -> int | RejectReason:
    try:
        if not is_session(day):
            return RejectReason.NON_SESSION
    except ValueError:  # exchange_calendars' DateOutOfBounds is a ValueError
        return RejectReason.OUTSIDE_CALENDAR
    return session_close_ns(day)


def session_close(day: dt.date) -> int:
    """Return the NYSE session close of `day` in UNIX nanoseconds (cached per day).

    Raises
    ------
    RowRejected
        ``NON_SESSION`` if `day` is not a session, ``OUTSIDE_CALENDAR`` if it lies outside
        the range of ``options.market_calendar``.

    """
    result = _close_ns_or_reason(day)
    if isinstance(result, RejectReason):
        raise RowRejected(result)
    return result


class DuplicateGuard:
    """Rejects a second row for the same (instrument, timestamp) within one load."""

    def __init__(self) -> None:
        self._seen: set[tuple[str, int]] = set()

    def check(self, key: str, ts: int) -> None:
        """Record (`key`, `ts`).

        Raises
        ------
        RowRejected
            ``DUPLICATE_ROW`` if the pair was recorded before.

        """
        pair = (key, ts)
        if pair in self._seen:
            raise RowRejected(RejectReason.DUPLICATE_ROW)
        self._seen.add(pair)


def open_text(path: Path) -> AbstractContextManager[io.TextIOBase]:
    """Open a CSV file as text; a ``.zip`` holding exactly one file opens that file.

    LEAN data folders, for example, keep each CSV zipped (``spy.zip`` holds ``spy.csv``).

    Raises
    ------
    OSError
        If the file cannot be read, or is a zip that does not hold exactly one file.

    """
    if path.suffix.lower() != ".zip":
        return path.open(newline="", encoding="utf-8-sig")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise OSError(f"{path}: not a zip file ({exc})") from exc
    members = [info for info in archive.infolist() if not info.is_dir()]
    if len(members) != 1:
        archive.close()
        names = ", ".join(info.filename for info in members) or "nothing"
        raise OSError(f"{path}: a zip must hold exactly one CSV file; it held {names}")
    return _ZippedText(archive, members[0])


class _ZippedText(io.TextIOWrapper):
    """The text of one zip member; closing it closes the archive too."""

    def __init__(self, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
        super().__init__(archive.open(member), encoding="utf-8-sig", newline="")
        self._archive = archive

    def close(self) -> None:
        super().close()
        self._archive.close()


@contextmanager
def open_csv(path: Path) -> Iterator[tuple[list[str], Iterator[list[str]]]]:
    """Open a CSV file (or a zip of one, :func:`open_text`); yield its first row and the rest.

    Raises
    ------
    OSError
        If the file cannot be read.
    ValueError
        If the file is empty (no header).

    """
    with open_text(path) as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise ValueError(f"{path}: file was empty; expected a CSV header")
        yield header, reader


def validate_rows(
    rows: Iterable[list[str]],
    result: LoadResult,
    accept_row: Callable[[list[str]], None],
    progress: ProgressCallback | None = None,
) -> None:
    """Feed each non-blank row to `accept_row`, counting it and any rejection in `result`.

    Parameters
    ----------
    rows : Iterable[list[str]]
        CSV rows after the header(s).
    result : LoadResult
        Receives the row count and reject counts (`accept_row` adds the objects).
    accept_row : Callable[[list[str]], None]
        Parses one row into `result`, raising :class:`RowRejected` to reject it; it must add
        nothing to `result` before it is sure the row is accepted.
    progress : ProgressCallback, optional
        Called with 1 after every row.

    """
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        result.rows_read += 1
        try:
            accept_row(row)
        except RowRejected as rejected:
            result.rejects.add(rejected.reason)
        if progress is not None:
            progress(1)
