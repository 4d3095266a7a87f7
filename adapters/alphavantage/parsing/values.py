"""Vendor value normalisation: missing-value spellings, numbers as strings, dates, instants."""

import datetime as dt
import math
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from nautilus_trader.model.identifiers import InstrumentId

from adapters.alphavantage.constants import MISSING_VALUES
from adapters.alphavantage.errors import AlphaVantageParseError
from options.instruments import equity_id
from options.market_calendar import NEW_YORK, nyse_calendar

TICKER_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9.:/^_-]{0,31}")
"""Tickers accepted: letters, digits and ``. : / ^ _ -`` (``BRK.B``, ``CRYPTO:BTC``)."""


@dataclass(frozen=True, slots=True)
class Rejection:
    """A vendor row that was refused, and why.

    Parameters
    ----------
    key : str
        What identifies the row (a date, a contract ID, an article URL).
    reason : str
        Why it was refused.

    """

    key: str
    reason: str


def optional_float(value: str | float | None) -> float | None:
    """Return `value` as a finite float, or ``None`` for the vendor's missing spellings.

    ``"None"``, ``""``, ``"-"``, ``"null"`` and ``None`` mean missing; a trailing ``%`` is
    dropped (the number stays in percent).

    Raises
    ------
    AlphaVantageParseError
        If `value` is neither missing nor a finite number.

    """
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if text in MISSING_VALUES:
            return None
        try:
            number = float(text.removesuffix("%"))
        except ValueError:
            raise AlphaVantageParseError(f"value was not a number: {value!r}") from None
    else:
        raise AlphaVantageParseError(f"value was not a number: {value!r}")
    if not math.isfinite(number):
        raise AlphaVantageParseError(f"value was not finite: {value!r}")
    return number


def required_float(value: str | float | None, name: str) -> float:
    """Return `value` as a finite float; missing is an error.

    Raises
    ------
    AlphaVantageParseError
        If `value` is missing or not a finite number.

    """
    number = optional_float(value)
    if number is None:
        raise AlphaVantageParseError(f"{name} was missing")
    return number


def float_or_nan(value: str | float | None) -> float:
    """Return `value` as a float, ``nan`` when missing (for custom data fields)."""
    number = optional_float(value)
    return math.nan if number is None else number


def parse_date(value: str | None, name: str = "date") -> dt.date:
    """Parse a ``YYYY-MM-DD`` vendor date.

    Raises
    ------
    AlphaVantageParseError
        If `value` is missing or not a valid date (e.g. the sample ``2099-99-99``).

    """
    if value is None:
        raise AlphaVantageParseError(f"{name} was missing")
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise AlphaVantageParseError(f"{name} was not a YYYY-MM-DD date: {value!r}") from None


@lru_cache(maxsize=1)
def _session_closes() -> dict[dt.date, int]:
    calendar = nyse_calendar()
    return {session.date(): int(close.value) for session, close in calendar.closes.items()}


@lru_cache(maxsize=1)
def _session_opens() -> tuple[list[dt.date], list[int]]:
    calendar = nyse_calendar()
    sessions = [session.date() for session in calendar.opens.index]
    return sessions, [int(ts.value) for ts in calendar.opens]


def session_open_on_or_after_ns(day: dt.date, *, strictly_after: bool = False) -> int:
    """Return the open (09:30 New York) of the first NYSE session on or after `day`.

    Parameters
    ----------
    day : datetime.date
        The calendar day.
    strictly_after : bool, default False
        Take the first session after `day` even if `day` is one.

    Raises
    ------
    AlphaVantageParseError
        If no such session lies within the calendar's range.

    """
    sessions, opens = _session_opens()
    index = (bisect_right if strictly_after else bisect_left)(sessions, day)
    if index >= len(sessions) or day < sessions[0]:
        raise AlphaVantageParseError(f"date was outside the NYSE calendar: {day}")
    return opens[index]


def close_ns(day: dt.date) -> int:
    """Return the NYSE session close of `day` in UNIX ns (16:00 New York or the early close).

    The same instants as :func:`options.market_calendar.session_close_ns`, from a table
    built once, because parsing looks up thousands of dates.

    Raises
    ------
    AlphaVantageParseError
        If `day` is not a NYSE session within the calendar's range.

    """
    closes = _session_closes()
    ts = closes.get(day)
    if ts is None:
        raise AlphaVantageParseError(f"date was not a NYSE session in the calendar: {day}")
    return ts


def zoned_ns(value: dt.datetime, zone: ZoneInfo = NEW_YORK) -> int:
    """Return a naive wall-clock time in `zone` (New York by default) as UNIX ns."""
    aware = value.replace(tzinfo=zone)
    return int(aware.timestamp()) * 1_000_000_000 + aware.microsecond * 1_000


def clean_ticker(ticker: str) -> str:
    """Return `ticker` upper-cased and checked against :data:`TICKER_PATTERN`.

    Checked before any Nautilus identifier is built: a NUL character makes Nautilus's Rust
    core abort the process rather than raise.

    Raises
    ------
    AlphaVantageParseError
        If the ticker is empty or holds other characters.

    """
    text = ticker.strip().upper()
    if not TICKER_PATTERN.fullmatch(text):
        raise AlphaVantageParseError(f"ticker was invalid: {ticker!r}")
    return text


def ticker_id(ticker: str) -> InstrumentId:
    """Return the instrument ID of a vendor ticker on venue ``US`` (e.g. ``IBM.US``).

    Raises
    ------
    AlphaVantageParseError
        If the ticker is not valid (see :func:`clean_ticker`).

    """
    text = clean_ticker(ticker)
    try:
        return equity_id(text)
    except (ValueError, TypeError) as exc:
        raise AlphaVantageParseError(f"ticker was invalid: {ticker!r} ({exc})") from None
