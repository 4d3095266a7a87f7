"""Every preset opened and closed by ``StructureEngine`` on the real iVolatility SPX week.

Data: ``options_chains/ivolatility/spx_sample_ivolatility.csv`` (SPX and SPXW chains,
2011-01-03..01-07). To keep the test fast, only its rows of the SPXW 2011-01-07 weekly and the
SPX January 2011 monthly (OCC date 2011-01-22), calls and puts with strikes 1200-1350, are
ingested (the file's rows, unchanged) into one module-scoped catalog.

Each preset enters once, on 2011-01-03 (the monthly is 19 days out, the weekly 4), and leaves
at the next close (``exit_dte: 100`` fires on 2011-01-04). The hand computation reads the raw
file only: each leg opened at the natural price of 2011-01-03 (sell at the bid, buy at the ask)
and closed at the natural price of 2011-01-04, 100 dollars per point, 0.65 per contract each
way. Cash, the absence of open positions and the realized P&L of the legs equal it to the
cent, and the legs are those the preset names (kind, side, ratio).
"""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from nautilus_trader.model.currencies import USD
from nautilus_trader.model.enums import OrderSide

from options.instruments import VENUE
from options.market_calendar import session_close_ns
from options.structures import Side
from strategies.toolkit.structure_spec import build_structure
from tests.backtest import spx2011_raw
from tests.backtest.conftest import SPX2011_WEEK
from tests.backtest.spx2011_raw import Quotes
from tests.conftest import shared_data_path
from tradefly.backtest.config import DataSection, RunConfig, StrategyEntry, VenueSection
from tradefly.backtest.runner import build_engine
from tradefly.cli import main

START = Decimal(1_000_000)
COMMISSION = Decimal("0.65")
ENTRY, EXIT = dt.date(2011, 1, 3), dt.date(2011, 1, 4)
ROOTS = ("SPXW  110107", "SPX   110122")

MONTHLY = [15, 20]  # the SPX 2011-01-22 monthly (19 days out on 2011-01-03)
CASES: dict[str, dict[str, object]] = {
    "short_put": {"delta": 0.30},
    "short_call": {"delta": 0.30},
    "cash_secured_put": {"delta": 0.30},
    "long_call": {"delta": 0.40},
    "long_put": {"delta": 0.40},
    "bull_call_spread": {"long_delta": 0.50, "width": 10},
    "bear_put_spread": {"long_delta": 0.50, "width": 10},
    "bull_put_spread": {"short_delta": 0.30, "width": 10},
    "bear_call_spread": {"short_delta": 0.30, "width": 10},
    "iron_condor": {"short_delta": 0.20, "width": 10},
    "iron_butterfly": {"width": 20},
    "short_straddle": {},
    "long_straddle": {},
    "short_strangle": {"delta": 0.20},
    "long_strangle": {"delta": 0.20},
    "call_butterfly": {"width": 10},
    "put_butterfly": {"width": 10},
    "ratio_spread": {"kind": "put", "long_delta": 0.50, "width": 20},
    "calendar": {"kind": "call", "front": [2, 6], "back": MONTHLY},
    "diagonal": {"kind": "put", "short_delta": 0.30, "width": 10, "front": [2, 6], "back": MONTHLY},
}


# Realized P&L (= cash - 1,000,000, USD) and the opened contracts of each preset, pinned.
# Verified once with a separate script reading the raw file with the csv module (no project
# code): every leg opened at 2011-01-03's natural price and closed at 2011-01-04's, x 100,
# 0.65 a contract per fill; e.g. short_put: sell SPX110122P01250000 at its 2011-01-03 bid
# 8.50, buy it back at its 2011-01-04 ask 9.40: (8.50 - 9.40) x 100 - 1.30 = -91.30.
PINNED: dict[str, tuple[str, tuple[str, ...]]] = {
    "bear_call_spread": ("-162.60", ("SPX110122C01290000", "SPX110122C01300000")),
    "bear_put_spread": ("-302.60", ("SPX110122P01270000", "SPX110122P01260000")),
    "bull_call_spread": ("-362.60", ("SPX110122C01270000", "SPX110122C01280000")),
    "bull_put_spread": ("-262.60", ("SPX110122P01250000", "SPX110122P01240000")),
    "calendar": ("-302.60", ("SPXW110107C01270000", "SPX110122C01270000")),
    "call_butterfly": (
        "-1045.20",
        ("SPX110122C01270000", "SPX110122C01260000", "SPX110122C01280000"),
    ),
    "cash_secured_put": ("-91.30", ("SPX110122P01250000",)),
    "diagonal": ("-192.60", ("SPXW110107P01260000", "SPX110122P01270000")),
    "iron_butterfly": (
        "-665.20",
        ("SPX110122P01270000", "SPX110122P01250000", "SPX110122C01270000", "SPX110122C01290000"),
    ),
    "iron_condor": (
        "-335.20",
        ("SPX110122P01230000", "SPX110122P01220000", "SPX110122C01300000", "SPX110122C01310000"),
    ),
    "long_call": ("-271.30", ("SPX110122C01280000",)),
    "long_put": ("-261.30", ("SPX110122P01260000",)),
    "long_straddle": ("-542.60", ("SPX110122P01270000", "SPX110122C01270000")),
    "long_strangle": ("-222.60", ("SPX110122P01230000", "SPX110122C01300000")),
    "put_butterfly": (
        "-915.20",
        ("SPX110122P01270000", "SPX110122P01260000", "SPX110122P01280000"),
    ),
    "ratio_spread": ("-403.90", ("SPX110122P01270000", "SPX110122P01250000")),
    "short_call": ("-81.30", ("SPX110122C01290000",)),
    "short_put": ("-91.30", ("SPX110122P01250000",)),
    "short_straddle": ("-342.60", ("SPX110122P01270000", "SPX110122C01270000")),
    "short_strangle": ("-82.60", ("SPX110122P01230000", "SPX110122C01300000")),
}


@pytest.fixture(scope="module")
def spx_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lines = shared_data_path(SPX2011_WEEK).read_text().splitlines(keepends=True)
    chain = tmp_path_factory.mktemp("spx_rows") / "spx_two_expirations.csv"
    chain.write_text("".join([lines[0], *(line for line in lines[1:] if _kept(line))]))
    catalog = tmp_path_factory.mktemp("spx_structures")
    assert main(["ingest", "eod-chains", str(chain), "--catalog", str(catalog)]) == 0
    return catalog


def _kept(line: str) -> bool:
    symbol = line.split(",")[5]
    return symbol[:12] in ROOTS and 1200 <= int(symbol[13:]) / 1000 <= 1350


@pytest.fixture(scope="module")
def raw_quotes() -> Quotes:
    return spx2011_raw.raw_quotes()


def _config(structure: str, params: dict[str, object]) -> RunConfig:
    return RunConfig(
        name=structure,
        data=DataSection(start=ENTRY, end=dt.date(2011, 1, 7)),
        venue=VenueSection(starting_balance=float(START)),
        strategies=[
            StrategyEntry(
                strategy_path="strategies.structure_engine:StructureEngine",
                config_path="strategies.structure_engine:StructureEngineConfig",
                config={
                    "underlying": "SPX",
                    "structure": structure,
                    "structure_params": params,
                    "dte_min": MONTHLY[0],
                    "dte_max": MONTHLY[1],
                    "entry_schedule": "daily",
                    "entry_start": ENTRY.isoformat(),
                    "entry_end": ENTRY.isoformat(),
                    "exit_dte": 100,
                },
            )
        ],
    )


@pytest.mark.parametrize("structure", sorted(CASES))
def test_round_trip_equals_the_hand_computation(
    structure: str,
    spx_catalog: Path,
    raw_quotes: Quotes,
) -> None:
    engine, _recorder = build_engine(_config(structure, CASES[structure]), spx_catalog)
    engine.run(start=session_close_ns(ENTRY) - 10**12, end=session_close_ns(EXIT) + 10**9)
    orders = [o for o in engine.cache.orders() if o.is_closed and o.filled_qty.as_double() > 0]
    opening = [o for o in orders if "entry" in o.tags]
    closing = [o for o in orders if "dte_exit" in o.tags]

    # The legs are the preset's: kind, side and ratio in order.
    rules = build_structure(structure, CASES[structure]).legs
    got = [(o.instrument_id.symbol.value[-9], o.side, int(o.quantity.as_double())) for o in opening]
    want = [
        (
            rule.kind.name[0],
            OrderSide.SELL if rule.side == Side.SHORT else OrderSide.BUY,
            rule.ratio,
        )
        for rule in rules
    ]
    assert got == want
    assert len(closing) == len(opening)

    expected = Decimal(0)
    for order in opening + closing:
        day = ENTRY if order in opening else EXIT
        bid, ask = raw_quotes[order.instrument_id.symbol.value, day]
        price = bid if order.side == OrderSide.SELL else ask
        assert Decimal(str(order.avg_px)) == price, order
        contracts = Decimal(int(order.quantity.as_double()))
        sign = 1 if order.side == OrderSide.SELL else -1
        expected += sign * price * 100 * contracts - COMMISSION * contracts
    cash = Decimal(str(engine.portfolio.account(VENUE).balance_total(USD).as_decimal()))
    assert cash - START == expected
    assert engine.cache.positions_open() == []
    realized = sum(
        Decimal(str(p.realized_pnl.as_decimal())) for p in engine.cache.positions_closed()
    )
    assert realized == expected
    pinned, contracts = PINNED[structure]
    assert tuple(o.instrument_id.symbol.value for o in opening) == contracts
    assert expected == realized == cash - START == Decimal(pinned)
    engine.dispose()


def test_the_pinned_table_covers_every_preset() -> None:
    assert set(PINNED) == set(CASES)
