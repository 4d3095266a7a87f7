"""Column-built catalog tables equal what Nautilus's serializer writes for the same objects."""

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nautilus_trader.model.data import OptionGreeks, QuoteTick
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.serialization.arrow.serializer import ArrowSerializer

from adapters.alphavantage.parsing.options import parse_option_columns, parse_options
from adapters.alphavantage.schemas.options import decode_options
from catalog.nautilus_tables import fixed_point, option_tables

FIXTURES = Path(__file__).parents[2] / "unit/adapters/alphavantage/fixtures"
DAYS = ["2021-06-01", "2021-06-02", "2021-06-04"]


def _raw_bytes(raw: int) -> bytes:
    return raw.to_bytes(16, "little", signed=True)


@given(st.lists(st.decimals(0, 99_999, places=4, allow_nan=False), min_size=1, max_size=50))
def test_fixed_point_matches_nautilus_price(values: list[object]) -> None:
    floats = np.array([float(v) for v in values])  # type: ignore[arg-type]
    encoded = fixed_point(floats, 2).to_pylist()
    assert encoded == [_raw_bytes(Price(v, 2).raw) for v in floats.tolist()]


def test_fixed_point_matches_nautilus_quantity_and_refuses_bad_values() -> None:
    sizes = np.array([1.0, 10.0, 10_000.0, 99_999_999.0])
    assert fixed_point(sizes, 0).to_pylist() == [_raw_bytes(Quantity(int(s), 0).raw) for s in sizes]
    for bad in (-0.01, float("nan"), float("inf"), 1e12):
        with pytest.raises(ValueError, match="negative, not finite or over"):
            fixed_point(np.array([bad]), 2)


def test_chain_tables_equal_the_serializer_tables_of_the_same_objects() -> None:
    """The ingest's column path and the object path give byte-identical catalog tables."""
    bodies = [(FIXTURES / f"documented_layout_historical_options_SPY_{d}.json") for d in DAYS]
    columns = []
    quotes: list[QuoteTick] = []
    greeks: list[OptionGreeks] = []
    for path in bodies:
        session = dt.date.fromisoformat(path.stem[-10:])
        reply = decode_options(path.read_bytes())
        columns.append(parse_option_columns(reply, session=session, underlying_price=420.5).columns)
        chain = parse_options(reply, session=session, underlying_price=420.5)
        quotes += chain.quotes
        greeks += chain.greeks

    tables = option_tables(columns)

    expected: dict[tuple[type, str | None], pa.Table] = {}
    for cls, objects in ((QuoteTick, quotes), (OptionGreeks, greeks)):
        by_id: dict[str, list[object]] = {}
        for obj in objects:
            by_id.setdefault(obj.instrument_id.value, []).append(obj)
        for instrument_id, group in by_id.items():
            group.sort(key=lambda o: o.ts_init)  # type: ignore[attr-defined]
            expected[(cls, instrument_id)] = ArrowSerializer.serialize_batch(group, data_cls=cls)
    assert {(t.data_cls, t.identifier) for t in tables} == set(expected)
    for table in tables:
        want: pa.Table = expected[(table.data_cls, table.identifier)]
        assert table.table.equals(want, check_metadata=True), table.identifier
    assert sum(len(t.table) for t in tables) == len(quotes) + len(greeks) > 60


def test_no_rows_make_no_tables() -> None:
    assert option_tables([]) == []
