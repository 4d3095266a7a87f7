"""The wheel on a live node against the fake Tradier: a put filled while the node was down is in
the wheel's cycle after the restart, once, and the cycle survives another restart."""

from pathlib import Path

import pytest

from strategies.toolkit.wheel import WheelPhase
from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.node_harness import SHORT_ID, start_node, wait_for
from tests.integration.adapters.tradier.test_short_option_combo import quoted, session_close
from tests.integration.adapters.tradier.test_short_option_state import (
    single_put_config,
    strategy_of,
)

pytestmark = pytest.mark.timeout(90)


async def test_a_put_filled_while_the_node_was_down_is_booked_in_the_cycle_once(
    server: FakeTradier, tmp_path: Path
) -> None:
    path = single_put_config(
        server,
        tmp_path,
        structure="cash_secured_put",
        wheel={
            "call_params": {"strike": {"moneyness": 1.0}},
            "call_dte_min": 0,
            "call_dte_max": 400,
        },
    )
    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        assert strategy.wheel_phase == WheelPhase.PUT
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10}))
        session_close(running, 472.60)  # sells the 470 put
        await wait_for(lambda: server.orders)
    finally:
        await running.stop()
    (entry_id,) = server.orders
    await server.fill(entry_id, 1, price=3.10)  # filled while the node is down

    for _life in range(2):  # the restart books it; the next one finds it in the store
        running = await start_node(path)
        try:
            strategy = strategy_of(running)
            await wait_for(lambda s=strategy: s._trades and s._trades[0].opened)
            (cycle,) = strategy.wheel_report()
            # one 470 put sold at 3.10: 310 dollars; the fake broker charges no commission
            assert (cycle["puts"], cycle["put_premium"], cycle["fees"]) == (1, 310.0, 0.0)
            assert (cycle["status"], cycle["shares"]) == ("open", 0)
            assert strategy.wheel_phase == WheelPhase.PUT
        finally:
            await running.stop()
    assert len(server.placements()) == 1
