"""``entry_times`` on a live ``TradingNode`` against the loopback Tradier; clock callbacks' thread.

The node runs the one-section ``short_put`` strategy (spot 472.635, the last trade of the fake's
SPY quote 472.60/472.67: the 470 put is nearest the money, bid 3.10) with quotes polled as on
the sandbox. The Tradier data client publishes SPY's 1-minute bars (``1-MINUTE-LAST-EXTERNAL``)
from the polled last trades, one at the end of each regular-session minute.

New York time is SHIFTED in this test so that it always runs (at night, on weekends): once the
node runs and has its quotes, the next whole minute M of the wall clock (at least ``LEAD_SECS``
ahead) is made 10:00 of the session 2025-06-02 for the two readers of the session calendar,
the data client (which minutes are regular) and the engine (which minute a bar ends), through
``regular_minute`` (until then no minute is regular). Everything else (the node's clock, the
timers, the orders) runs on real time. The calendar itself is tested on
real dates in ``tests/unit/options/test_regular_minute.py``.
"""

import asyncio
import datetime as dt
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from nautilus_trader.model.data import Bar
from nautilus_trader.model.objects import Price, Quantity

from adapters.tradier import data as tradier_data
from options import market_calendar
from options.instruments import equity_id, minute_bar_type
from options.market_calendar import NEW_YORK
from strategies import structure_engine
from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.node_harness import (
    LONG_ID,
    SHORT_ID,
    SHORT_PUT,
    RunningNode,
    start_node,
    wait_for,
)
from tests.integration.adapters.tradier.test_one_strategy_section import _live_config
from tests.integration.adapters.tradier.test_short_option_combo import quoted, session_close

pytestmark = pytest.mark.timeout(300)

MINUTE_NS = 60_000_000_000
LEAD_SECS = 2  # the entry minute is the next whole minute at least this far ahead
ENTRY_MINUTE = dt.datetime(2025, 6, 2, 10, 0, tzinfo=NEW_YORK)  # a Monday session
SPY_BAR = minute_bar_type(equity_id("SPY"))


def _next_minute_ns() -> int:
    return ((time.time_ns() + LEAD_SECS * 1_000_000_000) // MINUTE_NS + 1) * MINUTE_NS


def _set_new_york(
    monkeypatch: pytest.MonkeyPatch, regular_minute: Callable[[int], dt.time | None]
) -> None:
    monkeypatch.setattr(tradier_data, "regular_minute", regular_minute)
    monkeypatch.setattr(structure_engine, "regular_minute", regular_minute)


def _shift_new_york(monkeypatch: pytest.MonkeyPatch, minute_ns: int) -> None:
    shift_ns = int(ENTRY_MINUTE.timestamp()) * 1_000_000_000 - minute_ns
    _set_new_york(monkeypatch, lambda end_ns: market_calendar.regular_minute(end_ns + shift_ns))


def _entry_time_config(server: FakeTradier, folder: Path) -> Path:
    path = _live_config(server, folder)
    config = yaml.safe_load(path.read_text())
    strategy = config["strategies"][0]["config"]
    strategy.update(entry_times=[ENTRY_MINUTE.strftime("%H:%M")], max_open_trades=2)
    # The node's HTTP client is shared per event loop with the sandbox's 60 market-data
    # requests a minute: polled every 2 s, the restarted node finds requests left.
    config["data"]["poll_interval_secs"] = 2.0
    path.write_text(yaml.safe_dump(config))
    return path


async def _until(deadline_ns: int, check: Callable[[], None]) -> None:
    while time.time_ns() < deadline_ns:
        check()
        await asyncio.sleep(0.05)


def _publish_minute_bar(running: RunningNode, end_ns: int, close: float) -> None:
    price = Price(close, 4)
    bar = Bar(SPY_BAR, price, price, price, price, Quantity.from_int(100), end_ns, end_ns)
    running.node.kernel.data_engine.process(bar)


async def test_entry_time_sells_the_put_at_that_minute_once_also_after_a_restart(
    server: FakeTradier, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _set_new_york(monkeypatch, lambda _end_ns: None)  # no regular minute while the node starts
    config = _entry_time_config(server, tmp_path)
    running = await start_node(config)
    try:
        (strategy,) = running.node.trader.strategies()
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10, LONG_ID: 1.88}))
        minute_ns = _next_minute_ns()
        _shift_new_york(monkeypatch, minute_ns)

        def nothing_sent() -> None:
            assert not server.placements(), "an order was sent before the entry time"

        _publish_minute_bar(running, minute_ns - MINUTE_NS, 472.635)  # 09:59 decides nothing
        await _until(minute_ns - 200_000_000, nothing_sent)
        await wait_for(lambda: server.placements(), timeout=10.0)
        (placed,) = server.placements()
        assert (placed["option_symbol"], placed["side"], placed["quantity"]) == (
            SHORT_PUT,
            "sell_to_open",
            "1",
        )
        (order,) = running.node.cache.orders(strategy_id=strategy.id)
        assert minute_ns < order.ts_init < minute_ns + 5_000_000_000  # decided once M ended
        await asyncio.sleep(1.0)
        assert len(server.placements()) == 1
    finally:
        await running.stop()

    running = await start_node(config)  # restarted within the same minute
    try:
        assert time.time_ns() < minute_ns + MINUTE_NS
        (strategy,) = running.node.trader.strategies()
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10, LONG_ID: 1.88}))
        # The entry time's bar delivered again (max_open_trades 2 would allow a second put).
        _publish_minute_bar(running, minute_ns, 472.635)
        await asyncio.sleep(1.5)
        assert len(server.placements()) == 1
    finally:
        await running.stop()


def _with_risk_guard(path: Path) -> Path:
    config = yaml.safe_load(path.read_text())
    config["actors"] = [
        {
            "actor_path": "actors.risk_guard:RiskGuard",
            "config_path": "actors.risk_guard:RiskGuardConfig",
            "config": {
                "underlying": "SPY",
                "interval_secs": 0.2,
                "daily_loss": {"max_loss_fraction": 0.5},
            },
        }
    ]
    path.write_text(yaml.safe_dump(config))
    return path


async def test_clock_callbacks_run_on_the_event_loop_not_on_the_clock_thread(
    server: FakeTradier, tmp_path: Path
) -> None:
    running = await start_node(_with_risk_guard(_live_config(server, tmp_path)))
    try:
        (strategy,) = running.node.trader.strategies()
        (guard,) = running.node.trader.actors()
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10, LONG_ID: 1.88}))
        decisions: list[int] = []
        evaluations: list[int] = []
        decide, evaluate = strategy._on_session_close, guard.evaluate
        strategy._on_session_close = lambda: (decisions.append(threading.get_ident()), decide())
        guard.evaluate = lambda: (evaluations.append(threading.get_ident()), evaluate())[1]
        session_close(running, 472.60)  # each decides on a clock alert just after the bar
        await wait_for(lambda: server.placements() and len(evaluations) >= 3)
        loop_thread = threading.get_ident()  # this test's loop runs the node
        assert decisions == [loop_thread]
        assert set(evaluations) == {loop_thread}  # the guard's timer and its alert after the bar
    finally:
        await running.stop()
