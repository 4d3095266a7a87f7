"""``tradefly journal``: the summary of a store's journal and its export."""

from pathlib import Path

import pandas as pd
import pytest

from journal.export import COLUMNS
from statestore import StateStore
from statestore.journal import ENTRY_BLOCKED, TRADE, JournalLedger, JournalRow
from tradefly.cli import main
from tradefly.journal_cli import summary_text


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


def test_summary_gives_each_roll_chains_pnl() -> None:
    # The credit-only test's debit roll on the real 2021 SPY data, by hand: the 370 put sold at
    # 11.28 and bought back at 9.98 (128.70 after 1.30 of fees), the 350 put sold at 9.39 and
    # expired (938.35 after 0.65): 1,067.05; a trade never rolled is no chain line.
    records = [
        {"kind": TRADE, "id": "a", "roll_chain": "a", "exit_time": "t", "pnl": 128.70},
        {
            "kind": TRADE,
            "id": "b",
            "rolled_from": "a",
            "roll_chain": "a",
            "exit_time": "t",
            "pnl": 938.35,
        },
        {"kind": TRADE, "id": "c", "roll_chain": "c", "exit_time": "t", "pnl": -50.0},
        {"kind": TRADE, "id": "d", "roll_chain": "d", "exit_time": "t", "pnl": 10.0},
        {
            "kind": TRADE,
            "id": "e",
            "rolled_from": "d",
            "roll_chain": "d",
            "exit_time": None,
            "pnl": None,
        },
    ]
    lines = summary_text(records).splitlines()
    assert lines[-2:] == [
        "roll chain a: 2 trades, P&L +1,067.05 (closed)",
        "roll chain d: 2 trades, P&L +10.00 (open, closed trades only)",
    ]
