"""``tradefly`` top level: user errors are one line and exit 2, Ctrl-C exits 130, a closed stdout
exits 141 quietly, bugs keep their traceback."""

import argparse
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pytest

from tests.conftest import PROJECT_ROOT
from tradefly.cli import main


def _raising(error: BaseException) -> Callable[[argparse.Namespace], NoReturn]:
    def handler(args: argparse.Namespace) -> NoReturn:
        raise error

    return handler


def test_ctrl_c_prints_one_line_and_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("tradefly.backtest.cli._backtest", _raising(KeyboardInterrupt()))
    assert main(["backtest", "x.yaml"]) == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_a_missing_file_prints_one_line_naming_it_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    error = FileNotFoundError(2, "No such file or directory", "data/x.csv")
    monkeypatch.setattr("tradefly.backtest.cli._backtest", _raising(error))
    assert main(["backtest", "x.yaml"]) == 2
    assert capsys.readouterr().err == "error: data/x.csv: No such file or directory\n"


@pytest.mark.parametrize(
    "error", [ValueError("a bug"), RuntimeError("a bug"), OSError("no file named")]
)
def test_other_errors_keep_their_traceback(
    monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    monkeypatch.setattr("tradefly.backtest.cli._backtest", _raising(error))
    with pytest.raises(type(error), match=r"a bug|no file named"):
        main(["backtest", "x.yaml"])


def test_stdout_closed_early_exits_141_without_a_word(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("tradefly.backtest.cli._backtest", _raising(BrokenPipeError(32, "pipe")))
    assert main(["backtest", "x.yaml"]) == 141
    assert capsys.readouterr() == ("", "")


def test_a_reader_gone_before_the_output_is_not_a_traceback(tmp_path: Path) -> None:
    # `tradefly check ... | head -c 0`, made deterministic: the pipe's read end is closed first.
    read_end, write_end = os.pipe()
    os.close(read_end)
    config = PROJECT_ROOT / "configs" / "backtest" / "demo_put_spread.yaml"
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tradefly.cli", "check", str(config)],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
            check=False,
        )
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (141, "")
