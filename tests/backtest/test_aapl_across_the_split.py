"""AAPL monthly calls across the 2020-08-31 4:1 split, against a hand computation on real data.

Polygon's AAPL 2020 file (real) carries split-adjusted strikes and prices, with unadjusted OCC
tickers, on every row before the split; they are rejected and counted as ``split-adjusted``.
The underlying is LEAN's raw AAPL daily file (real, unadjusted, traded prices on both sides
of the split). Rule: the 2020 slice of configs/backtest/aapl_monthly_atm_call_2016_2025.yaml
(as the SPY rule of test_trade_bar_fill_model.py): the run trades only contracts with real
rows, that is from the split on, and warns that the sessions before it have no option data.
The buy-and-hold benchmark holds one share through the split (4 shares from 2020-08-31, from
LEAN's factor file next to the daily file).
"""

import csv
import datetime as dt
import io
import logging
import os
import zipfile
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest

from options.occ import parse_occ
from tests.backtest.test_trade_bar_fill_model import _third_friday_or_thursday
from tests.conftest import PROJECT_ROOT, shared_data_path
from tests.integration.catalog.test_ingest_cli import _counts
from tradefly.backtest.config import load_run_config
from tradefly.backtest.report import summary_dict
from tradefly.backtest.runner import run_backtest
from tradefly.cli import main

OPTION_BARS = "options_chains/polygon_dayaggs_monthly/AAPL/2020_options_pessimistic.csv"
AAPL_DAILY = "underlying_daily/lean/equity/usa/daily/aapl.zip"
HALF_SPREAD = Decimal("0.05")
FEE = Decimal("0.65")
START, ENTRY_END, END = dt.date(2020, 1, 2), dt.date(2020, 11, 30), dt.date(2020, 12, 31)


def _raw_closes(zip_path: Path) -> dict[dt.date, Decimal]:
    with zipfile.ZipFile(zip_path) as archive, archive.open("aapl.csv") as raw:
        rows = csv.reader(io.TextIOWrapper(raw))
        return {
            dt.datetime.strptime(r[0][:8], "%Y%m%d").date(): Decimal(r[4]) / 10_000  # noqa: DTZ007
            for r in rows
        }


def hand_computation(option_csv: Path, zip_path: Path) -> list[tuple[str, Decimal, Decimal]]:
    """Return (OCC symbol, premium per share, share P&L) per trade, straight from the files."""
    closes = _raw_closes(zip_path)
    sessions = sorted(closes)
    with option_csv.open() as f:
        # Rows whose strike column is the ticker's strike: the ones that describe a contract.
        rows = [
            r for r in csv.DictReader(f) if Decimal(r["strike"]) == parse_occ(r["ticker"]).strike
        ]
    traded: set[dt.date] = set()
    trades = []
    for day in sessions:
        if not START <= day <= ENTRY_END:
            continue
        pool = [
            r
            for r in rows
            if r["date_only"] == day.isoformat()
            and r["option_type"] == "C"
            and 14 <= (dt.date.fromisoformat(r["expiration_date"]) - day).days <= 45
            and _third_friday_or_thursday(dt.date.fromisoformat(r["expiration_date"]))
            and dt.date.fromisoformat(r["expiration_date"]) not in traded
            and Decimal(r["close_price"]) - HALF_SPREAD > 0
        ]
        if not pool:
            continue
        nearest = min(r["expiration_date"] for r in pool)
        pool = [r for r in pool if r["expiration_date"] == nearest]
        best = min(
            pool, key=lambda r: (abs(Decimal(r["strike"]) - closes[day]), -Decimal(r["strike"]))
        )
        expiration = dt.date.fromisoformat(best["expiration_date"])
        traded.add(expiration)
        strike = Decimal(best["strike"])
        share_pnl = Decimal(0)
        if closes[expiration] > strike:
            share_pnl = (strike - closes[sessions[sessions.index(expiration) + 1]]) * 100
        trades.append(
            (
                best["ticker"].removeprefix("O:"),
                Decimal(best["close_price"]) - HALF_SPREAD,
                share_pnl,
            )
        )
    return trades


def test_aapl_2020_trades_only_real_contracts_and_warns_about_the_months_before_the_split(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    option_csv, zip_path = shared_data_path(OPTION_BARS), shared_data_path(AAPL_DAILY)
    catalog = tmp_path / "catalog"
    argv = ["ingest", "option-bars", str(option_csv), "--bars", str(zip_path)]
    assert main([*argv, "--catalog", str(catalog), "--no-progress"]) == 0
    out = capsys.readouterr().out
    counts = _counts(out)
    assert "splits: AAPL 2020-08-31 4:1" in out.splitlines()
    # Every row is written or counted: 3,887 option rows (2,282 split-adjusted), 5,849 bars.
    assert (counts["rows read"], counts["rows rejected"]) == (3887 + 5849, 2282)
    assert counts["split-adjusted"] == 2282
    assert counts["catalog rows written"] == 3887 - 2282 + 5849

    base = load_run_config(
        PROJECT_ROOT / "configs" / "backtest" / "aapl_monthly_atm_call_2016_2025.yaml"
    )
    data = msgspec.structs.replace(base.data, start=START, end=END)
    config = msgspec.structs.replace(base, data=data).with_strategy_fields(
        entry_start=START.isoformat(), entry_end=ENTRY_END.isoformat()
    )
    with caplog.at_level(logging.WARNING):
        result = run_backtest(config, catalog, run_id="t")

    expected = hand_computation(option_csv, zip_path)
    options = [t for t in result.trades if t.symbol != "AAPL"]
    assert [(t.symbol, Decimal(str(t.entry_price))) for t in options] == [
        (s, p) for s, p, _ in expected
    ]
    assert min(t.entry_time for t in options) >= "2020-08-31"
    premium = sum(p * 100 for _, p, _ in expected)
    realized = premium - FEE * len(expected) + sum(s for _, _, s in expected)
    assert result.n_trades == len(expected) == 3
    assert Decimal(str(result.realized_pnl)).quantize(Decimal("0.01")) == realized
    [warning] = [r.getMessage() for r in caplog.records if "have no option data" in r.getMessage()]
    assert "of AAPL options from 2020-01-02 to" in warning
    assert "longest gaps: 2020-01-02..2020-09-11 (176 sessions)" in warning

    # Buy-and-hold of one share through the 4:1 split, by hand from the raw closes: 300.35 on
    # 2020-01-02, 132.69 × 4 = 530.76 on 2020-12-31 (the raw close fell from 499.23 on
    # 2020-08-28 to 129.04 on 2020-08-31, the ex-date, while one share became four).
    closes = _raw_closes(zip_path)
    sessions = [d for d in sorted(closes) if START <= d <= END]
    held = [closes[d] * (4 if d >= dt.date(2020, 8, 31) else 1) for d in sessions]
    assert (held[0], held[-1]) == (Decimal("300.35"), Decimal("530.76"))
    peak, drawdown = held[0], Decimal(0)
    for value in held:
        peak = max(peak, value)
        drawdown = max(drawdown, 1 - value / peak)
    # The deepest fall is the March crash: 327.20 (2020-02-12) to 224.37 (2020-03-23), 31.43%.
    assert drawdown == 1 - Decimal("224.37") / Decimal("327.20")
    benchmark = summary_dict(result)["benchmark"]
    assert benchmark["total_return"] == pytest.approx(float(Decimal("530.76") / held[0] - 1))
    assert benchmark["total_return"] == pytest.approx(0.76714, abs=1e-5)
    assert benchmark["max_drawdown"] == pytest.approx(float(drawdown))


@pytest.mark.skipif(
    os.environ.get("TRADEFLY_AAPL_DECADE") != "1",
    reason="the ten-year AAPL run takes minutes; set TRADEFLY_AAPL_DECADE=1 to run it",
)
def test_the_ten_year_aapl_run_reported_in_the_readme(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = str(tmp_path / "catalog")
    options = sorted(str(p) for p in shared_data_path(OPTION_BARS).parent.glob("*.csv"))
    nasdaq = str(shared_data_path("underlying_daily/nasdaq_com/HistoricalData_AAPL.csv"))
    ingest = ["--catalog", catalog, "--no-progress"]
    # The four pre-split years are rejected whole (split-adjusted): exit 1, the rest written.
    assert main(["ingest", "option-bars", *options, *ingest]) == 1
    counts = _counts(capsys.readouterr().out)
    assert (counts["rows read"], counts["split-adjusted"]) == (21350, 8575)
    assert counts["catalog rows written"] == 21350 - 8575
    assert main(["ingest", "bars", str(shared_data_path(AAPL_DAILY)), *ingest]) == 0
    capsys.readouterr()
    assert main(["ingest", "bars", nasdaq, "--ticker", "AAPL", *ingest]) == 0
    counts = _counts(capsys.readouterr().out)
    assert counts["rows refused: conflict with a stored row"] == 1320

    config = PROJECT_ROOT / "configs" / "backtest" / "aapl_monthly_atm_call_2016_2025.yaml"
    result = run_backtest(load_run_config(config), Path(catalog), run_id="t")

    assert (result.n_trades, result.n_assigned) == (64, 37)
    assert min(t.entry_time for t in result.trades) >= "2020-09-14"
    assert (result.premium_collected, result.fees) == pytest.approx((37493.00, 41.60))
    assert result.realized_pnl == pytest.approx(-8195.60)
    assert result.ending_balance == pytest.approx(991804.40)
    # Buy-and-hold through the 4:1 split: 105.35 on 2016-01-04, 4 × 271.01 on 2026-01-02.
    benchmark = summary_dict(result)["benchmark"]
    assert benchmark["total_return"] == pytest.approx(4 * 271.01 / 105.35 - 1)
    assert (benchmark["cagr"], benchmark["sharpe"], benchmark["max_drawdown"]) == pytest.approx(
        (0.2632, 0.9496, 0.3873), abs=1e-4
    )
