"""Quotes derived from option trade bars, for trade-only data (``close ± half_spread``).

A catalog of trade bars (Polygon day aggregates, LEAN minute trade files) has no bid or ask.
A run with ``fill_model: trade_close_half_spread`` replays each option bar as a quote at the
bar's close less and plus a half spread, and the IV seed of such a run
(:mod:`strategies.iv_seed`) solves the earlier sessions' IVs from the same quotes: both call
:func:`quotes_from_trade_bars`.
"""

from decimal import Decimal

import numpy as np
from nautilus_trader.model.data import Bar, BarSpecification, BarType, QuoteTick
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from catalog.contract_reads import read_tables
from options.instruments import (
    EOD_QUOTE_SIZE,
    MINUTE_LAST,
    OPTION_PRICE_PRECISION,
    daily_bar_type,
    minute_bar_type,
)


def quotes_from_trade_bars(
    catalog: ParquetDataCatalog,
    option_ids: list[str],
    start_ns: int,
    end_ns: int,
    half_spread: float,
    spec: BarSpecification,
    floors: dict[str, int | None],
) -> list[QuoteTick]:
    """Turn each option's trade bar of `spec` into a quote at ``close ± half_spread``.

    Bars of other specifications (minute bars in a daily run, daily bars in a minute run)
    are left out, so one catalog can hold both. The bid and ask are computed exactly from the
    bar's fixed-point close (the bid floored at 0) and rounded to ``OPTION_PRICE_PRECISION``
    by Nautilus's ``Price``, without building the bars.

    Parameters
    ----------
    catalog : ParquetDataCatalog
        The catalog holding the option bars.
    option_ids : list of str
        Instrument ids of the contracts (``SPY210219C00380000.US``).
    start_ns, end_ns : int
        Bars with ``ts_init`` in ``[start_ns, end_ns]`` (UNIX nanoseconds) are read.
    half_spread : float
        Dollars per share subtracted from the close for the bid and added for the ask.
    spec : BarSpecification
        ``DAILY_LAST`` or ``MINUTE_LAST``.
    floors : dict of str to int or None
        Per instrument id, a ``ts_init`` below which its rows are not read (None: none).

    Returns
    -------
    list of QuoteTick
        One quote per bar, stamped with the bar's ``ts_event`` and ``ts_init``, contract by
        contract.

    """
    half = Decimal(str(half_spread))
    quotes: list[QuoteTick] = []
    bar_type_of = minute_bar_type if spec == MINUTE_LAST else daily_bar_type
    bar_types = {str(bar_type_of(InstrumentId.from_str(i))): floors.get(i) for i in option_ids}
    for table in read_tables(catalog, Bar, list(bar_types), start_ns, end_ns, bar_types):
        bar_type = BarType.from_str(table.schema.metadata[b"bar_type"].decode())
        if bar_type.spec != spec:
            continue
        closes = table.column("close").to_pylist()
        scale = _FIXED_SCALE[len(closes[0])]
        half_raw = int(half * scale)
        # An exact integer over the scale, so the float is the correctly rounded value of
        # close - half (as float(Decimal) gives it).
        raws = [int.from_bytes(c, "little", signed=True) for c in closes]
        bids = np.array([max(r - half_raw, 0) / scale for r in raws], dtype=np.float64)
        asks = np.array([(r + half_raw) / scale for r in raws], dtype=np.float64)
        sizes = np.full(len(raws), float(EOD_QUOTE_SIZE))
        quotes += QuoteTick.from_raw_arrays_to_list(
            bar_type.instrument_id,
            OPTION_PRICE_PRECISION,
            0,
            bids,
            asks,
            sizes,
            sizes,
            table.column("ts_event").to_numpy().astype(np.uint64),
            table.column("ts_init").to_numpy().astype(np.uint64),
        )
    return quotes


# Nautilus's fixed-point raw values: 16 decimals in 16 bytes (high precision), 9 in 8.
_FIXED_SCALE = {16: 10**16, 8: 10**9}
