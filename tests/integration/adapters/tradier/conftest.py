"""Shared setup of the ``TradingNode`` tests: test credentials and a seeded fake Tradier."""

from collections.abc import AsyncIterator

import pytest

from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.node_harness import seed_quotes


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADIER_ACCESS_TOKEN", "test-token")
    monkeypatch.delenv("TRADIER_ENV", raising=False)


@pytest.fixture
async def server() -> AsyncIterator[FakeTradier]:
    async with FakeTradier() as fake:
        seed_quotes(fake)
        yield fake
