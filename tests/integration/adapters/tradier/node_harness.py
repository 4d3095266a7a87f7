"""Start and stop a real ``TradingNode`` on the Tradier adapter against the fake server."""

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from nautilus_trader.live.node import TradingNode
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.identifiers import InstrumentId, new_generic_spread_id

from adapters.tradier.node import build_trading_node
from options.market_calendar import is_session
from options.occ import format_occ
from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.shell_strategy import ShellStrategy


def future_expiration() -> dt.date:
    """A session about nine months ahead, so contracts are never expired in the test."""
    day = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=270)
    while not is_session(day):
        day += dt.timedelta(days=1)
    return day


EXPIRY = future_expiration()
SHORT_PUT = format_occ("SPY", EXPIRY, OptionKind.PUT, 470)
LONG_PUT = format_occ("SPY", EXPIRY, OptionKind.PUT, 460)
SHORT_ID = InstrumentId.from_str(f"{SHORT_PUT}.US")
LONG_ID = InstrumentId.from_str(f"{LONG_PUT}.US")
SHELL = "tests.integration.adapters.tradier.shell_strategy"
SPREAD_ID = new_generic_spread_id([(SHORT_ID, -1), (LONG_ID, 1)])  # BUY at < 0 = credit


def seed_quotes(server: FakeTradier) -> None:
    server.set_quote("SPY", 472.60, 472.67, 5)
    server.set_quote(SHORT_PUT, 3.10, 3.14)
    server.set_quote(LONG_PUT, 1.88, 1.92)


async def wait_for(condition: Callable[[], Any], timeout: float = 30.0) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


def write_config(
    server: FakeTradier,
    folder: Path,
    claims: list[str] | None = None,
    data: dict[str, Any] | None = None,
    execution: dict[str, Any] | None = None,
    greeks: bool = False,
) -> Path:
    config = {
        "trader_id": "TRADEFLY-001",
        "state_store": str(folder / "state.sqlite"),
        "environment": "sandbox",
        "account_id": server.account_id,
        "log_level": "WARNING",
        "instruments": {"load_ids": ["SPY.US", str(SHORT_ID), str(LONG_ID), str(SPREAD_ID)]},
        "data": {
            "base_url": server.rest_url,
            "market_ws_url": server.market_ws_url,
            "poll_interval_secs": 0.2,
            "reconnect_delay_secs": 0.05,
            **(data or {}),
        },
        "execution": {
            "base_url": server.rest_url,
            "account_ws_url": server.account_ws_url,
            "poll_interval_secs": 0.2,
            "stream_poll_interval_secs": 0.5,
            "reconnect_delay_secs": 0.05,
            "submit_lookup_delay_secs": 0.05,
            "http_timeout_secs": 1.0,
            **(execution or {}),
        },
        "reconciliation": {"reconciliation_startup_delay_secs": 0.1},
        "timeouts": {
            "connection": 10.0,
            "reconciliation": 10.0,
            "portfolio": 5.0,
            "disconnection": 5.0,
            "post_stop": 0.1,
        },
        "strategies": [
            {
                "strategy_path": f"{SHELL}:ShellStrategy",
                "config_path": f"{SHELL}:ShellStrategyConfig",
                "config": {
                    "external_order_claims": claims or [str(SPREAD_ID)],
                    "quote_ids": [str(SHORT_ID), str(LONG_ID)],
                    "greeks_ids": [str(LONG_ID)] if greeks else [],
                    "daily_bar_ids": ["SPY.US"],
                },
            },
        ],
    }
    path = folder / "tradier_test.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


class RunningNode:
    """A node running on the current loop; ``strategy`` is the shell strategy."""

    def __init__(self, node: TradingNode, task: asyncio.Task[None]) -> None:
        self.node = node
        self.task = task

    @property
    def strategy(self) -> ShellStrategy:
        (strategy,) = self.node.trader.strategies()
        return strategy

    async def stop(self) -> None:
        await self.node.stop_async()
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        self.node.kernel.dispose()


async def start_node(config_path: Path) -> RunningNode:
    node = await build_trading_node(config_path)
    task = asyncio.get_running_loop().create_task(node.run_async())
    await wait_for(lambda: node.trader.is_running or task.done(), timeout=20.0)
    if task.done():
        task.result()
        raise RuntimeError("node stopped during start")
    return RunningNode(node, task)
