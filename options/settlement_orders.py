"""The orders and fills that record an option's settlement, in Nautilus's own layout.

Nautilus's matching engine settles an expiring option by adding a market order of the
position's strategy to the cache, accepting it and filling it: the option closes at 0
(``EXPIRATION_{venue}_PHYSICAL_CLOSE``, or ``..._OTM``) and, when it is exercised or
assigned, an order for the underlying delivers the shares at the strike
(``EXPIRATION_{venue}_PHYSICAL_OPEN``), all without commission. The backtest's adjusted
deliverables and the live Tradier client's assignments record settlements the same way, so
strategies, positions and the journal see one representation.
"""

from collections.abc import Iterable

from nautilus_trader.cache.cache import Cache
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.model.enums import LiquiditySide, OrderSide, OrderType
from nautilus_trader.model.events import OrderAccepted, OrderFilled
from nautilus_trader.model.identifiers import ClientOrderId, PositionId, TradeId, VenueOrderId
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.model.orders import MarketOrder
from nautilus_trader.model.position import Position

SETTLEMENT_TAG_PREFIX = "EXPIRATION_"
"""Start of the tag of every settlement order (Nautilus's ``EXPIRATION_{venue}_{kind}``)."""


def settlement_kind(tags: Iterable[str] | None) -> str | None:
    """Return a settlement order's kind from its tags, or None when it is no settlement order.

    The kind is ``OTM``, ``CASH``, ``PHYSICAL_CLOSE``, ``PHYSICAL_OPEN`` (and Nautilus's
    ``CLOSE`` for other instruments).
    """
    for tag in tags or ():
        if tag.startswith(SETTLEMENT_TAG_PREFIX):
            return tag.removeprefix(SETTLEMENT_TAG_PREFIX).partition("_")[2]
    return None


def settlement_events(
    cache: Cache,
    position: Position,
    instrument: Instrument,
    side: OrderSide,
    fills: list[tuple[Price, Quantity]],
    name: str,
    tag: str,
    ts: int,
    position_id: PositionId | None,
) -> list[OrderAccepted | OrderFilled]:
    """Add a settlement order to `cache` and return its acceptance and fills.

    Parameters
    ----------
    cache : Cache
        The cache the order is added to (indexed under `position_id` when given).
    position : Position
        The option position settled: the order belongs to its trader, strategy and account.
    instrument : Instrument
        What the order trades: the option (closing it) or its underlying (the delivery).
    side : OrderSide
        The order's side.
    fills : list of (Price, Quantity)
        The fills, price in dollars per share (per contract unit for an option).
    name : str
        The client and venue order id; the fills' trade ids are ``{name}-{n}``.
    tag : str
        ``EXPIRATION_{venue}_{tag}`` is the order's tag, e.g. ``PHYSICAL_CLOSE``.
    ts : int
        UNIX nanoseconds of the settlement.
    position_id : PositionId or None
        The position the order closes; None for a delivery (the engine picks it).

    Returns
    -------
    list
        One ``OrderAccepted`` then one ``OrderFilled`` per fill, to send to
        ``ExecEngine.process``.

    """
    client_order_id, venue_order_id = ClientOrderId(name), VenueOrderId(name)
    total = sum(qty.as_double() for _, qty in fills)
    order = MarketOrder(
        trader_id=position.trader_id,
        strategy_id=position.strategy_id,
        instrument_id=instrument.id,
        client_order_id=client_order_id,
        order_side=side,
        quantity=Quantity.from_int(int(total)),
        init_id=UUID4(),
        ts_init=ts,
        reduce_only=position_id is not None,
        tags=[f"EXPIRATION_{instrument.id.venue.value}_{tag}"],
    )
    cache.add_order(order, position_id=position_id)
    cache.add_venue_order_id(client_order_id, venue_order_id)
    events: list[OrderAccepted | OrderFilled] = [
        OrderAccepted(
            position.trader_id,
            position.strategy_id,
            instrument.id,
            client_order_id,
            venue_order_id,
            position.account_id,
            UUID4(),
            ts,
            ts,
        )
    ]
    for number, (price, quantity) in enumerate(fills):
        events.append(
            OrderFilled(
                trader_id=position.trader_id,
                strategy_id=position.strategy_id,
                instrument_id=instrument.id,
                client_order_id=client_order_id,
                venue_order_id=venue_order_id,
                account_id=position.account_id,
                trade_id=TradeId(f"{name}-{number}"),
                position_id=position_id,
                order_side=side,
                order_type=OrderType.MARKET,
                last_qty=quantity,
                last_px=price,
                currency=instrument.quote_currency,
                commission=Money(0, instrument.quote_currency),
                liquidity_side=LiquiditySide.TAKER,
                event_id=UUID4(),
                ts_event=ts,
                ts_init=ts,
            )
        )
    return events
