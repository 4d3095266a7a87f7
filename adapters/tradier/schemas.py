"""msgspec structs mirroring Tradier's JSON field for field, and the one place vendor quirks end.

Quirks handled here (``api-tradier.md`` A13):

- a list of one item arrives as the bare object, and an empty list as JSON ``null`` or the
  *string* ``"null"``: every list field is typed ``list[T] | T | str | None`` and read through
  :func:`as_list` (structs) or :func:`as_values` (scalars);
- numbers arrive as strings (streaming, ``"281.1200"``): every decoder is built with
  ``strict=False``, which converts numeric strings into the declared ``float``/``int``;
- the 2013-2014 layout (``order_id``, ``time_in_force``, ``request_date``, ISO quote dates,
  numeric exchange codes, ``cash`` as ``[amount, {...}]``) decodes into the same structs; the
  parsing module resolves old and new names;
- error bodies (``{"errors": {"error": ...}}`` and Apigee ``{"fault": ...}``) decode into
  :class:`ErrorEnvelope` for the HTTP client.

Field names are the vendor's keys; prices stay floats as sent and become Nautilus objects only
in :mod:`adapters.tradier.parsing`.
"""

from __future__ import annotations

from functools import cache

import msgspec

from adapters.tradier.errors import TradierParseError

NULL_STRINGS = frozenset({"null", ""})


def as_list[S: msgspec.Struct](value: list[S] | S | str | None, what: str = "list") -> list[S]:
    """Return a vendor list field as a list of structs.

    Parameters
    ----------
    value : list, struct, str or None
        The decoded field: a list, one bare item, or ``null``/``"null"`` for none.
    what : str, default "list"
        The field name, for the error message.

    Returns
    -------
    list

    Raises
    ------
    TradierParseError
        If `value` is a string other than ``"null"`` or ``""``.

    """
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        if value.strip().lower() in NULL_STRINGS:
            return []
        raise TradierParseError(f"{what} was a string, not a list or object: {value[:80]!r}")
    return [value]


def as_values[V: (str, float, int)](value: list[V] | V | None) -> list[V]:
    """Return a vendor scalar-list field (dates, strikes, symbols) as a list.

    A single scalar becomes a one-item list; ``null`` and the string ``"null"`` become empty.
    """
    if value is None:
        return []
    if isinstance(value, list):
        return [v for v in value if not (isinstance(v, str) and v.lower() in NULL_STRINGS)]
    if isinstance(value, str) and value.strip().lower() in NULL_STRINGS:
        return []
    return [value]


def text(value: str | None) -> str | None:
    """Return a vendor text field with the string ``"null"`` (and blanks) read as missing."""
    if value is None or value.strip().lower() in NULL_STRINGS:
        return None
    return value


@cache
def decoder[S: msgspec.Struct](schema: type[S]) -> msgspec.json.Decoder[S]:
    """Return the (cached) lenient JSON decoder for a response schema.

    ``strict=False`` lets numeric strings decode into ``float``/``int`` fields.
    """
    return msgspec.json.Decoder(schema, strict=False)


def decode[S: msgspec.Struct](schema: type[S], body: bytes) -> S:
    """Decode `body` into `schema`.

    Raises
    ------
    TradierParseError
        If the body is not JSON, is not valid UTF-8 (kind ``utf8``) or does not match the
        documented layout.

    """
    try:
        result: S = decoder(schema).decode(body)
    except UnicodeDecodeError as exc:
        raise TradierParseError(
            f"{schema.__name__} body was not valid UTF-8: {exc}", kind="utf8"
        ) from exc
    except msgspec.DecodeError as exc:  # ValidationError is a subclass
        raise TradierParseError(f"{schema.__name__} body did not match the layout: {exc}") from exc
    return result


# -- Errors (A2, A10) -----------------------------------------------------------------------


class FaultDetail(msgspec.Struct):
    """The ``detail`` of an Apigee fault."""

    errorcode: str | None = None


class Fault(msgspec.Struct):
    """An Apigee fault, e.g. ``Invalid Access Token`` or ``Quota Violation``."""

    faultstring: str = ""
    detail: FaultDetail | None = None


class ErrorList(msgspec.Struct):
    """``{"error": "msg"}`` or ``{"error": ["msg1", "msg2"]}``."""

    error: list[str] | str | None = None


class ErrorEnvelope(msgspec.Struct):
    """The top-level error keys a response may carry instead of data."""

    fault: Fault | None = None
    errors: ErrorList | str | None = None


def error_messages(errors: ErrorList | str | None) -> tuple[str, ...]:
    """Return the messages of an ``errors`` value (object with string or list, or a string)."""
    if errors is None:
        return ()
    if isinstance(errors, str):
        return (errors,) if text(errors) else ()
    return tuple(as_values(errors.error))


# -- Market data (A4) -----------------------------------------------------------------------


class Greeks(msgspec.Struct):
    """ORATS greeks on an option quote (A4.2); IV as decimals, refreshed about hourly."""

    delta: float | None = None
    gamma: float | None = None
    theta: float | None = None
    vega: float | None = None
    rho: float | None = None
    phi: float | None = None
    bid_iv: float | None = None
    mid_iv: float | None = None
    ask_iv: float | None = None
    smv_vol: float | None = None
    updated_at: str | None = None


class Quote(msgspec.Struct):
    """One quote from ``/markets/quotes`` or one contract of ``/markets/options/chains``.

    ``trade_date``/``bid_date``/``ask_date`` are epoch milliseconds today and ISO strings in
    the 2013 layout; ``exch`` is a letter today and a number in 2013.
    """

    symbol: str
    description: str | None = None
    exch: str | int | None = None
    type: str | None = None
    last: float | None = None
    change: float | None = None
    volume: float | None = None
    open: float | None = None
    high: float | None = None
    low: float | None = None
    close: float | None = None
    bid: float | None = None
    ask: float | None = None
    change_percentage: float | None = None
    average_volume: float | None = None
    last_volume: float | None = None
    trade_date: int | str | None = None
    prevclose: float | None = None
    week_52_high: float | None = None
    week_52_low: float | None = None
    bidsize: float | None = None
    bidexch: str | int | None = None
    bid_date: int | str | None = None
    asksize: float | None = None
    askexch: str | int | None = None
    ask_date: int | str | None = None
    root_symbols: str | None = None
    underlying: str | None = None
    strike: float | None = None
    open_interest: float | None = None
    contract_size: float | None = None
    expiration_date: str | None = None
    expiration_type: str | None = None
    option_type: str | None = None
    root_symbol: str | None = None
    greeks: Greeks | None = None


class UnmatchedSymbols(msgspec.Struct):
    """Symbols the quotes endpoint did not recognise (expired or invalid)."""

    symbol: list[str] | str | None = None


class QuotesBody(msgspec.Struct):
    """The ``quotes`` object."""

    quote: list[Quote] | Quote | str | None = None
    unmatched_symbols: UnmatchedSymbols | str | None = None


class QuotesResponse(msgspec.Struct):
    """``GET|POST /v1/markets/quotes`` (A4.1)."""

    quotes: QuotesBody | str | None = None


class OptionsBody(msgspec.Struct):
    """The ``options`` object of a chain."""

    option: list[Quote] | Quote | str | None = None


class ChainResponse(msgspec.Struct):
    """``GET /v1/markets/options/chains`` (A4.3): one expiration, calls and puts mixed."""

    options: OptionsBody | str | None = None


class StrikeList(msgspec.Struct):
    """``{"strike": [...]}``; a single strike arrives as a scalar."""

    strike: list[float] | float | str | None = None


class Adjustment(msgspec.Struct):
    """A 2014-layout block of strikes for an adjusted root (non-standard deliverable)."""

    type: int | str | None = None
    strikes: StrikeList | str | None = None


class AdjustmentList(msgspec.Struct):
    """The 2014-layout ``adjustments`` object."""

    adjustment: list[Adjustment] | Adjustment | str | None = None


class ExpirationStrikes(msgspec.Struct):
    """The ``strikes`` of one expiration; the 2014 layout adds ``adjustments``."""

    strike: list[float] | float | str | None = None
    adjustments: AdjustmentList | str | None = None


class Expiration(msgspec.Struct):
    """One expiration with ``strikes``/``contractSize``/``expirationType`` requested."""

    date: str
    contract_size: float | None = None
    expiration_type: str | None = None
    strikes: ExpirationStrikes | str | None = None


class ExpirationsBody(msgspec.Struct):
    """``date`` (plain request) or ``expiration`` (with strikes) lists."""

    date: list[str] | str | None = None
    expiration: list[Expiration] | Expiration | str | None = None


class ExpirationsResponse(msgspec.Struct):
    """``GET /v1/markets/options/expirations`` (A4.4)."""

    expirations: ExpirationsBody | str | None = None


class StrikesResponse(msgspec.Struct):
    """``GET /v1/markets/options/strikes`` (A4.5)."""

    strikes: StrikeList | str | None = None


class OptionRoot(msgspec.Struct):
    """One root of ``/markets/options/lookup`` (camelCase ``rootSymbol``)."""

    root_symbol: str = msgspec.field(name="rootSymbol")
    options: list[str] | str | None = None


class OptionLookupResponse(msgspec.Struct):
    """``GET /v1/markets/options/lookup`` (A4.6): one entry per root (SPX and SPXW)."""

    symbols: list[OptionRoot] | OptionRoot | str | None = None


class HistoryDay(msgspec.Struct):
    """One bar of ``/markets/history``; the key is ``day`` for every interval."""

    date: str
    open: float | None = None
    high: float | None = None
    low: float | None = None
    close: float | None = None
    volume: float | None = None


class HistoryBody(msgspec.Struct):
    """The ``history`` object."""

    day: list[HistoryDay] | HistoryDay | str | None = None


class HistoryResponse(msgspec.Struct):
    """``GET /v1/markets/history`` (A4.7)."""

    history: HistoryBody | str | None = None


class TimesalesRow(msgspec.Struct):
    """One row of ``/markets/timesales``; tick rows (and 2013 rows) lack OHLC and vwap.

    ``time`` is US/Eastern without an offset; ``timestamp`` is epoch seconds when present.
    """

    time: str
    timestamp: int | None = None
    price: float | None = None
    open: float | None = None
    high: float | None = None
    low: float | None = None
    close: float | None = None
    volume: float | None = None
    vwap: float | None = None


class SeriesBody(msgspec.Struct):
    """The ``series`` object."""

    data: list[TimesalesRow] | TimesalesRow | str | None = None


class TimesalesResponse(msgspec.Struct):
    """``GET /v1/markets/timesales`` (A4.8)."""

    series: SeriesBody | str | None = None


class Clock(msgspec.Struct):
    """The market clock: ``state`` is ``premarket|open|postmarket|closed``."""

    date: str
    state: str
    description: str | None = None
    timestamp: int | None = None
    next_change: str | None = None
    next_state: str | None = None


class ClockResponse(msgspec.Struct):
    """``GET /v1/markets/clock`` (A4.9)."""

    clock: Clock


class SessionHours(msgspec.Struct):
    """A session block, ``HH:MM`` US/Eastern."""

    start: str
    end: str


class CalendarDay(msgspec.Struct):
    """One calendar day; closed days carry no session blocks."""

    date: str
    status: str
    description: str | None = None
    premarket: SessionHours | None = None
    open: SessionHours | None = None
    postmarket: SessionHours | None = None


class CalendarDays(msgspec.Struct):
    """The ``days`` object."""

    day: list[CalendarDay] | CalendarDay | str | None = None


class Calendar(msgspec.Struct):
    """The ``calendar`` object."""

    month: int | None = None
    year: int | None = None
    days: CalendarDays | str | None = None


class CalendarResponse(msgspec.Struct):
    """``GET /v1/markets/calendar`` (A4.10)."""

    calendar: Calendar | str | None = None


class Security(msgspec.Struct):
    """One hit of ``/markets/search`` or ``/markets/lookup``."""

    symbol: str
    exchange: str | None = None
    type: str | None = None
    description: str | None = None


class SecuritiesBody(msgspec.Struct):
    """The ``securities`` object."""

    security: list[Security] | Security | str | None = None


class SecuritiesResponse(msgspec.Struct):
    """``GET /v1/markets/search`` and ``/v1/markets/lookup`` (A4.11)."""

    securities: SecuritiesBody | str | None = None


# -- Accounts (A6) --------------------------------------------------------------------------


class MarginBlock(msgspec.Struct):
    """The ``margin`` (or ``pdt``) sub-object of balances."""

    fed_call: float | None = None
    maintenance_call: float | None = None
    option_buying_power: float | None = None
    stock_buying_power: float | None = None
    stock_short_value: float | None = None
    sweep: float | None = None
    day_trade_buying_power: float | None = None


class CashBlock(msgspec.Struct):
    """The ``cash`` sub-object of balances (2013: ``[amount, {...}]``)."""

    cash_available: float | None = None
    sweep: float | None = None
    unsettled_funds: float | None = None
    funds_available_to_trade: float | None = None
    prev_day_cash_available: float | None = None


class Balances(msgspec.Struct):
    """Account balances; one sub-object (``margin``, ``cash`` or ``pdt``) per account type."""

    account_number: str | int | None = None
    account_type: str | None = None
    total_equity: float | None = None
    equity: float | None = None
    total_cash: float | None = None
    close_pl: float | None = None
    open_pl: float | None = None
    current_requirement: float | None = None
    long_market_value: float | None = None
    market_value: float | None = None
    short_market_value: float | None = None
    option_long_value: float | None = None
    option_short_value: float | None = None
    option_requirement: float | None = None
    stock_long_value: float | None = None
    pending_cash: float | None = None
    uncleared_funds: float | None = None
    pending_orders_count: float | None = None
    margin: MarginBlock | None = None
    pdt: MarginBlock | None = None
    cash: CashBlock | list[float | CashBlock] | float | None = None


class BalancesResponse(msgspec.Struct):
    """``GET /v1/accounts/{id}/balances`` (A6.2)."""

    balances: Balances | str | None = None


class Position(msgspec.Struct):
    """One position; negative ``quantity`` is short; ``cost_basis`` is the total cost."""

    symbol: str
    quantity: float
    cost_basis: float | None = None
    date_acquired: str | None = None
    id: int | None = None
    description: str | None = None


class PositionsBody(msgspec.Struct):
    """The ``positions`` object."""

    position: list[Position] | Position | str | None = None


class PositionsResponse(msgspec.Struct):
    """``GET /v1/accounts/{id}/positions`` (A6.3): ``"null"`` when flat."""

    positions: PositionsBody | str | None = None


class Order(msgspec.Struct):
    """An order (A7), a leg of one, a placement acknowledgement or a preview (A8.8).

    The 2013 layout names the id ``order_id`` (with ``id`` 0), the duration
    ``time_in_force``, the creation time ``request_date`` and the reject reason
    ``description``, with capitalised values (``Filled``, ``Buy``, ``Day``).
    """

    id: int | None = None
    order_id: int | None = None
    type: str | None = None
    symbol: str | None = None
    option_symbol: str | None = None
    side: str | None = None
    quantity: float | None = None
    status: str | None = None
    duration: str | None = None
    time_in_force: str | None = None
    price: float | None = None
    stop_price: float | None = None
    avg_fill_price: float | None = None
    exec_quantity: float | None = None
    last_fill_price: float | None = None
    last_fill_quantity: float | None = None
    remaining_quantity: float | None = None
    create_date: str | None = None
    transaction_date: str | None = None
    request_date: str | None = None
    response_date: str | None = None
    order_class: str | None = msgspec.field(default=None, name="class")
    num_legs: int | None = None
    strategy: str | None = None
    tag: str | None = None
    reason_description: str | None = None
    description: str | None = None
    parent_id: int | None = None
    leg: list[Order] | Order | str | None = None
    errors: ErrorList | str | None = None
    # preview (A8.8)
    result: bool | None = None
    commission: float | None = None
    cost: float | None = None
    fees: float | None = None
    order_cost: float | None = None
    margin_change: float | None = None
    # 2013 layout
    option_type: str | None = None
    expiration_date: str | None = None
    strike_price: float | None = None


class OrdersBody(msgspec.Struct):
    """The ``orders`` object."""

    order: list[Order] | Order | str | None = None


class OrdersResponse(msgspec.Struct):
    """``GET /v1/accounts/{id}/orders`` (A6.6): ``"null"`` when there are none."""

    orders: OrdersBody | str | None = None


class OrderResponse(msgspec.Struct):
    """A single order GET, a placement/modify/cancel acknowledgement, or a preview."""

    order: Order | str | None = None


class GainLossRow(msgspec.Struct):
    """One closed position of ``/gainloss`` (A6.5)."""

    symbol: str
    close_date: str | None = None
    open_date: str | None = None
    cost: float | None = None
    gain_loss: float | None = None
    gain_loss_percent: float | None = None
    proceeds: float | None = None
    quantity: float | None = None
    term: float | None = None


class GainLossBody(msgspec.Struct):
    """The ``gainloss`` object."""

    closed_position: list[GainLossRow] | GainLossRow | str | None = None


class GainLossResponse(msgspec.Struct):
    """``GET /v1/accounts/{id}/gainloss``."""

    gainloss: GainLossBody | str | None = None


class OptionActivity(msgspec.Struct):
    """The ``option`` object of an account-history event: an expiration, assignment or exercise.

    ``option_type`` is e.g. ``OPTEXP``; ``quantity`` is in contracts (its sign is not used).
    """

    option_type: str | None = None
    description: str | None = None
    quantity: float | None = None


class HistoryEvent(msgspec.Struct):
    """One account-history row (A6.4); nightly, with no order id or execution time.

    ``option`` is set on events of type ``option`` (expirations, assignments, exercises).
    """

    date: str
    amount: float | None = None
    type: str | None = None
    event_type: str | None = None
    description: str | None = None
    symbol: str | None = None
    option: OptionActivity | None = None


class HistoryEventsBody(msgspec.Struct):
    """The ``history`` object of account history."""

    event: list[HistoryEvent] | HistoryEvent | str | None = None


class AccountHistoryResponse(msgspec.Struct):
    """``GET /v1/accounts/{id}/history`` (not available in paper)."""

    history: HistoryEventsBody | str | None = None


class ProfileAccount(msgspec.Struct):
    """One account of the user profile (A6.1)."""

    account_number: str | int
    classification: str | None = None
    day_trader: bool | None = None
    option_level: int | None = None
    status: str | int | None = None
    type: str | None = None


class Profile(msgspec.Struct):
    """The ``profile`` object; ``account`` is an object for one account, a list for more."""

    id: str | int | None = None
    name: str | None = None
    account: list[ProfileAccount] | ProfileAccount | str | None = None


class ProfileResponse(msgspec.Struct):
    """``GET /v1/user/profile``."""

    profile: Profile


class UserAccount(msgspec.Struct):
    """One account of the 2013 ``/v1/user/*`` aggregate endpoints."""

    account_number: str | int
    balances: Balances | None = None
    positions: PositionsBody | str | None = None
    orders: OrdersBody | str | None = None
    history: HistoryEventsBody | str | None = None


class UserAccountsBody(msgspec.Struct):
    """The ``accounts`` object."""

    account: list[UserAccount] | UserAccount | str | None = None


class UserAccountsResponse(msgspec.Struct):
    """``GET /v1/user/{balances,positions,orders,history}`` (2013)."""

    accounts: UserAccountsBody | str | None = None


# -- Streaming (A11) ------------------------------------------------------------------------


class StreamSession(msgspec.Struct):
    """A streaming session; the id opens one connection within about five minutes."""

    sessionid: str
    url: str | None = None


class SessionResponse(msgspec.Struct):
    """``POST /v1/markets/events/session`` and ``/v1/accounts/events/session``."""

    stream: StreamSession


class MarketEvent(msgspec.Struct):
    """One market stream message (``quote``, ``trade``, ``tradex``, ``summary``, ``timesale``).

    Numbers and epoch-ms dates arrive as strings; a refused subscription is
    ``{"error": "..."}`` with no ``type``.
    """

    type: str | None = None
    symbol: str | None = None
    bid: float | None = None
    ask: float | None = None
    bidsz: float | None = None
    asksz: float | None = None
    biddate: int | None = None
    askdate: int | None = None
    exch: str | None = None
    price: float | None = None
    size: float | None = None
    cvol: float | None = None
    date: int | None = None
    last: float | None = None
    open: float | None = None
    high: float | None = None
    low: float | None = None
    close: float | None = None
    prev_close: float | None = msgspec.field(default=None, name="prevClose")
    error: str | None = None


class AccountEvent(msgspec.Struct):
    """One account stream message: an ``order`` update or a ``heartbeat`` (A11.5).

    Order events carry no symbol, side or quantity; ``executed_quantity`` is the legacy name
    of ``exec_quantity``.
    """

    event: str | None = None
    id: int | None = None
    parent_id: int | None = None
    account: str | None = None
    status: str | None = None
    type: str | None = None
    tag: str | None = None
    price: float | None = None
    stop_price: float | None = None
    avg_fill_price: float | None = None
    exec_quantity: float | None = None
    executed_quantity: float | None = None
    last_fill_price: float | None = None
    last_fill_quantity: float | None = None
    remaining_quantity: float | None = None
    create_date: str | None = None
    transaction_date: str | None = None
    timestamp: str | None = None
