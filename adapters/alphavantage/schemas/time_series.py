"""Stock time series and quotes: daily (raw and adjusted), intraday and GLOBAL_QUOTE."""

import msgspec

from adapters.alphavantage.errors import AlphaVantageParseError
from adapters.alphavantage.schemas.decoding import convert, decode_csv, decode_json


class DailyMetaData(msgspec.Struct, frozen=True):
    """``Meta Data`` of the daily series."""

    information: str = msgspec.field(name="1. Information")
    symbol: str = msgspec.field(name="2. Symbol")
    last_refreshed: str = msgspec.field(name="3. Last Refreshed")
    output_size: str | None = msgspec.field(name="4. Output Size", default=None)
    time_zone: str | None = msgspec.field(name="5. Time Zone", default=None)


class IntradayMetaData(msgspec.Struct, frozen=True):
    """``Meta Data`` of the intraday series."""

    information: str = msgspec.field(name="1. Information")
    symbol: str = msgspec.field(name="2. Symbol")
    last_refreshed: str = msgspec.field(name="3. Last Refreshed")
    interval: str = msgspec.field(name="4. Interval")
    output_size: str | None = msgspec.field(name="5. Output Size", default=None)
    time_zone: str | None = msgspec.field(name="6. Time Zone", default=None)


class OhlcvBar(msgspec.Struct, frozen=True):
    """One bar of TIME_SERIES_DAILY or TIME_SERIES_INTRADAY (raw prices)."""

    open: str = msgspec.field(name="1. open")
    high: str = msgspec.field(name="2. high")
    low: str = msgspec.field(name="3. low")
    close: str = msgspec.field(name="4. close")
    volume: str = msgspec.field(name="5. volume")


class DailyAdjustedBar(msgspec.Struct, frozen=True):
    """One bar of TIME_SERIES_DAILY_ADJUSTED: raw OHLC, adjusted close, dividend and split."""

    open: str = msgspec.field(name="1. open")
    high: str = msgspec.field(name="2. high")
    low: str = msgspec.field(name="3. low")
    close: str = msgspec.field(name="4. close")
    adjusted_close: str = msgspec.field(name="5. adjusted close")
    volume: str = msgspec.field(name="6. volume")
    dividend_amount: str = msgspec.field(name="7. dividend amount")
    split_coefficient: str = msgspec.field(name="8. split coefficient")


class DailyAdjustedResponse(msgspec.Struct, frozen=True):
    """TIME_SERIES_DAILY_ADJUSTED JSON; the series maps ``YYYY-MM-DD`` to a bar."""

    meta_data: DailyMetaData = msgspec.field(name="Meta Data")
    series: dict[str, DailyAdjustedBar] = msgspec.field(name="Time Series (Daily)")


class DailyResponse(msgspec.Struct, frozen=True):
    """TIME_SERIES_DAILY JSON; the series maps ``YYYY-MM-DD`` to a bar."""

    meta_data: DailyMetaData = msgspec.field(name="Meta Data")
    series: dict[str, OhlcvBar] = msgspec.field(name="Time Series (Daily)")


class IntradayResponse(msgspec.Struct, frozen=True):
    """TIME_SERIES_INTRADAY JSON (series keyed ``Time Series (<interval>)`` by the vendor)."""

    meta_data: IntradayMetaData
    series: dict[str, OhlcvBar]


class DailyAdjustedCsvRow(msgspec.Struct, frozen=True):
    """One row of TIME_SERIES_DAILY_ADJUSTED with ``datatype=csv``."""

    timestamp: str
    open: str
    high: str
    low: str
    close: str
    adjusted_close: str
    volume: str
    dividend_amount: str
    split_coefficient: str


class DailyCsvRow(msgspec.Struct, frozen=True):
    """One row of TIME_SERIES_DAILY (or intraday) with ``datatype=csv``."""

    timestamp: str
    open: str
    high: str
    low: str
    close: str
    volume: str


class GlobalQuote(msgspec.Struct, frozen=True):
    """The ``Global Quote`` object (empty for an unknown symbol, hence all optional)."""

    symbol: str | None = msgspec.field(name="01. symbol", default=None)
    open: str | None = msgspec.field(name="02. open", default=None)
    high: str | None = msgspec.field(name="03. high", default=None)
    low: str | None = msgspec.field(name="04. low", default=None)
    price: str | None = msgspec.field(name="05. price", default=None)
    volume: str | None = msgspec.field(name="06. volume", default=None)
    latest_trading_day: str | None = msgspec.field(name="07. latest trading day", default=None)
    previous_close: str | None = msgspec.field(name="08. previous close", default=None)
    change: str | None = msgspec.field(name="09. change", default=None)
    change_percent: str | None = msgspec.field(name="10. change percent", default=None)


class GlobalQuoteResponse(msgspec.Struct, frozen=True):
    """GLOBAL_QUOTE JSON."""

    quote: GlobalQuote = msgspec.field(name="Global Quote")


_DAILY_ADJUSTED = msgspec.json.Decoder(DailyAdjustedResponse)
_DAILY = msgspec.json.Decoder(DailyResponse)
_GLOBAL_QUOTE = msgspec.json.Decoder(GlobalQuoteResponse)
_TOP_LEVEL = msgspec.json.Decoder(dict[str, msgspec.Raw])
_INTRADAY_PREFIX = "Time Series ("


def decode_daily_adjusted(body: bytes | str) -> DailyAdjustedResponse:
    """Decode TIME_SERIES_DAILY_ADJUSTED JSON (raises ``AlphaVantageParseError``)."""
    return decode_json(body, _DAILY_ADJUSTED, "TIME_SERIES_DAILY_ADJUSTED")


def decode_daily(body: bytes | str) -> DailyResponse:
    """Decode TIME_SERIES_DAILY JSON (raises ``AlphaVantageParseError``)."""
    return decode_json(body, _DAILY, "TIME_SERIES_DAILY")


def decode_daily_adjusted_csv(body: bytes | str) -> list[DailyAdjustedCsvRow]:
    """Decode TIME_SERIES_DAILY_ADJUSTED CSV by header (raises ``AlphaVantageParseError``)."""
    return decode_csv(body, DailyAdjustedCsvRow, "TIME_SERIES_DAILY_ADJUSTED")


def decode_daily_csv(body: bytes | str) -> list[DailyCsvRow]:
    """Decode TIME_SERIES_DAILY CSV by header (raises ``AlphaVantageParseError``)."""
    return decode_csv(body, DailyCsvRow, "TIME_SERIES_DAILY")


def decode_intraday(body: bytes | str) -> IntradayResponse:
    """Decode TIME_SERIES_INTRADAY JSON, finding the ``Time Series (<interval>)`` member.

    Raises
    ------
    AlphaVantageParseError
        If the meta data or exactly one series member is missing or malformed.

    """
    what = "TIME_SERIES_INTRADAY"
    top = decode_json(body, _TOP_LEVEL, what)
    series_keys = [key for key in top if key.startswith(_INTRADAY_PREFIX)]
    if "Meta Data" not in top or len(series_keys) != 1:
        raise AlphaVantageParseError(
            f"{what} reply had keys {sorted(top)[:5]!r}, not 'Meta Data' and one time series"
        )
    meta = convert(top["Meta Data"], IntradayMetaData, f"{what} meta data")
    series = convert(top[series_keys[0]], dict[str, OhlcvBar], f"{what} series")
    return IntradayResponse(meta_data=meta, series=series)


def decode_global_quote(body: bytes | str) -> GlobalQuoteResponse:
    """Decode GLOBAL_QUOTE JSON (raises ``AlphaVantageParseError``)."""
    return decode_json(body, _GLOBAL_QUOTE, "GLOBAL_QUOTE")
