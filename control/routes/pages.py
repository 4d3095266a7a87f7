"""The owner's pages, server-rendered and read-only.

Dashboard, positions, journal, risk, milestones, capital, orders, audit log; the action forms
on the risk, positions, milestones and capital pages post to :mod:`control.routes.actions`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from control import views
from control.deps import NowDep, OwnerDep, SettingsDep, StoreDep
from control.templating import templates
from journal.taxonomy import ERROR_CLASSES

router = APIRouter()


def _page(request: Request, name: str, demo: bool, **context: object) -> Response:
    sent = request.query_params.get("sent")
    return templates.TemplateResponse(
        request, name, {"demo": demo, "sent": sent if sent and sent.isdigit() else None, **context}
    )


@router.get("/")
async def dashboard(
    request: Request, _owner: OwnerDep, cfg: SettingsDep, store: StoreDep, now: NowDep
) -> Response:
    """Equity and drawdown, today's P&L, cash, the risk decision, node health."""
    data = views.dashboard(store, now)
    return _page(request, "dashboard.html", cfg.read_only, page="dashboard", **data)


@router.get("/health")
async def health(
    request: Request, _owner: OwnerDep, cfg: SettingsDep, store: StoreDep, now: NowDep
) -> Response:
    """Render the node health fragment (the dashboard refreshes it with htmx)."""
    data = views.dashboard(store, now)
    return _page(request, "health.html", cfg.read_only, **data)


@router.get("/positions")
async def positions(
    request: Request, _owner: OwnerDep, cfg: SettingsDep, store: StoreDep, now: NowDep
) -> Response:
    """Open structures with their legs, marks (value, P&L, greeks, age), and flatten actions."""
    rows = views.positions(store)
    marks = views.marks(store, now)
    return _page(request, "positions.html", cfg.read_only, page="positions", rows=rows, marks=marks)


@router.get("/journal")
async def journal(
    request: Request,
    _owner: OwnerDep,
    cfg: SettingsDep,
    store: StoreDep,
    kind: Annotated[str, Query(max_length=16)] = "trade",
    underlying: Annotated[str, Query(max_length=16)] = "",
    structure: Annotated[str, Query(max_length=64)] = "",
    reason_tag: Annotated[str, Query(max_length=64)] = "",
    error_class: Annotated[str, Query(max_length=32)] = "",
    weekday: Annotated[str, Query(max_length=9)] = "",
    dte_min: Annotated[int | None, Query(ge=0, le=3650)] = None,
    dte_max: Annotated[int | None, Query(ge=0, le=3650)] = None,
) -> Response:
    """List journal rows, newest first, filtered by structure, tag, error class, weekday, DTE."""
    flt = views.JournalFilter(
        kind, underlying, structure, reason_tag, error_class, weekday, dte_min, dte_max
    )
    sent = request.query_params.get("sent")
    sent = sent if sent and sent.isdigit() else None
    # The rendered page, like its data, is reused until the node next commits.
    html = views.cached(
        store,
        ("journal.html", flt, cfg.read_only, sent),
        lambda: templates.get_template("journal.html").render(
            demo=cfg.read_only,
            sent=sent,
            page="journal",
            view=views.journal(store, flt),
            flt=flt,
            weekdays=views.WEEKDAYS,
            kinds=views.JOURNAL_KINDS,
            error_classes=ERROR_CLASSES,
        ),
    )
    return HTMLResponse(html)


@router.get("/risk")
async def risk(request: Request, _owner: OwnerDep, cfg: SettingsDep, store: StoreDep) -> Response:
    """Show the risk decision, rule states and latches, pending commands, events, actions."""
    return _page(request, "risk.html", cfg.read_only, page="risk", **views.risk(store))


@router.get("/milestones")
async def milestones(
    request: Request, _owner: OwnerDep, cfg: SettingsDep, store: StoreDep
) -> Response:
    """Equity milestones: baseline, reached, next target."""
    data = views.milestones(store)
    return _page(request, "milestones.html", cfg.read_only, page="milestones", **data)


@router.get("/capital")
async def capital(
    request: Request, _owner: OwnerDep, cfg: SettingsDep, store: StoreDep
) -> Response:
    """Deposits and withdrawals, and the form that records one."""
    data = views.capital(store)
    return _page(request, "capital.html", cfg.read_only, page="capital", **data)


@router.get("/orders")
async def orders(request: Request, _owner: OwnerDep, cfg: SettingsDep, store: StoreDep) -> Response:
    """Order intents, newest first."""
    rows = views.orders(store)
    return _page(request, "orders.html", cfg.read_only, page="orders", rows=rows)


@router.get("/audit")
async def audit(request: Request, _owner: OwnerDep, cfg: SettingsDep, store: StoreDep) -> Response:
    """Show the audit log, newest first, with the result of the hash-chain check."""
    return _page(request, "audit.html", cfg.read_only, page="audit", **views.audit(store))
