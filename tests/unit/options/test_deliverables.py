"""Deliverables of adjusted contracts, and exact share prices of their delivery."""

from decimal import Decimal

import pytest
from nautilus_trader.model.enums import OptionKind

from options.deliverables import STANDARD, Deliverable, deliverable_of, is_standard_contract
from options.instruments import make_option_contract
from options.occ import parse_occ
from tradefly.backtest.deliverable_settlement import share_fills

XYZ1 = Deliverable(150)  # a 3-for-2 split since 2007: 150 shares, multiplier 100


def test_money_is_the_deliverable_against_strike_times_multiplier() -> None:
    # 60 strike: 6,000.00 against 150 shares. At 39.00 they are worth 5,850.00, at 40.01
    # 6,001.50: a put is in the money below 40.00 a share and a call above.
    assert XYZ1.in_the_money(OptionKind.PUT, Decimal(60), Decimal("39.00"))
    assert not XYZ1.in_the_money(OptionKind.CALL, Decimal(60), Decimal("39.00"))
    assert XYZ1.in_the_money(OptionKind.CALL, Decimal(60), Decimal("40.01"))
    assert not XYZ1.in_the_money(OptionKind.PUT, Decimal(60), Decimal("40.00"))
    # 100 shares plus 12.50 cash, 50 strike: the call pays 5,000.00 for 4,987.50 at 49.75.
    with_cash = Deliverable(100, Decimal("12.50"))
    assert not with_cash.in_the_money(OptionKind.CALL, Decimal(50), Decimal("49.75"))
    assert with_cash.in_the_money(OptionKind.CALL, Decimal(50), Decimal("49.88"))


def test_standard_and_info_round_trip() -> None:
    assert STANDARD.is_standard and not XYZ1.is_standard
    assert deliverable_of(None, 100) == STANDARD
    assert deliverable_of(Deliverable(150, Decimal("3.25")).info(), 100) == Deliverable(
        150, Decimal("3.25")
    )


@pytest.mark.parametrize(
    ("shares", "cash", "multiplier"), [(-1, 0, 100), (150, -1, 100), (150, 0, 0), (0, 0, 100)]
)
def test_invalid_deliverables_are_refused(shares: int, cash: int, multiplier: int) -> None:
    with pytest.raises(ValueError, match="deliverable was"):
        Deliverable(shares, Decimal(cash), multiplier)


def test_share_fills_total_exactly_the_strike_amount() -> None:
    # 60 × 100 for 150 shares: 40.00 each.
    assert share_fills(Decimal(6000), 150) == [(Decimal(40), 150)]
    # 55 × 100 for 150 shares: 36.6666... each; 55,000,000 ten-thousandths / 150 = 366,666
    # remainder 100, so 100 shares at 36.6667 and 50 at 36.6666 (3,666.67 + 1,833.33).
    fills = share_fills(Decimal(5500), 150)
    assert fills == [(Decimal("36.6667"), 100), (Decimal("36.6666"), 50)]
    assert sum(price * count for price, count in fills) == Decimal(5500)


@pytest.mark.parametrize(
    ("symbol", "deliverable", "standard"),
    [
        ("XYZ210716P00060000", STANDARD, True),
        ("SPXW210716P04000000", STANDARD, True),  # cash-settled index, multiplier 100
        ("XYZ1210716P00060000", XYZ1, False),  # 150 shares after a 3-for-2 split
        ("XYZ1210716P00060000", STANDARD, False),  # an adjusted root, deliverable unknown
        ("XYZ210716P00060000", Deliverable(100, Decimal("12.50")), False),  # cash too
        ("XYZ210716P00060000", Deliverable(10, multiplier=10), False),  # a mini
    ],
)
def test_a_standard_contract_delivers_100_shares_of_its_underlying(
    symbol: str, deliverable: Deliverable, standard: bool
) -> None:
    contract = make_option_contract(parse_occ(symbol), "XYZ", deliverable=deliverable)
    assert is_standard_contract(contract) is standard
