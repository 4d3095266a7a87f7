"""US equity market sessions from ``exchange_calendars`` (XNYS): closes, early closes, holidays."""

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import exchange_calendars as xcals
import pandas as pd

CALENDAR_NAME = "XNYS"
NEW_YORK = ZoneInfo("America/New_York")


@lru_cache(maxsize=1)
def nyse_calendar() -> xcals.ExchangeCalendar:
    """Return the NYSE (XNYS) calendar shared by the whole project.

    It spans 1990-01-01 to three years past today, so long-dated (LEAPS) expirations resolve.
    """
    end = pd.Timestamp.now(tz="UTC").normalize().tz_localize(None) + pd.DateOffset(years=3)
    return xcals.get_calendar(CALENDAR_NAME, start="1990-01-01", end=end)


@lru_cache(maxsize=65_536)
def is_session(day: dt.date) -> bool:
    """Return whether `day` is a NYSE trading session."""
    return bool(nyse_calendar().is_session(pd.Timestamp(day)))


@lru_cache(maxsize=65_536)
def session_close_ns(day: dt.date) -> int:
    """Return the close of the NYSE session on `day` as UNIX nanoseconds (UTC).

    The close is 16:00 New York time, or the early close (13:00) on half days.

    Raises
    ------
    ValueError
        If `day` is not a NYSE session.

    """
    if not is_session(day):
        raise ValueError(f"day was not a NYSE session: {day}")
    return int(nyse_calendar().session_close(pd.Timestamp(day)).value)


@lru_cache(maxsize=65_536)
def session_open_ns(day: dt.date) -> int:
    """Return the open of the NYSE session on `day` as UNIX nanoseconds (09:30 New York).

    Raises
    ------
    ValueError
        If `day` is not a NYSE session.

    """
    if not is_session(day):
        raise ValueError(f"day was not a NYSE session: {day}")
    return int(nyse_calendar().session_open(pd.Timestamp(day)).value)


def _expiration_session(day: dt.date) -> pd.Timestamp:
    """Return the session of an expiration date, rolled back to the previous session if needed."""
    cal = nyse_calendar()
    ts = pd.Timestamp(day)
    return ts if cal.is_session(ts) else cal.date_to_session(ts, direction="previous")


@lru_cache(maxsize=65_536)
def expiration_close_ns(day: dt.date) -> int:
    """Return the expiry instant of an equity option expiring on `day` (UNIX ns, UTC).

    Expiry is the session close (16:00 New York, or the early close). A vendor expiration
    date that is not a session (e.g. a Saturday in pre-2015 data) rolls back to the
    previous session, where the last trading day falls.
    """
    return int(nyse_calendar().session_close(_expiration_session(day)).value)


@lru_cache(maxsize=65_536)
def expiration_open_ns(day: dt.date) -> int:
    """Return the expiry instant of an AM-settled option expiring on `day` (UNIX ns, UTC).

    Expiry is the opening of the expiration session (09:30 New York), when AM settlement
    values are struck. A date that is not a session rolls back as in
    :func:`expiration_close_ns` (the Saturday expirations of pre-2015 SPX monthlies settle
    at Friday's open).
    """
    return int(nyse_calendar().session_open(_expiration_session(day)).value)


def sessions_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """Return the NYSE sessions from `start` to `end` inclusive."""
    return [
        ts.date()
        for ts in nyse_calendar().sessions_in_range(pd.Timestamp(start), pd.Timestamp(end))
    ]


def session_of_ns(ts_ns: int) -> dt.date:
    """Return the New York calendar date of the instant `ts_ns` (UNIX ns)."""
    return dt.datetime.fromtimestamp(ts_ns / 1e9, tz=NEW_YORK).date()


def regular_minute(end_ns: int) -> dt.time | None:
    """Return the New York time ending the regular-session minute that ends at `end_ns`.

    A minute is regular when it lies within a NYSE session, after the open and at most at the
    close (09:31 to 16:00 New York, 13:00 on half days). Returns None on non-session days and
    outside those hours. Seconds of `end_ns` are dropped (``10:15:00.001`` gives ``10:15``).
    """
    day = session_of_ns(end_ns)
    if not is_session(day) or not session_open_ns(day) < end_ns <= session_close_ns(day):
        return None
    stamped = dt.datetime.fromtimestamp(end_ns / 1e9, tz=NEW_YORK)
    return stamped.time().replace(second=0, microsecond=0)


def day_bounds_ns(day: dt.date) -> tuple[int, int]:
    """Return the instants (UNIX ns) of New York midnight starting `day` and the next day.

    ``start <= ts < end`` is the vectorisable form of ``session_of_ns(ts) == day``.
    """
    start = dt.datetime.combine(day, dt.time(), tzinfo=NEW_YORK)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=NEW_YORK)
    return int(start.timestamp()) * 1_000_000_000, int(end.timestamp()) * 1_000_000_000


def previous_session(day: dt.date) -> dt.date:
    """Return the NYSE session before `day` (which need not be a session itself)."""
    before = pd.Timestamp(day) - pd.Timedelta(days=1)
    session: dt.date = nyse_calendar().date_to_session(before, direction="previous").date()
    return session


def is_first_session_of_week(day: dt.date) -> bool:
    """Return whether `day` is the first NYSE session of its ISO week (e.g. after a holiday)."""
    return previous_session(day).isocalendar()[:2] != day.isocalendar()[:2]
