"""Exercise and assignment at expiry of options whose deliverable is not 100 shares.

Nautilus settles an in-the-money equity option by delivering ``quantity × multiplier``
shares at the strike, and judges the money by the underlying's price against the strike.
An adjusted contract (:mod:`options.deliverables`: ``XYZ1`` delivering 150 shares with a
multiplier of 100 after a 3-for-2 split) needs its own numbers: it is in the money when its
deliverable is worth more (call) or less (put) than ``strike × multiplier``, and exercise
moves ``strike × multiplier`` dollars against the deliverable's shares and cash (OCC By-Laws
Art. VI §11A; the Options Disclosure Document's chapter on adjustments).

:class:`DeliverableSettlement` is a Nautilus simulation module that settles those contracts
itself, on the underlying's bar of the expiration session (its close is the spot), before
the matching engine would: the venue hands each data point to ``pre_process`` before it
processes expirations, and calls ``process`` after each data point just before it does: an
option whose own data, or any other data, comes at or after its expiry before the
underlying's bar (a minute replay sends option quotes before the bar of their minute) is
settled at the underlying's last price, the one Nautilus would use. For each open position it

- closes the option at 0 (``EXPIRATION_US_OTM`` out of the money,
  ``EXPIRATION_US_PHYSICAL_CLOSE`` in it), as Nautilus does, without commission;
- in the money, opens ``contracts × shares`` of the underlying
  (``EXPIRATION_US_PHYSICAL_OPEN``: bought by a long call or a short put, sold by a short
  call or a long put) for exactly ``contracts × strike × multiplier`` dollars: at
  ``strike × multiplier / shares`` per share when that has at most 4 decimals, else as two
  fills one ten-thousandth apart whose total is exact;
- moves the deliverable's cash (``contracts × cash``) to whoever receives the deliverable
  (the holder of an exercised call, the writer of an assigned put) from the account of
  whoever delivers it, with ``SimulatedExchange.adjust_account``: it is in the balance, not
  in a position's realized P&L.

Contracts with the standard deliverable are left to Nautilus. A contract whose underlying has
no bar of its expiration session is also left to Nautilus (with its strike-against-spot rule).
"""

import uuid
from collections.abc import Iterable
from decimal import Decimal

from nautilus_trader.backtest.config import SimulationModuleConfig
from nautilus_trader.backtest.modules import SimulationModule
from nautilus_trader.core.data import Data
from nautilus_trader.model.currencies import USD
from nautilus_trader.model.data import Bar
from nautilus_trader.model.enums import (
    OptionKind,
    OrderSide,
    PositionSide,
    PriceType,
)
from nautilus_trader.model.identifiers import (
    InstrumentId,
    PositionId,
)
from nautilus_trader.model.instruments import Instrument, OptionContract
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.model.position import Position

from options.deliverables import Deliverable, deliverable_of
from options.instruments import EQUITY_PRICE_PRECISION, VENUE, equity_id
from options.settlement_orders import settlement_events

_TICKS_PER_DOLLAR = 10**EQUITY_PRICE_PRECISION
_NEVER = 2**63


def non_standard(options: Iterable[OptionContract]) -> list[OptionContract]:
    """Return the options whose deliverable is not the standard 100 shares."""
    return [o for o in options if not _deliverable(o).is_standard]


def share_fills(amount: Decimal, shares: int) -> list[tuple[Decimal, int]]:
    """Split a delivery of `shares` for `amount` dollars into at most two per-share prices.

    Parameters
    ----------
    amount : Decimal
        Dollars paid for all the shares (``contracts × strike × multiplier``).
    shares : int
        Shares delivered, at least 1.

    Returns
    -------
    list[tuple[Decimal, int]]
        ``(price per share, shares)`` with prices of at most 4 decimals summing exactly to
        `amount`: one entry when ``amount / shares`` has 4 decimals or fewer.

    """
    ticks = int(amount * _TICKS_PER_DOLLAR)
    base, extra = divmod(ticks, shares)
    fills = [(Decimal(base + 1) / _TICKS_PER_DOLLAR, extra)] if extra else []
    fills.append((Decimal(base) / _TICKS_PER_DOLLAR, shares - extra))
    return fills


class DeliverableSettlement(SimulationModule):  # type: ignore[misc]
    """Settles options with a non-standard deliverable at expiry (see the module docstring).

    Parameters
    ----------
    options : Iterable[OptionContract]
        The run's options; those with the standard deliverable are ignored.

    """

    def __init__(self, options: Iterable[OptionContract]) -> None:
        super().__init__(SimulationModuleConfig())
        self._options = {option.id: option for option in non_standard(options)}
        self._by_underlying: dict[InstrumentId, list[OptionContract]] = {}
        for option in self._options.values():
            self._by_underlying.setdefault(equity_id(option.underlying), []).append(option)
        self._settled: set[InstrumentId] = set()
        self._next_expiry = min((o.expiration_ns for o in self._options.values()), default=_NEVER)

    def pre_process(self, data: Data) -> None:
        """Settle the adjusted options that have expired by `data`'s time.

        An underlying bar settles its options at its close; data of an adjusted option itself
        (a minute replay sends option quotes before the bar of their minute) settles that
        option at the underlying's last price in the cache, the price Nautilus would use.
        """
        if isinstance(data, Bar):
            for option in self._by_underlying.get(data.bar_type.instrument_id, []):
                self._expire(option, data.close.as_decimal(), data.ts_event)
            return
        option = self._options.get(getattr(data, "instrument_id", None))
        if option is not None:
            self._expire_at_last_price(option, data.ts_event)

    def process(self, ts_now: int) -> None:
        """Settle, at the underlying's last price, every adjusted option expired by `ts_now`.

        The venue calls this after each data point, just before it processes expirations, so
        the options another instrument's data brought past expiry are settled here first.
        """
        if ts_now < self._next_expiry:
            return
        for option in self._options.values():
            if option.expiration_ns <= ts_now:
                self._expire_at_last_price(option, ts_now)
        pending = [o.expiration_ns for o in self._options.values() if o.id not in self._settled]
        self._next_expiry = min(pending, default=_NEVER)

    def _expire_at_last_price(self, option: OptionContract, ts: int) -> None:
        if option.id in self._settled or ts < option.expiration_ns:
            return
        last = self.exchange.cache.price(equity_id(option.underlying), PriceType.LAST)
        if last is not None:
            self._expire(option, last.as_decimal(), ts)

    def _expire(self, option: OptionContract, spot: Decimal, ts: int) -> None:
        if option.id in self._settled or ts < option.expiration_ns:
            return
        self._settled.add(option.id)
        for position in self.exchange.cache.positions_open(instrument_id=option.id):
            self._settle(option, position, spot, ts)

    def log_diagnostics(self, logger: object) -> None:
        """Log nothing."""

    def reset(self) -> None:
        """Forget which options were settled."""
        self._settled.clear()
        self._next_expiry = min((o.expiration_ns for o in self._options.values()), default=_NEVER)

    def _settle(self, option: OptionContract, position: Position, spot: Decimal, ts: int) -> None:
        deliverable = _deliverable(option)
        strike = option.strike_price.as_decimal()
        in_the_money = deliverable.in_the_money(option.option_kind, strike, spot)
        contracts = int(position.quantity.as_double())
        long = position.side == PositionSide.LONG
        # the holder of a call and the writer of a put receive the deliverable
        receives = long == (option.option_kind == OptionKind.CALL)
        close_side = OrderSide.SELL if long else OrderSide.BUY
        tag = "PHYSICAL_CLOSE" if in_the_money else "OTM"
        zero = Price(0, option.price_precision)
        self._fill(position, option, close_side, [(zero, position.quantity)], tag, ts, position.id)
        if not in_the_money:
            return
        underlying = self.exchange.cache.instrument(equity_id(option.underlying))
        if deliverable.shares:
            amount = deliverable.strike_amount(strike) * contracts
            fills = [
                (Price(price, EQUITY_PRICE_PRECISION), Quantity.from_int(shares))
                for price, shares in share_fills(amount, deliverable.shares * contracts)
            ]
            side = OrderSide.BUY if receives else OrderSide.SELL
            self._fill(position, underlying, side, fills, "PHYSICAL_OPEN", ts, None)
        elif receives:
            self.exchange.adjust_account(Money(-deliverable.strike_amount(strike) * contracts, USD))
        else:
            self.exchange.adjust_account(Money(deliverable.strike_amount(strike) * contracts, USD))
        if deliverable.cash:
            cash = deliverable.cash * contracts
            self.exchange.adjust_account(Money(cash if receives else -cash, USD))

    def _fill(
        self,
        position: Position,
        instrument: Instrument,
        side: OrderSide,
        fills: list[tuple[Price, Quantity]],
        tag: str,
        ts: int,
        position_id: PositionId | None,
    ) -> None:
        """Record a venue order for `instrument` and its fills, as Nautilus's own expiry does."""
        name = f"{VENUE}-LEG-DLV-{uuid.uuid4().hex[:8]}-{tag}"
        events = settlement_events(
            self.exchange.cache, position, instrument, side, fills, name, tag, ts, position_id
        )
        for event in events:
            self.exchange.msgbus.send(endpoint="ExecEngine.process", msg=event)


def _deliverable(option: OptionContract) -> Deliverable:
    return deliverable_of(option.info, int(option.multiplier.as_double()))
