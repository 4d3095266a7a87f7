"""History behind Nautilus requests: daily and intraday bars, end-of-day option quotes.

Transport and parsing stay in ``http``, ``schemas`` and ``parsing``; this module picks the
vendor calls a request needs (function, ``outputsize``, months, sessions), clips what the
parsers return to the request's window and reports what went wrong, so the data client only
has to answer.

- Daily bars (``<TICKER>.US-1-DAY-LAST-EXTERNAL``): one TIME_SERIES_DAILY_ADJUSTED call,
  ``outputsize=compact`` (the latest 100 sessions) when that covers the window, else ``full``;
  the raw (as-traded) bars are kept, stamped at each session's close, as in the catalog.
- Intraday bars (``-1/5/15/30-MINUTE-LAST-EXTERNAL``): one TIME_SERIES_INTRADAY call per
  calendar month of the window's sessions (``adjusted=false``, ``extended_hours=false``),
  newest month first; each bar is stamped at its vendor label (its end, New York time).
- Option quotes: one HISTORICAL_OPTIONS call per NYSE session whose close lies in the window
  (up to the contract's expiration), newest first; the contract's ``QuoteTick`` is stamped at
  that session's close.

Intraday months and option sessions reach back at most ``max_history_sessions`` sessions from
the window's end; a request's ``limit`` keeps the newest objects (and skips calls it cannot
need). A refusal that would repeat on every call (entitlement, exhausted quota) stops a
request's remaining calls; any other failed call is reported and the rest still run.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgspec
import pandas as pd
from nautilus_trader.model.data import Bar, BarType, QuoteTick
from nautilus_trader.model.enums import AggregationSource, BarAggregation, PriceType
from nautilus_trader.model.identifiers import InstrumentId

from adapters.alphavantage.constants import AlphaVantageFunction as Fn
from adapters.alphavantage.errors import (
    AlphaVantageEntitlementError,
    AlphaVantageError,
    AlphaVantageQuotaError,
)
from adapters.alphavantage.http.client import AlphaVantageHttpClient
from adapters.alphavantage.parsing.bars import parse_daily_adjusted, parse_intraday
from adapters.alphavantage.parsing.options import parse_options
from adapters.alphavantage.parsing.values import close_ns
from adapters.alphavantage.schemas.options import OptionsReply, decode_options
from adapters.alphavantage.schemas.time_series import decode_daily_adjusted, decode_intraday
from options.instruments import VENUE
from options.market_calendar import nyse_calendar, session_of_ns, sessions_between
from options.occ import parse_occ

DAILY = "daily"
"""What :func:`bar_interval` returns for daily bars."""

COMPACT_POINTS = 100
"""Sessions in a TIME_SERIES_DAILY_ADJUSTED ``outputsize=compact`` reply."""

INTRADAY_MINUTES = (1, 5, 15, 30)
"""Minute bar lengths served from TIME_SERIES_INTRADAY; its ``60min`` is served as ``1-HOUR``."""

_STOPS = (AlphaVantageEntitlementError, AlphaVantageQuotaError)


class _Stamped(Protocol):
    @property
    def ts_event(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Window:
    """The span and size a request asks for.

    Parameters
    ----------
    start_ns : int
        The earliest instant (UNIX ns, inclusive).
    end_ns : int
        The latest instant (UNIX ns, inclusive), never after `now_ns`.
    limit : int
        The most objects to return, the newest kept; 0 for no limit.
    now_ns : int
        The clock's time (UNIX ns).

    """

    start_ns: int
    end_ns: int
    limit: int
    now_ns: int

    @property
    def start_day(self) -> dt.date:
        """The New York date of the start."""
        return session_of_ns(self.start_ns)

    @property
    def end_day(self) -> dt.date:
        """The New York date of the end."""
        return session_of_ns(self.end_ns)

    def newest[T](self, items: Sequence[T]) -> list[T]:
        """Return the last `limit` of `items` (all of them when there is no limit)."""
        return list(items[-self.limit :] if self.limit > 0 else items)

    def clip[S: _Stamped](self, items: Iterable[S]) -> list[S]:
        """Return `items` stamped inside the window, oldest first, the newest `limit` kept."""
        inside = [x for x in items if self.start_ns <= x.ts_event <= self.end_ns]
        inside.sort(key=lambda x: x.ts_event)
        return self.newest(inside)


def window_of(start: Any, end: Any, limit: int, now_ns: int) -> Window:
    """Return the :class:`Window` of a request's ``start``, ``end`` and ``limit``.

    Parameters
    ----------
    start, end : datetime.datetime or pandas.Timestamp, optional
        The request's bounds; naive values are read as UTC (Nautilus's convention). No start
        means the epoch, no end (or one in the future) means `now_ns`.
    limit : int
        The request's limit (0 for none).
    now_ns : int
        The clock's time (UNIX ns).

    Returns
    -------
    Window

    """
    start_ns = _utc_ns(start) if start is not None else 0
    end_ns = min(_utc_ns(end), now_ns) if end is not None else now_ns
    return Window(start_ns=max(0, start_ns), end_ns=end_ns, limit=max(0, limit), now_ns=now_ns)


def bar_interval(bar_type: BarType) -> str:
    """Return the vendor series of `bar_type`: :data:`DAILY` or an interval such as ``5min``.

    Raises
    ------
    ValueError
        If the bars are not served: only ``1-DAY``, ``1-HOUR`` (the vendor's ``60min``) and
        ``1/5/15/30-MINUTE`` ``LAST-EXTERNAL`` bars of underlyings on venue ``US`` are.

    """
    spec = bar_type.spec
    instrument_id = bar_type.instrument_id
    if bar_type.aggregation_source != AggregationSource.EXTERNAL or (
        spec.price_type != PriceType.LAST
    ):
        raise ValueError(f"bar type was {bar_type}; Alpha Vantage serves LAST-EXTERNAL bars")
    if instrument_id.venue != VENUE:
        raise ValueError(f"bar type venue was {instrument_id.venue}, not {VENUE}")
    if is_option(instrument_id):
        raise ValueError(f"bar type was {bar_type}; Alpha Vantage has no option bars")
    if spec.aggregation == BarAggregation.DAY and spec.step == 1:
        return DAILY
    if spec.aggregation == BarAggregation.MINUTE and spec.step in INTRADAY_MINUTES:
        return f"{spec.step}min"
    if spec.aggregation == BarAggregation.HOUR and spec.step == 1:
        return "60min"
    raise ValueError(
        f"bar type was {bar_type}; Alpha Vantage bars are 1-DAY, 1-HOUR and 1, 5, 15 or 30-MINUTE"
    )


def is_option(instrument_id: InstrumentId) -> bool:
    """Return whether `instrument_id` has a compact OCC option symbol."""
    try:
        parse_occ(instrument_id.symbol.value)
    except ValueError:
        return False
    return True


@dataclass(slots=True)
class History[T]:
    """Objects answering one request, oldest first, and what went wrong on the way.

    Parameters
    ----------
    items : list
        The bars or quotes inside the request's window.
    warnings : list[str]
        Failed calls, rejected rows and trimmed spans, fit for a log (no API key).

    """

    items: list[T] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class HistoryClient:
    """Fetch and clip the history a request asks for (see the module docstring).

    Parameters
    ----------
    client : AlphaVantageHttpClient
        The HTTP client.
    max_history_sessions : int
        The most NYSE sessions an intraday-bar or option-quote request reaches back over.

    Raises
    ------
    ValueError
        If `max_history_sessions` is below 1.

    """

    def __init__(self, client: AlphaVantageHttpClient, max_history_sessions: int) -> None:
        if max_history_sessions < 1:
            raise ValueError(f"max_history_sessions was {max_history_sessions}; must be >= 1")
        self._http = client
        self._max_sessions = max_history_sessions

    async def daily_bars(self, ticker: str, window: Window) -> History[Bar]:
        """Return the raw daily bars of `ticker` closing inside `window`.

        Raises
        ------
        AlphaVantageError
            If the call fails, is refused or the reply does not parse.

        """
        needed = window.newest(_sessions_closing_in(window))
        if not needed:
            return History()
        today = session_of_ns(window.now_ns)
        compact = len(_sessions(needed[0], today)) <= COMPACT_POINTS
        params = {"symbol": ticker, "outputsize": "compact" if compact else "full"}
        body = await self._http.query(Fn.TIME_SERIES_DAILY_ADJUSTED, params)
        daily = parse_daily_adjusted(decode_daily_adjusted(body), ticker, needed[0], needed[-1])
        warnings = [f"{ticker} {r.key}: {r.reason}" for r in daily.rejected]
        return History(window.clip(daily.bars), warnings)

    async def intraday_bars(self, ticker: str, interval: str, window: Window) -> History[Bar]:
        """Return the `interval` bars (e.g. ``5min``) of `ticker` stamped inside `window`.

        A failed month is reported in the warnings, not raised; the other months still count.
        """
        history: History[Bar] = History()
        sessions = self._capped(_sessions(window.start_day, window.end_day), history)
        months = sorted({f"{day:%Y-%m}" for day in sessions}, reverse=True)
        bars: dict[int, Bar] = {}
        for month in months:
            params = {
                "symbol": ticker,
                "interval": interval,
                "month": month,
                "outputsize": "full",
                "adjusted": "false",
                "extended_hours": "false",
            }
            try:
                body = await self._http.query(Fn.TIME_SERIES_INTRADAY, params)
                parsed, rejected = parse_intraday(decode_intraday(body), ticker)
            except AlphaVantageError as exc:
                history.warnings.append(f"{ticker} {interval} {month}: {exc}")
                if isinstance(exc, _STOPS):
                    break
                continue
            if rejected:
                history.warnings.append(f"{ticker} {month}: {len(rejected)} bars rejected")
            bars.update((bar.ts_event, bar) for bar in window.clip(parsed))
            if 0 < window.limit <= len(bars):
                break
        history.items = window.clip(bars.values())
        return history

    async def option_quotes(
        self, instrument_id: InstrumentId, underlying: str, window: Window
    ) -> History[QuoteTick]:
        """Return the end-of-day quotes of one option for the sessions closing in `window`.

        Parameters
        ----------
        instrument_id : InstrumentId
            The option (compact OCC symbol on venue ``US``).
        underlying : str
            The ticker whose chain lists it (``SPX`` for ``SPXW`` options).
        window : Window
            The span; sessions after the expiration are skipped.

        Returns
        -------
        History[QuoteTick]
            One quote per session the contract was quoted in, stamped at its close.

        Raises
        ------
        ValueError
            If `instrument_id` is not an OCC option symbol.

        """
        symbol = instrument_id.symbol.value
        expiration = parse_occ(symbol).expiration
        history: History[QuoteTick] = History()
        sessions = [day for day in _sessions_closing_in(window) if day <= expiration]
        quotes: list[QuoteTick] = []
        for day in reversed(self._capped(window.newest(sessions), history)):
            params = {"symbol": underlying, "date": day.isoformat()}
            try:
                body = await self._http.query(Fn.HISTORICAL_OPTIONS, params)
                chain = parse_options(_only(decode_options(body), symbol), session=day)
            except AlphaVantageError as exc:
                history.warnings.append(f"{underlying} options {day}: {exc}")
                if isinstance(exc, _STOPS):
                    break
                continue
            quote = next((q for q in chain.quotes if q.instrument_id == instrument_id), None)
            if quote is not None:
                quotes.append(quote)
                continue
            reason = next((r.reason for r in chain.rejected if r.key == symbol), "not quoted")
            history.warnings.append(f"{symbol} {day}: {reason}")
        history.items = window.clip(quotes)
        return history

    def _capped(self, sessions: list[dt.date], history: History[Any]) -> list[dt.date]:
        if len(sessions) <= self._max_sessions:
            return sessions
        kept = sessions[-self._max_sessions :]
        history.warnings.append(
            f"the request spanned {len(sessions)} sessions; only the newest "
            f"{self._max_sessions} from {kept[0]} were fetched (max_history_sessions)"
        )
        return kept


def _utc_ns(value: Any) -> int:
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return int(stamp.value)


def _only(response: OptionsReply, contract_id: str) -> OptionsReply:
    # a whole chain is thousands of rows; parsing only the contract's keeps the loop free
    rows = [row for row in response.data if row.contractID == contract_id]
    return msgspec.structs.replace(response, data=rows)


def _sessions(start: dt.date, end: dt.date) -> list[dt.date]:
    calendar = nyse_calendar()
    first = max(start, calendar.first_session.date())
    last = min(end, calendar.last_session.date())
    return sessions_between(first, last) if first <= last else []


def _sessions_closing_in(window: Window) -> list[dt.date]:
    return [
        day
        for day in _sessions(window.start_day, window.end_day)
        if window.start_ns <= close_ns(day) <= window.end_ns
    ]
