"""Web push subscriptions: the VAPID public key for the browser, and storing a subscription.

The node sends the notifications (:mod:`risk.webpush`); the app only records which browsers
of the owner subscribed.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from control.deps import AddressDep, NowDep, OwnerDep, StoreDep
from risk.webpush import VapidKeys
from statestore.audit import AuditLog
from statestore.control import ControlLedger

router = APIRouter(prefix="/push")


@router.get("/key")
async def key(_owner: OwnerDep) -> Response:
    """Return the VAPID public key (404 when web push is not set up on this machine)."""
    keys = VapidKeys.from_env()
    if keys is None:
        return PlainTextResponse("web push is not set up (TRADEFLY_VAPID_* keys)", status_code=404)
    return JSONResponse({"key": keys.public})


def _key_bytes(text: object, size: int) -> bool:
    if not isinstance(text, str) or len(text) > 200:
        return False
    try:
        return len(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))) == size
    except (binascii.Error, ValueError):
        return False


@router.post("/subscribe")
async def subscribe(
    session: OwnerDep,
    store: StoreDep,
    address: AddressDep,
    now: NowDep,
    subscription: Annotated[dict[str, object], Body()],
) -> Response:
    """Store the browser's subscription (``PushSubscription.toJSON()``): endpoint and keys."""
    endpoint = subscription.get("endpoint")
    keys = subscription.get("keys")
    if (
        session is None
        or not isinstance(endpoint, str)
        or not endpoint.startswith("https://")
        or len(endpoint) > 2000
        or not isinstance(keys, dict)
        or not _key_bytes(keys.get("p256dh"), 65)
        or not _key_bytes(keys.get("auth"), 16)
    ):
        return PlainTextResponse("not a push subscription", status_code=400)
    ControlLedger(store).add_push_subscription(endpoint, keys["p256dh"], keys["auth"], now)
    AuditLog(store).append(now, "owner", address, "push_subscribe", "", "ok")
    return Response(status_code=204)
