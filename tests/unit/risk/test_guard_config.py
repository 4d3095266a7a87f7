"""Run configs with the pre-trade checks and performance gates: built, or refused in one line."""

from pathlib import Path

import pytest

from actors.risk_guard import RiskGuard
from risk.performance import PerformanceGate
from tests.unit.risk.test_wiring import BASE, GUARD
from tradefly.backtest.config import load_run_config


def test_a_guard_with_entry_checks_only_builds(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(
        BASE
        + GUARD
        + "    config: {underlying: SPY, entry: {sizing: {max_concurrent_trades: 2}, stress: "
        + "{max_loss_fraction: 0.1}}, performance: {min_win_rate: 0.5}}\n"
    )
    (actor,) = load_run_config(path).build_actors()
    assert isinstance(actor, RiskGuard)
    assert actor.config.entry is not None
    assert actor.config.entry.stress is not None
    assert actor.config.entry.stress.moves == [-0.2, -0.1, -0.05, 0.0, 0.05, 0.1, 0.2]
    assert any(isinstance(rule, PerformanceGate) for rule in actor._rules)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            "{entry: {sizng: {}}}",
            r"actors\[0\]\.config\.entry: object contains unknown field `sizng`",
        ),
        ("{entry: {sizing: {risk_per_trade: 2}}}", r"sizing\.risk_per_trade was 2"),
        ("{entry: {stress: {max_loss_fraction: 0}}}", r"stress\.max_loss_fraction was 0"),
        ("{entry: {trading_window: {end: '4pm'}}}", r"trading_window\.end was '4pm'"),
        ("{entry: {order_rate: {max_orders: 0}}}", r"order_rate\.max_orders was 0"),
        ("{performance: {factor: 1.5}}", r"performance\.factor was 1\.5"),
        ("{kill_switch: {max_rejects: 0}}", r"kill_switch\.max_rejects was 0"),
    ],
)
def test_a_bad_check_config_is_one_line_naming_the_field(
    tmp_path: Path, config: str, message: str
) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(BASE + GUARD + f"    config: {{underlying: SPY, {config[1:]}\n")
    with pytest.raises(ValueError, match=message) as caught:
        load_run_config(path)
    assert "\n" not in str(caught.value).strip()
