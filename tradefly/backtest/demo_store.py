"""The state store ``tradefly demo`` leaves for ``tradefly control --demo`` to browse.

A backtest keeps its state in memory; after the demo run its results are written into a fresh
store file in the layout a live node writes: the equity curve as ``account_snapshots`` (cash
and buying power are the simulated account's balance and free balance at the end; the backtest
records equity only, so earlier points carry the equity as cash and no buying power), the trade
journal's rows (``journal``) and a ``node_status`` saying what the store is. The control app
serves it read-only and without login, on loopback only.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from statestore import StateStore
from statestore.control import ControlLedger
from statestore.journal import JournalLedger, JournalRow
from tradefly.backtest.results import BacktestResult

DEMO_STORE_NAME = "demo-state.sqlite"
"""The file name under the reports folder (``reports/demo-state.sqlite`` by default)."""


def _ns(iso: str | None) -> int | None:
    if not iso:
        return None
    return int(dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1e9)


def write_demo_store(result: BacktestResult, path: Path) -> Path:
    """Write `result` into a new state store at `path` (replacing one there); return `path`.

    Raises
    ------
    OSError
        If the file cannot be written.

    """
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with StateStore(path) as store, store.transaction():
        control = ControlLedger(store)
        for n, point in enumerate(result.equity_curve):
            last = n == len(result.equity_curve) - 1
            cash = result.ending_balance if last else point.equity
            buying_power = result.ending_buying_power if last else None
            control.add_snapshot(point.ts_ns, point.equity, cash, buying_power)
        journal = JournalLedger(store)
        for record in result.journal:
            fields = {k: v for k, v in record.items() if k != "kind"}
            entry_ns = _ns(fields.get("entry_time"))
            if entry_ns is None:
                continue
            journal.put(
                JournalRow(
                    str(fields["id"]),
                    str(record["kind"]),
                    str(fields.get("strategy_id", "")),
                    str(fields.get("underlying", result.underlying)),
                    entry_ns,
                    _ns(fields.get("exit_time")),
                    fields,
                )
            )
        last_ns = result.equity_curve[-1].ts_ns if result.equity_curve else 0
        label = "SYNTHETIC demo backtest" if result.synthetic else "backtest"
        store.set_status("trader", f"{label} {result.run_id} (not a live node)", last_ns)
    return path
