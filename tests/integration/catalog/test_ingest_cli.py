"""``tradefly ingest`` end to end on real files, read back through ``ParquetDataCatalog``."""

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from nautilus_trader.model.data import OptionGreeks
from nautilus_trader.model.instruments import Equity, OptionContract
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from catalog.cli import DEFAULT_CATALOG, resolve_catalog_dir
from catalog.ingest import ingest_underlying_bars
from options.market_calendar import session_close_ns
from tests.conftest import shared_data_path
from tradefly.cli import main

CHAIN_2021 = "options_chains/lambdaclass_SPY_options_2021_prod_1y.csv"
SPY_2021 = "underlying_daily/lambdaclass_SPY_daily_2021.csv"
POLYGON_2016 = "options_chains/polygon_dayaggs_monthly/SPY/2016_options_pessimistic.csv"
JAN_5 = session_close_ns(dt.date(2021, 1, 5))


def _ingest_chain(catalog_dir: Path) -> int:
    return main(
        [
            "ingest",
            "eod-chains",
            str(shared_data_path(CHAIN_2021)),
            "--bars",
            str(shared_data_path(SPY_2021)),
            "--catalog",
            str(catalog_dir),
            "--no-progress",
        ]
    )


def _counts(summary: str) -> dict[str, int]:
    """Parse the summary table's ``label   1,234`` lines."""
    counts = {}
    for line in summary.splitlines()[1:]:
        if line.startswith(("splits:", "vendor greeks audit")):
            break  # the splits read and the audit summary follow the table
        label, _, value = line.rstrip().rpartition(" ")
        counts[label.strip()] = int(value.replace(",", ""))
    return counts


def _snapshot(root: Path) -> dict[str, str]:
    """Return {relative path: sha256 or '<dir>'} for everything under `root`."""
    return {
        str(path.relative_to(root)): (
            "<dir>" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
        )
        for path in sorted(root.rglob("*"))
    }


def test_eod_chains_cli_reads_back_exactly_and_reingests_idempotently(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog_dir = tmp_path / "catalog"

    assert _ingest_chain(catalog_dir) == 0
    first = capsys.readouterr().out

    catalog = ParquetDataCatalog(str(catalog_dir))
    option = "SPY210129P00360000.US"
    [contract] = catalog.instruments(instrument_ids=[option])
    assert isinstance(contract, OptionContract)
    assert (contract.underlying, str(contract.strike_price)) == ("SPY", "360.000")
    [equity] = catalog.instruments(instrument_ids=["SPY.US"])
    assert isinstance(equity, Equity)
    [quote] = [q for q in catalog.quote_ticks(instrument_ids=[option]) if q.ts_init == JAN_5]
    assert (str(quote.bid_price), str(quote.ask_price)) == ("4.33", "4.36")
    [greeks] = [g for g in catalog.query(OptionGreeks, identifiers=[option]) if g.ts_init == JAN_5]
    assert (greeks.delta, greeks.mark_iv, greeks.underlying_price) == (-0.29574, 0.23926, 371.33)
    [bar] = [
        b for b in catalog.bars(bar_types=["SPY.US-1-DAY-LAST-EXTERNAL"]) if b.ts_init == JAN_5
    ]
    assert str(bar.close) == "371.3300"
    assert len(catalog.quote_ticks()) == 5040 - 17
    assert len(catalog.bars()) == 252
    counts = _counts(first)
    assert counts["rows read"] == 5040 + 252
    assert counts["rows rejected"] == counts["bid above ask"] == 17
    # quote, greeks and volume per row
    assert counts["catalog rows written"] == 3 * (5040 - 17) + 252
    assert counts["instruments"] == counts["new to the catalog"] == 1390
    snapshot = _snapshot(catalog_dir)

    assert _ingest_chain(catalog_dir) == 0
    second = capsys.readouterr().out

    counts = _counts(second)
    assert counts["catalog rows written"] == counts["new to the catalog"] == 0
    assert counts["catalog rows already present"] == 3 * (5040 - 17) + 252
    assert _snapshot(catalog_dir) == snapshot  # untouched, so every query answers the same
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog"]


def test_option_bars_cli_with_underlying_bars(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog_dir = tmp_path / "catalog"
    code = main(
        [
            "ingest",
            "option-bars",
            str(shared_data_path(POLYGON_2016)),
            "--bars",
            str(shared_data_path("alpha_vantage/csv/daily_adjusted_SPY.csv")),
            "--catalog",
            str(catalog_dir),
            "--no-progress",
        ]
    )

    assert code == 0
    counts = _counts(capsys.readouterr().out)
    assert counts["rows read"] == 3340 + 5303
    # Only 1999 rows can be rejected, if the market calendar starts in 2000.
    assert counts["catalog rows written"] == 3340 + 5303 - counts["rows rejected"]
    catalog = ParquetDataCatalog(str(catalog_dir))
    option_bars = catalog.bars(bar_types=["SPY160219C00101000.US-1-DAY-LAST-EXTERNAL"])
    assert [str(b.close) for b in option_bars][:1] == ["89.15"]
    spy_bars = catalog.bars(bar_types=["SPY.US-1-DAY-LAST-EXTERNAL"])
    assert len(spy_bars) == 5303 - counts["rows rejected"]


def test_unreadable_input_exits_1_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = tmp_path / "crafted_wrong_header.csv"
    wrong.write_text("a,b\n1,2\n")
    catalog_dir = tmp_path / "catalog"
    good = str(shared_data_path(SPY_2021))

    for files in ([good, str(wrong)], [good, str(tmp_path / "missing.csv")]):
        assert main(["ingest", "bars", *files, "--catalog", str(catalog_dir)]) == 1
        assert "nothing was written" in capsys.readouterr().err
    assert not catalog_dir.exists()
    # Alpha Vantage files carry no ticker: without --ticker the run stops before writing.
    alpha = str(shared_data_path("alpha_vantage/csv/daily_SPY.csv"))
    assert main(["ingest", "bars", alpha, "--catalog", str(catalog_dir), "--no-progress"]) == 1
    assert "ticker was None" in capsys.readouterr().err
    assert not catalog_dir.exists()


def test_every_subcommand_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for command in (
        ["ingest"],
        ["ingest", "eod-chains"],
        ["ingest", "option-bars"],
        ["ingest", "bars"],
    ):
        with pytest.raises(SystemExit) as exit_info:
            main([*command, "--help"])
        assert exit_info.value.code == 0
        assert "usage: tradefly ingest" in capsys.readouterr().out


def test_catalog_dir_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRADEFLY_CATALOG", raising=False)
    assert resolve_catalog_dir(None) == DEFAULT_CATALOG == Path("data/catalog")
    monkeypatch.setenv("TRADEFLY_CATALOG", "/srv/catalog")
    assert resolve_catalog_dir(None) == Path("/srv/catalog")
    assert resolve_catalog_dir("elsewhere") == Path("elsewhere")


def test_pipeline_report_summary(tmp_path: Path) -> None:
    report = ingest_underlying_bars(
        tmp_path / "catalog", [shared_data_path(SPY_2021)], show_progress=False
    )

    assert (report.rows_read, report.rows_written, report.rows_already_present) == (252, 252, 0)
    assert (report.instruments, report.instruments_written, report.rejected) == (1, 1, {})
    assert report.summary().splitlines()[0] == f"catalog: {tmp_path / 'catalog'}"
