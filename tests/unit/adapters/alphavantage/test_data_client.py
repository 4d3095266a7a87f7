"""The live data client with a Nautilus ``TestClock`` and an injected HTTP transport."""

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from nautilus_trader.cache.cache import Cache
from nautilus_trader.common.component import MessageBus, TestClock
from nautilus_trader.config import InstrumentProviderConfig
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.data.messages import (
    SubscribeData,
    SubscribeOptionGreeks,
    SubscribeQuoteTicks,
    SubscribeTradeTicks,
    UnsubscribeQuoteTicks,
)
from nautilus_trader.model.data import CustomData, DataType, OptionGreeks, QuoteTick, TradeTick
from nautilus_trader.model.identifiers import ClientId, InstrumentId, TraderId
from nautilus_trader.model.instruments import Equity, OptionContract

from adapters.alphavantage.config import AlphaVantageDataClientConfig
from adapters.alphavantage.data import AlphaVantageDataClient
from adapters.alphavantage.data_types import NewsSentiment
from adapters.alphavantage.factories import AlphaVantageLiveDataClientFactory
from adapters.alphavantage.http import AlphaVantageHttpClient, RateLimiter, RetryPolicy
from adapters.alphavantage.polling import PollIntervals, fit_intervals, seconds_until_open
from adapters.alphavantage.providers import AlphaVantageInstrumentProvider
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

    def __call__(self, request: httpx.Request) -> httpx.Response:
        function = request.url.params["function"]
        self.calls.append(function)
        return json_response(self.replies[function])


class Harness:
    def __init__(self, loop: asyncio.AbstractEventLoop, sleep: Any = None) -> None:
        self.clock = TestClock()
        self.clock.set_time(OPEN_NS)
        self.msgbus = MessageBus(trader_id=TraderId("TESTER-001"), clock=self.clock)
        self.cache = Cache()
        self.published: list[Any] = []
        self.msgbus.register(endpoint="DataEngine.process", handler=self.published.append)
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
            config=AlphaVantageDataClientConfig(underlyings=("SPY",)),
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
