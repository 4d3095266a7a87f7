"""HISTORICAL_OPTIONS decode + validate + build throughput, against json.loads + pandas.

No real HISTORICAL_OPTIONS capture exists, so the replies are SYNTHETIC, generated in the
documented vendor layout (../shared/docs/api-alphavantage.md: every value a string, strikes
with two decimals, IV and greeks with five): one SPY-like chain of 40 expirations x 100
strikes x call/put = 8,000 contracts per session, for several sessions.

Measured, in contracts per second:

- adapter, first session: msgspec decode, row validation, and a new ``OptionContract``
  (``tradefly.instruments.make_option_contract``), ``QuoteTick`` and ``OptionGreeks`` per row;
- adapter, later sessions: the same with contracts already built (the steady state of a
  multi-day ingest, where a contract is listed on many sessions);
- adapter + catalog write: every session parsed and written in one
  ``catalog.writer.write_to_catalog`` call (as one ingest flush) into a fresh catalog;
- baseline: ``json.loads`` + ``pandas.DataFrame`` + numeric conversion of the same columns +
  the same bid/ask checks as vectorised masks (no Nautilus objects).

Usage: .venv/bin/python benchmarks/bench_alphavantage_options.py [--sessions N]
"""

import argparse
import datetime as dt
import json
import math
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.alphavantage.parsing.options import ContractCache, parse_options  # noqa: E402
from adapters.alphavantage.schemas.options import decode_options  # noqa: E402
from tradefly.market_calendar import sessions_between  # noqa: E402

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


def adapter(bodies: list[tuple[dt.date, bytes]], cache: ContractCache) -> tuple[int, float, list]:
    start = time.perf_counter()
    contracts = 0
    objects: list = []
    for session, body in bodies:
        chain = parse_options(decode_options(body), session=session, cache=cache)
        assert not chain.rejected, chain.rejected[:3]
        contracts += chain.rows
        objects += [*chain.instruments, *chain.quotes, *chain.greeks]
    return contracts, time.perf_counter() - start, objects


def baseline(bodies: list[tuple[dt.date, bytes]]) -> tuple[int, float]:
    start = time.perf_counter()
    contracts = 0
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
        contracts += len(frame)
    return contracts, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=5)
    args = parser.parse_args()
    sessions = sessions_between(dt.date(2021, 6, 1), dt.date(2021, 8, 31))[: args.sessions]
    bodies = [(session, synthetic_chain(session)) for session in sessions]
    size_mb = sum(len(body) for _, body in bodies) / 1e6
    print(
        f"SYNTHETIC documented-layout replies: {len(bodies)} sessions x "
        f"{EXPIRATIONS * STRIKES * 2} contracts, {size_mb:.1f} MB of JSON"
    )

    cache = ContractCache()
    cold_n, cold_s, objects = adapter(bodies[:1], cache)
    warm_n, warm_s, _ = adapter(bodies[1:], cache)
    base_n, base_s = baseline(bodies)

    from catalog.writer import write_to_catalog

    with tempfile.TemporaryDirectory() as tmp:
        all_n, parse_s, objects = adapter(bodies, ContractCache())
        start = time.perf_counter()
        write_to_catalog(Path(tmp) / "catalog", objects)
        write_s = time.perf_counter() - start

    rows = [
        ("adapter, first session (new contracts)", cold_n, cold_s),
        ("adapter, later sessions (contracts cached)", warm_n, warm_s),
        (f"adapter + catalog write, {len(bodies)} sessions", all_n, parse_s + write_s),
        ("baseline json.loads + pandas", base_n, base_s),
    ]
    for label, n, seconds in rows:
        print(f"{label:45s} {n:>8,d} contracts {seconds:7.3f} s {n / seconds:>12,.0f} contracts/s")


if __name__ == "__main__":
    main()
