"""The control app: composes the routers, the security middleware and the state store.

Every response carries a strict Content-Security-Policy (scripts, styles, images and forms from
this origin only; no inline script, no framing) and ``Cache-Control: no-store`` on pages.
Requests from an address outside the allowlist get 403 before any route runs; so does an
unsafe request (POST, ...) that the browser marks cross-site (``Sec-Fetch-Site``) or whose
``Origin`` is another origin. API docs (``/docs``, ``/redoc``, ``/openapi.json``) are off.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from control.deps import LoginRequired
from control.routes import actions, auth, pages, push, pwa
from control.settings import ControlSettings
from statestore import StateStore

STATIC = Path(__file__).parent / "static"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; manifest-src 'self'; worker-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # "no-referrer" makes Chromium send "Origin: null"
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Strict-Transport-Security": "max-age=31536000",
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_PATHS = frozenset({"/login", "/manifest.webmanifest", "/sw.js", "/offline"})
"""Routes served without a session (besides ``/static``)."""


def create_app(settings: ControlSettings, clock: Callable[[], int] = time.time_ns) -> FastAPI:
    """Return the app over the state store `settings.store` (open while the app runs).

    `clock` gives the time in UNIX ns (sessions, TOTP steps, throttling); tests inject one.

    Raises
    ------
    FileNotFoundError
        If the store file does not exist (the app never creates one).

    """
    if not settings.store.is_file():
        raise FileNotFoundError(2, "no such state store", str(settings.store))
    StateStore(settings.store).close()  # a file that is no store (or too new) fails here

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store = StateStore(settings.store)
        try:
            yield
        finally:
            app.state.store.close()

    app = FastAPI(
        title="Tradefly control",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.clock = clock
    app.include_router(auth.router)
    app.include_router(pages.router)
    app.include_router(actions.router)
    app.include_router(pwa.router)
    app.include_router(push.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        if request.method == "GET" and "HX-Request" not in request.headers:
            return RedirectResponse("/login", status_code=303)
        return PlainTextResponse("login required", status_code=401)

    @app.middleware("http")
    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        refusal = refuse(request, settings)
        response = (
            PlainTextResponse(refusal, status_code=403) if refusal else await call_next(request)
        )
        response.headers.update(SECURITY_HEADERS)
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    return app


def refuse(request: Request, settings: ControlSettings) -> str | None:
    """Return why the request is refused before routing (allowlist, cross-site), or ``None``."""
    if settings.allowlist:
        host = request.client.host if request.client else ""
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return "address not allowed"
        if not any(address in network for network in settings.allowlist):
            return "address not allowed"
    if request.method in SAFE_METHODS:
        return None
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return "cross-site request refused"
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        return "cross-origin request refused"
    return None
