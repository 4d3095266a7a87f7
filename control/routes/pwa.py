"""The installable-app files, served without a session: manifest, service worker, offline page.

The service worker is served from ``/sw.js`` so that its scope is the whole app; it caches the
shell (styles, scripts, icons, the offline page) and never a page with data.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from control.templating import templates

router = APIRouter()

STATIC = Path(__file__).resolve().parents[1] / "static"

MANIFEST = {
    "name": "Tradefly control",
    "short_name": "Tradefly",
    "start_url": "/",
    "scope": "/",
    "display": "standalone",
    "background_color": "#ffffff",
    "theme_color": "#1f6feb",
    "icons": [
        {"src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png"},
        {"src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png"},
        {"src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml"},
    ],
}


@router.get("/manifest.webmanifest")
async def manifest() -> Response:
    """Return the web app manifest."""
    return JSONResponse(MANIFEST, media_type="application/manifest+json")


@router.get("/sw.js")
async def service_worker() -> Response:
    """Return the service worker script (scope ``/``)."""
    return FileResponse(STATIC / "sw.js", media_type="text/javascript")


@router.get("/offline")
async def offline(request: Request) -> Response:
    """Return the page the service worker shows when the app cannot be reached."""
    return templates.TemplateResponse(request, "offline.html", {"demo": False, "page": None})
