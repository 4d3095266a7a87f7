"""Ingest planning, raw cache, resume journal and the runner's error handling."""

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.alphavantage.http import AlphaVantageHttpClient, RateLimiter, RetryPolicy
from adapters.alphavantage.loaders import (
    AlphaVantageIngest,
    Dataset,
    IngestSettings,
    describe_plan,
    plan_ingest,
)
from adapters.alphavantage.loaders.cache import ResponseCache
from adapters.alphavantage.loaders.journal import IngestJournal
from adapters.alphavantage.loaders.plan import PlannedCall
from tests.unit.adapters.alphavantage.fakes import TEST_KEY, FakeClock, json_response
from tests.unit.adapters.alphavantage.test_http_client import PREMIUM_ENDPOINT

FIXTURES = Path(__file__).parent / "fixtures"
START, END = dt.date(2021, 6, 1), dt.date(2021, 6, 4)


def test_plan_counts_sessions_and_orders_context_first() -> None:
    plan = plan_ingest(["spy", "QQQ"], START, END, set(Dataset))
    counts = plan.count_by_function()
    assert counts["HISTORICAL_OPTIONS"] == 8  # four sessions, two symbols
    assert counts["NEWS_SENTIMENT"] == 2 and counts["EARNINGS"] == 2
    assert counts["TIME_SERIES_DAILY_ADJUSTED"] == 2
    spy = [c.function for c in plan.calls if c.symbol == "SPY"]
    assert spy[0] == "TIME_SERIES_DAILY_ADJUSTED" and spy[1] == "EARNINGS"
    assert spy.index("INCOME_STATEMENT") > spy.index("EARNINGS")
    assert spy[-1] == "HISTORICAL_OPTIONS"
    holiday = plan_ingest(["SPY"], dt.date(2021, 7, 2), dt.date(2021, 7, 6), {Dataset.OPTIONS})
    assert [c.session for c in holiday.calls] == [dt.date(2021, 7, 2), dt.date(2021, 7, 6)]


def test_plan_rejects_bad_ranges() -> None:
    with pytest.raises(ValueError, match="before start"):
        plan_ingest(["SPY"], END, START, {Dataset.OPTIONS})
    with pytest.raises(ValueError):
        plan_ingest([], START, END, {Dataset.OPTIONS})


def test_describe_plan_states_time_and_daily_cap() -> None:
    plan = plan_ingest(["SPY"], dt.date(2021, 1, 4), dt.date(2021, 12, 31), {Dataset.OPTIONS})
    text = describe_plan(plan, cached=2, requests_per_minute=75, daily_limit=25)
    assert "252 calls (252 HISTORICAL_OPTIONS)" in text
    assert "250 to request, at 75 requests/min about 3 min" in text
    assert "daily cap of 25: about 10 days" in text


def test_cache_round_trip_and_growing_replies_keyed_by_end(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    june = plan_ingest(["SPY"], START, END, {Dataset.DAILY}).calls[0]
    july = plan_ingest(["SPY"], START, dt.date(2021, 7, 1), {Dataset.DAILY}).calls[0]
    assert cache.get(june) is None
    cache.put(june, b'{"x": 1}', 123)
    reply = cache.get(june)
    assert reply is not None and (reply.body, reply.fetched_ns) == (b'{"x": 1}', 123)
    assert cache.get(july) is None and cache.path(june) != cache.path(july)
    assert not list(tmp_path.rglob(".*"))  # no temporary files left behind
    cache.discard(june)
    assert cache.get(june) is None


def test_journal_survives_a_cut_line(tmp_path: Path) -> None:
    journal = IngestJournal(tmp_path / "j.jsonl")
    journal.record(["a", "b"])
    with (tmp_path / "j.jsonl").open("a") as file:
        file.write('"c')  # a crash mid-line
    again = IngestJournal(tmp_path / "j.jsonl")
    assert "a" in again and "b" in again and "c" not in again and len(again) == 2


class ListWriter:
    def __init__(self) -> None:
        self.writes: list[list[Any]] = []
        self.table_rows: list[int] = []

    def __call__(self, catalog_dir: Path, data: Sequence[Any], tables: Sequence[Any]) -> Any:
        self.writes.append(list(data))
        self.table_rows.append(sum(len(t.table) for t in tables))

        class Stats:
            rows_written = len(data) + self.table_rows[-1]
            rows_already_present = 0
            instruments_written = 0
            conflicting_rows = 0

        return Stats()


def make_ingest(tmp_path: Path, handler: Any, writer: ListWriter) -> AlphaVantageIngest:
    clock = FakeClock()

    def factory() -> AlphaVantageHttpClient:
        return AlphaVantageHttpClient(
            api_key=TEST_KEY,
            base_url="https://av.test",
            rate_limiter=RateLimiter(600, clock=clock, sleep=clock.sleep),
            retry_policy=RetryPolicy(max_retries=1),
            transport=httpx.MockTransport(handler),
            sleep=clock.sleep,
        )

    settings = IngestSettings(tmp_path / "catalog", tmp_path / "cache", progress=False)
    return AlphaVantageIngest(settings, factory, writer=writer, clock_ns=lambda: 7)


async def test_entitlement_refusal_skips_the_rest_of_that_function(tmp_path: Path) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.params["date"])
        return json_response(PREMIUM_ENDPOINT)

    writer = ListWriter()
    plan = plan_ingest(["SPY"], START, END, {Dataset.OPTIONS})
    summary = await make_ingest(tmp_path, handler, writer).run(plan)
    assert seen == ["2021-06-01"]
    assert summary.failed == 1 and summary.refused == 1 and len(summary.errors) == 4
    assert "premium" in summary.errors[0] and writer.writes == []


async def test_malformed_reply_is_rejected_whole_and_not_cached(tmp_path: Path) -> None:
    good = (FIXTURES / "documented_layout_historical_options_SPY_2021-06-01.json").read_bytes()
    bad = json.dumps({"endpoint": "Historical Options", "message": "success", "data": 5})

    def handler(request: httpx.Request) -> httpx.Response:
        day = request.url.params["date"]
        return json_response(good if day == "2021-06-01" else bad)

    writer = ListWriter()
    plan = plan_ingest(["SPY"], START, dt.date(2021, 6, 2), {Dataset.OPTIONS})
    ingest = make_ingest(tmp_path, handler, writer)
    summary = await ingest.run(plan)
    assert summary.failed == 1 and "did not match its layout" in summary.errors[0]
    assert len(writer.writes) == 1 and len(writer.writes[0]) == 1 + 12  # equity + contracts
    assert writer.table_rows == [12 * 2]  # day 1's quotes and greeks
    assert ingest.cache.get(plan.calls[0]) is not None
    assert ingest.cache.get(plan.calls[1]) is None
    assert TEST_KEY not in summary.format()


def test_planned_call_key_excludes_the_api_key() -> None:
    call = PlannedCall(Dataset.OPTIONS, "SPY", "HISTORICAL_OPTIONS", (("symbol", "SPY"),))
    assert call.key == "HISTORICAL_OPTIONS?symbol=SPY"
