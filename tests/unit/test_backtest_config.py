from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT
from tradefly.backtest.config import load_run_config

BASE = "name: x\ndata: {start: 2021-01-04}\nvenue: {starting_balance: 1000}\n"
PATHS = (
    "strategy_path: strategies.structure_engine:StructureEngine, "
    "config_path: strategies.structure_engine:StructureEngineConfig"
)


def _strategy(fields: str) -> str:
    return f"  - {{{PATHS}, config: {{underlying: SPY, entry_end: 2021-10-31, {fields}}}}}\n"


@pytest.mark.parametrize(
    ("strategy", "message"),
    [
        (
            "structure: short_put, dte_mn: 3",
            r"strategies\[0\].config.dte_mn: unknown key \(did you mean dte_min\?\)",
        ),
        ("structure: short_put, stop_loss_multiple: 0.5", "stop_loss_multiple was 0.5"),
        ("structure: straddle", r"structure was 'straddle', not one of \['bear_"),
        (
            "structure: short_put, structure_params: {delta: high}",
            r"structure_params of short_put: StrikeByDelta.delta must be .* got 'high'",
        ),
        (
            "structure: iron_condor, structure_params: {wings: 3}",
            r"structure_params of iron_condor: .*unexpected keyword argument 'wings'",
        ),
        (
            "choices: [{structure: covered_call}]",
            r"'covered_call' buys its shares: trade it as the only structure",
        ),
        ("structure: covered_call, roll_dte: 7", "roll fields: covered_call is not rolled"),
        (
            "structure: cash_secured_put, assigned_shares: hold, wheel: {call_dte_mn: 3}",
            "wheel: object contains unknown field `call_dte_mn`",
        ),
        ("structure: calendar, expiration_choice: nearest", "needs a single-expiration"),
        ("structure: short_put, max_spread: 0", "max_spread was 0"),
        (
            "structure: short_put, choices: [{structure: long_put}]",
            "exactly one of structure and choices must be set",
        ),
        ("choices: [{structure: condor}]", r"choices\[0\]: structure was 'condor'"),
        ("structure: short_put, entry_times: ['9:45pm']", "entry_times: '9:45pm' is not HH:MM"),
        ("structure: short_put, entry_times: ['09:30']", "'09:30' is not after 09:30"),
        ("structure: short_put, entry_times: ['16:01']", "and at most 16:00"),
        ("structure: short_put, min_volume: -5", "min_volume was -5, not >= 0"),
        ("structure: short_put, min_open_interest: -1", "min_open_interest was -1, not >= 0"),
        ("structure: short_put, risk_fraction: 1.5", r"risk_fraction was 1.5, not in \(0, 1\]"),
        ("structure: short_put, risk_fraction: 0", r"risk_fraction was 0.0, not in \(0, 1\]"),
        (
            "structure: ratio_spread, structure_params: {kind: call}, risk_fraction: 0.02",
            "risk_fraction cannot size ratio_spread: its loss is unbounded",
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
    path.write_text(BASE + "strategies:\n" + _strategy("structure: short_put") + "fill: bid\n")
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
    qqq = _strategy("structure: short_put, dte_max: 60, order_id_tag: QQQ").replace("SPY", "QQQ")
    path.write_text(BASE + "strategies:\n" + _strategy("structure: short_put") + qqq)
    config = load_run_config(path)
    assert config.underlyings() == ["SPY", "QQQ"]  # the first is the benchmark
    assert config.replay_end().isoformat() == "2022-01-09"  # the later: QQQ, 2021-10-31 + 60 + 10
    assert [s.id.value for s in config.build_strategies()] == [
        "StructureEngine-None",
        "StructureEngine-QQQ",
    ]


def test_data_underlyings_names_the_replayed_tickers(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    text = BASE.replace("{start:", "{underlyings: [iwm, SPY], start:")
    path.write_text(text + "strategies:\n" + _strategy("structure: short_put"))
    assert load_run_config(path).underlyings() == ["IWM", "SPY"]


def test_a_run_without_an_end_or_entry_end_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(
        BASE + f"strategies:\n  - {{{PATHS}, config: {{underlying: SPY, structure: short_put}}}}\n"
    )
    with pytest.raises(ValueError, match=r"data\.end: not set, and no strategy.s config has an"):
        load_run_config(path)


@pytest.mark.parametrize(
    ("fields", "reach"),
    [
        ("structure: short_put, dte_max: 50", 50),
        # a calendar's back window beyond dte_max: the engine can open it, so it is read
        ("structure: calendar, structure_params: {kind: put, front: [20, 30], back: [60, 70]}", 70),
        (
            "structure: cash_secured_put, assigned_shares: hold, dte_max: 40, "
            "wheel: {call_dte_min: 30, call_dte_max: 60}",
            60,
        ),
    ],
)
def test_reach_days_covers_every_window_the_engine_can_open(
    tmp_path: Path, fields: str, reach: int
) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(BASE + "strategies:\n" + _strategy(fields), encoding="utf-8")
    assert load_run_config(path).reach_days() == reach
