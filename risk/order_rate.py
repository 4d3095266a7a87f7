"""Order-rate limit: no entry whose orders would exceed a number of orders in a time window."""

from __future__ import annotations

import msgspec

from risk.proposal import Book, EntryProposal
from risk.rules import Cap

RULE = "order_rate"
NS_PER_SECOND = 1_000_000_000


class OrderRateConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Configuration of :func:`check_order_rate`.

    Parameters
    ----------
    max_orders : int
        Orders (of every strategy of the node, entries and exits) allowed in any window of
        `per_secs` seconds, the entry's own orders (one per leg) included; >= 1.
    per_secs : float
        The window, seconds; > 0.

    """

    max_orders: int
    per_secs: float = 60.0

    def __post_init__(self) -> None:
        if self.max_orders < 1:
            raise ValueError(f"order_rate.max_orders was {self.max_orders!r}, not >= 1")
        if not self.per_secs > 0:
            raise ValueError(f"order_rate.per_secs was {self.per_secs!r}, not > 0")


def check_order_rate(config: OrderRateConfig, proposal: EntryProposal, book: Book) -> Cap:
    """Return the whole quantity when the entry's orders fit in the window, else 0."""
    since = proposal.ts_ns - int(config.per_secs * NS_PER_SECOND)
    recent = sum(1 for t in book.order_times_ns if since < t <= proposal.ts_ns)
    needed = len(proposal.legs)
    if recent + needed <= config.max_orders:
        return Cap(proposal.quantity, "", RULE)
    reason = (
        f"order rate: {recent} orders in the last {config.per_secs:g} s and {needed} more "
        f"would pass the limit of {config.max_orders}"
    )
    return Cap(0, reason, RULE)
