"""Factories that build the Tradier clients for a ``TradingNode``.

Register both under the name ``TRADIER`` (``node.add_data_client_factory("TRADIER", ...)``);
client keys such as ``TRADIER-PAPER`` select them by prefix. One HTTP client (one connection
pool and one set of rate limiters, since limits are per token) is shared per event loop and
host by the data and execution clients.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache

from nautilus_trader.cache.cache import Cache
from nautilus_trader.common.component import LiveClock, MessageBus
from nautilus_trader.live.factories import LiveDataClientFactory, LiveExecClientFactory

from adapters.tradier.api import TradierAccountApi, TradierMarketApi
from adapters.tradier.config import (
    TradierDataClientConfig,
    TradierExecClientConfig,
    resolve_access_token,
    resolve_account_id,
    resolve_environment,
)
from adapters.tradier.constants import RATE_LIMITS
from adapters.tradier.data import TradierDataClient
from adapters.tradier.execution import TradierExecutionClient
from adapters.tradier.http import TradierHttpClient
from adapters.tradier.providers import TradierInstrumentProvider


@lru_cache(maxsize=8)
def get_http_client(
    loop: asyncio.AbstractEventLoop,
    base_url: str,
    environment: str,
    timeout_secs: float,
    max_retries: int,
) -> TradierHttpClient:
    """Return the shared HTTP client for a loop and host (token from ``TRADIER_ACCESS_TOKEN``).

    Raises
    ------
    ValueError
        If ``TRADIER_ACCESS_TOKEN`` is not set.

    """
    return TradierHttpClient(
        access_token=resolve_access_token(),
        base_url=base_url,
        rate_limits=RATE_LIMITS[resolve_environment(environment)],
        timeout_secs=timeout_secs,
        max_retries=max_retries,
    )


def shared_http_client(
    loop: asyncio.AbstractEventLoop, config: TradierDataClientConfig | TradierExecClientConfig
) -> TradierHttpClient:
    """Return the HTTP client a client with `config` on `loop` shares (see :func:`get_http_client`).

    Raises
    ------
    ValueError
        If ``TRADIER_ACCESS_TOKEN`` is not set or the environment is unknown.

    """
    environment = resolve_environment(config.environment)
    return get_http_client(
        loop, config.rest_url(), environment.value, config.http_timeout_secs, config.max_retries
    )


class TradierLiveDataClientFactory(LiveDataClientFactory):  # type: ignore[misc]
    """Build :class:`TradierDataClient`s."""

    @staticmethod
    def create(
        loop: asyncio.AbstractEventLoop,
        name: str,
        config: TradierDataClientConfig,
        msgbus: MessageBus,
        cache: Cache,
        clock: LiveClock,
    ) -> TradierDataClient:
        """Return a new Tradier data client.

        Raises
        ------
        ValueError
            If ``TRADIER_ACCESS_TOKEN`` is not set or the environment is unknown.

        """
        http = shared_http_client(loop, config)
        market = TradierMarketApi(http)
        provider = TradierInstrumentProvider(market, clock, config.instrument_provider)
        return TradierDataClient(
            loop=loop,
            market=market,
            msgbus=msgbus,
            cache=cache,
            clock=clock,
            instrument_provider=provider,
            config=config,
            name=name,
        )


class TradierLiveExecClientFactory(LiveExecClientFactory):  # type: ignore[misc]
    """Build :class:`TradierExecutionClient`s."""

    @staticmethod
    def create(
        loop: asyncio.AbstractEventLoop,
        name: str,
        config: TradierExecClientConfig,
        msgbus: MessageBus,
        cache: Cache,
        clock: LiveClock,
    ) -> TradierExecutionClient:
        """Return a new Tradier execution client.

        Raises
        ------
        ValueError
            If ``TRADIER_ACCESS_TOKEN`` or the account id is not set.

        """
        http = shared_http_client(loop, config)
        provider = TradierInstrumentProvider(
            TradierMarketApi(http), clock, config.instrument_provider
        )
        return TradierExecutionClient(
            loop=loop,
            account=TradierAccountApi(http, resolve_account_id(config.account_id)),
            msgbus=msgbus,
            cache=cache,
            clock=clock,
            instrument_provider=provider,
            config=config,
            name=name,
        )
