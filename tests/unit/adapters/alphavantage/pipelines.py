"""Decode-and-parse pipelines per supported endpoint, shared by the parsing and property tests."""

import datetime as dt
from collections.abc import Callable

from adapters.alphavantage.parsing.bars import (
    parse_daily,
    parse_daily_adjusted,
    parse_daily_adjusted_csv,
    parse_daily_csv,
    parse_intraday,
)
from adapters.alphavantage.parsing.fundamentals import (
    earnings_release_times,
    parse_earnings,
    parse_earnings_calendar,
    parse_overview,
    parse_statements,
)
from adapters.alphavantage.parsing.market import parse_listing_status, us_market_open
from adapters.alphavantage.parsing.news import parse_news_sentiment
from adapters.alphavantage.parsing.options import parse_options
from adapters.alphavantage.parsing.quotes import parse_global_quote
from adapters.alphavantage.schemas.fundamentals import (
    decode_earnings,
    decode_earnings_calendar,
    decode_overview,
    decode_statement,
)
from adapters.alphavantage.schemas.market import decode_listing_status, decode_market_status
from adapters.alphavantage.schemas.news import decode_news_sentiment
from adapters.alphavantage.schemas.options import decode_options
from adapters.alphavantage.schemas.time_series import (
    decode_daily,
    decode_daily_adjusted,
    decode_daily_adjusted_csv,
    decode_daily_csv,
    decode_global_quote,
    decode_intraday,
)

FETCHED_NS = 1_700_000_000_000_000_000
Pipeline = Callable[[bytes], object]


def _statement(function: str) -> Pipeline:
    return lambda body: parse_statements(decode_statement(body, function), function)


JSON_PIPELINES: dict[str, Pipeline] = {
    "TIME_SERIES_DAILY_ADJUSTED": lambda b: parse_daily_adjusted(decode_daily_adjusted(b)),
    "TIME_SERIES_DAILY": lambda b: parse_daily(decode_daily(b)),
    "TIME_SERIES_INTRADAY": lambda b: parse_intraday(decode_intraday(b)),
    "GLOBAL_QUOTE": lambda b: parse_global_quote(decode_global_quote(b), FETCHED_NS),
    "HISTORICAL_OPTIONS": lambda b: parse_options(decode_options(b)),
    "REALTIME_OPTIONS": lambda b: parse_options(
        decode_options(b), ts_init=FETCHED_NS, session=dt.date(2021, 6, 4)
    ),
    "NEWS_SENTIMENT": lambda b: parse_news_sentiment(decode_news_sentiment(b)),
    "OVERVIEW": lambda b: parse_overview(decode_overview(b), FETCHED_NS),
    "EARNINGS": lambda b: (
        parse_earnings(decode_earnings(b)),
        earnings_release_times(decode_earnings(b)),
    ),
    "INCOME_STATEMENT": _statement("INCOME_STATEMENT"),
    "BALANCE_SHEET": _statement("BALANCE_SHEET"),
    "CASH_FLOW": _statement("CASH_FLOW"),
    "MARKET_STATUS": lambda b: us_market_open(decode_market_status(b)),
}

CSV_PIPELINES: dict[str, Pipeline] = {
    "TIME_SERIES_DAILY_ADJUSTED": lambda b: parse_daily_adjusted_csv(
        decode_daily_adjusted_csv(b), "SPY"
    ),
    "TIME_SERIES_DAILY": lambda b: parse_daily_csv(decode_daily_csv(b), "SPY"),
    "EARNINGS_CALENDAR": lambda b: parse_earnings_calendar(decode_earnings_calendar(b), 0),
    "LISTING_STATUS": lambda b: parse_listing_status(decode_listing_status(b)),
}
