"""``tradefly ingest`` exits non-zero when a file's rows are all rejected or nothing is written.

The summary names every file with its rows read and rejected. Files here are crafted in the
documented historicaloptiondata layout (labelled), except the real lambdaclass SPY chain.
"""

from pathlib import Path

import pytest
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from tests.conftest import shared_data_path
from tradefly.cli import main

HEADER = (
    "underlying,underlying_last,optionroot,type,expiration,quotedate,strike,last,bid,ask,"
    "volume,openinterest,impliedvol,delta,gamma,theta,vega,optionalias"
)
ROW = (
    "SPY,371.33,{symbol},put,2021-01-29,2021-01-05,360.0,4.34,{bid},4.36,7248,47579,"
    "0.23926,-0.29574,0.01516,-0.16367,0.32891,x"
)


def _ingest(catalog: Path, *files: Path) -> int:
    args = [str(f) for f in files]
    return main(["ingest", "eod-chains", *args, "--catalog", str(catalog), "--no-progress"])


def _write(path: Path, *rows: str) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def test_every_row_rejected_exits_1_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crossed = _write(
        tmp_path / "crafted_all_crossed.csv", ROW.format(symbol="SPY210129P00360000", bid="9.99")
    )
    assert _ingest(tmp_path / "catalog", crossed) == 1
    out, err = capsys.readouterr()
    assert f"rows rejected from {crossed}" in out
    assert f"every row of {crossed} was rejected (1 rows)" in err
    assert f"nothing was written to {tmp_path / 'catalog'} from {crossed}" in err


def test_one_file_entirely_rejected_among_good_ones_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _write(
        tmp_path / "crafted_good.csv", ROW.format(symbol="SPY210129P00360000", bid="4.33")
    )
    bad = _write(tmp_path / "crafted_bad.csv", ROW.format(symbol="SPY210129P00365000", bid="9.99"))
    assert _ingest(tmp_path / "catalog", good, bad) == 1
    err = capsys.readouterr().err
    assert f"every row of {bad} was rejected" in err
    assert str(good) not in err


def test_symbols_that_do_not_parse_are_ingested_from_their_columns(tmp_path: Path) -> None:
    # Symbols with a 10-digit strike field (the failing vendor file is not in ../shared/data).
    ten_digit = _write(
        tmp_path / "crafted_ten_digit_strikes.csv",
        ROW.format(symbol="SPY210129P0000360000", bid="4.33"),
    )
    assert _ingest(tmp_path / "catalog", ten_digit) == 0
    ids = [str(i.id) for i in ParquetDataCatalog(str(tmp_path / "catalog")).instruments()]
    assert sorted(ids) == ["SPY.US", "SPY210129P00360000.US"]


def test_reingesting_a_real_file_is_still_success(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chain = shared_data_path("options_chains/lambdaclass_SPY_options_2021_prod_1y.csv")
    lines = chain.read_text().splitlines()
    small = tmp_path / "lambdaclass_first_rows.csv"
    small.write_text("\n".join(lines[:41]) + "\n")  # the real file's first 40 rows
    assert _ingest(tmp_path / "catalog", small) == 0
    assert _ingest(tmp_path / "catalog", small) == 0  # already present is not a failure
    assert capsys.readouterr().err == ""
