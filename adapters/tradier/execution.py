"""Tradier execution client: orders, fills, reconciliation, account state.

- Submits equity and single-option orders, ``multileg`` orders from orders on generic spread
  instruments (reported as one combo fill on the spread plus one fill per leg, client order id
  ``{parent}-LEG-{symbol}``, so positions are per leg), and OCO/OTO/OTOCO brackets from order
  lists; modifies (price, type, duration) and cancels.
- Every order carries ``tag = client order id``. A placement whose answer is lost (timeout,
  5xx, 429) is never resent blindly: the client looks the tag up first and adopts the order if
  Tradier has it; only a confirmed absence leads to one more placement. A submit whose tag is
  already known at Tradier (e.g. after a restart) is adopted, not sent.
- Order state comes from the account WebSocket where available (each event triggers a fetch
  of the order, since events carry no symbol or side) and from polling ``/orders`` otherwise,
  with a slower safety-net poll while streaming. Fills are derived from cumulative
  ``exec_quantity``/``avg_fill_price``, with deterministic trade ids, so a fill seen twice is
  applied once and partial fills are reported as they happen.
- Account state is pushed from ``/balances`` at connect and after fills.
- While an option position is open, the account history is read every
  ``settlement_poll_interval_secs`` for expirations, assignments and exercises, each booked
  once as Nautilus settles an option at expiry (:mod:`adapters.tradier.settlement`). At start
  (with the node's state store), those that happened while the node was down to contracts
  the store's open structures hold are booked right after the start-up reconciliation, which
  sees the positions as they were before them.
- Every order, position and account event is checked at the edge
  (:mod:`adapters.tradier.validation`) before it is used; a bad one is dropped, counted per
  kind in :attr:`TradierExecutionClient.rejections` and logged once per kind, and the rest of
  the list or stream is used, so a reconciliation pass or a stream never stops on one record.
  An order of quantity 0 (a refused placement in the 2013 layout) is not reported.
- :meth:`TradierExecutionClient.preview` validates an order with ``preview=true`` and returns
  Tradier's cost and buying-power effect without placing it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from nautilus_trader.cache.cache import Cache
from nautilus_trader.common.component import LiveClock, MessageBus
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.execution.messages import (
    BatchCancelOrders,
    CancelAllOrders,
    CancelOrder,
    GenerateFillReports,
    GenerateOrderStatusReport,
    GenerateOrderStatusReports,
    GeneratePositionStatusReports,
    ModifyOrder,
    SubmitOrder,
    SubmitOrderList,
)
from nautilus_trader.execution.reports import FillReport, OrderStatusReport, PositionStatusReport
from nautilus_trader.live.execution_client import LiveExecutionClient
from nautilus_trader.model.currencies import USD
from nautilus_trader.model.enums import (
    AccountType,
    LiquiditySide,
    OmsType,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TriggerType,
)
from nautilus_trader.model.identifiers import (
    AccountId,
    ClientId,
    ClientOrderId,
    InstrumentId,
    StrategyId,
    VenueOrderId,
    generic_spread_id_to_list,
    is_generic_spread_id,
    new_generic_spread_id,
)
from nautilus_trader.model.instruments import Instrument, OptionContract
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.model.orders import Order

from adapters import vendor_values
from adapters.tradier import orders as forms
from adapters.tradier import parsing, schemas, validation
from adapters.tradier.api import TradierAccountApi
from adapters.tradier.config import TradierExecClientConfig
from adapters.tradier.constants import TRADIER, TRADIER_VENUE
from adapters.tradier.errors import (
    TradierAuthError,
    TradierError,
    TradierParseError,
    TradierRequestError,
)
from adapters.tradier.providers import TradierInstrumentProvider, build_option_spread
from adapters.tradier.settlement import (
    HeldContract,
    book_settlement,
    contracts_held,
    positions_before,
    price_legs,
    settlement_name,
    settlement_stem,
)
from adapters.tradier.websocket import TradierStream, account_subscription
from adapters.vendor_values import RejectionTally
from options.market_calendar import session_of_ns
from statestore import StateStore
from statestore.kill_points import kill_point

_STOP_TYPES = (OrderType.STOP_MARKET, OrderType.STOP_LIMIT)


@dataclass
class _LegTrack:
    """A leg of a tracked order: a spread leg, or one order of a bracket."""

    instrument_id: InstrumentId
    symbol: str
    ratio: int = 1
    client_order_id: ClientOrderId | None = None
    fill: parsing.FillState = field(default_factory=parsing.FillState)
    done: bool = False


@dataclass
class _Tracked:
    """An order placed through this client and not yet final."""

    client_order_id: ClientOrderId
    strategy_id: StrategyId
    instrument_id: InstrumentId
    venue_order_id: VenueOrderId
    side: OrderSide
    order_type: OrderType
    kind: str  # "single", "multileg" or the bracket class
    legs: list[_LegTrack] = field(default_factory=list)
    fill: parsing.FillState = field(default_factory=parsing.FillState)
    combo_filled: Decimal = Decimal(0)
    combo_avg: Decimal = Decimal(0)


class TradierExecutionClient(LiveExecutionClient):
    """Nautilus execution client for a Tradier brokerage account.

    Parameters
    ----------
    loop : asyncio.AbstractEventLoop
        The event loop.
    account : TradierAccountApi
        The account and trading endpoints.
    msgbus : MessageBus
        The message bus.
    cache : Cache
        The cache.
    clock : LiveClock
        The clock.
    instrument_provider : TradierInstrumentProvider
        The instrument provider (loads instruments named by orders and positions).
    config : TradierExecClientConfig
        The configuration.
    name : str, optional
        The client id (default ``TRADIER``).

    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        account: TradierAccountApi,
        msgbus: MessageBus,
        cache: Cache,
        clock: LiveClock,
        instrument_provider: TradierInstrumentProvider,
        config: TradierExecClientConfig,
        name: str | None = None,
    ) -> None:
        super().__init__(
            loop=loop,
            client_id=ClientId(name or TRADIER),
            venue=TRADIER_VENUE,
            oms_type=OmsType.NETTING,
            account_type=AccountType.CASH if config.account_type == "cash" else AccountType.MARGIN,
            base_currency=USD,
            instrument_provider=instrument_provider,
            msgbus=msgbus,
            cache=cache,
            clock=clock,
            config=config,
        )
        self._account = account
        self._provider = instrument_provider
        self._config = config
        self._tracked: dict[str, _Tracked] = {}  # by Tradier (parent) order id
        self._known_tags: dict[str, schemas.Order] = {}  # tag -> order seen at Tradier
        self._reconciled: dict[str, schemas.Order] = {}  # state reported at reconciliation
        self._fetch_pending: set[str] = set()
        self._settled: set[str] = set()  # keys of the history events booked
        # Events that happened while the node was down, booked after the start-up
        # reconciliation; until then the positions as they were before them, by instrument.
        self._started = False
        self._restart_settlements: (
            tuple[list[parsing.OptionSettlement], dict[InstrumentId, Decimal]] | None
        ) = None
        self._before: dict[InstrumentId, Decimal] = {}
        self._held_before: dict[InstrumentId, HeldContract] = {}
        self._fetch_event = asyncio.Event()
        self._account_dirty = asyncio.Event()
        self._tasks_running: list[asyncio.Task[None]] = []
        self._rejections = RejectionTally(self._log.warning, "Tradier execution")
        self._stream: TradierStream | None = None
        self._set_account_id(AccountId(f"{TRADIER}-{account.account_id}"))
        if config.use_account_stream:
            self._stream = TradierStream(
                name="account",
                url=config.ws_url(),
                create_session=account.create_session,
                subscription=account_subscription,
                on_message=self._on_stream_message,
                idle_timeout_secs=config.stream_idle_timeout_secs,
                reconnect_delay_secs=config.reconnect_delay_secs,
                on_unavailable=self._on_stream_unavailable,
                on_connected=self._on_stream_connected,
            )

    @property
    def stream(self) -> TradierStream | None:
        """The account stream, or None when it is off or unavailable."""
        return self._stream

    @property
    def mode(self) -> str:
        """``"streaming"`` while the account stream is in use, else ``"polling"``.

        Polling is the mode when ``use_account_stream`` is off or after Tradier refused
        account stream sessions (logged once as a WARNING). Orders are polled in both modes,
        less often while streaming.
        """
        return "polling" if self._stream is None else "streaming"

    @property
    def rejections(self) -> dict[str, int]:
        """Vendor records dropped at the edge so far, per kind (``identifier``, ``price`` ...)."""
        return self._rejections.counts

    def _reject_record(self, error: TradierParseError) -> None:
        self._rejections.record(error.kind, error.message)

    def _valid_orders(self, orders: list[schemas.Order]) -> list[schemas.Order]:
        """Return the orders that pass the edge checks and carry an id; count the others."""
        valid = []
        for order in orders:
            try:
                validation.check_order(order)
                parsing.venue_id(order)
            except TradierParseError as exc:
                self._reject_record(exc)
                continue
            valid.append(order)
        return valid

    # -- Connection -----------------------------------------------------------------------

    async def _connect(self) -> None:
        self._cache.set_account_id_for_venue(TRADIER_VENUE, self.account_id)
        await self._provider.initialize()
        for instrument in self._provider.list_all():
            self._cache.add_instrument(instrument)
        orders = self._valid_orders(parsing.parse_orders(await self._account.orders()))
        self._remember(orders)
        await self._load_instruments_for(orders)
        await self._update_account_state()
        if self._stream is not None:
            self._stream.start()
        self._msgbus.subscribe(topic=f"reports.execution.{self.venue}", handler=self._on_reconciled)
        self._tasks_running = [
            self.create_task(self._poll_loop(), log_msg="tradier_order_poll"),
            self.create_task(self._fetch_loop(), log_msg="tradier_order_fetch"),
            self.create_task(self._account_loop(), log_msg="tradier_account_state"),
            self.create_task(self._settlement_loop(), log_msg="tradier_option_settlements"),
        ]

    async def _disconnect(self) -> None:
        if self._stream is not None:
            await self._stream.stop()
        for task in self._tasks_running:
            task.cancel()
        await asyncio.gather(*self._tasks_running, return_exceptions=True)
        self._tasks_running = []

    # -- Submit ---------------------------------------------------------------------------

    async def _submit_order(self, command: SubmitOrder) -> None:
        order = command.order
        self._submitted(order)
        try:
            form = self._order_form(order)
            if is_generic_spread_id(order.instrument_id):
                tracked_legs = [
                    _LegTrack(leg.instrument_id, leg.instrument_id.symbol.value, leg.ratio)
                    for leg in forms.spread_legs(order)
                ]
                kind = "multileg"
            else:
                tracked_legs, kind = [], "single"
        except ValueError as exc:
            self._reject(order, str(exc))
            return
        await self._place([order], form, kind, tracked_legs)

    async def _submit_order_list(self, command: SubmitOrderList) -> None:
        orders = list(command.order_list.orders)
        order_class = forms.bracket_class(orders)
        if order_class is None:
            for order in orders:
                await self._submit_order(
                    SubmitOrder(
                        trader_id=command.trader_id,
                        strategy_id=command.strategy_id,
                        order=order,
                        command_id=UUID4(),
                        ts_init=self._clock.timestamp_ns(),
                        position_id=command.position_id,
                        client_id=command.client_id,
                    ),
                )
            return
        for order in orders:
            self._submitted(order)
        try:
            form = forms.bracket_form(order_class, orders, self._position(orders[0].instrument_id))
        except ValueError as exc:
            for order in orders:
                self._reject(order, str(exc))
            return
        tracked_legs = [
            _LegTrack(
                o.instrument_id, o.instrument_id.symbol.value, client_order_id=o.client_order_id
            )
            for o in orders
        ]
        await self._place(orders, form, order_class, tracked_legs)

    def _submitted(self, order: Order) -> None:
        self.generate_order_submitted(
            order.strategy_id,
            order.instrument_id,
            order.client_order_id,
            self._clock.timestamp_ns(),
        )

    def _order_form(self, order: Order) -> dict[str, str]:
        """Return the Tradier form of a single or spread order (sides from open positions).

        Raises
        ------
        ValueError
            If the order cannot be expressed as a Tradier order.

        """
        if is_generic_spread_id(order.instrument_id):
            legs = forms.spread_legs(order)
            return forms.multileg_form(
                order, {leg.instrument_id: self._position(leg.instrument_id) for leg in legs}
            )
        return forms.single_order_form(order, self._position(order.instrument_id))

    async def _place(
        self,
        orders: list[Order],
        form: dict[str, str],
        kind: str,
        legs: list[_LegTrack],
    ) -> None:
        """Place once; on an unknown outcome look the tag up before any second placement."""
        first = orders[0]
        tag = form["tag"]
        known = self._known_tags.get(tag)
        if known is not None:
            self._log.warning(
                f"{first.client_order_id} is already at Tradier (tag {tag}): "
                "adopted, not sent again"
            )
            self._accept(orders, kind, legs, str(parsing.venue_id(known)))
            self._process(known)
            return
        for attempt in range(2):
            try:
                response = await self._account.place(form)
            except (TradierRequestError, TradierAuthError) as exc:
                for order in orders:
                    self._reject(order, exc.message)
                return
            except TradierError as exc:
                self._log.warning(
                    f"Placement of {first.client_order_id} unconfirmed ({exc.message}); "
                    f"looking up tag {tag}"
                )
                found = await self._find_by_tag(tag)
                if found is not None:
                    self._accept(orders, kind, legs, str(parsing.venue_id(found)))
                    self._process(found)
                    return
                if attempt == 0:
                    self._log.warning(
                        f"{first.client_order_id} is not at Tradier; placing it once more"
                    )
                    continue
                for order in orders:
                    self._reject(order, f"placement failed: {exc.message}")
                return
            ack = response.order
            if not isinstance(ack, schemas.Order) or not (ack.id or ack.order_id) or ack.errors:
                reason = (
                    parsing.order_reason(ack)
                    if isinstance(ack, schemas.Order)
                    else "no order in reply"
                )
                for order in orders:
                    self._reject(order, reason)
                return
            self._accept(orders, kind, legs, str(parsing.venue_id(ack)))
            if self._stream is None or not self._stream.is_connected:
                self._schedule_fetch(str(parsing.venue_id(ack)))  # catch early rejections
            return

    async def _find_by_tag(self, tag: str) -> schemas.Order | None:
        for attempt in range(self._config.submit_lookup_attempts):
            if attempt:
                await asyncio.sleep(self._config.submit_lookup_delay_secs)
            orders = await self._orders_or_none("Tag look-up failed")
            if orders is None:
                continue
            self._remember(orders)
            if tag in self._known_tags:
                return self._known_tags[tag]
        return None

    async def _orders_or_none(self, failure: str) -> list[schemas.Order] | None:
        """Return today's orders, or None after logging ``{failure}: {reason}``."""
        try:
            orders = parsing.parse_orders(await self._account.orders())
        except TradierError as exc:
            self._log.warning(f"{failure}: {exc.message}")
            return None
        return self._valid_orders(orders)

    def _accept(self, orders: list[Order], kind: str, legs: list[_LegTrack], venue_id: str) -> None:
        first = orders[0]
        tracked = _Tracked(
            client_order_id=first.client_order_id,
            strategy_id=first.strategy_id,
            instrument_id=first.instrument_id,
            venue_order_id=VenueOrderId(venue_id),
            side=first.side,
            order_type=first.order_type,
            kind=kind,
            legs=legs,
        )
        self._tracked[venue_id] = tracked
        ts = self._clock.timestamp_ns()
        if kind in ("single", "multileg"):
            self.generate_order_accepted(
                first.strategy_id,
                first.instrument_id,
                first.client_order_id,
                tracked.venue_order_id,
                ts,
            )
            return
        for index, order in enumerate(orders):
            self.generate_order_accepted(
                order.strategy_id,
                order.instrument_id,
                order.client_order_id,
                VenueOrderId(f"{venue_id}-{index}"),
                ts,
            )

    def _reject(self, order: Order, reason: str) -> None:
        self._log.warning(f"{order.client_order_id} rejected: {reason}")
        self.generate_order_rejected(
            order.strategy_id,
            order.instrument_id,
            order.client_order_id,
            reason,
            self._clock.timestamp_ns(),
        )

    def _position(self, instrument_id: InstrumentId) -> Decimal:
        positions = self._cache.positions_open(venue=None, instrument_id=instrument_id)
        return sum((p.signed_decimal_qty() for p in positions), Decimal(0))

    # -- Preview --------------------------------------------------------------------------

    async def preview(self, order: Order) -> schemas.Order:
        """Return Tradier's preview of `order` (cost, fees, margin change) without placing it.

        Raises
        ------
        ValueError
            If the order cannot be expressed as a Tradier order.
        TradierError
            If Tradier refuses the preview (``errors`` body).

        """
        form = self._order_form(order)
        form["preview"] = "true"
        response = await self._account.place(form)
        if not isinstance(response.order, schemas.Order):
            raise TradierRequestError("preview returned no order")
        return response.order

    # -- Modify and cancel ----------------------------------------------------------------

    async def _modify_order(self, command: ModifyOrder) -> None:
        order = self._cache.order(command.client_order_id)
        if order is None or order.venue_order_id is None:
            self._log.error(f"Cannot modify {command.client_order_id}: unknown or not accepted")
            return
        venue_id = self._tradier_id(order.venue_order_id)
        reason: str | None = None
        if command.quantity is not None and command.quantity != order.quantity:
            reason = "Tradier cannot change an order's quantity: cancel and place a new order"
        else:
            price = command.price.as_decimal() if command.price is not None else None
            trigger = (
                command.trigger_price.as_decimal() if command.trigger_price is not None else None
            )
            try:
                await self._account.modify(venue_id, forms.modify_form(order, price, trigger))
            except (TradierError, ValueError) as exc:
                reason = str(exc)
        if reason is not None:
            self.generate_order_modify_rejected(
                order.strategy_id,
                order.instrument_id,
                order.client_order_id,
                order.venue_order_id,
                reason,
                self._clock.timestamp_ns(),
            )
            return
        self.generate_order_updated(
            order.strategy_id,
            order.instrument_id,
            order.client_order_id,
            order.venue_order_id,
            order.quantity,
            command.price or getattr(order, "price", None),
            command.trigger_price or getattr(order, "trigger_price", None),
            self._clock.timestamp_ns(),
        )

    async def _cancel_order(self, command: CancelOrder) -> None:
        order = self._cache.order(command.client_order_id)
        if order is None or order.venue_order_id is None:
            self._log.error(f"Cannot cancel {command.client_order_id}: unknown or not accepted")
            return
        venue_id = self._tradier_id(order.venue_order_id)
        try:
            await self._account.cancel(venue_id)
        except TradierRequestError as exc:
            # e.g. "order already in finalized state": its fills or cancel arrive by fetch
            self._log.warning(f"Cancel of {order.client_order_id} refused: {exc.message}")
            self._schedule_fetch(venue_id)
            return
        except TradierError as exc:
            self.generate_order_cancel_rejected(
                order.strategy_id,
                order.instrument_id,
                order.client_order_id,
                order.venue_order_id,
                exc.message,
                self._clock.timestamp_ns(),
            )
            return
        self._schedule_fetch(venue_id)

    async def _cancel_all_orders(self, command: CancelAllOrders) -> None:
        for order in self._cache.orders_open(
            instrument_id=command.instrument_id, strategy_id=command.strategy_id
        ):
            await self._cancel_order(
                CancelOrder(
                    trader_id=command.trader_id,
                    strategy_id=order.strategy_id,
                    instrument_id=order.instrument_id,
                    client_order_id=order.client_order_id,
                    venue_order_id=order.venue_order_id,
                    command_id=UUID4(),
                    ts_init=self._clock.timestamp_ns(),
                ),
            )

    async def _batch_cancel_orders(self, command: BatchCancelOrders) -> None:
        for cancel in command.cancels:
            await self._cancel_order(cancel)

    @staticmethod
    def _tradier_id(venue_order_id: VenueOrderId) -> str:
        """Return the Tradier order to act on (a bracket child acts on its parent)."""
        value: str = venue_order_id.value
        return value.split("-")[0]

    # -- Order updates --------------------------------------------------------------------

    def _on_stream_message(self, line: bytes) -> None:
        try:
            event = validation.check_account_event(schemas.decode(schemas.AccountEvent, line))
        except TradierParseError as exc:
            self._reject_record(exc)
            return
        if event.event != "order" or event.id is None:
            return
        order_id = str(event.parent_id or event.id)
        tracked = self._tracked.get(order_id)
        rejected = parsing.order_status(event.status) == OrderStatus.REJECTED
        if tracked is not None and tracked.kind == "single" and not rejected:
            self._process(_order_from_event(event))  # all a single order needs, bar a reason
        elif tracked is not None or self._cache.orders_open(venue=TRADIER_VENUE):
            self._schedule_fetch(order_id)  # legs (or an order to adopt) need the full order

    def _on_stream_connected(self) -> None:
        for order_id in list(self._tracked):  # catch up on what happened while disconnected
            self._schedule_fetch(order_id)

    def _on_stream_unavailable(self, reason: str) -> None:
        self._log.warning(f"Account streaming unavailable ({reason}); polling orders instead")
        self._stream = None

    def _schedule_fetch(self, order_id: str) -> None:
        self._fetch_pending.add(order_id)
        self._fetch_event.set()

    async def _fetch_loop(self) -> None:
        while True:
            await self._fetch_event.wait()
            self._fetch_event.clear()
            pending, self._fetch_pending = self._fetch_pending, set()
            for order_id in sorted(pending):
                try:
                    response = await self._account.order(order_id)
                except TradierError as exc:
                    self._log.warning(f"Fetch of order {order_id} failed: {exc.message}")
                    continue
                if isinstance(response.order, schemas.Order):
                    self._process(response.order)

    async def _poll_loop(self) -> None:
        while True:
            streaming = self._stream is not None and self._stream.is_connected
            interval = (
                self._config.stream_poll_interval_secs
                if streaming
                else self._config.poll_interval_secs
            )
            await asyncio.sleep(interval)
            if not self._tracked and not self._cache.orders_open(venue=TRADIER_VENUE):
                continue
            orders = await self._orders_or_none("Order poll failed")
            if orders is None:
                continue
            self._remember(orders)
            seen = set()
            for order in orders:
                seen.add(str(parsing.venue_id(order)))
                self._process(order)
            for order_id in set(self._tracked) - seen:
                self._schedule_fetch(order_id)

    def _remember(self, orders: Iterable[schemas.Order]) -> None:
        for order in orders:
            tag = schemas.text(order.tag)
            if tag:
                self._known_tags[tag] = order

    def _process(self, order: schemas.Order) -> None:
        """Apply the latest state of a Tradier order to the Nautilus order(s) it carries.

        A malformed order is logged and skipped; the next poll or fetch retries it.
        """
        try:
            validation.check_order(order)
            venue_id = str(parsing.venue_id(order))
            tracked = self._tracked.get(venue_id) or self._adopt(order)
            if tracked is None:
                self._check_orphan(order)
                return
            if tracked.kind == "single":
                done = self._process_single(tracked, order)
            elif tracked.kind == "multileg":
                done = self._process_multileg(tracked, order)
            else:
                done = self._process_bracket(tracked, order)
        except TradierParseError as exc:
            self._reject_record(exc)
            return
        except TradierError as exc:
            self._log.error(f"Order update skipped: {exc.message}")
            return
        if done:
            self._tracked.pop(venue_id, None)

    def _adopt(self, order: schemas.Order) -> _Tracked | None:
        """Track a working order found by its tag (after a restart and reconciliation).

        Fill state starts from what reconciliation reported, so only later fills are emitted.
        Brackets are not adopted: their children's client order ids are not recoverable.
        """
        tag = schemas.text(order.tag)
        cached = self._cache.order(ClientOrderId(tag)) if tag else None
        if cached is None or cached.is_closed or cached.venue_order_id is None:
            return None
        venue_id = str(parsing.venue_id(order))
        snapshot = self._reconciled.pop(venue_id, order)
        tracked = _Tracked(
            client_order_id=cached.client_order_id,
            strategy_id=cached.strategy_id,
            instrument_id=cached.instrument_id,
            venue_order_id=cached.venue_order_id,
            side=cached.side,
            order_type=cached.order_type,
            kind="single",
            fill=parsing.FillState(
                cached.filled_qty.as_decimal(), Decimal(str(cached.avg_px or 0))
            ),
        )
        if is_generic_spread_id(cached.instrument_id):
            vendor = {leg.option_symbol: leg for leg in parsing.order_legs(snapshot)}
            tracked.kind = "multileg"
            tracked.combo_filled = tracked.fill.filled
            tracked.combo_avg = tracked.fill.avg_px
            for leg in forms.spread_legs(cached):
                symbol = leg.instrument_id.symbol.value
                state = vendor.get(symbol)
                tracked.legs.append(
                    _LegTrack(
                        leg.instrument_id,
                        symbol,
                        leg.ratio,
                        fill=parsing.FillState(
                            Decimal(str(state.exec_quantity or 0)) if state else Decimal(0),
                            Decimal(str(state.avg_fill_price or 0)) if state else Decimal(0),
                        ),
                    ),
                )
        elif parsing.order_legs(order):
            return None
        self._log.info(f"Tracking {cached.client_order_id} (Tradier order {venue_id}) again")
        self._tracked[venue_id] = tracked
        return tracked

    def _check_orphan(self, order: schemas.Order) -> None:
        """Cancel a working Tradier order whose tag names an order we consider closed."""
        tag = schemas.text(order.tag)
        if not tag or parsing.is_terminal(order.status):
            return
        cached = self._cache.order(ClientOrderId(tag))
        if cached is not None and cached.is_closed:
            self._log.error(
                f"Tradier order {order.id} (tag {tag}) works but {tag} is closed here: canceling it"
            )
            self.create_task(
                self._account.cancel(parsing.venue_id(order)), log_msg="tradier_orphan_cancel"
            )

    def _process_single(self, tracked: _Tracked, order: schemas.Order) -> bool:
        instrument = self._cache.instrument(tracked.instrument_id)
        increment = _advance(tracked.fill, order)
        if increment is not None and instrument is not None:
            self._fill(
                tracked.strategy_id,
                instrument,
                tracked.client_order_id,
                tracked.venue_order_id,
                parsing.trade_id(tracked.venue_order_id.value, increment.cumulative),
                tracked.side,
                tracked.order_type,
                increment,
                self._commission(instrument, increment.quantity),
            )
        return self._apply_status(
            tracked, order.status, parsing.order_reason(order), tracked.fill.filled
        )

    def _process_multileg(self, tracked: _Tracked, order: schemas.Order) -> bool:
        spread = self._cache.instrument(tracked.instrument_id)
        vendor_legs = {
            leg.option_symbol: leg for leg in parsing.order_legs(order) if leg.option_symbol
        }
        leg_fills: list[tuple[_LegTrack, schemas.Order, parsing.FillIncrement]] = []
        for leg in tracked.legs:
            vendor = vendor_legs.get(leg.symbol)
            if vendor is None:
                continue
            increment = _advance(leg.fill, vendor)
            if increment is not None:
                leg_fills.append((leg, vendor, increment))
        units = min(leg.fill.filled / abs(leg.ratio) for leg in tracked.legs)
        if units > tracked.combo_filled and spread is not None:
            combo_avg = sum((leg.ratio * leg.fill.avg_px for leg in tracked.legs), Decimal(0))
            quantity = units - tracked.combo_filled
            price = (combo_avg * units - tracked.combo_avg * tracked.combo_filled) / quantity
            tracked.combo_filled, tracked.combo_avg = units, combo_avg
            self._fill(
                tracked.strategy_id,
                spread,
                tracked.client_order_id,
                tracked.venue_order_id,
                parsing.trade_id(tracked.venue_order_id.value, units),
                tracked.side,
                tracked.order_type,
                parsing.FillIncrement(quantity, price, units),
                Money(0, USD),
            )
        for leg, vendor, increment in leg_fills:
            instrument = self._cache.instrument(leg.instrument_id)
            if instrument is None:
                self._log.error(f"Leg fill for {leg.instrument_id} dropped: instrument not loaded")
                continue
            suffix = f"-LEG-{leg.symbol}"
            self._fill(
                tracked.strategy_id,
                instrument,
                ClientOrderId(tracked.client_order_id.value + suffix),
                VenueOrderId(tracked.venue_order_id.value + suffix),
                parsing.trade_id(
                    f"{tracked.venue_order_id.value}-{leg.symbol}", increment.cumulative
                ),
                parsing.order_side(vendor),
                tracked.order_type,
                increment,
                self._commission(instrument, increment.quantity),
            )
        return self._apply_status(
            tracked, order.status, parsing.order_reason(order), tracked.combo_filled
        )

    def _process_bracket(self, tracked: _Tracked, order: schemas.Order) -> bool:
        vendor_legs = parsing.order_legs(order)
        for index, (leg, vendor) in enumerate(zip(tracked.legs, vendor_legs, strict=False)):
            if leg.done or leg.client_order_id is None:
                continue
            nautilus_order = self._cache.order(leg.client_order_id)
            instrument = self._cache.instrument(leg.instrument_id)
            if nautilus_order is None or instrument is None:
                continue
            venue_order_id = VenueOrderId(f"{tracked.venue_order_id.value}-{index}")
            increment = _advance(leg.fill, vendor)
            if increment is not None:
                self._fill(
                    nautilus_order.strategy_id,
                    instrument,
                    leg.client_order_id,
                    venue_order_id,
                    parsing.trade_id(venue_order_id.value, increment.cumulative),
                    nautilus_order.side,
                    nautilus_order.order_type,
                    increment,
                    self._commission(instrument, increment.quantity),
                )
            child = _Tracked(
                leg.client_order_id,
                nautilus_order.strategy_id,
                leg.instrument_id,
                venue_order_id,
                nautilus_order.side,
                nautilus_order.order_type,
                "single",
                fill=leg.fill,
            )
            leg.done = self._apply_status(
                child, vendor.status, parsing.order_reason(vendor), leg.fill.filled
            )
        return all(leg.done for leg in tracked.legs)

    def _apply_status(
        self, tracked: _Tracked, status: str | None, reason: str, filled: Decimal
    ) -> bool:
        """Emit the terminal event a status stands for; return whether tracking can stop."""
        nautilus_status = parsing.order_status(status)
        order = self._cache.order(tracked.client_order_id)
        if order is None:
            return parsing.is_terminal(status)
        ts = self._clock.timestamp_ns()
        args = (
            tracked.strategy_id,
            tracked.instrument_id,
            tracked.client_order_id,
            tracked.venue_order_id,
        )
        if nautilus_status == OrderStatus.FILLED:
            return bool(filled >= order.quantity.as_decimal())  # else wait for the fill fields
        if order.is_closed:
            return True
        if nautilus_status == OrderStatus.CANCELED:
            self.generate_order_canceled(*args, ts)
        elif nautilus_status == OrderStatus.EXPIRED:
            self.generate_order_expired(*args, ts)
        elif nautilus_status == OrderStatus.REJECTED:
            self.generate_order_rejected(
                tracked.strategy_id, tracked.instrument_id, tracked.client_order_id, reason, ts
            )
        else:
            return False
        return True

    def _fill(
        self,
        strategy_id: StrategyId,
        instrument: Instrument,
        client_order_id: ClientOrderId,
        venue_order_id: VenueOrderId,
        trade_id: object,
        side: OrderSide,
        order_type: OrderType,
        increment: parsing.FillIncrement,
        commission: Money,
    ) -> None:
        with validation.as_parse_error():
            vendor_values.price(float(increment.price), "fill price", signed=True)
        self.generate_order_filled(
            strategy_id=strategy_id,
            instrument_id=instrument.id,
            client_order_id=client_order_id,
            venue_order_id=venue_order_id,
            venue_position_id=None,
            trade_id=trade_id,
            order_side=side,
            order_type=order_type,
            last_qty=Quantity(increment.quantity, instrument.size_precision),
            last_px=Price(increment.price, instrument.price_precision),
            quote_currency=instrument.quote_currency,
            commission=commission,
            liquidity_side=LiquiditySide.NO_LIQUIDITY_SIDE,
            ts_event=self._clock.timestamp_ns(),
        )
        self._account_dirty.set()

    def _commission(self, instrument: Instrument, quantity: Decimal) -> Money:
        if parsing.is_option_symbol(instrument.id.symbol.value):
            return Money(Decimal(str(self._config.option_commission_per_contract)) * quantity, USD)
        return Money(0, USD)

    # -- Account --------------------------------------------------------------------------

    async def _account_loop(self) -> None:
        while True:
            await self._account_dirty.wait()
            self._account_dirty.clear()
            await self._update_account_state()

    async def _update_account_state(self) -> None:
        try:
            balance = parsing.parse_account_balance(await self._account.balances())
        except TradierError as exc:
            self._log.warning(f"Balances unavailable: {exc.message}")
            return
        self.generate_account_state(
            balances=[balance], margins=[], reported=True, ts_event=self._clock.timestamp_ns()
        )

    # -- Expirations, assignments and exercises --------------------------------------------

    async def _settlement_loop(self) -> None:
        while True:
            await asyncio.sleep(self._config.settlement_poll_interval_secs)
            await self._book_option_settlements()

    async def _book_option_settlements(self) -> None:
        """Book the expirations, assignments and exercises of open option positions.

        An event books at most the contracts Tradier no longer holds but the node still does, so
        an event read again after a restart (the node's positions then come from Tradier's)
        books nothing (module ``settlement``).
        """
        held = [
            position
            for position in self._cache.positions_open(venue=TRADIER_VENUE)
            if isinstance(self._cache.instrument(position.instrument_id), OptionContract)
        ]
        if not held:
            return
        start = session_of_ns(min(position.ts_opened for position in held))
        settlements = await self._option_settlements(start)
        new = [s for s in settlements or [] if s.key not in self._settled]
        if not new:
            return
        try:
            broker = parsing.parse_positions(await self._account.positions())
        except TradierError as exc:
            self._log.warning(f"Positions unavailable: {exc.message}")
            return
        self._book(new, _signed(broker.items))

    async def _option_settlements(self, start: dt.date) -> list[parsing.OptionSettlement] | None:
        """Return the history's option events dated `start` or later (None: unavailable)."""
        try:
            parsed = parsing.parse_option_settlements(await self._account.option_history(start))
        except TradierError as exc:
            self._log.warning(f"Account history unavailable: {exc.message}")
            return None
        for reason, kind in zip(parsed.reasons, parsed.kinds, strict=True):
            self._rejections.record(kind, reason)
        return parsed.items

    def _book(
        self, settlements: list[parsing.OptionSettlement], at_broker: dict[InstrumentId, Decimal]
    ) -> None:
        booked: dict[InstrumentId, Decimal] = {}  # signed contracts booked in this pass
        for settlement in settlements:
            instrument_id = settlement.instrument_id
            ours = booked.get(instrument_id, Decimal(0)) + sum(
                Decimal(str(p.signed_qty))
                for p in self._cache.positions_open(instrument_id=instrument_id)
            )
            gone = at_broker.get(instrument_id, Decimal(0)) - ours  # > 0: shorts gone
            if settlement.kind == "exercised" or (settlement.kind == "expired" and ours > 0):
                gone = -gone
            contracts = min(settlement.contracts, int(gone))
            if contracts <= 0:
                continue
            events = book_settlement(self._cache, replace(settlement, contracts=contracts))
            self._settled.add(settlement.key)
            if not events:
                continue
            change = contracts if ours < 0 else -contracts
            booked[instrument_id] = booked.get(instrument_id, Decimal(0)) + change
            self._log.warning(f"{instrument_id} {settlement.kind}: {contracts} contracts")
            kill_point("settlement.events_built")
            for event in events:
                self._msgbus.send(endpoint="ExecEngine.process", msg=event)
            kill_point("settlement.events_sent")
            self._account_dirty.set()

    async def _plan_restart_settlements(
        self, store_path: str, broker: dict[InstrumentId, Decimal]
    ) -> None:
        """Find the events booked by no strategy for contracts the store's open structures hold.

        They happened while the node was down: Tradier's positions no longer hold the option
        (and hold the delivered shares). Until they are booked, right after the start-up
        reconciliation (:meth:`_on_reconciled`), the position reports give the positions as
        they were before them (``settlement.positions_before``), so reconciliation rebuilds the
        option position for the strategy that holds it and credits no shares; the booking then
        closes the option at 0 and delivers the shares, as while the node runs.
        """
        with StateStore(store_path) as store:
            held = contracts_held(store)
            booked = {settlement_stem(name) for name in store.booked_settlements()}
        if not held:
            return
        start = session_of_ns(min(contract.opened_ns for contract in held.values()))
        settlements = await self._option_settlements(start) or []
        pending = [
            s for s in settlements if s.instrument_id in held and settlement_name(s) not in booked
        ]
        await self._load_instruments([s.instrument_id for s in pending])
        pending, before = positions_before(pending, broker, held, self._cache)
        if pending:
            self._log.warning(
                f"Booking {len(pending)} expiration/assignment/exercise event(s) that happened "
                "while the node was down"
            )
        self._restart_settlements = (pending, broker)
        self._before = before
        self._held_before = await self._priced_legs(held, {s.instrument_id for s in pending})

    async def _priced_legs(
        self, held: dict[InstrumentId, HeldContract], contracts: set[InstrumentId]
    ) -> dict[InstrumentId, HeldContract]:
        """Return `held` with `contracts` at their own fill prices from Tradier's order detail.

        A contract whose opening orders' detail gives no price of its own stays at its
        structure's net credit (``settlement.price_legs``), logged once for all of them.
        """
        order_ids = sorted({o for i in contracts for o in held[i].orders or ()})
        details: dict[str, schemas.Order] = {}
        for order_id in order_ids:
            try:
                response = await self._account.order(order_id)
            except TradierError as exc:
                self._log.warning(f"Order {order_id} unavailable: {exc.message}")
                continue
            if isinstance(response.order, schemas.Order):
                details.update((order_id, o) for o in self._valid_orders([response.order]))
        priced, approximate = price_legs(held, sorted(contracts, key=str), details)
        if approximate:
            self._log.warning(
                f"Rebuilt {', '.join(i.symbol.value for i in approximate)} at the structure's "
                "net credit (Tradier's order detail gave no fill price of the leg's own): "
                "the realized P&L of each is approximate"
            )
        return priced

    def _on_reconciled(self, _mass_status: object) -> None:
        # The start-up reconciliation applied the positions as they were before the events
        # found at start: book those events now.
        if self._restart_settlements is None:
            return
        pending, broker = self._restart_settlements
        self._restart_settlements = None
        self._book(pending, broker)
        self._before = {}

    # -- Reconciliation -------------------------------------------------------------------

    async def _load_instruments_for(self, orders: Iterable[schemas.Order]) -> None:
        """Load the instruments (and spreads) that orders and positions name into the cache."""
        wanted: set[InstrumentId] = set()
        for order in orders:
            legs = parsing.order_legs(order)
            try:
                if order.order_class == "multileg" and legs:
                    wanted.add(self._spread_of(order))
                else:
                    wanted.add(
                        parsing.instrument_id_for(parsing.order_symbol(legs[0] if legs else order))
                    )
            except TradierError as exc:
                self._log.warning(f"Skipped order {order.id}: {exc.message}")
        try:
            positions = parsing.parse_positions(await self._account.positions())
            wanted.update(p.instrument_id for p in positions.items)
        except TradierError as exc:
            self._log.warning(f"Positions unavailable: {exc.message}")
        missing = [i for i in wanted if self._cache.instrument(i) is None]
        if missing:
            await self._provider.load_ids_async(missing)
        for instrument_id in missing:
            for leg_or_self in self._provider.list_all():
                if self._cache.instrument(leg_or_self.id) is None:
                    self._cache.add_instrument(leg_or_self)
            if self._cache.instrument(instrument_id) is None and is_generic_spread_id(
                instrument_id
            ):
                self._add_spread(instrument_id)

    def _add_spread(self, spread_id: InstrumentId) -> None:
        legs = [self._cache.instrument(leg) for leg, _ in generic_spread_id_to_list(spread_id)]
        if not all(leg is not None for leg in legs):
            return
        try:
            spread = build_option_spread(spread_id, legs, self._clock.timestamp_ns())
        except ValueError as exc:  # legs that are no option spread (e.g. a share leg)
            self._reject_record(TradierParseError(f"spread {spread_id} not built: {exc}"))
            return
        self._cache.add_instrument(spread)

    def _spread_of(self, order: schemas.Order) -> InstrumentId:
        """Return the canonical spread ID of a multileg order: BUY, ratios reduced by their gcd."""
        legs = parsing.order_legs(order)
        quantities = [int(leg.quantity or 0) for leg in legs]
        if not all(quantities):
            raise TradierParseError(f"order {order.id} had a leg of quantity 0", kind="quantity")
        unit = math.gcd(*quantities)
        ratios = [
            (
                parsing.instrument_id_for(parsing.order_symbol(leg)),
                (q // unit) * (1 if parsing.order_side(leg) == OrderSide.BUY else -1),
            )
            for leg, q in zip(legs, quantities, strict=True)
        ]
        try:
            return new_generic_spread_id(ratios)
        except ValueError as exc:
            raise TradierParseError(f"order {order.id} legs form no spread: {exc}") from exc

    def _report(self, order: schemas.Order, ts_init: int) -> OrderStatusReport | None:
        venue_id = str(parsing.venue_id(order))
        tag = schemas.text(order.tag)
        cached = self._cache.order(ClientOrderId(tag)) if tag else None
        legs = parsing.order_legs(order)
        try:
            if order.order_class == "multileg" and legs:
                instrument_id = (
                    cached.instrument_id if cached is not None else self._spread_of(order)
                )
                unit = math.gcd(*[int(leg.quantity or 0) for leg in legs]) or 1
                side = cached.side if cached is not None else OrderSide.BUY
                tracked = self._tracked.get(venue_id)
                filled = (
                    tracked.combo_filled
                    if tracked is not None
                    else self._combo_filled(order, instrument_id)
                )
                quantity = Decimal(unit)
                price = self._net_price(order)
                order_type = OrderType.MARKET if (order.type or "") == "market" else OrderType.LIMIT
            else:
                source = legs[0] if legs else order
                instrument_id = parsing.instrument_id_for(parsing.order_symbol(source))
                side = parsing.order_side(source)
                quantity = Decimal(str(source.quantity or 0))
                filled = Decimal(str(source.exec_quantity or 0))
                price = Decimal(str(source.price)) if source.price else None
                order_type = parsing.order_type(source)
                if legs:
                    venue_id = f"{venue_id}-0"
            if quantity <= 0:
                raise TradierParseError(
                    f"order {venue_id} ({order.status}) had quantity {quantity}", kind="quantity"
                )
        except TradierParseError as exc:
            self._reject_record(exc)
            return None
        instrument = self._cache.instrument(instrument_id)
        if instrument is None:
            return None
        status = parsing.order_status(order.status)
        if status == OrderStatus.ACCEPTED and filled > 0:
            status = OrderStatus.PARTIALLY_FILLED
        if status == OrderStatus.FILLED and filled < quantity:
            status = OrderStatus.PARTIALLY_FILLED
        created = parsing.order_created_ns(order) or ts_init
        stop = bool(order.stop_price) and order_type in _STOP_TYPES
        avg = Decimal(str(order.avg_fill_price)) if order.avg_fill_price else None
        return OrderStatusReport(
            account_id=self.account_id,
            instrument_id=instrument_id,
            client_order_id=ClientOrderId(tag) if tag else None,
            venue_order_id=VenueOrderId(venue_id),
            order_side=side,
            order_type=order_type,
            time_in_force=parsing.time_in_force(order),
            order_status=status,
            quantity=Quantity(quantity, instrument.size_precision),
            filled_qty=Quantity(filled, instrument.size_precision),
            price=Price(price, instrument.price_precision)
            if price is not None and order_type != OrderType.MARKET
            else None,
            trigger_price=Price(Decimal(str(order.stop_price)), instrument.price_precision)
            if stop
            else None,
            trigger_type=TriggerType.DEFAULT if stop else TriggerType.NO_TRIGGER,
            avg_px=avg,
            report_id=UUID4(),
            ts_accepted=created,
            ts_last=parsing.order_updated_ns(order) or created,
            ts_init=ts_init,
        )

    def _combo_filled(self, order: schemas.Order, spread_id: InstrumentId) -> Decimal:
        ratios = {
            leg.symbol.value: abs(ratio) for leg, ratio in generic_spread_id_to_list(spread_id)
        }
        units = [
            Decimal(str(leg.exec_quantity or 0)) / ratios.get(leg.option_symbol or "", 1)
            for leg in parsing.order_legs(order)
        ]
        return min(units) if units else Decimal(0)

    @staticmethod
    def _net_price(order: schemas.Order) -> Decimal | None:
        if order.price is None:
            return Decimal(0) if (order.type or "") == "even" else None
        price = Decimal(str(order.price))
        return -price if (order.type or "") == "credit" else price

    async def generate_order_status_report(
        self, command: GenerateOrderStatusReport
    ) -> OrderStatusReport | None:
        """Return the status of one order, found by venue id or by tag (client order id)."""
        venue_id: str | None = None
        if command.venue_order_id is not None:
            venue_id = self._tradier_id(command.venue_order_id)
        elif command.client_order_id is not None:
            found = self._known_tags.get(forms.order_tag(command.client_order_id.value))
            if found is None:
                found = await self._find_by_tag(forms.order_tag(command.client_order_id.value))
            venue_id = str(parsing.venue_id(found)) if found is not None else None
        if venue_id is None:
            return None
        try:
            response = await self._account.order(venue_id)
        except TradierError as exc:
            self._log.warning(f"Order {venue_id} unavailable: {exc.message}")
            return None
        if not isinstance(response.order, schemas.Order):
            return None
        orders = self._valid_orders([response.order])
        await self._load_instruments_for(orders)
        return self._report(orders[0], self._clock.timestamp_ns()) if orders else None

    async def generate_order_status_reports(
        self, command: GenerateOrderStatusReports
    ) -> list[OrderStatusReport]:
        """Return the status of today's orders (open ones only when asked)."""
        orders = await self._orders_or_none("Orders unavailable")
        if orders is None:
            return []
        self._remember(orders)
        await self._load_instruments_for(orders)
        ts_init = self._clock.timestamp_ns()
        reports = []
        for order in orders:
            if command.open_only and parsing.is_terminal(order.status):
                continue
            if not parsing.is_terminal(order.status):
                self._reconciled[str(parsing.venue_id(order))] = order
            report = self._report(order, ts_init)
            if report is None:
                continue
            if command.instrument_id is not None and report.instrument_id != command.instrument_id:
                continue
            reports.append(report)
        return reports

    async def generate_fill_reports(self, command: GenerateFillReports) -> list[FillReport]:
        """Return one aggregate fill per filled (part of an) order: Tradier lists no executions.

        The trade id equals the live fill id of the last increment, so a fill already applied is
        not applied twice.
        """
        orders = await self._orders_or_none("Orders unavailable")
        if orders is None:
            return []
        ts_init = self._clock.timestamp_ns()
        reports = []
        for order in orders:
            report = self._report(order, ts_init)
            if report is None or report.filled_qty.as_decimal() <= 0 or report.avg_px is None:
                continue
            if command.instrument_id is not None and report.instrument_id != command.instrument_id:
                continue
            if (
                command.venue_order_id is not None
                and report.venue_order_id != command.venue_order_id
            ):
                continue
            instrument = self._cache.instrument(report.instrument_id)
            px = (
                report.avg_px
                if not is_generic_spread_id(report.instrument_id)
                else self._net_avg(order, report.instrument_id)
            )
            reports.append(
                FillReport(
                    account_id=self.account_id,
                    instrument_id=report.instrument_id,
                    venue_order_id=report.venue_order_id,
                    client_order_id=report.client_order_id,
                    trade_id=parsing.trade_id(
                        report.venue_order_id.value, report.filled_qty.as_decimal()
                    ),
                    order_side=report.order_side,
                    last_qty=report.filled_qty,
                    last_px=Price(px, instrument.price_precision),
                    commission=self._commission(instrument, report.filled_qty.as_decimal()),
                    liquidity_side=LiquiditySide.NO_LIQUIDITY_SIDE,
                    report_id=UUID4(),
                    ts_event=report.ts_last,
                    ts_init=ts_init,
                ),
            )
        return reports

    def _net_avg(self, order: schemas.Order, spread_id: InstrumentId) -> Decimal:
        ratios = {leg.symbol.value: ratio for leg, ratio in generic_spread_id_to_list(spread_id)}
        return sum(
            (
                ratios.get(leg.option_symbol or "", 0) * Decimal(str(leg.avg_fill_price or 0))
                for leg in parsing.order_legs(order)
            ),
            Decimal(0),
        )

    async def _load_instruments(self, instrument_ids: Iterable[InstrumentId]) -> None:
        """Load the instruments of `instrument_ids` the cache lacks into it."""
        missing = [i for i in instrument_ids if self._cache.instrument(i) is None]
        if not missing:
            return
        await self._provider.load_ids_async(missing)
        for instrument_id in missing:
            instrument = self._provider.find(instrument_id)
            if instrument is not None:
                self._cache.add_instrument(instrument)

    def _before_settlements(
        self, snapshots: list[parsing.PositionSnapshot]
    ) -> list[parsing.PositionSnapshot]:
        """Return `snapshots` with the positions before the settlements still to book."""
        if not self._before:
            return snapshots
        by_id = {s.instrument_id: s for s in snapshots}
        for instrument_id, quantity in self._before.items():
            now = by_id.get(instrument_id)
            held = self._held_before.get(instrument_id)
            avg_px = held.avg_px_open if held is not None else now.avg_px_open if now else None
            side = (
                PositionSide.FLAT
                if quantity == 0
                else PositionSide.LONG
                if quantity > 0
                else PositionSide.SHORT
            )
            by_id[instrument_id] = parsing.PositionSnapshot(
                instrument_id, side, abs(quantity), avg_px, now.ts_last if now else None
            )
        return list(by_id.values())

    async def generate_position_status_reports(
        self, command: GeneratePositionStatusReports
    ) -> list[PositionStatusReport]:
        """Return Tradier's positions (a FLAT report for a requested instrument without one).

        At the node's start (with a state store), the positions of contracts settled while
        the node was down are given as they were before (:meth:`_plan_restart_settlements`).
        """
        try:
            parsed = parsing.parse_positions(await self._account.positions())
        except TradierError as exc:
            self._log.warning(f"Positions unavailable: {exc.message}")
            return []
        if parsed.rejected:
            self._log.warning(f"Rejected {parsed.rejected} position rows: {parsed.reasons[:3]}")
        await self._load_instruments([p.instrument_id for p in parsed.items])
        if self._config.state_store and not self._started:
            self._started = True  # the first report is the start-up reconciliation's
            await self._plan_restart_settlements(self._config.state_store, _signed(parsed.items))
        snapshots = self._before_settlements(parsed.items)
        ts_init = self._clock.timestamp_ns()
        reports = []
        for snapshot in snapshots:
            if (
                command.instrument_id is not None
                and snapshot.instrument_id != command.instrument_id
            ):
                continue
            instrument = self._cache.instrument(snapshot.instrument_id)
            if instrument is None:
                continue
            reports.append(
                PositionStatusReport(
                    account_id=self.account_id,
                    instrument_id=snapshot.instrument_id,
                    position_side=snapshot.side,
                    quantity=Quantity(snapshot.quantity, instrument.size_precision),
                    avg_px_open=snapshot.avg_px_open,
                    report_id=UUID4(),
                    ts_last=snapshot.ts_last or ts_init,
                    ts_init=ts_init,
                ),
            )
        if command.instrument_id is not None and not reports:
            instrument = self._cache.instrument(command.instrument_id)
            if instrument is not None:
                reports.append(
                    PositionStatusReport(
                        account_id=self.account_id,
                        instrument_id=command.instrument_id,
                        position_side=PositionSide.FLAT,
                        quantity=Quantity(0, instrument.size_precision),
                        report_id=UUID4(),
                        ts_last=ts_init,
                        ts_init=ts_init,
                    ),
                )
        return reports


def _signed(positions: Iterable[parsing.PositionSnapshot]) -> dict[InstrumentId, Decimal]:
    """Return signed quantities (negative: short) by instrument."""
    return {
        p.instrument_id: p.quantity if p.side == PositionSide.LONG else -p.quantity
        for p in positions
    }


def _advance(fill: parsing.FillState, order: schemas.Order) -> parsing.FillIncrement | None:
    """Advance `fill` to the cumulative fill `order` reports (see ``FillState.advance``)."""
    return fill.advance(
        order.exec_quantity,
        order.avg_fill_price,
        order.last_fill_quantity,
        order.last_fill_price,
    )


def _order_from_event(event: schemas.AccountEvent) -> schemas.Order:
    """Return a single-leg order state from an account event (``executed_quantity`` read too)."""
    return schemas.Order(
        id=event.id,
        status=event.status,
        type=event.type,
        price=event.price,
        stop_price=event.stop_price,
        avg_fill_price=event.avg_fill_price,
        exec_quantity=event.exec_quantity
        if event.exec_quantity is not None
        else event.executed_quantity,
        last_fill_price=event.last_fill_price,
        last_fill_quantity=event.last_fill_quantity,
        remaining_quantity=event.remaining_quantity,
        create_date=event.create_date,
        transaction_date=event.transaction_date,
        tag=event.tag,
    )
