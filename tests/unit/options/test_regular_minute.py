"""``regular_minute``: the minutes of regular NYSE sessions, from the XNYS calendar."""

import datetime as dt

import pytest

from options.market_calendar import NEW_YORK, regular_minute


def _ns(day: str, time: str) -> int:
    stamp = dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(time), NEW_YORK)
    return int(stamp.timestamp()) * 1_000_000_000


@pytest.mark.parametrize(
    ("day", "time", "minute"),
    [
        ("2026-12-07", "09:30:00", None),  # the minute before the open
        ("2026-12-07", "09:31:00", dt.time(9, 31)),  # the session's first minute
        ("2026-12-07", "10:15:00", dt.time(10, 15)),
        ("2026-12-07", "16:00:00", dt.time(16, 0)),  # the last one, ending at the close
        ("2026-12-07", "16:01:00", None),
        ("2026-12-05", "10:15:00", None),  # a Saturday
        ("2026-12-25", "10:15:00", None),  # Christmas
        ("2026-11-27", "13:00:00", dt.time(13, 0)),  # the day after Thanksgiving closes at 13:00
        ("2026-11-27", "13:01:00", None),
        ("2021-03-15", "09:45:00", dt.time(9, 45)),  # daylight saving time (UTC-4)
        ("2021-01-04", "09:45:00", dt.time(9, 45)),  # standard time (UTC-5)
    ],
)
def test_regular_minutes_are_those_of_nyse_sessions(
    day: str, time: str, minute: dt.time | None
) -> None:
    assert regular_minute(_ns(day, time)) == minute


def test_seconds_after_the_minute_are_dropped() -> None:
    assert regular_minute(_ns("2026-12-07", "10:15:00") + 1_000_000) == dt.time(10, 15)
