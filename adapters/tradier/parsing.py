"""Pure functions from Tradier schemas to Nautilus objects (and small typed records).

Nothing here performs I/O. Malformed rows are rejected and counted (:class:`Parsed`), never
half-converted. Timestamps are UNIX nanoseconds (UTC); vendor wall-clock times without an offset
(timesales ``time``, calendar ``HH:MM``, greeks ``updated_at``) are US/Eastern.

Conventions follow :mod:`options.instruments`: options are ``OptionContract``s with compact OCC
symbols on venue ``US``; underlyings are ``Equity``s; daily bars are stamped at the session close.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from nautilus_trader.model.currencies import USD
from nautilus_trader.model.data import Bar, BarType, OptionGreeks, QuoteTick, TradeTick
from nautilus_trader.model.enums import (
    AggressorSide,
    BarAggregation,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
)
from nautilus_trader.model.identifiers import InstrumentId, TradeId
from nautilus_trader.model.instruments import Instrument, OptionContract
from nautilus_trader.model.objects import AccountBalance, Money, Price, Quantity

from adapters import vendor_values
from adapters.tradier import schemas, validation
from adapters.tradier.errors import TradierParseError
from options.deliverables import Deliverable
from options.instruments import OPTION_MULTIPLIER, equity_id, make_option_contract, option_id
from options.market_calendar import NEW_YORK, expiration_close_ns, is_session, session_close_ns
from options.occ import OccSymbol, parse_occ

UTC: Final = dt.UTC
_NS: Final[int] = 1_000_000_000

# Roots whose underlying has another ticker (PM-settled weeklies and similar).
ROOT_UNDERLYINGS: Final[dict[str, str]] = {
    "SPXW": "SPX",
    "SPXPM": "SPX",
    "RUTW": "RUT",
    "NDXP": "NDX",
    "VIXW": "VIX",
    "XSPW": "XSP",
}

ORDER_SIDES: Final[dict[str, OrderSide]] = {
    "buy": OrderSide.BUY,
    "buy_to_open": OrderSide.BUY,
    "buy_to_close": OrderSide.BUY,
    "buy_to_cover": OrderSide.BUY,
    "sell": OrderSide.SELL,
    "sell_short": OrderSide.SELL,
    "sell_to_open": OrderSide.SELL,
    "sell_to_close": OrderSide.SELL,
}
ORDER_TYPES: Final[dict[str, OrderType]] = {
    "market": OrderType.MARKET,
    "limit": OrderType.LIMIT,
    "stop": OrderType.STOP_MARKET,
    "stop_limit": OrderType.STOP_LIMIT,
    "debit": OrderType.LIMIT,
    "credit": OrderType.LIMIT,
    "even": OrderType.LIMIT,
}
ORDER_STATUSES: Final[dict[str, OrderStatus]] = {
    "open": OrderStatus.ACCEPTED,
    "new": OrderStatus.ACCEPTED,  # 2013 layout
    "ok": OrderStatus.ACCEPTED,
    "pending": OrderStatus.ACCEPTED,
    "calculated": OrderStatus.ACCEPTED,
    "accepted_for_bidding": OrderStatus.ACCEPTED,
    "held": OrderStatus.ACCEPTED,
    "pending_cancel": OrderStatus.PENDING_CANCEL,
    "partially_filled": OrderStatus.PARTIALLY_FILLED,
    "filled": OrderStatus.FILLED,
    "expired": OrderStatus.EXPIRED,
    "canceled": OrderStatus.CANCELED,
    "cancelled": OrderStatus.CANCELED,
    "rejected": OrderStatus.REJECTED,
    "error": OrderStatus.REJECTED,
    "bad request": OrderStatus.REJECTED,  # 2013 placement refusal
}
DURATIONS: Final[dict[str, TimeInForce]] = {
    "day": TimeInForce.DAY,
    "gtc": TimeInForce.GTC,
    "pre": TimeInForce.DAY,
    "post": TimeInForce.DAY,
}


@dataclass(frozen=True, slots=True)
class Parsed[T]:
    """Items converted from a vendor list, with the count of rows rejected as malformed.

    Parameters
    ----------
    items : list
        The converted items, in vendor order.
    rejected : int
        Rows that could not be converted.
    reasons : tuple[str, ...]
        One message per rejected row.
    kinds : tuple[str, ...]
        The rejection kind of each rejected row (see ``TradierParseError.kind``).

    """

    items: list[T]
    rejected: int = 0
    reasons: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()


def _parsed[T](items: list[T], errors: list[TradierParseError]) -> Parsed[T]:
    return Parsed(items, len(errors), tuple(str(e) for e in errors), tuple(e.kind for e in errors))


# -- Time -----------------------------------------------------------------------------------


def iso_to_ns(value: str, naive_tz: dt.tzinfo = UTC) -> int:
    """Return an ISO-8601 timestamp as UNIX nanoseconds.

    Parameters
    ----------
    value : str
        E.g. ``2024-01-02T14:33:12.123Z``, ``2013-06-10T16:00:00-04:00`` or, without an offset,
        a wall-clock time in `naive_tz`. Fractions beyond microseconds are truncated.
    naive_tz : tzinfo, default UTC
        The zone of a value without an offset.

    Raises
    ------
    TradierParseError
        If `value` is not an ISO-8601 timestamp, or (kind ``timestamp``) it is before 1970 or
        after 2262-04-11 (outside what Nautilus and pandas hold).

    """
    return validation.timestamp_ns(_iso_ns(value, naive_tz), f"timestamp {value!r:.40}")


def _iso_ns(value: str, naive_tz: dt.tzinfo) -> int:
    raw = value.strip().replace(" ", "T", 1)
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    head, dot, rest = raw.partition(".")
    if dot:  # trim nanosecond fractions (account-stream heartbeats) to microseconds
        digits = len(rest) - len(rest.lstrip("0123456789"))
        raw = f"{head}.{rest[: min(digits, 6)]}{rest[digits:]}"
    try:
        parsed = dt.datetime.fromisoformat(raw)
    except ValueError as exc:
        raise TradierParseError(f"timestamp was not ISO-8601: {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=naive_tz)
    seconds = math.floor(parsed.timestamp())
    return seconds * _NS + parsed.microsecond * 1000


def vendor_time_ns(value: int | str | None) -> int | None:
    """Return a quote/order time (epoch ms today, ISO in 2013) as UNIX ns, or None.

    Sentinels (0, ``0001-01-01T00:00:00Z``, any time before 1970) read as missing.

    Raises
    ------
    TradierParseError
        If the time is malformed, or (kind ``timestamp``) after 2262-04-11.

    """
    if value is None:
        return None
    if isinstance(value, int):
        return validation.timestamp_ns(value * 1_000_000, "time") if value > 0 else None
    if schemas.text(value) is None:
        return None
    ns = _iso_ns(value, UTC)
    return validation.timestamp_ns(ns, f"time {value!r:.40}") if ns > 0 else None


def eastern_ns(day: dt.date, hhmm: str) -> int:
    """Return ``HH:MM`` US/Eastern on `day` as UNIX nanoseconds.

    Raises
    ------
    TradierParseError
        If `hhmm` is not ``HH:MM``, or (kind ``timestamp``) the time is out of range.

    """
    try:
        hour, minute = (int(part) for part in hhmm.split(":"))
        wall = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=NEW_YORK)
    except ValueError as exc:
        raise TradierParseError(f"session time was not HH:MM: {hhmm!r}") from exc
    return validation.timestamp_ns(int(wall.timestamp()) * _NS, f"session time on {day}")


def parse_date(value: str) -> dt.date:
    """Return a ``YYYY-MM-DD`` date (a time part, as in 2013 order expirations, is ignored).

    Raises
    ------
    TradierParseError
        If `value` does not start with an ISO date.

    """
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError as exc:
        raise TradierParseError(f"date was not YYYY-MM-DD: {value!r}") from exc


# -- Instruments ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OptionSymbol:
    """An OCC option symbol with its underlying and deliverable resolved.

    Parameters
    ----------
    occ : OccSymbol
        The parsed root, expiration, kind and strike.
    underlying : str
        The underlying ticker (``SPX`` for root ``SPXW``, ``AAPL`` for root ``AAPL1``).
    standard : bool
        False for an adjusted root (ending in a digit): a non-standard deliverable after a
        corporate action, whose contract size or deliverable may not be 100 shares.

    """

    occ: OccSymbol
    underlying: str
    standard: bool


def is_option_symbol(symbol: str) -> bool:
    """Return whether `symbol` is an OCC option symbol (rather than an equity ticker)."""
    try:
        parse_occ(symbol)
    except ValueError:
        return False
    return True


def parse_option_symbol(symbol: str, underlying: str | None = None) -> OptionSymbol:
    """Parse a Tradier OCC symbol, resolving non-standard roots.

    Parameters
    ----------
    symbol : str
        E.g. ``SPY240119P00470000``, ``SPXW240119C04700000``, ``AAPL1240119C00150000``.
    underlying : str, optional
        The vendor's ``underlying`` field, which wins over the root-derived guess.

    Returns
    -------
    OptionSymbol

    Raises
    ------
    TradierParseError
        If `symbol` is not an OCC symbol, or (kind ``identifier``) it or `underlying` holds
        characters no Nautilus identifier may hold.

    """
    validation.symbol(symbol)
    try:
        occ = parse_occ(symbol)
    except ValueError as exc:
        raise TradierParseError(str(exc)) from exc
    adjusted = occ.root[-1].isdigit()
    guess = ROOT_UNDERLYINGS.get(occ.root) or occ.root.rstrip("0123456789")
    base = validation.symbol(schemas.text(underlying) or guess, "underlying")
    return OptionSymbol(occ=occ, underlying=base.upper(), standard=not adjusted)


def parse_option_contract(
    symbol: str,
    ts_init: int,
    underlying: str | None = None,
    contract_size: float | None = None,
    info: dict[str, object] | None = None,
) -> OptionContract:
    """Build the ``OptionContract`` of an OCC symbol.

    Parameters
    ----------
    symbol : str
        The OCC symbol.
    ts_init : int
        UNIX ns the definition became known.
    underlying : str, optional
        The vendor's ``underlying`` (defaults to the root-derived ticker).
    contract_size : float, optional
        Shares per contract; when it differs from 100 (mini or adjusted contracts) it becomes
        the multiplier.
    info : dict, optional
        Raw vendor fields to keep.

    Returns
    -------
    OptionContract
        ``info`` carries ``root``, ``non_standard_deliverable`` and ``contract_size``.

    Raises
    ------
    TradierParseError
        If `symbol` is not an OCC symbol, a symbol is not an identifier, or the contract size
        is not a whole positive number.

    """
    parsed = parse_option_symbol(symbol, underlying)
    size = OPTION_MULTIPLIER
    if contract_size:
        size = int(_quantity(contract_size, "contract_size")) or OPTION_MULTIPLIER
    details: dict[str, object] = dict(info or {})
    details.update(
        root=parsed.occ.root,
        non_standard_deliverable=not parsed.standard or size != OPTION_MULTIPLIER,
        contract_size=size,
    )
    # A mini delivers its contract size in shares with that multiplier (Tradier gives no other
    # deliverable; see options.deliverables).
    deliverable = Deliverable(size, multiplier=size)
    return make_option_contract(parsed.occ, parsed.underlying, ts_init, details, deliverable)


def instrument_id_for(symbol: str) -> InstrumentId:
    """Return the Tradefly instrument ID of a Tradier symbol (OCC option or equity ticker).

    Raises
    ------
    TradierParseError
        Kind ``identifier``, if `symbol` holds characters no Nautilus identifier may hold
        (a NUL would abort the process in Nautilus's core).

    """
    validation.symbol(symbol)
    if is_option_symbol(symbol):
        return option_id(parse_occ(symbol))
    return equity_id(symbol)


# -- Quotes, trades, greeks -----------------------------------------------------------------


def _checked_price(value: float, precision: int) -> Price:
    with validation.as_parse_error():
        return Price(vendor_values.price(value, "price"), precision)


def _quantity(value: float, what: str) -> float:
    with validation.as_parse_error():
        return vendor_values.quantity(value, what)


def _price(value: float, instrument: Instrument) -> Price:
    return _checked_price(value, instrument.price_precision)


def _size(value: float | None, instrument: Instrument) -> Quantity:
    return Quantity(_quantity(value or 0.0, "size"), instrument.size_precision)


def parse_quote_tick(quote: schemas.Quote, instrument: Instrument, ts_init: int) -> QuoteTick:
    """Return the top of book of a REST quote.

    Parameters
    ----------
    quote : schemas.Quote
        The vendor quote.
    instrument : Instrument
        The instrument (for precisions).
    ts_init : int
        UNIX ns the quote was received.

    Returns
    -------
    QuoteTick
        Stamped at the later of ``bid_date``/``ask_date`` (else `ts_init`).

    Raises
    ------
    TradierParseError
        If the bid or ask is missing or negative, or the book is crossed.

    """
    if quote.bid is None or quote.ask is None or quote.bid < 0 or quote.ask < 0:
        raise TradierParseError(f"{quote.symbol} quote had no bid/ask: {quote.bid}/{quote.ask}")
    if quote.ask and quote.bid > quote.ask:
        raise TradierParseError(f"{quote.symbol} quote was crossed: {quote.bid}/{quote.ask}")
    stamps = [t for t in (vendor_time_ns(quote.bid_date), vendor_time_ns(quote.ask_date)) if t]
    ts_event = min(max(stamps), ts_init) if stamps else ts_init
    return QuoteTick(
        instrument_id=instrument.id,
        bid_price=_price(quote.bid, instrument),
        ask_price=_price(quote.ask, instrument),
        bid_size=_size(quote.bidsize, instrument),
        ask_size=_size(quote.asksize, instrument),
        ts_event=ts_event,
        ts_init=ts_init,
    )


def parse_stream_quote(
    event: schemas.MarketEvent, instrument: Instrument, ts_init: int
) -> QuoteTick:
    """Return a streaming ``quote`` event as a ``QuoteTick``.

    Raises
    ------
    TradierParseError
        If the bid or ask is missing or negative.

    """
    if event.bid is None or event.ask is None or event.bid < 0 or event.ask < 0:
        raise TradierParseError(f"{event.symbol} stream quote had no bid/ask")
    stamps = [t for t in (vendor_time_ns(event.biddate), vendor_time_ns(event.askdate)) if t]
    return QuoteTick(
        instrument_id=instrument.id,
        bid_price=_price(event.bid, instrument),
        ask_price=_price(event.ask, instrument),
        bid_size=_size(event.bidsz, instrument),
        ask_size=_size(event.asksz, instrument),
        ts_event=min(max(stamps), ts_init) if stamps else ts_init,
        ts_init=ts_init,
    )


def parse_stream_trade(
    event: schemas.MarketEvent, instrument: Instrument, ts_init: int
) -> TradeTick:
    """Return a streaming ``trade``/``tradex``/``timesale`` event as a ``TradeTick``.

    The trade id is the event time plus cumulative volume (``cvol``), unique per print.

    Raises
    ------
    TradierParseError
        If the price or size is missing.

    """
    price = event.price if event.price is not None else event.last
    if price is None or price < 0 or not event.size:
        raise TradierParseError(f"{event.symbol} stream trade had no price/size")
    ts_event = vendor_time_ns(event.date) or ts_init
    volume = int(_quantity(event.cvol, "cvol")) if event.cvol is not None else ts_init % 1_000_000
    return TradeTick(
        instrument_id=instrument.id,
        price=_price(price, instrument),
        size=_size(event.size, instrument),
        aggressor_side=AggressorSide.NO_AGGRESSOR,
        trade_id=TradeId(f"{event.date or 0}-{volume}"),
        ts_event=min(ts_event, ts_init),
        ts_init=ts_init,
    )


def mark_iv(greeks: schemas.Greeks) -> float | None:
    """Return the mark IV: ``mid_iv``, or ``smv_vol`` when ``mid_iv`` is 0 or missing (A4.2)."""
    if greeks.mid_iv:
        return greeks.mid_iv
    return greeks.smv_vol or None


def parse_option_greeks(
    quote: schemas.Quote,
    instrument_id: InstrumentId,
    ts_init: int,
    underlying_price: float | None = None,
) -> OptionGreeks | None:
    """Return the vendor greeks of an option quote as Nautilus ``OptionGreeks``.

    Parameters
    ----------
    quote : schemas.Quote
        An option quote or chain row requested with ``greeks=true``.
    instrument_id : InstrumentId
        The option's ID.
    ts_init : int
        UNIX ns the quote was received.
    underlying_price : float, optional
        The underlying's price at receipt, if known.

    Returns
    -------
    OptionGreeks or None
        None when the quote has no greeks (or no delta). ORATS units (A4.2): delta per share,
        vega per 1 vol point, theta per calendar day, IV as a decimal. ``ts_event`` is
        ``updated_at`` (US/Eastern, hourly snapshots) capped at `ts_init`.

    """
    greeks = quote.greeks
    if greeks is None or greeks.delta is None:
        return None
    ts_event = ts_init
    if schemas.text(greeks.updated_at):
        ts_event = min(iso_to_ns(greeks.updated_at or "", NEW_YORK), ts_init)
    return OptionGreeks(
        instrument_id=instrument_id,
        delta=greeks.delta,
        gamma=greeks.gamma or 0.0,
        vega=greeks.vega or 0.0,
        theta=greeks.theta or 0.0,
        rho=greeks.rho or 0.0,
        mark_iv=mark_iv(greeks),
        bid_iv=greeks.bid_iv or None,
        ask_iv=greeks.ask_iv or None,
        underlying_price=underlying_price,
        open_interest=quote.open_interest,
        ts_event=ts_event,
        ts_init=ts_init,
    )


def parse_quotes(
    response: schemas.QuotesResponse,
) -> tuple[list[schemas.Quote], list[str]]:
    """Return the quotes of a quotes response and the symbols Tradier did not match.

    Raises
    ------
    TradierParseError
        If a list field holds an unexpected string.

    """
    body = response.quotes
    if body is None or isinstance(body, str):
        schemas.as_list(body, "quotes")
        return [], []
    unmatched: list[str] = []
    if isinstance(body.unmatched_symbols, schemas.UnmatchedSymbols):
        unmatched = schemas.as_values(body.unmatched_symbols.symbol)
    return schemas.as_list(body.quote, "quote"), unmatched


@dataclass(frozen=True, slots=True)
class ChainRow:
    """One contract of a chain: its definition, top of book and vendor greeks.

    Parameters
    ----------
    contract : OptionContract
        The definition.
    quote : QuoteTick or None
        The bid/ask, None when the contract has no two-sided quote.
    greeks : OptionGreeks or None
        The vendor greeks, None when not requested or not computed.

    """

    contract: OptionContract
    quote: QuoteTick | None
    greeks: OptionGreeks | None


def parse_chain(
    response: schemas.ChainResponse | schemas.QuotesResponse,
    ts_init: int,
    underlying_price: float | None = None,
) -> Parsed[ChainRow]:
    """Convert an option chain (or option quotes) into contracts, quotes and greeks.

    Parameters
    ----------
    response : ChainResponse or QuotesResponse
        The decoded chain (or quotes of option symbols).
    ts_init : int
        UNIX ns the response was received.
    underlying_price : float, optional
        The underlying's price, recorded on the greeks.

    Returns
    -------
    Parsed[ChainRow]
        Rows that fail :func:`adapters.tradier.validation.check_quote` or whose symbol is not
        an OCC symbol are rejected and counted; a contract with no two-sided quote keeps
        ``quote=None``.

    """
    if isinstance(response, schemas.ChainResponse):
        body = response.options
        rows = schemas.as_list(
            body.option if isinstance(body, schemas.OptionsBody) else body, "option"
        )
    else:
        rows = parse_quotes(response)[0]
    items: list[ChainRow] = []
    errors: list[TradierParseError] = []
    for row in rows:
        try:
            validation.check_quote(row)
            contract = parse_option_contract(
                row.symbol,
                ts_init,
                underlying=row.underlying,
                contract_size=row.contract_size,
                info={"expiration_type": row.expiration_type} if row.expiration_type else None,
            )
            greeks = parse_option_greeks(row, contract.id, ts_init, underlying_price)
        except TradierParseError as exc:
            errors.append(exc)
            continue
        try:
            quote: QuoteTick | None = parse_quote_tick(row, contract, ts_init)
        except TradierParseError:
            quote = None
        items.append(ChainRow(contract, quote, greeks))
    return _parsed(items, errors)


# -- Expirations, strikes, lookup -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExpirationInfo:
    """One expiration date with its strikes (empty unless requested).

    Parameters
    ----------
    date : datetime.date
        The expiration date.
    strikes : tuple[Decimal, ...]
        Strikes of the standard root, in dollars per share.
    adjusted_strikes : tuple[Decimal, ...]
        Strikes listed under adjusted roots (2014 layout ``adjustments``).
    contract_size : int or None
        Shares per contract, when reported.
    expiration_type : str or None
        ``standard``, ``weeklys``, ``quarterlys`` ... when reported.

    """

    date: dt.date
    strikes: tuple[Decimal, ...] = ()
    adjusted_strikes: tuple[Decimal, ...] = ()
    contract_size: int | None = None
    expiration_type: str | None = None


def _strikes(value: list[float] | float | str | None) -> tuple[Decimal, ...]:
    if isinstance(value, str):
        if schemas.text(value) is not None:
            raise TradierParseError(f"strikes were a string: {value[:80]!r}")
        return ()
    strikes = schemas.as_values(value)
    with validation.as_parse_error():
        return tuple(Decimal(str(vendor_values.price(s, "strike"))) for s in strikes)


def parse_expirations(response: schemas.ExpirationsResponse) -> list[ExpirationInfo]:
    """Return the expirations of an underlying, in vendor order.

    Raises
    ------
    TradierParseError
        If a date is not ``YYYY-MM-DD``.

    """
    body = response.expirations
    if not isinstance(body, schemas.ExpirationsBody):
        schemas.as_list(body, "expirations")
        return []
    result = [ExpirationInfo(parse_date(d)) for d in schemas.as_values(body.date)]
    for exp in schemas.as_list(body.expiration, "expiration"):
        strikes: tuple[Decimal, ...] = ()
        adjusted: list[Decimal] = []
        if isinstance(exp.strikes, schemas.ExpirationStrikes):
            strikes = _strikes(exp.strikes.strike)
            if isinstance(exp.strikes.adjustments, schemas.AdjustmentList):
                for adj in schemas.as_list(exp.strikes.adjustments.adjustment, "adjustment"):
                    if isinstance(adj.strikes, schemas.StrikeList):
                        adjusted.extend(_strikes(adj.strikes.strike))
        result.append(
            ExpirationInfo(
                date=parse_date(exp.date),
                strikes=strikes,
                adjusted_strikes=tuple(adjusted),
                contract_size=int(_quantity(exp.contract_size, "contractSize"))
                if exp.contract_size
                else None,
                expiration_type=schemas.text(exp.expiration_type),
            ),
        )
    return result


def parse_strikes(response: schemas.StrikesResponse) -> tuple[Decimal, ...]:
    """Return the strikes of one expiration (dollars per share), in vendor order."""
    body = response.strikes
    if not isinstance(body, schemas.StrikeList):
        schemas.as_list(body, "strikes")
        return ()
    return _strikes(body.strike)


def parse_option_lookup(response: schemas.OptionLookupResponse) -> dict[str, list[str]]:
    """Return the OCC symbols of each root, e.g. ``{"SPX": [...], "SPXW": [...]}``."""
    return {
        root.root_symbol: schemas.as_values(root.options)
        for root in schemas.as_list(response.symbols, "symbols")
    }


def parse_securities(response: schemas.SecuritiesResponse) -> list[schemas.Security]:
    """Return the hits of a search or lookup (empty for ``null``)."""
    body = response.securities
    if not isinstance(body, schemas.SecuritiesBody):
        schemas.as_list(body, "securities")
        return []
    return schemas.as_list(body.security, "security")


# -- History --------------------------------------------------------------------------------


def _bar(
    bar_type: BarType,
    values: tuple[float | None, float | None, float | None, float | None],
    volume: float | None,
    precision: int,
    ts: int,
) -> Bar:
    opn, high, low, close = values
    if opn is None or high is None or low is None or close is None:
        raise TradierParseError(f"bar was missing a price: {values}")
    if not (low <= min(opn, close) and high >= max(opn, close)):
        raise TradierParseError(f"bar prices were inconsistent: {values}")
    return Bar(
        bar_type=bar_type,
        open=_checked_price(opn, precision),
        high=_checked_price(high, precision),
        low=_checked_price(low, precision),
        close=_checked_price(close, precision),
        volume=Quantity(_quantity(volume or 0.0, "volume"), 0),
        ts_event=ts,
        ts_init=ts,
    )


def parse_daily_bars(
    response: schemas.HistoryResponse,
    bar_type: BarType,
    price_precision: int,
) -> Parsed[Bar]:
    """Convert ``/markets/history`` (daily) into bars stamped at each session's close.

    Parameters
    ----------
    response : schemas.HistoryResponse
        The decoded history.
    bar_type : BarType
        A ``1-DAY-LAST-EXTERNAL`` bar type.
    price_precision : int
        The instrument's price precision.

    Returns
    -------
    Parsed[Bar]
        Rows on non-sessions or with missing/inconsistent prices are rejected and counted.
        Prices are as sent (not guaranteed dividend-adjusted, A4.7).

    Raises
    ------
    ValueError
        If `bar_type` is not a daily bar type.

    """
    if bar_type.spec.aggregation != BarAggregation.DAY or bar_type.spec.step != 1:
        raise ValueError(f"bar type was not daily: {bar_type}")
    body = response.history
    rows = schemas.as_list(body.day if isinstance(body, schemas.HistoryBody) else body, "history")
    items: list[Bar] = []
    errors: list[TradierParseError] = []
    for row in rows:
        try:
            day = parse_date(row.date)
            if not is_session(day):
                raise TradierParseError(f"history date was not a NYSE session: {day}")
            values = (row.open, row.high, row.low, row.close)
            items.append(_bar(bar_type, values, row.volume, price_precision, session_close_ns(day)))
        except TradierParseError as exc:
            errors.append(exc)
    return _parsed(items, errors)


def parse_quote_bar(quote: schemas.Quote, bar_type: BarType, price_precision: int, ts: int) -> Bar:
    """Return today's bar so far from a quote's ``open``/``high``/``low``/``last``/``volume``.

    Used for the live daily bar, published shortly before the close and stamped `ts`.

    Raises
    ------
    TradierParseError
        If the quote lacks a price or the prices are inconsistent.

    """
    values = (quote.open, quote.high, quote.low, quote.last)
    return _bar(bar_type, values, quote.volume, price_precision, ts)


def _timesales_rows(response: schemas.TimesalesResponse) -> list[schemas.TimesalesRow]:
    body = response.series
    return schemas.as_list(body.data if isinstance(body, schemas.SeriesBody) else body, "series")


def _row_ns(row: schemas.TimesalesRow) -> int:
    if row.timestamp:
        return validation.timestamp_ns(row.timestamp * _NS, "timestamp")
    return iso_to_ns(row.time, NEW_YORK)


def parse_timesales_bars(
    response: schemas.TimesalesResponse,
    bar_type: BarType,
    price_precision: int,
) -> Parsed[Bar]:
    """Convert interval timesales (``1min``/``5min``/``15min``) into bars.

    Each row's time is the bar's start (US/Eastern); bars are stamped at their end, the
    Nautilus convention. Rows without OHLC (tick rows) are rejected and counted.

    Raises
    ------
    ValueError
        If `bar_type` is not a 1, 5 or 15 minute bar type.

    """
    spec = bar_type.spec
    if spec.aggregation != BarAggregation.MINUTE or spec.step not in (1, 5, 15):
        raise ValueError(f"bar type was not 1, 5 or 15 minutes: {bar_type}")
    step_ns = spec.step * 60 * _NS
    items: list[Bar] = []
    errors: list[TradierParseError] = []
    for row in _timesales_rows(response):
        try:
            values = (row.open, row.high, row.low, row.close)
            items.append(
                _bar(bar_type, values, row.volume, price_precision, _row_ns(row) + step_ns)
            )
        except TradierParseError as exc:
            errors.append(exc)
    return _parsed(items, errors)


def parse_timesales_ticks(
    response: schemas.TimesalesResponse,
    instrument: Instrument,
) -> Parsed[TradeTick]:
    """Convert tick timesales into trade ticks (trade id: time and row index).

    Rows without a positive price are rejected and counted.
    """
    items: list[TradeTick] = []
    errors: list[TradierParseError] = []
    for index, row in enumerate(_timesales_rows(response)):
        try:
            price = row.price if row.price is not None else row.close
            if price is None or price <= 0:
                raise TradierParseError(f"timesales row had no price: {row.time}")
            ts = _row_ns(row)
            items.append(
                TradeTick(
                    instrument_id=instrument.id,
                    price=_price(price, instrument),
                    size=_size(row.volume, instrument),
                    aggressor_side=AggressorSide.NO_AGGRESSOR,
                    trade_id=TradeId(f"{ts}-{index}"),
                    ts_event=ts,
                    ts_init=ts,
                ),
            )
        except TradierParseError as exc:
            errors.append(exc)
    return _parsed(items, errors)


# -- Clock and calendar ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MarketClock:
    """The market clock.

    Parameters
    ----------
    date : datetime.date
        The market date.
    state : str
        ``premarket``, ``open``, ``postmarket`` or ``closed``.
    next_state : str or None
        The state after `next_change_ns`.
    next_change_ns : int or None
        When the state changes next (UNIX ns).
    ts_ns : int or None
        The clock's own timestamp (UNIX ns).
    description : str or None
        The vendor's text.

    """

    date: dt.date
    state: str
    next_state: str | None
    next_change_ns: int | None
    ts_ns: int | None
    description: str | None

    @property
    def is_open(self) -> bool:
        """Whether the regular session is open."""
        return self.state == "open"


def parse_clock(response: schemas.ClockResponse) -> MarketClock:
    """Return the market clock; ``next_change`` (``HH:MM`` Eastern) is placed on its date.

    Raises
    ------
    TradierParseError
        If the date, ``next_change`` or ``timestamp`` is malformed or out of range.

    """
    clock = response.clock
    day = parse_date(clock.date)
    next_change = schemas.text(clock.next_change)
    change_ns = eastern_ns(day, next_change) if next_change else None
    ts_ns = validation.timestamp_ns(clock.timestamp * _NS, "timestamp") if clock.timestamp else None
    if change_ns is not None and ts_ns and change_ns < ts_ns:
        change_ns = eastern_ns(day + dt.timedelta(days=1), next_change or "")
    return MarketClock(
        date=day,
        state=clock.state.lower(),
        next_state=schemas.text(clock.next_state),
        next_change_ns=change_ns,
        ts_ns=ts_ns,
        description=schemas.text(clock.description),
    )


@dataclass(frozen=True, slots=True)
class MarketDay:
    """One calendar day with its sessions as UNIX ns (None when the block is absent).

    Parameters
    ----------
    date : datetime.date
        The day.
    status : str
        ``open`` or ``closed``.
    open_ns, close_ns : int or None
        The regular session (an early close shows as an earlier `close_ns`).
    premarket_open_ns, postmarket_close_ns : int or None
        The extended sessions' outer bounds.
    description : str or None
        The vendor's text.

    """

    date: dt.date
    status: str
    open_ns: int | None = None
    close_ns: int | None = None
    premarket_open_ns: int | None = None
    postmarket_close_ns: int | None = None
    description: str | None = None


def parse_calendar(response: schemas.CalendarResponse) -> Parsed[MarketDay]:
    """Return the days of a month calendar; malformed days are rejected and counted."""
    body = response.calendar
    if not isinstance(body, schemas.Calendar):
        schemas.as_list(body, "calendar")
        return Parsed([])
    days = body.days
    rows = schemas.as_list(days.day if isinstance(days, schemas.CalendarDays) else days, "days")
    items: list[MarketDay] = []
    errors: list[TradierParseError] = []
    for row in rows:
        try:
            day = parse_date(row.date)
            items.append(
                MarketDay(
                    date=day,
                    status=row.status.lower(),
                    open_ns=eastern_ns(day, row.open.start) if row.open else None,
                    close_ns=eastern_ns(day, row.open.end) if row.open else None,
                    premarket_open_ns=eastern_ns(day, row.premarket.start)
                    if row.premarket
                    else None,
                    postmarket_close_ns=eastern_ns(day, row.postmarket.end)
                    if row.postmarket
                    else None,
                    description=schemas.text(row.description),
                ),
            )
        except TradierParseError as exc:
            errors.append(exc)
    return _parsed(items, errors)


# -- Account --------------------------------------------------------------------------------


def _cash_block(balances: schemas.Balances) -> schemas.CashBlock | None:
    cash = balances.cash
    if isinstance(cash, schemas.CashBlock):
        return cash
    if isinstance(cash, list):  # 2013: [amount, {...}]
        return next((c for c in cash if isinstance(c, schemas.CashBlock)), None)
    return None


def parse_account_balance(response: schemas.BalancesResponse) -> AccountBalance:
    """Return the account balance in USD.

    ``total`` is ``total_equity`` (``equity`` in 2013); ``free`` is the buying power for
    options (``margin``/``pdt.option_buying_power``, or ``cash.cash_available``) capped to
    ``[0, total]``; ``locked`` is the rest. A non-positive equity is reported as is, all free.

    Raises
    ------
    TradierParseError
        If the body has no balances or no equity, or (kind ``money``) the equity or buying
        power is not finite or beyond what ``Money`` holds.

    """
    balances = response.balances
    if not isinstance(balances, schemas.Balances):
        raise TradierParseError(f"balances were missing: {balances!r}")
    total = balances.total_equity if balances.total_equity is not None else balances.equity
    if total is None:
        raise TradierParseError("balances had no total_equity or equity")
    validation.money(total, "total_equity")
    block = balances.margin or balances.pdt
    free: float | None = block.option_buying_power if block is not None else None
    if free is None:
        cash = _cash_block(balances)
        free = cash.cash_available if cash is not None else balances.total_cash
    if total <= 0:
        return AccountBalance(Money(total, USD), Money(0, USD), Money(total, USD))
    free_value = min(max(free if free is not None else total, 0.0), total)
    validation.money(free_value, "buying power")
    total_money = Money(total, USD)
    free_money = Money(free_value, USD)
    return AccountBalance(
        total_money, Money(total_money.as_decimal() - free_money.as_decimal(), USD), free_money
    )


@dataclass(frozen=True, slots=True)
class PositionSnapshot:
    """A broker position in Nautilus terms.

    Parameters
    ----------
    instrument_id : InstrumentId
        The option or equity.
    side : PositionSide
        ``LONG`` or ``SHORT`` (``FLAT`` for a zero quantity).
    quantity : Decimal
        The absolute quantity (contracts or shares).
    avg_px_open : Decimal or None
        ``|cost_basis| / (|quantity| × multiplier)`` in dollars per share.
    ts_last : int or None
        ``date_acquired`` as UNIX ns.

    """

    instrument_id: InstrumentId
    side: PositionSide
    quantity: Decimal
    avg_px_open: Decimal | None
    ts_last: int | None


def parse_positions(response: schemas.PositionsResponse) -> Parsed[PositionSnapshot]:
    """Return the account's positions (``"null"`` reads as none).

    Rows that fail :func:`adapters.tradier.validation.check_position` (NUL in a symbol,
    fractional or out-of-range quantity ...) or are otherwise malformed are rejected and
    counted.
    """
    body = response.positions
    rows = schemas.as_list(
        body.position if isinstance(body, schemas.PositionsBody) else body, "positions"
    )
    items: list[PositionSnapshot] = []
    errors: list[TradierParseError] = []
    for row in rows:
        try:
            validation.check_position(row)
            option = is_option_symbol(row.symbol)
            instrument_id = instrument_id_for(row.symbol)
            quantity = Decimal(str(row.quantity)).normalize()
            multiplier = OPTION_MULTIPLIER if option else 1
            avg: Decimal | None = None
            if row.cost_basis is not None and quantity:
                avg = abs(Decimal(str(row.cost_basis))) / (abs(quantity) * multiplier)
            side = (
                PositionSide.LONG
                if quantity > 0
                else PositionSide.SHORT
                if quantity < 0
                else PositionSide.FLAT
            )
            acquired = schemas.text(row.date_acquired)
            items.append(
                PositionSnapshot(
                    instrument_id=instrument_id,
                    side=side,
                    quantity=abs(quantity),
                    avg_px_open=avg,
                    ts_last=iso_to_ns(acquired) if acquired else None,
                ),
            )
        except TradierParseError as exc:
            reason = f"position {row.symbol!r:.40} was malformed: {exc}"
            errors.append(TradierParseError(reason, kind=exc.kind))
    return _parsed(items, errors)


# -- Option settlements (account history) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class OptionSettlement:
    """An expiration, assignment or exercise read from an account-history ``option`` event.

    Parameters
    ----------
    key : str
        The event's identity (Tradier history rows carry no id): its type, date, symbol,
        option type, description and quantity joined by ``|``.
    instrument_id : InstrumentId
        The option that expired, was assigned or was exercised.
    kind : str
        ``expired`` (worthless, long or short), ``assigned`` (a short option) or
        ``exercised`` (a long one).
    contracts : int
        Contracts expired, assigned or exercised (positive).
    ts_event : int
        The close of the session of the event's date (the last session on or before it), UNIX
        nanoseconds: history rows carry a date but no time.

    """

    key: str
    instrument_id: InstrumentId
    kind: str
    contracts: int
    ts_event: int


def _history_close_ns(value: str) -> int:
    # The close of the session on or before the row's date (rows carry no time).
    try:
        return expiration_close_ns(dt.date.fromisoformat(value[:10]))
    except (ValueError, OverflowError):
        raise TradierParseError(
            f"date {value!r:.40} is not an ISO date of the NYSE calendar"
        ) from None


def _settlement_kind(option: schemas.OptionActivity) -> str | None:
    words = f"{option.option_type or ''} {option.description or ''}".upper()
    if "ASSIGN" in words or "OPTASG" in words:
        return "assigned"
    if "EXERC" in words or "OPTEXC" in words:
        return "exercised"
    if "OPTEXP" in words or "EXPIR" in words:
        return "expired"
    return None  # other option activity books nothing


def parse_option_settlements(response: schemas.AccountHistoryResponse) -> Parsed[OptionSettlement]:
    """Return the expirations, assignments and exercises among account-history events (A6.4).

    An ``option`` event is an assignment when its ``option_type`` or ``description`` names
    one (``ASSIGN``), an exercise when it names an exercise (``EXERC``), an expiration when
    its ``option_type`` is the documented ``OPTEXP`` (or it names an expiry, ``EXPIR``);
    other events are skipped. Such an event without an OCC ``symbol``, a date or a whole
    number of contracts is rejected and counted.
    """
    body = response.history
    rows = schemas.as_list(
        body.event if isinstance(body, schemas.HistoryEventsBody) else body, "history"
    )
    items: list[OptionSettlement] = []
    errors: list[TradierParseError] = []
    for row in rows:
        option = row.option
        if row.type != "option" or option is None:
            continue
        kind = _settlement_kind(option)
        if kind is None:
            continue
        symbol = schemas.text(row.symbol) or ""
        try:
            if not is_option_symbol(validation.symbol(symbol)):
                raise TradierParseError(f"symbol {symbol!r:.40} is not an OCC option symbol")
            date = row.date
            quantity = option.quantity
            if quantity is None:
                raise TradierParseError("quantity was missing")
            with validation.as_parse_error():
                vendor_values.quantity(abs(quantity), "quantity")
            if quantity == 0:
                raise TradierParseError("quantity was 0")
            key = "|".join(
                str(part)
                for part in (row.type, date, symbol, option.option_type, option.description)
            )
            items.append(
                OptionSettlement(
                    key=f"{key}|{quantity:g}",
                    instrument_id=instrument_id_for(symbol),
                    kind=kind,
                    contracts=abs(int(quantity)),
                    ts_event=_history_close_ns(date),
                )
            )
        except TradierParseError as exc:
            errors.append(TradierParseError(f"history event {kind} was malformed: {exc}"))
    return _parsed(items, errors)


# -- Orders ---------------------------------------------------------------------------------


def parse_orders(response: schemas.OrdersResponse) -> list[schemas.Order]:
    """Return the orders of an orders list (``"null"`` reads as none)."""
    body = response.orders
    return schemas.as_list(body.order if isinstance(body, schemas.OrdersBody) else body, "orders")


def order_legs(order: schemas.Order) -> list[schemas.Order]:
    """Return the child legs of a multileg or advanced order (empty for a single order)."""
    return schemas.as_list(order.leg, "leg")


def venue_id(order: schemas.Order) -> int:
    """Return the order id (``id`` today, ``order_id`` in 2013).

    Raises
    ------
    TradierParseError
        If the order has neither.

    """
    for value in (order.id, order.order_id):
        if value:
            return value
    raise TradierParseError(f"order had no id: {order!r}")


def _lookup[E](table: dict[str, E], value: str | None, what: str) -> E:
    key = (value or "").strip().lower()
    if key not in table:
        raise TradierParseError(f"order {what} was unknown: {value!r}")
    return table[key]


def order_side(order: schemas.Order) -> OrderSide:
    """Return the Nautilus side of a Tradier side (``buy_to_open`` is ``BUY`` ...).

    Raises
    ------
    TradierParseError
        If the side is unknown.

    """
    return _lookup(ORDER_SIDES, order.side, "side")


def order_type(order: schemas.Order) -> OrderType:
    """Return the Nautilus order type (``debit``/``credit``/``even`` are net ``LIMIT``s).

    Raises
    ------
    TradierParseError
        If the type is unknown.

    """
    return _lookup(ORDER_TYPES, order.type, "type")


def order_status(status: str | None) -> OrderStatus:
    """Return the Nautilus status of a Tradier status; unknown values count as working."""
    return ORDER_STATUSES.get((status or "").strip().lower(), OrderStatus.ACCEPTED)


def is_terminal(status: str | None) -> bool:
    """Return whether a Tradier status is final (filled, expired, canceled, rejected, error)."""
    return order_status(status) in (
        OrderStatus.FILLED,
        OrderStatus.EXPIRED,
        OrderStatus.CANCELED,
        OrderStatus.REJECTED,
    )


def time_in_force(order: schemas.Order) -> TimeInForce:
    """Return the time in force (``duration`` today, ``time_in_force`` in 2013); DAY if absent."""
    return DURATIONS.get((order.duration or order.time_in_force or "day").lower(), TimeInForce.DAY)


def order_reason(order: schemas.Order) -> str:
    """Return the reason of a rejection or cancel: ``reason_description``, errors, 2013 text."""
    messages = list(schemas.error_messages(order.errors))
    for value in (order.reason_description, order.description):
        if schemas.text(value):
            messages.insert(0, value or "")
    return "; ".join(messages) or (order.status or "unknown")


def order_created_ns(order: schemas.Order) -> int | None:
    """Return when the order was created (``create_date`` or 2013 ``request_date``)."""
    return vendor_time_ns(order.create_date or order.request_date)


def order_updated_ns(order: schemas.Order) -> int | None:
    """Return when the order last changed (``transaction_date`` or 2013 ``response_date``)."""
    return vendor_time_ns(order.transaction_date or order.response_date) or order_created_ns(order)


def order_symbol(order: schemas.Order) -> str:
    """Return the traded symbol: ``option_symbol``, else ``symbol`` (an OCC symbol in 2013).

    Raises
    ------
    TradierParseError
        If the order names no symbol (a multileg parent: read its legs).

    """
    symbol = schemas.text(order.option_symbol) or schemas.text(order.symbol)
    if symbol is None:
        raise TradierParseError(f"order {order.id or order.order_id} named no symbol")
    return symbol


@dataclass(frozen=True, slots=True)
class FillIncrement:
    """The part of an order filled since the last observation.

    Parameters
    ----------
    quantity : Decimal
        Newly filled quantity.
    price : Decimal
        Its average price (dollars per share; net per spread for combos).
    cumulative : Decimal
        Total filled after this increment.

    """

    quantity: Decimal
    price: Decimal
    cumulative: Decimal


@dataclass(slots=True)
class FillState:
    """The cumulative fill state of one order (or leg) as last reported.

    Parameters
    ----------
    filled : Decimal
        Cumulative filled quantity.
    avg_px : Decimal
        Average fill price of `filled`.

    """

    filled: Decimal = Decimal(0)
    avg_px: Decimal = Decimal(0)

    def advance(
        self,
        exec_quantity: float | None,
        avg_fill_price: float | None,
        last_fill_quantity: float | None = None,
        last_fill_price: float | None = None,
    ) -> FillIncrement | None:
        """Return the fill since the last call, if the cumulative quantity grew.

        The increment's price is ``last_fill_price`` when the vendor's last fill is exactly
        the increment, else derived from the averages:
        ``(avg_new × qty_new − avg_old × qty_old) / (qty_new − qty_old)``.
        Returns None while ``avg_fill_price`` is still 0 for a grown quantity (the vendor
        can report ``filled`` before the fill fields, A7): the next poll catches up.
        """
        if exec_quantity is None:
            return None
        cumulative = Decimal(str(exec_quantity)).normalize()
        if cumulative <= self.filled:
            return None
        if not avg_fill_price:
            return None
        avg = Decimal(str(avg_fill_price))
        quantity = cumulative - self.filled
        if last_fill_price and last_fill_quantity and Decimal(str(last_fill_quantity)) == quantity:
            price = Decimal(str(last_fill_price))
        else:
            price = (avg * cumulative - self.avg_px * self.filled) / quantity
        increment = FillIncrement(quantity, price, cumulative)
        self.filled = cumulative
        self.avg_px = avg
        return increment


def trade_id(venue_order_id: int | str, cumulative: Decimal) -> TradeId:
    """Return a deterministic trade id for the fill that brought an order to `cumulative`.

    The same fill seen twice (stream and poll, or before and after a restart) gets the same id,
    so Nautilus drops the duplicate.
    """
    return TradeId(f"{venue_order_id}-{cumulative.normalize():f}")
