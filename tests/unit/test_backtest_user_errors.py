"""`tradefly backtest` and `tradefly demo` refuse bad input in one line, non-zero exit."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from nautilus_trader.model.data import Bar
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.objects import Price, Quantity

from catalog.writer import write_to_catalog
from options.instruments import daily_bar_type, equity_id, make_equity, make_option_contract
from options.market_calendar import session_close_ns, sessions_between
from options.occ import format_occ, parse_occ
from tests.conftest import PROJECT_ROOT
from tradefly.cli import main

REFERENCE = PROJECT_ROOT / "configs" / "backtest" / "spy2021_weekly_put.yaml"


def _catalog_with_calls_only(root: Path) -> Path:
    """SPY calls and daily bars of every 2021 session (crafted, not vendor data)."""
    expirations = [dt.date(2021, 2, 19), dt.date(2021, 3, 19)]
    calls = [
        make_option_contract(parse_occ(format_occ("SPY", day, OptionKind.CALL, Decimal(380))))
        for day in expirations
    ]
    price, volume = Price.from_str("380.00"), Quantity.from_int(1_000_000)
    bars = [
        Bar(daily_bar_type(equity_id("SPY")), price, price, price, price, volume, ts, ts)
        for ts in map(
            session_close_ns, sessions_between(dt.date(2021, 1, 4), dt.date(2021, 12, 31))
        )
    ]
    write_to_catalog(root, [make_equity("SPY"), *calls, *bars])
    return root


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (None, "file not found"),
        ("data: [", "not valid YAML"),
        ("nam: x\n", "nam: unknown key"),
    ],
)
def test_demo_with_a_missing_or_bad_config_is_one_line_per_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str | None, problem: str
) -> None:
    config = tmp_path / "run.yaml"
    if text is not None:
        config.write_text(text)
    catalog = tmp_path / "demo_catalog"
    assert main(["demo", "--config", str(config), "--catalog", str(catalog)]) == 2
    err = capsys.readouterr().err
    assert problem in err
    assert all(line.startswith(f"error: {config}: ") for line in err.splitlines())
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
