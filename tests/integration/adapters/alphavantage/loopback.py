"""A loopback Alpha Vantage stand-in: an ``http.server`` thread on 127.0.0.1 serving files."""

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

Route = tuple[str, str, str]  # (function, symbol or tickers, date or "")


@dataclass
class Script:
    """Replies per route, served in order; the last one repeats."""

    replies: dict[Route, list[tuple[int, bytes]]] = field(default_factory=dict)
    hits: Counter[Route] = field(default_factory=Counter)
    keys_seen: set[str] = field(default_factory=set)
    unrouted: list[str] = field(default_factory=list)

    def add(self, route: Route, *replies: bytes | tuple[int, bytes]) -> None:
        self.replies[route] = [r if isinstance(r, tuple) else (200, r) for r in replies]

    @property
    def requests(self) -> int:
        return sum(self.hits.values())


def _handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            script.keys_seen.add(query.get("apikey", ""))
            route = (
                query.get("function", ""),
                query.get("symbol", query.get("tickers", "")),
                query.get("date", ""),
            )
            replies = script.replies.get(route)
            if url.path != "/query" or not replies:
                script.unrouted.append(self.path)
                self._send(404, b"")
                return
            index = min(script.hits[route], len(replies) - 1)
            script.hits[route] += 1
            self._send(*replies[index])

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return  # keep test output quiet (and the key out of stderr)

    return Handler


@contextmanager
def serve(script: Script) -> Iterator[str]:
    """Serve `script` on 127.0.0.1 and yield the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
