"""The API key: resolved from config or environment, added to requests only at the transport.

The key travels as the ``apikey`` query parameter (the vendor's only auth). It is added by a
transport wrapper on a copy of the request, so the request objects that ``httpx`` logs and
attaches to its exceptions never hold it.
"""

import os

import httpx

from adapters.alphavantage.constants import API_KEY_PARAM, ENV_API_KEY
from adapters.alphavantage.errors import AlphaVantageConfigError


class ApiKey:
    """An API key that never prints.

    Parameters
    ----------
    value : str
        The secret key.

    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the secret value (only for the transport and redaction)."""
        return self._value

    def __repr__(self) -> str:
        return "ApiKey('***')"

    __str__ = __repr__


def resolve_api_key(api_key: str | None = None) -> ApiKey:
    """Return the API key from `api_key`, else from ``ALPHAVANTAGE_API_KEY``.

    Raises
    ------
    AlphaVantageConfigError
        If neither is set.

    """
    value = api_key or os.environ.get(ENV_API_KEY, "")
    if not value.strip():
        raise AlphaVantageConfigError(
            f"the Alpha Vantage API key was not set: pass api_key or set {ENV_API_KEY}"
        )
    return ApiKey(value.strip())


class ApiKeyTransport(httpx.AsyncBaseTransport):
    """Wrap a transport so each outgoing request carries the ``apikey`` parameter.

    Parameters
    ----------
    inner : httpx.AsyncBaseTransport
        The transport that sends the request (``httpx.MockTransport`` in tests).
    api_key : ApiKey
        The key to add.

    """

    def __init__(self, inner: httpx.AsyncBaseTransport, api_key: ApiKey) -> None:
        self._inner = inner
        self._api_key = api_key

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send a copy of `request` with the key added; the original stays keyless."""
        keyed = httpx.Request(
            request.method,
            request.url.copy_add_param(API_KEY_PARAM, self._api_key.reveal()),
            headers=request.headers,
            extensions=request.extensions,
        )
        return await self._inner.handle_async_request(keyed)

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self._inner.aclose()
