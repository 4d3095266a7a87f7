"""``tradefly journal``: the summary of a store's journal and its export."""

from pathlib import Path

import pandas as pd
import pytest

from journal.export import COLUMNS
from statestore import StateStore
from statestore.journal import ENTRY_BLOCKED, TRADE, JournalLedger, JournalRow
from tradefly.cli import main


def _trade(journal_id: str, entry_ns: int, pnl: float | None, error: str | None) -> JournalRow:
    closed = pnl is not None
    record = {
        "id": journal_id,
        "entry_time": "2021-01-04T21:00:00.001000Z",
        "exit_time": "2021-02-19T21:00:00.000000Z" if closed else None,
        "pnl": pnl,
        "error_class": error,
        "legs": [{"instrument_id": "SPY210219P00370000.US", "bid": 1.0, "ask": 1.1}],
        "greeks": {"delta": 25.0},
        "reason_tags": ["schedule:weekly"],
    }
    exit_ns = entry_ns + 1 if closed else None
    return JournalRow(journal_id, TRADE, "S-1", "SPY", entry_ns, exit_ns, record)


def test_summary_and_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store_file = tmp_path / "node.sqlite"
    with StateStore(store_file) as store:
        ledger = JournalLedger(store)
        ledger.put(_trade("a", 1, 300.0, None))
        ledger.put(_trade("b", 2, -100.0, "volatility"))
        ledger.put(_trade("c", 3, None, None))
        blocked = {"id": "gate-4-S-1", "entry_time": "2021-01-11T21:00:00.001000Z", "size": 0}
        ledger.put(JournalRow("gate-4-S-1", ENTRY_BLOCKED, "S-1", "SPY", 4, 4, blocked))
    out = tmp_path / "export"
    assert main(["journal", "--store", str(store_file), "--out", str(out)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "trades: 3 (1 open); closed P&L +200.00; win rate 50.0%",
        "losing trades by error class: volatility 1",
        "entries blocked by the risk guard: 1; resized: 0",
        f"wrote {out / 'journal.csv'} and {out / 'journal.parquet'}",
    ]
    frame = pd.read_parquet(out / "journal.parquet")
    assert list(frame.columns) == list(COLUMNS)
    assert list(frame["kind"]) == ["trade", "trade", "trade", "entry_blocked"]
    assert list(pd.read_csv(out / "journal.csv")["net_delta"].fillna(0)) == [25, 25, 25, 0]


def test_a_missing_store_is_one_line_and_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.sqlite"
    assert main(["journal", "--store", str(missing)]) == 2
    assert capsys.readouterr().err == f"error: {missing}: no such state store\n"
    assert not missing.exists()
