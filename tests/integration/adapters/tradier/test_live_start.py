"""``tradefly live`` at start: config errors and refused credentials stop it with one line
before the node is built; Ctrl-C stops a running node and exits 130 without a traceback."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import PROJECT_ROOT
from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.node_harness import seed_quotes, write_config
from tradefly.cli import main

INVALID_TOKEN = {
    "fault": {
        "faultstring": "Invalid Access Token",
        "detail": {"errorcode": "keymanagement.service.invalid_access_token"},
    }
}


class FixedReply:
    """A loopback HTTP server answering every request with one status and body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.requests: list[tuple[str, str]] = []
        reply = json.dumps(body).encode()
        requests = self.requests

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                requests.append((self.command, self.path))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "FixedReply":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _config(tmp_path: Path, url: str, **top: Any) -> Path:
    config = {
        "trader_id": "TRADEFLY-001",
        "environment": "sandbox",
        "account_id": "VA00000001",
        "data": {"base_url": url, "market_ws_url": url.replace("http", "ws")},
        "execution": {"base_url": url, "max_retries": 0, "http_timeout_secs": 2.0},
        "strategies": [
            {
                "strategy_path": "strategies.structure_engine:StructureEngine",
                "config_path": "strategies.structure_engine:StructureEngineConfig",
                "config": {"underlying": "SPY", "structure": "bull_put_spread"},
            }
        ],
        **top,
    }
    path = tmp_path / "live.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_an_unknown_key_stops_live_before_any_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FixedReply(200, {}) as server:
        path = _config(tmp_path, server.url, reconcilation={})
        assert main(["live", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {path}: reconcilation: unknown key (did you mean reconciliation?)\n"
    assert server.requests == []


def test_a_refused_token_stops_live_with_one_line_before_the_node_is_built(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FixedReply(401, INVALID_TOKEN) as server:
        path = _config(tmp_path, server.url)
        assert main(["live", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"tradefly live: Tradier refused the access token (401) at {server.url}: check "
        "TRADIER_ACCESS_TOKEN"
    )
    assert len(err.splitlines()) == 1
    assert server.requests == [("GET", "/v1/accounts/VA00000001/balances")]  # no node built


def test_a_refused_account_stops_live_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FixedReply(400, {"errors": {"error": "Invalid account"}}) as server:
        path = _config(tmp_path, server.url)
        assert main(["live", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"tradefly live: Tradier refused account VA00000001 at {server.url} (400): check "
        "TRADIER_ACCOUNT_ID"
    )
    assert len(err.splitlines()) == 1


def test_an_unreachable_tradier_stops_live_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FixedReply(200, {}) as server:
        url = server.url
    path = _config(tmp_path, url)  # the port is closed now
    assert main(["live", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"tradefly live: cannot reach Tradier at {url}: ")
    assert len(err.splitlines()) == 1


@pytest.fixture
def fake_tradier() -> Iterator[FakeTradier]:
    """A seeded fake Tradier on its own loop and thread, so a subprocess can trade on it."""
    loop = asyncio.new_event_loop()
    server = FakeTradier()
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.__aenter__())
        seed_quotes(server)
        started.set()
        loop.run_forever()
        loop.run_until_complete(server.__aexit__(None, None, None))
        loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert started.wait(30)
    yield server
    loop.call_soon_threadsafe(loop.stop)
    thread.join(30)


def test_ctrl_c_stops_a_running_live_node_and_exits_130(
    tmp_path: Path, fake_tradier: FakeTradier
) -> None:
    path = write_config(fake_tradier, tmp_path)
    config = yaml.safe_load(path.read_text())
    config["log_level"] = "INFO"
    path.write_text(yaml.safe_dump(config))
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "tradefly"), "live", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "NO_COLOR": "1"},
    )
    assert process.stdout is not None
    for line in process.stdout:
        if "TRADEFLY-001.TradingNode: RUNNING" in line:
            process.send_signal(signal.SIGINT)
            break
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert err.endswith("interrupted\n")
    assert "DISPOSED" in out
