"""A leg rebuilt at a restart gets its own fill price from Tradier's order detail (A7 ``leg``).

Orders are in the documented layout (``documented_layout_order_multileg.json``: a 470/460
put credit spread whose legs filled at 3.10 and 1.03) or built here in that layout.
"""

from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import InstrumentId

from adapters.tradier import schemas
from adapters.tradier.settlement import contracts_held, opening_fill_price, price_legs
from statestore import IntentState, StateStore, StoredLeg, StoredStructure

FIXTURES = Path(__file__).parent / "fixtures"
SHORT = "SPY240119P00470000"
LONG = "SPY240119P00460000"
SHORT_ID = InstrumentId.from_str(f"{SHORT}.US")
LONG_ID = InstrumentId.from_str(f"{LONG}.US")


def spread() -> schemas.Order:
    raw = (FIXTURES / "documented_layout_order_multileg.json").read_bytes()
    order = schemas.decode(schemas.OrderResponse, raw).order
    assert isinstance(order, schemas.Order)
    return order


def leg(symbol: str, side: str, filled: float, price: float) -> dict[str, Any]:
    return {
        "option_symbol": symbol,
        "side": side,
        "quantity": filled,
        "exec_quantity": filled,
        "avg_fill_price": price,
        "class": "option",
    }


def multileg(order_id: int, *legs: dict[str, Any]) -> schemas.Order:
    body = {"id": order_id, "class": "multileg", "status": "filled", "leg": list(legs)}
    return msgspec.convert(body, schemas.Order)


def test_each_leg_of_a_multileg_order_has_its_own_opening_price() -> None:
    order = spread()
    assert opening_fill_price([order], SHORT, OrderSide.SELL) == Decimal("3.1")
    assert opening_fill_price([order], LONG, OrderSide.BUY) == Decimal("1.03")
    assert opening_fill_price([order], SHORT, OrderSide.BUY) is None  # not opened long


def test_a_rolls_closing_legs_are_not_opening_prices() -> None:
    # the roll buys the old 470 put back at 1.50 and sells the new one at 4.20
    new = "SPY240216P00470000"
    roll = multileg(7, leg(SHORT, "buy_to_close", 1, 1.50), leg(new, "sell_to_open", 1, 4.20))
    assert opening_fill_price([roll], new, OrderSide.SELL) == Decimal("4.2")
    assert opening_fill_price([roll], SHORT, OrderSide.SELL) is None


def test_fills_of_several_orders_average_by_contracts() -> None:
    # 1 contract at 3.00 and 2 at 3.30: (3.00 + 2 x 3.30) / 3 = 3.20
    first = multileg(1, leg(SHORT, "sell_to_open", 1, 3.00))
    second = multileg(2, leg(SHORT, "sell_to_open", 2, 3.30))
    assert opening_fill_price([first, second], SHORT, OrderSide.SELL) == Decimal("3.2")


def test_a_fill_without_a_price_gives_no_price() -> None:
    # Tradier can report a fill before its price (avg_fill_price 0.0)
    order = multileg(1, leg(SHORT, "sell_to_open", 1, 0.0))
    assert opening_fill_price([order], SHORT, OrderSide.SELL) is None


def held_spread(store: StateStore, structure_id: str, venue_id: str | None) -> None:
    legs = (StoredLeg(f"{SHORT}.US", "SELL", 1), StoredLeg(f"{LONG}.US", "BUY", 1))
    structure = StoredStructure(structure_id, "S-1", "SPY", "2024-01-19", "open", legs, 2.07)
    store.save_structure(structure)
    order_id = f"O-{structure_id}"
    store.mint_intent("S-1", "entry", order_id, "SPREAD.US", 1, structure_id)
    store.set_intent_state(order_id, IntentState.FILLED, 2)
    if venue_id is not None:
        store.set_intent_venue_order_id(order_id, venue_id)


def test_legs_take_their_prices_from_the_order_that_opened_them() -> None:
    with StateStore(":memory:") as store:
        held_spread(store, "T-1", "228175")
        held = contracts_held(store)
    assert held[SHORT_ID].avg_px_open == Decimal("2.07")  # the net credit, until priced
    priced, approximate = price_legs(held, [SHORT_ID, LONG_ID], {"228175": spread()})
    assert (priced[SHORT_ID].avg_px_open, priced[LONG_ID].avg_px_open) == (
        Decimal("3.1"),
        Decimal("1.03"),
    )
    assert approximate == []


def test_a_leg_orders_venue_id_names_its_tradier_order() -> None:
    with StateStore(":memory:") as store:
        held_spread(store, "T-1", "228175-1")  # the second Nautilus order of one Tradier order
        held = contracts_held(store)
    assert held[LONG_ID].orders == ("228175",)


def test_legs_stay_at_the_net_credit_without_the_order_detail() -> None:
    with StateStore(":memory:") as store:
        held_spread(store, "T-1", None)  # filled, but no venue id was recorded
        held = contracts_held(store)
    priced, approximate = price_legs(held, [SHORT_ID, LONG_ID], {"228175": spread()})
    assert priced[SHORT_ID].avg_px_open == priced[LONG_ID].avg_px_open == Decimal("2.07")
    assert approximate == [SHORT_ID, LONG_ID]

    with StateStore(":memory:") as store:
        held_spread(store, "T-1", "228175")
        held = contracts_held(store)
    priced, approximate = price_legs(held, [SHORT_ID], {})  # the detail did not come
    assert (priced[SHORT_ID].avg_px_open, approximate) == (Decimal("2.07"), [SHORT_ID])


def test_a_one_leg_structures_credit_is_its_own_price() -> None:
    with StateStore(":memory:") as store:
        legs = (StoredLeg(f"{SHORT}.US", "SELL", 1),)
        store.save_structure(StoredStructure("T-1", "S-1", "SPY", "2024-01-19", "open", legs, 3.1))
        held = contracts_held(store)
    priced, approximate = price_legs(held, [SHORT_ID], {})
    assert (priced[SHORT_ID].avg_px_open, approximate) == (Decimal("3.1"), [])
