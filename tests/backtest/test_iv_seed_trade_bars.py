"""The IV seed of a run on daily trade bars equals the IVs an earlier-starting run computes.

A run with ``fill_model: trade_close_half_spread`` replays each option's daily trade bar as a
quote at ``close ± half_spread`` and its engine solves each session's 30-day ATM IV from those
quotes' mids with the underlying's daily close as spot. The sessions before its start are
seeded the same way (:func:`strategies.iv_seed.prior_atm_ivs` with ``half_spread``), so a run
starting on 2021-06-01 has, from its first entry, the IV rank and percentile of a run started
``iv_window`` (60) sessions earlier on 2021-03-05, which computes those sessions itself.

Data: the real Polygon SPY monthly call bars of 2021 (``2021_options_pessimistic.csv``, only its
rows from 2021-03-05 to 2021-07-30, so that nothing before the earlier run's start can be
seeded) and SPY's 2021 daily bars, ingested as ``spy_monthly_atm_call_2016_2025.yaml`` says.
"""

import csv
import datetime as dt
from pathlib import Path

import msgspec
import pytest
from nautilus_trader.model.enums import OptionKind

from catalog.access import open_catalog
from options.chain_selection import ChainQuote
from options.iv_metrics import atm_iv_30d
from statestore.store import StateStore
from strategies.iv_seed import prior_atm_ivs
from strategies.structure_engine import SUBSCRIBE_AHEAD_DAYS
from tests.conftest import PROJECT_ROOT, shared_data_path
from tradefly.backtest.config import RunConfig, load_run_config
from tradefly.backtest.runner import run_backtest
from tradefly.cli import main

OPTION_BARS = "options_chains/polygon_dayaggs_monthly/SPY/2021_options_pessimistic.csv"
SPY_BARS = "underlying_daily/lambdaclass_SPY_daily_2021.csv"
TEN_YEAR = PROJECT_ROOT / "configs" / "backtest" / "spy_monthly_atm_call_2016_2025.yaml"
EARLIER, START, END = dt.date(2021, 3, 5), dt.date(2021, 6, 1), dt.date(2021, 7, 30)
WINDOW = 60
HALF_SPREAD = 0.05  # the ten-year config's


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The option bars from 2021-03-05 to 2021-07-30 and SPY's 2021 daily bars."""
    folder = tmp_path_factory.mktemp("iv_seed_trade_bars")
    with shared_data_path(OPTION_BARS).open() as f:
        reader = csv.DictReader(f)
        rows = [r for r in reader if EARLIER.isoformat() <= r["date_only"] <= END.isoformat()]
        fields = reader.fieldnames
    assert fields is not None
    option_bars = folder / "2021_options_pessimistic.csv"
    with option_bars.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    catalog = folder / "catalog"
    argv = ["ingest", "option-bars", str(option_bars), "--bars", str(shared_data_path(SPY_BARS))]
    assert main([*argv, "--catalog", str(catalog), "--no-progress"]) == 0
    return catalog


def _config(start: dt.date, state_store: Path | None = None) -> RunConfig:
    """The ten-year rule from `start`, its call chosen when the IV rank is known, 60 sessions."""
    base = load_run_config(TEN_YEAR)
    data = msgspec.structs.replace(base.data, start=start, end=END)
    (entry,) = base.strategies
    fields = {k: v for k, v in entry.config.items() if k not in ("structure", "structure_params")}
    strategy = msgspec.structs.replace(entry, config=fields)
    config = msgspec.structs.replace(base, data=data, strategies=[strategy])
    return config.with_strategy_fields(
        choices=[
            {
                "structure": "short_call",
                "structure_params": entry.config["structure_params"],
                "when": {"iv_rank_min": 0},
            }
        ],
        iv_window=WINDOW,
        iv_min_sessions=2,
        entry_start=START.isoformat(),
        entry_end=END.isoformat(),
        state_store=str(state_store) if state_store is not None else None,
    )


def _atm_ivs_by_hand(before: dt.date, reach_days: int) -> dict[dt.date, float]:
    """The 30-day ATM IV of the 60 SPY sessions before `before` from the raw files.

    The calls quoted at close ± 0.05, SPY's close as spot. The engine's window at a session
    close holds the contracts expiring from the previous session (the first session: itself)
    to `reach_days` after it. Sessions without a usable quote are left out.
    """
    with shared_data_path(SPY_BARS).open() as f:
        closes = {
            dt.date.fromisoformat(r["date"][:10]): float(r["close"]) for r in csv.DictReader(f)
        }
    sessions = [day for day in sorted(closes) if day < before][-WINDOW:]
    with shared_data_path(OPTION_BARS).open() as f:
        rows = list(csv.DictReader(f))
    ivs = {}
    previous: dt.date | None = None
    for day in sessions:
        first = previous or day
        quotes = []
        for row in rows:
            expiration = dt.date.fromisoformat(row["expiration_date"])
            if row["date_only"] == day.isoformat() and first <= expiration <= first + dt.timedelta(
                reach_days
            ):
                close = float(row["close_price"])
                quotes.append(
                    ChainQuote(
                        expiration,
                        OptionKind.CALL,
                        float(row["strike"]),
                        max(close - HALF_SPREAD, 0.0),
                        close + HALF_SPREAD,
                    )
                )
        if quotes and (value := atm_iv_30d(quotes, closes[day], day)) is not None:
            ivs[day] = value
        previous = day
    return ivs


def test_a_trade_bar_run_is_seeded_with_the_ivs_an_earlier_start_computes(
    catalog: Path, tmp_path: Path
) -> None:
    store = tmp_path / "earlier.sqlite"
    earlier_config, config = _config(EARLIER, store), _config(START)
    (strategy,) = config.build_strategies()
    seed = prior_atm_ivs(open_catalog(catalog), strategy.config, START, half_spread=HALF_SPREAD)
    # no option bar before the earlier start: that run is not seeded, it computes its own
    assert prior_atm_ivs(open_catalog(catalog), strategy.config, EARLIER, None, HALF_SPREAD) == {}

    earlier = run_backtest(earlier_config, catalog, run_id="earlier")
    seeded = run_backtest(config, catalog, run_id="seeded")

    # the seed: the sessions with option bars among the 60 before 2021-06-01 (the March, April
    # and May cycles' 5 entry days each), the values the earlier run computed on them
    stored = StateStore(str(store)).session_ivs("StructureEngine-000")  # the run's one strategy
    computed = {dt.date.fromisoformat(day): iv for day, iv in stored.items()}
    assert len(seed) == 15
    assert list(seed) == [day for day in sorted(computed) if day < START]
    for day, iv in seed.items():
        assert iv == pytest.approx(computed[day], abs=1e-9), day
    reach = strategy.config.horizon_days + SUBSCRIBE_AHEAD_DAYS  # dte_max 45 + 7
    by_hand = _atm_ivs_by_hand(START, reach)
    assert list(by_hand) == list(seed)
    assert list(seed.values()) == pytest.approx(list(by_hand.values()), abs=1e-9)

    # same entries, each with the same IV rank and percentile as the earlier run's
    assert [r["entry_time"] for r in seeded.journal] == [r["entry_time"] for r in earlier.journal]
    assert [r["entry_time"][:10] for r in seeded.journal] == ["2021-06-14", "2021-07-19"]
    for mine, theirs in zip(seeded.journal, earlier.journal, strict=True):
        assert mine["iv_rank"] == pytest.approx(theirs["iv_rank"], abs=1e-9)
        assert mine["reason_tags"] == theirs["reason_tags"]
        assert mine["iv_rank_note"] == theirs["iv_rank_note"] == ""
    assert seeded.realized_pnl == earlier.realized_pnl
