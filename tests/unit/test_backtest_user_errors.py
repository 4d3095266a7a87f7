"""`tradefly backtest` and `tradefly demo` refuse bad input in one line, non-zero exit."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from nautilus_trader.model.enums import OptionKind

from catalog.writer import write_to_catalog
from options.instruments import make_equity, make_option_contract
from options.occ import format_occ, parse_occ
from tests.conftest import PROJECT_ROOT
from tradefly.cli import main

REFERENCE = PROJECT_ROOT / "configs" / "backtest" / "spy2021_weekly_put.yaml"


def _catalog_with_calls_only(root: Path) -> Path:
    expirations = [dt.date(2021, 2, 19), dt.date(2021, 3, 19)]
    calls = [
        make_option_contract(parse_occ(format_occ("SPY", day, OptionKind.CALL, Decimal(380))))
        for day in expirations
    ]
    write_to_catalog(root, [make_equity("SPY"), *calls])
    return root


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (None, "file not found"),
        ("data: [", "not valid YAML"),
        ("nam: x\n", "nam: unknown key"),
    ],
)
def test_demo_with_a_missing_or_bad_config_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str | None, problem: str
) -> None:
    config = tmp_path / "run.yaml"
    if text is not None:
        config.write_text(text)
    catalog = tmp_path / "demo_catalog"
    assert main(["demo", "--config", str(config), "--catalog", str(catalog)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {config}: ") and problem in err
    assert err.count("\n") == 1
    assert not catalog.exists()  # refused before the demo market is generated


def test_calls_only_catalog_with_a_put_strategy_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = _catalog_with_calls_only(tmp_path / "catalog")
    argv = ["backtest", str(REFERENCE), "--catalog", str(catalog), "--reports", str(tmp_path)]
    assert main([*argv, "--quiet"]) == 1
    assert capsys.readouterr().err == (
        "error: the catalog has SPY calls but no puts, which the run trades "
        "(data.option_kinds: put); ingest SPY puts or change the config\n"
    )


def test_options_that_all_expired_before_the_start_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = _catalog_with_calls_only(tmp_path / "catalog")
    argv = ["backtest", str(REFERENCE), "--catalog", str(catalog), "--reports", str(tmp_path)]
    calls = ["--set", "data.option_kinds=[call]", "--set", "strategy.structure=short_call"]
    calls += ["--start", "2021-04-01"]
    assert main([*argv, *calls, "--quiet"]) == 1
    assert capsys.readouterr().err == (
        "error: no SPY calls in the catalog expire on or after 2021-04-01; "
        "ingest later chains or move data.start\n"
    )
