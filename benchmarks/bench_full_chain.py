"""Full-chain-scale backtest on a seeded SYNTHETIC chain (see benchmarks/README.md).

No real chain of this size is in ../shared/data, so this writes a SYNTHETIC one at real size:
an SPY-like underlying ``SYN`` (a seeded geometric Brownian motion from $200, 8%/yr drift,
18%/yr vol, 2016-2025 NYSE sessions) and a weekly put and call chain on it (every Friday,
listed `--listing-days` calendar days ahead at the strikes of
:func:`catalog.demo_market.strike_grid` around the spot at listing: $1 steps within 10%,
wider to 25%), quoted at every session close from listing to expiry at the Black-Scholes price
of :func:`catalog.demo_market.implied_vol_surface` (skewed, constant vol state) with a cent
grid spread. Only the number and shape of the records matter for the timing; no trading
conclusion may be drawn from it. The catalog is written through the project's writer
(the underlying through :func:`catalog.writer.write_to_catalog`; the chain's tables from
:func:`catalog.nautilus_tables.option_tables` written straight, one expiration quarter at a
time).

The run is `tradefly backtest` in a fresh child process (as bench_backtest.py's ten-year run):
weekly short put at 97% moneyness, 25-50 DTE, `strike_band: 0.05`, 2016-2025; wall time from
spawn to exit and the child's own peak memory (VmHWM), first without the catalog's read index
(the first run after an ingest, which builds it), then with it.

Usage: .venv/bin/python benchmarks/bench_full_chain.py [--catalog DIR] [--listing-days N]
(--catalog: reuse a chain written before by this script, or write it there and keep it)
"""

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from nautilus_trader.model.data import Bar
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.instruments import OptionContract
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.persistence.catalog.parquet import _timestamps_to_filename
from nautilus_trader.serialization.arrow.serializer import ArrowSerializer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_backtest import decade_run  # noqa: E402

from catalog.contract_index import INDEX_DIR  # noqa: E402
from catalog.demo_market import DEFAULT_MODEL, implied_vol_surface, strike_grid  # noqa: E402
from catalog.nautilus_tables import OptionQuoteColumns, option_tables  # noqa: E402
from catalog.writer import ROW_GROUP_SIZE, CatalogTable, write_to_catalog  # noqa: E402
from options.instruments import (  # noqa: E402
    EOD_QUOTE_SIZE,
    EQUITY_PRICE_PRECISION,
    daily_bar_type,
    make_equity,
    make_option_contract,
)
from options.market_calendar import (  # noqa: E402
    expiration_close_ns,
    session_close_ns,
    session_of_ns,
    sessions_between,
)
from options.occ import OccSymbol  # noqa: E402
from options.pricing import bs_price_array  # noqa: E402

TICKER = "SYN"
START, END = dt.date(2016, 1, 4), dt.date(2025, 12, 31)
SEED = 11
INITIAL_SPOT, DRIFT, VOL = 200.0, 0.08, 0.18
NS_PER_YEAR = 365 * 86_400 * 10**9
CONFIG = f"""\
# SYNTHETIC DATA written by benchmarks/bench_full_chain.py; not market data.
name: synthetic_full_chain_weekly_put
synthetic: true
description: SYNTHETIC full-chain-scale benchmark run (weekly short put, 97% moneyness).
data:
  start: {START}
  end: {{end}}
  option_kinds: [put]
  fill_model: quotes
  strike_band: 0.05
venue:
  starting_balance: 1000000
  commission_per_contract: 0.65
strategies:
  - strategy_path: strategies.structure_engine:StructureEngine
    config_path: strategies.structure_engine:StructureEngineConfig
    config:
      underlying: {TICKER}
      structure: short_put
      structure_params: {{strike: {{moneyness: 0.97}}}}
      expiration_choice: nearest
      entry_schedule: weekly
      dte_min: 25
      dte_max: 50
      quantity: 1
      assigned_shares: close_next_session
"""


def write_chain(
    catalog: Path, listing_days: int, end: dt.date = END, seed: int = SEED
) -> dict[str, int]:
    """Write the SYNTHETIC underlying and chain into `catalog`; return what was written."""
    sessions = sessions_between(START, end)
    closes_ns = np.array([session_close_ns(day) for day in sessions], dtype=np.uint64)
    steps = np.random.default_rng(seed).standard_normal(len(sessions))
    drift = (DRIFT - 0.5 * VOL**2) / 252
    closes = np.round(INITIAL_SPOT * np.exp(np.cumsum(drift + VOL / np.sqrt(252) * steps)), 2)
    equity = make_equity(TICKER, ts_init=int(closes_ns[0]))
    bar_type = daily_bar_type(equity.id)
    volume = Quantity.from_int(1_000_000)
    bars = []
    for close, ns in zip(closes.tolist(), closes_ns.tolist(), strict=True):
        price = Price(close, EQUITY_PRICE_PRECISION)
        bars.append(Bar(bar_type, price, price, price, price, volume, ns, ns))
    write_to_catalog(catalog, [equity, *bars])

    expirations = []
    friday = START + dt.timedelta(days=(4 - START.weekday()) % 7)
    while friday <= end + dt.timedelta(days=60):
        expiration = session_of_ns(expiration_close_ns(friday))
        listed = next(
            i for i, day in enumerate(sessions) if (expiration - day).days <= listing_days
        )
        expirations.append((expiration, listed))
        friday += dt.timedelta(days=7)
    totals = {"contracts": 0, "quotes": 0}
    for first in range(0, len(expirations), 13):
        contracts, rows = _quarter(expirations[first : first + 13], sessions, closes, closes_ns)
        definitions = ArrowSerializer.serialize_batch(contracts, data_cls=OptionContract)
        tables = [
            CatalogTable(OptionContract, c.id.value, definitions.slice(i, 1))
            for i, c in enumerate(contracts)
        ]
        _write_files(catalog, [*tables, *option_tables([rows])])
        totals["contracts"] += len(contracts)
        totals["quotes"] += len(rows)
    return totals


def _write_files(catalog: Path, tables: list[CatalogTable]) -> None:
    """Write each table as one file of Nautilus's layout, straight (a throwaway catalog: no
    staging, fsync or checks of the project's writer, which would take most of an hour)."""

    def write(table: CatalogTable) -> None:
        ts = table.table.column("ts_init")
        directory = catalog / table.relative_dir
        directory.mkdir(parents=True, exist_ok=True)
        name = _timestamps_to_filename(ts[0].as_py(), ts[-1].as_py())
        pq.write_table(table.table, directory / name, row_group_size=ROW_GROUP_SIZE)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(write, tables))


def _quarter(
    expirations: list[tuple[dt.date, int]],
    sessions: list[dt.date],
    closes: np.ndarray,
    closes_ns: np.ndarray,
) -> tuple[list, OptionQuoteColumns]:
    """Return the contracts of some expirations and their quotes at every session close."""
    contracts, listed, expiry_ns, expiry_day = [], [], [], []
    for expiration, at in expirations:
        for strike in strike_grid(float(closes[at])):
            for kind in (OptionKind.CALL, OptionKind.PUT):
                contract = make_option_contract(OccSymbol(TICKER, expiration, kind, strike))
                contracts.append(contract)
                listed.append(at)
                expiry_ns.append(contract.expiration_ns)
                expiry_day.append(expiration)
    strikes = np.array([c.strike_price.as_double() for c in contracts])
    is_call = np.array([c.option_kind == OptionKind.CALL for c in contracts])
    ids = np.array([c.id.value for c in contracts], dtype=object)
    listed_at, expires_ns = np.array(listed), np.array(expiry_ns, dtype=np.int64)
    last_day = max(expiry_day)
    parts: dict[str, list[np.ndarray]] = {"ids": [], "ts": [], "bid": [], "ask": []}
    for i in range(min(listed), len(sessions)):
        if sessions[i] > last_day:
            break
        alive = np.flatnonzero((listed_at <= i) & (expires_ns >= int(closes_ns[i])))
        if not alive.size:
            continue
        spot, t_years = float(closes[i]), (expires_ns[alive] - int(closes_ns[i])) / NS_PER_YEAR
        iv = implied_vol_surface(spot, strikes[alive], t_years, DEFAULT_MODEL.long_run_vol)
        mid = bs_price_array(spot, strikes[alive], t_years, iv, 0.045, 0.015, is_call[alive])
        width = np.clip(0.02 + 0.015 * mid, 0.01, 1.0)
        parts["bid"].append(np.maximum(np.floor((mid - width / 2) * 100), 0) / 100)
        parts["ask"].append(np.ceil((mid + width / 2) * 100) / 100)
        parts["ids"].append(ids[alive])
        parts["ts"].append(np.full(alive.size, closes_ns[i], dtype=np.uint64))
    n = sum(len(p) for p in parts["ts"])
    size, nan, none = np.full(n, float(EOD_QUOTE_SIZE)), np.full(n, np.nan), np.zeros(n, bool)
    rows = OptionQuoteColumns(
        instrument_id=pa.array(np.concatenate(parts["ids"]), pa.string()),
        ts=np.concatenate(parts["ts"]),
        bid=np.concatenate(parts["bid"]),
        ask=np.concatenate(parts["ask"]),
        bid_size=size,
        ask_size=size,
        quoted=np.ones(n, bool),
        iv=nan,
        delta=nan,
        gamma=nan,
        theta=nan,
        vega=nan,
        rho=nan,
        underlying_price=nan,
        open_interest=nan,
        has_greeks=none,
    )
    return contracts, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, help="write the chain here (or reuse it)")
    parser.add_argument("--listing-days", type=int, default=320, help="weekly listing reach")
    parser.add_argument("--end", type=dt.date.fromisoformat, default=END, help="last session")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        catalog = args.catalog or Path(tmp) / "chain" / "catalog"
        if not (catalog / "data").is_dir():
            start = time.perf_counter()
            results["written"] = write_chain(catalog, args.listing_days, args.end)
            results["write_seconds"] = round(time.perf_counter() - start, 1)
        config = Path(tmp) / "synthetic_full_chain.yaml"
        config.write_text(CONFIG.replace("{end}", str(args.end)), encoding="utf-8")
        # The first run after writing reads the contract files and builds the catalog's read
        # index (catalog.contract_index); the second reads the index.
        shutil.rmtree(catalog / INDEX_DIR, ignore_errors=True)
        results["first_run"] = decade_run(catalog, config)
        results["run"] = decade_run(catalog, config)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
