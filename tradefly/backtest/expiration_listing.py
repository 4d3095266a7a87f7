"""The simulated venue's matching engines for an expiration, created at its first data point.

Nautilus's ``SimulatedExchange`` keeps one ``OrderMatchingEngine`` per instrument, and at every
instant with a command pending (an order, its fills, the venue's expiry orders) it iterates
every one of them (``BacktestEngine._process_and_settle_venues``, Nautilus 1.231): on a
ten-year run with 7,641 option contracts that loop was 40% of the CPU of Nautilus's own part
of the run. A contract that is in the cache but not in the venue gets its matching engine from
the venue itself at its first quote (``SimulatedExchange.process_quote_tick`` calls
``add_instrument``), so the runner puts the options in the cache only and lets them join the
venue when their data starts.

This module makes that join happen by expiration rather than contract by contract: at the first
data point of any contract of an expiration (or at an order for one of them, which would
otherwise find no matching engine), the venue gets the matching engines of all the run's
contracts of that expiration, in the run's order. The venue processes the expiry of
several contracts at one instant in the order of their matching engines (that order decides,
for example, which of several assigned share positions a later sale closes), and this keeps it
the order of the run's contract list, as when every contract was added before the run.
"""

from collections.abc import Iterable

from nautilus_trader.backtest.config import SimulationModuleConfig
from nautilus_trader.backtest.engine import SimulatedExchange
from nautilus_trader.backtest.modules import SimulationModule
from nautilus_trader.core.data import Data
from nautilus_trader.model.data import Bar
from nautilus_trader.model.events import OrderEvent
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import OptionContract


class ExpirationListing(SimulationModule):  # type: ignore[misc]
    """Adds each expiration's contracts to the venue at the first data point of, or order for, any.

    Parameters
    ----------
    options : Iterable[OptionContract]
        The run's option contracts, in the order their matching engines should have within an
        expiration. They must already be in the engine's cache; those already in the venue
        are left as they are.

    """

    def __init__(self, options: Iterable[OptionContract]) -> None:
        super().__init__(SimulationModuleConfig())
        by_expiration: dict[int, list[OptionContract]] = {}
        for option in options:
            by_expiration.setdefault(option.expiration_ns, []).append(option)
        self._unlisted: dict[InstrumentId, list[OptionContract]] = {
            option.id: group for group in by_expiration.values() for option in group
        }

    def register_venue(self, exchange: SimulatedExchange) -> None:
        """Register the venue, and list an expiration on an order for one of its contracts.

        An order can name a contract before its expiration's first data point (the strategy
        knows it from the cache); its command must find a matching engine, which rejects a
        market order with no quote ("no market"), as when every contract was listed first.
        """
        super().register_venue(exchange)
        self.msgbus.subscribe(topic="events.order.*", handler=self._on_order_event)

    def pre_process(self, data: Data) -> None:
        """List the expiration of `data`'s instrument if it is not listed yet.

        The venue calls this before it looks up the instrument's matching engine.
        """
        instrument_id = data.bar_type.instrument_id if isinstance(data, Bar) else None
        self._list(instrument_id or getattr(data, "instrument_id", None))

    def _on_order_event(self, event: OrderEvent) -> None:
        self._list(event.instrument_id)

    def _list(self, instrument_id: InstrumentId | None) -> None:
        group = self._unlisted.get(instrument_id)
        if group is None:
            return
        listed = self.exchange.instruments
        for option in group:
            del self._unlisted[option.id]
            if option.id not in listed:  # a second matching engine would replace the first
                self.exchange.add_instrument(option)

    def process(self, ts_now: int) -> None:
        """Do nothing: contracts are listed on their data, in `pre_process`."""

    def log_diagnostics(self, logger: object) -> None:
        """Log nothing."""

    def reset(self) -> None:
        """Keep the listed contracts: the venue keeps their matching engines on a reset."""
