"""Polygon day-aggregate option bars loader on a real year file and on crafted bad rows."""

import csv
import datetime as dt
from pathlib import Path

import pytest
from nautilus_trader.model.data import Bar
from nautilus_trader.model.instruments import OptionContract

from catalog.option_bars import load_option_bars
from catalog.validation import RejectReason
from options.market_calendar import session_close_ns
from tests.conftest import shared_data_path

POLYGON_2016 = "options_chains/polygon_dayaggs_monthly/SPY/2016_options_pessimistic.csv"
HEADER = (
    "ticker,date_only,expiration_date,underlying_symbol,option_type,strike,volume,open_price,"
    "close_price,high_price,low_price"
)
GOOD = "O:SPY160219C00160000,2016-01-19,2016-02-19,SPY,C,160.0,6,29.91,28.71,29.91,28.71"


def _row(**changes: str) -> str:
    fields = dict(zip(HEADER.split(","), GOOD.split(","), strict=True))
    fields.update(changes)
    return ",".join(fields.values())


# Crafted rows in the polygon-dayaggs layout (the real files have none of these faults).
CRAFTED_BAD_ROWS = {
    RejectReason.HIGH_BELOW_LOW: _row(high_price="28.00", low_price="28.71"),
    RejectReason.OPEN_CLOSE_OUTSIDE_RANGE: _row(open_price="30.00"),
    RejectReason.NEGATIVE_PRICE: _row(low_price="-1"),
    RejectReason.NEGATIVE_QUANTITY: _row(volume="-6"),
    RejectReason.SYMBOL_MISMATCH: _row(option_type="P"),
    RejectReason.UNPARSEABLE_SYMBOL: _row(ticker="O:SPY", option_type="X"),
    RejectReason.EXPIRED_BEFORE_QUOTE_DATE: _row(
        ticker="O:SPY160115C00160000", expiration_date="2016-01-15"
    ),
    RejectReason.NON_SESSION: _row(date_only="2016-01-18"),  # Martin Luther King Jr. Day
    RejectReason.DUPLICATE_ROW: GOOD,
}


def test_crafted_bad_rows_are_rejected_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "crafted_bad_rows_polygon_dayaggs.csv"
    path.write_text("\n".join([HEADER, GOOD, *CRAFTED_BAD_ROWS.values()]) + "\n")

    result = load_option_bars(path)

    assert result.rows_read == 1 + len(CRAFTED_BAD_ROWS)
    assert result.rejects.as_dict() == {reason.value: 1 for reason in CRAFTED_BAD_ROWS}
    [bar] = result.data
    assert isinstance(bar, Bar)
    assert str(bar) == (
        "SPY160219C00160000.US-1-DAY-LAST-EXTERNAL,29.91,29.91,28.71,28.71,6,"
        f"{session_close_ns(dt.date(2016, 1, 19))}"
    )
    assert bar.ts_event == bar.ts_init
    [option] = result.instruments.values()
    assert isinstance(option, OptionContract)
    assert (option.underlying, str(option.strike_price)) == ("SPY", "160.000")


def test_unknown_header_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "crafted_wrong_header.csv"
    path.write_text("ticker,volume,open,close,high,low,window_start,transactions\n")
    with pytest.raises(ValueError, match="polygon-dayaggs: ticker,date_only"):
        load_option_bars(path)


def test_real_2016_polygon_file() -> None:
    path = shared_data_path(POLYGON_2016)
    with path.open() as handle:
        rows = list(csv.DictReader(handle))

    result = load_option_bars(path)

    assert result.rows_read == len(rows) == 3340
    assert result.rejects.total == 0
    assert len(result.data) == 3340
    assert len(result.instruments) == len({row["ticker"] for row in rows})
    first = result.data[0]
    assert isinstance(first, Bar)
    assert str(first.bar_type) == "SPY160219C00101000.US-1-DAY-LAST-EXTERNAL"
    assert (str(first.open), str(first.close), first.volume.as_double()) == ("89.15", "89.15", 6)
