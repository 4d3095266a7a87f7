"""Cboe delayed-quote table downloads to Nautilus option contracts, quotes and vendor greeks.

Layout ``cboe-quotetable`` (the CSV cboe.com's delayed quotes page downloads, e.g.
``spx_quotedata.csv``): a one-snapshot chain of every expiration with three lines before the
column header,

- a blank line,
- ``<name>,Last: 413.08,Change: -1.01`` (the underlying's last price),
- ``Date: 14 April 2023, 19:15 UTC−4,Bid: ...`` (when the page was read, New York time),

then the header ``Expiration Date, Calls, Last Sale, Net, Bid, Ask, Volume, IV, Delta, Gamma,
Open Interest, Strike, Puts, Last Sale, Net, Bid, Ask, Volume, IV, Delta, Gamma, Open
Interest`` and one line per expiration and strike holding the call (its OCC symbol, e.g.
``SPY230414C00255000``, then its fields) and the put side by side. Each line is two rows, a
call and a put, counted and rejected separately.

Each accepted row becomes a ``QuoteTick`` (bid/ask in dollars per share; sizes
:data:`options.instruments.EOD_QUOTE_SIZE`, the file has none) and, when its IV is above 0
(Cboe writes 0 when it computed none), an ``OptionGreeks`` (IV as a decimal, delta and gamma
per share; vega, theta and rho 0.0, which the file does not have; the underlying price is the
``Last:`` value; open interest in contracts) and, when its ``Volume`` is not blank, an
:class:`options.option_volume.OptionVolume` (contracts traded in the session; a value that is
not a whole number >= 0 rejects the row). Contract terms come from the OCC symbol, whose
expiration and strike must agree with the ``Expiration Date`` and ``Strike`` columns.

The quote session: the last NYSE session that had opened when the page was read (a download
on a Saturday, or at 07:40 before the open, belongs to the previous session). Rows are stamped
at that session's close, also for a page read during the session (its delayed quotes then
stand for the close, an approximation). The ``Date:`` line is typed by hand in some files
(``Date: 4 June 4, 3:15 PM EDT``); when it names no date, pass the quote session as
``quote_date``, which is also used, unchecked, whenever it is given.
"""

import datetime as dt
import re
from collections.abc import Iterator
from functools import lru_cache, partial
from pathlib import Path

from nautilus_trader.model.data import OptionGreeks, QuoteTick
from nautilus_trader.model.objects import Quantity

from catalog.option_rows import OptionColumns, OptionRowTerms
from catalog.validation import (
    DuplicateGuard,
    Layout,
    LoadResult,
    ProgressCallback,
    RejectReason,
    RowRejected,
    field_text,
    open_csv,
    optional_count,
    parse_count,
    parse_float,
    parse_price,
    session_close,
    validate_rows,
)
from options.index_options import index_of_root
from options.instruments import EOD_QUOTE_SIZE, OPTION_PRICE_PRECISION, make_underlying
from options.market_calendar import is_session, previous_session
from options.option_volume import session_volume

_SIDE = (
    "Last Sale",
    "Net",
    "Bid",
    "Ask",
    "Volume",
    "IV",
    "Delta",
    "Gamma",
    "Open Interest",
)
CBOE_QUOTETABLE = Layout(
    "cboe-quotetable",
    ("expiration date", "calls", *(c.lower() for c in _SIDE), "strike", "puts"),
)
PREAMBLE_LINES = 3
"""Lines before the column header in a Cboe quote-table download."""

# One option row: expiration, symbol, the side's nine fields, strike.
_ROW = ("expiration", "symbol", *(c.lower() for c in _SIDE), "strike")
_COL = {name: i for i, name in enumerate(_ROW)}
_TERMS = OptionColumns(
    symbol="symbol",
    underlying="underlying",
    kind="kind",
    expiration="expiration",
    strike="strike",
    day="day",
)
_MONTHS = {
    name.lower(): number
    for number, names in enumerate(
        (
            ("January", "Jan"),
            ("February", "Feb"),
            ("March", "Mar"),
            ("April", "Apr"),
            ("May",),
            ("June", "Jun"),
            ("July", "Jul"),
            ("August", "Aug"),
            ("September", "Sep", "Sept"),
            ("October", "Oct"),
            ("November", "Nov"),
            ("December", "Dec"),
        ),
        start=1,
    )
    for name in names
}
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})\s+([A-Za-z]+)\s+(\d{4})")
_MONTH_DAY_YEAR = re.compile(r"([A-Za-z]+)\s+(\d{1,2}),?\s+(\d{4})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})\s*([AP]M)?", re.IGNORECASE)
_LAST = re.compile(r"Last:\s*([0-9][0-9,]*\.?[0-9]*)")
_OPEN = dt.time(9, 30)


def is_cboe_quotetable(path: Path) -> bool:
    """Return whether `path` starts like a Cboe quote-table download (header on line 4)."""
    try:
        with open_csv(path) as (_first, rows):
            lines = [next(rows, []) for _ in range(PREAMBLE_LINES)]
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    return CBOE_QUOTETABLE.matches(lines[-1])


def parse_snapshot_time(line: str) -> dt.datetime | None:
    """Return the New York date and time a ``Date:`` line names, or None if it names no date.

    Accepted: ``14 April 2023, 19:15 UTC−4``, ``2 May 2023, 6:06 PM EDT``, ``May 23, 2023 at
    7:39 PM EDT``, ``10 May 2023, at 3:10 PM EDT``; without a time, the end of the day.
    """
    date: dt.date | None = None
    for pattern, order in ((_DAY_MONTH_YEAR, (0, 1, 2)), (_MONTH_DAY_YEAR, (1, 0, 2))):
        found = pattern.search(line)
        if found is None:
            continue
        day, month, year = (found.group(i + 1) for i in order)
        number = _MONTHS.get(month.lower())
        if number is None:
            continue
        try:
            date = dt.date(int(year), number, int(day))
        except ValueError:
            continue
        line = line[found.end() :]
        break
    if date is None:
        return None
    clock = _TIME.search(line)
    if clock is None:
        return dt.datetime.combine(date, dt.time(23, 59))
    hour, minute = int(clock.group(1)), int(clock.group(2))
    meridiem = (clock.group(3) or "").upper()
    if meridiem:
        hour = hour % 12 + (12 if meridiem == "PM" else 0)
    if not (0 <= hour < 24 and 0 <= minute < 60):
        return None
    return dt.datetime.combine(date, dt.time(hour, minute))


def quote_session(read_at: dt.datetime) -> dt.date:
    """Return the session a page read at `read_at` (New York) shows: the last one opened."""
    day = read_at.date()
    if read_at.time() < _OPEN:
        day -= dt.timedelta(days=1)
    return day if is_session(day) else previous_session(day)


def _option_rows(
    rows: Iterator[list[str]], progress: ProgressCallback | None
) -> Iterator[list[str]]:
    """Split each line into a call row and a put row (expiration, symbol, fields, strike)."""
    for line in rows:
        if not any(cell.strip() for cell in line):
            continue
        cells = [*line, *[""] * (22 - len(line))] if len(line) < 22 else line
        expiration, strike = cells[0], cells[11]
        yield [expiration, *cells[1:11], strike]
        yield [expiration, *cells[12:22], strike]
        if progress is not None:
            progress(1)


class _CboeRowParser:
    """Turns one option row (a call or a put of a line) into a quote and greeks."""

    def __init__(self, day: dt.date, underlying_price: float | None, result: LoadResult) -> None:
        self._day = day
        self._day_text = day.isoformat()
        self._underlying_price = underlying_price
        self._result = result
        self._terms = OptionRowTerms(_TERMS)
        self._duplicates = DuplicateGuard()
        self._size = Quantity.from_int(EOD_QUOTE_SIZE)
        self._underlyings: set[str] = set()

    def _text(self, row: list[str], column: str) -> str:
        if column == "day":
            return self._day_text
        if column == "underlying":
            root = self._symbol_terms(field_text(row, _COL["symbol"]))[0]
            return index_of_root(root) or root
        if column == "kind":
            return self._symbol_terms(field_text(row, _COL["symbol"]))[1]
        if column == "expiration":
            return _expiration(field_text(row, _COL["expiration"]))
        return field_text(row, _COL[column])

    @staticmethod
    def _symbol_terms(symbol: str) -> tuple[str, str]:
        """Return the root and right of a compact OCC symbol (checked again by the terms)."""
        if len(symbol) < 16:
            raise RowRejected(RejectReason.UNPARSEABLE_SYMBOL)
        return symbol[:-15], symbol[-9]

    def __call__(self, row: list[str]) -> None:
        text = partial(self._text, row)
        _occ, contract, _day = self._terms.parse(text)
        ts = session_close(self._day)
        bid = parse_price(text("bid"), OPTION_PRICE_PRECISION)
        ask = parse_price(text("ask"), OPTION_PRICE_PRECISION)
        if bid > ask:
            raise RowRejected(RejectReason.CROSSED_QUOTE)
        iv = parse_float(text("iv"))
        if iv < 0:
            raise RowRejected(RejectReason.NEGATIVE_VOLATILITY)
        delta = parse_float(text("delta"))
        gamma = parse_float(text("gamma"))
        open_interest = parse_count(text("open interest"))
        volume = optional_count(row, _COL["volume"])
        self._duplicates.check(contract.id.value, ts)

        result = self._result
        result.add_instrument(contract)
        if contract.underlying not in self._underlyings:
            self._underlyings.add(contract.underlying)
            result.add_instrument(make_underlying(contract.underlying))
        result.data.append(QuoteTick(contract.id, bid, ask, self._size, self._size, ts, ts))
        if iv > 0:
            result.data.append(
                OptionGreeks(
                    contract.id,
                    delta,
                    gamma,
                    0.0,
                    0.0,
                    0.0,
                    iv,
                    iv,
                    iv,
                    self._underlying_price,
                    float(open_interest),
                    ts,
                    ts,
                )
            )
        if volume is not None:
            result.data.append(session_volume(contract.id, volume, ts))


@lru_cache(maxsize=1024)
def _expiration(text: str) -> str:
    """Return ``Fri Apr 14 2023`` as ``2023-04-14``."""
    try:
        return dt.datetime.strptime(text, "%a %b %d %Y").date().isoformat()  # noqa: DTZ007
    except ValueError as exc:
        raise RowRejected(RejectReason.UNPARSEABLE_DATE) from exc


def load_cboe_quotetable(
    path: Path,
    quote_date: dt.date | None = None,
    progress: ProgressCallback | None = None,
) -> LoadResult:
    """Load a Cboe quote-table download into contracts, quotes and greeks.

    Rows (a call or a put of a line) are rejected and counted, never raised, for the reasons
    of :func:`catalog.eod_chains.load_eod_chain`.

    Parameters
    ----------
    path : Path
        The CSV file.
    quote_date : datetime.date, optional
        The session the quotes belong to; by default the last session opened at the time
        the ``Date:`` line names.
    progress : ProgressCallback, optional
        Called with 1 after every line (a call and a put).

    Returns
    -------
    LoadResult
        ``OptionContract``s (and underlyings), then per accepted row a ``QuoteTick`` and, when
        its IV is above 0, an ``OptionGreeks``, in file order.

    Raises
    ------
    OSError
        If the file cannot be read.
    ValueError
        If the file does not start with the three lines and header of the layout, the
        ``Date:`` line names no date and `quote_date` is None, or `quote_date` is not a NYSE
        session.

    """
    result = LoadResult()
    with open_csv(path) as (_blank, rows):
        name_line, date_line, header = (next(rows, []) for _ in range(PREAMBLE_LINES))
        if not CBOE_QUOTETABLE.matches(header):
            raise ValueError(
                f"{path}: line 4 was {','.join(header)!r}; the cboe-quotetable layout has a "
                f"blank line, a name line, a 'Date:' line, then the header "
                f"'Expiration Date,Calls,Last Sale,...,Strike,Puts,...'"
            )
        day = quote_date or _session_of(path, ",".join(date_line))
        try:
            session_close(day)
        except RowRejected as exc:
            raise ValueError(f"{path}: the quote date {day} is not a NYSE session") from exc
        last = _LAST.search(",".join(name_line))
        underlying_price = float(last.group(1).replace(",", "")) if last else None
        parser = _CboeRowParser(day, underlying_price, result)
        validate_rows(_option_rows(rows, progress), result, parser)
    return result


def _session_of(path: Path, date_line: str) -> dt.date:
    read_at = parse_snapshot_time(date_line)
    if read_at is None:
        raise ValueError(
            f"{path}: the 'Date:' line {date_line.split(',Bid')[0]!r} names no date; pass "
            "the quote session with --quote-date YYYY-MM-DD"
        )
    return quote_session(read_at)
