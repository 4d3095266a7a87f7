"""``tradefly ingest`` on the LEAN, Cboe and nasdaq.com layouts, read back from the catalog."""

import datetime as dt
from pathlib import Path

import pytest
from nautilus_trader.model.data import OptionGreeks
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from options.market_calendar import session_close_ns
from tests.conftest import shared_data_path
from tests.integration.catalog.test_ingest_cli import _counts
from tradefly.cli import main

LEAN_SPY = "options_chains/lean_universes/spy/{day}.csv"
CBOE_UNDATED = "options_chains/cboe_quotedata_snapshots/spy_quotedata_commit2023-06-08_374d068.csv"


def _ingest(catalog_dir: Path, *args: str) -> int:
    return main(["ingest", *args, "--catalog", str(catalog_dir), "--no-progress"])


def test_lean_universes_and_lean_daily_bars(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog_dir = tmp_path / "catalog"
    days = ("20231228", "20231229", "20240105")
    files = [str(shared_data_path(LEAN_SPY.format(day=day))) for day in days]

    assert _ingest(catalog_dir, "option-bars", *files) == 0

    counts = _counts(capsys.readouterr().out)
    assert (counts["rows read"], counts["rows rejected"]) == (23 + 15 + 20, 1)
    catalog = ParquetDataCatalog(str(catalog_dir))
    spy_bars = catalog.bars(bar_types=["SPY.US-1-DAY-LAST-EXTERNAL"])
    assert [str(b.close) for b in spy_bars] == ["476.6900", "475.3100", "467.9200"]
    assert len(catalog.bars()) == 23 + 15 + 20 - 1
    greeks = catalog.query(OptionGreeks)
    assert len(greeks) == 22 + 14 + 18

    lean_daily = shared_data_path("underlying_daily/lean/equity/usa/daily/spy.zip")
    assert _ingest(catalog_dir, "bars", str(lean_daily)) == 0
    counts = _counts(capsys.readouterr().out)
    assert (counts["rows read"], counts["catalog rows written"]) == (5849, 5849)


def test_cboe_snapshot_without_a_date_needs_quote_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Only the refusals: writing the 7,686 contracts of a snapshot takes minutes (a file per
    # contract and data type); the loader's unit tests read the accepted rows.
    catalog_dir = tmp_path / "catalog"
    path = str(shared_data_path(CBOE_UNDATED))

    assert _ingest(catalog_dir, "eod-chains", path) == 1
    err = capsys.readouterr().err
    assert "names no date; pass the quote session with --quote-date YYYY-MM-DD" in err
    assert _ingest(catalog_dir, "eod-chains", path, "--quote-date", "2023-06-03") == 1
    assert "the quote date 2023-06-03 is not a NYSE session" in capsys.readouterr().err
    assert not catalog_dir.exists()
    with pytest.raises(SystemExit) as exit_:
        _ingest(catalog_dir, "eod-chains", path, "--quote-date", "06/02/2023")
    assert exit_.value.code == 2
    assert "was '06/02/2023'; expected YYYY-MM-DD" in capsys.readouterr().err


def test_nasdaq_bars_need_a_ticker(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(shared_data_path("underlying_daily/nasdaq_com/HistoricalData_AAPL.csv"))
    catalog_dir = tmp_path / "catalog"

    assert _ingest(catalog_dir, "bars", path, "--layout", "nasdaq") == 1
    assert "the nasdaq layout has no ticker column" in capsys.readouterr().err
    assert _ingest(catalog_dir, "bars", path, "--ticker", "AAPL") == 0
    assert _counts(capsys.readouterr().out)["catalog rows written"] == 2515


@pytest.mark.parametrize(
    ("command", "relative", "hint"),
    [
        (
            "eod-chains",
            LEAN_SPY.format(day="20231228"),
            "lean-universe file: ingest it with tradefly ingest option-bars",
        ),
        (
            "option-bars",
            CBOE_UNDATED,
            "cboe-quotetable file: ingest it with tradefly ingest eod-chains",
        ),
        (
            "bars",
            "options_chains/polygon_dayaggs_monthly/AAPL/2020_options_pessimistic.csv",
            "polygon-dayaggs file: ingest it with tradefly ingest option-bars",
        ),
    ],
)
def test_a_file_given_to_the_wrong_command_names_the_right_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, relative: str, hint: str
) -> None:
    path = shared_data_path(relative)
    extra = ["--ticker", "AAPL"] if command == "bars" else []
    assert _ingest(tmp_path / "catalog", command, str(path), *extra) == 1
    err = capsys.readouterr().err
    assert "matches no known layout" in err
    assert f"tradefly ingest: hint: {path} is a {hint}\n" in err
    assert err.endswith("nothing was written\n")


def test_nasdaq_after_lean_daily_keeps_the_raw_bars_before_the_split(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog_dir = tmp_path / "catalog"
    lean = str(shared_data_path("underlying_daily/lean/equity/usa/daily/aapl.zip"))
    nasdaq = str(shared_data_path("underlying_daily/nasdaq_com/HistoricalData_AAPL.csv"))

    assert _ingest(catalog_dir, "bars", lean) == 0
    capsys.readouterr()
    assert _ingest(catalog_dir, "bars", nasdaq, "--ticker", "AAPL") == 0

    counts = _counts(capsys.readouterr().out)
    # nasdaq.com's split-adjusted sessions up to 2021-03-31 differ from LEAN's raw bars.
    assert counts["rows refused: conflict with a stored row"] == 1320
    assert counts["catalog rows written"] == 1195
    closes = {
        str(b.close)
        for b in ParquetDataCatalog(str(catalog_dir)).bars(
            bar_types=["AAPL.US-1-DAY-LAST-EXTERNAL"]
        )
        if b.ts_event == session_close_ns(dt.date(2020, 8, 28))
    }
    assert closes == {"499.2300"}  # the traded close, not nasdaq.com's $124.8075
