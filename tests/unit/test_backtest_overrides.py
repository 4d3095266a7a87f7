"""Command-line changes to a run config and the backtest command's one-line refusals."""

import datetime as dt
from pathlib import Path

import pytest

from configfile.fields import ConfigError
from tests.conftest import PROJECT_ROOT
from tradefly.backtest.config import load_run_config
from tradefly.backtest.overrides import apply_overrides
from tradefly.cli import main

REFERENCE = PROJECT_ROOT / "configs" / "backtest" / "spy2021_weekly_put.yaml"


def test_set_start_and_end_change_the_run():
    config = apply_overrides(
        load_run_config(REFERENCE),
        REFERENCE,
        ["strategy.quantity=3", "venue.starting_balance=50000", "data.half_spread=0.1"],
        start=dt.date(2021, 3, 1),
        end=dt.date(2021, 6, 30),
    )
    strategy = config.strategies[0].config
    assert strategy["quantity"] == 3
    assert config.venue.starting_balance == 50_000.0
    assert config.data.half_spread == 0.1
    assert (config.data.start, config.data.end) == (dt.date(2021, 3, 1), dt.date(2021, 6, 30))
    assert strategy["entry_start"] == "2021-03-01"
    assert strategy["entry_end"] == "2021-05-11"  # 50 days (dte_max) before the end


def test_set_names_one_of_several_strategies(tmp_path: Path):
    text = REFERENCE.read_text(encoding="utf-8")
    second = text[text.index("  - strategy_path:") :].replace("quantity: 1", "quantity: 2")
    path = tmp_path / "two.yaml"
    path.write_text(text + second.replace("    config:\n", "    config:\n      order_id_tag: B\n"))
    config = apply_overrides(load_run_config(path), path, ["strategies[1].config.quantity=3"])
    assert [e.config["quantity"] for e in config.strategies] == [1, 3]
    with pytest.raises(ConfigError, match=r"the run has 2 strategies; name one"):
        apply_overrides(config, path, ["strategy.quantity=3"])


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("strategy.quantity", r"--set 'strategy.quantity': expected section.field=value"),
        ("strategy.dte_mn=3", r"--set strategy.dte_mn: unknown key"),
        ("strategies[1].config.dte_min=3", r"--set strategies\[1\].config.dte_min: unknown key"),
        ("venue.fee=1", r"--set venue.fee: unknown key"),
        ("strategy.structure=straddle", r"structure was 'straddle', not one of"),
        ("venue.starting_balance=lots", r"--set: .*starting_balance"),
    ],
)
def test_bad_assignments_are_one_line_naming_the_key(assignment: str, message: str):
    with pytest.raises(ConfigError, match=message) as raised:
        apply_overrides(load_run_config(REFERENCE), REFERENCE, [assignment])
    assert len(raised.value.lines) == 1
    assert raised.value.lines[0].startswith(f"{REFERENCE}: ")


def test_set_error_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    argv = ["backtest", str(REFERENCE), "--catalog", str(tmp_path), "--set", "venue.fee=1"]
    assert main(argv) == 2
    assert capsys.readouterr().err == f"error: {REFERENCE}: --set venue.fee: unknown key\n"


def test_log_level_lists_its_values(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exited:
        main(["backtest", str(REFERENCE), "--log-level", "VERBOSE"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert (
        "invalid choice: 'VERBOSE' (choose from 'OFF', 'ERROR', 'WARNING', 'INFO', 'DEBUG')" in err
    )
    assert "Traceback" not in err


def test_version(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == "tradefly 0.1.0 (nautilus_trader 1.231.0)\n"


def test_unwritable_reports_folder_is_refused_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    blocker = tmp_path / "file"
    blocker.write_text("")
    argv = ["backtest", str(REFERENCE), "--catalog", str(tmp_path), "--reports", str(blocker / "r")]
    assert main(argv) == 2
    assert capsys.readouterr().err == f"error: reports folder {blocker / 'r'}: Not a directory\n"
