"""``StructureEngine`` with ``spread_orders: combo`` on a real node against the fake Tradier.

The strategy's put credit spread opens as ONE ``multileg`` order and closes as another; the
per-leg fills build per-leg positions and the strategy's trade (both legs, the credit).
"""

import time
from pathlib import Path

import pytest
import yaml
from nautilus_trader.model.data import Bar
from nautilus_trader.model.identifiers import InstrumentId, is_generic_spread_id
from nautilus_trader.model.objects import Price, Quantity

from options.instruments import daily_bar_type
from strategies.structure_engine import StructureEngine, StructureEngineConfig, validate_config
from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.node_harness import (
    LONG_ID,
    LONG_PUT,
    SHORT_ID,
    SHORT_PUT,
    RunningNode,
    start_node,
    wait_for,
    write_config,
)

pytestmark = pytest.mark.timeout(180)

SPY_ID = InstrumentId.from_str("SPY.US")
STRATEGY = "strategies.structure_engine"


def combo_config(server: FakeTradier, folder: Path) -> Path:
    """The harness config with the short put spread strategy in place of the shell strategy."""
    path = write_config(server, folder)
    config = yaml.safe_load(path.read_text())
    config["instruments"] = {"load_ids": ["SPY.US", str(SHORT_ID), str(LONG_ID)]}  # no spread
    config["data"]["use_streaming"] = False  # quotes are polled, as on the sandbox
    config["strategies"] = [
        {
            "strategy_path": f"{STRATEGY}:StructureEngine",
            "config_path": f"{STRATEGY}:StructureEngineConfig",
            "config": {
                "underlying": "SPY",
                "structure": "bull_put_spread",
                # spot 472.6: the 470 put, and the 460 put 10 below it
                "structure_params": {"strike": {"moneyness": 1.0}, "width": 10},
                "expiration_choice": "best_first_leg",
                "entry_schedule": "daily",
                "dte_min": 0,
                "dte_max": 400,
                "quantity": 2,
                "max_open_trades": 1,
                "take_profit_pct": 0.5,
                "assigned_shares": "hold",
                "spread_orders": "combo",
            },
        },
    ]
    path.write_text(yaml.safe_dump(config))
    return path


def session_close(running: RunningNode, close: float) -> None:
    """Publish a SPY daily bar stamped now: the strategy decides 1 ms after it."""
    now = time.time_ns()
    price = Price(close, 4)
    bar = Bar(daily_bar_type(SPY_ID), price, price, price, price, Quantity.from_int(1), now, now)
    running.node.kernel.data_engine.process(bar)


def leg_sides(form: dict[str, str]) -> dict[str, str]:
    return {form[f"option_symbol[{i}]"]: form[f"side[{i}]"] for i in range(2)}


def net_position(running: RunningNode, instrument_id: InstrumentId) -> float:
    return float(running.node.portfolio.net_position(instrument_id))


def quoted(strategy: StructureEngine, bids: dict[InstrumentId, float]) -> bool:
    """Whether the strategy holds a quote at each bid for its next session decision."""
    pending = strategy._quotes
    return all(i in pending and pending[i].bid_price.as_double() == bid for i, bid in bids.items())


async def test_put_credit_spread_opens_and_closes_as_one_multileg_order(
    server: FakeTradier, tmp_path: Path
) -> None:
    running = await start_node(combo_config(server, tmp_path))
    try:
        (strategy,) = running.node.trader.strategies()
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10, LONG_ID: 1.88}))

        session_close(running, 472.60)
        await wait_for(lambda: server.orders)
        (entry,) = server.placements()
        assert entry["class"] == "multileg"
        assert entry["type"] == "market"
        assert entry["symbol"] == "SPY"
        assert (entry["quantity[0]"], entry["quantity[1]"]) == ("2", "2")
        assert leg_sides(entry) == {SHORT_PUT: "sell_to_open", LONG_PUT: "buy_to_open"}
        (order,) = running.node.cache.orders(strategy_id=strategy.id)
        assert is_generic_spread_id(order.instrument_id)
        assert entry["tag"] == order.client_order_id.value

        (entry_id,) = server.orders
        await server.fill(entry_id, 2, leg_prices={SHORT_PUT: 3.10, LONG_PUT: 1.90})
        await wait_for(
            lambda: net_position(running, SHORT_ID) == -2 and net_position(running, LONG_ID) == 2
        )
        (trade,) = strategy._trades
        await wait_for(lambda: trade.open_legs == {SHORT_ID, LONG_ID})
        assert trade.opened and not trade.closing
        assert trade.credit == pytest.approx(1.20)
        by_leg = {leg.instrument_id: leg for leg in trade.legs}
        for instrument_id in (SHORT_ID, LONG_ID):
            position = running.node.cache.position(by_leg[instrument_id].position_id)
            assert position is not None and position.is_open
            assert position.instrument_id == instrument_id

        # Half the credit can be bought back (pay 1.04, receive 0.60): the take-profit closes.
        server.set_quote(SHORT_PUT, 1.00, 1.04)
        server.set_quote(LONG_PUT, 0.60, 0.64)
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 1.00, LONG_ID: 0.60}))
        session_close(running, 480.0)
        await wait_for(lambda: len(server.placements()) == 2)
        exit_form = server.placements()[1]
        assert exit_form["class"] == "multileg"
        assert exit_form["type"] == "market"
        assert leg_sides(exit_form) == {SHORT_PUT: "buy_to_close", LONG_PUT: "sell_to_close"}

        exit_id = max(server.orders)
        await server.fill(exit_id, 2, leg_prices={SHORT_PUT: 1.04, LONG_PUT: 0.60})
        await wait_for(
            lambda: net_position(running, SHORT_ID) == 0 and net_position(running, LONG_ID) == 0
        )
        await wait_for(lambda: not strategy._trades)
        assert len(server.placements()) == 2
    finally:
        await running.stop()


def test_spread_orders_must_be_legs_or_combo() -> None:
    config = StructureEngineConfig(underlying="SPY", structure="short_put", spread_orders="basket")
    with pytest.raises(ValueError, match="spread_orders was 'basket'"):
        validate_config(config)


def hold_spread(server: FakeTradier) -> None:
    """Tradier holds the 470/460 put credit spread (2 lots, 1.20 credit); no order is open."""
    server.positions[SHORT_PUT] = [-2.0, -2 * 3.10 * 100]
    server.positions[LONG_PUT] = [2.0, 2 * 1.90 * 100]


async def test_held_spread_is_claimed_after_a_restart_and_closed_at_take_profit(
    server: FakeTradier, tmp_path: Path
) -> None:
    hold_spread(server)  # a restart: the node's cache is empty, the broker holds the spread
    running = await start_node(combo_config(server, tmp_path))
    try:
        (strategy,) = running.node.trader.strategies()
        cache = running.node.cache
        await wait_for(lambda: len(cache.positions_open()) == 2)
        assert {p.instrument_id: p.strategy_id for p in cache.positions_open()} == {
            SHORT_ID: strategy.id,
            LONG_ID: strategy.id,
        }
        (trade,) = strategy._trades
        assert trade.open_legs == {SHORT_ID, LONG_ID}
        assert trade.credit == pytest.approx(1.20)

        server.set_quote(SHORT_PUT, 1.00, 1.04)
        server.set_quote(LONG_PUT, 0.60, 0.64)
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 1.00, LONG_ID: 0.60}))
        session_close(running, 480.0)
        await wait_for(lambda: server.orders)
        (exit_form,) = server.placements()  # the exit only: the trade fills max_open_trades
        assert exit_form["class"] == "multileg"
        assert leg_sides(exit_form) == {SHORT_PUT: "buy_to_close", LONG_PUT: "sell_to_close"}
        (exit_id,) = server.orders
        await server.fill(exit_id, 2, leg_prices={SHORT_PUT: 1.04, LONG_PUT: 0.60})
        await wait_for(
            lambda: net_position(running, SHORT_ID) == 0 and net_position(running, LONG_ID) == 0
        )
        await wait_for(lambda: not strategy._trades)
        assert not server.positions
    finally:
        await running.stop()


async def test_held_options_stay_external_when_claiming_is_off(
    server: FakeTradier, tmp_path: Path
) -> None:
    hold_spread(server)
    path = combo_config(server, tmp_path)
    config = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump({**config, "claim_held_options": False}))
    running = await start_node(path)
    try:
        (strategy,) = running.node.trader.strategies()
        cache = running.node.cache
        await wait_for(lambda: len(cache.positions_open()) == 2)
        assert {p.strategy_id.value for p in cache.positions_open()} == {"EXTERNAL"}
        assert not strategy._trades
    finally:
        await running.stop()
