"""When to poll: NYSE trading hours and poll intervals stretched to fit the plan's rate."""

from dataclasses import dataclass

import pandas as pd

from adapters.alphavantage.errors import AlphaVantageConfigError
from options.market_calendar import nyse_calendar

_NS_PER_S = 1_000_000_000


def is_market_open(ts_ns: int) -> bool:
    """Return whether the NYSE regular session is open at the instant `ts_ns` (UNIX ns)."""
    minute = pd.Timestamp(ts_ns, tz="UTC").floor("min")
    try:
        return bool(nyse_calendar().is_open_on_minute(minute))
    except ValueError:  # outside the calendar's range
        return False


def seconds_until_open(ts_ns: int) -> float:
    """Return the seconds from `ts_ns` to the next NYSE open (0 if open now)."""
    if is_market_open(ts_ns):
        return 0.0
    minute = pd.Timestamp(ts_ns, tz="UTC").floor("min")
    try:
        next_open = nyse_calendar().next_open(minute)
    except ValueError:
        return float("inf")
    return max(0.0, (int(next_open.value) - ts_ns) / _NS_PER_S)


@dataclass(frozen=True, slots=True)
class PollIntervals:
    """Seconds between polls of one stream, after fitting the plan's rate.

    Parameters
    ----------
    options_secs : float
        Between REALTIME_OPTIONS polls of one underlying.
    quotes_secs : float
        Between GLOBAL_QUOTE polls of one underlying.
    news_secs : float
        Between NEWS_SENTIMENT polls of one ticker.

    """

    options_secs: float
    quotes_secs: float
    news_secs: float

    def requests_per_minute(self, options: int, quotes: int, news: int) -> float:
        """Return the polls per minute of `options`, `quotes` and `news` streams."""
        return 60.0 * (
            options / self.options_secs + quotes / self.quotes_secs + news / self.news_secs
        )


def fit_intervals(
    wanted: PollIntervals,
    streams: tuple[int, int, int],
    requests_per_minute: int,
    quota_share: float,
) -> PollIntervals:
    """Stretch `wanted` by one factor so the streams use at most `quota_share` of the rate.

    Parameters
    ----------
    wanted : PollIntervals
        The configured intervals.
    streams : tuple[int, int, int]
        Streams polling options, quotes and news.
    requests_per_minute : int
        The plan's rate.
    quota_share : float
        The share of the rate polling may use, in (0, 1].

    Returns
    -------
    PollIntervals
        `wanted` itself when it fits, else every interval multiplied by the same factor.

    Raises
    ------
    AlphaVantageConfigError
        If an interval is not positive or `quota_share` is outside (0, 1].

    """
    if min(wanted.options_secs, wanted.quotes_secs, wanted.news_secs) <= 0:
        raise AlphaVantageConfigError(f"poll intervals were not all positive: {wanted}")
    if not 0 < quota_share <= 1:
        raise AlphaVantageConfigError(f"quota_share was {quota_share!r}, not in (0, 1]")
    load = wanted.requests_per_minute(*streams)
    budget = requests_per_minute * quota_share
    if load <= budget:
        return wanted
    factor = load / budget
    return PollIntervals(
        wanted.options_secs * factor, wanted.quotes_secs * factor, wanted.news_secs * factor
    )
