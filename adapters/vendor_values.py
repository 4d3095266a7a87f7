"""Checks of single vendor values against what Nautilus objects accept, and a rejection tally.

Both live adapters check every vendor value with these before building a Nautilus object:
an identifier with a NUL byte aborts the process in Nautilus's Rust core, a price above
``PRICE_MAX`` or a timestamp beyond ``uint64`` nanoseconds raises deep inside an event
handler. A failed check raises :class:`VendorValueError`, which each adapter turns into its own
parse error; :class:`RejectionTally` counts rejections per kind and logs the first of each.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Final

from nautilus_trader.model.objects import MONEY_MAX, PRICE_MAX, QUANTITY_MAX

IDENTIFIER: Final = "identifier"
PRICE: Final = "price"
QUANTITY: Final = "quantity"
MONEY: Final = "money"
TIMESTAMP: Final = "timestamp"
NUMBER: Final = "number"

MAX_NS: Final[int] = 2**63 - 1
"""Latest accepted time, UNIX ns (2262-04-11): beyond it pandas and Nautilus overflow."""

_IDENTIFIER = re.compile(r"[A-Za-z0-9._/^$#:+\-]{1,64}")


class VendorValueError(ValueError):
    """A vendor value Nautilus would refuse (or crash on).

    Parameters
    ----------
    message : str
        What was wrong, naming the field and value.
    kind : str
        The rejection kind (``identifier``, ``price``, ``quantity``, ``money``,
        ``timestamp``, ``number``), the key of :class:`RejectionTally`.

    """

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


def identifier(value: str, what: str) -> str:
    """Return `value` if it can name a Nautilus identifier (symbol, tag, order id).

    Accepted: 1 to 64 of ASCII letters, digits and ``. _ / ^ $ # : + -``. NUL and other
    control characters, spaces, non-ASCII text and U+FFFD (invalid UTF-8) are refused.

    Raises
    ------
    VendorValueError
        Kind ``identifier``, if `value` is not such a string.

    """
    if not isinstance(value, str) or _IDENTIFIER.fullmatch(value) is None:
        raise VendorValueError(f"{what} was not a valid identifier: {value!r:.80}", IDENTIFIER)
    return value


def finite(value: float, what: str) -> float:
    """Return `value` if it is a finite number.

    Raises
    ------
    VendorValueError
        Kind ``number``, for NaN or infinity.

    """
    if not math.isfinite(value):
        raise VendorValueError(f"{what} was not finite: {value!r}", NUMBER)
    return value


def price(value: float, what: str, signed: bool = False) -> float:
    """Return `value` if a Nautilus ``Price`` can hold it.

    Parameters
    ----------
    value : float
        Dollars per share (or per spread).
    what : str
        The field, for the message.
    signed : bool, default False
        Whether a negative value (a credit spread's net price) is allowed.

    Raises
    ------
    VendorValueError
        Kind ``price``, if `value` is not finite, is negative while not `signed`, or its
        magnitude exceeds ``PRICE_MAX``.

    """
    if not math.isfinite(value) or abs(value) > PRICE_MAX or (value < 0 and not signed):
        raise VendorValueError(f"{what} was out of range: {value!r}", PRICE)
    return value


def quantity(value: float, what: str, whole: bool = True) -> float:
    """Return `value` if it is a quantity a Nautilus ``Quantity`` can hold.

    Parameters
    ----------
    value : float
        Contracts or shares.
    what : str
        The field, for the message.
    whole : bool, default True
        Whether the quantity must be a whole number (contracts, shares).

    Raises
    ------
    VendorValueError
        Kind ``quantity``, if `value` is not finite, is negative, exceeds ``QUANTITY_MAX``
        or (when `whole`) is fractional.

    """
    if (
        not math.isfinite(value)
        or value < 0
        or value > QUANTITY_MAX
        or (whole and value != math.floor(value))
    ):
        raise VendorValueError(f"{what} was not a valid quantity: {value!r}", QUANTITY)
    return value


def money(value: float, what: str) -> float:
    """Return `value` if a Nautilus ``Money`` can hold it (either sign).

    Raises
    ------
    VendorValueError
        Kind ``money``, if `value` is not finite or its magnitude exceeds ``MONEY_MAX``.

    """
    if not math.isfinite(value) or abs(value) > MONEY_MAX:
        raise VendorValueError(f"{what} was out of range: {value!r}", MONEY)
    return value


def timestamp_ns(value: int, what: str) -> int:
    """Return `value` if it is a UNIX ns time in ``[0, MAX_NS]``.

    Raises
    ------
    VendorValueError
        Kind ``timestamp``, if `value` is negative or later than :data:`MAX_NS`.

    """
    if not 0 <= value <= MAX_NS:
        raise VendorValueError(f"{what} was out of range: {value!r}", TIMESTAMP)
    return value


class RejectionTally:
    """Counts rejected vendor records per kind; logs the first rejection of each kind.

    Parameters
    ----------
    warn : Callable[[str], None]
        Receives one line for the first rejection of each kind.
    source : str
        Named in the log line (e.g. ``Tradier market stream``).

    """

    def __init__(self, warn: Callable[[str], None], source: str) -> None:
        self._warn = warn
        self._source = source
        self._counts: dict[str, int] = {}

    @property
    def counts(self) -> dict[str, int]:
        """Rejections so far per kind (a copy)."""
        return dict(self._counts)

    @property
    def total(self) -> int:
        """Rejections so far, all kinds."""
        return sum(self._counts.values())

    def record(self, kind: str, message: str) -> None:
        """Count one rejection of `kind`; log `message` if it is the first of its kind."""
        count = self._counts.get(kind, 0) + 1
        self._counts[kind] = count
        if count == 1:
            self._warn(
                f"{self._source} rejected a record ({kind}): {message} "
                "(further rejections of this kind are counted, not logged)"
            )
