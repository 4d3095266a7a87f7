"""Async Alpha Vantage HTTP client: rate limit, retries with backoff, vendor-error checks."""

import asyncio
import logging
import os
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import httpx

from adapters.alphavantage.constants import (
    API_KEY_PARAM,
    CSV_ONLY_FUNCTIONS,
    DEFAULT_BASE_URL,
    ENV_BASE_URL,
    QUERY_PATH,
)
from adapters.alphavantage.errors import (
    AlphaVantageConfigError,
    AlphaVantageEntitlementError,
    AlphaVantageError,
    AlphaVantageQuotaError,
    AlphaVantageRequestError,
    AlphaVantageRetriesExhaustedError,
    AlphaVantageThrottleError,
    AlphaVantageTransientError,
    should_retry,
)
from adapters.alphavantage.http.credentials import ApiKeyTransport, resolve_api_key
from adapters.alphavantage.http.rate_limit import RateLimiter
from adapters.alphavantage.http.retry import RetryPolicy
from adapters.alphavantage.http.vendor_errors import check_body, redact

_log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

_REFUSALS = (AlphaVantageRequestError, AlphaVantageEntitlementError, AlphaVantageQuotaError)
_HTTP_TOO_MANY_REQUESTS = 429
_HTTP_SERVER_ERROR = 500
_HTTP_CLIENT_ERROR = 400


class AlphaVantageUnreachableError(AlphaVantageConfigError):
    """The server could not be connected to (DNS lookup failed, connection refused).

    Raised after ``RetryPolicy.max_connect_retries`` retries. A configuration error (the
    network or ``ALPHAVANTAGE_BASE_URL`` must be fixed), so an ingest stops at the first one.
    """


@dataclass(slots=True)
class RequestStats:
    """Counters of what the client did (for the ingest summary and live health logs).

    Parameters
    ----------
    requests : int
        HTTP requests sent (retries included).
    succeeded : int
        Calls that returned data.
    retries : int
        Retries after a throttle or transient failure.
    throttled : int
        Throttle replies (HTTP 429 or throttle bodies).
    refused : int
        Calls that ended in a non-retryable vendor refusal (bad request, entitlement, quota).
    failed : int
        Calls that ended in an error of any kind (refusals included).

    """

    requests: int = 0
    succeeded: int = 0
    retries: int = 0
    throttled: int = 0
    refused: int = 0
    failed: int = 0


def resolve_base_url(base_url: str | None = None) -> str:
    """Return `base_url`, else ``ALPHAVANTAGE_BASE_URL``, else the vendor's URL (no slash)."""
    return (base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL).rstrip("/")


def describe_request(function: str, params: Mapping[str, str]) -> str:
    """Return a log-safe description of a call, e.g. ``HISTORICAL_OPTIONS symbol=SPY``."""
    shown = " ".join(f"{k}={v}" for k, v in params.items() if k != API_KEY_PARAM)
    return f"{function} {shown}".strip()


class AlphaVantageHttpClient:
    """Send Alpha Vantage queries within the plan's rate, retrying what may pass.

    Parameters
    ----------
    api_key : str, optional
        The API key; if ``None`` it is read from ``ALPHAVANTAGE_API_KEY``.
    base_url : str, optional
        The server root; if ``None`` it is read from ``ALPHAVANTAGE_BASE_URL``, else
        ``https://www.alphavantage.co``.
    rate_limiter : RateLimiter, optional
        The request budget; defaults to 75 requests per minute (the smallest premium plan).
    retry_policy : RetryPolicy, optional
        The backoff schedule; defaults to ``RetryPolicy()``.
    timeout_s : float, default 30.0
        The per-request timeout in seconds.
    transport : httpx.AsyncBaseTransport, optional
        The transport to send through (``httpx.MockTransport`` in tests).
    sleep : Callable[[float], Awaitable[None]], default asyncio.sleep
        Awaitable sleep used for backoff; inject a fake in tests.
    rng : random.Random, optional
        The jitter source.

    Raises
    ------
    AlphaVantageConfigError
        If no API key is available.

    Notes
    -----
    The key is added to each request by :class:`ApiKeyTransport` on a private copy, so no
    log line, request description or exception raised here contains it.

    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        rate_limiter: RateLimiter | None = None,
        retry_policy: RetryPolicy | None = None,
        timeout_s: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._key = resolve_api_key(api_key)
        self.base_url = resolve_base_url(base_url)
        self.rate_limiter = rate_limiter or RateLimiter(75, sleep=sleep)
        self.retry_policy = retry_policy or RetryPolicy()
        self.stats = RequestStats()
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 (jitter, not cryptography)
        inner = transport or httpx.AsyncHTTPTransport()
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            transport=ApiKeyTransport(inner, self._key),
            timeout=timeout_s,
            follow_redirects=False,
        )

    async def close(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> "AlphaVantageHttpClient":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def query(
        self, function: str, params: Mapping[str, str] | None = None, *, csv: bool = False
    ) -> bytes:
        """Call `function` with `params` and return the body of a reply that carries data.

        Parameters
        ----------
        function : str
            The vendor ``function``, e.g. ``HISTORICAL_OPTIONS``.
        params : Mapping[str, str], optional
            The other query parameters (never ``apikey``).
        csv : bool, default False
            Ask for ``datatype=csv``; always on for CSV-only functions.

        Returns
        -------
        bytes
            The raw JSON or CSV body.

        Raises
        ------
        AlphaVantageRequestError
            A bad request (``Error Message``, HTTP 4xx other than 429, invalid key).
        AlphaVantageEntitlementError
            A premium-endpoint refusal (including sample rows).
        AlphaVantageQuotaError
            The daily cap (client-side or vendor's) is reached.
        AlphaVantageRetriesExhaustedError
            Throttling or transient failures outlasted the retry policy.
        AlphaVantageUnreachableError
            The server could not be connected to (DNS, refused) in
            ``1 + retry_policy.max_connect_retries`` attempts, each retry logged as a warning.
        AlphaVantageParseError
            A CSV reply that is JSON without a vendor message.

        """
        query = dict(params or {})
        if API_KEY_PARAM in query:
            raise AlphaVantageRequestError("the API key was passed as a parameter; use api_key")
        csv = csv or function in CSV_ONLY_FUNCTIONS
        if csv:
            query["datatype"] = "csv"
        description = describe_request(function, query)
        query = {"function": function, **query}
        return await self._query_with_retries(query, function, csv, description)

    async def _query_with_retries(
        self, query: dict[str, str], function: str, csv: bool, description: str
    ) -> bytes:
        attempt = 0
        connect_failures = 0
        while True:
            try:
                body = await self._attempt(query, function, csv)
            except _ConnectFailedError as exc:
                if connect_failures >= self.retry_policy.max_connect_retries:
                    self.stats.failed += 1
                    raise AlphaVantageUnreachableError(
                        f"cannot reach Alpha Vantage at {self.base_url} ({exc}) after "
                        f"{connect_failures + 1} attempts; check the network connection "
                        f"or {ENV_BASE_URL}"
                    ) from None
                delay = self.retry_policy.delay_s(connect_failures, self._rng)
                connect_failures += 1
                _log.warning(
                    "Alpha Vantage: cannot connect to %s (%s); retry %d/%d in %.1f s",
                    self.base_url,
                    exc,
                    connect_failures,
                    self.retry_policy.max_connect_retries,
                    delay,
                )
                self.stats.retries += 1
                await self._sleep(delay)
            except AlphaVantageError as exc:
                if not should_retry(exc):
                    self.stats.failed += 1
                    if isinstance(exc, _REFUSALS):
                        self.stats.refused += 1
                    _log.warning("Alpha Vantage %s failed: %s", description, exc)
                    raise
                if isinstance(exc, AlphaVantageThrottleError):
                    self.stats.throttled += 1
                if attempt >= self.retry_policy.max_retries:
                    self.stats.failed += 1
                    raise AlphaVantageRetriesExhaustedError(
                        f"{description} failed after {attempt + 1} attempts: {exc}",
                        attempts=attempt + 1,
                        last_error=exc,
                    ) from None
                delay = self.retry_policy.delay_s(attempt, self._rng, _retry_after_s(exc))
                _log.info(
                    "Alpha Vantage %s: %s; retry %d/%d in %.1f s",
                    description,
                    exc,
                    attempt + 1,
                    self.retry_policy.max_retries,
                    delay,
                )
                self.stats.retries += 1
                attempt += 1
                await self._sleep(delay)
            else:
                self.stats.succeeded += 1
                _log.debug("Alpha Vantage %s: %d bytes", description, len(body))
                return body

    async def _attempt(self, query: dict[str, str], function: str, csv: bool) -> bytes:
        await self.rate_limiter.acquire()
        self.stats.requests += 1
        secret = self._key.reveal()
        try:
            response = await self._http.get(QUERY_PATH, params=query)
        except httpx.TimeoutException as exc:
            raise AlphaVantageTransientError(
                f"{function} timed out ({type(exc).__name__})"
            ) from None
        except httpx.ConnectError as exc:
            raise _ConnectFailedError(redact(str(exc), secret)) from None
        except httpx.TransportError as exc:
            raise AlphaVantageTransientError(
                f"{function} transport failed: {type(exc).__name__}: {redact(str(exc), secret)}"
            ) from None
        status = response.status_code
        if status == _HTTP_TOO_MANY_REQUESTS:
            raise AlphaVantageThrottleError(
                f"{function} was throttled (HTTP 429)", _parse_retry_after(response)
            )
        if status >= _HTTP_SERVER_ERROR:
            raise AlphaVantageTransientError(f"{function} failed with HTTP {status}")
        if status >= _HTTP_CLIENT_ERROR or status != httpx.codes.OK:
            raise AlphaVantageRequestError(f"{function} failed with HTTP {status}")
        body = response.content
        check_body(body, function, csv=csv, secret=secret)
        return body


class _ConnectFailedError(Exception):
    """One attempt could not connect; carries the redacted reason."""


def _retry_after_s(error: AlphaVantageError) -> float:
    return error.retry_after_s if isinstance(error, AlphaVantageThrottleError) else 0.0


def _parse_retry_after(response: httpx.Response) -> float:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return 0.0
