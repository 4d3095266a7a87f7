"""SPX options settle in cash, never in shares: round trips on the real iVolatility SPX week.

Data: ``options_chains/ivolatility/spx_sample_ivolatility.csv`` (SPX, SPXW and SPXPM chains,
2011-01-03..01-07, with the SPX close of each day). To keep the test fast, its puts of the
two expirations traded here with strikes 1250-1300 (the file's rows, unchanged) are ingested
through ``tradefly ingest eod-chains`` into a temporary catalog; the whole file is read by
the loader test.

- PM-settled (``configs/backtest/spx2011_spxw_put.yaml``): sell the SPXW 2011-01-07 1275 put
  on 2011-01-03 at the bid 9.70; SPX closes at 1271.50 on 2011-01-07, so the put settles at
  3.50: cash moves by exactly -350.00.
- AM-settled: sell the SPX January 2011 monthly 1270 put (OCC date 2011-01-22, last session
  Friday 2011-01-21) on 2011-01-03 at the bid 15.50. The file ends on 2011-01-07, and no real
  SPX bar of 2011-01-21 is in ``../shared/data``, so the test adds ONE CRAFTED bar (not market
  data) for 2011-01-21: open 1262.50, close 1290.00. Settled at the open the put is worth 7.50
  (cash -750.00) although it is out of the money at that day's close.
"""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from nautilus_trader.model.currencies import USD
from nautilus_trader.model.data import Bar
from nautilus_trader.model.instruments import IndexInstrument
from nautilus_trader.model.objects import Price, Quantity

from catalog.eod_chains import load_eod_chain
from catalog.writer import write_to_catalog
from options.instruments import VENUE, daily_bar_type, equity_id
from options.market_calendar import expiration_open_ns, session_close_ns
from tests.conftest import PROJECT_ROOT, shared_data_path
from tradefly.backtest.config import (
    DataSection,
    RunConfig,
    StrategyEntry,
    VenueSection,
    load_run_config,
)
from tradefly.backtest.runner import build_engine, run_backtest
from tradefly.cli import main

CHAIN = "options_chains/ivolatility/spx_sample_ivolatility.csv"
SHIPPED = PROJECT_ROOT / "configs" / "backtest" / "spx2011_spxw_put.yaml"
START = Decimal(1_000_000)
COMMISSION = Decimal("0.65")
ENTRY = dt.date(2011, 1, 3)


@pytest.fixture(scope="module")
def spx_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lines = shared_data_path(CHAIN).read_text().splitlines(keepends=True)
    chain = tmp_path_factory.mktemp("spx_rows") / "spx_puts.csv"
    chain.write_text("".join([lines[0], *(line for line in lines[1:] if _kept(line))]))
    catalog = tmp_path_factory.mktemp("spx_catalog")
    assert main(["ingest", "eod-chains", str(chain), "--catalog", str(catalog)]) == 0
    ts = session_close_ns(dt.date(2011, 1, 21))
    crafted = Bar(
        daily_bar_type(equity_id("SPX")),
        Price.from_str("1262.5000"),
        Price.from_str("1290.0000"),
        Price.from_str("1262.5000"),
        Price.from_str("1290.0000"),
        Quantity.from_int(0),
        ts,
        ts,
    )
    write_to_catalog(catalog, [crafted])
    return catalog


def _kept(line: str) -> bool:
    symbol = line.split(",")[5]
    strike = int(symbol[13:]) / 1000
    return symbol[:13] in ("SPXW  110107P", "SPX   110122P") and 1250 <= strike <= 1300


def _config(end: dt.date, dte: tuple[int, int], moneyness: float) -> RunConfig:
    day = ENTRY.isoformat()
    return RunConfig(
        name="spx",
        data=DataSection(start=ENTRY, end=end, option_kinds=["put"]),
        venue=VenueSection(starting_balance=float(START)),
        strategies=[
            StrategyEntry(
                strategy_path="strategies.structure_engine:StructureEngine",
                config_path="strategies.structure_engine:StructureEngineConfig",
                config={
                    "underlying": "SPX",
                    "structure": "short_put",
                    "structure_params": {"strike": {"moneyness": moneyness}},
                    "expiration_choice": "best_first_leg",
                    "entry_schedule": "daily",
                    "entry_start": day,
                    "entry_end": day,
                    "dte_min": dte[0],
                    "dte_max": dte[1],
                    "quantity": 1,
                },
            )
        ],
    )


def _run_until(config: RunConfig, catalog: Path, end_ns: int):  # type: ignore[no-untyped-def]
    engine, _recorder = build_engine(config, catalog)
    engine.run(start=session_close_ns(ENTRY) - 10**12, end=end_ns)
    return engine


def _cash(engine) -> Decimal:  # type: ignore[no-untyped-def]
    return Decimal(str(engine.portfolio.account(VENUE).balance_total(USD).as_decimal()))


def _no_index_positions(engine) -> bool:  # type: ignore[no-untyped-def]
    return engine.cache.positions(instrument_id=equity_id("SPX")) == []


def test_ivolatility_week_is_read_whole() -> None:
    loaded = load_eod_chain(shared_data_path(CHAIN))
    kinds: dict[str, int] = {}
    for item in loaded.data:
        kinds[type(item).__name__] = kinds.get(type(item).__name__, 0) + 1
    assert loaded.rows_read == 9832
    assert loaded.rejects.as_dict() == {}
    # 216 SPXPM rows carry iv = -1 (no greeks computed): quote kept, greeks not written.
    # Every row has a volume.
    assert kinds == {
        "QuoteTick": 9832,
        "OptionGreeks": 9832 - 216,
        "OptionVolume": 9832,
        "Bar": 5,
    }
    assert isinstance(loaded.instruments["SPX.US"], IndexInstrument)
    # The file has the SPX close only: a one-price bar per date, volume 0.
    first_bar = next(item for item in loaded.data if isinstance(item, Bar))
    assert (str(first_bar.open), str(first_bar.high), str(first_bar.low)) == ("1271.8700",) * 3
    assert (str(first_bar.close), first_bar.volume.as_double()) == ("1271.8700", 0.0)
    assert first_bar.ts_event == session_close_ns(ENTRY)
    weekly = loaded.instruments["SPXW110107P01275000.US"]
    assert weekly.underlying == "SPX"  # type: ignore[attr-defined]


def test_pm_settled_spxw_put_settles_in_cash_at_the_close(spx_catalog: Path) -> None:
    config = load_run_config(SHIPPED)  # the SPXW 2011-01-07 1275 put sold on 2011-01-03
    expiry_ns = session_close_ns(dt.date(2011, 1, 7))

    before = _run_until(config, spx_catalog, expiry_ns - 1)
    cash_before = _cash(before)
    assert cash_before == START + Decimal("970") - COMMISSION
    assert [str(p.instrument_id) for p in before.cache.positions_open()] == [
        "SPXW110107P01275000.US"
    ]
    before.dispose()

    after = _run_until(config, spx_catalog, expiry_ns + 1_000)
    # Hand computation: intrinsic (1275.00 - 1271.50) x 100 = 350.00, no shares.
    assert cash_before - _cash(after) == Decimal("350")
    assert after.cache.positions_open() == []
    assert _no_index_positions(after)
    after.dispose()


def test_am_settled_spx_put_settles_in_cash_at_the_open(
    spx_catalog: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = _config(dt.date(2011, 1, 21), (15, 20), 1.0)
    expiry_ns = expiration_open_ns(dt.date(2011, 1, 22))
    assert expiry_ns == expiration_open_ns(dt.date(2011, 1, 21))

    before = _run_until(config, spx_catalog, expiry_ns - 1)
    cash_before = _cash(before)
    assert cash_before == START + Decimal("1550") - COMMISSION
    before.dispose()
    # The file ends on 2011-01-07: the run warns about the sessions after it.
    assert caplog.messages[-1] == (
        "warning: 9 of 14 sessions of SPX options from 2011-01-03 to 2011-01-21 have no "
        "option data; longest gaps: 2011-01-10..2011-01-21 (9 sessions)"
    )

    after = _run_until(config, spx_catalog, session_close_ns(dt.date(2011, 1, 21)) + 1_000)
    # Hand computation: intrinsic at the open (1270.00 - 1262.50) x 100 = 750.00, no shares,
    # although the put is out of the money at the close (1290.00).
    assert cash_before - _cash(after) == Decimal("750")
    assert after.cache.positions_open() == []
    assert _no_index_positions(after)
    settlement = [o for o in after.cache.orders() if o.ts_last == expiry_ns]
    assert [(str(o.instrument_id), o.avg_px) for o in settlement] == [
        ("SPX110122P01270000.US", 7.5)
    ]
    after.dispose()


def test_shipped_spx_config_result(spx_catalog: Path) -> None:
    result = run_backtest(load_run_config(SHIPPED), spx_catalog, run_id="test")
    # Hand computation: premium 9.70 x 100 - 0.65 commission - settlement 3.50 x 100.
    assert (result.premium_collected, result.fees, result.realized_pnl) == (970.0, 0.65, 619.35)
    assert result.ending_balance == 1_000_619.35
