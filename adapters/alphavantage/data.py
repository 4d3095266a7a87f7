"""Live data client: polls REALTIME_OPTIONS, GLOBAL_QUOTE and NEWS_SENTIMENT into the node.

Alpha Vantage has no stream, so each subscribed underlying gets a poll loop:

- options (``subscribe_quote_ticks`` / ``subscribe_option_greeks`` on an option): one
  REALTIME_OPTIONS call per underlying per interval; ``QuoteTick`` and ``OptionGreeks`` of
  the subscribed contracts are published, stamped at the receive time;
- underlying price (``subscribe_trade_ticks`` on an equity): GLOBAL_QUOTE, published as a
  ``TradeTick`` of the last price (the vendor gives no bid/ask for equities);
- news (``subscribe_data(DataType(NewsSentiment), instrument_id=...)``): NEWS_SENTIMENT on
  its own interval, each article and ticker once, as ``CustomData``.

Options and quotes are polled only while the NYSE is open (``market_hours_only``); intervals
are stretched so all loops together stay within the configured share of the plan's rate.

Requests are answered too (the vendor calls are chosen in :mod:`adapters.alphavantage.history`):

- ``request_instrument``: an underlying as ``Equity``, an option from its OCC symbol (no call);
- ``request_instruments(venue)``: what the provider holds (the configured underlyings and
  their chains), or with ``params={"underlying": "SPY", "session": "2021-06-04"}`` that
  ticker's ``Equity`` and its chain listed on that session (the previous one by default);
- ``request_bars``: ``<TICKER>.US-1-DAY-LAST-EXTERNAL`` from TIME_SERIES_DAILY_ADJUSTED (the
  raw bars, stamped at the session close, as in the catalog); 1, 5, 15 and 30-MINUTE
  ``LAST-EXTERNAL`` bars from TIME_SERIES_INTRADAY (regular hours, raw prices, one call per
  month, reaching back at most ``max_history_sessions``); both clipped to ``[start, end]``,
  the newest ``limit`` kept. Any other bar type is answered with no bars and a warning;
- ``request_quote_ticks`` of an option: its end-of-day quote from HISTORICAL_OPTIONS, one call
  per NYSE session closing in ``[start, end]`` (at most ``max_history_sessions``, the newest),
  stamped at that session's close. Equities have no vendor bid/ask: no ticks and a warning.

Every request is answered. A vendor refusal (entitlement, quota), an unparseable reply or a
request that cannot be served gives an empty list; when one of several calls fails (a month,
a session), the others still answer. Reasons are logged, never with the API key.
"""

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from nautilus_trader.cache.cache import Cache
from nautilus_trader.common.component import LiveClock, MessageBus
from nautilus_trader.core.data import Data
from nautilus_trader.data.messages import (
    RequestBars,
    RequestInstrument,
    RequestInstruments,
    RequestQuoteTicks,
    SubscribeData,
    SubscribeOptionGreeks,
    SubscribeQuoteTicks,
    SubscribeTradeTicks,
    UnsubscribeData,
    UnsubscribeOptionGreeks,
    UnsubscribeQuoteTicks,
    UnsubscribeTradeTicks,
)
from nautilus_trader.live.data_client import LiveMarketDataClient
from nautilus_trader.model.data import Bar, CustomData, DataType, QuoteTick
from nautilus_trader.model.identifiers import ClientId, InstrumentId, Venue
from nautilus_trader.model.instruments import Instrument

from adapters.alphavantage.config import AlphaVantageDataClientConfig
from adapters.alphavantage.constants import ALPHAVANTAGE_CLIENT_ID
from adapters.alphavantage.constants import AlphaVantageFunction as Fn
from adapters.alphavantage.data_types import NewsSentiment
from adapters.alphavantage.errors import (
    AlphaVantageEntitlementError,
    AlphaVantageError,
    AlphaVantageQuotaError,
)
from adapters.alphavantage.history import (
    DAILY,
    History,
    HistoryClient,
    Window,
    bar_interval,
    is_option,
    window_of,
)
from adapters.alphavantage.http.client import AlphaVantageHttpClient
from adapters.alphavantage.parsing.news import NEWS_ZONE, parse_news_sentiment
from adapters.alphavantage.parsing.options import ContractCache, parse_options
from adapters.alphavantage.parsing.quotes import parse_global_quote
from adapters.alphavantage.parsing.values import clean_ticker
from adapters.alphavantage.polling import PollIntervals, fit_intervals, seconds_until_open
from adapters.alphavantage.providers import AlphaVantageInstrumentProvider
from adapters.alphavantage.schemas.news import decode_news_sentiment
from adapters.alphavantage.schemas.options import decode_options
from adapters.alphavantage.schemas.time_series import decode_global_quote
from options.instruments import VENUE, equity_id
from options.occ import parse_occ

Sleep = Callable[[float], Awaitable[None]]
_NEWS_SEEN_MAX = 50_000
_NEWS_LIMIT = "200"
_WARNINGS_SHOWN = 5


class AlphaVantageDataClient(LiveMarketDataClient):
    """Poll Alpha Vantage and publish Nautilus data (see the module docstring).

    Parameters
    ----------
    loop : asyncio.AbstractEventLoop
        The event loop.
    client : AlphaVantageHttpClient
        The HTTP client.
    msgbus : MessageBus
        The message bus.
    cache : Cache
        The cache.
    clock : LiveClock
        The clock (a ``TestClock`` in tests).
    instrument_provider : AlphaVantageInstrumentProvider
        The instrument provider.
    config : AlphaVantageDataClientConfig
        The configuration.
    name : str, optional
        The client ID; ``ALPHAVANTAGE`` by default.
    sleep : Callable[[float], Awaitable[None]], default asyncio.sleep
        Awaitable sleep of the poll loops (inject a fake in tests).

    Raises
    ------
    ValueError
        If `config.max_history_sessions` is below 1.

    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        client: AlphaVantageHttpClient,
        msgbus: MessageBus,
        cache: Cache,
        clock: LiveClock,
        instrument_provider: AlphaVantageInstrumentProvider,
        config: AlphaVantageDataClientConfig,
        name: str | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__(
            loop=loop,
            client_id=ClientId(name or ALPHAVANTAGE_CLIENT_ID),
            venue=VENUE,
            msgbus=msgbus,
            cache=cache,
            clock=clock,
            instrument_provider=instrument_provider,
            config=config,
        )
        self._http = client
        self._history = HistoryClient(client, config.max_history_sessions)
        self._config = config
        self._sleep = sleep
        self._contracts = ContractCache()
        self._quote_subs: dict[str, set[InstrumentId]] = {}
        self._greeks_subs: dict[str, set[InstrumentId]] = {}
        self._trade_subs: set[str] = set()
        self._news_subs: set[str] = set()
        self._news_seen: set[tuple[str, str]] = set()
        self._news_since: dict[str, int] = {}
        self._loops: dict[tuple[str, str], asyncio.Task[None]] = {}

    # -- connection ---------------------------------------------------------------------------

    async def _connect(self) -> None:
        await self._instrument_provider.initialize()
        for instrument in self._instrument_provider.get_all().values():
            self._handle_data(instrument)
        self._log.info(f"Loaded {self._instrument_provider.count} instruments")

    async def _disconnect(self) -> None:
        for task in self._loops.values():
            task.cancel()
        self._loops.clear()

    # -- subscriptions ------------------------------------------------------------------------

    async def _subscribe_quote_ticks(self, command: SubscribeQuoteTicks) -> None:
        self._subscribe_market(command.instrument_id, self._quote_subs)

    async def _subscribe_option_greeks(self, command: SubscribeOptionGreeks) -> None:
        self._subscribe_market(command.instrument_id, self._greeks_subs)

    async def _subscribe_trade_ticks(self, command: SubscribeTradeTicks) -> None:
        ticker = command.instrument_id.symbol.value
        self._trade_subs.add(ticker)
        self._ensure_loop("quotes", ticker)

    async def _subscribe(self, command: SubscribeData) -> None:
        if command.data_type.type is not NewsSentiment:
            self._log.error(f"Cannot subscribe to {command.data_type}: not provided")
            return
        instrument_id = command.instrument_id
        if instrument_id is None:
            self._log.error("NewsSentiment subscriptions need an instrument_id (the ticker)")
            return
        ticker = instrument_id.symbol.value
        self._news_subs.add(ticker)
        self._news_since.setdefault(ticker, self._clock.timestamp_ns())
        self._ensure_loop("news", ticker)

    async def _unsubscribe_quote_ticks(self, command: UnsubscribeQuoteTicks) -> None:
        self._unsubscribe_market(command.instrument_id, self._quote_subs)

    async def _unsubscribe_option_greeks(self, command: UnsubscribeOptionGreeks) -> None:
        self._unsubscribe_market(command.instrument_id, self._greeks_subs)

    async def _unsubscribe_trade_ticks(self, command: UnsubscribeTradeTicks) -> None:
        ticker = command.instrument_id.symbol.value
        self._trade_subs.discard(ticker)
        self._stop_loop("quotes", ticker)

    async def _unsubscribe(self, command: UnsubscribeData) -> None:
        instrument_id = getattr(command, "instrument_id", None)
        if command.data_type.type is NewsSentiment and instrument_id is not None:
            ticker = instrument_id.symbol.value
            self._news_subs.discard(ticker)
            self._stop_loop("news", ticker)

    def _subscribe_market(
        self, instrument_id: InstrumentId, subs: dict[str, set[InstrumentId]]
    ) -> None:
        try:
            underlying = self._underlying_of(instrument_id)
        except ValueError:
            self._log.warning(
                f"{instrument_id} is not an option: Alpha Vantage has no equity bid/ask; "
                "subscribe to its trade ticks for the last price"
            )
            return
        subs.setdefault(underlying, set()).add(instrument_id)
        self._ensure_loop("options", underlying)

    def _unsubscribe_market(
        self, instrument_id: InstrumentId, subs: dict[str, set[InstrumentId]]
    ) -> None:
        try:
            underlying = self._underlying_of(instrument_id)
        except ValueError:
            return
        subs.get(underlying, set()).discard(instrument_id)
        if not self._quote_subs.get(underlying) and not self._greeks_subs.get(underlying):
            self._stop_loop("options", underlying)

    def _underlying_of(self, instrument_id: InstrumentId) -> str:
        instrument = self._cache.instrument(instrument_id)
        if instrument is not None and hasattr(instrument, "underlying"):
            return str(instrument.underlying)
        return parse_occ(instrument_id.symbol.value).root

    # -- polling ------------------------------------------------------------------------------

    def intervals(self) -> PollIntervals:
        """Return the poll intervals after fitting the current streams into the quota."""
        config = self._config
        wanted = PollIntervals(
            config.options_interval_secs, config.quotes_interval_secs, config.news_interval_secs
        )
        options = len(set(self._quote_subs) | set(self._greeks_subs))
        streams = (options, len(self._trade_subs), len(self._news_subs))
        return fit_intervals(wanted, streams, config.requests_per_minute, config.quota_share)

    def _ensure_loop(self, stream: str, ticker: str) -> None:
        key = (stream, ticker)
        if key in self._loops:
            return
        task = self._loop.create_task(self._poll_loop(stream, ticker), name=f"av-{stream}-{ticker}")
        self._loops[key] = task
        self._log.info(f"Polling {self.subscriptions_summary()}")

    def _stop_loop(self, stream: str, ticker: str) -> None:
        task = self._loops.pop((stream, ticker), None)
        if task is not None:
            task.cancel()

    async def _poll_loop(self, stream: str, ticker: str) -> None:
        poll = {"options": self.poll_options, "quotes": self.poll_quote, "news": self.poll_news}
        market_hours = stream != "news" and self._config.market_hours_only
        while True:
            wait = seconds_until_open(self._clock.timestamp_ns()) if market_hours else 0.0
            if wait > 0:
                await self._sleep(min(wait, 3600.0))
                continue
            try:
                await poll[stream](ticker)
            except (AlphaVantageEntitlementError, AlphaVantageQuotaError) as exc:
                self._log.error(f"Stopped polling {stream} for {ticker}: {exc}")
                self._loops.pop((stream, ticker), None)
                return
            except AlphaVantageError as exc:
                self._log.warning(f"Polling {stream} for {ticker} failed: {exc}")
            intervals = self.intervals()
            delay = {
                "options": intervals.options_secs,
                "quotes": intervals.quotes_secs,
                "news": intervals.news_secs,
            }[stream]
            await self._sleep(delay)

    async def poll_options(self, underlying: str) -> int:
        """Poll REALTIME_OPTIONS once for `underlying`; return the objects published.

        Raises
        ------
        AlphaVantageError
            If the call fails, is refused or the reply does not parse.

        """
        params = {"symbol": underlying}
        if self._config.require_greeks:
            params["require_greeks"] = "true"
        body = await self._http.query(Fn.REALTIME_OPTIONS, params)
        now = self._clock.timestamp_ns()
        chain = parse_options(decode_options(body), ts_init=now, cache=self._contracts)
        for contract in chain.instruments:
            if self._cache.instrument(contract.id) is None:
                self._handle_data(contract)
        quotes = self._quote_subs.get(underlying, set())
        greeks = self._greeks_subs.get(underlying, set())
        published = [q for q in chain.quotes if q.instrument_id in quotes]
        published += [g for g in chain.greeks if g.instrument_id in greeks]
        for data in published:
            self._handle_data(data)
        if chain.rejected:
            self._log.warning(f"{underlying} options: {len(chain.rejected)} rows rejected")
        return len(published)

    async def poll_quote(self, ticker: str) -> int:
        """Poll GLOBAL_QUOTE once for `ticker`; return the ticks published (0 or 1).

        Raises
        ------
        AlphaVantageError
            If the call fails, is refused or the reply does not parse.

        """
        body = await self._http.query(Fn.GLOBAL_QUOTE, {"symbol": ticker})
        tick = parse_global_quote(decode_global_quote(body), self._clock.timestamp_ns())
        if tick is None:
            return 0
        self._handle_data(tick)
        return 1

    async def poll_news(self, ticker: str) -> int:
        """Poll NEWS_SENTIMENT once for `ticker`; return the new records published.

        Raises
        ------
        AlphaVantageError
            If the call fails, is refused or the reply does not parse.

        """
        now = self._clock.timestamp_ns()
        since = self._news_since.get(ticker, now)
        params = {
            "tickers": ticker,
            "time_from": _news_time(since),
            "sort": "LATEST",
            "limit": _NEWS_LIMIT,
        }
        body = await self._http.query(Fn.NEWS_SENTIMENT, params)
        batch = parse_news_sentiment(decode_news_sentiment(body), ts_init=now)
        published = 0
        for record in batch.records:
            key = (record.url, record.instrument_id.value)
            if record.instrument_id.symbol.value != ticker or key in self._news_seen:
                continue
            if len(self._news_seen) >= _NEWS_SEEN_MAX:
                self._news_seen.clear()
            self._news_seen.add(key)
            self._publish_custom(record)
            published += 1
        self._news_since[ticker] = max(since, now - 60 * 1_000_000_000)
        return published

    # -- requests -----------------------------------------------------------------------------

    async def _request_instrument(self, request: RequestInstrument) -> None:
        instrument_id = request.instrument_id
        instrument = None
        try:
            await self._instrument_provider.load_async(instrument_id)
            instrument = self._instrument_provider.find(instrument_id)
        except (AlphaVantageError, ValueError) as exc:
            self._log.warning(f"Cannot provide {instrument_id}: {exc}")
        finally:
            if instrument is not None:
                self._handle_instrument(
                    instrument, request.id, request.start, request.end, request.params
                )
            else:
                self._handle_data_response(
                    DataType(Instrument, metadata={"instrument_id": instrument_id}),
                    [],
                    request.id,
                    request.start,
                    request.end,
                    request.params,
                )

    async def _request_instruments(self, request: RequestInstruments) -> None:
        instruments: list[Instrument] = []
        try:
            instruments = await self._instruments_for(request.venue, request.params or {})
        except (AlphaVantageError, ValueError) as exc:
            self._log.warning(f"Cannot provide instruments: {exc}; answering with none")
        finally:
            self._handle_instruments(
                request.venue or VENUE,
                instruments,
                request.id,
                request.start,
                request.end,
                request.params,
            )

    async def _request_bars(self, request: RequestBars) -> None:
        bar_type = request.bar_type
        bars: list[Bar] = []
        try:
            bars = await self._bars_for(request)
        except AlphaVantageError as exc:
            self._log.error(f"Cannot request {bar_type} bars: {exc}; answering with none")
        finally:
            self._handle_bars(
                bar_type, bars, request.id, request.start, request.end, request.params
            )

    async def _request_quote_ticks(self, request: RequestQuoteTicks) -> None:
        instrument_id = request.instrument_id
        quotes: list[QuoteTick] = []
        try:
            quotes = await self._quotes_for(request)
        except AlphaVantageError as exc:
            self._log.error(f"Cannot request {instrument_id} quotes: {exc}; answering with none")
        finally:
            self._handle_quote_ticks(
                instrument_id, quotes, request.id, request.start, request.end, request.params
            )

    async def _instruments_for(
        self, venue: Venue | None, params: dict[str, Any]
    ) -> list[Instrument]:
        if venue is not None and venue != VENUE:
            raise ValueError(f"venue was {venue}; Alpha Vantage instruments are on {VENUE}")
        provider = self._instrument_provider
        underlying = params.get("underlying")
        if underlying is None:
            await provider.initialize()
            return list(provider.list_all())
        ticker = clean_ticker(str(underlying))
        session = _session_param(params.get("session"))
        await provider.load_ids_async([equity_id(ticker)])
        chain = await provider.load_chain_async(ticker, session)
        return [provider.find(equity_id(ticker)), *chain]

    async def _bars_for(self, request: RequestBars) -> list[Bar]:
        bar_type = request.bar_type
        try:
            interval = bar_interval(bar_type)
        except ValueError as exc:
            self._log.warning(f"Cannot request bars: {exc}; answering with none")
            return []
        ticker = bar_type.instrument_id.symbol.value
        window = self._window(request)
        if interval == DAILY:
            history = await self._history.daily_bars(ticker, window)
        else:
            history = await self._history.intraday_bars(ticker, interval, window)
        self._log_history(str(bar_type), history)
        return history.items

    async def _quotes_for(self, request: RequestQuoteTicks) -> list[QuoteTick]:
        instrument_id = request.instrument_id
        if instrument_id.venue != VENUE or not is_option(instrument_id):
            self._log.warning(
                f"Cannot request {instrument_id} quotes: Alpha Vantage has end-of-day quotes "
                f"of options on {VENUE} only; answering with none"
            )
            return []
        underlying = self._underlying_of(instrument_id)
        window = self._window(request)
        history = await self._history.option_quotes(instrument_id, underlying, window)
        self._log_history(f"{instrument_id} quotes", history)
        return history.items

    def _window(self, request: RequestBars | RequestQuoteTicks) -> Window:
        return window_of(request.start, request.end, request.limit, self._clock.timestamp_ns())

    def _log_history(self, what: str, history: History[Any]) -> None:
        if history.warnings:
            shown = "; ".join(history.warnings[:_WARNINGS_SHOWN])
            more = len(history.warnings) - _WARNINGS_SHOWN
            self._log.warning(f"{what}: {shown}" + (f"; and {more} more" if more > 0 else ""))
        self._log.info(f"{what}: answering with {len(history.items)}")

    def _publish_custom(self, record: Data) -> None:
        self._handle_data(CustomData(DataType(type(record)), record))

    def subscriptions_summary(self) -> dict[str, Any]:
        """Return the polled streams (for logs and tests)."""
        return {
            "options": sorted(set(self._quote_subs) | set(self._greeks_subs)),
            "quotes": sorted(self._trade_subs),
            "news": sorted(self._news_subs),
        }


def _news_time(ts_ns: int) -> str:
    when = dt.datetime.fromtimestamp(ts_ns / 1e9, tz=NEWS_ZONE)
    return f"{when:%Y%m%dT%H%M}"


def _session_param(value: object) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"params['session'] was {value!r}, not a YYYY-MM-DD date") from None
