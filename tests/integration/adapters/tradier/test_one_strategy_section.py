"""One ``strategies:`` section, copied unchanged, runs in a backtest and on a live node.

The backtest replays a crafted catalog (not market data) holding exactly the market the loopback
Tradier serves: SPY closing at 472.60, the 470 put at 3.10/3.14 and the 460 put at 1.88/1.92,
both expiring about nine months ahead. The strategy section sells one put at the money, so in
both modes it must pick the 470 put and sell one contract: at the bid 3.10 in the simulation,
as one ``sell_to_open`` order at Tradier.
"""

import datetime as dt
from pathlib import Path

import pytest
import yaml
from nautilus_trader.model.data import Bar, QuoteTick
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.objects import Price, Quantity

from adapters.tradier.live_config import load_checked_live_config
from catalog.writer import write_to_catalog
from options.instruments import daily_bar_type, make_equity, make_option_contract
from options.market_calendar import previous_session, session_close_ns
from options.occ import parse_occ
from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.node_harness import (
    LONG_ID,
    LONG_PUT,
    SHORT_ID,
    SHORT_PUT,
    start_node,
    wait_for,
    write_config,
)
from tests.integration.adapters.tradier.test_short_option_combo import quoted, session_close
from tradefly.backtest.config import load_run_config
from tradefly.backtest.runner import build_engine

pytestmark = pytest.mark.timeout(180)

SECTION = """\
strategies:
  - strategy_path: strategies.structure_engine:StructureEngine
    config_path: strategies.structure_engine:StructureEngineConfig
    config:
      underlying: SPY
      structure: short_put
      structure_params: {strike: {moneyness: 1.0}}
      expiration_choice: best_first_leg
      entry_schedule: daily
      dte_min: 0
      dte_max: 400
      quantity: 1
      max_open_trades: 1
      assigned_shares: hold
"""
DAY = previous_session(dt.datetime.now(dt.UTC).date())


def _backtest_config(folder: Path) -> Path:
    path = folder / "backtest.yaml"
    path.write_text(
        f"name: one_section\ndata: {{start: {DAY}, end: {DAY}}}\n"
        "venue: {starting_balance: 100000}\n" + SECTION
    )
    return path


def _live_config(server: FakeTradier, folder: Path) -> Path:
    path = write_config(server, folder)
    config = yaml.safe_load(path.read_text())
    config["instruments"] = {"load_ids": ["SPY.US", str(SHORT_ID), str(LONG_ID)]}
    config["data"]["use_streaming"] = False
    config.update(yaml.safe_load(SECTION))
    path.write_text(yaml.safe_dump(config))
    return path


def _crafted_catalog(folder: Path) -> Path:
    ts = session_close_ns(DAY)
    close = Price.from_str("472.6000")
    spy = make_equity("SPY")
    short, wing = (make_option_contract(parse_occ(s)) for s in (SHORT_PUT, LONG_PUT))
    size = Quantity.from_int(10)
    quotes = [
        QuoteTick(short.id, Price.from_str("3.10"), Price.from_str("3.14"), size, size, ts, ts),
        QuoteTick(wing.id, Price.from_str("1.88"), Price.from_str("1.92"), size, size, ts, ts),
    ]
    bar = Bar(daily_bar_type(spy.id), close, close, close, close, Quantity.from_int(1), ts, ts)
    write_to_catalog(folder, [spy, short, wing, bar, *quotes])
    return folder


async def test_the_same_section_trades_the_same_put_in_a_backtest_and_live(
    server: FakeTradier, tmp_path: Path
) -> None:
    backtest_path, live_path = _backtest_config(tmp_path), _live_config(server, tmp_path)
    live_raw = load_checked_live_config(live_path)
    backtest = load_run_config(backtest_path)
    assert live_raw["strategies"] == yaml.safe_load(backtest_path.read_text())["strategies"]

    engine, _recorder = build_engine(backtest, _crafted_catalog(tmp_path / "catalog"))
    try:
        engine.run(end=session_close_ns(DAY) + 60 * 10**9)  # past the decision at close + 1 ms
        (order,) = engine.cache.orders()
        assert (order.instrument_id, order.side, order.quantity) == (SHORT_ID, OrderSide.SELL, 1)
        assert order.is_closed and order.avg_px == pytest.approx(3.10)
    finally:
        engine.dispose()

    running = await start_node(live_path)
    try:
        (strategy,) = running.node.trader.strategies()
        await wait_for(lambda: quoted(strategy, {SHORT_ID: 3.10, LONG_ID: 1.88}))
        session_close(running, 472.60)
        await wait_for(lambda: server.orders)
        (placed,) = server.placements()
        assert (placed["class"], placed["option_symbol"], placed["side"], placed["quantity"]) == (
            "option",
            SHORT_PUT,
            "sell_to_open",
            "1",
        )
    finally:
        await running.stop()
