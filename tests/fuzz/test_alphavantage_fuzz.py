"""Mutated Alpha Vantage realtime replies through the production data client.

REALTIME_OPTIONS cases come from the documented-layout fixtures (no real capture exists),
GLOBAL_QUOTE cases from the real recordings in ``../shared/data/alpha_vantage``; both are
mutated with a seeded RNG (:mod:`tests.fuzz.mutate`). A poll may fail with an
``AlphaVantageError`` (the poll loop logs it and carries on) or drop rows, nothing else; a good
reply afterwards is still published. ``TRADEFLY_FUZZ_CASES`` / ``TRADEFLY_FUZZ_SEED`` as in
``test_tradier_fuzz``.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from nautilus_trader.data.messages import (
    SubscribeOptionGreeks,
    SubscribeQuoteTicks,
    SubscribeTradeTicks,
)
from nautilus_trader.model.data import QuoteTick, TradeTick
from nautilus_trader.model.identifiers import InstrumentId

from adapters.alphavantage.errors import AlphaVantageError
from tests.conftest import shared_data_path
from tests.fuzz.mutate import cases
from tests.unit.adapters.alphavantage.test_data_client import OPTION, Harness

CASES = int(os.environ.get("TRADEFLY_FUZZ_CASES", "400"))
SEED = int(os.environ.get("TRADEFLY_FUZZ_SEED", "20240102"))
FIXTURES = Path(__file__).parents[1] / "unit" / "adapters" / "alphavantage" / "fixtures"
SPY = InstrumentId.from_str("SPY.US")


@pytest.fixture
async def harness() -> AsyncIterator[Harness]:
    h = Harness(asyncio.get_running_loop())
    yield h
    await h.client._disconnect()
    await h.http.close()


def foreign(call: Any) -> Any:
    """Return an awaitable that swallows ``AlphaVantageError`` and returns other exceptions."""

    async def run() -> BaseException | None:
        try:
            await call()
        except AlphaVantageError:
            return None
        except Exception as exc:  # the finding this test looks for
            return exc
        return None

    return run()


async def test_realtime_options_and_quotes(harness: Harness) -> None:
    for command, instrument_id in (
        (SubscribeQuoteTicks, OPTION),
        (SubscribeOptionGreeks, OPTION),
        (SubscribeTradeTicks, SPY),
    ):
        handler = {
            SubscribeQuoteTicks: harness.client._subscribe_quote_ticks,
            SubscribeOptionGreeks: harness.client._subscribe_option_greeks,
            SubscribeTradeTicks: harness.client._subscribe_trade_ticks,
        }[command]
        await handler(harness.command(command, instrument_id))
    good_options = harness.vendor.replies["REALTIME_OPTIONS"]
    good_quote = harness.vendor.replies["GLOBAL_QUOTE"]
    options_bases = [
        json.loads((FIXTURES / name).read_bytes())
        for name in (
            "documented_layout_realtime_options_SPY.json",
            "documented_layout_realtime_options_SPY_no_greeks.json",
        )
    ]
    quote_bases = [
        json.loads(shared_data_path(f"alpha_vantage/{name}").read_bytes())
        for name in (
            "romeltorres_alpha_vantage/global_quote.json",
            "crazzyghost_alphavantage_java/timeseries__globalquote.json",
            "xrgarcia_alphavantage_api_client/mock_stock_quote.json",
        )
    ]
    found: list[str] = []
    for case in cases(SEED + 11, CASES, options_bases):
        harness.vendor.replies["REALTIME_OPTIONS"] = case.body
        exc = await foreign(lambda: harness.client.poll_options("SPY"))
        if exc is not None:
            found.append(f"{type(exc).__name__}: {exc!r:.200} <- {case.how:.300}")
    for case in cases(SEED + 12, CASES, quote_bases):
        harness.vendor.replies["GLOBAL_QUOTE"] = case.body
        exc = await foreign(lambda: harness.client.poll_quote("SPY"))
        if exc is not None:
            found.append(f"{type(exc).__name__}: {exc!r:.200} <- {case.how:.300}")
    assert not found, f"{len(found)} foreign exceptions:\n" + "\n".join(found[:10])
    harness.published.clear()
    harness.vendor.replies["REALTIME_OPTIONS"] = good_options
    harness.vendor.replies["GLOBAL_QUOTE"] = good_quote
    assert await harness.client.poll_options("SPY") >= 1
    assert await harness.client.poll_quote("SPY") == 1
    assert harness.of_type(QuoteTick) and harness.of_type(TradeTick)
