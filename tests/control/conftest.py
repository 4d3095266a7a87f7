"""Fixtures for the control app: a state store with the owner's password and TOTP secret."""

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from control.main import create_app
from control.security import set_password, set_totp_secret
from control.settings import ControlSettings
from statestore import StateStore
from statestore.control import ControlLedger

PASSWORD = "correct horse battery staple"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
"""Cheap Argon2id parameters so the tests' logins are fast (production: argon2-cffi defaults)."""
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin", "Origin": "https://testserver"}


class Clock:
    """The app's clock in tests: UNIX ns, moved by hand."""

    def __init__(self) -> None:
        self.ns = time.time_ns()

    def __call__(self) -> int:
        return self.ns

    def advance(self, seconds: float) -> None:
        self.ns += int(seconds * 1e9)


class Owner:
    """The owner's authenticator: each code is of a new 30 s step (the clock moves on)."""

    def __init__(self, clock: Clock) -> None:
        self.totp = pyotp.TOTP(SECRET)
        self.clock = clock

    def code(self) -> str:
        """Move the clock to the next TOTP step and return that step's code."""
        self.clock.advance(30)
        return self.totp.at(self.clock.ns / 1e9)


def make_owner_store(path: Path) -> Path:
    """Create a store with the owner's password (:data:`FAST_HASHER`) and TOTP secret set."""
    with StateStore(path) as store:
        ledger = ControlLedger(store)
        set_password(ledger, PASSWORD, time.time_ns(), FAST_HASHER)
        set_totp_secret(ledger, SECRET, time.time_ns())
        store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(scope="session")
def owner_store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the owner's password and TOTP secret set (hashed once per run)."""
    return make_owner_store(tmp_path_factory.mktemp("control") / "template.sqlite")


@pytest.fixture
def store_path(tmp_path: Path, owner_store_template: Path) -> Path:
    path = tmp_path / "node.sqlite"
    shutil.copyfile(owner_store_template, path)
    return path


@pytest.fixture
def settings(store_path: Path) -> ControlSettings:
    return ControlSettings(store_path, hasher=FAST_HASHER)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def owner(clock: Clock) -> Owner:
    return Owner(clock)


@pytest.fixture
def app(settings: ControlSettings, clock: Clock) -> FastAPI:
    return create_app(settings, clock=clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


def login(client: TestClient, owner: Owner, password: str = PASSWORD) -> Response:
    """Post the login form with a fresh code; return the response."""
    return client.post(
        "/login",
        data={"password": password, "totp": owner.code()},
        headers=SAME_ORIGIN,
        follow_redirects=False,
    )
