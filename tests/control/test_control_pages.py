"""The pages show the store: journal filters, positions, risk, dashboard; hostile text escaped.

Journal rows are written in the trade journal's record layout (:mod:`actors.journal`), made up
for the test (a fixture, not a capture of a run).
"""

import datetime as dt

from fastapi.testclient import TestClient

from control.settings import ControlSettings
from statestore import StateStore, StoredLeg, StoredStructure
from statestore.control import ControlLedger
from statestore.journal import JournalLedger, JournalRow
from tests.control.conftest import Owner, login

HOSTILE = "<script>alert(1)</script>"
DAYS = {"s1": "2024-01-08", "s2": "2024-01-09", "s3": "2024-01-15", "s4": "2024-01-16"}


def ns(day: str) -> int:
    return int(dt.datetime.fromisoformat(day + "T20:00:00+00:00").timestamp() * 1e9)


def trade(
    n: int, day: str, structure: str, dte: int, pnl: float, error: str | None, tags: list[str]
) -> JournalRow:
    weekday = dt.date.fromisoformat(day).strftime("%A")
    record = {
        "structure": structure,
        "weekday": weekday,
        "dte": dte,
        "pnl": pnl,
        "exit_reason": tags[-1].removeprefix("exit:") if tags else None,
        "error_class": error,
        "reason_tags": tags,
    }
    return JournalRow(f"s{n}", "trade", "ShortOption-001", "SPY", ns(day), ns(day) + 10**12, record)


def fill_journal(settings: ControlSettings) -> None:
    with StateStore(settings.store) as store:
        ledger = JournalLedger(store)
        ledger.put(trade(1, "2024-01-08", "short_put", 30, 120.0, None, ["exit:take_profit"]))
        ledger.put(
            trade(
                2, "2024-01-09", "put_credit_spread", 45, -300.0, "volatility", ["exit:stop_loss"]
            )
        )
        ledger.put(
            trade(3, "2024-01-15", "put_credit_spread", 7, -80.0, "timing", ["exit:dte_exit"])
        )
        ledger.put(trade(4, "2024-01-16", "short_put", 21, 95.5, None, [HOSTILE]))


def journal_ids(client: TestClient, query: str) -> list[str]:
    text = client.get("/journal?" + query).text
    return [
        f"s{n}"
        for n in range(1, 5)
        if f">{['', '2024-01-08', '2024-01-09', '2024-01-15', '2024-01-16'][n]} " in text
    ]


def test_journal_filters_by_structure_tag_error_class_weekday_and_dte(
    client: TestClient, owner: Owner, settings: ControlSettings
) -> None:
    fill_journal(settings)
    login(client, owner)
    assert journal_ids(client, "") == ["s1", "s2", "s3", "s4"]
    assert journal_ids(client, "structure=put_credit_spread") == ["s2", "s3"]
    assert journal_ids(client, "error_class=volatility") == ["s2"]
    assert journal_ids(client, "reason_tag=exit:take_profit") == ["s1"]
    assert journal_ids(client, "weekday=Monday") == ["s1", "s3"]
    assert journal_ids(client, "dte_min=20&dte_max=40") == ["s1", "s4"]
    assert journal_ids(client, "structure=short_put&weekday=Tuesday") == ["s4"]
    page = client.get("/journal?structure=put_credit_spread").text
    assert "2 rows match, P&amp;L -$380.00" in page
    assert client.get("/journal?dte_min=-1").status_code == 422
    everything = client.get("/journal").text
    assert HOSTILE not in everything and "&lt;script&gt;" in everything


def test_positions_dashboard_and_risk_show_the_store(
    client: TestClient, owner: Owner, settings: ControlSettings, clock
) -> None:
    with StateStore(settings.store) as store:
        leg = StoredLeg("SPY240216P00470000.US", "SELL", 1)
        store.save_structure(
            StoredStructure(
                "abc123", "ShortOption-001", "SPY", "2024-02-16", "open", (leg,), 3.1, 1
            )
        )
        control = ControlLedger(store)
        control.add_snapshot(clock.ns - 2 * 86_400 * 10**9, 100_000.0, 100_000.0)
        control.add_snapshot(clock.ns - 60 * 10**9, 101_500.0, 99_000.0)
        store.set_status("market_data", "polling", clock.ns)
        store.set_status("environment", "live", clock.ns)
        store.set_status("heartbeat", str(clock.ns), clock.ns)
    login(client, owner)
    positions = client.get("/positions").text
    assert "SPY240216P00470000.US" in positions and 'name="target" value="abc123"' in positions
    dashboard = client.get("/").text
    assert "$101,500.00" in dashboard and "$99,000.00" in dashboard
    assert "$1,500.00" in dashboard  # today's P&L against the last equity before today
    assert '<svg id="equity"' in dashboard and '<svg id="drawdown"' in dashboard
    assert "polling" in dashboard
    assert '<div class="label">environment</div><div class="value">live</div>' in dashboard
    risk = client.get("/risk").text
    assert "Entries not paused" in risk


def test_a_page_shows_what_the_node_wrote_since_the_last_request(
    client: TestClient, owner: Owner, settings: ControlSettings
) -> None:
    fill_journal(settings)
    login(client, owner)
    assert "4 rows match" in client.get("/journal").text
    assert "4 rows match" in client.get("/journal").text  # served again from the memo
    with StateStore(settings.store) as store:  # the node's connection commits a new trade
        JournalLedger(store).put(trade(5, "2024-01-17", "short_put", 30, 10.0, None, []))
    assert "5 rows match" in client.get("/journal").text
    with StateStore(settings.store) as store:
        ControlLedger(store).add_snapshot(1, 90_000.0, 90_000.0)
        ControlLedger(store).add_snapshot(2, 95_000.0, 90_000.0)
    assert '<svg id="equity"' in client.get("/").text
