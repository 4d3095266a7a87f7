"""A test actor that leaves owner commands in the risk guard's store at set session closes.

It stands in for the control app (``tradefly risk``, the app's actions), which writes rows of
``owner_commands`` into the node's store file for the risk guard to apply at its next
evaluation: in a backtest that is half a millisecond after the underlying's daily bar.
"""

import datetime as dt
from pathlib import Path

from nautilus_trader.common.actor import Actor
from nautilus_trader.config import ActorConfig
from nautilus_trader.model.data import Bar

from options.instruments import daily_bar_type, equity_id
from options.market_calendar import session_of_ns
from statestore import StateStore
from statestore.risk import RiskLedger


class OwnerCommands(Actor):
    """Writes `commands` ``(session, command, argument)`` into `store` at that session's bar."""

    def __init__(
        self,
        store: Path,
        underlying: str,
        commands: list[tuple[dt.date, str, str | None]],
    ) -> None:
        super().__init__(ActorConfig(component_id="OWNER-COMMANDS"))
        self._store = store
        self._underlying = underlying
        self._commands = commands

    def on_start(self) -> None:
        """Subscribe to the underlying's daily bars."""
        self.subscribe_bars(daily_bar_type(equity_id(self._underlying)))

    def on_bar(self, bar: Bar) -> None:
        """Leave the commands of this bar's session, in order."""
        session = session_of_ns(bar.ts_event)
        due = [(command, argument) for day, command, argument in self._commands if day == session]
        if not due:
            return
        with StateStore(self._store) as store:
            ledger = RiskLedger(store)
            for command, argument in due:
                ledger.add_command(command, self.clock.timestamp_ns(), argument=argument)
