"""A strategy's open trades, kept in memory and in the node's state store.

Every change a restart must see is written to the store before the strategy acts on it: a
trade is saved (``opening``) and its cycle marked traded before its entry order is minted as
an intent; an exit marks it ``closing`` before the exit intent is minted. After a restart the
book loads the trades that are still open and the strategy settles their intents against the
orders reconciliation put in the cache.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import InstrumentId, PositionId

from statestore import StateStore, StoredLeg, StoredStructure
from statestore.store import new_id


@dataclass(slots=True)
class Leg:
    """A leg of a trade.

    Parameters
    ----------
    instrument_id : InstrumentId
        The option.
    side : OrderSide
        Opening side (``SELL`` for a short leg).
    quantity : int
        Contracts.
    position_id : PositionId | None
        The position holding it, once filled.
    closed_quantity : int
        Contracts closed by the trade's own closing fills.

    """

    instrument_id: InstrumentId
    side: OrderSide
    quantity: int
    position_id: PositionId | None = None
    closed_quantity: int = 0


@dataclass(slots=True)
class Trade:
    """An option structure a strategy opened or is opening.

    Parameters
    ----------
    expiration : datetime.date
        Its expiration (the cycle it trades).
    legs : list[Leg]
        Its legs.
    structure_id : str
        Its id in the state store.
    credit : float
        Net opening credit, dollars per share (negative for a debit).
    opened : bool
        Whether an opening fill has arrived.
    closing : bool
        Whether an exit order is working.
    open_legs : set[InstrumentId]
        Legs filled and not yet closed.
    rolled_from : str | None
        The structure this one replaced in a roll.

    """

    expiration: dt.date
    legs: list[Leg]
    structure_id: str = field(default_factory=new_id)
    credit: float = 0.0
    opened: bool = False
    closing: bool = False
    open_legs: set[InstrumentId] = field(default_factory=set)
    rolled_from: str | None = None

    def book_opening(self, leg: Leg, price: float, quantity: float) -> None:
        """Add an opening fill of `leg` (price in dollars per share, quantity in contracts)."""
        sign = 1.0 if leg.side == OrderSide.SELL else -1.0
        self.credit += sign * price * quantity / leg.quantity
        self.opened = True
        self.open_legs.add(leg.instrument_id)

    def book_closing(self, leg: Leg, quantity: int) -> None:
        """Add a closing fill of `leg`; the leg is flat once its own quantity is closed.

        The trade's own fills decide, whatever the venue's position convention (a netted
        position can hold several trades).
        """
        leg.closed_quantity += quantity
        if leg.closed_quantity >= leg.quantity:
            self.open_legs.discard(leg.instrument_id)

    @property
    def status(self) -> str:
        """``opening``, ``open`` or ``closing``."""
        if not self.opened:
            return "opening"
        return "closing" if self.closing else "open"


class TradeBook:
    """The open trades of one strategy, mirrored in the state store.

    Parameters
    ----------
    store : StateStore
        The node's store.
    strategy_id : str
        The owning strategy.
    underlying : str
        Its underlying ticker.

    """

    def __init__(self, store: StateStore, strategy_id: str, underlying: str) -> None:
        self.store = store
        self.strategy_id = strategy_id
        self.underlying = underlying
        self.trades: list[Trade] = [_trade(s) for s in store.structures(strategy_id)]
        self.traded_cycles = {
            dt.date.fromisoformat(cycle) for cycle in store.traded_cycles(strategy_id)
        }

    def add(self, trade: Trade, mark_cycle: bool = True) -> None:
        """Save a new trade (and mark its cycle traded) before any of its orders is minted."""
        with self.store.transaction():
            self.store.save_structure(self._stored(trade))
            if mark_cycle:
                self.store.mark_cycle_traded(
                    self.strategy_id, trade.expiration.isoformat(), trade.structure_id
                )
        self.trades.append(trade)
        if mark_cycle:
            self.traded_cycles.add(trade.expiration)

    def save(self, trade: Trade) -> None:
        """Write a trade's current state (status, credit, legs and their positions)."""
        self.store.save_structure(self._stored(trade))

    def drop(self, trade: Trade) -> None:
        """Forget a trade whose entry never filled, and free its cycle."""
        with self.store.transaction():
            self.store.update_structure(trade.structure_id, status="dropped")
            self.store.release_cycle(self.strategy_id, trade.structure_id)
        if trade in self.trades:
            self.trades.remove(trade)
        if not any(t.expiration == trade.expiration for t in self.trades):
            self.traded_cycles.discard(trade.expiration)

    def close(self, trade: Trade, ts_ns: int) -> None:
        """Record a trade whose legs are all flat."""
        self.store.update_structure(trade.structure_id, status="closed", closed_ns=ts_ns)
        if trade in self.trades:
            self.trades.remove(trade)

    def _stored(self, trade: Trade) -> StoredStructure:
        return StoredStructure(
            structure_id=trade.structure_id,
            strategy_id=self.strategy_id,
            underlying=self.underlying,
            cycle=trade.expiration.isoformat(),
            status=trade.status,
            credit=trade.credit,
            rolled_from=trade.rolled_from,
            legs=tuple(
                StoredLeg(
                    instrument_id=leg.instrument_id.value,
                    side=leg.side.name,
                    quantity=leg.quantity,
                    position_id=leg.position_id.value if leg.position_id else None,
                )
                for leg in trade.legs
            ),
        )


def _trade(stored: StoredStructure) -> Trade:
    legs = [
        Leg(
            instrument_id=InstrumentId.from_str(leg.instrument_id),
            side=OrderSide[leg.side],
            quantity=leg.quantity,
            position_id=PositionId(leg.position_id) if leg.position_id else None,
        )
        for leg in stored.legs
    ]
    opened = stored.status in ("open", "closing")
    return Trade(
        expiration=dt.date.fromisoformat(stored.cycle),
        legs=legs,
        structure_id=stored.structure_id,
        credit=stored.credit,
        opened=opened,
        closing=stored.status == "closing",
        open_legs={leg.instrument_id for leg in legs} if opened else set(),
        rolled_from=stored.rolled_from,
    )
