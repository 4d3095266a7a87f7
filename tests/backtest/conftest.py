"""Catalogs shared by the backtest tests, ingested once per session from the real data."""

from pathlib import Path

import pytest

from tests.conftest import shared_data_path
from tradefly.cli import main

LEAN = "intraday/lean_minute"
SPY2021_CHAIN = "options_chains/lambdaclass_SPY_options_2021_prod_1y.csv"
SPY2021_BARS = "underlying_daily/lambdaclass_SPY_daily_2021.csv"
SPX2011_WEEK = "options_chains/ivolatility/spx_sample_ivolatility.csv"


@pytest.fixture(scope="session")
def spy2021_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a catalog of the real SPY 2021 chain and daily bars (the reference run's data).

    Shared read-only by the tests of the session: a test that writes into a catalog makes its
    own.
    """
    chain, bars = shared_data_path(SPY2021_CHAIN), shared_data_path(SPY2021_BARS)
    catalog = tmp_path_factory.mktemp("spy2021") / "catalog"
    argv = ["ingest", "eod-chains", str(chain), "--bars", str(bars), "--catalog", str(catalog)]
    assert main([*argv, "--no-progress"]) == 0
    return catalog


@pytest.fixture(scope="session")
def spx2011_week_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a catalog of the whole real iVolatility SPX week (SPX, SPXW, SPXPM, 2011-01-03..07).

    As the shipped ``configs/backtest/spx2011_*.yaml`` tell the user to ingest it.
    """
    catalog = tmp_path_factory.mktemp("spx2011_week") / "catalog"
    argv = ["ingest", "eod-chains", str(shared_data_path(SPX2011_WEEK)), "--catalog", str(catalog)]
    assert main([*argv, "--no-progress"]) == 0
    return catalog


@pytest.fixture(scope="session")
def spxw_minute_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a catalog of the real LEAN minute files of 2021-01-04.

    ``indexoption/usa/minute/spxw/20210104_quote_european.zip`` (minute quotes of the SPXW 3700
    and 3800 calls and puts expiring 2021-01-04, 01-06 and 01-08) and
    ``index/usa/minute/spx/20210104_trade.zip`` (SPX minute bars, Central time), ingested with
    ``tradefly ingest lean-minute``.
    """
    catalog = tmp_path_factory.mktemp("spxw_minute") / "catalog"
    files = [
        shared_data_path(f"{LEAN}/indexoption/usa/minute/spxw/20210104_quote_european.zip"),
        shared_data_path(f"{LEAN}/index/usa/minute/spx/20210104_trade.zip"),
    ]
    args = ["ingest", "lean-minute", *map(str, files), "--catalog", str(catalog)]
    assert main([*args, "--no-progress"]) == 0
    return catalog
