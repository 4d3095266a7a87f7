"""The risk guard on the real SPY 2021 chains: the daily cap and the drawdown tiers act.

Data: the real SPY 2021 EOD chain and SPY daily bars in ../shared/data, ingested into a
temporary catalog. Config: ``configs/backtest/spy2021_weekly_put_risk.yaml`` (5 puts a week,
tight thresholds), with the guard's state store in a temporary file so its risk log can be read.
"""

import datetime as dt
from pathlib import Path
from typing import Any

import msgspec
import pytest

from options.market_calendar import session_of_ns
from statestore import StateStore
from statestore.risk import RiskEvent, RiskLedger
from tests.backtest.test_reference_spy2021 import spy2021_catalog  # noqa: F401 (fixture)
from tests.conftest import PROJECT_ROOT
from tradefly.backtest.config import RunConfig, load_run_config
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
    spy2021_catalog: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    guard = {"daily_loss": {"max_loss_fraction": 0.005}}
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
    spy2021_catalog: Path,  # noqa: F811
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

    blocked = _sessions(events, "entry", "entry_blocked")
    assert blocked[0] == "2021-02-01"
    assert len(blocked) == 38  # every weekly entry session from 2021-02-01 to 2021-10-25
    assert all("drawdown" in e.reason for e in events if e.action == "entry_blocked")


def _window(config: RunConfig, start: str, end: str, store: Path) -> RunConfig:
    guard = dict(config.actors[0].config, state_store=str(store))
    return msgspec.structs.replace(
        config,
        data=msgspec.structs.replace(
            config.data, start=dt.date.fromisoformat(start), end=dt.date.fromisoformat(end)
        ),
        strategy=dict(config.strategy, entry_start=start, entry_end=end),
        actors=[msgspec.structs.replace(config.actors[0], config=guard)],
    )


@pytest.mark.slow
def test_a_latched_halt_survives_a_new_run_on_the_store_until_the_owner_resets(
    spy2021_catalog: Path,  # noqa: F811
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
