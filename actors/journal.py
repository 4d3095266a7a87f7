"""The trade journal: one record per trade, built from the strategy's entry message and events.

A strategy publishes an :class:`~strategies.toolkit.journal_entry.EntryContext` when it sends a
structure's opening orders and tags each order with the structure
(:mod:`strategies.toolkit.journal_entry`). From then on the journal learns from the message bus
and the cache alone: opening and closing fills (prices, slippage against the mid of the
contract's quote at the fill, commissions), closed positions (realized P&L, fees included) and
why they closed, and, for a short leg assigned or a long leg exercised at expiry, the shares
delivered and their P&L until they are sold. Entries the risk layer blocked or resized
(:data:`risk.RISK_ENTRY_TOPIC`) are rows of their own.

Record fields (JSON values; money in dollars, prices in dollars per share, vol as a decimal,
theta per calendar day, vega per volatility point):

- identity and time: ``id`` (the structure id), ``strategy_id``, ``underlying``,
  ``structure``, ``parameters``, ``entry_time``, ``exit_time`` (ISO-8601 UTC),
  ``weekday`` (of the New York entry session), ``dte`` (calendar days to the nearest leg's
  expiration), ``days_held``;
- market at entry: ``spot``, ``iv`` (our IV of the short leg's mid), ``vendor_iv``,
  ``iv_rank`` (0-100, of the underlying's 30-day ATM IV over the strategy's ``iv_window``
  sessions, once ``iv_min_sessions`` are in), ``iv_rank_note`` (``unknown until 20 sessions
  (3 seen)`` while it is not known),
  ``regime``, ``trend``, ``greeks`` (the structure's net delta in shares, gamma, vega,
  theta, all times quantity and 100), ``legs``
  (each: quote, open interest, IV and greeks at entry, fill and exit prices, slippage);
- execution: ``limit_price`` (the net credit the strategy expected), ``fill_price`` (net
  credit filled), ``entry_slippage``, ``exit_price`` (net debit paid to close; ``None`` for an
  expiry), ``exit_slippage`` (dollars paid against the mids, positive is a cost), ``fees``;
- risk at entry: ``size``, ``wanted_size``, ``max_loss``, ``risk_fraction``, ``equity``,
  ``risk_action``, ``risk_factor``, ``risk_reason``;
- outcome: ``pnl`` (realized, fees included; with the delivered shares), ``exit_reason``,
  ``exit_spot``, ``signal``, ``confidence``, ``reason_tags``, ``error_class``
  (:mod:`journal.taxonomy`);
- rolls: ``rolled_from`` (the structure a roll replaced with this one, else ``None``) and
  ``roll_chain`` (the id of the chain's original structure; the trade's own id when it was
  never rolled into), so :func:`journal.chains.roll_chains` sums a chain's P&L.

The journal lives in the node's state store (``state_store``), so after a restart it goes on
with the trades still open; backtests keep it in memory and export it next to the report.
Live, an order that reconciliation rebuilt after a restart has lost its tags: its fills are
matched to the open trade holding that contract. Reconciliation runs before the actors start,
so at start the journal applies the fills in the cache to its open trades, each fill once (by
its trade id). A position reconciled after a restart starts with no commission, so a trade's
``pnl`` also deducts the fees its fills paid before the restart (the fees the records hold
and the position's realized P&L lacks). Trades sharing a contract the broker nets into one
position keep their own fills and P&L: a trade whose own orders closed its part
leaves the position with the P&L of its fills; when the position closes with several trades
in it, each but the last gets its own fills closed at the position's last price and the last
the rest of its realized P&L. A fill without a structure tag (reconciled, or the venue's
settlement) is shared among the trades holding the contract, oldest first. Shares that
several assignments deliver into one netted position belong, with their P&L, to the last of
those trades.

With ``notify`` set, the journal also notifies the owner of every rejected or denied order and
sends a daily summary after each session close of ``underlying``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from nautilus_trader.common.actor import Actor
from nautilus_trader.config import ActorConfig
from nautilus_trader.indicators import SimpleMovingAverage
from nautilus_trader.model.data import Bar
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.events import (
    OrderDenied,
    OrderFilled,
    OrderRejected,
    PositionChanged,
    PositionClosed,
    PositionOpened,
)
from nautilus_trader.model.identifiers import ClientOrderId, InstrumentId, PositionId
from nautilus_trader.model.instruments import OptionContract
from nautilus_trader.model.objects import Price
from nautilus_trader.model.orders import Order

from actors.records import iso_utc
from actors.trade_recorder import exit_reason
from journal.taxonomy import TREND_SESSIONS, classify, trend, vol_regime
from options.instruments import VENUE, daily_bar_type, equity_id
from options.market_calendar import session_of_ns
from risk import RISK_ENTRY_TOPIC, EntryGated
from risk.notify import Notifier, NotifyConfig, build_notifier
from statestore import StateStore
from statestore.journal import (
    ENTRY_BLOCKED,
    ENTRY_REDUCED,
    TRADE,
    JournalLedger,
    JournalRow,
)
from strategies.toolkit.equity import mark_price, marked_equity
from strategies.toolkit.event_loop import on_event_loop
from strategies.toolkit.exits import ExitReason
from strategies.toolkit.journal_entry import (
    JOURNAL_ENTRY_TOPIC,
    SHARES_KIND,
    EntryContext,
    structure_of,
)

SUMMARY_DELAY_NS = 3_000_000  # after the strategies' decisions (1 ms) and the recorder (2 ms)
DELIVERY = frozenset({ExitReason.ASSIGNED, ExitReason.EXERCISED})
MULTIPLIER = 100.0
"""Shares per contract in the net greeks and net prices: entries come from the structure
engine, which trades standard contracts only (:func:`options.deliverables.is_standard_contract`)."""


class TradeJournalConfig(ActorConfig, frozen=True, kw_only=True):  # type: ignore[call-arg]
    """Configuration of :class:`TradeJournal`.

    Parameters
    ----------
    underlying : str | None
        Ticker whose daily bars give the ``trend`` field and time the daily summary.
    state_store : str | None
        The node's state store file (``tradefly live`` sets it); ``None``: in memory.
    notify : NotifyConfig | None
        Channels for reject notifications and the daily summary (see
        :class:`risk.notify.NotifyConfig`); ``None``: none sent.

    """

    underlying: str | None = None
    state_store: str | None = None
    notify: NotifyConfig | None = None


class TradeJournal(Actor):
    """Keep the trade journal in the state store (see the module docstring).

    Parameters
    ----------
    config : TradeJournalConfig
        The configuration.

    Raises
    ------
    ValueError
        If ``notify`` names a channel apprise does not understand or a missing variable.

    """

    def __init__(self, config: TradeJournalConfig) -> None:
        super().__init__(config)
        self._cfg = config
        self._ledger: JournalLedger | None = None
        self._notifier: Notifier | None = (
            build_notifier(config.notify) if config.notify is not None else None
        )
        self._open: dict[str, dict[str, Any]] = {}
        self._position_trades: dict[str, list[str]] = {}  # open trades holding it, oldest first
        self._awaiting_shares: list[tuple[int, str]] = []
        self._unclaimed_shares: list[tuple[int, str]] = []
        self._netted_shares: dict[int, str] = {}  # delivery instant -> netted shares position
        self._sma = SimpleMovingAverage(TREND_SESSIONS)
        self._close: float | None = None
        self._day_start_equity: float | None = None

    @property
    def ledger(self) -> JournalLedger:
        """The journal table (once started)."""
        assert self._ledger is not None, "the journal has not started"
        return self._ledger

    def set_notifier(self, notifier: Notifier) -> None:
        """Send reject notifications and daily summaries through `notifier` (tests, tools)."""
        self._notifier = notifier

    # -- Lifecycle -------------------------------------------------------------------------------

    def on_start(self) -> None:
        """Open the store, load the open trades and subscribe."""
        if self._ledger is None:
            self._ledger = JournalLedger(StateStore(self._cfg.state_store or ":memory:"))
        for row in self._ledger.open_trades():
            self._open[row.journal_id] = row.record
            for position_id in row.record["positions_open"]:
                self._position_trades.setdefault(position_id, []).append(row.journal_id)
        self.msgbus.subscribe(topic=JOURNAL_ENTRY_TOPIC, handler=self._on_entry)
        self.msgbus.subscribe(topic=RISK_ENTRY_TOPIC, handler=self._on_entry_gated)
        self.msgbus.subscribe(topic="events.order.*", handler=self._on_order_event)
        self.msgbus.subscribe(topic="events.position.*", handler=self._on_position_event)
        if self._cfg.underlying is not None:
            self.subscribe_bars(daily_bar_type(equity_id(self._cfg.underlying)))
        for record in list(self._open.values()):
            if record.get("awaiting_shares"):
                self._claim_held_shares(record)
        if self._open:
            self._replay_fills()

    def _replay_fills(self) -> None:
        # Reconciliation at a restart runs before the actors start: the fills it brought (an
        # entry filled while the node was down) are applied here, each once (by trade id).
        fills = [
            event
            for order in self.cache.orders()
            for event in order.events
            if isinstance(event, OrderFilled)
        ]
        for fill in sorted(fills, key=lambda event: event.ts_event):
            self._on_order_event(fill)

    def on_dispose(self) -> None:
        """Close the state store."""
        if self._ledger is not None:
            self._ledger.store.close()

    def on_bar(self, bar: Bar) -> None:
        """Update the trend average; schedule the daily summary after the session's decisions."""
        self._close = bar.close.as_double()
        self._sma.update_raw(self._close)
        if self._notifier is not None:
            self.clock.set_time_alert_ns(
                name=f"journal-summary-{bar.ts_event}",
                alert_time_ns=bar.ts_event + SUMMARY_DELAY_NS,
                callback=on_event_loop(self.clock, lambda _event: self._daily_summary()),
            )

    def rows(self) -> list[dict[str, Any]]:
        """Return every journal record (trades and gated entries) by entry time."""
        return [{"kind": row.kind, **row.record} for row in self.ledger.rows()]

    # -- Entries ---------------------------------------------------------------------------------

    def _on_entry(self, context: object) -> None:
        if not isinstance(context, EntryContext):
            return
        session = session_of_ns(context.ts_ns)
        legs = [
            {
                **asdict(leg),
                "mid": leg.mid,
                "fill_price": None,
                "filled": 0,
                "exit_price": None,
                "exited": 0,
                "fees": 0.0,
            }
            for leg in context.legs
        ]
        short = next((leg for leg in context.legs if leg.side == "SELL"), context.legs[0])
        sma = self._sma.value if self._sma.initialized else None
        record: dict[str, Any] = {
            "id": context.structure_id,
            "strategy_id": context.strategy_id,
            "underlying": context.underlying,
            "structure": context.structure,
            "parameters": context.parameters,
            "entry_time": iso_utc(context.ts_ns),
            "exit_time": None,
            "weekday": session.strftime("%A"),
            "dte": min(
                (dt.date.fromisoformat(leg["expiration"]) - session).days
                for leg in legs
                if leg["kind"] != SHARES_KIND
            ),
            "entry_ns": context.ts_ns,
            "days_held": None,
            "spot": context.spot,
            "iv": short.iv,
            "vendor_iv": short.vendor_iv,
            "iv_rank": context.iv_rank,
            "iv_rank_note": context.iv_rank_note,
            "regime": vol_regime(short.iv),
            "trend": trend(context.spot, sma),
            "greeks": _net_greeks(context),
            "legs": legs,
            "limit_price": context.limit_price,
            "fill_price": None,
            "entry_slippage": 0.0,
            "exit_price": None,
            "exit_slippage": 0.0,
            "fees": 0.0,
            "size": context.quantity,
            "wanted_size": context.wanted_quantity,
            "max_loss": context.max_loss,
            "risk_fraction": context.risk_fraction,
            "equity": context.equity,
            "risk_action": context.risk_action,
            "risk_factor": context.risk_factor,
            "risk_reason": context.risk_reason,
            "signal": context.signal,
            "confidence": context.confidence,
            "reason_tags": list(context.reason_tags),
            "rolled_from": context.rolled_from,
            "roll_chain": context.roll_chain or context.structure_id,
            "pnl": None,
            "exit_reason": None,
            "exit_spot": None,
            "error_class": None,
            "positions_open": [],
            "positions_seen": 0,
            "booked_by_others": {},
            "awaiting_shares": False,
        }
        self._open[context.structure_id] = record
        self._save(record, None)

    def _on_entry_gated(self, message: object) -> None:
        if not isinstance(message, EntryGated):
            return
        decision = message.decision
        kind = ENTRY_BLOCKED if message.allowed < 1 else ENTRY_REDUCED
        record = {
            "id": f"gate-{message.ts_ns}-{message.strategy_id}",
            "strategy_id": message.strategy_id,
            "underlying": self._cfg.underlying or "",
            "entry_time": iso_utc(message.ts_ns),
            "weekday": session_of_ns(message.ts_ns).strftime("%A"),
            "wanted_size": message.wanted,
            "size": message.allowed,
            "risk_action": decision.action.value,
            "risk_factor": decision.factor,
            "risk_reason": decision.reason,
            "risk_rule": decision.rule,
            "reason_tags": [f"risk:{rule}" for rule in decision.rule.split(",") if rule],
        }
        self.ledger.put(
            JournalRow(
                str(record["id"]),
                kind,
                message.strategy_id,
                str(record["underlying"]),
                message.ts_ns,
                message.ts_ns,
                record,
            )
        )

    # -- Fills -----------------------------------------------------------------------------------

    def _on_order_event(self, event: object) -> None:
        if isinstance(event, (OrderRejected, OrderDenied)):
            self._notify_reject(event)
            return
        if not isinstance(event, OrderFilled):
            return
        order = self._order(event.client_order_id)
        share = event.last_qty.as_double()
        for record, leg, quantity in self._trades_of_fill(event, order):
            self._apply_fill(record, leg, event, order, quantity / share)

    def _apply_fill(
        self,
        record: dict[str, Any],
        leg: dict[str, Any],
        event: OrderFilled,
        order: Order | None,
        part: float,
    ) -> None:
        # `part` of the fill (its quantity, commission and slippage) belongs to `record`.
        fill_id = f"{event.instrument_id.value}:{event.trade_id.value}"
        if fill_id in record.setdefault("fill_ids", []):
            return  # seen before a restart
        record["fill_ids"].append(fill_id)
        price = event.last_px.as_double()
        quantity = event.last_qty.as_double() * part
        fee = float(event.commission.as_double()) * part
        record["fees"] += fee
        leg["fees"] = leg.get("fees", 0.0) + fee
        slippage = self._slippage(event) * part
        if event.order_side.name == leg["side"]:
            leg["fill_price"] = _average(leg["fill_price"], leg["filled"], price, quantity)
            leg["filled"] += quantity
            record["entry_slippage"] += slippage
            if (
                event.position_id is not None
                and event.position_id.value not in (record["positions_open"])
            ):
                record["positions_open"].append(event.position_id.value)
                record["positions_seen"] += 1
                self._position_trades.setdefault(event.position_id.value, []).append(record["id"])
            record["fill_price"] = _net(record["legs"], "fill_price")
        else:
            leg["exit_price"] = _average(leg["exit_price"], leg.get("exited", 0), price, quantity)
            leg["exited"] = leg.get("exited", 0) + quantity
            record["exit_slippage"] += slippage
            record["exit_price"] = _net(record["legs"], "exit_price")
            tags = set(order.tags or []) if order is not None else set()
            tagged = [reason.value for reason in ExitReason if reason.value in tags]
            if tagged and record["exit_reason"] is None:
                record["exit_reason"] = tagged[0]  # a combo leg's position knows no order tag
            if all(lg.get("exited", 0) >= lg["filled"] for lg in record["legs"]):
                self._leave_shared_positions(record, event.ts_event)
                if record["id"] not in self._open:
                    return
        self._save(record, None)

    def _trades_of_fill(
        self, event: OrderFilled, order: Order | None
    ) -> list[tuple[dict[str, Any], dict[str, Any], float]]:
        # The trades a fill belongs to, each with its leg and the contracts that are its.
        instrument_id = event.instrument_id.value
        quantity = event.last_qty.as_double()
        structure_id = structure_of(order.tags if order is not None else None)
        if structure_id is not None:
            record = self._open.get(structure_id)
            if record is None:
                return []
            leg = _leg_of(record, instrument_id)
            if leg is not None:
                return [(record, leg, quantity)]
        # No structure tag (an order rebuilt by reconciliation after a restart, or the venue's
        # settlement at expiry), or a roll's combo order (tagged with the structure it opens
        # while it also closes the old one's legs): the open trades holding the contract,
        # oldest first, each up to what it has left to open or to close; the last takes any
        # rest. A combo order's own fill is in no trade's legs: its legs report their fills.
        holders = [
            (record, leg)
            for record in sorted(self._open.values(), key=lambda r: r["entry_ns"])
            if (leg := _leg_of(record, instrument_id)) is not None
        ]
        out: list[tuple[dict[str, Any], dict[str, Any], float]] = []
        left = quantity
        for record, leg in holders:
            opening = event.order_side.name == leg["side"]
            room = leg["quantity"] - leg["filled"] if opening else leg["filled"] - leg["exited"]
            take = min(left, room)
            if take > 0:
                out.append((record, leg, take))
                left -= take
        if left > 1e-9 and holders:
            if out:
                record, leg, take = out[-1]
                out[-1] = (record, leg, take + left)
            else:
                out.append((*holders[0], left))
        return out

    def _order(self, client_order_id: ClientOrderId) -> Order | None:
        order: Order | None = self.cache.order(client_order_id)
        if order is None and "-LEG-" in client_order_id.value:
            # A leg fill of a combo order (``{order}-LEG-{symbol}``).
            order = self.cache.order(ClientOrderId(client_order_id.value.split("-LEG-")[0]))
        return order

    def _slippage(self, fill: OrderFilled) -> float:
        # What the fill paid against the mid of the contract's quote at the fill, dollars.
        quote = self.cache.quote_tick(fill.instrument_id)
        instrument = self.cache.instrument(fill.instrument_id)
        if quote is None or quote.ask_price.as_double() <= 0 or instrument is None:
            return 0.0
        mid = (quote.bid_price.as_double() + quote.ask_price.as_double()) / 2.0
        paid = fill.last_px.as_double() - mid
        if fill.order_side == OrderSide.SELL:
            paid = -paid
        return float(paid * fill.last_qty.as_double() * instrument.multiplier.as_double())

    # -- Positions -------------------------------------------------------------------------------

    def _on_position_event(self, event: object) -> None:
        if isinstance(event, PositionOpened):
            self._on_position_opened(event)
        elif isinstance(event, PositionClosed):
            self._on_position_closed(event)
        elif isinstance(event, PositionChanged):
            self._on_shares_netted(event)

    def _on_position_opened(self, event: PositionOpened) -> None:
        instrument = self.cache.instrument(event.instrument_id)
        if isinstance(instrument, OptionContract):
            return
        # Shares delivered at expiry belong to the trade whose leg was assigned or exercised
        # in the same instant (the venue's events may come in either order). A netted shares
        # position takes every delivery of that instant: it belongs to all those trades.
        position_id = event.position_id.value
        netted = _is_netted(position_id, event.instrument_id.value)
        waiting = [entry for entry in self._awaiting_shares if entry[0] == event.ts_event]
        for entry in waiting[: None if netted else 1]:
            self._awaiting_shares.remove(entry)
            self._claim_shares(entry[1], position_id)
        if netted:
            self._netted_shares[event.ts_event] = position_id
        elif not waiting:
            self._unclaimed_shares.append((event.ts_event, position_id))

    def _claim_shares(self, structure_id: str, position_id: str) -> None:
        record = self._open.get(structure_id)
        if record is None:
            return
        if position_id not in record["positions_open"]:
            record["positions_open"].append(position_id)
        record["awaiting_shares"] = False
        holders = self._position_trades.setdefault(position_id, [])
        if structure_id not in holders:
            holders.append(structure_id)
        self._save(record, None)

    def _claim_held_shares(self, record: dict[str, Any]) -> None:
        # A trade that was waiting for its delivered shares when the node died: they are in
        # the strategy's position in the underlying that reconciliation rebuilt at the start.
        for position in self.cache.positions_open(instrument_id=equity_id(record["underlying"])):
            if position.strategy_id.value == record["strategy_id"]:
                self._claim_shares(record["id"], position.id.value)
                return

    def _on_position_closed(self, event: PositionClosed) -> None:
        self._on_shares_netted(event)
        position_id = event.position_id.value
        holders = [
            self._open[trade_id]
            for trade_id in self._position_trades.get(position_id, [])
            if trade_id in self._open
        ]
        if not holders:
            self._position_trades.pop(position_id, None)
            return
        # Several trades in one netted position: each but the last gets the P&L of its own
        # fills closed at the position's last price, the last gets the rest of the position's.
        # A close seen before a restart (a settlement booked again: the node died before its
        # strategy's booking committed) counts once.
        *others, last = holders
        close_id = f"{position_id}:{event.closing_order_id}"
        repeated = close_id in last.setdefault("closes_seen", [])
        for record in others:
            if not repeated:
                self._book_own_pnl(record, position_id, event.instrument_id.value, event.last_px)
            record["positions_open"].remove(position_id)
        self._position_trades.pop(position_id, None)
        booked = last.setdefault("booked_by_others", {}).pop(position_id, 0.0)
        if not repeated:
            unseen = self._fees_unseen_by(event, holders)
            realized = float(event.realized_pnl.as_double())
            last["pnl"] = (last["pnl"] or 0.0) + realized - booked - unseen
            last["closes_seen"].append(close_id)
        last["positions_open"].remove(position_id)
        instrument = self.cache.instrument(event.instrument_id)
        for record in holders:
            self._close_position_of(record, event, instrument, delivers=record is last)

    def _fees_unseen_by(self, event: PositionClosed, holders: list[dict[str, Any]]) -> float:
        # Fees the holders' fills paid that the position's realized P&L lacks: a position
        # reconciled after a restart starts from the broker's average price with no commission,
        # so the fees of the fills before the restart are only in the records.
        position = self.cache.position(event.position_id)
        if position is None:
            return 0.0
        seen = sum(float(money.as_double()) for money in position.commissions())
        instrument_id = event.instrument_id.value
        own = sum(
            leg.get("fees", 0.0)
            for record in holders
            for leg in record["legs"]
            if leg["instrument_id"] == instrument_id
        )
        unseen = own - seen
        return unseen if unseen > 0.005 else 0.0

    def _close_position_of(
        self, record: dict[str, Any], event: PositionClosed, instrument: object, delivers: bool
    ) -> None:
        # Shares delivered by an assignment go to the last trade holding the contract.
        reason = exit_reason(self.cache, event)
        if reason == ExitReason.CALLED_AWAY and _leg_of(record, event.instrument_id.value):
            record["exit_reason"] = reason.value  # a covered call's own shares
        if isinstance(instrument, OptionContract):
            called_away = record["exit_reason"] == ExitReason.CALLED_AWAY
            if not called_away and (
                (record["exit_reason"] is None and reason != ExitReason.CLOSED)
                or reason in DELIVERY
            ):
                record["exit_reason"] = reason.value
            if reason in DELIVERY and delivers:
                self._await_shares(record["id"], event.ts_closed)
        if (
            not record["positions_open"]
            and not record["awaiting_shares"]
            and record["positions_seen"] >= len(record["legs"])
        ):
            self._finish(record, event.ts_closed)
        else:
            self._save(record, None)

    def _leave_shared_positions(self, record: dict[str, Any], ts_ns: int) -> None:
        # A trade whose own fills closed all it held leaves the netted positions other open
        # trades still hold, with the P&L of its fills (their positions close later).
        for position_id in list(record["positions_open"]):
            if len(self._position_trades.get(position_id, ())) < 2:
                continue
            position = self.cache.position(PositionId(position_id))
            if position is None or position.is_closed:
                continue  # closed by this fill: its PositionClosed shares it out
            self._book_own_pnl(record, position_id, position.instrument_id.value, None)
            record["positions_open"].remove(position_id)
        if not record["positions_open"] and record["positions_seen"] >= len(record["legs"]):
            self._finish(record, ts_ns)

    def _book_own_pnl(
        self, record: dict[str, Any], position_id: str, instrument_id: str, close_px: Price | None
    ) -> None:
        # The P&L of the record's own fills in the contract (its open rest closed at
        # `close_px`), fees included, booked to the record and counted out of the position's
        # realized P&L for the trades still holding it.
        instrument = self.cache.instrument(InstrumentId.from_str(instrument_id))
        multiplier = instrument.multiplier.as_double() if instrument is not None else MULTIPLIER
        close = close_px.as_double() if close_px is not None else 0.0
        pnl = 0.0
        for leg in record["legs"]:
            if leg["instrument_id"] != instrument_id or leg["fill_price"] is None:
                continue
            sign = 1.0 if leg["side"] == "SELL" else -1.0
            exited = leg.get("exited", 0)
            exit_price = leg["exit_price"] if leg["exit_price"] is not None else close
            gross = (leg["fill_price"] - exit_price) * exited
            gross += (leg["fill_price"] - close) * (leg["filled"] - exited)
            pnl += sign * gross * multiplier - leg.get("fees", 0.0)
        record["pnl"] = (record["pnl"] or 0.0) + pnl
        holders = self._position_trades.get(position_id, [])
        if record["id"] in holders:
            holders.remove(record["id"])
        for trade_id in holders:
            other = self._open.get(trade_id)
            if other is None:
                continue
            booked = other.setdefault("booked_by_others", {})
            booked[position_id] = booked.get(position_id, 0.0) + pnl
            self._save(other, None)

    def _await_shares(self, structure_id: str, ts_ns: int) -> None:
        for index, (ts, position_id) in enumerate(self._unclaimed_shares):
            if ts == ts_ns:
                del self._unclaimed_shares[index]
                self._claim_shares(structure_id, position_id)
                return
        if ts_ns in self._netted_shares:
            self._claim_shares(structure_id, self._netted_shares[ts_ns])
            return
        record = self._open[structure_id]
        underlying = equity_id(record["underlying"])
        for position in self.cache.positions(instrument_id=underlying):
            if (
                position.strategy_id.value == record["strategy_id"]
                and position.ts_last == ts_ns
                and position.ts_opened != ts_ns
            ):
                return  # delivered into shares already held (netted): nothing more to wait for
        self._awaiting_shares.append((ts_ns, structure_id))
        record["awaiting_shares"] = True

    def _on_shares_netted(self, event: PositionChanged | PositionClosed) -> None:
        # Shares a covered call's assignment delivers into a netted position close (or reduce)
        # the shares held there instead of opening a position: the trade waiting for them at
        # that instant has all it will get.
        if isinstance(self.cache.instrument(event.instrument_id), OptionContract):
            return
        for index, (ts, structure_id) in enumerate(self._awaiting_shares):
            record = self._open.get(structure_id)
            if (
                ts != event.ts_event
                or record is None
                or record["strategy_id"] != event.strategy_id.value
            ):
                continue
            del self._awaiting_shares[index]
            record["awaiting_shares"] = False
            if not record["positions_open"] and record["positions_seen"] >= len(record["legs"]):
                self._finish(record, event.ts_event)
            else:
                self._save(record, None)
            return

    def _finish(self, record: dict[str, Any], ts_ns: int) -> None:
        record["exit_time"] = iso_utc(ts_ns)
        entry = session_of_ns(record["entry_ns"])
        record["days_held"] = (session_of_ns(ts_ns) - entry).days
        record["exit_spot"] = mark_price(self.cache, equity_id(record["underlying"]))
        record["pnl"] = round(record["pnl"] or 0.0, 2)
        record["exit_reason"] = record["exit_reason"] or ExitReason.CLOSED.value  # untagged close
        record["error_class"] = classify(record)
        if record["exit_reason"] and record["exit_reason"] not in record["reason_tags"]:
            record["reason_tags"].append(f"exit:{record['exit_reason']}")
        del self._open[record["id"]]
        self._save(record, ts_ns)

    def _save(self, record: dict[str, Any], exit_ns: int | None) -> None:
        self.ledger.put(
            JournalRow(
                record["id"],
                TRADE,
                record["strategy_id"],
                record["underlying"],
                record["entry_ns"],
                exit_ns,
                record,
            )
        )

    # -- Notifications ---------------------------------------------------------------------------

    def _notify_reject(self, event: OrderRejected | OrderDenied) -> None:
        if self._notifier is None:
            return
        self._notifier.notify(
            f"order {'rejected' if isinstance(event, OrderRejected) else 'denied'}",
            f"{event.client_order_id} on {event.instrument_id}: {event.reason}",
        )

    def _daily_summary(self) -> None:
        if self._notifier is None or self.portfolio.account(VENUE) is None:
            return
        equity = marked_equity(self.cache, self.portfolio, VENUE)
        start = self._day_start_equity if self._day_start_equity is not None else equity
        self._day_start_equity = equity
        session = session_of_ns(self.clock.timestamp_ns())
        today = [
            row.record
            for row in self.ledger.rows(TRADE)
            if row.exit_ns is not None and session_of_ns(row.exit_ns) == session
        ]
        closed_pnl = sum(r["pnl"] for r in today)
        self._notifier.notify(
            f"daily summary {session.isoformat()}",
            f"equity {equity:,.2f} ({equity - start:+,.2f} on the day); "
            f"{len(today)} trade(s) closed today for {closed_pnl:+,.2f}; "
            f"{len(self._open)} open",
        )


def _is_netted(position_id: str, instrument_id: str) -> bool:
    # Nautilus names a netted position ``{instrument_id}-{strategy_id}`` (hedged: ``P-...``).
    return position_id.startswith(f"{instrument_id}-")


def _leg_of(record: dict[str, Any], instrument_id: str) -> dict[str, Any] | None:
    leg = next((lg for lg in record["legs"] if lg["instrument_id"] == instrument_id), None)
    if leg is not None:
        leg.setdefault("exited", 0)  # a record written before exits were counted per leg
    return leg


def _average(old: float | None, old_qty: float, price: float, quantity: float) -> float:
    if old is None or old_qty <= 0:
        return price
    return (old * old_qty + price * quantity) / (old_qty + quantity)


def _net(legs: list[dict[str, Any]], field: str) -> float | None:
    # Per structure, dollars per share: sells count positive (a credit at entry, and at exit
    # the debit paid to buy them back).
    if any(leg[field] is None for leg in legs):
        return None
    size = legs[0]["quantity"]
    return float(
        sum(
            (1.0 if leg["side"] == "SELL" else -1.0) * leg[field] * _contracts(leg) / size
            for leg in legs
        )
    )


def _contracts(leg: dict[str, Any]) -> float:
    # Shares count as contracts of 100 in a structure's net price per share.
    shares = leg["kind"] == SHARES_KIND
    return float(leg["quantity"]) / MULTIPLIER if shares else float(leg["quantity"])


def _net_greeks(context: EntryContext) -> dict[str, float | None]:
    net: dict[str, float | None] = {}
    for name in ("delta", "gamma", "vega", "theta"):
        values = [getattr(leg, name) for leg in context.legs]
        if any(v is None for v in values):
            net[name] = None
            continue
        net[name] = sum(
            (1.0 if leg.side == "BUY" else -1.0)
            * float(v)
            * leg.quantity
            * (1 if leg.kind == SHARES_KIND else MULTIPLIER)
            for leg, v in zip(context.legs, values, strict=True)
        )
    return net
