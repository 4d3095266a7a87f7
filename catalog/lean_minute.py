"""QuantConnect LEAN minute zips to Nautilus option quotes, minute bars and instruments.

LEAN's data folder (``<security type>/usa/minute/<ticker>/``) holds one zip per day and type.
Layouts (the name users pass as ``--layout``), with the rows of each CSV inside:

- ``lean-option-quote``: ``option/.../YYYYMMDD_quote_american.zip`` and
  ``indexoption/.../YYYYMMDD_quote_european.zip``; rows ``ms, bid open, high, low, close,
  bid size, ask open, high, low, close, ask size``.
- ``lean-option-trade``: ``option|indexoption/.../YYYYMMDD_trade_<style>.zip``; rows
  ``ms, open, high, low, close, volume``.
- ``lean-equity-quote`` and ``lean-equity-trade``: ``equity/.../YYYYMMDD_quote.zip`` and
  ``YYYYMMDD_trade.zip`` (rows as above).
- ``lean-index-trade``: ``index/.../YYYYMMDD_trade.zip`` (rows as trades).

An option zip holds one CSV per contract, named ``YYYYMMDD_<root>_minute_<quote|trade>_<style>_
<call|put>_<strike x 10000>_<expiry>.csv``;
the contract is built from that name (root ``spxw`` gives ``SPXW`` options on the ``SPX``
index). The layout is detected from the zip's folder and name (a zip saved twice,
``.zip.zip``, is read the same); pass ``layout`` for a zip moved out of its folder. Open-interest
zips are refused.

Units and times
    Prices are dollars x 10,000 in option, equity and option-on-index files; index bars
    (``index/usa/minute/spx``) are in dollars (SPX's 2021-01-04 file closes at ``3700.65``,
    its official close). ``ms`` is milliseconds since midnight, New York time, except index
    bars, which LEAN stamps in Central time (the first SPX bar is ``08:30``, the 09:30 New
    York open). Each row describes the minute starting at ``ms``; Nautilus stamps bars at
    their end, so every quote and bar is stamped ``ts_event = ts_init =`` the minute's end in
    UTC (the 09:30-09:31 New York minute is ``13:31`` or ``14:31`` UTC).

What is written
    Quote rows become ``QuoteTick`` s at the minute's closing bid and ask with their sizes
    (options: 2-decimal prices, whole contracts; equities: 4 decimals, shares). A blank side
    (no bid) is a quote of 0.00 with size 0. Trade rows become 1-minute ``LAST`` bars
    (``SPY.US-1-MINUTE-LAST-EXTERNAL``, the same for each option contract). Each contract
    gives an ``OptionContract`` and each underlying an ``Equity`` or ``IndexInstrument``
    (:mod:`options.instruments`).

Rejected rows (counted by reason): a field missing or not a number, too many fields, a
negative price or size, a zero ask, a bid above the ask, a bar whose open or close is outside its
high-low range, a time outside the day, a second row for the same minute, every row of a day
that is not a NYSE session, and every row of a contract that expired before the day.
"""

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
from nautilus_trader.model.data import Bar, QuoteTick
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.objects import Price, Quantity

from catalog.nautilus_tables import OptionQuoteColumns
from catalog.validation import LoadResult, ProgressCallback, RejectReason, session_close
from catalog.validation import RowRejected as _RowRejected
from options.instruments import (
    EQUITY_PRICE_PRECISION,
    OPTION_PRICE_PRECISION,
    make_option_contract,
    make_underlying,
    minute_bar_type,
)
from options.market_calendar import NEW_YORK
from options.occ import format_occ, parse_occ

LeanKind = Literal["option-quote", "option-trade", "equity-quote", "equity-trade", "index-trade"]

LAYOUTS: dict[str, LeanKind] = {
    "lean-option-quote": "option-quote",
    "lean-option-trade": "option-trade",
    "lean-equity-quote": "equity-quote",
    "lean-equity-trade": "equity-trade",
    "lean-index-trade": "index-trade",
}
"""Layout names users pass as ``--layout``, and what each zip holds."""

PRICE_SCALE = 10_000
"""LEAN stores option, equity and option-on-index prices as dollars x 10,000."""

CENTRAL = ZoneInfo("America/Chicago")
"""The time zone LEAN stamps index bars in."""

_MINUTE_NS = 60_000_000_000
_DAY_MS = 86_400_000
_QUOTE_COLUMNS = ("ms", "bo", "bh", "bl", "bc", "bs", "ao", "ah", "al", "ac", "asz")
_TRADE_COLUMNS = ("ms", "o", "h", "l", "c", "v")
_ZIP_NAME = re.compile(
    r"^(?P<day>\d{8})_(?P<type>quote|trade|openinterest)(?:_(?P<style>american|european))?"
    r"\.zip(?:\.zip)?$"
)
_OPTION_CSV = re.compile(
    r"^(?P<day>\d{8})_(?P<root>[a-z0-9]+)_minute_(?:quote|trade)_(?:american|european)_"
    r"(?P<right>call|put)_(?P<strike>\d+)_(?P<expiry>\d{8})\.csv$"
)
_UNDERLYING_CSV = re.compile(r"^(?P<day>\d{8})_(?P<ticker>[a-z0-9.]+)_minute_(?:quote|trade)\.csv$")


@dataclass(slots=True)
class LeanMinuteLoad:
    """What :func:`load_lean_minute` made of one zip.

    Parameters
    ----------
    result : LoadResult
        Instruments, minute bars and underlying quotes (as Nautilus objects), rows read and
        rejected by reason.
    option_quotes : list[OptionQuoteColumns]
        Option quotes, column-wise (written through
        :func:`catalog.nautilus_tables.option_tables`), one part per contract.

    """

    result: LoadResult = field(default_factory=LoadResult)
    option_quotes: list[OptionQuoteColumns] = field(default_factory=list)


def detect_lean_layout(path: Path, layout: str | None = None) -> LeanKind:
    """Return what a LEAN minute zip holds, from its folder and name or from `layout`.

    Parameters
    ----------
    path : Path
        The zip (``.../option/usa/minute/spy/20230803_quote_american.zip``).
    layout : str, optional
        One of :data:`LAYOUTS`; overrides the folder.

    Returns
    -------
    LeanKind

    Raises
    ------
    ValueError
        If `layout` is unknown, the file is an open-interest zip, or the kind cannot be told
        from the path (the message names the file and the layouts).

    """
    known = ", ".join(LAYOUTS)
    if layout is not None:
        if layout not in LAYOUTS:
            raise ValueError(f"layout was {layout!r}; expected one of: {known}")
        return LAYOUTS[layout]
    match = _ZIP_NAME.match(path.name)
    if match is not None and match["type"] == "openinterest":
        raise ValueError(f"{path}: LEAN open-interest files are not ingested; leave them out")
    parts = [part.lower() for part in path.parts]
    security = parts[-5] if len(parts) >= 5 and parts[-3] == "minute" else None
    if match is None or security not in ("option", "indexoption", "equity", "index"):
        raise ValueError(
            f"{path}: not a LEAN minute zip in its folder "
            "(<option|indexoption|equity|index>/usa/minute/<ticker>/YYYYMMDD_<quote|trade>...zip); "
            f"pass --layout, one of: {known}"
        )
    data_type = match["type"]
    if security in ("option", "indexoption"):
        return "option-quote" if data_type == "quote" else "option-trade"
    if security == "index":
        if data_type != "trade":
            raise ValueError(f"{path}: LEAN index folders hold trade bars only")
        return "index-trade"
    return "equity-quote" if data_type == "quote" else "equity-trade"


def load_lean_minute(
    path: Path, layout: str | None = None, progress: ProgressCallback | None = None
) -> LeanMinuteLoad:
    """Load one LEAN minute zip (see the module docstring for layouts, units and rejects).

    Parameters
    ----------
    path : Path
        The zip file.
    layout : str, optional
        One of :data:`LAYOUTS`; detected from the folder and name when ``None``.
    progress : ProgressCallback, optional
        Called with the number of rows of each CSV after it is read.

    Returns
    -------
    LeanMinuteLoad

    Raises
    ------
    OSError
        If the file cannot be read.
    ValueError
        If it is not a zip, holds a CSV whose name does not fit the layout, or the layout
        cannot be detected (nothing is loaded).

    """
    kind = detect_lean_layout(path, layout)
    load = LeanMinuteLoad()
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ValueError(f"{path}: not a zip file ({exc})") from exc
    with archive:
        names = sorted(archive.namelist())
        files = _read_zip_rows([archive.read(name) for name in names], kind)
    for name, rows in zip(names, files, strict=True):
        load.result.rows_read += rows.count
        if kind.startswith("option"):
            _option_file(load, path, name, kind, rows)
        else:
            _underlying_file(load, path, name, kind, rows)
        if progress is not None:
            progress(rows.count)
    return load


@dataclass(slots=True)
class _Rows:
    """The numeric rows of one CSV; `bad` marks rows already rejected (reason in `reasons`)."""

    values: npt.NDArray[np.float64]  # one column per name of _QUOTE_COLUMNS or _TRADE_COLUMNS
    names: tuple[str, ...]
    count: int
    bad: npt.NDArray[np.bool_]
    reasons: dict[RejectReason, int]

    def col(self, name: str) -> npt.NDArray[np.float64]:
        """Return the column `name`."""
        return self.values[:, self.names.index(name)]

    def kept(self, keep: npt.NDArray[np.intp]) -> dict[str, npt.NDArray[np.float64]]:
        """Return the rows at positions `keep`, by column name."""
        return {name: self.values[keep, i] for i, name in enumerate(self.names)}

    def cols(self, names: tuple[str, ...]) -> npt.NDArray[np.float64]:
        """Return the columns `names`, one row per row."""
        return self.values[:, [self.names.index(name) for name in names]]

    def reject(self, mask: npt.NDArray[np.bool_], reason: RejectReason) -> None:
        """Reject the rows of `mask` not rejected yet, counting them under `reason`."""
        new = mask & ~self.bad
        if new.any():
            self.reasons[reason] = self.reasons.get(reason, 0) + int(new.sum())
            self.bad |= new


def _read_zip_rows(contents: list[bytes], kind: LeanKind) -> list[_Rows]:
    """Parse the CSVs of one zip in one ``pandas.read_csv`` call; reject malformed rows.

    Each non-blank line is prefixed with its file's position, so one parse serves every
    contract of a full chain. Blank fields are NaN; a field that is not a number makes the
    fast float parse fail, and the file is then parsed as text to find the rows.
    """
    columns = _QUOTE_COLUMNS if kind.endswith("quote") else _TRADE_COLUMNS
    names = ["file", *columns]
    counts = []
    lines: list[bytes] = []
    for position, raw in enumerate(contents):
        ours = [b"%d,%s" % (position, line) for line in raw.splitlines() if line.strip()]
        counts.append(len(ours))
        lines.extend(ours)
    joined = b"\n".join(lines)
    try:
        numbers = pd.read_csv(
            io.BytesIO(joined), header=None, names=names, dtype=np.float64, on_bad_lines="skip"
        )
        unparseable = np.zeros((len(numbers), len(names)), dtype=bool)
    except ValueError:
        text = pd.read_csv(
            io.BytesIO(joined),
            header=None,
            names=names,
            dtype=str,
            on_bad_lines="skip",
            keep_default_na=False,
        ).apply(lambda column: column.str.strip())
        numbers = text.apply(pd.to_numeric, errors="coerce")
        unparseable = (numbers.isna() & (text != "")).to_numpy()
    table = numbers.to_numpy(dtype=np.float64)
    by_file = table[:, 0]  # ascending: files were joined in order
    bounds = np.searchsorted(by_file, np.arange(len(counts) + 1), side="left")
    result = []
    for position, count in enumerate(counts):
        mine = np.arange(bounds[position], bounds[position + 1])
        values = table[bounds[position] : bounds[position + 1], 1:]
        rows = _Rows(values, columns, count, np.zeros(len(mine), dtype=bool), {})
        if len(mine) < count:  # lines with too many fields were skipped by pandas
            rows.reasons[RejectReason.MALFORMED_ROW] = count - len(mine)
        _reject_blanks(rows, kind, unparseable[mine, 1:])
        result.append(rows)
    return result


def _reject_blanks(rows: _Rows, kind: LeanKind, unparseable: npt.NDArray[np.bool_]) -> None:
    """Reject unparseable and missing fields; a quote's blank bid side is a bid of 0."""
    blank = np.isnan(rows.values) & ~unparseable
    rows.reject(unparseable.any(axis=1), RejectReason.UNPARSEABLE_NUMBER)
    if kind.endswith("quote"):
        rows.reject(blank[:, 6:].any(axis=1), RejectReason.NO_ASK)
        rows.reject(blank[:, [0, 5]].any(axis=1), RejectReason.MISSING_VALUE)
    else:
        rows.reject(blank.any(axis=1), RejectReason.MISSING_VALUE)
    rows.values = np.nan_to_num(rows.values, nan=0.0)


def _reject_common(
    rows: _Rows, price_columns: tuple[str, ...], size_columns: tuple[str, ...]
) -> None:
    ms = rows.col("ms")
    rows.reject((ms < 0) | (ms >= _DAY_MS) | (ms != np.floor(ms)), RejectReason.TIME_OUTSIDE_DAY)
    prices = rows.cols(price_columns)
    rows.reject((prices < 0).any(axis=1), RejectReason.NEGATIVE_PRICE)
    sizes = rows.cols(size_columns)
    rows.reject((sizes < 0).any(axis=1), RejectReason.NEGATIVE_QUANTITY)
    rows.reject((sizes != np.floor(sizes)).any(axis=1), RejectReason.UNPARSEABLE_NUMBER)
    accepted_ms = pd.Series(np.where(rows.bad, np.nan, ms))
    rows.reject(accepted_ms.duplicated().to_numpy() & ~rows.bad, RejectReason.DUPLICATE_ROW)


def _reject_quotes(rows: _Rows) -> None:
    _reject_common(rows, ("bc", "ac"), ("bs", "asz"))
    bid = rows.col("bc")
    ask = rows.col("ac")
    rows.reject(ask <= 0, RejectReason.NO_ASK)
    rows.reject(bid > ask, RejectReason.CROSSED_QUOTE)


def _reject_bars(rows: _Rows) -> None:
    _reject_common(rows, ("o", "h", "l", "c"), ("v",))
    o, h, low, c = (rows.col(name) for name in ("o", "h", "l", "c"))
    rows.reject(h < low, RejectReason.HIGH_BELOW_LOW)
    rows.reject((o < low) | (o > h) | (c < low) | (c > h), RejectReason.OPEN_CLOSE_OUTSIDE_RANGE)


def _day(text: str, path: Path, name: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()  # noqa: DTZ007 (a calendar date)
    except ValueError as exc:
        raise ValueError(f"{path}: {name}: date {text!r} is not YYYYMMDD") from exc


def _minute_ends(
    day: dt.date, zone: ZoneInfo, ms: npt.NDArray[np.float64]
) -> npt.NDArray[np.uint64]:
    """Return UNIX ns of the end of each minute starting `ms` after midnight of `day` in `zone`."""
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=zone)
    base = int(midnight.timestamp()) * 1_000_000_000
    return (base + ms.astype(np.int64) * 1_000_000 + _MINUTE_NS).astype(np.uint64)


def _session_ok(rows: _Rows, day: dt.date) -> bool:
    """Reject every row when `day` is not a NYSE session (or outside the calendar)."""
    try:
        session_close(day)
    except _RowRejected as rejected:
        rows.reject(np.ones(len(rows.bad), dtype=bool), rejected.reason)
        return False
    return True


def _absorb(load: LeanMinuteLoad, rows: _Rows) -> npt.NDArray[np.intp]:
    """Count `rows`' rejections in the load; return the positions of the accepted rows."""
    for reason, count in rows.reasons.items():
        load.result.rejects.add(reason, count)
    return np.flatnonzero(~rows.bad)


def _option_file(load: LeanMinuteLoad, path: Path, name: str, kind: LeanKind, rows: _Rows) -> None:
    match = _OPTION_CSV.match(name)
    if match is None:
        raise ValueError(
            f"{path}: {name} is not named YYYYMMDD_<root>_minute_<quote|trade>_<style>_"
            "<call|put>_<strike x 10000>_<expiry>.csv"
        )
    day = _day(match["day"], path, name)
    expiry = _day(match["expiry"], path, name)
    right = OptionKind.CALL if match["right"] == "call" else OptionKind.PUT
    strike = Decimal(match["strike"]) / PRICE_SCALE
    occ = parse_occ(format_occ(match["root"].upper(), expiry, right, strike))
    contract = make_option_contract(occ)
    if _session_ok(rows, day) and expiry < day:
        rows.reject(np.ones(len(rows.bad), dtype=bool), RejectReason.EXPIRED_BEFORE_QUOTE_DATE)
    if kind == "option-quote":
        _reject_quotes(rows)
    else:
        _reject_bars(rows)
    keep = _absorb(load, rows)
    if not len(keep):
        return
    result = load.result
    result.add_instrument(contract)
    result.add_instrument(make_underlying(contract.underlying))
    values = rows.kept(keep)
    ts = _minute_ends(day, NEW_YORK, values["ms"])
    if kind == "option-quote":
        load.option_quotes.append(_quote_columns(contract.id, values, ts))
    else:
        _append_bars(result, contract.id, values, ts, OPTION_PRICE_PRECISION, PRICE_SCALE)


def _quote_columns(
    instrument_id: InstrumentId,
    values: dict[str, npt.NDArray[np.float64]],
    ts: npt.NDArray[np.uint64],
) -> OptionQuoteColumns:
    n = len(ts)
    nan = np.full(n, np.nan)
    return OptionQuoteColumns(
        instrument_id=pa.array([instrument_id.value] * n, pa.string()),
        ts=ts,
        bid=values["bc"] / PRICE_SCALE,
        ask=values["ac"] / PRICE_SCALE,
        bid_size=values["bs"],
        ask_size=values["asz"],
        quoted=np.ones(n, dtype=bool),
        iv=nan,
        delta=nan,
        gamma=nan,
        theta=nan,
        vega=nan,
        rho=nan,
        underlying_price=nan,
        open_interest=nan,
        has_greeks=np.zeros(n, dtype=bool),
    )


def _underlying_file(
    load: LeanMinuteLoad, path: Path, name: str, kind: LeanKind, rows: _Rows
) -> None:
    match = _UNDERLYING_CSV.match(name)
    if match is None:
        raise ValueError(f"{path}: {name} is not named YYYYMMDD_<ticker>_minute_<quote|trade>.csv")
    day = _day(match["day"], path, name)
    _session_ok(rows, day)
    if kind == "equity-quote":
        _reject_quotes(rows)
    else:
        _reject_bars(rows)
    keep = _absorb(load, rows)
    if not len(keep):
        return
    index = kind == "index-trade"
    underlying = make_underlying(
        match["ticker"].upper(), index_roots=(match["ticker"],) if index else ()
    )
    load.result.add_instrument(underlying)
    values = rows.kept(keep)
    ts = _minute_ends(day, CENTRAL if index else NEW_YORK, values["ms"])
    if kind == "equity-quote":
        _append_quotes(load.result, underlying.id, values, ts)
    else:
        scale = 1 if index else PRICE_SCALE
        _append_bars(load.result, underlying.id, values, ts, EQUITY_PRICE_PRECISION, scale)


def _price(precision: int, scale: int) -> Callable[[float], Price]:
    return lambda value: Price(round(value / scale, precision), precision)


def _append_bars(
    result: LoadResult,
    instrument_id: InstrumentId,
    values: dict[str, npt.NDArray[np.float64]],
    ts: npt.NDArray[np.uint64],
    precision: int,
    scale: int,
) -> None:
    bar_type = minute_bar_type(instrument_id)
    price = _price(precision, scale)
    columns = zip(*(values[col] for col in ("o", "h", "l", "c", "v")), ts.tolist(), strict=True)
    result.data.extend(
        Bar(bar_type, price(o), price(h), price(lo), price(c), Quantity.from_int(int(v)), t, t)
        for o, h, lo, c, v, t in columns
    )


def _append_quotes(
    result: LoadResult,
    instrument_id: InstrumentId,
    values: dict[str, npt.NDArray[np.float64]],
    ts: npt.NDArray[np.uint64],
) -> None:
    price = _price(EQUITY_PRICE_PRECISION, PRICE_SCALE)
    columns = zip(*(values[col] for col in ("bc", "ac", "bs", "asz")), ts.tolist(), strict=True)
    result.data.extend(
        QuoteTick(
            instrument_id,
            price(b),
            price(a),
            Quantity.from_int(int(bs)),
            Quantity.from_int(int(az)),
            t,
            t,
        )
        for b, a, bs, az, t in columns
    )
