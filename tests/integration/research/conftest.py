"""Catalogs of real data for these tests.

``spy_catalog``: SPY daily bars (yfinance file, sessions from 2008 on; the bars before 2008
are left out only to keep the yearly volatility-regime fits few). ``spy2021_catalog``: the
2021 SPY chain with its daily bars (lambdaclass files).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from catalog.ingest import ingest_underlying_bars
from research.dataset import load_inputs
from research.registry import register
from research.training import (
    LabelConfig,
    ModelConfig,
    TrainConfig,
    ValidationConfig,
    make_dataset,
    train,
)
from tests.conftest import shared_data_path

SPY_BARS = "underlying_daily/yfinance_rjdabest/daily_SPY.csv"
VIX = "underlying_daily/cboe_VIX_History.csv"
FIRST_SESSION = "2008-01-02"
CHAIN_2021 = "options_chains/lambdaclass_SPY_options_2021_prod_1y.csv"
BARS_2021 = "underlying_daily/lambdaclass_SPY_daily_2021.csv"


@pytest.fixture(scope="session")
def spy_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("spy_since_2008")
    lines = shared_data_path(SPY_BARS).read_text().splitlines()
    trimmed = root / "daily_SPY.csv"
    trimmed.write_text(
        "\n".join([lines[0], *(ln for ln in lines[1:] if ln[:10] >= FIRST_SESSION)]) + "\n"
    )
    catalog = root / "catalog"
    ingest_underlying_bars(catalog, [trimmed], ticker="SPY", show_progress=False)
    return catalog


@pytest.fixture(scope="session")
def spy2021_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tradefly.cli import main

    catalog = tmp_path_factory.mktemp("spy2021") / "catalog"
    chain, bars = shared_data_path(CHAIN_2021), shared_data_path(BARS_2021)
    argv = ["ingest", "eod-chains", str(chain), "--bars", str(bars), "--catalog", str(catalog)]
    assert main([*argv, "--no-progress"]) == 0
    return catalog


@pytest.fixture(scope="session")
def trained(spy_catalog: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small model trained on SPY 2016-2020 with VIX: ``(catalog, model folder)``."""
    root = tmp_path_factory.mktemp("signal")
    catalog = spy_catalog
    config = TrainConfig(
        name="actor-test",
        underlying="SPY",
        start=dt.date(2016, 1, 4),
        end=dt.date(2020, 12, 31),
        vix_csv=str(shared_data_path(VIX)),
        seed=7,
        label=LabelConfig(horizon=5),
        validation=ValidationConfig(n_splits=2, embargo=5),
        model=ModelConfig(n_estimators=30, num_leaves=7),
    )
    dataset = make_dataset(load_inputs(catalog, "SPY", shared_data_path(VIX)), config)
    folder = register(train(dataset, config), config, dataset.features, root / "models")
    return catalog, folder
