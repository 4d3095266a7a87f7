"""A small hand-written chain (spot 100) shared by the structure tests.

Front expiration 35 days out, back expiration 70 days out. Prices in dollars per share.
"""

import datetime as dt

from nautilus_trader.model.enums import OptionKind

from options.chain_selection import ChainQuote

TODAY = dt.date(2024, 1, 2)
FRONT = dt.date(2024, 2, 6)  # 35 days
BACK = dt.date(2024, 3, 12)  # 70 days
SPOT = 100.0
C, P = OptionKind.CALL, OptionKind.PUT

# (kind, strike, bid, ask, delta)
FRONT_ROWS = [
    (P, 85.0, 0.20, 0.30, -0.05),
    (P, 90.0, 0.50, 0.60, -0.10),
    (P, 95.0, 1.20, 1.30, -0.20),
    (P, 100.0, 2.90, 3.10, -0.50),
    (P, 105.0, 5.90, 6.10, -0.80),
    (P, 110.0, 10.00, 10.20, -0.90),
    (C, 90.0, 10.00, 10.20, 0.90),
    (C, 95.0, 5.90, 6.10, 0.80),
    (C, 100.0, 2.90, 3.10, 0.50),
    (C, 105.0, 1.20, 1.30, 0.20),
    (C, 110.0, 0.50, 0.60, 0.10),
    (C, 115.0, 0.20, 0.30, 0.05),
]
BACK_ROWS = [
    (C, 95.0, 7.40, 7.60, 0.70),
    (C, 100.0, 4.40, 4.60, 0.52),
    (C, 105.0, 2.40, 2.60, 0.33),
    (P, 95.0, 2.40, 2.60, -0.30),
    (P, 100.0, 4.40, 4.60, -0.48),
    (P, 105.0, 7.40, 7.60, -0.67),
]


def chain() -> list[ChainQuote]:
    """Return the front and back quotes as :class:`ChainQuote` s (no gamma, theta, vega)."""
    return [
        ChainQuote(expiration, kind, strike, bid, ask, delta)
        for expiration, rows in ((FRONT, FRONT_ROWS), (BACK, BACK_ROWS))
        for kind, strike, bid, ask, delta in rows
    ]
