"""Factories that build the Alpha Vantage data client for a ``TradingNode``.

Register with ``node.add_data_client_factory("ALPHAVANTAGE", AlphaVantageLiveDataClientFactory)``;
the node picks it for any data client key starting with ``ALPHAVANTAGE``.
"""

import asyncio
from functools import lru_cache

from nautilus_trader.cache.cache import Cache
from nautilus_trader.common.component import LiveClock, MessageBus
from nautilus_trader.config import InstrumentProviderConfig
from nautilus_trader.live.factories import LiveDataClientFactory

from adapters.alphavantage.config import AlphaVantageDataClientConfig
from adapters.alphavantage.data import AlphaVantageDataClient
from adapters.alphavantage.http.client import AlphaVantageHttpClient
from adapters.alphavantage.http.rate_limit import RateLimiter
from adapters.alphavantage.providers import AlphaVantageInstrumentProvider


@lru_cache(1)
def get_cached_alphavantage_http_client(
    api_key: str | None,
    base_url: str | None,
    requests_per_minute: int,
    daily_limit: int | None,
    timeout_secs: float,
) -> AlphaVantageHttpClient:
    """Return the shared HTTP client for these settings (built once per process).

    Raises
    ------
    AlphaVantageConfigError
        If no API key is configured or in ``ALPHAVANTAGE_API_KEY``.

    """
    return AlphaVantageHttpClient(
        api_key=api_key,
        base_url=base_url,
        rate_limiter=RateLimiter(requests_per_minute, daily_limit),
        timeout_s=timeout_secs,
    )


@lru_cache(1)
def get_cached_alphavantage_instrument_provider(
    client: AlphaVantageHttpClient,
    underlyings: tuple[str, ...],
    config: InstrumentProviderConfig | None,
) -> AlphaVantageInstrumentProvider:
    """Return the shared instrument provider (built once per process)."""
    return AlphaVantageInstrumentProvider(client, underlyings, config)


class AlphaVantageLiveDataClientFactory(LiveDataClientFactory):  # type: ignore[misc]
    """Build ``AlphaVantageDataClient`` instances for a ``TradingNode``."""

    @staticmethod
    def create(  # type: ignore[override]
        loop: asyncio.AbstractEventLoop,
        name: str,
        config: AlphaVantageDataClientConfig,
        msgbus: MessageBus,
        cache: Cache,
        clock: LiveClock,
    ) -> AlphaVantageDataClient:
        """Return a data client for `config` sharing the process's HTTP client and provider.

        Parameters
        ----------
        loop : asyncio.AbstractEventLoop
            The event loop.
        name : str
            The client name (its ``ClientId``).
        config : AlphaVantageDataClientConfig
            The configuration.
        msgbus : MessageBus
            The message bus.
        cache : Cache
            The cache.
        clock : LiveClock
            The clock.

        Returns
        -------
        AlphaVantageDataClient

        """
        http_client = get_cached_alphavantage_http_client(
            config.api_key,
            config.base_url,
            config.requests_per_minute,
            config.daily_limit,
            config.timeout_secs,
        )
        provider = get_cached_alphavantage_instrument_provider(
            http_client, tuple(config.underlyings), _provider_config(config)
        )
        return AlphaVantageDataClient(
            loop=loop,
            client=http_client,
            msgbus=msgbus,
            cache=cache,
            clock=clock,
            instrument_provider=provider,
            config=config,
            name=name,
        )


def _provider_config(config: AlphaVantageDataClientConfig) -> InstrumentProviderConfig:
    provider_config = config.instrument_provider
    if config.underlyings and not provider_config.load_all and not provider_config.load_ids:
        return InstrumentProviderConfig(load_all=True)
    return provider_config
