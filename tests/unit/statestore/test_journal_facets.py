"""The journal's filter columns (migration 9): filled from the rows a store already holds, kept
by triggers through replace, update and delete, and filtering exactly as the records say."""

import datetime as dt
import json
import random
import sqlite3
from pathlib import Path

import pytest

from benchmarks.bench_control_pages import sessions, trade_record
from control.views import JournalFilter, _journal
from statestore import StateStore
from statestore.journal import JournalLedger, JournalRow
from statestore.migrations import MIGRATIONS
from statestore.store import _statements

NS = 1_000_000_000


def _rows(n: int) -> list[JournalRow]:
    rng = random.Random(3)
    out = []
    for k, day in enumerate(sessions(1)[:n]):
        record = trade_record(rng, k, day)
        entry = int(dt.datetime(day.year, day.month, day.day, 20, tzinfo=dt.UTC).timestamp()) * NS
        kind = "trade" if k % 6 else "entry_blocked"
        out.append(JournalRow(record["id"], kind, "S-001", "SPY", entry + k, None, record))
    return out


def _expected(rows: list[JournalRow], flt: JournalFilter) -> tuple[list[str], int, float]:
    def keep(row: JournalRow) -> bool:
        r = row.record
        return (
            row.kind == flt.kind
            and (not flt.structure or r.get("structure") == flt.structure)
            and (not flt.error_class or r.get("error_class") == flt.error_class)
            and (not flt.weekday or r.get("weekday") == flt.weekday)
            and (not flt.reason_tag or flt.reason_tag in r.get("reason_tags", []))
            and (flt.dte_min is None or r["dte"] >= flt.dte_min)
            and (flt.dte_max is None or r["dte"] <= flt.dte_max)
        )

    kept = sorted((r for r in rows if keep(r)), key=lambda r: -r.entry_ns)
    return [r.journal_id for r in kept[:50]], len(kept), sum(r.record["pnl"] for r in kept)


FILTERS = [
    JournalFilter(),
    JournalFilter(kind="entry_blocked"),
    JournalFilter(structure="put_credit_spread", weekday="Monday", dte_min=20),
    JournalFilter(error_class="volatility", reason_tag="exit:stop_loss"),
    JournalFilter(reason_tag="exit:take_profit", dte_max=30),
    JournalFilter(structure="iron_condor", dte_min=10, dte_max=40),
]


@pytest.mark.parametrize("flt", FILTERS)
def test_a_filtered_page_matches_the_records(tmp_path: Path, flt: JournalFilter) -> None:
    rows = _rows(240)
    with StateStore(tmp_path / "s.sqlite") as store:
        ledger = JournalLedger(store)
        for row in rows:
            ledger.put(row)
        view = _journal(store, flt, 50)
    ids, matched, total = _expected(rows, flt)
    assert [r.journal_id for r in view.rows] == ids
    assert (view.matched, view.total_pnl) == (matched, pytest.approx(total))
    assert matched > 0


def test_a_store_migrated_from_version_8_gets_the_rows_it_holds(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    rows = _rows(60)
    with sqlite3.connect(path) as db:
        for script in MIGRATIONS[:8]:
            for statement in _statements(script):
                db.execute(statement)
        db.execute("PRAGMA user_version = 8")
        db.executemany(
            "INSERT INTO journal VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (r.journal_id, r.kind, r.strategy_id, r.underlying, r.entry_ns, r.exit_ns,
                 json.dumps(r.record))
                for r in rows
            ],
        )  # fmt: skip
    db.close()
    with StateStore(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        for flt in FILTERS:
            view = _journal(store, flt, 50)
            ids, matched, _ = _expected(rows, flt)
            assert ([r.journal_id for r in view.rows], view.matched) == (ids, matched)


def test_replace_update_and_delete_keep_the_filter_columns(tmp_path: Path) -> None:
    rows = _rows(12)
    with StateStore(tmp_path / "s.sqlite") as store:
        ledger = JournalLedger(store)
        for row in rows:
            ledger.put(row)
        row = rows[1]
        changed = {**row.record, "structure": "strangle", "reason_tags": ["exit:expired"]}
        ledger.put(JournalRow(row.journal_id, "trade", "S-001", "SPY", row.entry_ns, 5, changed))
        view = _journal(store, JournalFilter(structure="strangle"), 50)
        assert [r.journal_id for r in view.rows] == [row.journal_id]
        tagged = _journal(store, JournalFilter(reason_tag="exit:expired"), 50)
        assert [r.journal_id for r in tagged.rows] == [row.journal_id]
        store._conn.execute(
            "UPDATE journal SET record = json_set(record, '$.structure', 'strap') "
            "WHERE journal_id = ?",
            (row.journal_id,),
        )
        assert _journal(store, JournalFilter(structure="strangle"), 50).matched == 0
        assert _journal(store, JournalFilter(structure="strap"), 50).matched == 1
        store._conn.execute("DELETE FROM journal WHERE journal_id = ?", (row.journal_id,))
        assert _journal(store, JournalFilter(structure="strap"), 50).matched == 0
        counts = store._conn.execute(
            "SELECT (SELECT COUNT(*) FROM journal), (SELECT COUNT(*) FROM journal_facets), "
            "(SELECT COUNT(*) FROM journal_tags WHERE journal_id = ?)",
            (row.journal_id,),
        ).fetchone()
        assert counts == (11, 11, 0)
