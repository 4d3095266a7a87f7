"""``tradefly ingest`` subcommands (placeholder until the ingest pipelines land)."""

import argparse
from typing import Any


def add_ingest_parser(commands: "argparse._SubParsersAction[Any]") -> None:
    """Register ``tradefly ingest`` and its subcommands."""
    parser = commands.add_parser("ingest", help="Ingest vendor files into the Parquet catalog.")
    parser.set_defaults(handler=lambda args: parser.print_help() or 2)
