"""Option terms shared by the option loaders: one contract per symbol, rows checked against it."""

import datetime as dt

import pytest

from catalog.option_rows import OptionColumns, OptionRowTerms
from catalog.validation import RejectReason, RowRejected

# Columns named after the fields they fill.
COLUMNS = OptionColumns("symbol", "underlying", "kind", "expiration", "strike", "day")
GOOD = {
    "symbol": "SPY240621C00500000",
    "underlying": "spy",
    "kind": "call",
    "expiration": "2024-06-21",
    "strike": "500",
    "day": "2024-06-03",
}


def _parse(terms: OptionRowTerms, **changes: str) -> object:
    fields = {**GOOD, **changes}
    return terms.parse(fields.__getitem__)


def test_parses_terms_and_reuses_the_contract_per_symbol() -> None:
    terms = OptionRowTerms(COLUMNS)
    occ, contract, day = terms.parse(GOOD.__getitem__)
    assert (occ.compact, contract.underlying, day) == (
        "SPY240621C00500000",
        "SPY",
        dt.date(2024, 6, 3),
    )
    assert terms.parse({**GOOD, "day": "2024-06-04"}.__getitem__)[1] is contract


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"symbol": "SPY2406", "kind": "X"}, RejectReason.UNPARSEABLE_SYMBOL),
        ({"symbol": "SPY2406", "strike": "0"}, RejectReason.UNPARSEABLE_SYMBOL),
        ({"underlying": "QQQ"}, RejectReason.SYMBOL_MISMATCH),
        ({"kind": "P"}, RejectReason.SYMBOL_MISMATCH),
        ({"strike": "505"}, RejectReason.SYMBOL_MISMATCH),
        ({"expiration": "2024-06-20"}, RejectReason.SYMBOL_MISMATCH),
        ({"day": "2024-06-24"}, RejectReason.EXPIRED_BEFORE_QUOTE_DATE),
    ],
)
def test_rejects_rows_that_disagree_with_their_symbol(
    changes: dict[str, str], reason: RejectReason
) -> None:
    terms = OptionRowTerms(COLUMNS)
    _parse(terms)  # the symbol's contract now has underlying SPY
    with pytest.raises(RowRejected) as rejected:
        _parse(terms, **changes)
    assert rejected.value.reason is reason


def test_unparseable_symbol_builds_the_contract_from_the_row() -> None:
    terms = OptionRowTerms(COLUMNS)
    occ, contract, _day = _parse(terms, symbol="SPY 240621 C 0000500000")  # type: ignore[misc]
    assert (occ.compact, contract.underlying) == ("SPY240621C00500000", "SPY")
