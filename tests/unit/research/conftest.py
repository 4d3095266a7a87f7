"""Real inputs for the research tests: SPY daily bars (yfinance) and Cboe's VIX history."""

from __future__ import annotations

import pandas as pd
import pytest

from options.market_calendar import session_close_ns
from research.context import load_cboe_vix
from research.dataset import FeatureInputs
from tests.conftest import shared_data_path

SPY_BARS = "underlying_daily/yfinance_rjdabest/daily_SPY.csv"
VIX = "underlying_daily/cboe_VIX_History.csv"


def spy_bars(start: str, end: str) -> pd.DataFrame:
    """Return SPY's real daily bars between two dates as a bars frame (decision at the close)."""
    raw = pd.read_csv(shared_data_path(SPY_BARS))
    raw.columns = [c.lower() for c in raw.columns]
    raw.index = pd.DatetimeIndex(pd.to_datetime(raw.pop("date")).dt.normalize(), name="session")
    raw = raw.loc[start:end].astype("float64")
    raw["ts_ns"] = [session_close_ns(d.date()) for d in raw.index]
    return raw


@pytest.fixture(scope="session")
def spy_inputs() -> FeatureInputs:
    return FeatureInputs(
        bars=spy_bars("2012-01-01", "2021-12-31"), vix=load_cboe_vix(shared_data_path(VIX))
    )
