"""Paper or live from the app: disarm stops a live node's entries at once, arm (step-up) lets
them through again only on a node started armed, and a paper node can never be armed."""

from pathlib import Path

from fastapi.testclient import TestClient

from actors.risk_guard import RiskGuard, RiskGuardConfig
from adapters.tradier.node import with_component_field
from control.settings import ControlSettings
from risk.decision import Action
from risk.evaluator import RiskEvaluator
from risk.kill_switch import KillSwitchConfig
from risk.live_arming import PAPER_REFUSAL
from statestore import StateStore
from statestore.risk import RiskLedger
from tests.control.conftest import SAME_ORIGIN, Clock, Owner, login
from tests.control.test_control_audit import Recorder


def _guard(store: StateStore, live: bool) -> RiskGuard:
    config = RiskGuardConfig(interval_secs=1.0, kill_switch=KillSwitchConfig(), live_armed=live)
    guard = RiskGuard(config)
    ledger = RiskLedger(store)
    guard._evaluator = RiskEvaluator(guard._rules, ledger, Recorder(), guard._apply_command)
    return guard


def test_disarm_blocks_a_live_nodes_entries_until_armed_across_a_restart(tmp_path: Path) -> None:
    with StateStore(tmp_path / "node.sqlite") as store:
        guard = _guard(store, live=True)
        ledger = guard.evaluator.ledger
        assert guard.evaluator.update(1, 100_000.0).action == Action.ALLOW
        ledger.add_command("disarm_live", 2)
        decision = guard.evaluator.update(3, 100_000.0)
        assert decision.action == Action.BLOCK and decision.rule == "live_arming"
        assert decision.reason.startswith("live trading disarmed by the owner")
    with StateStore(tmp_path / "node.sqlite") as store:  # restarted (still --arm-live)
        guard = _guard(store, live=True)
        assert guard.evaluator.update(4, 100_000.0).action == Action.BLOCK
        guard.evaluator.ledger.add_command("arm_live", 5)
        assert guard.evaluator.update(6, 100_000.0).action == Action.ALLOW
        outcomes = [c.outcome for c in guard.evaluator.ledger.commands()]
        assert outcomes == ["applied to live_arming", "applied to live_arming"]


def test_a_paper_node_refuses_both_and_keeps_trading_paper() -> None:
    with StateStore(":memory:") as store:
        guard = _guard(store, live=False)
        ledger = guard.evaluator.ledger
        ledger.add_command("disarm_live", 1)
        ledger.add_command("arm_live", 2)
        assert guard.evaluator.update(3, 100_000.0).action == Action.ALLOW
        assert [c.outcome for c in ledger.commands()] == [PAPER_REFUSAL, PAPER_REFUSAL]


def test_the_live_node_sets_live_armed_over_the_config_files_value() -> None:
    guard = {
        "actor_path": "actors.risk_guard:RiskGuard",
        "config_path": "actors.risk_guard:RiskGuardConfig",
        "config": {"underlying": "SPY", "live_armed": True},  # a sandbox config claiming it
    }
    raw = {"actors": [guard], "strategies": []}
    wired = with_component_field(raw, "live_armed", False, overwrite=True)
    assert wired["actors"][0]["config"]["live_armed"] is False


def test_the_dashboard_shows_paper_or_live_and_disarm_needs_no_code(
    client: TestClient, owner: Owner, clock: Clock, settings: ControlSettings
) -> None:
    login(client, owner)
    assert '<div class="value" id="trading-mode">not known</div>' in client.get("/").text
    with StateStore(settings.store) as store:
        store.set_status("environment", "live", clock.ns)
    assert '<div class="value" id="trading-mode">live, armed</div>' in client.get("/").text
    clock.advance(settings.stepup_window_s + 1)
    sent = client.post(
        "/actions/disarm-live", data={"confirm": "yes"}, headers=SAME_ORIGIN, follow_redirects=False
    )
    assert sent.status_code == 303
    refused = client.post("/actions/arm-live", data={"confirm": "yes"}, headers=SAME_ORIGIN)
    assert refused.status_code == 403 and "step-up required" in refused.text
    with StateStore(settings.store) as store:  # the node applies the disarm
        guard = _guard(store, live=True)
        assert guard.evaluator.update(clock.ns, 100_000.0).action == Action.BLOCK
    page = client.get("/").text
    assert '<div class="value bad" id="trading-mode">live, disarmed: no new entries</div>' in page
    with StateStore(settings.store) as store:
        store.set_status("environment", "paper", clock.ns)
    assert '<div class="value" id="trading-mode">paper</div>' in client.get("/").text
