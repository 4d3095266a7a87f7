"""Fault injection on the fake Tradier with a real ``TradingNode``: every case must end with a
consistent state and no duplicate or lost order."""

import time
from pathlib import Path

import pytest
from nautilus_trader.model.enums import OrderSide, OrderStatus
from nautilus_trader.model.events import OrderFilled
from nautilus_trader.model.identifiers import ClientId
from nautilus_trader.model.objects import Price, Quantity

from tests.integration.adapters.tradier.fake_server import FakeTradier, Fault
from tests.integration.adapters.tradier.node_harness import (
    LONG_ID,
    LONG_PUT,
    SHORT_ID,
    SHORT_PUT,
    SPREAD_ID,
    seed_quotes,
    start_node,
    wait_for,
    write_config,
)

pytestmark = pytest.mark.timeout(180)
ORDERS = r"/orders$"


def limit(strategy, price: float = 1.90):
    return strategy.order_factory.limit(
        instrument_id=LONG_ID,
        order_side=OrderSide.BUY,
        quantity=Quantity.from_int(2),
        price=Price(price, 2),
    )


async def submit_and_settle(running, server: FakeTradier):
    order = limit(running.strategy)
    running.strategy.submit_order(order)
    await wait_for(lambda: order.status in (OrderStatus.ACCEPTED, OrderStatus.REJECTED))
    return order


async def test_429_on_placement_is_looked_up_then_placed_once(
    server: FakeTradier, tmp_path: Path
) -> None:
    reset_ms = str(int((time.time() + 0.3) * 1000))
    server.inject(
        Fault(
            "POST",
            ORDERS,
            status=429,
            headers={"X-Ratelimit-Available": "0", "X-Ratelimit-Expiry": reset_ms},
            body={"fault": {"faultstring": "Rate limit quota violation"}},
        ),
    )
    running = await start_node(write_config(server, tmp_path))
    try:
        order = await submit_and_settle(running, server)
        assert order.status == OrderStatus.ACCEPTED
        assert len(server.orders) == 1
        (tradier_id,) = server.orders
        assert order.venue_order_id.value == str(tradier_id)
    finally:
        await running.stop()


@pytest.mark.parametrize(
    "fault",
    [
        Fault("POST", ORDERS, status=500, apply=True),  # placed, answer lost
        Fault("POST", ORDERS, status=200, delay=1.5, apply=True),  # placed, client timed out
    ],
    ids=["5xx-after-placing", "timeout-after-placing"],
)
async def test_unknown_outcome_is_adopted_not_resent(
    server: FakeTradier, tmp_path: Path, fault: Fault
) -> None:
    server.inject(fault)
    running = await start_node(write_config(server, tmp_path))
    try:
        order = await submit_and_settle(running, server)
        assert order.status == OrderStatus.ACCEPTED
        assert len(server.placements()) == 1
        (tradier_id,) = server.orders
        assert order.venue_order_id.value == str(tradier_id)
        await server.fill(tradier_id, 2, 1.90)
        await wait_for(lambda: order.status == OrderStatus.FILLED)
    finally:
        await running.stop()


async def test_5xx_before_placing_is_placed_once(server: FakeTradier, tmp_path: Path) -> None:
    server.inject(Fault("POST", ORDERS, status=503))
    running = await start_node(write_config(server, tmp_path))
    try:
        order = await submit_and_settle(running, server)
        assert order.status == OrderStatus.ACCEPTED
        assert len(server.orders) == 1
    finally:
        await running.stop()


async def test_refused_placement_is_rejected(server: FakeTradier, tmp_path: Path) -> None:
    server.inject(
        Fault("POST", ORDERS, status=400, body={"errors": {"error": "Invalid Parameter: price"}})
    )
    running = await start_node(write_config(server, tmp_path))
    try:
        order = await submit_and_settle(running, server)
        assert order.status == OrderStatus.REJECTED
        assert not server.orders
    finally:
        await running.stop()


async def test_rejection_after_http_200(server: FakeTradier, tmp_path: Path) -> None:
    server.reject_next = "Backoffice rejected override of the order. Unexpected SellShortOrder"
    running = await start_node(write_config(server, tmp_path))
    try:
        order = limit(running.strategy)
        running.strategy.submit_order(order)
        await wait_for(lambda: order.status == OrderStatus.REJECTED)
        rejected = [e for e in running.strategy.order_events if type(e).__name__ == "OrderRejected"]
        assert "Unexpected SellShortOrder" in rejected[0].reason
    finally:
        await running.stop()


async def test_partial_fills_by_polling_through_5xx(server: FakeTradier, tmp_path: Path) -> None:
    running = await start_node(
        write_config(server, tmp_path, execution={"use_account_stream": False})
    )
    try:
        order = await submit_and_settle(running, server)
        (tradier_id,) = server.orders
        server.inject(Fault("GET", ORDERS, status=502, times=2))
        await server.fill(tradier_id, 1, 1.89)
        await wait_for(lambda: order.status == OrderStatus.PARTIALLY_FILLED)
        await server.fill(tradier_id, 1, 1.87)
        await wait_for(lambda: order.status == OrderStatus.FILLED)
        fills = [e for e in running.strategy.order_events if isinstance(e, OrderFilled)]
        assert [f.last_px.as_double() for f in fills] == [1.89, 1.87]
        assert net_position_is(running, LONG_ID, 2)
    finally:
        await running.stop()


def net_position_is(running, instrument_id, quantity: float) -> bool:
    return float(running.node.portfolio.net_position(instrument_id)) == quantity


async def test_stream_drop_during_a_fill(server: FakeTradier, tmp_path: Path) -> None:
    running = await start_node(
        write_config(server, tmp_path, execution={"poll_interval_secs": 5.0})
    )
    try:
        order = running.strategy.order_factory.limit(
            instrument_id=SPREAD_ID,
            order_side=OrderSide.BUY,
            quantity=Quantity.from_int(1),
            price=Price(-1.20, 2),
        )
        running.strategy.submit_order(order)
        await wait_for(lambda: order.status == OrderStatus.ACCEPTED and server.account_clients)
        (tradier_id,) = server.orders
        await server.drop_streams()  # the fill's events are sent to nobody
        await server.fill(tradier_id, 1, leg_prices={SHORT_PUT: 3.10, LONG_PUT: 1.90})
        await wait_for(lambda: order.status == OrderStatus.FILLED)
        await wait_for(
            lambda: net_position_is(running, SHORT_ID, -1) and net_position_is(running, LONG_ID, 1)
        )
        fills = [e for e in running.strategy.order_events if isinstance(e, OrderFilled)]
        assert len(fills) == 3  # one combo fill and one fill per leg, none twice
        assert len(server.placements()) == 1
    finally:
        await running.stop()


async def test_quotes_stream_and_greeks(server: FakeTradier, tmp_path: Path) -> None:
    running = await start_node(write_config(server, tmp_path, greeks=True))
    try:
        client = running.node.kernel.data_engine._clients[ClientId("TRADIER")]
        await wait_for(lambda: server.market_clients and client.stream.is_connected)
        await wait_for(
            lambda: set(next(iter(server.market_clients.values()))) == {SHORT_PUT, LONG_PUT}
        )
        await server.publish_quote(SHORT_PUT, 3.05, 3.15)
        await wait_for(lambda: any(q.instrument_id == SHORT_ID for q in running.strategy.quotes))
        await wait_for(lambda: running.strategy.received_greeks)
        greeks = running.strategy.received_greeks[0]
        assert greeks.instrument_id == LONG_ID
        assert greeks.delta == -0.25
        # The same polled quote's volume (the fake's 1,000), for the min_volume filter.
        await wait_for(lambda: running.strategy.received_volumes)
        volume = running.strategy.received_volumes[0]
        assert (volume.instrument_id, volume.volume) == (LONG_ID, 1_000.0)
    finally:
        await running.stop()


async def test_quotes_fall_back_to_polling_without_streaming(tmp_path: Path) -> None:
    async with FakeTradier(market_streaming=False) as server:
        seed_quotes(server)
        running = await start_node(write_config(server, tmp_path))
        try:
            await wait_for(
                lambda: {q.instrument_id for q in running.strategy.quotes} == {SHORT_ID, LONG_ID}
            )
            before = len(running.strategy.quotes)
            server.set_quote(LONG_PUT, 1.80, 1.84)
            await wait_for(
                lambda: any(q.bid_price == Price(1.80, 2) for q in running.strategy.quotes)
            )
            assert len(running.strategy.quotes) >= before + 1  # unchanged quotes are resent too
        finally:
            await running.stop()


async def test_preview(server: FakeTradier, tmp_path: Path) -> None:
    running = await start_node(write_config(server, tmp_path))
    try:
        client = running.node.kernel.exec_engine._clients[ClientId("TRADIER")]
        order = running.strategy.order_factory.limit(
            instrument_id=SPREAD_ID,
            order_side=OrderSide.BUY,
            quantity=Quantity.from_int(1),
            price=Price(-1.20, 2),
        )
        preview = await client.preview(order)
        assert preview.result is True
        assert preview.margin_change == 500.0
        assert not server.orders
    finally:
        await running.stop()


async def test_daily_bar_published_before_the_close(server: FakeTradier, tmp_path: Path) -> None:
    running = await start_node(write_config(server, tmp_path))
    try:
        client = running.node.kernel.data_engine._clients[ClientId("TRADIER")]
        now = running.node.kernel.clock.timestamp_ns()
        publish = client._next_daily_bar_ns(now)
        assert 0 < publish - now <= 10 * 86_400 * 10**9
        await wait_for(lambda: client._daily_bars)
        await client._publish_daily_bars()
        await wait_for(lambda: running.strategy.bars)
        bar = running.strategy.bars[0]
        assert str(bar.bar_type) == "SPY.US-1-DAY-LAST-EXTERNAL"
        assert bar.close.as_double() == pytest.approx(472.635)
    finally:
        await running.stop()


async def test_history_requests(server: FakeTradier, tmp_path: Path) -> None:
    import datetime as dt

    from nautilus_trader.model.data import BarSpecification, BarType
    from nautilus_trader.model.enums import AggregationSource, BarAggregation, PriceType

    from options.instruments import daily_bar_type, equity_id

    running = await start_node(write_config(server, tmp_path))
    try:
        strategy = running.strategy
        now = running.node.kernel.clock.utc_now()
        strategy.request_bars(daily_bar_type(equity_id("SPY")), now - dt.timedelta(days=14))
        await wait_for(lambda: strategy.historical)
        daily = list(strategy.historical)
        assert all(str(b.bar_type) == "SPY.US-1-DAY-LAST-EXTERNAL" for b in daily)
        assert 5 <= len(daily) <= 11  # weekdays in two weeks, holidays rejected
        minute = BarType(
            equity_id("SPY"),
            BarSpecification(1, BarAggregation.MINUTE, PriceType.LAST),
            AggregationSource.EXTERNAL,
        )
        strategy.historical.clear()
        start = now - dt.timedelta(minutes=30)
        strategy.request_bars(minute, start, now)
        await wait_for(lambda: strategy.historical)
        assert len(strategy.historical) == 5
        assert strategy.historical[0].ts_event - strategy.historical[0].ts_init == 0
    finally:
        await running.stop()
