"""A standalone covered call: shares bought first, then calls sold on exactly those shares.

A ``covered_call`` trade (``structure: covered_call``, not a wheel's call phase) holds a
stock leg (the underlying, ``BUY``, 100 shares per call) and its short call leg(s). Orders go
out one step at a time so no call is ever short without its shares:

1. entry: a market order for the shares; when they have filled (no order of the trade still
   works), a market order selling one call per 100 shares held (:data:`SELL_CALLS`);
2. exit (take-profit, stop-loss, DTE, ...): a market order buying the calls back; when that
   has filled, the shares are sold with the same exit tag (:data:`SELL_SHARES`);
3. expiry: a call assigned at expiry takes the shares away at its strike (the venue's share
   fill closes the trade's stock leg: :func:`assigned_shares`; reports say ``called_away``); a
   call that expires worthless leaves the shares, which are sold at the next decision (that
   session's close) with the exit tag ``expired``: the trade ends, and the schedule may buy
   shares and sell a call again.

Positions are netted (Nautilus ``NETTING``) so the shares a call's assignment delivers close
the shares held instead of opening a short position.
"""

from collections.abc import Iterable

from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import InstrumentId

from options.occ import parse_occ
from strategies.toolkit.book import Leg, Trade

SELL_CALLS = "sell_calls"
"""Next step of a trade whose shares have filled and whose calls were never sent."""

SELL_SHARES = "sell_shares"
"""Next step of a trade that holds shares and no open call (bought back or expired)."""


def stock_legs(trade: Trade, underlying: InstrumentId) -> list[Leg]:
    """Return the legs of `trade` in the underlying's shares (empty for option structures)."""
    return [leg for leg in trade.legs if leg.instrument_id == underlying]


def option_legs(trade: Trade, underlying: InstrumentId) -> list[Leg]:
    """Return the option legs of `trade`."""
    return [leg for leg in trade.legs if leg.instrument_id != underlying]


def next_step(trade: Trade, underlying: InstrumentId) -> str | None:
    """Return the order a covered-call trade sends next, or ``None`` (nothing to send).

    Call it when no order of the trade is working. :data:`SELL_CALLS` when every stock leg
    is held and no call was ever filled (no call leg has a position); :data:`SELL_SHARES` when
    shares are held and no call is (bought back, or expired worthless), or while the trade is
    closing.
    """
    stock = stock_legs(trade, underlying)
    if not stock or not any(leg.instrument_id in trade.open_legs for leg in stock):
        return None
    calls = option_legs(trade, underlying)
    if any(leg.instrument_id in trade.open_legs for leg in calls):
        return None
    never_sold = all(leg.position_id is None and leg.closed_quantity == 0 for leg in calls)
    if never_sold and not trade.closing:
        return SELL_CALLS
    return SELL_SHARES


def assigned_shares(
    trades: Iterable[Trade], underlying: InstrumentId, strike: float, shares: int
) -> list[tuple[Trade, Leg, int]]:
    """Return the stock legs the assignment of calls struck at `strike` takes `shares` from.

    The venue delivers the shares of an assigned call at its strike: the trades holding
    shares and a call at that strike give them up, oldest first, each at most the shares it
    holds (its calls' contracts x 100).
    """
    out: list[tuple[Trade, Leg, int]] = []
    left = shares
    for trade in trades:
        stock = stock_legs(trade, underlying)
        if not stock or left <= 0:
            continue
        if not any(strike_of(leg) == strike for leg in option_legs(trade, underlying)):
            continue
        for leg in stock:
            if leg.side != OrderSide.BUY or leg.instrument_id not in trade.open_legs:
                continue
            take = min(left, leg.quantity - leg.closed_quantity)
            if take > 0:
                out.append((trade, leg, take))
                left -= take
    return out


def strike_of(leg: Leg) -> float:
    """Return the strike of an option leg, dollars per share (its OCC symbol's)."""
    return float(parse_occ(leg.instrument_id.symbol.value).strike)


def shares_affordable(free_cash: float, share_price: float, shares_per_structure: int) -> int:
    """Return how many structures' shares `free_cash` buys at `share_price` (dollars)."""
    if share_price <= 0 or shares_per_structure <= 0 or free_cash <= 0:
        return 0
    return int(free_cash // (share_price * shares_per_structure))
