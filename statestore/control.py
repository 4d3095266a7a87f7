"""Tables the owner's control app keeps in the node's state store.

``control_credentials`` holds the owner's Argon2id password hash, the TOTP secret and the last
accepted TOTP time step (so a code is accepted once); ``control_sessions`` the server-side
sessions, keyed by the SHA-256 of the session token (the token itself is only in the owner's
cookie); ``login_attempts`` every login attempt with its address, for throttling and lockout
across restarts; ``push_subscriptions`` the browsers subscribed to web push; ``account_snapshots``
the node's equity, cash and buying power over time (the dashboard's
equity and drawdown chart); ``structure_marks`` the newest mark of each open structure (the
positions page). Every write commits before it returns.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from statestore.store import StateStore

PASSWORD_HASH = "password_hash"  # noqa: S105 (key names, not secrets)
TOTP_SECRET = "totp_secret"  # noqa: S105
TOTP_LAST_TIMECODE = "totp_last_timecode"


@dataclass(frozen=True, slots=True)
class Session:
    """A server-side session (times in UNIX ns; `stepup_ns` is the last fresh TOTP code)."""

    token_hash: str
    created_ns: int
    last_seen_ns: int
    stepup_ns: int
    address: str


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """Equity (cash plus positions at their marks), cash and buying power, USD, at `ts_ns`.

    ``buying_power`` is the account's free balance as the node's Nautilus account holds it
    (Tradier: the option buying power of a margin account, ``cash_available`` of a cash
    account; a backtest: the simulated account's free balance); ``None`` when not recorded.
    """

    ts_ns: int
    equity: float
    cash: float
    buying_power: float | None = None


@dataclass(frozen=True, slots=True)
class StructureMark:
    """An open structure marked to market at `ts_ns` (UNIX ns).

    ``mark`` is its value at mid (USD, negative for a net short structure), ``unrealized_pnl``
    USD; net ``delta`` in shares of the underlying, ``gamma`` in shares per dollar, ``vega``
    USD per vol point, ``theta`` USD per calendar day (``None`` when a leg had no greeks).
    """

    structure_id: str
    ts_ns: int
    mark: float
    unrealized_pnl: float
    delta: float | None
    gamma: float | None
    vega: float | None
    theta: float | None


class ControlLedger:
    """Read and write the control app's tables of a :class:`StateStore`.

    Parameters
    ----------
    store : StateStore
        The open store (schema version 3 or later).

    """

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self._conn = store._conn

    # -- Credentials -----------------------------------------------------------------------------

    def credential(self, key: str) -> str | None:
        """Return a stored credential value (``None`` when unset)."""
        row = self._conn.execute(
            "SELECT value FROM control_credentials WHERE key = ?", (key,)
        ).fetchone()
        return str(row[0]) if row else None

    def set_credential(self, key: str, value: str, ts_ns: int) -> None:
        """Store a credential value."""
        self._conn.execute(
            "INSERT OR REPLACE INTO control_credentials VALUES (?, ?, ?)", (key, value, ts_ns)
        )

    def advance_timecode(self, timecode: int, ts_ns: int) -> bool:
        """Record `timecode` as the last accepted TOTP step if it is newer; return whether it was.

        One statement, so two requests racing with the same code cannot both succeed.
        """
        cursor = self._conn.execute(
            "INSERT INTO control_credentials VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
            "value = excluded.value, updated_ns = excluded.updated_ns "
            "WHERE CAST(value AS INTEGER) < CAST(excluded.value AS INTEGER)",
            (TOTP_LAST_TIMECODE, str(timecode), ts_ns),
        )
        return cursor.rowcount == 1

    def forget_timecode(self) -> None:
        """Forget the last accepted TOTP step (a new secret starts its own count)."""
        self._conn.execute("DELETE FROM control_credentials WHERE key = ?", (TOTP_LAST_TIMECODE,))

    # -- Sessions --------------------------------------------------------------------------------

    def add_session(self, token_hash: str, ts_ns: int, address: str) -> None:
        """Store a new session (logged in with a fresh TOTP code, so stepped up now)."""
        self._conn.execute(
            "INSERT INTO control_sessions VALUES (?, ?, ?, ?, ?)",
            (token_hash, ts_ns, ts_ns, ts_ns, address),
        )

    def session(self, token_hash: str) -> Session | None:
        """Return the session of a token hash, if any."""
        row = self._conn.execute(
            "SELECT * FROM control_sessions WHERE token_hash = ?", (token_hash,)
        ).fetchone()
        return Session(*row) if row else None

    def touch_session(self, token_hash: str, ts_ns: int) -> None:
        """Record activity on a session (the idle timeout counts from here)."""
        self._conn.execute(
            "UPDATE control_sessions SET last_seen_ns = ? WHERE token_hash = ?", (ts_ns, token_hash)
        )

    def step_up(self, token_hash: str, ts_ns: int) -> None:
        """Record a fresh TOTP code on a session."""
        self._conn.execute(
            "UPDATE control_sessions SET stepup_ns = ? WHERE token_hash = ?", (ts_ns, token_hash)
        )

    def delete_session(self, token_hash: str) -> None:
        """End one session."""
        self._conn.execute("DELETE FROM control_sessions WHERE token_hash = ?", (token_hash,))

    def delete_all_sessions(self) -> int:
        """End every session ("log out everywhere"); return how many there were."""
        return self._conn.execute("DELETE FROM control_sessions").rowcount

    # -- Login attempts --------------------------------------------------------------------------

    def add_attempt(self, ts_ns: int, address: str, ok: bool) -> None:
        """Record a login attempt."""
        self._conn.execute(
            "INSERT INTO login_attempts (ts_ns, address, ok) VALUES (?, ?, ?)",
            (ts_ns, address, int(ok)),
        )

    def failures_since(self, since_ns: int, address: str | None = None) -> int:
        """Count failed attempts since `since_ns` (from `address` only, when given).

        A successful login from an address clears that address's earlier failures.
        """
        if address is None:
            sql = "SELECT COUNT(*) FROM login_attempts WHERE ok = 0 AND ts_ns >= ?"
            return int(self._conn.execute(sql, (since_ns,)).fetchone()[0])
        row = self._conn.execute(
            "SELECT COUNT(*) FROM login_attempts WHERE ok = 0 AND address = ? AND ts_ns >= "
            "MAX(?, COALESCE((SELECT MAX(ts_ns) FROM login_attempts WHERE ok = 1 AND address = ?)"
            ", 0))",
            (address, since_ns, address),
        ).fetchone()
        return int(row[0])

    # -- Web push subscriptions -----------------------------------------------------------------

    def add_push_subscription(self, endpoint: str, p256dh: str, auth: str, ts_ns: int) -> None:
        """Store (or renew) a browser's push subscription (keys base64url, RFC 8291)."""
        self._conn.execute(
            "INSERT OR REPLACE INTO push_subscriptions VALUES (?, ?, ?, ?)",
            (endpoint, p256dh, auth, ts_ns),
        )

    def push_subscriptions(self) -> list[tuple[str, str, str]]:
        """Return ``(endpoint, p256dh, auth)`` of every subscription."""
        rows = self._conn.execute("SELECT endpoint, p256dh, auth FROM push_subscriptions")
        return [(r[0], r[1], r[2]) for r in rows.fetchall()]

    def delete_push_subscription(self, endpoint: str) -> None:
        """Forget a subscription (the push service said it is gone)."""
        self._conn.execute("DELETE FROM push_subscriptions WHERE endpoint = ?", (endpoint,))

    # -- Account snapshots -----------------------------------------------------------------------

    def add_snapshot(
        self, ts_ns: int, equity: float, cash: float, buying_power: float | None = None
    ) -> None:
        """Record equity, cash and buying power (USD; ``None``: not known) at `ts_ns`."""
        self._conn.execute(
            "INSERT OR REPLACE INTO account_snapshots VALUES (?, ?, ?, ?)",
            (ts_ns, equity, cash, buying_power),
        )

    def last_snapshot(self) -> AccountSnapshot | None:
        """Return the newest snapshot, if any."""
        row = self._conn.execute(
            "SELECT * FROM account_snapshots ORDER BY ts_ns DESC LIMIT 1"
        ).fetchone()
        return AccountSnapshot(*row) if row else None

    def snapshot_before(self, ts_ns: int) -> AccountSnapshot | None:
        """Return the newest snapshot older than `ts_ns`, if any."""
        row = self._conn.execute(
            "SELECT * FROM account_snapshots WHERE ts_ns < ? ORDER BY ts_ns DESC LIMIT 1", (ts_ns,)
        ).fetchone()
        return AccountSnapshot(*row) if row else None

    def peak_before(self, ts_ns: int) -> float | None:
        """Return the highest equity recorded before `ts_ns`, if any."""
        row = self._conn.execute(
            "SELECT MAX(equity) FROM account_snapshots WHERE ts_ns < ?", (ts_ns,)
        ).fetchone()
        return None if row[0] is None else float(row[0])

    def snapshots(self, since_ns: int = 0) -> list[AccountSnapshot]:
        """Return the snapshots from `since_ns` on, oldest first."""
        rows = self._conn.execute(
            "SELECT * FROM account_snapshots WHERE ts_ns >= ? ORDER BY ts_ns", (since_ns,)
        ).fetchall()
        return [AccountSnapshot(*row) for row in rows]

    # -- Structure marks -------------------------------------------------------------------------

    def replace_marks(self, marks: list[StructureMark]) -> None:
        """Replace every stored mark by `marks` (the open structures' newest), in one commit."""
        with self.store.transaction():
            self._conn.execute("DELETE FROM structure_marks")
            self._conn.executemany(
                "INSERT INTO structure_marks VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [dataclasses.astuple(m) for m in marks],
            )

    def marks(self) -> dict[str, StructureMark]:
        """Return the stored marks by structure id."""
        rows = self._conn.execute("SELECT * FROM structure_marks").fetchall()
        return {row[0]: StructureMark(*row) for row in rows}
