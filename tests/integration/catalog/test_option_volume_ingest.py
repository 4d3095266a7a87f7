"""Ingest keeps each contract's session volume (``OptionVolume``) from the three real layouts.

Each real file is cut to a few of its rows (unchanged) to keep the ingest fast: the SPY 2021
chain's first session, the iVolatility SPX week's 2011-01-03 rows with strikes 1,250-1,300 and
the Cboe SPY snapshot of 2023-05-19's 2023-06-16 expiration with strikes 400-420. The volumes
read back from the catalog through Nautilus's own ``ParquetDataCatalog.query`` are compared
with the raw file's volume column (parsed here with ``csv``, apart from the loader), for every
row kept and by hand for a few contracts. A SYNTHETIC file in the SPY layout (real rows with
their volume replaced) checks that a bad volume rejects the whole row and is counted.
"""

import csv
import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from nautilus_trader.model.data import OptionGreeks, QuoteTick
from nautilus_trader.persistence.catalog import ParquetDataCatalog
from nautilus_trader.persistence.funcs import class_to_filename

from catalog.ingest import ingest_eod_chains
from catalog.validation import RejectReason
from options.market_calendar import session_close_ns
from options.option_volume import OptionVolume
from tests.conftest import shared_data_path
from tradefly.cli import main

SPY_CHAIN = "options_chains/lambdaclass_SPY_options_2021_prod_1y.csv"
IVOL_CHAIN = "options_chains/ivolatility/spx_sample_ivolatility.csv"
CBOE_SNAPSHOT = "options_chains/cboe_quotedata_snapshots/spy_quotedata_commit2023-05-20_d724df9.csv"


def _volumes(catalog_dir: Path) -> dict[tuple[str, int], float]:
    # Nautilus's query returns custom data wrapped in CustomData.
    records = [c.data for c in ParquetDataCatalog(str(catalog_dir)).query(OptionVolume)]
    return {(v.instrument_id.value, v.ts_init): v.volume for v in records}


def _cut_csv(
    source: str, folder: Path, keep: Callable[[dict[str, str]], bool]
) -> tuple[Path, list[dict[str, str]]]:
    with shared_data_path(source).open(newline="") as f:
        reader = csv.DictReader(f)
        rows = [row for row in reader if keep(row)]
        header = list(reader.fieldnames or [])
    path = folder / Path(source).name
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, header)
        writer.writeheader()
        writer.writerows(rows)
    return path, rows


def test_spy2021_chain_volume_kept(tmp_path: Path) -> None:
    path, rows = _cut_csv(SPY_CHAIN, tmp_path, lambda r: r["quotedate"] == "2021-01-04")
    report = ingest_eod_chains(tmp_path / "catalog", [path], show_progress=False)
    assert report.rows_rejected == 0
    volumes = _volumes(tmp_path / "catalog")
    ts = session_close_ns(dt.date(2021, 1, 4))
    assert volumes == {(f"{r['optionroot']}.US", ts): float(r["volume"]) for r in rows}
    # By hand from the raw file: SPY210129P00345000 7,424 and SPY210129P00355000 9,954.
    assert volumes["SPY210129P00345000.US", ts] == 7_424
    assert volumes["SPY210129P00355000.US", ts] == 9_954


def test_ivolatility_spx_week_volume_kept(tmp_path: Path) -> None:
    path, rows = _cut_csv(
        IVOL_CHAIN,
        tmp_path,
        lambda r: r["date"] == "01/03/2011" and 1250 <= float(r["strike"]) <= 1300,
    )
    report = ingest_eod_chains(tmp_path / "catalog", [path], show_progress=False)
    assert report.rows_rejected == 0 and len(rows) > 20
    volumes = _volumes(tmp_path / "catalog")
    ts = session_close_ns(dt.date(2011, 1, 3))
    expected = {(f"{r['option_symbol'].replace(' ', '')}.US", ts): float(r["volume"]) for r in rows}
    assert volumes == expected
    # Both sides of the 1,275 SPX monthly: some rows traded, others not at all (volume 0).
    assert sorted(set(volumes.values()))[0] == 0.0 and max(volumes.values()) > 0


def test_cboe_snapshot_volume_kept_for_calls_and_puts(tmp_path: Path) -> None:
    lines = shared_data_path(CBOE_SNAPSHOT).read_text().splitlines(keepends=True)

    def kept(line: str) -> bool:
        cells = line.split(",")
        return cells[1][3:9] == "230616" and 400 <= float(cells[11]) <= 420

    rows = [line.split(",") for line in lines[4:] if line.strip() and kept(line)]
    path = tmp_path / "spy_quotedata.csv"
    path.write_text(
        "".join([*lines[:4], *(line for line in lines[4:] if line.strip() and kept(line))])
    )
    session = dt.date(2023, 5, 19)
    report = ingest_eod_chains(
        tmp_path / "catalog", [path], quote_date=session, show_progress=False
    )
    assert report.rows_rejected == 0 and len(rows) == 21
    volumes = _volumes(tmp_path / "catalog")
    ts = session_close_ns(session)
    expected = {(row[1], ts): float(row[6]) for row in rows}  # the call's Volume column
    expected |= {(row[12], ts): float(row[17]) for row in rows}  # the put's
    assert volumes == {(symbol + ".US", t): v for (symbol, t), v in expected.items()}


def test_bad_volume_rejects_the_row_and_is_counted(tmp_path: Path) -> None:
    # SYNTHETIC: the first six real rows of 2021-01-04, their volume replaced.
    bad = {"-3": RejectReason.NEGATIVE_QUANTITY, "2.5": RejectReason.UNPARSEABLE_NUMBER}
    bad |= {"nan": RejectReason.UNPARSEABLE_NUMBER, "lots": RejectReason.UNPARSEABLE_NUMBER}
    volumes = ["12", "", *bad]
    with shared_data_path(SPY_CHAIN).open(newline="") as f:
        reader = csv.DictReader(f)
        rows = [row for row, _ in zip(reader, volumes, strict=False)]
        header = list(reader.fieldnames or [])
    for row, volume in zip(rows, volumes, strict=True):
        row["volume"] = volume
    path = tmp_path / "spy2021_bad_volumes_synthetic.csv"
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, header)
        writer.writeheader()
        writer.writerows(rows)

    catalog_dir = tmp_path / "catalog"
    report = ingest_eod_chains(catalog_dir, [path], show_progress=False)
    assert report.rejected == {
        RejectReason.UNPARSEABLE_NUMBER.value: 3,
        RejectReason.NEGATIVE_QUANTITY.value: 1,
    }
    catalog = ParquetDataCatalog(str(catalog_dir))
    kept = [f"{row['optionroot']}.US" for row in rows[:2]]
    # Nothing of a rejected row is written; a blank volume is unknown: no volume record.
    assert sorted(q.instrument_id.value for q in catalog.query(QuoteTick)) == sorted(kept)
    assert sorted(g.instrument_id.value for g in catalog.query(OptionGreeks)) == sorted(kept)
    ts = session_close_ns(dt.date(2021, 1, 4))
    assert _volumes(catalog_dir) == {(kept[0], ts): 12.0}


@pytest.mark.parametrize("volume", ["inf", "1e400"])
def test_non_finite_or_too_large_volume_rejects_the_row(volume: str, tmp_path: Path) -> None:
    # SYNTHETIC: one real row with its volume replaced. "1e400" is a whole number, but no
    # float holds it exactly (catalog.validation.MAX_COUNT).
    with shared_data_path(SPY_CHAIN).open(newline="") as f:
        reader = csv.DictReader(f)
        row = next(reader)
        header = list(reader.fieldnames or [])
    row["volume"] = volume
    path = tmp_path / "spy2021_one_row_synthetic.csv"
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, header)
        writer.writeheader()
        writer.writerow(row)
    catalog_dir = tmp_path / "catalog"
    report = ingest_eod_chains(catalog_dir, [path], show_progress=False)
    assert report.rejected == {RejectReason.UNPARSEABLE_NUMBER.value: 1}
    assert report.failures() != []  # every row rejected: the ingest says so, no traceback


def test_catalog_of_before_volumes_gets_them_by_ingesting_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, rows = _cut_csv(SPY_CHAIN, tmp_path, lambda r: r["quotedate"] == "2021-01-04")
    catalog_dir = tmp_path / "catalog"
    ingest_eod_chains(catalog_dir, [path], show_progress=False)
    # A catalog ingested before volumes were kept: the same files without the volume folder.
    shutil.rmtree(catalog_dir / "data" / str(class_to_filename(OptionVolume)))
    assert _volumes(catalog_dir) == {}

    again = ingest_eod_chains(catalog_dir, [path], show_progress=False)
    assert (again.rows_written, again.rows_already_present) == (len(rows), 2 * len(rows))
    assert len(_volumes(catalog_dir)) == len(rows)

    assert main(["catalog", str(catalog_dir)]) == 0
    listed = [line.strip() for line in capsys.readouterr().out.splitlines()]
    assert any(line.startswith(f"option_volume (options): {len(rows)} rows") for line in listed)
