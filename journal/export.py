"""A backtest's journal as a table: ``journal.csv`` and ``journal.parquet`` next to the report.

One row per trade and per entry the risk layer blocked or resized (``kind``). Nested fields are
flattened: the structure's net greeks become ``net_delta`` ... ``net_theta``, reason tags are
joined by spaces, and ``parameters`` and ``legs`` (each leg's quote, open interest, IV, greeks,
fill and exit price at entry) are JSON text. Book-keeping fields of the live journal
(open positions, fill counters) are left out.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

CSV_FILE = "journal.csv"
PARQUET_FILE = "journal.parquet"

COLUMNS = (
    "kind",
    "id",
    "strategy_id",
    "underlying",
    "structure",
    "entry_time",
    "exit_time",
    "weekday",
    "dte",
    "days_held",
    "spot",
    "exit_spot",
    "iv",
    "vendor_iv",
    "iv_rank",
    "iv_rank_note",
    "regime",
    "trend",
    "net_delta",
    "net_gamma",
    "net_vega",
    "net_theta",
    "limit_price",
    "fill_price",
    "entry_slippage",
    "exit_price",
    "exit_slippage",
    "fees",
    "size",
    "wanted_size",
    "max_loss",
    "risk_fraction",
    "equity",
    "risk_action",
    "risk_factor",
    "risk_reason",
    "risk_rule",
    "signal",
    "confidence",
    "pnl",
    "exit_reason",
    "error_class",
    "reason_tags",
    "rolled_from",
    "roll_chain",
    "parameters",
    "legs",
)
"""Columns of the exported journal, in order."""

_LEG_FIELDS = (
    "instrument_id",
    "side",
    "quantity",
    "kind",
    "strike",
    "expiration",
    "bid",
    "ask",
    "mid",
    "open_interest",
    "iv",
    "vendor_iv",
    "delta",
    "gamma",
    "vega",
    "theta",
    "fill_price",
    "exit_price",
)


def flatten(record: Mapping[str, Any]) -> dict[str, Any]:
    """Return one journal record as a row of :data:`COLUMNS` (missing fields are ``None``)."""
    row = {column: record.get(column) for column in COLUMNS}
    greeks = record.get("greeks") or {}
    for name in ("delta", "gamma", "vega", "theta"):
        row[f"net_{name}"] = greeks.get(name)
    row["reason_tags"] = " ".join(record.get("reason_tags") or ())
    row["parameters"] = json.dumps(record.get("parameters") or {}, sort_keys=True)
    legs = [{f: leg.get(f) for f in _LEG_FIELDS} for leg in record.get("legs") or ()]
    row["legs"] = json.dumps(legs)
    return row


def journal_frame(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Return the records as a DataFrame of :data:`COLUMNS`."""
    return pd.DataFrame([flatten(r) for r in records], columns=list(COLUMNS))


def write_journal(records: Sequence[Mapping[str, Any]], run_dir: Path) -> None:
    """Write ``journal.csv`` and ``journal.parquet`` into `run_dir`, each atomically.

    Raises
    ------
    OSError
        If a file cannot be written (no half-written file is left).

    """
    frame = journal_frame(records)
    for name, write in (
        (CSV_FILE, lambda path: frame.to_csv(path, index=False)),
        (PARQUET_FILE, lambda path: frame.to_parquet(path, index=False)),
    ):
        target = run_dir / name
        temporary = target.with_name(target.name + ".tmp")
        try:
            write(temporary)
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
