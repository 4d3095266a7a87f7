"""A same-day GOOG expiry on the real LEAN minute files of 2015-12-24, a half session.

Data: two contracts of ``intraday/lean_minute/option/usa/minute/goog/20151224_quote_american.zip``
(the full chain has 2,192; their CSVs are copied byte for byte into a zip of the same name in
a temporary LEAN folder to keep the ingest short) and the real GOOG minute bars
(``equity/usa/minute/goog/20151224_trade.zip``). NYSE closed at 13:00 that day, so the
contracts expiring on 2015-12-24 expire at 13:00 New York.

At 10:00 (rows ``35940000,...`` of each CSV, stamped 10:00): buy the 740 call at the ask
9.00 and sell the 760 put at the bid 12.50, 0.65 USD per contract. GOOG trades near 748 into
the close (the 12:58 minute closes at 747.75, the 12:59 minute at 748.40), so at 13:00 the
call is exercised (100 shares bought at 740) and the put assigned (100 shares bought at 760),
no commission on either.
"""

import datetime as dt
import zipfile
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from nautilus_trader.model.currencies import USD

from options.instruments import VENUE, equity_id, minute_bar_type
from tests.backtest.scheduled_orders import ScheduledOrders, ScheduledOrdersConfig
from tests.conftest import shared_data_path
from tradefly.backtest.config import DataSection, RunConfig, VenueSection
from tradefly.backtest.runner import load_run_data, new_engine
from tradefly.cli import main

LEAN = "intraday/lean_minute"
DAY = dt.date(2015, 12, 24)
START = Decimal(200_000)
FEE = Decimal("0.65")
CALL = "GOOG151224C00740000.US"
PUT = "GOOG151224P00760000.US"
CSVS = (
    "20151224_goog_minute_quote_american_call_7400000_20151224.csv",
    "20151224_goog_minute_quote_american_put_7600000_20151224.csv",
)


@pytest.fixture(scope="module")
def goog_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("goog")
    chain = shared_data_path(f"{LEAN}/option/usa/minute/goog/20151224_quote_american.zip")
    folder = root / "option" / "usa" / "minute" / "goog"
    folder.mkdir(parents=True)
    subset = folder / chain.name
    with zipfile.ZipFile(chain) as source, zipfile.ZipFile(subset, "w") as target:
        for name in CSVS:
            target.writestr(name, source.read(name))
    bars = shared_data_path(f"{LEAN}/equity/usa/minute/goog/20151224_trade.zip")
    catalog = root / "catalog"
    args = ["ingest", "lean-minute", str(subset), str(bars), "--catalog", str(catalog)]
    assert main([*args, "--no-progress"]) == 0
    return catalog


def test_same_day_expiry_on_a_half_session(goog_catalog: Path) -> None:
    config = RunConfig(
        name="goog-0dte",
        data=DataSection(underlyings=["GOOG"], start=DAY, end=DAY, resolution="minute"),
        venue=VenueSection(starting_balance=float(START), commission_per_contract=float(FEE)),
        strategies=[],
    )
    data = load_run_data(config, goog_catalog)
    assert data.settlement_prices == {}  # equity options: exercise and assignment, not cash
    assert {o.id.value: o.expiration_ns for o in data.options} == {
        CALL: int(pd.Timestamp("2015-12-24 18:00", tz="UTC").value),  # 13:00 New York
        PUT: int(pd.Timestamp("2015-12-24 18:00", tz="UTC").value),
    }
    engine = new_engine(config, data)
    at_10 = int(pd.Timestamp("2015-12-24 15:00", tz="UTC").value)
    orders = ((at_10, CALL, "buy"), (at_10, PUT, "sell"))
    bar_type = str(minute_bar_type(equity_id("GOOG")))
    engine.add_strategy(ScheduledOrders(ScheduledOrdersConfig(bar_type=bar_type, orders=orders)))
    engine.run()

    fills = [
        (o.instrument_id.value, o.side_string(), Decimal(str(o.avg_px)))
        for o in engine.cache.orders()
    ]
    assert fills[:2] == [(CALL, "BUY", Decimal("9.00")), (PUT, "SELL", Decimal("12.50"))]
    cash = Decimal(str(engine.portfolio.account(VENUE).balance_total(USD).as_decimal()))
    # Hand: -9.00 x 100 + 12.50 x 100 - 2 x 0.65, then 100 shares at 740 and 100 at 760
    assert cash == START - Decimal("900") + Decimal("1250") - 2 * FEE - Decimal("74000") - Decimal(
        "76000"
    )
    assert cash == Decimal("50348.70")
    options_open = [
        p for p in engine.cache.positions_open() if p.instrument_id.value in (CALL, PUT)
    ]
    assert options_open == []
    shares = engine.cache.positions_open(instrument_id=equity_id("GOOG"))
    assert sorted(float(p.signed_qty) for p in shares) == [100.0, 100.0]
    assert sorted(p.avg_px_open for p in shares) == [740.0, 760.0]
    engine.dispose()
