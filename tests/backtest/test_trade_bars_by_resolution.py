"""Option trade bars become quotes only at the run's resolution, so one catalog holds both.

Real: LEAN minute trade bars of four SPY options on 2023-08-03 (190 rows) and SPY's minute
bars. CRAFTED (not market data): one daily bar of the SPY 2023-09-01 430 put and one of SPY,
both on 2023-08-03, so that a daily run has something to replay.
"""

import datetime as dt
from pathlib import Path

from nautilus_trader.model.data import Bar
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.objects import Price, Quantity

from catalog.writer import write_to_catalog
from options.instruments import daily_bar_type, equity_id
from options.market_calendar import session_close_ns
from tests.conftest import shared_data_path
from tradefly.backtest.config import DataSection, RunConfig, VenueSection
from tradefly.backtest.runner import load_run_data
from tradefly.cli import main

LEAN = "intraday/lean_minute"
DAY = dt.date(2023, 8, 3)
PUT = InstrumentId.from_str("SPY230901P00430000.US")


def _crafted_daily(instrument_id: InstrumentId, price: str) -> Bar:
    ts = session_close_ns(DAY)
    p = Price.from_str(price)
    return Bar(daily_bar_type(instrument_id), p, p, p, p, Quantity.from_int(1), ts, ts)


def _config(resolution: str) -> RunConfig:
    return RunConfig(
        name="bars",
        data=DataSection(
            underlyings=["SPY"],
            start=DAY,
            end=DAY,
            fill_model="trade_close_half_spread",
            half_spread=0.05,
            resolution=resolution,  # type: ignore[arg-type]
        ),
        venue=VenueSection(starting_balance=1.0),
        strategies=[],
    )


def test_minute_and_daily_trade_bars_do_not_mix(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    files = [
        shared_data_path(f"{LEAN}/option/usa/minute/spy/20230803_trade_american.zip"),
        shared_data_path(f"{LEAN}/equity/usa/minute/spy/20230803_trade.zip"),
    ]
    args = ["ingest", "lean-minute", *map(str, files), "--catalog", str(catalog)]
    assert main([*args, "--no-progress"]) == 0
    write_to_catalog(
        catalog, [_crafted_daily(PUT, "2.5000"), _crafted_daily(equity_id("SPY"), "448.8400")]
    )

    minute = load_run_data(_config("minute"), catalog)
    minute_quotes = [d for d in minute.data if type(d).__name__ == "QuoteTick"]
    assert len(minute_quotes) == 190  # one per minute trade bar, none from the daily bar

    daily = load_run_data(_config("daily"), catalog)
    daily_quotes = [d for d in daily.data if type(d).__name__ == "QuoteTick"]
    assert [(q.instrument_id, str(q.bid_price), str(q.ask_price)) for q in daily_quotes] == [
        (PUT, "2.45", "2.55")
    ]
