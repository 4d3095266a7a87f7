"""What a strategy proposes to enter, and the book the pre-trade checks see it against.

Plain immutable records with no Nautilus types, so every pre-trade check is a pure function
of a proposal, a book and the time. :func:`risk.gate.check_entry` builds the book from the
Nautilus cache; tests build it by hand.

Units: prices in dollars per share; greeks per share of one contract as quoted (delta per
share, gamma per share per dollar, vega per vol point, theta per calendar day); a leg's
`ratio` in contracts per unit of the structure (negative for a short leg); quantities in
units of the structure (one unit of a credit spread is one short and one long contract).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

OPTION_KINDS = ("put", "call")


@dataclass(frozen=True, slots=True)
class ProposedLeg:
    """One leg of a proposed entry.

    Parameters
    ----------
    instrument_id : str
        The leg's instrument, e.g. ``SPY210219P00370000.US``.
    ratio : int
        Contracts (or shares) per unit of the structure: ``-1`` sells one, ``+1`` buys one.
    kind : str
        ``put``, ``call`` or ``equity``.
    strike : float | None
        Dollars per share (options).
    expiration_ns : int | None
        Expiry instant, UNIX ns (options).
    multiplier : float, default 100
        Shares per contract (1 for shares).
    bid, ask : float | None
        The quote the entry would trade on, dollars per share; ``None`` when unquoted.
    quote_ns : int | None
        When that quote was stamped (UNIX ns).
    iv : float | None
        Implied vol, decimal per year (vendor or solved from the mid); ``None`` when unknown.
    delta, gamma, vega, theta : float | None
        Greeks per share (see the module docstring); ``None`` when unknown.

    """

    instrument_id: str
    ratio: int
    kind: str
    strike: float | None = None
    expiration_ns: int | None = None
    multiplier: float = 100.0
    bid: float | None = None
    ask: float | None = None
    quote_ns: int | None = None
    iv: float | None = None
    delta: float | None = None
    gamma: float | None = None
    vega: float | None = None
    theta: float | None = None

    @property
    def has_greeks(self) -> bool:
        """Whether delta, gamma, vega and theta are all known."""
        return None not in (self.delta, self.gamma, self.vega, self.theta)

    @property
    def natural(self) -> float | None:
        """Price the leg trades at, dollars per share: the bid to sell, the ask to buy."""
        return self.bid if self.ratio < 0 else self.ask


@dataclass(frozen=True, slots=True)
class ClosingLeg:
    """A position an entry closes in the same instant: a leg of the structure a roll replaces.

    Parameters
    ----------
    instrument_id : str
        The leg's instrument, e.g. ``SPY210319P00390000.US``.
    contracts : float
        Signed contracts held that the roll closes (negative for a short leg bought back).
    price : float | None
        Natural price to close, dollars per share: the ask to buy back a short, the bid to
        sell a long; ``None`` when unquoted.
    multiplier : float, default 100
        Shares per contract.

    """

    instrument_id: str
    contracts: float
    price: float | None
    multiplier: float = 100.0


@dataclass(frozen=True, slots=True)
class EntryProposal:
    """An entry a strategy wants to make, asked of :func:`risk.gate.check_entry`.

    Parameters
    ----------
    ts_ns : int
        The strategy's clock, UNIX ns (the time the checks run at).
    strategy_id : str
        Who proposes.
    underlying : str
        Underlying ticker, e.g. ``SPY``.
    structure : str
        Structure name, e.g. ``short_put``, ``put_credit_spread``.
    quantity : int
        Units wanted (after the strategy's own sizing); >= 1.
    max_loss_per_unit : float
        Worst-case loss of one unit, USD (a credit spread: ``(width - credit) × 100``).
    legs : tuple[ProposedLeg, ...]
        The legs.
    underlying_price : float | None
        The underlying's price the strategy decided on, dollars per share.
    chain_underlying_price : float | None
        The underlying price the option chain was quoted against (the vendor's), when known.
    closes : tuple[ClosingLeg, ...]
        A roll: the legs of the open structure this entry replaces, closed in the same
        instant. The checks then see the book without them (:meth:`Book.after_closing`): the
        replaced structure's admitted entry no longer counts as open, its positions leave
        the greeks and the stress grid, and the cash pays the natural price to close them.

    Raises
    ------
    ValueError
        If `quantity` < 1, `max_loss_per_unit` is not positive or there is no leg.

    """

    ts_ns: int
    strategy_id: str
    underlying: str
    structure: str
    quantity: int
    max_loss_per_unit: float
    legs: tuple[ProposedLeg, ...]
    underlying_price: float | None = None
    chain_underlying_price: float | None = None
    closes: tuple[ClosingLeg, ...] = ()

    def __post_init__(self) -> None:
        if self.quantity < 1:
            raise ValueError(f"proposal quantity was {self.quantity!r}, not >= 1")
        if not self.max_loss_per_unit > 0:
            raise ValueError(f"proposal max_loss_per_unit was {self.max_loss_per_unit!r}, not > 0")
        if not self.legs:
            raise ValueError("a proposal needs at least one leg")

    @property
    def premium_per_unit(self) -> float | None:
        """Absolute net premium of one unit at the natural price, USD (``None`` if unquoted)."""
        total = 0.0
        for leg in self.legs:
            price = leg.natural
            if price is None:
                return None
            total += -leg.ratio * price * leg.multiplier
        return abs(total)


@dataclass(frozen=True, slots=True)
class OpenEntry:
    """An entry the gate admitted, counted as open while it holds a position.

    Parameters
    ----------
    ts_ns : int
        When it was admitted, UNIX ns.
    strategy_id, underlying, structure : str
        As in the proposal.
    quantity : int
        Units admitted.
    max_loss : float
        Worst-case loss of the whole entry, USD.
    instruments : tuple[str, ...]
        Its legs' instruments.

    """

    ts_ns: int
    strategy_id: str
    underlying: str
    structure: str
    quantity: int
    max_loss: float
    instruments: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BookPosition:
    """An open position of the account.

    Parameters
    ----------
    instrument_id : str
        The instrument.
    underlying : str
        Underlying ticker (the ticker itself for shares).
    kind : str
        ``put``, ``call`` or ``equity``.
    quantity : float
        Signed contracts or shares (negative when short).
    multiplier : float
        Shares per contract (1 for shares).
    mark : float | None
        Mid of the latest quote (else the latest close), dollars per share.
    strike : float | None
        Dollars per share (options).
    expiration_ns : int | None
        Expiry, UNIX ns (options).

    """

    instrument_id: str
    underlying: str
    kind: str
    quantity: float
    multiplier: float
    mark: float | None
    strike: float | None = None
    expiration_ns: int | None = None


@dataclass(frozen=True, slots=True)
class Book:
    """The account as the pre-trade checks see it.

    Parameters
    ----------
    equity : float
        Cash plus positions at their marks, USD.
    cash : float
        USD.
    positions : tuple[BookPosition, ...]
        Open positions.
    entries : tuple[OpenEntry, ...]
        Admitted entries still open.
    underlying_prices : dict[str, float]
        Each underlying's own latest price (quote mid, else close), dollars per share.
    order_times_ns : tuple[int, ...]
        When each order of the node was created, UNIX ns.

    """

    equity: float
    cash: float
    positions: tuple[BookPosition, ...] = ()
    entries: tuple[OpenEntry, ...] = ()
    underlying_prices: dict[str, float] = field(default_factory=dict)
    order_times_ns: tuple[int, ...] = ()

    def after_closing(self, proposal: EntryProposal) -> Book:
        """Return the book once the legs `proposal` closes (a roll's old structure) are closed.

        Each closed position's signed contracts leave it (the position goes when none is
        left), the cash moves by ``contracts × price × multiplier`` (a short bought back at
        the ask costs cash) and the equity by that less the position's marked value; the
        first admitted entry of the proposing strategy holding exactly the closed instruments
        no longer counts as open. The book itself when the proposal closes nothing.

        Parameters
        ----------
        proposal : EntryProposal
            The entry, with its ``closes``.

        Returns
        -------
        Book
            A new book; ``order_times_ns`` and ``underlying_prices`` unchanged.

        """
        if not proposal.closes:
            return self
        closing = {leg.instrument_id: leg for leg in proposal.closes}
        cash, equity = self.cash, self.equity
        positions = []
        for position in self.positions:
            leg = closing.get(position.instrument_id)
            if leg is None:
                positions.append(position)
                continue
            if leg.price is not None:
                cash += leg.contracts * leg.price * leg.multiplier
                equity += leg.contracts * leg.price * leg.multiplier
            if position.mark is not None:
                equity -= leg.contracts * position.multiplier * position.mark
            left = position.quantity - leg.contracts
            if left != 0:
                positions.append(dataclasses.replace(position, quantity=left))
        entries = list(self.entries)
        replaced = next(
            (
                i
                for i, entry in enumerate(entries)
                if entry.strategy_id == proposal.strategy_id
                and set(entry.instruments) == set(closing)
            ),
            None,
        )
        if replaced is not None:
            del entries[replaced]
        return dataclasses.replace(
            self, equity=equity, cash=cash, positions=tuple(positions), entries=tuple(entries)
        )
