"""Owner actions: each writes one owner command into the store for the node to apply.

Every action needs the form field ``confirm=yes`` (the page's confirmation checkbox). The
dangerous ones (:data:`DANGEROUS`: flatten, kill switch off, releasing latches, the milestone
baseline, a deposit or withdrawal, arming live trading; and :data:`RAISING`: a risk limit
raised) also need a fresh TOTP code: one entered with the action, or at login or a previous
action within the step-up window (5 minutes by default). Each request, carried out or refused,
is appended to the audit log with who, when, from where and the outcome (``requested #ID``; the
node appends the applied outcome when it applies the command). Demo mode refuses every action.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from control.deps import AddressDep, NowDep, OwnerDep, SettingsDep, StoreDep
from control.security import NS, accept_totp
from control.templating import templates
from risk import FLATTEN_ALL
from risk.capital import CAPITAL_FLOW, CapitalFlow
from risk.limits import LIMITS_STATE, SET_LIMIT, LimitChange, is_raise
from statestore import StateStore
from statestore.audit import AuditLog
from statestore.control import ControlLedger
from statestore.risk import RiskLedger

router = APIRouter(prefix="/actions")


@dataclass(frozen=True, slots=True)
class Action:
    """One owner action: the owner command it writes and where the owner sees its effect."""

    command: str
    dangerous: bool
    back: str


ACTIONS = {
    "pause": Action("pause_entries", False, "/risk"),
    "resume": Action("resume_entries", False, "/risk"),
    "kill-switch-on": Action("kill_switch_on", False, "/risk"),
    "kill-switch-off": Action("kill_switch_off", True, "/risk"),
    "release-latch": Action("reset", True, "/risk"),
    "flatten": Action("flatten", True, "/positions"),
    "test-notification": Action("test_notification", False, "/risk"),
    "milestone-baseline": Action("milestone_baseline", True, "/milestones"),
    "capital-flow": Action(CAPITAL_FLOW, True, "/capital"),
    "set-limit": Action(SET_LIMIT, False, "/risk"),
    "disarm-live": Action("disarm_live", False, "/"),
    "arm-live": Action("arm_live", True, "/"),
}
"""The actions by URL name (``POST /actions/{name}``)."""

DANGEROUS = frozenset(name for name, action in ACTIONS.items() if action.dangerous)
RAISING = frozenset({"set-limit"})
"""Actions dangerous only when they raise a risk limit (lowering one needs no step-up)."""
NEW_YORK = ZoneInfo("America/New_York")


def capital_flow(kind: str, amount: str, flow_date: str, note: str, now_ns: int) -> CapitalFlow:
    """Return the flow of the capital form (date: today in New York when left empty).

    Raises
    ------
    ValueError
        If `kind` is not ``deposit``/``withdrawal``, the amount not a positive number of
        dollars, or the flow is invalid (:class:`risk.capital.CapitalFlow`).

    """
    if kind not in ("deposit", "withdrawal"):
        raise ValueError(f"kind {kind!r} is not deposit or withdrawal")
    if not _positive_amount(amount):
        raise ValueError(f"amount {amount!r} is not a positive amount in dollars")
    day = flow_date or dt.datetime.fromtimestamp(now_ns / 1e9, NEW_YORK).date().isoformat()
    value = round(float(amount), 2)
    return CapitalFlow(value if kind == "deposit" else -value, day, note.strip())


def _positive_amount(text: str) -> bool:
    try:
        value = float(text)
    except ValueError:
        return False
    return math.isfinite(value) and 0 < value < 1e12


def limit_change(store: StateStore, key: str, text: str) -> tuple[LimitChange, float | None]:
    """Return the change of limit `key` to `text` and the limit's current value.

    The current values are those the node last recorded (rule state ``limits``); a change
    above one, or of a limit whose value the node has not recorded, raises it
    (``may_raise``: the action then needs a step-up code).

    Raises
    ------
    ValueError
        If `text` is not a number.

    """
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ValueError(f"limit value {text!r} is not a number")
    current = RiskLedger(store).rule_state(LIMITS_STATE).get("current", {}).get(key)
    old = None if current is None else float(current)
    return LimitChange(key, number, is_raise(old, number)), old


def _refused(request: Request, status: int, message: str) -> Response:
    return templates.TemplateResponse(request, "refused.html", {"message": message}, status)


@router.post("/{name}")
async def act(
    request: Request,
    name: str,
    session: OwnerDep,
    cfg: SettingsDep,
    store: StoreDep,
    address: AddressDep,
    now: NowDep,
    confirm: Annotated[str, Form(max_length=8)] = "",
    totp: Annotated[str, Form(max_length=16)] = "",
    target: Annotated[str, Form(max_length=64)] = "",
    rule: Annotated[str, Form(max_length=64)] = "",
    amount: Annotated[str, Form(max_length=32)] = "",
    kind: Annotated[str, Form(max_length=16)] = "deposit",
    flow_date: Annotated[str, Form(max_length=16)] = "",
    note: Annotated[str, Form(max_length=200)] = "",
    limit: Annotated[str, Form(max_length=64)] = "",
    value: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Write the owner command of action `name` (see :data:`ACTIONS`) after the checks."""
    action = ACTIONS.get(name)
    if action is None:
        return _refused(request, 404, f"no action {name!r}")
    audit = AuditLog(store)
    detail = " ".join(v for v in (rule, target) if v)
    if cfg.read_only or session is None:
        return _refused(request, 403, "demo mode: read-only, actions are refused")

    def refuse(status: int, why: str) -> Response:
        audit.append(now, "owner", address, action.command, detail, f"refused: {why}")
        return _refused(request, status, why)

    if confirm != "yes":
        return refuse(400, "not confirmed: tick the confirmation box")
    if action.command == "flatten" and not (target == FLATTEN_ALL or target.isalnum()):
        return refuse(400, "flatten needs a structure id or * for all")
    if action.command == "milestone_baseline":
        if not _positive_amount(amount):
            return refuse(400, f"baseline {amount!r} is not a positive amount in dollars")
        target = f"{float(amount):.2f}"
        detail = " ".join(v for v in (rule, target) if v)
    dangerous = action.dangerous
    if action.command == CAPITAL_FLOW:
        try:
            flow = capital_flow(kind, amount, flow_date, note, now)
        except ValueError as exc:
            return refuse(400, str(exc))
        target = flow.to_argument()
        detail = f"{flow.kind} {abs(flow.amount):.2f} on {flow.date}"
    if action.command == SET_LIMIT:
        try:
            change, old = limit_change(store, limit, value)
        except ValueError as exc:
            return refuse(400, str(exc))
        dangerous = change.may_raise
        target = change.to_argument()
        detail = f"{change.key} {'-' if old is None else f'{old:g}'} -> {change.value:g}"
    if dangerous:
        ledger = ControlLedger(store)
        if totp:
            if not accept_totp(ledger, totp, now):
                return refuse(403, "step-up refused: wrong or already used code")
            ledger.step_up(session.token_hash, now)
        elif now - session.stepup_ns > cfg.stepup_window_s * NS:
            return refuse(403, "step-up required: enter a fresh authenticator code")
    command_id = RiskLedger(store).add_command(
        action.command, now, rule=rule or None, argument=target or None
    )
    audit.append(now, "owner", address, action.command, detail, f"requested #{command_id}")
    return RedirectResponse(f"{action.back}?sent={command_id}", status_code=303)
