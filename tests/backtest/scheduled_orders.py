"""A test strategy that sends market orders at set minutes: the smallest driver of a replay.

Tradefly's shipped ``StructureEngine`` decides at the daily close; this strategy lets the
intraday tests open and close positions at chosen minutes of a minute replay.
"""

from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.objects import Quantity
from nautilus_trader.trading.strategy import Strategy


class ScheduledOrdersConfig(StrategyConfig, frozen=True):
    """Orders to send on the bar stamped ``ts`` (UNIX ns): ``(ts, instrument ID, action)``.

    ``action`` is ``buy`` or ``sell`` (a market order for 1 contract, opening a position) or
    ``close`` (close every open position of the instrument at market).
    """

    bar_type: str
    orders: tuple[tuple[int, str, str], ...]


class ScheduledOrders(Strategy):
    """Sends the configured orders when the underlying's bar of their minute arrives."""

    def __init__(self, config: ScheduledOrdersConfig) -> None:
        super().__init__(config)
        self._orders = config.orders
        self._bar_type = BarType.from_str(config.bar_type)

    def on_start(self) -> None:
        """Subscribe to the underlying's bars."""
        self.subscribe_bars(self._bar_type)

    def on_bar(self, bar: Bar) -> None:
        """Send the orders of this bar's minute."""
        for ts, instrument, action in self._orders:
            if ts != bar.ts_event:
                continue
            instrument_id = InstrumentId.from_str(instrument)
            if action == "close":
                for position in self.cache.positions_open(instrument_id=instrument_id):
                    self.close_position(position)
                continue
            side = OrderSide.BUY if action == "buy" else OrderSide.SELL
            self.submit_order(self.order_factory.market(instrument_id, side, Quantity.from_int(1)))
