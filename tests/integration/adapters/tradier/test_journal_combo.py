"""The journal of a live credit spread traded as one multileg order (loopback fake Tradier).

The combo's legs fill as ``{order}-LEG-{symbol}`` fills of an order the journal finds by its
parent's structure tag; the record holds each leg's fill and exit, the net prices and the P&L.
"""

from pathlib import Path

import pytest
import yaml

from actors.journal import TradeJournal
from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.node_harness import (
    LONG_ID,
    LONG_PUT,
    SHORT_ID,
    SHORT_PUT,
    start_node,
    wait_for,
)
from tests.integration.adapters.tradier.test_short_option_combo import (
    combo_config,
    net_position,
    quoted,
    session_close,
)


async def test_combo_spread_round_trip_is_journalled(server: FakeTradier, tmp_path: Path) -> None:
    path = combo_config(server, tmp_path)
    config = yaml.safe_load(path.read_text())
    config["actors"] = [
        {
            "actor_path": "actors.journal:TradeJournal",
            "config_path": "actors.journal:TradeJournalConfig",
            "config": {"underlying": "SPY"},
        }
    ]
    path.write_text(yaml.safe_dump(config))
    running = await start_node(path)
    try:
        (strategy,) = running.node.trader.strategies()
        (journal,) = [a for a in running.node.trader.actors() if isinstance(a, TradeJournal)]
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10, LONG_ID: 1.88}))
        session_close(running, 472.60)
        await wait_for(lambda: server.orders)
        (entry_id,) = server.orders
        await server.fill(entry_id, 2, leg_prices={SHORT_PUT: 3.10, LONG_PUT: 1.90})
        await wait_for(lambda: net_position(running, SHORT_ID) == -2)
        await wait_for(lambda: net_position(running, LONG_ID) == 2)

        server.set_quote(SHORT_PUT, 1.00, 1.04)
        server.set_quote(LONG_PUT, 0.60, 0.64)
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 1.00, LONG_ID: 0.60}))
        session_close(running, 480.0)
        await wait_for(lambda: len(server.orders) == 2)
        await server.fill(max(server.orders), 2, leg_prices={SHORT_PUT: 1.04, LONG_PUT: 0.60})
        await wait_for(lambda: journal.rows() and journal.rows()[0]["exit_time"] is not None)
        (record,) = journal.rows()
    finally:
        await running.stop()
    assert record["structure"] == "bull put spread"
    assert record["size"] == 2
    assert [(leg["fill_price"], leg["exit_price"]) for leg in record["legs"]] == [
        (3.10, 1.04),
        (1.90, 0.60),
    ]
    assert record["fill_price"] == pytest.approx(1.20)
    assert record["exit_price"] == pytest.approx(0.44)
    assert record["pnl"] == pytest.approx((1.20 - 0.44) * 2 * 100)  # the fake charges no fees
    assert record["exit_reason"] == "take_profit"
    assert record["error_class"] is None
