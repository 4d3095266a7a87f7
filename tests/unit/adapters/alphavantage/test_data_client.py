"""The live data client with a Nautilus ``TestClock`` and an injected HTTP transport."""

import asyncio
import csv
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from nautilus_trader.cache.cache import Cache
from nautilus_trader.common.component import MessageBus, TestClock
from nautilus_trader.config import InstrumentProviderConfig
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.data.engine import DataEngine
from nautilus_trader.data.messages import (
    DataResponse,
    RequestBars,
    RequestInstrument,
    RequestInstruments,
    RequestQuoteTicks,
    SubscribeData,
    SubscribeOptionGreeks,
    SubscribeQuoteTicks,
    SubscribeTradeTicks,
    UnsubscribeQuoteTicks,
)
from nautilus_trader.model.data import (
    BarType,
    CustomData,
    DataType,
    OptionGreeks,
    QuoteTick,
    TradeTick,
)
from nautilus_trader.model.identifiers import ClientId, InstrumentId, TraderId
from nautilus_trader.model.instruments import Equity, OptionContract

from adapters.alphavantage.config import AlphaVantageDataClientConfig
from adapters.alphavantage.data import AlphaVantageDataClient
from adapters.alphavantage.data_types import NewsSentiment
from adapters.alphavantage.factories import AlphaVantageLiveDataClientFactory
from adapters.alphavantage.history import window_of
from adapters.alphavantage.http import AlphaVantageHttpClient, RateLimiter, RetryPolicy
from adapters.alphavantage.parsing.values import close_ns
from adapters.alphavantage.polling import PollIntervals, fit_intervals, seconds_until_open
from adapters.alphavantage.providers import AlphaVantageInstrumentProvider
from options.instruments import VENUE, make_equity
from options.market_calendar import NEW_YORK, session_of_ns
from tests.conftest import shared_data_path
from tests.unit.adapters.alphavantage.fakes import TEST_KEY, FakeClock, json_response
from tests.unit.adapters.alphavantage.test_http_client import PREMIUM_ENDPOINT

FIXTURES = Path(__file__).parent / "fixtures"
CLIENT_ID = ClientId("ALPHAVANTAGE")
OPTION = InstrumentId.from_str("SPY210618C00410000.US")
OPEN_NS = pd.Timestamp("2021-06-04 15:00", tz="UTC").value  # 11:00 New York, a Friday
SATURDAY_NS = pd.Timestamp("2021-06-05 15:00", tz="UTC").value


class Vendor:
    """A MockTransport handler answering per function; counts calls."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.replies: dict[str, bytes] = {
            "HISTORICAL_OPTIONS": (
                FIXTURES / "documented_layout_historical_options_SPY_2021-06-04.json"
            ).read_bytes(),
            "REALTIME_OPTIONS": (
                FIXTURES / "documented_layout_realtime_options_SPY.json"
            ).read_bytes(),
            "GLOBAL_QUOTE": shared_data_path(
                "alpha_vantage/romeltorres_alpha_vantage/global_quote.json"
            ).read_bytes(),
            "NEWS_SENTIMENT": shared_data_path(
                "alpha_vantage/xrgarcia_alphavantage_api_client/mock_news_an_sentiment.json"
            ).read_bytes(),
        }

        self.options_by_date: dict[str, bytes] = {}
        self.params: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        function = request.url.params["function"]
        self.calls.append(function)
        self.params.append(dict(request.url.params))
        date = request.url.params.get("date", "")
        if function == "HISTORICAL_OPTIONS" and date in self.options_by_date:
            return json_response(self.options_by_date[date])
        return json_response(self.replies[function])


class Harness:
    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sleep: Any = None,
        config: AlphaVantageDataClientConfig | None = None,
        engine_endpoints: bool = True,
    ) -> None:
        self.clock = TestClock()
        self.clock.set_time(OPEN_NS)
        self.msgbus = MessageBus(trader_id=TraderId("TESTER-001"), clock=self.clock)
        self.cache = Cache()
        self.published: list[Any] = []
        self.responses: list[DataResponse] = []
        if engine_endpoints:
            self.msgbus.register(endpoint="DataEngine.process", handler=self.published.append)
            self.msgbus.register(endpoint="DataEngine.response", handler=self.responses.append)
        self.vendor = Vendor()
        fake = FakeClock()
        self.http = AlphaVantageHttpClient(
            api_key=TEST_KEY,
            base_url="https://av.test",
            rate_limiter=RateLimiter(600, clock=fake, sleep=fake.sleep),
            retry_policy=RetryPolicy(max_retries=0),
            transport=httpx.MockTransport(self.vendor),
            sleep=fake.sleep,
        )
        self.provider = AlphaVantageInstrumentProvider(
            self.http, ("SPY",), InstrumentProviderConfig(load_all=True)
        )
        self.client = AlphaVantageDataClient(
            loop=loop,
            client=self.http,
            msgbus=self.msgbus,
            cache=self.cache,
            clock=self.clock,
            instrument_provider=self.provider,
            config=config or AlphaVantageDataClientConfig(underlyings=("SPY",)),
            sleep=sleep or asyncio.sleep,
        )

    def of_type(self, cls: type) -> list[Any]:
        return [m for m in self.published if isinstance(m, cls)]

    def command(self, cls: type, instrument_id: InstrumentId) -> Any:
        return cls(
            instrument_id=instrument_id,
            client_id=CLIENT_ID,
            venue=None,
            command_id=UUID4(),
            ts_init=self.clock.timestamp_ns(),
        )


@pytest.fixture
async def harness() -> Any:
    h = Harness(asyncio.get_running_loop())
    yield h
    await h.client._disconnect()
    await h.http.close()


async def test_connect_loads_underlying_and_chain(harness: Harness) -> None:
    await harness.client._connect()
    assert harness.vendor.calls == ["HISTORICAL_OPTIONS"]
    assert len(harness.of_type(OptionContract)) == 12
    assert [e.id.value for e in harness.of_type(Equity)] == ["SPY.US"]


async def test_option_quotes_and_greeks_for_subscribed_contracts(harness: Harness) -> None:
    await harness.client._subscribe_quote_ticks(harness.command(SubscribeQuoteTicks, OPTION))
    await harness.client._subscribe_option_greeks(harness.command(SubscribeOptionGreeks, OPTION))
    assert ("options", "SPY") in harness.client._loops
    published = await harness.client.poll_options("SPY")
    assert published == 2
    (quote,) = harness.of_type(QuoteTick)
    (greeks,) = harness.of_type(OptionGreeks)
    assert quote.instrument_id == greeks.instrument_id == OPTION
    assert quote.ts_event == quote.ts_init == OPEN_NS
    assert len(harness.of_type(OptionContract)) == 12  # new definitions published once
    await harness.client._unsubscribe_quote_ticks(harness.command(UnsubscribeQuoteTicks, OPTION))
    assert ("options", "SPY") in harness.client._loops  # greeks still subscribed


async def test_underlying_price_as_trade_tick(harness: Harness) -> None:
    msft = InstrumentId.from_str("MSFT.US")
    await harness.client._subscribe_trade_ticks(harness.command(SubscribeTradeTicks, msft))
    assert await harness.client.poll_quote("MSFT") == 1
    (tick,) = harness.of_type(TradeTick)
    assert tick.instrument_id == msft and tick.price.as_double() == 112.13
    assert tick.ts_init == OPEN_NS


async def test_news_published_once_per_article_and_ticker(harness: Harness) -> None:
    wfc = InstrumentId.from_str("WFC.US")
    command = SubscribeData(
        data_type=DataType(NewsSentiment),
        instrument_id=wfc,
        client_id=CLIENT_ID,
        venue=None,
        command_id=UUID4(),
        ts_init=harness.clock.timestamp_ns(),
    )
    await harness.client._subscribe(command)
    first = await harness.client.poll_news("WFC")
    assert first > 0
    records = [m.data for m in harness.of_type(CustomData)]
    assert all(isinstance(r, NewsSentiment) and r.instrument_id == wfc for r in records)
    assert all(r.ts_init >= r.ts_event for r in records)
    assert await harness.client.poll_news("WFC") == 0


async def test_poll_loop_waits_for_the_open_outside_market_hours() -> None:
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        raise asyncio.CancelledError

    h = Harness(asyncio.get_running_loop(), sleep=sleep)
    h.clock.set_time(SATURDAY_NS)
    with pytest.raises(asyncio.CancelledError):
        await h.client._poll_loop("options", "SPY")
    assert h.vendor.calls == []
    monday_open = pd.Timestamp("2021-06-07 13:30", tz="UTC").value
    assert sleeps == [min(3600.0, (monday_open - SATURDAY_NS) / 1e9)]
    await h.http.close()


async def test_entitlement_refusal_stops_that_loop() -> None:
    h = Harness(asyncio.get_running_loop())
    h.vendor.replies["REALTIME_OPTIONS"] = PREMIUM_ENDPOINT.encode()
    await h.client._poll_loop("options", "SPY")  # returns instead of polling for ever
    assert h.vendor.calls == ["REALTIME_OPTIONS"]
    await h.http.close()


def test_intervals_stretch_to_fit_the_quota() -> None:
    wanted = PollIntervals(options_secs=10.0, quotes_secs=60.0, news_secs=600.0)
    assert fit_intervals(wanted, (1, 1, 1), 75, 0.8) == wanted
    fitted = fit_intervals(wanted, (20, 20, 20), 75, 0.8)  # 142 rpm wanted, 60 allowed
    assert fitted.requests_per_minute(20, 20, 20) == pytest.approx(60.0)
    assert fitted.options_secs / fitted.news_secs == pytest.approx(10.0 / 600.0)


def test_seconds_until_open() -> None:
    assert seconds_until_open(OPEN_NS) == 0.0
    before = pd.Timestamp("2021-06-04 13:00", tz="UTC").value  # 09:00 New York
    assert seconds_until_open(before) == 1800.0


async def test_factory_builds_client_sharing_http_and_provider(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ALPHAVANTAGE_API_KEY", TEST_KEY)
    clock = TestClock()
    msgbus = MessageBus(trader_id=TraderId("TESTER-001"), clock=clock)
    config = AlphaVantageDataClientConfig(underlyings=("SPY",), requests_per_minute=600)
    loop = asyncio.get_running_loop()
    first = AlphaVantageLiveDataClientFactory.create(
        loop, "ALPHAVANTAGE", config, msgbus, Cache(), clock
    )
    second = AlphaVantageLiveDataClientFactory.create(
        loop, "ALPHAVANTAGE-B", config, msgbus, Cache(), clock
    )
    assert isinstance(first, AlphaVantageDataClient)
    assert first._http is second._http
    assert first._instrument_provider is second._instrument_provider
    assert str(second.id) == "ALPHAVANTAGE-B"
    assert TEST_KEY not in repr(AlphaVantageDataClientConfig(api_key=TEST_KEY))
    assert dt.date(2021, 6, 4).weekday() == 4


# -- requests ---------------------------------------------------------------------------------

UTC = dt.UTC
SPY = InstrumentId.from_str("SPY.US")
SPY_DAILY = BarType.from_str("SPY.US-1-DAY-LAST-EXTERNAL")
IBM_5MIN = BarType.from_str("IBM.US-5-MINUTE-LAST-EXTERNAL")
_DAILY_KEYS = (
    ("1. open", "open"),
    ("2. high", "high"),
    ("3. low", "low"),
    ("4. close", "close"),
    ("5. adjusted close", "adjusted_close"),
    ("6. volume", "volume"),
    ("7. dividend amount", "dividend_amount"),
    ("8. split coefficient", "split_coefficient"),
)


def daily_adjusted_json(ticker: str) -> bytes:
    """The real TIME_SERIES_DAILY_ADJUSTED CSV download of `ticker` in the JSON layout."""
    path = shared_data_path(f"alpha_vantage/csv/daily_adjusted_{ticker}.csv")
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    series = {row["timestamp"]: {key: row[column] for key, column in _DAILY_KEYS} for row in rows}
    meta = {
        "1. Information": "Daily Time Series with Splits and Dividend Events",
        "2. Symbol": ticker,
        "3. Last Refreshed": rows[0]["timestamp"],
        "4. Output Size": "Full size",
        "5. Time Zone": "US/Eastern",
    }
    return json.dumps({"Meta Data": meta, "Time Series (Daily)": series}).encode()


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def request_bars(
    h: Harness, bar_type: BarType, start: dt.datetime, end: dt.datetime, limit: int = 0
) -> RequestBars:
    return RequestBars(
        bar_type, start, end, limit, CLIENT_ID, None, None, UUID4(), h.clock.timestamp_ns(), {}
    )


def request_quotes(
    h: Harness, instrument_id: InstrumentId, start: dt.datetime, end: dt.datetime, limit: int = 0
) -> RequestQuoteTicks:
    return RequestQuoteTicks(
        instrument_id, start, end, limit, CLIENT_ID, None, None, UUID4(), h.clock.timestamp_ns(), {}
    )


def answer(h: Harness, request: Any) -> list[Any]:
    (response,) = [r for r in h.responses if r.correlation_id == request.id]
    return list(response.data)


async def test_request_instrument_equity_and_option_without_a_call(harness: Harness) -> None:
    for instrument_id, cls in ((SPY, Equity), (OPTION, OptionContract)):
        request = RequestInstrument(
            instrument_id, None, None, CLIENT_ID, None, None, UUID4(), 0, {"x": 1}
        )
        await harness.client._request_instrument(request)
        (instrument,) = answer(harness, request)
        assert isinstance(instrument, cls) and instrument.id == instrument_id
    assert harness.responses[-1].params["x"] == 1
    assert harness.vendor.calls == []


async def test_request_instrument_off_venue_answers_empty(harness: Harness) -> None:
    request = RequestInstrument(
        InstrumentId.from_str("SPY.XNAS"), None, None, CLIENT_ID, None, None, UUID4(), 0, {}
    )
    await harness.client._request_instrument(request)
    assert answer(harness, request) == []


async def test_request_instruments_of_an_underlying_session(harness: Harness) -> None:
    params = {"underlying": "spy", "session": "2021-06-04"}
    request = RequestInstruments(None, None, CLIENT_ID, VENUE, None, UUID4(), 0, params)
    await harness.client._request_instruments(request)
    instruments = answer(harness, request)
    assert instruments[0] == make_equity("SPY")
    assert len([i for i in instruments if isinstance(i, OptionContract)]) == 12
    assert harness.vendor.params[0]["date"] == "2021-06-04"


async def test_request_instruments_default_is_the_providers(harness: Harness) -> None:
    request = RequestInstruments(None, None, CLIENT_ID, VENUE, None, UUID4(), 0, {})
    await harness.client._request_instruments(request)
    assert len(answer(harness, request)) == 13  # SPY and its chain of the previous session
    assert harness.vendor.calls == ["HISTORICAL_OPTIONS"]


async def test_request_instruments_vendor_refusal_answers_empty(harness: Harness) -> None:
    harness.vendor.replies["HISTORICAL_OPTIONS"] = PREMIUM_ENDPOINT.encode()
    params = {"underlying": "SPY"}
    request = RequestInstruments(None, None, CLIENT_ID, VENUE, None, UUID4(), 0, params)
    await harness.client._request_instruments(request)
    assert answer(harness, request) == []


async def test_request_daily_bars_clipped_to_the_window(harness: Harness) -> None:
    harness.vendor.replies["TIME_SERIES_DAILY_ADJUSTED"] = daily_adjusted_json("SPY")
    # 2020-03-16..20: the close is 20:00 UTC (EDT); 20 March is an ex-dividend date
    request = request_bars(harness, SPY_DAILY, at("2020-03-16 00:00"), at("2020-03-20 20:00"))
    await harness.client._request_bars(request)
    bars = answer(harness, request)
    assert [b.close.as_double() for b in bars] == [239.85, 252.8, 240.0, 240.51, 228.8]  # raw
    assert all(b.bar_type == SPY_DAILY for b in bars)
    assert [b.ts_event for b in bars] == [
        close_ns(dt.date(2020, 3, day)) for day in (16, 17, 18, 19, 20)
    ]
    assert all(b.ts_init == b.ts_event for b in bars)
    assert harness.vendor.params[0]["outputsize"] == "full"  # older than the last 100 sessions


async def test_request_daily_bars_end_before_the_close_and_limit(harness: Harness) -> None:
    harness.vendor.replies["TIME_SERIES_DAILY_ADJUSTED"] = daily_adjusted_json("SPY")
    mid_session = at("2020-03-20 15:00")  # the 20 March bar is not closed yet
    request = request_bars(harness, SPY_DAILY, at("2020-03-01 00:00"), mid_session, limit=2)
    await harness.client._request_bars(request)
    bars = answer(harness, request)
    assert [session_of_ns(b.ts_event) for b in bars] == [dt.date(2020, 3, 18), dt.date(2020, 3, 19)]


async def test_request_daily_bars_recent_window_asks_for_compact(harness: Harness) -> None:
    harness.vendor.replies["TIME_SERIES_DAILY_ADJUSTED"] = daily_adjusted_json("SPY")
    harness.clock.set_time(pd.Timestamp("2020-11-27 15:00", tz="UTC").value)
    request = request_bars(harness, SPY_DAILY, at("2020-11-16 00:00"), at("2020-12-31 00:00"))
    await harness.client._request_bars(request)
    assert len(answer(harness, request)) == 8  # 16..25 November (the file's last session)
    assert harness.vendor.params[0]["outputsize"] == "compact"


async def test_request_intraday_bars_per_month(harness: Harness) -> None:
    body = shared_data_path(
        "alpha_vantage/xrgarcia_alphavantage_api_client/mock_stock_price_full.json"
    ).read_bytes()
    harness.vendor.replies["TIME_SERIES_INTRADAY"] = body
    harness.clock.set_time(pd.Timestamp("2022-06-10 12:00", tz="UTC").value)
    start, end = at("2022-06-01 13:30"), at("2022-06-02 20:00")  # 09:30 and 16:00 New York
    request = request_bars(harness, IBM_5MIN, start, end)
    await harness.client._request_bars(request)
    bars = answer(harness, request)
    labels = pd.to_datetime(list(json.loads(body)["Time Series (5min)"])).tz_localize(NEW_YORK)
    assert len(bars) == sum(start <= label <= end for label in labels) > 100
    assert all(b.bar_type == IBM_5MIN for b in bars)
    assert [b.ts_event for b in bars] == sorted(b.ts_event for b in bars)
    (params,) = harness.vendor.params
    assert params["month"] == "2022-06" and params["interval"] == "5min"
    assert params["adjusted"] == "false" and params["outputsize"] == "full"


async def test_request_intraday_bars_across_months_once_each_with_limit(harness: Harness) -> None:
    harness.vendor.replies["TIME_SERIES_INTRADAY"] = shared_data_path(
        "alpha_vantage/xrgarcia_alphavantage_api_client/mock_stock_price_full.json"
    ).read_bytes()
    harness.clock.set_time(pd.Timestamp("2022-06-10 12:00", tz="UTC").value)
    request = request_bars(harness, IBM_5MIN, at("2022-05-20 00:00"), at("2022-06-09 00:00"))
    await harness.client._request_bars(request)
    bars = answer(harness, request)
    assert [p["month"] for p in harness.vendor.params] == ["2022-06", "2022-05"]
    assert len({b.ts_event for b in bars}) == len(bars)  # the same reply twice, no duplicates
    limited = request_bars(harness, IBM_5MIN, at("2022-05-20 00:00"), at("2022-06-09 00:00"), 10)
    await harness.client._request_bars(limited)
    assert answer(harness, limited) == bars[-10:]
    assert len(harness.vendor.params) == 3  # the June month alone held 10 bars


@pytest.mark.parametrize(
    "bar_type",
    [
        "SPY.US-1-DAY-MID-EXTERNAL",
        "SPY.US-1-DAY-LAST-INTERNAL",
        "SPY.US-2-MINUTE-LAST-EXTERNAL",
        "SPY.XNAS-1-DAY-LAST-EXTERNAL",
        "SPY210618C00410000.US-1-DAY-LAST-EXTERNAL",
    ],
)
async def test_request_unsupported_bars_answers_empty(harness: Harness, bar_type: str) -> None:
    request = request_bars(harness, BarType.from_str(bar_type), at("2021-01-01"), at("2021-06-01"))
    await harness.client._request_bars(request)
    assert answer(harness, request) == []
    assert harness.vendor.calls == []


@pytest.mark.parametrize("reply", [PREMIUM_ENDPOINT, '{"Meta Data": {}}'])
async def test_request_bars_vendor_error_answers_empty(harness: Harness, reply: str) -> None:
    harness.vendor.replies["TIME_SERIES_DAILY_ADJUSTED"] = reply.encode()
    request = request_bars(harness, SPY_DAILY, at("2021-05-01 00:00"), at("2021-06-01 00:00"))
    await harness.client._request_bars(request)
    assert answer(harness, request) == []
    assert harness.vendor.calls == ["TIME_SERIES_DAILY_ADJUSTED"]


def options_by_date(h: Harness) -> None:
    for day in ("01", "02", "04"):
        name = f"documented_layout_historical_options_SPY_2021-06-{day}.json"
        h.vendor.options_by_date[f"2021-06-{day}"] = (FIXTURES / name).read_bytes()
    # for 3 June the vendor answers another session's chain: its rows are rejected
    h.vendor.options_by_date["2021-06-03"] = h.vendor.options_by_date["2021-06-04"]
    h.clock.set_time(pd.Timestamp("2021-06-07 12:00", tz="UTC").value)


async def test_request_option_quotes_one_call_per_session(harness: Harness) -> None:
    options_by_date(harness)
    request = request_quotes(harness, OPTION, at("2021-05-31 00:00"), at("2021-06-05 00:00"))
    await harness.client._request_quote_ticks(request)
    quotes = answer(harness, request)
    days = [dt.date(2021, 6, day) for day in (1, 2, 4)]
    assert [q.ts_event for q in quotes] == [close_ns(day) for day in days]
    assert all(q.ts_init == q.ts_event and q.instrument_id == OPTION for q in quotes)
    assert [q.bid_price.as_double() for q in quotes] == [11.31, 11.72, 13.41]
    assert [q.ask_price.as_double() for q in quotes] == [11.42, 11.84, 13.54]
    # 31 May was Memorial Day: four sessions, newest first
    assert [p["date"] for p in harness.vendor.params] == [
        "2021-06-04",
        "2021-06-03",
        "2021-06-02",
        "2021-06-01",
    ]
    assert {p["symbol"] for p in harness.vendor.params} == {"SPY"}


async def test_request_option_quotes_capped_and_limited() -> None:
    config = AlphaVantageDataClientConfig(underlyings=("SPY",), max_history_sessions=2)
    h = Harness(asyncio.get_running_loop(), config=config)
    options_by_date(h)
    request = request_quotes(h, OPTION, at("2021-06-01 00:00"), at("2021-06-05 00:00"))
    await h.client._request_quote_ticks(request)
    assert [q.bid_price.as_double() for q in answer(h, request)] == [13.41]
    assert [p["date"] for p in h.vendor.params] == ["2021-06-04", "2021-06-03"]
    limited = request_quotes(h, OPTION, at("2021-06-01 00:00"), at("2021-06-03 00:00"), limit=1)
    await h.client._request_quote_ticks(limited)
    assert [q.bid_price.as_double() for q in answer(h, limited)] == [11.72]
    assert [p["date"] for p in h.vendor.params][2:] == ["2021-06-02"]
    await h.http.close()


async def test_request_option_quotes_refusal_answers_empty_and_stops(harness: Harness) -> None:
    harness.vendor.replies["HISTORICAL_OPTIONS"] = PREMIUM_ENDPOINT.encode()
    harness.clock.set_time(pd.Timestamp("2021-06-07 12:00", tz="UTC").value)
    request = request_quotes(harness, OPTION, at("2021-06-01 00:00"), at("2021-06-05 00:00"))
    await harness.client._request_quote_ticks(request)
    assert answer(harness, request) == []
    assert harness.vendor.calls == ["HISTORICAL_OPTIONS"]  # no call after the refusal
    window = window_of(at("2021-06-01 00:00"), None, 0, harness.clock.timestamp_ns())
    history = await harness.client._history.option_quotes(OPTION, "SPY", window)
    assert history.items == [] and len(history.warnings) == 1
    assert "premium" in history.warnings[0] and TEST_KEY not in history.warnings[0]


async def test_request_quotes_of_an_equity_answers_empty(harness: Harness) -> None:
    request = request_quotes(harness, SPY, at("2021-06-01 00:00"), at("2021-06-04 00:00"))
    await harness.client._request_quote_ticks(request)
    assert answer(harness, request) == []
    assert harness.vendor.calls == []


class EngineHarness:
    """The client behind a real DataEngine; requests go in through the message bus."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.h = Harness(loop, engine_endpoints=False)
        self.engine = DataEngine(msgbus=self.h.msgbus, cache=self.h.cache, clock=self.h.clock)
        self.engine.register_client(self.h.client)
        self.engine.start()

    async def send(self, make: Callable[..., Any]) -> DataResponse:
        answered: asyncio.Future[DataResponse] = asyncio.get_running_loop().create_future()
        request = make(answered.set_result)
        self.h.msgbus.request(endpoint="DataEngine.request", request=request)
        response = await asyncio.wait_for(answered, timeout=5)
        assert response.correlation_id == request.id
        return response

    async def close(self) -> None:
        self.engine.stop()
        await self.h.http.close()


async def test_request_bars_through_the_data_engine() -> None:
    """A request sent to a live DataEngine is answered, and the bars reach the cache."""
    e = EngineHarness(asyncio.get_running_loop())
    e.h.vendor.replies["TIME_SERIES_DAILY_ADJUSTED"] = daily_adjusted_json("SPY")
    start, end = at("2020-03-16 00:00"), at("2020-03-20 20:00")
    await e.send(
        lambda cb: RequestBars(SPY_DAILY, start, end, 0, CLIENT_ID, None, cb, UUID4(), 0, {})
    )
    closes = [b.close.as_double() for b in reversed(e.h.cache.bars(SPY_DAILY))]
    assert closes == [239.85, 252.8, 240.0, 240.51, 228.8]
    await e.close()


async def test_request_instrument_through_the_data_engine() -> None:
    """The instrument reaches the cache; an unknown one is still answered (with nothing)."""
    e = EngineHarness(asyncio.get_running_loop())
    for instrument_id in (OPTION, InstrumentId.from_str("SPY.XNAS")):
        await e.send(
            lambda cb, i=instrument_id: RequestInstrument(
                i, None, None, CLIENT_ID, None, cb, UUID4(), 0, {}
            )
        )
    assert isinstance(e.h.cache.instrument(OPTION), OptionContract)
    assert e.h.cache.instrument(InstrumentId.from_str("SPY.XNAS")) is None
    await e.close()
