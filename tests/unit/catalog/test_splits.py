"""Splits read from LEAN factor files (real AAPL and SPY files; crafted rows where marked)."""

from pathlib import Path

import pytest

from catalog.splits import lean_factor_file, split_line, splits_from_lean_factor_file
from tests.conftest import shared_data_path

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
