"""The Jinja2 templates (autoescaped) and the filters they use."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi.templating import Jinja2Templates

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def when(ts_ns: int | None) -> str:
    """Format UNIX ns as ``2026-01-05 14:30:00Z`` (``-`` for ``None``)."""
    if ts_ns is None:
        return "-"
    return dt.datetime.fromtimestamp(ts_ns / 1e9, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def money(value: float | None) -> str:
    """Format dollars: ``$12,345.67``, ``-$5.00`` (``-`` for ``None``)."""
    if value is None:
        return "-"
    return f"{'-' if value < 0 else ''}${abs(value):,.2f}"


templates.env.filters["when"] = when
templates.env.filters["money"] = money
