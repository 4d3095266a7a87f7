"""A covered call on a live node against the loopback fake Tradier: the shares first (one
``equity`` order), the call only once they have filled (one ``option`` order), nothing sent
twice; after a restart between the two, the call goes out at the next decision, once."""

import asyncio
from pathlib import Path

import pytest
import yaml
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.identifiers import InstrumentId

from options.occ import format_occ
from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.node_harness import EXPIRY, start_node, wait_for
from tests.integration.adapters.tradier.test_short_option_combo import quoted, session_close
from tests.integration.adapters.tradier.test_short_option_state import (
    single_put_config,
    strategy_of,
)

pytestmark = pytest.mark.timeout(120)

SPY_ID = InstrumentId.from_str("SPY.US")
CALL = format_occ("SPY", EXPIRY, OptionKind.CALL, 475)
CALL_ID = InstrumentId.from_str(f"{CALL}.US")
SPOT = 472.60


def covered_call_config(server: FakeTradier, folder: Path) -> Path:
    path = single_put_config(
        server, folder, structure="covered_call", structure_params={"delta": 0.30}
    )
    config = yaml.safe_load(path.read_text())
    config["instruments"]["load_ids"].append(str(CALL_ID))
    path.write_text(yaml.safe_dump(config))
    server.set_quote(CALL, 4.00, 4.10)
    return path


def _share_order(server: FakeTradier) -> int:
    (order_id,) = server.orders
    return order_id


async def test_the_shares_fill_before_the_call_is_sold(server: FakeTradier, tmp_path: Path) -> None:
    running = await start_node(covered_call_config(server, tmp_path))
    try:
        strategy = strategy_of(running)
        await wait_for(lambda: quoted(strategy, {CALL_ID: 4.00}))
        session_close(running, SPOT)
        await wait_for(lambda: server.placements())
        shares = server.placements()[0]
        assert (shares["class"], shares["symbol"], shares["side"], shares["quantity"]) == (
            "equity",
            "SPY",
            "buy",
            "100",
        )
        await asyncio.sleep(0.5)
        assert len(server.placements()) == 1  # no call while the shares are not held
        await server.fill(_share_order(server), 100, price=SPOT)
        await wait_for(lambda: len(server.placements()) == 2)
        call = server.placements()[1]
        assert (call["class"], call["option_symbol"], call["side"], call["quantity"]) == (
            "option",
            CALL,
            "sell_to_open",
            "1",
        )
        call_id = max(server.orders)
        await server.fill(call_id, 1, price=4.00)
        await wait_for(
            lambda: strategy._trades and strategy._trades[0].open_legs == {SPY_ID, CALL_ID}
        )
        # the fake's cash: 100,000 - 100 x 472.60 for the shares + 400 premium = 53,140
        assert server.cash == pytest.approx(53_140.0)
        await asyncio.sleep(0.5)
        assert len(server.placements()) == 2
    finally:
        await running.stop()


async def test_after_a_restart_between_shares_and_call_the_call_goes_out_once(
    server: FakeTradier, tmp_path: Path
) -> None:
    path = covered_call_config(server, tmp_path)
    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        await wait_for(lambda: quoted(strategy, {CALL_ID: 4.00}))
        session_close(running, SPOT)
        await wait_for(lambda: server.placements())
    finally:
        await running.stop()
    await server.fill(_share_order(server), 100, price=SPOT)  # filled while the node is down

    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        await wait_for(lambda: strategy._trades and SPY_ID in strategy._trades[0].open_legs)
        await asyncio.sleep(0.5)
        assert len(server.placements()) == 1  # neither the shares again nor the call yet
        await wait_for(lambda: quoted(strategy, {CALL_ID: 4.00}))
        session_close(running, SPOT)
        await wait_for(lambda: len(server.placements()) == 2)
        call = server.placements()[1]
        assert (call["option_symbol"], call["side"], call["quantity"]) == (
            CALL,
            "sell_to_open",
            "1",
        )
        session_close(running, SPOT)
        await asyncio.sleep(0.5)
        assert len(server.placements()) == 2  # the call's order works: nothing more
    finally:
        await running.stop()


async def test_a_rejected_share_order_sends_no_call(server: FakeTradier, tmp_path: Path) -> None:
    running = await start_node(covered_call_config(server, tmp_path))
    try:
        strategy = strategy_of(running)
        await wait_for(lambda: quoted(strategy, {CALL_ID: 4.00}))
        server.reject_next = "Insufficient buying power"
        session_close(running, SPOT)
        await wait_for(lambda: server.placements())
        await wait_for(lambda: not strategy._trades)  # the rejection dropped the trade
        await asyncio.sleep(0.5)
        assert len(server.placements()) == 1  # the share order alone: no call
    finally:
        await running.stop()


async def test_a_rejected_call_sells_the_shares_it_was_to_cover(
    server: FakeTradier, tmp_path: Path
) -> None:
    running = await start_node(covered_call_config(server, tmp_path))
    try:
        strategy = strategy_of(running)
        await wait_for(lambda: quoted(strategy, {CALL_ID: 4.00}))
        session_close(running, SPOT)
        await wait_for(lambda: server.placements())
        server.reject_next = "Option level too low"  # the call's order, sent after the fill
        await server.fill(_share_order(server), 100, price=SPOT)
        await wait_for(lambda: len(server.placements()) == 3)
        call, sale = server.placements()[1:]
        assert (call["option_symbol"], call["side"]) == (CALL, "sell_to_open")
        assert (sale["class"], sale["symbol"], sale["side"], sale["quantity"]) == (
            "equity",
            "SPY",
            "sell",
            "100",
        )
    finally:
        await running.stop()
