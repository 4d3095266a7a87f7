"""``tradefly sweep`` one by one on the real 2021 SPY data, and its grid errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from configfile.fields import ConfigError
from tradefly.cli import main
from tradefly.sweep import parse_grid

REFERENCE = Path(__file__).resolve().parents[3] / "configs" / "backtest" / "spy2021_weekly_put.yaml"


def test_a_serial_sweep_prints_one_row_per_run_with_a_monte_carlo(
    spy2021_catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = spy2021_catalog
    capsys.readouterr()
    argv = ["sweep", str(REFERENCE), "--grid", "strategy.quantity=1,2", "--end", "2021-02-26"]
    code = main([*argv, "--catalog", str(catalog), "--serial", "--json", "--monte-carlo", "1000"])
    rows = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [r["strategy.quantity"] for r in rows] == ["1", "2"]
    one, two = rows
    assert two["n_trades"] == one["n_trades"] > 0
    assert two["realized_pnl"] == pytest.approx(2 * one["realized_pnl"], abs=0.011)
    for row in rows:
        assert row["mc_final_p5"] <= row["mc_final_p50"] <= row["mc_final_p95"]
        assert 0.0 <= row["mc_max_dd_p95"] < 1.0


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        (["strategy.quantity"], "expected KEY=V1,V2,..., got 'strategy.quantity'"),
        (["strategy.quantity="], "expected KEY=V1,V2"),
        (["a=1", "a=2"], "a given twice"),
    ],
)
def test_a_bad_grid_is_one_line(grid: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as error:
        parse_grid(REFERENCE, grid)
    assert len(error.value.lines) == 1 and error.value.lines[0].startswith(str(REFERENCE))


def test_the_reference_combination_equals_the_reference_run(
    spy2021_catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    argv = [
        "sweep",
        str(REFERENCE),
        "--grid",
        "strategy.dte_max=50",
        "--grid",
        "venue.commission_per_contract=0.65",
    ]
    assert main([*argv, "--catalog", str(spy2021_catalog), "--serial", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["n_trades"], row["realized_pnl"], row["ending_balance"]) == (
        42,
        30688.70,
        1030688.70,
    )
