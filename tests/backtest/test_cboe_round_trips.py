"""Four-leg presets and a vertical opened and closed by ``StructureEngine`` on the Cboe 2023 chains.

Data: the real Cboe delayed-quote snapshots in ``options_chains/cboe_quotedata_snapshots/`` (full
chains, calls and puts side by side per strike, bid/ask/IV/delta/open interest) and the real
daily bars of ``underlying_daily/yfinance_taa_dashboard/{SPY,QQQ}.csv``. To keep the test fast
only the rows of the 2023-06-16 monthly expiration inside a strike band are ingested (the
file's rows, unchanged), with the bars of 2023-05-15..05-31:

- SPY: entry on 2023-05-19 (``spy_quotedata_commit2023-05-20_d724df9.csv``, read Saturday
  20 May: the Friday session), exit on 2023-05-26 (``..._2023-05-29_47fe6de.csv``, read Sunday
  28 May); strikes 385-450.
- QQQ: entry on 2023-05-17 (``qqq_quotedata_commit2023-05-20_d724df9.csv``, read 18 May at
  05:55, before the open), exit on 2023-05-26 (``..._2023-05-26_0c5ab2f.csv``, read at 17:21);
  strikes 300-360.
- SPX (root SPX, the AM-settled monthly; never held to expiry here): entry on 2023-05-19
  (``spx_quotedata_commit2023-05-20_d724df9.csv``), exit on 2023-05-26
  (``..._2023-05-26_3d508c5.csv``, read at 17:01); strikes 4000-4400. Its daily bars are
  SYNTHETIC (see :func:`_bars`): no SPX daily history of 2023 is in the shared data.

The sessions are passed with ``--quote-date`` (the rule of :mod:`catalog.cboe_quotes` gives the
same ones). Each preset enters once, on the entry session, and leaves on the exit session
(``exit_dte: 100``; no option is quoted in between). The hand computation reads the raw files
only: each leg opened at the entry session's natural price (sell at the bid, buy at the ask)
and closed at the exit session's, 100 dollars per point, 0.65 per contract each way. Cash, the
absence of open positions and the legs' realized P&L equal it to the cent.
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
from tests.conftest import shared_data_path
from tradefly.backtest.config import DataSection, RunConfig, StrategyEntry, VenueSection
from tradefly.backtest.runner import build_engine
from tradefly.cli import main

SNAPSHOTS = "options_chains/cboe_quotedata_snapshots"
START = Decimal(1_000_000)
COMMISSION = Decimal("0.65")
EXPIRATION = "230616"
# underlying: (entry file, entry session), (exit file, exit session), strike band
CHAINS = {
    "SPY": (
        ("spy_quotedata_commit2023-05-20_d724df9.csv", dt.date(2023, 5, 19)),
        ("spy_quotedata_commit2023-05-29_47fe6de.csv", dt.date(2023, 5, 26)),
        (385, 450),
    ),
    "QQQ": (
        ("qqq_quotedata_commit2023-05-20_d724df9.csv", dt.date(2023, 5, 17)),
        ("qqq_quotedata_commit2023-05-26_0c5ab2f.csv", dt.date(2023, 5, 26)),
        (300, 360),
    ),
    "SPX": (
        ("spx_quotedata_commit2023-05-20_d724df9.csv", dt.date(2023, 5, 19)),
        ("spx_quotedata_commit2023-05-26_3d508c5.csv", dt.date(2023, 5, 26)),
        (4000, 4400),
    ),
}
CASES: dict[str, dict[str, object]] = {
    "iron_condor": {"short_delta": 0.20, "width": 10},
    "iron_butterfly": {"width": 5},
    "call_butterfly": {"width": 5},
    "put_butterfly": {"width": 5},
    "bull_put_spread": {"short_delta": 0.30, "width": 5},
}
# Realized P&L (= cash - 1,000,000, USD) and the opened contracts per (underlying, preset),
# pinned. Verified once with a separate script reading the raw snapshots (columns found by
# the header line's names, no project code): every leg opened at the entry session's natural
# price and closed at the exit session's, x 100, 0.65 a contract per fill (the SPY iron
# condor is worked by hand in test_spy_iron_condor_by_hand).
PINNED: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("QQQ", "bull_put_spread"): ("56.40", ("QQQ230616P00323000", "QQQ230616P00318000")),
    ("QQQ", "call_butterfly"): (
        "-96.20",
        ("QQQ230616C00331000", "QQQ230616C00326000", "QQQ230616C00336000"),
    ),
    ("QQQ", "iron_butterfly"): (
        "-70.20",
        ("QQQ230616P00331000", "QQQ230616P00326000", "QQQ230616C00331000", "QQQ230616C00336000"),
    ),
    ("QQQ", "iron_condor"): (
        "-382.20",
        ("QQQ230616P00316000", "QQQ230616P00306000", "QQQ230616C00345000", "QQQ230616C00355000"),
    ),
    ("QQQ", "put_butterfly"): (
        "-67.20",
        ("QQQ230616P00331000", "QQQ230616P00326000", "QQQ230616P00336000"),
    ),
    ("SPX", "bull_put_spread"): ("-102.60", ("SPX230616P04105000", "SPX230616P04100000")),
    ("SPX", "call_butterfly"): (
        "-1625.20",
        ("SPX230616C04190000", "SPX230616C04185000", "SPX230616C04195000"),
    ),
    ("SPX", "iron_butterfly"): (
        "-1545.20",
        ("SPX230616P04190000", "SPX230616P04185000", "SPX230616C04190000", "SPX230616C04195000"),
    ),
    ("SPX", "iron_condor"): (
        "-175.20",
        ("SPX230616P04025000", "SPX230616P04015000", "SPX230616C04315000", "SPX230616C04325000"),
    ),
    ("SPX", "put_butterfly"): (
        "-1695.20",
        ("SPX230616P04190000", "SPX230616P04185000", "SPX230616P04195000"),
    ),
    ("SPY", "bull_put_spread"): ("8.40", ("SPY230616P00409000", "SPY230616P00404000")),
    ("SPY", "call_butterfly"): (
        "-82.20",
        ("SPY230616C00419000", "SPY230616C00414000", "SPY230616C00424000"),
    ),
    ("SPY", "iron_butterfly"): (
        "-40.20",
        ("SPY230616P00419000", "SPY230616P00414000", "SPY230616C00419000", "SPY230616C00424000"),
    ),
    ("SPY", "iron_condor"): (
        "-0.20",
        ("SPY230616P00401000", "SPY230616P00391000", "SPY230616C00432000", "SPY230616C00442000"),
    ),
    ("SPY", "put_butterfly"): (
        "-40.20",
        ("SPY230616P00419000", "SPY230616P00414000", "SPY230616P00424000"),
    ),
}
Quotes = dict[tuple[str, dt.date], tuple[Decimal, Decimal, int]]


def _rows(underlying: str, name: str) -> list[list[str]]:
    """The data rows of a raw snapshot (after its three header lines and the column header)."""
    lines = shared_data_path(f"{SNAPSHOTS}/{name}").read_text().splitlines()
    return [line.split(",") for line in lines[4:] if line]


def _kept(row: list[str], band: tuple[int, int]) -> bool:
    return row[1][3:9] == EXPIRATION and band[0] <= float(row[11]) <= band[1]


@pytest.fixture(scope="module")
def cboe_catalogs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    catalogs = {}
    for underlying, (entry, exit_, band) in CHAINS.items():
        rows = tmp_path_factory.mktemp(f"{underlying}_rows")
        catalog = tmp_path_factory.mktemp(f"{underlying}_cboe") / "catalog"
        for name, session in (entry, exit_):
            lines = shared_data_path(f"{SNAPSHOTS}/{name}").read_text().splitlines(keepends=True)
            kept = [line for line in lines[4:] if _kept(line.split(","), band)]
            (rows / name).write_text("".join([*lines[:4], *kept]))
            args = [str(rows / name), "--quote-date", session.isoformat()]
            assert _ingest(catalog, "eod-chains", *args) == 0
        bars = _bars(underlying, rows)
        assert _ingest(catalog, "bars", str(bars), "--ticker", underlying) == 0
        catalogs[underlying] = catalog
    return catalogs


def _bars(underlying: str, folder: Path) -> Path:
    """The underlying's daily bars of May 2023: real rows, or for SPX a SYNTHETIC file.

    No SPX daily history of 2023 is in the shared data: the SPX file is written here in the
    ``yfinance`` layout with one bar per snapshot whose open, high, low and close are the
    snapshot's ``Last:`` value (4191.98 on 2023-05-19, 4205.4502 on 05-26; the index's
    official closes of those days), volume 0.
    """
    if underlying == "SPX":
        path = folder / "spx_closes_from_cboe_last_line_synthetic.csv"
        rows = ["Date,Open,High,Low,Close,Volume"]
        for name, session in CHAINS[underlying][:2]:
            header = shared_data_path(f"{SNAPSHOTS}/{name}").read_text().splitlines()[1]
            last = header.split("Last:")[1].split(",")[0].strip()
            rows.append(f"{session.isoformat()},{last},{last},{last},{last},0")
        path.write_text("\n".join(rows) + "\n")
        return path
    path = folder / "bars.csv"
    bars = shared_data_path(f"underlying_daily/yfinance_taa_dashboard/{underlying}.csv")
    lines = bars.read_text().splitlines(keepends=True)
    may = [line for line in lines[4:] if "2023-05-15" <= line[:10] <= "2023-05-31"]
    path.write_text("".join([*lines[:4], *may]))
    return path


def _ingest(catalog: Path, *args: str) -> int:
    return main(["ingest", *args, "--catalog", str(catalog), "--no-progress"])


@pytest.fixture(scope="module")
def raw_quotes() -> Quotes:
    """(OCC symbol, session) -> (bid, ask, open interest), straight from the raw files."""
    quotes: Quotes = {}
    for underlying, (entry, exit_, _band) in CHAINS.items():
        for name, session in (entry, exit_):
            for row in _rows(underlying, name):
                quotes[row[1], session] = (Decimal(row[4]), Decimal(row[5]), int(row[10]))
                quotes[row[12], session] = (Decimal(row[15]), Decimal(row[16]), int(row[21]))
    return quotes


def _config(underlying: str, structure: str, **fields: object) -> RunConfig:
    (_, entry), (_, exit_), _ = CHAINS[underlying]
    return RunConfig(
        name=f"{underlying}-{structure}",
        data=DataSection(start=entry, end=exit_ + dt.timedelta(days=5)),
        venue=VenueSection(starting_balance=float(START)),
        strategies=[
            StrategyEntry(
                strategy_path="strategies.structure_engine:StructureEngine",
                config_path="strategies.structure_engine:StructureEngineConfig",
                config={
                    "underlying": underlying,
                    "structure": structure,
                    "structure_params": CASES[structure],
                    "dte_min": 20,
                    "dte_max": 40,
                    "entry_schedule": "daily",
                    "entry_start": entry.isoformat(),
                    "entry_end": entry.isoformat(),
                    "exit_dte": 100,
                    **fields,
                },
            )
        ],
    )


def _run(catalog: Path, underlying: str, structure: str, **fields: object):  # type: ignore[no-untyped-def]
    (_, entry), (_, exit_), _ = CHAINS[underlying]
    engine, _recorder = build_engine(_config(underlying, structure, **fields), catalog)
    engine.run(start=session_close_ns(entry) - 10**12, end=session_close_ns(exit_) + 10**9)
    return engine


@pytest.mark.parametrize("underlying", sorted(CHAINS))
@pytest.mark.parametrize("structure", sorted(CASES))
def test_round_trip_equals_the_hand_computation(
    underlying: str, structure: str, cboe_catalogs: dict[str, Path], raw_quotes: Quotes
) -> None:
    (_, entry), (_, exit_), _ = CHAINS[underlying]
    engine = _run(cboe_catalogs[underlying], underlying, structure)
    orders = [o for o in engine.cache.orders() if o.is_closed and o.filled_qty.as_double() > 0]
    opening = [o for o in orders if "entry" in o.tags]
    closing = [o for o in orders if "dte_exit" in o.tags]

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
        session = entry if order in opening else exit_
        bid, ask, _ = raw_quotes[order.instrument_id.symbol.value, session]
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
    pinned, contracts = PINNED[underlying, structure]
    assert tuple(o.instrument_id.symbol.value for o in opening) == contracts
    assert expected == realized == cash - START == Decimal(pinned)
    engine.dispose()


def test_spy_iron_condor_by_hand(cboe_catalogs: dict[str, Path]) -> None:
    # The rows, 2023-05-19 -> 05-26 (bid, ask): 401 put 2.40/2.43 -> 1.82/1.85, 391 put
    # 1.45/1.47 -> 1.13/1.15, 432 call 1.26/1.28 -> 1.35/1.37, 442 call 0.28/0.30 -> 0.25/0.27.
    # Open: +2.40 - 1.47 + 1.26 - 0.30 = +1.89; close: -1.85 + 1.13 - 1.37 + 0.25 = -1.84;
    # (1.89 - 1.84) x 100 = 5.00 less 8 fills x 0.65 = 5.20: -0.20.
    engine = _run(cboe_catalogs["SPY"], "SPY", "iron_condor")
    fills = [(o.instrument_id.symbol.value, Decimal(str(o.avg_px))) for o in engine.cache.orders()]
    assert fills == [
        ("SPY230616P00401000", Decimal("2.40")),
        ("SPY230616P00391000", Decimal("1.47")),
        ("SPY230616C00432000", Decimal("1.26")),
        ("SPY230616C00442000", Decimal("0.30")),
        ("SPY230616P00401000", Decimal("1.85")),
        ("SPY230616P00391000", Decimal("1.13")),
        ("SPY230616C00432000", Decimal("1.37")),
        ("SPY230616C00442000", Decimal("0.25")),
    ]
    cash = Decimal(str(engine.portfolio.account(VENUE).balance_total(USD).as_decimal()))
    assert cash == START + Decimal("189") - Decimal("184") - 8 * COMMISSION
    assert cash == Decimal("999999.80")
    engine.dispose()


def test_min_open_interest_keeps_thin_contracts_out(
    cboe_catalogs: dict[str, Path], raw_quotes: Quotes
) -> None:
    # SPY puts of 2023-06-16 on 2023-05-19 (delta, open interest from the raw file): 409 put
    # -0.3012, 7,531; 408 put -0.2857, 16,758; 410 put -0.3174, 80,998. The 0.30-delta bull put
    # spread sells the 409 put; with min_open_interest 10,000 it cannot, and sells the next
    # nearest delta, the 408 put (0.0143 away, the 410 is 0.0174), with the 403 put as its wing.
    (_, entry), _, _ = CHAINS["SPY"]

    def entries(**fields: object) -> list[tuple[str, Decimal, int]]:
        engine = _run(cboe_catalogs["SPY"], "SPY", "bull_put_spread", **fields)
        opened = [o for o in engine.cache.orders() if "entry" in o.tags]
        engine.dispose()
        return [
            (
                o.instrument_id.symbol.value,
                Decimal(str(o.avg_px)),
                raw_quotes[o.instrument_id.symbol.value, entry][2],
            )
            for o in opened
        ]

    assert entries() == [
        ("SPY230616P00409000", Decimal("3.66"), 7_531),
        ("SPY230616P00404000", Decimal("2.83"), 19_776),
    ]
    assert entries(min_open_interest=10_000) == [
        ("SPY230616P00408000", Decimal("3.47"), 16_758),  # sold at the bid
        ("SPY230616P00403000", Decimal("2.69"), 24_846),  # bought at the ask
    ]


def test_the_pinned_table_covers_every_case() -> None:
    assert set(PINNED) == {(u, s) for u in CHAINS for s in CASES}
