"""The command line end to end: the demo on a short synthetic horizon and a real-data backtest."""

import json
from pathlib import Path

import pytest

from statestore import StateStore
from statestore.control import ControlLedger
from statestore.journal import JournalLedger
from tests.conftest import PROJECT_ROOT, shared_data_path
from tradefly.cli import main

SUMMARY_KEYS = {
    "n_trades",
    "n_assigned",
    "premium_collected",
    "fees",
    "realized_pnl",
    "starting_balance",
    "ending_balance",
    "max_drawdown",
    "sharpe",
    "trades",
}
TRADE_KEYS = {
    "entry_time",
    "structure",
    "symbols",
    "quantity",
    "credit",
    "exit_reason",
    "pnl",
    "legs",
}


def _run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_demo_runs_end_to_end_on_a_short_synthetic_horizon(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "demo",
        "--start",
        "2023-03-01",
        "--end",
        "2023-05-31",
        "--catalog",
        str(tmp_path / "demo"),
        "--reports",
        str(tmp_path / "reports"),
        "--json",
    ]
    summary = _run_json(argv, capsys)
    assert summary["synthetic"] is True
    assert summary.keys() >= SUMMARY_KEYS
    assert summary["n_trades"] > 0
    assert all(t.keys() >= TRADE_KEYS for t in summary["trades"])
    # every closed trade's P&L adds up to the cash change
    assert summary["ending_balance"] - summary["starting_balance"] == pytest.approx(
        summary["realized_pnl"], abs=0.01
    )
    run_dir = tmp_path / "reports" / summary["run_id"]
    assert {p.name for p in run_dir.iterdir()} >= {"summary.json", "trades.csv", "report.html"}
    assert "SYNTHETIC" in (run_dir / "report.html").read_text()
    # ... and leaves a state store for `tradefly control --demo`: its journal and equity curve.
    with StateStore(tmp_path / "reports" / "demo-state.sqlite") as store:
        trades = JournalLedger(store).rows(kind="trade")
        assert len({r.journal_id for r in trades}) == summary["n_trades"]
        assert len(ControlLedger(store).snapshots()) > 50
        last = ControlLedger(store).last_snapshot()
        assert last is not None and last.cash == summary["ending_balance"]
        # Nothing is held at the end, so the free balance is all the cash (dashboard figure).
        assert last.buying_power == last.cash

    # A second run reuses the generated catalog and gives the same numbers.
    again = _run_json(argv, capsys)
    assert {k: again[k] for k in SUMMARY_KEYS - {"trades"}} == {
        k: summary[k] for k in SUMMARY_KEYS - {"trades"}
    }


def test_backtest_reports_missing_catalog_data_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = PROJECT_ROOT / "configs" / "backtest" / "spy2021_weekly_put.yaml"
    missing = tmp_path / "missing"
    argv = ["backtest", str(config), "--reports", str(tmp_path), "--catalog"]
    assert main([*argv, str(missing)]) == 2
    assert capsys.readouterr().err == (
        f"error: catalog folder {missing} does not exist; pass --catalog DIR or set "
        "TRADEFLY_CATALOG, or ingest data into it first\n"
    )
    (tmp_path / "empty").mkdir()
    assert main([*argv, str(tmp_path / "empty")]) == 1
    assert "ingest" in capsys.readouterr().err


def test_backtest_json_on_real_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chain = shared_data_path("options_chains/lambdaclass_SPY_options_2021_prod_1y.csv")
    bars = shared_data_path("underlying_daily/lambdaclass_SPY_daily_2021.csv")
    catalog = tmp_path / "catalog"
    assert (
        main(
            [
                "ingest",
                "eod-chains",
                str(chain),
                "--bars",
                str(bars),
                "--catalog",
                str(catalog),
                "--no-progress",
            ]
        )
        == 0
    )
    capsys.readouterr()
    config = PROJECT_ROOT / "configs" / "backtest" / "spy2021_weekly_put.yaml"
    summary = _run_json(
        [
            "backtest",
            str(config),
            "--catalog",
            str(catalog),
            "--reports",
            str(tmp_path / "r"),
            "--json",
        ],
        capsys,
    )
    assert (summary["n_trades"], summary["n_assigned"]) == (42, 12)
    assert summary["realized_pnl"] == 30688.70
    assert summary["ending_balance"] == 1030688.70
    trades_csv = (tmp_path / "r" / summary["run_id"] / "trades.csv").read_text().splitlines()
    assert len(trades_csv) == 1 + len(summary["trades"])
