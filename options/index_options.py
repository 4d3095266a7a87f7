"""Index options: which option roots settle in cash on an index, which index, and when.

Options on SPX, XSP, NDX, RUT and VIX are European and settle in cash at the index's settlement
value. Several roots share one index (``SPXW`` and ``SPXPM`` are SPX options). Contracts of the
standard roots ``SPX``, ``NDX`` and ``RUT`` (the third-Friday monthlies) and all VIX options
(``VIX``, ``VIXW``) are AM-settled: their settlement value comes from the opening prints of the
expiration morning, and they stop trading the session before. Every other root here (``SPXW``,
``SPXPM``, ``XSP``, ``XSPW``, ``NDXP``, ``RUTW``) is PM-settled at the expiration day's close.
Source: Cboe product specifications for SPX, XSP, NDX, RUT and VIX options.
"""

from typing import Literal

Settlement = Literal["AM", "PM"]

INDEX_OF_ROOT: dict[str, str] = {
    "SPX": "SPX",
    "SPXW": "SPX",
    "SPXPM": "SPX",
    "XSP": "XSP",
    "XSPW": "XSP",
    "NDX": "NDX",
    "NDXP": "NDX",
    "RUT": "RUT",
    "RUTW": "RUT",
    "VIX": "VIX",
    "VIXW": "VIX",
}
"""Option root to the ticker of its index."""

AM_SETTLED_ROOTS = frozenset({"SPX", "NDX", "RUT", "VIX", "VIXW"})
"""Roots settled at the expiration morning's opening value."""

INDEX_TICKERS = frozenset(INDEX_OF_ROOT.values())
"""Tickers of the indexes with cash-settled options."""


def index_of_root(root: str) -> str | None:
    """Return the index ticker of an index option root (``SPXW`` -> ``SPX``), else ``None``."""
    return INDEX_OF_ROOT.get(root.upper())


def settlement_of_root(root: str) -> Settlement:
    """Return ``AM`` for the AM-settled index roots, else ``PM`` (settled at the close)."""
    return "AM" if root.upper() in AM_SETTLED_ROOTS else "PM"


def is_index(ticker: str, extra: frozenset[str] | set[str] | tuple[str, ...] = ()) -> bool:
    """Return whether `ticker` is an index underlying (built in, or listed in `extra`)."""
    upper = ticker.upper()
    return upper in INDEX_TICKERS or upper in {t.upper() for t in extra}
