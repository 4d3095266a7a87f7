"""The instrument provider over documented-layout responses through ``httpx.MockTransport``."""

from pathlib import Path

import httpx
import pytest
from nautilus_trader.common.component import TestClock
from nautilus_trader.config import InstrumentProviderConfig
from nautilus_trader.model.identifiers import InstrumentId, new_generic_spread_id
from nautilus_trader.model.instruments import (
    Equity,
    IndexInstrument,
    OptionContract,
    OptionSpread,
)

from adapters.tradier.api import TradierMarketApi
from adapters.tradier.constants import RATE_LIMITS, TradierEnvironment
from adapters.tradier.http import TradierHttpClient
from adapters.tradier.providers import TradierInstrumentProvider, build_option_spread

FIXTURES = Path(__file__).parent / "fixtures"
NOW_NS = 1_704_300_000_000_000_000  # 2024-01-03T16:40:00Z


def fixture(name: str) -> bytes:
    return (FIXTURES / f"documented_layout_{name}.json").read_bytes()


def provider_for(routes: dict[str, str], config: InstrumentProviderConfig | None = None):
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, content=fixture(routes[request.url.path]))

    http = TradierHttpClient(
        "t",
        "https://sandbox.tradier.com",
        RATE_LIMITS[TradierEnvironment.SANDBOX],
        transport=httpx.MockTransport(handler),
    )
    clock = TestClock()
    clock.set_time(NOW_NS)
    return TradierInstrumentProvider(TradierMarketApi(http), clock, config), requests


async def test_load_ids_validates_symbols_in_one_call_and_builds_spreads() -> None:
    provider, requests = provider_for({"/v1/markets/quotes": "quotes"})
    short = InstrumentId.from_str("SPY240119P00470000.US")
    spread_id = new_generic_spread_id(
        [(short, -1), (InstrumentId.from_str("SPY240119P00460000.US"), 1)]
    )
    # SPY240119P00460000 is not in the quotes fixture: the spread cannot be built
    await provider.load_ids_async([InstrumentId.from_str("SPY.US"), short, spread_id])
    assert len(requests) == 1
    assert isinstance(provider.find(InstrumentId.from_str("SPY.US")), Equity)
    option = provider.find(short)
    assert isinstance(option, OptionContract)
    assert option.underlying == "SPY"
    assert provider.find(spread_id) is None


ROUTES = {
    "/v1/markets/quotes": "quotes",
    "/v1/markets/options/expirations": "expirations",
    "/v1/markets/options/chains": "chain_greeks",
}


async def test_load_all_walks_chains_within_the_dte_window() -> None:
    config = InstrumentProviderConfig(
        load_all=True, filters={"underlyings": ["SPY"], "min_dte": 10, "max_dte": 20}
    )
    provider, requests = provider_for(ROUTES, config)
    await provider.initialize()
    chain_calls = [r for r in requests if r.url.path.endswith("chains")]
    # 2024-01-05 (2 DTE) and 2024-01-12 (9 DTE) are outside 10..20; 2024-01-19 (16 DTE) is in
    assert [r.url.params["expiration"] for r in chain_calls] == ["2024-01-19"]
    assert chain_calls[0].url.params["greeks"] == "true"
    assert provider.count == 5  # SPY and four contracts


async def test_load_all_monthly_and_strike_window() -> None:
    filters = {
        "underlyings": ["SPY"],
        "max_dte": 30,
        "monthly_only": True,
        "strike_window_pct": 0.05,
    }
    provider, requests = provider_for(
        ROUTES, InstrumentProviderConfig(load_all=True, filters=filters)
    )
    await provider.initialize()
    chain_calls = [r for r in requests if r.url.path.endswith("chains")]
    assert [r.url.params["expiration"] for r in chain_calls] == ["2024-01-19"]  # the monthly
    strikes = sorted(
        i.strike_price.as_double() for i in provider.list_all() if isinstance(i, OptionContract)
    )
    assert strikes == [460.0, 470.0, 480.0]  # 300 is outside 472.65 +/- 5%


async def test_an_index_underlying_loads_as_an_index_instrument() -> None:
    config = InstrumentProviderConfig(load_all=True, filters={"underlyings": ["SPX"]})
    provider, _requests = provider_for(ROUTES, config)
    await provider.initialize()
    # As in backtests: SPX options settle in cash only with an IndexInstrument underlying.
    assert isinstance(provider.find(InstrumentId.from_str("SPX.US")), IndexInstrument)


def test_build_option_spread_from_legs() -> None:
    from adapters.tradier.parsing import parse_option_contract

    short = parse_option_contract("SPY240119P00470000", NOW_NS)
    long = parse_option_contract("SPY240126P00460000", NOW_NS)
    spread_id = new_generic_spread_id([(short.id, -1), (long.id, 1)])
    spread = build_option_spread(spread_id, [long, short], NOW_NS)
    assert isinstance(spread, OptionSpread)
    assert spread.underlying == "SPY"
    assert spread.expiration_ns == short.expiration_ns
    other = parse_option_contract("QQQ240119P00400000", NOW_NS)
    with pytest.raises(ValueError, match="did not share one underlying"):
        build_option_spread(spread_id, [short, other], NOW_NS)
