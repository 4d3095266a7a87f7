"""Nautilus orders to Tradier forms: sides with position effect, multileg net prices, brackets."""

from decimal import Decimal

import pytest
from nautilus_trader.common.component import TestClock
from nautilus_trader.common.factories import OrderFactory
from nautilus_trader.model.enums import OrderSide, OrderType, TimeInForce
from nautilus_trader.model.identifiers import (
    InstrumentId,
    StrategyId,
    TraderId,
    new_generic_spread_id,
)
from nautilus_trader.model.objects import Price, Quantity

from adapters.tradier import orders as forms

SHORT = InstrumentId.from_str("SPY240119P00470000.US")
LONG = InstrumentId.from_str("SPY240119P00460000.US")
SPY = InstrumentId.from_str("SPY.US")
SPREAD = new_generic_spread_id([(SHORT, -1), (LONG, 1)])


@pytest.fixture
def factory() -> OrderFactory:
    return OrderFactory(TraderId("TESTER-001"), StrategyId("S-001"), TestClock())


@pytest.mark.parametrize(
    ("side", "position", "option", "expected"),
    [
        (OrderSide.BUY, Decimal(0), True, "buy_to_open"),
        (OrderSide.BUY, Decimal(-2), True, "buy_to_close"),
        (OrderSide.SELL, Decimal(0), True, "sell_to_open"),
        (OrderSide.SELL, Decimal(3), True, "sell_to_close"),
        (OrderSide.BUY, Decimal(0), False, "buy"),
        (OrderSide.BUY, Decimal(-100), False, "buy_to_cover"),
        (OrderSide.SELL, Decimal(100), False, "sell"),
        (OrderSide.SELL, Decimal(0), False, "sell_short"),
    ],
)
def test_position_effect(side: OrderSide, position: Decimal, option: bool, expected: str) -> None:
    assert forms.position_effect(side, position, option) == expected


def test_equity_stop_limit_day(factory: OrderFactory) -> None:
    order = factory.stop_limit(
        SPY,
        OrderSide.SELL,
        Quantity.from_int(100),
        Price(465.0, 4),
        Price(466.0, 4),
        time_in_force=TimeInForce.DAY,
    )
    form = forms.single_order_form(order, Decimal(100))
    assert form == {
        "class": "equity",
        "symbol": "SPY",
        "side": "sell",
        "quantity": "100",
        "duration": "day",
        "tag": order.client_order_id.value,
        "type": "stop_limit",
        "price": "465",
        "stop": "466",
    }


def test_option_market_to_close(factory: OrderFactory) -> None:
    order = factory.market(SHORT, OrderSide.BUY, Quantity.from_int(1))
    form = forms.single_order_form(order, Decimal(-1))
    assert form["class"] == "option"
    assert form["symbol"] == "SPY"
    assert form["option_symbol"] == "SPY240119P00470000"
    assert form["side"] == "buy_to_close"
    assert form["type"] == "market"
    assert "price" not in form


def test_a_reduce_only_order_never_opens_a_position(factory: OrderFactory) -> None:
    order = factory.market(SHORT, OrderSide.SELL, Quantity.from_int(2), reduce_only=True)
    with pytest.raises(ValueError, match="reduce-only order would open a position"):
        forms.single_order_form(order, Decimal(0))  # a "close" of a leg never held
    assert forms.single_order_form(order, Decimal(2))["side"] == "sell_to_close"


def test_unsupported_time_in_force_is_refused(factory: OrderFactory) -> None:
    order = factory.limit(
        SHORT, OrderSide.BUY, Quantity.from_int(1), Price(1.0, 2), time_in_force=TimeInForce.IOC
    )
    with pytest.raises(ValueError, match="was not DAY or GTC"):
        forms.single_order_form(order, Decimal(0))


@pytest.mark.parametrize(
    ("side", "price", "expected"),
    [
        (OrderSide.BUY, -1.20, {"type": "credit", "price": "1.2"}),
        (OrderSide.BUY, 0.80, {"type": "debit", "price": "0.8"}),
        (OrderSide.SELL, 1.20, {"type": "credit", "price": "1.2"}),
        (OrderSide.SELL, -0.50, {"type": "debit", "price": "0.5"}),
        (OrderSide.BUY, 0.0, {"type": "even"}),
    ],
)
def test_multileg_net_price(
    factory: OrderFactory, side: OrderSide, price: float, expected: dict
) -> None:
    order = factory.limit(SPREAD, side, Quantity.from_int(2), Price(price, 2))
    form = forms.multileg_form(order, {})
    assert {k: form[k] for k in expected} == expected
    assert form["symbol"] == "SPY"
    legs = {
        form[f"option_symbol[{i}]"]: (form[f"side[{i}]"], form[f"quantity[{i}]"]) for i in (0, 1)
    }
    if side == OrderSide.BUY:
        assert legs == {
            "SPY240119P00470000": ("sell_to_open", "2"),
            "SPY240119P00460000": ("buy_to_open", "2"),
        }
    else:
        assert legs == {
            "SPY240119P00470000": ("buy_to_open", "2"),
            "SPY240119P00460000": ("sell_to_open", "2"),
        }


def test_multileg_closing_sides_and_ratios(factory: OrderFactory) -> None:
    spread = new_generic_spread_id([(SHORT, -2), (LONG, 1)])
    order = factory.market(spread, OrderSide.SELL, Quantity.from_int(3))
    form = forms.multileg_form(order, {SHORT: Decimal(-6), LONG: Decimal(3)})
    legs = {
        form[f"option_symbol[{i}]"]: (form[f"side[{i}]"], form[f"quantity[{i}]"]) for i in (0, 1)
    }
    assert legs == {
        "SPY240119P00470000": ("buy_to_close", "6"),
        "SPY240119P00460000": ("sell_to_close", "3"),
    }
    assert form["type"] == "market"


def test_multileg_refuses_mixed_underlyings(factory: OrderFactory) -> None:
    spread = new_generic_spread_id(
        [(SHORT, -1), (InstrumentId.from_str("QQQ240119P00400000.US"), 1)]
    )
    order = factory.limit(spread, OrderSide.BUY, Quantity.from_int(1), Price(-1.0, 2))
    with pytest.raises(ValueError, match="different underlyings"):
        forms.multileg_form(order, {})


def test_otoco_bracket(factory: OrderFactory) -> None:
    bracket = factory.bracket(
        LONG,
        OrderSide.BUY,
        Quantity.from_int(1),
        entry_price=Price(1.9, 2),
        entry_order_type=OrderType.LIMIT,
        sl_trigger_price=Price(1.0, 2),
        tp_price=Price(3.0, 2),
    )
    orders = bracket.orders
    assert forms.bracket_class(orders) == "otoco"
    form = forms.bracket_form("otoco", orders, Decimal(0))
    assert form["class"] == "otoco"
    assert [form[f"side[{i}]"] for i in range(3)] == [
        "buy_to_open",
        "sell_to_close",
        "sell_to_close",
    ]
    assert [form[f"type[{i}]"] for i in range(3)] == ["limit", "stop", "limit"]
    assert form["tag"] == orders[0].client_order_id.value
    assert forms.bracket_class(orders[1:]) == "oco"
    oco = forms.bracket_form("oco", orders[1:], Decimal(1))
    assert [oco[f"side[{i}]"] for i in range(2)] == ["sell_to_close", "sell_to_close"]


def test_otoco_market_entry_is_refused(factory: OrderFactory) -> None:
    bracket = factory.bracket(
        LONG,
        OrderSide.BUY,
        Quantity.from_int(1),
        sl_trigger_price=Price(1.0, 2),
        tp_price=Price(3.0, 2),
    )
    with pytest.raises(ValueError, match="must be a limit or stop"):
        forms.bracket_form("otoco", bracket.orders, Decimal(0))


def test_modify_forms(factory: OrderFactory) -> None:
    single = factory.stop_limit(
        SHORT, OrderSide.BUY, Quantity.from_int(1), Price(2.0, 2), Price(1.9, 2)
    )
    assert forms.modify_form(single, Decimal("2.10"), Decimal("2.00")) == {
        "duration": "gtc",
        "type": "stop_limit",
        "price": "2.1",
        "stop": "2",
    }
    spread = factory.limit(SPREAD, OrderSide.BUY, Quantity.from_int(1), Price(-1.2, 2))
    assert forms.modify_form(spread, Decimal("-1.10"), None) == {
        "duration": "gtc",
        "type": "credit",
        "price": "1.1",
    }


def test_tag_keeps_only_allowed_characters() -> None:
    assert forms.order_tag("O-20240102-143312-001-000-1") == "O-20240102-143312-001-000-1"
    assert forms.order_tag("my_order.1") == "my-order-1"
