"""The streaming WebSocket against the loopback fake Tradier: subscribe, resubscribe, reconnect."""

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from adapters.tradier.api import TradierMarketApi
from adapters.tradier.constants import RATE_LIMITS, TradierEnvironment
from adapters.tradier.http import TradierHttpClient
from adapters.tradier.websocket import TradierStream, market_subscription
from tests.integration.adapters.tradier.fake_server import FakeTradier


async def wait_for(condition, timeout: float = 15.0) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


@pytest.fixture
async def server() -> AsyncIterator[FakeTradier]:
    async with FakeTradier() as fake:
        yield fake


def make_stream(
    server: FakeTradier, symbols: list[str], messages: list[dict], **kwargs
) -> TradierStream:
    http = TradierHttpClient("token", server.rest_url, RATE_LIMITS[TradierEnvironment.LIVE])
    market = TradierMarketApi(http)
    return TradierStream(
        name="market",
        url=server.market_ws_url,
        create_session=market.create_session,
        subscription=lambda session: market_subscription(symbols, session),
        on_message=lambda line: messages.append(json.loads(line)),
        idle_timeout_secs=kwargs.pop("idle_timeout_secs", 30.0),
        reconnect_delay_secs=0.01,
        **kwargs,
    )


async def test_subscribe_receive_and_resubscribe(server: FakeTradier) -> None:
    symbols = ["SPY"]
    messages: list[dict] = []
    stream = make_stream(server, symbols, messages)
    stream.start()
    await wait_for(lambda: stream.is_connected and server.market_clients)
    assert await server.publish_quote("SPY", 472.6, 472.67) == 1
    await wait_for(lambda: messages)
    assert messages[0]["bid"] == "472.6000"  # numbers as strings, as Tradier streams them
    symbols.append("QQQ")
    await stream.resubscribe()
    await wait_for(lambda: "QQQ" in next(iter(server.market_clients.values())))
    assert await server.publish_quote("QQQ", 400.0, 400.1) == 1
    await stream.stop()
    assert not stream.is_running


async def test_drop_reconnects_with_a_fresh_session(server: FakeTradier) -> None:
    messages: list[dict] = []
    stream = make_stream(server, ["SPY"], messages)
    stream.start()
    await wait_for(lambda: stream.is_connected)
    first_sessions = [form for method, path, form in server.requests if path.endswith("session")]
    await server.drop_streams()
    await wait_for(lambda: stream.connections == 2 and stream.is_connected)
    sessions = [path for method, path, form in server.requests if path.endswith("/session")]
    assert len(sessions) == len(first_sessions) + 1
    await server.publish_quote("SPY", 1.0, 1.1)
    await wait_for(lambda: messages)
    await stream.stop()


async def test_idle_stream_reconnects(server: FakeTradier) -> None:
    stream = make_stream(server, ["SPY"], [], idle_timeout_secs=0.1)
    stream.start()
    await wait_for(lambda: stream.connections >= 2)
    await stream.stop()


async def test_refused_sessions_report_unavailable() -> None:
    async with FakeTradier(market_streaming=False) as server:
        reasons: list[str] = []
        stream = make_stream(
            server, ["SPY"], [], on_unavailable=reasons.append, max_session_refusals=2
        )
        stream.start()
        await wait_for(lambda: reasons)
        assert "paper" in reasons[0]
        await wait_for(lambda: not stream.is_running)
