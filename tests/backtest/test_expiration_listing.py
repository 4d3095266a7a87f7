"""The simulated venue's matching engines are created per expiration, at its first data point.

Data: the real SPY 2021 EOD chain and SPY daily bars in ../shared/data (the reference run).
"""

import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pytest
from nautilus_trader.config import StrategyConfig
from nautilus_trader.core.data import Data
from nautilus_trader.model.data import Bar, BarType, QuoteTick
from nautilus_trader.model.enums import OrderSide, OrderStatus
from nautilus_trader.model.instruments import OptionContract
from nautilus_trader.model.objects import Quantity
from nautilus_trader.trading.strategy import Strategy

from options.instruments import daily_bar_type
from tests.conftest import PROJECT_ROOT
from tradefly.backtest import runner
from tradefly.backtest.config import load_run_config
from tradefly.backtest.expiration_listing import ExpirationListing
from tradefly.backtest.runner import load_run_data, new_engine, run_backtest

REFERENCE = PROJECT_ROOT / "configs" / "backtest" / "spy2021_weekly_put.yaml"


class RecordedListing(ExpirationListing):
    """The runner's module, kept where the test can reach the venue through it."""

    made: ClassVar[list[ExpirationListing]] = []

    def __init__(self, options: list[OptionContract]) -> None:
        super().__init__(options)
        RecordedListing.made.append(self)


class SellsTheLastExpirationAtOnce(Strategy):
    """At the first bar, sells a put whose expiration has had no data yet."""

    def __init__(self, bar_type: BarType, option: OptionContract) -> None:
        super().__init__(StrategyConfig(strategy_id="EARLY-001"))
        self._bar_type, self._option = bar_type, option

    def on_start(self) -> None:
        self.subscribe_bars(self._bar_type)

    def on_bar(self, bar: Bar) -> None:
        if not self.cache.orders():
            order = self.order_factory.market(self._option.id, OrderSide.SELL, Quantity.from_int(1))
            self.submit_order(order)


class ListingAllFirst(ExpirationListing):
    """The construction before this module: every contract in the venue before any data."""

    def __init__(self, options: list[OptionContract]) -> None:
        super().__init__(options)
        self._options = list(options)

    def pre_process(self, data: Data) -> None:
        for option in self._options:
            self.exchange.add_instrument(option)
        self._options = []
        super().pre_process(data)


def test_the_venue_lists_each_expiration_at_its_first_quote_in_the_runs_order(
    spy2021_catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_run_config(REFERENCE)
    run_data = load_run_data(config, spy2021_catalog)
    monkeypatch.setattr(runner, "ExpirationListing", RecordedListing)
    RecordedListing.made.clear()
    engine = new_engine(config, run_data)
    (listing,) = RecordedListing.made
    venue = listing.exchange
    underlying = run_data.underlyings[0].id
    assert list(venue.get_matching_engines()) == [underlying]
    assert all(engine.cache.instrument(o.id) is not None for o in run_data.options)

    end_ns = pd.Timestamp("2021-03-01", tz="UTC").value  # January's and February's data
    engine.run(end=end_ns - 1)
    expiration = {o.id: o.expiration_ns for o in run_data.options}
    seen: list[int] = []
    for item in run_data.data:
        if item.ts_init >= end_ns:
            break
        if isinstance(item, QuoteTick) and expiration[item.instrument_id] not in seen:
            seen.append(expiration[item.instrument_id])
    expected = [o.id for group in seen for o in run_data.options if o.expiration_ns == group]
    assert list(venue.get_matching_engines()) == [underlying, *expected]
    assert 0 < len(expected) < len(run_data.options)
    engine.dispose()

    RecordedListing.made.clear()
    engine = new_engine(config, run_data)
    engine.run()  # every contract of the run has quotes, so each is listed by the end
    assert len(RecordedListing.made[0].exchange.get_matching_engines()) == 1 + len(run_data.options)
    engine.dispose()


def _normalized(result: Any) -> str:
    """The run's trades, journal, equity curve and totals, ids made comparable.

    The venue numbers its matching engines as it creates them and puts that number in the
    position ids (``US-<n>-001``) and trade ids (``T-<hash of n>-001``); structure ids and
    expiry order names are random.
    """
    text = json.dumps(
        {
            "totals": [result.n_trades, result.n_assigned, result.realized_pnl],
            "ending": result.ending_balance,
            "trades": [asdict(t) for t in result.trades],
            "journal": result.journal,
            "equity": [asdict(e) for e in result.equity_curve],
        },
        default=repr,
        sort_keys=True,
    )
    text = re.sub(r"[0-9a-f]{32}", "<structure>", text)
    text = re.sub(r"-LEG-[A-Z]+-[0-9a-f]{8}", "-LEG-<expiry>", text)
    text = re.sub(r"T-[0-9a-f]{16}-\d{3}", "<trade id>", text)
    return re.sub(r"\bUS-\d+-\d{3}", "<position id>", text)


def test_the_reference_run_is_the_same_as_with_every_contract_listed_first(
    spy2021_catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Listing contract by contract at its first quote (Nautilus's own lazy path) would change
    # which of the four puts assigned on 2021-06-18 (strikes 417, 419, 420, 420) each later
    # share sale closes: the trade table's rows of 2021-06-21 came out in another order.
    config = load_run_config(REFERENCE)
    listed_by_expiration = run_backtest(config, spy2021_catalog, run_id="by-expiration")
    monkeypatch.setattr(runner, "ExpirationListing", ListingAllFirst)
    listed_first = run_backtest(config, spy2021_catalog, run_id="all-first")
    assert (listed_first.n_trades, listed_first.realized_pnl) == (42, 30688.70)
    assert _normalized(listed_by_expiration) == _normalized(listed_first)


def test_an_order_before_its_expirations_first_quote_is_rejected_for_no_market(
    spy2021_catalog: Path,
) -> None:
    # As when every contract was in the venue from the start: the venue lists the expiration
    # on the order, and its empty book rejects the market order (no "no matching engine" error).
    config = load_run_config(REFERENCE)
    run_data = load_run_data(config, spy2021_catalog)
    last = max(run_data.options, key=lambda o: o.expiration_ns)  # quoted from 2021-12-30 on
    bar_type = daily_bar_type(run_data.underlyings[0].id)
    engine = new_engine(config, run_data)
    engine.add_strategy(SellsTheLastExpirationAtOnce(bar_type, last))
    engine.run()
    (order,) = engine.cache.orders()
    assert order.status == OrderStatus.REJECTED
    assert order.last_event.reason == f"no market for {last.id}"
    engine.dispose()
