"""The deliverables table: lookups by root, underlying and effective date; bad rows."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from nautilus_trader.model.instruments import OptionContract

from catalog.access import open_catalog
from catalog.deliverables import load_deliverables
from options.deliverables import Deliverable, deliverable_of
from tradefly.cli import main

HEADER = "root,underlying,effective,shares,cash,multiplier,memo\n"


def test_the_latest_effective_row_on_or_before_the_date_applies(tmp_path: Path) -> None:
    # Crafted table: XYZ1 reused for a second adjustment in 2023.
    path = tmp_path / "deliverables.csv"
    path.write_text(
        HEADER + "XYZ1,XYZ,2021-06-07,150,0,100,first\nxyz1,xyz,2023-01-03,100,12.50,100,second\n"
    )
    table = load_deliverables(path)
    assert table.lookup("XYZ1", "XYZ", dt.date(2021, 6, 4)) is None
    assert table.lookup("XYZ1", "XYZ", dt.date(2021, 6, 7)) == Deliverable(150)
    assert table.lookup("XYZ1", "XYZ", dt.date(2023, 1, 3)) == Deliverable(100, Decimal("12.50"))
    assert table.lookup("XYZ1", "ABC", dt.date(2022, 1, 3)) is None
    assert table.lookup("XYZ2", "XYZ", dt.date(2022, 1, 3)) is None


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("XYZ1,XYZ,2021-13-07,150,0,100,x", r"deliverables.csv:2: effective was not valid"),
        ("XYZ1,XYZ,2021-06-07,15O,0,100,x", r"deliverables.csv:2: shares was not valid: '15O'"),
        ("XYZ1,XYZ,2021-06-07,150,-1,100,x", r"deliverables.csv:2: shares was not valid"),
        (",XYZ,2021-06-07,150,0,100,x", r"deliverables.csv:2: underlying was not valid"),
    ],
)
def test_a_bad_row_is_one_error_naming_line_and_field(
    tmp_path: Path, row: str, message: str
) -> None:
    path = tmp_path / "deliverables.csv"
    path.write_text(HEADER + row + "\n")
    with pytest.raises(ValueError, match=message):
        load_deliverables(path)


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "deliverables.csv"
    path.write_text("root,underlying,effective,shares,cash\nXYZ1,XYZ,2021-06-07,150,0\n")
    with pytest.raises(ValueError, match="lacks the column"):
        load_deliverables(path)


def test_eod_chains_ingest_reads_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Crafted historicaloptiondata rows of the adjusted root XYZ1 (no real file has one).
    chain = tmp_path / "historicaloptiondata_synthetic_XYZ1.csv"
    chain.write_text(
        "underlying,underlying_last,optionroot,type,expiration,quotedate,strike,last,bid,ask,"
        "volume,openinterest,impliedvol,delta,gamma,theta,vega,optionalias\n"
        "XYZ,40.40,XYZ1210716P00060000,put,2021-07-16,2021-07-01,60,2.10,2.05,2.15,12,300,"
        "0.35,-0.45,0.05,-0.03,0.04,XYZ1210716P00060000\n"
    )
    table = tmp_path / "deliverables.csv"
    table.write_text(HEADER + "XYZ1,XYZ,2021-06-07,150,0,100,x\n")
    catalog = tmp_path / "catalog"
    argv = ["ingest", "eod-chains", str(chain), "--catalog", str(catalog), "--no-progress"]
    assert main([*argv, "--deliverables", str(table)]) == 0
    capsys.readouterr()
    [option] = [i for i in open_catalog(catalog).instruments() if isinstance(i, OptionContract)]
    assert deliverable_of(option.info, int(option.multiplier)) == Deliverable(150)
