"""Only the owner gets in: sessions on every route, TOTP replay, lockout, cross-site, step-up."""

import logging
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from control.deps import COOKIE
from control.main import PUBLIC_PATHS, create_app
from control.routes.actions import ACTIONS, DANGEROUS, RAISING
from control.settings import ControlSettings, parse_allowlist
from statestore import StateStore
from statestore.control import PASSWORD_HASH, ControlLedger
from statestore.risk import RiskLedger
from tests.control.conftest import FAST_HASHER, PASSWORD, SAME_ORIGIN, SECRET, Clock, Owner, login


def commands(settings: ControlSettings) -> list[tuple[str, str | None, str | None]]:
    with StateStore(settings.store) as store:
        return [(c.command, c.rule, c.argument) for c in RiskLedger(store).commands()]


def api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every APIRoute of the app, inside included routers too (FastAPI keeps them nested)."""
    found = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found += api_routes(route.original_router.routes)
    return found


def test_every_route_but_login_and_static_needs_a_session(app: FastAPI, client: TestClient) -> None:
    routes = api_routes(app.routes)
    assert len(routes) >= 12  # the test sees the app's routes, so a new one cannot forget it
    checked = 0
    for route in routes:
        if route.path in PUBLIC_PATHS:
            continue
        path = route.path.replace("{name}", "pause")
        for method in route.methods:
            response = client.request(method, path, headers=SAME_ORIGIN, follow_redirects=False)
            if method == "GET":
                assert response.status_code == 303, (method, path)
                assert response.headers["location"] == "/login"
            else:
                assert response.status_code == 401, (method, path)
            checked += 1
    assert checked >= 11
    assert client.get("/health", headers={"HX-Request": "true"}).status_code == 401


def test_login_sets_a_host_only_secure_strict_cookie_and_opens_the_pages(
    client: TestClient, owner: Owner
) -> None:
    response = login(client, owner)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    for attribute in ("Secure", "HttpOnly", "SameSite=strict", "Path=/"):
        assert attribute.lower() in cookie.lower()
    assert "domain" not in cookie.lower()
    for path in ("/", "/positions", "/journal", "/risk", "/milestones", "/orders", "/audit"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert page.headers["content-security-policy"].startswith("default-src 'none'")
        assert "unsafe-inline" not in page.headers["content-security-policy"]
        assert page.headers["cache-control"] == "no-store"
        assert "<script>" not in page.text and " on" + "click=" not in page.text


def test_api_docs_are_off(client: TestClient, owner: Owner) -> None:
    login(client, owner)
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(path).status_code == 404


def test_wrong_password_or_code_is_refused_with_one_message(
    client: TestClient, owner: Owner
) -> None:
    wrong_password = login(client, owner, password="not the password")
    wrong_code = client.post(
        "/login", data={"password": PASSWORD, "totp": "000000"}, headers=SAME_ORIGIN
    )
    for response in (wrong_password, wrong_code):
        assert response.status_code == 401
        assert "wrong password or code" in response.text
        assert COOKIE not in response.headers.get("set-cookie", "")


def test_a_totp_code_is_accepted_once(client: TestClient, owner: Owner) -> None:
    code = owner.code()
    first = client.post("/login", data={"password": PASSWORD, "totp": code}, headers=SAME_ORIGIN)
    assert first.status_code == 200  # followed to the dashboard
    client.post("/logout", headers=SAME_ORIGIN)
    replay = client.post("/login", data={"password": PASSWORD, "totp": code}, headers=SAME_ORIGIN)
    assert replay.status_code == 401
    assert client.get("/", follow_redirects=False).status_code == 303


def test_repeated_failures_lock_the_address_out_across_a_restart(
    settings: ControlSettings, clock: Clock, owner: Owner
) -> None:
    assert settings.address_failures == 5
    with TestClient(create_app(settings, clock=clock), base_url="https://testserver") as client:
        for _ in range(settings.address_failures):
            assert login(client, owner, password="guess").status_code == 401
        locked = login(client, owner)
        assert locked.status_code == 429 and "locked" in locked.text
    # Another address still gets in; a restart does not forget the failures.
    other = TestClient(
        create_app(settings, clock=clock), base_url="https://testserver", client=("10.1.1.1", 1)
    )
    with other:
        assert login(other, owner).status_code == 303
    with TestClient(create_app(settings, clock=clock), base_url="https://testserver") as client:
        assert login(client, owner).status_code == 429
        clock.advance(settings.lockout_window_s)
        assert login(client, owner).status_code == 303


def test_failures_from_many_addresses_lock_every_address_out(
    store_path: Path, clock: Clock, owner: Owner
) -> None:
    settings = ControlSettings(
        store_path, address_failures=3, global_failures=6, hasher=FAST_HASHER
    )
    app = create_app(settings, clock=clock)
    for n in range(settings.global_failures):
        with TestClient(app, base_url="https://testserver", client=(f"10.0.{n}.1", 1)) as client:
            assert login(client, owner, password="guess").status_code == 401
    with TestClient(app, base_url="https://testserver") as client:
        assert login(client, owner).status_code == 429


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
    ],
)
def test_a_cross_site_post_is_refused(
    client: TestClient, owner: Owner, settings: ControlSettings, headers: dict[str, str]
) -> None:
    login(client, owner)
    response = client.post("/actions/pause", data={"confirm": "yes"}, headers=headers)
    assert response.status_code == 403
    assert commands(settings) == []
    assert client.post("/login", data={"password": PASSWORD}, headers=headers).status_code == 403


def test_an_action_needs_its_confirmation(
    client: TestClient, owner: Owner, settings: ControlSettings
) -> None:
    login(client, owner)
    response = client.post("/actions/pause", headers=SAME_ORIGIN)
    assert response.status_code == 400 and "not confirmed" in response.text
    assert commands(settings) == []


@pytest.mark.parametrize("name", sorted(DANGEROUS))
def test_each_dangerous_action_needs_a_fresh_code(
    client: TestClient, owner: Owner, clock: Clock, settings: ControlSettings, name: str
) -> None:
    login(client, owner)
    clock.advance(settings.stepup_window_s + 1)
    form = {"confirm": "yes", "target": "*", "amount": "50000"}
    refused = client.post(f"/actions/{name}", data=form, headers=SAME_ORIGIN)
    assert refused.status_code == 403 and "step-up required" in refused.text
    wrong = client.post(f"/actions/{name}", data={**form, "totp": "123456"}, headers=SAME_ORIGIN)
    assert wrong.status_code == 403
    assert commands(settings) == []
    done = client.post(
        f"/actions/{name}",
        data={**form, "totp": owner.code()},
        headers=SAME_ORIGIN,
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert [c[0] for c in commands(settings)] == [ACTIONS[name].command]
    # The fresh code counts for the next minutes: a second dangerous action needs none.
    again = client.post(f"/actions/{name}", data=form, headers=SAME_ORIGIN, follow_redirects=False)
    assert again.status_code == 303


def test_safe_actions_need_no_code(
    client: TestClient, owner: Owner, clock: Clock, settings: ControlSettings
) -> None:
    login(client, owner)
    clock.advance(settings.stepup_window_s + 1)
    for name in sorted(set(ACTIONS) - DANGEROUS - RAISING):
        response = client.post(
            f"/actions/{name}", data={"confirm": "yes"}, headers=SAME_ORIGIN, follow_redirects=False
        )
        assert response.status_code == 303, name
    assert len(commands(settings)) == len(set(ACTIONS) - DANGEROUS - RAISING)


def test_an_idle_session_ends(
    client: TestClient, owner: Owner, clock: Clock, settings: ControlSettings
) -> None:
    login(client, owner)
    clock.advance(settings.idle_timeout_s - 1)
    assert client.get("/", follow_redirects=False).status_code == 200
    for _ in range(settings.idle_timeout_s // 15 + 1):  # the dashboard's own refresh ...
        clock.advance(15)
        client.get("/health", headers={"HX-Request": "true"})
    # ... is not activity: the session ended once the owner left it idle long enough
    assert client.get("/", follow_redirects=False).status_code == 303


def test_log_out_everywhere_ends_the_other_devices_sessions(
    settings: ControlSettings, clock: Clock, owner: Owner
) -> None:
    phone = TestClient(create_app(settings, clock=clock), base_url="https://testserver")
    laptop = TestClient(create_app(settings, clock=clock), base_url="https://testserver")
    with phone, laptop:
        login(phone, owner)
        login(laptop, owner)
        assert laptop.get("/", follow_redirects=False).status_code == 200
        phone.post("/logout-everywhere", headers=SAME_ORIGIN)
        assert laptop.get("/", follow_redirects=False).status_code == 303
        assert phone.get("/", follow_redirects=False).status_code == 303


def test_a_hash_with_old_parameters_is_replaced_at_login(
    settings: ControlSettings, client: TestClient, owner: Owner
) -> None:
    old = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1).hash(PASSWORD)
    with StateStore(settings.store) as store:
        ControlLedger(store).set_credential(PASSWORD_HASH, old, 0)
    assert login(client, owner).status_code == 303
    with StateStore(settings.store) as store:
        new = ControlLedger(store).credential(PASSWORD_HASH)
    assert new is not None and new != old and new.startswith("$argon2id$")
    assert FAST_HASHER.verify(new, PASSWORD)
    assert not FAST_HASHER.check_needs_rehash(new)


def test_no_password_set_still_verifies_a_dummy_hash(tmp_path, clock: Clock, owner: Owner) -> None:
    path = tmp_path / "fresh.sqlite"
    StateStore(path).close()
    with TestClient(
        create_app(ControlSettings(path, hasher=FAST_HASHER), clock=clock),
        base_url="https://testserver",
    ) as c:
        assert login(c, owner).status_code == 401


def test_an_address_outside_the_allowlist_is_refused(
    settings: ControlSettings, clock: Clock
) -> None:
    allowed = ControlSettings(
        settings.store, hasher=FAST_HASHER, allowlist=parse_allowlist("10.0.0.0/8, 127.0.0.1")
    )
    inside = TestClient(
        create_app(allowed, clock=clock), base_url="https://testserver", client=("10.2.3.4", 1)
    )
    outside = TestClient(
        create_app(allowed, clock=clock), base_url="https://testserver", client=("192.168.1.9", 1)
    )
    with inside, outside:
        assert inside.get("/login").status_code == 200
        assert outside.get("/login").status_code == 403
        assert outside.get("/static/app.css").status_code == 403


def test_no_secret_in_any_page_log_line_or_audit_row(
    client: TestClient, owner: Owner, settings: ControlSettings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    login(client, owner, password="a wrong guess that is secret")
    response = login(client, owner)
    token = client.cookies[COOKIE]
    pages = [
        client.get(p).text
        for p in ("/", "/positions", "/journal", "/risk", "/milestones", "/orders", "/audit")
    ]
    pages.append(
        client.post(
            "/actions/flatten",
            data={"confirm": "yes", "target": "*", "totp": owner.code()},
            headers=SAME_ORIGIN,
        ).text
    )
    with StateStore(settings.store) as store:
        password_hash = ControlLedger(store).credential(PASSWORD_HASH)
        audit_rows = str(store._conn.execute("SELECT * FROM audit_log").fetchall())
    assert password_hash
    secrets = [PASSWORD, "a wrong guess that is secret", SECRET, token, password_hash]
    logged = caplog.text + response.text
    for secret in secrets:
        for text in [*pages, logged, audit_rows]:
            assert secret not in text
    assert re.search(r"login.*ok", audit_rows)


def test_the_store_must_exist(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        create_app(ControlSettings(tmp_path / "missing.sqlite"))
    assert not (tmp_path / "missing.sqlite").exists()
    with pytest.raises(sqlite3.Error):
        (tmp_path / "junk.sqlite").write_bytes(b"not a database at all, hostile bytes" * 100)
        create_app(ControlSettings(tmp_path / "junk.sqlite"))
