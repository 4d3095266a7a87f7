"""A 0DTE SPXW round trip on the real LEAN minute files of 2021-01-04, against a hand computation.

Data: ``intraday/lean_minute/indexoption/usa/minute/spxw/20210104_quote_european.zip`` (minute
quotes of the SPXW 3700 and 3800 calls and puts expiring 2021-01-04, 01-06 and 01-08) and
``index/usa/minute/spx/20210104_trade.zip`` (SPX minute bars, Central time), ingested with
``tradefly ingest lean-minute`` and replayed with ``data.resolution: minute``. The shipped
strategy decides at the daily close, so the test strategy
(:mod:`tests.backtest.scheduled_orders`) sends market orders at set minutes.

Trades (1 contract each, 0.65 USD per contract per fill, none at settlement), with the rows
of the quote files they fill against (the minute starting at ``ms``, stamped at its end):

- 10:00 New York, sell the 3700 put at the bid 0.85
  (``35940000,7500,8500,7500,8500,2,8500,9500,8500,9500,293``);
- 10:00, buy the 3700 call at the ask 51.70
  (``35940000,495000,497000,470000,476000,82,517000,528000,506000,517000,94``);
- 10:00, buy the 3800 put at the ask 53.30
  (``35940000,492000,502000,484000,493000,93,513000,539000,511000,533000,93``);
- 14:00, sell the 3800 put to close at the bid 99.50
  (``50340000,988000,995000,984000,995000,43,1023000,1023000,1015000,1015000,44``);
- 16:00, the 3700 call and put settle in cash at the SPX close 3700.65 (the value of the
  index's bars from 16:00 on, ``54000000,3701.17,3701.17,3700.65,3700.65,60``): the call at
  0.65, the put at 0.
"""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from nautilus_trader.model.currencies import USD
from nautilus_trader.model.data import Bar
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.objects import Price, Quantity

from options.instruments import VENUE, equity_id, make_option_contract, minute_bar_type
from options.market_calendar import expiration_close_ns
from options.occ import parse_occ
from tests.backtest.scheduled_orders import ScheduledOrders, ScheduledOrdersConfig
from tradefly.backtest.config import DataSection, RunConfig, VenueSection
from tradefly.backtest.index_settlement import minute_settlement_prices
from tradefly.backtest.runner import load_run_data, new_engine

DAY = dt.date(2021, 1, 4)
START = Decimal(100_000)
FEE = Decimal("0.65")
PUT_3700 = "SPXW210104P03700000.US"
CALL_3700 = "SPXW210104C03700000.US"
PUT_3800 = "SPXW210104P03800000.US"


def _utc(text: str) -> int:
    return int(pd.Timestamp(text, tz="UTC").value)


AT_10 = _utc("2021-01-04 15:00")  # 10:00 New York (EST)
AT_14 = _utc("2021-01-04 19:00")
ORDERS = (
    (AT_10, PUT_3700, "sell"),
    (AT_10, CALL_3700, "buy"),
    (AT_10, PUT_3800, "buy"),
    (AT_14, PUT_3800, "close"),
)


def _config() -> RunConfig:
    return RunConfig(
        name="spxw-0dte",
        data=DataSection(underlyings=["SPX"], start=DAY, end=DAY, resolution="minute"),
        venue=VenueSection(starting_balance=float(START), commission_per_contract=float(FEE)),
        strategies=[],
    )


def _run(catalog: Path, end_ns: int | None = None):  # type: ignore[no-untyped-def]
    config = _config()
    engine = new_engine(config, load_run_data(config, catalog))
    bar_type = str(minute_bar_type(equity_id("SPX")))
    engine.add_strategy(ScheduledOrders(ScheduledOrdersConfig(bar_type=bar_type, orders=ORDERS)))
    engine.run(end=end_ns)
    return engine


def _cash(engine) -> Decimal:  # type: ignore[no-untyped-def]
    return Decimal(str(engine.portfolio.account(VENUE).balance_total(USD).as_decimal()))


def _fills(engine) -> list[tuple[str, str, Decimal]]:  # type: ignore[no-untyped-def]
    return [
        (order.instrument_id.value, order.side_string(), Decimal(str(order.avg_px)))
        for order in engine.cache.orders()
    ]


def test_settlement_prices_of_the_day(spxw_minute_catalog: Path) -> None:
    data = load_run_data(_config(), spxw_minute_catalog)
    prices = {iid.value: price for iid, price in data.settlement_prices.items()}
    # intrinsic at 3700.65: 3700 call 0.65, 3800 put 99.35, the others 0
    assert prices == {
        CALL_3700: pytest.approx(0.65),
        PUT_3700: 0.0,
        "SPXW210104C03800000.US": 0.0,
        PUT_3800: pytest.approx(99.35),
    }
    # the 01-06 and 01-08 expiries have no bars of their day in the run: not priced here
    assert all(iid.value.startswith("SPXW210104") for iid in data.settlement_prices)


def test_zero_dte_round_trip_cash_positions_and_pnl(spxw_minute_catalog: Path) -> None:
    close_ns = expiration_close_ns(DAY)
    before = _run(spxw_minute_catalog, end_ns=close_ns - 1)
    # Hand: +0.85 x 100 - 51.70 x 100 - 53.30 x 100 + 99.50 x 100 - 4 fills x 0.65
    assert (
        _cash(before)
        == START + Decimal("85") - Decimal("5170") - Decimal("5330") + Decimal("9950") - 4 * FEE
    )
    assert sorted(p.instrument_id.value for p in before.cache.positions_open()) == [
        CALL_3700,
        PUT_3700,
    ]
    before.dispose()

    engine = _run(spxw_minute_catalog)
    assert _fills(engine) == [
        (PUT_3700, "SELL", Decimal("0.85")),
        (CALL_3700, "BUY", Decimal("51.70")),
        (PUT_3800, "BUY", Decimal("53.30")),
        (PUT_3800, "SELL", Decimal("99.50")),
        (CALL_3700, "SELL", Decimal("0.65")),  # settled in cash at the close
        (PUT_3700, "BUY", Decimal("0.00")),
    ]
    # Hand: the call settles at +0.65 x 100 = 65.00, the put at 0; no fee at settlement
    assert _cash(engine) == START - Decimal("465") - 4 * FEE + Decimal("65")
    assert _cash(engine) == Decimal("99597.40")
    assert engine.cache.positions_open() == []
    assert engine.cache.positions(instrument_id=equity_id("SPX")) == []  # no index "shares"
    realized = {
        p.instrument_id.value: Decimal(str(p.realized_pnl.as_decimal()))
        for p in engine.cache.positions()
    }
    assert realized == {
        PUT_3700: Decimal("85") - FEE,  # 84.35
        CALL_3700: Decimal("65") - Decimal("5170") - FEE,  # -5,105.65
        PUT_3800: Decimal("9950") - Decimal("5330") - 2 * FEE,  # 4,618.70
    }
    assert sum(realized.values()) == _cash(engine) - START
    engine.dispose()


def _crafted_bar(ts: str, open_: str, close: str) -> Bar:
    """A CRAFTED minute bar (not market data) of SPX, for the AM-settlement rule only."""
    low, high = sorted((Price.from_str(open_), Price.from_str(close)))
    ns = _utc(ts)
    return Bar(
        minute_bar_type(equity_id("SPX")),
        Price.from_str(open_),
        high,
        low,
        Price.from_str(close),
        Quantity.from_int(0),
        ns,
        ns,
    )


def test_am_settled_monthly_settles_at_the_first_minute_open() -> None:
    monthly = make_option_contract(parse_occ("SPX210115P03800000"))  # AM-settled root SPX
    bars = [
        _crafted_bar("2021-01-15 14:31", "3788.0000", "3790.0000"),
        _crafted_bar("2021-01-15 21:00", "3770.0000", "3768.0000"),
    ]
    prices = minute_settlement_prices([monthly], bars)
    assert prices == {InstrumentId.from_str("SPX210115P03800000.US"): 12.0}  # 3800 - 3788
