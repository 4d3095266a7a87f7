"""Clock callbacks of our strategies and actors run on the live node's event loop.

A live node (NautilusTrader 1.231.0) delivers quotes, bars and order events to ``on_*``
handlers on its asyncio event loop, but its ``LiveClock`` calls the callback of a time alert
or timer on a thread of its own (the Rust runtime's; Python names it ``Dummy-N``). A callback
that reads the handlers' state (latest quotes, open trades, the state store) would then race
them. :func:`on_event_loop` hands such a callback to the loop instead, so it runs between two
handlers, never during one. In a backtest (``TestClock``) callbacks already run in the
engine's own sequence and are left as they are.
"""

import asyncio
import contextlib
from collections.abc import Callable

from nautilus_trader.common.component import Clock, LiveClock, TimeEvent

TimeCallback = Callable[[TimeEvent], object]


def on_event_loop(clock: Clock, callback: TimeCallback) -> TimeCallback:
    """Return `callback` made to run on the running event loop when `clock` is live.

    Parameters
    ----------
    clock : Clock
        The component's clock; a ``TestClock`` (backtest) returns `callback` itself.
    callback : Callable[[TimeEvent], object]
        The time alert's or timer's callback.

    Returns
    -------
    Callable[[TimeEvent], object]
        A callback that schedules `callback` with ``loop.call_soon_threadsafe`` on the loop
        that was running when this was called (dropped once that loop is closed).

    Raises
    ------
    RuntimeError
        If `clock` is live and no event loop is running in the calling thread.

    """
    if not isinstance(clock, LiveClock):
        return callback
    loop = asyncio.get_running_loop()

    def schedule(event: TimeEvent) -> None:
        with contextlib.suppress(RuntimeError):  # the loop was closed: the node is gone
            loop.call_soon_threadsafe(callback, event)

    return schedule
