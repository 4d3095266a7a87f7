"""The Tradier HTTP client through ``httpx.MockTransport``: auth, limits, retries, errors."""

import logging
import time

import httpx
import pytest

from adapters.tradier.constants import RATE_LIMITS, EndpointGroup, TradierEnvironment
from adapters.tradier.errors import (
    TradierAuthError,
    TradierParseError,
    TradierRateLimitError,
    TradierRequestError,
    TradierServerError,
    TradierTransportError,
    should_retry,
)
from adapters.tradier.http import (
    RateLimiter,
    TradierHttpClient,
    endpoint_group,
    epoch_to_seconds,
    raise_for_response,
)

TOKEN = "secret-token-123"


class Sleeps:
    """A fake sleep that advances its own monotonic clock."""

    def __init__(self) -> None:
        self.calls: list[float] = []
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.now += seconds


def make_client(handler, sleeps: Sleeps | None = None, **kwargs) -> TradierHttpClient:
    sleeps = sleeps or Sleeps()
    return TradierHttpClient(
        TOKEN,
        "https://sandbox.tradier.com",
        RATE_LIMITS[TradierEnvironment.SANDBOX],
        transport=httpx.MockTransport(handler),
        sleep=sleeps,
        monotonic=sleeps.monotonic,
        **kwargs,
    )


async def test_headers_and_form_body() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"order": {"id": 1, "status": "ok"}})

    client = make_client(handler)
    await client.post("/v1/accounts/VA1/orders", {"class": "option", "side[0]": "buy_to_open"})
    await client.post("/v1/markets/events/session")
    request = seen[0]
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["accept"] == "application/json"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.content == b"class=option&side%5B0%5D=buy_to_open"
    assert seen[1].headers["content-length"] == "0"
    assert TOKEN not in repr(client)
    await client.close()


@pytest.mark.parametrize(
    ("method", "path", "group"),
    [
        ("GET", "/v1/markets/quotes", EndpointGroup.MARKET_DATA),
        ("POST", "/v1/markets/quotes", EndpointGroup.MARKET_DATA),
        ("GET", "/v1/accounts/VA1/orders", EndpointGroup.STANDARD),
        ("POST", "/v1/accounts/VA1/orders", EndpointGroup.TRADING),
        ("PUT", "/v1/accounts/VA1/orders/12", EndpointGroup.TRADING),
        ("DELETE", "/v1/accounts/VA1/orders/12", EndpointGroup.TRADING),
        ("GET", "/v1/user/profile", EndpointGroup.STANDARD),
    ],
)
def test_endpoint_group(method: str, path: str, group: EndpointGroup) -> None:
    assert endpoint_group(method, path) is group


def test_epoch_units() -> None:
    assert epoch_to_seconds("1369168800001") == pytest.approx(1369168800.001)
    assert epoch_to_seconds("1369168800") == 1369168800.0


async def test_get_retries_5xx_then_succeeds() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls < 3:
            return httpx.Response(502, text="bad gateway")
        return httpx.Response(200, json={"clock": {"date": "2024-01-02", "state": "open"}})

    sleeps = Sleeps()
    client = make_client(handler, sleeps)
    body = await client.get("/v1/markets/clock")
    assert b"open" in body
    assert calls == 3
    assert len(sleeps.calls) == 2
    assert sleeps.calls[1] > sleeps.calls[0] / 2  # exponential backoff with jitter


async def test_get_gives_up_after_max_retries() -> None:
    client = make_client(lambda request: httpx.Response(503, text="down"), max_retries=2)
    with pytest.raises(TradierServerError, match="HTTP 503"):
        await client.get("/v1/markets/clock")


async def test_post_is_never_retried() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(500, text="oops")

    client = make_client(handler)
    with pytest.raises(TradierServerError):
        await client.post("/v1/accounts/VA1/orders", {"class": "equity"})
    assert calls == 1


async def test_post_timeout_is_a_transport_error_without_retry() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ReadTimeout("slow", request=request)

    client = make_client(handler)
    with pytest.raises(TradierTransportError, match="timed out"):
        await client.post("/v1/accounts/VA1/orders", {"class": "equity"})
    assert calls == 1


async def test_get_timeout_is_retried() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"clock": {"date": "2024-01-02", "state": "open"}})

    client = make_client(handler)
    await client.get("/v1/markets/clock")
    assert calls == 2


async def test_429_blocks_until_reset_then_retries() -> None:
    calls = 0
    reset_ms = int((time.time() + 5) * 1000)

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            return httpx.Response(
                429,
                headers={"X-Ratelimit-Expiry": str(reset_ms), "X-Ratelimit-Available": "0"},
                text="slow down",
            )
        return httpx.Response(200, json={"clock": {"date": "2024-01-02", "state": "open"}})

    sleeps = Sleeps()
    client = make_client(handler, sleeps)
    await client.get("/v1/markets/clock")
    assert calls == 2
    # The limiter waited for the window to reset (about 5 s), not a blind short backoff.
    assert any(3.0 < s <= 6.0 for s in sleeps.calls)


def test_quota_violation_fault_is_a_rate_limit() -> None:
    body = b'{"fault":{"faultstring":"Quota Violation 1369168800001","detail":{}}}'
    with pytest.raises(TradierRateLimitError) as info:
        raise_for_response(400, body, {})
    assert info.value.reset_at == pytest.approx(1369168800.001)
    assert should_retry(info.value)


def test_fault_401_is_auth_error() -> None:
    body = (
        b'{"fault":{"faultstring":"Invalid Access Token",'
        b'"detail":{"errorcode":"keymanagement.service.invalid_access_token"}}}'
    )
    with pytest.raises(TradierAuthError, match="Invalid Access Token") as info:
        raise_for_response(401, body, {})
    assert not should_retry(info.value)


@pytest.mark.parametrize(
    ("body", "messages"),
    [
        (b'{"errors":{"error":"Invalid Parameter: price"}}', ("Invalid Parameter: price",)),
        (b'{"errors":{"error":["a","b"]}}', ("a", "b")),
    ],
)
def test_errors_body_with_http_200_is_refused(body: bytes, messages: tuple[str, ...]) -> None:
    with pytest.raises(TradierRequestError) as info:
        raise_for_response(200, body, {})
    assert info.value.errors == messages
    assert info.value.status == 200


def test_xml_body_is_a_parse_error() -> None:
    with pytest.raises(TradierParseError, match="XML"):
        raise_for_response(200, b"<response><quotes/></response>", {})


def test_order_body_with_nested_errors_passes_through() -> None:
    raise_for_response(200, b'{"order":{"id":1,"status":"rejected","errors":{"error":"x"}}}', {})


async def test_headers_feed_the_limiter() -> None:
    reset_ms = int((time.time() + 30) * 1000)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            headers={
                "X-Ratelimit-Allowed": "120",
                "X-Ratelimit-Used": "119",
                "X-Ratelimit-Available": "0",
                "X-Ratelimit-Expiry": str(reset_ms),
            },
            json={"clock": {"date": "2024-01-02", "state": "open"}},
        )

    sleeps = Sleeps()
    client = make_client(handler, sleeps)
    await client.get("/v1/markets/clock")
    limiter = client.limiter(EndpointGroup.MARKET_DATA)
    assert limiter.used == 119
    assert limiter._limit == 120  # the sandbox table said 60; the vendor's header wins
    await client.get("/v1/markets/clock")
    assert any(25.0 < s <= 31.0 for s in sleeps.calls)


async def test_limiter_waits_for_the_next_window() -> None:
    now = 1000.0
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        nonlocal now
        sleeps.append(seconds)
        now += seconds

    limiter = RateLimiter(2, window_secs=60.0, monotonic=lambda: now, sleep=sleep)
    for _ in range(3):
        await limiter.acquire()
    assert sleeps == [60.0]
    assert limiter.used == 1


async def test_token_is_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(lambda request: httpx.Response(502, text="x"), max_retries=1)
    with pytest.raises(TradierServerError) as info:
        await client.get("/v1/markets/quotes", {"symbols": "SPY"})
    assert TOKEN not in caplog.text
    assert TOKEN not in str(info.value)
