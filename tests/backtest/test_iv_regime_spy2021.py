"""Structure chosen by IV rank, IV percentile and trend on the real SPY 2021 chain.

The IV history of a run starting mid-year is seeded from the catalog's sessions before the
start (:mod:`strategies.iv_seed`), so the rank is known from the first session, and so are the
closes its trend averages (:mod:`strategies.trend_seed`). Every value is
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

from catalog.access import open_catalog
from options import iv_metrics
from options.chain_selection import ChainQuote
from options.instruments import VENUE
from options.iv_metrics import atm_iv_30d
from strategies import iv_seed
from strategies.structure_engine import StructureEngineConfig
from strategies.trend_seed import prior_closes
from tests.backtest.test_reference_spy2021 import CHAIN, SPY_BARS, _valid_row
from tests.conftest import PROJECT_ROOT, shared_data_path
from tradefly.backtest import runner
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
    vendor_ivs: bool = True,
) -> list[float]:
    """The 30-day ATM IV of consecutive `sessions`, the first one's window from itself.

    Without `vendor_ivs`, every contract's IV is the Black-Scholes IV of its mid.
    """
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
                        implied_vol=iv if iv > 0 and vendor_ivs else None,
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
    closes: dict[dt.date, float], day: dt.date, sessions: int, band: float
) -> str | None:
    # The catalog's closes before the run's start are in the average (strategies.trend_seed).
    seen = [c for d, c in sorted(closes.items()) if d <= day]
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


def _trend_puts(start: dt.date, last: dt.date, trend_sessions: int) -> RunConfig:
    """The IV-regime config from `start`: a short put in an up-trend, a long put in a down-trend."""
    return _starting(load_run_config(REGIME), start).with_strategy_fields(
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
        trend_sessions=trend_sessions,
        trend_band=0.01,
        entry_start=start.isoformat(),
        entry_end=last.isoformat(),
    )


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

    Trend: the close against the average of the last 10 closes, beyond 1 %. The run starts on
    the catalog's first session, so no close before it is seeded: no trend for 9 sessions.
    """
    start, last = dt.date(2021, 1, 4), dt.date(2021, 3, 31)
    config = _trend_puts(start, last, 10)
    entries = _entries(config, spy2021_catalog)
    closes = raw[1]
    expected = {
        day: trend
        for day in closes
        if start <= day <= last
        and (trend := _trend_by_hand(closes, day, 10, 0.01)) in ("up", "down")
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
    history = _history_by_hand(raw, config.data.start, window=60, kinds={"put", "call"})
    for day, record in entries.items():
        rank = _rank(history[day])
        trend = _trend_by_hand(raw[1], day, 20, 0.01)
        tags = _tags(record)
        assert (tags["iv_rank"], tags["trend"]) == (f"{rank:.4g}", trend), day
        if rank >= 50 and trend == "neutral":
            assert record["structure"] == "iron condor", day
        else:
            assert trend == "up" and record["structure"] == "bull put spread", day
    assert {r["structure"] for r in entries.values()} == {"iron condor", "bull put spread"}


# SPY's closes of the 19 sessions before 2021-05-12 (2021-04-15 to 2021-05-11), then 2021-05-12,
# from underlying_daily/lambdaclass_SPY_daily_2021.csv
CLOSES_TO_MAY_12 = [
    415.87, 417.26, 415.21, 412.17, 416.07, 412.27, 416.74, 417.61, 417.52, 417.40,
    420.06, 417.30, 418.20, 415.62, 415.75, 419.07, 422.12, 417.94, 414.21, 405.41,
]  # fmt: skip


def test_the_trend_is_seeded_from_the_closes_before_the_start(
    spy2021_catalog: Path,
    raw: tuple[dict[dt.date, list[dict[str, str]]], dict[dt.date, float]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """From 2021-05-12, 20-session trend beyond 1 %: a long put in a down-trend from day one.

    By hand on the first session: the average of the 20 closes ending 2021-05-12 is
    8323.80 / 20 = 416.19, and the close 405.41 is below 416.19 x 0.99 = 412.0281: down (the
    19 closes before the start come from the catalog). Unseeded, the trend is unknown until 20
    closes of the run are in, so no entry is made on the first sessions.
    """
    start, last = dt.date(2021, 5, 12), dt.date(2021, 5, 14)
    closes = raw[1]
    assert [closes[d] for d in sorted(closes) if d <= start][-20:] == CLOSES_TO_MAY_12
    assert sum(CLOSES_TO_MAY_12) == pytest.approx(8323.80, abs=1e-9)
    assert CLOSES_TO_MAY_12[-1] < 416.19 * 0.99
    assert _trend_by_hand(closes, start, 20, 0.01) == "down"
    config = _trend_puts(start, last, 20)

    entries = _entries(config, spy2021_catalog)
    # 2021-05-13: 410.28 against 415.9105 (down); 2021-05-14: 416.58 against 415.8765 (neutral)
    assert sorted(entries) == [start, dt.date(2021, 5, 13)]
    for day, record in entries.items():
        assert _tags(record)["trend"] == "down" == _trend_by_hand(closes, day, 20, 0.01), day
        assert record["structure"] == "long put", day

    monkeypatch.setattr(runner, "prior_closes", lambda *_args: {})
    assert _entries(config, spy2021_catalog) == {}  # the trend unknown on every entry day


def test_the_trend_seed_is_the_last_closes_before_the_start_the_average_needs(
    spy2021_catalog: Path, raw: tuple[dict[dt.date, list[dict[str, str]]], dict[dt.date, float]]
) -> None:
    """20-session average: 19 closes before the start, fewer when the catalog has fewer."""
    catalog = open_catalog(spy2021_catalog)
    config = StructureEngineConfig(underlying="SPY", structure="short_put", trend_sessions=20)
    closes = raw[1]
    days = [day for day in sorted(closes) if day < dt.date(2021, 5, 12)][-19:]
    before = dict(zip(days, CLOSES_TO_MAY_12[:19], strict=True))
    assert min(before) == dt.date(2021, 4, 15) and max(before) == dt.date(2021, 5, 11)
    assert all(closes[day] == close for day, close in before.items())
    assert prior_closes(catalog, config, dt.date(2021, 5, 12)) == before
    first_days = {day: closes[day] for day in sorted(closes)[:4]}  # 2021-01-04 to 01-07
    assert prior_closes(catalog, config, dt.date(2021, 1, 8)) == first_days
    assert prior_closes(catalog, config, dt.date(2021, 1, 4)) == {}
    one = msgspec.structs.replace(config, trend_sessions=1)  # the close itself is the average
    assert prior_closes(catalog, one, dt.date(2021, 5, 12)) == {}


def test_the_iv_seed_solves_all_its_sessions_in_one_call(
    spy2021_catalog: Path,
    raw: tuple[dict[dt.date, list[dict[str, str]]], dict[dt.date, float]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without the vendor's IVs, the mids of 60 sessions go to the solver at once.

    Each session's value is still :func:`options.iv_metrics.atm_iv_30d` of that session alone.
    """
    calls: list[int] = []
    solve = iv_metrics.implied_vol_array
    monkeypatch.setattr(
        iv_metrics, "implied_vol_array", lambda *args: (calls.append(len(args[0])), solve(*args))[1]
    )
    monkeypatch.setattr(iv_seed, "_vendor_iv", lambda _greeks: None)
    config = StructureEngineConfig(
        underlying="SPY", structure="short_put", dte_min=20, dte_max=50, iv_window=60
    )
    start = dt.date(2021, 7, 1)
    seed = iv_seed.prior_atm_ivs(open_catalog(spy2021_catalog), config, start)
    assert len(calls) == 1 and calls[0] > 60  # one call, every session's mids
    sessions = [day for day in sorted(raw[1]) if day < start][-60:]
    assert list(seed) == sessions
    by_hand = _atm_ivs_by_hand(raw, sessions, {"put"}, vendor_ivs=False)
    assert list(seed.values()) == pytest.approx(by_hand, rel=1e-9)


@pytest.mark.parametrize(("fill_model", "seeded"), [("quotes", 60), ("trade_close_half_spread", 0)])
def test_an_end_of_day_run_is_seeded_from_the_quotes_it_replays(
    spy2021_catalog: Path, fill_model: str, seeded: int
) -> None:
    """A run on trade bars is seeded from the option trade bars, not from quote records.

    This chain has quote records only, so a run on its (absent) trade bars gets no IV seed;
    ``test_iv_seed_trade_bars.py`` seeds one from real trade bars.
    """
    config = _starting(load_run_config(REGIME), dt.date(2021, 7, 1))
    data = msgspec.structs.replace(config.data, fill_model=fill_model)
    engine, _recorder = build_engine(msgspec.structs.replace(config, data=data), spy2021_catalog)
    try:
        (strategy,) = engine.trader.strategies()
        assert len(strategy._iv_seed) == seeded
        assert len(strategy._trend_seed) == 19  # the trend's closes, whatever the data
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
            assert strategy._trend_seed == {}  # no choices: no trend to seed
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
