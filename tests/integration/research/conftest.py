"""One catalog of real SPY daily bars (yfinance file, sessions from 2008 on) for these tests.

The bars before 2008 are left out only to keep the yearly volatility-regime fits few.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.ingest import ingest_underlying_bars
from tests.conftest import shared_data_path

SPY_BARS = "underlying_daily/yfinance_rjdabest/daily_SPY.csv"
VIX = "underlying_daily/cboe_VIX_History.csv"
FIRST_SESSION = "2008-01-02"


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
