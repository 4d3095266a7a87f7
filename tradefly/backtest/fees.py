"""Commission model of the simulated US options broker."""

from nautilus_trader.backtest.models import FeeModel
from nautilus_trader.model.currencies import USD
from nautilus_trader.model.instruments import Instrument, OptionContract
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.model.orders import Order


class OptionsCommissionModel(FeeModel):
    """A flat fee per option contract and per share, in USD.

    Nautilus's ``PerContractFeeModel`` charges shares like contracts (0.65 × 100 shares for an
    assigned lot); brokers charge options per contract and shares separately. Expiry,
    assignment and exercise fills are not charged by the venue simulation.

    Parameters
    ----------
    per_contract : float
        USD per option contract (e.g. 0.65).
    per_share : float
        USD per share on equity fills.

    """

    def __init__(self, per_contract: float, per_share: float = 0.0) -> None:
        super().__init__()
        if per_contract < 0 or per_share < 0:
            raise ValueError(f"commission was negative: {per_contract!r}, {per_share!r}")
        self._per_contract = per_contract
        self._per_share = per_share

    def get_commission(
        self, order: Order, fill_qty: Quantity, fill_px: Price, instrument: Instrument
    ) -> Money:
        """Return the commission of one fill in USD."""
        rate = self._per_contract if isinstance(instrument, OptionContract) else self._per_share
        return Money(rate * fill_qty.as_double(), USD)
