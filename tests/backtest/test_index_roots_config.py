"""``data.index_roots`` makes a listed underlying an index: crafted catalog, not market data."""

import datetime as dt
from pathlib import Path

from nautilus_trader.model.data import Bar, QuoteTick
from nautilus_trader.model.instruments import Equity, IndexInstrument
from nautilus_trader.model.objects import Price, Quantity

from catalog.writer import write_to_catalog
from options.instruments import daily_bar_type, make_equity, make_option_contract
from options.market_calendar import session_close_ns
from options.occ import parse_occ
from tradefly.backtest.config import DataSection, RunConfig, VenueSection
from tradefly.backtest.runner import load_run_data

DAY = dt.date(2024, 6, 3)


def _catalog(tmp_path: Path) -> Path:
    ts = session_close_ns(DAY)
    djx = make_equity("DJX")
    option = make_option_contract(parse_occ("DJX240621P00380000"))
    px = Price.from_str("385.0000")
    bid, ask, size = Price.from_str("4.00"), Price.from_str("4.20"), Quantity.from_int(10)
    write_to_catalog(
        tmp_path,
        [
            djx,
            option,
            Bar(daily_bar_type(djx.id), px, px, px, px, Quantity.from_int(1), ts, ts),
            QuoteTick(option.id, bid, ask, size, size, ts, ts),
        ],
    )
    return tmp_path


def _config(index_roots: list[str]) -> RunConfig:
    return RunConfig(
        name="djx",
        data=DataSection(underlyings=["DJX"], start=DAY, end=DAY, index_roots=index_roots),
        venue=VenueSection(starting_balance=100_000),
        strategies=[],
    )


def test_listed_root_becomes_an_index_underlying(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path)
    assert isinstance(load_run_data(_config(["DJX"]), catalog).underlyings[0], IndexInstrument)
    assert isinstance(load_run_data(_config([]), catalog).underlyings[0], Equity)
