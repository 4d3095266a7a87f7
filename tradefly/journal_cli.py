"""``tradefly journal``: a node's trade journal from its state store, summed up and exported.

Prints one summary (trades, open trades, P&L, win rate, losing trades by error class, entries
the risk guard blocked or resized; when trades were rolled, each roll chain's trades and P&L)
and, with ``--out DIR``, writes ``journal.csv`` and
``journal.parquet`` there, in the layout of a backtest's report (:mod:`journal.export`). A
store file that does not exist is an error (exit 2), never created.
"""

import argparse
import errno
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from journal.chains import roll_chains
from journal.export import CSV_FILE, PARQUET_FILE, write_journal
from statestore import StateStore
from statestore.journal import ENTRY_BLOCKED, ENTRY_REDUCED, TRADE, JournalLedger


def add_journal_parser(commands: "argparse._SubParsersAction[Any]") -> None:
    """Register ``tradefly journal``."""
    parser = commands.add_parser(
        "journal",
        help="Summarise a node's trade journal; --out DIR exports it as CSV and Parquet.",
        description=(
            "Read the trade journal from a node's state store: print a summary and, with "
            "--out DIR, write journal.csv and journal.parquet into DIR."
        ),
    )
    parser.add_argument("--store", type=Path, required=True, help="the node's state store file")
    parser.add_argument("--out", type=Path, default=None, help="folder for the export")
    parser.set_defaults(handler=_journal)


def _journal(args: argparse.Namespace) -> int:
    if not args.store.is_file():
        raise FileNotFoundError(errno.ENOENT, "no such state store", str(args.store))
    with StateStore(args.store) as store:
        records = [{"kind": row.kind, **row.record} for row in JournalLedger(store).rows()]
    sys.stdout.write(summary_text(records) + "\n")
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        write_journal(records, args.out)
        sys.stdout.write(f"wrote {args.out / CSV_FILE} and {args.out / PARQUET_FILE}\n")
    return 0


def summary_text(records: Sequence[Mapping[str, Any]]) -> str:
    """Return the journal's summary lines."""
    trades = [r for r in records if r["kind"] == TRADE]
    closed = [r for r in trades if r.get("exit_time") is not None]
    pnl = sum(float(r["pnl"]) for r in closed)
    wins = sum(1 for r in closed if r["pnl"] > 0)
    classes = Counter(r["error_class"] for r in closed if r.get("error_class"))
    kinds = Counter(r["kind"] for r in records)
    lines = [
        f"trades: {len(trades)} ({len(trades) - len(closed)} open); "
        f"closed P&L {pnl:+,.2f}; win rate " + (f"{wins / len(closed):.1%}" if closed else "n/a"),
        "losing trades by error class: "
        + (", ".join(f"{name} {n}" for name, n in classes.most_common()) or "none"),
        f"entries blocked by the risk guard: {kinds[ENTRY_BLOCKED]}; "
        f"resized: {kinds[ENTRY_REDUCED]}",
    ]
    for chain in roll_chains(trades):
        if len(chain.structure_ids) > 1:
            state = "closed" if chain.closed else "open, closed trades only"
            lines.append(
                f"roll chain {chain.chain_id}: {len(chain.structure_ids)} trades, "
                f"P&L {chain.pnl:+,.2f} ({state})"
            )
    return "\n".join(lines)
