"""Writes on a live node: journalled off the SQLite path, never lost, never reordered."""

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from statestore import IntentState, StateStore
from statestore.store import FLUSH_DELAY_S


def journals(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}-pending-*"))


def content(journal: Path) -> bytes:
    """A journal's lines (it is preallocated: its content ends at the first zero byte)."""
    return journal.read_bytes().split(b"\0", 1)[0]


def committed(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT client_order_id FROM order_intents ORDER BY created_ns"
        ).fetchall()
    return [row[0] for row in rows]


def test_a_mint_in_a_running_loop_is_journalled_then_committed_by_the_loop(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"

    async def scenario() -> None:
        store = StateStore(path)
        store.mint_intent("S-000", "entry", "O-1", "SPY.US", 1)
        (journal,) = journals(path)
        assert content(journal).count(b"\n") == 1
        assert committed(path) == []  # not in SQLite yet: the order may leave first
        await asyncio.sleep(FLUSH_DELAY_S * 3)
        assert committed(path) == ["O-1"]
        assert content(journal) == b""
        store.close()
        assert journals(path) == []

    asyncio.run(scenario())


def test_reads_and_writes_see_every_intent_minted_before_them(tmp_path: Path) -> None:
    async def scenario() -> None:
        with StateStore(tmp_path / "state.sqlite") as store:
            store.mint_intent("S-000", "entry", "O-1", "SPY.US", 1, "T-1", {"qty": 2})
            intent = store.intent("O-1")
            assert intent is not None and intent.detail == {"qty": 2}
            store.mint_intent("S-000", "exit", "O-2", "SPY.US", 2)
            assert store.set_intent_state("O-2", IntentState.WORKING, 3)
            assert [(i.client_order_id, i.state) for i in store.intents("S-000")] == [
                ("O-1", IntentState.MINTED),
                ("O-2", IntentState.WORKING),
            ]

    asyncio.run(scenario())


def test_a_client_order_id_is_refused_twice_whether_journalled_or_committed(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        with StateStore(tmp_path / "state.sqlite") as store:
            store.mint_intent("S-000", "entry", "O-1", "SPY.US", 1)
            with pytest.raises(sqlite3.IntegrityError, match="O-1"):
                store.mint_intent("S-000", "entry", "O-1", "SPY.US", 2)
            store.flush()
            with pytest.raises(sqlite3.IntegrityError, match="O-1"):
                store.mint_intent("S-000", "entry", "O-1", "SPY.US", 3)
            assert len(store.intents()) == 1
        restarted = StateStore(tmp_path / "state.sqlite")  # an id of an earlier process
        with restarted, pytest.raises(sqlite3.IntegrityError, match="O-1"):
            restarted.mint_intent("S-000", "entry", "O-1", "SPY.US", 4)

    asyncio.run(scenario())


def test_a_mint_inside_a_transaction_is_part_of_it(tmp_path: Path) -> None:
    async def scenario() -> None:
        with StateStore(tmp_path / "state.sqlite") as store:
            with pytest.raises(RuntimeError), store.transaction():
                store.mint_intent("S-000", "entry", "O-1", "SPY.US", 1)
                raise RuntimeError("roll back")
            assert store.intents() == []
            assert journals(tmp_path / "state.sqlite") == []

    asyncio.run(scenario())


DIES_BEFORE_THE_FLUSH = """
import asyncio, os, signal, sqlite3
from statestore import StateStore, StoredLeg, StoredStructure

async def main():
    store = StateStore({path!r})
    legs = (StoredLeg("P", "SELL", 2),)
    store.save_structure(StoredStructure("T-1", "S-000", "SPY", "2021-02-19", "opening", legs))
    store.mark_cycle_traded("S-000", "2021-02-19", "T-1")
    store.mint_intent("S-000", "entry", "O-1", "SPY.US", 1, "T-1")
    store.update_structure("T-1", status="open", credit=1.25)
    store.set_status("market_data", "streaming", 5)
    with sqlite3.connect({path!r}) as db:
        assert db.execute("SELECT COUNT(*) FROM structures").fetchone() == (0,)
    os.kill(os.getpid(), signal.SIGKILL)

asyncio.run(main())
"""


def test_journalled_writes_of_a_killed_node_are_replayed_in_order(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    code = textwrap.dedent(DIES_BEFORE_THE_FLUSH).format(path=str(path))
    result = subprocess.run([sys.executable, "-c", code], check=False, env=os.environ.copy())
    assert result.returncode == -signal.SIGKILL
    (journal,) = journals(path)
    assert content(journal).count(b"\n") == 5
    with StateStore(path) as store:
        (structure,) = store.structures("S-000")
        assert (structure.status, structure.credit, structure.legs[0].quantity) == ("open", 1.25, 2)
        assert store.traded_cycles("S-000") == {"2021-02-19"}
        assert [i.client_order_id for i in store.intents()] == ["O-1"]
        assert store.status() == {"market_data": ("streaming", 5)}
    assert journals(path) == []


def test_a_live_stores_journal_is_left_alone_by_another_store(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"

    async def scenario() -> None:
        with StateStore(path) as node:
            node.mint_intent("S-000", "entry", "O-1", "SPY.US", 1)
            with StateStore(path) as reader:  # e.g. the control app, or the status recorder
                assert reader.intents() == []
                assert len(journals(path)) == 1
            node.flush()
            with StateStore(path) as reader:
                assert [i.client_order_id for i in reader.intents()] == ["O-1"]

    asyncio.run(scenario())


CHILD = """
import asyncio, os, sys
from statestore import IntentState, StateStore, StoredLeg, StoredStructure

async def main():
    store = StateStore({path!r}, synchronous={synchronous!r})
    sent = os.open({sent!r}, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.write(sent, b"ready\\n")
    for i in range(1_000_000):
        coid = f"O-{{i:07d}}"
        legs = (StoredLeg("P-" + str(i), "SELL", 1), StoredLeg("Q-" + str(i), "BUY", 1))
        structure = StoredStructure(f"T-{{i:07d}}", "S-000", "SPY", str(i), "opening", legs)
        store.save_structure(structure)
        store.mark_cycle_traded("S-000", str(i), f"T-{{i:07d}}")
        store.mint_intent("S-000", "entry", coid, "SPY.US", i, f"T-{{i:07d}}")
        os.write(sent, coid.encode() + b"\\n")  # the order leaves only after the mint returned
        if i % 7 == 0:
            await asyncio.sleep(0)  # let the loop's flush run now and then
        if i % 97 == 0:
            store.set_intent_state(coid, IntentState.WORKING, i)

asyncio.run(main())
"""


@pytest.mark.parametrize("synchronous", ["NORMAL", "FULL"])
def test_sigkill_at_random_instants_loses_no_sent_write_and_keeps_their_order(
    tmp_path: Path, synchronous: str
) -> None:
    rng = random.Random(int(os.environ.get("TRADEFLY_CHAOS_SEED", "7")))
    kills = int(os.environ.get("TRADEFLY_JOURNAL_KILLS", "6"))
    for kill in range(kills):
        folder = tmp_path / f"kill-{kill}"
        folder.mkdir()
        path, sent = folder / "state.sqlite", folder / "sent"
        code = textwrap.dedent(CHILD).format(
            path=str(path), sent=str(sent), synchronous=synchronous
        )
        child = subprocess.Popen([sys.executable, "-c", code], env=os.environ.copy())
        deadline = time.monotonic() + 30
        while not (sent.exists() and sent.read_bytes().startswith(b"ready\n")):
            assert time.monotonic() < deadline and child.poll() is None
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.3))
        child.send_signal(signal.SIGKILL)
        assert child.wait() == -signal.SIGKILL
        lines = sent.read_bytes().split(b"\n")[1:-1]  # a torn last line was never sent
        sent_ids = [line.decode() for line in lines]
        with StateStore(path) as store:
            stored = [i.client_order_id for i in store.intents()]
            structures = store.structures("S-000")
            cycles = store.traded_cycles("S-000")
        assert journals(path) == []  # replayed and removed
        # each structure, its legs and its cycle were written before its intent, in that order
        assert [s.structure_id for s in structures] == [
            f"T-{i:07d}" for i in range(len(structures))
        ]
        assert len(stored) <= len(structures) <= len(stored) + 1
        assert all(len(s.legs) == 2 for s in structures)
        assert len(stored) <= len(cycles) <= len(stored) + 1
        assert stored[: len(sent_ids)] == sent_ids  # every sent intent, in the order minted
        assert len(stored) - len(sent_ids) <= 1  # at most the one minted as the kill came
        assert stored == [f"O-{i:07d}" for i in range(len(stored))]  # no gap


GROWS_PAST_ITS_FIRST_SIZE = """
import asyncio, os, signal
from statestore import StateStore

async def main():
    store = StateStore({path!r})
    for i in range(6000):  # about 2.5 MiB of lines, more than the journal's first 1 MiB
        store.mint_intent("S-000", "entry", f"O-{{i:05d}}", "SPY.US", i, None, {{"pad": "x" * 300}})
    os.kill(os.getpid(), signal.SIGKILL)

asyncio.run(main())
"""


def test_a_journal_that_outgrows_its_first_size_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    code = textwrap.dedent(GROWS_PAST_ITS_FIRST_SIZE).format(path=str(path))
    result = subprocess.run([sys.executable, "-c", code], check=False, env=os.environ.copy())
    assert result.returncode == -signal.SIGKILL
    (journal,) = journals(path)
    assert journal.stat().st_size > 2 << 20
    with StateStore(path) as store:
        assert [i.client_order_id for i in store.intents()] == [f"O-{i:05d}" for i in range(6000)]


def test_a_line_cut_short_by_a_kill_is_not_replayed(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    StateStore(path).close()
    whole = b'[["INSERT INTO node_status VALUES (?, ?, ?)",["a","1",1]]]\n'
    torn = b'[["INSERT INTO node_status VALUES (?, ?, ?)",["b","2",2]]'  # its newline never came
    orphan = tmp_path / "state.sqlite-pending-0123.jsonl"
    orphan.write_bytes(whole + torn + bytes(4096))
    with StateStore(path) as store:
        assert store.status() == {"a": ("1", 1)}
    assert journals(path) == []
