"""The report's figures on real runs equal an independent computation from its CSV files.

Runs go through the ``tradefly backtest`` command (progress bar on stderr, JSON on stdout).
"""

import json
from pathlib import Path

import pytest

from tests.backtest.independent_figures import independent_figures
from tests.conftest import PROJECT_ROOT, shared_data_path
from tradefly.cli import main

CONFIGS = PROJECT_ROOT / "configs" / "backtest"


def _backtest(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[dict, str]:  # type: ignore[type-arg]
    assert main(["backtest", *argv]) == 0
    captured = capsys.readouterr()
    return json.loads(captured.out), captured.err


def _assert_report_matches(summary: dict, run_dir: Path) -> dict:  # type: ignore[type-arg]
    expected = independent_figures(run_dir)
    figures = summary["figures"]
    assert summary["n_trades"] == expected["n_trades"]
    for name in ("win_rate", "profit_factor", "cagr", "volatility", "sharpe", "sortino", "calmar"):
        assert figures[name] == pytest.approx(expected[name], rel=1e-6), name
    for name in ("expectancy", "average_win", "average_loss", "largest_win", "largest_loss"):
        assert figures[name] == pytest.approx(expected[name], abs=0.006), name
    assert summary["total_return"] == pytest.approx(expected["total_return"], abs=1e-9)
    assert summary["max_drawdown"] == pytest.approx(expected["max_drawdown"], rel=1e-6)
    assert summary["benchmark"]["total_return"] == pytest.approx(expected["benchmark_return"])
    assert summary["benchmark"]["correlation"] == pytest.approx(expected["correlation"])
    assert summary["yearly_returns"] == pytest.approx(expected["yearly"])
    return expected


def test_reference_run_figures_equal_an_independent_computation(
    spy2021_catalog: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = CONFIGS / "spy2021_weekly_put.yaml"
    argv = [str(config), "--catalog", str(spy2021_catalog), "--reports", str(tmp_path), "--json"]
    summary, err = _backtest(argv, capsys)
    assert "replaying" in err and "session" in err  # the progress bar, on stderr only
    run_dir = tmp_path / summary["run_id"]
    expected = _assert_report_matches(summary, run_dir)
    # 42 puts, 12 assigned: each assignment and its shares is one trade
    assert (summary["n_trades"], summary["n_legs"], summary["n_assigned"]) == (42, 42, 12)
    assert len(summary["trades"]) == 42
    assert sum(t["n_legs"] for t in summary["trades"]) == 54
    assert summary["realized_pnl"] == 30688.70  # the hand computation's total
    assert expected["win_rate"] == pytest.approx(40 / 42)
    assert (
        summary["run"]["config"]["strategies"][0]["config"]["exit_dte"] is None
    )  # defaults included
    assert summary["run"]["data_span"]["first_session"] == "2021-01-04"
    assert summary["run"]["versions"]["nautilus_trader"] == "1.231.0"
    assert (run_dir / "report.html").stat().st_size < 1_500_000


def test_quiet_run_with_overrides_and_no_data_warns(
    spy2021_catalog: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = CONFIGS / "spy2021_weekly_put.yaml"
    argv = ["backtest", str(config), "--catalog", str(spy2021_catalog), "--reports", str(tmp_path)]
    window = ["--start", "2021-03-01", "--end", "2021-03-31", "--quiet"]
    assert (
        main([*argv, *window, "--set", "strategy.dte_min=400", "--set", "strategy.dte_max=450"])
        == 0
    )
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "warning: the run made no trades (23 sessions of SPY replayed" in captured.err
    assert "replaying" not in captured.err
    assert captured.err.splitlines()[-1].startswith("spy2021_weekly_put: 0 trades")


@pytest.mark.slow
def test_ten_year_monthly_call_run_joins_assignments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    option_bars = sorted(
        shared_data_path("options_chains/polygon_dayaggs_monthly/SPY").glob("*.csv")
    )
    spy = shared_data_path("underlying_daily/yfinance_rjdabest/daily_SPY.csv")
    catalog = tmp_path / "catalog"
    ingest = ["--catalog", str(catalog), "--no-progress"]
    assert main(["ingest", "option-bars", *map(str, option_bars), *ingest]) == 0
    assert main(["ingest", "bars", str(spy), "--ticker", "SPY", *ingest]) == 0
    capsys.readouterr()
    config = CONFIGS / "spy_monthly_atm_call_2016_2025.yaml"
    argv = [str(config), "--catalog", str(catalog), "--reports", str(tmp_path), "--json"]
    summary, _ = _backtest(argv, capsys)
    _assert_report_matches(summary, tmp_path / summary["run_id"])
    figures = summary["figures"]
    assert summary["n_trades"] == 120
    assert summary["realized_pnl"] == -11942.00  # the ten-year reference, to the cent
    assert round(figures["win_rate"], 3) == 0.467
    assert round(figures["profit_factor"], 2) == 0.76
    assert figures["expectancy"] == -99.52
