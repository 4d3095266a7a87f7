"""Web push to the owner's phone: notifications encrypted to each subscribed browser.

RFC 8030 (delivery), RFC 8291 (``aes128gcm`` payload encryption, ``pywebpush``/``http_ece``)
and RFC 8292 (VAPID, ``py_vapid``). The keys come from the environment (or ``.env``):
``TRADEFLY_VAPID_PRIVATE_KEY`` (the raw P-256 private key, base64url),
``TRADEFLY_VAPID_PUBLIC_KEY`` (the uncompressed public point, base64url; the browser
subscribes with it) and ``TRADEFLY_VAPID_SUBJECT`` (``mailto:`` or ``https:`` contact).
``tradefly control vapid-keys`` makes a pair. Subscriptions are rows of ``push_subscriptions``
in the node's state store (the control app adds them). A failed delivery is logged and never
raised; a subscription the push service reports gone (404, 410) is deleted.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from statestore import StateStore
from statestore.control import ControlLedger

if TYPE_CHECKING:
    import httpx

TTL_SECS = 24 * 3600
ENV_PRIVATE = "TRADEFLY_VAPID_PRIVATE_KEY"
ENV_PUBLIC = "TRADEFLY_VAPID_PUBLIC_KEY"
ENV_SUBJECT = "TRADEFLY_VAPID_SUBJECT"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True, slots=True)
class VapidKeys:
    """The application server's VAPID key pair (base64url) and contact subject."""

    private: str
    public: str
    subject: str

    def __repr__(self) -> str:
        return f"VapidKeys(public={self.public!r}, subject={self.subject!r})"  # no private key

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> VapidKeys | None:
        """Return the keys from the environment, or ``None`` when web push is not set up.

        Raises
        ------
        ValueError
            If only some of the three variables are set, or the subject is not ``mailto:`` or
            ``https:``.

        """
        values = [environ.get(name, "").strip() for name in (ENV_PRIVATE, ENV_PUBLIC, ENV_SUBJECT)]
        if not any(values):
            return None
        if not all(values):
            raise ValueError(f"set all of {ENV_PRIVATE}, {ENV_PUBLIC} and {ENV_SUBJECT}, or none")
        if not values[2].startswith(("mailto:", "https:")):
            raise ValueError(f"{ENV_SUBJECT} must start with mailto: or https:")
        return cls(*values)

    @classmethod
    def generate(cls, subject: str) -> VapidKeys:
        """Return a new key pair (P-256)."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        key = ec.generate_private_key(ec.SECP256R1())
        private = key.private_numbers().private_value.to_bytes(32, "big")
        public = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return cls(_b64(private), _b64(public), subject)


class WebPushNotifier:
    """Send each notification to every browser subscribed in the store.

    Parameters
    ----------
    store : StateStore
        The node's store (``push_subscriptions``).
    keys : VapidKeys
        The VAPID keys.
    log : Callable[[str], None]
        Where failures are reported (never the payload or a key).
    transport : httpx.BaseTransport | None
        Injected in tests; the default sends over the network.

    """

    def __init__(
        self,
        store: StateStore,
        keys: VapidKeys,
        log: Callable[[str], None],
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        # pywebpush pulls in aiohttp and requests (~0.35 s): imported by a node that pushes only
        import httpx
        from py_vapid import Vapid

        self._ledger = ControlLedger(store)
        self._vapid = Vapid.from_raw(keys.private.encode())
        self._keys = keys
        self._log = log
        self._client = httpx.Client(transport=transport, timeout=10.0)

    def notify(self, title: str, body: str) -> None:
        """Encrypt `title` and `body` to each subscription and post it; failures are logged."""
        data = json.dumps({"title": title, "body": body}).encode()
        for endpoint, p256dh, auth in self._ledger.push_subscriptions():
            try:
                self._send(endpoint, p256dh, auth, data)
            except Exception as exc:  # a notification must never stop the node
                self._log(f"Web push to {urlsplit(endpoint).netloc} failed: {type(exc).__name__}")

    def _send(self, endpoint: str, p256dh: str, auth: str, data: bytes) -> None:
        from pywebpush import WebPusher

        info = {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}
        encoded = WebPusher(info).encode(data, content_encoding="aes128gcm")
        parts = urlsplit(endpoint)
        claims = {
            "sub": self._keys.subject,
            "aud": f"{parts.scheme}://{parts.netloc}",
            "exp": int(time.time()) + 12 * 3600,
        }
        headers = dict(self._vapid.sign(claims))
        headers.update(
            {
                "Content-Encoding": "aes128gcm",
                "Content-Type": "application/octet-stream",
                "TTL": str(TTL_SECS),
                "Urgency": "high",
            }
        )
        response = self._client.post(endpoint, content=encoded["body"], headers=headers)
        if response.status_code in (404, 410):
            self._ledger.delete_push_subscription(endpoint)
            self._log(f"Web push subscription at {parts.netloc} is gone; removed")
        elif response.status_code >= 300:
            self._log(f"Web push to {parts.netloc} refused: HTTP {response.status_code}")


class BothNotifiers:
    """Send to two notifiers (the configured channels, then web push)."""

    def __init__(self, first: object, second: WebPushNotifier) -> None:
        self._first = first
        self._second = second

    def notify(self, title: str, body: str) -> None:
        """Send `title` and `body` to both."""
        self._first.notify(title, body)  # type: ignore[attr-defined]
        self._second.notify(title, body)
