"""iVolatility RawIV end-of-day option chains to Nautilus contracts, quotes, greeks and bars.

Layout ``ivolatility-rawiv`` (iVolatility "RawIV" downloads, e.g. the SPX week
``spx_sample_ivolatility.csv``): one row per option per date with the columns ``symbol``
(the underlying), ``date`` and ``option_expiration`` (``MM/DD/YYYY``), ``stock_price_close``,
``option_symbol`` (padded OCC, dated the Saturday for pre-2015 monthlies), ``strike``,
``call/put``, ``ask``, ``bid``, ``iv`` (decimal; ``-1`` when iVolatility computed none),
``open_interest``, ``delta``, ``vega`` (per vol point), ``gamma``, ``theta`` (per calendar day)
and ``rho``; optionally ``volume`` (contracts traded in the session). Other columns
(``style``, ``mean_price``, ``forward_price``, ...) are not used.

Each accepted row becomes a ``QuoteTick`` (sizes :data:`options.instruments.EOD_QUOTE_SIZE`)
and, unless its ``iv`` is negative (no greeks computed), an ``OptionGreeks``, and when its
``volume`` is not blank an :class:`options.option_volume.OptionVolume` (a volume that is not a
whole number >= 0 rejects the row); all are stamped
at the NYSE session close of ``date``. The underlying (an ``IndexInstrument`` for SPX and the
other index tickers) gets one daily ``LAST`` bar per date from ``stock_price_close``: the file
has the close only, so the bar's open, high and low equal it and its volume is 0. AM-settled
options settle at the open of the expiration day's bar, so ingest the index's own OHLC bars
first when you have them (a stored bar wins over a later one for the same session).
"""

from functools import partial

from nautilus_trader.model.data import Bar, OptionGreeks, QuoteTick
from nautilus_trader.model.objects import Price, Quantity

from catalog.option_rows import OptionColumns, OptionRowTerms
from catalog.validation import (
    DuplicateGuard,
    Layout,
    LoadResult,
    RejectReason,
    RowRejected,
    column_index,
    field_text,
    optional_column,
    optional_count,
    parse_count,
    parse_float,
    parse_price,
    parse_us_date,
    session_close,
)
from options.instruments import (
    EOD_QUOTE_SIZE,
    EQUITY_PRICE_PRECISION,
    OPTION_PRICE_PRECISION,
    daily_bar_type,
    make_underlying,
)
from options.option_volume import session_volume

IVOLATILITY_RAWIV = Layout(
    "ivolatility-rawiv",
    (
        "symbol",
        "date",
        "stock_price_close",
        "option_symbol",
        "option_expiration",
        "strike",
        "call/put",
        "ask",
        "bid",
        "iv",
        "open_interest",
        "delta",
        "vega",
        "gamma",
        "theta",
        "rho",
    ),
)

_TERMS = OptionColumns(
    symbol="option_symbol",
    underlying="symbol",
    kind="call/put",
    expiration="option_expiration",
    strike="strike",
    day="date",
    parse_day=parse_us_date,
)


class RawIvRowParser:
    """Turns accepted rows of one iVolatility RawIV file into instruments, quotes and greeks.

    Parameters
    ----------
    header : list[str]
        The file's header row.
    result : LoadResult
        Receives the instruments and data of accepted rows.

    """

    def __init__(self, header: list[str], result: LoadResult) -> None:
        self._col = column_index(header, IVOLATILITY_RAWIV.columns)
        self._volume_col = optional_column(header, "volume")
        self._result = result
        self._terms = OptionRowTerms(_TERMS)
        self._duplicates = DuplicateGuard()
        self._bar_sessions: set[tuple[str, int]] = set()
        self._size = Quantity.from_int(EOD_QUOTE_SIZE)

    def _text(self, row: list[str], column: str) -> str:
        return field_text(row, self._col[column])

    def __call__(self, row: list[str]) -> None:
        """Add the objects of one row to the result.

        Raises
        ------
        RowRejected
            For the reasons listed in :func:`catalog.eod_chains.load_eod_chain`.

        """
        text = partial(self._text, row)
        occ, contract, quote_date = self._terms.parse(text)
        ts = session_close(quote_date)
        bid = parse_price(text("bid"), OPTION_PRICE_PRECISION)
        ask = parse_price(text("ask"), OPTION_PRICE_PRECISION)
        if bid > ask:
            raise RowRejected(RejectReason.CROSSED_QUOTE)
        spot = parse_price(text("stock_price_close"), EQUITY_PRICE_PRECISION)
        open_interest = parse_count(text("open_interest"))
        iv = parse_float(text("iv"))
        greeks = [parse_float(text(c)) for c in ("delta", "gamma", "vega", "theta", "rho")]
        volume = optional_count(row, self._volume_col)
        self._duplicates.check(occ.compact, ts)

        result = self._result
        result.add_instrument(contract)
        result.data.append(QuoteTick(contract.id, bid, ask, self._size, self._size, ts, ts))
        if iv >= 0:
            delta, gamma, vega, theta, rho = greeks
            result.data.append(
                OptionGreeks(
                    contract.id,
                    delta,
                    gamma,
                    vega,
                    theta,
                    rho,
                    iv,
                    iv,
                    iv,
                    spot.as_double(),
                    float(open_interest),
                    ts,
                    ts,
                )
            )
        if volume is not None:
            result.data.append(session_volume(contract.id, volume, ts))
        self._add_underlying_bar(contract.underlying, spot, ts)

    def _add_underlying_bar(self, ticker: str, close: Price, ts: int) -> None:
        if (ticker, ts) in self._bar_sessions:
            return
        self._bar_sessions.add((ticker, ts))
        underlying = make_underlying(ticker)
        self._result.add_instrument(underlying)
        bar_type = daily_bar_type(underlying.id)
        self._result.data.append(Bar(bar_type, close, close, close, close, Quantity.zero(), ts, ts))
