"""Record every position's life and the equity curve, for reports (backtest and live alike).

The recorder listens to all position and fill events on the message bus, so it needs no
strategy cooperation beyond tagging orders: strategies tag opening orders ``entry`` and closing
orders with their :class:`strategies.toolkit.exits.ExitReason`. Positions closed by the venue at
expiry have no order of ours; they are classed ``assigned``/``exercised`` when in the money at
the underlying's close, else ``expired``.

Slippage is what each option fill paid against the mid of the contract's quote at the fill
(the last quote in the cache): ``(mid - price)`` per share for a sell, ``(price - mid)`` for a
buy, times quantity and multiplier. Only fills of orders a strategy tagged count: share fills,
the venue's settlements at expiry and fills without a quote (or with a zero ask) add nothing.
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from nautilus_trader.common.actor import Actor
from nautilus_trader.config import ActorConfig
from nautilus_trader.model.data import Bar
from nautilus_trader.model.enums import OrderSide, PositionSide
from nautilus_trader.model.events import OrderFilled, PositionClosed
from nautilus_trader.model.identifiers import ClientOrderId, InstrumentId
from nautilus_trader.model.instruments import OptionContract
from nautilus_trader.model.orders import Order
from nautilus_trader.model.position import Position

from actors.records import ClosePoint, EquityPoint, TradeRecord, iso_utc
from options.deliverables import deliverable_of
from options.instruments import VENUE, daily_bar_type, equity_id
from options.settlement_orders import settlement_kind
from strategies.toolkit.equity import mark_price, marked_equity
from strategies.toolkit.event_loop import on_event_loop
from strategies.toolkit.exits import ENTRY_TAG, ExitReason
from strategies.toolkit.journal_entry import structure_of

RECORD_DELAY_NS = 2_000_000  # after the strategies' decisions at close + 1 ms


class TradeRecorderConfig(ActorConfig, frozen=True, kw_only=True):  # type: ignore[call-arg]
    """Configuration of :class:`TradeRecorder`.

    Parameters
    ----------
    underlying : str
        Ticker whose daily bars mark the session closes at which equity is recorded.

    """

    underlying: str


class TradeRecorder(Actor):
    """Collect :class:`TradeRecord` rows, session-close :class:`EquityPoint` s and closes.

    ``on_session``, when set, is called once per underlying bar (a session replayed), e.g.
    to advance a progress bar.

    Parameters
    ----------
    config : TradeRecorderConfig
        The configuration.

    """

    def __init__(self, config: TradeRecorderConfig) -> None:
        super().__init__(config)
        self._underlying_id = equity_id(config.underlying)
        self.trades: list[TradeRecord] = []
        self.equity_curve: list[EquityPoint] = []
        self.underlying_closes: list[ClosePoint] = []
        self.on_session: Callable[[], None] | None = None
        self.premium_collected = 0.0
        self.fees = 0.0
        self.slippage = 0.0

    def on_start(self) -> None:
        """Subscribe to fills, position events and the underlying's bars."""
        self.msgbus.subscribe(topic="events.order.*", handler=self._on_order_event)
        self.msgbus.subscribe(topic="events.position.*", handler=self._on_position_event)
        self.subscribe_bars(daily_bar_type(self._underlying_id))

    def on_bar(self, bar: Bar) -> None:
        """Record the close, and equity just after it; call :attr:`on_session` if set."""
        self.underlying_closes.append(ClosePoint(bar.ts_event, bar.close.as_double()))
        if self.on_session is not None:
            self.on_session()
        self.clock.set_time_alert_ns(
            name=f"record-equity-{bar.ts_event}",
            alert_time_ns=bar.ts_event + RECORD_DELAY_NS,
            callback=on_event_loop(
                self.clock,
                lambda event: self.equity_curve.append(
                    EquityPoint(event.ts_event, marked_equity(self.cache, self.portfolio, VENUE))
                ),
            ),
        )

    def _on_order_event(self, event: object) -> None:
        if not isinstance(event, OrderFilled):
            return
        self.fees += float(event.commission.as_double())
        instrument = self.cache.instrument(event.instrument_id)
        order = self.cache.order(event.client_order_id)
        if isinstance(instrument, OptionContract) and _is_strategy_order(order):
            self.slippage += self._slippage(event, instrument)
        if (
            isinstance(instrument, OptionContract)
            and order is not None
            and ENTRY_TAG in (order.tags or [])
        ):
            sign = 1.0 if event.order_side == OrderSide.SELL else -1.0
            self.premium_collected += (
                sign
                * event.last_px.as_double()
                * event.last_qty.as_double()
                * instrument.multiplier.as_double()
            )

    def _slippage(self, fill: OrderFilled, instrument: OptionContract) -> float:
        quote = self.cache.quote_tick(fill.instrument_id)
        if quote is None or quote.ask_price.as_double() <= 0:
            return 0.0
        mid = (quote.bid_price.as_double() + quote.ask_price.as_double()) / 2.0
        paid = fill.last_px.as_double() - mid
        if fill.order_side == OrderSide.SELL:
            paid = -paid
        return float(paid * fill.last_qty.as_double() * instrument.multiplier.as_double())

    def _on_position_event(self, event: object) -> None:
        if isinstance(event, PositionClosed):
            position = self.cache.position(event.position_id)
            self._record(event, position)

    def _record(self, event: PositionClosed, position: Position | None) -> None:
        fees = sum(m.as_double() for m in position.commissions()) if position is not None else 0.0
        self.trades.append(
            TradeRecord(
                entry_time=iso_utc(event.ts_opened),
                symbol=event.instrument_id.symbol.value,
                side="SELL" if event.entry == OrderSide.SELL else "BUY",
                quantity=int(event.peak_qty.as_double()),
                entry_price=float(event.avg_px_open),
                exit_time=iso_utc(event.ts_closed),
                exit_reason=self._exit_reason(event).value,
                exit_price=float(event.avg_px_close),
                pnl=float(event.realized_pnl.as_double()),
                fees=float(fees),
                structure_id=self._structure_of(event.opening_order_id),
                **self._contract_terms(event.instrument_id),
            )
        )

    def _exit_reason(self, event: PositionClosed) -> ExitReason:
        return exit_reason(self.cache, event)

    def open_positions_as_trades(self) -> list[TradeRecord]:
        """Return still-open positions as ``open`` trade rows (at the run's end)."""
        rows = []
        for position in self.cache.positions_open():
            rows.append(
                TradeRecord(
                    entry_time=iso_utc(position.ts_opened),
                    symbol=position.instrument_id.symbol.value,
                    side="SELL" if position.side == PositionSide.SHORT else "BUY",
                    quantity=int(position.quantity.as_double()),
                    entry_price=float(position.avg_px_open),
                    exit_time=None,
                    exit_reason=ExitReason.OPEN.value,
                    exit_price=None,
                    pnl=float(position.realized_pnl.as_double()) if position.realized_pnl else 0.0,
                    fees=float(sum(m.as_double() for m in position.commissions())),
                    structure_id=self._structure_of(position.opening_order_id),
                    **self._contract_terms(position.instrument_id),
                )
            )
        return rows

    def _contract_terms(self, instrument_id: InstrumentId) -> dict[str, int]:
        # An option's multiplier and deliverable shares per contract; shares: 1 and 0.
        instrument = self.cache.instrument(instrument_id)
        if not isinstance(instrument, OptionContract):
            return {"multiplier": 1, "deliverable_shares": 0}
        multiplier = int(instrument.multiplier.as_double())
        shares = deliverable_of(instrument.info, multiplier).shares
        return {"multiplier": multiplier, "deliverable_shares": shares}

    def _structure_of(self, opening_order_id: ClientOrderId | None) -> str | None:
        # A combo's leg fills are orders "{parent}-LEG-{symbol}" that only the parent's tags name.
        if opening_order_id is None:
            return None
        order = self.cache.order(opening_order_id)
        if order is None and "-LEG-" in opening_order_id.value:
            order = self.cache.order(ClientOrderId(opening_order_id.value.split("-LEG-")[0]))
        return structure_of(order.tags) if order is not None else None


def _is_strategy_order(order: Order | None) -> bool:
    """Whether `order` is a strategy's entry or exit (not a venue's settlement at expiry)."""
    tags = set(order.tags or []) if order is not None else set()
    return ENTRY_TAG in tags or any(reason.value in tags for reason in ExitReason)


def exit_reason(cache: Any, event: PositionClosed) -> ExitReason:
    """Return why a position closed.

    The :class:`ExitReason` tag of its closing order when a strategy closed it. A position the
    venue settled: ``expired`` when its settlement order says so (``EXPIRATION_{venue}_OTM``),
    ``assigned`` (short) or ``exercised`` (long) when it says the option was settled by
    delivery (``..._PHYSICAL_CLOSE``; live, also an assignment before the expiration date);
    otherwise, at expiry, ``assigned`` or ``exercised`` when in the money at the underlying's
    mark (judged by the contract's deliverable against strike x multiplier,
    :mod:`options.deliverables`), else ``expired``. Long shares the venue delivered at the
    assignment of a call: ``called_away``; ``closed`` before expiry by an order without an
    exit tag.
    """
    order = cache.order(event.closing_order_id) if event.closing_order_id else None
    reasons = {reason.value for reason in ExitReason}
    tags = (order.tags or []) if order is not None else []
    for tag in tags:
        if tag in reasons:
            return ExitReason(tag)
    instrument = cache.instrument(event.instrument_id)
    settled = settlement_kind(tags)
    if not isinstance(instrument, OptionContract) and settled and event.entry == OrderSide.BUY:
        return ExitReason.CALLED_AWAY
    if settled == "OTM":  # the venue expired it worthless (live: also before the date)
        return ExitReason.EXPIRED
    if settled == "PHYSICAL_CLOSE" and isinstance(instrument, OptionContract):
        return ExitReason.ASSIGNED if event.entry == OrderSide.SELL else ExitReason.EXERCISED
    if not isinstance(instrument, OptionContract) or event.ts_closed < instrument.expiration_ns:
        return ExitReason.CLOSED
    spot = mark_price(cache, equity_id(instrument.underlying))
    deliverable = deliverable_of(instrument.info, int(instrument.multiplier.as_double()))
    in_the_money = spot is not None and deliverable.in_the_money(
        instrument.option_kind, instrument.strike_price.as_decimal(), Decimal(str(spot))
    )
    if not in_the_money:
        return ExitReason.EXPIRED
    return ExitReason.ASSIGNED if event.entry == OrderSide.SELL else ExitReason.EXERCISED
