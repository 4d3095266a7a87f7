"""The wheel on the real 2021 SPY chain: puts, assignment, covered calls, shares called away.

Data: the real SPY 2021 EOD chain and SPY daily bars in ../shared/data, ingested through the
``tradefly ingest`` command into a temporary catalog; the run is
``configs/backtest/spy2021_wheel.yaml``.
"""

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from nautilus_trader.model.currencies import USD

from options.instruments import VENUE
from options.market_calendar import session_close_ns
from strategies.structure_engine import StructureEngine
from strategies.toolkit.wheel import REPORT_COLUMNS, WheelPhase
from tests.conftest import PROJECT_ROOT, shared_data_path
from tradefly.backtest.config import RunConfig, load_run_config
from tradefly.backtest.report import WHEEL_FILE, write_report
from tradefly.backtest.results import BacktestResult
from tradefly.backtest.runner import build_engine, run_backtest

CHAIN = "options_chains/lambdaclass_SPY_options_2021_prod_1y.csv"
SPY_BARS = "underlying_daily/lambdaclass_SPY_daily_2021.csv"
WHEEL = PROJECT_ROOT / "configs" / "backtest" / "spy2021_wheel.yaml"
START = Decimal(1_000_000)
FEE = Decimal("0.65")  # per contract; the venue's expiry fills (assignment) carry none

# What the run sells, one contract each, on the session the previous option expired (the
# first on 2021-01-04): (session, contract, bid in the raw file, SPY close at its expiration).
# Puts: the contract with vendor delta nearest -0.50 among puts 25 to 50 days out; calls: the
# call with delta nearest 0.30, struck at or above the cycle's cost basis. Crossed quotes
# (bid > ask) are rejected at ingest: on 2021-09-17 the 442 put (delta -0.504) is one.
SALES = [
    ("2021-01-04", "SPY210219P00370000", "11.28", "390.03"),  # 370 < 390.03: expires
    ("2021-02-19", "SPY210317P00390000", "6.78", "397.26"),  # expires
    ("2021-03-17", "SPY210416P00400000", "8.67", "417.26"),  # expires
    ("2021-04-16", "SPY210521P00415000", "5.96", "414.94"),  # 415 > 414.94: assigned
    ("2021-05-21", "SPY210618C00421000", "3.68", "414.92"),  # 421 > 414.92: expires
    ("2021-06-18", "SPY210716C00422000", "3.19", "431.34"),  # 422 < 431.34: called away
    ("2021-07-16", "SPY210820P00430000", "7.09", "443.36"),  # cycle 2: expires
    ("2021-08-20", "SPY210917P00440000", "5.87", "441.40"),  # expires
    ("2021-09-17", "SPY211015P00445000", "8.98", "445.87"),  # expires
    ("2021-10-15", "SPY211119P00445000", "6.77", "468.89"),  # expires (last entry by 10-31)
]


@pytest.fixture(scope="module")
def wheel_config() -> RunConfig:
    return load_run_config(WHEEL)


@pytest.fixture(scope="module")
def wheel_result(spy2021_catalog: Path, wheel_config: RunConfig) -> BacktestResult:
    return run_backtest(wheel_config, spy2021_catalog, run_id="wheel")


def _raw_rows() -> dict[tuple[str, str], dict[str, str]]:
    with shared_data_path(CHAIN).open() as f:
        return {(r["quotedate"], r["optionroot"]): r for r in csv.DictReader(f)}


def _closes() -> dict[str, Decimal]:
    with shared_data_path(SPY_BARS).open() as f:
        return {r["date"]: Decimal(r["close"]) for r in csv.DictReader(f)}


def test_the_contracts_sold_follow_the_rules_on_the_raw_file() -> None:
    raw, closes = _raw_rows(), _closes()
    for session, symbol, bid, close in SALES:
        row = raw[(session, symbol)]
        assert Decimal(row["bid"]) == Decimal(bid)
        assert closes[row["expiration"]] == Decimal(close)
        target = Decimal("0.50") if row["type"] == "put" else Decimal("0.30")
        day = dt.date.fromisoformat(session)
        candidates = [
            r
            for (quoted, _), r in raw.items()
            if quoted == session
            and r["type"] == row["type"]
            and 25 <= (dt.date.fromisoformat(r["expiration"]) - day).days <= 50
            and Decimal(r["bid"]) <= Decimal(r["ask"])
        ]
        best = min(abs(abs(Decimal(r["delta"])) - target) for r in candidates)
        assert abs(abs(Decimal(row["delta"])) - target) == best, session


def test_wheel_cash_shares_pnl_and_cost_basis_equal_the_hand_computation(
    wheel_result: BacktestResult,
) -> None:
    result = wheel_result
    premium = {symbol: Decimal(bid) * 100 for _, symbol, bid, _ in SALES}
    # Cycle 1: four puts (the fourth assigned at 415), two calls (the second assigned at 422).
    put_premium_1 = Decimal("1128") + Decimal("678") + Decimal("867") + Decimal("596")
    call_premium_1 = Decimal("368") + Decimal("319")
    fees_1 = 6 * FEE
    assert (put_premium_1, call_premium_1, fees_1) == (Decimal(3269), Decimal(687), Decimal("3.90"))
    share_pnl_1 = (Decimal(422) - Decimal(415)) * 100  # 700
    # cost basis = 415 - (3269 + 687 - 3.90) / 100 = 375.479 dollars a share
    cost_basis_1 = Decimal(415) - (put_premium_1 + call_premium_1 - fees_1) / 100
    assert cost_basis_1 == Decimal("375.479")
    total_1 = put_premium_1 + call_premium_1 - fees_1 + share_pnl_1  # 4652.10
    # Cycle 2, open at the end: four puts, all expired.
    put_premium_2 = Decimal("709") + Decimal("587") + Decimal("898") + Decimal("677")  # 2871
    fees_2 = 4 * FEE

    first, second = result.wheel_cycles
    assert first == {
        "cycle": 1,
        "strategy_id": "StructureEngine-000",
        "status": "complete",
        "start_time": "2021-01-04T21:00:00.001000Z",
        "assigned_time": "2021-05-21T20:00:00.000000Z",
        "called_away_time": "2021-07-16T20:00:00.000000Z",
        "days": (dt.date(2021, 7, 16) - dt.date(2021, 1, 4)).days,
        "puts": 4,
        "calls": 2,
        "put_premium": float(put_premium_1),
        "call_premium": float(call_premium_1),
        "fees": float(fees_1),
        "shares": 100,
        "assignment_price": 415.0,
        "called_away_price": 422.0,
        "cost_basis": float(cost_basis_1),
        "share_pnl": float(share_pnl_1),
        "total_pnl": float(total_1),
    }
    assert total_1 == Decimal("4652.10") and first["days"] == 193
    assert (second["status"], second["puts"], second["calls"], second["shares"]) == (
        "open",
        4,
        0,
        0,
    )
    assert (Decimal(str(second["put_premium"])), Decimal(str(second["fees"]))) == (
        put_premium_2,
        fees_2,
    )
    assert second["cost_basis"] is None and second["total_pnl"] is None

    # Cash: every premium, less a fee per contract, plus the shares' 700; nothing else moved.
    realized = sum(premium.values()) - len(SALES) * FEE + share_pnl_1
    assert realized == total_1 + put_premium_2 - fees_2 == Decimal("7520.50")
    assert Decimal(str(result.ending_balance)) == START + realized
    assert Decimal(str(result.realized_pnl)) == realized
    assert Decimal(str(result.fees)) == len(SALES) * FEE
    assert result.n_assigned == 2

    options = [t for t in result.trades if t.symbol != "SPY"]
    assert [(t.entry_time[:10], t.symbol, t.side, t.quantity) for t in options] == [
        (session, symbol, "SELL", 1) for session, symbol, _, _ in SALES
    ]
    assert [Decimal(str(t.entry_price)) for t in options] == [Decimal(b) for _, _, b, _ in SALES]
    assert [t.exit_reason for t in options] == ["expired"] * 3 + ["assigned", "expired"] + [
        "assigned"
    ] + ["expired"] * 4
    # The shares: bought at 415 when the put was assigned, called away at 422; none left.
    (shares,) = [t for t in result.trades if t.symbol == "SPY"]
    assert (shares.side, shares.quantity, shares.entry_price, shares.exit_price) == (
        "BUY",
        100,
        415.0,
        422.0,
    )
    assert (shares.entry_time[:10], shares.exit_time, shares.exit_reason) == (
        "2021-05-21",
        "2021-07-16T20:00:00.000000Z",
        "called_away",
    )
    assert Decimal(str(shares.pnl)) == share_pnl_1
    assert all(t.exit_reason != "open" for t in result.trades)


def test_the_journal_names_the_phase_and_cost_basis_of_each_entry(
    wheel_result: BacktestResult,
) -> None:
    entries = [r for r in wheel_result.journal if r["kind"] == "trade"]
    assert [r["structure"] for r in entries] == ["cash secured put"] * 4 + ["covered call"] * 2 + [
        "cash secured put"
    ] * 4
    first_call, second_call = entries[4], entries[5]
    # At the first call: 415 - (3269 - 2.60) / 100; at the second the first call's 368 - 0.65
    # is in too: 415 - (3269 + 368 - 3.25) / 100.
    assert "wheel:call" in first_call["reason_tags"]
    assert "cost_basis:382.3360" in first_call["reason_tags"]
    assert "cost_basis:378.6625" in second_call["reason_tags"]
    assert "wheel:put" in entries[0]["reason_tags"]
    # Every trade is closed with its P&L: the assigned put's includes the shares it delivered
    # (596 - 0.65 + 700 = 1295.35); the assigned call's is its premium (319 - 0.65 = 318.35)
    # and it closes when its delivery closes those shares.
    assert [(r["exit_time"][:10], r["exit_reason"], r["pnl"]) for r in entries[3:6]] == [
        ("2021-07-16", "assigned", 1295.35),
        ("2021-06-18", "expired", 367.35),
        ("2021-07-16", "assigned", 318.35),
    ]
    assert all(r["exit_time"] for r in entries)
    assert sum(Decimal(str(r["pnl"])) for r in entries) == Decimal("7520.50")


def test_the_cycle_report_is_written_next_to_the_trades(
    wheel_result: BacktestResult, tmp_path: Path
) -> None:
    run_dir = write_report(wheel_result, tmp_path)
    with (run_dir / WHEEL_FILE).open() as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == REPORT_COLUMNS
    assert [(r["cycle"], r["status"], r["cost_basis"], r["total_pnl"]) for r in rows] == [
        ("1", "complete", "375.479", "4652.1"),
        ("2", "open", "", ""),
    ]


def test_phase_and_cost_basis_survive_a_restart(
    spy2021_catalog: Path, wheel_config: RunConfig, tmp_path: Path
) -> None:
    store = tmp_path / "state.sqlite"
    config = wheel_config.with_strategy_fields(state_store=str(store))
    start_ns = session_close_ns(config.data.start) - 10**12

    engine, _ = build_engine(config, spy2021_catalog)
    engine.run(start=start_ns, end=session_close_ns(dt.date(2021, 6, 1)))  # call 421 open
    (before,) = [s for s in engine.trader.strategies() if isinstance(s, StructureEngine)]
    assert before.wheel_phase == WheelPhase.CALL
    cycles_before = before.wheel_report()
    cash = engine.portfolio.account(VENUE).balance_total(USD).as_decimal()
    # 1,000,000 + the five premiums less five fees - 41,500 for the shares
    assert Decimal(str(cash)) == START + Decimal(1128 + 678 + 867 + 596 + 368) - 5 * FEE - 41_500
    engine.dispose()

    # A new node on the same store: the wheel is still selling calls on its 100 shares.
    restarted, _ = build_engine(config, spy2021_catalog)
    restarted.run(start=start_ns, end=start_ns + 1)
    (after,) = [s for s in restarted.trader.strategies() if isinstance(s, StructureEngine)]
    assert after.wheel_phase == WheelPhase.CALL
    assert after.wheel_report() == cycles_before
    (cycle,) = cycles_before
    # 415 - (3269 + 368 - 3.25) / 100
    assert (cycle["shares"], cycle["cost_basis"]) == (100, 378.6625)
    restarted.dispose()
