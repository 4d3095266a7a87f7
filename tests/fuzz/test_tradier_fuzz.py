"""Mutated real Tradier payloads through the production clients never raise a foreign error.

Cases are the 2013 recordings in ``../shared/data/tradier`` and the documented-layout
fixtures, mutated with a seeded RNG (:mod:`tests.fuzz.mutate`). Every entry point may answer a
case with a ``TradierError`` or by dropping the record, nothing else; afterwards the streams and
poll task are alive and still deliver a good message. ``TRADEFLY_FUZZ_CASES`` sets the number
of cases per entry point (default 400), ``TRADEFLY_FUZZ_SEED`` the seed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.execution.messages import (
    GenerateFillReports,
    GenerateOrderStatusReport,
    GenerateOrderStatusReports,
    GeneratePositionStatusReports,
)
from nautilus_trader.model.data import QuoteTick
from nautilus_trader.model.identifiers import InstrumentId, VenueOrderId

from adapters.tradier.errors import TradierError
from tests.conftest import shared_data_path
from tests.fuzz.harness import (
    ACCOUNT,
    GOOD_CLOCK,
    GOOD_QUOTES,
    SPY,
    Harness,
    LoopbackStream,
    wait_for,
)
from tests.fuzz.mutate import Case, cases

CASES = int(os.environ.get("TRADEFLY_FUZZ_CASES", "400"))
SEED = int(os.environ.get("TRADEFLY_FUZZ_SEED", "20240102"))
FIXTURES = Path(__file__).parents[1] / "unit" / "adapters" / "tradier" / "fixtures"
OPTION = InstrumentId.from_str("SPY240119P00470000.US")


def recorded(name: str) -> Any:
    return json.loads(shared_data_path(f"tradier/tradier_rb_2013/{name}").read_bytes())


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_bytes())


def with_spy(doc: Any) -> Any:
    """Return `doc` with its first ``symbol`` set to SPY, so the subscribed path is taken."""
    text = json.dumps(doc)
    head, sep, rest = text.partition('"symbol": "')
    if not sep:
        return doc
    return json.loads(head + sep + "SPY" + rest[rest.index('"') :])


def quote_bases() -> list[Any]:
    docs = [
        recorded("quotes.json"),
        recorded("quote.json"),
        recorded("option_quotes.json"),
        fixture("documented_layout_quotes.json"),
        fixture("documented_layout_quote_single.json"),
    ]
    return docs + [with_spy(d) for d in docs]


class Failures:
    """Collects foreign exceptions (anything but ``TradierError``) with their case."""

    def __init__(self) -> None:
        self.found: list[str] = []

    async def run(self, case: Case, call: Callable[[], Awaitable[Any]]) -> None:
        try:
            await call()
        except TradierError:
            pass
        except Exception as exc:  # the finding this test looks for
            self.found.append(f"{type(exc).__name__}: {exc!r:.200} <- {case.how:.300}")

    def check(self) -> None:
        assert not self.found, f"{len(self.found)} foreign exceptions:\n" + "\n".join(
            self.found[:10]
        )


def mutated(seed_offset: int, bases: list[Any]) -> Iterable[Case]:
    return cases(SEED + seed_offset, CASES, bases)


@pytest.fixture
async def setup() -> AsyncIterator[tuple[Harness, LoopbackStream]]:
    async with LoopbackStream() as ws:
        harness = Harness(asyncio.get_running_loop(), ws.url)
        yield harness, ws
        await harness.close()


def spy_quotes(harness: Harness, bid: float) -> list[QuoteTick]:
    return [
        q
        for q in harness.published
        if isinstance(q, QuoteTick) and q.instrument_id == SPY and q.bid_price.as_double() == bid
    ]


async def test_quote_poll_replies(setup: tuple[Harness, LoopbackStream]) -> None:
    harness, _ = setup
    await harness.subscribe_spy()
    await harness.data.stream.stop()  # type: ignore[union-attr]
    failures = Failures()
    for case in mutated(1, quote_bases()):
        harness.vendor.bodies["/v1/markets/quotes"] = case.body
        await failures.run(case, lambda: harness.data._poll_quotes([SPY]))
    failures.check()
    # the real poll task, fed hostile replies, then a good one
    hostile = [c.body for c in mutated(2, quote_bases())][:50]
    harness.vendor.bodies["/v1/markets/clock"] = json.dumps(GOOD_CLOCK).encode()
    served = harness.vendor.served
    before = served.get("/v1/markets/quotes", 0)
    await harness.data._connect()
    await harness.data.stream.stop()  # type: ignore[union-attr]
    for body in hostile:
        harness.vendor.bodies["/v1/markets/quotes"] = body
        count = served.get("/v1/markets/quotes", 0)
        await wait_for(lambda c=count: served.get("/v1/markets/quotes", 0) > c)
    assert served["/v1/markets/quotes"] >= before + len(hostile)
    assert all(not task.done() for task in harness.data._tasks_running)
    harness.vendor.bodies["/v1/markets/quotes"] = json.dumps(GOOD_QUOTES).encode()
    await wait_for(lambda: len(spy_quotes(harness, 470.1)) >= 2)  # unchanged, still published


def stream_bases() -> list[Any]:
    events = fixture("documented_layout_market_events.json")
    return [*events, *[{**e, "symbol": "SPY"} for e in events if "symbol" in e]]


async def test_market_stream_messages(setup: tuple[Harness, LoopbackStream]) -> None:
    harness, ws = setup
    await harness.subscribe_spy()
    stream = harness.data.stream
    assert stream is not None
    await wait_for(lambda: stream.is_connected and bool(ws.clients))
    for case in mutated(3, stream_bases()):
        await ws.send(case.body)
    good = {"type": "quote", "symbol": "SPY", "bid": "1.01", "ask": "1.02", "bidsz": "1"}
    await ws.send(json.dumps(good).encode())
    await wait_for(lambda: bool(spy_quotes(harness, 1.01)))
    assert stream.is_running and stream.connections == 1
    assert stream.handler_errors == {}, stream.handler_errors
    assert harness.data.rejections  # the hostile records were counted


async def test_account_stream_events(setup: tuple[Harness, LoopbackStream]) -> None:
    harness, ws = setup
    stream = harness.execution.stream
    assert stream is not None
    stream.start()
    await wait_for(lambda: stream.is_connected and bool(ws.clients))
    bases = [*fixture("documented_layout_account_events.json")]
    for case in mutated(4, bases):
        await ws.send(case.body)
    await ws.send(b'{"event": "heartbeat"}')
    await ws.send(b'{"event": "order", "id": 1, "status": "open"}')
    before = harness.execution.rejections
    await ws.send(b'{"event": "order", "id": 1, "exec_quantity": 1e-9}')
    await wait_for(lambda: harness.execution.rejections != before)
    assert stream.is_running and stream.connections == 1
    assert stream.handler_errors == {}, stream.handler_errors


def order_bases() -> list[Any]:
    return [
        recorded("account_orders.json"),
        recorded("order.json"),
        fixture("documented_layout_orders.json"),
        fixture("documented_layout_orders_single.json"),
        fixture("documented_layout_order_multileg.json"),
    ]


def now(harness: Harness) -> int:
    return harness.clock.timestamp_ns()


async def test_reconciliation_replies(setup: tuple[Harness, LoopbackStream]) -> None:
    harness, _ = setup
    client = harness.execution
    failures = Failures()
    orders_path = f"/v1/accounts/{ACCOUNT}/orders"
    for case in mutated(5, order_bases()):
        harness.vendor.bodies[orders_path] = case.body
        harness.vendor.bodies[orders_path + "/ID"] = case.body
        await failures.run(
            case,
            lambda: client.generate_order_status_reports(
                GenerateOrderStatusReports(None, None, None, False, UUID4(), now(harness))
            ),
        )
        await failures.run(
            case,
            lambda: client.generate_fill_reports(
                GenerateFillReports(None, None, None, None, UUID4(), now(harness))
            ),
        )
        await failures.run(
            case,
            lambda: client.generate_order_status_report(
                GenerateOrderStatusReport(None, None, VenueOrderId("1"), UUID4(), now(harness))
            ),
        )
    position_bases = [
        recorded("account_positions.json"),
        fixture("documented_layout_positions.json"),
        fixture("documented_layout_positions_single.json"),
    ]
    for case in mutated(6, position_bases):
        harness.vendor.bodies[f"/v1/accounts/{ACCOUNT}/positions"] = case.body
        await failures.run(
            case,
            lambda: client.generate_position_status_reports(
                GeneratePositionStatusReports(None, None, None, UUID4(), now(harness))
            ),
        )
    balance_bases = [
        recorded("account_balances.json"),
        fixture("documented_layout_balances_cash.json"),
        fixture("documented_layout_balances_margin.json"),
    ]
    for case in mutated(7, balance_bases):
        harness.vendor.bodies[f"/v1/accounts/{ACCOUNT}/balances"] = case.body
        await failures.run(case, client._update_account_state)
    failures.check()


async def test_instrument_provider(setup: tuple[Harness, LoopbackStream]) -> None:
    harness, _ = setup
    provider = harness.provider
    failures = Failures()
    chain_bases = [
        recorded("chain.json"),
        fixture("documented_layout_chain_greeks.json"),
        fixture("documented_layout_chain_spxw_single.json"),
    ]
    expiration = dt.date(2024, 1, 19)
    for case in mutated(8, chain_bases):
        harness.vendor.bodies["/v1/markets/options/chains"] = case.body
        await failures.run(case, lambda: provider.load_chain("SPY", expiration))
    for case in mutated(9, quote_bases()):
        harness.vendor.bodies["/v1/markets/quotes"] = case.body
        await failures.run(case, lambda: provider.load_ids_async([OPTION, SPY]))
    failures.check()
