"""Option contract terms of a vendor row, shared by the option loaders.

A row naming an option carries its OCC symbol and, in separate columns, the underlying, the
type, the expiration and the strike. :class:`OptionRowTerms` parses the symbol once per file
into an ``OptionContract`` (:mod:`options.instruments` conventions) and rejects a row whose
columns disagree with its symbol or whose date is after the expiration. A symbol dated the
Saturday after the expiration column's Friday agrees with it (OCC dated monthly expirations
on the Saturday until 2015). When the symbol does not parse (a vendor's own symbology, e.g. a
10-digit strike field), the contract is built from the row's underlying, type, expiration and
strike columns, with the underlying as its root.

A row whose strike column is the symbol's strike divided (or multiplied) by a whole split
ratio (within 1%, vendors round adjusted strikes) is rejected as ``split-adjusted``: the
vendor adjusted its strike and prices for a later split but not its symbol (e.g. Polygon's
AAPL rows before the 2020 4:1 split), so it describes no contract that traded at those prices.

A row whose symbol has an adjusted root, the underlying followed by a digit (``AAPL1``,
``AAPL7``: OCC's roots for contracts whose deliverable changed, e.g. after a non-whole split or
for mini options), gets its deliverable and multiplier from the deliverables table
(:mod:`catalog.deliverables`), since none of the file layouts states what such a contract
delivers; without a table row for its root and date it is rejected as ``ADJUSTED_ROOT``.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.instruments import OptionContract

from catalog.deliverables import DeliverablesTable
from catalog.validation import RejectReason, RowRejected, parse_date, parse_decimal
from options.deliverables import Deliverable
from options.instruments import make_option_contract
from options.occ import OccSymbol, format_occ, parse_occ

_SATURDAY = 5


@dataclass(frozen=True, slots=True)
class OptionColumns:
    """The column names of a layout that hold an option's terms.

    Parameters
    ----------
    symbol : str
        The OCC symbol (optionally ``O:``-prefixed).
    underlying : str
        The underlying ticker.
    kind : str
        The option type (``C``/``P``; only the first letter is read).
    expiration : str
        The expiration date.
    strike : str
        The strike in dollars per share.
    day : str
        The date the row describes (quote or bar date).
    parse_day : Callable[[str], datetime.date]
        Parses the expiration and day columns (ISO ``YYYY-MM-DD`` by default).

    """

    symbol: str
    underlying: str
    kind: str
    expiration: str
    strike: str
    day: str
    parse_day: Callable[[str], dt.date] = parse_date


class OptionRowTerms:
    """Parses and checks the option terms of the rows of one file.

    Parameters
    ----------
    columns : OptionColumns
        Where the terms are in the layout.
    deliverables : DeliverablesTable, optional
        What the contracts of adjusted roots deliver; without it every adjusted root is
        rejected.

    """

    def __init__(
        self, columns: OptionColumns, deliverables: DeliverablesTable | None = None
    ) -> None:
        self._columns = columns
        self._deliverables = deliverables
        self._contracts: dict[str, tuple[OccSymbol, OptionContract]] = {}
        self._adjusted: dict[tuple[str, Deliverable], OptionContract] = {}

    def _contract(
        self, symbol: str, underlying: str, row_terms: Callable[[], OccSymbol]
    ) -> tuple[OccSymbol, OptionContract]:
        cached = self._contracts.get(symbol)
        if cached is not None:
            return cached
        try:
            occ = parse_occ(symbol)
        except ValueError:
            occ = row_terms()
        contract = make_option_contract(occ, underlying=underlying)
        self._contracts[symbol] = (occ, contract)
        return occ, contract

    def parse(self, text: Callable[[str], str]) -> tuple[OccSymbol, OptionContract, dt.date]:
        """Return the row's OCC symbol, contract and date.

        Parameters
        ----------
        text : Callable[[str], str]
            Returns the text of the row's field in a column (see
            :func:`catalog.validation.field_text`).

        Returns
        -------
        tuple[OccSymbol, OptionContract, datetime.date]
            The parsed symbol, its contract (one object per symbol and file) and the row's date.

        Raises
        ------
        RowRejected
            A field parser's reason, ``UNPARSEABLE_SYMBOL`` when neither the symbol nor the
            row's terms make a contract, ``ADJUSTED_ROOT`` for an adjusted root the
            deliverables table lacks at the row's date, ``SPLIT_ADJUSTED`` when the strike
            column is the symbol's strike adjusted by a split ratio, ``SYMBOL_MISMATCH`` when the
            underlying, type, expiration or strike column otherwise disagrees with the
            symbol, or
            ``EXPIRED_BEFORE_QUOTE_DATE`` when the row's date is after the expiration.

        """
        columns = self._columns
        underlying = text(columns.underlying).upper()
        expiration = columns.parse_day(text(columns.expiration))
        day = columns.parse_day(text(columns.day))
        kind = text(columns.kind).upper()[:1]
        strike = parse_decimal(text(columns.strike))
        occ, contract = self._contract(
            text(columns.symbol),
            underlying,
            partial(_row_occ, underlying, expiration, kind, strike),
        )
        expected_kind = "C" if occ.kind == OptionKind.CALL else "P"
        if not _same_expiration(occ.expiration, expiration) or kind != expected_kind:
            raise RowRejected(RejectReason.SYMBOL_MISMATCH)
        if occ.strike != strike:
            raise RowRejected(
                RejectReason.SPLIT_ADJUSTED
                if _split_ratio(occ.strike, strike)
                else RejectReason.SYMBOL_MISMATCH
            )
        if contract.underlying != underlying:
            raise RowRejected(RejectReason.SYMBOL_MISMATCH)
        if expiration < day:
            raise RowRejected(RejectReason.EXPIRED_BEFORE_QUOTE_DATE)
        if is_adjusted_root(occ.root, underlying):
            contract = self._adjusted_contract(occ, underlying, day)
        return occ, contract, day

    def _adjusted_contract(self, occ: OccSymbol, underlying: str, day: dt.date) -> OptionContract:
        found = self._deliverables and self._deliverables.lookup(occ.root, underlying, day)
        if not found:
            raise RowRejected(RejectReason.ADJUSTED_ROOT)
        key = (occ.compact, found)
        if key not in self._adjusted:
            self._adjusted[key] = make_option_contract(occ, underlying, deliverable=found)
        return self._adjusted[key]


def is_adjusted_root(root: str, underlying: str) -> bool:
    """Return whether `root` is an OCC adjusted root of `underlying` (``AAPL1`` of ``AAPL``).

    Index roots (``SPXW`` of ``SPX``) and roots that spell the ticker without its punctuation
    (``BRKB`` of ``BRK.B``) are standard.
    """
    ticker = "".join(ch for ch in underlying.upper() if ch.isalnum())
    root = root.upper()
    return root != ticker and root[-1:].isdigit() and root[:-1].rstrip("0123456789") == ticker


def _same_expiration(symbol_date: dt.date, column_date: dt.date) -> bool:
    return symbol_date == column_date or (
        symbol_date.weekday() == _SATURDAY and symbol_date - dt.timedelta(days=1) == column_date
    )


def _row_occ(underlying: str, expiration: dt.date, kind: str, strike: Decimal) -> OccSymbol:
    """Return the contract terms of a row whose symbol did not parse."""
    if kind not in ("C", "P") or strike <= 0 or not underlying.isalnum():
        raise RowRejected(RejectReason.UNPARSEABLE_SYMBOL)
    option_kind = OptionKind.CALL if kind == "C" else OptionKind.PUT
    try:
        return parse_occ(format_occ(underlying, expiration, option_kind, strike))
    except ValueError as exc:
        raise RowRejected(RejectReason.UNPARSEABLE_SYMBOL) from exc


def _split_ratio(symbol_strike: Decimal, column_strike: Decimal) -> bool:
    """Return whether the strikes differ by a whole split ratio (2 or more, within 1%)."""
    if symbol_strike <= 0 or column_strike <= 0:
        return False
    ratio = max(symbol_strike, column_strike) / min(symbol_strike, column_strike)
    whole = ratio.to_integral_value()
    return whole >= 2 and abs(ratio - whole) <= whole / 100
