"""Record checks at the edge: each decoded Tradier record is checked before it is converted.

A record passes only when every value a Nautilus object will be built from is one Nautilus
accepts (:mod:`adapters.vendor_values`): identifiers (symbols, tags) of plain ASCII without
NUL or control characters, finite prices within ``PRICE_MAX``, whole non-negative quantities
within ``QUANTITY_MAX`` (contracts and shares), epoch times within ``uint64`` nanoseconds.
Otherwise the check raises :class:`TradierParseError` whose ``kind`` names the failed check,
and the caller drops that record (and only it) and counts it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from adapters import vendor_values as values
from adapters.tradier import schemas
from adapters.tradier.errors import TradierParseError


@contextmanager
def as_parse_error() -> Iterator[None]:
    """Turn a :class:`adapters.vendor_values.VendorValueError` into a ``TradierParseError``."""
    try:
        yield
    except values.VendorValueError as exc:
        raise TradierParseError(str(exc), kind=exc.kind) from exc


def symbol(value: str, what: str = "symbol") -> str:
    """Return a vendor symbol or tag if it can name a Nautilus identifier.

    Raises
    ------
    TradierParseError
        Kind ``identifier``, see :func:`adapters.vendor_values.identifier`.

    """
    with as_parse_error():
        return values.identifier(value, what)


def _optional_symbol(value: str | None, what: str) -> None:
    if schemas.text(value) is not None:
        symbol(value or "", what)


def _prices(record: object, names: Iterable[str], signed: bool = False) -> None:
    for name in names:
        value = getattr(record, name)
        if value is not None:
            values.price(value, name, signed)


def _quantities(record: object, names: Iterable[str]) -> None:
    for name in names:
        value = getattr(record, name)
        if value is not None:
            values.quantity(value, name)


def _finite(record: object, names: Iterable[str]) -> None:
    for name in names:
        value = getattr(record, name)
        if value is not None:
            values.finite(value, name)


def _epoch_ms(record: object, names: Iterable[str]) -> None:
    for name in names:
        value = getattr(record, name)
        if isinstance(value, int) and value > 0:
            values.timestamp_ns(value * 1_000_000, name)


def check_quote(quote: schemas.Quote) -> schemas.Quote:
    """Return a REST quote (or chain row) whose values pass the edge checks.

    Raises
    ------
    TradierParseError
        If the symbol, underlying or root is not an identifier, a price is negative or out of
        range, a size is not a whole number, an epoch time is out of range or a greek is not
        finite.

    """
    symbol(quote.symbol)
    _optional_symbol(quote.underlying, "underlying")
    _optional_symbol(quote.root_symbol, "root_symbol")
    with as_parse_error():
        _prices(quote, ("last", "open", "high", "low", "close", "bid", "ask", "strike"))
        _finite(quote, ("change", "change_percentage", "prevclose", "week_52_high", "week_52_low"))
        _quantities(
            quote,
            ("volume", "last_volume", "bidsize", "asksize", "open_interest", "contract_size"),
        )
        _finite(quote, ("average_volume",))
        _epoch_ms(quote, ("trade_date", "bid_date", "ask_date"))
        if quote.greeks is not None:
            _finite(
                quote.greeks,
                ("delta", "gamma", "theta", "vega", "rho", "phi", "bid_iv", "mid_iv", "ask_iv"),
            )
            _finite(quote.greeks, ("smv_vol",))
    return quote


def check_market_event(event: schemas.MarketEvent) -> schemas.MarketEvent:
    """Return a market stream event whose values pass the edge checks.

    Raises
    ------
    TradierParseError
        If the symbol is not an identifier, a price is negative or out of range, a size is not
        a whole number or an epoch time is out of range.

    """
    _optional_symbol(event.symbol, "symbol")
    with as_parse_error():
        _prices(event, ("bid", "ask", "price", "last", "open", "high", "low", "close"))
        _finite(event, ("prev_close",))
        _quantities(event, ("bidsz", "asksz", "size", "cvol"))
        _epoch_ms(event, ("biddate", "askdate", "date"))
    return event


_ORDER_QUANTITIES = ("quantity", "exec_quantity", "last_fill_quantity", "remaining_quantity")
_ORDER_PRICES = ("price", "stop_price", "avg_fill_price", "last_fill_price")


def check_order(order: schemas.Order) -> schemas.Order:
    """Return an order (with its legs) whose values pass the edge checks.

    Prices may be negative (net prices of credit spreads).

    Raises
    ------
    TradierParseError
        If a symbol or tag is not an identifier, an id is negative, a quantity is not a whole
        number within range, or a price is not finite or out of range.

    """
    _optional_symbol(order.symbol, "symbol")
    _optional_symbol(order.option_symbol, "option_symbol")
    _optional_symbol(order.tag, "tag")
    if any(v is not None and v < 0 for v in (order.id, order.order_id, order.parent_id)):
        raise TradierParseError(f"order id was negative: {order.id}/{order.order_id}")
    with as_parse_error():
        _quantities(order, _ORDER_QUANTITIES)
        _prices(order, _ORDER_PRICES, signed=True)
        _finite(order, ("commission", "cost", "fees", "order_cost", "margin_change"))
        _finite(order, ("strike_price",))
    for leg in schemas.as_list(order.leg, "leg"):
        check_order(leg)
    return order


def check_account_event(event: schemas.AccountEvent) -> schemas.AccountEvent:
    """Return an account stream event whose values pass the edge checks.

    Raises
    ------
    TradierParseError
        If the tag is not an identifier, an id is negative, a quantity is not a whole number
        within range, or a price is not finite or out of range.

    """
    _optional_symbol(event.tag, "tag")
    if any(v is not None and v < 0 for v in (event.id, event.parent_id)):
        raise TradierParseError(f"account event id was negative: {event.id}")
    with as_parse_error():
        _quantities(event, (*_ORDER_QUANTITIES[1:], "executed_quantity"))
        _prices(event, _ORDER_PRICES, signed=True)
    return event


def check_position(position: schemas.Position) -> schemas.Position:
    """Return a position whose values pass the edge checks (a short is a negative quantity).

    Raises
    ------
    TradierParseError
        If the symbol is not an identifier, the quantity is not a whole number within range,
        or the cost basis is not finite or out of range.

    """
    symbol(position.symbol)
    with as_parse_error():
        values.quantity(abs(position.quantity), "quantity")
        if position.cost_basis is not None:
            values.money(position.cost_basis, "cost_basis")
    return position


def money(value: float, what: str) -> float:
    """Return an amount of USD a Nautilus ``Money`` can hold.

    Raises
    ------
    TradierParseError
        Kind ``money``, if `value` is not finite or out of range.

    """
    with as_parse_error():
        return values.money(value, what)


def timestamp_ns(value: int, what: str) -> int:
    """Return a UNIX ns time within ``[0, 2**63 - 1]``.

    Raises
    ------
    TradierParseError
        Kind ``timestamp``, if `value` is out of range.

    """
    with as_parse_error():
        return values.timestamp_ns(value, what)


@dataclass(slots=True)
class Checked[T]:
    """Records that passed a check, and the errors of those that did not.

    Parameters
    ----------
    items : list
        The records that passed, in vendor order.
    errors : list[TradierParseError]
        One error per rejected record.

    """

    items: list[T] = field(default_factory=list)
    errors: list[TradierParseError] = field(default_factory=list)


def keep_valid[T](records: Iterable[T], check: Callable[[T], T]) -> Checked[T]:
    """Return the records that pass `check`, and the errors of the others."""
    checked: Checked[T] = Checked()
    for record in records:
        try:
            checked.items.append(check(record))
        except TradierParseError as exc:
            checked.errors.append(exc)
    return checked
