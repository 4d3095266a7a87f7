"""Configuration of the Tradier data and execution clients, and credential resolution.

The access token is never part of a config (configs are printed and logged): it is read from
``TRADIER_ACCESS_TOKEN`` when the client is built. The account id comes from the config or
``TRADIER_ACCOUNT_ID``; the environment from the config or ``TRADIER_ENV`` (default sandbox).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from nautilus_trader.config import LiveDataClientConfig, LiveExecClientConfig

from adapters.tradier.constants import (
    ACCOUNT_WS_URL,
    ENV_ACCESS_TOKEN,
    ENV_ACCOUNT_ID,
    ENV_ENVIRONMENT,
    MARKET_WS_URL,
    REST_URL,
    TradierEnvironment,
)


def resolve_environment(
    value: str | None, environ: Mapping[str, str] = os.environ
) -> TradierEnvironment:
    """Return the environment from `value`, else ``TRADIER_ENV``, else sandbox.

    Raises
    ------
    ValueError
        If the value is neither ``sandbox`` nor ``live``.

    """
    raw = (value or environ.get(ENV_ENVIRONMENT) or TradierEnvironment.SANDBOX).strip().lower()
    try:
        return TradierEnvironment(raw)
    except ValueError:
        raise ValueError(f"Tradier environment was not 'sandbox' or 'live': {raw!r}") from None


def resolve_access_token(environ: Mapping[str, str] = os.environ) -> str:
    """Return the bearer token from ``TRADIER_ACCESS_TOKEN``.

    Raises
    ------
    ValueError
        If the variable is unset or empty (the message names the variable, not a value).

    """
    token = environ.get(ENV_ACCESS_TOKEN, "").strip()
    if not token:
        raise ValueError(f"{ENV_ACCESS_TOKEN} was not set: export the Tradier API token")
    return token


def resolve_account_id(value: str | None, environ: Mapping[str, str] = os.environ) -> str:
    """Return the account id from `value`, else ``TRADIER_ACCOUNT_ID``.

    Raises
    ------
    ValueError
        If neither is set.

    """
    account = (value or environ.get(ENV_ACCOUNT_ID, "")).strip()
    if not account:
        raise ValueError(f"{ENV_ACCOUNT_ID} was not set: export the Tradier account number")
    return account


class TradierDataClientConfig(LiveDataClientConfig, frozen=True):  # type: ignore[call-arg]
    """Configuration for ``TradierDataClient``.

    Parameters
    ----------
    environment : str, optional
        ``sandbox`` or ``live``; if None then ``TRADIER_ENV``, else ``sandbox``.
    base_url : str, optional
        REST host override (e.g. a loopback test server); default per environment.
    market_ws_url : str, optional
        Market WebSocket override; default per environment.
    use_streaming : bool, default True
        Stream quotes and trades over the market WebSocket; polling takes over when the stream
        is unavailable (paper accounts) or reconnecting.
    poll_interval_secs : float, default 5
        Quote polling period while not streaming (one quotes call for all symbols).
    greeks_poll_interval_secs : float, default 900
        Period of the greeks poll for ``subscribe_option_greeks`` (ORATS refreshes hourly).
    stream_idle_timeout_secs : float, default 300
        Reconnect the market stream after this long without a message.
    reconnect_delay_secs : float, default 1
        First reconnect backoff delay (doubles up to 60 s).
    daily_bar_lead_secs : float, default 300
        Publish subscribed daily bars this long before each session's close.
    http_timeout_secs : float, default 10
        Per-request timeout.
    max_retries : int, default 3
        Extra attempts for GET requests.
    settlement_poll_interval_secs : float, default 900
        While an option position is open, how often the account history is read for its
        assignments and exercises (Tradier writes the history nightly).

    """

    environment: str | None = None
    base_url: str | None = None
    market_ws_url: str | None = None
    use_streaming: bool = True
    poll_interval_secs: float = 5.0
    greeks_poll_interval_secs: float = 900.0
    stream_idle_timeout_secs: float = 300.0
    reconnect_delay_secs: float = 1.0
    daily_bar_lead_secs: float = 300.0
    http_timeout_secs: float = 10.0
    max_retries: int = 3
    settlement_poll_interval_secs: float = 900.0

    def rest_url(self) -> str:
        """Return the REST host to use."""
        return self.base_url or REST_URL[resolve_environment(self.environment)]

    def ws_url(self) -> str:
        """Return the market WebSocket URL to use."""
        return self.market_ws_url or MARKET_WS_URL[resolve_environment(self.environment)]


class TradierExecClientConfig(LiveExecClientConfig, frozen=True):  # type: ignore[call-arg]
    """Configuration for ``TradierExecutionClient``.

    Parameters
    ----------
    environment : str, optional
        ``sandbox`` or ``live``; if None then ``TRADIER_ENV``, else ``sandbox``.
    account_id : str, optional
        The brokerage account; if None then ``TRADIER_ACCOUNT_ID``.
    base_url : str, optional
        REST host override; default per environment.
    account_ws_url : str, optional
        Account WebSocket override; default per environment.
    account_type : str, default "margin"
        ``margin`` or ``cash`` (the Nautilus account type).
    use_account_stream : bool, default True
        Take order updates from the account WebSocket; polling covers gaps and takes over when
        the stream is unavailable.
    poll_interval_secs : float, default 2
        Order polling period without the stream (one orders call; Standard group limit).
    stream_poll_interval_secs : float, default 30
        Safety-net polling period while the stream is connected.
    stream_idle_timeout_secs : float, default 180
        Reconnect the account stream after this long without a message (heartbeats ~60 s).
    reconnect_delay_secs : float, default 1
        First reconnect backoff delay.
    option_commission_per_contract : float, default 0
        Commission charged per option contract filled, in USD (Tradier reports none on orders).
    submit_lookup_attempts : int, default 3
        After a placement whose outcome is unknown (timeout, 5xx), how many times to look the
        order up by its tag before placing it again.
    submit_lookup_delay_secs : float, default 1
        Pause between those look-ups.
    http_timeout_secs : float, default 10
        Per-request timeout.
    max_retries : int, default 3
        Extra attempts for GET requests.
    settlement_poll_interval_secs : float, default 900
        While an option position is open, how often the account history is read for its
        expirations, assignments and exercises (Tradier writes the history nightly).
    state_store : str, optional
        The node's state store (set by the node builder): at start, the history events of
        the contracts its open structures hold that no strategy booked yet are booked.

    """

    environment: str | None = None
    account_id: str | None = None
    base_url: str | None = None
    account_ws_url: str | None = None
    account_type: str = "margin"
    use_account_stream: bool = True
    poll_interval_secs: float = 2.0
    stream_poll_interval_secs: float = 30.0
    stream_idle_timeout_secs: float = 180.0
    reconnect_delay_secs: float = 1.0
    option_commission_per_contract: float = 0.0
    submit_lookup_attempts: int = 3
    submit_lookup_delay_secs: float = 1.0
    http_timeout_secs: float = 10.0
    max_retries: int = 3
    settlement_poll_interval_secs: float = 900.0
    state_store: str | None = None

    def rest_url(self) -> str:
        """Return the REST host to use."""
        return self.base_url or REST_URL[resolve_environment(self.environment)]

    def ws_url(self) -> str:
        """Return the account WebSocket URL to use."""
        return self.account_ws_url or ACCOUNT_WS_URL[resolve_environment(self.environment)]
