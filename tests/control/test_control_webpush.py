"""Web push: a notification reaches each subscribed browser encrypted to it, signed with VAPID.

The push service is an injected httpx transport standing in for the browser vendor's endpoint;
the test decrypts what it received with the subscriber's private key (RFC 8291).
"""

import base64
import json

import http_ece
import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient

from control.settings import ControlSettings
from risk.webpush import VapidKeys, WebPushNotifier
from statestore import StateStore
from statestore.control import ControlLedger
from tests.control.conftest import SAME_ORIGIN, Owner, login


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Browser:
    """A subscribed browser: its P-256 key pair and auth secret."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = b"0123456789abcdef"
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.p256dh = b64(point)

    def decrypt(self, body: bytes) -> dict:
        plain = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


def test_a_notification_is_encrypted_to_each_browser_and_signed(tmp_path) -> None:
    keys = VapidKeys.generate("mailto:owner@example.com")
    browser, received, logged = Browser(), [], []

    def push_service(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(410 if "gone" in request.url.path else 201)

    with StateStore(tmp_path / "node.sqlite") as store:
        ledger = ControlLedger(store)
        ledger.add_push_subscription(
            "https://push.example/send/abc", browser.p256dh, b64(browser.auth), 1
        )
        ledger.add_push_subscription(
            "https://push.example/gone/xyz", browser.p256dh, b64(browser.auth), 1
        )
        notifier = WebPushNotifier(store, keys, logged.append, httpx.MockTransport(push_service))
        notifier.notify("risk: block", "drawdown 12% from the peak")
        assert [e for e, _, _ in ledger.push_subscriptions()] == ["https://push.example/send/abc"]
    sent = next(r for r in received if "/send/" in r.url.path)
    assert sent.headers["content-encoding"] == "aes128gcm" and int(sent.headers["ttl"]) > 0
    assert browser.decrypt(sent.content) == {
        "title": "risk: block",
        "body": "drawdown 12% from the peak",
    }
    scheme, _, params = sent.headers["authorization"].partition(" ")
    assert scheme == "vapid" and f"k={keys.public}" in params
    token = params.split("t=")[1].split(",")[0]
    claims = json.loads(unb64(token.split(".")[1]))
    assert claims["aud"] == "https://push.example" and claims["sub"] == "mailto:owner@example.com"
    assert logged == ["Web push subscription at push.example is gone; removed"]
    assert keys.private not in repr(keys)


def test_a_push_service_failure_is_logged_not_raised(tmp_path) -> None:
    keys, browser, logged = VapidKeys.generate("mailto:o@example.com"), Browser(), []

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    with StateStore(tmp_path / "node.sqlite") as store:
        ControlLedger(store).add_push_subscription(
            "https://push.example/a", browser.p256dh, b64(browser.auth), 1
        )
        WebPushNotifier(store, keys, logged.append, httpx.MockTransport(down)).notify("t", "b")
    assert logged == ["Web push to push.example failed: ConnectError"]


def test_keys_come_from_the_environment_all_or_none() -> None:
    assert VapidKeys.from_env({}) is None
    with pytest.raises(ValueError, match="or none"):
        VapidKeys.from_env({"TRADEFLY_VAPID_PUBLIC_KEY": "x"})


def test_the_owner_subscribes_a_browser_and_gets_the_public_key(
    client: TestClient, owner: Owner, settings: ControlSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = VapidKeys.generate("mailto:o@example.com")
    monkeypatch.setenv("TRADEFLY_VAPID_PRIVATE_KEY", keys.private)
    monkeypatch.setenv("TRADEFLY_VAPID_PUBLIC_KEY", keys.public)
    monkeypatch.setenv("TRADEFLY_VAPID_SUBJECT", keys.subject)
    login(client, owner)
    assert client.get("/push/key").json() == {"key": keys.public}
    browser = Browser()
    good = {
        "endpoint": "https://push.example/s/1",
        "keys": {"p256dh": browser.p256dh, "auth": b64(browser.auth)},
    }
    assert client.post("/push/subscribe", json=good, headers=SAME_ORIGIN).status_code == 204
    bad = {**good, "endpoint": "http://push.example/s/2"}
    assert client.post("/push/subscribe", json=bad, headers=SAME_ORIGIN).status_code == 400
    with StateStore(settings.store) as store:
        assert [e for e, _, _ in ControlLedger(store).push_subscriptions()] == [
            "https://push.example/s/1"
        ]
    monkeypatch.delenv("TRADEFLY_VAPID_PUBLIC_KEY")
    monkeypatch.delenv("TRADEFLY_VAPID_PRIVATE_KEY")
    monkeypatch.delenv("TRADEFLY_VAPID_SUBJECT")
    assert client.get("/push/key").status_code == 404


def test_vapid_keys_prints_env_lines_that_load(capsys: pytest.CaptureFixture[str]) -> None:
    from tradefly.cli import main

    assert main(["control", "vapid-keys", "--subject", "mailto:o@example.com"]) == 0
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.splitlines())
    keys = VapidKeys.from_env(lines)
    assert keys is not None and len(unb64(keys.public)) == 65 and len(unb64(keys.private)) == 32
