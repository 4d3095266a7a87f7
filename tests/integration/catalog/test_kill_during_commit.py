"""Catalog writes killed with SIGKILL: the next command that opens the catalog repairs them.

A real ``tradefly ingest eod-chains`` (a child process) writes the first eight sessions of the
real 2021 SPY chain and bars over a catalog holding the first four, so its commit replaces
directories, adds new ones and appends files. The writer's test-only hook
(``TRADEFLY_TEST_KILL_AT=catalog.commit.renames.k``) kills it with SIGKILL after the k-th rename of
its commit. The next command must leave the catalog byte for byte as the uninterrupted
ingest does, say so in one line, and leave no staging folder.
"""

import hashlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from nautilus_trader.model.data import OptionGreeks
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from catalog.access import catalog_lock, open_catalog
from catalog.commit import JOURNAL_NAME, Commit
from catalog.contract_index import INDEX_DIR
from catalog.ingest import ingest_eod_chains
from statestore.kill_points import KILL_AT_ENV
from tests.conftest import PROJECT_ROOT, shared_data_path
from tradefly.backtest.config import load_run_config
from tradefly.backtest.runner import load_run_data

CHAIN_2021 = "options_chains/lambdaclass_SPY_options_2021_prod_1y.csv"
SPY_2021 = "underlying_daily/lambdaclass_SPY_daily_2021.csv"
CONFIG = PROJECT_ROOT / "configs" / "backtest" / "spy2021_weekly_put.yaml"
CHAIN_ROWS_PER_SESSION = 20


@dataclass(frozen=True)
class Scenario:
    """Input files, the catalog before and after the ingest, and its commit's size."""

    folder: Path
    before: Path  # the catalog before the ingest (copy it, never write to it)
    after_rows: dict[str, list[str]]
    before_snapshot: dict[str, str]
    after_snapshot: dict[str, str]
    files: int  # Parquet files the ingest stages
    renames: int  # renames of its commit

    def ingest_args(self, catalog_dir: Path) -> list[str]:
        return [
            "eod-chains",
            str(self.folder / "chain_sessions_3_to_8.csv"),
            "--bars",
            str(self.folder / "bars_sessions_1_to_8.csv"),
            "--catalog",
            str(catalog_dir),
            "--no-progress",
        ]

    def fresh_catalog(self, tmp_path: Path) -> Path:
        catalog_dir = tmp_path / "catalog"
        shutil.copytree(self.before, catalog_dir)
        return catalog_dir


def _sessions(source: Path, destination: Path, first: int, last: int, rows_per: int) -> Path:
    """Copy the header and the data rows of sessions `first`..`last` (1-based) of `source`."""
    lines = source.read_text().splitlines(keepends=True)
    destination.write_text(
        "".join([lines[0], *lines[1 + (first - 1) * rows_per : 1 + last * rows_per]])
    )
    return destination


def _snapshot(root: Path) -> dict[str, str]:
    """Return {relative path: sha256 or '<dir>'} for everything under `root`.

    The read index (a cache a backtest's read writes, :mod:`catalog.contract_index`) is left
    out: it is not the catalog's data.
    """
    return {
        str(path.relative_to(root)): (
            "<dir>" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
        )
        for path in sorted(root.rglob("*"))
        if INDEX_DIR not in path.relative_to(root).parts
    }


def _rows(catalog: ParquetDataCatalog) -> dict[str, list[str]]:
    return {
        "instruments": sorted(repr(i) for i in catalog.instruments()),
        "quotes": [str(q) for q in catalog.quote_ticks()],
        "greeks": [repr(g) + str(g.ts_init) for g in catalog.query(OptionGreeks)],
        "bars": [str(b) for b in catalog.bars()],
    }


def _tradefly(args: list[str], kill_after: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != KILL_AT_ENV}
    if kill_after is not None:
        env[KILL_AT_ENV] = f"catalog.commit.renames.{kill_after}"
    command = [sys.executable, "-m", "tradefly.cli", "ingest", *args]
    return subprocess.run(
        command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False
    )


def _staging_dirs(catalog_dir: Path) -> list[Path]:
    return sorted(catalog_dir.parent.glob(f".{catalog_dir.name}.staging-*"))


def _kill_ingest(scenario: Scenario, catalog_dir: Path, after_renames: int) -> Path:
    """Run the ingest until the hook kills it; return its staging folder."""
    killed = _tradefly(scenario.ingest_args(catalog_dir), kill_after=after_renames)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    [staging] = _staging_dirs(catalog_dir)
    assert (staging / JOURNAL_NAME).exists()
    return staging


def _repair_with_next_command(scenario: Scenario, catalog_dir: Path) -> str:
    """Run an ingest that adds nothing (the stored first bars); return its stderr."""
    bars = str(scenario.folder / "bars_sessions_1_to_4.csv")
    done = _tradefly(["bars", bars, "--catalog", str(catalog_dir), "--no-progress"])
    assert done.returncode == 0, done.stderr
    assert "catalog rows written                   0" in done.stdout
    return done.stderr


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    folder = tmp_path_factory.mktemp("kill")
    chain, bars = shared_data_path(CHAIN_2021), shared_data_path(SPY_2021)
    per = CHAIN_ROWS_PER_SESSION
    first_chain = _sessions(chain, folder / "chain_sessions_1_to_4.csv", 1, 4, per)
    first_bars = _sessions(bars, folder / "bars_sessions_1_to_4.csv", 1, 4, 1)
    _sessions(chain, folder / "chain_sessions_3_to_8.csv", 3, 8, per)
    _sessions(bars, folder / "bars_sessions_1_to_8.csv", 1, 8, 1)
    before = folder / "before" / "catalog"
    ingest_eod_chains(before, [first_chain], bar_files=[first_bars], show_progress=False)

    after = folder / "after" / "catalog"
    shutil.copytree(before, after)
    partial = Scenario(folder, before, {}, _snapshot(before), {}, 0, 0)
    args = partial.ingest_args(after)
    ingest_eod_chains(after, [Path(args[1])], bar_files=[Path(args[3])], show_progress=False)

    probe = partial.fresh_catalog(folder / "probe")
    journal = json.loads((_kill_ingest(partial, probe, 0) / JOURNAL_NAME).read_text())
    return Scenario(
        folder=folder,
        before=before,
        after_rows=_rows(ParquetDataCatalog(str(after))),
        before_snapshot=partial.before_snapshot,
        after_snapshot=_snapshot(after),
        files=journal["files"],
        renames=sum(2 if move["replaces"] else 1 for move in journal["moves"]),
    )


def test_scenario_commit_replaces_adds_and_appends(scenario: Scenario) -> None:
    assert scenario.before_snapshot != scenario.after_snapshot
    # 28 new contracts (4 directories each: instrument, quotes, greeks, volume), 19 contracts
    # with quotes, greeks and volume rewritten (3 each), 4 contracts with a file appended (3
    # each), the SPY bars and the SPY vendor-greeks audit (derived from the chain, written in
    # the same commit) rewritten.
    assert scenario.files == 28 * 4 + 19 * 3 + 4 * 3 + 1 + 1
    assert scenario.renames == 28 * 4 + 2 * (19 * 3 + 1 + 1) + 4 * 3


@pytest.mark.parametrize("point", ["0", "1", "middle", "last"])
def test_kill_after_kth_rename_is_rolled_forward_by_the_next_command(
    scenario: Scenario, tmp_path: Path, point: str
) -> None:
    after = {"0": 0, "1": 1, "middle": scenario.renames // 2, "last": scenario.renames}[point]
    catalog_dir = scenario.fresh_catalog(tmp_path)

    _kill_ingest(scenario, catalog_dir, after)
    if point == "middle":  # what a reader would see without the repair: half-written
        assert _snapshot(catalog_dir) not in (scenario.before_snapshot, scenario.after_snapshot)

    stderr = _repair_with_next_command(scenario, catalog_dir)

    notice = f"catalog: repaired an interrupted write of {scenario.files} files (rolled forward)"
    assert stderr.splitlines().count(notice) == 1
    assert _staging_dirs(catalog_dir) == []
    assert _snapshot(catalog_dir) == scenario.after_snapshot
    assert _rows(ParquetDataCatalog(str(catalog_dir))) == scenario.after_rows


def test_kill_before_the_journal_leaves_the_catalog_as_before(
    scenario: Scenario, tmp_path: Path
) -> None:
    catalog_dir = scenario.fresh_catalog(tmp_path)
    staging = _kill_ingest(scenario, catalog_dir, 0)
    # A kill an instant earlier, before the journal's rename: the staged files, no journal.
    (staging / JOURNAL_NAME).rename(staging / f"{JOURNAL_NAME}.partial")

    stderr = _repair_with_next_command(scenario, catalog_dir)

    notice = f"catalog: repaired an interrupted write of {scenario.files} files (rolled back)"
    assert notice in stderr.splitlines()
    assert _staging_dirs(catalog_dir) == []
    assert _snapshot(catalog_dir) == scenario.before_snapshot


def test_backtest_data_loading_repairs_before_reading(
    scenario: Scenario, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    catalog_dir = scenario.fresh_catalog(tmp_path)
    _kill_ingest(scenario, catalog_dir, scenario.renames // 2)

    with caplog.at_level(logging.WARNING, logger="catalog"):
        run_data = load_run_data(load_run_config(CONFIG), catalog_dir)

    assert caplog.messages == [
        f"catalog: repaired an interrupted write of {scenario.files} files (rolled forward)"
    ]
    assert _staging_dirs(catalog_dir) == []
    assert _snapshot(catalog_dir) == scenario.after_snapshot
    assert len([d for d in run_data.data if type(d).__name__ == "Bar"]) == 8


def test_failed_rollback_keeps_the_journal_for_the_next_open(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog_dir = scenario.fresh_catalog(tmp_path)
    args = scenario.ingest_args(catalog_dir)
    renames = 0
    original_rename = Path.rename

    def failing_rename(self: Path, target: Path) -> Path:
        nonlocal renames
        renames += 1
        if renames == 10:
            raise OSError("disk error (injected)")
        return original_rename(self, target)

    def failing_rollback(self: Commit) -> None:
        raise OSError("rollback failed (injected)")

    monkeypatch.setattr(Path, "rename", failing_rename)
    monkeypatch.setattr(Commit, "rollback", failing_rollback)
    with pytest.raises(OSError, match="rollback failed"):
        ingest_eod_chains(
            catalog_dir, [Path(args[1])], bar_files=[Path(args[3])], show_progress=False
        )
    monkeypatch.undo()
    [staging] = _staging_dirs(catalog_dir)
    assert (staging / JOURNAL_NAME).exists()

    assert _rows(open_catalog(catalog_dir)) == scenario.after_rows
    assert _staging_dirs(catalog_dir) == []


def test_unreadable_journal_is_an_error_naming_it(tmp_path: Path) -> None:
    catalog_dir = tmp_path / "catalog"
    staging = tmp_path / ".catalog.staging-crafted1"
    staging.mkdir()
    (staging / JOURNAL_NAME).write_text("{not json")

    with pytest.raises(ValueError, match=f"unreadable commit journal {staging / JOURNAL_NAME}"):
        open_catalog(catalog_dir)


def test_a_write_waits_for_the_catalog_lock(scenario: Scenario, tmp_path: Path) -> None:
    catalog_dir = scenario.fresh_catalog(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != KILL_AT_ENV}
    command = [sys.executable, "-m", "tradefly.cli", "ingest", *scenario.ingest_args(catalog_dir)]

    with catalog_lock(catalog_dir):
        child = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stderr is not None
        lines = iter(child.stderr.readline, "")
        waiting = next((line for line in lines if "waiting for another write" in line), None)
        assert waiting == f"catalog: waiting for another write to {catalog_dir} to finish\n"
        assert child.poll() is None  # it cannot finish while the lock is held
    child.stderr.read()

    assert child.wait() == 0
    assert _snapshot(catalog_dir) == scenario.after_snapshot


def test_staging_of_a_writer_without_journal_gives_back_the_directories_it_moved_out(
    scenario: Scenario, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Writers before the journal moved live directories to ``old/`` first; a kill lost them."""
    catalog_dir = scenario.fresh_catalog(tmp_path)
    staging = tmp_path / ".catalog.staging-legacy01"
    moved_out = [
        Path("data/bar/SPY.US-1-DAY-LAST-EXTERNAL"),
        next((catalog_dir / "data/quote_tick").iterdir()).relative_to(catalog_dir),
    ]
    for relative in moved_out:
        (staging / "old" / relative).parent.mkdir(parents=True, exist_ok=True)
        (catalog_dir / relative).rename(staging / "old" / relative)
        shutil.copytree(staging / "old" / relative, staging / "new" / relative)
    other_catalogs_staging = tmp_path / ".catalog.staging-other.staging-abcd1234"
    other_catalogs_staging.mkdir()

    with caplog.at_level(logging.WARNING, logger="catalog"):
        open_catalog(catalog_dir)

    assert caplog.messages == [
        "catalog: repaired an interrupted write of 2 files (rolled back, 2 directories restored)"
    ]
    assert _snapshot(catalog_dir) == scenario.before_snapshot
    assert _staging_dirs(catalog_dir) == [other_catalogs_staging]
