from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT
from tradefly.backtest.config import load_run_config, strategy_config

BASE = "name: x\ndata: {underlying: SPY, start: 2021-01-04}\nvenue: {starting_balance: 1000}\n"


@pytest.mark.parametrize(
    ("strategy", "message"),
    [
        (
            "{target_delta: -0.5, dte_mn: 3}",
            r"strategy.dte_mn: unknown key \(did you mean dte_min\?\)",
        ),
        ("{target_delta: -0.5, stop_loss_multiple: 0.5}", "stop_loss_multiple was 0.5"),
        ("{target_delta: -0.5, target_moneyness: 1.0}", "exactly one of"),
        ("{target_delta: high}", "target_delta"),
        ("{target_delta: 0.5}", r"target_delta was 0.5 for a put; a put's delta is negative"),
        (
            "{option_kind: call, target_delta: -0.3}",
            r"target_delta was -0.3 for a call; a call's delta is positive",
        ),
    ],
)
def test_invalid_strategy_sections_name_the_field(
    tmp_path: Path, strategy: str, message: str
) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(BASE + f"strategy: {strategy}\n")
    with pytest.raises(ValueError, match=message):
        load_run_config(path)


def test_unknown_top_level_field_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(BASE + "strategy: {target_delta: -0.5}\nfill: bid\n")
    with pytest.raises(ValueError, match="fill: unknown key"):
        load_run_config(path)


@pytest.mark.parametrize(
    "name", sorted(p.name for p in (PROJECT_ROOT / "configs" / "backtest").glob("*.yaml"))
)
def test_shipped_configs_load(name: str) -> None:
    config = load_run_config(PROJECT_ROOT / "configs" / "backtest" / name)
    assert strategy_config(config).underlying == config.data.underlying


def test_replay_end_defaults_past_the_last_possible_expiry() -> None:
    config = load_run_config(PROJECT_ROOT / "configs" / "backtest" / "spy2021_weekly_put.yaml")
    assert config.replay_end().isoformat() == "2021-12-30"  # 2021-10-31 + 50 DTE + 10 days
