"""What a strategy tells the trade journal about an entry: a message and an order-tag convention.

A strategy publishes one :class:`EntryContext` on :data:`JOURNAL_ENTRY_TOPIC` (Nautilus message
bus) when it sends the opening orders of a structure, and tags every order of the structure
(opening and closing) with :func:`structure_tag` besides its ``entry`` or exit-reason tag. The
journal (:mod:`actors.journal`) learns everything else from events and the cache: fills,
positions, P&L and exits. Any strategy (``StructureEngine`` and others)
follows this convention; a strategy that publishes nothing is simply not journalled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

JOURNAL_ENTRY_TOPIC = "tradefly.journal.entry"
"""Message bus topic of :class:`EntryContext` messages."""

STRUCTURE_TAG_PREFIX = "structure:"

SHARES_KIND = "shares"
"""The :attr:`LegContext.kind` of a leg in the underlying's shares (a covered call's)."""


def structure_tag(structure_id: str) -> str:
    """Return the order tag naming the structure an order opens or closes."""
    return f"{STRUCTURE_TAG_PREFIX}{structure_id}"


def structure_of(tags: Iterable[str] | None) -> str | None:
    """Return the structure id in an order's tags, or ``None`` when it has none."""
    for tag in tags or ():
        if tag.startswith(STRUCTURE_TAG_PREFIX):
            return tag[len(STRUCTURE_TAG_PREFIX) :]
    return None


@dataclass(frozen=True, slots=True)
class LegContext:
    """One leg of an entry as the market showed it when the strategy decided.

    Parameters
    ----------
    instrument_id : str
        The option (``SPY210219P00375000.US``), or the underlying for shares (``SPY.US``).
    side : str
        Opening side, ``BUY`` or ``SELL``.
    quantity : int
        Contracts; shares for a :data:`SHARES_KIND` leg.
    kind : str
        ``put``, ``call`` or ``shares`` (:data:`SHARES_KIND`: strike 0, expiration ``""``,
        bid and ask the underlying's price, delta 1 a share).
    strike : float
        Dollars per share.
    expiration : str
        ISO date.
    bid, ask : float
        Quote at the decision, dollars per share.
    open_interest : float | None
        Contracts (vendor), when known.
    iv : float | None
        Implied volatility (decimal) of the mid, from :func:`options.pricing.implied_vol`.
    vendor_iv : float | None
        The vendor's implied volatility (decimal), when the data has one.
    delta, gamma, vega, theta : float | None
        Per share; vega per volatility point, theta per calendar day (vendor greeks, else
        ``delta`` as the strategy computed it).

    """

    instrument_id: str
    side: str
    quantity: int
    kind: str
    strike: float
    expiration: str
    bid: float
    ask: float
    open_interest: float | None = None
    iv: float | None = None
    vendor_iv: float | None = None
    delta: float | None = None
    gamma: float | None = None
    vega: float | None = None
    theta: float | None = None

    @property
    def mid(self) -> float:
        """Mid price, dollars per share."""
        return (self.bid + self.ask) / 2.0


@dataclass(frozen=True, slots=True)
class EntryContext:
    """Why and how a strategy opened a structure, published when its entry orders go out.

    Parameters
    ----------
    ts_ns : int
        UNIX nanoseconds of the decision.
    strategy_id : str
        The strategy.
    structure_id : str
        The structure's id (the same as in the state store and in :func:`structure_tag`).
    underlying : str
        Ticker.
    structure : str
        What is opened: the preset's name in words (``short put``, ``bull put spread``).
    parameters : dict[str, Any]
        The strategy parameters that chose it (JSON values): schedule, DTE window, target
        delta, wing width, exit rules ...
    spot : float
        Underlying price at the decision, dollars per share.
    legs : tuple[LegContext, ...]
        The legs with their quotes and greeks.
    quantity : int
        Structures (contracts per leg ratio) sent.
    wanted_quantity : int
        Structures before the risk decision resized the entry.
    limit_price : float
        The net price the strategy asked, dollars per share, positive for a credit (for a
        market order: the natural price it expected, bids for sells and asks for buys).
    max_loss : float | None
        Worst-case loss of the whole entry, dollars; ``None`` when unbounded.
    equity : float
        Account equity at the decision (cash plus marked positions), dollars.
    risk_fraction : float | None
        ``max_loss / equity``.
    iv_rank : float | None
        IV rank (0-100) of the underlying's 30-day ATM IV over the last ``iv_window`` sessions
        (:class:`strategies.toolkit.iv_history.AtmIvHistory`: those the strategy has seen and
        those it was seeded with); ``None`` before ``iv_min_sessions`` sessions.
    iv_rank_note : str
        Why `iv_rank` is ``None`` (``unknown until 20 sessions (3 seen)``); ``""`` when known.
    risk_action, risk_factor, risk_reason : str, float, str
        The risk decision applied to the entry (``allow`` 1.0 "" when none).
    signal : str | None
        The signal behind the entry, when the strategy has one.
    confidence : float | None
        Its confidence in [0, 1].
    reason_tags : tuple[str, ...]
        Short tags saying why the strategy entered (``schedule:weekly``, ``target_delta``).
    rolled_from : str | None
        The structure this one replaced in a roll.
    roll_chain : str | None
        The id of the original structure of its roll chain (``None`` when not a roll).

    """

    ts_ns: int
    strategy_id: str
    structure_id: str
    underlying: str
    structure: str
    parameters: dict[str, Any]
    spot: float
    legs: tuple[LegContext, ...]
    quantity: int
    wanted_quantity: int
    limit_price: float
    max_loss: float | None
    equity: float
    risk_fraction: float | None
    iv_rank: float | None = None
    iv_rank_note: str = ""
    risk_action: str = "allow"
    risk_factor: float = 1.0
    risk_reason: str = ""
    signal: str | None = None
    confidence: float | None = None
    reason_tags: tuple[str, ...] = field(default=())
    rolled_from: str | None = None
    roll_chain: str | None = None
