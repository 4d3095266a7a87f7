"""A strategy uses only the shares its own options delivered: crafted quotes, not market data.

Another strategy holds 300 SPY shares. A short 370 put is assigned at expiry (spot 360), which
delivers 100 shares to the put strategy; at the next session close it sells those 100 and
leaves the other 300 alone. A wheel in its place sells one covered call on its 100 shares,
not four.
"""

import datetime as dt

import pytest
from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.data import Bar, QuoteTick
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.trading.strategy import Strategy

from options.instruments import daily_bar_type, make_equity, make_option_contract
from options.market_calendar import session_close_ns
from options.occ import parse_occ
from strategies.structure_engine import StructureEngine, StructureEngineConfig
from strategies.toolkit.wheel import WheelConfig, WheelPhase
from tradefly.backtest.config import DataSection, RunConfig, VenueSection
from tradefly.backtest.runner import RunData, new_engine, replay_order

SESSIONS = [dt.date(2021, 1, d) for d in (4, 5, 6, 7, 8, 11)]
PUT = make_option_contract(parse_occ("SPY210108P00370000"))
CALL = make_option_contract(parse_occ("SPY210115C00360000"))
CALL_ABOVE_BASIS = make_option_contract(parse_occ("SPY210115C00369000"))
SPY = make_equity("SPY")


class ShareHolderConfig(StrategyConfig, frozen=True):
    """Buys 300 SPY shares at the first bar."""


class ShareHolder(Strategy):
    """Another strategy of the same account, holding shares of the same underlying."""

    def __init__(self) -> None:
        super().__init__(ShareHolderConfig(order_id_tag="HOLDER"))
        self.bought = False

    def on_start(self) -> None:
        self.subscribe_bars(daily_bar_type(SPY.id))

    def on_bar(self, bar: Bar) -> None:
        if not self.bought:
            self.bought = True
            order = self.order_factory.market(SPY.id, OrderSide.BUY, Quantity.from_int(300))
            self.submit_order(order)


def _bar(day: dt.date, close: str) -> Bar:
    ts = session_close_ns(day)
    px = Price.from_str(close)
    return Bar(daily_bar_type(SPY.id), px, px, px, px, Quantity.from_int(1_000_000), ts, ts)


def test_only_the_shares_the_strategy_received_are_sold() -> None:
    closes = ["372.0000", "371.0000", "368.0000", "365.0000", "360.0000", "361.0000"]
    bars = [_bar(day, close) for day, close in zip(SESSIONS, closes, strict=True)]
    ts = session_close_ns(SESSIONS[0])
    size = Quantity.from_int(100)
    quote = QuoteTick(PUT.id, Price.from_str("2.00"), Price.from_str("2.10"), size, size, ts, ts)
    config = RunConfig(
        name="crafted",
        data=DataSection(underlyings=["SPY"], start=SESSIONS[0], end=SESSIONS[-1]),
        venue=VenueSection(starting_balance=1_000_000),
        strategies=[],
    )
    engine = new_engine(config, RunData([SPY], [PUT], replay_order(bars, [quote])))
    engine.add_strategy(ShareHolder())
    put_strategy = StructureEngine(
        StructureEngineConfig(
            underlying="SPY",
            structure="short_put",
            structure_params={"strike": {"moneyness": 1.0}},
            entry_schedule="daily",
            entry_end="2021-01-04",
            dte_min=0,
            dte_max=10,
            quantity=1,
        )
    )
    engine.add_strategy(put_strategy)
    engine.run(end=session_close_ns(SESSIONS[-1]) + 10**9)
    share_sales = [
        (o.strategy_id.value, int(o.filled_qty.as_double()))
        for o in engine.cache.orders()
        if o.instrument_id == SPY.id and o.side == OrderSide.SELL
    ]
    net = float(engine.portfolio.net_position(SPY.id))
    engine.dispose()
    assert share_sales == [(put_strategy.id.value, 100)]
    assert net == 300


@pytest.mark.parametrize("below_basis", [True, False])
def test_the_wheel_sells_one_call_per_100_shares_it_received_not_on_other_shares(
    below_basis: bool,
) -> None:
    # When the call is chosen the cost basis is 370 - (200 - 0.65) / 100 = 368.0065 (the
    # venue's default fee is 0.65 a contract). The call struck nearest the spot (360) is the
    # 360; with calls_below_cost_basis off it is skipped for the 369.
    closes = ["372.0000", "371.0000", "368.0000", "365.0000", "360.0000", "361.0000"]
    bars = [_bar(day, close) for day, close in zip(SESSIONS, closes, strict=True)]
    size = Quantity.from_int(100)

    def quote(instrument_id: object, day: dt.date, bid: str, ask: str) -> QuoteTick:
        ts = session_close_ns(day)
        return QuoteTick(
            instrument_id, Price.from_str(bid), Price.from_str(ask), size, size, ts, ts
        )

    quotes = [
        quote(PUT.id, SESSIONS[0], "2.00", "2.10"),
        quote(CALL.id, SESSIONS[4], "3.00", "3.10"),  # the session the put is assigned
        quote(CALL_ABOVE_BASIS.id, SESSIONS[4], "0.80", "0.90"),
    ]
    config = RunConfig(
        name="crafted",
        data=DataSection(underlyings=["SPY"], start=SESSIONS[0], end=SESSIONS[-1]),
        venue=VenueSection(starting_balance=1_000_000),
        strategies=[],
    )
    engine = new_engine(
        config, RunData([SPY], [PUT, CALL, CALL_ABOVE_BASIS], replay_order(bars, quotes))
    )
    engine.add_strategy(ShareHolder())
    wheel = StructureEngine(
        StructureEngineConfig(
            underlying="SPY",
            structure="cash_secured_put",
            structure_params={"strike": {"moneyness": 1.0}},
            entry_schedule="daily",
            dte_min=0,
            dte_max=10,
            assigned_shares="hold",
            wheel=WheelConfig(
                call_params={"strike": {"moneyness": 1.0}},
                call_dte_min=0,
                call_dte_max=10,
                calls_below_cost_basis=below_basis,
            ),
        )
    )
    engine.add_strategy(wheel)
    engine.run(end=session_close_ns(SESSIONS[-1]) + 10**9)
    sold = [
        (o.instrument_id, int(o.filled_qty.as_double()))
        for o in engine.cache.orders()
        if o.strategy_id == wheel.id and o.side == OrderSide.SELL and "entry" in o.tags
    ]
    phase, (cycle,) = wheel.wheel_phase, wheel.wheel_report()
    net = float(engine.portfolio.net_position(SPY.id))
    engine.dispose()
    call, premium = (CALL, 300) if below_basis else (CALL_ABOVE_BASIS, 80)
    assert sold == [(PUT.id, 1), (call.id, 1)]
    assert phase == WheelPhase.CALL and net == 400  # the call is open until 2021-01-15
    assert cycle["shares"] == 100
    assert cycle["cost_basis"] == pytest.approx(370 - (200 + premium - 2 * 0.65) / 100)
