"""Start-up: ``tradefly`` commands do not import what only other features, or later steps, need.

Each module below is imported inside the function that uses it; at the top of a module on the
start-up path it would cost the figure given (``python -X importtime``) to every command,
``tradefly --help`` included. The checks run in a fresh interpreter, as ``tradefly`` starts.
"""

import os
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT

LAZY = {
    "empyrical": "the report's statistics, the Sharpe and Sortino gates; imports scipy (0.8 s)",
    "scipy": "through empyrical",
    "apprise": "a notify channel (0.07 s)",
    "pywebpush": "web push from a live node; imports aiohttp and requests (0.3 s)",
    "aiohttp": "through pywebpush",
    "requests": "through pywebpush",
    "py_vapid": "web push from a live node",
    "cryptography": "web push keys",
    "httpx": "web push, `tradefly live` and `tradefly ingest alphavantage` (0.04 s)",
    "adapters.tradier.node": "`tradefly live`: the node and its clients (0.09 s)",
    "websockets": "`tradefly live`: Tradier's market stream",
    "adapters.alphavantage.http.client": "`tradefly ingest alphavantage`",
}


def _imported_after(code: str) -> set[str]:
    """Return the modules of LAZY that a fresh interpreter has imported after `code`."""
    probe = f"{code}\nimport sys\nprint(' '.join(sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        check=True,
        timeout=120,
    )
    return set(done.stdout.split()) & set(LAZY)


@pytest.mark.parametrize(
    "code",
    [
        "import tradefly.backtest.runner",
        "import tradefly.cli",
        # what every command (`tradefly backtest ...`, `tradefly --help`) does before it runs
        "import tradefly.cli\ntradefly.cli.build_parser()",
    ],
)
def test_start_up_leaves_out_what_a_backtest_does_not_use_before_it_runs(code: str) -> None:
    assert _imported_after(code) == set()
