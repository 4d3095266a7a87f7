"""Daily bars of an underlying stock, ETF or index to a Nautilus ``Equity`` and daily bars.

An index with cash-settled options (SPX, XSP, NDX, RUT, VIX; :mod:`options.index_options`)
becomes an ``IndexInstrument`` instead of an ``Equity``.

Layouts, recognised from the header (raw, unadjusted OHLC is used in every case; adjusted
columns are ignored because option strikes and expiry settlement use traded prices):

``tiingo``
    Tiingo end-of-day prices (also the lambdaclass samples): ``symbol, date, close, high, low,
    open, volume, adjClose, ...``. The ticker comes from ``symbol`` (one file may hold several).
``yfinance``
    ``yfinance`` ``download(...).to_csv()`` with a one-line header: ``Date, Open, High, Low,
    Close, Volume``; dates may carry a time part (ignored: the date is the session).
``yfinance-multiheader``
    ``yfinance`` with multi-level columns: a ``Price, <adjusted close>, Close, High, Low, Open,
    Volume`` line, one or more ``Ticker, SPY, ...`` lines, then ``Date,,,...``. The column
    labelled ``Price`` holds the adjusted close and is ignored; the ticker is read from the
    ``Ticker`` line.
``alpha-vantage``
    Alpha Vantage ``TIME_SERIES_DAILY`` / ``TIME_SERIES_DAILY_ADJUSTED`` CSV: ``timestamp,
    open, high, low, close, [adjusted_close,] volume, ...``, newest first.
``nasdaq``
    nasdaq.com "historical data" downloads: ``Date, Close/Last, Volume, Open, High, Low``,
    newest first, dates ``MM/DD/YYYY``, prices with or without a leading ``$``. nasdaq.com
    adjusts these prices for splits (not dividends): before a split they are not the prices
    that traded, so they do not match option strikes of that time.
``lean-daily``
    QuantConnect LEAN daily equity data (``equity/usa/daily/<ticker>.zip`` holding
    ``<ticker>.csv``): no header, rows ``yyyyMMdd HH:mm, open, high, low, close, volume`` with
    prices in dollars × 10,000, raw (not adjusted; LEAN's factor files hold the adjustments,
    which are not applied). Read from the zip or the unzipped CSV; the ticker is the file
    name's stem unless ``ticker`` is given. Detected from the first row.

The files without a ticker (``yfinance``, ``alpha-vantage``, ``nasdaq``) need the ``ticker``
argument.
Each accepted row becomes a ``Bar`` of type ``<TICKER>.US-1-DAY-LAST-EXTERNAL`` (dollars per
share, 4 decimals rounded half-even; volume in shares) stamped ``ts_event = ts_init =`` the
NYSE session close; rows dated on a non-session are dropped and counted.
"""

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from nautilus_trader.model.data import Bar, BarType

from catalog.validation import (
    DuplicateGuard,
    Layout,
    LoadResult,
    ProgressCallback,
    RejectReason,
    RowRejected,
    check_bar_prices,
    column_index,
    detect_layout,
    field_text,
    open_csv,
    parse_date,
    parse_decimal,
    parse_price,
    parse_us_date,
    parse_volume,
    session_close,
    validate_rows,
)
from options.instruments import EQUITY_PRICE_PRECISION, daily_bar_type, make_underlying

TIINGO = Layout("tiingo", ("symbol", "date", "open", "high", "low", "close", "volume"))
YFINANCE_MULTIHEADER = Layout(
    "yfinance-multiheader", ("price", "open", "high", "low", "close", "volume")
)
YFINANCE = Layout("yfinance", ("date", "open", "high", "low", "close", "volume"))
ALPHA_VANTAGE = Layout("alpha-vantage", ("timestamp", "open", "high", "low", "close", "volume"))
NASDAQ = Layout("nasdaq", ("date", "close/last", "volume", "open", "high", "low"))
LEAN_DAILY = Layout(
    "lean-daily",
    ("date", "open", "high", "low", "close", "volume"),
    first_row=re.compile(r"\d{8} \d{2}:\d{2},\d+,\d+,\d+,\d+,\d+"),
)
LAYOUTS = (TIINGO, YFINANCE_MULTIHEADER, YFINANCE, ALPHA_VANTAGE, NASDAQ, LEAN_DAILY)
"""The underlying bar layouts :func:`load_underlying_bars` recognises, in detection order."""

_LEAN_PRICE_SCALE = Decimal(10_000)


def _parse_day(text: str) -> dt.date:
    """Parse ``YYYY-MM-DD`` optionally followed by a time (``2021-01-04 14:30:00``)."""
    if len(text) > 10 and text[10] in " T":
        text = text[:10]
    return parse_date(text)


def _parse_lean_day(text: str) -> dt.date:
    """Parse LEAN's ``yyyyMMdd HH:mm`` (the time is 00:00 for daily rows)."""
    return _parse_day(f"{text[:4]}-{text[4:6]}-{text[6:8]}" if text[:8].isdigit() else text)


def _dollars(text: str) -> str:
    """Return a price without nasdaq.com's leading ``$``."""
    return text.removeprefix("$")


def _lean_dollars(text: str) -> str:
    """Return a LEAN price (dollars × 10,000, a whole number) in dollars."""
    return str(parse_decimal(text) / _LEAN_PRICE_SCALE)


@dataclass(frozen=True, slots=True)
class _Fields:
    """Where a layout keeps a bar's fields and how they are written."""

    date: str = "date"
    close: str = "close"
    parse_day: Callable[[str], dt.date] = _parse_day
    price: Callable[[str], str] = str


_FIELDS = {
    TIINGO.name: _Fields(),
    YFINANCE_MULTIHEADER.name: _Fields(date="price"),
    YFINANCE.name: _Fields(),
    ALPHA_VANTAGE.name: _Fields(date="timestamp"),
    NASDAQ.name: _Fields(close="close/last", parse_day=parse_us_date, price=_dollars),
    LEAN_DAILY.name: _Fields(parse_day=_parse_lean_day, price=_lean_dollars),
}


class _UnderlyingRowParser:
    """Turns accepted rows into equities and daily bars."""

    def __init__(
        self,
        layout: Layout,
        header: list[str],
        result: LoadResult,
        file_ticker: str | None,
        ticker: str | None,
    ) -> None:
        fields = _FIELDS[layout.name]
        if layout.has_header:
            self._col = column_index(header, layout.columns)
        else:
            self._col = {name: i for i, name in enumerate(layout.columns)}
        self._date = 0 if layout is YFINANCE_MULTIHEADER else self._col[fields.date]
        self._close = self._col[fields.close]
        self._parse_day = fields.parse_day
        self._price = fields.price
        self._fixed_ticker = file_ticker or ticker or ""
        self._wanted = ticker
        self._result = result
        self._bar_types: dict[str, BarType] = {}
        self._duplicates = DuplicateGuard()

    def _bar_type(self, ticker: str) -> BarType:
        bar_type = self._bar_types.get(ticker)
        if bar_type is None:
            equity = make_underlying(ticker)
            self._result.add_instrument(equity)
            bar_type = daily_bar_type(equity.id)
            self._bar_types[ticker] = bar_type
        return bar_type

    def __call__(self, row: list[str]) -> None:
        col = self._col
        symbol = col.get("symbol")
        ticker = self._fixed_ticker if symbol is None else field_text(row, symbol).upper()
        if self._wanted is not None and ticker != self._wanted:
            raise RowRejected(RejectReason.TICKER_MISMATCH)
        ts = session_close(self._parse_day(field_text(row, self._date)))
        open_, high, low, close = (
            parse_price(self._price(field_text(row, index)), EQUITY_PRICE_PRECISION)
            for index in (col["open"], col["high"], col["low"], self._close)
        )
        check_bar_prices(open_, high, low, close)
        volume = parse_volume(field_text(row, col["volume"]))
        self._duplicates.check(ticker, ts)
        bar_type = self._bar_type(ticker)
        self._result.data.append(Bar(bar_type, open_, high, low, close, volume, ts, ts))


def _multiheader_ticker(header: list[str], rows: Iterator[list[str]], path: Path) -> str:
    """Consume the ``Ticker`` and ``Date`` lines of a multi-level yfinance CSV; return the ticker.

    Raises
    ------
    ValueError
        If the lines after the first are not ``Ticker,...`` lines followed by ``Date,...``.

    """
    close = column_index(header, ("close",))["close"]
    tickers: set[str] = set()
    for row in rows:
        label = row[0].strip().lower() if row else ""
        if label == "ticker" and len(row) > close and row[close].strip():
            tickers.add(row[close].strip().upper())
        elif label == "date" and len(tickers) == 1:
            return tickers.pop()
        else:
            break
    raise ValueError(
        f"{path}: the yfinance-multiheader layout expects 'Ticker,<TICKER>,...' line(s) naming "
        f"one ticker, then a 'Date,,...' line after the 'Price,...' header; tickers were "
        f"{sorted(tickers)}"
    )


def load_underlying_bars(
    path: Path,
    ticker: str | None = None,
    layout: str | None = None,
    progress: ProgressCallback | None = None,
) -> LoadResult:
    """Load a daily bars CSV of an underlying into ``Equity`` instruments and daily bars.

    Rows are rejected (and counted by reason, never raised) when a field is missing or
    unparseable, a price or the volume is negative, high < low or open/close lie outside
    [low, high], the date is not a NYSE session (or outside the market calendar), the row's
    ticker differs from `ticker`, or the same ticker and date appeared earlier in the file.

    Parameters
    ----------
    path : Path
        The CSV file.
    ticker : str, optional
        The underlying ticker. Required for layouts without one (``yfinance``,
        ``alpha-vantage``, ``nasdaq``); for layouts with one, rows of other tickers are
        rejected; ``lean-daily`` takes it from the file name when not given.
    layout : str, optional
        The layout name (see :data:`LAYOUTS`); detected from the header when ``None``.
    progress : ProgressCallback, optional
        Called with 1 after every data row.

    Returns
    -------
    LoadResult
        One ``Equity`` (``IndexInstrument`` for an index) per ticker and one ``Bar`` per
        accepted row, in file order.

    Raises
    ------
    OSError
        If the file cannot be read.
    ValueError
        If the file is empty, its header matches no layout (the message lists the expected
        headers), or `ticker` is ``None`` for a layout without a ticker column.

    """
    wanted = ticker.strip().upper() if ticker else None
    result = LoadResult()
    with open_csv(path) as (header, rows):
        chosen = detect_layout(header, LAYOUTS, path, layout)
        file_ticker = None
        if chosen is YFINANCE_MULTIHEADER:
            file_ticker = _multiheader_ticker(header, rows, path)
        elif chosen is LEAN_DAILY:
            file_ticker = wanted or path.stem.upper()
            rows = itertools.chain([header], rows)
        elif chosen is not TIINGO and wanted is None:
            raise ValueError(
                f"{path}: ticker was None; the {chosen.name} layout has no ticker column, "
                "so pass the underlying ticker (e.g. ticker='SPY')"
            )
        parser = _UnderlyingRowParser(chosen, header, result, file_ticker, wanted)
        validate_rows(rows, result, parser, progress)
    return result
