"""Entry sizing on current equity: risk per trade, caps, concurrent trades, cash buffer.

Every limit is measured against current equity (cash plus positions at their marks), so
gains compound and losses shrink the size. The risk of an entry is its worst-case loss
(``max_loss_per_unit × quantity``); the open risk of the book is the sum of the worst-case
losses of the admitted entries still open.
"""

from __future__ import annotations

import math

import msgspec

from risk.proposal import Book, EntryProposal
from risk.rules import Cap

RULE = "sizing"


def _fraction(name: str, value: float | None) -> None:
    if value is not None and not 0.0 < value <= 1.0:
        raise ValueError(f"sizing.{name} was {value!r}, not in (0, 1]")


def _count(name: str, value: int | None) -> None:
    if value is not None and value < 1:
        raise ValueError(f"sizing.{name} was {value!r}, not >= 1")


class EntrySizingConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Configuration of :func:`check_sizing`; a limit left ``None`` is off.

    Parameters
    ----------
    risk_per_trade : float | None
        Worst-case loss of one entry at most this fraction of equity (0.02 = 2%).
    max_concurrent_trades : int | None
        Open entries across the account, the new one included (a roll's replaced entry is
        not open: :meth:`risk.proposal.Book.after_closing`).
    max_trades_per_underlying : int | None
        Open entries on one underlying, the new one included.
    max_trades_per_structure : int | None
        Open entries of one structure name, the new one included.
    max_underlying_risk : float | None
        Open worst-case loss on one underlying, the new entry included, at most this fraction
        of equity (a concentration limit).
    max_structure_risk : float | None
        The same per structure name.
    cash_buffer : float | None
        Cash left after setting aside the worst-case loss of every open entry and the new one
        must stay at least this fraction of equity.
    min_notional : float | None
        USD; an entry whose net premium at the natural price (``|credit or debit| × 100 ×
        quantity``) is below this is skipped, also after another limit shrank it.

    """

    risk_per_trade: float | None = None
    max_concurrent_trades: int | None = None
    max_trades_per_underlying: int | None = None
    max_trades_per_structure: int | None = None
    max_underlying_risk: float | None = None
    max_structure_risk: float | None = None
    cash_buffer: float | None = None
    min_notional: float | None = None

    def __post_init__(self) -> None:
        _fraction("risk_per_trade", self.risk_per_trade)
        _fraction("max_underlying_risk", self.max_underlying_risk)
        _fraction("max_structure_risk", self.max_structure_risk)
        if self.cash_buffer is not None and not 0.0 <= self.cash_buffer < 1.0:
            raise ValueError(f"sizing.cash_buffer was {self.cash_buffer!r}, not in [0, 1)")
        _count("max_concurrent_trades", self.max_concurrent_trades)
        _count("max_trades_per_underlying", self.max_trades_per_underlying)
        _count("max_trades_per_structure", self.max_trades_per_structure)
        if self.min_notional is not None and self.min_notional < 0:
            raise ValueError(f"sizing.min_notional was {self.min_notional!r}, not >= 0")


def _units(budget: float, per_unit: float) -> int:
    # 1e-9: a budget of exactly n units must give n despite binary floating point
    return max(math.floor(budget / per_unit + 1e-9), 0)


def check_sizing(config: EntrySizingConfig, proposal: EntryProposal, book: Book) -> Cap:
    """Return how many units the sizing limits allow of `proposal` on `book`.

    Parameters
    ----------
    config : EntrySizingConfig
        The limits.
    proposal : EntryProposal
        The entry, `quantity` units wanted.
    book : Book
        Equity, cash and the admitted entries still open.

    Returns
    -------
    Cap
        The smallest allowance of every limit, with the reasons of those that limit.

    """
    wanted = proposal.quantity
    loss = proposal.max_loss_per_unit
    equity = book.equity
    caps: list[tuple[int, str]] = []
    if config.risk_per_trade is not None:
        budget = equity * config.risk_per_trade
        caps.append(
            (
                _units(budget, loss),
                f"risk per trade {config.risk_per_trade:.2%} of equity {equity:,.2f} is "
                f"{budget:,.2f}; one unit risks {loss:,.2f}",
            )
        )
    counts = (
        (config.max_concurrent_trades, book.entries, "open trades"),
        (
            config.max_trades_per_underlying,
            [e for e in book.entries if e.underlying == proposal.underlying],
            f"open trades on {proposal.underlying}",
        ),
        (
            config.max_trades_per_structure,
            [e for e in book.entries if e.structure == proposal.structure],
            f"open {proposal.structure} trades",
        ),
    )
    for limit, entries, what in counts:
        if limit is not None and len(entries) >= limit:
            caps.append((0, f"{len(entries)} {what}, the limit is {limit}"))
    risks = (
        (
            config.max_underlying_risk,
            [e for e in book.entries if e.underlying == proposal.underlying],
            proposal.underlying,
        ),
        (
            config.max_structure_risk,
            [e for e in book.entries if e.structure == proposal.structure],
            proposal.structure,
        ),
    )
    for fraction, entries, what in risks:
        if fraction is None:
            continue
        open_risk = sum(e.max_loss for e in entries)
        room = equity * fraction - open_risk
        caps.append(
            (
                _units(room, loss),
                f"open risk on {what} {open_risk:,.2f} of a cap of {fraction:.2%} of equity "
                f"({equity * fraction:,.2f}); one unit risks {loss:,.2f}",
            )
        )
    if config.cash_buffer is not None:
        committed = sum(e.max_loss for e in book.entries)
        room = book.cash - committed - equity * config.cash_buffer
        caps.append(
            (
                _units(room, loss),
                f"cash {book.cash:,.2f} less open risk {committed:,.2f} must keep a buffer of "
                f"{config.cash_buffer:.2%} of equity; one unit risks {loss:,.2f}",
            )
        )
    allowed = wanted
    reasons = []
    for cap, reason in caps:
        if cap < wanted:
            reasons.append(reason)
        allowed = min(allowed, cap)
    premium = proposal.premium_per_unit
    minimum = config.min_notional
    if minimum is not None and allowed > 0 and premium is not None and premium * allowed < minimum:
        reasons.append(
            f"premium {premium * allowed:,.2f} for {allowed} unit(s) is below the minimum "
            f"notional {minimum:,.2f}"
        )
        allowed = 0
    return Cap(allowed, "sizing: " + "; ".join(reasons) if reasons else "", RULE)
