"""Rows whose strike was split-adjusted while the symbol was not are rejected as such.

Real data: Polygon's AAPL monthly option bars 2016-2025; before the 2020-08-31 4:1 split the
``strike`` column (and the prices) are divided by 4 while the OCC ticker keeps the strike.
"""

import pytest

from catalog.option_bars import load_option_bars
from catalog.option_rows import OptionColumns, OptionRowTerms, is_adjusted_root
from catalog.validation import RejectReason, RowRejected
from options.occ import parse_occ
from tests.conftest import shared_data_path

AAPL = "options_chains/polygon_dayaggs_monthly/AAPL/{year}_options_pessimistic.csv"
# Rows read and rows rejected as split-adjusted, per file.
EXPECTED = {
    2016: (1551, 1551),
    2017: (1393, 1393),
    2018: (1591, 1591),
    2019: (1758, 1758),
    2020: (3887, 2282),
    2021: (2572, 0),
    2025: (2297, 0),
}


@pytest.mark.parametrize("year", sorted(EXPECTED))
def test_aapl_rows_before_the_split_are_rejected_as_split_adjusted(year: int) -> None:
    loaded = load_option_bars(shared_data_path(AAPL.format(year=year)))
    read, split_adjusted = EXPECTED[year]
    assert loaded.rows_read == read
    expected = {"split-adjusted": split_adjusted} if split_adjusted else {}
    assert loaded.rejects.as_dict() == expected
    assert len(loaded.data) == read - split_adjusted


def test_the_ten_years_lose_8575_rows_all_counted() -> None:
    total = sum(
        load_option_bars(shared_data_path(AAPL.format(year=year))).rejects[
            RejectReason.SPLIT_ADJUSTED
        ]
        for year in range(2016, 2026)
    )
    assert total == 8575


@pytest.mark.parametrize(
    ("strike", "reason"),
    [
        ("125", RejectReason.SPLIT_ADJUSTED),  # 500 / 4
        ("124.96", RejectReason.SPLIT_ADJUSTED),  # rounded by the vendor
        ("71.43", RejectReason.SPLIT_ADJUSTED),  # 500 / 7
        ("1000", RejectReason.SPLIT_ADJUSTED),  # a reverse split
        ("505", RejectReason.SYMBOL_MISMATCH),
        ("333", RejectReason.SYMBOL_MISMATCH),
    ],
)
def test_split_ratio_or_mismatch(strike: str, reason: RejectReason) -> None:
    columns = OptionColumns("symbol", "underlying", "kind", "expiration", "strike", "day")
    fields = {
        "symbol": "AAPL240621C00500000",
        "underlying": "AAPL",
        "kind": "C",
        "expiration": "2024-06-21",
        "strike": strike,
        "day": "2024-06-03",
    }
    with pytest.raises(RowRejected) as rejected:
        OptionRowTerms(columns).parse(fields.__getitem__)
    assert rejected.value.reason is reason


@pytest.mark.parametrize(
    ("symbol", "underlying", "adjusted"),
    [
        ("AAPL1140621C00500000", "AAPL", True),
        ("AAPL7150117C00430000", "AAPL", True),  # the root of Tradier's 2014 AAPL7 quote
        ("AAPL240621C00500000", "AAPL", False),
        ("SPXW240621C05000000", "SPX", False),
        ("BRKB240621C00400000", "BRK.B", False),
    ],
)
def test_adjusted_roots_are_rejected_as_such(symbol: str, underlying: str, adjusted: bool) -> None:
    # Crafted rows: no file in ../shared/data holds an adjusted root.
    columns = OptionColumns("symbol", "underlying", "kind", "expiration", "strike", "day")
    occ = parse_occ(symbol)
    fields = {
        "symbol": symbol,
        "underlying": underlying,
        "kind": symbol[-9],
        "expiration": occ.expiration.isoformat(),
        "strike": str(occ.strike),
        "day": "2014-06-02",
    }
    terms = OptionRowTerms(columns)
    if not adjusted:
        assert terms.parse(fields.__getitem__)[0] == occ
        return
    with pytest.raises(RowRejected) as rejected:
        terms.parse(fields.__getitem__)
    assert rejected.value.reason is RejectReason.ADJUSTED_ROOT
    assert is_adjusted_root(occ.root, underlying)
