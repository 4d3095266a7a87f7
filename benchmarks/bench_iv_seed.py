"""IV history seeding: the 30-day ATM IV of the sessions before a run, read from the catalog.

Ingests the real SPY 2021 EOD chain into a temporary catalog (or reuses ``--catalog``), then
times :func:`strategies.iv_seed.prior_atm_ivs` for an iron condor's strategy engine (puts and
calls, ``dte_max`` 50) at a few start dates and look-backs: the catalog files read, the
sessions given, wall and CPU time, and the calls and CPU of the Black-Scholes IV solver. The
"mids only" case ignores the vendor's IVs (as for a catalog of quotes without greeks), so every
contract's IV is solved from its mid.

    .venv/bin/python benchmarks/bench_iv_seed.py
    .venv/bin/python benchmarks/bench_iv_seed.py --catalog /tmp/spy2021-catalog
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

from nautilus_trader.model.enums import OptionKind

import options.iv_metrics
import strategies.iv_seed
import strategies.trend_seed
from catalog.access import open_catalog
from strategies.structure_engine import StructureEngineConfig
from tradefly.cli import main as tradefly_main

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CHAIN = DATA / "options_chains" / "lambdaclass_SPY_options_2021_prod_1y.csv"
BARS = DATA / "underlying_daily" / "lambdaclass_SPY_daily_2021.csv"
CASES = (
    (60, dt.date(2021, 7, 1), True),
    (252, dt.date(2021, 12, 31), True),
    (252, dt.date(2021, 12, 31), False),
    (252, dt.date(2021, 1, 4), True),
)


def _ingest(folder: Path) -> Path:
    catalog = folder / "catalog"
    argv = ["ingest", "eod-chains", str(CHAIN), "--bars", str(BARS), "--catalog", str(catalog)]
    if tradefly_main([*argv, "--no-progress"]) != 0:
        raise SystemExit("ingest failed")
    return catalog


def _run(catalog_dir: Path) -> None:
    catalog = open_catalog(catalog_dir)
    kinds = [OptionKind.PUT, OptionKind.CALL]
    read = strategies.iv_seed.read_by_folder
    solve = options.iv_metrics.implied_vol_array
    for window, start, vendor in CASES:
        config = StructureEngineConfig(
            underlying="SPY", structure="iron_condor", dte_min=20, dte_max=50, iv_window=window
        )
        files = solver_calls = 0
        solver_cpu = 0.0

        def counting(catalog: Any, data_cls: type, folders: list[str], *rest: Any) -> list[Any]:
            nonlocal files
            files += len(folders)
            return read(catalog, data_cls, folders, *rest)

        def timed(*args: Any) -> Any:
            nonlocal solver_calls, solver_cpu
            solver_calls += 1
            began = time.process_time()
            result = solve(*args)
            solver_cpu += time.process_time() - began
            return result

        with contextlib.ExitStack() as patches:
            for module in (strategies.iv_seed, strategies.trend_seed):
                patches.enter_context(mock.patch.object(module, "read_by_folder", counting))
            patches.enter_context(mock.patch.object(options.iv_metrics, "implied_vol_array", timed))
            if not vendor:
                patches.enter_context(
                    mock.patch.object(strategies.iv_seed, "_vendor_iv", lambda _greeks: None)
                )
            wall, cpu = time.perf_counter(), time.process_time()
            seed = strategies.iv_seed.prior_atm_ivs(catalog, config, start, kinds)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(
            f"iv_window {window:3d}, start {start}, {'vendor IVs' if vendor else 'mids only '}: "
            f"{len(seed):3d} sessions seeded, {files:5d} catalog folders read, "
            f"wall {wall:.2f} s, CPU {cpu:.2f} s (IV solver: {solver_calls} calls, "
            f"CPU {solver_cpu:.3f} s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, help="an ingested SPY 2021 catalog to reuse")
    args = parser.parse_args()
    if args.catalog is not None:
        _run(args.catalog)
        return
    with tempfile.TemporaryDirectory() as folder:
        _run(_ingest(Path(folder)))


if __name__ == "__main__":
    main()
