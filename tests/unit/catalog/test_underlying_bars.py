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
    path = tmp_path / "crafted_unknown_layout.csv"
    path.write_text("Datum,Schluss,Volumen\n05.01.2021,371.33,1\n")
    with pytest.raises(ValueError, match=r"tiingo: .*yfinance: .*alpha-vantage: timestamp"):
        load_underlying_bars(path, ticker="SPY")


def test_index_bars_define_an_index_instrument() -> None:
    path = shared_data_path("underlying_daily/yfinance_rjdabest/daily_VIX.csv")
    result = load_underlying_bars(path, "VIX")
    assert isinstance(result.instruments["VIX.US"], IndexInstrument)
    assert result.rows_read == 9180
    # One row is stamped on a day the NYSE was closed.
    assert result.rejects.as_dict() == {RejectReason.NON_SESSION.value: 1}


@pytest.mark.parametrize(
    ("ticker", "rows", "rejected"),
    [("AAPL", 2515, 0), ("SPY", 2514, 0), ("IWM", 2514, 1)],
)
def test_nasdaq_com_downloads_newest_first_with_dollar_signs(
    ticker: str, rows: int, rejected: int
) -> None:
    path = shared_data_path(f"underlying_daily/nasdaq_com/HistoricalData_{ticker}.csv")

    result = load_underlying_bars(path, ticker=ticker)

    assert (result.rows_read, result.rejects.total) == (rows, rejected)
    assert len(result.data) == rows - rejected
    if rejected:  # 06/05/2023,179.58,34465800,181.26,180.8199,178.44: open above the high
        assert result.rejects.as_dict() == {RejectReason.OPEN_CLOSE_OUTSIDE_RANGE.value: 1}
    assert list(result.instruments) == [f"{ticker}.US"]


def test_nasdaq_com_aapl_prices_are_the_files_own_dollar_prefixed_values() -> None:
    result = load_underlying_bars(
        shared_data_path("underlying_daily/nasdaq_com/HistoricalData_AAPL.csv"), ticker="AAPL"
    )
    # 01/02/2026,$271.01,37838050,$272.255,$277.84,$269.00
    assert _bar_on(result, dt.date(2026, 1, 2)) == (
        "AAPL.US-1-DAY-LAST-EXTERNAL,272.2550,277.8400,269.0000,271.0100,37838050"
    )


def test_nasdaq_com_needs_a_ticker() -> None:
    with pytest.raises(ValueError, match="the nasdaq layout has no ticker column"):
        load_underlying_bars(shared_data_path("underlying_daily/nasdaq_com/HistoricalData_SPY.csv"))


@pytest.mark.parametrize(
    ("ticker", "rows"), [("aapl", 5849), ("spy", 5849), ("qqq", 3964), ("iwm", 5244)]
)
def test_lean_daily_zips_are_read_raw_with_the_ticker_from_the_file_name(
    ticker: str, rows: int
) -> None:
    path = shared_data_path(f"underlying_daily/lean/equity/usa/daily/{ticker}.zip")

    result = load_underlying_bars(path)

    assert (result.rows_read, result.rejects.total, len(result.data)) == (rows, 0, rows)
    assert list(result.instruments) == [f"{ticker.upper()}.US"]


def test_lean_daily_aapl_keeps_the_traded_prices_across_the_2020_split() -> None:
    result = load_underlying_bars(
        shared_data_path("underlying_daily/lean/equity/usa/daily/aapl.zip")
    )
    # Prices × 10,000, unadjusted: 2020-08-28 traded near 500, 2020-08-31 (after 4:1) near 129.
    friday = _bar_on(result, dt.date(2020, 8, 28))
    monday = _bar_on(result, dt.date(2020, 8, 31))
    assert friday.split(",")[4] == "499.2300"  # LEAN's factor file's reference price
    assert 120 < float(monday.split(",")[4]) < 135


def test_lean_daily_unzipped_with_a_ticker(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("20210104 00:00,3752200,3758500,3648300,3687000,110210810\n")
    result = load_underlying_bars(path, ticker="SPY")
    assert _bar_on(result, dt.date(2021, 1, 4)) == (
        f"{SPY_BAR},375.2200,375.8500,364.8300,368.7000,110210810"
    )


def test_a_zip_must_hold_one_file(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", "x")
        archive.writestr("b.csv", "y")
    with pytest.raises(OSError, match=r"exactly one CSV file; it held a\.csv, b\.csv"):
        load_underlying_bars(path, ticker="SPY")
