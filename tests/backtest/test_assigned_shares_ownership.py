"""A strategy closes only the shares its own options delivered: crafted quotes, not market data.

Another strategy holds 300 SPY shares. A short 370 put is assigned at expiry (spot 360), which
delivers 100 shares to the put strategy; at the next session close it sells those 100 and
leaves the other 300 alone.
"""

import datetime as dt

from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.data import Bar, QuoteTick
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.trading.strategy import Strategy

from options.instruments import daily_bar_type, make_equity, make_option_contract
from options.market_calendar import session_close_ns
from options.occ import parse_occ
from strategies.structure_engine import StructureEngine, StructureEngineConfig
from tradefly.backtest.config import DataSection, RunConfig, VenueSection
from tradefly.backtest.runner import RunData, new_engine, replay_order

SESSIONS = [dt.date(2021, 1, d) for d in (4, 5, 6, 7, 8, 11)]
PUT = make_option_contract(parse_occ("SPY210108P00370000"))
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
