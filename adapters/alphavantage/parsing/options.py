"""Option chains (HISTORICAL_OPTIONS, REALTIME_OPTIONS) to contracts, quotes and greeks.

The catalog shape is the file ingest's: an ``OptionContract`` per compact OCC symbol on venue
``US`` (:func:`options.instruments.make_option_contract`), a ``QuoteTick`` and an
``OptionGreeks`` per contract and session, stamped at the session close (end-of-day data) or
at the receive time (real-time polls). :func:`parse_option_columns` checks a reply column-wise
into :class:`catalog.nautilus_tables.OptionQuoteColumns` (the history ingest's path, written
without building a Python object per row); :func:`parse_options` gives the same rows as
Nautilus objects (the live client's path). Both apply one set of rules.

Vendor units, passed through unchanged: IV as a decimal (0.2165 = 21.65 %), delta and gamma
per share, vega per 1 vol point, theta per calendar day, prices in dollars per share.
"""

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from nautilus_trader.model.data import OptionGreeks, QuoteTick
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.instruments import OptionContract
from nautilus_trader.model.objects import PRICE_MAX, QUANTITY_MAX, Price, Quantity

from adapters.alphavantage.constants import DEFAULT_QUOTE_SIZE, MISSING_VALUES
from adapters.alphavantage.errors import AlphaVantageParseError
from adapters.alphavantage.parsing.values import Rejection, clean_ticker, close_ns, parse_date
from adapters.alphavantage.schemas.options import NUMERIC_FIELDS, OptionsReply
from catalog.nautilus_tables import OptionQuoteColumns
from options.instruments import OPTION_PRICE_PRECISION, make_option_contract
from options.occ import parse_occ

_STRIKE_TOLERANCE = 1e-6
_KINDS = {"call": OptionKind.CALL, "put": OptionKind.PUT}
_TEXT_FIELDS = ("contractID", "symbol", "expiration", "type", "date")
_GREEKS = ("implied_volatility", "delta", "gamma", "theta", "vega")
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass(slots=True)
class OptionChainColumns:
    """One options reply, checked, as catalog columns.

    Parameters
    ----------
    columns : OptionQuoteColumns
        The accepted rows (quotes where the ask is positive, greeks where IV and greeks are
        present).
    instruments : list[OptionContract]
        Contracts first seen in this reply (contracts already in the cache are not repeated).
    rejected : list[Rejection]
        Malformed rows, none of whose data were kept.
    unquoted : int
        Accepted rows without an ask (no quote).
    rows : int
        Rows in the reply.

    """

    columns: OptionQuoteColumns
    instruments: list[OptionContract]
    rejected: list[Rejection]
    unquoted: int
    rows: int


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


_Terms = tuple[str, str, str, float]


class ContractCache:
    """Contracts built so far, by vendor contract ID, so a long ingest builds each once.

    Parameters
    ----------
    max_size : int, default 500_000
        Entries kept; the cache is cleared when full.

    """

    def __init__(self, max_size: int = 500_000) -> None:
        self._max_size = max_size
        self._entries: dict[str, tuple[OptionContract, _Terms, str]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def resolve(self, contract_id: str, terms: _Terms) -> tuple[OptionContract, str, bool]:
        """Return the contract of a row, its instrument ID and whether it was built now.

        Parameters
        ----------
        contract_id : str
            The vendor's ``contractID`` (an OCC symbol).
        terms : tuple[str, str, str, float]
            The row's ``symbol``, ``expiration``, ``type`` and strike (NaN if missing).

        Raises
        ------
        AlphaVantageParseError
            If the contract ID is not OCC or disagrees with the row's terms or earlier rows'.

        """
        entry = self._entries.get(contract_id)
        if entry is not None:
            if entry[1] != terms:
                raise AlphaVantageParseError(
                    f"contract terms {terms} disagreed with earlier rows {entry[1]}"
                )
            return entry[0], entry[2], False
        contract = _build_contract(contract_id, terms)
        if len(self._entries) >= self._max_size:
            self._entries.clear()
        entry = self._entries[contract_id] = (contract, terms, contract.id.value)
        return contract, entry[2], True

    def forget(self, contract_id: str) -> None:
        """Drop the contract of `contract_id`, so it counts as new when next resolved."""
        self._entries.pop(contract_id, None)


def parse_option_columns(
    response: OptionsReply,
    *,
    session: dt.date | None = None,
    ts_init: int | None = None,
    cache: ContractCache | None = None,
    underlying_price: float | None = None,
) -> OptionChainColumns:
    """Check an options reply into catalog columns.

    A row is rejected whole (none of its data kept) when its contract ID is not OCC or
    disagrees with its terms, it repeats a contract, its date is not the session requested
    or follows the expiration, a number is malformed or not finite, a price is negative,
    bid > ask, or a size is fractional. A missing bid is 0; a missing or non-positive size is
    :data:`DEFAULT_QUOTE_SIZE`; ``"None"``, ``""`` and ``"-"`` mean missing.

    Parameters
    ----------
    response : OptionsReply
        The decoded HISTORICAL_OPTIONS or REALTIME_OPTIONS reply.
    session : datetime.date, optional
        The session requested; rows dated otherwise are rejected (the vendor can answer a
        date it has no chain for with another session's chain).
    ts_init : int, optional
        UNIX ns to stamp every row with (a real-time poll's receive time). If ``None``, each
        row is stamped at the NYSE close of its ``date``.
    cache : ContractCache, optional
        Contracts already built; new ones are added. A fresh cache if ``None``.
    underlying_price : float, optional
        The underlying's price for the greeks records (dollars per share; the session's close
        for history). The vendor's rows carry none.

    Returns
    -------
    OptionChainColumns

    """
    return _ChainCheck(
        response, session, ts_init, cache if cache is not None else ContractCache()
    ).columns(underlying_price)


def parse_options(
    response: OptionsReply,
    *,
    session: dt.date | None = None,
    ts_init: int | None = None,
    cache: ContractCache | None = None,
    underlying_price: float | None = None,
) -> OptionChain:
    """Parse an options reply into contracts, quotes and greeks.

    The same rows and rules as :func:`parse_option_columns`, as Nautilus objects.

    Parameters
    ----------
    response : OptionsReply
        The decoded HISTORICAL_OPTIONS or REALTIME_OPTIONS reply.
    session : datetime.date, optional
        The session requested; rows dated otherwise are rejected.
    ts_init : int, optional
        UNIX ns to stamp every object with; if ``None``, the NYSE close of each row's date.
    cache : ContractCache, optional
        Contracts already built; new ones are added. A fresh cache if ``None``.
    underlying_price : float, optional
        The underlying's price for the greeks records (dollars per share).

    Returns
    -------
    OptionChain

    """
    check = _ChainCheck(response, session, ts_init, cache if cache is not None else ContractCache())
    parsed = check.columns(underlying_price)
    c = parsed.columns
    prices: dict[float, Price] = {}
    sizes: dict[float, Quantity] = {}

    def price(value: float) -> Price:
        cached = prices.get(value)
        if cached is None:
            cached = prices[value] = Price(value, OPTION_PRICE_PRECISION)
        return cached

    def size(value: float) -> Quantity:
        cached = sizes.get(value)
        if cached is None:
            cached = sizes[value] = Quantity(int(value), 0)
        return cached

    chain = OptionChain(
        instruments=parsed.instruments,
        rejected=parsed.rejected,
        unquoted=parsed.unquoted,
        rows=parsed.rows,
    )
    for row, contract in enumerate(check.accepted_contracts()):
        ts = int(c.ts[row])
        if c.quoted[row]:
            chain.quotes.append(
                QuoteTick(
                    contract.id,
                    price(float(c.bid[row])),
                    price(float(c.ask[row])),
                    size(float(c.bid_size[row])),
                    size(float(c.ask_size[row])),
                    ts,
                    ts,
                )
            )
        if c.has_greeks[row]:
            iv = float(c.iv[row])
            chain.greeks.append(
                OptionGreeks(
                    contract.id,
                    float(c.delta[row]),
                    float(c.gamma[row]),
                    float(c.vega[row]),
                    float(c.theta[row]),
                    float(c.rho[row]),
                    iv,
                    iv,
                    iv,
                    underlying_price,
                    _optional(float(c.open_interest[row])),
                    ts,
                    ts,
                )
            )
    return chain


def _optional(value: float) -> float | None:
    return None if math.isnan(value) else value


def _build_contract(contract_id: str, terms: _Terms) -> OptionContract:
    symbol, expiration_text, kind_text, strike = terms
    occ = parse_occ(contract_id)
    kind = _KINDS.get(kind_text.strip().lower())
    if kind is None:
        raise AlphaVantageParseError(f"option type was {kind_text!r}, not call or put")
    expiration = parse_date(expiration_text, "expiration")
    if not strike > 0:
        raise AlphaVantageParseError(f"strike was {strike!r}")
    if (
        occ.kind != kind
        or occ.expiration != expiration
        or abs(float(occ.strike) - strike) > _STRIKE_TOLERANCE
    ):
        raise AlphaVantageParseError(
            f"contract ID {contract_id!r} disagreed with expiration {expiration_text!r}, "
            f"type {kind_text!r} or strike {strike!r}"
        )
    underlying = clean_ticker(symbol) if symbol.strip() else occ.root
    return make_option_contract(occ, underlying=underlying)


@dataclass(slots=True)
class _Numbers:
    values: Floats  # NaN where missing
    missing: Bools
    errors: dict[int, str]  # row -> why the value was refused


def _numbers(raw: Sequence[float | str | None], name: str) -> _Numbers:
    """Read one numeric field of every row; a refused value is named in ``errors``."""
    errors: dict[int, str] = {}
    try:
        array = pa.array(raw, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        values: list[float | None] = []
        for row, value in enumerate(raw):
            number = _text_number(value)
            if isinstance(number, str):
                errors[row] = f"{name} was not a number: {number!r}"
                number = None
            values.append(number)
        array = pa.array(values, pa.float64())
    missing = np.asarray(array.is_null())
    floats = np.asarray(array.fill_null(math.nan))
    for row in np.flatnonzero(~missing & ~np.isfinite(floats)).tolist():
        errors.setdefault(row, f"{name} was not finite: {raw[row]!r}")
    return _Numbers(floats, missing, errors)


def _text_number(value: float | str | None) -> float | str | None:
    """Return the number, ``None`` for a missing value, or the text if it is not a number."""
    if value is None or isinstance(value, float):
        return value
    try:
        return float(value)
    except ValueError:
        return None if value.strip() in MISSING_VALUES else value


class _ChainCheck:
    """The rules of :func:`parse_option_columns`, applied to one reply.

    Rejections are kept by row in rule order (the first broken rule names the row): repeated
    contract, date, contract terms, quote, greeks.
    """

    def __init__(
        self,
        response: OptionsReply,
        session: dt.date | None,
        ts_init: int | None,
        cache: ContractCache,
    ) -> None:
        rows = response.data
        self.rows = len(rows)
        self.reasons: dict[int, str] = {}
        self._accepted: list[int] = []
        self._cache = cache
        self._session = session
        self._ts_init = ts_init
        texts = list(zip(*map(attrgetter(*_TEXT_FIELDS), rows), strict=True)) or [()] * 5
        self._ids, self._symbols, self._expirations, self._types, self._dates = texts
        numbers = list(zip(*map(attrgetter(*NUMERIC_FIELDS), rows), strict=True))
        if not numbers:
            numbers = [()] * len(NUMERIC_FIELDS)
        self._n = {
            name: _numbers(raw, name) for name, raw in zip(NUMERIC_FIELDS, numbers, strict=True)
        }

    def columns(self, underlying_price: float | None) -> OptionChainColumns:
        if len(set(self._ids)) < self.rows:
            seen: set[str] = set()
            for row, contract_id in enumerate(self._ids):
                if contract_id in seen:
                    self.reasons[row] = "contract appeared twice in the chain"
                seen.add(contract_id)
        ts = self._stamps()
        built = self._contracts()
        quoted, bid, bid_size, ask_size = self._quotes()
        has_greeks, rho = self._greeks()

        keep = np.ones(self.rows, dtype=bool)
        keep[list(self.reasons)] = False
        instruments = []
        for row, contract in built:
            if keep[row]:
                instruments.append(contract)
            else:  # built again when a later row of it is accepted
                self._cache.forget(self._ids[row])
        accepted = np.flatnonzero(keep).tolist()
        ids = self._row_ids if self.rows == len(accepted) else [self._row_ids[r] for r in accepted]
        self._accepted = accepted
        n = self._n
        columns = OptionQuoteColumns(
            instrument_id=pa.array(ids, pa.string()),
            ts=ts[keep],
            bid=bid[keep],
            ask=n["ask"].values[keep],
            bid_size=bid_size[keep],
            ask_size=ask_size[keep],
            quoted=quoted[keep],
            iv=n["implied_volatility"].values[keep],
            delta=n["delta"].values[keep],
            gamma=n["gamma"].values[keep],
            theta=n["theta"].values[keep],
            vega=n["vega"].values[keep],
            rho=rho[keep],
            underlying_price=np.full(
                int(keep.sum()), math.nan if underlying_price is None else underlying_price
            ),
            open_interest=n["open_interest"].values[keep],
            has_greeks=has_greeks[keep],
        )
        rejected = [
            Rejection(self._ids[row], reason) for row, reason in sorted(self.reasons.items())
        ]
        return OptionChainColumns(
            columns=columns,
            instruments=instruments,
            rejected=rejected,
            unquoted=int((keep & ~quoted).sum()),
            rows=self.rows,
        )

    def accepted_contracts(self) -> list[OptionContract]:
        """Return the contract of each accepted row, in row order (after :meth:`columns`)."""
        return [c for c in map(self._row_contracts.__getitem__, self._accepted) if c is not None]

    def _reject(self, mask: Bools, reason: Callable[[int], str]) -> None:
        for row in np.flatnonzero(mask).tolist():
            if row not in self.reasons:
                self.reasons[row] = reason(row)

    def _reject_errors(self, errors: dict[int, str], where: Bools | None = None) -> None:
        for row, reason in errors.items():
            if row not in self.reasons and (where is None or where[row]):
                self.reasons[row] = reason

    def _stamps(self) -> npt.NDArray[np.uint64]:
        """Check dates against the session and expirations; return each row's stamp.

        A chain holds few distinct (date, expiration) pairs, so each pair is judged once.
        """
        days: dict[str | None, dt.date | str] = {}

        def day_of(text: str | None, name: str) -> dt.date | str:
            if text not in days:
                try:
                    days[text] = parse_date(text, name)
                except AlphaVantageParseError as exc:
                    days[text] = str(exc)
            return days[text]

        def judge(date_text: str | None, expiration_text: str) -> int | str:
            day = day_of(date_text, "date")
            expiration = day_of(expiration_text, "expiration")
            if isinstance(day, str):
                return day
            if self._session is not None and day != self._session:
                return f"row date was {day}, not the session requested {self._session}"
            if isinstance(expiration, str):
                return expiration
            if expiration < day:
                return f"expiration {expiration_text} was before the date {day}"
            if self._ts_init is not None:
                return self._ts_init
            try:
                return close_ns(day)
            except AlphaVantageParseError as exc:
                return str(exc)

        dates = dict.fromkeys(self._dates)
        if len(dates) == 1:  # the usual chain: one date, so judge each expiration once
            [date_text] = dates
            verdicts_1 = {e: judge(date_text, e) for e in dict.fromkeys(self._expirations)}
            stamp = next(iter(verdicts_1.values()))
            if isinstance(stamp, int) and all(v == stamp for v in verdicts_1.values()):
                return np.full(self.rows, stamp, dtype=np.uint64)
        pairs = list(zip(self._dates, self._expirations, strict=True))
        verdicts = {pair: judge(*pair) for pair in dict.fromkeys(pairs)}
        stamps = {pair: v if isinstance(v, int) else 0 for pair, v in verdicts.items()}
        ts = np.fromiter(map(stamps.__getitem__, pairs), dtype=np.uint64, count=len(pairs))
        bad = {pair for pair, verdict in verdicts.items() if isinstance(verdict, str)}
        if bad:
            for row, pair in enumerate(pairs):
                if pair in bad:
                    self.reasons.setdefault(row, str(verdicts[pair]))
        return ts

    def _contracts(self) -> list[tuple[int, OptionContract]]:
        """Resolve each row's contract; return the contracts built now, with their rows."""
        strikes = self._n["strike"]
        reasons = self.reasons
        built = []
        self._row_contracts: list[OptionContract | None] = []
        self._row_ids: list[str | None] = []
        resolve = self._cache.resolve
        terms_of_rows = zip(
            self._symbols, self._expirations, self._types, strikes.values.tolist(), strict=True
        )
        for row, (contract_id, terms) in enumerate(zip(self._ids, terms_of_rows, strict=True)):
            contract = instrument_id = None
            if row in reasons:
                pass
            elif row in strikes.errors:
                reasons[row] = strikes.errors[row]
            else:
                try:
                    contract, instrument_id, new = resolve(contract_id, terms)
                except (AlphaVantageParseError, ValueError) as exc:
                    reasons[row] = str(exc)
                else:
                    if new:
                        built.append((row, contract))
            self._row_contracts.append(contract)
            self._row_ids.append(instrument_id)
        return built

    def _quotes(self) -> tuple[Bools, Floats, Floats, Floats]:
        """Check bids, asks and sizes; return quoted, bid, bid size and ask size."""
        n = self._n
        bid, ask = n["bid"], n["ask"]
        self._reject_errors(bid.errors)
        self._reject_errors(ask.errors)
        self._reject(bid.values < 0, lambda row: f"bid was negative: {self._raw('bid', row)!r}")
        self._reject(ask.values < 0, lambda row: f"ask was negative: {self._raw('ask', row)!r}")
        for name in ("bid", "ask"):
            self._reject(n[name].values > PRICE_MAX, self._too_large(name))
        quoted = ~ask.missing & (ask.values > 0)
        bids = np.where(bid.missing, 0.0, bid.values)
        self._reject(
            quoted & (bids > ask.values),
            lambda row: (
                f"quote was crossed: bid {self._raw('bid', row)!r} > ask {self._raw('ask', row)!r}"
            ),
        )
        sizes = []
        for name in ("bid_size", "ask_size"):
            size = n[name]
            self._reject_errors(size.errors, quoted)
            values = np.where(size.missing | (size.values <= 0), DEFAULT_QUOTE_SIZE, size.values)
            self._reject(quoted & (values != np.floor(values)), self._not_whole(name))
            self._reject(quoted & (values > QUANTITY_MAX), self._too_large(name))
            sizes.append(values)
        return quoted, bids, sizes[0], sizes[1]

    def _greeks(self) -> tuple[Bools, Floats]:
        """Check IV and greeks; return whether each row has them, and rho (0 if missing)."""
        n = self._n
        for name in _GREEKS:
            self._reject_errors(n[name].errors)
        has_greeks = ~np.logical_or.reduce([n[name].missing for name in _GREEKS])
        self._reject(
            has_greeks & (n["implied_volatility"].values < 0),
            lambda row: (
                f"implied volatility was negative: {self._raw('implied_volatility', row)!r}"
            ),
        )
        self._reject_errors(n["rho"].errors, has_greeks)
        self._reject_errors(n["open_interest"].errors, has_greeks)
        rho = np.where(n["rho"].missing, 0.0, n["rho"].values)
        return has_greeks, rho

    def _too_large(self, name: str) -> Callable[[int], str]:
        return lambda row: f"{name} was beyond what Nautilus holds: {self._raw(name, row)!r}"

    def _not_whole(self, name: str) -> Callable[[int], str]:
        return lambda row: f"size was not whole: {self._raw(name, row)!r}"

    def _raw(self, name: str, row: int) -> float:
        return float(self._n[name].values[row])
