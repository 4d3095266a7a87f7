"""Index options: index underlyings, roots mapped to indexes, AM/PM expiry, AM settlement."""

import datetime as dt

import pandas as pd
import pytest
from nautilus_trader.model.data import Bar
from nautilus_trader.model.instruments import Equity, IndexInstrument, OptionContract
from nautilus_trader.model.objects import Price, Quantity

from adapters.tradier.parsing import parse_option_contract
from options.index_options import index_of_root, is_index, settlement_of_root
from options.instruments import (
    daily_bar_type,
    equity_id,
    make_equity,
    make_option_contract,
    make_underlying,
)
from options.market_calendar import NEW_YORK, expiration_close_ns, session_close_ns
from options.occ import parse_occ
from tradefly.backtest.index_settlement import (
    am_settlement_prices,
    index_underlying,
    with_index_expiry,
)


def _ny(ns: int) -> str:
    return pd.Timestamp(ns, tz="UTC").tz_convert(NEW_YORK).strftime("%Y-%m-%d %H:%M")


def test_roots_map_to_their_index() -> None:
    pairs = {r: index_of_root(r) for r in ("SPX", "SPXW", "XSP", "NDXP", "RUTW", "VIX", "SPY")}
    assert pairs == {
        "SPX": "SPX",
        "SPXW": "SPX",
        "XSP": "XSP",
        "NDXP": "NDX",
        "RUTW": "RUT",
        "VIX": "VIX",
        "SPY": None,
    }
    assert [settlement_of_root(r) for r in ("SPX", "SPXW", "NDX", "NDXP", "VIX")] == [
        "AM",
        "PM",
        "AM",
        "PM",
        "AM",
    ]


def test_index_underlyings_are_index_instruments() -> None:
    assert isinstance(make_underlying("SPX"), IndexInstrument)
    assert isinstance(make_underlying("SPY"), Equity)
    assert isinstance(make_underlying("DJX", index_roots=("DJX",)), IndexInstrument)
    assert is_index("ndx") and not is_index("QQQ")


def test_pm_root_expires_at_the_close_on_its_index() -> None:
    contract = make_option_contract(parse_occ("SPXW  110107P01275000"))
    assert contract.underlying == "SPX"
    assert _ny(contract.expiration_ns) == "2011-01-07 16:00"


def test_am_root_expires_at_the_open_saturday_dates_roll_to_friday() -> None:
    contract = make_option_contract(parse_occ("SPX   110122P01270000"))
    assert contract.underlying == "SPX"
    assert _ny(contract.expiration_ns) == "2011-01-21 09:30"


def test_equity_options_still_expire_at_the_close() -> None:
    contract = make_option_contract(parse_occ("SPY210219P00370000"))
    assert contract.underlying == "SPY"
    assert contract.expiration_ns == expiration_close_ns(dt.date(2021, 2, 19))


def test_stored_equity_index_and_close_expiry_are_corrected() -> None:
    stored = make_equity("SPX")
    assert isinstance(index_underlying(stored, []), IndexInstrument)
    assert isinstance(index_underlying(make_equity("DJX"), ["DJX"]), IndexInstrument)
    assert isinstance(index_underlying(make_equity("SPY"), []), Equity)
    fresh = make_option_contract(parse_occ("SPX110122P01270000"))
    values = OptionContract.to_dict(fresh)
    values["expiration_ns"] = expiration_close_ns(dt.date(2011, 1, 21))
    old = OptionContract.from_dict(values)
    assert with_index_expiry(old).expiration_ns == fresh.expiration_ns


def _bar(day: dt.date, open_: str, close: str) -> Bar:
    ts = session_close_ns(day)
    o, c = Price.from_str(open_), Price.from_str(close)
    high, low = max(o, c), min(o, c)
    return Bar(daily_bar_type(equity_id("SPX")), o, high, low, c, Quantity.from_int(0), ts, ts)


def test_am_settlement_price_is_intrinsic_at_the_expiration_days_open() -> None:
    itm_put = make_option_contract(parse_occ("SPX110122P01270000"))
    otm_call = make_option_contract(parse_occ("SPX110122C01270000"))
    weekly = make_option_contract(parse_occ("SPXW110107P01275000"))
    no_bar = make_option_contract(parse_occ("SPX110219P01270000"))
    bars = [_bar(dt.date(2011, 1, 21), "1262.5000", "1290.0000")]
    prices = am_settlement_prices([itm_put, otm_call, weekly, no_bar], bars)
    assert prices == {itm_put.id: 7.5, otm_call.id: 0.0}


@pytest.mark.parametrize(
    "symbol",
    ["SPXW240119C04700000", "SPX240119P04700000", "NDXP240119P16000000", "VIX240117C00015000"],
)
def test_tradier_and_the_backtest_build_the_same_index_option(symbol: str) -> None:
    live = parse_option_contract(symbol, ts_init=0)
    backtest = make_option_contract(parse_occ(symbol))
    assert (live.id, live.underlying, live.expiration_ns, live.multiplier, live.strike_price) == (
        backtest.id,
        backtest.underlying,
        backtest.expiration_ns,
        backtest.multiplier,
        backtest.strike_price,
    )
