"""Option features from the catalog's real 2021 SPY chain, against the vendor file by hand."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from nautilus_trader.model.enums import OptionKind

from options.chain_selection import ChainQuote
from options.iv_metrics import atm_iv_30d
from research.dataset import FeatureInputs, build_features, load_inputs
from tests.conftest import shared_data_path

CHAIN = "options_chains/lambdaclass_SPY_options_2021_prod_1y.csv"


def _vendor_rows(day: str) -> list[dict[str, str]]:
    with shared_data_path(CHAIN).open(newline="") as handle:
        return [r for r in csv.DictReader(handle) if r["quotedate"] == day]


@pytest.fixture(scope="module")
def computed(spy2021_catalog: Path) -> tuple[FeatureInputs, pd.DataFrame]:
    inputs = load_inputs(spy2021_catalog, "SPY", None)
    return inputs, build_features(inputs)


def test_option_features_equal_a_computation_from_the_vendor_file(
    computed: tuple[FeatureInputs, pd.DataFrame],
) -> None:
    inputs, features = computed
    assert len(features) == 252
    day = "2021-03-15"
    rows = _vendor_rows(day)
    quotes = [
        ChainQuote(
            expiration=dt.date.fromisoformat(r["expiration"]),
            kind=OptionKind.CALL if r["type"] == "call" else OptionKind.PUT,
            strike=float(r["strike"]),
            bid=float(r["bid"]),
            ask=float(r["ask"]),
            delta=float(r["delta"]),
            implied_vol=float(r["impliedvol"]),
        )
        for r in rows
    ]
    spot = inputs.bars.loc[day, "close"]
    row = features.loc[day]
    expected_atm = atm_iv_30d(quotes, float(spot), dt.date.fromisoformat(day))
    assert expected_atm is not None
    assert row["opt_atm_iv_30d"] == pytest.approx(expected_atm, abs=1e-12)
    puts = sum(float(r["openinterest"]) for r in rows if r["type"] == "put")
    calls = sum(float(r["openinterest"]) for r in rows if r["type"] == "call")
    assert row["opt_pc_oi_ratio"] == pytest.approx(puts / calls)
    assert row["opt_iv_minus_rv21"] == pytest.approx(expected_atm - row["tech_rv_21"])
    covered = features["opt_atm_iv_30d"].notna().sum()
    assert covered >= 200, f"ATM IV on only {covered} of 252 sessions"
    assert features["opt_iv_rank_252"].dropna().between(0, 100).all()
    assert features["opt_skew_25d"].notna().sum() >= 50


def test_option_features_of_a_session_ignore_later_snapshots(
    computed: tuple[FeatureInputs, pd.DataFrame],
) -> None:
    inputs, full = computed
    cut = pd.Timestamp("2021-06-30")
    decision = int(inputs.bars.loc[cut, "ts_ns"])
    short = replace(
        inputs, bars=inputs.bars.loc[:cut], chains=inputs.chains[inputs.chains["ts_ns"] <= decision]
    )
    opt = [c for c in full.columns if c.startswith("opt_")]
    np.testing.assert_array_equal(
        build_features(short)[opt].to_numpy(), full.loc[:cut, opt].to_numpy()
    )
