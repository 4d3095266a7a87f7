"""Rows per second of the LEAN minute ingest against a plain pandas read of the same zip.

For each real zip of ``../shared/data/intraday/lean_minute``:

- pandas baseline: ``zipfile`` + one ``pandas.read_csv`` per CSV inside (reading only);
- load: :func:`catalog.lean_minute.load_lean_minute` (parse, validate, build contracts,
  quotes and bars);
- ingest: :func:`catalog.ingest.ingest_lean_minute` into a fresh catalog (load, then the
  atomic write: one Parquet file per contract and type).

Best of ``--repeat`` runs (ingest: one run, a fresh catalog each time). Run from the project
root:

    .venv/bin/python -m benchmarks.bench_lean_minute_ingest [--repeat 3]
"""

import argparse
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from catalog.ingest import ingest_lean_minute
from catalog.lean_minute import load_lean_minute

LEAN = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "intraday" / "lean_minute"
FILES = {
    "GOOG 2015-12-24 option quotes, full chain": "option/usa/minute/goog/20151224_quote_american.zip",  # noqa: E501
    "AAPL 2014-06-06 option trades": "option/usa/minute/aapl/20140606_trade_american.zip",
    "SPXW 2021-01-04 option quotes": "indexoption/usa/minute/spxw/20210104_quote_european.zip",
    "SPY 2023-08-03 equity quotes": "equity/usa/minute/spy/20230803_quote.zip",
    "SPX 2021-01-04 index bars": "index/usa/minute/spx/20210104_trade.zip",
}  # fmt: skip


def pandas_read(path: Path) -> int:
    """Read every CSV of the zip with pandas; return the rows read."""
    rows = 0
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            with archive.open(name) as handle:
                rows += len(pd.read_csv(handle, header=None))
    return rows


def best_seconds(run: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("| file | rows | pandas read | load | ingest (load + write) |")
    print("|---|---|---|---|---|")
    for label, relative in FILES.items():
        path = LEAN / relative
        if not path.exists():
            print(f"{path} is missing (../shared/data)")
            return 1
        rows = pandas_read(path)
        baseline = best_seconds(lambda p=path: pandas_read(p), args.repeat)  # type: ignore[misc]
        load = best_seconds(lambda p=path: load_lean_minute(p), args.repeat)  # type: ignore[misc]
        with tempfile.TemporaryDirectory(prefix="bench-lean-") as tmp:
            start = time.perf_counter()
            ingest_lean_minute(Path(tmp) / "catalog", [path], show_progress=False)
            ingest = time.perf_counter() - start
        print(
            f"| {label} | {rows:,} | {rows / baseline:,.0f} rows/s | {rows / load:,.0f} rows/s "
            f"| {rows / ingest:,.0f} rows/s |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
