"""Configs with the risk guard (backtest actors list, live store), the cache gate and the CLI."""

from pathlib import Path

import pytest
from nautilus_trader.cache.cache import Cache

from actors.risk_guard import RiskGuard, RiskGuardConfig
from adapters.tradier.node import with_state_store
from risk import ALLOW, RISK_CACHE_KEY, Action, RiskDecision, current_decision
from risk.notify import LoggingNotifier
from statestore import StateStore
from statestore.risk import RiskLedger
from tests.conftest import PROJECT_ROOT
from tradefly.backtest.config import load_run_config
from tradefly.cli import main

BASE = (
    "name: x\ndata: {start: 2021-01-04, end: 2021-02-01}\nvenue: {starting_balance: 1000}\n"
    "strategies:\n  - strategy_path: strategies.structure_engine:StructureEngine\n"
    "    config_path: strategies.structure_engine:StructureEngineConfig\n"
    "    config: {underlying: SPY, structure: short_put}\n"
)
GUARD = (
    "actors:\n  - actor_path: actors.risk_guard:RiskGuard\n"
    "    config_path: actors.risk_guard:RiskGuardConfig\n"
)


def test_a_backtest_config_builds_its_actors_as_a_live_config_does(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    guard = "    config: {underlying: SPY, daily_loss: {max_loss_fraction: 0.05}}\n"
    path.write_text(BASE + GUARD + guard)
    actors = load_run_config(path).build_actors()
    assert len(actors) == 1
    assert isinstance(actors[0], RiskGuard)
    assert actors[0].config.underlying == "SPY"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("{daily_los: {max_loss_fraction: 0.05}}", r"actors\[0\].config.daily_los: unknown key"),
        ("{daily_loss: {max_loss_fraction: 2}}", r"daily_loss.max_loss_fraction was 2"),
        (
            "{drawdown: {tiers: [{drawdown: 0.1, action: panic}]}}",
            r"actors\[0\].config.drawdown.tiers\[0\].action",
        ),
        ("{underlying: SPY}", r"actors\[0\].config: no risk rule configured"),
        ("{daily_loss: {max_loss_fraction: 0.05}}", r"actors\[0\].config: .*underlying"),
    ],
)
def test_a_bad_guard_config_is_one_line_naming_the_field(
    tmp_path: Path, config: str, message: str
) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(BASE + GUARD + f"    config: {config}\n")
    with pytest.raises(ValueError, match=message) as caught:
        load_run_config(path)
    assert "\n" not in str(caught.value).strip()


def test_an_unknown_actor_entry_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(BASE + GUARD + "    confg: {}\n")
    with pytest.raises(ValueError, match=r"actors\[0\].confg: unknown key"):
        load_run_config(path)


def test_the_live_node_passes_its_store_to_the_guard() -> None:
    raw = {
        "actors": [
            {
                "actor_path": "actors.risk_guard:RiskGuard",
                "config_path": "actors.risk_guard:RiskGuardConfig",
                "config": {"underlying": "SPY"},
            }
        ],
        "strategies": [],
    }
    assert with_state_store(raw, "/s.sqlite")["actors"][0]["config"]["state_store"] == "/s.sqlite"


def test_the_sandbox_config_validates_with_its_guard_example_uncommented(tmp_path: Path) -> None:
    text = (PROJECT_ROOT / "configs" / "live" / "tradier_sandbox.yaml").read_text()
    head, example = text.split("# actors:")
    lines = ("actors:" + example).splitlines()
    uncommented = "\n".join(line[2:] if line.startswith("# ") else line for line in lines)
    path = tmp_path / "live.yaml"
    path.write_text(head + uncommented + "\n")
    assert main(["check", str(path)]) == 0


def test_no_guard_means_allow_and_the_cache_holds_the_guards_decision() -> None:
    cache = Cache()
    assert current_decision(cache) == ALLOW
    decision = RiskDecision(Action.REDUCE, 0.5, "drawdown tier 15%", "drawdown")
    cache.add(RISK_CACHE_KEY, decision.to_bytes())
    assert current_decision(cache) == decision


def test_a_guard_needs_a_trigger_and_a_rule() -> None:
    with pytest.raises(ValueError, match="underlying"):
        RiskGuard(RiskGuardConfig(kill_switch=None))
    with pytest.raises(ValueError, match="no risk rule"):
        RiskGuard(RiskGuardConfig(interval_secs=60.0))


def test_risk_cli_writes_owner_commands_and_shows_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "state.sqlite"
    StateStore(store).close()
    assert main(["risk", "reset", "--store", str(store), "--rule", "drawdown"]) == 0
    assert main(["risk", "kill-switch", "on", "--store", str(store)]) == 0
    with StateStore(store) as opened:
        commands = RiskLedger(opened).commands(pending_only=True)
    assert [(c.command, c.rule) for c in commands] == [
        ("reset", "drawdown"),
        ("kill_switch_on", None),
    ]
    capsys.readouterr()
    assert main(["risk", "status", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "pending owner commands: 2" in out
    assert "#2 kill_switch_on" in out


def test_risk_cli_refuses_a_missing_store_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.sqlite"
    assert main(["risk", "reset", "--store", str(missing)]) == 2
    assert capsys.readouterr().err == f"error: {missing}: no such state store\n"
    assert not missing.exists()


def test_the_logging_notifier_writes_one_line_per_notification() -> None:
    lines: list[str] = []
    LoggingNotifier(lines.append).notify("equity milestone 2x", "equity 20,100.00")
    assert lines == ["equity milestone 2x: equity 20,100.00"]
