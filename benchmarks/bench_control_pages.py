"""Control app: p50/p95 latency of the dashboard and journal pages at 20 requests per second.

The store holds ten years of a busy node: 2,520 sessions with 3 trades each in the trade
journal's record layout (legs, greeks, outcome; ~1.5 KB of JSON per row) plus a gated entry
every fifth session, an equity snapshot every 15 minutes of each session (the risk guard's
rate), 2,000 audit rows and 2,000 risk events. ``tradefly control`` serves it from a child
process (uvicorn, as the owner runs it); requests are sent open-loop (one every 50 ms whatever
the previous one is doing) by an httpx client logged in with password and TOTP, while another
connection writes the node's heartbeat every 5 s as a running node does (each write makes the
app recompute a page it had memoised). Baseline: the same load on a static file
(``/static/app.css``), the server's floor. Before the load, each journal page's data is built
30 times without its memo (what a page costs after each node write).

    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_control_pages.py [--seconds 30]
"""

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pyotp

from control.security import set_password, set_totp_secret
from statestore import StateStore
from statestore.audit import AuditLog
from statestore.control import ControlLedger
from statestore.journal import JournalLedger, JournalRow
from statestore.risk import RiskLedger

PASSWORD = "benchmark password 2026"
SECRET = pyotp.random_base32(32)
STRUCTURES = ("short_put", "put_credit_spread", "iron_condor", "covered_call")
ERRORS = (None, None, None, "entry_quality", "volatility", "timing", "risk_policy")
NS = 1_000_000_000


def sessions(years: int = 10) -> list[dt.date]:
    day, out = dt.date(2016, 1, 4), []
    while len(out) < 252 * years:
        if day.weekday() < 5:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def close_ns(day: dt.date, minute: int = 0) -> int:
    start = dt.datetime(day.year, day.month, day.day, 14, 30, tzinfo=dt.UTC)
    return int((start + dt.timedelta(minutes=minute)).timestamp()) * NS


def trade_record(rng: random.Random, n: int, day: dt.date) -> dict:
    dte = rng.randint(7, 60)
    pnl = round(rng.gauss(40, 250), 2)
    legs = [
        {
            "symbol": f"SPY{(day + dt.timedelta(days=dte)):%y%m%d}P00{400 + k * 5}000",
            "side": "SELL" if k == 0 else "BUY",
            "quantity": 1,
            "bid": 2.1,
            "ask": 2.16,
            "open_interest": 1200,
            "iv": 0.18,
            "delta": -0.3,
            "gamma": 0.01,
            "vega": 0.2,
            "theta": -0.05,
            "fill_price": 2.12,
            "exit_price": 1.0,
        }
        for k in range(2)
    ]
    return {
        "id": f"s{n:06d}",
        "strategy_id": "ShortOption-001",
        "underlying": "SPY",
        "entry_time": f"{day}T20:00:00.000000Z",
        "exit_time": f"{day + dt.timedelta(days=dte // 2)}T20:00:00.000000Z",
        "structure": STRUCTURES[n % len(STRUCTURES)],
        "parameters": {"dte_min": 7, "dte_max": 60, "target_delta": -0.3, "quantity": 1},
        "spot": 400.0,
        "iv": 0.18,
        "greeks": {"delta": -0.1, "gamma": 0.0, "vega": -0.1, "theta": 0.03},
        "legs": legs,
        "limit_price": 1.05,
        "fill_price": 1.04,
        "pnl": pnl,
        "exit_reason": "take_profit" if pnl > 0 else "stop_loss",
        "error_class": None if pnl > 0 else ERRORS[n % len(ERRORS)],
        "reason_tags": ["schedule:weekly", "exit:take_profit" if pnl > 0 else "exit:stop_loss"],
        "weekday": day.strftime("%A"),
        "dte": dte,
        "regime": "normal_vol",
        "trend": "up",
    }


def fill_store(path: Path) -> dict[str, int]:
    rng = random.Random(7)
    days = sessions()
    with StateStore(path) as store:
        ledger = ControlLedger(store)
        set_password(ledger, PASSWORD, time.time_ns())
        set_totp_secret(ledger, SECRET, time.time_ns())
        journal, n = JournalLedger(store), 0
        with store.transaction():
            equity = 100_000.0
            for i, day in enumerate(days):
                for _ in range(3):
                    record = trade_record(rng, n, day)
                    entry = close_ns(day, 390)
                    row = JournalRow(
                        record["id"],
                        "trade",
                        "ShortOption-001",
                        "SPY",
                        entry,
                        entry + 86_400 * NS,
                        record,
                    )
                    journal.put(row)
                    n += 1
                if i % 5 == 0:
                    gid = f"gate-{close_ns(day)}-ShortOption-001"
                    gated = {
                        "id": gid,
                        "weekday": day.strftime("%A"),
                        "reason_tags": ["risk:drawdown"],
                    }
                    journal.put(
                        JournalRow(
                            gid,
                            "entry_blocked",
                            "ShortOption-001",
                            "SPY",
                            close_ns(day),
                            close_ns(day),
                            gated,
                        )
                    )
                for minute in range(0, 390, 15):
                    equity *= 1 + rng.gauss(0.00002, 0.001)
                    ledger.add_snapshot(close_ns(day, minute), equity, equity * 0.6)
            audit, risk = AuditLog(store), RiskLedger(store)
            for k in range(2_000):
                audit.append(
                    close_ns(days[k], 1), "owner", "10.0.0.2", "pause_entries", f"#{k}", "requested"
                )
                risk.add_event(close_ns(days[k], 2), "drawdown", "reduce", 0.5, "drawdown 12%")
        counts = {
            table: store._conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("journal", "account_snapshots", "audit_log", "risk_events")
        }
    counts["file MiB"] = round(path.stat().st_size / 2**20, 1)
    return counts


JOURNAL_FILTERS = {
    "/journal": {},
    "/journal?structure=put_credit_spread&weekday=Monday&dte_min=20": {
        "structure": "put_credit_spread",
        "weekday": "Monday",
        "dte_min": 20,
    },
    "/journal?error_class=volatility&reason_tag=exit:stop_loss": {
        "error_class": "volatility",
        "reason_tag": "exit:stop_loss",
    },
}


def recompute(store: Path, runs: int = 30) -> dict[str, tuple[float, float]]:
    """Milliseconds (median, p95) to build each journal page's data without its memo.

    What a page costs after each node write (the memo is per ``PRAGMA data_version``).
    """
    from control.views import JournalFilter, _journal

    out = {}
    with StateStore(store) as opened:
        for path, fields in JOURNAL_FILTERS.items():
            flt = JournalFilter(**fields)  # type: ignore[arg-type]
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                _journal(opened, flt, 50)
                times.append((time.perf_counter() - start) * 1000)
            q = statistics.quantiles(times, n=20)
            out[path] = (statistics.median(times), q[18])
    return out


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def measure(client: httpx.AsyncClient, path: str, seconds: float, rate: float) -> dict:
    latencies: list[float] = []
    statuses: set[int] = set()

    async def one() -> None:
        start = time.perf_counter()
        response = await client.get(path)
        latencies.append((time.perf_counter() - start) * 1000)
        statuses.add(response.status_code)

    tasks, began = [], time.perf_counter()
    for k in range(int(seconds * rate)):
        await asyncio.sleep(max(0.0, began + k / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    q = statistics.quantiles(latencies, n=100)
    return {
        "path": path,
        "n": len(latencies),
        "p50": q[49],
        "p95": q[94],
        "max": max(latencies),
        "status": sorted(statuses),
    }


async def heartbeat(store: Path, stop: asyncio.Event) -> None:
    """Write the node's status every 5 s, as a running node does (each write ends the memo)."""
    with StateStore(store) as node:
        while not stop.is_set():
            node.set_status("heartbeat", str(time.time_ns()), time.time_ns())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 5.0)


async def run(base: str, seconds: float, store: Path) -> list[dict]:
    stop = asyncio.Event()
    beating = asyncio.create_task(heartbeat(store, stop))
    try:
        return await _run(base, seconds)
    finally:
        stop.set()
        await beating


async def _run(base: str, seconds: float) -> list[dict]:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        login = await client.post(
            "/login",
            data={"password": PASSWORD, "totp": pyotp.TOTP(SECRET).now()},
            headers={"Origin": base},
        )
        cookie = login.headers["set-cookie"].split(";")[0]
        client.headers["Cookie"] = cookie
        paths = ["/static/app.css", "/", *JOURNAL_FILTERS]
        for path in paths:  # warm up
            assert (await client.get(path)).status_code == 200, path
        return [await measure(client, path, seconds, 20.0) for path in paths]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "node.sqlite"
        began = time.perf_counter()
        counts = fill_store(store)
        print(f"store: {counts} (filled in {time.perf_counter() - began:.0f} s)")
        for path, (median, p95) in recompute(store).items():
            print(f"recompute `{path}`: median {median:.1f} ms, p95 {p95:.1f} ms")
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tradefly.cli",
                "control",
                "--store",
                str(store),
                "--port",
                str(port),
            ],
            env=env,
            stderr=open("/tmp/pt-control-server.log", "w"),  # noqa: SIM115
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "server did not start"
                    time.sleep(0.2)
            results = asyncio.run(run(f"http://127.0.0.1:{port}", args.seconds, store))
        finally:
            server.terminate()
            server.wait(timeout=10)
    print("| page | requests | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|")
    for r in results:
        print(f"| `{r['path']}` | {r['n']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.1f} |")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
