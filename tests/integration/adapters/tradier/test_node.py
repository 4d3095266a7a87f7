"""A real ``TradingNode`` on the Tradier adapter against the loopback fake Tradier."""

from pathlib import Path

import pytest
from nautilus_trader.model.enums import OrderSide, OrderStatus, OrderType
from nautilus_trader.model.objects import Price, Quantity

from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.node_harness import (
    LONG_ID,
    LONG_PUT,
    SHORT_ID,
    SHORT_PUT,
    SPREAD_ID,
    start_node,
    wait_for,
    write_config,
)

pytestmark = pytest.mark.timeout(180)


def net_position(node, instrument_id) -> float:
    return float(node.node.portfolio.net_position(instrument_id))


async def test_put_credit_spread_partial_then_full(server: FakeTradier, tmp_path: Path) -> None:
    running = await start_node(write_config(server, tmp_path))
    try:
        strategy = running.strategy
        order = strategy.order_factory.limit(
            instrument_id=SPREAD_ID,
            order_side=OrderSide.BUY,
            quantity=Quantity.from_int(2),
            price=Price(-1.20, 2),
        )
        strategy.submit_order(order)
        await wait_for(lambda: server.orders)
        (form,) = server.placements()
        assert form["class"] == "multileg"
        assert form["type"] == "credit"
        assert form["price"] == "1.2"
        assert form["tag"] == order.client_order_id.value
        sides = {
            form["option_symbol[0]"]: form["side[0]"],
            form["option_symbol[1]"]: form["side[1]"],
        }
        assert sides == {SHORT_ID.symbol.value: "sell_to_open", LONG_ID.symbol.value: "buy_to_open"}
        (tradier_id,) = server.orders
        await wait_for(lambda: order.status == OrderStatus.ACCEPTED)

        await server.fill(tradier_id, 1, leg_prices={SHORT_PUT: 3.10, LONG_PUT: 1.90})
        await wait_for(lambda: order.status == OrderStatus.PARTIALLY_FILLED)
        await wait_for(
            lambda: net_position(running, SHORT_ID) == -1 and net_position(running, LONG_ID) == 1
        )

        await server.fill(tradier_id, 1, leg_prices={SHORT_PUT: 3.00, LONG_PUT: 1.85})
        await wait_for(lambda: order.status == OrderStatus.FILLED)
        await wait_for(
            lambda: net_position(running, SHORT_ID) == -2 and net_position(running, LONG_ID) == 2
        )
        assert order.filled_qty == Quantity.from_int(2)
        assert order.avg_px == pytest.approx(-1.175)
        account = running.node.cache.account_for_venue(SHORT_ID.venue)
        assert account is not None
        assert len(server.placements()) == 1
    finally:
        await running.stop()


def option_limit(strategy, side: OrderSide = OrderSide.BUY, price: float = 1.90, quantity: int = 1):
    return strategy.order_factory.limit(
        instrument_id=LONG_ID,
        order_side=side,
        quantity=Quantity.from_int(quantity),
        price=Price(price, 2),
    )


async def test_single_option_cancel_and_modify(server: FakeTradier, tmp_path: Path) -> None:
    running = await start_node(write_config(server, tmp_path))
    try:
        strategy = running.strategy
        order = option_limit(strategy)
        strategy.submit_order(order)
        await wait_for(lambda: order.status == OrderStatus.ACCEPTED)
        (form,) = server.placements()
        assert form == {
            "class": "option",
            "symbol": "SPY",
            "option_symbol": LONG_ID.symbol.value,
            "side": "buy_to_open",
            "quantity": "1",
            "type": "limit",
            "price": "1.9",
            "duration": "gtc",
            "tag": order.client_order_id.value,
        }
        strategy.modify_order(order, price=Price(1.85, 2))
        await wait_for(lambda: order.price == Price(1.85, 2))
        (tradier_id,) = server.orders
        assert server.orders[tradier_id].price == 1.85
        strategy.cancel_order(order)
        await wait_for(lambda: order.status == OrderStatus.CANCELED)
        assert server.orders[tradier_id].status == "canceled"
    finally:
        await running.stop()


async def test_cancel_of_a_filled_order_reports_the_fill(
    server: FakeTradier, tmp_path: Path
) -> None:
    running = await start_node(
        write_config(server, tmp_path, execution={"use_account_stream": False})
    )
    try:
        strategy = running.strategy
        order = option_limit(strategy)
        strategy.submit_order(order)
        await wait_for(lambda: order.status == OrderStatus.ACCEPTED)
        (tradier_id,) = server.orders
        server.orders[tradier_id].status = "filled"  # filled at Tradier, not yet seen here
        server.orders[tradier_id].exec_quantity = 1
        server.orders[tradier_id].avg_fill_price = 1.9
        strategy.cancel_order(order)  # Tradier answers HTTP 400: already final
        await wait_for(lambda: order.status == OrderStatus.FILLED)
        assert order.avg_px == pytest.approx(1.9)
        deletes = [r for r in server.requests if r[0] == "DELETE"]
        assert len(deletes) == 1
    finally:
        await running.stop()


async def test_otoco_bracket(server: FakeTradier, tmp_path: Path) -> None:
    running = await start_node(write_config(server, tmp_path))
    try:
        strategy = running.strategy
        bracket = strategy.order_factory.bracket(
            instrument_id=LONG_ID,
            order_side=OrderSide.BUY,
            quantity=Quantity.from_int(1),
            entry_price=Price(1.90, 2),
            entry_order_type=OrderType.LIMIT,
            sl_trigger_price=Price(1.00, 2),
            tp_price=Price(3.00, 2),
        )
        entry, stop, take = bracket.orders
        strategy.submit_order_list(bracket)
        await wait_for(lambda: all(o.status == OrderStatus.ACCEPTED for o in bracket.orders))
        (form,) = server.placements()
        assert form["class"] == "otoco"
        assert (form["side[0]"], form["side[1]"], form["side[2]"]) == (
            "buy_to_open",
            "sell_to_close",
            "sell_to_close",
        )
        assert (form["type[0]"], form["type[1]"], form["type[2]"]) == ("limit", "stop", "limit")
        assert form["stop[1]"] == "1" and form["price[2]"] == "3"
        (tradier_id,) = server.orders
        await server.fill_leg(tradier_id, 0)
        await wait_for(lambda: entry.status == OrderStatus.FILLED)
        await wait_for(lambda: net_position(running, LONG_ID) == 1)
        await server.fill_leg(tradier_id, 2)
        await wait_for(
            lambda: take.status == OrderStatus.FILLED and stop.status == OrderStatus.CANCELED
        )
        await wait_for(lambda: net_position(running, LONG_ID) == 0)
        assert len(server.placements()) == 1
        assert [leg.status for leg in server.orders[tradier_id].legs] == [
            "filled",
            "canceled",
            "filled",
        ]
    finally:
        await running.stop()


async def test_restart_mid_order_reconciles_without_duplicate(
    server: FakeTradier, tmp_path: Path
) -> None:
    config = write_config(server, tmp_path)
    first = await start_node(config)
    try:
        strategy = first.strategy
        order = strategy.order_factory.limit(
            instrument_id=SPREAD_ID,
            order_side=OrderSide.BUY,
            quantity=Quantity.from_int(2),
            price=Price(-1.20, 2),
        )
        client_order_id = order.client_order_id
        strategy.submit_order(order)
        await wait_for(lambda: order.status == OrderStatus.ACCEPTED)
        (tradier_id,) = server.orders
        await server.fill(tradier_id, 1, leg_prices={SHORT_PUT: 3.10, LONG_PUT: 1.90})
        await wait_for(lambda: order.status == OrderStatus.PARTIALLY_FILLED)
    finally:
        await first.stop()

    second = await start_node(config)  # a fresh cache: the order comes back by reconciliation
    try:
        cache = second.node.cache
        await wait_for(lambda: cache.order(client_order_id) is not None)
        restored = cache.order(client_order_id)
        assert restored.strategy_id == second.strategy.id  # claimed, not EXTERNAL
        assert restored.status == OrderStatus.PARTIALLY_FILLED
        assert restored.filled_qty == Quantity.from_int(1)
        assert second.strategy.open_orders_at_start == 1
        await wait_for(
            lambda: net_position(second, SHORT_ID) == -1 and net_position(second, LONG_ID) == 1
        )

        # the same client order id submitted again is adopted, never placed twice
        await server.fill(tradier_id, 1, leg_prices={SHORT_PUT: 3.00, LONG_PUT: 1.85})
        await wait_for(lambda: restored.status == OrderStatus.FILLED)
        await wait_for(
            lambda: net_position(second, SHORT_ID) == -2 and net_position(second, LONG_ID) == 2
        )
        assert len(server.placements()) == 1
    finally:
        await second.stop()
