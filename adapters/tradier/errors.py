"""Typed errors raised by the Tradier adapter, and the retry predicate for GET requests.

Every failure the vendor can produce maps to one class here, so callers branch on type rather
than on message text. Messages never contain the access token.
"""

from __future__ import annotations


class TradierError(Exception):
    """Base class of every error the Tradier adapter raises.

    Parameters
    ----------
    message : str
        The human-readable message (never contains credentials).
    status : int, optional
        The HTTP status of the response, when the error came from one.

    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class TradierAuthError(TradierError):
    """The token was refused (HTTP 401 or an Apigee ``fault`` body); never retried."""


class TradierRequestError(TradierError):
    """The request was refused as invalid (HTTP 4xx or an ``errors`` body); never retried.

    Parameters
    ----------
    message : str
        The joined vendor error messages.
    status : int, optional
        The HTTP status of the response.
    errors : tuple[str, ...], optional
        Each vendor error message on its own.

    """

    def __init__(
        self,
        message: str,
        status: int | None = None,
        errors: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, status)
        self.errors = errors or (message,)


class TradierRateLimitError(TradierError):
    """The endpoint group's quota is exhausted (HTTP 429 or a ``Quota Violation`` fault).

    Parameters
    ----------
    message : str
        The message.
    status : int, optional
        The HTTP status of the response.
    reset_at : float, optional
        When the quota window resets, as UNIX seconds, if the vendor said.

    """

    def __init__(self, message: str, status: int | None = None, reset_at: float | None = None):
        super().__init__(message, status)
        self.reset_at = reset_at


class TradierServerError(TradierError):
    """The vendor failed (HTTP 5xx, or a transient 404/502 on a GET)."""


class TradierTransportError(TradierError):
    """The request did not complete (timeout, connection refused or reset).

    For a POST, PUT or DELETE the outcome is unknown: the vendor may have acted on it.
    """


class TradierParseError(TradierError, ValueError):
    """A response body, or one record of it, did not match the documented layout.

    Parameters
    ----------
    message : str
        What was wrong, naming the field and value.
    status : int, optional
        The HTTP status of the response.
    kind : str, default "layout"
        The rejection kind: ``layout``, ``utf8`` or a kind of
        :class:`adapters.vendor_values.VendorValueError` (``identifier``, ``price`` ...).

    """

    def __init__(self, message: str, status: int | None = None, kind: str = "layout") -> None:
        super().__init__(message, status)
        self.kind = kind


def should_retry(error: TradierError) -> bool:
    """Return whether a GET that failed with `error` may be sent again.

    Only idempotent requests may be retried; order placement, modification and cancellation
    are never retried blindly (the order may already be live), see the execution client.

    Parameters
    ----------
    error : TradierError
        The failure.

    Returns
    -------
    bool
        True for rate limiting, server errors and transport failures.

    """
    return isinstance(error, TradierRateLimitError | TradierServerError | TradierTransportError)
