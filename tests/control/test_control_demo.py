"""``tradefly demo`` leaves a store that ``tradefly control --demo`` browses read-only.

The backtest result is a hand-made one (the report test's), with journal records in the trade
journal's layout; ``tests/backtest/test_cli_runs.py`` checks a real demo run leaves the file.
"""

import dataclasses
from pathlib import Path

from fastapi.testclient import TestClient

from control.main import create_app
from control.settings import ControlSettings
from statestore import StateStore
from statestore.journal import JournalLedger
from statestore.risk import RiskLedger
from tests.browser.test_report_in_chromium import _result
from tradefly.backtest.demo_store import write_demo_store

RECORDS = [
    {
        "kind": "trade",
        "id": "t1",
        "strategy_id": "ShortOption-000",
        "underlying": "DEMO",
        "entry_time": "2024-01-08T21:00:00.000000Z",
        "exit_time": "2024-01-26T21:00:00.000000Z",
        "structure": "put_credit_spread",
        "weekday": "Monday",
        "dte": 39,
        "pnl": 151.2,
        "exit_reason": "take_profit",
        "error_class": None,
        "reason_tags": ["exit:take_profit"],
    },
    {
        "kind": "entry_blocked",
        "id": "gate-1-ShortOption-000",
        "strategy_id": "ShortOption-000",
        "underlying": "DEMO",
        "entry_time": "2024-02-05T21:00:00.000000Z",
        "exit_time": "2024-02-05T21:00:00.000000Z",
        "weekday": "Monday",
        "reason_tags": ["risk:drawdown"],
    },
]


def test_the_demo_store_is_browsed_read_only_without_login(tmp_path: Path) -> None:
    result = dataclasses.replace(_result(), journal=RECORDS, synthetic=True)
    path = write_demo_store(result, tmp_path / "demo-state.sqlite")
    with StateStore(path) as store:
        assert [r.journal_id for r in JournalLedger(store).rows()] == [
            "t1",
            "gate-1-ShortOption-000",
        ]
    app = create_app(ControlSettings(path, read_only=True))
    with TestClient(app, base_url="https://testserver") as client:
        dashboard = client.get("/", follow_redirects=False)
        assert dashboard.status_code == 200 and "DEMO, read-only" in dashboard.text
        assert '<svg id="equity"' in dashboard.text and "SYNTHETIC demo backtest" in dashboard.text
        journal = client.get("/journal").text
        assert "put_credit_spread" in journal and "$151.20" in journal
        assert "risk:drawdown" in client.get("/journal?kind=entry_blocked").text
        assert client.get("/login", follow_redirects=False).headers["location"] == "/"
        for action in ("pause", "flatten", "kill-switch-off"):
            refused = client.post(
                f"/actions/{action}",
                data={"confirm": "yes", "target": "*"},
                headers={"Sec-Fetch-Site": "same-origin"},
            )
            assert refused.status_code == 403 and "read-only" in refused.text
    with StateStore(path) as store:
        assert RiskLedger(store).commands() == []
    # Written again (a second demo run), the store is replaced, not appended to.
    write_demo_store(result, path)
    with StateStore(path) as store:
        assert len(JournalLedger(store).rows()) == 2
