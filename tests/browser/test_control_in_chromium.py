"""The control app in headless Chromium at 390x844: log in, pause entries, see it applied.

The app runs in uvicorn on 127.0.0.1 (a real server, real cookies); the node is stood in for by
the risk evaluator with the real rules reading the same store (what the risk guard runs at each
evaluation). Debian's ``chromium`` through Playwright's ``executable_path``; skipped without
it, failed instead when ``TRADEFLY_REQUIRE_SHARED_DATA=1``.
"""

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
import uvicorn

from control.main import create_app
from control.settings import ControlSettings
from risk.evaluator import RiskEvaluator
from risk.kill_switch import KillSwitch, KillSwitchConfig
from risk.owner_pause import OwnerPause
from statestore import StateStore
from statestore.risk import RiskLedger
from tests.browser.test_report_in_chromium import CHROMIUM, LAUNCH_ARGS
from tests.control.conftest import FAST_HASHER, PASSWORD, SECRET, make_owner_store


class Silent:
    def notify(self, title: str, body: str) -> None:
        pass


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return make_owner_store(tmp_path / "node.sqlite")


@pytest.fixture
def server(store_path: Path) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(ControlSettings(store_path, hasher=FAST_HASHER))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)


def apply_pending_commands(store_path: Path) -> None:
    """What the node's risk guard does at its next evaluation (the rules over the store)."""
    with StateStore(store_path) as store:
        rules = [KillSwitch(KillSwitchConfig()), OwnerPause()]
        RiskEvaluator(rules, RiskLedger(store), Silent()).update(time.time_ns(), 100_000.0)


def test_owner_logs_in_on_a_phone_pauses_entries_and_sees_it_applied(
    server: str, store_path: Path
) -> None:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found (install it: apt-get install -y chromium)"
        if os.environ.get("TRADEFLY_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(message + " and TRADEFLY_REQUIRE_SHARED_DATA=1")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844})
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))

        page.goto(server + "/risk")
        assert page.url == server + "/login"  # no session: sent to the login page
        page.fill("input[name=password]", PASSWORD)
        page.fill("input[name=totp]", pyotp.TOTP(SECRET).now())
        page.click("button[type=submit]")
        page.wait_for_url(server + "/")
        assert page.locator("#equity").is_visible()
        cookie = next(c for c in page.context.cookies() if c["name"].startswith("__Host-"))
        assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert page.evaluate("typeof window.htmx") == "object"  # the vendored script ran

        page.click("nav >> text=Risk")
        page.check("form[action='/actions/pause'] input[name=confirm]")
        page.click("#act-pause")
        page.wait_for_url("**/risk?sent=*")
        assert "Command #1 sent" in page.inner_text("#sent")
        assert "pause_entries" in page.inner_text("#pending")
        assert "not paused" in page.inner_text("#paused")

        apply_pending_commands(store_path)
        page.reload()
        assert "Entries paused by the owner" in page.inner_text("#paused")
        assert "block" in page.inner_text("#decision")
        assert "owner_pause" in page.inner_text("#decision")
        assert "none" in page.inner_text("#pending")

        page.click("nav >> text=Audit")
        audit = page.inner_text("#audit")
        assert "pause_entries" in audit and "requested #1" in audit
        assert "applied to owner_pause" in audit and "127.0.0.1" in audit
        assert "Chain intact" in page.inner_text("#chain")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, "the page scrolls sideways on a phone"
        assert problems == []

        # Installed as an app: the service worker shows the offline page when the app is gone.
        assert page.evaluate("navigator.serviceWorker.ready.then(r => r.active !== null)")
        page.context.set_offline(True)
        page.goto(server + "/positions")
        assert "data is stale" in page.inner_text("#offline")
        browser.close()
