"""A running node writes its health into the state store (the control app reads it there)."""

import json
from pathlib import Path

import pytest

from adapters.tradier import status
from statestore import StateStore
from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.node_harness import (
    seed_quotes,
    start_node,
    wait_for,
    write_config,
)

pytestmark = pytest.mark.timeout(180)


def node_status(folder: Path) -> dict[str, str]:
    with StateStore(folder / "state.sqlite") as store:
        return {key: value for key, (value, _ts) in store.status().items()}


async def test_a_node_degraded_to_polling_says_so_in_its_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(status, "STATUS_INTERVAL_SECS", 0.05)
    async with FakeTradier(market_streaming=False) as server:
        seed_quotes(server)
        running = await start_node(write_config(server, tmp_path))
        try:
            await wait_for(lambda: node_status(tmp_path).get("trader") == "RUNNING")
            await wait_for(lambda: node_status(tmp_path).get("market_data") == "polling")
            current = node_status(tmp_path)
            assert current["account_updates"] == "streaming"
            assert current["environment"] == "paper"  # the sandbox; the control app shows it
            assert isinstance(json.loads(current["rejected_vendor_records"]), dict)
            assert int(current["heartbeat"]) > 0
        finally:
            await running.stop()
    await wait_for(lambda: node_status(tmp_path).get("trader") == "STOPPED")
