"""Data-quality breakers: an entry waits while the data it would trade on looks wrong.

Checked per leg: a quote exists, is not older than `max_quote_age_secs`, has a positive bid
(no zero bid) and is not crossed (bid above ask); greeks are known (when required). For the
proposal: the underlying price the chain was quoted against agrees with the underlying's own
latest price within `max_underlying_mismatch`. A break blocks the entry (it waits for the
next decision) and the reason is recorded with the blocked entry.
"""

from __future__ import annotations

import msgspec

from risk.proposal import Book, EntryProposal
from risk.rules import Cap

RULE = "data_quality"
NS_PER_SECOND = 1_000_000_000


class DataQualityConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Configuration of :func:`check_data_quality`.

    Parameters
    ----------
    max_quote_age_secs : float, default 60
        A leg's quote older than this (seconds before the decision) is stale; > 0.
    require_greeks : bool, default True
        Every option leg must carry delta, gamma, vega and theta.
    max_underlying_mismatch : float, default 0.005
        Largest relative difference between the chain's underlying price and the
        underlying's own price (0.005 = 0.5%); > 0.

    """

    max_quote_age_secs: float = 60.0
    require_greeks: bool = True
    max_underlying_mismatch: float = 0.005

    def __post_init__(self) -> None:
        if not self.max_quote_age_secs > 0:
            raise ValueError(
                f"data_quality.max_quote_age_secs was {self.max_quote_age_secs!r}, not > 0"
            )
        if not self.max_underlying_mismatch > 0:
            raise ValueError(
                f"data_quality.max_underlying_mismatch was {self.max_underlying_mismatch!r}, "
                "not > 0"
            )


def data_quality_breaks(
    config: DataQualityConfig, proposal: EntryProposal, book: Book
) -> list[str]:
    """Return every data-quality break of `proposal` (empty when its data looks sound)."""
    breaks = []
    max_age_ns = int(config.max_quote_age_secs * NS_PER_SECOND)
    for leg in proposal.legs:
        name = leg.instrument_id
        if leg.bid is None or leg.ask is None or leg.quote_ns is None:
            breaks.append(f"{name} has no quote")
            continue
        age_ns = proposal.ts_ns - leg.quote_ns
        if age_ns > max_age_ns:
            breaks.append(f"{name} quote is stale ({age_ns / NS_PER_SECOND:,.0f} s old)")
        if leg.bid <= 0:
            breaks.append(f"{name} has a zero bid")
        if leg.bid > leg.ask:
            breaks.append(f"{name} quote is crossed (bid {leg.bid:g} > ask {leg.ask:g})")
        if config.require_greeks and leg.kind != "equity" and not leg.has_greeks:
            breaks.append(f"{name} has no greeks")
    chain = proposal.chain_underlying_price
    own = book.underlying_prices.get(proposal.underlying)
    if chain is not None and own is not None and own > 0:
        gap = abs(chain - own) / own
        if gap > config.max_underlying_mismatch:
            breaks.append(
                f"the chain's {proposal.underlying} price {chain:,.2f} differs from its own "
                f"{own:,.2f} by {gap:.2%}"
            )
    return breaks


def check_data_quality(config: DataQualityConfig, proposal: EntryProposal, book: Book) -> Cap:
    """Return the whole quantity when the data is sound, else 0 with every break."""
    breaks = data_quality_breaks(config, proposal, book)
    if not breaks:
        return Cap(proposal.quantity, "", RULE)
    return Cap(0, "data quality: entry waits: " + "; ".join(breaks), RULE)
