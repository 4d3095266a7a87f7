"""Risk tables of the state store: rule state, risk events, equity milestones, owner commands.

``risk_state`` holds one JSON object per rule with the reason of its last change;
``risk_events`` is append-only (every decision change, every blocked or resized entry, every
owner command applied); ``milestones`` records each equity milestone once, with the time it was
notified; ``owner_commands`` holds the owner's commands (``tradefly risk ...``) until the risk
guard applies them. Every write commits before it returns (see :class:`StateStore`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from statestore.store import StateStore

RULE_COMMANDS = (
    "reset",
    "kill_switch_on",
    "kill_switch_off",
    "pause_entries",
    "resume_entries",
    "disarm_live",
    "arm_live",
)
"""Commands the risk rules apply (``reset`` releases latches, of one rule when ``rule`` is set;
``pause_entries``/``resume_entries`` switch the ``owner_pause`` rule; ``disarm_live``/
``arm_live`` the ``live_arming`` rule of a node started armed for live)."""

CONTROL_COMMANDS = (
    "flatten",
    "test_notification",
    "milestone_baseline",
    "capital_flow",
    "set_limit",
)
"""Commands the risk guard applies itself: flatten (``argument``: a structure id or ``*`` for
all; published on ``tradefly.owner.flatten``), send a test notification, set the equity
milestones' baseline (``argument``: USD; the levels count again from it), and record a deposit
or withdrawal (``argument``: JSON amount, date, note; :mod:`risk.capital`), and change a risk
limit (``argument``: JSON key, value, may_raise; :mod:`risk.limits`)."""

OWNER_COMMANDS = RULE_COMMANDS + CONTROL_COMMANDS
"""Commands the owner can leave for the risk guard."""


@dataclass(frozen=True, slots=True)
class RiskEvent:
    """One row of the append-only risk log.

    Parameters
    ----------
    event_id : int
        Increasing id.
    ts_ns : int
        UNIX nanoseconds.
    rule : str
        The rule (or ``combined``, ``entry``, ``owner``) that wrote it.
    action : str
        ``allow``, ``reduce``, ``block``, ``flatten``, or what happened (``entry_blocked``,
        ``entry_reduced``, ``owner_command``).
    factor : float
        Size factor of the decision (1 allows full size, 0 blocks).
    reason : str
        Why, in words.
    rules : str
        The rules behind a combined decision (comma separated), else the rule itself.

    """

    event_id: int
    ts_ns: int
    rule: str
    action: str
    factor: float
    reason: str
    rules: str


@dataclass(frozen=True, slots=True)
class MilestoneRecord:
    """An equity milestone reached (``notified_ns`` is ``None`` until it was notified)."""

    rule: str
    key: str
    multiple: float
    baseline: float
    equity: float
    reached_ns: int
    notified_ns: int | None


@dataclass(frozen=True, slots=True)
class OwnerCommand:
    """An owner command (``applied_ns`` is ``None`` until the risk guard applied it).

    ``argument`` is the command's target where it has one (``flatten``: a structure id or
    ``*``).
    """

    command_id: int
    ts_ns: int
    command: str
    rule: str | None
    applied_ns: int | None
    outcome: str | None
    argument: str | None = None


@dataclass(frozen=True, slots=True)
class CapitalFlowRecord:
    """A deposit (``amount`` > 0) or withdrawal (< 0), USD, as the risk guard applied it."""

    command_id: int
    flow_date: str
    amount: float
    note: str
    applied_ns: int


class RiskLedger:
    """Read and write the risk tables of a :class:`StateStore`.

    Parameters
    ----------
    store : StateStore
        The open store (its schema includes the risk tables).

    """

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self._conn = store._conn

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes into one atomic commit (see :meth:`StateStore.transaction`)."""
        with self.store.transaction():
            yield

    def _write(self, sql: str, params: tuple[Any, ...]) -> int:
        with self.store.transaction():
            cursor = self._conn.execute(sql, params)
            return int(cursor.lastrowid or 0) if sql.startswith("INSERT") else cursor.rowcount

    # -- Rule state ------------------------------------------------------------------------------

    def rule_state(self, rule: str) -> dict[str, Any]:
        """Return the stored state of `rule` (``{}`` when it has none)."""
        row = self._conn.execute("SELECT state FROM risk_state WHERE rule = ?", (rule,)).fetchone()
        return dict(json.loads(row[0])) if row else {}

    def save_rule_state(self, rule: str, state: dict[str, Any], reason: str, ts_ns: int) -> None:
        """Replace the state of `rule` (a JSON-serialisable mapping), with the change's reason."""
        self._write(
            "INSERT OR REPLACE INTO risk_state VALUES (?, ?, ?, ?)",
            (rule, json.dumps(state, sort_keys=True), reason, ts_ns),
        )

    def rule_states(self) -> dict[str, tuple[dict[str, Any], str, int]]:
        """Return ``{rule: (state, reason, updated_ns)}`` for every rule with a state."""
        rows = self._conn.execute("SELECT rule, state, reason, updated_ns FROM risk_state")
        return {r[0]: (json.loads(r[1]), r[2], r[3]) for r in rows.fetchall()}

    # -- Events ----------------------------------------------------------------------------------

    def add_event(
        self, ts_ns: int, rule: str, action: str, factor: float, reason: str, rules: str = ""
    ) -> None:
        """Append one row to the risk log (`rules`: the rules behind it, default `rule`)."""
        self._write(
            "INSERT INTO risk_events (ts_ns, rule, action, factor, reason, rules)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (ts_ns, rule, action, factor, reason, rules or rule),
        )

    def last_event(self, rule: str) -> RiskEvent | None:
        """Return the latest risk event of `rule`, if any."""
        row = self._conn.execute(
            "SELECT * FROM risk_events WHERE rule = ? ORDER BY event_id DESC LIMIT 1", (rule,)
        ).fetchone()
        return RiskEvent(*row) if row else None

    def events(self, rule: str | None = None) -> list[RiskEvent]:
        """Return the risk log in order, optionally of one rule only."""
        sql = "SELECT * FROM risk_events"
        params: tuple[Any, ...] = ()
        if rule is not None:
            sql, params = sql + " WHERE rule = ?", (rule,)
        rows = self._conn.execute(sql + " ORDER BY event_id", params).fetchall()
        return [RiskEvent(*row) for row in rows]

    # -- Milestones ------------------------------------------------------------------------------

    def add_milestone(
        self, rule: str, key: str, multiple: float, baseline: float, equity: float, ts_ns: int
    ) -> bool:
        """Record a milestone; return False when `key` was already recorded for `rule`."""
        with self.store.transaction():
            cursor = self._conn.execute(
                "INSERT OR IGNORE INTO milestones VALUES (?, ?, ?, ?, ?, ?, NULL)",
                (rule, key, multiple, baseline, equity, ts_ns),
            )
            return cursor.rowcount == 1

    def mark_milestone_notified(self, rule: str, key: str, ts_ns: int) -> None:
        """Record that the milestone `key` of `rule` was notified."""
        self._write(
            "UPDATE milestones SET notified_ns = ? WHERE rule = ? AND key = ?", (ts_ns, rule, key)
        )

    def milestones(self, pending_only: bool = False) -> list[MilestoneRecord]:
        """Return the milestones reached, oldest first (only those not notified yet, if asked)."""
        sql = "SELECT * FROM milestones WHERE notified_ns IS NULL OR ? = 0"
        rows = self._conn.execute(sql + " ORDER BY reached_ns, multiple", (int(pending_only),))
        return [MilestoneRecord(*row) for row in rows.fetchall()]

    # -- Owner commands --------------------------------------------------------------------------

    def add_command(
        self, command: str, ts_ns: int, rule: str | None = None, argument: str | None = None
    ) -> int:
        """Leave an owner command for the risk guard; return its id.

        Raises
        ------
        ValueError
            If `command` is not one of :data:`OWNER_COMMANDS`.

        """
        if command not in OWNER_COMMANDS:
            raise ValueError(f"command was {command!r}, not one of {', '.join(OWNER_COMMANDS)}")
        return self._write(
            "INSERT INTO owner_commands (ts_ns, command, rule, argument) VALUES (?, ?, ?, ?)",
            (ts_ns, command, rule, argument),
        )

    def commands(self, pending_only: bool = False) -> list[OwnerCommand]:
        """Return the owner commands in order (only those not applied yet, if asked)."""
        sql = "SELECT * FROM owner_commands WHERE applied_ns IS NULL OR ? = 0"
        rows = self._conn.execute(sql + " ORDER BY command_id", (int(pending_only),))
        return [OwnerCommand(*row) for row in rows.fetchall()]

    def mark_command_applied(self, command_id: int, ts_ns: int, outcome: str) -> None:
        """Record that a command was applied, and what it did."""
        self._write(
            "UPDATE owner_commands SET applied_ns = ?, outcome = ? WHERE command_id = ?",
            (ts_ns, outcome, command_id),
        )

    # -- Capital flows ---------------------------------------------------------------------------

    def add_capital_flow(
        self, command_id: int, flow_date: str, amount: float, note: str, ts_ns: int
    ) -> None:
        """Record a deposit or withdrawal applied by the command `command_id`."""
        self._write(
            "INSERT OR REPLACE INTO capital_flows VALUES (?, ?, ?, ?, ?)",
            (command_id, flow_date, amount, note, ts_ns),
        )

    def capital_flows(self, since_ns: int = 0) -> list[CapitalFlowRecord]:
        """Return the flows applied from `since_ns` (UNIX ns) on, oldest first."""
        rows = self._conn.execute(
            "SELECT * FROM capital_flows WHERE applied_ns >= ? ORDER BY applied_ns, command_id",
            (since_ns,),
        )
        return [CapitalFlowRecord(*row) for row in rows.fetchall()]
