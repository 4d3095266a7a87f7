"""Async HTTP transport for the Tradier REST API; knows nothing of Nautilus.

Sends ``Authorization: Bearer`` and ``Accept: application/json``, form-encodes bodies, keeps one
rate limiter per endpoint group (fed by the ``X-Ratelimit-*`` headers), turns every vendor error
body into a typed :mod:`adapters.tradier.errors` exception, and retries GETs only. POST, PUT and
DELETE are sent once: an order request whose outcome is unknown is resolved by the execution
client (by looking the order up by its tag), never by sending it again blindly.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Final

import httpx

from adapters.tradier.constants import RATE_LIMIT_WINDOW_SECS, EndpointGroup
from adapters.tradier.errors import (
    TradierAuthError,
    TradierError,
    TradierParseError,
    TradierRateLimitError,
    TradierRequestError,
    TradierServerError,
    TradierTransportError,
    should_retry,
)
from adapters.tradier.schemas import ErrorEnvelope, decode, error_messages

_log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
_QUOTA_RESET = re.compile(r"(\d{10,13})\s*$")
_MAX_THROTTLE_SECS: Final[float] = 65.0
_ORDERS_PATH = re.compile(r"^/v1/accounts/[^/]+/orders(/|$)")


def endpoint_group(method: str, path: str) -> EndpointGroup:
    """Return the rate-limit group of a request (``api-tradier.md`` A3).

    Parameters
    ----------
    method : str
        The HTTP method.
    path : str
        The request path, e.g. ``/v1/markets/quotes``.

    Returns
    -------
    EndpointGroup
        ``TRADING`` for order POST/PUT/DELETE, ``MARKET_DATA`` for ``/v1/markets``, else
        ``STANDARD``.

    """
    if method.upper() != "GET" and _ORDERS_PATH.match(path):
        return EndpointGroup.TRADING
    if path.startswith("/v1/markets"):
        return EndpointGroup.MARKET_DATA
    return EndpointGroup.STANDARD


def epoch_to_seconds(value: str | float) -> float:
    """Return an epoch value as UNIX seconds, reading 13-digit values as milliseconds.

    ``X-Ratelimit-Expiry`` is documented in milliseconds; a value of at most ten digits is
    taken as seconds (conflict C1 in ``api-tradier.md``).

    Raises
    ------
    ValueError
        If `value` is not a number.

    """
    number = float(value)
    return number / 1000.0 if abs(number) >= 1e11 else number


class RateLimiter:
    """A fixed one-minute window limiter for one endpoint group.

    The window starts with the first request after the previous one expired, as Tradier counts
    (A3). Response headers correct the local state: ``X-Ratelimit-Allowed`` sets the quota,
    ``X-Ratelimit-Used`` the count, ``X-Ratelimit-Available: 0`` blocks until
    ``X-Ratelimit-Expiry``; a 429 blocks until the reset it names.

    Parameters
    ----------
    limit : int
        Requests allowed per window.
    window_secs : float, default 60
        The window length.
    monotonic : Callable[[], float], optional
        The monotonic clock (injectable for tests).
    wall : Callable[[], float], optional
        The UNIX-seconds wall clock, to turn vendor reset times into waits.
    sleep : Callable[[float], Awaitable[None]], optional
        The sleep coroutine (injectable for tests).

    """

    def __init__(
        self,
        limit: int,
        window_secs: float = RATE_LIMIT_WINDOW_SECS,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if limit <= 0:
            raise ValueError(f"rate limit was not positive: {limit}")
        self._limit = limit
        self._window_secs = window_secs
        self._monotonic = monotonic
        self._wall = wall
        self._sleep = sleep
        self._used = 0
        self._window_end = 0.0
        self._blocked_until = 0.0
        self._lock = asyncio.Lock()

    @property
    def used(self) -> int:
        """Requests counted in the current window."""
        return self._used

    async def acquire(self) -> None:
        """Wait until a request may be sent, then count it."""
        async with self._lock:
            while True:
                now = self._monotonic()
                if self._blocked_until > now:
                    await self._sleep(self._blocked_until - now)
                    continue
                if self._window_end <= now:
                    self._window_end = now + self._window_secs
                    self._used = 0
                if self._used < self._limit:
                    self._used += 1
                    return
                await self._sleep(self._window_end - now)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Align the window with the vendor's ``X-Ratelimit-*`` response headers."""
        reset = self._reset_from(headers.get("x-ratelimit-expiry"))
        allowed = _int_header(headers.get("x-ratelimit-allowed"))
        used = _int_header(headers.get("x-ratelimit-used"))
        available = _int_header(headers.get("x-ratelimit-available"))
        if allowed is not None and allowed > 0:
            self._limit = allowed  # the vendor's quota for this token wins over the table
        if reset is not None:
            self._window_end = reset
        if used is not None:
            self._used = max(self._used, used)
        if available is not None and available <= 0:
            self._blocked_until = max(self._blocked_until, reset or self._window_end)

    def block(self, reset_at: float | None) -> None:
        """Block until UNIX time `reset_at` (or the end of the window when unknown)."""
        reset = self._reset_from(reset_at) if reset_at is not None else None
        now = self._monotonic()
        self._blocked_until = max(
            self._blocked_until,
            reset if reset is not None else max(self._window_end, now + 1.0),
        )

    def _reset_from(self, value: str | float | None) -> float | None:
        if value is None:
            return None
        try:
            seconds = epoch_to_seconds(value)
        except ValueError:
            return None
        wait = min(max(seconds - self._wall(), 0.0), _MAX_THROTTLE_SECS)
        return self._monotonic() + wait


def _int_header(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def raise_for_response(status: int, body: bytes, headers: Mapping[str, str]) -> None:
    """Raise the typed error a Tradier response stands for, or return if it carries data.

    Parameters
    ----------
    status : int
        The HTTP status.
    body : bytes
        The response body.
    headers : Mapping[str, str]
        The response headers (lower-case keys), for rate-limit resets.

    Raises
    ------
    TradierAuthError
        HTTP 401/403, or a fault that is not a quota violation.
    TradierRateLimitError
        HTTP 429 or a ``Quota Violation`` fault.
    TradierServerError
        HTTP 5xx, or 404 (transient on GETs per A13).
    TradierRequestError
        Other HTTP 4xx, or an ``errors`` body (also with HTTP 200).
    TradierParseError
        An XML body (the ``Accept`` header was not honoured).

    """
    envelope = ErrorEnvelope()
    if b'"errors"' in body or b'"fault"' in body:
        try:
            envelope = decode(ErrorEnvelope, body)
        except TradierParseError:
            envelope = ErrorEnvelope()
    messages = error_messages(envelope.errors)
    fault = envelope.fault.faultstring if envelope.fault is not None else ""
    expiry = headers.get("x-ratelimit-expiry") or headers.get("retry-after")

    if status == 429 or fault.lower().startswith("quota violation"):
        match = _QUOTA_RESET.search(fault)
        reset_at = _reset_epoch(match.group(1) if match else expiry)
        raise TradierRateLimitError(f"rate limit exceeded: {fault or status}", status, reset_at)
    if status in (401, 403) or fault:
        raise TradierAuthError(f"authorization refused: {fault or '; '.join(messages)}", status)
    if status >= 500 or status == 404:
        detail = "; ".join(messages) or body[:200].decode("utf-8", "replace")
        raise TradierServerError(f"HTTP {status}: {detail}", status)
    if status >= 400 or messages:
        detail = "; ".join(messages) or body[:200].decode("utf-8", "replace")
        raise TradierRequestError(f"request refused (HTTP {status}): {detail}", status, messages)
    if body.lstrip()[:1] == b"<":
        raise TradierParseError("response was XML: the Accept header was not honoured", status)


def _reset_epoch(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    if number < 1e9:  # Retry-After: seconds from now
        return time.time() + number
    return epoch_to_seconds(number)


class TradierHttpClient:
    """The Tradier REST client: bearer auth, JSON accept, form bodies, limits and retries.

    Parameters
    ----------
    access_token : str
        The bearer token (``TRADIER_ACCESS_TOKEN``); never logged nor shown in ``repr``.
    base_url : str
        The REST host, e.g. ``https://sandbox.tradier.com``.
    rate_limits : Mapping[EndpointGroup, int]
        Requests per minute for each endpoint group.
    transport : httpx.AsyncBaseTransport, optional
        The transport (``httpx.MockTransport`` in tests); the default opens real connections.
    timeout_secs : float, default 10
        Per-request timeout.
    max_retries : int, default 3
        Extra attempts for a GET after a rate limit, server error or transport failure.
    retry_delay_secs : float, default 0.5
        Base of the exponential backoff (with jitter) between GET attempts.
    sleep : Callable[[float], Awaitable[None]], optional
        The sleep coroutine (injectable for tests).
    monotonic : Callable[[], float], optional
        The monotonic clock the limiters count with (injectable with `sleep`).

    """

    def __init__(
        self,
        access_token: str,
        base_url: str,
        rate_limits: Mapping[EndpointGroup, int],
        transport: httpx.AsyncBaseTransport | None = None,
        timeout_secs: float = 10.0,
        max_retries: int = 3,
        retry_delay_secs: float = 0.5,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not access_token:
            raise ValueError("Tradier access token was empty (set TRADIER_ACCESS_TOKEN)")
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers={
                "Authorization": f"Bearer {access_token}",
                "Accept": "application/json",
            },
            transport=transport,
            timeout=timeout_secs,
        )
        self._limiters = {
            group: RateLimiter(rate_limits[group], monotonic=monotonic, sleep=sleep)
            for group in EndpointGroup
        }
        self._max_retries = max_retries
        self._retry_delay_secs = retry_delay_secs
        self._sleep = sleep
        self.base_url = base_url

    def __repr__(self) -> str:
        return f"TradierHttpClient(base_url={self.base_url!r})"

    def limiter(self, group: EndpointGroup) -> RateLimiter:
        """Return the rate limiter of an endpoint group."""
        return self._limiters[group]

    async def get(self, path: str, params: Mapping[str, str] | None = None) -> bytes:
        """Send a GET (retried on rate limits, 5xx, 404 and transport failures).

        Raises
        ------
        TradierError
            The typed failure after the last attempt.

        """
        return await self._request("GET", path, params=params)

    async def post(self, path: str, data: Mapping[str, str] | None = None) -> bytes:
        """Send a form-encoded POST once (never retried).

        Raises
        ------
        TradierError
            The typed failure; a :class:`TradierTransportError` means the outcome is unknown.

        """
        return await self._request("POST", path, data=data)

    async def put(self, path: str, data: Mapping[str, str]) -> bytes:
        """Send a form-encoded PUT once (never retried)."""
        return await self._request("PUT", path, data=data)

    async def delete(self, path: str) -> bytes:
        """Send a DELETE once (never retried)."""
        return await self._request("DELETE", path)

    async def close(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def _request(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
    ) -> bytes:
        group = endpoint_group(method, path)
        limiter = self._limiters[group]
        attempts = 1 + (self._max_retries if method == "GET" else 0)
        for attempt in range(attempts):
            await limiter.acquire()
            try:
                response = await self._client.request(
                    method,
                    path,
                    params=params,
                    # An empty form still needs Content-Length: 0 (session creation, A11.1).
                    data=data if data is not None else ({} if method == "POST" else None),
                )
                limiter.observe(response.headers)
                raise_for_response(response.status_code, response.content, response.headers)
                return response.content
            except httpx.TimeoutException:
                error: TradierError = TradierTransportError(f"{method} {path} timed out")
            except httpx.TransportError as exc:
                error = TradierTransportError(f"{method} {path} failed: {type(exc).__name__}")
            except TradierRateLimitError as exc:
                limiter.block(exc.reset_at)
                error = exc
            except TradierError as exc:
                error = exc
            if attempt + 1 >= attempts or not should_retry(error):
                raise error
            delay = self._retry_delay_secs * 2**attempt * (1 + random.random())  # noqa: S311
            _log.warning(
                "Tradier %s %s failed (%s); retry %d/%d in %.2fs",
                method,
                path,
                error.message,
                attempt + 1,
                self._max_retries,
                delay,
            )
            await self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover
