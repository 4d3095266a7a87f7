"""Client-side request budget: a per-minute sliding window and an optional daily cap."""

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

from adapters.alphavantage.errors import AlphaVantageConfigError, AlphaVantageQuotaError

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

_MINUTE_S = 60.0
_DAY_S = 86_400.0


class RateLimiter:
    """Admit at most `requests_per_minute` requests in any 60 s window, and a daily cap.

    Parameters
    ----------
    requests_per_minute : int
        The plan's requests per minute (premium plans: 75, 150, 300, 600 or 1200).
    daily_limit : int, optional
        The most requests in any 24 h window (the free tier's 25); ``None`` for no cap.
    clock : Callable[[], float], default time.monotonic
        Monotonic seconds; inject a fake clock in tests.
    sleep : Callable[[float], Awaitable[None]], default asyncio.sleep
        Awaitable sleep in seconds; inject a fake in tests so they never wait.

    Raises
    ------
    AlphaVantageConfigError
        If a limit is not positive.

    """

    def __init__(
        self,
        requests_per_minute: int,
        daily_limit: int | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if requests_per_minute <= 0:
            raise AlphaVantageConfigError(
                f"requests_per_minute was {requests_per_minute!r}, it must be positive"
            )
        if daily_limit is not None and daily_limit <= 0:
            raise AlphaVantageConfigError(f"daily_limit was {daily_limit!r}, it must be positive")
        self.requests_per_minute = requests_per_minute
        self.daily_limit = daily_limit
        self._clock = clock
        self._sleep = sleep
        self._minute: deque[float] = deque()
        self._day: deque[float] = deque()
        self._lock = asyncio.Lock()

    @property
    def interval_s(self) -> float:
        """Return the average spacing between requests at the full rate, in seconds."""
        return _MINUTE_S / self.requests_per_minute

    def remaining_today(self) -> int | None:
        """Return how many requests the daily cap still allows (``None`` without a cap)."""
        if self.daily_limit is None:
            return None
        self._expire(self._day, self._clock() - _DAY_S)
        return max(0, self.daily_limit - len(self._day))

    async def acquire(self) -> None:
        """Wait until one more request fits the budget, then count it.

        Raises
        ------
        AlphaVantageQuotaError
            If the daily cap is reached (waiting hours is left to the caller).

        """
        async with self._lock:
            now = self._clock()
            if self.daily_limit is not None:
                self._expire(self._day, now - _DAY_S)
                if len(self._day) >= self.daily_limit:
                    raise AlphaVantageQuotaError(
                        f"the daily cap of {self.daily_limit} requests was reached"
                    )
            while True:
                self._expire(self._minute, now - _MINUTE_S)
                if len(self._minute) < self.requests_per_minute:
                    break
                await self._sleep(self._minute[0] + _MINUTE_S - now)
                now = self._clock()
            self._minute.append(now)
            if self.daily_limit is not None:
                self._day.append(now)

    @staticmethod
    def _expire(window: deque[float], horizon: float) -> None:
        while window and window[0] <= horizon:
            window.popleft()
