"""OCC option symbology.

The compact OCC form is ``ROOT`` + ``YYMMDD`` + ``C``/``P`` + strike × 1000 as eight digits,
e.g. ``SPY240119P00470000`` (SPY put, 2024-01-19, strike 470). Source: OCC, "Options Symbology
Initiative" (2010). The padded 21-character form (root left-justified to six characters) and
vendor prefixes such as Polygon's ``O:`` are accepted on input.
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from nautilus_trader.model.enums import OptionKind

_OCC = re.compile(
    r"^(?:O:)?(?P<root>[A-Z0-9.]{1,6}?)\s*(?P<date>\d{6})(?P<right>[CP])(?P<strike>\d{8})$"
)


@dataclass(frozen=True, slots=True)
class OccSymbol:
    """A parsed OCC option symbol.

    Parameters
    ----------
    root : str
        The option root (usually the underlying ticker, e.g. ``SPY``; adjusted roots such as
        ``AAPL1`` denote non-standard deliverables).
    expiration : datetime.date
        The expiration date.
    kind : OptionKind
        ``CALL`` or ``PUT``.
    strike : Decimal
        The strike in dollars per share.

    """

    root: str
    expiration: dt.date
    kind: OptionKind
    strike: Decimal

    @property
    def compact(self) -> str:
        """Return the compact OCC symbol, e.g. ``SPY240119P00470000``."""
        return format_occ(self.root, self.expiration, self.kind, self.strike)


def parse_occ(symbol: str) -> OccSymbol:
    """Parse an OCC option symbol (compact, padded, or with an ``O:`` prefix).

    Parameters
    ----------
    symbol : str
        The symbol to parse.

    Returns
    -------
    OccSymbol

    Raises
    ------
    ValueError
        If `symbol` is not a valid OCC symbol.

    """
    match = _OCC.match(symbol.strip().upper())
    if match is None:
        raise ValueError(f"OCC option symbol was invalid: {symbol!r}")
    date = match["date"]
    year = int(date[:2])
    try:
        # Two-digit years as strptime's %y reads them (POSIX): 69-99 are 1969-1999.
        expiration = dt.date(year + (1900 if year >= 69 else 2000), int(date[2:4]), int(date[4:]))
    except ValueError as exc:
        raise ValueError(f"OCC option symbol had an invalid date: {symbol!r}") from exc
    kind = OptionKind.CALL if match["right"] == "C" else OptionKind.PUT
    strike = Decimal(int(match["strike"])) / 1000
    return OccSymbol(match["root"], expiration, kind, strike)


def format_occ(root: str, expiration: dt.date, kind: OptionKind, strike: Decimal | float) -> str:
    """Return the compact OCC symbol for the given contract terms.

    Parameters
    ----------
    root : str
        The option root, e.g. ``SPY``.
    expiration : datetime.date
        The expiration date.
    kind : OptionKind
        ``CALL`` or ``PUT``.
    strike : Decimal or float
        The strike in dollars per share (at most three decimals).

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If the strike is negative, too large or finer than 0.001.

    """
    milli = Decimal(str(strike)) * 1000
    if milli != milli.to_integral_value() or milli < 0 or milli >= 10**8:
        raise ValueError(f"strike was not representable in OCC form: {strike!r}")
    right = "C" if kind == OptionKind.CALL else "P"
    return f"{root.upper()}{expiration:%y%m%d}{right}{int(milli):08d}"
