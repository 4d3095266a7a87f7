"""The journal table: rows survive a reopen (and a SIGKILL), open trades, refused input."""

import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from statestore import StateStore
from statestore.journal import ENTRY_BLOCKED, TRADE, JournalLedger, JournalRow
from tests.conftest import PROJECT_ROOT


def _row(journal_id: str, entry_ns: int, exit_ns: int | None = None) -> JournalRow:
    return JournalRow(journal_id, TRADE, "S-1", "SPY", entry_ns, exit_ns, {"id": journal_id})


def test_rows_open_trades_and_replace(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    with StateStore(path) as store:
        ledger = JournalLedger(store)
        ledger.put(_row("b", 2))
        ledger.put(_row("a", 1))
        ledger.put(JournalRow("g", ENTRY_BLOCKED, "S-1", "SPY", 3, 3, {"size": 0}))
        ledger.put(_row("a", 1, exit_ns=5))
    with StateStore(path) as store:
        ledger = JournalLedger(store)
        assert [r.journal_id for r in ledger.rows()] == ["a", "b", "g"]
        assert [r.journal_id for r in ledger.open_trades()] == ["b"]
        assert [r.journal_id for r in ledger.rows(ENTRY_BLOCKED)] == ["g"]
        assert ledger.get("a") == _row("a", 1, exit_ns=5)
        assert ledger.get("missing") is None


def test_bad_kind_or_nan_is_refused_and_nothing_written() -> None:
    with StateStore(":memory:") as store:
        ledger = JournalLedger(store)
        with pytest.raises(ValueError, match="journal kind was 'nope'"):
            ledger.put(JournalRow("x", "nope", "S", "SPY", 1, None, {}))
        with pytest.raises(ValueError):
            ledger.put(JournalRow("x", TRADE, "S", "SPY", 1, None, {"pnl": math.nan}))
        assert ledger.rows() == []


def test_a_row_survives_sigkill_right_after_put(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    code = (
        "import os, signal\n"
        "from statestore import StateStore\n"
        "from statestore.journal import JournalLedger, JournalRow\n"
        f"ledger = JournalLedger(StateStore({str(path)!r}))\n"
        "ledger.put(JournalRow('t', 'trade', 'S', 'SPY', 1, None, {'id': 't'}))\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run([sys.executable, "-c", code], env=env, check=False)
    assert done.returncode == -signal.SIGKILL
    with StateStore(path) as store:
        assert [r.journal_id for r in JournalLedger(store).open_trades()] == ["t"]
