"""The risk guard in a Nautilus engine: incidents from the message bus trip the kill switch,
the pre-trade config reaches the cache, and admitted entries come back from the store."""

from pathlib import Path
from typing import Any

import pytest
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.model.currencies import USD
from nautilus_trader.model.enums import AccountType, OmsType
from nautilus_trader.model.events import OrderDenied, OrderRejected
from nautilus_trader.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    StrategyId,
    TraderId,
)
from nautilus_trader.model.objects import Money

from actors.risk_guard import RiskGuard, RiskGuardConfig
from options.instruments import VENUE
from risk import RISK_ENTRY_TOPIC, Action, EntryGated, RiskDecision, current_decision
from risk.entry_sizing import EntrySizingConfig
from risk.gate import EntryAdmitted, pretrade_config, save_entries, stored_entries
from risk.kill_switch import KillSwitchConfig
from risk.pretrade import PreTradeConfig
from risk.proposal import OpenEntry

TRADER = TraderId("T-001")
STRATEGY = StrategyId("S-001")
SPY = InstrumentId.from_str("SPY.US")
NS = 1_000_000_000


def _engine(guard: RiskGuard) -> BacktestEngine:
    engine = BacktestEngine(
        BacktestEngineConfig(trader_id=TRADER, logging=LoggingConfig(log_level="ERROR"))
    )
    engine.add_venue(
        VENUE, OmsType.HEDGING, AccountType.CASH, [Money(100_000, USD)], base_currency=USD
    )
    engine.add_actor(guard)
    engine.run(start=0, end=NS)  # starts the guard: its subscriptions stay on the bus
    return engine


def _publish(engine: BacktestEngine, topic: str, message: Any) -> None:
    engine.kernel.msgbus.publish(topic=topic, msg=message)


def test_repeated_rejects_and_denials_trip_the_kill_switch_which_flattens() -> None:
    config = KillSwitchConfig(max_rejects=3, flatten=True)
    engine = _engine(RiskGuard(RiskGuardConfig(interval_secs=60, kill_switch=config)))
    for i, kind in enumerate((OrderRejected, OrderDenied, OrderRejected)):
        assert current_decision(engine.cache).action == Action.ALLOW
        order = ClientOrderId(f"O-{i}")
        if kind is OrderRejected:
            event: Any = OrderRejected(
                TRADER, STRATEGY, SPY, order, AccountId("US-001"), "no buying power", UUID4(),
                NS, NS,
            )  # fmt: skip
        else:
            event = OrderDenied(TRADER, STRATEGY, SPY, order, "rate limit", UUID4(), NS)
        _publish(engine, f"events.order.{STRATEGY}", event)
    decision = current_decision(engine.cache)
    assert decision.action == Action.FLATTEN
    assert decision.reason == "kill switch: tripped: 3 orders rejected within 3600 s"
    engine.dispose()


def test_entries_blocked_by_data_quality_trip_it_other_blocks_do_not() -> None:
    config = KillSwitchConfig(max_data_breaks=2)
    engine = _engine(RiskGuard(RiskGuardConfig(interval_secs=60, kill_switch=config)))
    stale = RiskDecision(Action.BLOCK, 0.0, "data quality: entry waits: stale", "data_quality")
    window = RiskDecision(Action.BLOCK, 0.0, "trading window: 17:00", "trading_window")
    _publish(engine, RISK_ENTRY_TOPIC, EntryGated(NS, "S-001", window, 1, 0))
    _publish(engine, RISK_ENTRY_TOPIC, EntryGated(NS, "S-001", window, 1, 0))
    _publish(engine, RISK_ENTRY_TOPIC, EntryGated(NS, "S-001", stale, 1, 0))
    assert current_decision(engine.cache).action == Action.ALLOW
    _publish(engine, RISK_ENTRY_TOPIC, EntryGated(NS, "S-001", stale, 1, 0))
    assert current_decision(engine.cache).action == Action.BLOCK
    engine.dispose()


@pytest.mark.parametrize("restart", [False, True])
def test_the_pretrade_config_and_admitted_entries_reach_the_cache_after_a_restart(
    tmp_path: Path, restart: bool
) -> None:
    store = str(tmp_path / "state.sqlite")
    entry = PreTradeConfig(sizing=EntrySizingConfig(max_concurrent_trades=2), pending_secs=1e9)
    config = RiskGuardConfig(interval_secs=60, entry=entry, state_store=store)
    engine = _engine(RiskGuard(config))
    assert pretrade_config(engine.cache) == entry
    admitted = OpenEntry(NS, "S-001", "SPY", "short_put", 2, 1_000.0, ("SPY210219P00370000.US",))
    save_entries(engine.cache, [admitted])  # as check_entry does before it publishes
    _publish(engine, RISK_ENTRY_TOPIC, EntryAdmitted(admitted))
    if restart:
        engine.dispose()
        engine = _engine(RiskGuard(config))
    assert stored_entries(engine.cache) == [admitted]
    engine.dispose()
