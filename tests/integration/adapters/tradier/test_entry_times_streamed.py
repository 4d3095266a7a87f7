"""``entry_times`` on a live ``TradingNode`` from minute bars of STREAMED trades.

The node runs the one-section ``short_put`` strategy (at the money, ``entry_times: ["10:00"]``)
with Tradier's market stream on: the loopback Tradier streams the puts' quotes (the 470 put
3.10/3.14, the 460 put 1.88/1.92) and SPY's trade prints. While the stream is connected
nothing is polled, so the data client builds SPY's ``1-MINUTE-LAST-EXTERNAL`` bars from the
streamed trades, after one quote read when the subscription starts (``last`` 472.635, the
mid of the fake's SPY quote 472.60/472.67). One trade is streamed during the entry minute: 300
shares at 462.00. The entry minute's bar is that print (open, high, low and close 462.00,
volume 300) and the strategy sells the put nearest 462.00, the 460, once. Had the bar come
from the polled ``last`` (472.635) it would have sold the 470.

Time is SHIFTED AND SPED UP in this test so that it runs at any hour and within seconds: the
data client's minute lasts ``FAKE_MINUTE_NS`` (5 s) of the wall clock, and the bar ending at
the chosen boundary M is 10:00 of the session 2025-06-02 for both readers of the session
calendar (the data client and the engine, through ``regular_minute``); the bar before it is
09:59, the one after 10:01. The node's clock, timers and orders run on real time.
"""

import asyncio
import datetime as dt
import time
from pathlib import Path

import pytest
import yaml
from nautilus_trader.model.objects import Price, Quantity

from adapters.tradier import data as tradier_data
from options import market_calendar
from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.node_harness import (
    LONG_ID,
    LONG_PUT,
    SHORT_ID,
    SHORT_PUT,
    RunningNode,
    start_node,
    wait_for,
)
from tests.integration.adapters.tradier.test_entry_times import (
    ENTRY_MINUTE,
    SPY_BAR,
    _entry_time_config,
    _set_new_york,
)
from tests.integration.adapters.tradier.test_short_option_combo import quoted

pytestmark = pytest.mark.timeout(120)

MINUTE_NS = 60_000_000_000
FAKE_MINUTE_NS = 5_000_000_000  # one data-client minute in wall-clock time
ENTRY_NS = int(ENTRY_MINUTE.timestamp()) * 1_000_000_000


def _streaming_config(server: FakeTradier, folder: Path) -> Path:
    path = _entry_time_config(server, folder)
    config = yaml.safe_load(path.read_text())
    config["data"]["use_streaming"] = True
    path.write_text(yaml.safe_dump(config))
    return path


def _shift_and_speed_up_new_york(monkeypatch: pytest.MonkeyPatch, minute_ns: int) -> None:
    # The bar ending at `minute_ns` ends 10:00; each FAKE_MINUTE_NS before or after it, a minute.
    def regular_minute(end_ns: int) -> dt.time | None:
        minutes = (end_ns - minute_ns) // FAKE_MINUTE_NS
        return market_calendar.regular_minute(ENTRY_NS + minutes * MINUTE_NS)

    _set_new_york(monkeypatch, regular_minute)


def _last_bar_ns(running: RunningNode) -> int | None:
    bar = running.node.cache.bar(SPY_BAR)
    return bar.ts_event if bar is not None else None


def _subscribed(server: FakeTradier, symbols: set[str]) -> bool:
    return any(symbols <= set(wanted) for wanted in server.market_clients.values())


def _spy_quote_read(server: FakeTradier) -> bool:
    return any(
        path == "/v1/markets/quotes" and form.get("symbols") == "SPY"
        for _method, path, form in server.requests
    )


async def test_streamed_trade_bar_at_the_entry_time_sells_the_put_once(
    server: FakeTradier, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _set_new_york(monkeypatch, lambda _end_ns: None)  # no regular minute while the node starts
    monkeypatch.setattr(tradier_data, "MINUTE_NS", FAKE_MINUTE_NS)
    running = await start_node(_streaming_config(server, tmp_path))
    try:
        (strategy,) = running.node.trader.strategies()
        await wait_for(lambda: _subscribed(server, {"SPY", SHORT_PUT, LONG_PUT}))
        await wait_for(lambda: _spy_quote_read(server))  # the subscription's one quote read
        for symbol, bid, ask in ((SHORT_PUT, 3.10, 3.14), (LONG_PUT, 1.88, 1.92)):
            assert await server.publish_quote(symbol, bid, ask) == 1
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10, LONG_ID: 1.88}))

        # B is the next boundary (its bar, 09:59, decides nothing); M = B + one minute is 10:00.
        before_ns = ((time.time_ns() + 500_000_000) // FAKE_MINUTE_NS + 1) * FAKE_MINUTE_NS
        minute_ns = before_ns + FAKE_MINUTE_NS
        _shift_and_speed_up_new_york(monkeypatch, minute_ns)
        await wait_for(lambda: _last_bar_ns(running) == before_ns, timeout=FAKE_MINUTE_NS / 1e9)
        await asyncio.sleep(0.2)  # its decision would come 1 ms after it
        assert not server.placements(), "an order was sent before the entry time"
        assert time.time_ns() < minute_ns - 2_000_000_000, "the machine is too slow for the test"
        assert await server.publish_trade("SPY", 462.00, 300) == 1  # within the 10:00 minute

        await wait_for(lambda: server.placements(), timeout=10.0)
        (placed,) = server.placements()
        assert (placed["option_symbol"], placed["side"], placed["quantity"]) == (
            LONG_PUT,
            "sell_to_open",
            "1",
        )
        (bar,) = [b for b in running.node.cache.bars(SPY_BAR) if b.ts_event == minute_ns]
        price = Price(462.00, 4)
        assert (bar.open, bar.high, bar.low, bar.close, bar.volume) == (
            price,
            price,
            price,
            price,
            Quantity.from_int(300),
        )
        (order,) = running.node.cache.orders(strategy_id=strategy.id)
        assert minute_ns < order.ts_init < minute_ns + FAKE_MINUTE_NS  # decided once M ended

        # The 10:01 bar (no trade: 462.00 again, volume 0) decides nothing.
        await wait_for(lambda: _last_bar_ns(running) == minute_ns + FAKE_MINUTE_NS, timeout=10.0)
        await asyncio.sleep(0.5)
        assert len(server.placements()) == 1
    finally:
        await running.stop()
