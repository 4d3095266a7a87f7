"""A minimal strategy the node tests drive by hand: it records events and places nothing itself.

Tests submit, modify and cancel orders through it (same event loop as the node), so every
order goes through the real risk engine, execution engine and Tradier execution client.
"""

from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.data import Bar, OptionGreeks, QuoteTick
from nautilus_trader.model.events import OrderEvent
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.trading.strategy import Strategy

from options.instruments import VENUE, daily_bar_type
from options.option_volume import OptionVolume, option_volume_topic


class ShellStrategyConfig(StrategyConfig, frozen=True):
    """Quotes to subscribe to at start."""

    quote_ids: tuple[str, ...] = ()
    greeks_ids: tuple[str, ...] = ()
    daily_bar_ids: tuple[str, ...] = ()


class ShellStrategy(Strategy):
    """Records quotes, greeks, option volumes, bars and order events."""

    def __init__(self, config: ShellStrategyConfig) -> None:
        super().__init__(config)
        self.quote_ids = [InstrumentId.from_str(i) for i in config.quote_ids]
        self.greeks_ids = [InstrumentId.from_str(i) for i in config.greeks_ids]
        self.quotes: list[QuoteTick] = []
        self.received_greeks: list[OptionGreeks] = []
        self.received_volumes: list[OptionVolume] = []
        self.bars: list[Bar] = []
        self.historical: list[Bar] = []
        self.order_events: list[OrderEvent] = []
        self.open_orders_at_start = 0

    def on_start(self) -> None:
        self.open_orders_at_start = len(self.cache.orders_open(strategy_id=self.id))
        for instrument_id in self.quote_ids:
            self.subscribe_quote_ticks(instrument_id)
        for instrument_id in self.greeks_ids:
            self.subscribe_option_greeks(instrument_id)
        if self.greeks_ids:  # published with the greeks polled (adapters.tradier.data)
            topic = option_volume_topic(VENUE.value, "*")
            self.msgbus.subscribe(topic=topic, handler=self.received_volumes.append)
        for raw in self.config.daily_bar_ids:
            self.subscribe_bars(daily_bar_type(InstrumentId.from_str(raw)))

    def on_bar(self, bar: Bar) -> None:
        self.bars.append(bar)

    def on_historical_data(self, data: object) -> None:
        if isinstance(data, Bar):
            self.historical.append(data)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        self.quotes.append(tick)

    def on_option_greeks(self, greeks: OptionGreeks) -> None:
        self.received_greeks.append(greeks)

    def on_order_event(self, event: OrderEvent) -> None:
        self.order_events.append(event)
