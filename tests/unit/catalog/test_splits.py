"""Splits read from LEAN factor files and Alpha Vantage CSVs (real files; crafted where marked)."""

from pathlib import Path

import pytest

from catalog.access import open_catalog
from catalog.splits import (
    lean_factor_file,
    split_line,
    splits_from_alpha_vantage_csv,
    splits_from_lean_factor_file,
    stored_splits,
)
from tests.conftest import shared_data_path
from tradefly.cli import main

LEAN_DAILY = "underlying_daily/lean/equity/usa/daily/{}.zip"


def test_the_aapl_factor_file_gives_its_four_splits() -> None:
    # AAPL split 2:1 on 2000-06-21 and 2005-02-28, 7:1 on 2014-06-09 and 4:1 on 2020-08-31;
    # the factor file's split factor steps 0.00892857 -> 0.0178571 -> 0.0357143 -> 0.25 -> 1.
    factor_file = lean_factor_file(shared_data_path(LEAN_DAILY.format("aapl")))
    assert factor_file is not None and factor_file.name == "aapl.csv"
    splits = splits_from_lean_factor_file(factor_file, "AAPL")
    assert [split_line(s) for s in splits] == [
        "AAPL 2000-06-21 2:1",
        "AAPL 2005-02-28 2:1",
        "AAPL 2014-06-09 7:1",
        "AAPL 2020-08-31 4:1",
    ]
    assert [str(s.instrument_id) for s in splits] == ["AAPL.US"] * 4


def test_a_factor_file_without_split_factor_changes_gives_none() -> None:
    factor_file = lean_factor_file(shared_data_path(LEAN_DAILY.format("spy")))
    assert factor_file is not None
    assert splits_from_lean_factor_file(factor_file, "SPY") == []


def test_fractional_and_reverse_ratios(tmp_path: Path) -> None:
    # Crafted factor file: a 3-for-2 split effective 2021-06-07 (the session after
    # 2021-06-04), then a 1-for-10 reverse split effective 2022-01-03 (after 2021-12-31): the
    # split factor steps 6.666667 -> 10 -> 1.
    path = tmp_path / "xyz.csv"
    path.write_text("20210604,1,6.666667,30\n20211231,1,10,5\n20501231,1,1,0\n")
    splits = splits_from_lean_factor_file(path, "XYZ")
    assert [split_line(s) for s in splits] == ["XYZ 2021-06-07 3:2", "XYZ 2022-01-03 1:10"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("20200102,1,0.25,1\n2020-08-28,1,0.25,499\n", "xyz.csv:2: not a LEAN factor row"),
        ("20200102,1,0.25\n", "xyz.csv:1: not a LEAN factor row"),
        ("20200102,1,0,1\n", "xyz.csv:1: split factor was not positive"),
    ],
)
def test_a_malformed_factor_file_is_one_error_naming_file_and_line(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "xyz.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        splits_from_lean_factor_file(path, "XYZ")


def test_a_file_outside_a_lean_daily_folder_has_no_factor_file(tmp_path: Path) -> None:
    assert lean_factor_file(tmp_path / "aapl.zip") is None


def test_alpha_vantage_split_coefficients_give_the_same_aapl_splits() -> None:
    # The real daily-adjusted AAPL download (1999-11-01..2020-11-25): coefficients 2.0, 2.0,
    # 7.00000700001 and 4.0 on the ex-dates.
    path = shared_data_path("alpha_vantage/csv/daily_adjusted_AAPL.csv")
    assert [split_line(s) for s in splits_from_alpha_vantage_csv(path, "AAPL")] == [
        "AAPL 2000-06-21 2:1",
        "AAPL 2005-02-28 2:1",
        "AAPL 2014-06-09 7:1",
        "AAPL 2020-08-31 4:1",
    ]
    spy = shared_data_path("alpha_vantage/csv/daily_adjusted_SPY.csv")
    assert splits_from_alpha_vantage_csv(spy, "SPY") == []


def test_ingesting_alpha_vantage_bars_stores_their_splits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = shared_data_path("alpha_vantage/csv/daily_adjusted_AAPL.csv")
    catalog = tmp_path / "catalog"
    argv = ["ingest", "bars", str(path), "--ticker", "AAPL", "--catalog", str(catalog)]
    assert main([*argv, "--no-progress"]) == 0
    assert "splits: AAPL 2020-08-31 4:1" in capsys.readouterr().out.splitlines()
    stored = stored_splits(open_catalog(catalog), "AAPL")
    assert [(s.new_shares, s.old_shares) for s in stored] == [(2, 1), (2, 1), (7, 1), (4, 1)]
    # `tradefly catalog` lists them under the underlying (not as a data span).
    assert main(["catalog", str(catalog)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "  splits: 2000-06-21 2:1, 2005-02-28 2:1, 2014-06-09 7:1, 2020-08-31 4:1" in out
    assert not [line for line in out if "stock_split" in line]


def test_a_bad_split_coefficient_is_one_error_naming_the_line(tmp_path: Path) -> None:
    # Crafted Alpha Vantage rows.
    path = tmp_path / "daily_adjusted_XYZ.csv"
    path.write_text(
        "timestamp,open,high,low,close,adjusted_close,volume,dividend_amount,split_coefficient\n"
        "2021-06-08,40,41,39,40.5,40.5,100,0.0000,1.0\n"
        "2021-06-07,40,41,39,40.5,40.5,100,0.0000,x1.5\n"
    )
    with pytest.raises(ValueError, match=r"daily_adjusted_XYZ.csv:3: split_coefficient"):
        splits_from_alpha_vantage_csv(path, "XYZ")
