"""What each page shows, read from the state store (no page writes anything)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from statestore import StateStore
from statestore.audit import AuditLog
from statestore.control import ControlLedger
from statestore.risk import RiskLedger
from tradefly.backtest.svg import Line, dollars, line_chart, percent

NEW_YORK = ZoneInfo("America/New_York")
NS = 1_000_000_000
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HEALTH_KEYS = ("trader", "market_data", "account_updates", "heartbeat")


def dashboard(store: StateStore, now_ns: int) -> dict[str, Any]:
    """Equity, cash, today's P&L, the equity and drawdown charts, and node health.

    Today's P&L is the equity now less the last equity recorded before today's New York
    midnight (the first of today when none is older).
    """
    ledger = ControlLedger(store)
    snapshots = ledger.snapshots()
    last = snapshots[-1] if snapshots else None
    today_pnl = None
    if last is not None:
        midnight = dt.datetime.fromtimestamp(now_ns / NS, NEW_YORK).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        start_ns = int(midnight.timestamp() * NS)
        before = [s for s in snapshots if s.ts_ns < start_ns]
        base = before[-1] if before else next((s for s in snapshots if s.ts_ns >= start_ns), None)
        today_pnl = last.equity - base.equity if base is not None else None
    equity_svg = drawdown_svg = None
    if len(snapshots) >= 2:
        times = pd.DatetimeIndex([pd.Timestamp(s.ts_ns, tz="UTC") for s in snapshots])
        equity = pd.Series([s.equity for s in snapshots], index=times)
        drawdown = equity / equity.cummax() - 1.0
        equity_svg = line_chart(
            "equity", "Equity", times, [Line(list(equity), "#1f6feb", "equity")], dollars
        )
        drawdown_svg = line_chart(
            "drawdown", "Drawdown", times, [Line(list(drawdown), "#cf222e", "drawdown")], percent
        )
    status = store.status()
    health = {key: status[key] for key in HEALTH_KEYS if key in status}
    heartbeat = status.get("heartbeat")
    return {
        "last": last,
        "today_pnl": today_pnl,
        "equity_svg": equity_svg,
        "drawdown_svg": drawdown_svg,
        "health": health,
        "heartbeat_age_s": (now_ns - heartbeat[1]) / NS if heartbeat else None,
        "decision": RiskLedger(store).last_event("combined"),
    }


@dataclass(frozen=True, slots=True)
class StructureRow:
    """A structure with its legs as the positions and journal pages show it."""

    structure_id: str
    strategy_id: str
    underlying: str
    cycle: str
    status: str
    credit: float
    opened_ns: int | None
    closed_ns: int | None
    legs: list[tuple[str, str, int]]

    @property
    def dte_at_open(self) -> int | None:
        """Calendar days from the opening to the expiration (``None`` if never opened)."""
        if self.opened_ns is None:
            return None
        opened = dt.datetime.fromtimestamp(self.opened_ns / NS, NEW_YORK).date()
        return (dt.date.fromisoformat(self.cycle) - opened).days

    @property
    def weekday(self) -> str:
        """Weekday of the opening (New York), ``-`` if never opened."""
        if self.opened_ns is None:
            return "-"
        return WEEKDAYS[dt.datetime.fromtimestamp(self.opened_ns / NS, NEW_YORK).weekday()]


def _structures(
    store: StateStore, where: str, params: tuple[Any, ...], limit: int
) -> list[StructureRow]:
    conn = store._conn
    # `where` is built from literals only; every value is bound.
    rows = conn.execute(
        "SELECT structure_id, strategy_id, underlying, cycle, status, credit, opened_ns, "  # noqa: S608
        f"closed_ns FROM structures WHERE {where} ORDER BY rowid DESC LIMIT ?",
        (*params, limit),
    ).fetchall()
    legs: dict[str, list[tuple[str, str, int]]] = {}
    ids = [r[0] for r in rows]
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        marks = ", ".join("?" * len(chunk))
        for leg in conn.execute(
            "SELECT structure_id, instrument_id, side, quantity FROM structure_legs "  # noqa: S608
            f"WHERE structure_id IN ({marks}) ORDER BY rowid",
            chunk,
        ):
            legs.setdefault(leg[0], []).append((leg[1], leg[2], leg[3]))
    return [
        StructureRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], legs.get(r[0], []))
        for r in rows
    ]


def positions(store: StateStore) -> list[StructureRow]:
    """Open structures (opening, open, closing), newest first."""
    return _structures(store, "status IN ('opening', 'open', 'closing')", (), 500)


@dataclass(frozen=True, slots=True)
class JournalFilter:
    """Journal filters; empty fields do not filter."""

    underlying: str = ""
    strategy: str = ""
    weekday: str = ""
    dte_min: int | None = None
    dte_max: int | None = None


def journal(store: StateStore, flt: JournalFilter, limit: int = 200) -> list[StructureRow]:
    """Return closed structures, newest first, filtered (weekday, DTE at opening: New York)."""
    where, params = "status = 'closed'", list[str]()
    if flt.underlying:
        where, params = where + " AND underlying = ?", [*params, flt.underlying.upper()]
    if flt.strategy:
        where, params = where + " AND strategy_id = ?", [*params, flt.strategy]
    rows = _structures(store, where, tuple(params), 20 * limit)
    out = []
    for row in rows:
        if flt.weekday and row.weekday != flt.weekday:
            continue
        dte = row.dte_at_open
        if flt.dte_min is not None and (dte is None or dte < flt.dte_min):
            continue
        if flt.dte_max is not None and (dte is None or dte > flt.dte_max):
            continue
        out.append(row)
        if len(out) >= limit:
            break
    return out


def risk(store: StateStore) -> dict[str, Any]:
    """Return the combined decision, rule states and reasons, pending commands, events."""
    ledger = RiskLedger(store)
    events = store._conn.execute(
        "SELECT * FROM risk_events ORDER BY event_id DESC LIMIT 50"
    ).fetchall()
    return {
        "decision": ledger.last_event("combined"),
        "rules": sorted(
            (rule, json.dumps(state, sort_keys=True), reason, updated)
            for rule, (state, reason, updated) in ledger.rule_states().items()
        ),
        "paused": bool(ledger.rule_state("owner_pause").get("paused", False)),
        "pending": ledger.commands(pending_only=True),
        "events": events,
    }


def milestones(store: StateStore) -> dict[str, Any]:
    """Milestones reached and the milestone rule's state (baseline, next target)."""
    ledger = RiskLedger(store)
    states = {
        rule: state
        for rule, (state, _reason, _ts) in ledger.rule_states().items()
        if "baseline" in state
    }
    return {"reached": ledger.milestones(), "states": states}


def orders(store: StateStore, limit: int = 200) -> list[Any]:
    """Order intents, newest first."""
    return store._conn.execute(
        "SELECT client_order_id, strategy_id, kind, structure_id, instrument_id, state, "
        "created_ns, updated_ns, detail FROM order_intents ORDER BY created_ns DESC LIMIT ?",
        (limit,),
    ).fetchall()


def audit(store: StateStore, limit: int = 200) -> dict[str, Any]:
    """Audit rows newest first, the chain check, and the newest hash."""
    log = AuditLog(store)
    head = log.head()
    return {
        "entries": log.entries(limit=limit),
        "broken_at": log.verify(),
        "head_hash": head.hash if head else None,
    }
