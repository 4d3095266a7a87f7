"""Which Alpha Vantage calls an ingest needs, and how long the plan's rate makes them take."""

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from adapters.alphavantage.constants import AlphaVantageFunction as Fn
from adapters.alphavantage.errors import AlphaVantageParseError
from adapters.alphavantage.parsing.values import clean_ticker
from options.market_calendar import sessions_between

STATEMENT_FUNCTIONS = (Fn.INCOME_STATEMENT, Fn.BALANCE_SHEET, Fn.CASH_FLOW)
NEWS_PAGE_LIMIT = 1000
"""Articles per NEWS_SENTIMENT call (the vendor's maximum)."""


class Dataset(StrEnum):
    """Datasets ``tradefly ingest alphavantage`` can fetch.

    - ``daily``: TIME_SERIES_DAILY_ADJUSTED (one call per symbol): raw and adjusted daily
      bars, dividends and splits, and the underlying ``Equity``.
    - ``options``: HISTORICAL_OPTIONS (one call per symbol and NYSE session): contracts,
      end-of-day quotes and vendor greeks.
    - ``news``: NEWS_SENTIMENT (one call per symbol and calendar month, more when a month
      holds over 1000 articles).
    - ``fundamentals``: OVERVIEW, INCOME_STATEMENT, BALANCE_SHEET, CASH_FLOW (and EARNINGS,
      to date the statements).
    - ``earnings``: EARNINGS and EARNINGS_CALENDAR.
    """

    DAILY = "daily"
    OPTIONS = "options"
    NEWS = "news"
    FUNDAMENTALS = "fundamentals"
    EARNINGS = "earnings"


@dataclass(frozen=True, slots=True)
class PlannedCall:
    """One vendor call of an ingest.

    Parameters
    ----------
    dataset : Dataset
        The dataset it serves.
    symbol : str
        The ticker.
    function : str
        The vendor function.
    params : tuple[tuple[str, str], ...]
        The query parameters sent (without the key).
    through : str
        For replies that grow over time (full daily series, fundamentals), the end date the
        reply must cover; part of the cache key so a later end fetches afresh. Empty for
        replies fixed by their parameters (a dated options chain).
    session : datetime.date, optional
        The session of a dated options call.

    """

    dataset: Dataset
    symbol: str
    function: str
    params: tuple[tuple[str, str], ...]
    through: str = ""
    session: dt.date | None = None

    @property
    def key(self) -> str:
        """Return the call's identity (cache and resume key), without the API key."""
        query = "&".join(f"{name}={value}" for name, value in self.params)
        suffix = f"&through={self.through}" if self.through else ""
        return f"{self.function}?{query}{suffix}"

    @property
    def is_csv(self) -> bool:
        """Return whether the reply is CSV."""
        return self.function == Fn.EARNINGS_CALENDAR


@dataclass(slots=True)
class IngestPlan:
    """The calls of an ingest, in the order they run.

    Parameters
    ----------
    calls : list[PlannedCall]
        Per symbol: daily series, earnings, fundamentals, calendar, news, then option chains
        (so closes and release dates are known before the data that use them).
    start, end : datetime.date
        The date range.

    """

    calls: list[PlannedCall] = field(default_factory=list)
    start: dt.date = dt.date.min
    end: dt.date = dt.date.min

    def count_by_function(self) -> dict[str, int]:
        """Return the number of calls per vendor function."""
        counts: dict[str, int] = {}
        for call in self.calls:
            counts[call.function] = counts.get(call.function, 0) + 1
        return counts


def plan_ingest(
    symbols: list[str], start: dt.date, end: dt.date, datasets: set[Dataset]
) -> IngestPlan:
    """Return the calls needed to ingest `datasets` for `symbols` over ``[start, end]``.

    Raises
    ------
    ValueError
        If `end` precedes `start`, no symbol or dataset is given, or a symbol is invalid.

    """
    if end < start:
        raise ValueError(f"end was {end}, before start {start}")
    if not symbols or not datasets:
        raise ValueError("at least one symbol and one dataset are needed")
    plan = IngestPlan(start=start, end=end)
    for symbol in symbols:
        try:
            ticker = clean_ticker(symbol)
        except AlphaVantageParseError as exc:
            raise ValueError(str(exc)) from None
        plan.calls.extend(_symbol_calls(ticker, start, end, datasets))
    return plan


def _symbol_calls(
    symbol: str, start: dt.date, end: dt.date, datasets: set[Dataset]
) -> list[PlannedCall]:
    through = end.isoformat()
    ticker = ("symbol", symbol)
    calls: list[PlannedCall] = []
    params: tuple[tuple[str, str], ...]
    if Dataset.DAILY in datasets:
        params = (ticker, ("outputsize", "full"))
        calls.append(
            PlannedCall(Dataset.DAILY, symbol, Fn.TIME_SERIES_DAILY_ADJUSTED, params, through)
        )
    if datasets & {Dataset.EARNINGS, Dataset.FUNDAMENTALS}:
        calls.append(PlannedCall(Dataset.EARNINGS, symbol, Fn.EARNINGS, (ticker,), through))
    if Dataset.FUNDAMENTALS in datasets:
        for function in (Fn.OVERVIEW, *STATEMENT_FUNCTIONS):
            calls.append(PlannedCall(Dataset.FUNDAMENTALS, symbol, function, (ticker,), through))
    if Dataset.EARNINGS in datasets:
        params = (ticker, ("horizon", "12month"))
        calls.append(PlannedCall(Dataset.EARNINGS, symbol, Fn.EARNINGS_CALENDAR, params, through))
    if Dataset.NEWS in datasets:
        for first, last in _months(start, end):
            params = (
                ("tickers", symbol),
                ("time_from", f"{first:%Y%m%d}T0000"),
                ("time_to", f"{last:%Y%m%d}T2359"),
                ("sort", "EARLIEST"),
                ("limit", str(NEWS_PAGE_LIMIT)),
            )
            calls.append(PlannedCall(Dataset.NEWS, symbol, Fn.NEWS_SENTIMENT, params))
    if Dataset.OPTIONS in datasets:
        for session in sessions_between(start, end):
            params = (ticker, ("date", session.isoformat()))
            calls.append(
                PlannedCall(Dataset.OPTIONS, symbol, Fn.HISTORICAL_OPTIONS, params, "", session)
            )
    return calls


def _months(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    windows = []
    first = start
    while first <= end:
        next_month = (first.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        windows.append((first, min(end, next_month - dt.timedelta(days=1))))
        first = next_month
    return windows


def describe_plan(
    plan: IngestPlan, cached: int, requests_per_minute: int, daily_limit: int | None
) -> str:
    """Return the up-front summary: calls per function, how many are cached, the time needed.

    Parameters
    ----------
    plan : IngestPlan
        The plan.
    cached : int
        Calls already answered by the raw cache or done in an earlier run.
    requests_per_minute : int
        The plan's rate.
    daily_limit : int, optional
        The daily cap, if any.

    """
    counts = ", ".join(f"{n} {function}" for function, n in plan.count_by_function().items())
    to_request = len(plan.calls) - cached
    minutes = to_request / requests_per_minute
    lines = [
        f"Plan: {len(plan.calls)} calls ({counts}) for {plan.start}..{plan.end}.",
        f"{cached} answered from the cache or an earlier run; {to_request} to request, "
        f"at {requests_per_minute} requests/min about {_duration(minutes * 60)} "
        "(more if the vendor throttles or a news month needs extra pages).",
    ]
    if daily_limit is not None and to_request > daily_limit:
        days = -(-to_request // daily_limit)
        lines.append(
            f"That exceeds the daily cap of {daily_limit}: about {days} days; the run stops "
            "at the cap and resumes where it stopped when run again."
        )
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
