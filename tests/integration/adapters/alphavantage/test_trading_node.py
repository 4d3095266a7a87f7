"""A ``TradingNode`` builds with the example config and registers the Alpha Vantage client.

Run in a subprocess: a node installs Nautilus's process-wide logger and its own event loop.
"""

import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).parents[4]
SCRIPT = """
import os, yaml
from nautilus_trader.config import TradingNodeConfig
from nautilus_trader.live.node import TradingNode
from adapters.alphavantage.factories import AlphaVantageLiveDataClientFactory

raw = yaml.safe_load(open("configs/live/alphavantage_data.yaml"))
node = TradingNode(config=TradingNodeConfig(data_clients=raw["data_clients"]))
node.add_data_client_factory("ALPHAVANTAGE", AlphaVantageLiveDataClientFactory)
node.build()
with open(os.environ["RESULT_PATH"], "w") as out:
    out.write(repr([str(c) for c in node.kernel.data_engine.registered_clients]))
node.dispose()
"""


def test_trading_node_builds_with_the_example_config(tmp_path: Path) -> None:
    result_path = tmp_path / "clients.txt"
    env = {
        **os.environ,
        "ALPHAVANTAGE_API_KEY": "NODETESTKEY123",
        "RESULT_PATH": str(result_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result_path.read_text() == "['ALPHAVANTAGE']"
    assert "NODETESTKEY123" not in result.stdout + result.stderr
