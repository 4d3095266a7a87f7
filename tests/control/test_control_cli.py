"""``tradefly control set-password|setup-totp`` and the serve command's user errors."""

from pathlib import Path

import pyotp
import pytest

from control import cli as control_cli
from statestore import StateStore
from statestore.control import PASSWORD_HASH, TOTP_SECRET, ControlLedger
from tradefly.cli import main


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "node.sqlite"
    StateStore(path).close()
    return path


def test_set_password_stores_an_argon2id_hash_and_ends_sessions(
    store: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with StateStore(store) as s:
        ControlLedger(s).add_session("old", 1, "10.0.0.1")
    answers = iter(["a long enough password", "a long enough password"])
    monkeypatch.setattr(control_cli.getpass, "getpass", lambda _prompt: next(answers))
    assert main(["control", "set-password", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "password set" in out and "a long enough password" not in out
    with StateStore(store) as s:
        stored = ControlLedger(s).credential(PASSWORD_HASH)
        assert ControlLedger(s).session("old") is None
    assert stored is not None and stored.startswith("$argon2id$")


@pytest.mark.parametrize(
    ("answers", "message"),
    [(["short", "short"], "at least 12"), (["long enough pass 1", "long enough pass 2"], "differ")],
)
def test_set_password_refuses_a_short_or_mistyped_password(
    store: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    answers: list[str],
    message: str,
) -> None:
    replies = iter(answers)
    monkeypatch.setattr(control_cli.getpass, "getpass", lambda _prompt: next(replies))
    assert main(["control", "set-password", "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    with StateStore(store) as s:
        assert ControlLedger(s).credential(PASSWORD_HASH) is None


def test_setup_totp_shows_a_qr_code_and_the_uri_of_the_stored_secret(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["control", "setup-totp", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    with StateStore(store) as s:
        secret = ControlLedger(s).credential(TOTP_SECRET)
    assert secret is not None
    uri = next(line for line in out.splitlines() if line.startswith("otpauth://"))
    assert pyotp.parse_uri(uri).secret == secret
    assert "issuer=Tradefly" in uri
    assert (
        sum(line.count("█") + line.count("▀") + line.count("▄") for line in out.splitlines()) > 100
    )


def test_a_missing_store_is_one_line_and_never_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.sqlite"
    for argv in (["setup-totp", "--store", str(missing)], ["--store", str(missing)]):
        assert main(["control", *argv]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and str(missing) in err
    assert not missing.exists()


def test_demo_serves_on_loopback_only(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["control", "--demo", "--store", str(store), "--host", "0.0.0.0"]) == 2
    assert "loopback" in capsys.readouterr().err
