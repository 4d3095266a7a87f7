"""A minute replay gives end-of-day strategies and the recorder a daily bar per session.

Real LEAN files: SPXW minute quotes of 2021-01-04 with the SPX minute bars (which run past
16:00 with the official close 3700.65), and SPY's minute trade bars of 2023-08-03 (04:00 to
20:00 New York, pre- and after-market included).

``StructureEngine`` (the shipped strategy, deciding just after the session's close bar)
sells the 3700 put nearest 2 days out at the close: the SPXW 2021-01-06 3700 put at the bid of
its 16:00 quote, ``57540000,283000,301000,271000,280000,30,287000,364000,282000,290000,2``:
28.00 (ask 29.00). Equity at the close, marked at the mid 28.50: 100,000 + 2,800.00 - 0.65 -
2,850.00 = 99,949.35.
"""

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from nautilus_trader.model.data import Bar

from catalog.lean_minute import load_lean_minute
from options.instruments import daily_bar_type, equity_id
from options.market_calendar import session_close_ns
from tests.conftest import shared_data_path
from tradefly.backtest.config import DataSection, RunConfig, StrategyEntry, VenueSection
from tradefly.backtest.runner import run_backtest
from tradefly.backtest.session_bars import session_bars

LEAN = "intraday/lean_minute"
DAY = dt.date(2021, 1, 4)


def test_equity_session_bar_leaves_out_pre_and_after_market() -> None:
    path = shared_data_path(f"{LEAN}/equity/usa/minute/spy/20230803_trade.zip")
    minutes = [d for d in load_lean_minute(path).result.data if isinstance(d, Bar)]
    (daily,) = session_bars(minutes, daily_bar_type(equity_id("SPY")), index=False)
    text = zipfile.ZipFile(path).read("20230803_spy_minute_trade.csv").decode()
    rows = [[int(v) for v in r] for r in csv.reader(io.StringIO(text)) if r]
    regular = [r for r in rows if 34_200_000 <= r[0] < 57_600_000]  # 09:30 to the 15:59 minute
    assert rows[0][0] < 34_200_000 and rows[-1][0] > 57_600_000  # the file has both
    assert daily.ts_event == session_close_ns(dt.date(2023, 8, 3))
    assert float(daily.open) == regular[0][1] / 10_000
    assert float(daily.high) == max(r[2] for r in regular) / 10_000
    assert float(daily.low) == min(r[3] for r in regular) / 10_000
    assert float(daily.close) == regular[-1][4] / 10_000
    assert int(daily.volume) == sum(r[5] for r in regular)


def test_short_option_strategy_decides_at_the_close_of_a_minute_replay(
    spxw_minute_catalog: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # reports/ go here
    config = RunConfig(
        name="spxw-minute-close",
        data=DataSection(start=DAY, end=DAY, resolution="minute"),
        venue=VenueSection(starting_balance=100_000.0),
        strategies=[
            StrategyEntry(
                strategy_path="strategies.structure_engine:StructureEngine",
                config_path="strategies.structure_engine:StructureEngineConfig",
                config={
                    "underlying": "SPX",
                    "structure": "short_put",
                    "structure_params": {"strike": {"moneyness": 1.0}},
                    "expiration_choice": "best_first_leg",
                    "entry_schedule": "daily",
                    "dte_min": 1,
                    "dte_max": 5,
                    "quantity": 1,
                },
            )
        ],
    )
    result = run_backtest(config, spxw_minute_catalog)
    assert result.n_trades == 1
    (trade,) = result.trades
    assert trade.symbol == "SPXW210106P03700000"
    assert (result.premium_collected, result.fees, result.slippage) == (2800.0, 0.65, 50.0)
    assert [c.close for c in result.underlying_closes] == [3700.65]
    assert result.equity_curve[-1].equity == pytest.approx(99_949.35, abs=1e-9)
    assert result.ending_balance == pytest.approx(102_799.35, abs=1e-9)
