"""``day_bounds_ns`` selects exactly the instants ``session_of_ns`` puts on that day."""

import datetime as dt

import pytest

from options.market_calendar import day_bounds_ns, session_of_ns

NS = 1_000_000_000


@pytest.mark.parametrize(
    "day",
    [
        dt.date(2021, 6, 15),  # summer time (UTC-4)
        dt.date(2021, 12, 15),  # winter time (UTC-5)
        dt.date(2021, 3, 14),  # 23-hour day: clocks go forward
        dt.date(2021, 11, 7),  # 25-hour day: clocks go back
    ],
)
def test_bounds_match_session_of_ns(day: dt.date) -> None:
    start, end = day_bounds_ns(day)
    assert (end - start) // (3600 * NS) == {14: 23, 7: 25}.get(day.day, 24)
    for ts in (start - NS, start, start + 1, start + 16 * 3600 * NS, end - NS, end, end + NS):
        assert (start <= ts < end) == (session_of_ns(ts) == day), ts
