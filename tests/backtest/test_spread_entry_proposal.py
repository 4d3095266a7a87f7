"""A credit spread's entry proposal through the risk gate: crafted quotes, not market data.

The strategy proposes ``put_credit_spread`` (short 370 put, long 360 wing) with its worst-case
loss per spread; the guard's sizing cuts it to the risk budget, and a wing quoted with a zero
bid makes the entry wait with the reason in the risk log.
"""

from typing import Any

from nautilus_trader.model.data import Bar
from nautilus_trader.model.objects import Price, Quantity

from actors.risk_guard import RiskGuard, RiskGuardConfig
from options.instruments import daily_bar_type
from options.market_calendar import session_close_ns
from risk.data_quality import DataQualityConfig
from risk.entry_sizing import EntrySizingConfig
from risk.gate import stored_entries
from risk.pretrade import PreTradeConfig
from strategies.structure_engine import StructureEngine, StructureEngineConfig
from tests.backtest.test_spread_all_or_none import DAY, SHORT, SPY, WING, _quote
from tradefly.backtest.config import DataSection, RunConfig, VenueSection
from tradefly.backtest.runner import RunData, new_engine, replay_order

ENTRY = PreTradeConfig(
    sizing=EntrySizingConfig(risk_per_trade=0.002),  # 2,000 of 1,000,000
    data_quality=DataQualityConfig(require_greeks=False),  # the crafted quotes carry none
)


def _run(wing_bid: str) -> tuple[list[str], list[Any], list[Any]]:
    ts = session_close_ns(DAY)
    px = Price.from_str("368.7900")
    bar = Bar(daily_bar_type(SPY.id), px, px, px, px, Quantity.from_int(1), ts, ts)
    quotes = [_quote(SHORT, "11.28", "11.33", 100), _quote(WING, wing_bid, "8.11", 100)]
    config = RunConfig(
        name="crafted",
        data=DataSection(underlyings=["SPY"], start=DAY, end=DAY),
        venue=VenueSection(starting_balance=1_000_000),
        strategies=[],
    )
    engine = new_engine(config, RunData([SPY], [SHORT, WING], replay_order([bar], quotes)))
    strategy = StructureEngineConfig(
        underlying="SPY",
        structure="bull_put_spread",
        structure_params={"strike": {"moneyness": 1.0}, "width": 10},
        entry_schedule="daily",
        dte_min=40,
        dte_max=50,
        quantity=5,
    )
    engine.add_strategy(StructureEngine(strategy))
    guard = RiskGuard(RiskGuardConfig(underlying="SPY", entry=ENTRY))
    engine.add_actor(guard)
    engine.run(end=ts + 10**9)
    fills = [
        f"{o.side_string()} {o.instrument_id.symbol} {o.filled_qty}" for o in engine.cache.orders()
    ]
    entries = stored_entries(engine.cache)
    events = [e for e in guard.risk_events() if e.rule == "entry"]
    engine.dispose()
    return fills, entries, events


def test_a_spread_is_proposed_with_its_max_loss_and_cut_to_the_risk_budget() -> None:
    fills, entries, events = _run("8.08")
    # worst-case loss of one spread: (10 - (11.28 - 8.11)) x 100 = 683; 2,000 / 683 = 2.9
    assert sorted(fills) == ["BUY SPY210219P00360000 2", "SELL SPY210219P00370000 2"]
    (entry,) = entries
    assert (entry.structure, entry.underlying, entry.quantity) == ("bull_put_spread", "SPY", 2)
    assert entry.max_loss == 2 * 683.0
    assert entry.instruments == ("SPY210219P00370000.US", "SPY210219P00360000.US")
    (resized,) = events
    assert resized.action == "entry_reduced"
    assert "5 -> 2 contracts" in resized.reason
    assert "one unit risks 683.00" in resized.reason


def test_a_zero_bid_wing_makes_the_entry_wait_with_the_reason_logged() -> None:
    fills, entries, events = _run("0.00")
    assert fills == []
    assert entries == []
    (blocked,) = events
    assert blocked.action == "entry_blocked"
    assert blocked.rules == "data_quality,sizing"  # sizing also cut it to 2
    assert "SPY210219P00360000.US has a zero bid" in blocked.reason
