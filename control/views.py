"""What each page shows, read from the state store (no page writes anything)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from charts.svg import Line, dollars, line_chart, percent
from risk.limits import LIMITS_STATE
from risk.live_arming import LIVE_ARMING
from statestore import StateStore
from statestore.audit import AuditLog
from statestore.control import ControlLedger, StructureMark
from statestore.journal import KINDS, JournalRow
from statestore.risk import RiskLedger

NEW_YORK = ZoneInfo("America/New_York")
NS = 1_000_000_000
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
JOURNAL_KINDS = KINDS
MEMO_SIZE = 64
CHART_DAYS = 365
CHART_POINTS = 400
HEALTH_KEYS = ("environment", "trader", "market_data", "account_updates", "heartbeat")


def cached[T](store: StateStore, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """Return ``compute()``, memoised per store until another connection commits to it.

    SQLite's ``PRAGMA data_version`` changes when another connection (the node) commits, so a
    page built from the store is reused until the node writes again (its heartbeat: every
    5 s); the app's own writes (sessions, commands) do not touch the tables cached here.
    """
    version = store._conn.execute("PRAGMA data_version").fetchone()[0]
    return memoised(store, (version, *key), compute)


def memoised[T](store: StateStore, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """Return ``compute()`` memoised per store under `key` (which must say what it depends on)."""
    memo: dict[tuple[Any, ...], Any] = store.__dict__.setdefault("_control_memo", {})
    full = key
    if full not in memo:
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        memo[full] = compute()
    value: T = memo[full]
    return value


def dashboard(store: StateStore, now_ns: int) -> dict[str, Any]:
    """Equity, cash, today's P&L, the equity and drawdown charts, and node health.

    Today's P&L is the equity now less the last equity recorded before today's New York
    midnight (the first of today when none is older), less the deposits and plus the
    withdrawals applied since that record. The charts cover the
    :data:`CHART_DAYS` days up to the newest snapshot, at most :data:`CHART_POINTS` points
    (evenly thinned, the newest kept); the drawdown counts from the peak of the whole history.
    """
    ledger = ControlLedger(store)
    last = ledger.last_snapshot()
    today_pnl = None
    if last is not None:
        midnight = dt.datetime.fromtimestamp(now_ns / NS, NEW_YORK).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        start_ns = int(midnight.timestamp() * NS)
        base = ledger.snapshot_before(start_ns) or next(iter(ledger.snapshots(start_ns)), None)
        if base is not None:
            flows = RiskLedger(store).capital_flows(base.ts_ns + 1)
            today_pnl = last.equity - base.equity - sum(f.amount for f in flows)
    # The charts change only with a new snapshot (append-only, one every 15 minutes).
    marker = (last.ts_ns, last.equity) if last is not None else None
    equity_svg, drawdown_svg = memoised(store, ("charts", marker), lambda: _charts(ledger))
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
        "trading": trading_mode(store, status),
    }


def trading_mode(store: StateStore, status: dict[str, tuple[str, int]]) -> str:
    """Return ``paper``, ``live, armed``, ``live, disarmed: no new entries`` or ``not known``.

    From the node's ``environment`` status and the ``live_arming`` rule's state.
    """
    environment = status.get("environment", ("",))[0]
    if environment != "live":
        return environment or "not known"
    disarmed = RiskLedger(store).rule_state(LIVE_ARMING).get("disarmed", False)
    return "live, disarmed: no new entries" if disarmed else "live, armed"


def _charts(ledger: ControlLedger) -> tuple[str | None, str | None]:
    last = ledger.last_snapshot()
    if last is None:
        return None, None
    since = last.ts_ns - CHART_DAYS * 86_400 * NS
    snapshots = ledger.snapshots(since)
    if len(snapshots) < 2:
        return None, None
    step = max(1, -(-len(snapshots) // CHART_POINTS))
    snapshots = snapshots[::-1][::step][::-1]
    times = pd.DatetimeIndex([pd.Timestamp(s.ts_ns, tz="UTC") for s in snapshots])
    equity = pd.Series([s.equity for s in snapshots], index=times)
    peak = equity.cummax()
    earlier_peak = ledger.peak_before(since)
    if earlier_peak is not None:
        peak = peak.clip(lower=earlier_peak)
    drawdown = equity / peak - 1.0
    equity_svg = line_chart(
        "equity", "Equity", times, [Line(list(equity), "#1f6feb", "equity")], dollars
    )
    drawdown_svg = line_chart(
        "drawdown", "Drawdown", times, [Line(list(drawdown), "#cf222e", "drawdown")], percent
    )
    return equity_svg, drawdown_svg


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


def marks(store: StateStore, now_ns: int) -> dict[str, tuple[StructureMark, float]]:
    """Each open structure's newest mark and its age in seconds, by structure id."""
    return {sid: (m, (now_ns - m.ts_ns) / NS) for sid, m in ControlLedger(store).marks().items()}


@dataclass(frozen=True, slots=True)
class JournalFilter:
    """Journal filters (the trade journal's fields); empty fields do not filter.

    ``weekday`` is the entry session's full name (``Monday``); ``dte`` the days to the nearest
    expiration at entry; ``kind`` ``trade`` (default), ``entry_blocked`` or ``entry_reduced``.
    """

    kind: str = "trade"
    underlying: str = ""
    structure: str = ""
    reason_tag: str = ""
    error_class: str = ""
    weekday: str = ""
    dte_min: int | None = None
    dte_max: int | None = None


@dataclass(frozen=True, slots=True)
class JournalView:
    """One page of the journal: newest rows first, and the totals over every matching row."""

    rows: list[JournalRow]
    matched: int
    total_pnl: float
    structures: list[str]


def journal(store: StateStore, flt: JournalFilter, limit: int = 50) -> JournalView:
    """Return the journal rows matching `flt` (``journal`` table, :mod:`statestore.journal`).

    Memoised until the node next commits (:func:`cached`).
    """
    return cached(store, ("journal", flt, limit), lambda: _journal(store, flt, limit))


def _journal(store: StateStore, flt: JournalFilter, limit: int) -> JournalView:
    # The filters read the plain columns of ``journal_facets`` and ``journal_tags`` (kept by
    # triggers, migration 9), never the JSON records; only the page's rows are parsed.
    where: list[str] = ["f.kind = ?"]
    params: list[Any] = [flt.kind or "trade"]
    fields = (
        ("f.underlying = ?", flt.underlying.upper()),
        ("f.structure = ?", flt.structure),
        ("f.error_class = ?", flt.error_class),
        ("f.weekday = ?", flt.weekday),
        ("f.journal_id IN (SELECT journal_id FROM journal_tags WHERE tag = ?)", flt.reason_tag),
    )
    for clause, value in fields:
        if value:
            where.append(clause)
            params.append(value)
    if flt.dte_min is not None:
        where.append("f.dte >= ?")
        params.append(flt.dte_min)
    if flt.dte_max is not None:
        where.append("f.dte <= ?")
        params.append(flt.dte_max)
    condition = " AND ".join(where)  # literals only; every value is bound
    conn = store._conn
    matched, total = conn.execute(
        f"SELECT COUNT(*), COALESCE(SUM(f.pnl), 0) FROM journal_facets f WHERE {condition}",  # noqa: S608
        params,
    ).fetchone()
    found = conn.execute(
        "SELECT j.* FROM journal_facets f JOIN journal j ON j.journal_id = f.journal_id "  # noqa: S608
        f"WHERE {condition} ORDER BY f.entry_ns DESC LIMIT ?",
        (*params, limit),
    ).fetchall()
    structures = [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT structure FROM journal_facets WHERE kind = 'trade' ORDER BY 1"
        ).fetchall()
        if r[0]
    ]
    rows = [JournalRow(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6])) for r in found]
    return JournalView(rows, int(matched), float(total or 0.0), structures)


def risk(store: StateStore) -> dict[str, Any]:
    """Return the combined decision, rule states and reasons, limits, pending commands, events."""
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
        "limits": {
            "current": ledger.rule_state(LIMITS_STATE).get("current", {}),
            "overrides": ledger.rule_state(LIMITS_STATE).get("overrides", {}),
        },
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


def capital(store: StateStore) -> dict[str, Any]:
    """Deposits and withdrawals the node applied, newest first, and their net sum (USD)."""
    ledger = RiskLedger(store)
    flows = ledger.capital_flows()[::-1]
    pending = [c for c in ledger.commands(pending_only=True) if c.command == "capital_flow"]
    return {"flows": flows, "net": sum(f.amount for f in flows), "pending": pending}


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
