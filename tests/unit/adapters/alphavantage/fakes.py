"""Test doubles for the Alpha Vantage adapter: a fake clock whose sleep advances it."""

import httpx

TEST_KEY = "SECRETKEY123456"


class FakeClock:
    """Monotonic clock plus sleep: sleeping advances time instantly and records the delay."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)


def json_response(body: str | bytes, status: int = 200) -> httpx.Response:
    content = body.encode() if isinstance(body, str) else body
    return httpx.Response(status, content=content, headers={"content-type": "application/json"})
