"""What one option contract delivers: shares of the underlying, cash, and its multiplier.

A standard equity option delivers 100 shares and has a multiplier of 100: a premium of 1.50
costs 150.00 and exercising a 40 strike pays 4,000.00 for the 100 shares. After some corporate
actions OCC adjusts outstanding contracts instead of the share count: since 2007 (OCC By-Laws
Art. VI §11A, as amended by SR-OCC-2006-01; the Options Disclosure Document's chapter on
adjustments) a 3-for-2 split leaves the strike and the multiplier unchanged and makes each
contract deliver 150 shares, under a new root (``XYZ`` becomes ``XYZ1``, OCC symbology). A
spin-off or a merger can add other shares or cash to the deliverable (cash in lieu of
fractional shares, cash per share of a merger). OCC publishes each adjustment in an
information memo (``infomemo.theocc.com``): effective date, new root, multiplier and new
deliverable per contract.

So a contract has three numbers: the **multiplier** (premium and strike in dollars per
contract are ``price × multiplier`` and ``strike × multiplier``), the **shares** of the
underlying it delivers and the **cash** it delivers (dollars per contract). Exercise of a
call pays ``strike × multiplier`` and receives the shares and the cash; a put delivers the
shares and the cash and receives ``strike × multiplier``. A contract is in the money at
expiry when its deliverable is worth more (a call) or less (a put) than ``strike ×
multiplier`` at the underlying's price.
"""

from dataclasses import dataclass
from decimal import Decimal

from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.instruments import OptionContract

from options.occ import parse_occ

STANDARD_SHARES = 100
"""Shares a standard equity option delivers, also its multiplier."""

SHARES_KEY = "deliverable_shares"
CASH_KEY = "deliverable_cash"
"""Keys of an ``OptionContract.info`` dict that hold a non-standard deliverable."""


@dataclass(frozen=True, slots=True)
class Deliverable:
    """The deliverable and multiplier of one option contract.

    Parameters
    ----------
    shares : int
        Shares of the underlying delivered per contract (150 after a 3-for-2 split); 0 or
        more.
    cash : Decimal, default 0
        Cash delivered per contract with the shares, dollars (cash in lieu of fractional
        shares, a merger's cash component); 0 or more.
    multiplier : int, default 100
        Dollars per contract of one dollar of premium or strike.

    Raises
    ------
    ValueError
        If a number is negative, the multiplier is not positive, or the contract would
        deliver nothing.

    """

    shares: int
    cash: Decimal = Decimal(0)
    multiplier: int = STANDARD_SHARES

    def __post_init__(self) -> None:
        if self.shares < 0 or self.cash < 0 or self.multiplier <= 0:
            raise ValueError(
                f"deliverable was not valid: shares {self.shares}, cash {self.cash}, "
                f"multiplier {self.multiplier}"
            )
        if self.shares == 0 and self.cash == 0:
            raise ValueError("deliverable was empty: no shares and no cash")

    @property
    def is_standard(self) -> bool:
        """Return whether this is the standard 100 shares, no cash, multiplier 100."""
        return self.shares == self.multiplier == STANDARD_SHARES and self.cash == 0

    def strike_amount(self, strike: Decimal) -> Decimal:
        """Return the dollars paid (call) or received (put) per contract on exercise."""
        return strike * self.multiplier

    def value(self, spot: Decimal) -> Decimal:
        """Return the deliverable's worth per contract at the underlying price `spot`."""
        return self.shares * spot + self.cash

    def in_the_money(self, kind: OptionKind, strike: Decimal, spot: Decimal) -> bool:
        """Return whether a contract of `kind` and `strike` is in the money at `spot`."""
        value, amount = self.value(spot), self.strike_amount(strike)
        return value > amount if kind == OptionKind.CALL else value < amount

    def info(self) -> dict[str, object]:
        """Return the deliverable as ``OptionContract.info`` entries (shares, cash text)."""
        return {SHARES_KEY: self.shares, CASH_KEY: str(self.cash)}


STANDARD = Deliverable(STANDARD_SHARES)
"""100 shares, no cash, multiplier 100."""


def deliverable_of(info: dict[str, object] | None, multiplier: int) -> Deliverable:
    """Return the deliverable an ``OptionContract`` carries in its `info` and `multiplier`.

    A contract without the :data:`SHARES_KEY` entry delivers `multiplier` shares (index
    options settle in cash and never read it).
    """
    if not info or SHARES_KEY not in info:
        return Deliverable(multiplier, multiplier=multiplier)
    return Deliverable(
        shares=int(str(info[SHARES_KEY])),
        cash=Decimal(str(info.get(CASH_KEY, "0"))),
        multiplier=multiplier,
    )


def is_standard_contract(contract: OptionContract) -> bool:
    """Return whether `contract` delivers the standard 100 shares of its underlying.

    Standard: multiplier 100, no non-standard deliverable in its ``info``
    (:func:`deliverable_of`) and an OCC root that is not adjusted (an adjusted root ends in
    a digit, ``XYZ1``; OCC symbology). An adjusted root counts as non-standard even when its
    ``info`` says nothing, since a vendor may not say what it delivers (Tradier gives only a
    contract size). Index options (cash-settled, multiplier 100) are standard.
    """
    deliverable = deliverable_of(contract.info, int(contract.multiplier.as_double()))
    if not deliverable.is_standard:
        return False
    try:
        root = parse_occ(contract.raw_symbol.value).root
    except ValueError:
        return True  # not an OCC symbol: only its multiplier and deliverable speak
    return not root[-1:].isdigit()
