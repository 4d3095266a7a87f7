"""The risk guard: evaluates the risk rules on each equity update and publishes the decision.

The guard marks equity (cash plus positions at their marks) and runs the configured rules
(:mod:`risk`) over the node's state store, then keeps the combined decision in the Nautilus
cache under :data:`risk.RISK_CACHE_KEY`, where strategies read it synchronously with
:func:`risk.current_decision` before every entry (never before an exit). It evaluates half a
millisecond after each daily bar of ``underlying`` (after the session's close data, before
the strategies decide at 1 ms) and, when ``interval_secs`` is set, on a timer. A ``flatten``
decision asks the strategies to close their trades at their next decision. Entries that a
strategy blocked or resized arrive on :data:`risk.RISK_ENTRY_TOPIC` and are written to the
risk log; admitted ones are kept as the open entries the pre-trade checks count (``entry``,
published in the cache for :func:`risk.check_entry`). Rejected or denied orders and entries
blocked by data-quality breakers are counted by the kill switch, which trips at its
configured counts; closed trades feed the performance gates.

The guard also applies the owner's commands (``tradefly risk``, the control app): the rules
apply theirs (reset, kill switch, ``pause_entries``/``resume_entries`` through the always-on
:class:`risk.owner_pause.OwnerPause`, ``disarm_live``/``arm_live`` through the always-on
:class:`risk.live_arming.LiveArming`); ``flatten`` is published on
:data:`risk.OWNER_FLATTEN_TOPIC` (a structure id or ``*``) once the evaluation has committed,
and ``test_notification`` goes to the notifier (and, with ``TRADEFLY_VAPID_*`` keys set on a
node with a store file, every notification also goes by web push, :mod:`risk.webpush`). Every
applied command is recorded in the audit log. Each evaluation also records equity, cash and
buying power (the account's free balance) in ``account_snapshots`` (at most one row every 15
minutes, :data:`SNAPSHOT_EVERY_NS`), the control app's equity curve, and marks each open
structure of its store (``structure_marks``: value at mid, unrealized P&L, net greeks from the
vendor greeks it subscribes to for the held legs; at most every ``marks_interval_secs``). The
same actor runs in backtests (an in-memory store unless ``state_store`` is set) and live
(``tradefly live`` passes the node's store file).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from pathlib import Path
from typing import Any

import msgspec
from nautilus_trader.common.actor import Actor
from nautilus_trader.config import ActorConfig
from nautilus_trader.model.currencies import USD
from nautilus_trader.model.data import Bar, OptionGreeks
from nautilus_trader.model.events import OrderDenied, OrderRejected
from nautilus_trader.model.identifiers import InstrumentId

from adapters.alphavantage.data_types import EarningsEvent
from options.instruments import VENUE, daily_bar_type, equity_id
from risk import (
    OWNER_FLATTEN_TOPIC,
    RISK_CACHE_KEY,
    RISK_ENTRY_TOPIC,
    EntryAdmitted,
    EntryGated,
    RiskDecision,
)
from risk.daily_loss import DailyLossCap, DailyLossCapConfig
from risk.drawdown import DrawdownTiers, DrawdownTiersConfig
from risk.evaluator import RiskEvaluator
from risk.gate import (
    PRETRADE_CACHE_KEY,
    entries_from_json,
    open_entries,
    save_entries,
    stored_entries,
)
from risk.kill_switch import DATA_BREAK, REJECT, KillSwitch, KillSwitchConfig
from risk.limits import LIMITS_STATE, SET_LIMIT, LimitChange, current_limits, is_raise, with_limit
from risk.live_arming import ARM_LIVE, DISARM_LIVE, PAPER_REFUSAL, LiveArming
from risk.milestones import EquityMilestones, MilestonesConfig
from risk.notify import NotifyConfig, build_notifier
from risk.owner_pause import OwnerPause
from risk.performance import ClosedTrade, PerformanceGate, PerformanceGateConfig
from risk.pretrade import PreTradeConfig
from risk.proposal import OpenEntry
from risk.rules import Rule
from risk.trading_window import EventDay
from risk.webpush import BothNotifiers, VapidKeys, WebPushNotifier
from statestore import StateStore
from statestore.control import ControlLedger
from statestore.risk import OwnerCommand, RiskEvent, RiskLedger
from strategies.structure_engine import DECISION_DELAY_NS
from strategies.toolkit.equity import marked_equity
from strategies.toolkit.event_loop import on_event_loop
from strategies.toolkit.structure_marks import mark_structure

EVALUATE_DELAY_NS = DECISION_DELAY_NS // 2
ENTRIES_STATE = "entries"
NS_PER_SECOND = 1_000_000_000
SNAPSHOT_EVERY_NS = 15 * 60 * NS_PER_SECOND


class RiskGuardConfig(ActorConfig, frozen=True, kw_only=True):  # type: ignore[call-arg]
    """Configuration of :class:`RiskGuard`; a rule left ``None`` is off.

    Parameters
    ----------
    underlying : str | None
        Evaluate just after each daily bar of this ticker (``SPY``).
    interval_secs : float | None
        Also evaluate every this many seconds (live); > 0.
    daily_loss : DailyLossCapConfig | None
        See :class:`risk.daily_loss.DailyLossCapConfig`.
    drawdown : DrawdownTiersConfig | None
        See :class:`risk.drawdown.DrawdownTiersConfig`.
    kill_switch : KillSwitchConfig | None
        See :class:`risk.kill_switch.KillSwitchConfig`.
    milestones : MilestonesConfig | None
        See :class:`risk.milestones.MilestonesConfig`.
    performance : PerformanceGateConfig | None
        See :class:`risk.performance.PerformanceGateConfig`.
    entry : PreTradeConfig | None
        Pre-trade checks of each proposed entry (sizing, greeks, stress, trading window,
        order rate, data quality); see :class:`risk.pretrade.PreTradeConfig`.
    state_store : str | None
        The node's state store file (``tradefly live`` sets it); ``None`` keeps the risk state
        in memory (backtests).
    marks_interval_secs : float, default 60
        Mark each open structure of the store (value at mid, unrealized P&L, net greeks) for
        the control app at most this often, seconds, at an evaluation; >= 0.
    live_armed : bool, default False
        Whether the node was started armed for real-money trading; ``tradefly live`` sets it
        (a value in the config file is overwritten), and only then can the owner disarm and
        arm live trading from the control app (:mod:`risk.live_arming`).
    notify : NotifyConfig | None
        Apprise channels for milestones, breaker trips and the kill switch (every change of the
        combined decision to other than ``allow``), besides the WARNING log line; see
        :class:`risk.notify.NotifyConfig`. ``None``: the log only.

    """

    underlying: str | None = None
    interval_secs: float | None = None
    daily_loss: DailyLossCapConfig | None = None
    drawdown: DrawdownTiersConfig | None = None
    kill_switch: KillSwitchConfig | None = None
    milestones: MilestonesConfig | None = None
    performance: PerformanceGateConfig | None = None
    entry: PreTradeConfig | None = None
    state_store: str | None = None
    marks_interval_secs: float = 60.0
    live_armed: bool = False
    notify: NotifyConfig | None = None


def load_earnings(catalog: str | Path, underlyings: list[str] | None = None) -> list[EventDay]:
    """Return the earnings dates of a catalog's Alpha Vantage ``EarningsEvent`` records.

    Each date is known from its record's ``ts_event`` (when the release or the calendar
    became public), so a backtest only blacks out dates already published.

    Parameters
    ----------
    catalog : str | Path
        A Nautilus Parquet catalog.
    underlyings : list[str] | None
        Only these tickers (every ticker when ``None``).

    Raises
    ------
    FileNotFoundError
        If `catalog` is not a directory.

    """
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    if not Path(catalog).is_dir():
        raise FileNotFoundError(f"trading_window.earnings_catalog {catalog} is not a directory")
    out = []
    for record in ParquetDataCatalog(str(catalog)).query(EarningsEvent):
        event = getattr(record, "data", record)
        ticker = event.instrument_id.symbol.value
        if underlyings is None or ticker in underlyings:
            out.append(EventDay(ticker, event.report_date, int(event.ts_event)))
    return out


def closed_trades(cache: Any) -> list[ClosedTrade]:
    """Return the closed trades of venue ``US``: positions opened in the same instant.

    A trade closes with its last position; its P&L is the positions' realised P&L (USD,
    commissions included). Shares delivered by assignment open later, so they count as a
    trade of their own.
    """
    groups: dict[int, list[Any]] = {}
    for position in cache.positions(venue=VENUE):
        groups.setdefault(int(position.ts_opened), []).append(position)
    out = []
    for opened, positions in groups.items():
        if any(p.is_open for p in positions):
            continue
        pnl = sum(p.realized_pnl.as_double() for p in positions if p.realized_pnl is not None)
        closed = max(int(p.ts_closed) for p in positions)
        out.append(ClosedTrade(str(opened), closed, float(pnl)))
    return out


def build_rules(config: RiskGuardConfig) -> list[Rule]:
    """Return the rules a configuration turns on, the owner's pause and live arming (always on).

    Raises
    ------
    ValueError
        If no rule is configured, or neither ``underlying`` nor ``interval_secs`` is set, or
        ``interval_secs`` is not positive, or ``marks_interval_secs`` is negative.

    """
    if config.underlying is None and config.interval_secs is None:
        raise ValueError("set underlying (evaluate after each daily bar) or interval_secs")
    if config.interval_secs is not None and config.interval_secs <= 0:
        raise ValueError(f"interval_secs was {config.interval_secs!r}, not > 0")
    if config.marks_interval_secs < 0:
        raise ValueError(f"marks_interval_secs was {config.marks_interval_secs!r}, not >= 0")
    rules: list[Rule] = []
    if config.daily_loss is not None:
        rules.append(DailyLossCap(config.daily_loss))
    if config.drawdown is not None:
        rules.append(DrawdownTiers(config.drawdown))
    if config.kill_switch is not None:
        rules.append(KillSwitch(config.kill_switch))
    if config.milestones is not None:
        rules.append(EquityMilestones(config.milestones))
    if config.performance is not None:
        rules.append(PerformanceGate(config.performance))
    if not rules and config.entry is None:
        raise ValueError(
            "no risk rule configured (daily_loss, drawdown, kill_switch, milestones, performance, "
            "entry)"
        )
    rules.append(OwnerPause())
    rules.append(LiveArming(config.live_armed))
    return rules


class RiskGuard(Actor):
    """Run the risk rules and keep the combined decision where strategies read it.

    Parameters
    ----------
    config : RiskGuardConfig
        The configuration.

    Raises
    ------
    ValueError
        If the configuration is invalid (see :func:`build_rules`), or a ``notify`` URL is
        not understood or names an environment variable that is not set.

    """

    def __init__(self, config: RiskGuardConfig) -> None:
        super().__init__(config)
        self._cfg = config
        self._rules = build_rules(config)
        self._evaluator: RiskEvaluator | None = None
        self._notifier = build_notifier(config.notify, self.log.warning)
        self._after_commit: list[tuple[str, str]] = []
        self._last_snapshot_ns: int | None = None
        self._last_marks_ns: int | None = None
        self._greeks: dict[InstrumentId, OptionGreeks] = {}
        self._greeks_subscribed: set[InstrumentId] = set()

    @property
    def evaluator(self) -> RiskEvaluator:
        """The evaluator over the state store (once started)."""
        assert self._evaluator is not None, "the risk guard has not started"
        return self._evaluator

    def risk_events(self) -> list[RiskEvent]:
        """Return the risk log of the guard's store (empty before it started)."""
        return [] if self._evaluator is None else self._evaluator.ledger.events()

    def on_start(self) -> None:
        """Open the store, publish the last decision, subscribe, and evaluate once."""
        if self._evaluator is None:
            ledger = RiskLedger(StateStore(self._cfg.state_store or ":memory:"))
            notifier: Any = self._notifier
            keys = VapidKeys.from_env() if self._cfg.state_store else None
            if keys is not None:  # the owner's subscribed browsers get every notification too
                web_push = WebPushNotifier(ledger.store, keys, self.log.warning)
                notifier = BothNotifiers(self._notifier, web_push)
            self._evaluator = RiskEvaluator(self._rules, ledger, notifier, self._apply_command)
            self._restore_limits()
        self.cache.add(RISK_CACHE_KEY, self._evaluator.last_decision().to_bytes())
        self._publish_pretrade()
        self.msgbus.subscribe(topic=RISK_ENTRY_TOPIC, handler=self._on_entry_gated)
        self.msgbus.subscribe(topic="events.order.*", handler=self._on_order_event)
        if self._cfg.underlying is not None:
            self.subscribe_bars(daily_bar_type(equity_id(self._cfg.underlying)))
        if self._cfg.interval_secs is not None:
            self.clock.set_timer(
                name="risk-guard",
                interval=dt.timedelta(seconds=self._cfg.interval_secs),
                callback=on_event_loop(self.clock, lambda _event: self.evaluate()),
            )
        self.evaluate()

    def on_stop(self) -> None:
        """Stop the timer."""
        if "risk-guard" in self.clock.timer_names:
            self.clock.cancel_timer("risk-guard")

    def on_dispose(self) -> None:
        """Close the state store."""
        if self._evaluator is not None:
            self._evaluator.ledger.store.close()

    def on_bar(self, bar: Bar) -> None:
        """Evaluate just after the session's close data, before the strategies decide."""
        self.clock.set_time_alert_ns(
            name=f"risk-guard-{bar.ts_event}",
            alert_time_ns=bar.ts_event + EVALUATE_DELAY_NS,
            callback=on_event_loop(self.clock, lambda _event: self.evaluate()),
        )

    def evaluate(self) -> RiskDecision | None:
        """Evaluate the rules on the marked equity and publish the combined decision.

        Returns ``None`` (and leaves the decision as it was) while the venue has no account.
        """
        if self.portfolio.account(VENUE) is None:
            return None
        equity = marked_equity(self.cache, self.portfolio, VENUE)
        now = self.clock.timestamp_ns()
        trades = closed_trades(self.cache) if self._cfg.performance is not None else []
        decision = self.evaluator.update(now, equity, trades)
        self.cache.add(RISK_CACHE_KEY, decision.to_bytes())
        last = self._last_snapshot_ns
        if last is None or now - last >= SNAPSHOT_EVERY_NS:
            account = self.portfolio.account(VENUE)
            cash = float(account.balance_total(USD).as_double())
            buying_power = float(account.balance_free(USD).as_double())
            ControlLedger(self.evaluator.ledger.store).add_snapshot(now, equity, cash, buying_power)
            self._last_snapshot_ns = now
        last_marks = self._last_marks_ns
        if last_marks is None or now - last_marks >= self._cfg.marks_interval_secs * NS_PER_SECOND:
            self._record_marks(now)
            self._last_marks_ns = now
        effects, self._after_commit = self._after_commit, []
        for kind, value in effects:
            if kind == "flatten":
                self.msgbus.publish(topic=OWNER_FLATTEN_TOPIC, msg=value)
            else:
                self.evaluator.notifier.notify("test notification", value)
        self._prune_entries(now)
        return decision

    def on_option_greeks(self, greeks: OptionGreeks) -> None:
        """Keep the latest vendor greeks of each held leg (for the structure marks)."""
        self._greeks[greeks.instrument_id] = greeks

    def _record_marks(self, now_ns: int) -> None:
        store = self.evaluator.ledger.store
        structures = [
            structure
            for strategy_id in sorted(store.strategies_with_open_structures())
            for structure in store.structures(strategy_id)
        ]
        marks = []
        for structure in structures:
            for leg in structure.legs:
                instrument_id = InstrumentId.from_str(leg.instrument_id)
                if instrument_id not in self._greeks_subscribed:
                    self._greeks_subscribed.add(instrument_id)
                    self.subscribe_option_greeks(instrument_id)
            mark = mark_structure(self.cache, structure, self._greeks, now_ns)
            if mark is not None:
                marks.append(mark)
        ControlLedger(store).replace_marks(marks)

    def _apply_command(self, command: OwnerCommand, now_ns: int) -> str | None:
        # Runs inside the evaluator's store transaction: the strategies write their closing
        # intents to the same file, so the flatten is published after the commit.
        if command.command == "flatten":
            target = command.argument or ""
            if not target:
                return "refused: no structure id (or * for all)"
            self._after_commit.append(("flatten", target))
            return f"flatten {target} published to the strategies"
        if command.command == "test_notification":
            self._after_commit.append(("notify", f"test notification #{command.command_id}"))
            return "test notification sent"
        if command.command == "milestone_baseline":
            return self._set_milestone_baseline(command, now_ns)
        if command.command == SET_LIMIT:
            return self._set_limit(command, now_ns)
        if command.command in (ARM_LIVE, DISARM_LIVE):  # the rule took it on a live node
            return PAPER_REFUSAL
        return None

    def _limit_sections(self) -> dict[str, Any]:
        cfg = self._cfg
        return {"daily_loss": cfg.daily_loss, "drawdown": cfg.drawdown, "entry": cfg.entry}

    def _set_limit(self, command: OwnerCommand, now_ns: int) -> str:
        try:
            change = LimitChange.from_argument(command.argument)
            old = current_limits(self._limit_sections()).get(change.key)
            if is_raise(old, change.value) and not change.may_raise:
                return f"refused: raising {change.key} needs the owner's step-up code"
            self._apply_limit(change.key, change.value)
        except ValueError as exc:
            return f"refused: {exc}"
        state = self.evaluator.ledger.rule_state(LIMITS_STATE)
        overrides = {**state.get("overrides", {}), change.key: change.value}
        self._save_limits(overrides, f"owner command set_limit (#{command.command_id})", now_ns)
        verb = "raised" if is_raise(old, change.value) else "lowered"
        if old == change.value:
            verb = "unchanged"
        before = "-" if old is None else f"{old:g}"
        return f"{change.key} {before} -> {change.value:g} ({verb}); applied from this evaluation"

    def _apply_limit(self, key: str, value: float) -> None:
        name, section = with_limit(self._limit_sections(), key, value)
        self._cfg = msgspec.structs.replace(self._cfg, **{name: section})
        self._rules = build_rules(self._cfg)
        self.evaluator.rules[:] = self._rules
        if name == "entry":
            self._publish_pretrade()

    def _save_limits(self, overrides: dict[str, float], reason: str, now_ns: int) -> None:
        current = current_limits(self._limit_sections())
        state = {"overrides": overrides, "current": current}
        self.evaluator.ledger.save_rule_state(LIMITS_STATE, state, reason, now_ns)

    def _restore_limits(self) -> None:
        """Apply the owner's stored limit changes (a restart keeps them) and record the values."""
        state = self.evaluator.ledger.rule_state(LIMITS_STATE)
        overrides = dict(state.get("overrides", {}))
        for key, value in list(overrides.items()):
            try:
                self._apply_limit(key, float(value))
            except ValueError as exc:  # the config changed under it: the config wins
                self.log.warning(f"Owner's limit change not applied: {exc}")
                del overrides[key]
        current = current_limits(self._limit_sections())
        if state.get("current") != current or state.get("overrides", {}) != overrides:
            self._save_limits(overrides, "node start", self.clock.timestamp_ns())

    def _set_milestone_baseline(self, command: OwnerCommand, now_ns: int) -> str:
        try:
            baseline = float(command.argument or "")
        except ValueError:
            baseline = float("nan")
        if not (baseline > 0 and math.isfinite(baseline)):
            return f"refused: baseline {command.argument!r} is not a positive amount"
        ledger = self.evaluator.ledger
        names = [r.name for r in self._rules if isinstance(r, EquityMilestones)]
        names = [n for n in names if command.rule in (None, n)]
        if not names:
            return "refused: no equity milestones rule runs"
        for name in names:
            state = {**ledger.rule_state(name), "baseline": baseline, "level": 0}
            reason = f"owner command milestone_baseline (#{command.command_id})"
            ledger.save_rule_state(name, state, reason, now_ns)
        return f"baseline of {', '.join(names)} set to {baseline:,.2f}; levels count from it"

    def _publish_pretrade(self) -> None:
        entry = self._cfg.entry
        if entry is None:
            return
        window = entry.trading_window
        if window is not None and window.earnings_catalog is not None:
            tickers = [self._cfg.underlying] if self._cfg.underlying else None
            earnings = load_earnings(window.earnings_catalog, tickers)
            entry = msgspec.structs.replace(entry, earnings=earnings)
        self.cache.add(PRETRADE_CACHE_KEY, msgspec.json.encode(entry))
        state = self.evaluator.ledger.rule_state(ENTRIES_STATE)
        save_entries(self.cache, entries_from_json(state.get("entries", [])))

    def _save_entries(self, entries: list[OpenEntry], reason: str, now_ns: int) -> None:
        fields = [dataclasses.asdict(e) for e in entries]
        self.evaluator.ledger.save_rule_state(ENTRIES_STATE, {"entries": fields}, reason, now_ns)

    def _prune_entries(self, now_ns: int) -> None:
        if self._cfg.entry is None:
            return
        entries = stored_entries(self.cache)
        held = {p.instrument_id.value for p in self.cache.positions_open(venue=VENUE)}
        still_open = open_entries(entries, held, now_ns, self._cfg.entry.pending_secs)
        if len(still_open) < len(entries):
            save_entries(self.cache, still_open)
            closed = len(entries) - len(still_open)
            self._save_entries(still_open, f"{closed} entry(ies) no longer hold a position", now_ns)

    def _on_entry_gated(self, message: Any) -> None:
        if isinstance(message, EntryAdmitted):
            e = message.entry
            reason = (
                f"{e.strategy_id} entered {e.quantity} {e.structure} on {e.underlying} "
                f"(max loss {e.max_loss:,.2f})"
            )
            self._save_entries(stored_entries(self.cache), reason, e.ts_ns)
        elif isinstance(message, EntryGated):
            self.evaluator.record_entry(
                message.ts_ns,
                message.strategy_id,
                message.decision,
                message.wanted,
                message.allowed,
            )
            if DATA_BREAK in message.decision.rule.split(","):
                self._incident(DATA_BREAK, message.ts_ns, message.decision.reason)

    def _on_order_event(self, event: Any) -> None:
        if isinstance(event, OrderRejected | OrderDenied):
            detail = f"{event.client_order_id}: {event.reason}"
            self._incident(REJECT, int(event.ts_event), detail)

    def _incident(self, kind: str, ts_ns: int, detail: str) -> None:
        if self.evaluator.record_incident(kind, ts_ns, detail):
            self.evaluate()
