"""End-of-day option quotes and greeks as Arrow tables in Nautilus's stored catalog layout.

``ArrowSerializer.serialize_batch`` builds the catalog's tables from Python objects, one
``QuoteTick`` or ``OptionGreeks`` at a time; for chains of thousands of contracts per session
those objects dominate ingest time. :func:`option_tables` builds the same tables column-wise
from :class:`OptionQuoteColumns`: one :class:`catalog.writer.CatalogTable` per contract and
type, with the schema and schema metadata the serializer gives (tests compare the two byte
for byte), so the catalog cannot tell which path wrote it.

Prices are stored as Nautilus fixed-point integers: ``raw = round(value * 10**precision) *
10**(16 - precision)`` as a little-endian 128-bit integer (``FIXED_PRECISION = 16``, the
high-precision build of ``nautilus_trader``), rounding half away from zero as Nautilus does.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from nautilus_trader.model.data import OptionGreeks, QuoteTick
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.objects import FIXED_PRECISION, Price, Quantity
from nautilus_trader.serialization.arrow.serializer import ArrowSerializer

from catalog.writer import CatalogTable
from options.instruments import OPTION_PRICE_PRECISION

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

_SIZE_PRECISION = 0
_GREEKS_CONVENTION = "BLACK_SCHOLES"


@dataclass(frozen=True, slots=True)
class OptionQuoteColumns:
    """Validated end-of-day option rows, one per contract and time, column-wise.

    Every array has one entry per row. A row becomes a ``QuoteTick`` where `quoted` and an
    ``OptionGreeks`` where `has_greeks`.

    Parameters
    ----------
    instrument_id : pyarrow.StringArray
        Compact OCC instrument IDs (``SPY210618C00410000.US``).
    ts : numpy.ndarray of uint64
        UNIX ns the row is stamped with (``ts_event = ts_init``).
    bid, ask : numpy.ndarray of float64
        Dollars per share, ``0 <= bid <= ask`` where `quoted`.
    bid_size, ask_size : numpy.ndarray of float64
        Whole contracts, positive where `quoted`.
    quoted : numpy.ndarray of bool
        The row has a positive ask.
    iv, delta, gamma, theta, vega, rho : numpy.ndarray of float64
        Vendor IV (a decimal, used as mark, bid and ask IV), delta and gamma per share, theta
        per calendar day, vega per 1 vol point; finite where `has_greeks`.
    underlying_price : numpy.ndarray of float64
        Dollars per share; NaN where unknown.
    open_interest : numpy.ndarray of float64
        Contracts; NaN where unknown.
    has_greeks : numpy.ndarray of bool
        The row has IV and greeks.

    """

    instrument_id: pa.StringArray
    ts: npt.NDArray[np.uint64]
    bid: Floats
    ask: Floats
    bid_size: Floats
    ask_size: Floats
    quoted: Bools
    iv: Floats
    delta: Floats
    gamma: Floats
    theta: Floats
    vega: Floats
    rho: Floats
    underlying_price: Floats
    open_interest: Floats
    has_greeks: Bools

    def __len__(self) -> int:
        return len(self.ts)


@cache
def _schema(data_cls: type) -> pa.Schema:
    """Return the schema (with metadata) Nautilus's serializer gives one `data_cls` row."""
    iid = InstrumentId.from_str("SPY210618C00410000.US")
    sample: QuoteTick | OptionGreeks
    if data_cls is QuoteTick:
        one = Quantity(1, _SIZE_PRECISION)
        price = Price(1, OPTION_PRICE_PRECISION)
        sample = QuoteTick(iid, price, price, one, one, 0, 0)
    else:
        sample = OptionGreeks(iid, 0.5, 0.0, 0.0, 0.0, 0.0, 0.2, 0.2, 0.2, None, None, 0, 0)
    batch = ArrowSerializer.serialize_batch([sample], data_cls=data_cls)
    schema: pa.Schema = batch.schema
    return schema


def fixed_point(values: Floats, precision: int) -> pa.FixedSizeBinaryArray:
    """Return Nautilus's 128-bit fixed-point encoding of non-negative `values`.

    Parameters
    ----------
    values : numpy.ndarray of float64
        Non-negative, finite values (dollars per share, or contracts).
    precision : int
        Decimal places kept (``Price``/``Quantity`` precision), 0 to 16.

    Returns
    -------
    pyarrow.FixedSizeBinaryArray
        16 bytes per value, as ``Price(value, precision).raw`` little-endian.

    Raises
    ------
    ValueError
        If a value is negative, not finite, or too large for this encoding (over about
        ``1.8e19 / 5**(16 - precision) / 10**precision``).

    """
    shift = FIXED_PRECISION - precision
    units = np.floor(np.asarray(values, dtype=np.float64) * 10.0**precision + 0.5)
    limit = float(np.iinfo(np.uint64).max // 5**shift)
    if not np.all((units >= 0) & (units <= limit)):
        raise ValueError(f"values were negative, not finite or over {limit:.3g} units")
    scaled = units.astype(np.uint64) * np.uint64(5**shift)  # raw = scaled * 2**shift
    words = np.empty((len(scaled), 2), dtype="<u8")
    words[:, 0] = scaled << np.uint64(shift)
    words[:, 1] = scaled >> np.uint64(64 - shift) if shift else 0
    return pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(16), len(scaled), [None, pa.py_buffer(words.tobytes())]
    )


def option_tables(parts: Sequence[OptionQuoteColumns]) -> list[CatalogTable]:
    """Return the catalog tables (one per contract and type) of the quotes and greeks in `parts`.

    Parameters
    ----------
    parts : Sequence[OptionQuoteColumns]
        Validated rows, e.g. one part per session; at most one row per contract and ``ts``.

    Returns
    -------
    list[CatalogTable]
        ``QuoteTick`` tables of the quoted rows and ``OptionGreeks`` tables of the rows with
        greeks, each sorted by ``ts_init``; empty when `parts` is.

    """
    if not parts:
        return []
    columns = parts[0] if len(parts) == 1 else _concat(parts)
    return [
        *_per_contract(QuoteTick, _quotes(columns)),
        *_per_contract(OptionGreeks, _greeks(columns)),
    ]


def _concat(parts: Sequence[OptionQuoteColumns]) -> OptionQuoteColumns:
    merged = {
        name: np.concatenate([getattr(part, name) for part in parts])
        for name in OptionQuoteColumns.__dataclass_fields__
        if name != "instrument_id"
    }
    ids = pa.concat_arrays([part.instrument_id for part in parts])
    return OptionQuoteColumns(instrument_id=ids, **merged)


def _uint64(values: npt.NDArray[np.uint64]) -> pa.UInt64Array:
    return pa.array(values, pa.uint64())


def _quotes(c: OptionQuoteColumns) -> pa.Table:
    keep = np.flatnonzero(c.quoted)
    ts = _uint64(c.ts[keep])
    arrays = [
        fixed_point(c.bid[keep], OPTION_PRICE_PRECISION),
        fixed_point(c.ask[keep], OPTION_PRICE_PRECISION),
        fixed_point(c.bid_size[keep], _SIZE_PRECISION),
        fixed_point(c.ask_size[keep], _SIZE_PRECISION),
        ts,
        ts,
    ]
    table = pa.Table.from_arrays(arrays, schema=_schema(QuoteTick))
    return table.append_column("_id", c.instrument_id.take(pa.array(keep)))


def _greeks(c: OptionQuoteColumns) -> pa.Table:
    keep = np.flatnonzero(c.has_greeks)
    ids = c.instrument_id.take(pa.array(keep))
    iv = pa.array(c.iv[keep])
    ts = _uint64(c.ts[keep])
    arrays = [
        ids,
        *(pa.array(v[keep]) for v in (c.delta, c.gamma, c.vega, c.theta, c.rho)),
        iv,
        iv,
        iv,
        pa.array(c.underlying_price[keep], from_pandas=True),  # NaN: unknown
        pa.array(c.open_interest[keep], from_pandas=True),
        ts,
        ts,
        pa.array(np.full(len(keep), _GREEKS_CONVENTION, dtype=object), pa.string()),
    ]
    table = pa.Table.from_arrays(arrays, schema=_schema(OptionGreeks))
    return table.append_column("_id", ids)


def _per_contract(data_cls: type, table: pa.Table) -> list[CatalogTable]:
    """Split `table` (with an ``_id`` column) into one table per contract, sorted by time."""
    if not len(table):
        return []
    table = table.take(pc.sort_indices(table, [("_id", "ascending"), ("ts_init", "ascending")]))
    ids = table.column("_id").combine_chunks()
    table = table.drop_columns(["_id"])
    codes = np.asarray(ids.dictionary_encode().indices)
    starts = [0, *(np.flatnonzero(codes[1:] != codes[:-1]) + 1).tolist()]
    ends = [*starts[1:], len(table)]
    metadata = _schema(data_cls).metadata
    tables = []
    for start, end in zip(starts, ends, strict=True):
        instrument_id = ids[start].as_py()
        part = table.slice(start, end - start).replace_schema_metadata(
            {**metadata, b"instrument_id": instrument_id.encode()}
        )
        tables.append(CatalogTable(data_cls, instrument_id, part))
    return tables
