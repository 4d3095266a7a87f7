"""The fake Tradier's broker rules the restart chaos test relies on: position checks on
placement, day orders expiring at the close, peak positions, and the ``on_order`` hook."""

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.integration.adapters.tradier.fake_server import FakeTradier, Order
from tests.integration.adapters.tradier.node_harness import LONG_PUT, SHORT_PUT, wait_for

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
async def client(server: FakeTradier) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.rest_url) as http:
        yield http


async def place(client: httpx.AsyncClient, server: FakeTradier, form: dict[str, str]) -> Order:
    response = await client.post(f"/v1/accounts/{server.account_id}/orders", data=form)
    assert response.status_code == 200
    return server.orders[response.json()["order"]["id"]]


def option(side: str, quantity: int, symbol: str = SHORT_PUT, duration: str = "gtc") -> dict:
    return {
        "class": "option",
        "symbol": "SPY",
        "option_symbol": symbol,
        "side": side,
        "quantity": str(quantity),
        "type": "market",
        "duration": duration,
    }


def spread(short_side: str, long_side: str, quantity: int) -> dict:
    return {
        "class": "multileg",
        "symbol": "SPY",
        "type": "market",
        "duration": "day",
        "option_symbol[0]": SHORT_PUT,
        "side[0]": short_side,
        "quantity[0]": str(quantity),
        "option_symbol[1]": LONG_PUT,
        "side[1]": long_side,
        "quantity[1]": str(quantity),
    }


async def settled(order: Order, status: str) -> None:
    await wait_for(lambda: order.status == status, timeout=5.0)


async def test_closing_more_than_held_is_rejected_counting_working_closes(
    server: FakeTradier, client: httpx.AsyncClient
) -> None:
    opening = await place(client, server, option("sell_to_open", 2))
    await server.fill(opening.id, 2, 3.10)
    assert server.positions[SHORT_PUT][0] == -2

    too_many = await place(client, server, option("buy_to_close", 3))
    await settled(too_many, "rejected")
    assert "exceeds the 2 held" in (too_many.reason or "")

    first = await place(client, server, option("buy_to_close", 2))
    second = await place(client, server, option("buy_to_close", 1))  # the 2 are being closed
    await settled(second, "rejected")
    assert first.status == "open"

    wrong_way = await place(client, server, option("sell_to_close", 1))  # nothing long to sell
    await settled(wrong_way, "rejected")


async def test_a_multileg_with_one_oversize_closing_leg_is_rejected_whole(
    server: FakeTradier, client: httpx.AsyncClient
) -> None:
    opening = await place(client, server, spread("sell_to_open", "buy_to_open", 2))
    await server.fill(opening.id, 2)
    server.positions[LONG_PUT][0] = 1.0  # one wing was sold by hand

    closing = await place(client, server, spread("buy_to_close", "sell_to_close", 2))
    await settled(closing, "rejected")
    assert LONG_PUT in (closing.reason or "")
    assert {leg.status for leg in closing.legs} == {"rejected"}


async def test_opening_against_a_position_held_the_other_way_is_rejected(
    server: FakeTradier, client: httpx.AsyncClient
) -> None:
    opening = await place(client, server, option("sell_to_open", 2))
    await server.fill(opening.id, 2, 3.10)
    buy = await place(client, server, option("buy_to_open", 1))
    await settled(buy, "rejected")
    assert "Unexpected" in (buy.reason or "")


async def test_day_orders_expire_at_the_close_and_gtc_orders_keep_working(
    server: FakeTradier, client: httpx.AsyncClient
) -> None:
    day = await place(client, server, option("sell_to_open", 1, duration="day"))
    gtc = await place(client, server, option("sell_to_open", 1, LONG_PUT, duration="gtc"))
    assert await server.expire_day_orders() == [day.id]
    assert (day.status, gtc.status) == ("expired", "open")


async def test_peak_is_the_largest_absolute_position_ever_held(
    server: FakeTradier, client: httpx.AsyncClient
) -> None:
    for side, quantity in (("sell_to_open", 2), ("sell_to_open", 2), ("buy_to_close", 4)):
        order = await place(client, server, option(side, quantity))
        await server.fill(order.id, quantity, 1.0)
    assert SHORT_PUT not in server.positions
    assert server.peak[SHORT_PUT] == 4


async def test_on_order_sees_every_placement_with_its_refusal(
    server: FakeTradier, client: httpx.AsyncClient
) -> None:
    seen: list[tuple[int, str | None]] = []
    server.on_order = lambda order, refusal: seen.append((order.id, refusal))
    accepted = await place(client, server, option("sell_to_open", 1))
    refused = await place(client, server, option("buy_to_close", 5, LONG_PUT))
    await settled(refused, "rejected")
    assert seen[0] == (accepted.id, None)
    assert seen[1][0] == refused.id and "IncorrectOrderQuantity" in (seen[1][1] or "")
