"""The risk guard on the real SPY 2021 chains: the daily cap, drawdown tiers and entry checks act.

Data: the real SPY 2021 EOD chain and SPY daily bars in ../shared/data, ingested into a
temporary catalog. Config: ``configs/backtest/spy2021_weekly_put_risk.yaml`` (5 puts a week,
tight thresholds), with the guard's state store in a temporary file so its risk log can be read.
The pre-trade checks' run replaces the guard's rules by: at most 3 open trades, net delta
within ±600 shares, data-quality breakers on (the real data passes them). The stress and
window run: the stress grid at 5% of equity and a blackout around two FOMC dates, Jan-Mar.
"""

import csv
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import msgspec
import pandas as pd
import pytest

from options.market_calendar import session_of_ns
from statestore import StateStore
from statestore.risk import RiskEvent, RiskLedger
from tests.backtest.test_reference_spy2021 import CHAIN
from tests.conftest import PROJECT_ROOT, shared_data_path
from tradefly.backtest.config import RunConfig, load_run_config
from tradefly.backtest.report import write_report
from tradefly.backtest.results import BacktestResult
from tradefly.backtest.runner import run_backtest
from tradefly.cli import main

RISK_CONFIG = PROJECT_ROOT / "configs" / "backtest" / "spy2021_weekly_put_risk.yaml"


def _run(
    catalog: Path, store: Path, guard: dict[str, Any] | None = None
) -> tuple[BacktestResult, list[RiskEvent]]:
    config: RunConfig = load_run_config(RISK_CONFIG)
    fields = dict(guard if guard is not None else config.actors[0].config, state_store=str(store))
    actor = msgspec.structs.replace(config.actors[0], config=fields)
    result = run_backtest(msgspec.structs.replace(config, actors=[actor]), catalog, run_id="t")
    with StateStore(store) as opened:
        events = RiskLedger(opened).events()
    return result, events


def _sessions(events: list[RiskEvent], rule: str, action: str) -> list[str]:
    chosen = [e for e in events if (e.rule, e.action) == (rule, action)]
    return [session_of_ns(e.ts_ns).isoformat() for e in chosen]


@pytest.mark.slow
def test_daily_loss_cap_blocks_the_entry_of_a_losing_session(
    spy2021_catalog: Path,
    tmp_path: Path,
) -> None:
    guard = {"underlying": "SPY", "daily_loss": {"max_loss_fraction": 0.005}}
    result, events = _run(spy2021_catalog, tmp_path / "risk.sqlite", guard)
    blocked = [e for e in events if e.action == "entry_blocked"]
    assert [session_of_ns(e.ts_ns).isoformat() for e in blocked] == ["2021-09-20"]
    assert "daily loss cap" in blocked[0].reason
    assert "5 -> 0 contracts" in blocked[0].reason
    entries = {t.entry_time[:10] for t in result.trades if t.symbol != "SPY"}
    assert "2021-09-20" not in entries
    assert result.n_trades == 41  # the reference run's 42 weekly entries less the blocked one


@pytest.mark.slow
def test_drawdown_flatten_tier_closes_positions_and_halts_entries(
    spy2021_catalog: Path,
    tmp_path: Path,
) -> None:
    result, events = _run(spy2021_catalog, tmp_path / "risk.sqlite")
    assert _sessions(events, "combined", "block") == ["2021-01-27"]  # the daily cap
    assert _sessions(events, "combined", "flatten") == ["2021-01-29"]
    flatten = next(e for e in events if e.action == "flatten" and e.rule == "combined")
    assert "tier 0.9% flatten (latched until the owner resets it)" in flatten.reason

    options = [t for t in result.trades if t.symbol != "SPY"]
    assert max(t.entry_time[:10] for t in options) < "2021-01-29"
    closed_by_flatten = [t for t in options if (t.exit_time or "")[:10] == "2021-01-29"]
    assert closed_by_flatten, "the flatten tier closed no position"
    assert all(t.symbol.startswith("SPY210219") for t in closed_by_flatten)  # before expiry
    assert {t.exit_reason for t in closed_by_flatten} == {"risk_flatten"}
    # a trade is flattened once its leg is quoted: the file has no row of the 379 and 378 puts
    # from 01-29 to their expiry, so those two are held until they expire
    open_then = [t for t in options if t.exit_time is None or t.exit_time[:10] >= "2021-01-29"]
    quoted = _raw_puts("2021-01-29")
    assert [t for t in open_then if t.symbol in quoted] == closed_by_flatten
    held = [t for t in open_then if t.symbol not in quoted]
    assert [t.symbol for t in held] == ["SPY210219P00379000", "SPY210219P00378000"]
    assert all((t.exit_time or "")[:10] == "2021-02-19" for t in held)
    assert {t.exit_reason for t in held} == {"expired"}
    later = [d.isoformat() for d in pd.bdate_range("2021-01-29", "2021-02-19").date]
    assert not any(t.symbol in _raw_puts(day) for t in held for day in later)

    blocked = _sessions(events, "entry", "entry_blocked")
    assert blocked[0] == "2021-02-01"
    assert len(blocked) == 38  # every weekly entry session from 2021-02-01 to 2021-10-25
    assert all("drawdown" in e.reason for e in events if e.action == "entry_blocked")

    # The trade journal holds every blocked entry, and the flattened trades as risk-policy losses.
    journal_blocked = [r for r in result.journal if r["kind"] == "entry_blocked"]
    assert [r["entry_time"][:10] for r in journal_blocked] == blocked
    assert all((r["wanted_size"], r["size"]) == (5, 0) for r in journal_blocked)
    assert all(r["risk_rule"] == "drawdown" for r in journal_blocked)
    flattened = [r for r in result.journal if r.get("exit_reason") == "risk_flatten"]
    assert {r["legs"][0]["instrument_id"] for r in flattened} == {
        f"{t.symbol}.US" for t in closed_by_flatten
    }
    assert all(r["error_class"] == "risk_policy" for r in flattened if r["pnl"] < 0)


def _window(config: RunConfig, start: str, end: str, store: Path) -> RunConfig:
    guard = dict(config.actors[0].config, state_store=str(store))
    return msgspec.structs.replace(
        config.with_strategy_fields(entry_start=start, entry_end=end),
        data=msgspec.structs.replace(
            config.data, start=dt.date.fromisoformat(start), end=dt.date.fromisoformat(end)
        ),
        actors=[msgspec.structs.replace(config.actors[0], config=guard)],
    )


@pytest.mark.slow
def test_a_latched_halt_survives_a_new_run_on_the_store_until_the_owner_resets(
    spy2021_catalog: Path,
    tmp_path: Path,
) -> None:
    store = tmp_path / "risk.sqlite"
    config = load_run_config(RISK_CONFIG)
    run_backtest(_window(config, "2021-01-04", "2021-02-12", store), spy2021_catalog, "t1")
    later = _window(config, "2021-03-01", "2021-03-19", store)

    halted = run_backtest(later, spy2021_catalog, run_id="t2")
    assert halted.n_trades == 0
    with StateStore(store) as opened:
        blocked = _sessions(RiskLedger(opened).events(), "entry", "entry_blocked")
    assert blocked[-3:] == ["2021-03-01", "2021-03-08", "2021-03-15"]

    assert main(["risk", "reset", "--store", str(store)]) == 0
    resumed = run_backtest(later, spy2021_catalog, run_id="t3")
    assert resumed.n_trades == 3
    with StateStore(store) as opened:
        ledger = RiskLedger(opened)
        assert [c.outcome for c in ledger.commands()] == ["applied to daily_loss, drawdown"]
        assert _sessions(ledger.events(), "entry", "entry_blocked") == blocked


ENTRY_CHECKS = {
    "underlying": "SPY",
    "entry": {
        "sizing": {"max_concurrent_trades": 3},
        "greeks": {"max_delta_shares": 600.0},
        "data_quality": {},
    },
}


def _vendor_delta(symbol: str, day: str) -> float:
    with shared_data_path(CHAIN).open(newline="") as f:
        for row in csv.DictReader(f):
            if (row["optionroot"], row["quotedate"]) == (symbol, day):
                return float(row["delta"])
    raise AssertionError(f"{symbol} not quoted on {day}")


@pytest.mark.slow
def test_entry_checks_cap_open_trades_and_net_delta_on_real_chains(
    spy2021_catalog: Path,
    tmp_path: Path,
) -> None:
    result, events = _run(spy2021_catalog, tmp_path / "risk.sqlite", ENTRY_CHECKS)
    options = [t for t in result.trades if t.symbol != "SPY"]
    for trade in options:  # never more than 3 open: each entry found at most 2 others
        others = [
            o
            for o in options
            if o is not trade
            and o.entry_time < trade.entry_time
            and (o.exit_time is None or o.exit_time > trade.entry_time)
        ]
        assert len(others) <= 2, trade.entry_time

    gated = {session_of_ns(e.ts_ns).isoformat(): e for e in events if e.rule == "entry"}
    cap = [d for d, e in gated.items() if "sizing: 3 open trades, the limit is 3" in e.reason]
    assert cap[:3] == ["2021-01-25", "2021-02-01", "2021-02-08"]
    assert all(gated[d].action == "entry_blocked" for d in cap)

    # a resized entry enters exactly what the delta limit allowed, and its per-unit delta is
    # the vendor delta of the put sold (x 100 shares, sold: positive)
    reduced = {d: e for d, e in gated.items() if e.action == "entry_reduced"}
    assert list(reduced)[:2] == ["2021-01-19", "2021-03-22"]
    entered = {t.entry_time[:10]: t for t in options}
    for day, event in reduced.items():
        fit = re.search(r"5 -> (\d+) contracts", event.reason)
        assert fit is not None
        assert entered[day].quantity == int(fit.group(1))
        assert "greeks: net delta" in event.reason
    sold = entered["2021-01-19"].symbol
    per_unit = -100 * _vendor_delta(sold, "2021-01-19")
    assert f"with +{per_unit:,.2f} per unit, limit ±600.00" in reduced["2021-01-19"].reason
    assert entered["2021-01-19"].quantity == 3  # (600 - 419.43) / 47.59 = 3.8

    assert result.n_trades == len(options) == 21  # of the reference run's 42 weekly entries
    assert not [e for e in events if "data quality" in e.reason]

    # the report shows which gate stopped what: 21 entries blocked or resized, by gate
    run_dir = write_report(result, tmp_path / "reports")
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["risk_gates"] == {
        "greeks": {"blocked": 4, "reduced": 7},
        "sizing,greeks": {"blocked": 11, "reduced": 0},
        "sizing": {"blocked": 6, "reduced": 0},
    }
    with (run_dir / "risk.csv").open(newline="") as f:
        logged = [row for row in csv.DictReader(f) if row["rule"] == "entry"]
    assert len(logged) == 28
    assert logged[0]["time"].startswith("2021-01-19T21:00:00")
    assert logged[0]["rules"] == "greeks"
    with StateStore(tmp_path / "risk.sqlite") as opened:  # admitted entries, in the store
        state, reason, _ = RiskLedger(opened).rule_states()["entries"]
    assert state == {"entries": []}  # the last three puts expired on 2021-11-19
    assert reason == "3 entry(ies) no longer hold a position"
    page = (run_dir / "report.html").read_text()
    assert "<h2>Risk gates (28 entries)</h2>" in page
    assert 'id="risk-gates"' in page


@pytest.mark.slow
def test_performance_gate_blocks_entries_after_losing_trades_on_real_chains(
    spy2021_catalog: Path,
    tmp_path: Path,
) -> None:
    guard = {
        "underlying": "SPY",
        "performance": {
            "window_trades": 4,
            "min_trades": 4,
            "min_profit_factor": 1.0,
            "action": "block",
        },
    }
    result, events = _run(spy2021_catalog, tmp_path / "risk.sqlite", guard)
    # 2021-09-17: puts expire or are assigned; the 1,000 delivered shares (two positions
    # opened in the same instant: one trade) are sold on 09-20 for -6,980 - 5,480. The last
    # four trades then are those shares and three of the 09-17 puts (+3,481.75, +2,951.75,
    # +3,011.75, after fees): profit factor 9,445.25 / 12,460 = 0.758.
    shares = [t for t in result.trades if t.symbol == "SPY" and t.entry_time[:10] == "2021-09-17"]
    assert sum(t.pnl for t in shares) == pytest.approx(-12_460.0)
    tripped = [e for e in events if (e.rule, e.action) == ("performance", "block")]
    assert [session_of_ns(e.ts_ns).isoformat() for e in tripped] == ["2021-09-21"]
    assert tripped[0].reason == "performance: profit factor 0.76 over 4 trades < 1"
    assert _sessions(events, "entry", "entry_blocked") == ["2021-10-04", "2021-10-11"]
    assert _sessions(events, "performance", "allow") == ["2021-10-15"]  # puts expired: won
    entries = [t.entry_time[:10] for t in result.trades if t.symbol != "SPY"]
    assert entries[-2:] == ["2021-10-18", "2021-10-25"]
    assert result.n_trades == 40  # the reference run's 42 weekly entries less the blocked two


STRESS_AND_WINDOW = {
    "underlying": "SPY",
    "entry": {
        "stress": {"max_loss_fraction": 0.05},
        "trading_window": {
            "start": "09:45",
            "end": "16:00",
            "earnings_days_before": 2,
            "earnings_days_after": 1,
            "events": [  # the FOMC decisions of 2021-01-27 and 2021-03-17
                {"underlying": "SPY", "date": "2021-01-27"},
                {"underlying": "*", "date": "2021-03-17"},
            ],
        },
    },
}


def _raw_puts(day: str) -> dict[str, dict[str, str]]:
    with shared_data_path(CHAIN).open(newline="") as f:
        return {r["optionroot"]: r for r in csv.DictReader(f) if r["quotedate"] == day}


def _worst_loss_by_hand(day: str, book: list[tuple[str, int]]) -> float:
    """Loss of short puts at SPY -20% and IV +10 points, instantly (Black-Scholes, r = q = 0).

    Each put is valued at the vendor's IV of that day before and after the shock (the guard
    uses the IV of its mark: the two agree to about 0.2%).
    """
    from options.pricing import bs_price

    rows = _raw_puts(day)
    loss = 0.0
    for symbol, contracts in book:
        row = rows[symbol]
        spot, strike, iv = (
            float(row["underlying_last"]),
            float(row["strike"]),
            float(row["impliedvol"]),
        )
        years = (dt.date.fromisoformat(row["expiration"]) - dt.date.fromisoformat(day)).days / 365
        now = bs_price(spot, strike, years, iv, 0.0, 0.0, False)
        shocked = bs_price(0.8 * spot, strike, years, iv + 0.10, 0.0, 0.0, False)
        loss += contracts * 100 * (shocked - now)
    return loss


def _dollars(pattern: str, text: str) -> float:
    found = re.search(pattern, text)
    assert found is not None, text
    return float(found.group(1).replace(",", ""))


def test_stress_grid_and_event_window_gate_entries_on_real_chains(
    spy2021_catalog: Path,
    tmp_path: Path,
) -> None:
    """Weekly entries of 5 SPY puts, 2021-01-04 to 03-31, stress limit 5% of equity.

    Hand check of the first cut (2021-01-11): the book holds 5 SPY210219P00370000 short; the
    entry is 5 SPY210219P00379000. At SPY -20%, IV +10 points the book loses 63,534 with 5
    of them, 50,218 with 3 and 43,560 with 2 (``_worst_loss_by_hand``), against a limit of
    5% of equity, 50,114: 2 fit.
    """
    store = tmp_path / "risk.sqlite"
    config = _window(load_run_config(RISK_CONFIG), "2021-01-04", "2021-03-31", store)
    guard = dict(STRESS_AND_WINDOW, state_store=str(store))
    config = msgspec.structs.replace(
        config, actors=[msgspec.structs.replace(config.actors[0], config=guard)]
    )
    result = run_backtest(config, spy2021_catalog, run_id="stress")
    with StateStore(store) as opened:
        events = RiskLedger(opened).events()
    gated = {session_of_ns(e.ts_ns).isoformat(): e for e in events if e.rule == "entry"}
    options = [t for t in result.trades if t.symbol != "SPY"]
    entered = {t.entry_time[:10]: t for t in options}

    # 2021-01-11: cut by the stress grid to the 2 puts that keep the worst scenario in bounds
    cut = gated["2021-01-11"]
    assert cut.action == "entry_reduced"
    assert "5 -> 2 contracts" in cut.reason
    assert "worst scenario (underlying -20%, IV +10 points)" in cut.reason
    limit, loss = _dollars(r"limit ([\d,.]+)", cut.reason), _dollars(r"lose ([\d,.]+)", cut.reason)
    book = [("SPY210219P00370000", 5)]
    assert entered["2021-01-04"].symbol == book[0][0]
    assert entered["2021-01-11"].symbol == "SPY210219P00379000"
    assert entered["2021-01-11"].quantity == 2
    assert loss == pytest.approx(
        _worst_loss_by_hand("2021-01-11", [*book, ("SPY210219P00379000", 5)]), rel=0.005
    )
    assert _worst_loss_by_hand("2021-01-11", [*book, ("SPY210219P00379000", 3)]) > limit
    assert _worst_loss_by_hand("2021-01-11", [*book, ("SPY210219P00379000", 2)]) < limit
    assert limit == pytest.approx(0.05 * 1_000_000, rel=0.01)  # 5% of equity near the start

    # blocked by the stress grid alone: not one more put fits under the limit
    stress_blocked = [
        d
        for d, e in gated.items()
        if e.action == "entry_blocked" and "trading window" not in e.reason
    ]
    assert stress_blocked == ["2021-01-19", "2021-02-16", "2021-03-01", "2021-03-08"]
    for day in stress_blocked:
        assert "0 unit(s) fit" in gated[day].reason
        assert day not in entered

    # blocked by the FOMC blackout (2 days before, 1 after): Monday 01-25 and 03-15
    window_blocked = [d for d, e in gated.items() if "trading window: event of SPY" in e.reason]
    assert window_blocked == ["2021-01-25", "2021-03-15"]
    assert (
        "event of SPY on 2021-01-27 (blackout 2 day(s) before, 1 after)"
        in gated["2021-01-25"].reason
    )
    assert all(gated[d].action == "entry_blocked" and d not in entered for d in window_blocked)

    # the journal and the report say which gate blocked or cut what
    journal = {r["entry_time"][:10]: r for r in result.journal if r["kind"] != "trade"}
    assert {d: r["risk_rule"] for d, r in journal.items()} == {
        "2021-01-11": "stress",
        "2021-01-19": "stress",
        "2021-01-25": "trading_window,stress",
        "2021-02-01": "stress",
        "2021-02-08": "stress",
        "2021-02-16": "stress",
        "2021-03-01": "stress",
        "2021-03-08": "stress",
        "2021-03-15": "trading_window,stress",
        "2021-03-29": "stress",
    }
    assert (journal["2021-01-19"]["kind"], journal["2021-01-19"]["size"]) == ("entry_blocked", 0)
    assert "risk:trading_window" in journal["2021-03-15"]["reason_tags"]
    run_dir = write_report(result, tmp_path / "reports")
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["risk_gates"] == {
        "stress": {"blocked": 4, "reduced": 4},
        "trading_window,stress": {"blocked": 2, "reduced": 0},
    }
