"""The catalog's read index gives exactly the catalog's rows, whatever happened to the files.

Crafted catalogs (not market data): quotes of three SPY puts in two expiration months, written
by Tradefly's own catalog writer. Files are aged an hour (``os.utime``) where a test needs the
index to trust them: a file changed within ``RACY_NS`` of being indexed is read directly.
"""

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
from nautilus_trader.model.data import QuoteTick
from nautilus_trader.model.objects import Price, Quantity

import catalog.contract_index
from catalog.access import open_catalog
from catalog.contract_index import INDEX_DIR, partition_key
from catalog.contract_reads import read_by_folder
from catalog.writer import write_to_catalog
from options.instruments import make_option_contract
from options.market_calendar import session_close_ns
from options.occ import parse_occ

SYMBOLS = ["SPY240719P00470000", "SPY240719P00460000", "SPY240816P00450000"]
DAYS = [dt.date(2024, 6, 3), dt.date(2024, 6, 4), dt.date(2024, 6, 5)]
ROOT = Path(__file__).resolve().parents[3]


def _quotes(day: dt.date, bid: float) -> list[QuoteTick]:
    size = Quantity.from_int(10)
    ts = session_close_ns(day)
    return [
        QuoteTick(o.id, Price(bid + i, 2), Price(bid + i + 0.1, 2), size, size, ts, ts)
        for i, o in enumerate(_options())
    ]


def _options() -> list:
    return [make_option_contract(parse_occ(s)) for s in SYMBOLS]


def _folders() -> list[str]:
    return [str(o.id) for o in _options()]


def _catalog(tmp_path: Path) -> Path:
    write_to_catalog(tmp_path, [*_options(), *_quotes(DAYS[0], 1.0), *_quotes(DAYS[1], 2.0)])
    _age(tmp_path)
    return tmp_path


def _age(root: Path) -> None:
    """Set every catalog file and folder an hour back, as data ingested earlier."""
    then = time.time() - 3600
    for path in sorted((root / "data").rglob("*"), reverse=True):
        os.utime(path, (then, then))


def _rows(root: Path, start_ns: int | None = None) -> list[tuple[str, int, float]]:
    quotes = read_by_folder(open_catalog(root), QuoteTick, _folders(), start_ns, None)
    return sorted((str(q.instrument_id), q.ts_init, q.bid_price.as_double()) for q in quotes)


def _expected(days_bids: list[tuple[dt.date, float]]) -> list[tuple[str, int, float]]:
    return sorted(
        (folder, session_close_ns(day), round(bid + i, 2))
        for day, bid in days_bids
        for i, folder in enumerate(_folders())
    )


def _data_files_read(root: Path) -> list[str]:
    calls: list[str] = []
    real = catalog.contract_index.read_file

    def counting(path: str):  # type: ignore[no-untyped-def]
        calls.append(path)
        return real(path)

    with (
        mock.patch.object(catalog.contract_index, "read_file", counting),
        mock.patch("catalog.contract_reads.read_file", counting),
    ):
        _rows(root)
    return [c for c in calls if INDEX_DIR not in c]


def test_partitions_are_root_and_expiration_month() -> None:
    assert partition_key("SPY240719P00470000.US") == ("SPY", "2407")
    assert partition_key("SPXW210104C03700000.US-1-MINUTE-LAST-EXTERNAL") == ("SPXW", "2101")
    assert partition_key("SPY.US-1-DAY-LAST-EXTERNAL") is None
    assert partition_key("SPY.US") is None


def test_the_second_read_takes_every_row_from_the_index(tmp_path: Path) -> None:
    root = _catalog(tmp_path)
    expected = _expected([(DAYS[0], 1.0), (DAYS[1], 2.0)])
    assert _rows(root) == expected
    assert sorted(p.name for p in (root / INDEX_DIR / "quote_tick" / "SPY").iterdir()) == [
        "2407.parquet",
        "2408.parquet",
    ]
    assert _data_files_read(root) == []
    assert _rows(root) == expected
    assert _rows(root, session_close_ns(DAYS[1])) == _expected([(DAYS[1], 2.0)])


def test_a_file_added_after_indexing_is_read(tmp_path: Path) -> None:
    root = _catalog(tmp_path)
    _rows(root)
    write_to_catalog(root, _quotes(DAYS[2], 3.0))
    expected = _expected([(DAYS[0], 1.0), (DAYS[1], 2.0), (DAYS[2], 3.0)])
    assert _rows(root) == expected
    _age(root)  # trusted again: the index is rebuilt from the three files and then used
    assert _rows(root) == expected
    assert _data_files_read(root) == []


def test_a_file_rewritten_in_place_is_read_afresh(tmp_path: Path) -> None:
    root = _catalog(tmp_path)
    _rows(root)
    folder = _folders()[0]
    other = tmp_path / "other"  # the same contracts and times, other bids
    write_to_catalog(other, [*_options(), *_quotes(DAYS[0], 7.0), *_quotes(DAYS[1], 8.0)])
    (stored,) = (root / "data" / "quote_tick" / folder).glob("*.parquet")
    (replacement,) = (other / "data" / "quote_tick" / folder).glob("*.parquet")
    inode = stored.stat().st_ino
    stored.write_bytes(replacement.read_bytes())
    assert stored.stat().st_ino == inode
    then = time.time() - 3600
    os.utime(stored.parent, (then, then))  # the folder itself looks untouched
    assert [r for r in _rows(root) if r[0] == folder] == [
        (folder, session_close_ns(DAYS[0]), 7.0),
        (folder, session_close_ns(DAYS[1]), 8.0),
    ]


def test_a_damaged_partition_is_rebuilt(tmp_path: Path) -> None:
    root = _catalog(tmp_path)
    expected = _rows(root)
    partition = root / INDEX_DIR / "quote_tick" / "SPY" / "2407.parquet"
    partition.write_bytes(partition.read_bytes()[: partition.stat().st_size // 2])
    assert _rows(root) == expected
    assert _data_files_read(root) == []  # rebuilt whole by the read before


def test_an_index_that_cannot_be_written_leaves_the_rows_as_they_are(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _catalog(tmp_path)
    (root / INDEX_DIR).write_text("not a folder")
    monkeypatch.setattr(catalog.contract_index, "_warned", False)
    assert _rows(root) == _expected([(DAYS[0], 1.0), (DAYS[1], 2.0)])
    assert "read index could not be written" in caplog.text


_KILL_LOOP = """
import shutil, sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from tests.unit.catalog.test_contract_index import _rows, INDEX_DIR
root = Path(sys.argv[1])
print("ready", flush=True)
while True:
    shutil.rmtree(root / INDEX_DIR, ignore_errors=True)
    _rows(root)
"""


def test_sigkill_while_indexing_never_leaves_a_wrong_index(tmp_path: Path) -> None:
    root = _catalog(tmp_path)
    expected = _rows(root)
    for delay in (0.05, 0.13, 0.21, 0.34, 0.55):
        child = subprocess.Popen(
            [sys.executable, "-c", _KILL_LOOP, str(root), str(ROOT)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert _rows(root) == expected
    leftovers = list((root / INDEX_DIR).rglob("*.tmp"))
    assert leftovers == []


def test_a_file_that_goes_while_the_index_is_built_is_read_directly(tmp_path: Path) -> None:
    # As when an ingest rewrites the folder between the index's listing and its read.
    root = _catalog(tmp_path)
    real = catalog.contract_index.read_file
    gone = _folders()[1]

    def vanishing(path: str):  # type: ignore[no-untyped-def]
        if gone in path and INDEX_DIR not in path:
            raise FileNotFoundError(path)
        return real(path)

    with mock.patch.object(catalog.contract_index, "read_file", vanishing):
        assert _rows(root) == _expected([(DAYS[0], 1.0), (DAYS[1], 2.0)])
    assert _rows(root) == _expected([(DAYS[0], 1.0), (DAYS[1], 2.0)])  # indexed on this read


def test_a_contract_folder_removed_after_indexing_gives_no_rows(tmp_path: Path) -> None:
    root = _catalog(tmp_path)
    _rows(root)
    shutil.rmtree(root / "data" / "quote_tick" / _folders()[2])
    assert [r for r in _rows(root) if r[0] == _folders()[2]] == []


def test_a_change_in_the_clock_tick_of_the_indexing_is_not_missed(tmp_path: Path) -> None:
    # Indexed right after the write, then rewritten in place with the same size, inode and
    # modification time (a change within one tick of a coarse file-system clock): the stamps
    # match, but they were taken within RACY_NS of the file's time, so they are not trusted.
    write_to_catalog(tmp_path, [*_options(), *_quotes(DAYS[0], 1.0), *_quotes(DAYS[1], 2.0)])
    _rows(tmp_path)
    folder = _folders()[0]
    other = tmp_path / "other"
    write_to_catalog(other, [*_options(), *_quotes(DAYS[0], 7.0), *_quotes(DAYS[1], 8.0)])
    (stored,) = (tmp_path / "data" / "quote_tick" / folder).glob("*.parquet")
    (replacement,) = (other / "data" / "quote_tick" / folder).glob("*.parquet")
    before = stored.stat()
    assert replacement.stat().st_size == before.st_size
    stored.write_bytes(replacement.read_bytes())
    os.utime(stored, ns=(before.st_atime_ns, before.st_mtime_ns))
    now = stored.stat()
    assert (now.st_size, now.st_ino, now.st_mtime_ns) == (
        before.st_size,
        before.st_ino,
        before.st_mtime_ns,
    )
    assert [r for r in _rows(tmp_path) if r[0] == folder] == [
        (folder, session_close_ns(DAYS[0]), 7.0),
        (folder, session_close_ns(DAYS[1]), 8.0),
    ]


def test_a_partition_that_fails_to_be_written_leaves_the_old_one_whole(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _catalog(tmp_path)
    _rows(root)
    partition = root / INDEX_DIR / "quote_tick" / "SPY" / "2407.parquet"
    old = partition.read_bytes()
    write_to_catalog(root, _quotes(DAYS[2], 3.0))
    _age(root)

    def failing_replace(source: object, target: object) -> None:
        raise OSError("no space left on device (injected)")

    monkeypatch.setattr(catalog.contract_index.os, "replace", failing_replace)
    monkeypatch.setattr(catalog.contract_index, "_warned", False)
    assert _rows(root) == _expected([(DAYS[0], 1.0), (DAYS[1], 2.0), (DAYS[2], 3.0)])
    assert "read index could not be written" in caplog.text
    assert partition.read_bytes() == old
    assert list(partition.parent.glob("*.tmp")) == []


def test_temporary_files_of_processes_that_ended_are_removed(tmp_path: Path) -> None:
    root = _catalog(tmp_path)
    _rows(root)
    folder = root / INDEX_DIR / "quote_tick" / "SPY"
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], **_OUT)
    abandoned = folder / f"2407.parquet.{int(ended.stdout)}.tmp"
    running = folder / f"2407.parquet.{os.getpid()}.tmp"
    abandoned.write_bytes(b"half a partition")
    running.write_bytes(b"being written")
    assert _rows(root) == _expected([(DAYS[0], 1.0), (DAYS[1], 2.0)])
    assert not abandoned.exists()
    assert running.exists()


_OUT = {"capture_output": True, "text": True, "check": True}
