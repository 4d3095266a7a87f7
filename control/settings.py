"""Settings of the control app, from the command line and the environment.

Environment (or the git-ignored ``.env``): ``TRADEFLY_CONTROL_ALLOWLIST`` (comma-separated IP
addresses or networks allowed to connect, e.g. ``127.0.0.1,100.64.0.0/10``; unset allows any
address the server listens to), ``TRADEFLY_CONTROL_IDLE_MINUTES`` (session idle timeout,
default 15).
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher

from configfile.fields import ConfigError

DEFAULT_HASHER = PasswordHasher()
"""Argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile: t=3, 64 MiB, p=4)."""

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class ControlSettings:
    """How the control app runs.

    Parameters
    ----------
    store : Path
        The node's state store file.
    read_only : bool
        Demo mode: no login, every action refused (``tradefly control --demo``).
    allowlist : tuple[Network, ...]
        Client networks allowed in; empty allows all.
    idle_timeout_s : int
        A session unused this long (seconds) is ended.
    session_max_s : int
        A session ends this long (seconds) after login, used or not.
    stepup_window_s : int
        A dangerous action needs a TOTP code entered within this many seconds.
    address_failures : int
        Failed logins from one address within `lockout_window_s` that lock it out.
    global_failures : int
        Failed logins from all addresses within `lockout_window_s` that lock every address out.
    lockout_window_s : int
        The throttling window, seconds.
    hasher : argon2.PasswordHasher
        Argon2id parameters; a stored hash made with others is rehashed at the next login
        (tests use cheaper ones).

    """

    store: Path
    read_only: bool = False
    allowlist: tuple[Network, ...] = field(default=())
    idle_timeout_s: int = 15 * 60
    session_max_s: int = 12 * 3600
    stepup_window_s: int = 5 * 60
    address_failures: int = 5
    global_failures: int = 20
    lockout_window_s: int = 15 * 60
    hasher: PasswordHasher = field(default=DEFAULT_HASHER)

    @classmethod
    def from_env(cls, store: Path, read_only: bool = False) -> ControlSettings:
        """Return the settings for `store` with the environment's allowlist and idle timeout.

        Raises
        ------
        ConfigError
            If ``TRADEFLY_CONTROL_ALLOWLIST`` or ``TRADEFLY_CONTROL_IDLE_MINUTES`` is invalid.

        """
        allowlist = parse_allowlist(os.environ.get("TRADEFLY_CONTROL_ALLOWLIST", ""))
        idle = os.environ.get("TRADEFLY_CONTROL_IDLE_MINUTES", "15")
        if not idle.isdigit() or int(idle) < 1:
            raise ConfigError(
                "environment", [f"TRADEFLY_CONTROL_IDLE_MINUTES was {idle!r}, not minutes >= 1"]
            )
        return cls(store, read_only, allowlist, idle_timeout_s=int(idle) * 60)


def parse_allowlist(text: str) -> tuple[Network, ...]:
    """Parse comma-separated addresses or networks (``10.0.0.0/8``); empty gives ``()``.

    Raises
    ------
    ConfigError
        Naming the entry that is not an address or network.

    """
    networks = []
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ConfigError(
                "environment",
                [f"TRADEFLY_CONTROL_ALLOWLIST entry {entry!r} is not an IP address or network"],
            ) from None
    return tuple(networks)
