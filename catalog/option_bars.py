"""Daily option bars (Polygon day aggregates) to Nautilus option contracts and bars.

Layout ``polygon-dayaggs``: Polygon options day aggregates with contract terms, one row per
contract per trading day, e.g. the monthly SPY files ``YYYY_options_pessimistic.csv``. Columns
used: ``ticker`` (Polygon ``O:``-prefixed OCC symbol), ``date_only``, ``underlying_symbol``,
``expiration_date``, ``option_type`` (``C``/``P``), ``strike``, ``open_price``,
``high_price``, ``low_price``, ``close_price``, ``volume`` (contracts). Derived columns
(premium yields, moneyness, underlying prices) are ignored: the underlying comes from its own
bars file.

Each accepted row becomes a daily ``Bar`` of type ``<OCC>.US-1-DAY-LAST-EXTERNAL`` (prices in
dollars per share, 2 decimals, rounded half-even) stamped ``ts_event = ts_init =`` the NYSE
session close of ``date_only``; each ticker gives one ``OptionContract``.

Layout ``lean-universe``: QuantConnect LEAN option universe files (trade OHLC, IV and greeks
of one chain on one session), see :mod:`catalog.lean_universe`.
"""

from collections.abc import Callable
from functools import partial
from pathlib import Path

from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import OptionContract

from catalog.deliverables import DeliverablesTable
from catalog.lean_universe import LEAN_UNIVERSE, LeanUniverseRowParser
from catalog.option_rows import OptionColumns, OptionRowTerms
from catalog.validation import (
    DuplicateGuard,
    Layout,
    LoadResult,
    ProgressCallback,
    check_bar_prices,
    column_index,
    detect_layout,
    field_text,
    open_csv,
    parse_price,
    parse_volume,
    session_close,
    validate_rows,
)
from options.instruments import OPTION_PRICE_PRECISION, daily_bar_type

POLYGON_DAYAGGS = Layout(
    "polygon-dayaggs",
    (
        "ticker",
        "date_only",
        "underlying_symbol",
        "expiration_date",
        "option_type",
        "strike",
        "open_price",
        "high_price",
        "low_price",
        "close_price",
        "volume",
    ),
)
LAYOUTS = (POLYGON_DAYAGGS, LEAN_UNIVERSE)
"""The option bar layouts :func:`load_option_bars` recognises."""

_TERMS = OptionColumns(
    symbol="ticker",
    underlying="underlying_symbol",
    kind="option_type",
    expiration="expiration_date",
    strike="strike",
    day="date_only",
)


class _BarRowParser:
    """Turns accepted rows of one file into option contracts and daily bars."""

    def __init__(
        self, header: list[str], result: LoadResult, deliverables: DeliverablesTable | None
    ) -> None:
        self._col = column_index(header, POLYGON_DAYAGGS.columns)
        self._result = result
        self._terms = OptionRowTerms(_TERMS, deliverables)
        self._bar_types: dict[InstrumentId, BarType] = {}
        self._duplicates = DuplicateGuard()

    def _text(self, row: list[str], column: str) -> str:
        return field_text(row, self._col[column])

    def _bar_type(self, contract: OptionContract) -> BarType:
        bar_type = self._bar_types.get(contract.id)
        if bar_type is None:
            bar_type = daily_bar_type(contract.id)
            self._bar_types[contract.id] = bar_type
        return bar_type

    def __call__(self, row: list[str]) -> None:
        text = partial(self._text, row)
        occ, contract, day = self._terms.parse(text)
        ts = session_close(day)
        open_ = parse_price(text("open_price"), OPTION_PRICE_PRECISION)
        high = parse_price(text("high_price"), OPTION_PRICE_PRECISION)
        low = parse_price(text("low_price"), OPTION_PRICE_PRECISION)
        close = parse_price(text("close_price"), OPTION_PRICE_PRECISION)
        check_bar_prices(open_, high, low, close)
        volume = parse_volume(text("volume"))
        self._duplicates.check(occ.compact, ts)

        self._result.add_instrument(contract)
        bar_type = self._bar_type(contract)
        self._result.data.append(Bar(bar_type, open_, high, low, close, volume, ts, ts))


def load_option_bars(
    path: Path,
    layout: str | None = None,
    progress: ProgressCallback | None = None,
    deliverables: DeliverablesTable | None = None,
) -> LoadResult:
    """Load a daily option bars CSV into option contracts and daily bars.

    Rows are rejected (and counted by reason, never raised) when a field is missing or
    unparseable, the ticker disagrees with the underlying/type/expiration/strike columns, a
    price or volume is negative, high < low or open/close lie outside [low, high], the date
    is after the expiration or not a NYSE session, or the same contract and date appeared
    earlier in the file.

    Parameters
    ----------
    path : Path
        The CSV file.
    layout : str, optional
        The layout name (see :data:`LAYOUTS`); detected from the header when ``None``.
    progress : ProgressCallback, optional
        Called with 1 after every data row.
    deliverables : DeliverablesTable, optional
        ``polygon-dayaggs``: what adjusted roots deliver (:mod:`catalog.deliverables`);
        without it their rows are rejected.

    Returns
    -------
    LoadResult
        ``OptionContract``s and one ``Bar`` per accepted row, in file order (``lean-universe``:
        also an ``OptionGreeks`` per row with an IV, and the underlying's bar, see
        :mod:`catalog.lean_universe`).

    Raises
    ------
    OSError
        If the file cannot be read.
    ValueError
        If the file is empty, its header matches no layout (the message lists the expected
        headers), or a ``lean-universe`` file is not named ``<root>/<yyyyMMdd>.csv``.

    """
    result = LoadResult()
    with open_csv(path) as (header, rows):
        chosen = detect_layout(header, LAYOUTS, path, layout)
        parser: Callable[[list[str]], None]
        if chosen is LEAN_UNIVERSE:
            parser = LeanUniverseRowParser(path, header, result)
        else:
            parser = _BarRowParser(header, result, deliverables)
        validate_rows(rows, result, parser, progress)
    return result
