"""Owner trades: legs opened together, shares delivered at expiry joined to their option."""

import datetime as dt

from actors.records import TradeRecord, iso_utc
from tradefly.backtest.trades import group_trades, structure

T0 = "2024-01-02T21:00:00.001000Z"
T1 = "2024-01-03T21:00:00.001000Z"
EXPIRY = "2024-01-19T21:00:00.000000Z"
SOLD = "2024-01-22T21:00:00.001000Z"


def _leg(symbol: str, side: str, qty: int, price: float, pnl: float, **kw: object) -> TradeRecord:
    fields: dict[str, object] = {
        "entry_time": T0,
        "symbol": symbol,
        "side": side,
        "quantity": qty,
        "entry_price": price,
        "exit_time": EXPIRY,
        "exit_reason": "expired",
        "exit_price": 0.0,
        "pnl": pnl,
        "fees": 0.65 * qty if symbol != "SPY" else 0.0,
    }
    fields.update(kw)
    return TradeRecord(**fields)  # type: ignore[arg-type]


def test_iso_utc_has_one_format():
    assert iso_utc(1_704_229_200_001_000_000) == "2024-01-02T21:00:00.001000Z"
    assert iso_utc(1_704_229_200_000_000_000) == "2024-01-02T21:00:00.000000Z"


def test_spread_legs_opened_together_are_one_trade():
    short = _leg("SPY240119P00470000", "SELL", 1, 2.0, -300.0, exit_reason="stop_loss")
    long = _leg("SPY240119P00465000", "BUY", 1, 1.0, 150.0, exit_reason="stop_loss")
    later = _leg("SPY240119P00460000", "SELL", 1, 1.5, 149.35, entry_time=T1)
    trades = group_trades([later, long, short])
    assert [len(t.legs) for t in trades] == [2, 1]
    spread = trades[0]
    assert spread.structure == "put credit spread"
    assert spread.pnl == -150.0
    assert spread.credit == 100.0
    assert spread.exit_reason == "stop_loss"
    assert spread.dte == 17
    assert spread.entry_date == dt.date(2024, 1, 2)
    assert [t.number for t in trades] == [1, 2]
    assert trades[1].structure == "short put"


def test_assigned_option_and_its_shares_are_one_trade():
    put = _leg("SPY240119P00470000", "SELL", 1, 2.0, 199.35, exit_reason="assigned")
    shares = _leg(
        "SPY",
        "BUY",
        100,
        470.0,
        -500.0,
        entry_time=EXPIRY,
        exit_time=SOLD,
        exit_reason="assigned_shares_sold",
    )
    (trade,) = group_trades([shares, put])
    assert trade.legs == (put, shares)
    assert trade.pnl == 199.35 - 500.0
    assert trade.exit_reason == "assigned"
    assert trade.exit_time == SOLD
    assert trade.option_legs == (put,)


def test_shares_go_to_each_trade_assigned_at_that_instant_up_to_its_contracts():
    first = _leg("SPY240119P00470000", "SELL", 1, 2.0, 200.0, exit_reason="assigned")
    second = _leg(
        "SPY240119P00475000", "SELL", 2, 3.0, 600.0, exit_reason="assigned", entry_time=T1
    )
    delivered = [
        _leg("SPY", "BUY", 100, 470.0, -10.0, entry_time=EXPIRY, exit_time=SOLD),
        _leg("SPY", "BUY", 200, 475.0, -20.0, entry_time=EXPIRY, exit_time=SOLD),
    ]
    trades = group_trades([first, second, *delivered])
    assert [[leg.quantity for leg in t.legs] for t in trades] == [[1, 100], [2, 200]]


def test_delivered_shares_follow_each_contracts_deliverable_not_100():
    # Two strategies' trades assigned in one instant, each with its own share position: 1
    # XYZ 60 put (100 shares) opened first, 1 XYZ1 60 put (150 shares, an adjusted root
    # after a 3-for-2 split) opened next. The 150-share position comes first: it is the
    # XYZ1 trade's (the XYZ trade's 100 do not cover it), and the 100 shares are the XYZ
    # trade's. Counting 100 shares per contract would give the 150 to the XYZ trade.
    standard = _leg("XYZ240119P00060000", "SELL", 1, 2.0, 199.35, exit_reason="assigned")
    adjusted = _leg(
        "XYZ1240119P00060000",
        "SELL",
        1,
        2.1,
        209.35,
        exit_reason="assigned",
        entry_time=T1,
        deliverable_shares=150,
    )
    delivered = [
        _leg("XYZ", "BUY", qty, 40.0, 0.0, entry_time=EXPIRY, exit_time=SOLD, multiplier=1)
        for qty in (150, 100)
    ]
    trades = group_trades([standard, adjusted, *delivered])
    assert [[leg.quantity for leg in t.legs] for t in trades] == [[1, 100], [1, 150]]


def test_credit_counts_each_contracts_multiplier():
    # A mini (AAPL7, multiplier 10) sold at 2.00: 2.00 × 10 = 20.00 per contract.
    mini = _leg("AAPL7240119P00150000", "SELL", 3, 2.0, 58.05, multiplier=10)
    (trade,) = group_trades([mini])
    assert trade.credit == 3 * 2.0 * 10 == 60.0


def test_shares_nothing_delivered_are_a_trade_of_their_own():
    shares = _leg("SPY", "BUY", 100, 470.0, 5.0, entry_time=T1, exit_reason="open", exit_time=None)
    (trade,) = group_trades([shares])
    assert trade.structure == "shares"
    assert trade.exit_reason == "open"
    assert trade.exit_time is None


def test_structure_names():
    call = _leg("SPY240119C00480000", "SELL", 1, 2.0, 0.0)
    wing = _leg("SPY240119C00485000", "BUY", 1, 1.0, 0.0)
    assert structure([call]) == "short call"
    assert structure([wing]) == "long call"
    assert structure([call, wing]) == "call credit spread"
    assert (
        structure(
            [
                _leg("SPY240119C00480000", "BUY", 1, 2.0, 0.0),
                _leg("SPY240119C00485000", "SELL", 1, 1.0, 0.0),
            ]
        )
        == "call debit spread"
    )
    put = _leg("SPY240119P00470000", "SELL", 1, 2.0, 0.0)
    assert structure([put, call, wing]) == "3-leg mixed"
    calendar = _leg("SPY240216C00480000", "BUY", 1, 4.0, 0.0)
    assert structure([call, calendar]) == "call calendar"
    twice = _leg("SPY240119C00480000", "SELL", 1, 2.0, 0.0, entry_time=T1)
    assert structure([call, twice]) == "short call"  # two positions of one contract


def test_legs_of_two_underlyings_opened_together_are_two_trades() -> None:
    spy = _leg("SPY240119P00470000", "SELL", 1, 2.0, 200.0)
    qqq = _leg("QQQ240119P00400000", "SELL", 1, 3.0, 300.0)
    trades = group_trades([spy, qqq])
    assert [(t.structure, [leg.symbol for leg in t.legs]) for t in trades] == [
        ("short put", ["QQQ240119P00400000"]),
        ("short put", ["SPY240119P00470000"]),
    ]


def test_a_roll_opened_in_the_instant_of_a_new_entry_is_a_trade_of_its_own() -> None:
    # Two short puts sold in one instant: a roll's new structure and a new weekly entry,
    # each tagged with its own structure: two trades; untagged legs of one instant: one.
    rolled = _leg("SPY240216P00470000", "SELL", 1, 2.0, 199.35, structure_id="b")
    entry = _leg("SPY240209P00465000", "SELL", 1, 1.5, 149.35, structure_id="c")
    assert [t.structure for t in group_trades([rolled, entry])] == ["short put", "short put"]
    untagged = [
        _leg("SPY240216P00470000", "SELL", 1, 2.0, 199.35),
        _leg("SPY240209P00465000", "SELL", 1, 1.5, 149.35),
    ]
    assert [len(t.legs) for t in group_trades(untagged)] == [2]
