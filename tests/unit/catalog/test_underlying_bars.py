"""Underlying daily bars from the real Tiingo, yfinance and Alpha Vantage CSV layouts."""

import datetime as dt
from pathlib import Path

import pytest
from nautilus_trader.model.data import Bar
from nautilus_trader.model.instruments import IndexInstrument

from catalog.underlying_bars import load_underlying_bars
from catalog.validation import LoadResult, RejectReason
from options.market_calendar import session_close_ns
from tests.conftest import shared_data_path

SPY_BAR = "SPY.US-1-DAY-LAST-EXTERNAL"


def _bar_on(result: LoadResult, day: dt.date) -> str:
    ts = session_close_ns(day)
    [bar] = [b for b in result.data if isinstance(b, Bar) and b.ts_init == ts]
    return str(bar).rsplit(",", 1)[0]  # drop the timestamp


def _only_out_of_calendar_rejects(result: LoadResult) -> None:
    """Rows may fall before the first session of ``options.market_calendar``; nothing else."""
    assert set(result.rejects.as_dict()) <= {RejectReason.OUTSIDE_CALENDAR.value}
    assert len(result.data) == result.rows_read - result.rejects.total


def test_tiingo_lambdaclass_2021_uses_raw_prices() -> None:
    result = load_underlying_bars(
        shared_data_path("underlying_daily/lambdaclass_SPY_daily_2021.csv")
    )

    assert (result.rows_read, len(result.data), result.rejects.total) == (252, 252, 0)
    assert list(result.instruments) == ["SPY.US"]
    assert _bar_on(result, dt.date(2021, 1, 5)) == (
        f"{SPY_BAR},368.1000,372.5000,368.0500,371.3300,66426229"
    )


def test_tiingo_multi_ticker_file_rejects_holidays_and_inconsistent_bars() -> None:
    path = shared_data_path("underlying_daily/lambdaclass_ETFs_daily_2017_2018.csv")

    result = load_underlying_bars(path)

    assert len(result.instruments) == 7
    assert result.rejects[RejectReason.NON_SESSION] == 7 * 16  # 16 holidays in 2017-2018
    assert result.rejects[RejectReason.OPEN_CLOSE_OUTSIDE_RANGE] == 362
    assert len(result.data) == result.rows_read - result.rejects.total
    only_voo = load_underlying_bars(path, ticker="VOO")
    assert list(only_voo.instruments) == ["VOO.US"]
    assert only_voo.rejects[RejectReason.TICKER_MISMATCH] == 3000


def test_yfinance_one_line_header_takes_the_date_part() -> None:
    result = load_underlying_bars(
        shared_data_path("underlying_daily/yfinance_rjdabest/daily_SPY.csv"), ticker="SPY"
    )

    assert result.rows_read == 8400
    _only_out_of_calendar_rejects(result)
    assert _bar_on(result, dt.date(2021, 1, 5)).startswith(f"{SPY_BAR},368.1000,372.5000")
    # 2026-06-12 13:30:00,740.7100219726562,744.4400024414062,735.030029296875,741.75,56939800
    assert _bar_on(result, dt.date(2026, 6, 12)) == (
        f"{SPY_BAR},740.7100,744.4400,735.0300,741.7500,56939800"
    )


def test_yfinance_multiheader_reads_ticker_and_unadjusted_close() -> None:
    result = load_underlying_bars(
        shared_data_path("underlying_daily/yfinance_taa_dashboard/SPY.csv")
    )

    assert list(result.instruments) == ["SPY.US"]
    assert result.rows_read == 8222
    _only_out_of_calendar_rejects(result)
    # Close 658.0499877929688 (the "Price" column is the adjusted close, ignored).
    assert _bar_on(result, dt.date(2025, 9, 25)) == (
        f"{SPY_BAR},657.9400,659.4100,654.4100,658.0500,89622100"
    )


@pytest.mark.parametrize("name", ["daily_SPY.csv", "daily_adjusted_SPY.csv"])
def test_alpha_vantage_needs_a_ticker_and_uses_raw_ohlc(name: str) -> None:
    path = shared_data_path(f"alpha_vantage/csv/{name}")
    with pytest.raises(ValueError, match="ticker was None; the alpha-vantage layout"):
        load_underlying_bars(path)

    result = load_underlying_bars(path, ticker="spy")

    assert list(result.instruments) == ["SPY.US"]
    _only_out_of_calendar_rejects(result)
    assert _bar_on(result, dt.date(2020, 11, 24)) == (
        f"{SPY_BAR},360.2100,363.8100,359.2900,363.2200,60985003"
    )


def test_unknown_layout_lists_every_known_header(tmp_path: Path) -> None:
    path = tmp_path / "crafted_nasdaq_layout.csv"
    path.write_text("Date,Close/Last,Volume,Open,High,Low\n01/05/2021,$371.33,1,1,1,1\n")
    with pytest.raises(ValueError, match=r"tiingo: .*yfinance: .*alpha-vantage: timestamp"):
        load_underlying_bars(path, ticker="SPY")


def test_index_bars_define_an_index_instrument() -> None:
    path = shared_data_path("underlying_daily/yfinance_rjdabest/daily_VIX.csv")
    result = load_underlying_bars(path, "VIX")
    assert isinstance(result.instruments["VIX.US"], IndexInstrument)
    assert result.rows_read == 9180
    # One row is stamped on a day the NYSE was closed.
    assert result.rejects.as_dict() == {RejectReason.NON_SESSION.value: 1}
