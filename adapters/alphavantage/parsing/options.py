"""Option chains (HISTORICAL_OPTIONS, REALTIME_OPTIONS) to contracts, quotes and greeks.

The catalog shape is the file ingest's: an ``OptionContract`` per compact OCC symbol on venue
``US`` (:func:`tradefly.instruments.make_option_contract`), a ``QuoteTick`` and an
``OptionGreeks`` per contract and session, stamped at the session close (end-of-day data) or
at the receive time (real-time polls).

Vendor units, passed through unchanged: IV as a decimal (0.2165 = 21.65 %), delta and gamma
per share, vega per 1 vol point, theta per calendar day, prices in dollars per share.
"""

import datetime as dt
from dataclasses import dataclass, field

from nautilus_trader.model.data import OptionGreeks, QuoteTick
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.instruments import OptionContract
from nautilus_trader.model.objects import Price, Quantity

from adapters.alphavantage.constants import DEFAULT_QUOTE_SIZE, MISSING_VALUES
from adapters.alphavantage.errors import AlphaVantageParseError
from adapters.alphavantage.parsing.values import Rejection, clean_ticker, close_ns, parse_date
from adapters.alphavantage.schemas.options import OptionRow, OptionsResponse
from tradefly.instruments import OPTION_PRICE_PRECISION, make_option_contract
from tradefly.occ import parse_occ

_PRECISION = OPTION_PRICE_PRECISION
_STRIKE_TOLERANCE = 1e-6
_KINDS = {"call": OptionKind.CALL, "put": OptionKind.PUT}


@dataclass(slots=True)
class OptionChain:
    """Nautilus objects parsed from one options reply.

    Parameters
    ----------
    instruments : list[OptionContract]
        Contracts first seen in this reply (contracts already in the cache are not repeated).
    quotes : list[QuoteTick]
        One per contract with a positive ask and ``bid <= ask`` (bid 0 means no bid).
    greeks : list[OptionGreeks]
        One per contract with IV, delta, gamma, theta and vega present; as in the file
        ingest, the one vendor IV is the mark, bid and ask IV and a missing rho is 0.0.
    rejected : list[Rejection]
        Malformed rows, none of whose objects were kept.
    unquoted : int
        Valid rows without an ask (no quote emitted).
    rows : int
        Rows in the reply.

    """

    instruments: list[OptionContract] = field(default_factory=list)
    quotes: list[QuoteTick] = field(default_factory=list)
    greeks: list[OptionGreeks] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    unquoted: int = 0
    rows: int = 0


class ContractCache:
    """Contracts built so far, by vendor contract ID, so a long ingest builds each once.

    Parameters
    ----------
    max_size : int, default 500_000
        Entries kept; the cache is cleared when full.

    """

    def __init__(self, max_size: int = 500_000) -> None:
        self._max_size = max_size
        self._entries: dict[str, tuple[OptionContract, tuple[str, str, str, str]]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, row: OptionRow) -> tuple[OptionContract, bool]:
        """Return the contract of `row` and whether it was built now.

        Raises
        ------
        AlphaVantageParseError
            If the contract ID is not OCC or disagrees with the row's terms.

        """
        terms = (row.symbol, row.expiration, row.type, row.strike)
        entry = self._entries.get(row.contractID)
        if entry is not None:
            if entry[1] != terms:
                raise AlphaVantageParseError(
                    f"contract terms {terms} disagreed with earlier rows {entry[1]}"
                )
            return entry[0], False
        contract = _build_contract(row)
        if len(self._entries) >= self._max_size:
            self._entries.clear()
        self._entries[row.contractID] = (contract, terms)
        return contract, True


def parse_options(
    response: OptionsResponse,
    *,
    session: dt.date | None = None,
    ts_init: int | None = None,
    cache: ContractCache | None = None,
    underlying_price: float | None = None,
) -> OptionChain:
    """Parse an options reply into contracts, quotes and greeks.

    A row is rejected whole (none of its objects kept) when its contract ID is not OCC or
    disagrees with its terms, it repeats a contract, its date is not the session requested
    or precedes the expiration, a number is malformed or not finite, a price is negative,
    bid > ask, or a size is fractional.

    Parameters
    ----------
    response : OptionsResponse
        The decoded HISTORICAL_OPTIONS or REALTIME_OPTIONS reply.
    session : datetime.date, optional
        The session requested; rows dated otherwise are rejected (the vendor can answer a
        date it has no chain for with another session's chain).
    ts_init : int, optional
        UNIX ns to stamp every object with (a real-time poll's receive time). If ``None``,
        each row is stamped at the NYSE close of its ``date``.
    cache : ContractCache, optional
        Contracts already built; new ones are added. A fresh cache if ``None``.
    underlying_price : float, optional
        The underlying's price for the greeks records (dollars per share; the session's close
        for history). The vendor's rows carry none.

    Returns
    -------
    OptionChain

    """
    parser = _ChainParser(session, ts_init, underlying_price)
    chain = OptionChain(rows=len(response.data))
    cache = cache if cache is not None else ContractCache()
    seen: set[str] = set()
    for row in response.data:
        try:
            if row.contractID in seen:
                raise AlphaVantageParseError("contract appeared twice in the chain")
            seen.add(row.contractID)
            ts = parser.stamp(row)
            contract, new = cache.get(row)
            quote = parser.quote(row, contract, ts)
            greeks = parser.greeks(row, contract, ts)
        except (AlphaVantageParseError, ValueError, TypeError) as exc:
            chain.rejected.append(Rejection(row.contractID, str(exc)))
            continue
        if new:
            chain.instruments.append(contract)
        if quote is None:
            chain.unquoted += 1
        else:
            chain.quotes.append(quote)
        if greeks is not None:
            chain.greeks.append(greeks)
    return chain


def _build_contract(row: OptionRow) -> OptionContract:
    occ = parse_occ(row.contractID)
    kind = _KINDS.get(row.type.strip().lower())
    if kind is None:
        raise AlphaVantageParseError(f"option type was {row.type!r}, not call or put")
    expiration = parse_date(row.expiration, "expiration")
    strike = _number(row.strike, "strike")
    if strike is None or strike <= 0:
        raise AlphaVantageParseError(f"strike was {row.strike!r}")
    if (
        occ.kind != kind
        or occ.expiration != expiration
        or abs(float(occ.strike) - strike) > _STRIKE_TOLERANCE
    ):
        raise AlphaVantageParseError(
            f"contract ID {row.contractID!r} disagreed with expiration {row.expiration!r}, "
            f"type {row.type!r} or strike {row.strike!r}"
        )
    underlying = clean_ticker(row.symbol) if row.symbol.strip() else occ.root
    return make_option_contract(occ, underlying=underlying)


class _ChainParser:
    """Row checks and object building for one reply, memoising repeated vendor strings.

    A chain repeats few distinct dates, prices and sizes across thousands of rows, so the
    validated ``Price``/``Quantity`` objects (immutable) and instants are cached by text.
    """

    def __init__(
        self, session: dt.date | None, ts_init: int | None, underlying_price: float | None
    ) -> None:
        self._session = session
        self._ts_init = ts_init
        self._underlying_price = underlying_price
        self._dates: dict[str, dt.date] = {}
        self._prices: dict[str, tuple[float, Price]] = {}
        self._sizes: dict[str | None, Quantity] = {}

    def stamp(self, row: OptionRow) -> int:
        day = self._date(row.date, "date")
        if self._session is not None and day != self._session:
            raise AlphaVantageParseError(
                f"row date was {day}, not the session requested {self._session}"
            )
        if self._date(row.expiration, "expiration") < day:
            raise AlphaVantageParseError(f"expiration {row.expiration} was before the date {day}")
        return self._ts_init if self._ts_init is not None else close_ns(day)

    def quote(self, row: OptionRow, contract: OptionContract, ts: int) -> QuoteTick | None:
        bid = self._price(row.bid, "bid")
        ask = self._price(row.ask, "ask")
        if ask is None or ask[0] == 0:
            return None
        if bid is None:
            bid = self._price("0", "bid")
            assert bid is not None
        if bid[0] > ask[0]:
            raise AlphaVantageParseError(f"quote was crossed: bid {row.bid!r} > ask {row.ask!r}")
        return QuoteTick(
            contract.id,
            bid[1],
            ask[1],
            self._size(row.bid_size),
            self._size(row.ask_size),
            ts,
            ts,
        )

    def greeks(self, row: OptionRow, contract: OptionContract, ts: int) -> OptionGreeks | None:
        iv = _number(row.implied_volatility, "implied_volatility")
        delta = _number(row.delta, "delta")
        gamma = _number(row.gamma, "gamma")
        theta = _number(row.theta, "theta")
        vega = _number(row.vega, "vega")
        if iv is None or delta is None or gamma is None or theta is None or vega is None:
            return None
        if iv < 0:
            raise AlphaVantageParseError(
                f"implied volatility was negative: {row.implied_volatility!r}"
            )
        rho = _number(row.rho, "rho")
        return OptionGreeks(
            contract.id,
            delta,
            gamma,
            vega,
            theta,
            0.0 if rho is None else rho,
            iv,
            iv,
            iv,
            self._underlying_price,
            _number(row.open_interest, "open_interest"),
            ts,
            ts,
        )

    def _date(self, text: str | None, name: str) -> dt.date:
        day = self._dates.get(text) if text is not None else None
        if day is None:
            day = parse_date(text, name)
            if text is not None:
                self._dates[text] = day
        return day

    def _price(self, text: str | None, name: str) -> tuple[float, Price] | None:
        if text is None:
            return None
        cached = self._prices.get(text)
        if cached is not None:
            return cached
        value = _number(text, name)
        if value is None:
            return None
        if value < 0:
            raise AlphaVantageParseError(f"{name} was negative: {text!r}")
        cached = (value, Price(value, _PRECISION))
        self._prices[text] = cached
        return cached

    def _size(self, text: str | None) -> Quantity:
        cached = self._sizes.get(text)
        if cached is not None:
            return cached
        size = _number(text, "size")
        if size is None or size <= 0:
            size = DEFAULT_QUOTE_SIZE
        elif size != int(size):
            raise AlphaVantageParseError(f"size was not whole: {text!r}")
        quantity = Quantity(int(size), 0)
        self._sizes[text] = quantity
        return quantity


def _number(value: str | None, name: str) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        if value.strip() in MISSING_VALUES:
            return None
        raise AlphaVantageParseError(f"{name} was not a number: {value!r}") from None
    if number - number != 0.0:  # inf or nan
        raise AlphaVantageParseError(f"{name} was not finite: {value!r}")
    return number
