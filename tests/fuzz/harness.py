"""Tradier clients wired to an injectable HTTP transport and a loopback WebSocket.

:class:`Vendor` answers REST paths from a table the test rewrites per case;
:class:`LoopbackStream` is a WebSocket server on 127.0.0.1 that sends whatever frames the test
hands it. The clients under test are the production ones (data, execution, provider).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from nautilus_trader.cache.cache import Cache
from nautilus_trader.common.component import LiveClock, MessageBus
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.data.messages import SubscribeQuoteTicks, SubscribeTradeTicks
from nautilus_trader.model.identifiers import ClientId, InstrumentId, TraderId
from websockets.asyncio.server import Server, ServerConnection, serve

from adapters.tradier.api import TradierAccountApi, TradierMarketApi
from adapters.tradier.config import TradierDataClientConfig, TradierExecClientConfig
from adapters.tradier.data import TradierDataClient
from adapters.tradier.execution import TradierExecutionClient
from adapters.tradier.http import EndpointGroup, TradierHttpClient
from adapters.tradier.providers import TradierInstrumentProvider
from options.instruments import make_equity

ACCOUNT = "VA000001"
SPY = InstrumentId.from_str("SPY.US")
GOOD_QUOTES = {
    "quotes": {"quote": {"symbol": "SPY", "bid": 470.1, "ask": 470.2, "bidsize": 3, "asksize": 4}}
}
GOOD_CLOCK = {"clock": {"date": "2024-01-02", "state": "open", "description": "open"}}
SESSION = {"stream": {"sessionid": "S1", "url": "wss://x"}}


async def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until `condition()` holds (polling the loop), or fail after `timeout` seconds."""

    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.001)

    await asyncio.wait_for(poll(), timeout)


class Vendor:
    """An ``httpx.MockTransport`` handler answering by path; a body may be set per path."""

    def __init__(self) -> None:
        self.bodies: dict[str, bytes] = {
            "/v1/markets/quotes": json.dumps(GOOD_QUOTES).encode(),
            "/v1/markets/clock": json.dumps(GOOD_CLOCK).encode(),
            "/v1/markets/events/session": json.dumps(SESSION).encode(),
            "/v1/accounts/events/session": json.dumps(SESSION).encode(),
            f"/v1/accounts/{ACCOUNT}/orders": b'{"orders": "null"}',
            f"/v1/accounts/{ACCOUNT}/positions": b'{"positions": "null"}',
            f"/v1/accounts/{ACCOUNT}/balances": b'{"balances": {"total_equity": 1000.0}}',
        }
        self.served: dict[str, int] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.startswith(f"/v1/accounts/{ACCOUNT}/orders/"):
            path = f"/v1/accounts/{ACCOUNT}/orders/ID"
        self.served[path] = self.served.get(path, 0) + 1
        body = self.bodies.get(path, b'{"errors": {"error": "not found"}}')
        status = 200 if path in self.bodies else 400
        return httpx.Response(status, content=body, headers={"Content-Type": "application/json"})


class LoopbackStream:
    """A WebSocket server on 127.0.0.1 that sends the frames it is given to every client."""

    def __init__(self) -> None:
        self.clients: list[ServerConnection] = []
        self._server: Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = next(iter(self._server.sockets)).getsockname()[:2]
        return f"ws://{host}:{port}"

    async def __aenter__(self) -> LoopbackStream:
        self._server = await serve(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, client: ServerConnection) -> None:
        await client.recv()  # the subscription
        self.clients.append(client)
        try:
            await client.wait_closed()
        finally:
            self.clients.remove(client)

    async def send(self, frame: bytes) -> None:
        """Send `frame` as a text frame (bytes as they are, valid UTF-8 or not)."""
        for client in list(self.clients):
            await client.send(frame, text=True)

    async def drop(self) -> None:
        """Close every connection (the client should reconnect)."""
        for client in list(self.clients):
            await client.close()


class Harness:
    """The production Tradier clients over :class:`Vendor` and :class:`LoopbackStream`."""

    def __init__(self, loop: asyncio.AbstractEventLoop, ws_url: str) -> None:
        self.vendor = Vendor()
        self.clock = LiveClock()
        self.msgbus = MessageBus(trader_id=TraderId("FUZZ-001"), clock=self.clock)
        self.cache = Cache()
        self.published: list[Any] = []
        self.events: list[Any] = []
        self.msgbus.register(endpoint="DataEngine.process", handler=self.published.append)
        self.msgbus.register(endpoint="ExecEngine.process", handler=self.events.append)
        self.http = TradierHttpClient(
            "token",
            "https://api.tradier.test",
            {group: 10**9 for group in EndpointGroup},  # no pacing: the vendor is local
            transport=httpx.MockTransport(self.vendor),
            max_retries=0,
        )
        market = TradierMarketApi(self.http)
        self.provider = TradierInstrumentProvider(market, self.clock)
        self.data = TradierDataClient(
            loop=loop,
            market=market,
            msgbus=self.msgbus,
            cache=self.cache,
            clock=self.clock,
            instrument_provider=self.provider,
            config=TradierDataClientConfig(
                base_url="https://api.tradier.test",
                market_ws_url=ws_url,
                poll_interval_secs=0.0,
                reconnect_delay_secs=0.01,
            ),
        )
        self.execution = TradierExecutionClient(
            loop=loop,
            account=TradierAccountApi(self.http, ACCOUNT),
            msgbus=self.msgbus,
            cache=self.cache,
            clock=self.clock,
            instrument_provider=self.provider,
            config=TradierExecClientConfig(
                base_url="https://api.tradier.test",
                account_id=ACCOUNT,
                account_ws_url=ws_url,
                reconnect_delay_secs=0.01,
                poll_interval_secs=0.0,
            ),
        )
        self.cache.add_instrument(make_equity("SPY", 0))

    async def subscribe_spy(self) -> None:
        """Subscribe SPY quotes and trades through the client's own command handlers."""
        handlers: list[tuple[type, Callable[[Any], Awaitable[None]]]] = [
            (SubscribeQuoteTicks, self.data._subscribe_quote_ticks),
            (SubscribeTradeTicks, self.data._subscribe_trade_ticks),
        ]
        for command, handler in handlers:
            await handler(
                command(
                    instrument_id=SPY,
                    client_id=ClientId("TRADIER"),
                    venue=None,
                    command_id=UUID4(),
                    ts_init=self.clock.timestamp_ns(),
                )
            )

    async def close(self) -> None:
        """Stop the clients' tasks and the HTTP client."""
        await self.data._disconnect()
        await self.execution._disconnect()
        await self.http.close()
