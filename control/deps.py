"""Request dependencies: the store, the owner's session, the client address.

All are coroutines, so FastAPI runs them, like the routes, on the event loop's thread: the one
SQLite connection is never used from two threads at once.

``OwnerDep`` is on every route except login and static files: without a live session a page
request is redirected to ``/login`` (303) and any other request answered 401.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from control.security import NS, token_hash
from control.settings import ControlSettings
from statestore import StateStore
from statestore.control import ControlLedger, Session

COOKIE = "__Host-tradefly-session"
"""The session cookie (``__Host-``: Secure, path ``/``, no domain, so no subdomain sets it)."""


BACKGROUND_PATHS = frozenset({"/health"})
"""Requests a page makes on its own (the dashboard's refresh): they do not count as activity, so
a phone left open on the dashboard still reaches the idle timeout."""


class LoginRequired(Exception):  # noqa: N818 (a control-flow signal, not an error)
    """Raised by :func:`owner` when the request has no live session."""


async def settings(request: Request) -> ControlSettings:
    """Return the app's settings."""
    value: ControlSettings = request.app.state.settings
    return value


async def store(request: Request) -> StateStore:
    """Return the app's open state store."""
    value: StateStore = request.app.state.store
    return value


async def now(request: Request) -> int:
    """Return the app clock's time, UNIX ns (``time.time_ns`` unless a test injects one)."""
    return int(request.app.state.clock())


async def client_address(request: Request) -> str:
    """Return the client's IP address (the socket peer; no proxy header is trusted)."""
    return request.client.host if request.client else "unknown"


async def owner(request: Request) -> Session | None:
    """Return the owner's live session, touching it; raise :class:`LoginRequired` without one.

    In demo mode (read-only) there is no login and the session is ``None``.
    """
    cfg: ControlSettings = request.app.state.settings
    if cfg.read_only:
        return None
    token = request.cookies.get(COOKIE)
    if not token:
        raise LoginRequired
    ledger = ControlLedger(request.app.state.store)
    key = token_hash(token)
    session = ledger.session(key)
    now = request.app.state.clock()
    if session is None:
        raise LoginRequired
    idle = now - session.last_seen_ns > cfg.idle_timeout_s * NS
    old = now - session.created_ns > cfg.session_max_s * NS
    if idle or old:
        ledger.delete_session(key)
        raise LoginRequired
    if request.url.path not in BACKGROUND_PATHS:
        ledger.touch_session(key, now)
    return session


SettingsDep = Annotated[ControlSettings, Depends(settings)]
StoreDep = Annotated[StateStore, Depends(store)]
NowDep = Annotated[int, Depends(now)]
AddressDep = Annotated[str, Depends(client_address)]
OwnerDep = Annotated[Session | None, Depends(owner)]
