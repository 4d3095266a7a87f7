"""Typed errors raised by the Alpha Vantage adapter.

Every error the adapter raises derives from :class:`AlphaVantageError`, so callers (and the
property tests) can rely on one base class. Messages never contain the API key.
"""


class AlphaVantageError(Exception):
    """Base class of every error raised by the Alpha Vantage adapter."""


class AlphaVantageConfigError(AlphaVantageError):
    """The adapter was configured wrongly (e.g. no API key, a non-positive rate)."""


class AlphaVantageRequestError(AlphaVantageError):
    """The vendor refused the request as bad (``Error Message``, invalid key, HTTP 4xx).

    Not retried: the same request would fail the same way.
    """


class AlphaVantageEntitlementError(AlphaVantageError):
    """The key is not entitled to the function (a premium-endpoint refusal). Not retried."""


class AlphaVantageSampleDataError(AlphaVantageEntitlementError):
    """The vendor served placeholder sample rows (``XXYYZZ...``, ``2099-99-99``). Not retried."""


class AlphaVantageQuotaError(AlphaVantageError):
    """The daily request allowance is used up (client-side cap or vendor's daily-limit reply).

    Not retried: waiting seconds or minutes cannot help; resume the job later.
    """


class AlphaVantageThrottleError(AlphaVantageError):
    """The vendor asked to slow down (HTTP 429 or a ``Note``/``Information`` throttle body).

    Retried with backoff.

    Parameters
    ----------
    message : str
        The description of the reply.
    retry_after_s : float, default 0.0
        The server's ``Retry-After`` in seconds (0 when it sent none).

    """

    def __init__(self, message: str, retry_after_s: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class AlphaVantageTransientError(AlphaVantageError):
    """A failure that may pass: timeout, connection error, HTTP 5xx, empty or truncated body.

    Retried with backoff.
    """


class AlphaVantageRetriesExhaustedError(AlphaVantageError):
    """A retryable failure persisted through every allowed attempt.

    Parameters
    ----------
    message : str
        The description of the request and the last failure.
    attempts : int
        The number of attempts made.
    last_error : AlphaVantageError
        The failure of the last attempt.

    """

    def __init__(self, message: str, attempts: int, last_error: AlphaVantageError) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last_error = last_error


class AlphaVantageParseError(AlphaVantageError):
    """A response body did not match the vendor's documented layout."""


def should_retry(error: AlphaVantageError) -> bool:
    """Return whether a request that failed with `error` is worth retrying.

    Throttle replies and transient failures are retried; bad requests, entitlement refusals,
    sample rows, exhausted quotas and unparseable layouts are not.
    """
    return isinstance(error, AlphaVantageThrottleError | AlphaVantageTransientError)
