"""The covered call's order steps: shares, then calls; calls back, then shares (by hand)."""

import datetime as dt

from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import InstrumentId, PositionId

from strategies.toolkit.book import Leg, Trade
from strategies.toolkit.covered_call import (
    SELL_CALLS,
    SELL_SHARES,
    assigned_shares,
    next_step,
    shares_affordable,
)

SPY = InstrumentId.from_str("SPY.US")
CALL_380 = InstrumentId.from_str("SPY210219C00380000.US")
CALL_400 = InstrumentId.from_str("SPY210219C00400000.US")


def _trade(call: InstrumentId = CALL_380, calls: int = 1) -> Trade:
    legs = [Leg(SPY, OrderSide.BUY, 100 * calls), Leg(call, OrderSide.SELL, calls)]
    return Trade(expiration=dt.date(2021, 2, 19), legs=legs)


def _hold(trade: Trade, leg: Leg) -> None:
    trade.book_opening(leg, 1.0, leg.quantity)
    leg.position_id = PositionId(f"{leg.instrument_id}-S")


def test_the_calls_go_out_only_once_the_shares_are_held() -> None:
    trade = _trade()
    shares, call = trade.legs
    assert next_step(trade, SPY) is None  # nothing filled: no call alone
    _hold(trade, shares)
    assert next_step(trade, SPY) == SELL_CALLS
    _hold(trade, call)
    assert next_step(trade, SPY) is None  # a covered call held: the exit rules decide


def test_the_shares_are_sold_once_no_call_is_held() -> None:
    bought_back = _trade()
    shares, call = bought_back.legs
    _hold(bought_back, shares)
    _hold(bought_back, call)
    bought_back.closing = True
    assert next_step(bought_back, SPY) is None  # the call is still held
    bought_back.book_closing(call, 1)
    assert next_step(bought_back, SPY) == SELL_SHARES

    expired = _trade()
    shares, call = expired.legs
    _hold(expired, shares)
    _hold(expired, call)
    expired.open_legs.discard(CALL_380)  # its position closed at 0 at expiry
    assert next_step(expired, SPY) == SELL_SHARES

    called_away = _trade()
    shares, call = called_away.legs
    _hold(called_away, shares)
    _hold(called_away, call)
    called_away.book_closing(shares, 100)
    assert next_step(called_away, SPY) is None  # no shares left to sell


def test_an_assignment_takes_the_shares_of_the_calls_struck_there_oldest_first() -> None:
    older, newer, other = _trade(calls=2), _trade(), _trade(CALL_400)
    for trade in (older, newer, other):
        for leg in trade.legs:
            _hold(trade, leg)
    taken = assigned_shares([older, newer, other], SPY, 380.0, 250)
    assert [(trade, leg.quantity, shares) for trade, leg, shares in taken] == [
        (older, 200, 200),
        (newer, 100, 50),
    ]
    assert assigned_shares([other], SPY, 380.0, 100) == []


def test_the_cash_pays_for_whole_lots_of_shares() -> None:
    # 73,000 dollars at 368.79 a share: 36,879 per 100 shares, one lot.
    assert shares_affordable(73_000.0, 368.79, 100) == 1
    assert shares_affordable(73_758.0, 368.79, 100) == 2
    assert shares_affordable(0.0, 368.79, 100) == 0
    assert shares_affordable(1e6, 0.0, 100) == 0
