"""Tradier hosts, endpoint groups, rate limits and identifiers (see ``api-tradier.md`` A1, A3)."""

from enum import StrEnum
from typing import Final

from options.instruments import VENUE

TRADIER: Final[str] = "TRADIER"
TRADIER_VENUE = VENUE  # Tradefly keeps every US instrument on one venue, ``US``.

ENV_ACCESS_TOKEN: Final[str] = "TRADIER_ACCESS_TOKEN"  # noqa: S105 (a variable name, not a secret)
ENV_ACCOUNT_ID: Final[str] = "TRADIER_ACCOUNT_ID"
ENV_ENVIRONMENT: Final[str] = "TRADIER_ENV"
ENV_CONFIRM_LIVE: Final[str] = "TRADEFLY_CONFIRM_LIVE"  # must equal the account number to arm


class TradierEnvironment(StrEnum):
    """The Tradier environment: paper (``sandbox``, the default) or real money (``live``)."""

    SANDBOX = "sandbox"
    LIVE = "live"


REST_URL: Final[dict[TradierEnvironment, str]] = {
    TradierEnvironment.LIVE: "https://api.tradier.com",
    TradierEnvironment.SANDBOX: "https://sandbox.tradier.com",
}
MARKET_WS_URL: Final[dict[TradierEnvironment, str]] = {
    # Market streaming in paper is disputed (A12); the sandbox value is tried and the data
    # client falls back to polling when session creation or the connection fails.
    TradierEnvironment.LIVE: "wss://ws.tradier.com/v1/markets/events",
    TradierEnvironment.SANDBOX: "wss://ws.tradier.com/v1/markets/events",
}
ACCOUNT_WS_URL: Final[dict[TradierEnvironment, str]] = {
    TradierEnvironment.LIVE: "wss://ws.tradier.com/v1/accounts/events",
    TradierEnvironment.SANDBOX: "wss://sandbox-ws.tradier.com/v1/accounts/events",
}


class EndpointGroup(StrEnum):
    """A rate-limit group: each has its own per-minute quota per token (A3)."""

    MARKET_DATA = "market_data"
    STANDARD = "standard"
    TRADING = "trading"


RATE_LIMITS: Final[dict[TradierEnvironment, dict[EndpointGroup, int]]] = {
    TradierEnvironment.LIVE: {
        EndpointGroup.MARKET_DATA: 120,
        EndpointGroup.STANDARD: 120,
        EndpointGroup.TRADING: 60,
    },
    TradierEnvironment.SANDBOX: {
        EndpointGroup.MARKET_DATA: 60,
        EndpointGroup.STANDARD: 60,
        EndpointGroup.TRADING: 60,
    },
}
RATE_LIMIT_WINDOW_SECS: Final[float] = 60.0
MAX_MULTILEG_LEGS: Final[int] = 4
