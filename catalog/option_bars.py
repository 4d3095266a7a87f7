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
"""

from pathlib import Path

from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.instruments import OptionContract

from catalog.validation import (
    DuplicateGuard,
    Layout,
    LoadResult,
    ProgressCallback,
    RejectReason,
    RowRejected,
    check_bar_prices,
    column_index,
    detect_layout,
    field_text,
    open_csv,
    parse_date,
    parse_decimal,
    parse_price,
    parse_volume,
    session_close,
    validate_rows,
)
from tradefly.instruments import OPTION_PRICE_PRECISION, daily_bar_type, make_option_contract
from tradefly.occ import OccSymbol, parse_occ

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
LAYOUTS = (POLYGON_DAYAGGS,)
"""The option bar layouts :func:`load_option_bars` recognises."""


class _BarRowParser:
    """Turns accepted rows of one file into option contracts and daily bars."""

    def __init__(self, header: list[str], result: LoadResult) -> None:
        self._col = column_index(header, POLYGON_DAYAGGS.columns)
        self._result = result
        self._contracts: dict[str, tuple[OccSymbol, OptionContract, BarType]] = {}
        self._duplicates = DuplicateGuard()

    def _text(self, row: list[str], column: str) -> str:
        return field_text(row, self._col[column])

    def _contract(self, ticker: str, underlying: str) -> tuple[OccSymbol, OptionContract, BarType]:
        cached = self._contracts.get(ticker)
        if cached is not None:
            return cached
        try:
            occ = parse_occ(ticker)
        except ValueError as exc:
            raise RowRejected(RejectReason.UNPARSEABLE_SYMBOL) from exc
        contract = make_option_contract(occ, underlying=underlying)
        entry = (occ, contract, daily_bar_type(contract.id))
        self._contracts[ticker] = entry
        return entry

    def __call__(self, row: list[str]) -> None:
        text = self._text
        underlying = text(row, "underlying_symbol").upper()
        occ, contract, bar_type = self._contract(text(row, "ticker"), underlying)
        expiration = parse_date(text(row, "expiration_date"))
        day = parse_date(text(row, "date_only"))
        kind = text(row, "option_type").upper()[:1]
        strike = parse_decimal(text(row, "strike"))
        expected_kind = "C" if occ.kind == OptionKind.CALL else "P"
        if occ.expiration != expiration or kind != expected_kind or occ.strike != strike:
            raise RowRejected(RejectReason.SYMBOL_MISMATCH)
        if contract.underlying != underlying:
            raise RowRejected(RejectReason.SYMBOL_MISMATCH)
        if expiration < day:
            raise RowRejected(RejectReason.EXPIRED_BEFORE_QUOTE_DATE)
        ts = session_close(day)
        open_ = parse_price(text(row, "open_price"), OPTION_PRICE_PRECISION)
        high = parse_price(text(row, "high_price"), OPTION_PRICE_PRECISION)
        low = parse_price(text(row, "low_price"), OPTION_PRICE_PRECISION)
        close = parse_price(text(row, "close_price"), OPTION_PRICE_PRECISION)
        check_bar_prices(open_, high, low, close)
        volume = parse_volume(text(row, "volume"))
        self._duplicates.check(occ.compact, ts)

        self._result.add_instrument(contract)
        self._result.data.append(Bar(bar_type, open_, high, low, close, volume, ts, ts))


def load_option_bars(
    path: Path,
    layout: str | None = None,
    progress: ProgressCallback | None = None,
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

    Returns
    -------
    LoadResult
        ``OptionContract``s and one ``Bar`` per accepted row, in file order.

    Raises
    ------
    OSError
        If the file cannot be read.
    ValueError
        If the file is empty or its header matches no layout (the message lists the expected
        headers).

    """
    result = LoadResult()
    with open_csv(path) as (header, rows):
        detect_layout(header, LAYOUTS, path, layout)
        validate_rows(rows, result, _BarRowParser(header, result), progress)
    return result
