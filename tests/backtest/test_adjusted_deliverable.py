"""A short put on an adjusted contract delivering 150 shares, assigned at expiry, by hand.

No file in ../shared/data holds an adjusted root, so the files here are synthetic, in the
layouts the ingest reads (labelled ``synthetic`` in their names):

- ``fixtures/deliverables_synthetic_XYZ1.csv``: XYZ split 3-for-2, effective 2021-06-07;
  OCC's method since 2007 keeps the strike and the multiplier (100) and makes each contract
  deliver 150 shares under the root ``XYZ1``;
- ``fixtures/polygon_dayaggs_synthetic_XYZ1_adjusted_2021-07.csv``: Polygon day aggregates of
  the XYZ1 2021-07-16 60 and 55 puts (and one row of a 50 put dated before the effective
  date, which the table does not cover);
- ``fixtures/yfinance_XYZ_daily_synthetic_2021-07.csv``: XYZ daily bars, 2021-07-01..07-20.

Run: on 2021-07-02 sell 1 XYZ1 60 put and 1 XYZ1 55 put at market; the trade-bar fill model
quotes 2021-07-01's closes less 0.05 (2.10 -> 2.05, 0.60 -> 0.55); 0.65 USD per contract.
XYZ closes at 39.00 on 2021-07-16, so the 150 shares are worth 5,850.00: less than
60 × 100 = 6,000.00 (the 60 put is assigned: 150 shares bought for 6,000.00, 40.00 a share)
and more than 55 × 100 = 5,500.00 (the 55 put expires worthless, although 39.00 is below
its strike 55, which is all Nautilus's own rule would look at). On 2021-07-19 the 150 shares
are sold at that session's close, 39.50.
"""

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from nautilus_trader.backtest.engine import BacktestEngine
from nautilus_trader.model.currencies import USD
from nautilus_trader.model.data import Bar, QuoteTick
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import OptionContract
from nautilus_trader.model.objects import Price, Quantity

from actors.trade_recorder import TradeRecorder, TradeRecorderConfig
from catalog.access import open_catalog
from options.deliverables import Deliverable, deliverable_of
from options.instruments import (
    VENUE,
    daily_bar_type,
    equity_id,
    make_equity,
    make_option_contract,
    minute_bar_type,
)
from options.market_calendar import session_close_ns
from options.occ import parse_occ
from tests.backtest.scheduled_orders import ScheduledOrders, ScheduledOrdersConfig
from tests.conftest import PROJECT_ROOT
from tests.integration.catalog.test_ingest_cli import _counts
from tradefly.backtest.config import DataSection, RunConfig, VenueSection
from tradefly.backtest.runner import RunData, load_run_data, new_engine, replay_order
from tradefly.backtest.trades import group_trades
from tradefly.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
OPTIONS = FIXTURES / "polygon_dayaggs_synthetic_XYZ1_adjusted_2021-07.csv"
TABLE = FIXTURES / "deliverables_synthetic_XYZ1.csv"
BARS = FIXTURES / "yfinance_XYZ_daily_synthetic_2021-07.csv"
PUT_60 = "XYZ1210716P00060000.US"
PUT_55 = "XYZ1210716P00055000.US"
START = Decimal(100_000)
FEE = Decimal("0.65")


def _ingest(catalog: Path, *extra: str) -> int:
    args = ["ingest", "option-bars", str(OPTIONS), "--bars", str(BARS), "--ticker", "XYZ"]
    return main([*args, *extra, "--catalog", str(catalog), "--no-progress"])


@pytest.fixture
def xyz_catalog(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    catalog = tmp_path / "catalog"
    assert _ingest(catalog, "--deliverables", str(TABLE)) == 0
    counts = _counts(capsys.readouterr().out)
    # 5 option rows (the 2021-05-28 row predates the table's effective date) and 13 bars.
    assert (counts["rows read"], counts["rows rejected"]) == (5 + 13, 1)
    assert counts["adjusted root not in the deliverables table"] == 1
    assert counts["catalog rows written"] == 4 + 13
    return catalog


def test_without_the_table_adjusted_roots_are_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _ingest(tmp_path / "catalog") == 1
    captured = capsys.readouterr()
    assert _counts(captured.out)["adjusted root not in the deliverables table"] == 5
    assert f"every row of {OPTIONS} was rejected (5 rows)" in captured.err


def test_the_contract_carries_its_multiplier_and_deliverable(xyz_catalog: Path) -> None:
    [option] = open_catalog(xyz_catalog).instruments(instrument_ids=[PUT_60])
    assert isinstance(option, OptionContract)
    assert (option.underlying, float(option.multiplier)) == ("XYZ", 100.0)
    assert deliverable_of(option.info, 100) == Deliverable(150, Decimal(0), 100)


def _run_short_puts(catalog: Path) -> tuple[BacktestEngine, TradeRecorder]:
    """Sell the 60 and 55 puts on 2021-07-02, close the shares on 2021-07-19; run."""
    config = RunConfig(
        name="xyz1-adjusted",
        data=DataSection(
            underlyings=["XYZ"],
            start=dt.date(2021, 7, 1),
            end=dt.date(2021, 7, 20),
            fill_model="trade_close_half_spread",
            half_spread=0.05,
        ),
        venue=VenueSection(starting_balance=float(START), commission_per_contract=float(FEE)),
        strategies=[],
    )
    engine = new_engine(config, load_run_data(config, catalog))
    sell_on = session_close_ns(dt.date(2021, 7, 2))
    close_on = session_close_ns(dt.date(2021, 7, 19))
    orders = ((sell_on, PUT_60, "sell"), (sell_on, PUT_55, "sell"), (close_on, "XYZ.US", "close"))
    bar_type = str(daily_bar_type(equity_id("XYZ")))
    engine.add_strategy(ScheduledOrders(ScheduledOrdersConfig(bar_type=bar_type, orders=orders)))
    recorder = TradeRecorder(TradeRecorderConfig(underlying="XYZ"))
    engine.add_actor(recorder)
    engine.run()
    return engine, recorder


def test_short_put_assigned_into_150_shares_against_a_hand_computation(
    xyz_catalog: Path,
) -> None:
    engine, recorder = _run_short_puts(xyz_catalog)

    cache = engine.cache
    positions = {p.instrument_id.value: p for p in cache.positions()}
    put_60, put_55 = positions[PUT_60], positions[PUT_55]
    shares = positions["XYZ.US"]
    # Premiums: 2.05 × 100 = 205.00 and 0.55 × 100 = 55.00, less 0.65 each.
    assert (put_60.avg_px_open, put_55.avg_px_open) == (2.05, 0.55)
    assert put_60.realized_pnl.as_decimal() == Decimal("204.35")
    assert put_55.realized_pnl.as_decimal() == Decimal("54.35")
    # Assignment: 150 shares (not 100) for 60 × 100 = 6,000.00, 40.00 a share.
    assert (shares.peak_qty.as_double(), shares.avg_px_open) == (150.0, 40.0)
    assert [o.tags for o in cache.orders(instrument_id=InstrumentId.from_str(PUT_55))][-1] == [
        "EXPIRATION_US_OTM"
    ]
    # Sold on 2021-07-19 at 39.50: (39.50 - 40.00) × 150 = -75.00.
    assert (shares.avg_px_close, shares.realized_pnl.as_decimal()) == (39.5, Decimal("-75.00"))
    assert cache.positions_open() == []
    reasons = {t.symbol: t.exit_reason for t in recorder.trades}
    # The shares were sold by the test's untagged market order: closed, not open.
    assert reasons == {PUT_60[:-3]: "assigned", PUT_55[:-3]: "expired", "XYZ": "closed"}
    # The report's trade (trades.csv): the two puts sold together and the 150 shares the 60
    # put's assignment delivered; credit 205.00 + 55.00, P&L 204.35 + 54.35 - 75.00.
    (trade,) = group_trades(recorder.trades)
    assert [(leg.symbol, leg.quantity) for leg in trade.legs] == [
        (PUT_55[:-3], 1),
        (PUT_60[:-3], 1),
        ("XYZ", 150),
    ]
    assert trade.credit == 260.0
    assert trade.pnl == pytest.approx(204.35 + 54.35 - 75.00)
    cash = engine.portfolio.account(VENUE).balance_total(USD).as_decimal()
    # 100,000 + 205.00 + 55.00 - 2 × 0.65 - 6,000.00 + 150 × 39.50 = 100,183.70
    assert cash == START + 205 + 55 - 2 * FEE - 6000 + 150 * Decimal("39.50")
    assert cash == Decimal("100183.70")
    engine.dispose()


def test_cash_in_the_deliverable_goes_to_the_assigned_put_writer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Crafted table: the same contracts delivering 150 shares and 25.00 in cash (as after a
    # spin-off with a cash component). The writer of the assigned 60 put pays 6,000.00 and
    # receives both; the 55 put stays out of the money (150 × 39.00 + 25.00 = 5,875.00).
    table = tmp_path / "deliverables_synthetic_XYZ1_cash.csv"
    table.write_text(
        TABLE.read_text().replace("XYZ1,XYZ,2021-06-07,150,0,", "XYZ1,XYZ,2021-06-07,150,25.00,")
    )
    catalog = tmp_path / "catalog"
    assert _ingest(catalog, "--deliverables", str(table)) == 0
    capsys.readouterr()
    engine, _ = _run_short_puts(catalog)
    shares = next(p for p in engine.cache.positions() if p.instrument_id.value == "XYZ.US")
    assert (shares.peak_qty.as_double(), shares.avg_px_open) == (150.0, 40.0)
    cash = engine.portfolio.account(VENUE).balance_total(USD).as_decimal()
    assert cash == Decimal("100183.70") + Decimal("25.00")
    engine.dispose()


def test_the_backtest_command_warns_about_sessions_without_option_data(
    xyz_catalog: Path, tmp_path: Path
) -> None:
    # The fixture has option bars on 2021-07-01 and 2021-07-16 only: of the 13 sessions from
    # 2021-07-01 to 2021-07-20, 11 have none.
    config = tmp_path / "xyz.yaml"
    config.write_text(
        "name: xyz1_short_put\n"
        "data: {start: 2021-07-01, end: 2021-07-20, option_kinds: [put],\n"
        "       fill_model: trade_close_half_spread, half_spread: 0.05}\n"
        "venue: {starting_balance: 100000}\n"
        "strategies:\n"
        "  - strategy_path: strategies.structure_engine:StructureEngine\n"
        "    config_path: strategies.structure_engine:StructureEngineConfig\n"
        "    config: {underlying: XYZ, structure: short_put, dte_min: 10, dte_max: 20,\n"
        "             entry_start: 2021-07-01, entry_end: 2021-07-01}\n"
    )
    argv = ["backtest", str(config), "--catalog", str(xyz_catalog), "--reports", str(tmp_path)]
    # A separate process, as a user runs it: pytest's log capture would hide the line.
    run = subprocess.run(
        [sys.executable, "-m", "tradefly.cli", *argv, "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    assert run.returncode == 0, run.stderr
    assert (
        "warning: 11 of 13 sessions of XYZ options from 2021-07-01 to 2021-07-20 have no "
        "option data; longest gaps: 2021-07-02..2021-07-15 (9 sessions), "
        "2021-07-19..2021-07-20 (2 sessions)"
    ) in run.stderr.splitlines()


def _minute_ns(time: str) -> int:
    return int(pd.Timestamp(f"2021-07-16 {time}", tz="America/New_York").value)


def test_a_minute_replay_settles_them_on_the_first_quote_at_expiry() -> None:
    # Crafted minute data of the expiration day, built in memory: XYZ minute bars (stamped at
    # the end of their minute) closing 40.10 at 10:00, 39.05 at 15:59 and 39.00 at 16:00; the
    # XYZ1 60 and 55 puts quoted 1.50/1.60 and 0.40/0.50 at 10:00, and again at 16:00. A minute
    # replay sends the 16:00 quotes before the 16:00 bar, so the puts settle against the last
    # price then, 39.05: 150 × 39.05 = 5,857.50 is below 6,000.00 (the 60 put is assigned,
    # 150 shares for 6,000.00) and above 5,500.00 (the 55 put expires, where Nautilus's rule,
    # 39.05 < 55, would have bought 100 shares at 55).
    underlying = make_equity("XYZ")
    puts = [
        make_option_contract(parse_occ(symbol[:-3]), "XYZ", deliverable=Deliverable(150))
        for symbol in (PUT_60, PUT_55)
    ]
    bar_type = minute_bar_type(underlying.id)
    bars = [
        Bar(bar_type, *(Price.from_str(close),) * 4, Quantity.from_int(1000), ts, ts)
        for ts, close in (
            (_minute_ns("10:00"), "40.1000"),
            (_minute_ns("15:59"), "39.0500"),
            (_minute_ns("16:00"), "39.0000"),
        )
    ]
    quotes = [
        QuoteTick(
            put.id,
            Price.from_str(bid),
            Price.from_str(ask),
            Quantity.from_int(100),
            Quantity.from_int(100),
            ts,
            ts,
        )
        for ts in (_minute_ns("10:00"), _minute_ns("16:00"))
        for put, bid, ask in ((puts[0], "1.50", "1.60"), (puts[1], "0.40", "0.50"))
    ]
    config = RunConfig(
        name="xyz1-minute",
        data=DataSection(
            underlyings=["XYZ"],
            start=dt.date(2021, 7, 16),
            end=dt.date(2021, 7, 16),
            resolution="minute",
        ),
        venue=VenueSection(starting_balance=float(START), commission_per_contract=float(FEE)),
        strategies=[],
    )
    data = RunData([underlying], puts, replay_order(bars, quotes, bars_first=False))
    engine = new_engine(config, data)
    at_10 = _minute_ns("10:00")
    orders = ((at_10, PUT_60, "sell"), (at_10, PUT_55, "sell"))
    strategy = ScheduledOrdersConfig(bar_type=str(bar_type), orders=orders)
    engine.add_strategy(ScheduledOrders(strategy))
    engine.run()

    shares = engine.cache.positions_open(instrument_id=underlying.id)
    assert [(p.quantity.as_double(), p.avg_px_open) for p in shares] == [(150.0, 40.0)]
    assert [p.instrument_id for p in engine.cache.positions_open()] == [underlying.id]
    cash = engine.portfolio.account(VENUE).balance_total(USD).as_decimal()
    # 100,000 + 1.50 × 100 + 0.40 × 100 - 2 × 0.65 - 6,000.00 = 94,188.70
    assert cash == START + 150 + 40 - 2 * FEE - 6000 == Decimal("94188.70")
    engine.dispose()
