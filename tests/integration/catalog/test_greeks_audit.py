"""Vendor greeks audited on ingest, on real chains with vendor IV and delta.

- ``lambdaclass_SPY_options_2021_prod_1y.csv`` (historicaloptiondata layout, SPY: American
  equity options): 5,023 rows with greeks; one has a zero bid and is not compared.
- ``ivolatility/spx_sample_ivolatility.csv`` (iVolatility RawIV, SPX: European index options),
  restricted to the SPX January 2011 puts with strikes 1350-1449 (the file's rows, unchanged;
  in the money, where the zero-rate assumption disagrees with iVolatility's model) to keep
  the ingest short.

An independent check recomputes one row's IV with a textbook Black-Scholes put written here
(``math.erf``, bisection), not with :mod:`options.pricing`.
"""

import datetime as dt
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from catalog.eod_chains import load_eod_chain
from catalog.greeks_audit import (
    DELTA_THRESHOLD,
    IV_THRESHOLD_POINTS,
    VendorGreeksAudit,
    audit_vendor_greeks,
)
from options.market_calendar import session_close_ns
from options.pricing import implied_vol_array
from tests.conftest import shared_data_path
from tradefly.cli import main

SPY_CHAIN = "options_chains/lambdaclass_SPY_options_2021_prod_1y.csv"
SPX_CHAIN = "options_chains/ivolatility/spx_sample_ivolatility.csv"


@pytest.fixture(scope="module")
def spy_chain():  # type: ignore[no-untyped-def]
    return load_eod_chain(shared_data_path(SPY_CHAIN))


def _textbook_put_iv(price: float, s: float, k: float, t: float) -> float:
    """Black-Scholes put at r = q = 0, inverted by bisection."""

    def put(vol: float) -> float:
        d1 = (math.log(s / k) + 0.5 * vol * vol * t) / (vol * math.sqrt(t))
        d2 = d1 - vol * math.sqrt(t)
        cdf = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))  # noqa: E731
        return k * cdf(-d2) - s * cdf(-d1)

    lo, hi = 1e-4, 5.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if put(mid) < price else (lo, mid)
    return (lo + hi) / 2


def test_spy_chain_summary_and_records(spy_chain) -> None:  # type: ignore[no-untyped-def]
    records, (summary,) = audit_vendor_greeks(spy_chain.instruments, spy_chain.data)
    assert (summary.underlying, summary.model) == ("SPY", "american")
    assert (summary.rows, summary.compared) == (5_023, 5_022)
    assert len(records) == 5_022
    iv = np.array([abs(r.model_iv - r.vendor_iv) * 100 for r in records])
    delta = np.array([abs(r.model_delta - r.vendor_delta) for r in records])
    assert summary.iv_median == np.median(iv) and summary.iv_p90 == np.percentile(iv, 90)
    assert summary.delta_median == np.median(delta)
    assert summary.delta_p90 == np.percentile(delta, 90)
    # the vendor's IV and delta agree with ours to a quarter of a vol point (median)
    assert (round(summary.iv_median, 2), round(summary.iv_p90, 2)) == (0.25, 0.44)
    assert (round(summary.delta_median, 3), round(summary.delta_p90, 3)) == (0.002, 0.005)
    flagged = [r for r in records if r.flagged]
    assert len(flagged) == summary.flagged == 0
    assert all((r.rate, r.dividend_yield) == (0.0, 0.0) for r in records)

    put = next(r for r in records if r.option.startswith("SPY210219P"))
    quote_ts = put.ts_init
    contract = spy_chain.instruments[put.option]
    greeks = next(
        g
        for g in spy_chain.data
        if type(g).__name__ == "OptionGreeks"
        and g.instrument_id.value == put.option
        and g.ts_init == quote_ts
    )
    years = (contract.expiration_ns - quote_ts) / (365 * 86_400e9)
    expected = _textbook_put_iv(
        put.mid, greeks.underlying_price, contract.strike_price.as_double(), years
    )
    assert put.model_iv == pytest.approx(expected, abs=1e-6)


def test_equity_options_are_priced_as_american_at_a_positive_rate(spy_chain) -> None:  # type: ignore[no-untyped-def]
    quarter = [d for d in spy_chain.data if d.ts_init < 1_617_235_200_000_000_000]  # < 2021-04
    records, _ = audit_vendor_greeks(spy_chain.instruments, quarter, rate=0.05)
    puts = [r for r in records if "P" in r.option[9:10]]
    calls = [r for r in records if "C" in r.option[9:10]]
    assert puts and calls
    contract_of = spy_chain.instruments
    greeks_spot = {
        (g.instrument_id.value, g.ts_init): g.underlying_price
        for g in spy_chain.data
        if type(g).__name__ == "OptionGreeks"
    }

    def european_iv(r: VendorGreeksAudit, is_call: bool) -> float:
        c = contract_of[r.option]
        years = (c.expiration_ns - r.ts_init) / (365 * 86_400e9)
        s = greeks_spot[(r.option, r.ts_init)]
        return float(
            implied_vol_array(r.mid, s, c.strike_price.as_double(), years, 0.05, 0.0, is_call)
        )

    # puts: the early-exercise premium is removed before inverting, so the IV is lower
    put_gaps = [european_iv(r, False) - r.model_iv for r in puts]
    assert min(put_gaps) >= -1e-9 and max(put_gaps) > 0.005
    # calls on a non-paying underlying: American = European
    assert max(abs(european_iv(r, True) - r.model_iv) for r in calls[:200]) < 1e-9


def test_index_chain_audited_on_ingest_flagged_in_the_catalog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = shared_data_path(SPX_CHAIN).read_text().splitlines(keepends=True)
    subset = tmp_path / "spx_puts.csv"

    def kept(line: str) -> bool:
        symbol = line.split(",")[5]
        return symbol[:13] == "SPX   110122P" and 1350 <= int(symbol[13:]) / 1000 < 1450

    subset.write_text("".join([lines[0], *(line for line in lines[1:] if kept(line))]))
    catalog = tmp_path / "catalog"
    assert (
        main(["ingest", "eod-chains", str(subset), "--catalog", str(catalog), "--no-progress"]) == 0
    )
    out = capsys.readouterr().out.splitlines()
    header = out.index(
        "vendor greeks audit (IV and delta from the mid; rate 0, dividend yield 0; "
        "flagged beyond 5 vol points or 0.1 delta):"
    )
    assert out[header + 1].startswith("  SPX (european): ")

    stored = [item.data for item in ParquetDataCatalog(catalog).query(VendorGreeksAudit)]
    loaded = load_eod_chain(subset)
    records, (summary,) = audit_vendor_greeks(loaded.instruments, loaded.data)
    assert len(stored) == summary.compared == len(records) > 0
    flagged = {(r.option, r.ts_init) for r in stored if r.flagged}
    beyond = {
        (r.option, r.ts_init)
        for r in stored
        if abs(r.model_iv - r.vendor_iv) * 100 > IV_THRESHOLD_POINTS
        or abs(r.model_delta - r.vendor_delta) > DELTA_THRESHOLD
    }
    assert flagged == beyond and len(flagged) == summary.flagged > 0
    assert out[header + 1] == summary.line()

    assert main(["catalog", str(catalog)]) == 0
    catalog_lines = capsys.readouterr().out.splitlines()
    # the catalog stores compared rows only, so its count is of those
    assert catalog_lines[-1] == replace(summary, rows=summary.compared).line()
    assert not any("custom" in line for line in catalog_lines)

    assert main(["catalog", str(catalog), "--flagged"]) == 0
    listed = capsys.readouterr().out.splitlines()
    start = listed.index(f"flagged rows ({summary.flagged:,}):")
    rows = listed[start + 1 :]
    assert len(rows) == summary.flagged
    first = min((r for r in stored if r.flagged), key=lambda r: r.ts_init)
    assert first.ts_init == session_close_ns(dt.date(2011, 1, 4))  # none flagged on 01-03
    assert rows[0] == (
        f"  2011-01-04 {first.option}: mid {first.mid:.2f}; IV vendor {first.vendor_iv:.4f} "
        f"model {first.model_iv:.4f}; delta vendor {first.vendor_delta:.4f} "
        f"model {first.model_delta:.4f}"
    )


def test_whole_spx_week_summary() -> None:
    """The README's figures for the iVolatility SPX week (216 SPXPM rows carry no greeks)."""
    loaded = load_eod_chain(shared_data_path(SPX_CHAIN))
    _, (summary,) = audit_vendor_greeks(loaded.instruments, loaded.data)
    assert (summary.model, summary.rows, summary.compared, summary.flagged) == (
        "european",
        9_616,
        6_537,
        1_009,
    )
    assert (round(summary.iv_median, 2), round(summary.iv_p90, 2)) == (1.09, 6.94)
    assert (round(summary.delta_median, 3), round(summary.delta_p90, 3)) == (0.010, 0.056)


def test_cboe_snapshot_disagreement_depends_on_the_stated_rate() -> None:
    """Cboe's delayed-quote download of SPX (2023-04-14 commit; rates were near 5% then):
    at the default zero rate the median IV gap is 2.18 vol points, at 5% it is 0.57."""
    path = "options_chains/cboe_quotedata_snapshots/spx_quotedata_commit2023-04-14_ceb5fc9.csv"
    loaded = load_eod_chain(shared_data_path(path))
    _, (at_zero,) = audit_vendor_greeks(loaded.instruments, loaded.data)
    _, (at_five,) = audit_vendor_greeks(loaded.instruments, loaded.data, rate=0.05)
    assert (at_zero.model, at_zero.rows) == ("european", 17_059)
    assert (at_zero.compared, round(at_zero.iv_median, 2), at_zero.flagged) == (14_770, 2.18, 4_483)
    assert (at_five.compared, round(at_five.iv_median, 2), at_five.flagged) == (14_727, 0.57, 1_598)
