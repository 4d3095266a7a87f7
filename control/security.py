"""The owner's credentials: Argon2id password, TOTP with replay refused, sessions, throttling.

- Passwords are hashed with Argon2id (``argon2-cffi``'s defaults, RFC 9106's low-memory
  profile); a stored hash made with other parameters is replaced at the next good login. With
  no password set, a dummy hash is verified so a login takes the same time either way.
- TOTP (RFC 6238, 30 s steps, 6 digits, ``pyotp``) accepts the current step and one either
  side; the last accepted step is stored and a code of that step or an older one is refused,
  so a code works once.
- Session tokens are 256 random bits; the store keeps only their SHA-256.
- Login throttling: after ``address_failures`` failures from one address, or
  ``global_failures`` from all, within ``lockout_window_s``, logins are refused (right
  password or not) until the window has passed the failures.
"""

from __future__ import annotations

import functools
import hashlib
import secrets

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from control.settings import DEFAULT_HASHER, ControlSettings
from statestore.control import PASSWORD_HASH, TOTP_SECRET, ControlLedger

ISSUER = "Tradefly"
NS = 1_000_000_000


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str, hasher: PasswordHasher = DEFAULT_HASHER) -> str:
    """Return the Argon2id hash (PHC string) of `password`."""
    return hasher.hash(password)


def verify_password(
    stored_hash: str | None, password: str, hasher: PasswordHasher = DEFAULT_HASHER
) -> tuple[bool, str | None]:
    """Check `password` against `stored_hash` (``None``: none set, a dummy is verified).

    A hash made with parameters other than `hasher`'s is rehashed with them.

    Returns
    -------
    tuple[bool, str | None]
        Whether it matched, and a new hash to store when the stored one used older
        parameters (``None`` otherwise).

    """
    try:
        hasher.verify(stored_hash or _dummy_hash(hasher), password)
    except (VerificationError, InvalidHashError):
        return False, None
    if stored_hash is None:
        return False, None
    rehash = hasher.check_needs_rehash(stored_hash)
    return True, hash_password(password, hasher) if rehash else None


def new_totp_secret() -> str:
    """Return a new random TOTP secret (base32, 160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, name: str = "owner") -> str:
    """Return the ``otpauth://`` URI an authenticator app scans."""
    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=ISSUER)


def accept_totp(ledger: ControlLedger, code: str, now_ns: int) -> bool:
    """Return whether `code` is a valid TOTP code not used before, and record its step.

    Refused: no secret set, a wrong code, or a code of the last accepted step or an older one
    (a replay).
    """
    secret = ledger.credential(TOTP_SECRET)
    code = code.strip()
    if secret is None or not (code.isdigit() and len(code) == 6):
        return False
    try:
        timecode = pyotp.TOTP(secret).verify_and_get_timecode(
            code, for_time=now_ns / NS, valid_window=1
        )
    except pyotp.exceptions.OTPVerificationError:
        return False
    return ledger.advance_timecode(timecode, now_ns)


def new_session_token() -> str:
    """Return a new session token for the cookie (never stored as is)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Return the stored form of a session token (hex SHA-256)."""
    return hashlib.sha256(token.encode()).hexdigest()


def lockout_reason(
    ledger: ControlLedger, settings: ControlSettings, address: str, now_ns: int
) -> str | None:
    """Return why logins from `address` are refused now, or ``None`` when they are not."""
    since = now_ns - settings.lockout_window_s * NS
    if ledger.failures_since(since) >= settings.global_failures:
        return "too many failed logins: every login is locked for a while"
    if ledger.failures_since(since, address) >= settings.address_failures:
        return "too many failed logins from this address: locked for a while"
    return None


def set_password(
    ledger: ControlLedger, password: str, now_ns: int, hasher: PasswordHasher = DEFAULT_HASHER
) -> None:
    """Store the owner's new password hash and end every session."""
    with ledger.store.transaction():
        ledger.set_credential(PASSWORD_HASH, hash_password(password, hasher), now_ns)
        ledger.delete_all_sessions()


def set_totp_secret(ledger: ControlLedger, secret: str, now_ns: int) -> None:
    """Store a new TOTP secret (forgetting the last accepted step) and end every session."""
    with ledger.store.transaction():
        ledger.set_credential(TOTP_SECRET, secret, now_ns)
        ledger.forget_timecode()
        ledger.delete_all_sessions()
