"""Stock splits of an underlying, read from the vendor's split records and kept in the catalog.

A :class:`StockSplit` says that from the session of its ex-date on, each share of the
underlying became ``new_shares / old_shares`` shares (AAPL on 2020-08-31: 4 for 1). The
backtest's buy-and-hold benchmark holds through a split with that many more shares
(:func:`tradefly.backtest.benchmark.held_share_values`), because the underlying's bars are
the raw traded prices.

Source of the splits: QuantConnect LEAN's factor files, ``equity/usa/factor_files/<ticker>.csv``
next to the ``equity/usa/daily/<ticker>.zip`` bars (LEAN's ``CorporateFactorRow``: rows
``yyyyMMdd,price_factor,split_factor,reference_price``; a row's factors apply to the dates up
to and including its date, back to the previous row's). Where the split factor changes
between two consecutive rows, a split took effect on the first NYSE session after the
earlier row's date, with ratio ``later split_factor / earlier split_factor`` (AAPL: 0.25 on
2020-08-28, 1 on the next row, so 4 for 1 from 2020-08-31; 0.0357143 then 0.25 is the 7 for 1
of 2014-06-09). The ratio is taken as the nearest fraction with a denominator up to 100
(3 for 2 is 1.5).

Alpha Vantage's ``TIME_SERIES_DAILY_ADJUSTED`` CSV (``timestamp, ..., split_coefficient``) marks
each split on its ex-date row with a coefficient other than 1.0 (AAPL: 4.0 on 2020-08-31,
7.00000700001 on 2014-06-09, read as 7), so the same records come from those files.
"""

import datetime as dt
import itertools
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from nautilus_trader.core.data import Data
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from catalog.validation import open_csv
from options.instruments import equity_id
from options.market_calendar import nyse_calendar, session_open_ns

if TYPE_CHECKING:
    from dataclasses import dataclass as customdataclass
else:
    from nautilus_trader.model.custom import customdataclass

_MAX_DENOMINATOR = 100


@customdataclass
class StockSplit(Data):  # type: ignore[misc]
    """A split of an underlying: each share became ``new_shares / old_shares`` shares.

    Parameters
    ----------
    instrument_id : InstrumentId
        The underlying (``AAPL.US``): one catalog directory per underlying.
    new_shares, old_shares : int
        The ratio, e.g. 4 and 1 for a 4-for-1 split, 3 and 2 for 3-for-2, 1 and 10 for a
        1-for-10 reverse split.

    Notes
    -----
    ``ts_event = ts_init =`` the open (09:30 New York) of the ex-date, the first session at
    the split prices.

    """

    instrument_id: InstrumentId
    new_shares: int
    old_shares: int
    if TYPE_CHECKING:
        ts_event: int = 0
        ts_init: int = 0

    @property
    def ratio(self) -> Fraction:
        """Return the shares held after the split per share held before it."""
        return Fraction(self.new_shares, self.old_shares)


def lean_factor_file(daily_file: Path) -> Path | None:
    """Return the LEAN factor file of a LEAN daily bar file, or ``None`` when there is none.

    ``.../equity/usa/daily/aapl.zip`` has its factor file at
    ``.../equity/usa/factor_files/aapl.csv``.
    """
    if daily_file.parent.name != "daily":
        return None
    stem = daily_file.name.split(".")[0]
    candidate = daily_file.parent.parent / "factor_files" / f"{stem}.csv"
    return candidate if candidate.is_file() else None


def splits_from_lean_factor_file(path: Path, ticker: str) -> list[StockSplit]:
    """Return the splits a LEAN factor file records, oldest first.

    Parameters
    ----------
    path : Path
        The factor file (``date,price_factor,split_factor,reference_price`` rows, no header).
    ticker : str
        The underlying it belongs to.

    Returns
    -------
    list[StockSplit]
        One record per change of the split factor (see the module docstring); rows dated
        after the calendar's last session (LEAN ends each file with a 2050 row) add none.

    Raises
    ------
    OSError
        If the file cannot be read.
    ValueError
        If a row is not a date and three numbers, or a split factor is not positive; the
        message names the file and line.

    """
    rows: list[tuple[dt.date, Fraction]] = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split(",")
        try:
            day = dt.datetime.strptime(fields[0].strip(), "%Y%m%d").date()  # noqa: DTZ007
            factor = Fraction(fields[2].strip())
            if len(fields) != 4:
                raise ValueError
        except (ValueError, IndexError):
            raise ValueError(
                f"{path}:{number}: not a LEAN factor row (date,price_factor,split_factor,"
                f"reference_price): {line.strip()!r}"
            ) from None
        if factor <= 0:
            raise ValueError(f"{path}:{number}: split factor was not positive: {fields[2]!r}")
        rows.append((day, factor))
    last_session = nyse_calendar().last_session.date()
    splits = []
    for (day, factor), (_, later) in itertools.pairwise(rows):
        if later == factor or day >= last_session:
            continue
        ratio = (later / factor).limit_denominator(_MAX_DENOMINATOR)
        ex_date = nyse_calendar().next_session(day.isoformat()).date()
        splits.append(_split(ticker, ratio, ex_date))
    return splits


def splits_from_alpha_vantage_csv(path: Path, ticker: str) -> list[StockSplit]:
    """Return the splits an Alpha Vantage daily-adjusted CSV marks, oldest first.

    Parameters
    ----------
    path : Path
        The CSV (header ``timestamp,open,high,low,close,adjusted_close,volume,
        dividend_amount,split_coefficient``, newest first); a file without a
        ``split_coefficient`` column has none.
    ticker : str
        The underlying it belongs to.

    Returns
    -------
    list[StockSplit]
        One record per row whose coefficient is not 1, at that row's session.

    Raises
    ------
    OSError
        If the file cannot be read.
    ValueError
        If a row with a coefficient other than 1 has an unreadable date or coefficient; the
        message names the file and line.

    """
    splits = []
    with open_csv(path) as (header, rows):
        names = [name.strip().lower() for name in header]
        if "split_coefficient" not in names or "timestamp" not in names:
            return []
        date_at, ratio_at = names.index("timestamp"), names.index("split_coefficient")
        for number, row in enumerate(rows, start=2):
            text = row[ratio_at].strip() if len(row) > ratio_at else ""
            if text in ("1", "1.0", ""):
                continue
            try:
                ratio = Fraction(text).limit_denominator(_MAX_DENOMINATOR)
                day = dt.date.fromisoformat(row[date_at].strip())
                if ratio <= 0:
                    raise ValueError
            except (ValueError, ZeroDivisionError):
                raise ValueError(
                    f"{path}:{number}: split_coefficient or timestamp was not valid: {row!r}"
                ) from None
            if ratio != 1:
                splits.append(_split(ticker, ratio, day))
    return sorted(splits, key=lambda split: split.ts_event)


def _split(ticker: str, ratio: Fraction, ex_date: dt.date) -> StockSplit:
    ts = session_open_ns(ex_date)
    return StockSplit(
        instrument_id=equity_id(ticker),
        new_shares=ratio.numerator,
        old_shares=ratio.denominator,
        ts_event=ts,
        ts_init=ts,
    )


def stored_splits(catalog: ParquetDataCatalog, ticker: str) -> list[StockSplit]:
    """Return the splits of `ticker` stored in `catalog`, oldest first (empty if none)."""
    try:
        stored = catalog.query(StockSplit)
    except (FileNotFoundError, KeyError, ValueError):
        return []
    wanted = equity_id(ticker)
    records = [getattr(item, "data", item) for item in stored]  # CustomData wrappers
    return sorted(
        (r for r in records if r.instrument_id == wanted), key=lambda split: split.ts_event
    )


def split_line(split: StockSplit) -> str:
    """Return ``AAPL 2020-08-31 4:1``: ticker, ex-date (New York) and ratio."""
    day = dt.datetime.fromtimestamp(split.ts_event / 1e9, dt.UTC).date()
    return f"{split.instrument_id.symbol.value} {day} {split.new_shares}:{split.old_shares}"
