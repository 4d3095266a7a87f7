"""Each input a fuzzing session found fatal is now dropped and counted; the clients carry on.

The clients are the production ones over an ``httpx.MockTransport`` and a loopback WebSocket
(:mod:`tests.fuzz.harness`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.execution.messages import (
    GenerateFillReports,
    GenerateOrderStatusReports,
    GeneratePositionStatusReports,
)
from nautilus_trader.model.data import QuoteTick
from nautilus_trader.model.enums import OrderStatus

from adapters.tradier import parsing
from adapters.tradier.errors import TradierParseError
from tests.conftest import shared_data_path
from tests.fuzz.harness import ACCOUNT, SPY, Harness, LoopbackStream, wait_for

ORDERS = f"/v1/accounts/{ACCOUNT}/orders"
POSITIONS = f"/v1/accounts/{ACCOUNT}/positions"


@pytest.fixture
async def setup() -> AsyncIterator[tuple[Harness, LoopbackStream]]:
    async with LoopbackStream() as ws:
        harness = Harness(asyncio.get_running_loop(), ws.url)
        yield harness, ws
        await harness.close()


def quotes_of(harness: Harness) -> list[QuoteTick]:
    return [q for q in harness.published if isinstance(q, QuoteTick) and q.instrument_id == SPY]


def quote(symbol: str, bid: float = 1.0, **fields: object) -> dict[str, object]:
    return {"symbol": symbol, "bid": bid, "ask": bid + 0.1, "bidsize": 1, "asksize": 1, **fields}


async def subscribed(harness: Harness) -> Harness:
    await harness.subscribe_spy()
    await harness.data.stream.stop()  # type: ignore[union-attr]
    return harness


def order(order_id: int, symbol: str, **fields: object) -> dict[str, object]:
    return {
        "id": order_id,
        "type": "limit",
        "symbol": symbol,
        "side": "buy",
        "quantity": 1.0,
        "status": "open",
        "duration": "day",
        "price": 1.0,
        "exec_quantity": 0.0,
        **fields,
    }


async def test_nul_in_a_quotes_reply_drops_that_quote(
    setup: tuple[Harness, LoopbackStream],
) -> None:
    harness = await subscribed(setup[0])
    body = {"quotes": {"quote": [quote("\x00SPY"), quote("SP\x00Y"), quote("SPY", 2.0)]}}
    harness.vendor.bodies["/v1/markets/quotes"] = json.dumps(body).encode()
    await harness.data._poll_quotes([SPY])
    assert [q.bid_price.as_double() for q in quotes_of(harness)] == [2.0]
    assert harness.data.rejections == {"identifier": 2}


async def test_unchanged_quotes_are_published_again(setup: tuple[Harness, LoopbackStream]) -> None:
    harness = await subscribed(setup[0])
    harness.vendor.bodies["/v1/markets/quotes"] = json.dumps(
        {"quotes": {"quote": quote("SPY")}}
    ).encode()
    await harness.data._poll_quotes([SPY])
    await harness.data._poll_quotes([SPY])
    first, second = quotes_of(harness)
    assert first.bid_price == second.bid_price and first.ask_price == second.ask_price
    assert second.ts_init > first.ts_init


async def test_invalid_utf8_poll_reply_is_a_parse_error(
    setup: tuple[Harness, LoopbackStream],
) -> None:
    harness = await subscribed(setup[0])
    harness.vendor.bodies["/v1/markets/quotes"] = b'{"quotes": {"quote": {"symbol": "SP\xffY"}}}'
    with pytest.raises(TradierParseError) as caught:  # the poll loop logs it and carries on
        await harness.data._poll_quotes([SPY])
    assert caught.value.kind == "utf8"


async def test_year_9999_dates_are_rejected(setup: tuple[Harness, LoopbackStream]) -> None:
    with pytest.raises(TradierParseError) as caught:
        parsing.iso_to_ns("9999-12-31T00:00:00Z")
    assert caught.value.kind == "timestamp"
    harness = await subscribed(setup[0])
    late = quote("SPY", bid_date="9999-12-31T00:00:00Z")
    harness.vendor.bodies["/v1/markets/quotes"] = json.dumps({"quotes": {"quote": late}}).encode()
    await harness.data._poll_quotes([SPY])
    assert quotes_of(harness) == []
    assert harness.data.rejections == {"timestamp": 1}


async def test_stream_nul_symbol_and_huge_bid_are_dropped_and_the_stream_lives(
    setup: tuple[Harness, LoopbackStream],
) -> None:
    harness, ws = setup
    await harness.subscribe_spy()
    stream = harness.data.stream
    assert stream is not None
    await wait_for(lambda: stream.is_connected and bool(ws.clients))
    await ws.send(b'{"type": "quote", "symbol": "\\u0000SPY", "bid": "1", "ask": "2"}')
    await ws.send(b'{"type": "quote", "symbol": "SPY", "bid": "1e300", "ask": "1e300"}')
    await ws.send(b'{"type": "quote", "symbol": "SPY", "bid": "1.5", "ask": "1.6"}')
    await wait_for(lambda: bool(quotes_of(harness)))
    assert [q.bid_price.as_double() for q in quotes_of(harness)] == [1.5]
    assert harness.data.rejections == {"identifier": 1, "price": 1}
    assert stream.is_running and stream.connections == 1 and stream.handler_errors == {}


async def test_account_event_of_fractional_quantity_is_dropped(
    setup: tuple[Harness, LoopbackStream],
) -> None:
    harness, ws = setup
    stream = harness.execution.stream
    assert stream is not None
    stream.start()
    await wait_for(lambda: stream.is_connected and bool(ws.clients))
    await ws.send(b'{"event": "order", "id": 7, "status": "filled", "exec_quantity": 1e-9}')
    await wait_for(lambda: bool(harness.execution.rejections))
    assert harness.execution.rejections == {"quantity": 1}
    assert stream.is_running and stream.handler_errors == {}


async def test_dropped_stream_reconnects(setup: tuple[Harness, LoopbackStream]) -> None:
    harness, ws = setup
    await harness.subscribe_spy()
    stream = harness.data.stream
    assert stream is not None
    await wait_for(lambda: stream.is_connected and bool(ws.clients))
    await ws.drop()
    await wait_for(lambda: stream.connections == 2 and bool(ws.clients))
    await ws.send(b'{"type": "quote", "symbol": "SPY", "bid": "3", "ask": "3.1"}')
    await wait_for(lambda: bool(quotes_of(harness)))


async def test_refused_streaming_falls_back_to_polling(
    setup: tuple[Harness, LoopbackStream],
) -> None:
    harness, _ = setup
    del harness.vendor.bodies["/v1/markets/events/session"]  # answered 400
    assert harness.data.mode == "streaming"
    await harness.subscribe_spy()
    await wait_for(lambda: harness.data.mode == "polling")
    del harness.vendor.bodies["/v1/accounts/events/session"]
    assert harness.execution.mode == "streaming"
    harness.execution.stream.start()  # type: ignore[union-attr]
    await wait_for(lambda: harness.execution.mode == "polling")


def reports_command(harness: Harness) -> GenerateOrderStatusReports:
    return GenerateOrderStatusReports(
        None, None, None, False, UUID4(), harness.clock.timestamp_ns()
    )


async def test_nul_in_an_orders_list_drops_that_order(
    setup: tuple[Harness, LoopbackStream],
) -> None:
    harness, _ = setup
    body = {
        "orders": {"order": [order(1, "\x00SPY"), order(2, "SPY", tag="\x00x"), order(3, "SPY")]}
    }
    harness.vendor.bodies[ORDERS] = json.dumps(body).encode()
    reports = await harness.execution.generate_order_status_reports(reports_command(harness))
    assert [r.venue_order_id.value for r in reports] == ["3"]
    assert harness.execution.rejections == {"identifier": 2}


async def test_nul_in_a_positions_list_drops_that_position(
    setup: tuple[Harness, LoopbackStream],
) -> None:
    harness, _ = setup
    rows = [
        {"symbol": "\x00SPY", "quantity": 5, "cost_basis": 10},
        {"symbol": "SPY", "quantity": 5, "cost_basis": 2350},
    ]
    harness.vendor.bodies[POSITIONS] = json.dumps({"positions": {"position": rows}}).encode()
    reports = await harness.execution.generate_position_status_reports(
        GeneratePositionStatusReports(None, None, None, UUID4(), harness.clock.timestamp_ns())
    )
    assert [(r.instrument_id, r.quantity.as_double()) for r in reports] == [(SPY, 5.0)]


async def test_recorded_2013_orders_reconcile(setup: tuple[Harness, LoopbackStream]) -> None:
    harness, _ = setup
    recorded = shared_data_path("tradier/tradier_rb_2013/account_orders.json").read_bytes()
    harness.vendor.bodies[ORDERS] = recorded
    harness.vendor.bodies["/v1/markets/quotes"] = json.dumps(
        {"quotes": {"quote": [quote("AAPL"), quote("AAPL130622C00450000")]}}
    ).encode()
    reports = await harness.execution.generate_order_status_reports(reports_command(harness))
    orders = json.loads(recorded)["orders"]["order"]
    zero = {str(o["order_id"]) for o in orders if o["quantity"] == 0}
    assert zero and all(o["status"] == "Rejected" for o in orders if str(o["order_id"]) in zero)
    assert harness.execution.rejections == {"quantity": len(zero)}
    assert {r.venue_order_id.value for r in reports} == {str(o["order_id"]) for o in orders} - zero
    fills = await harness.execution.generate_fill_reports(
        GenerateFillReports(None, None, None, None, UUID4(), harness.clock.timestamp_ns())
    )
    assert fills == []  # the 2013 layout carries no exec_quantity or avg_fill_price
    assert {r.order_status for r in reports} >= {OrderStatus.REJECTED, OrderStatus.CANCELED}
