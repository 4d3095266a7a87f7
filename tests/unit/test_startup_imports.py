"""Start-up: a backtest and ``tradefly --help`` do not import what only other features need.

Each module below is imported inside the function that uses it; at the top of a module on the
backtest's import path it would cost the figure given (``python -X importtime``), every run.
The checks run in a fresh interpreter, as ``tradefly`` starts.
"""

import os
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT

LAZY = {
    "empyrical": "the risk guard's Sharpe and Sortino gates; imports scipy (0.8 s)",
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
REPORT = {"empyrical", "scipy"}  # `tradefly backtest` ends with its report's statistics


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
    ("code", "allowed"),
    [
        ("import tradefly.backtest.runner", set()),
        ("import tradefly.cli", set()),
        # what `tradefly backtest ...` and `tradefly --help` import before they parse the line
        ("import tradefly.cli\ntradefly.cli.build_parser()", REPORT),
    ],
)
def test_start_up_leaves_out_what_a_backtest_does_not_use(code: str, allowed: set[str]) -> None:
    assert _imported_after(code) - allowed == set()
