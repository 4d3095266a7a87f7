"""Clock callbacks: where NautilusTrader 1.231.0 runs them live, and ``on_event_loop``."""

import asyncio
import threading

from nautilus_trader.common.component import LiveClock, TestClock, TimeEvent

from strategies.toolkit.event_loop import on_event_loop

ALERT_DELAY_NS = 20_000_000


async def _thread_of_alert(wrap: bool) -> int:
    clock = LiveClock()
    ran: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    loop = asyncio.get_running_loop()

    def callback(_event: TimeEvent) -> None:
        thread = threading.get_ident()
        loop.call_soon_threadsafe(lambda: ran.done() or ran.set_result(thread))

    clock.set_time_alert_ns(
        "alert",
        clock.timestamp_ns() + ALERT_DELAY_NS,
        callback=on_event_loop(clock, callback) if wrap else callback,
    )
    return await asyncio.wait_for(ran, 5.0)


async def test_a_live_clock_calls_alerts_on_a_thread_that_is_not_the_event_loop() -> None:
    # The reason for on_event_loop: a bare callback would race the loop's on_* handlers.
    assert await _thread_of_alert(wrap=False) != threading.get_ident()


async def test_on_event_loop_runs_a_live_alert_on_the_event_loop() -> None:
    assert await _thread_of_alert(wrap=True) == threading.get_ident()


def test_a_backtest_clock_keeps_the_callback() -> None:
    def callback(_event: TimeEvent) -> None:
        return None

    assert on_event_loop(TestClock(), callback) is callback
