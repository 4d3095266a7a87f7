"""The ``tradefly`` command line."""

import argparse
import sys
from collections.abc import Sequence

from adapters.tradier.cli import add_live_parser
from catalog.cli import add_ingest_parser
from tradefly.backtest.cli import add_backtest_parser, add_demo_parser
from tradefly.env_file import load_env_file


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="tradefly",
        description="Tradefly: an options-trading strategy pack for NautilusTrader.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_ingest_parser(commands)
    add_backtest_parser(commands)
    add_demo_parser(commands)
    add_live_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    load_env_file()
    parser = build_parser()
    args = parser.parse_args(argv)
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
