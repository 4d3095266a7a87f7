"""The state store: schema migrations, intents, structures, cycles, shares, durability."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from statestore import IntentState, StateStore, StoredLeg, StoredStructure
from statestore.migrations import MIGRATIONS


def test_a_new_file_is_wal_and_at_the_latest_schema(tmp_path: Path) -> None:
    with StateStore(tmp_path / "nested" / "state.sqlite") as store:
        assert store.schema_version == len(MIGRATIONS)
    with sqlite3.connect(tmp_path / "nested" / "state.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_reopening_runs_no_migration_twice(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with StateStore(path) as store:
        store.mint_intent("S-000", "entry", "O-1", "SPY.US", 1)
    with StateStore(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert [i.client_order_id for i in store.intents()] == ["O-1"]


def test_a_store_from_a_newer_tradefly_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(ValueError, match="newer than this Tradefly knows"):
        StateStore(path)


def test_intent_states_move_forward_and_final_states_never_change() -> None:
    with StateStore(":memory:") as store:
        intent = store.mint_intent("S-000", "entry", "O-1", "SPY.US", 10, "T-1", {"qty": 2})
        assert intent.state == IntentState.MINTED
        assert store.set_intent_state("O-1", IntentState.WORKING, 11)
        assert not store.set_intent_state("O-1", IntentState.WORKING, 12)
        assert store.set_intent_state("O-1", IntentState.FILLED, 13)
        assert not store.set_intent_state("O-1", IntentState.CANCELED, 14)
        stored = store.intent("O-1")
        assert stored is not None
        assert (stored.state, stored.updated_ns, stored.detail) == (
            IntentState.FILLED,
            13,
            {"qty": 2},
        )
        assert store.intents("S-000", open_only=True) == []


def test_an_intent_keeps_its_venue_order_id_beside_its_detail(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with StateStore(path) as store:
        store.mint_intent("S-000", "entry", "O-1", "SPY.US", 10, "T-1", {"qty": 2})
        store.set_intent_venue_order_id("O-1", "1000")
    with StateStore(path) as store:  # on disk: a restart reads it
        stored = store.intent("O-1")
        assert stored is not None
        assert stored.detail == {"qty": 2, "venue_order_id": "1000"}


def test_one_client_order_id_belongs_to_one_intent() -> None:
    with StateStore(":memory:") as store:
        store.mint_intent("S-000", "entry", "O-1", "SPY.US", 1)
        with pytest.raises(sqlite3.IntegrityError):
            store.mint_intent("S-000", "exit", "O-1", "SPY.US", 2)


def test_a_failed_transaction_leaves_nothing() -> None:
    with StateStore(":memory:") as store:
        with pytest.raises(RuntimeError), store.transaction():
            store.mint_intent("S-000", "entry", "O-1", "SPY.US", 1)
            store.mark_cycle_traded("S-000", "2021-02-19", "T-1")
            raise RuntimeError("crash between writes")
        assert store.intents() == [] and store.traded_cycles("S-000") == set()


def test_structures_keep_their_legs_and_leave_the_open_list_when_closed() -> None:
    legs = (
        StoredLeg("SPY210219P00370000.US", "SELL", 2),
        StoredLeg("SPY210219P00360000.US", "BUY", 2),
    )
    structure = StoredStructure("T-1", "S-000", "SPY", "2021-02-19", "opening", legs)
    with StateStore(":memory:") as store:
        store.save_structure(structure)
        store.update_structure("T-1", status="open", credit=1.2, opened_ns=5)
        store.set_leg_position("T-1", "SPY210219P00370000.US", "P-1")
        (stored,) = store.structures("S-000")
        assert (stored.status, stored.credit, stored.opened_ns) == ("open", 1.2, 5)
        assert [leg.position_id for leg in stored.legs] == ["P-1", None]
        assert store.strategies_with_open_structures() == {"S-000"}
        store.update_structure("T-1", status="closed", closed_ns=9)
        assert store.structures("S-000") == []
        assert store.structures("S-000", open_only=False)[0].closed_ns == 9


def test_cycles_are_released_by_the_structure_that_marked_them() -> None:
    with StateStore(":memory:") as store:
        store.mark_cycle_traded("S-000", "2021-02-19", "T-1")
        store.mark_cycle_traded("S-001", "2021-02-19", "T-2")
        store.release_cycle("S-000", "T-1")
        assert store.traded_cycles("S-000") == set()
        assert store.traded_cycles("S-001") == {"2021-02-19"}


def test_a_settlement_order_is_booked_once_and_survives_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with StateStore(path) as store:
        assert store.book_settlement("US-ASSIGNED-abc-0-OPEN", "S-000", 10)
        assert not store.book_settlement("US-ASSIGNED-abc-0-OPEN", "S-000", 11)
    with StateStore(path) as store:
        assert store.booked_settlements() == {"US-ASSIGNED-abc-0-OPEN"}


def test_owned_shares_add_up_and_vanish_at_zero() -> None:
    with StateStore(":memory:") as store:
        store.add_owned_shares("S-000", "SPY.US", 100, 10)
        store.add_owned_shares("S-000", "SPY.US", 100, 20)
        assert store.owned_shares("S-000") == {"SPY.US": (200, 20)}
        store.add_owned_shares("S-000", "SPY.US", -200, 0)
        assert store.owned_shares("S-000") == {}


def test_a_minted_intent_survives_sigkill_right_after_the_write(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    child = textwrap.dedent(
        f"""
        import os, signal
        from statestore import StateStore
        store = StateStore({str(path)!r})
        store.mint_intent("S-000", "entry", "O-KILLED", "SPY.US", 1)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = subprocess.run([sys.executable, "-c", child], check=False, env=os.environ.copy())
    assert result.returncode == -signal.SIGKILL
    with StateStore(path) as store:
        intent = store.intent("O-KILLED")
        assert intent is not None and intent.state == IntentState.MINTED


def test_every_intent_state_is_open_or_final() -> None:
    from statestore.store import FINAL_INTENT_STATES, OPEN_INTENT_STATES

    assert set(IntentState) == OPEN_INTENT_STATES | FINAL_INTENT_STATES
    assert not OPEN_INTENT_STATES & FINAL_INTENT_STATES
    assert {s.value for s in OPEN_INTENT_STATES} == {"minted", "working"}  # the SQL literal
