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
from dataclasses import dataclass, replace
from decimal import Decimal

from nautilus_trader.cache.cache import Cache
from nautilus_trader.model.enums import OptionKind, OrderSide, PositionSide
from nautilus_trader.model.events import OrderAccepted, OrderFilled
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import OptionContract
from nautilus_trader.model.objects import Price, Quantity

from adapters.tradier.parsing import OptionSettlement, is_option_symbol
from options.deliverables import deliverable_of
from options.instruments import equity_id
from options.settlement_orders import settlement_events
from statestore import StateStore


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
        Dollars per share: the structure's credit for a one-leg structure; for a leg of a
        multi-leg structure the structure's net credit (an approximation: legs keep no price).
    opened_ns : int
        When the oldest of those structures opened, UNIX nanoseconds.

    """

    contracts: int
    avg_px_open: Decimal
    opened_ns: int


def contracts_held(store: StateStore) -> dict[InstrumentId, HeldContract]:
    """Return the option contracts the open structures of `store` hold, by instrument.

    A leg of shares (a covered call's) is left out.
    """
    held: dict[InstrumentId, HeldContract] = {}
    for strategy_id in sorted(store.strategies_with_open_structures()):
        for structure in store.structures(strategy_id):
            if structure.status not in ("open", "closing"):
                continue
            price = Decimal(str(abs(structure.credit)))
            for leg in structure.legs:
                instrument_id = InstrumentId.from_str(leg.instrument_id)
                if not is_option_symbol(instrument_id.symbol.value):
                    continue  # a covered call's shares
                signed = -leg.quantity if leg.side == OrderSide.SELL.name else leg.quantity
                known = held.get(instrument_id)
                opened = structure.opened_ns or 0
                held[instrument_id] = (
                    HeldContract(signed, price, opened)
                    if known is None
                    else HeldContract(
                        known.contracts + signed, known.avg_px_open, min(known.opened_ns, opened)
                    )
                )
    return held


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
