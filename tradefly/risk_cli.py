"""``tradefly risk``: the owner's commands to the risk guard, through the node's state store.

The commands only write to the store; the running node's risk guard applies them at its next
evaluation (after the next daily bar, or on its timer) and records the outcome. A store file
that does not exist is an error (exit 2), never created.
"""

import argparse
import datetime as dt
import errno
import sys
import time
from pathlib import Path
from typing import Any

from statestore import StateStore
from statestore.risk import RiskLedger


def add_risk_parser(commands: "argparse._SubParsersAction[Any]") -> None:
    """Register ``tradefly risk`` and its subcommands."""
    parser = commands.add_parser(
        "risk",
        help="Owner commands to the risk guard (reset a latch, kill switch) and its status.",
        description=(
            "Write an owner command into a node's state store; the node's risk guard applies it "
            "at its next evaluation. 'status' prints the rules' state and the latest risk events."
        ),
    )
    actions = parser.add_subparsers(dest="risk_command", required=True, metavar="ACTION")
    reset = actions.add_parser(
        "reset",
        help="Release latched rules (all, or --rule NAME).",
        description=(
            "Release the latches of every rule, or of the rule NAME: the drawdown tiers take "
            "the current equity as their new peak, the daily loss cap the current equity as the "
            "session's start, a milestone pause resumes, the owner's kill switch goes off."
        ),
    )
    reset.add_argument("--rule", default=None, help="only this rule (daily_loss, drawdown, ...)")
    kill = actions.add_parser(
        "kill-switch",
        help="Switch the owner's kill switch on (no new entries) or off.",
        description="Switch the owner's kill switch on (no new entries) or off.",
    )
    kill.add_argument("state", choices=("on", "off"))
    status = actions.add_parser("status", help="Print the rules' state and the latest events.")
    status.add_argument("--events", type=int, default=20, help="how many events (default 20)")
    for sub in (reset, kill, status):
        sub.add_argument("--store", type=Path, required=True, help="the node's state store file")
    parser.set_defaults(handler=_risk)


def _risk(args: argparse.Namespace) -> int:
    if not args.store.is_file():
        raise FileNotFoundError(errno.ENOENT, "no such state store", str(args.store))
    with StateStore(args.store) as store:
        ledger = RiskLedger(store)
        if args.risk_command == "status":
            sys.stdout.write(status_text(ledger, args.events) + "\n")
            return 0
        command = "reset" if args.risk_command == "reset" else f"kill_switch_{args.state}"
        rule = args.rule if args.risk_command == "reset" else None
        command_id = ledger.add_command(command, time.time_ns(), rule)
    target = f" for rule {rule}" if rule else ""
    sys.stdout.write(
        f"owner command #{command_id} {command}{target} written to {args.store}; "
        "the risk guard applies it at its next evaluation\n"
    )
    return 0


def status_text(ledger: RiskLedger, n_events: int) -> str:
    """Return the rules' states, pending owner commands and the last `n_events` risk events."""
    lines = ["rules:"]
    for rule, (state, reason, updated_ns) in sorted(ledger.rule_states().items()):
        lines.append(f"  {rule}: {state} ({_when(updated_ns)}: {reason})")
    pending = ledger.commands(pending_only=True)
    lines.append(f"pending owner commands: {len(pending)}")
    lines += [f"  #{c.command_id} {c.command} {c.rule or ''}".rstrip() for c in pending]
    lines.append("events:")
    for event in ledger.events()[-n_events:] if n_events > 0 else []:
        lines.append(
            f"  {_when(event.ts_ns)} {event.rule} {event.action} x{event.factor:g}: {event.reason}"
        )
    return "\n".join(lines)


def _when(ts_ns: int) -> str:
    return dt.datetime.fromtimestamp(ts_ns / 1e9, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
