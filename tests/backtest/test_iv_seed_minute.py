"""The IV seed of a minute run equals the IV an earlier-starting minute run computes.

A minute run's engine computes each session's 30-day ATM IV at the session close from the
latest minute quote of each contract in its window, with the session bar's close (derived from
the underlying's minute bars) as spot. The sessions before a minute run's start are seeded the
same way (:func:`strategies.iv_seed.prior_minute_atm_ivs`).

Data: the real LEAN minute files of TWX on 2014-06-05 and 2014-06-06, the only two
consecutive sessions in ``../shared/data/`` with an underlying's minute bars and its option
minute quotes (``option/usa/minute/twx/2014060[56]_quote_american.zip``: the 65 to 77.5
calls and puts expiring 2014-06-21 and 2014-07-19, their CSVs copied byte for byte into zips
of the same names to keep the ingest short; ``equity/usa/minute/twx/2014060[56]_trade.zip``).
With two sessions the IV rank is 0 or 100: the values themselves are compared too.

The contracts expire on the Friday sessions 2014-06-20 and 2014-07-18 (their OCC symbols say
the Saturdays after). ``dte_max: 35`` makes the window at the 2014-06-05 close reach 2014-07-17
(35 + 7 days): at the 2014-06-06 close the engine sees the July contracts only if an entry time
took them in during the day (``entry_times: ["10:00"]``), so the two cases have different
values. At the 2014-06-06 close (no entry time) the run sells a put, its IV rank from both
sessions; at 10:00 the rank is unknown (one session of IV), so that case enters nothing.
"""

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from nautilus_trader.model.data import Bar
from nautilus_trader.model.enums import OptionKind

from catalog.access import open_catalog
from catalog.contract_reads import read_by_folder
from options.instruments import daily_bar_type, equity_id, minute_bar_type
from statestore.store import StateStore
from strategies.iv_seed import prior_minute_atm_ivs
from strategies.structure_engine import StructureEngine
from tests.conftest import shared_data_path
from tradefly.backtest.config import DataSection, RunConfig, StrategyEntry, VenueSection
from tradefly.backtest.runner import build_engine, run_backtest
from tradefly.backtest.session_bars import session_bars
from tradefly.cli import main

LEAN = "intraday/lean_minute"
FIRST, SECOND = dt.date(2014, 6, 5), dt.date(2014, 6, 6)
END = dt.date(2014, 6, 16)  # the run reads contracts up to its end + dte_max: July (0719) too
STRIKES = ("650000", "675000", "700000", "725000", "750000", "775000")
EXPIRIES = ("20140621", "20140719")


@pytest.fixture(scope="module")
def twx_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("twx_minute")
    folder = root / "option" / "usa" / "minute" / "twx"
    folder.mkdir(parents=True)
    files = []
    for day in ("20140605", "20140606"):
        chain = shared_data_path(f"{LEAN}/option/usa/minute/twx/{day}_quote_american.zip")
        subset = folder / chain.name
        with zipfile.ZipFile(chain) as source, zipfile.ZipFile(subset, "w") as target:
            for name in source.namelist():
                *_, strike, expiry = name.removesuffix(".csv").split("_")
                if strike in STRIKES and expiry in EXPIRIES:
                    target.writestr(name, source.read(name))
        files += [subset, shared_data_path(f"{LEAN}/equity/usa/minute/twx/{day}_trade.zip")]
    catalog = root / "catalog"
    args = ["ingest", "lean-minute", *map(str, files), "--catalog", str(catalog)]
    assert main([*args, "--no-progress"]) == 0
    return catalog


def _config(
    start: dt.date, entry_times: list[str], dte_max: int = 50, store: Path | None = None
) -> RunConfig:
    """A short put nearest the money on TWX when the IV rank is known, two sessions of IV."""
    return RunConfig(
        name="twx-minute-seed",
        data=DataSection(
            underlyings=["TWX"],
            start=start,
            end=END,
            resolution="minute",
            option_kinds=["put", "call"],
        ),
        venue=VenueSection(starting_balance=100_000.0, commission_per_contract=0.65),
        strategies=[
            StrategyEntry(
                strategy_path="strategies.structure_engine:StructureEngine",
                config_path="strategies.structure_engine:StructureEngineConfig",
                config={
                    "underlying": "TWX",
                    "choices": [
                        {
                            "structure": "short_put",
                            "structure_params": {"strike": {"moneyness": 1.0}},
                            "when": {"iv_rank_min": 0},
                        }
                    ],
                    "iv_window": 2,
                    "iv_min_sessions": 2,
                    "entry_times": entry_times,
                    "entry_schedule": "daily",
                    "entry_start": SECOND.isoformat(),
                    "dte_min": 1,
                    "dte_max": dte_max,
                    "quantity": 1,
                    "state_store": str(store) if store is not None else None,
                },
            )
        ],
    )


def test_a_minute_run_is_seeded_with_the_iv_an_earlier_start_computes(
    twx_catalog: Path, tmp_path: Path
) -> None:
    store = tmp_path / "earlier.sqlite"
    earlier = run_backtest(_config(FIRST, [], store=store), twx_catalog, run_id="earlier")
    stored = StateStore(str(store)).session_ivs("StructureEngine-000")  # its one strategy
    assert set(stored) == {FIRST.isoformat(), SECOND.isoformat()}

    engine, _recorder = build_engine(_config(SECOND, []), twx_catalog)
    try:
        (strategy,) = engine.trader.strategies()
        seed = dict(strategy._iv_seed)
    finally:
        engine.dispose()
    assert list(seed) == [FIRST]
    assert seed[FIRST] == pytest.approx(stored[FIRST.isoformat()], abs=1e-9)

    # the earlier run saw no session before its start: it computed its own first value
    engine, _recorder = build_engine(_config(FIRST, []), twx_catalog)
    try:
        (strategy,) = engine.trader.strategies()
        assert strategy._iv_seed == {}
    finally:
        engine.dispose()

    # at the 2014-06-06 close both sell a put, its IV rank from both sessions
    seeded = run_backtest(_config(SECOND, []), twx_catalog, run_id="seeded")
    assert len(earlier.journal) == len(seeded.journal) == 1
    for mine, theirs in zip(seeded.journal, earlier.journal, strict=True):
        assert mine["entry_time"] == theirs["entry_time"]
        assert mine["iv_rank"] == pytest.approx(theirs["iv_rank"], abs=1e-9)
        assert mine["reason_tags"] == theirs["reason_tags"]


@pytest.mark.parametrize("entry_times", [[], ["10:00"]])
def test_the_minute_seed_takes_in_contracts_at_an_entry_time_as_the_engine_does(
    twx_catalog: Path, tmp_path: Path, entry_times: list[str]
) -> None:
    """``dte_max: 35``: the July contracts are in the 06-06 close's chain only after an entry time.

    The seed of a run starting after both sessions (called directly: no run can start on a day
    without data) equals both values the earlier run computed.
    """
    store = tmp_path / "earlier.sqlite"
    config = _config(FIRST, entry_times, dte_max=35, store=store)
    run_backtest(config, twx_catalog, run_id="earlier")
    stored = StateStore(str(store)).session_ivs("StructureEngine-000")

    catalog = open_catalog(twx_catalog)
    minutes = read_by_folder(catalog, Bar, [str(minute_bar_type(equity_id("TWX")))])
    closes = session_bars(minutes, daily_bar_type(equity_id("TWX")), index=False)
    (strategy,) = config.build_strategies()
    assert isinstance(strategy, StructureEngine)
    kinds = [OptionKind.PUT, OptionKind.CALL]
    after = dt.date(2014, 6, 9)
    seed = prior_minute_atm_ivs(catalog, strategy.config, after, closes, minutes, kinds)
    assert list(seed) == [FIRST, SECOND]
    for day, iv in seed.items():
        assert iv == pytest.approx(stored[day.isoformat()], abs=1e-9), day
    without_july = _config(FIRST, [], dte_max=35).build_strategies()[0]
    assert isinstance(without_july, StructureEngine)
    other = prior_minute_atm_ivs(catalog, without_july.config, after, closes, minutes, kinds)
    if entry_times:
        assert abs(seed[SECOND] - other[SECOND]) > 1e-4
