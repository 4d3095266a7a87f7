"""Cash and buying power on the dashboard, from the account snapshot the risk guard writes."""

from pathlib import Path

from fastapi.testclient import TestClient

from actors.risk_guard import RiskGuard, RiskGuardConfig
from control.settings import ControlSettings
from risk.kill_switch import KillSwitchConfig
from statestore import StateStore
from statestore.control import ControlLedger
from tests.control.conftest import Owner, login
from tests.unit.risk.test_guard_actor import _engine


def test_the_guard_records_cash_and_buying_power_of_the_simulated_account(
    tmp_path: Path,
) -> None:
    store = str(tmp_path / "state.sqlite")
    config = RiskGuardConfig(interval_secs=60, kill_switch=KillSwitchConfig(), state_store=store)
    guard = RiskGuard(config)
    engine = _engine(guard)  # a cash account of 100,000 USD, nothing held
    guard.evaluate()
    engine.dispose()
    with StateStore(store) as opened:
        last = ControlLedger(opened).last_snapshot()
    # No position and no order: equity = cash = free balance = 100,000.
    assert last is not None
    assert (last.equity, last.cash, last.buying_power) == (100_000.0, 100_000.0, 100_000.0)


def test_the_dashboard_shows_buying_power_or_says_it_is_not_known(
    client: TestClient, owner: Owner, settings: ControlSettings, clock
) -> None:
    login(client, owner)
    with StateStore(settings.store) as store:
        ControlLedger(store).add_snapshot(clock.ns - 60 * 10**9, 101_500.0, 99_000.0)
    page = client.get("/").text
    assert '<div class="value" id="buying-power"><span class="muted">not known</span>' in page
    with StateStore(settings.store) as store:
        ControlLedger(store).add_snapshot(clock.ns - 30 * 10**9, 101_600.0, 99_000.0, 42_250.5)
    page = client.get("/").text
    assert '<div class="value" id="buying-power">$42,250.50</div>' in page
    assert '<div class="value" id="cash">$99,000.00</div>' in page
