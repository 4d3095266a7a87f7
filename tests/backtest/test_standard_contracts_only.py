"""The structure engine trades standard contracts only (100 shares, multiplier 100).

Its strike and delta rules, sizing, cash reserve and marks count 100 shares of the
underlying per contract, so an adjusted contract (``XYZ1`` delivering 150 shares after a
3-for-2 split) or a mini (``AAPL7``, 10 shares) is never chosen. Synthetic files (no file in
../shared/data holds an adjusted root), in the layouts the ingest reads:
``fixtures/polygon_dayaggs_synthetic_XYZ1_adjusted_2021-07.csv`` (the XYZ1 2021-07-16 60 and
55 puts, 150 shares each by ``fixtures/deliverables_synthetic_XYZ1.csv``) and
``fixtures/polygon_dayaggs_synthetic_XYZ_standard_2021-07.csv`` (the standard XYZ 2021-07-16
60 put, 100 shares), with the XYZ daily bars (close 40.40 on 2021-07-01).

The engine sells one put struck nearest 1.5 × 40.40 = 60.60 on 2021-07-01: the 60.
"""

import csv
import os
import subprocess
import sys
from pathlib import Path

from tests.backtest.test_adjusted_deliverable import BARS, OPTIONS, TABLE
from tests.conftest import PROJECT_ROOT
from tradefly.cli import main

STANDARD = Path(__file__).parent / "fixtures" / "polygon_dayaggs_synthetic_XYZ_standard_2021-07.csv"


def _backtest(tmp_path: Path, *option_files: Path) -> tuple[str, list[dict[str, str]]]:
    """Ingest `option_files`, run the short put, return the log and ``trades.csv``'s rows."""
    catalog = tmp_path / "catalog"
    ingest = ["ingest", "option-bars", *map(str, option_files), "--bars", str(BARS)]
    assert (
        main(
            [
                *ingest,
                "--ticker",
                "XYZ",
                "--deliverables",
                str(TABLE),
                "--catalog",
                str(catalog),
                "--no-progress",
            ]
        )
        == 0
    )
    config = tmp_path / "xyz.yaml"
    config.write_text(
        "name: xyz_short_put\n"
        "data: {start: 2021-07-01, end: 2021-07-20, option_kinds: [put],\n"
        "       fill_model: trade_close_half_spread, half_spread: 0.05}\n"
        "venue: {starting_balance: 100000}\n"
        "strategies:\n"
        "  - strategy_path: strategies.structure_engine:StructureEngine\n"
        "    config_path: strategies.structure_engine:StructureEngineConfig\n"
        "    config: {underlying: XYZ, structure: short_put,\n"
        "             structure_params: {strike: {moneyness: 1.5}}, quantity: 1,\n"
        "             entry_schedule: daily, dte_min: 10, dte_max: 20,\n"
        "             entry_start: 2021-07-01, entry_end: 2021-07-01}\n"
    )
    reports = tmp_path / "reports"
    argv = ["backtest", str(config), "--catalog", str(catalog), "--reports", str(reports)]
    # A separate process, as a user runs it: the engine's log goes to its stdout.
    run = subprocess.run(
        [sys.executable, "-m", "tradefly.cli", *argv, "--quiet", "--log-level", "INFO"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    assert run.returncode == 0, run.stderr
    [trades] = reports.rglob("trades.csv")
    with trades.open(newline="") as handle:
        return run.stdout + run.stderr, list(csv.DictReader(handle))


def test_the_standard_contract_is_traded_not_the_adjusted_one_at_its_strike(
    tmp_path: Path,
) -> None:
    _, trades = _backtest(tmp_path, OPTIONS, STANDARD)
    # The XYZ 60 put (100 shares) sold at 19.70 - 0.05 = 19.65: a credit of 1,965.00. XYZ
    # closes at 39.00 on 2021-07-16: 100 shares bought for 6,000.00, sold on 2021-07-19 at
    # 39.50 (3,950.00): 1,965.00 - 6,000.00 + 3,950.00 - 0.65 = -85.65.
    assert [(t["symbols"], t["exit_reason"], t["quantity"]) for t in trades] == [
        ("XYZ210716P00060000 XYZ", "assigned", "1")
    ]
    assert (float(trades[0]["credit"]), float(trades[0]["pnl"])) == (1965.0, -85.65)


def test_with_only_adjusted_contracts_there_is_no_entry_and_the_log_says_why(
    tmp_path: Path,
) -> None:
    log, trades = _backtest(tmp_path, OPTIONS)
    assert trades == []
    [line] = [line for line in log.splitlines() if "2021-07-01: no entry" in line]
    assert (
        "; 2 quoted contracts left out: deliverable not 100 shares of the underlying with "
        "multiplier 100 (adjusted or mini contracts are never traded))"
    ) in line
