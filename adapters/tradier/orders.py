"""Pure translation of Nautilus orders into Tradier order forms (``api-tradier.md`` A8, A9).

Sides carry the position effect Tradier needs (``buy_to_open``, ``sell_to_close``, ``sell_short``
...), derived from the position held before the order. A Nautilus order on a generic spread
instrument becomes one ``multileg`` order: leg ``i`` trades ``|ratio_i| × quantity`` in the
direction of ``sign(ratio_i)`` (flipped for a SELL), and the net price follows Nautilus's spread
price ``Σ ratio_i × leg_price_i``: a BUY at ``p`` is a debit of ``p`` when ``p > 0`` and a credit
of ``-p`` when ``p < 0`` (a SELL the reverse); zero is ``even``. Brackets become ``oco``, ``oto``
or ``otoco`` orders.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from nautilus_trader.model.enums import ContingencyType, OrderSide, OrderType, TimeInForce
from nautilus_trader.model.identifiers import (
    InstrumentId,
    generic_spread_id_to_list,
    is_generic_spread_id,
)
from nautilus_trader.model.orders import Order

from adapters.tradier.constants import MAX_MULTILEG_LEGS
from adapters.tradier.parsing import is_option_symbol, parse_option_symbol

TYPES = {
    OrderType.MARKET: "market",
    OrderType.LIMIT: "limit",
    OrderType.STOP_MARKET: "stop",
    OrderType.STOP_LIMIT: "stop_limit",
}
DURATIONS = {TimeInForce.DAY: "day", TimeInForce.GTC: "gtc"}
OPENING_SIDES = frozenset({"buy_to_open", "sell_to_open", "buy", "sell_short"})
_TAG_CHARS = re.compile(r"[^A-Za-z0-9-]")


def order_tag(client_order_id: str) -> str:
    """Return the Tradier ``tag`` for a client order id (letters, digits, hyphens; ≤ 255)."""
    return _TAG_CHARS.sub("-", client_order_id)[:255]


def position_effect(side: OrderSide, position: Decimal, option: bool) -> str:
    """Return Tradier's side for an order, given the signed position held before it.

    Parameters
    ----------
    side : OrderSide
        ``BUY`` or ``SELL``.
    position : Decimal
        The signed quantity held (negative is short).
    option : bool
        Whether the instrument is an option (``*_to_open``/``*_to_close``) or an equity
        (``buy``, ``buy_to_cover``, ``sell``, ``sell_short``).

    Returns
    -------
    str
        Closing when the order trades against the held position, else opening.

    """
    if side == OrderSide.BUY:
        closing = position < 0
        if option:
            return "buy_to_close" if closing else "buy_to_open"
        return "buy_to_cover" if closing else "buy"
    closing = position > 0
    if option:
        return "sell_to_close" if closing else "sell_to_open"
    return "sell" if closing else "sell_short"


def _duration(order: Order) -> str:
    duration = DURATIONS.get(order.time_in_force)
    if duration is None:
        raise ValueError(f"time in force was not DAY or GTC: {order.time_in_force.name}")
    return duration


def _decimal(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _quantity(order: Order) -> str:
    quantity = order.quantity.as_decimal()
    if quantity != quantity.to_integral_value():
        raise ValueError(f"quantity was not a whole number: {quantity}")
    return _decimal(quantity)


def _prices(order: Order, suffix: str = "") -> dict[str, str]:
    """Return the ``type``, ``price`` and ``stop`` fields of a single order."""
    kind = TYPES.get(order.order_type)
    if kind is None:
        raise ValueError(f"order type was unsupported by Tradier: {order.order_type.name}")
    fields = {f"type{suffix}": kind}
    if order.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT):
        fields[f"price{suffix}"] = _decimal(order.price.as_decimal())
    if order.order_type in (OrderType.STOP_MARKET, OrderType.STOP_LIMIT):
        fields[f"stop{suffix}"] = _decimal(order.trigger_price.as_decimal())
    return fields


def _symbols(instrument_id: InstrumentId) -> tuple[str, str | None]:
    """Return (``symbol``, ``option_symbol``) for an instrument."""
    symbol = instrument_id.symbol.value
    if is_option_symbol(symbol):
        return parse_option_symbol(symbol).underlying, symbol
    return symbol, None


def single_order_form(order: Order, position: Decimal) -> dict[str, str]:
    """Return the form of an equity or single-option order.

    Parameters
    ----------
    order : Order
        A market, limit, stop or stop-limit order, DAY or GTC.
    position : Decimal
        The signed position in the instrument before the order.

    Raises
    ------
    ValueError
        If the order type, time in force or quantity is unsupported, or a reduce-only order
        would open a position (e.g. ``sell_to_open`` for a close of a leg never held).

    """
    symbol, option_symbol = _symbols(order.instrument_id)
    side = position_effect(order.side, position, option_symbol is not None)
    if order.is_reduce_only and side in OPENING_SIDES:
        raise ValueError(
            f"reduce-only order would open a position ({side} {order.instrument_id}, "
            f"{position} held)"
        )
    form = {
        "class": "option" if option_symbol else "equity",
        "symbol": symbol,
        "side": side,
        "quantity": _quantity(order),
        "duration": _duration(order),
        "tag": order_tag(order.client_order_id.value),
        **_prices(order),
    }
    if option_symbol:
        form["option_symbol"] = option_symbol
    return form


@dataclass(frozen=True, slots=True)
class SpreadLeg:
    """One leg of a spread order.

    Parameters
    ----------
    instrument_id : InstrumentId
        The option.
    side : OrderSide
        The leg's direction.
    quantity : Decimal
        Contracts for the leg (``|ratio| × order quantity``).
    ratio : int
        The signed ratio in the spread ID.

    """

    instrument_id: InstrumentId
    side: OrderSide
    quantity: Decimal
    ratio: int


def spread_legs(order: Order) -> list[SpreadLeg]:
    """Return the legs of an order on a generic spread instrument.

    Raises
    ------
    ValueError
        If the spread has more than four legs.

    """
    legs = generic_spread_id_to_list(order.instrument_id)
    if not 2 <= len(legs) <= MAX_MULTILEG_LEGS:
        raise ValueError(f"spread legs were not 2 to {MAX_MULTILEG_LEGS}: {order.instrument_id}")
    quantity = order.quantity.as_decimal()
    result = []
    for instrument_id, ratio in legs:
        buy = (ratio > 0) == (order.side == OrderSide.BUY)
        result.append(
            SpreadLeg(
                instrument_id,
                OrderSide.BUY if buy else OrderSide.SELL,
                abs(ratio) * quantity,
                ratio,
            )
        )
    return result


def net_price_fields(side: OrderSide, price: Decimal) -> dict[str, str]:
    """Return ``type`` and ``price`` of a multileg limit order from a Nautilus spread price."""
    debit = price if side == OrderSide.BUY else -price
    if debit > 0:
        return {"type": "debit", "price": _decimal(debit)}
    if debit < 0:
        return {"type": "credit", "price": _decimal(-debit)}
    return {"type": "even"}


def multileg_form(order: Order, positions: Mapping[InstrumentId, Decimal]) -> dict[str, str]:
    """Return the ``multileg`` form of an order on a spread of 2 to 4 options.

    Parameters
    ----------
    order : Order
        A MARKET or LIMIT order on a generic spread ID, DAY or GTC.
    positions : Mapping[InstrumentId, Decimal]
        The signed position held in each leg.

    Raises
    ------
    ValueError
        If a leg is not an option, the legs have different underlyings, or the order type,
        time in force or quantity is unsupported.

    """
    legs = spread_legs(order)
    underlyings = set()
    form = {
        "class": "multileg",
        "duration": _duration(order),
        "tag": order_tag(order.client_order_id.value),
    }
    _quantity(order)
    for index, leg in enumerate(legs):
        symbol = leg.instrument_id.symbol.value
        if not is_option_symbol(symbol):
            raise ValueError(f"multileg legs must be options, leg was {symbol}")
        underlyings.add(parse_option_symbol(symbol).underlying)
        form[f"option_symbol[{index}]"] = symbol
        form[f"side[{index}]"] = position_effect(
            leg.side, positions.get(leg.instrument_id, Decimal(0)), True
        )
        form[f"quantity[{index}]"] = _decimal(leg.quantity)
    if len(underlyings) != 1:
        raise ValueError(f"multileg legs had different underlyings: {sorted(underlyings)}")
    form["symbol"] = underlyings.pop()
    if order.order_type == OrderType.MARKET:
        form["type"] = "market"
    elif order.order_type == OrderType.LIMIT:
        form.update(net_price_fields(order.side, order.price.as_decimal()))
    else:
        raise ValueError(f"multileg order type was not MARKET or LIMIT: {order.order_type.name}")
    return form


def bracket_class(orders: Sequence[Order]) -> str | None:
    """Return ``oco``, ``oto`` or ``otoco`` for a contingent order list, else None.

    An entry with ``OTO`` contingency followed by two linked children (``OCO``, or ``OUO``
    as ``order_factory.bracket`` makes them; Tradier's OCO cancels the sibling on any fill) is
    ``otoco``; an entry and one child is ``oto``; two linked orders alone are ``oco``.
    """
    linked = (ContingencyType.OCO, ContingencyType.OUO)
    kinds = [o.contingency_type for o in orders]
    if len(orders) == 3 and kinds[0] == ContingencyType.OTO and all(k in linked for k in kinds[1:]):
        return "otoco"
    if len(orders) == 2 and kinds[0] == ContingencyType.OTO:
        return "oto"
    if len(orders) == 2 and all(k in linked for k in kinds):
        return "oco"
    return None


def bracket_form(order_class: str, orders: Sequence[Order], position: Decimal) -> dict[str, str]:
    """Return the form of an ``oco``/``oto``/``otoco`` order on one instrument.

    Parameters
    ----------
    order_class : str
        From :func:`bracket_class`.
    orders : Sequence[Order]
        The orders in list order (entry first).
    position : Decimal
        The signed position before the entry; children of an entry see the position after it.

    Raises
    ------
    ValueError
        If the orders span instruments or break Tradier's rules (an entry must be a limit or
        stop order; OCO types must differ; durations are shared).

    """
    if len({o.instrument_id for o in orders}) != 1:
        raise ValueError("bracket orders must share one instrument")
    if len({o.time_in_force for o in orders}) != 1:
        raise ValueError("bracket orders must share one time in force")
    oco = orders[1:] if order_class == "otoco" else orders if order_class == "oco" else []
    if oco and len({o.order_type for o in oco}) != len(oco):
        raise ValueError("OCO order types must differ (e.g. a limit and a stop)")
    if order_class in ("oto", "otoco") and orders[0].order_type == OrderType.MARKET:
        raise ValueError(f"{order_class} entry must be a limit or stop order, not MARKET")
    symbol, option_symbol = _symbols(orders[0].instrument_id)
    form = {
        "class": order_class,
        "duration": _duration(orders[0]),
        "tag": order_tag(orders[0].client_order_id.value),
    }
    held = position
    for index, order in enumerate(orders):
        form[f"symbol[{index}]"] = symbol
        if option_symbol:
            form[f"option_symbol[{index}]"] = option_symbol
        form[f"side[{index}]"] = position_effect(order.side, held, option_symbol is not None)
        form[f"quantity[{index}]"] = _quantity(order)
        form.update(_prices(order, f"[{index}]"))
        if index == 0 and order_class in ("oto", "otoco"):
            signed = order.quantity.as_decimal()
            held += signed if order.side == OrderSide.BUY else -signed
    return form


def modify_form(
    order: Order, price: Decimal | None, trigger_price: Decimal | None
) -> dict[str, str]:
    """Return the form of a modify (type, duration, price, stop; never quantity).

    For a spread order the price is the Nautilus spread price, sent as debit/credit/even.

    Raises
    ------
    ValueError
        If the order type or time in force is unsupported.

    """
    form = {"duration": _duration(order)}
    if is_generic_spread_id(order.instrument_id):
        if price is not None:
            form.update(net_price_fields(order.side, price))
        return form
    form["type"] = TYPES[order.order_type]
    if price is not None:
        form["price"] = _decimal(price)
    if trigger_price is not None:
        form["stop"] = _decimal(trigger_price)
    return form
