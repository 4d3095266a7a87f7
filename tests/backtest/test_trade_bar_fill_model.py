"""The trade-close half-spread fill model against a hand computation on real 2021 Polygon bars.

Rule (a one-year slice of configs/backtest/spy_monthly_atm_call_2016_2025.yaml): for each
monthly SPY expiration, on the first session it has a daily trade bar 14-45 days out, sell 1 call
with the strike nearest the SPY close (ties: higher strike) at the bar's close less 0.05; 0.65 USD
per contract; hold to expiration; if assigned (close above the strike at expiry), buy the 100
shares back at the next session's close without commission.
"""

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import msgspec

from tests.conftest import PROJECT_ROOT, shared_data_path
from tradefly.backtest.config import load_run_config
from tradefly.backtest.runner import run_backtest
from tradefly.cli import main

OPTION_BARS = "options_chains/polygon_dayaggs_monthly/SPY/2021_options_pessimistic.csv"
SPY_BARS = "underlying_daily/lambdaclass_SPY_daily_2021.csv"
HALF_SPREAD = Decimal("0.05")
FEE = Decimal("0.65")
ENTRY_START, ENTRY_END = dt.date(2021, 1, 4), dt.date(2021, 11, 30)


def _third_friday_or_thursday(day: dt.date) -> bool:
    first = day.replace(day=1)
    friday = first + dt.timedelta(days=(4 - first.weekday()) % 7 + 14)
    return day in (friday, friday - dt.timedelta(days=1))


def hand_computation(option_csv: Path, spy_csv: Path) -> list[tuple[str, Decimal, Decimal]]:
    """Return (OCC symbol, premium per share, share P&L) per trade, straight from the files."""
    with spy_csv.open() as f:
        closes = {dt.date.fromisoformat(r["date"]): Decimal(r["close"]) for r in csv.DictReader(f)}
    sessions = sorted(closes)
    with option_csv.open() as f:
        rows = list(csv.DictReader(f))
    traded: set[dt.date] = set()
    trades = []
    for day in sessions:
        if not ENTRY_START <= day <= ENTRY_END:
            continue
        pool = []
        for r in rows:
            expiration = dt.date.fromisoformat(r["expiration_date"])
            if (
                r["date_only"] == day.isoformat()
                and r["option_type"] == "C"
                and 14 <= (expiration - day).days <= 45
                and _third_friday_or_thursday(expiration)
                and expiration not in traded
                and Decimal(r["close_price"]) - HALF_SPREAD > 0
            ):
                pool.append(r)
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
            next_close = closes[sessions[sessions.index(expiration) + 1]]
            share_pnl = (strike - next_close) * 100
        trades.append(
            (
                best["ticker"].removeprefix("O:"),
                Decimal(best["close_price"]) - HALF_SPREAD,
                share_pnl,
            )
        )
    return trades


def test_trade_close_half_spread_run_equals_hand_computation(tmp_path: Path) -> None:
    option_csv, spy_csv = shared_data_path(OPTION_BARS), shared_data_path(SPY_BARS)
    catalog = tmp_path / "catalog"
    argv = [
        "ingest",
        "option-bars",
        str(option_csv),
        "--bars",
        str(spy_csv),
        "--catalog",
        str(catalog),
    ]
    assert main([*argv, "--no-progress"]) == 0

    base = load_run_config(
        PROJECT_ROOT / "configs" / "backtest" / "spy_monthly_atm_call_2016_2025.yaml"
    )
    data = msgspec.structs.replace(base.data, start=ENTRY_START, end=dt.date(2021, 12, 31))
    config = msgspec.structs.replace(base, data=data).with_strategy_fields(
        entry_start=ENTRY_START.isoformat(), entry_end=ENTRY_END.isoformat()
    )
    result = run_backtest(config, catalog, run_id="t")

    expected = hand_computation(option_csv, spy_csv)
    options = [t for t in result.trades if t.symbol != "SPY"]
    assert [(t.symbol, Decimal(str(t.entry_price))) for t in options] == [
        (s, p) for s, p, _ in expected
    ]
    premium = sum(p * 100 for _, p, _ in expected)
    realized = premium - FEE * len(expected) + sum(s for _, _, s in expected)
    assert result.n_trades == len(expected) == 11
    assert result.n_assigned == sum(1 for *_, s in expected if s != 0)
    assert Decimal(str(result.premium_collected)) == premium
    assert Decimal(str(result.realized_pnl)).quantize(Decimal("0.01")) == realized
    assert (
        Decimal(str(result.ending_balance)).quantize(Decimal("0.01"))
        == Decimal(1_000_000) + realized
    )
    assert all(t.exit_reason != "open" for t in result.trades)
