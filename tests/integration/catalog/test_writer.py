"""write_to_catalog: idempotent merges, sorted output, and atomicity under injected failures."""

import datetime as dt
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from nautilus_trader.core.data import Data
from nautilus_trader.model.data import Bar, OptionGreeks, QuoteTick
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from catalog import writer
from catalog.eod_chains import load_eod_chain
from catalog.validation import LoadResult
from catalog.writer import WriteStats, write_to_catalog
from options.instruments import daily_bar_type, make_equity, make_option_contract
from options.market_calendar import session_close_ns
from options.occ import parse_occ
from tests.conftest import shared_data_path

DAYS = [dt.date(2021, 1, 4), dt.date(2021, 1, 5), dt.date(2021, 1, 6)]
OPTION = make_option_contract(parse_occ("SPY210129P00360000"))
EQUITY = make_equity("SPY")


def _quote(day: dt.date, bid: str = "4.33") -> QuoteTick:
    ts = session_close_ns(day)
    size = Quantity.from_int(10)
    return QuoteTick(OPTION.id, Price.from_str(bid), Price.from_str("4.36"), size, size, ts, ts)


def _greeks(day: dt.date) -> OptionGreeks:
    ts = session_close_ns(day)
    nan = float("nan")
    return OptionGreeks(
        OPTION.id, -0.3, 0.015, 0.33, -0.16, 0.0, 0.24, nan, nan, 371.33, 1.0, ts, ts
    )


def _bar(day: dt.date, close: str = "371.3300") -> Bar:
    ts = session_close_ns(day)
    p = Price.from_str
    return Bar(
        daily_bar_type(EQUITY.id),
        p("368.1000"),
        p("372.5000"),
        p("368.0500"),
        p(close),
        Quantity.from_int(100),
        ts,
        ts,
    )


def _snapshot(root: Path) -> dict[str, str]:
    """Return {relative path: sha256 or '<dir>'} for everything under `root`."""
    return {
        str(path.relative_to(root)): (
            "<dir>" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
        )
        for path in sorted(root.rglob("*"))
    }


def _catalog_rows(catalog_dir: Path) -> dict[str, list[str]]:
    catalog = ParquetDataCatalog(str(catalog_dir))
    return {
        "instruments": sorted(str(i.id) for i in catalog.instruments()),
        "quotes": [str(q) for q in catalog.quote_ticks()],
        "greeks": [repr(g) + str(g.ts_init) for g in catalog.query(OptionGreeks)],
        "bars": [str(b) for b in catalog.bars()],
    }


def _data(days: Sequence[dt.date]) -> list[Data]:
    return [
        OPTION,
        EQUITY,
        *(_quote(d) for d in days),
        *(_greeks(d) for d in days),
        *(_bar(d) for d in days),
    ]


def test_writes_then_rewriting_adds_nothing(tmp_path: Path) -> None:
    catalog_dir = tmp_path / "catalog"
    first = write_to_catalog(catalog_dir, _data(DAYS))
    snapshot = _snapshot(catalog_dir)

    second = write_to_catalog(catalog_dir, _data(DAYS))

    assert first == WriteStats(rows_written=9, instruments_written=2)
    assert second == WriteStats(rows_already_present=9, instruments_already_present=2)
    assert _snapshot(catalog_dir) == snapshot  # not even rewritten
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog"]


def test_new_days_merge_into_one_sorted_file_without_duplicates(tmp_path: Path) -> None:
    catalog_dir = tmp_path / "catalog"
    write_to_catalog(catalog_dir, _data(DAYS[:2]))

    stats = write_to_catalog(catalog_dir, list(reversed(_data(DAYS[1:]))))

    assert stats == WriteStats(
        rows_written=3, rows_already_present=3, instruments_already_present=2
    )
    rows = _catalog_rows(catalog_dir)
    assert rows["instruments"] == ["SPY.US", "SPY210129P00360000.US"]
    assert rows["quotes"] == [str(_quote(d)) for d in DAYS]
    assert rows["bars"] == [str(_bar(d)) for d in DAYS]
    assert len(rows["greeks"]) == 3
    for kind in ("quote_tick", "option_greeks", "bar"):
        [directory] = (catalog_dir / "data" / kind).iterdir()
        assert len(list(directory.glob("*.parquet"))) == 1


def test_repeats_within_one_input_are_written_once(tmp_path: Path) -> None:
    stats = write_to_catalog(tmp_path / "catalog", [*_data(DAYS[:1]), *_data(DAYS[:1])])

    assert stats == WriteStats(
        rows_written=3, rows_already_present=3, instruments_written=2, instruments_already_present=2
    )


def test_same_time_with_other_values_is_refused_and_counted_as_conflict(tmp_path: Path) -> None:
    catalog_dir = tmp_path / "catalog"
    write_to_catalog(catalog_dir, [_bar(DAYS[0])])
    before = _catalog_rows(catalog_dir)["bars"]

    second_version = [_bar(DAYS[0], close="371.3400"), _bar(DAYS[1]), _bar(DAYS[1], "371.0000")]
    stats = write_to_catalog(catalog_dir, second_version)

    assert stats == WriteStats(rows_written=1, conflicting_rows=2)
    bars = _catalog_rows(catalog_dir)["bars"]
    assert len(bars) == 2
    assert bars[0] == before[0]  # the stored bar, not the vendor's other version
    assert bars[1] == str(_bar(DAYS[1]))  # the input's first version of a new day


def test_rejects_non_nautilus_objects(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="was <class 'str'>"):
        write_to_catalog(tmp_path / "catalog", ["not data"])  # type: ignore[list-item]
    assert not (tmp_path / "catalog").exists()


def _fail_after_first_write(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> list[Path]:
    calls: list[Path] = []
    original = writer._write_parquet

    def failing(table: pa.Table, directory: Path) -> Path:
        calls.append(directory)
        if len(calls) > 1:
            raise error
        return original(table, directory)

    monkeypatch.setattr(writer, "_write_parquet", failing)
    return calls


@pytest.mark.parametrize("error", [OSError("disk full (injected)"), KeyboardInterrupt()])
def test_failure_midway_leaves_the_catalog_byte_for_byte_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    catalog_dir = tmp_path / "catalog"
    write_to_catalog(catalog_dir, _data(DAYS[:2]))
    before = _snapshot(catalog_dir)
    calls = _fail_after_first_write(monkeypatch, error)

    with pytest.raises(type(error)):
        write_to_catalog(catalog_dir, _data(DAYS))

    assert len(calls) >= 2  # it failed midway, after a successful write
    assert _snapshot(catalog_dir) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog"]  # no staging left


# (stored data, renames of the commit): a changed directory takes 2 renames, a new one 1.
COMMITS = {
    "3-changed-dirs": (_data(DAYS[:2]), 6),
    "3-new-dirs-1-changed": ([EQUITY, *(_bar(d) for d in DAYS[:2])], 5),
}


@pytest.mark.parametrize("after", [False, True], ids=["before-rename", "after-rename"])
@pytest.mark.parametrize(
    ("stored", "failing_call"),
    [(name, call) for name, (_, renames) in COMMITS.items() for call in range(1, renames + 1)],
)
def test_interrupt_during_commit_is_rolled_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stored: str, failing_call: int, after: bool
) -> None:
    """Ctrl-C at any rename of the commit, before or after it took effect."""
    catalog_dir = tmp_path / "catalog"
    write_to_catalog(catalog_dir, COMMITS[stored][0])
    before = _snapshot(catalog_dir)
    calls = []
    original = Path.rename

    def interrupted(self: Path, target: Any) -> Path:
        calls.append(self)
        if len(calls) == failing_call and not after:
            raise KeyboardInterrupt
        result = original(self, target)
        if len(calls) == failing_call:
            raise KeyboardInterrupt
        return result

    monkeypatch.setattr(Path, "rename", interrupted)

    with pytest.raises(KeyboardInterrupt):
        write_to_catalog(catalog_dir, _data(DAYS))

    assert _snapshot(catalog_dir) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog"]


def test_failure_on_a_new_catalog_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fail_after_first_write(monkeypatch, OSError("injected"))

    with pytest.raises(OSError, match="injected"):
        write_to_catalog(tmp_path / "catalog", _data(DAYS))

    assert list(tmp_path.iterdir()) == []


def test_real_chain_reingest_is_idempotent(tmp_path: Path) -> None:
    path = shared_data_path("options_chains/lambdaclass_SPY_options_2021_prod_1y.csv")
    loaded: LoadResult = load_eod_chain(path)
    # January 2021 keeps the test fast (the CLI test ingests the whole file).
    january = [d for d in loaded.data if d.ts_init <= session_close_ns(dt.date(2021, 1, 29))]
    ids = {d.instrument_id.value for d in january} | {"SPY.US"}
    data = [*(loaded.instruments[i] for i in sorted(ids)), *january]
    catalog_dir = tmp_path / "catalog"

    first = write_to_catalog(catalog_dir, data)
    rows = _catalog_rows(catalog_dir)
    second = write_to_catalog(catalog_dir, data)

    assert first.rows_written == len(data) - first.instruments_written > 500
    assert second.rows_written == 0
    assert second.rows_already_present == first.rows_written
    assert _catalog_rows(catalog_dir) == rows


def test_later_days_are_appended_as_a_new_file_and_read_back_whole(tmp_path: Path) -> None:
    catalog_dir = tmp_path / "catalog"
    write_to_catalog(catalog_dir, _data(DAYS[:1]))
    first_files = {p.relative_to(catalog_dir) for p in catalog_dir.rglob("*.parquet")}

    stats = write_to_catalog(catalog_dir, _data(DAYS[1:]))

    assert stats == WriteStats(rows_written=6, instruments_already_present=2)
    files = {p.relative_to(catalog_dir) for p in catalog_dir.rglob("*.parquet")}
    assert first_files < files and len(files - first_files) == 3  # one more per data type
    rows = _catalog_rows(catalog_dir)
    assert rows["quotes"] == [str(_quote(d)) for d in DAYS]
    assert rows["bars"] == [str(_bar(d)) for d in DAYS]
    assert len(rows["greeks"]) == 3
