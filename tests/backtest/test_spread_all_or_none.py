"""A credit spread is sent only when every leg can fill: crafted quotes, not market data."""

import datetime as dt

from nautilus_trader.model.data import Bar, QuoteTick
from nautilus_trader.model.objects import Price, Quantity

from actors.trade_recorder import TradeRecorder, TradeRecorderConfig
from options.instruments import daily_bar_type, make_equity, make_option_contract
from options.market_calendar import session_close_ns
from options.occ import parse_occ
from strategies.structure_engine import StructureEngine, StructureEngineConfig
from tradefly.backtest.config import DataSection, RunConfig, VenueSection
from tradefly.backtest.runner import RunData, new_engine, replay_order

DAY = dt.date(2021, 1, 4)
SHORT = make_option_contract(parse_occ("SPY210219P00370000"))
WING = make_option_contract(parse_occ("SPY210219P00360000"))
SPY = make_equity("SPY")


def _quote(instrument, bid: str, ask: str, size: int) -> QuoteTick:  # type: ignore[no-untyped-def]
    ts = session_close_ns(DAY)
    qty = Quantity.from_int(size)
    return QuoteTick(instrument.id, Price.from_str(bid), Price.from_str(ask), qty, qty, ts, ts)


def _run(wing_size: int) -> tuple[list[str], float]:
    ts = session_close_ns(DAY)
    px = Price.from_str("368.7900")
    bar = Bar(daily_bar_type(SPY.id), px, px, px, px, Quantity.from_int(1), ts, ts)
    quotes = [_quote(SHORT, "11.28", "11.33", 100), _quote(WING, "8.08", "8.11", wing_size)]
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
                structure_params={"short_delta": 0.50, "width": 10},
                entry_schedule="daily",
                dte_min=40,
                dte_max=50,
                quantity=5,
            )
        )
    )
    recorder = TradeRecorder(TradeRecorderConfig(underlying="SPY"))
    engine.add_actor(recorder)
    engine.run(end=ts + 10**9)
    fills = [
        f"{o.side_string()} {o.instrument_id.symbol} {o.filled_qty}" for o in engine.cache.orders()
    ]
    engine.dispose()
    return fills, recorder.slippage


def test_spread_fills_every_leg_when_both_quotes_have_size() -> None:
    fills, slippage = _run(wing_size=100)
    assert sorted(fills) == ["BUY SPY210219P00360000 5", "SELL SPY210219P00370000 5"]
    # Against the mids: the short sold 0.025 under 11.305, the wing bought 0.015 over 8.095.
    assert round(slippage, 6) == round((0.025 + 0.015) * 5 * 100, 6) == 20.0


def test_spread_is_not_sent_when_one_leg_lacks_size() -> None:
    assert _run(wing_size=2) == ([], 0.0)
