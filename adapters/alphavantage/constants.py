"""Alpha Vantage constants: endpoint, environment variables, functions and vendor markers."""

from enum import StrEnum
from typing import Final

from options.instruments import EOD_QUOTE_SIZE

DEFAULT_BASE_URL: Final = "https://www.alphavantage.co"
"""The vendor's base URL; requests go to ``{base_url}/query``."""

QUERY_PATH: Final = "/query"

ENV_API_KEY: Final = "ALPHAVANTAGE_API_KEY"
"""Environment variable holding the API key."""

ENV_BASE_URL: Final = "ALPHAVANTAGE_BASE_URL"
"""Environment variable overriding :data:`DEFAULT_BASE_URL` (e.g. a loopback test server)."""

API_KEY_PARAM: Final = "apikey"

ALPHAVANTAGE_CLIENT_ID: Final = "ALPHAVANTAGE"
"""The Nautilus client ID (and factory key) of the data client."""

NEWS_TIME_ZONE: Final = "America/New_York"
"""Zone assumed for ``time_published`` in NEWS_SENTIMENT, which carries none.

The vendor does not document it. Reading it as New York time stamps an article no earlier
than its true instant if the vendor actually means UTC, so replays cannot see it too early.
"""

DEFAULT_QUOTE_SIZE: Final = EOD_QUOTE_SIZE
"""Bid/ask size used for option quotes when the vendor gives none (the file ingest's default)."""


class AlphaVantageFunction(StrEnum):
    """The Alpha Vantage ``function`` values this adapter supports."""

    TIME_SERIES_DAILY_ADJUSTED = "TIME_SERIES_DAILY_ADJUSTED"
    TIME_SERIES_DAILY = "TIME_SERIES_DAILY"
    TIME_SERIES_INTRADAY = "TIME_SERIES_INTRADAY"
    GLOBAL_QUOTE = "GLOBAL_QUOTE"
    HISTORICAL_OPTIONS = "HISTORICAL_OPTIONS"
    REALTIME_OPTIONS = "REALTIME_OPTIONS"
    NEWS_SENTIMENT = "NEWS_SENTIMENT"
    OVERVIEW = "OVERVIEW"
    EARNINGS = "EARNINGS"
    EARNINGS_CALENDAR = "EARNINGS_CALENDAR"
    INCOME_STATEMENT = "INCOME_STATEMENT"
    BALANCE_SHEET = "BALANCE_SHEET"
    CASH_FLOW = "CASH_FLOW"
    LISTING_STATUS = "LISTING_STATUS"
    MARKET_STATUS = "MARKET_STATUS"


CSV_ONLY_FUNCTIONS: Final = frozenset(
    {AlphaVantageFunction.EARNINGS_CALENDAR, AlphaVantageFunction.LISTING_STATUS}
)
"""Functions that only answer in CSV."""

OPTIONS_FUNCTIONS: Final = frozenset(
    {AlphaVantageFunction.HISTORICAL_OPTIONS, AlphaVantageFunction.REALTIME_OPTIONS}
)
"""Functions answering with the ``{"endpoint", "message", "data"}`` options envelope."""

EMPTY_MEANS_NO_DATA: Final = frozenset({AlphaVantageFunction.OVERVIEW})
"""Functions for which ``{}`` is a real answer (unknown symbol, ETF) rather than a glitch."""

VENDOR_MESSAGE_KEYS: Final = ("Error Message", "Information", "Note")
"""Top-level keys of the vendor's HTTP-200 error and throttle bodies."""

SAMPLE_ROW_MARKERS: Final = (b"XXYYZZ", b"2099-99-99")
"""Byte strings that only occur in the sample rows served to non-entitled keys."""

MISSING_VALUES: Final = frozenset({"None", "none", "", "-", "null", "NULL", "N/A"})
"""Vendor spellings of a missing value."""
