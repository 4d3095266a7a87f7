"""A one-session view of an option chain: the contracts quoted at one close, with greeks."""

import datetime as dt
from dataclasses import dataclass

from nautilus_trader.model.data import QuoteTick
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.identifiers import InstrumentId


@dataclass(frozen=True, slots=True)
class ChainQuote:
    """One option contract as quoted at a session close.

    Parameters
    ----------
    instrument_id : InstrumentId
        The option's instrument ID (compact OCC symbol).
    kind : OptionKind
        ``CALL`` or ``PUT``.
    strike : float
        Strike, dollars per share.
    expiration : datetime.date
        Expiration date.
    dte : int
        Calendar days from the session date to expiration.
    bid, ask : float
        Quote, dollars per share.
    bid_size, ask_size : float
        Quoted sizes, contracts.
    delta : float | None
        Delta per share (vendor, or computed), ``None`` when unknown.
    open_interest : float | None
        The vendor's open interest of this session, contracts; ``None`` when unknown.
    volume : float | None
        Contracts traded in this session as the vendor reports them
        (:class:`options.option_volume.OptionVolume`); ``None`` when unknown.

    """

    instrument_id: InstrumentId
    kind: OptionKind
    strike: float
    expiration: dt.date
    dte: int
    bid: float
    ask: float
    bid_size: float
    ask_size: float
    delta: float | None
    open_interest: float | None = None
    volume: float | None = None

    @classmethod
    def from_tick(
        cls,
        contract: tuple[OptionKind, float, dt.date],
        session: dt.date,
        tick: QuoteTick,
        delta: float | None = None,
        open_interest: float | None = None,
        volume: float | None = None,
    ) -> "ChainQuote":
        """Return the contract `(kind, strike, expiration)` as `tick` quotes it on `session`."""
        kind, strike, expiration = contract
        return cls(
            instrument_id=tick.instrument_id,
            kind=kind,
            strike=strike,
            expiration=expiration,
            dte=(expiration - session).days,
            bid=tick.bid_price.as_double(),
            ask=tick.ask_price.as_double(),
            bid_size=tick.bid_size.as_double(),
            ask_size=tick.ask_size.as_double(),
            delta=delta,
            open_interest=open_interest,
            volume=volume,
        )

    @property
    def mid(self) -> float:
        """Return the mid price, dollars per share."""
        return (self.bid + self.ask) / 2.0


@dataclass(frozen=True, slots=True)
class ChainSnapshot:
    """The chain of one underlying at one session close.

    Parameters
    ----------
    session : datetime.date
        The session date.
    spot : float
        The underlying's close, dollars per share.
    quotes : tuple[ChainQuote, ...]
        Every standard contract quoted at this close.
    nonstandard : int, default 0
        Contracts quoted at this close but left out of `quotes` because they do not deliver
        100 shares of the underlying with multiplier 100
        (:func:`options.deliverables.is_standard_contract`).

    """

    session: dt.date
    spot: float
    quotes: tuple[ChainQuote, ...]
    nonstandard: int = 0

    def get(self, instrument_id: InstrumentId) -> ChainQuote | None:
        """Return the quote of `instrument_id` at this close, or ``None`` when unquoted."""
        for quote in self.quotes:
            if quote.instrument_id == instrument_id:
                return quote
        return None
