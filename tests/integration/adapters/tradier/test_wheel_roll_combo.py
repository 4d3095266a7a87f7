"""A wheel's put rolled on a live node against the loopback fake Tradier (``spread_orders:
combo``): ONE multileg order buys the 470 put back and sells the later 470 put, and both fills
are booked in the wheel's cycle, once, whether the order fills while the node runs or while it
is down.
"""

from pathlib import Path

import pytest
import yaml

from strategies.toolkit.wheel import WheelPhase
from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.node_harness import (
    SHORT_ID,
    SHORT_PUT,
    RunningNode,
    start_node,
    wait_for,
)
from tests.integration.adapters.tradier.test_roll_combo import NEW_SHORT, NEW_SHORT_ID, _legs
from tests.integration.adapters.tradier.test_short_option_combo import (
    net_position,
    quoted,
    session_close,
)
from tests.integration.adapters.tradier.test_short_option_state import (
    single_put_config,
    strategy_of,
)

pytestmark = pytest.mark.timeout(90)

# Hand computation (the fake charges no commission): the 470 put sold at 3.10 (310.00),
# bought back at 1.04 (104.00) and the later 470 put sold at 3.50 (350.00): puts 2, put
# premium 310 - 104 + 350 = 556.00.
CYCLE = {"puts": 2, "calls": 0, "put_premium": 556.0, "fees": 0.0, "shares": 0}


def wheel_roll_config(server: FakeTradier, folder: Path) -> Path:
    """A wheel on the 470 put rolled out to the later 470 put when half its credit is kept."""
    path = single_put_config(
        server,
        folder,
        structure="cash_secured_put",
        wheel={
            "call_params": {"strike": {"moneyness": 1.0}},
            "call_dte_min": 0,
            "call_dte_max": 400,
        },
        spread_orders="combo",
        roll_profit_pct=0.5,
        roll_to="out",
        max_rolls=1,
    )
    config = yaml.safe_load(path.read_text())
    config["instruments"]["load_ids"].append(str(NEW_SHORT_ID))
    path.write_text(yaml.safe_dump(config))
    server.set_quote(NEW_SHORT, 3.50, 3.54)
    return path


async def _sell_put_and_send_roll(server: FakeTradier, running: RunningNode) -> dict[str, str]:
    strategy = strategy_of(running)
    await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10, NEW_SHORT_ID: 3.50}))
    session_close(running, 472.60)  # sells the 470 put
    await wait_for(lambda: server.orders)
    (entry_id,) = server.orders
    await server.fill(entry_id, 1, price=3.10)
    await wait_for(lambda: strategy._trades and strategy._trades[0].opened)
    # Buying back costs 1.04 <= (1 - 0.5) x 3.10: roll out to the later 470 put.
    server.set_quote(SHORT_PUT, 1.00, 1.04)
    await wait_for(lambda: quoted(strategy, {SHORT_ID: 1.00}))
    session_close(running, 480.0)
    await wait_for(lambda: len(server.placements()) == 2)
    return server.placements()[1]


async def test_a_wheel_roll_is_one_multileg_order_booked_in_the_cycle(
    server: FakeTradier, tmp_path: Path
) -> None:
    running = await start_node(wheel_roll_config(server, tmp_path))
    try:
        form = await _sell_put_and_send_roll(server, running)
        assert form["class"] == "multileg"
        assert _legs(form) == {SHORT_PUT: ("buy_to_close", "1"), NEW_SHORT: ("sell_to_open", "1")}
        await server.fill(max(server.orders), 1, leg_prices={SHORT_PUT: 1.04, NEW_SHORT: 3.50})
        await wait_for(lambda: net_position(running, NEW_SHORT_ID) == -1)
        strategy = strategy_of(running)
        await wait_for(lambda: len(strategy._trades) == 1 and strategy._trades[0].opened)
        await wait_for(lambda: strategy.wheel_report()[0]["put_premium"] == CYCLE["put_premium"])
        (cycle,) = strategy.wheel_report()
        assert {key: cycle[key] for key in CYCLE} == CYCLE
        assert strategy.wheel_phase == WheelPhase.PUT
    finally:
        await running.stop()
    assert len(server.placements()) == 2


async def test_a_wheel_roll_filled_while_the_node_was_down_is_booked_in_the_cycle_once(
    server: FakeTradier, tmp_path: Path
) -> None:
    path = wheel_roll_config(server, tmp_path)
    running = await start_node(path)
    try:
        await _sell_put_and_send_roll(server, running)
    finally:
        await running.stop()
    await server.fill(max(server.orders), 1, leg_prices={SHORT_PUT: 1.04, NEW_SHORT: 3.50})

    for _life in range(2):  # the restart books it; the next one finds it in the store
        running = await start_node(path)
        try:
            strategy = strategy_of(running)
            await wait_for(
                lambda s=strategy: (
                    len(s._trades) == 1
                    and s._trades[0].opened
                    and s._trades[0].legs[0].instrument_id == NEW_SHORT_ID
                )
            )
            (cycle,) = strategy.wheel_report()
            assert {key: cycle[key] for key in CYCLE} == CYCLE
        finally:
            await running.stop()
    assert len(server.placements()) == 2
