"""Structure chosen by IV rank, IV percentile and trend on the real SPY 2021 chain.

The IV history of a run starting mid-year is seeded from the catalog's sessions before the
start (:mod:`strategies.iv_seed`), so the rank is known from the first session. Every value is
recomputed here from the raw files: each session's 30-day ATM IV with
:func:`options.iv_metrics.atm_iv_30d` (tested by hand on its own) from the vendor's IVs of the
contracts the engine holds at that close (the kinds of its legs, expiring from the previous
session to dte_max + 7 days after it; at the first session of the run or of the seed, from
that session), then the rank, percentile and trend by their formulas, written out.

Data: ``options_chains/lambdaclass_SPY_options_2021_prod_1y.csv`` and
``underlying_daily/lambdaclass_SPY_daily_2021.csv``, ingested by ``tradefly ingest``.
"""

import csv
import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

import msgspec
import pytest
from nautilus_trader.model.enums import OptionKind

from options.chain_selection import ChainQuote
from options.instruments import VENUE
from options.iv_metrics import atm_iv_30d
from tests.backtest.test_reference_spy2021 import CHAIN, SPY_BARS, _valid_row
from tests.conftest import PROJECT_ROOT, shared_data_path
from tradefly.backtest.config import RunConfig, load_run_config
from tradefly.backtest.runner import build_engine, run_backtest

REGIME = PROJECT_ROOT / "configs" / "backtest" / "spy2021_iv_regime.yaml"
REACH = 50 + 7  # dte_max + the engine's week of subscription ahead
KINDS = {"put": OptionKind.PUT, "call": OptionKind.CALL}


@pytest.fixture(scope="module")
def raw() -> tuple[dict[dt.date, list[dict[str, str]]], dict[dt.date, float]]:
    """The chain's valid rows by session and SPY's closes, from the raw files."""
    rows: dict[dt.date, list[dict[str, str]]] = defaultdict(list)
    with shared_data_path(CHAIN).open() as f:
        for row in csv.DictReader(f):
            if _valid_row(row):
                rows[dt.date.fromisoformat(row["quotedate"])].append(row)
    with shared_data_path(SPY_BARS).open() as f:
        closes = {
            dt.date.fromisoformat(r["date"][:10]): float(r["close"]) for r in csv.DictReader(f)
        }
    return rows, closes


def _atm_ivs_by_hand(
    raw: tuple[dict[dt.date, list[dict[str, str]]], dict[dt.date, float]],
    sessions: list[dt.date],
    kinds: set[str],
) -> list[float]:
    """The 30-day ATM IV of consecutive `sessions`, the first one's window from itself."""
    rows, closes = raw
    ivs = []
    previous: dt.date | None = None
    for day in sessions:
        first = previous or day
        quotes = []
        for row in rows[day]:
            expiration = dt.date.fromisoformat(row["expiration"])
            if row["type"] in kinds and first <= expiration <= first + dt.timedelta(REACH):
                iv = float(row["impliedvol"])
                quotes.append(
                    ChainQuote(
                        expiration,
                        KINDS[row["type"]],
                        float(row["strike"]),
                        float(row["bid"]),
                        float(row["ask"]),
                        implied_vol=iv if iv > 0 else None,
                    )
                )
        value = atm_iv_30d(quotes, closes[day], day)
        assert value is not None, day
        ivs.append(value)
        previous = day
    return ivs


def _history_by_hand(
    raw: tuple[dict[dt.date, list[dict[str, str]]], dict[dt.date, float]],
    start: dt.date,
    window: int,
    kinds: set[str],
) -> dict[dt.date, list[float]]:
    """Each run session's IV look-back (oldest first, itself last): seed, then the run."""
    sessions = sorted(raw[1])
    before = [d for d in sessions if d < start][-window:]
    during = [d for d in sessions if d >= start]
    ivs = _atm_ivs_by_hand(raw, before, kinds) + _atm_ivs_by_hand(raw, during, kinds)
    return {day: ivs[: len(before) + i + 1][-window:] for i, day in enumerate(during)}


def _rank(values: list[float]) -> float:
    low, high = min(values), max(values)
    return 100.0 * (values[-1] - low) / (high - low)


def _percentile(values: list[float]) -> float:
    earlier = values[:-1]
    return 100.0 * sum(1 for v in earlier if v < values[-1]) / len(earlier)


def _trend_by_hand(
    closes: dict[dt.date, float], start: dt.date, day: dt.date, sessions: int, band: float
) -> str | None:
    seen = [c for d, c in sorted(closes.items()) if start <= d <= day]
    if len(seen) < sessions:
        return None
    average = sum(seen[-sessions:]) / sessions
    if seen[-1] > average * (1 + band):
        return "up"
    if seen[-1] < average * (1 - band):
        return "down"
    return "neutral"


def _tags(record: dict[str, Any]) -> dict[str, str]:
    return dict(tag.split(":", 1) for tag in record["reason_tags"])


def _starting(config: RunConfig, start: dt.date) -> RunConfig:
    data = msgspec.structs.replace(config.data, start=start)
    return msgspec.structs.replace(config, data=data)


def _entries(config: RunConfig, catalog: Path) -> dict[dt.date, dict[str, Any]]:
    result = run_backtest(config, catalog, run_id="iv-regime")
    return {dt.date.fromisoformat(r["entry_time"][:10]): r for r in result.journal}


def test_a_run_starting_mid_year_ranks_its_first_session_and_chooses_by_iv_percentile(
    spy2021_catalog: Path, raw: tuple[dict[dt.date, list[dict[str, str]]], dict[dt.date, float]]
) -> None:
    """Daily from 2021-07-01: a short put when the IV percentile is >= 50, else a long put."""
    start = dt.date(2021, 7, 1)
    config = _starting(load_run_config(REGIME), start).with_strategy_fields(
        choices=[
            {
                "structure": "short_put",
                "structure_params": {"delta": 0.5},
                "when": {"iv_percentile_min": 50},
            },
            {
                "structure": "long_put",
                "structure_params": {"delta": 0.5},
                "when": {"iv_percentile_max": 50},
            },
        ],
        entry_start=start.isoformat(),
        entry_end="2021-07-30",
    )
    entries = _entries(config, spy2021_catalog)
    history = _history_by_hand(raw, start, window=60, kinds={"put"})

    # the first session: 59 sessions before 2021-07-01 from the catalog, then 2021-07-01
    first = entries[start]
    look_back = history[start]
    assert len(look_back) == 60
    assert first["iv_rank"] == pytest.approx(_rank(look_back), abs=1e-6)
    assert first["iv_rank_note"] == ""
    assert len(entries) >= 15
    for day, record in entries.items():
        values = history[day]
        percentile = _percentile(values)
        tags = _tags(record)
        assert tags["iv"] == f"{values[-1]:.4g}", day
        assert tags["iv_rank"] == f"{_rank(values):.4g}", day
        assert tags["iv_percentile"] == f"{percentile:.4g}", day
        assert record["iv_rank"] == pytest.approx(_rank(values), abs=1e-6)
        assert record["structure"] == ("short put" if percentile >= 50 else "long put"), day
    assert {r["structure"] for r in entries.values()} == {"short put", "long put"}


def test_the_trend_chooses_the_structure(
    spy2021_catalog: Path, raw: tuple[dict[dt.date, list[dict[str, str]]], dict[dt.date, float]]
) -> None:
    """Daily Jan-Mar 2021: a short put in an up-trend, a long put in a down-trend, else none.

    Trend: the close against the average of the last 10 closes of the run, beyond 1 %.
    """
    start, last = dt.date(2021, 1, 4), dt.date(2021, 3, 31)
    config = _starting(load_run_config(REGIME), start).with_strategy_fields(
        choices=[
            {
                "structure": "short_put",
                "structure_params": {"delta": 0.5},
                "when": {"trend": ["up"]},
            },
            {
                "structure": "long_put",
                "structure_params": {"delta": 0.5},
                "when": {"trend": ["down"]},
            },
        ],
        trend_sessions=10,
        trend_band=0.01,
        entry_start=start.isoformat(),
        entry_end=last.isoformat(),
    )
    entries = _entries(config, spy2021_catalog)
    closes = raw[1]
    expected = {
        day: trend
        for day in closes
        if start <= day <= last
        and (trend := _trend_by_hand(closes, start, day, 10, 0.01)) in ("up", "down")
    }
    assert set(entries) <= set(expected)  # no entry while the trend is unknown or neutral
    assert len(entries) >= 15
    for day, record in entries.items():
        assert _tags(record)["trend"] == expected[day], day
        assert record["structure"] == ("short put" if expected[day] == "up" else "long put")
    assert {r["structure"] for r in entries.values()} == {"short put", "long put"}


def test_the_iv_regime_config_trades_condors_when_iv_is_rich_and_flat_and_put_spreads_when_up(
    spy2021_catalog: Path, raw: tuple[dict[dt.date, list[dict[str, str]]], dict[dt.date, float]]
) -> None:
    """``spy2021_iv_regime.yaml`` with entries from 2021-09-20 to 2021-10-15."""
    config = load_run_config(REGIME).with_strategy_fields(
        entry_start="2021-09-20", entry_end="2021-10-15"
    )
    entries = _entries(config, spy2021_catalog)
    start = config.data.start
    history = _history_by_hand(raw, start, window=60, kinds={"put", "call"})
    for day, record in entries.items():
        rank = _rank(history[day])
        trend = _trend_by_hand(raw[1], start, day, 20, 0.01)
        tags = _tags(record)
        assert (tags["iv_rank"], tags["trend"]) == (f"{rank:.4g}", trend), day
        if rank >= 50 and trend == "neutral":
            assert record["structure"] == "iron condor", day
        else:
            assert trend == "up" and record["structure"] == "bull put spread", day
    assert {r["structure"] for r in entries.values()} == {"iron condor", "bull put spread"}


@pytest.mark.parametrize(("fill_model", "seeded"), [("quotes", 60), ("trade_close_half_spread", 0)])
def test_only_an_end_of_day_run_on_quotes_is_seeded(
    spy2021_catalog: Path, fill_model: str, seeded: int
) -> None:
    """A run on trade bars would see quotes the catalog's quote records do not give: no seed."""
    config = _starting(load_run_config(REGIME), dt.date(2021, 7, 1))
    data = msgspec.structs.replace(config.data, fill_model=fill_model)
    engine, _recorder = build_engine(msgspec.structs.replace(config, data=data), spy2021_catalog)
    try:
        (strategy,) = engine.trader.strategies()
        assert len(strategy._iv_seed) == seeded
    finally:
        engine.dispose()


def test_seeding_moves_no_trade_of_a_config_without_choices(spy2021_catalog: Path) -> None:
    """The reference rule from 2021-07-01, seeded (124 earlier sessions) and not: same fills."""
    reference = load_run_config(PROJECT_ROOT / "configs" / "backtest" / "spy2021_weekly_put.yaml")
    config = _starting(reference, dt.date(2021, 7, 1)).with_strategy_fields(
        entry_start="2021-07-01", entry_end="2021-08-31"
    )
    runs = []
    for seeded in (True, False):
        engine, _recorder = build_engine(config, spy2021_catalog)
        try:
            (strategy,) = engine.trader.strategies()
            assert len(strategy._iv_seed) == 124  # every session of 2021 before July
            if not seeded:
                strategy.seed_iv_history({})
            engine.run()
            orders = sorted(  # expiry's settlement orders come in no fixed order
                (o.ts_last, str(o.instrument_id), o.side.name, str(o.filled_qty), o.avg_px)
                for o in engine.cache.orders()
            )
            balance = engine.portfolio.account(VENUE).balance_total()
            runs.append((orders, balance, len(strategy._atm_ivs.values)))
        finally:
            engine.dispose()
    (seeded_orders, seeded_balance, seeded_ivs), (orders, balance, ivs) = runs
    assert len(orders) >= 8
    assert (seeded_orders, seeded_balance) == (orders, balance)
    assert seeded_ivs == ivs + 124  # only the IV history differs
