"""Several strategies on several underlyings in one run: crafted catalog, not market data.

SPY closes at 472.60 and QQQ at 360.40 on one session; each has an at-the-money put and one
further out. The run's two strategy sections (one per underlying, as a live config would list
them) must each sell one contract of its own underlying's at-the-money put, at the bid.
"""

import datetime as dt
from pathlib import Path

import pytest
from nautilus_trader.model.data import Bar, QuoteTick
from nautilus_trader.model.objects import Price, Quantity

from catalog.writer import write_to_catalog
from options.instruments import daily_bar_type, make_equity, make_option_contract
from options.market_calendar import session_close_ns
from options.occ import parse_occ
from tradefly.backtest.config import load_run_config
from tradefly.backtest.runner import run_backtest

DAY = dt.date(2024, 6, 3)
MARKET = {  # ticker: (close, {put symbol: bid})
    "SPY": ("472.6000", {"SPY240719P00470000": "3.10", "SPY240719P00460000": "1.88"}),
    "QQQ": ("360.4000", {"QQQ240719P00360000": "4.20", "QQQ240719P00350000": "2.05"}),
}
STRATEGY = """\
  - strategy_path: strategies.structure_engine:StructureEngine
    config_path: strategies.structure_engine:StructureEngineConfig
    config:
      underlying: {ticker}
      order_id_tag: {ticker}
      structure: short_put
      structure_params: {{strike: {{moneyness: 1.0}}}}
      expiration_choice: best_first_leg
      entry_schedule: daily
      dte_min: 30
      dte_max: 60
      quantity: 1
"""


def _catalog(folder: Path) -> Path:
    ts = session_close_ns(DAY)
    size = Quantity.from_int(10)
    data: list[object] = []
    for ticker, (close, puts) in MARKET.items():
        underlying = make_equity(ticker)
        px = Price.from_str(close)
        data += [underlying, Bar(daily_bar_type(underlying.id), px, px, px, px, size, ts, ts)]
        for symbol, bid in puts.items():
            option = make_option_contract(parse_occ(symbol))
            ask = Price(float(bid) + 0.04, 2)
            data += [option, QuoteTick(option.id, Price.from_str(bid), ask, size, size, ts, ts)]
    write_to_catalog(folder, data)  # type: ignore[arg-type]
    return folder


def test_each_strategy_trades_its_own_underlying(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(
        f"name: two\ndata: {{start: {DAY}, end: {DAY}}}\nvenue: {{starting_balance: 100000}}\n"
        "strategies:\n" + "".join(STRATEGY.format(ticker=t) for t in MARKET)
    )
    config = load_run_config(path)
    result = run_backtest(config, _catalog(tmp_path / "catalog"), run_id="two")

    sold = sorted((t.symbol, t.side, t.quantity, t.entry_price) for t in result.trades)
    assert sold == [
        ("QQQ240719P00360000", "SELL", 1, 4.20),
        ("SPY240719P00470000", "SELL", 1, 3.10),
    ]
    assert result.premium_collected == pytest.approx((4.20 + 3.10) * 100)
    assert result.n_trades == 2  # one trade per underlying, though opened at the same instant
    assert result.underlying == "SPY"  # the first strategy's underlying is the benchmark
    assert [p.close for p in result.underlying_closes] == [472.60]
