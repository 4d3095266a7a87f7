"""A server that cannot be connected to (no network, DNS failure) is retried twice, each retry
logged, then stops the ingest with one line and exit 1."""

import functools
import logging
from pathlib import Path

import httpx
import pytest

from adapters.alphavantage.http import AlphaVantageHttpClient, RateLimiter, RetryPolicy
from adapters.alphavantage.http.client import AlphaVantageUnreachableError
from tests.unit.adapters.alphavantage.fakes import TEST_KEY, FakeClock, json_response
from tradefly.cli import main

DNS_FAILURE = "[Errno -2] Name or service not known"
OK_QUOTE = '{"Global Quote": {"01. symbol": "IBM", "05. price": "135.5"}}'


def _no_network(
    seen: list[httpx.Request], successes_after: int | None = None
) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if successes_after is not None and len(seen) > successes_after:
            return json_response(OK_QUOTE)
        raise httpx.ConnectError(DNS_FAILURE, request=request)

    return httpx.MockTransport(handler)


def _client(transport: httpx.MockTransport, clock: FakeClock) -> AlphaVantageHttpClient:
    return AlphaVantageHttpClient(
        api_key=TEST_KEY,
        base_url="https://av.test",
        rate_limiter=RateLimiter(600, clock=clock, sleep=clock.sleep),
        transport=transport,
        sleep=clock.sleep,
    )


async def test_connect_failures_are_retried_twice_with_a_warning_each(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[httpx.Request] = []
    clock = FakeClock()
    client = _client(_no_network(seen), clock)
    with pytest.raises(AlphaVantageUnreachableError) as raised:
        await client.query("GLOBAL_QUOTE", {"symbol": "IBM"})
    assert str(raised.value) == (
        f"cannot reach Alpha Vantage at https://av.test ({DNS_FAILURE}) after 3 attempts; "
        "check the network connection or ALPHAVANTAGE_BASE_URL"
    )
    assert len(seen) == 3 and len(clock.sleeps) == 2
    assert RetryPolicy().max_connect_retries == 2
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert [w.split(";")[1].split(" in ")[0] for w in warnings] == [" retry 1/2", " retry 2/2"]
    assert all(w.startswith("Alpha Vantage: cannot connect to https://av.test") for w in warnings)
    assert TEST_KEY not in caplog.text and TEST_KEY not in str(raised.value)


async def test_a_connection_that_comes_back_within_the_retries_answers() -> None:
    seen: list[httpx.Request] = []
    client = _client(_no_network(seen, successes_after=2), FakeClock())
    assert await client.query("GLOBAL_QUOTE", {"symbol": "IBM"}) == OK_QUOTE.encode()
    assert len(seen) == 3


def test_ingest_without_network_stops_at_the_first_call_with_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seen: list[httpx.Request] = []
    clock = FakeClock()
    monkeypatch.setenv("ALPHAVANTAGE_API_KEY", TEST_KEY)
    monkeypatch.setenv("ALPHAVANTAGE_BASE_URL", "https://av.test")
    monkeypatch.setattr(
        "adapters.alphavantage.http.client.AlphaVantageHttpClient",
        functools.partial(AlphaVantageHttpClient, transport=_no_network(seen), sleep=clock.sleep),
    )
    argv = ["ingest", "alphavantage", "--symbols", "SPY", "--start", "2021-06-01"]
    argv += ["--end", "2021-06-04", "--catalog", str(tmp_path / "catalog"), "--no-progress"]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert "Plan: 5 calls" in out
    assert len(seen) == 3  # the first call's three attempts; the other four are not tried
    stopped = [line for line in out.splitlines() if "cannot reach" in line]
    assert stopped == [
        f"  stopped early: cannot reach Alpha Vantage at https://av.test ({DNS_FAILURE}) after "
        "3 attempts; check the network connection or ALPHAVANTAGE_BASE_URL; run the same "
        "command to resume"
    ]
    assert "Traceback" not in out
