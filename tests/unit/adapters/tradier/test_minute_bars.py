"""The Tradier data client's 1-minute bars: built from last trades, regular minutes only.

The production data client over an in-process transport and a loopback WebSocket
(``tests.fuzz.harness``). Records in Tradier's documented layout (SYNTHETIC values): SPY's
quote says ``last`` 470.15 (``last_volume`` 200), read once when the subscription starts; then
one streamed trade at 470.50 of 300 shares.

The minute ending 10:15 on Monday 2026-12-07 holds both: open 470.15, high 470.50, low
470.15, close 470.50, volume 200 + 300 = 500, stamped 10:15. The minute ending 10:16 has no
trade: 470.50 four times, volume 0. Saturday 2026-12-05 10:15 and 16:01 on the Monday are no
regular minutes: no bar.
"""

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator

import pytest
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.data.messages import SubscribeBars
from nautilus_trader.model.data import Bar
from nautilus_trader.model.identifiers import ClientId

from options.instruments import minute_bar_type
from options.market_calendar import NEW_YORK
from tests.fuzz.harness import SPY, Harness, LoopbackStream, wait_for

SPY_QUOTE = {
    "quotes": {
        "quote": {
            "symbol": "SPY",
            "type": "stock",
            "bid": 470.1,
            "ask": 470.2,
            "bidsize": 3,
            "asksize": 4,
            "last": 470.15,
            "last_volume": 200,
            "volume": 1000,
        }
    }
}
TRADE = {"type": "trade", "symbol": "SPY", "price": "470.50", "size": "300", "cvol": "1300"}


def _ns(day: str, time: str) -> int:
    stamp = dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(time), NEW_YORK)
    return int(stamp.timestamp()) * 1_000_000_000


@pytest.fixture
async def harness() -> AsyncIterator[tuple[Harness, LoopbackStream]]:
    async with LoopbackStream() as ws:
        harness = Harness(asyncio.get_running_loop(), ws.url)
        harness.vendor.bodies["/v1/markets/quotes"] = json.dumps(SPY_QUOTE).encode()
        yield harness, ws
        await harness.close()


def _bars(harness: Harness) -> list[tuple[int, float, float, float, float, float]]:
    return [
        (
            bar.ts_event,
            bar.open.as_double(),
            bar.high.as_double(),
            bar.low.as_double(),
            bar.close.as_double(),
            bar.volume.as_double(),
        )
        for bar in harness.published
        if isinstance(bar, Bar)
    ]


async def test_minute_bars_of_last_trades_in_regular_minutes_only(
    harness: tuple[Harness, LoopbackStream],
) -> None:
    client, ws = harness
    bar_type = minute_bar_type(SPY)
    command = SubscribeBars(
        bar_type, ClientId("TRADIER"), None, UUID4(), client.clock.timestamp_ns()
    )
    await client.data._subscribe_bars(command)
    stream = client.data.stream
    assert stream is not None
    await wait_for(lambda: stream.is_connected and bool(ws.clients))
    await ws.send(json.dumps(TRADE).encode())
    await wait_for(lambda: client.data._minute_bars[SPY].count == 2)

    client.data._publish_minute_bars(_ns("2026-12-07", "10:15"))
    client.data._publish_minute_bars(_ns("2026-12-07", "10:16"))
    client.data._publish_minute_bars(_ns("2026-12-05", "10:15"))  # a Saturday
    client.data._publish_minute_bars(_ns("2026-12-07", "16:01"))  # after the close

    assert _bars(client) == [
        (_ns("2026-12-07", "10:15"), 470.15, 470.50, 470.15, 470.50, 500.0),
        (_ns("2026-12-07", "10:16"), 470.50, 470.50, 470.50, 470.50, 0.0),
    ]
    assert {bar.bar_type for bar in client.published if isinstance(bar, Bar)} == {bar_type}
