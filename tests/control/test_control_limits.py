"""Risk limits from the app: lowering needs no step-up, raising does; the guard applies the
change at its next evaluation, keeps it across a restart, and audits old and new values."""

import datetime as dt
from pathlib import Path

import msgspec
import pytest
from fastapi.testclient import TestClient

from actors.risk_guard import RiskGuard, RiskGuardConfig
from control.settings import ControlSettings
from risk.daily_loss import DailyLossCapConfig
from risk.decision import Action
from risk.drawdown import DrawdownTiersConfig
from risk.entry_sizing import EntrySizingConfig
from risk.gate import pretrade_config
from risk.limits import LimitChange, current_limits, with_limit
from risk.pretrade import PreTradeConfig
from statestore import StateStore
from statestore.audit import AuditLog
from statestore.risk import RiskLedger
from tests.control.conftest import SAME_ORIGIN, Clock, Owner, login
from tests.unit.risk.test_guard_actor import _engine

T0 = int(dt.datetime(2026, 12, 7, 15, tzinfo=dt.UTC).timestamp() * 1e9)
MINUTE = 60 * 1_000_000_000
CONFIG = RiskGuardConfig(
    interval_secs=60,
    daily_loss=DailyLossCapConfig(max_loss_fraction=0.05),
    drawdown=DrawdownTiersConfig(),
    entry=PreTradeConfig(sizing=EntrySizingConfig(max_concurrent_trades=2)),
)
SECTIONS = {"daily_loss": CONFIG.daily_loss, "drawdown": CONFIG.drawdown, "entry": CONFIG.entry}


def test_the_changeable_limits_and_their_checks() -> None:
    assert current_limits(SECTIONS) == {
        "daily_loss.max_loss_fraction": 0.05,
        "drawdown.tiers.0.drawdown": 0.10,
        "drawdown.tiers.1.drawdown": 0.15,
        "drawdown.tiers.2.drawdown": 0.25,
        "entry.sizing.max_concurrent_trades": 2.0,
    }
    name, section = with_limit(SECTIONS, "drawdown.tiers.2.drawdown", 0.30)
    assert name == "drawdown" and section.tiers[2].drawdown == 0.30  # type: ignore[attr-defined]
    assert section.tiers[2].action == "flatten"  # type: ignore[attr-defined]
    for key, value, message in (
        ("daily_loss.max_loss_fraction", 1.5, "max_loss_fraction was 1.5, not in \\(0, 1\\)"),
        ("drawdown.tiers.7.drawdown", 0.3, "no such limit"),
        ("entry.sizing.max_concurrent_trades", 2.5, "not a whole number"),
        ("performance.min_trades", 3, "is not one of"),
    ):
        with pytest.raises(ValueError, match=message):
            with_limit(SECTIONS, key, value)
    with pytest.raises(ValueError, match="the daily_loss rule is not configured"):
        with_limit({"daily_loss": None}, "daily_loss.max_loss_fraction", 0.1)


def _command(guard: RiskGuard, key: str, value: float, may_raise: bool) -> int:
    argument = LimitChange(key, value, may_raise).to_argument()
    return guard.evaluator.ledger.add_command("set_limit", T0, argument=argument)


def test_the_guard_applies_a_raised_limit_at_its_next_evaluation_and_after_a_restart(
    tmp_path: Path,
) -> None:
    store = str(tmp_path / "state.sqlite")
    guard = RiskGuard(msgspec.structs.replace(CONFIG, state_store=store))
    engine = _engine(guard)
    ledger = guard.evaluator.ledger
    assert ledger.rule_state("limits")["current"]["daily_loss.max_loss_fraction"] == 0.05
    # The simulated account holds 100,000 (the drawdown peak); the session starts there.
    guard.evaluator.update(T0, 100_000.0)
    # 94,000 is 6% below the start: the 5% cap blocks (drawdown 6%: under the 10% tier) ...
    assert guard.evaluator.update(T0 + MINUTE, 94_000.0).action == Action.BLOCK
    ledger.add_command("reset", T0 + MINUTE, rule="daily_loss")  # the start: 100,000 again
    assert guard.evaluator.update(T0 + 2 * MINUTE, 100_000.0).action == Action.ALLOW
    _command(guard, "daily_loss.max_loss_fraction", 0.08, may_raise=False)  # no step-up
    _command(guard, "daily_loss.max_loss_fraction", 0.08, may_raise=True)
    _command(guard, "entry.sizing.max_concurrent_trades", 1, may_raise=False)  # a lowering
    _command(guard, "drawdown.tiers.9.drawdown", 0.5, may_raise=True)
    # ... with the cap raised to 8%, a fall to 93,000 (7%) does not.
    assert guard.evaluator.update(T0 + 3 * MINUTE, 93_000.0).action == Action.ALLOW
    outcomes = [c.outcome for c in ledger.commands() if c.command == "set_limit"]
    assert outcomes == [
        "refused: raising daily_loss.max_loss_fraction needs the owner's step-up code",
        "daily_loss.max_loss_fraction 0.05 -> 0.08 (raised); applied from this evaluation",
        "entry.sizing.max_concurrent_trades 2 -> 1 (lowered); applied from this evaluation",
        "refused: limit drawdown.tiers.9.drawdown: no such limit in the configuration",
    ]
    audit = [
        (e.action, e.outcome) for e in sorted(AuditLog(ledger.store).entries(), key=lambda e: e.seq)
    ]
    assert ("set_limit", outcomes[1]) in audit
    assert pretrade_config(engine.cache).sizing.max_concurrent_trades == 1  # type: ignore[union-attr]
    engine.dispose()
    restarted = RiskGuard(msgspec.structs.replace(CONFIG, state_store=store))
    engine = _engine(restarted)
    assert restarted._cfg.daily_loss.max_loss_fraction == 0.08  # type: ignore[union-attr]
    assert pretrade_config(engine.cache).sizing.max_concurrent_trades == 1  # type: ignore[union-attr]
    assert restarted.evaluator.ledger.rule_state("limits")["overrides"] == {
        "daily_loss.max_loss_fraction": 0.08,
        "entry.sizing.max_concurrent_trades": 1.0,
    }
    engine.dispose()


def _record_limits(settings: ControlSettings) -> None:
    with StateStore(settings.store) as store:  # as the guard records them at its start
        RiskLedger(store).save_rule_state(
            "limits", {"current": current_limits(SECTIONS), "overrides": {}}, "node start", 1
        )


def _set(client: TestClient, limit: str, value: str, totp: str = "") -> int:
    form = {"confirm": "yes", "limit": limit, "value": value, "totp": totp}
    return client.post(
        "/actions/set-limit", data=form, headers=SAME_ORIGIN, follow_redirects=False
    ).status_code


def test_lowering_a_limit_needs_no_code_raising_one_does(
    client: TestClient, owner: Owner, clock: Clock, settings: ControlSettings
) -> None:
    _record_limits(settings)
    login(client, owner)
    clock.advance(settings.stepup_window_s + 1)
    assert _set(client, "daily_loss.max_loss_fraction", "0.03") == 303  # lower: no code
    assert _set(client, "daily_loss.max_loss_fraction", "0.08") == 403  # raise: refused
    assert _set(client, "entry.sizing.max_concurrent_trades", "5") == 403
    assert _set(client, "risk.unknown", "0.01") == 403  # a value the node never recorded
    assert _set(client, "daily_loss.max_loss_fraction", "0.08", "123456") == 403
    assert _set(client, "daily_loss.max_loss_fraction", "lots") == 400
    assert _set(client, "daily_loss.max_loss_fraction", "0.08", owner.code()) == 303
    with StateStore(settings.store) as store:
        sent = [c.argument for c in RiskLedger(store).commands()]
        entries = sorted(AuditLog(store).entries(), key=lambda e: e.seq)
        audit = [(e.detail, e.outcome) for e in entries if e.action == "set_limit"]
    assert sent == [
        '{"key": "daily_loss.max_loss_fraction", "value": 0.03, "may_raise": false}',
        '{"key": "daily_loss.max_loss_fraction", "value": 0.08, "may_raise": true}',
    ]
    assert audit[0] == ("daily_loss.max_loss_fraction 0.05 -> 0.03", "requested #1")
    assert audit[1][1].startswith("refused: step-up required")
    page = client.get("/risk").text
    assert "<td>daily_loss.max_loss_fraction</td><td>0.05</td>" in page
