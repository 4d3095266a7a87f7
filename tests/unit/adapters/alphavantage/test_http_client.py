"""Fault tests of the HTTP client through ``httpx.MockTransport``: retries, refusals, secrecy."""

import logging
from collections.abc import Callable

import httpx
import pytest

from adapters.alphavantage.errors import (
    AlphaVantageConfigError,
    AlphaVantageEntitlementError,
    AlphaVantageError,
    AlphaVantageParseError,
    AlphaVantageQuotaError,
    AlphaVantageRequestError,
    AlphaVantageRetriesExhaustedError,
    AlphaVantageSampleDataError,
    AlphaVantageThrottleError,
    AlphaVantageTransientError,
)
from adapters.alphavantage.http import AlphaVantageHttpClient, RateLimiter, RetryPolicy
from tests.unit.adapters.alphavantage.fakes import TEST_KEY, FakeClock, json_response

OK_QUOTE = '{"Global Quote": {"01. symbol": "IBM", "05. price": "135.5"}}'
ERROR_MESSAGE = (
    '{"Error Message": "Invalid API call. Please retry or visit the documentation '
    '(https://www.alphavantage.co/documentation/) for TIME_SERIES_DAILY."}'
)
INVALID_KEY = (
    '{"Error Message": "the parameter apikey is invalid or missing. Please claim your free '
    'API key on (https://www.alphavantage.co/support/#api-key)."}'
)
DAILY_CAP = (
    '{"Information": "Thank you for using Alpha Vantage! Our standard API rate limit is 25 '
    "requests per day. Please subscribe to any of the premium plans at "
    'https://www.alphavantage.co/premium/ to instantly remove all daily rate limits."}'
)
DAILY_CAP_WITH_KEY = (
    '{"Information": "We have detected your API key as ' + TEST_KEY + " and our standard API "
    "rate limit is 25 requests per day. Please subscribe to any of the premium plans at "
    'https://www.alphavantage.co/premium/ to instantly remove all daily rate limits."}'
)
LEGACY_NOTE = (
    '{"Note": "Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls '
    "per minute and 500 calls per day. Please visit https://www.alphavantage.co/premium/ if "
    'you would like to target a higher API call frequency."}'
)
BURST = (
    '{"Information": "Thank you for using Alpha Vantage! Please consider spreading out your '
    "free API requests more sparingly (1 request per second). You may subscribe to any of the "
    "premium plans at https://www.alphavantage.co/premium/ to lift the free key rate limit (25 "
    'requests per day) and instantly unlock all premium endpoints"}'
)
PREMIUM_BURST = (
    '{"Information": "Thank you for using Alpha Vantage! Your premium plan allows 75 requests '
    'per minute; please lower your call frequency."}'
)
PREMIUM_ENDPOINT = (
    '{"Information": "Thank you for using Alpha Vantage! This is a premium endpoint. You may '
    "subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to instantly "
    'unlock all premium endpoints"}'
)
DEMO_KEY = (
    '{"Information": "The **demo** API key is for demo purposes only. Please claim your free '
    'API key at (https://www.alphavantage.co/support/#api-key) to explore our full API offerings."}'
)
SAMPLE_ROWS = (
    '{"endpoint": "Realtime Options", "message": "This is a premium endpoint. Sample data '
    'follows.", "data": [{"contractID": "XXYYZZ20991231C00001000", "symbol": "XXYYZZ", '
    '"expiration": "2099-99-99", "strike": "10.00", "type": "call"}]}'
)
SAMPLE_ROWS_SUCCESS = (
    '{"endpoint": "Realtime Options", "message": "success", "data": [{"contractID": '
    '"XXYYZZ20991231C00001000", "expiration": "2099-99-99"}]}'
)

Handler = Callable[[httpx.Request], httpx.Response]


def make_client(
    handler: Handler, clock: FakeClock, *, retries: int = 3, rpm: int = 600
) -> AlphaVantageHttpClient:
    return AlphaVantageHttpClient(
        api_key=TEST_KEY,
        base_url="https://av.test",
        rate_limiter=RateLimiter(rpm, clock=clock, sleep=clock.sleep),
        retry_policy=RetryPolicy(max_retries=retries, base_delay_s=1.0, max_delay_s=8.0),
        transport=httpx.MockTransport(handler),
        sleep=clock.sleep,
    )


def sequence(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item

    return handler, seen


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def _debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)


def assert_no_key(caplog: pytest.LogCaptureFixture, *errors: BaseException) -> None:
    for record in caplog.records:
        assert TEST_KEY not in record.getMessage()
    for error in errors:
        assert TEST_KEY not in str(error)
        assert TEST_KEY not in repr(error)
        assert error.__cause__ is None or TEST_KEY not in str(error.__cause__)


async def test_success_sends_key_and_returns_body(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    handler, seen = sequence(json_response(OK_QUOTE))
    client = make_client(handler, clock)
    body = await client.query("GLOBAL_QUOTE", {"symbol": "IBM"})
    assert body == OK_QUOTE.encode()
    assert seen[0].url.params["apikey"] == TEST_KEY
    assert seen[0].url.params["function"] == "GLOBAL_QUOTE"
    assert seen[0].url.path == "/query"
    assert client.stats.requests == 1
    assert client.stats.succeeded == 1
    assert_no_key(caplog)
    await client.close()


@pytest.mark.parametrize("body", [LEGACY_NOTE, BURST, PREMIUM_BURST], ids=["note", "burst", "plan"])
async def test_throttle_bodies_are_retried_with_backoff(
    body: str, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    handler, seen = sequence(json_response(body), json_response(body), json_response(OK_QUOTE))
    client = make_client(handler, clock)
    assert await client.query("GLOBAL_QUOTE", {"symbol": "IBM"}) == OK_QUOTE.encode()
    assert len(seen) == 3
    assert client.stats.retries == 2
    assert client.stats.throttled == 2
    assert 0.5 <= clock.sleeps[0] <= 1.0
    assert 1.0 <= clock.sleeps[1] <= 2.0
    assert_no_key(caplog)


async def test_persistent_throttle_exhausts_retries(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    handler, seen = sequence(json_response(LEGACY_NOTE))
    client = make_client(handler, clock, retries=3)
    with pytest.raises(AlphaVantageRetriesExhaustedError) as info:
        await client.query("GLOBAL_QUOTE", {"symbol": "IBM"})
    assert len(seen) == 4
    assert info.value.attempts == 4
    assert isinstance(info.value.last_error, AlphaVantageThrottleError)
    assert "GLOBAL_QUOTE symbol=IBM" in str(info.value)
    assert client.stats.failed == 1
    assert_no_key(caplog, info.value)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (ERROR_MESSAGE, AlphaVantageRequestError),
        (INVALID_KEY, AlphaVantageRequestError),
        (DEMO_KEY, AlphaVantageRequestError),
        (PREMIUM_ENDPOINT, AlphaVantageEntitlementError),
        (DAILY_CAP, AlphaVantageQuotaError),
        (DAILY_CAP_WITH_KEY, AlphaVantageQuotaError),
        ('{"Information": "Something new happened."}', AlphaVantageRequestError),
    ],
    ids=["error-message", "invalid-key", "demo", "premium", "daily-cap", "daily-cap-key", "other"],
)
async def test_refusals_raise_typed_errors_without_retry(
    body: str, error: type[AlphaVantageError], clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    handler, seen = sequence(json_response(body))
    client = make_client(handler, clock)
    with pytest.raises(error) as info:
        await client.query("TIME_SERIES_DAILY", {"symbol": "IBM"})
    assert len(seen) == 1
    assert clock.sleeps == []
    assert client.stats.refused == 1
    assert_no_key(caplog, info.value)


@pytest.mark.parametrize("body", [SAMPLE_ROWS, SAMPLE_ROWS_SUCCESS], ids=["premium", "success"])
async def test_options_sample_rows_are_refused(body: str, clock: FakeClock) -> None:
    handler, seen = sequence(json_response(body))
    client = make_client(handler, clock)
    with pytest.raises(AlphaVantageEntitlementError) as info:
        await client.query("REALTIME_OPTIONS", {"symbol": "IBM"})
    assert len(seen) == 1
    if body == SAMPLE_ROWS_SUCCESS:
        assert isinstance(info.value, AlphaVantageSampleDataError)


async def test_options_message_other_than_success_is_refused(clock: FakeClock) -> None:
    body = '{"endpoint": "Historical Options", "message": "invalid symbol", "data": []}'
    handler, _ = sequence(json_response(body))
    with pytest.raises(AlphaVantageRequestError, match="invalid symbol"):
        await make_client(handler, clock).query("HISTORICAL_OPTIONS", {"symbol": "ZZZZ"})


@pytest.mark.parametrize(
    "first",
    [
        httpx.Response(429, headers={"Retry-After": "7"}),
        httpx.Response(503),
        httpx.Response(500),
        json_response(b'{"Meta Data": {"1. Information": "Daily"'),
        json_response(b"{}"),
        json_response(b"[]"),
        json_response(b""),
        httpx.ReadTimeout("read timed out"),
        httpx.ConnectError("connection refused"),
        httpx.RemoteProtocolError("peer closed connection without sending complete body"),
    ],
    ids=[
        "429",
        "503",
        "500",
        "truncated",
        "empty-object",
        "array",
        "empty",
        "timeout",
        "connect",
        "cut",
    ],
)
async def test_transient_failures_are_retried(
    first: httpx.Response | Exception, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    handler, seen = sequence(first, json_response(OK_QUOTE))
    client = make_client(handler, clock)
    assert await client.query("GLOBAL_QUOTE", {"symbol": "IBM"}) == OK_QUOTE.encode()
    assert len(seen) == 2
    if isinstance(first, httpx.Response) and first.status_code == 429:
        assert clock.sleeps[0] >= 7.0
    assert_no_key(caplog)


async def test_timeouts_exhaust_retries_with_clear_error(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    handler, seen = sequence(httpx.ReadTimeout("timed out"))
    client = make_client(handler, clock, retries=2)
    with pytest.raises(AlphaVantageRetriesExhaustedError, match="timed out") as info:
        await client.query("HISTORICAL_OPTIONS", {"symbol": "SPY", "date": "2021-06-01"})
    assert len(seen) == 3
    assert isinstance(info.value.last_error, AlphaVantageTransientError)
    assert_no_key(caplog, info.value)


async def test_http_404_is_a_request_error(clock: FakeClock) -> None:
    handler, seen = sequence(httpx.Response(404))
    with pytest.raises(AlphaVantageRequestError, match="HTTP 404"):
        await make_client(handler, clock).query("GLOBAL_QUOTE", {"symbol": "IBM"})
    assert len(seen) == 1


async def test_empty_overview_is_data(clock: FakeClock) -> None:
    handler, seen = sequence(json_response(b"{}"))
    assert await make_client(handler, clock).query("OVERVIEW", {"symbol": "SPY"}) == b"{}"
    assert len(seen) == 1


async def test_csv_reply_that_is_json_is_detected(clock: FakeClock) -> None:
    handler, seen = sequence(
        json_response(LEGACY_NOTE),
        httpx.Response(200, content=b"symbol,name,reportDate\nIBM,IBM,2026-01-28\n"),
    )
    client = make_client(handler, clock)
    body = await client.query("EARNINGS_CALENDAR", {"symbol": "IBM"})
    assert body.startswith(b"symbol,")
    assert seen[0].url.params["datatype"] == "csv"
    assert len(seen) == 2

    handler, _ = sequence(json_response(ERROR_MESSAGE))
    with pytest.raises(AlphaVantageRequestError):
        await make_client(handler, clock).query("LISTING_STATUS")

    handler, _ = sequence(json_response(b'{"unexpected": 1}'))
    with pytest.raises(AlphaVantageParseError, match="CSV reply was JSON"):
        await make_client(handler, clock).query("TIME_SERIES_DAILY", {"symbol": "X"}, csv=True)


async def test_key_is_never_logged_even_by_httpx(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    handler, _ = sequence(json_response(OK_QUOTE))
    client = make_client(handler, clock)
    await client.query("GLOBAL_QUOTE", {"symbol": "IBM"})
    assert any("HTTP Request" in r.getMessage() for r in caplog.records)  # httpx did log
    assert_no_key(caplog)
    assert TEST_KEY not in repr(client.__dict__)


async def test_key_as_parameter_is_refused(clock: FakeClock) -> None:
    handler, seen = sequence(json_response(OK_QUOTE))
    with pytest.raises(AlphaVantageRequestError):
        await make_client(handler, clock).query("GLOBAL_QUOTE", {"apikey": TEST_KEY})
    assert seen == []


def test_key_and_base_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALPHAVANTAGE_API_KEY", TEST_KEY)
    monkeypatch.setenv("ALPHAVANTAGE_BASE_URL", "http://127.0.0.1:9/")
    client = AlphaVantageHttpClient()
    assert client.base_url == "http://127.0.0.1:9"
    monkeypatch.delenv("ALPHAVANTAGE_API_KEY")
    with pytest.raises(AlphaVantageConfigError, match="ALPHAVANTAGE_API_KEY"):
        AlphaVantageHttpClient()


async def test_rate_limiter_spaces_requests_per_minute(clock: FakeClock) -> None:
    handler, seen = sequence(json_response(OK_QUOTE))
    client = make_client(handler, clock, rpm=3)
    for _ in range(4):
        await client.query("GLOBAL_QUOTE", {"symbol": "IBM"})
    assert len(seen) == 4
    assert clock.sleeps == [60.0]


async def test_rate_limiter_daily_cap_raises_quota_error(clock: FakeClock) -> None:
    limiter = RateLimiter(5, daily_limit=2, clock=clock, sleep=clock.sleep)
    await limiter.acquire()
    await limiter.acquire()
    assert limiter.remaining_today() == 0
    with pytest.raises(AlphaVantageQuotaError):
        await limiter.acquire()
    clock.now += 86_400.0
    assert limiter.remaining_today() == 2


def test_invalid_limits_are_config_errors() -> None:
    with pytest.raises(AlphaVantageConfigError, match="was 0"):
        RateLimiter(0)
    with pytest.raises(AlphaVantageConfigError):
        RateLimiter(5, daily_limit=-1)
    with pytest.raises(AlphaVantageConfigError):
        RetryPolicy(max_retries=-1)
