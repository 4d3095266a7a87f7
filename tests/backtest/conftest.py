"""Catalogs shared by the backtest tests, ingested once per session from the real data."""

from pathlib import Path

import pytest

from tests.conftest import shared_data_path
from tradefly.cli import main

LEAN = "intraday/lean_minute"


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
