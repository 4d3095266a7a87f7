"""Assignments and exercises at Tradier, booked the way Nautilus books them in a backtest.

Tradier reports an assignment or exercise only in the account history (A6.4: an ``option``
event, written nightly by the clearing firm): the option position disappears and a share
position appears. For each such event, :func:`settlement_events` closes the option
position(s) of the strategies holding that contract at 0 (``EXPIRATION_US_PHYSICAL_CLOSE``)
and delivers ``contracts × multiplier`` shares at the strike to the same strategy
(``EXPIRATION_US_PHYSICAL_OPEN``: bought by an assigned put or an exercised call, sold by an
assigned call or an exercised put), without commission, exactly as Nautilus's matching
engine settles an in-the-money option at expiry (:mod:`options.settlement_orders`). The
premium stays in the option's realized P&L; the strategy sees the delivery as a fill of the
underlying from an order it did not send (the StructureEngine's owned-shares ledger).

The execution client books at most the contracts the node holds but Tradier's positions no
longer do. Contracts are taken from the oldest open position of the right side first (short for an
assignment, long for an exercise); contracts with a non-standard deliverable (an adjusted
root) are not booked here.
"""

from __future__ import annotations

import hashlib

from nautilus_trader.cache.cache import Cache
from nautilus_trader.model.enums import OptionKind, OrderSide, PositionSide
from nautilus_trader.model.events import OrderAccepted, OrderFilled
from nautilus_trader.model.instruments import OptionContract
from nautilus_trader.model.objects import Price, Quantity

from adapters.tradier.parsing import OptionSettlement
from options.deliverables import deliverable_of
from options.instruments import equity_id
from options.settlement_orders import settlement_events


def settlement_name(settlement: OptionSettlement) -> str:
    """Return the order-name stem of a history event: stable across restarts."""
    digest = hashlib.sha256(settlement.key.encode()).hexdigest()[:12]
    return f"{settlement.instrument_id.venue.value}-{settlement.kind.upper()}-{digest}"


def book_settlement(
    cache: Cache, settlement: OptionSettlement
) -> list[OrderAccepted | OrderFilled]:
    """Add the settlement orders of an assignment or exercise to `cache`; return their events.

    Parameters
    ----------
    cache : Cache
        Holds the option, its underlying and the strategies' open option positions.
    settlement : OptionSettlement
        The assignment or exercise read from the account history.

    Returns
    -------
    list
        ``OrderAccepted`` and ``OrderFilled`` events to send to ``ExecEngine.process``; empty
        when no open position holds the contract on the right side (already booked, or not
        ours), or its option, underlying or deliverable is unknown or non-standard.

    """
    option = cache.instrument(settlement.instrument_id)
    if not isinstance(option, OptionContract):
        return []
    multiplier = int(option.multiplier.as_double())
    if not deliverable_of(option.info, multiplier).is_standard:
        return []
    underlying = cache.instrument(equity_id(option.underlying))
    if underlying is None:
        return []
    side = PositionSide.SHORT if settlement.kind == "assigned" else PositionSide.LONG
    positions = [p for p in cache.positions_open(instrument_id=option.id) if p.side == side]
    stem = settlement_name(settlement)
    remaining = settlement.contracts
    events: list[OrderAccepted | OrderFilled] = []
    for number, position in enumerate(sorted(positions, key=lambda p: p.ts_opened)):
        if remaining == 0:
            break
        contracts = min(remaining, int(position.quantity.as_double()))
        remaining -= contracts
        name = f"{stem}-{number}"
        long = side == PositionSide.LONG
        receives = long == (option.option_kind == OptionKind.CALL)  # call holder, put writer
        zero = Price(0, option.price_precision)
        events += settlement_events(
            cache,
            position,
            option,
            OrderSide.SELL if long else OrderSide.BUY,
            [(zero, Quantity.from_int(contracts))],
            f"{name}-CLOSE",
            "PHYSICAL_CLOSE",
            settlement.ts_event,
            position.id,
        )
        strike = Price(option.strike_price.as_decimal(), underlying.price_precision)
        events += settlement_events(
            cache,
            position,
            underlying,
            OrderSide.BUY if receives else OrderSide.SELL,
            [(strike, Quantity.from_int(contracts * multiplier))],
            f"{name}-OPEN",
            "PHYSICAL_OPEN",
            settlement.ts_event,
            None,
        )
    return events
