"""``tradefly live``: run a live YAML config on Tradier (paper by default)."""

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adapters.tradier.constants import ENV_CONFIRM_LIVE

if TYPE_CHECKING:
    from nautilus_trader.live.node import TradingNode


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
    # Here, not at the top: every other command (a backtest too) builds this parser.
    from adapters.tradier.errors import TradierError
    from adapters.tradier.node import (
        LiveTradingNotArmedError,
        build_trading_node,
        load_live_config,
        require_live_arming,
        stop_status_recorders,
    )
    from adapters.tradier.preflight import TradierStartError, verify_credentials

    raw = load_live_config(args.config)
    loop = asyncio.new_event_loop()  # the node's: its clients share the HTTP client built here
    asyncio.set_event_loop(loop)
    try:
        require_live_arming(
            raw.get("environment"),
            args.arm_live,
            os.environ.get(ENV_CONFIRM_LIVE),
            raw.get("account_id"),
        )
        loop.run_until_complete(verify_credentials(raw))
        node = loop.run_until_complete(build_trading_node(args.config, arm_live=args.arm_live))
    except (LiveTradingNotArmedError, TradierStartError, TradierError, ValueError) as exc:
        loop.close()
        sys.stderr.write(f"tradefly live: {exc}\n")
        return 2
    except KeyboardInterrupt:
        loop.close()
        raise
    interrupted = _stop_on_interrupt(node, loop)
    try:
        node.run()
    finally:
        loop.run_until_complete(stop_status_recorders())
        node.dispose()
    if interrupted:
        raise KeyboardInterrupt
    return 0


def _stop_on_interrupt(node: "TradingNode", loop: asyncio.AbstractEventLoop) -> list[bool]:
    """Stop the node on the first Ctrl-C (later ones are ignored); return ``[True]`` once seen."""
    received: list[bool] = []

    def stop() -> None:
        received.append(True)
        loop.add_signal_handler(signal.SIGINT, lambda: None)
        node.stop()

    loop.add_signal_handler(signal.SIGINT, stop)
    return received
