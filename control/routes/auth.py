"""Login (password and TOTP), logout, log out everywhere; each recorded in the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from control.deps import COOKIE, AddressDep, NowDep, OwnerDep, SettingsDep, StoreDep
from control.security import (
    accept_totp,
    lockout_reason,
    new_session_token,
    token_hash,
    verify_password,
)
from control.templating import templates
from statestore.audit import AuditLog
from statestore.control import PASSWORD_HASH, ControlLedger

router = APIRouter()


@router.get("/login")
async def login_page(request: Request, cfg: SettingsDep) -> Response:
    """Show the login form (the dashboard in demo mode)."""
    if cfg.read_only:
        return RedirectResponse("/", status_code=303)
    return templates.TemplateResponse(request, "login.html", {"error": None})


@router.post("/login")
async def login(
    request: Request,
    cfg: SettingsDep,
    store: StoreDep,
    address: AddressDep,
    now: NowDep,
    password: Annotated[str, Form(max_length=1024)] = "",
    totp: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Check password and TOTP code; start a session (cookie) or say why not (one message)."""
    if cfg.read_only:
        return RedirectResponse("/", status_code=303)
    ledger, audit = ControlLedger(store), AuditLog(store)
    locked = lockout_reason(ledger, cfg, address, now)
    if locked:
        ledger.add_attempt(now, address, ok=False)
        audit.append(now, "owner", address, "login", "", f"refused: {locked}")
        return templates.TemplateResponse(request, "login.html", {"error": locked}, 429)
    ok, new_hash = verify_password(ledger.credential(PASSWORD_HASH), password, cfg.hasher)
    # The code is checked only after a right password, so a wrong password spends no step.
    ok = ok and accept_totp(ledger, totp, now)
    ledger.add_attempt(now, address, ok=ok)
    if not ok:
        audit.append(now, "owner", address, "login", "", "refused: wrong password or code")
        error = "wrong password or code"
        return templates.TemplateResponse(request, "login.html", {"error": error}, 401)
    token = new_session_token()
    with store.transaction():
        if new_hash is not None:
            ledger.set_credential(PASSWORD_HASH, new_hash, now)
        ledger.add_session(token_hash(token), now, address)
    audit.append(now, "owner", address, "login", "", "ok")
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        max_age=cfg.session_max_s,
        path="/",
        secure=True,
        httponly=True,
        samesite="strict",
    )
    return response


@router.post("/logout")
async def logout(
    request: Request, session: OwnerDep, store: StoreDep, address: AddressDep, now: NowDep
) -> Response:
    """End this session."""
    if session is not None:
        ControlLedger(store).delete_session(session.token_hash)
        AuditLog(store).append(now, "owner", address, "logout", "", "ok")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return response


@router.post("/logout-everywhere")
async def logout_everywhere(
    request: Request, session: OwnerDep, store: StoreDep, address: AddressDep, now: NowDep
) -> Response:
    """End every session of the owner, on every device."""
    if session is not None:
        ended = ControlLedger(store).delete_all_sessions()
        AuditLog(store).append(
            now, "owner", address, "logout_everywhere", "", f"{ended} sessions ended"
        )
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return response
