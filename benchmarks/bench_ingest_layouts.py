"""Rows per second of each file-ingest layout against a plain pandas read of the same file.

Run from the project root:

    .venv/bin/python -m benchmarks.bench_ingest_layouts [--repeat 3] [--only NAME ...]

For each layout, one real file from ``../shared/data`` is loaded by its Tradefly loader
(parse, validate, build instruments and Nautilus data; no catalog write) and read by
``pandas.read_csv`` (reading only, the baseline), best of ``--repeat`` runs each. Rows are
the loader's data rows (a Cboe quote-table line is two rows, a call and a put).
"""

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd

from catalog.eod_chains import load_eod_chain
from catalog.option_bars import load_option_bars
from catalog.underlying_bars import load_underlying_bars
from catalog.validation import LoadResult

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@dataclass(frozen=True)
class Case:
    """One layout's file, its loader and the pandas read of it."""

    layout: str
    files: tuple[str, ...]
    load: Callable[[Path], LoadResult]
    read: Callable[[Path], pd.DataFrame]


CASES = (
    Case(
        "historicaloptiondata",
        ("options_chains/lambdaclass_SPY_options_2021_prod_1y.csv",),
        load_eod_chain,
        pd.read_csv,
    ),
    Case(
        "ivolatility-rawiv",
        ("options_chains/ivolatility/spx_sample_ivolatility.csv",),
        load_eod_chain,
        pd.read_csv,
    ),
    Case(
        "cboe-quotetable",
        ("options_chains/cboe_quotedata_snapshots/spx_quotedata_commit2023-04-14_ceb5fc9.csv",),
        load_eod_chain,
        partial(pd.read_csv, skiprows=3),
    ),
    Case(
        "polygon-dayaggs",
        ("options_chains/polygon_dayaggs_monthly/SPY/2020_options_pessimistic.csv",),
        load_option_bars,
        pd.read_csv,
    ),
    Case(
        "lean-universe",
        tuple(
            f"options_chains/lean_universes/{root}/{day}.csv"
            for root, days in (
                ("spx", ("20151222", "20151223")),
                (
                    "spy",
                    (
                        "20231228",
                        "20231229",
                        "20240102",
                        "20240103",
                        "20240104",
                        "20240105",
                        "20240108",
                        "20240109",
                    ),
                ),
            )
            for day in days
        ),
        load_option_bars,
        pd.read_csv,
    ),
    Case(
        "tiingo",
        ("underlying_daily/lambdaclass_ETFs_daily_2017_2018.csv",),
        load_underlying_bars,
        pd.read_csv,
    ),
    Case(
        "yfinance",
        ("underlying_daily/yfinance_rjdabest/daily_SPY.csv",),
        partial(load_underlying_bars, ticker="SPY"),
        pd.read_csv,
    ),
    Case(
        "alpha-vantage",
        ("alpha_vantage/csv/daily_adjusted_SPY.csv",),
        partial(load_underlying_bars, ticker="SPY"),
        pd.read_csv,
    ),
    Case(
        "nasdaq",
        ("underlying_daily/nasdaq_com/HistoricalData_AAPL.csv",),
        partial(load_underlying_bars, ticker="AAPL"),
        pd.read_csv,
    ),
    Case(
        "lean-daily",
        ("underlying_daily/lean/equity/usa/daily/aapl.zip",),
        load_underlying_bars,
        partial(pd.read_csv, header=None),
    ),
)


def best_seconds(run: Callable[[], object], repeat: int) -> float:
    """Return the shortest wall time of `repeat` calls of `run`."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def measure(case: Case, repeat: int) -> tuple[int, float, float] | None:
    """Return (rows, loader rows/s, pandas rows/s), or None when a file is missing."""
    paths = [SHARED / name for name in case.files]
    if not all(path.exists() for path in paths):
        return None
    rows = sum(case.load(path).rows_read for path in paths)

    def load_all() -> None:
        for path in paths:
            case.load(path)

    def read_all() -> None:
        for path in paths:
            case.read(path)

    return rows, rows / best_seconds(load_all, repeat), rows / best_seconds(read_all, repeat)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best)")
    parser.add_argument("--only", nargs="+", metavar="LAYOUT", help="measure these layouts")
    args = parser.parse_args(argv)
    print("| layout | file(s) | rows | loader | pandas.read_csv | ratio |")
    print("|---|---|---|---|---|---|")
    missing = False
    for case in CASES:
        if args.only and case.layout not in args.only:
            continue
        result = measure(case, args.repeat)
        name = case.files[0] if len(case.files) == 1 else f"{len(case.files)} files"
        if result is None:
            print(f"| `{case.layout}` | `{name}` missing (../shared/data) | | | | |")
            missing = True
            continue
        rows, loader, baseline = result
        print(
            f"| `{case.layout}` | `{Path(name).name}` | {rows:,} | {loader:,.0f} rows/s | "
            f"{baseline:,.0f} rows/s | {loader / baseline:.3f} |",
            flush=True,
        )
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
