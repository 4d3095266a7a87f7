"""Deposits and withdrawals from the app: written as owner commands, applied by the node's
rules, listed on the capital page and kept out of today's P&L."""

from fastapi.testclient import TestClient

from control.settings import ControlSettings
from risk.drawdown import DrawdownTiers, DrawdownTiersConfig
from risk.evaluator import RiskEvaluator
from statestore import StateStore
from statestore.control import ControlLedger
from statestore.risk import RiskLedger
from tests.control.conftest import SAME_ORIGIN, Clock, Owner, login
from tests.unit.risk.test_evaluator import RecordingNotifier

NS = 1_000_000_000


def test_a_withdrawal_from_the_app_moves_the_drawdown_peak_and_is_not_todays_loss(
    client: TestClient, owner: Owner, clock: Clock, settings: ControlSettings
) -> None:
    login(client, owner)
    form = {
        "confirm": "yes",
        "kind": "withdrawal",
        "amount": "3000",
        "flow_date": "2026-12-04",
        "note": "tax bill",
        "totp": owner.code(),
    }
    sent = client.post("/actions/capital-flow", data=form, headers=SAME_ORIGIN)
    assert sent.status_code == 200 and "1 flow(s) waiting" in sent.text
    with StateStore(settings.store) as store:  # the node: its rules over the same store
        ledger = RiskLedger(store)
        [command] = ledger.commands()
        assert command.command == "capital_flow"
        assert command.argument == '{"amount": -3000.0, "date": "2026-12-04", "note": "tax bill"}'
        control = ControlLedger(store)
        control.add_snapshot(clock.ns - 86_400 * NS, 10_000.0, 10_000.0)  # yesterday
        evaluator = RiskEvaluator(
            [DrawdownTiers(DrawdownTiersConfig())], ledger, RecordingNotifier()
        )
        ledger.save_rule_state("drawdown", {"peak": 10_000.0}, "peak", clock.ns - 86_400 * NS)
        decision = evaluator.update(clock.ns, 6_900.0)  # the balance shows it: 100 lost today
        assert decision.action == "allow"  # 100 / 7,000 = 1.4% drawdown, not 31%
        assert ledger.rule_state("drawdown")["peak"] == 7_000.0
        control.add_snapshot(clock.ns, 6_900.0, 6_900.0)
    page = client.get("/capital").text
    assert "<td>2026-12-04</td><td>withdrawal</td><td>-$3,000.00</td><td>tax bill</td>" in page
    assert '<span id="capital-net">-$3,000.00</span>' in page
    # Today's P&L: 6,900 - 10,000 + 3,000 withdrawn = -100.
    dashboard = client.get("/").text
    assert '<div class="value bad" id="today-pnl">-$100.00</div>' in dashboard


def test_a_bad_flow_is_refused_with_one_line_and_audited(
    client: TestClient, owner: Owner, settings: ControlSettings
) -> None:
    login(client, owner)
    for form, message in (
        ({"kind": "gift", "amount": "5"}, "kind &#39;gift&#39; is not deposit or withdrawal"),
        ({"kind": "deposit", "amount": "-5"}, "amount &#39;-5&#39; is not a positive amount"),
        ({"kind": "deposit", "amount": "5", "flow_date": "tomorrow"}, "not YYYY-MM-DD"),
    ):
        refused = client.post(
            "/actions/capital-flow", data={"confirm": "yes", **form}, headers=SAME_ORIGIN
        )
        assert refused.status_code == 400 and message in refused.text
    with StateStore(settings.store) as store:
        assert RiskLedger(store).commands() == []
