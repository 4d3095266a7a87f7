"""Rows per second of the file-ingest loaders against a plain pandas read of the same file.

Run from the project root:

    .venv/bin/python -m benchmarks.bench_ingest_layouts
"""

import sys
import time
from functools import partial
from pathlib import Path

import pandas as pd

from catalog.eod_chains import load_eod_chain

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FILES = {
    "ivolatility-rawiv": SHARED / "options_chains" / "ivolatility" / "spx_sample_ivolatility.csv",
}


def rows_per_second(load: object, path: Path, rows: int, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        load(path)  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return rows / best


def main() -> int:
    for layout, path in FILES.items():
        if not path.exists():
            print(f"{layout}: {path} is missing (../shared/data)")
            return 1
        rows = len(pd.read_csv(path))
        loader = rows_per_second(partial(load_eod_chain, layout=layout), path, rows)
        baseline = rows_per_second(pd.read_csv, path, rows)
        print(
            f"{layout}: {rows:,} rows; load_eod_chain {loader:,.0f} rows/s; "
            f"pandas.read_csv {baseline:,.0f} rows/s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
