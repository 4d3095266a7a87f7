"""Daily and intraday bars (raw and adjusted) and corporate actions from the time series.

Raw bars are the catalog's underlying bars: ``<TICKER>.US-1-DAY-LAST-EXTERNAL`` at the session
close, as-traded prices (option expiry settles against them). Adjusted bars, scaled by the
vendor's ``adjusted close / close`` ratio, go to the separate instrument ``<TICKER>.ADJ.US``
(see :func:`adjusted_bar_type`) so they can never be mistaken for tradable prices.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from nautilus_trader.model.data import Bar, BarSpecification, BarType
from nautilus_trader.model.enums import AggregationSource, BarAggregation, PriceType
from nautilus_trader.model.identifiers import InstrumentId, Symbol
from nautilus_trader.model.objects import Price, Quantity

from adapters.alphavantage.data_types import CorporateAction
from adapters.alphavantage.errors import AlphaVantageError, AlphaVantageParseError
from adapters.alphavantage.parsing.values import (
    Rejection,
    close_ns,
    parse_date,
    required_float,
    ticker_id,
    zoned_ns,
)
from adapters.alphavantage.schemas.time_series import (
    DailyAdjustedBar,
    DailyAdjustedCsvRow,
    DailyAdjustedResponse,
    DailyCsvRow,
    DailyResponse,
    IntradayResponse,
    OhlcvBar,
)
from options.instruments import EQUITY_PRICE_PRECISION, VENUE, daily_bar_type

ADJUSTED_SUFFIX = ".ADJ"
_INTRADAY_STEPS = {
    "1min": (1, BarAggregation.MINUTE),
    "5min": (5, BarAggregation.MINUTE),
    "15min": (15, BarAggregation.MINUTE),
    "30min": (30, BarAggregation.MINUTE),
    "60min": (1, BarAggregation.HOUR),  # Nautilus refuses a 60-MINUTE specification
}


@dataclass(slots=True)
class DailyBars:
    """Bars and events parsed from a daily series, oldest first.

    Parameters
    ----------
    bars : list[Bar]
        Raw (as-traded) daily bars of type ``daily_bar_type(<TICKER>.US)``.
    adjusted_bars : list[Bar]
        Split- and dividend-adjusted bars of type :func:`adjusted_bar_type` (adjusted series
        only).
    actions : list[CorporateAction]
        Dividends and splits (adjusted series only).
    rejected : list[Rejection]
        Rows refused, with reasons.

    """

    bars: list[Bar] = field(default_factory=list)
    adjusted_bars: list[Bar] = field(default_factory=list)
    actions: list[CorporateAction] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


def adjusted_bar_type(ticker: str) -> BarType:
    """Return the adjusted daily bar type, e.g. ``SPY.ADJ.US-1-DAY-LAST-EXTERNAL``.

    Raises
    ------
    AlphaVantageParseError
        If the ticker is not a valid symbol.

    """
    symbol = ticker_id(ticker).symbol.value + ADJUSTED_SUFFIX
    return daily_bar_type(InstrumentId(Symbol(symbol), VENUE))


def intraday_bar_type(ticker: str, interval: str) -> BarType:
    """Return the bar type of a vendor interval, e.g. ``IBM.US-5-MINUTE-LAST-EXTERNAL``.

    ``60min`` is ``1-HOUR``.

    Raises
    ------
    AlphaVantageParseError
        If `interval` is not one of ``1min, 5min, 15min, 30min, 60min``.

    """
    step = _INTRADAY_STEPS.get(interval)
    if step is None:
        raise AlphaVantageParseError(f"intraday interval was {interval!r}")
    spec = BarSpecification(step[0], step[1], PriceType.LAST)
    return BarType(ticker_id(ticker), spec, AggregationSource.EXTERNAL)


def parse_daily_adjusted(
    response: DailyAdjustedResponse,
    ticker: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> DailyBars:
    """Parse TIME_SERIES_DAILY_ADJUSTED JSON into raw and adjusted bars and actions.

    Parameters
    ----------
    response : DailyAdjustedResponse
        The decoded reply.
    ticker : str, optional
        The underlying; defaults to the reply's symbol.
    start, end : datetime.date, optional
        Keep sessions in ``[start, end]`` only.

    Returns
    -------
    DailyBars

    """
    symbol = ticker or response.meta_data.symbol
    rows = ((day, _adjusted_fields(bar)) for day, bar in response.series.items())
    return _build_daily(symbol, rows, start, end)


def parse_daily_adjusted_csv(
    rows: list[DailyAdjustedCsvRow],
    ticker: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> DailyBars:
    """Parse TIME_SERIES_DAILY_ADJUSTED CSV rows (see :func:`parse_daily_adjusted`)."""
    items = (
        (
            row.timestamp,
            (
                row.open,
                row.high,
                row.low,
                row.close,
                row.volume,
                row.adjusted_close,
                row.dividend_amount,
                row.split_coefficient,
            ),
        )
        for row in rows
    )
    return _build_daily(ticker, items, start, end)


def parse_daily(
    response: DailyResponse,
    ticker: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> DailyBars:
    """Parse TIME_SERIES_DAILY JSON into raw bars (no adjusted bars or actions)."""
    symbol = ticker or response.meta_data.symbol
    rows = ((day, _raw_fields(bar)) for day, bar in response.series.items())
    return _build_daily(symbol, rows, start, end)


def parse_daily_csv(
    rows: list[DailyCsvRow],
    ticker: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> DailyBars:
    """Parse TIME_SERIES_DAILY CSV rows into raw bars."""
    items = ((row.timestamp, (row.open, row.high, row.low, row.close, row.volume)) for row in rows)
    return _build_daily(ticker, items, start, end)


def parse_intraday(
    response: IntradayResponse, ticker: str | None = None
) -> tuple[list[Bar], list[Rejection]]:
    """Parse TIME_SERIES_INTRADAY into bars, oldest first.

    The vendor labels each bar with its end in New York time (a 2022 capture of 5-minute
    bars runs from 04:05 to 20:00), so a bar is stamped at its label.

    Returns
    -------
    tuple[list[Bar], list[Rejection]]
        The bars (type :func:`intraday_bar_type`) and the refused rows.

    Raises
    ------
    AlphaVantageParseError
        If the interval is unknown.

    """
    symbol = ticker or response.meta_data.symbol
    bar_type = intraday_bar_type(symbol, response.meta_data.interval)
    bars: list[Bar] = []
    rejected: list[Rejection] = []
    for stamp, values in response.series.items():
        try:
            when = dt.datetime.strptime(stamp.strip(), "%Y-%m-%d %H:%M:%S")  # noqa: DTZ007
            ts = zoned_ns(when)
            bars.append(_bar(bar_type, _raw_fields(values), ts))
        except (AlphaVantageError, ValueError) as exc:
            rejected.append(Rejection(stamp, str(exc)))
    bars.sort(key=lambda bar: bar.ts_event)
    return bars, rejected


def _adjusted_fields(bar: DailyAdjustedBar) -> tuple[str, ...]:
    return (
        bar.open,
        bar.high,
        bar.low,
        bar.close,
        bar.volume,
        bar.adjusted_close,
        bar.dividend_amount,
        bar.split_coefficient,
    )


def _raw_fields(bar: OhlcvBar) -> tuple[str, ...]:
    return (bar.open, bar.high, bar.low, bar.close, bar.volume)


def _build_daily(
    ticker: str,
    rows: Iterable[tuple[str, tuple[str, ...]]],
    start: dt.date | None,
    end: dt.date | None,
) -> DailyBars:
    result = DailyBars()
    instrument_id = ticker_id(ticker)
    raw_type = daily_bar_type(instrument_id)
    adjusted_type = adjusted_bar_type(ticker)
    for stamp, fields in rows:
        try:
            day = parse_date(stamp, "timestamp")
            if (start is not None and day < start) or (end is not None and day > end):
                continue
            ts = close_ns(day)
            bar = _bar(raw_type, fields, ts)
            if len(fields) > 5:
                adjusted, action = _adjustment(instrument_id, adjusted_type, day, fields, ts)
            else:
                adjusted, action = None, None
        except (AlphaVantageError, ValueError) as exc:
            result.rejected.append(Rejection(stamp, str(exc)))
            continue
        result.bars.append(bar)
        if adjusted is not None:
            result.adjusted_bars.append(adjusted)
        if action is not None:
            result.actions.append(action)
    result.bars.sort(key=lambda bar: bar.ts_event)
    result.adjusted_bars.sort(key=lambda bar: bar.ts_event)
    result.actions.sort(key=lambda action: action.ts_event)
    return result


def _bar(bar_type: BarType, fields: tuple[str, ...], ts: int, scale: float = 1.0) -> Bar:
    open_, high, low, close = (
        required_float(value, name) * scale
        for value, name in zip(fields[:4], ("open", "high", "low", "close"), strict=True)
    )
    volume = required_float(fields[4], "volume")
    if min(open_, low, close) <= 0 or volume < 0:
        raise AlphaVantageParseError(f"bar had a non-positive price or negative volume: {fields}")
    if not (low <= min(open_, close) and high >= max(open_, close)):
        raise AlphaVantageParseError(f"bar's high/low did not contain open/close: {fields}")
    precision = EQUITY_PRICE_PRECISION
    return Bar(
        bar_type=bar_type,
        open=Price(open_, precision),
        high=Price(high, precision),
        low=Price(low, precision),
        close=Price(close, precision),
        volume=Quantity(volume, 0),
        ts_event=ts,
        ts_init=ts,
    )


def _adjustment(
    instrument_id: InstrumentId,
    adjusted_type: BarType,
    day: dt.date,
    fields: tuple[str, ...],
    ts: int,
) -> tuple[Bar, CorporateAction | None]:
    close = required_float(fields[3], "close")
    adjusted_close = required_float(fields[5], "adjusted close")
    dividend = required_float(fields[6], "dividend amount")
    split = required_float(fields[7], "split coefficient")
    if adjusted_close <= 0 or dividend < 0 or split <= 0:
        raise AlphaVantageParseError(f"adjustment fields were invalid: {fields[5:]}")
    adjusted = _bar(adjusted_type, fields, ts, scale=adjusted_close / close)
    if dividend == 0 and split == 1:
        return adjusted, None
    action = CorporateAction(
        instrument_id=instrument_id,
        ex_date=day.isoformat(),
        dividend_amount=dividend,
        split_coefficient=split,
        adjusted_close=adjusted_close,
        ts_event=ts,
        ts_init=ts,
    )
    return adjusted, action
