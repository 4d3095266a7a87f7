"""Write a running node's health into its state store, where the owner's control app reads it.

Keys (``node_status`` table, value and update time): ``market_data`` and ``account_updates``
(``streaming`` or ``polling``: a node degraded to polling says so here as well as in its log),
``trader`` (the trader's state, e.g. ``RUNNING``), ``environment`` (``paper`` for Tradier's
sandbox, ``live`` for real money), ``rejected_vendor_records`` (JSON counts per
kind of vendor record dropped at the edge) and ``heartbeat`` (UNIX ns of the last write).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from nautilus_trader.live.node import TradingNode
from nautilus_trader.model.identifiers import ClientId

from adapters.tradier.constants import TRADIER
from statestore import StateStore


def node_health(node: TradingNode) -> dict[str, str]:
    """Return the health values of a node built on the Tradier clients."""
    data: Any = node.kernel.data_engine._clients.get(ClientId(TRADIER))
    execution: Any = node.kernel.exec_engine._clients.get(ClientId(TRADIER))
    health = {"trader": node.trader.state.name}
    rejected: dict[str, int] = {}
    for key, client in (("market_data", data), ("account_updates", execution)):
        if client is None:
            continue
        health[key] = client.mode
        for kind, count in client.rejections.items():
            rejected[kind] = rejected.get(kind, 0) + count
    health["rejected_vendor_records"] = json.dumps(rejected, sort_keys=True)
    return health


STATUS_INTERVAL_SECS = 5.0


async def record_node_status(node: TradingNode, store_path: str, environment: str) -> None:
    """Write :func:`node_health` and `environment` into the store every ``STATUS_INTERVAL_SECS``.

    Stops after a last write once the trader, having run, is stopped. A failed write (e.g. the
    disk is full) is logged and retried at the next interval; it never stops the node.
    """
    ran = False
    with StateStore(store_path) as store:
        while True:
            now = time.time_ns()
            try:
                with store.transaction():
                    for key, value in node_health(node).items():
                        store.set_status(key, value, now)
                    store.set_status("environment", environment, now)
                    store.set_status("heartbeat", str(now), now)
            except Exception as exc:  # health reporting must never stop trading
                node.kernel.logger.warning(f"Node status not recorded: {exc}")
            if node.trader.is_running:
                ran = True
            elif ran:
                return
            await asyncio.sleep(STATUS_INTERVAL_SECS)
