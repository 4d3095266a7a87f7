"""End-of-day option chain files to Nautilus option contracts, quotes and vendor greeks.

Layouts: ``historicaloptiondata`` (below), ``ivolatility-rawiv`` (:mod:`catalog.ivolatility`)
and ``cboe-quotetable`` (:mod:`catalog.cboe_quotes`).

Layout ``historicaloptiondata`` (historicaloptiondata.com EOD chains, also the lambdaclass
SPY sample): one row per option per quote date with the columns
``underlying, underlying_last, optionroot, type, expiration, quotedate, strike, last, bid,
ask, volume, openinterest, impliedvol, delta, gamma, theta, vega, optionalias``.

Each accepted row becomes

- a ``QuoteTick`` (bid/ask in dollars per share, 2 decimals, sizes :data:`EOD_QUOTE_SIZE`),
- an ``OptionGreeks`` (IV as a decimal, delta per share, vega per 1 vol point, theta per
  calendar day, rho 0.0 since the file has none, open interest in contracts),

both stamped ``ts_event = ts_init =`` the NYSE session close of ``quotedate``. Each OCC symbol
gives one ``OptionContract`` and each underlying one ``Equity`` (an ``IndexInstrument`` for
an index such as SPX)
(:mod:`options.instruments` conventions). When the file has a ``volume`` column, a row's
non-blank volume (contracts traded in the session, a whole number >= 0, else the row is
rejected) also becomes an :class:`options.option_volume.OptionVolume` stamped like the quote; a
blank one is unknown (no record). ``last`` is not used.
"""

import datetime as dt
from functools import partial
from pathlib import Path

from nautilus_trader.model.data import OptionGreeks, QuoteTick
from nautilus_trader.model.objects import Quantity

from catalog.cboe_quotes import CBOE_QUOTETABLE, is_cboe_quotetable, load_cboe_quotetable
from catalog.deliverables import DeliverablesTable
from catalog.ivolatility import IVOLATILITY_RAWIV, RawIvRowParser
from catalog.option_rows import OptionColumns, OptionRowTerms
from catalog.validation import (
    DuplicateGuard,
    Layout,
    LoadResult,
    ProgressCallback,
    RejectReason,
    RowRejected,
    column_index,
    detect_layout,
    field_text,
    open_csv,
    optional_column,
    optional_count,
    parse_count,
    parse_decimal,
    parse_float,
    parse_price,
    session_close,
    validate_rows,
)
from options.instruments import EOD_QUOTE_SIZE, OPTION_PRICE_PRECISION, make_underlying
from options.option_volume import session_volume

"""Bid and ask size, in contracts, given to every end-of-day quote.

EOD chain files carry prices but no sizes. Nautilus limits fills to the quoted size, so a
size far above any order of this strategy pack keeps fills at the quoted bid/ask; it is not a
liquidity estimate.
"""

HISTORICALOPTIONDATA = Layout(
    "historicaloptiondata",
    (
        "underlying",
        "underlying_last",
        "optionroot",
        "type",
        "expiration",
        "quotedate",
        "strike",
        "bid",
        "ask",
        "openinterest",
        "impliedvol",
        "delta",
        "gamma",
        "theta",
        "vega",
    ),
)
LAYOUTS = (HISTORICALOPTIONDATA, IVOLATILITY_RAWIV, CBOE_QUOTETABLE)
"""The EOD chain layouts :func:`load_eod_chain` recognises."""

_TERMS = OptionColumns(
    symbol="optionroot",
    underlying="underlying",
    kind="type",
    expiration="expiration",
    strike="strike",
    day="quotedate",
)


class _ChainRowParser:
    """Turns accepted rows of one file into instruments, quotes and greeks."""

    def __init__(
        self, header: list[str], result: LoadResult, deliverables: DeliverablesTable | None
    ) -> None:
        self._col = column_index(header, HISTORICALOPTIONDATA.columns)
        self._volume_col = optional_column(header, "volume")
        self._result = result
        self._terms = OptionRowTerms(_TERMS, deliverables)
        self._underlyings: set[str] = set()
        self._duplicates = DuplicateGuard()
        self._size = Quantity.from_int(EOD_QUOTE_SIZE)

    def _text(self, row: list[str], column: str) -> str:
        return field_text(row, self._col[column])

    def __call__(self, row: list[str]) -> None:
        text = partial(self._text, row)
        occ, contract, quote_date = self._terms.parse(text)
        underlying = contract.underlying
        ts = session_close(quote_date)

        bid = parse_price(text("bid"), OPTION_PRICE_PRECISION)
        ask = parse_price(text("ask"), OPTION_PRICE_PRECISION)
        if bid > ask:
            raise RowRejected(RejectReason.CROSSED_QUOTE)
        underlying_last = parse_decimal(text("underlying_last"))
        if underlying_last < 0:
            raise RowRejected(RejectReason.NEGATIVE_PRICE)
        open_interest = parse_count(text("openinterest"))
        mark_iv = parse_float(text("impliedvol"))
        if mark_iv < 0:
            raise RowRejected(RejectReason.NEGATIVE_VOLATILITY)
        delta = parse_float(text("delta"))
        gamma = parse_float(text("gamma"))
        theta = parse_float(text("theta"))
        vega = parse_float(text("vega"))
        volume = optional_count(row, self._volume_col)
        self._duplicates.check(occ.compact, ts)

        result = self._result
        result.add_instrument(contract)
        if underlying not in self._underlyings:
            self._underlyings.add(underlying)
            result.add_instrument(make_underlying(underlying))
        result.data.append(QuoteTick(contract.id, bid, ask, self._size, self._size, ts, ts))
        result.data.append(
            OptionGreeks(
                contract.id,
                delta,
                gamma,
                vega,
                theta,
                0.0,
                mark_iv,
                mark_iv,
                mark_iv,
                float(underlying_last),
                float(open_interest),
                ts,
                ts,
            )
        )
        if volume is not None:
            result.data.append(session_volume(contract.id, volume, ts))


def load_eod_chain(
    path: Path,
    layout: str | None = None,
    progress: ProgressCallback | None = None,
    quote_date: dt.date | None = None,
    deliverables: DeliverablesTable | None = None,
) -> LoadResult:
    """Load an end-of-day option chain CSV into contracts, quotes and greeks.

    Rows are rejected (and counted by reason, never raised) when a field is missing or
    unparseable, the OCC symbol disagrees with the type/expiration/strike columns, a price or
    open interest is negative, a volume is not a whole number >= 0, bid > ask (zero bids are
    valid), the expiration precedes the quote date, the quote date is not a NYSE session, or
    the same option and date appeared earlier in the file. A row whose symbol does not parse
    gets its contract from its own underlying, type, expiration and strike columns
    (:mod:`catalog.option_rows`).

    Parameters
    ----------
    path : Path
        The CSV file.
    layout : str, optional
        The layout name (see :data:`LAYOUTS`); detected from the header when ``None``.
    progress : ProgressCallback, optional
        Called with 1 after every data row.
    quote_date : datetime.date, optional
        ``cboe-quotetable`` only: the session of the snapshot, instead of the one its
        ``Date:`` line names (:mod:`catalog.cboe_quotes`).
    deliverables : DeliverablesTable, optional
        ``historicaloptiondata``: what adjusted roots deliver (:mod:`catalog.deliverables`);
        without it (and in the other layouts) their rows are rejected.

    Returns
    -------
    LoadResult
        ``OptionContract``s and underlyings, then per accepted row a ``QuoteTick`` followed by
        an ``OptionGreeks`` and, where the row has a volume, an ``OptionVolume``
        (:mod:`options.option_volume`), in file order (``ivolatility-rawiv``: no greeks when
        the row's IV is negative, and one underlying bar per date, see
        :mod:`catalog.ivolatility`; ``cboe-quotetable``: two rows per line, no greeks when the
        IV is 0).

    Raises
    ------
    OSError
        If the file cannot be read.
    ValueError
        If the file is empty or its header matches no layout (the message lists the expected
        headers), `quote_date` is given for another layout than ``cboe-quotetable``, or as
        :func:`catalog.cboe_quotes.load_cboe_quotetable`.

    """
    if layout == CBOE_QUOTETABLE.name or (layout is None and is_cboe_quotetable(path)):
        return load_cboe_quotetable(path, quote_date, progress)
    result = LoadResult()
    with open_csv(path) as (header, rows):
        chosen = detect_layout(header, LAYOUTS, path, layout)
        if quote_date is not None:
            raise ValueError(
                f"{path}: a quote date was given ({quote_date}), but this {chosen.name} file "
                "dates its own rows; --quote-date is for cboe-quotetable files only"
            )
        parser = (
            _ChainRowParser(header, result, deliverables)
            if chosen is HISTORICALOPTIONDATA
            else RawIvRowParser(header, result)
        )
        validate_rows(rows, result, parser, progress)
    return result
