"""``min_volume`` on the real SPY 2021 chain: the vendor's session volume keeps thin puts out.

Data: the rows of ``../shared/data`` SPY 2021 EOD chain quoted 2021-03-01..2021-04-16 (the
file's rows, unchanged) and the SPY daily bars of those sessions, ingested with
``tradefly ingest eod-chains`` into a temporary catalog. Config: the reference run
(``configs/backtest/spy2021_weekly_put.yaml``: sell the put whose vendor delta is nearest
-0.50 among puts 25-50 days out) narrowed to one entry session, 2021-03-01.

The raw file on 2021-03-01 (puts 25-50 DTE, by distance from -0.50 delta):

=======================  =======  ======  ====
contract                 delta    volume  bid
=======================  =======  ======  ====
SPY210416P00390000       -0.49235  2,698  10.72
SPY210416P00385000       -0.41951  2,456  8.92
SPY210416P00380000       -0.35969  4,439  7.51
=======================  =======  ======  ====

So ``min_volume: 2700`` refuses the 390 (two contracts short) and the 385 and sells the 380;
``min_volume: 2698`` (the 390's own volume) sells the 390. SPY closed at 417.26 on the
2021-04-16 expiration, so either put expires worthless: P&L = bid x 100 - 0.65.
"""

import csv
import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest
from nautilus_trader.model.data import CustomData
from nautilus_trader.persistence.funcs import class_to_filename

from options.option_volume import OptionVolume
from tests.backtest.conftest import SPY2021_BARS, SPY2021_CHAIN
from tests.backtest.spy2021_raw import chain_of, close, raw
from tests.conftest import PROJECT_ROOT, shared_data_path
from tradefly.backtest.config import RunConfig, load_run_config
from tradefly.backtest.results import BacktestResult
from tradefly.backtest.runner import load_run_data, run_backtest
from tradefly.cli import main

REFERENCE = PROJECT_ROOT / "configs" / "backtest" / "spy2021_weekly_put.yaml"
ENTRY = "2021-03-01"
EXPIRY = "2021-04-16"
FEE = Decimal("0.65")
START = Decimal(1_000_000)


def _rows(relative: str, date_column: str) -> tuple[list[str], list[dict[str, str]]]:
    with shared_data_path(relative).open() as f:
        reader = csv.DictReader(f)
        rows = [r for r in reader if ENTRY <= r[date_column] <= EXPIRY]
        return list(reader.fieldnames or []), rows


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, header)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("min_volume")
    chain = _write(folder / "chain.csv", *_rows(SPY2021_CHAIN, "quotedate"))
    bars = _write(folder / "bars.csv", *_rows(SPY2021_BARS, "date"))
    path = folder / "catalog"
    argv = ["ingest", "eod-chains", str(chain), "--bars", str(bars), "--catalog", str(path)]
    assert main([*argv, "--no-progress"]) == 0
    return path


def _config(**fields: object) -> RunConfig:
    config: RunConfig = load_run_config(REFERENCE).with_strategy_fields(
        entry_start=ENTRY, entry_end=ENTRY, **fields
    )
    start = dt.date.fromisoformat(ENTRY)  # the catalog's first session
    return msgspec.structs.replace(config, data=msgspec.structs.replace(config.data, start=start))


def _run(catalog: Path, **fields: object) -> BacktestResult:
    return run_backtest(_config(**fields), catalog, run_id="min_volume")


def _sold(result: BacktestResult) -> list[tuple[str, Decimal, Decimal]]:
    return [
        (t.symbol, Decimal(str(t.entry_price)), Decimal(str(t.pnl)).quantize(Decimal("0.01")))
        for t in result.trades
    ]


def test_raw_file_rows_of_the_hand_computation() -> None:
    rows = [
        raw(symbol, ENTRY)
        for symbol in ("SPY210416P00390000", "SPY210416P00385000", "SPY210416P00380000")
    ]
    assert [(r["delta"], r["volume"], r["bid"]) for r in rows] == [
        (Decimal("-0.49235"), 2698, Decimal("10.72")),
        (Decimal("-0.41951"), 2456, Decimal("8.92")),
        (Decimal("-0.35969"), 4439, Decimal("7.51")),
    ]
    # The nearest puts by delta that day, 25-50 days out: these three come first.
    nearest = sorted(
        chain_of(ENTRY, "put", dte=(25, 50)).items(),
        key=lambda i: abs(i[1]["delta"] + Decimal("0.5")),
    )
    assert [symbol for symbol, _ in nearest[:3]] == [
        "SPY210416P00390000",
        "SPY210416P00385000",
        "SPY210416P00380000",
    ]
    assert close(EXPIRY) == Decimal("417.26")


def test_min_volume_keeps_the_thin_puts_out_and_sells_the_next(catalog: Path) -> None:
    result = _run(catalog, min_volume=2_700)
    # 380 put sold at its 7.51 bid, expired worthless: 751.00 - 0.65 = 750.35.
    assert _sold(result) == [("SPY210416P00380000", Decimal("7.51"), Decimal("750.35"))]
    assert Decimal(str(result.ending_balance)) == START + Decimal("750.35")
    assert Decimal(str(result.realized_pnl)).quantize(Decimal("0.01")) == Decimal("750.35")


def test_min_volume_at_the_contracts_own_volume_accepts_it(catalog: Path) -> None:
    result = _run(catalog, min_volume=2_698)
    # 390 put sold at its 10.72 bid, expired worthless: 1,072.00 - 0.65 = 1,071.35.
    assert _sold(result) == [("SPY210416P00390000", Decimal("10.72"), Decimal("1071.35"))]
    assert Decimal(str(result.ending_balance)) == START + Decimal("1071.35")


def test_catalog_without_volume_records_loads_and_min_volume_refuses_every_contract(
    catalog: Path, tmp_path: Path
) -> None:
    # A catalog ingested before volumes were kept: the same files but no volume directory.
    old = tmp_path / "catalog"
    shutil.copytree(catalog, old)
    volume_dir = old / "data" / str(class_to_filename(OptionVolume))
    assert volume_dir.is_dir()
    shutil.rmtree(volume_dir)
    assert _sold(_run(old)) == [("SPY210416P00390000", Decimal("10.72"), Decimal("1071.35"))]
    refused = _run(old, min_volume=0)
    assert refused.trades == []
    assert Decimal(str(refused.ending_balance)) == START


def test_volume_records_are_replayed_only_when_a_strategy_sets_min_volume(catalog: Path) -> None:
    plain = load_run_data(_config(), catalog)
    assert not any(isinstance(item, CustomData) for item in plain.data)
    filtered = load_run_data(_config(min_volume=1), catalog)
    volumes = [item.data for item in filtered.data if isinstance(item, CustomData)]
    assert len(volumes) > 100 and all(isinstance(v, OptionVolume) for v in volumes)
    assert len(filtered.data) == len(plain.data) + len(volumes)
