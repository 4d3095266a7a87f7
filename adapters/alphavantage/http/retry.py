"""Retry schedule: exponential backoff with jitter."""

import random
from dataclasses import dataclass

from adapters.alphavantage.errors import AlphaVantageConfigError


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to back off after a retryable failure.

    The wait before retry ``n`` (0-based) is drawn uniformly from ``[d/2, d]`` where
    ``d = min(max_delay_s, base_delay_s * 2**n)`` ("equal jitter", AWS Architecture Blog,
    "Exponential Backoff and Jitter", 2015), raised to any ``Retry-After`` the server sent.

    Parameters
    ----------
    max_retries : int, default 5
        Retries after the first attempt (so at most ``max_retries + 1`` requests).
    base_delay_s : float, default 1.0
        The first backoff ceiling, in seconds.
    max_delay_s : float, default 60.0
        The largest backoff ceiling, in seconds.
    max_connect_retries : int, default 2
        Retries after a failure to connect (DNS lookup failed, connection refused), with the
        same backoff; then the call raises ``AlphaVantageUnreachableError``. Fewer than
        `max_retries`: a host that cannot be resolved or reached rarely comes back within
        seconds.

    Raises
    ------
    AlphaVantageConfigError
        If a value is negative or the delays are not ordered.

    """

    max_retries: int = 5
    base_delay_s: float = 1.0
    max_delay_s: float = 60.0
    max_connect_retries: int = 2

    def __post_init__(self) -> None:
        if (
            min(self.max_retries, self.max_connect_retries) < 0
            or self.base_delay_s < 0
            or self.max_delay_s < self.base_delay_s
        ):
            raise AlphaVantageConfigError(f"retry policy was invalid: {self!r}")

    def delay_s(self, retry: int, rng: random.Random, retry_after_s: float = 0.0) -> float:
        """Return the seconds to wait before retry number `retry` (0-based)."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2.0**retry)
        return max(retry_after_s, ceiling / 2.0 + rng.uniform(0.0, ceiling / 2.0))
