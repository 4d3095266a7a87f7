"""Ctrl-C during ``tradefly backtest`` or ``tradefly ingest``: exit 130, one ``interrupted``
line, no traceback."""

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from catalog.demo_market import write_demo_catalog
from tests.conftest import PROJECT_ROOT, shared_data_path
from tradefly.cli import main

DEMO_CONFIG = PROJECT_ROOT / "configs" / "backtest" / "demo_put_spread.yaml"


def test_ctrl_c_during_a_backtest_exits_130_without_a_traceback(tmp_path: Path) -> None:
    catalog = tmp_path / "demo"
    write_demo_catalog(catalog, seed=7, start=dt.date(2023, 3, 1), end=dt.date(2023, 5, 31))
    argv = ["backtest", str(DEMO_CONFIG), "--catalog", str(catalog), "--log-level", "INFO"]
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "tradefly"), *argv, "--reports", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "NO_COLOR": "1"},
    )
    assert process.stdout is not None
    for line in process.stdout:
        if "OrderFilled" in line:  # the engine is replaying
            process.send_signal(signal.SIGINT)
            break
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert err.endswith("interrupted\n")
    assert not list(tmp_path.glob("demo_put_spread-*"))  # no report of a partial run


def test_an_interrupted_demo_generation_is_redone_on_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(catalog_dir: Path, **_: object) -> None:
        catalog_dir.mkdir(parents=True)
        (catalog_dir / "half-written").touch()
        raise KeyboardInterrupt

    monkeypatch.setattr("catalog.demo_market.write_demo_catalog", interrupted)
    catalog = tmp_path / "demo"
    argv = ["demo", "--catalog", str(catalog), "--reports", str(tmp_path / "reports")]
    assert main(argv) == 130
    assert capsys.readouterr().err.endswith("interrupted\n")
    assert not catalog.exists()  # the next run generates again instead of refusing the folder


def test_ctrl_c_during_an_ingest_exits_130_and_writes_nothing(tmp_path: Path) -> None:
    files = sorted(
        str(
            shared_data_path(
                f"options_chains/polygon_dayaggs_monthly/SPY/{year}_options_pessimistic.csv"
            )
        )
        for year in range(2016, 2026)
    )
    catalog = tmp_path / "catalog"
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "tradefly"), "ingest", "option-bars", *files],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "TRADEFLY_CATALOG": str(catalog)},
    )
    assert process.stderr is not None
    seen = b""
    while b"rows/s" not in seen:  # the progress bar: the files are being read
        chunk = process.stderr.read(1)
        assert chunk, seen
        seen += chunk
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=120)
    err = (seen + rest).decode()
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert err.endswith("interrupted\n")
    assert not catalog.exists()
