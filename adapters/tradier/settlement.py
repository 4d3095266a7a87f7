"""Expirations, assignments and exercises at Tradier, booked as Nautilus books them in a backtest.

Tradier reports them only in the account history (A6.4: an ``option`` event, written nightly
by the clearing firm): the option position disappears and, for an assignment or exercise, a
share position appears. For each such event, :func:`book_settlement` closes the option
position(s) of the strategies holding that contract at 0 and, for an assignment or exercise,
delivers ``contracts × multiplier`` shares at the strike to the same strategy, without
commission, exactly as Nautilus's matching engine settles an option at expiry
(:mod:`options.settlement_orders`): an expiration closes with an ``EXPIRATION_US_OTM`` order,
an assignment or exercise with ``EXPIRATION_US_PHYSICAL_CLOSE`` and delivers with
``EXPIRATION_US_PHYSICAL_OPEN`` (bought by an assigned put or an exercised call, sold by an
assigned call or an exercised put). The premium stays in the option's realized P&L; the
strategy sees the delivery as a fill of the underlying from an order it did not send (the
StructureEngine's owned-shares ledger).

The execution client books at most the contracts the node holds but Tradier's positions no
longer do. Contracts are taken from the oldest open position of the right side first (short
for an assignment, long for an exercise, the side the node holds for an expiration);
contracts with a non-standard deliverable (an adjusted root) are not booked here. Order
names are stable across restarts (:func:`settlement_name`), so a strategy records each
settlement it booked by name (``StateStore.book_settlement``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from nautilus_trader.cache.cache import Cache
from nautilus_trader.model.enums import OptionKind, OrderSide, PositionSide
from nautilus_trader.model.events import OrderAccepted, OrderFilled
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import OptionContract
from nautilus_trader.model.objects import Price, Quantity

from adapters.tradier import parsing, schemas
from adapters.tradier.errors import TradierParseError
from adapters.tradier.parsing import OptionSettlement, is_option_symbol
from options.deliverables import deliverable_of
from options.instruments import equity_id
from options.settlement_orders import settlement_events
from statestore import IntentState, StateStore


def settlement_name(settlement: OptionSettlement) -> str:
    """Return the order-name stem of a history event: stable across restarts.

    The settlement orders are ``{stem}-{n}-CLOSE`` (the option) and ``{stem}-{n}-OPEN`` (the
    shares), one pair per position settled.
    """
    digest = hashlib.sha256(settlement.key.encode()).hexdigest()[:12]
    return f"{settlement.instrument_id.venue.value}-{settlement.kind.upper()}-{digest}"


def book_settlement(
    cache: Cache, settlement: OptionSettlement
) -> list[OrderAccepted | OrderFilled]:
    """Add the settlement orders of an expiration, assignment or exercise to `cache`.

    Parameters
    ----------
    cache : Cache
        Holds the option, its underlying and the strategies' open option positions.
    settlement : OptionSettlement
        The event read from the account history.

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
    open_positions = cache.positions_open(instrument_id=option.id)
    if settlement.kind == "expired":
        net = sum(p.signed_qty for p in open_positions)
        side = PositionSide.LONG if net > 0 else PositionSide.SHORT
    else:
        side = PositionSide.SHORT if settlement.kind == "assigned" else PositionSide.LONG
    positions = [p for p in open_positions if p.side == side]
    stem = settlement_name(settlement)
    remaining = settlement.contracts
    long = side == PositionSide.LONG
    zero = Price(0, option.price_precision)
    events: list[OrderAccepted | OrderFilled] = []
    for number, position in enumerate(sorted(positions, key=lambda p: p.ts_opened)):
        if remaining == 0:
            break
        contracts = min(remaining, int(position.quantity.as_double()))
        remaining -= contracts
        name = f"{stem}-{number}"
        events += settlement_events(
            cache,
            position,
            option,
            OrderSide.SELL if long else OrderSide.BUY,
            [(zero, Quantity.from_int(contracts))],
            f"{name}-CLOSE",
            "OTM" if settlement.kind == "expired" else "PHYSICAL_CLOSE",
            settlement.ts_event,
            position.id,
        )
        if settlement.kind == "expired":
            continue
        receives = long == (option.option_kind == OptionKind.CALL)  # call holder, put writer
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


def settlement_stem(trade_id: str) -> str:
    """Return the stem (:func:`settlement_name`) of a settlement fill's trade id.

    Trade ids are ``{stem}-{n}-{CLOSE|OPEN}-{k}`` (``settlement_events`` names them).
    """
    return trade_id.rsplit("-", 3)[0]


@dataclass(frozen=True, slots=True)
class HeldContract:
    """An option contract the open structures of the state store hold.

    Parameters
    ----------
    contracts : int
        Signed contracts (negative: short), all open structures together.
    avg_px_open : Decimal
        Dollars per share: the structure's credit (a one-leg structure's is its leg's price;
        for a leg of a multi-leg structure it is the structure's net credit until
        :func:`price_legs` puts the leg's own fill price in its place).
    opened_ns : int
        When the oldest of those structures opened, UNIX nanoseconds.
    orders : tuple[str, ...] | None
        Tradier ids of the orders that opened those structures (their entry and roll
        intents); None when one of them has no recorded id (an order the node never saw
        accepted).
    own_price : bool
        Whether `avg_px_open` is the contract's own price (one one-leg structure holds it).

    """

    contracts: int
    avg_px_open: Decimal
    opened_ns: int
    orders: tuple[str, ...] | None = ()
    own_price: bool = True


def contracts_held(store: StateStore) -> dict[InstrumentId, HeldContract]:
    """Return the option contracts the open structures of `store` hold, by instrument.

    A leg of shares (a covered call's) is left out.
    """
    held: dict[InstrumentId, HeldContract] = {}
    for strategy_id in sorted(store.strategies_with_open_structures()):
        openers = _opening_orders(store, strategy_id)
        for structure in store.structures(strategy_id):
            if structure.status not in ("open", "closing"):
                continue
            price = Decimal(str(abs(structure.credit)))
            orders = openers.get(structure.structure_id, ())
            legs = [(InstrumentId.from_str(leg.instrument_id), leg) for leg in structure.legs]
            options = [(i, leg) for i, leg in legs if is_option_symbol(i.symbol.value)]
            for instrument_id, leg in options:  # a covered call's shares left out
                signed = -leg.quantity if leg.side == OrderSide.SELL.name else leg.quantity
                opened = structure.opened_ns or 0
                own = HeldContract(signed, price, opened, orders, own_price=len(options) == 1)
                known = held.get(instrument_id)
                held[instrument_id] = own if known is None else _combined(known, own)
    return held


def _opening_orders(store: StateStore, strategy_id: str) -> dict[str, tuple[str, ...] | None]:
    """Return the Tradier ids of the orders that opened each structure (entries and rolls).

    None for a structure with an intent that may have reached Tradier but has no recorded id.
    """
    orders: dict[str, tuple[str, ...] | None] = {}
    for intent in store.intents(strategy_id):
        if intent.kind not in ("entry", "roll") or intent.structure_id is None:
            continue
        venue_id = intent.detail.get("venue_order_id")
        if venue_id is None and intent.state in (IntentState.NOT_SENT, IntentState.REJECTED):
            continue  # never reached Tradier: opened nothing
        known = orders.get(intent.structure_id, ())
        orders[intent.structure_id] = (
            None
            if known is None or not isinstance(venue_id, str)
            else (*known, venue_id.split("-")[0])  # a leg of a multileg order: the order
        )
    return orders


def _combined(known: HeldContract, other: HeldContract) -> HeldContract:
    """Return the contracts of two structures holding one contract together."""
    orders = (
        None if known.orders is None or other.orders is None else (*known.orders, *other.orders)
    )
    return HeldContract(
        known.contracts + other.contracts,
        known.avg_px_open,
        min(known.opened_ns, other.opened_ns),
        orders,
        known.own_price and other.own_price and known.avg_px_open == other.avg_px_open,
    )


def opening_fill_price(
    orders: Iterable[schemas.Order], symbol: str, side: OrderSide
) -> Decimal | None:
    """Return the average price at which `orders` filled `symbol` on its opening `side`.

    Parameters
    ----------
    orders : Iterable[schemas.Order]
        Tradier order details (A7): a multileg order's ``leg`` entries are read (each with its
        own ``option_symbol``, ``side``, ``exec_quantity`` and ``avg_fill_price``), a
        single-leg option order itself.
    symbol : str
        The OCC symbol.
    side : OrderSide
        The opening side (``SELL`` for a short contract); fills on the other side (a roll's
        closing legs) are left out.

    Returns
    -------
    Decimal | None
        Dollars per share, weighted by ``exec_quantity``; None when nothing of `symbol` filled
        on `side` or a fill has no price (``avg_fill_price`` 0 or missing).

    """
    cost, filled = Decimal(0), Decimal(0)
    for order in orders:
        for leg in parsing.order_legs(order) or [order]:
            if leg.option_symbol != symbol or not leg.exec_quantity:
                continue
            try:
                if parsing.order_side(leg) != side:
                    continue
            except TradierParseError:
                continue
            if not leg.avg_fill_price:
                return None
            quantity = Decimal(str(leg.exec_quantity))
            cost += Decimal(str(leg.avg_fill_price)) * quantity
            filled += quantity
    return cost / filled if filled else None


def price_legs(
    held: dict[InstrumentId, HeldContract],
    contracts: Iterable[InstrumentId],
    details: dict[str, schemas.Order],
) -> tuple[dict[InstrumentId, HeldContract], list[InstrumentId]]:
    """Give each of `contracts` its own fill price from Tradier's order details.

    Parameters
    ----------
    held : dict[InstrumentId, HeldContract]
        What the open structures hold (:func:`contracts_held`).
    contracts : Iterable[InstrumentId]
        The contracts to rebuild (settled while the node was down).
    details : dict[str, schemas.Order]
        Tradier's order details by order id (``GET /accounts/{id}/orders/{order_id}``).

    Returns
    -------
    tuple
        `held` with each contract of `contracts` at :func:`opening_fill_price` over the orders
        that opened it, and the contracts of multi-leg structures left at the structure's net
        credit (an order without a recorded id or detail, or a leg without a fill price).

    """
    priced = dict(held)
    approximate = []
    for instrument_id in contracts:
        contract = held[instrument_id]
        found = [details[o] for o in contract.orders or () if o in details]
        side = OrderSide.SELL if contract.contracts < 0 else OrderSide.BUY
        complete = contract.orders is not None and len(found) == len(contract.orders)
        price = opening_fill_price(found, instrument_id.symbol.value, side) if complete else None
        if price is not None:
            priced[instrument_id] = replace(contract, avg_px_open=price, own_price=True)
        elif not contract.own_price:
            approximate.append(instrument_id)
    return priced, approximate


def positions_before(
    settlements: list[OptionSettlement],
    broker: dict[InstrumentId, Decimal],
    held: dict[InstrumentId, HeldContract],
    cache: Cache,
) -> tuple[list[OptionSettlement], dict[InstrumentId, Decimal]]:
    """Return the settlements to book at a restart and the positions before them.

    Parameters
    ----------
    settlements : list[OptionSettlement]
        History events of contracts the open structures hold that no strategy has booked.
    broker : dict[InstrumentId, Decimal]
        Tradier's positions now, signed (contracts or shares).
    held : dict[InstrumentId, HeldContract]
        What the open structures hold (:func:`contracts_held`).
    cache : Cache
        Holds the options (their kind, strike, multiplier and deliverable).

    Returns
    -------
    tuple
        The settlements, each cut to the contracts the structures held beyond Tradier's
        position, and the signed positions of the options and their underlyings as they were
        before those settlements (the option's contracts back, the delivered shares out).
        Contracts with a non-standard deliverable are left out.

    """
    before: dict[InstrumentId, Decimal] = {}
    booked = []
    for settlement in settlements:
        option = cache.instrument(settlement.instrument_id)
        contract = held[settlement.instrument_id]
        if not isinstance(option, OptionContract) or contract.contracts == 0:
            continue
        multiplier = int(option.multiplier.as_double())
        if not deliverable_of(option.info, multiplier).is_standard:
            continue
        position = before.get(option.id, broker.get(option.id, Decimal(0)))
        short = contract.contracts < 0
        if settlement.kind != "expired" and short != (settlement.kind == "assigned"):
            continue  # an assignment of a long position, an exercise of a short one
        room = abs(contract.contracts) - abs(position)
        contracts = min(settlement.contracts, int(room))
        if contracts <= 0:
            continue
        before[option.id] = position - contracts if short else position + contracts
        booked.append(replace(settlement, contracts=contracts))
        if settlement.kind == "expired":
            continue
        receives = (not short) == (option.option_kind == OptionKind.CALL)
        shares = Decimal(contracts * multiplier)
        underlying = equity_id(option.underlying)
        held_shares = before.get(underlying, broker.get(underlying, Decimal(0)))
        before[underlying] = held_shares - shares if receives else held_shares + shares
    return booked, before
