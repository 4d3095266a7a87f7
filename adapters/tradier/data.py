"""Tradier market data client: streamed or polled quotes and trades, greeks, history, clock.

- Quotes and trades stream over the market WebSocket; every subscription change resends the
  full symbol list. When Tradier refuses streaming sessions (paper accounts, A12) or while the
  stream reconnects, one quotes call per ``poll_interval_secs`` covers every subscribed symbol.
  Every quote received is published, an unchanged one too (with its new ``ts_init``), so a
  strategy waiting for its next quote of a still book gets it. Polling pauses while the market
  clock says closed. :attr:`TradierDataClient.mode` says which source is in use.
- Every vendor record is checked at the edge (:mod:`adapters.tradier.validation`); a bad one
  is dropped, counted per kind in :attr:`TradierDataClient.rejections` and logged once per
  kind, and the rest of the reply or stream is used.
- ``subscribe_option_greeks`` polls ``quotes?greeks=true`` and publishes Nautilus
  ``OptionGreeks`` (ORATS snapshots, about hourly) and, from the same quotes, each option's
  ``volume`` so far today as an :class:`options.option_volume.OptionVolume` (``CustomData``,
  stamped at receipt).
- ``request_bars``: daily bars from ``/markets/history`` (stamped at the session close) and 1, 5
  and 15 minute bars from ``/markets/timesales``.
- ``subscribe_bars`` for ``1-DAY-LAST-EXTERNAL``: Tradier streams no bars, so the day's bar so
  far (quote open/high/low/last/volume) is published ``daily_bar_lead_secs`` before each
  session's close, stamped at publication, letting end-of-day strategies act while the market
  is open.
- ``subscribe_bars`` for ``1-MINUTE-LAST-EXTERNAL``: the client aggregates the instrument's
  last trades (streamed, or the ``last``/``last_volume`` of polled quotes; one quote is read at
  once to start from the latest trade) with Nautilus's ``BarBuilder`` and publishes each
  minute's bar at the end of the minute, stamped then, for the minutes of regular NYSE
  sessions only (:func:`options.market_calendar.regular_minute`). A minute without a trade
  repeats the last price with volume 0; until a first trade is known no bar is published.
- ``request_instrument`` loads equities, OCC options and generic spreads of them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pandas as pd
from nautilus_trader.cache.cache import Cache
from nautilus_trader.common.component import LiveClock, MessageBus
from nautilus_trader.data.aggregation import BarBuilder
from nautilus_trader.data.messages import (
    RequestBars,
    RequestInstrument,
    RequestInstruments,
    SubscribeBars,
    SubscribeOptionGreeks,
    SubscribeQuoteTicks,
    SubscribeTradeTicks,
    UnsubscribeBars,
    UnsubscribeOptionGreeks,
    UnsubscribeQuoteTicks,
    UnsubscribeTradeTicks,
)
from nautilus_trader.live.data_client import LiveMarketDataClient
from nautilus_trader.model.data import Bar, BarType, CustomData, TradeTick
from nautilus_trader.model.enums import AggregationSource, BarAggregation
from nautilus_trader.model.identifiers import ClientId, InstrumentId
from nautilus_trader.model.identifiers import is_generic_spread_id as is_spread

from adapters.tradier import parsing, schemas, validation
from adapters.tradier.api import TradierMarketApi
from adapters.tradier.config import TradierDataClientConfig
from adapters.tradier.constants import TRADIER, TRADIER_VENUE
from adapters.tradier.errors import TradierError, TradierParseError
from adapters.tradier.providers import TradierInstrumentProvider
from adapters.tradier.websocket import TradierStream, market_subscription
from adapters.vendor_values import RejectionTally
from options.instruments import DAILY_LAST, MINUTE_LAST
from options.market_calendar import (
    NEW_YORK,
    regular_minute,
    session_close_ns,
    session_of_ns,
    sessions_between,
)
from options.option_volume import OPTION_VOLUME, session_volume

CLOCK_REFRESH_SECS = 300.0
MINUTE_NS = 60_000_000_000


class TradierDataClient(LiveMarketDataClient):
    """Nautilus market data client for Tradier.

    Parameters
    ----------
    loop : asyncio.AbstractEventLoop
        The event loop.
    market : TradierMarketApi
        The market-data endpoints.
    msgbus : MessageBus
        The message bus.
    cache : Cache
        The cache.
    clock : LiveClock
        The clock.
    instrument_provider : TradierInstrumentProvider
        The instrument provider.
    config : TradierDataClientConfig
        The configuration.
    name : str, optional
        The client id (default ``TRADIER``).

    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        market: TradierMarketApi,
        msgbus: MessageBus,
        cache: Cache,
        clock: LiveClock,
        instrument_provider: TradierInstrumentProvider,
        config: TradierDataClientConfig,
        name: str | None = None,
    ) -> None:
        super().__init__(
            loop=loop,
            client_id=ClientId(name or TRADIER),
            venue=TRADIER_VENUE,
            msgbus=msgbus,
            cache=cache,
            clock=clock,
            instrument_provider=instrument_provider,
            config=config,
        )
        self._market = market
        self._provider = instrument_provider
        self._config = config
        self._quote_ids: set[InstrumentId] = set()
        self._trade_ids: set[InstrumentId] = set()
        self._greeks_ids: set[InstrumentId] = set()
        self._daily_bars: set[BarType] = set()
        self._daily_task: asyncio.Task[None] | None = None
        self._minute_bars: dict[InstrumentId, BarBuilder] = {}
        self._minute_task: asyncio.Task[None] | None = None
        self._untraded_logged: set[InstrumentId] = set()
        self._last_trade: dict[InstrumentId, str] = {}
        self._market_state = "open"
        self._clock_checked_ns = 0
        self._tasks_running: list[asyncio.Task[None]] = []
        self._rejections = RejectionTally(self._log.warning, "Tradier market data")
        self._stream: TradierStream | None = None
        if config.use_streaming:
            self._stream = TradierStream(
                name="market",
                url=config.ws_url(),
                create_session=market.create_session,
                subscription=self._subscription,
                on_message=self._on_stream_message,
                idle_timeout_secs=config.stream_idle_timeout_secs,
                reconnect_delay_secs=config.reconnect_delay_secs,
                on_unavailable=self._on_stream_unavailable,
            )

    @property
    def stream(self) -> TradierStream | None:
        """The market stream, or None when streaming is off or unavailable."""
        return self._stream

    @property
    def mode(self) -> str:
        """``"streaming"`` while the market stream is in use, else ``"polling"``.

        Polling is the mode when ``use_streaming`` is off or after Tradier refused streaming
        sessions (logged once as a WARNING). While a stream reconnects, quotes are polled
        but the mode stays ``"streaming"``.
        """
        return "polling" if self._stream is None else "streaming"

    @property
    def rejections(self) -> dict[str, int]:
        """Vendor records dropped at the edge so far, per kind (``identifier``, ``price`` ...)."""
        return self._rejections.counts

    def _reject(self, error: TradierParseError) -> None:
        self._rejections.record(error.kind, error.message)

    # -- Connection -----------------------------------------------------------------------

    async def _connect(self) -> None:
        await self._provider.initialize()
        for instrument in self._provider.list_all():
            self._handle_data(instrument)
        await self._refresh_clock()
        self._tasks_running = [
            self.create_task(self._poll_quotes_loop(), log_msg="tradier_quote_poll"),
            self.create_task(self._poll_greeks_loop(), log_msg="tradier_greeks_poll"),
        ]

    async def _disconnect(self) -> None:
        if self._stream is not None:
            await self._stream.stop()
        bar_tasks = [task for task in (self._daily_task, self._minute_task) if task is not None]
        tasks = [*self._tasks_running, *bar_tasks]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks_running, self._daily_task, self._minute_task = [], None, None

    # -- Subscriptions --------------------------------------------------------------------

    async def _subscribe_quote_ticks(self, command: SubscribeQuoteTicks) -> None:
        if is_spread(command.instrument_id):
            return  # the DataEngine builds spread quotes from leg subscriptions
        if await self._ensure_instrument(command.instrument_id):
            self._quote_ids.add(command.instrument_id)
            await self._update_stream()

    async def _subscribe_trade_ticks(self, command: SubscribeTradeTicks) -> None:
        if await self._ensure_instrument(command.instrument_id):
            self._trade_ids.add(command.instrument_id)
            await self._update_stream()

    async def _subscribe_option_greeks(self, command: SubscribeOptionGreeks) -> None:
        if await self._ensure_instrument(command.instrument_id):
            self._greeks_ids.add(command.instrument_id)
            await self._poll_greeks([command.instrument_id])

    async def _subscribe_bars(self, command: SubscribeBars) -> None:
        bar_type: BarType = command.bar_type
        external = bar_type.aggregation_source == AggregationSource.EXTERNAL
        if bar_type.spec not in (DAILY_LAST, MINUTE_LAST) or not external:
            self._log.error(
                f"Cannot subscribe to {bar_type}: Tradier publishes 1-DAY-LAST-EXTERNAL and "
                "1-MINUTE-LAST-EXTERNAL bars only; aggregate others INTERNAL",
            )
            return
        if not await self._ensure_instrument(bar_type.instrument_id):
            return
        if bar_type.spec == MINUTE_LAST:
            await self._subscribe_minute_bars(bar_type)
            return
        self._daily_bars.add(bar_type)
        if self._daily_task is None:
            self._daily_task = self.create_task(
                self._daily_bar_loop(), log_msg="tradier_daily_bars"
            )

    async def _subscribe_minute_bars(self, bar_type: BarType) -> None:
        instrument_id = bar_type.instrument_id
        if instrument_id in self._minute_bars:
            return
        # a just-loaded instrument reaches the cache only after the DataEngine's queue
        instrument = self._cache.instrument(instrument_id) or self._provider.find(instrument_id)
        self._minute_bars[instrument_id] = BarBuilder(instrument, bar_type)
        await self._update_stream()
        try:
            await self._poll_quotes([instrument_id])  # the latest trade so far
        except TradierError as exc:
            self._log.warning(f"Cannot read the last trade of {instrument_id}: {exc}")
        if self._minute_task is None:
            self._minute_task = self.create_task(
                self._minute_bar_loop(), log_msg="tradier_minute_bars"
            )

    async def _unsubscribe_bars(self, command: UnsubscribeBars) -> None:
        if command.bar_type.spec == MINUTE_LAST:
            if self._minute_bars.pop(command.bar_type.instrument_id, None) is not None:
                await self._update_stream()
            return
        self._daily_bars.discard(command.bar_type)

    async def _unsubscribe_quote_ticks(self, command: UnsubscribeQuoteTicks) -> None:
        self._quote_ids.discard(command.instrument_id)
        await self._update_stream()

    async def _unsubscribe_trade_ticks(self, command: UnsubscribeTradeTicks) -> None:
        self._trade_ids.discard(command.instrument_id)
        await self._update_stream()

    async def _unsubscribe_option_greeks(self, command: UnsubscribeOptionGreeks) -> None:
        self._greeks_ids.discard(command.instrument_id)

    async def _ensure_instrument(self, instrument_id: InstrumentId) -> bool:
        if self._cache.instrument(instrument_id) is not None:
            return True
        try:
            await self._provider.load_async(instrument_id)
        except TradierError as exc:
            self._log.error(f"Cannot load {instrument_id}: {exc}")
            return False
        instrument = self._provider.find(instrument_id)
        if instrument is None:
            self._log.error(f"Tradier has no instrument {instrument_id}")
            return False
        self._handle_data(instrument)
        return True

    def _symbols(self) -> list[str]:
        ids = self._quote_ids | self._trade_ids | self._minute_bars.keys()
        return sorted(i.symbol.value for i in ids)

    def _subscription(self, session_id: str) -> dict[str, Any]:
        return market_subscription(self._symbols(), session_id)

    async def _update_stream(self) -> None:
        if self._stream is None:
            return
        if not self._symbols():
            await self._stream.stop()
        elif self._stream.is_running:
            await self._stream.resubscribe()
        else:
            self._stream.start()

    def _on_stream_unavailable(self, reason: str) -> None:
        self._log.warning(
            f"Market streaming unavailable ({reason}); falling back to polling quotes "
            f"every {self._config.poll_interval_secs}s"
        )
        self._stream = None

    def _on_stream_message(self, line: bytes) -> None:
        try:
            event = validation.check_market_event(schemas.decode(schemas.MarketEvent, line))
            if event.error:
                self._log.warning(f"Market stream refused: {event.error!r:.200}")
                return
            if event.symbol is None:
                return
            instrument_id = parsing.instrument_id_for(event.symbol)
            instrument = self._cache.instrument(instrument_id)
            if instrument is None:
                return
            ts_init = self._clock.timestamp_ns()
            if event.type == "quote" and instrument_id in self._quote_ids:
                self._handle_data(parsing.parse_stream_quote(event, instrument, ts_init))
            elif event.type in ("trade", "tradex") and self._wants_trades(instrument_id):
                self._on_trade(parsing.parse_stream_trade(event, instrument, ts_init))
        except TradierParseError as exc:
            self._reject(exc)

    def _valid_quotes(self, quotes: list[schemas.Quote]) -> list[schemas.Quote]:
        """Return the quotes that pass the edge checks; count the others."""
        checked = validation.keep_valid(quotes, validation.check_quote)
        for error in checked.errors:
            self._reject(error)
        return checked.items

    # -- Polling --------------------------------------------------------------------------

    async def _refresh_clock(self) -> None:
        try:
            clock = parsing.parse_clock(await self._market.clock())
        except TradierError as exc:
            self._log.warning(f"Cannot read the market clock: {exc}")
            return
        self._market_state = clock.state
        self._clock_checked_ns = self._clock.timestamp_ns()
        self._log.info(
            f"Market clock: {clock.state} (next {clock.next_state} at {clock.next_change_ns})"
        )

    async def _poll_quotes_loop(self) -> None:
        while True:
            await asyncio.sleep(self._config.poll_interval_secs)
            stale_ns = self._clock.timestamp_ns() - self._clock_checked_ns
            if stale_ns > CLOCK_REFRESH_SECS * 1e9:
                await self._refresh_clock()
            streaming = self._stream is not None and self._stream.is_connected
            ids = self._quote_ids | self._trade_ids | self._minute_bars.keys()
            if streaming or not ids or self._market_state == "closed":
                continue
            try:
                await self._poll_quotes(sorted(ids, key=str))
            except TradierError as exc:
                self._log.warning(f"Quote poll failed: {exc}")

    async def _poll_quotes(self, instrument_ids: list[InstrumentId]) -> None:
        response = await self._market.quotes(i.symbol.value for i in instrument_ids)
        quotes, unmatched = parsing.parse_quotes(response)
        if unmatched:
            self._log.warning(f"Quotes unmatched (expired or invalid): {unmatched!r:.200}")
        ts_init = self._clock.timestamp_ns()
        for quote in self._valid_quotes(quotes):
            try:
                self._publish_polled(quote, ts_init)
            except TradierParseError as exc:
                self._reject(exc)

    def _publish_polled(self, quote: schemas.Quote, ts_init: int) -> None:
        instrument_id = parsing.instrument_id_for(quote.symbol)
        instrument = self._cache.instrument(instrument_id)
        if instrument is None:
            return
        if instrument_id in self._quote_ids:
            try:
                self._handle_data(parsing.parse_quote_tick(quote, instrument, ts_init))
            except TradierParseError as exc:
                if exc.kind != "layout":  # a one-sided book is no rejection
                    raise
        if self._wants_trades(instrument_id) and quote.last and quote.last_volume:
            key = f"{quote.trade_date}-{int(quote.volume or 0)}-{quote.last}"
            if self._last_trade.get(instrument_id) != key:
                self._last_trade[instrument_id] = key
                event = schemas.MarketEvent(
                    type="trade",
                    symbol=quote.symbol,
                    price=quote.last,
                    size=quote.last_volume,
                    cvol=quote.volume,
                    date=quote.trade_date if isinstance(quote.trade_date, int) else None,
                )
                self._on_trade(parsing.parse_stream_trade(event, instrument, ts_init))

    # -- Bars -----------------------------------------------------------------------------

    def _wants_trades(self, instrument_id: InstrumentId) -> bool:
        return instrument_id in self._trade_ids or instrument_id in self._minute_bars

    def _on_trade(self, tick: TradeTick) -> None:
        builder = self._minute_bars.get(tick.instrument_id)
        if builder is not None:
            builder.update(tick.price, tick.size, tick.ts_init)
        if tick.instrument_id in self._trade_ids:
            self._handle_data(tick)

    async def _minute_bar_loop(self) -> None:
        while True:
            end_ns = (self._clock.timestamp_ns() // MINUTE_NS + 1) * MINUTE_NS
            while (now_ns := self._clock.timestamp_ns()) < end_ns:  # the loop may wake early
                await asyncio.sleep((end_ns - now_ns) / 1e9)
            self._publish_minute_bars(end_ns)

    def _publish_minute_bars(self, end_ns: int) -> None:
        """Close the minute ending at `end_ns`; publish its bars if it is a regular minute."""
        regular = regular_minute(end_ns) is not None
        ts_init = self._clock.timestamp_ns()
        for instrument_id, builder in self._minute_bars.items():
            if not builder.initialized:
                if regular and instrument_id not in self._untraded_logged:
                    self._untraded_logged.add(instrument_id)
                    self._log.warning(f"No trade of {instrument_id} known yet: no minute bar")
                continue
            bar = builder.build(end_ns, max(ts_init, end_ns))
            if regular:
                self._handle_data(bar)

    def _next_daily_bar_ns(self, now_ns: int) -> int:
        lead_ns = int(self._config.daily_bar_lead_secs * 1e9)
        today = session_of_ns(now_ns)
        for day in sessions_between(today, today + dt.timedelta(days=10)):
            publish_ns = session_close_ns(day) - lead_ns
            if publish_ns > now_ns:
                return publish_ns
        raise RuntimeError(f"no NYSE session within 10 days of {today}")

    async def _daily_bar_loop(self) -> None:
        while True:
            now_ns = self._clock.timestamp_ns()
            await asyncio.sleep((self._next_daily_bar_ns(now_ns) - now_ns) / 1e9)
            await self._publish_daily_bars()

    async def _publish_daily_bars(self) -> None:
        bar_types = {b.instrument_id.symbol.value: b for b in self._daily_bars}
        if not bar_types:
            return
        try:
            quotes = self._valid_quotes(
                parsing.parse_quotes(await self._market.quotes(bar_types))[0]
            )
        except TradierError as exc:
            self._log.error(f"Daily bars unavailable: {exc}")
            return
        ts = self._clock.timestamp_ns()
        for quote in quotes:
            bar_type = bar_types.get(quote.symbol)
            instrument = self._cache.instrument(bar_type.instrument_id) if bar_type else None
            if bar_type is None or instrument is None:
                continue
            try:
                self._handle_data(
                    parsing.parse_quote_bar(quote, bar_type, instrument.price_precision, ts)
                )
            except TradierError as exc:
                self._log.error(f"Daily bar for {quote.symbol} not published: {exc}")

    async def _poll_greeks_loop(self) -> None:
        while True:
            await asyncio.sleep(self._config.greeks_poll_interval_secs)
            if self._greeks_ids:
                await self._poll_greeks(sorted(self._greeks_ids, key=str))

    async def _poll_greeks(self, instrument_ids: list[InstrumentId]) -> None:
        try:
            response = await self._market.quotes((i.symbol.value for i in instrument_ids), True)
            quotes = self._valid_quotes(parsing.parse_quotes(response)[0])
        except TradierError as exc:
            self._log.warning(f"Greeks poll failed: {exc}")
            return
        ts_init = self._clock.timestamp_ns()
        for quote in quotes:
            try:
                instrument_id = parsing.instrument_id_for(quote.symbol)
                spot = self._spot(quote)
                greeks = parsing.parse_option_greeks(quote, instrument_id, ts_init, spot)
            except TradierParseError as exc:
                self._reject(exc)
                continue
            if greeks is not None:
                self._handle_data(greeks)
            if quote.volume is not None and parsing.is_option_symbol(quote.symbol):
                volume = session_volume(instrument_id, quote.volume, ts_init)
                self._handle_data(CustomData(OPTION_VOLUME, volume))

    def _spot(self, quote: schemas.Quote) -> float | None:
        if not quote.underlying:
            return None
        tick = self._cache.quote_tick(parsing.instrument_id_for(quote.underlying))
        if tick is None:
            return None
        return float((tick.bid_price.as_decimal() + tick.ask_price.as_decimal()) / 2)

    # -- Requests -------------------------------------------------------------------------

    async def _request_instrument(self, request: RequestInstrument) -> None:
        if await self._ensure_instrument(request.instrument_id):
            # a just-loaded instrument reaches the cache only after the DataEngine's queue
            instrument = self._cache.instrument(request.instrument_id) or self._provider.find(
                request.instrument_id
            )
            self._handle_instrument(
                instrument, request.id, request.start, request.end, request.params
            )

    async def _request_instruments(self, request: RequestInstruments) -> None:
        params = request.params or {}
        underlying = params.get("underlying")
        expiration = params.get("expiration")
        instruments = []
        if underlying and expiration:
            try:
                parsed = await self._provider.load_chain(
                    str(underlying).upper(), dt.date.fromisoformat(str(expiration))
                )
                instruments = [row.contract for row in parsed.items]
            except (TradierError, ValueError) as exc:
                self._log.error(f"Cannot load the {underlying} {expiration} chain: {exc}")
        else:
            self._log.error("request_instruments needs params {'underlying', 'expiration'}")
        for instrument in instruments:
            self._handle_data(instrument)
        self._handle_instruments(
            request.venue, instruments, request.id, request.start, request.end, request.params
        )

    async def _request_bars(self, request: RequestBars) -> None:
        bar_type: BarType = request.bar_type
        end = _utc(request.end) or pd.Timestamp.now(tz="UTC")
        start = _utc(request.start) or end - pd.Timedelta(days=30)
        instrument = self._cache.instrument(bar_type.instrument_id)
        precision = instrument.price_precision if instrument is not None else 4
        symbol = bar_type.instrument_id.symbol.value
        bars: list[Bar] = []
        try:
            if bar_type.spec.aggregation == BarAggregation.DAY:
                response = await self._market.history(symbol, start.date(), end.date())
                parsed = parsing.parse_daily_bars(response, bar_type, precision)
            else:
                timesales = await self._market.timesales(
                    symbol,
                    f"{bar_type.spec.step}min",
                    start.tz_convert(NEW_YORK).strftime("%Y-%m-%d %H:%M"),
                    end.tz_convert(NEW_YORK).strftime("%Y-%m-%d %H:%M"),
                )
                parsed = parsing.parse_timesales_bars(timesales, bar_type, precision)
            if parsed.rejected:
                self._log.warning(f"{bar_type}: rejected {parsed.rejected} rows")
            bars = [b for b in parsed.items if start.value <= b.ts_event <= end.value]
            if request.limit:
                bars = bars[-request.limit :]
        except (TradierError, ValueError) as exc:
            self._log.error(f"Cannot request {bar_type}: {exc}")
        self._handle_bars(bar_type, bars, request.id, request.start, request.end, request.params)


def _utc(value: Any) -> pd.Timestamp | None:
    if value is None:
        return None
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
