"""Expiration calendar rule: the standard monthly expiration."""

import datetime as dt

MONTHLY_EXPIRY_WEEKDAY = 4  # Friday


def is_monthly_expiration(day: dt.date) -> bool:
    """Return whether `day` is a standard monthly expiration.

    The standard monthly expiration is the third Friday of the month, or the Thursday before
    it when that Friday is an exchange holiday (e.g. Good Friday). Source: OCC/Cboe expiration
    calendar rules.
    """
    third_friday = _third_friday(day.year, day.month)
    return day in (third_friday, third_friday - dt.timedelta(days=1))


def _third_friday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    offset = (MONTHLY_EXPIRY_WEEKDAY - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 14)
