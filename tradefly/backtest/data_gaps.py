"""Sessions of a run without option data, summarised as a one-line warning."""

import datetime as dt
from collections.abc import Iterable

from options.market_calendar import sessions_between

SHOWN_GAPS = 3
"""How many of the longest gaps a warning lists."""


def option_data_gaps(
    start: dt.date, end: dt.date, covered: Iterable[dt.date]
) -> list[tuple[dt.date, dt.date, int]]:
    """Return the runs of NYSE sessions from `start` to `end` that are not in `covered`.

    Returns
    -------
    list[tuple[datetime.date, datetime.date, int]]
        ``(first, last, sessions)`` per run of consecutive sessions without data, in date
        order.

    """
    have = set(covered)
    gaps: list[tuple[dt.date, dt.date, int]] = []
    previous_missing = False
    for session in sessions_between(start, end):
        if session in have:
            previous_missing = False
            continue
        if previous_missing:
            first, _last, count = gaps[-1]
            gaps[-1] = (first, session, count + 1)
        else:
            gaps.append((session, session, 1))
        previous_missing = True
    return gaps


def gap_warning(
    underlying: str, start: dt.date, end: dt.date, covered: Iterable[dt.date]
) -> str | None:
    """Return a one-line warning naming the sessions without option data, or ``None``.

    The line gives the number of sessions without data, the span checked and the
    :data:`SHOWN_GAPS` longest runs, e.g. ``warning: 4 of 20 sessions of SPY options from
    2021-01-04 to 2021-01-29 have no option data; longest gaps: 2021-01-11..2021-01-14
    (4 sessions)``.
    """
    gaps = option_data_gaps(start, end, covered)
    if not gaps:
        return None
    missing = sum(count for _first, _last, count in gaps)
    total = len(sessions_between(start, end))
    longest = sorted(gaps, key=lambda gap: (-gap[2], gap[0]))[:SHOWN_GAPS]
    listed = ", ".join(f"{first}..{last} ({count} sessions)" for first, last, count in longest)
    return (
        f"warning: {missing:,} of {total:,} sessions of {underlying} options from {start} to "
        f"{end} have no option data; longest gaps: {listed}"
    )
