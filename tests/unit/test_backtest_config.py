from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT
from tradefly.backtest.config import load_run_config

BASE = "name: x\ndata: {start: 2021-01-04}\nvenue: {starting_balance: 1000}\n"
PATHS = (
    "strategy_path: strategies.short_option:ShortOptionStrategy, "
    "config_path: strategies.short_option:ShortOptionConfig"
)


def _strategy(fields: str) -> str:
    return f"  - {{{PATHS}, config: {{underlying: SPY, entry_end: 2021-10-31, {fields}}}}}\n"


@pytest.mark.parametrize(
    ("strategy", "message"),
    [
        (
            "target_delta: -0.5, dte_mn: 3",
            r"strategies\[0\].config.dte_mn: unknown key \(did you mean dte_min\?\)",
        ),
        ("target_delta: -0.5, stop_loss_multiple: 0.5", "stop_loss_multiple was 0.5"),
        ("target_delta: -0.5, target_moneyness: 1.0", "exactly one of"),
        ("target_delta: high", r"strategies\[0\].config.target_delta"),
        ("target_delta: 0.5", r"target_delta was 0.5 for a put; a put's delta is negative"),
        (
            "option_kind: call, target_delta: -0.3",
            r"target_delta was -0.3 for a call; a call's delta is positive",
        ),
    ],
)
def test_invalid_strategy_sections_name_the_field(
    tmp_path: Path, strategy: str, message: str
) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(BASE + "strategies:\n" + _strategy(strategy))
    with pytest.raises(ValueError, match=message):
        load_run_config(path)


def test_unknown_top_level_field_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(BASE + "strategies:\n" + _strategy("target_delta: -0.5") + "fill: bid\n")
    with pytest.raises(ValueError, match="fill: unknown key"):
        load_run_config(path)


@pytest.mark.parametrize(
    "name", sorted(p.name for p in (PROJECT_ROOT / "configs" / "backtest").glob("*.yaml"))
)
def test_shipped_configs_load_and_build(name: str) -> None:
    config = load_run_config(PROJECT_ROOT / "configs" / "backtest" / name)
    strategies = config.build_strategies()
    assert [s.config.underlying for s in strategies] == config.underlyings()  # type: ignore[attr-defined]
    assert len(config.build_actors()) == len(config.actors)


def test_replay_end_defaults_past_the_last_possible_expiry() -> None:
    config = load_run_config(PROJECT_ROOT / "configs" / "backtest" / "spy2021_weekly_put.yaml")
    assert config.replay_end().isoformat() == "2021-12-30"  # 2021-10-31 + 50 DTE + 10 days


def test_several_strategies_on_several_underlyings(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    qqq = _strategy("target_delta: -0.3, dte_max: 60, order_id_tag: QQQ").replace("SPY", "QQQ")
    path.write_text(BASE + "strategies:\n" + _strategy("target_delta: -0.5") + qqq)
    config = load_run_config(path)
    assert config.underlyings() == ["SPY", "QQQ"]  # the first is the benchmark
    assert config.replay_end().isoformat() == "2022-01-09"  # the later: QQQ, 2021-10-31 + 60 + 10
    assert [s.id.value for s in config.build_strategies()] == [
        "ShortOptionStrategy-None",
        "ShortOptionStrategy-QQQ",
    ]


def test_data_underlyings_names_the_replayed_tickers(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    text = BASE.replace("{start:", "{underlyings: [iwm, SPY], start:")
    path.write_text(text + "strategies:\n" + _strategy("target_delta: -0.5"))
    assert load_run_config(path).underlyings() == ["IWM", "SPY"]


def test_a_run_without_an_end_or_entry_end_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(
        BASE + f"strategies:\n  - {{{PATHS}, config: {{underlying: SPY, target_delta: -0.5}}}}\n"
    )
    with pytest.raises(ValueError, match=r"data\.end: not set, and no strategy.s config has an"):
        load_run_config(path)
