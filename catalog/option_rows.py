"""Option contract terms of a vendor row, shared by the option loaders.

A row naming an option carries its OCC symbol and, in separate columns, the underlying, the
type, the expiration and the strike. :class:`OptionRowTerms` parses the symbol once per file
into an ``OptionContract`` (:mod:`tradefly.instruments` conventions) and rejects a row whose
columns disagree with its symbol or whose date is after the expiration.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.instruments import OptionContract

from catalog.validation import RejectReason, RowRejected, parse_date, parse_decimal
from tradefly.instruments import make_option_contract
from tradefly.occ import OccSymbol, parse_occ


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

    """

    symbol: str
    underlying: str
    kind: str
    expiration: str
    strike: str
    day: str


class OptionRowTerms:
    """Parses and checks the option terms of the rows of one file.

    Parameters
    ----------
    columns : OptionColumns
        Where the terms are in the layout.

    """

    def __init__(self, columns: OptionColumns) -> None:
        self._columns = columns
        self._contracts: dict[str, tuple[OccSymbol, OptionContract]] = {}

    def _contract(self, symbol: str, underlying: str) -> tuple[OccSymbol, OptionContract]:
        cached = self._contracts.get(symbol)
        if cached is not None:
            return cached
        try:
            occ = parse_occ(symbol)
        except ValueError as exc:
            raise RowRejected(RejectReason.UNPARSEABLE_SYMBOL) from exc
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
            ``UNPARSEABLE_SYMBOL``, a field parser's reason, ``SYMBOL_MISMATCH`` when the
            underlying, type, expiration or strike column disagrees with the symbol, or
            ``EXPIRED_BEFORE_QUOTE_DATE`` when the row's date is after the expiration.

        """
        columns = self._columns
        underlying = text(columns.underlying).upper()
        occ, contract = self._contract(text(columns.symbol), underlying)
        expiration = parse_date(text(columns.expiration))
        day = parse_date(text(columns.day))
        kind = text(columns.kind).upper()[:1]
        strike = parse_decimal(text(columns.strike))
        expected_kind = "C" if occ.kind == OptionKind.CALL else "P"
        if occ.expiration != expiration or kind != expected_kind or occ.strike != strike:
            raise RowRejected(RejectReason.SYMBOL_MISMATCH)
        if contract.underlying != underlying:
            raise RowRejected(RejectReason.SYMBOL_MISMATCH)
        if expiration < day:
            raise RowRejected(RejectReason.EXPIRED_BEFORE_QUOTE_DATE)
        return occ, contract, day
