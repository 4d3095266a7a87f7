"""HISTORICAL_OPTIONS decode, validate and write throughput, against json.loads + pandas.

No real HISTORICAL_OPTIONS capture exists, so the replies are SYNTHETIC, generated in the
documented vendor layout (../shared/docs/api-alphavantage.md: every value a string, strikes
with two decimals, IV and greeks with five): an SPY-like chain of the next 40 weekly
expirations x 100 strikes x call/put = 8,000 contracts per session, rolling forward a week at
a time, for consecutive sessions (default 63, a quarter).

Measured, in contracts (vendor rows) per second, in one process:

- adapter, decode + validate: ``decode_options`` + ``parse_option_columns`` (every check the
  ingest makes, contracts built once per contract), first session and the rest;
- adapter, decode + validate + write: the ingest's flush of all the sessions at once
  (``option_tables``, ``write_to_catalog`` with the new contracts) into a
  fresh catalog, then the next sessions appended to it;
- the Nautilus layout's floor: the same files (a directory and a Parquet file per contract
  and type) written straight with ``pyarrow.parquet.write_table`` from the tables already
  built, no planning, staging or checks: no writer of this layout can beat it here;
- baseline: ``json.loads`` + ``pandas.DataFrame`` + numeric conversion + the same bid/ask
  checks as vectorised masks, then ``DataFrame.to_parquet`` of everything as one file (not
  the Nautilus catalog's file per contract and type).

Usage: .venv/bin/python benchmarks/bench_alphavantage_options.py [--sessions N]
"""

import argparse
import datetime as dt
import json
import math
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.alphavantage.parsing.options import (  # noqa: E402
    ContractCache,
    OptionChainColumns,
    parse_option_columns,
)
from adapters.alphavantage.schemas.options import decode_options  # noqa: E402
from catalog.nautilus_tables import option_tables  # noqa: E402
from catalog.writer import ROW_GROUP_SIZE, WRITE_THREADS, object_tables, write_to_catalog  # noqa: E402
from options.instruments import make_equity  # noqa: E402
from options.market_calendar import sessions_between  # noqa: E402

EXPIRATIONS = 40
STRIKES = 100
NUMERIC = [
    "strike", "last", "mark", "bid", "bid_size", "ask", "ask_size", "volume", "open_interest",
    "implied_volatility", "delta", "gamma", "theta", "vega", "rho",
]  # fmt: skip


def synthetic_chain(session: dt.date) -> bytes:
    """Return a SYNTHETIC HISTORICAL_OPTIONS reply in the documented layout."""
    spot = 420.0
    expirations = [
        day
        for day in sessions_between(
            session + dt.timedelta(days=1), session + dt.timedelta(days=800)
        )
        if day.weekday() == 4
    ][:EXPIRATIONS]
    rows = []
    for expiration in expirations:
        years = (expiration - session).days / 365.0
        for index in range(STRIKES):
            strike = 300 + 2.5 * index
            for kind in ("call", "put"):
                moneyness = (spot - strike) if kind == "call" else (strike - spot)
                value = max(0.05, moneyness) + 8.0 * math.sqrt(years)
                bid = round(value * 0.99, 2)
                ask = round(value * 1.01 + 0.01, 2)
                occ = f"SPY{expiration:%y%m%d}{kind[0].upper()}{int(strike * 1000):08d}"
                rows.append({
                    "contractID": occ, "symbol": "SPY", "expiration": expiration.isoformat(),
                    "strike": f"{strike:.2f}", "type": kind, "last": f"{value:.2f}",
                    "mark": f"{(bid + ask) / 2:.2f}", "bid": f"{bid:.2f}",
                    "bid_size": str(10 + index % 40), "ask": f"{ask:.2f}",
                    "ask_size": str(5 + index % 30), "volume": str(index * 7),
                    "open_interest": str(1000 + index * 13), "date": session.isoformat(),
                    "implied_volatility": f"{0.15 + index * 0.001:.5f}",
                    "delta": f"{(0.5 if kind == 'call' else -0.5):.5f}", "gamma": "0.01234",
                    "theta": "-0.05678", "vega": "0.23456", "rho": "0.03456",
                })  # fmt: skip
    return json.dumps(
        {"endpoint": "Historical Options", "message": "success", "data": rows}
    ).encode()


Body = tuple[dt.date, bytes]


def parse(bodies: list[Body], cache: ContractCache) -> tuple[list[OptionChainColumns], float]:
    start = time.perf_counter()
    chains = []
    for session, body in bodies:
        chain = parse_option_columns(decode_options(body), session=session, cache=cache)
        assert not chain.rejected, chain.rejected[:3]
        chains.append(chain)
    return chains, time.perf_counter() - start


def flush(catalog_dir: Path, chains: list[OptionChainColumns]) -> float:
    """Write parsed chains as the ingest's flush does; return the seconds taken."""
    start = time.perf_counter()
    tables = option_tables([chain.columns for chain in chains])
    instruments = [make_equity("SPY"), *(c for chain in chains for c in chain.instruments)]
    stats = write_to_catalog(catalog_dir, instruments, tables=tables)
    assert stats.rows_written == sum(len(t.table) for t in tables)
    return time.perf_counter() - start


def layout_floor(out: Path, chains: list[OptionChainColumns]) -> tuple[int, float]:
    """Write the flush's files with bare ``pq.write_table``; return (files, seconds).

    Only the writing is timed, in the writer's :data:`WRITE_THREADS` threads: the tables
    (quotes, greeks, one per contract) are built first.
    """
    contracts = [c for chain in chains for c in chain.instruments]
    groups = [*object_tables(contracts), *option_tables([chain.columns for chain in chains])]

    def write(index: int) -> None:
        directory = out / groups[index].relative_dir
        directory.mkdir(parents=True)
        pq.write_table(groups[index].table, directory / "0.parquet", row_group_size=ROW_GROUP_SIZE)

    start = time.perf_counter()
    with ThreadPoolExecutor(WRITE_THREADS) as pool:
        list(pool.map(write, range(len(groups))))
    return len(groups), time.perf_counter() - start


def baseline(bodies: list[Body], out: Path) -> tuple[float, float]:
    start = time.perf_counter()
    frames = []
    for _, body in bodies:
        frame = pd.DataFrame(json.loads(body)["data"])
        numbers = frame[NUMERIC].apply(pd.to_numeric, errors="coerce")
        valid = (
            numbers.notna().all(axis=1)
            & (numbers["bid"] >= 0)
            & (numbers["ask"] >= numbers["bid"])
            & (numbers["implied_volatility"] >= 0)
        )
        frame = frame.assign(**numbers)[valid]
        frame["expiration"] = pd.to_datetime(frame["expiration"])
        frame["date"] = pd.to_datetime(frame["date"])
        frames.append(frame)
    parsed = time.perf_counter() - start
    pd.concat(frames).to_parquet(out)
    return parsed, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=63, help="sessions per flush")
    parser.add_argument("--dir", help="where to put the temporary catalog (default: TMPDIR)")
    args = parser.parse_args()
    sessions = sessions_between(dt.date(2021, 6, 1), dt.date(2022, 6, 30))[: 2 * args.sessions]
    bodies = [(session, synthetic_chain(session)) for session in sessions]
    first, second = bodies[: args.sessions], bodies[args.sessions :]
    size_mb = sum(len(body) for _, body in first) / 1e6
    rows = len(first) * EXPIRATIONS * STRIKES * 2
    print(
        f"SYNTHETIC documented-layout replies: {len(first)} sessions x "
        f"{EXPIRATIONS * STRIKES * 2} contracts per flush, {size_mb:.1f} MB of JSON"
    )

    results = []
    cache = ContractCache()
    cold, cold_s = parse(first[:1], cache)
    warm, warm_s = parse(first[1:], cache)
    results.append(("adapter decode+validate, first session", 8000, cold_s))
    results.append(
        ("adapter decode+validate, later sessions", rows - len(first[:1]) * 8000, warm_s)
    )
    with tempfile.TemporaryDirectory(
        dir=ROOT / "data" if (ROOT / "data").is_dir() else None
    ) as tmp:
        catalog_dir = Path(tmp) / "catalog"
        write_s = flush(catalog_dir, cold + warm)
        contracts = sum(len(chain.instruments) for chain in cold + warm)
        results.append(
            (f"adapter decode+validate+write, new catalog ({contracts:,} contracts)", rows,
             cold_s + warm_s + write_s)
        )  # fmt: skip
        if second:
            chains, parse_s = parse(second, cache)
            append_s = flush(catalog_dir, chains)
            results.append(
                ("adapter decode+validate+write, next sessions appended",
                 len(second) * EXPIRATIONS * STRIKES * 2, parse_s + append_s)
            )  # fmt: skip
        files, floor_s = layout_floor(Path(tmp) / "floor", cold + warm)
        results.append(
            (f"layout floor: decode+validate + bare write of {files:,} files", rows,
             cold_s + warm_s + floor_s)
        )  # fmt: skip
        base_parse_s, base_s = baseline(first, Path(tmp) / "baseline.parquet")
    results.append(("baseline json.loads+pandas", rows, base_parse_s))
    results.append(("baseline json.loads+pandas+to_parquet (one file)", rows, base_s))
    for label, n, seconds in results:
        print(f"{label:72s} {n:>9,d} rows {seconds:7.2f} s {n / seconds:>10,.0f} contracts/s")


if __name__ == "__main__":
    main()
