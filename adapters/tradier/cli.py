"""``tradefly live``: run a live YAML config on Tradier (paper by default)."""

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from adapters.tradier.errors import TradierError
from adapters.tradier.node import (
    ENV_CONFIRM_LIVE,
    LiveTradingNotArmedError,
    build_trading_node,
)


def add_live_parser(commands: "argparse._SubParsersAction[Any]") -> None:
    """Register ``tradefly live``."""
    parser = commands.add_parser(
        "live",
        help="Run a live config on Tradier (paper/sandbox unless armed for live).",
        description=(
            "Run CONFIG (a YAML file under configs/live/) in a TradingNode on Tradier. Needs "
            "TRADIER_ACCESS_TOKEN and TRADIER_ACCOUNT_ID. The sandbox (paper) is the default; "
            "real money (environment: live, or TRADIER_ENV=live) also needs --arm-live and "
            f"{ENV_CONFIRM_LIVE} set to the account number. Stop with Ctrl-C."
        ),
    )
    parser.add_argument("config", type=Path, help="live config YAML")
    parser.add_argument(
        "--arm-live",
        action="store_true",
        help=f"allow real-money trading (also set {ENV_CONFIRM_LIVE}=<account number>)",
    )
    parser.set_defaults(handler=_live)


def _live(args: argparse.Namespace) -> int:
    loop = asyncio.new_event_loop()  # the node's: its clients share the HTTP client built here
    asyncio.set_event_loop(loop)
    try:
        node = loop.run_until_complete(build_trading_node(args.config, arm_live=args.arm_live))
    except (LiveTradingNotArmedError, TradierError, ValueError, OSError) as exc:
        loop.close()
        sys.stderr.write(f"tradefly live: {exc}\n")
        return 2
    try:
        node.run()
    finally:
        node.dispose()
    return 0
