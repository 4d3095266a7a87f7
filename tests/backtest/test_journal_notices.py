"""The journal on a crafted credit spread (quotes made up, not market data) with a model signal
in the cache, its reject and denial notifications and its daily summary, sent through apprise
to a channel on 127.0.0.1."""

import datetime as dt

import pytest
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.model.data import Bar, QuoteTick
from nautilus_trader.model.events import OrderDenied, OrderRejected
from nautilus_trader.model.identifiers import (
    AccountId,
    ClientOrderId,
    StrategyId,
    TraderId,
)
from nautilus_trader.model.objects import Price, Quantity

from actors.journal import TradeJournal, TradeJournalConfig
from options.instruments import daily_bar_type, make_equity, make_option_contract
from options.market_calendar import session_close_ns
from options.occ import parse_occ
from risk.notify import AppriseNotifier
from strategies.structure_engine import StructureEngine, StructureEngineConfig
from strategies.toolkit.signal import Signal, store_latest_signal
from tests.unit.risk.channel_server import channel_server
from tradefly.backtest.config import DataSection, RunConfig, VenueSection
from tradefly.backtest.runner import RunData, new_engine, replay_order

DAY = dt.date(2021, 1, 4)
SHORT = make_option_contract(parse_occ("SPY210219P00370000"))
WING = make_option_contract(parse_occ("SPY210219P00360000"))
SPY = make_equity("SPY")


def _quote(instrument, bid: str, ask: str) -> QuoteTick:  # type: ignore[no-untyped-def]
    ts = session_close_ns(DAY)
    qty = Quantity.from_int(100)
    return QuoteTick(instrument.id, Price.from_str(bid), Price.from_str(ask), qty, qty, ts, ts)


def test_spread_entry_is_journalled_and_the_owner_gets_rejects_and_a_daily_summary() -> None:
    ts = session_close_ns(DAY)
    px = Price.from_str("368.7900")
    bar = Bar(daily_bar_type(SPY.id), px, px, px, px, Quantity.from_int(1), ts, ts)
    quotes = [_quote(SHORT, "11.28", "11.33"), _quote(WING, "8.08", "8.11")]
    config = RunConfig(
        name="crafted",
        data=DataSection(underlyings=["SPY"], start=DAY, end=DAY),
        venue=VenueSection(starting_balance=1_000_000),
        strategies=[],
    )
    engine = new_engine(config, RunData([SPY], [SHORT, WING], replay_order([bar], quotes)))
    engine.add_strategy(
        StructureEngine(
            StructureEngineConfig(
                underlying="SPY",
                structure="bull_put_spread",
                structure_params={"strike": {"moneyness": 1.0}, "width": 10},
                entry_schedule="daily",
                dte_min=40,
                dte_max=50,
                quantity=5,
            )
        )
    )
    signal = Signal(
        underlying="SPY",
        ts_ns=ts,
        direction=1,
        probability=0.8,
        confidence=0.6,
        model_version="v1",
        features_hash="0" * 64,
    )
    store_latest_signal(engine.cache, signal)
    journal = TradeJournal(TradeJournalConfig(underlying="SPY"))
    engine.add_actor(journal)
    with channel_server() as channel:
        journal.set_notifier(AppriseNotifier([channel.url()], environ={}))
        engine.run(end=ts + 10**9)
        rejected = OrderRejected(
            TraderId("BACKTESTER-001"),
            StrategyId("StructureEngine-000"),
            SHORT.id,
            ClientOrderId("O-REJECTED-1"),
            AccountId("US-001"),
            "insufficient buying power",
            UUID4(),
            ts,
            ts,
        )
        engine.kernel.msgbus.publish(topic="events.order.StructureEngine-000", msg=rejected)
        denied = OrderDenied(
            TraderId("BACKTESTER-001"),
            StrategyId("StructureEngine-000"),
            SHORT.id,
            ClientOrderId("O-DENIED-1"),
            "MAX_ORDER_SUBMIT_RATE",
            UUID4(),
            ts,
        )
        engine.kernel.msgbus.publish(topic="events.order.StructureEngine-000", msg=denied)
        (record,) = journal.rows()
        engine.dispose()
    legs = record["legs"]
    assert record["structure"] == "bull put spread"
    assert [leg["side"] for leg in record["legs"]] == ["SELL", "BUY"]
    assert [leg["fill_price"] for leg in record["legs"]] == [11.28, 8.11]
    assert round(record["fill_price"], 6) == round(11.28 - 8.11, 6) == record["limit_price"]
    # Against the mids: the short sold 0.025 under 11.305, the wing bought 0.015 over 8.095.
    assert round(record["entry_slippage"], 6) == 20.0
    assert round(record["max_loss"], 6) == round((10 - (11.28 - 8.11)) * 100 * 5, 6)
    assert record["size"] == 5 and record["exit_time"] is None
    assert (record["signal"], record["confidence"]) == ("bullish", 0.6)
    assert "model:v1" in record["reason_tags"]
    # No vendor greeks in this data: Black-Scholes greeks of our IV of each mid
    assert record["greeks"]["delta"] == pytest.approx(
        -100 * 5 * (legs[0]["delta"] - legs[1]["delta"])
    )
    assert all(leg["iv"] and leg["gamma"] and leg["vega"] and leg["theta"] for leg in legs)
    titles = channel.titles()
    assert titles == ["daily summary 2021-01-04", "order rejected", "order denied"]
    summary, reject, deny = channel.received
    assert deny["message"] == "O-DENIED-1 on SPY210219P00370000.US: MAX_ORDER_SUBMIT_RATE"
    assert "0 trade(s) closed today" in summary["message"] and "1 open" in summary["message"]
    assert reject["message"] == ("O-REJECTED-1 on SPY210219P00370000.US: insufficient buying power")
