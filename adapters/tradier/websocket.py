"""Tradier streaming WebSockets (market and account events); knows nothing of Nautilus.

A stream creates a session over REST, connects, sends its subscription payload with the
session id, and hands every JSON message to a callback (``api-tradier.md`` A11). On a drop, an
idle period longer than ``idle_timeout_secs`` or a refused connection it reconnects with
exponential backoff and a **fresh** session (a session id is good for about five minutes).
When the vendor refuses to create sessions at all (paper accounts often cannot stream market
data, A12) it gives up after a few attempts and reports the stream unavailable, so the caller
can fall back to polling.

A message the callback cannot handle never ends the stream: the callback's own errors are
expected to be handled inside it; anything that still escapes is counted
(:attr:`TradierStream.handler_errors`), logged once per exception type, and the next message
is read.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from adapters.tradier.errors import TradierAuthError, TradierError, TradierRequestError
from adapters.tradier.schemas import StreamSession
from adapters.vendor_values import RejectionTally

_log = logging.getLogger(__name__)


def market_subscription(
    symbols: list[str], session_id: str, filters: tuple[str, ...] = ("quote", "trade")
) -> dict[str, Any]:
    """Return the market stream payload (resent in full to change the symbols, A11.3)."""
    return {
        "symbols": symbols,
        "sessionid": session_id,
        "filter": list(filters),
        "linebreak": True,
        "validOnly": True,
        "advancedDetails": False,
    }


def account_subscription(session_id: str) -> dict[str, Any]:
    """Return the account stream payload (order events, A11.5)."""
    return {"events": ["order"], "sessionid": session_id, "excludeAccounts": []}


class TradierStream:
    """One streaming connection that keeps itself alive.

    Parameters
    ----------
    name : str
        ``market`` or ``account``, for logs.
    url : str
        The WebSocket URL (``wss://ws.tradier.com/v1/markets/events`` ...).
    create_session : Callable[[], Awaitable[StreamSession]]
        Creates a fresh streaming session over REST.
    subscription : Callable[[str], dict]
        Builds the payload to send for a session id.
    on_message : Callable[[bytes], None]
        Receives each JSON message (one per line when several share a frame).
    idle_timeout_secs : float
        Reconnect when nothing (data or heartbeat) arrives for this long.
    reconnect_delay_secs : float, default 1
        First backoff delay; doubles per failure up to `max_reconnect_delay_secs`.
    max_reconnect_delay_secs : float, default 60
        Backoff ceiling.
    max_session_refusals : int, default 3
        Consecutive session refusals (auth or request errors) after which the stream stops and
        `on_unavailable` is called.
    on_unavailable : Callable[[str], None], optional
        Called with the reason when the stream gives up.
    on_connected : Callable[[], None], optional
        Called after each (re)connection and subscription, e.g. to re-poll missed state.

    """

    def __init__(
        self,
        name: str,
        url: str,
        create_session: Callable[[], Awaitable[StreamSession]],
        subscription: Callable[[str], dict[str, Any]],
        on_message: Callable[[bytes], None],
        idle_timeout_secs: float,
        reconnect_delay_secs: float = 1.0,
        max_reconnect_delay_secs: float = 60.0,
        max_session_refusals: int = 3,
        on_unavailable: Callable[[str], None] | None = None,
        on_connected: Callable[[], None] | None = None,
    ) -> None:
        self.name = name
        self._url = url
        self._create_session = create_session
        self._subscription = subscription
        self._on_message = on_message
        self._idle_timeout_secs = idle_timeout_secs
        self._reconnect_delay_secs = reconnect_delay_secs
        self._max_reconnect_delay_secs = max_reconnect_delay_secs
        self._max_session_refusals = max_session_refusals
        self._on_unavailable = on_unavailable
        self._on_connected = on_connected
        self._ws: ClientConnection | None = None
        self._session_id: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._handler_errors = RejectionTally(_log.error, f"Tradier {name} stream handler")
        self.connections = 0

    @property
    def handler_errors(self) -> dict[str, int]:
        """Messages whose callback raised, per exception type (the stream carried on)."""
        return self._handler_errors.counts

    @property
    def is_connected(self) -> bool:
        """Whether a subscribed connection is open now."""
        return self._ws is not None and self._session_id is not None

    @property
    def is_running(self) -> bool:
        """Whether the stream task is alive (connected or reconnecting)."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the connection task (idempotent)."""
        if not self.is_running:
            self._task = asyncio.get_running_loop().create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Close the connection and stop reconnecting."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def resubscribe(self) -> None:
        """Send the subscription payload again on the open connection (new symbol list)."""
        ws, session_id = self._ws, self._session_id
        if ws is None or session_id is None:
            return  # the next connection sends the current payload
        try:
            await ws.send(msgspec.json.encode(self._subscription(session_id)).decode())
        except WebSocketException as exc:
            _log.warning("Tradier %s stream resubscribe failed: %s", self.name, exc)

    async def _run(self) -> None:
        delay = self._reconnect_delay_secs
        refusals = 0
        while True:
            try:
                session = await self._create_session()
            except (TradierAuthError, TradierRequestError) as exc:
                refusals += 1
                _log.warning("Tradier %s session refused (%d): %s", self.name, refusals, exc)
                if refusals >= self._max_session_refusals:
                    if self._on_unavailable is not None:
                        self._on_unavailable(exc.message)
                    return
                delay = await self._backoff(delay)
                continue
            except TradierError as exc:
                _log.warning("Tradier %s session failed: %s", self.name, exc)
                delay = await self._backoff(delay)
                continue
            refusals = 0
            if await self._connect(session):
                delay = self._reconnect_delay_secs
            delay = await self._backoff(delay)

    async def _connect(self, session: StreamSession) -> bool:
        """Run one connection; return whether any message arrived on it."""
        received = False
        try:
            async with connect(self._url, open_timeout=10, max_size=2**22) as ws:
                await ws.send(msgspec.json.encode(self._subscription(session.sessionid)).decode())
                self._ws, self._session_id = ws, session.sessionid
                self.connections += 1
                if self._on_connected is not None:
                    self._on_connected()
                while True:
                    frame = await asyncio.wait_for(ws.recv(decode=False), self._idle_timeout_secs)
                    received = True
                    for line in frame.split(b"\n"):
                        if line.strip():
                            self._dispatch(line)
        except TimeoutError:
            _log.warning(
                "Tradier %s stream idle for %ss; reconnecting", self.name, self._idle_timeout_secs
            )
        except (WebSocketException, OSError) as exc:
            _log.warning("Tradier %s stream dropped: %s", self.name, exc)
        finally:
            self._ws, self._session_id = None, None
        return received

    def _dispatch(self, line: bytes) -> None:
        try:
            self._on_message(line)
        except Exception as exc:
            self._handler_errors.record(type(exc).__name__, f"{exc!r:.200}")

    async def _backoff(self, delay: float) -> float:
        await asyncio.sleep(delay * (1 + 0.25 * random.random()))  # noqa: S311
        return min(delay * 2, self._max_reconnect_delay_secs)
