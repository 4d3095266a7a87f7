"""One strategy engine for every option structure: entries on a schedule, exits, restarts.

The engine trades one structure (a preset of :mod:`options.presets` named in the config,
e.g. ``iron_condor``) on one underlying. Each session close it sees the chain quoted at that
close (with ``entry_times``, also at those minutes of each session: see below), then in order:

1. closes shares received by assignment (``assigned_shares="close_next_session"``) once a
   later session has closed;
2. checks open trades against the exit rules (:class:`strategies.toolkit.exits.ExitRules`:
   take-profit, stop-loss, DTE, a short leg's delta, the underlying through a short strike)
   using the natural price to close (pay the ask on shorts, receive the bid on longs), only
   when every leg is quoted at this close; while the risk guard's decision is ``flatten``
   every such trade is closed (tag ``risk_flatten``); the owner's flatten command, published
   by the risk guard on :data:`risk.OWNER_FLATTEN_TOPIC` (a structure id or ``*``), closes the
   named open trades at once with market orders (tag ``owner_flatten``), quoted or not;
3. enters a new trade when the schedule says so: the structure's legs are resolved on the
   chain (:func:`strategies.toolkit.structure_selection.select`: expiration window, strikes by
   delta, moneyness or offset, liquidity filters), sized (fixed, or a fraction of equity
   against the structure's max loss; cash reserved for cash-secured puts) and checked for
   quoted size before any order is sent. Sells fill at the bid and buys at the ask.
   Before every entry (never before an exit) the risk layer is asked with an
   :class:`risk.EntryProposal` (:func:`risk.check_entry`; ``allow`` when no risk guard
   runs): ``block`` and ``flatten`` skip the entry, ``reduce`` shrinks the contracts to the
   decision's size; a skipped or resized entry is published on :data:`risk.RISK_ENTRY_TOPIC`.
   Each entry sent is described to the trade journal by an :class:`EntryContext` (quotes,
   greeks, IV, size, max loss, risk decision) and every order of a trade carries its structure
   tag (:mod:`strategies.toolkit.journal_entry`).

Intraday decisions (``entry_times``, New York times such as ``["09:45", "12:00"]``): on minute
data the engine also listens to the underlying's 1-minute bars and, just after the bar stamped
at one of those minutes of a regular session (the minute that ENDS then, Nautilus's
convention), decides on the latest quote of each contract in the session so far with the bar's
close as spot: exits (step 2), then an entry when the schedule allows. Entries then happen only
at those minutes, never at the session close; exits are still checked at the close too. Live,
the Tradier data client publishes those bars from the streamed or polled last trades. Each
entry time is decided once: the state store keeps the stamp of the last one decided, so a bar
delivered again, also after a restart, decides nothing. A same-day (0DTE) expiry that is
held to the close settles in cash there (index options) like any expiry.

Rolls (``roll_*`` fields, :mod:`strategies.toolkit.rolls`) are checked in step 2 before the
exit rules, on the same natural prices: when a roll trigger fires, the preset is resolved
again on the session's chain (later expiration and/or new strikes), and if the roll is
allowed (``max_rolls``, ``roll_for_credit_only``, the risk layer asked about the new
structure as an entry replacing the old one (:attr:`risk.EntryProposal.closes`), quoted
size) the old
structure's closing orders (tag ``rolled``) and the new structure's opening orders go out in
the same instant; their intents and both structures' states are written in one state-store
transaction before any of them is sent (with ``spread_orders: combo``, as ONE combo order of
the closing and opening legs when they are at most
:data:`strategies.toolkit.rolls.MULTILEG_MAX_LEGS`, intent kind ``roll``; else as two). The
new structure records the old one
(``rolled_from``) and its journal entry carries the chain (``roll_chain``, the original
structure's id) and the trigger (reason tag ``roll:<trigger>``). A roll that is not allowed
leaves the trade to the exit rules.

A trade of several legs is sent one of two ways (``spread_orders``):

- ``legs``: one market order per leg, all in the same instant. In the simulation every leg was
  pre-checked for quoted size, so a spread fills all legs or none; at a broker one leg can fail
  alone and leave a naked short.
- ``combo``: one market order on the generic spread instrument of the legs
  (:func:`nautilus_trader.model.identifiers.new_generic_spread_id`), which a multileg venue
  fills as a whole (the Tradier adapter sends one ``multileg`` order). The spread is the legs
  with ratio ``-r`` for a short leg of ``r`` contracts per structure and ``+r`` for a long
  one, so BUYING it opens the trade and SELLING it closes it. The venue reports one fill per
  leg with client order id ``{order}-LEG-{symbol}``; positions, the credit and the exits are
  tracked from those leg fills. The spread instrument is requested from the data client when
  it is not cached yet. The backtest venue fills spread orders only against aggregated spread
  quotes, which this strategy does not subscribe to, so backtests use ``legs``.

Expiry is left to the venue: out-of-the-money options expire worthless, in-the-money equity
options are assigned (short) or exercised (long) into 100 shares per contract at the strike.

Only standard contracts are traded (:func:`options.deliverables.is_standard_contract`: 100
shares of the underlying, no cash, multiplier 100): strike rules by moneyness and delta,
sizing, the cash a put secures and the wheel's shares count 100 shares per contract. An
adjusted contract (``XYZ1`` delivering 150 shares after a 3-for-2 split) or a mini (``AAPL7``,
10 shares) in the chain is left out; a session without an entry says how many were.
"""

import dataclasses
import datetime as dt
import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
from nautilus_trader.common.component import TestClock
from nautilus_trader.config import StrategyConfig
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.model.data import Bar, OptionGreeks, QuoteTick
from nautilus_trader.model.enums import OptionKind, OrderSide, OrderStatus
from nautilus_trader.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    PositionClosed,
)
from nautilus_trader.model.identifiers import (
    ClientOrderId,
    InstrumentId,
    PositionId,
    is_generic_spread_id,
    new_generic_spread_id,
)
from nautilus_trader.model.instruments import OptionContract
from nautilus_trader.model.objects import Quantity
from nautilus_trader.model.orders import Order
from nautilus_trader.trading.strategy import Strategy

from options import pricing
from options.deliverables import is_standard_contract
from options.instruments import VENUE, daily_bar_type, equity_id, minute_bar_type
from options.market_calendar import (
    day_bounds_ns,
    is_first_session_of_week,
    regular_minute,
    session_of_ns,
)
from options.option_volume import OptionVolume, option_volume_topic
from options.settlement_orders import settlement_kind
from options.structures import DteWindow, Side, StrikeByDelta, Structure
from risk import (
    FLATTEN_ALL,
    OWNER_FLATTEN_TOPIC,
    Action,
    ClosingLeg,
    EntryProposal,
    ProposedLeg,
    RiskDecision,
    check_entry,
    current_decision,
)
from statestore import IntentState, StateStore
from statestore.kill_points import kill_point
from strategies.toolkit.book import Leg, Trade, TradeBook
from strategies.toolkit.chain import ChainQuote, ChainSnapshot
from strategies.toolkit.covered_call import (
    SELL_CALLS,
    SELL_SHARES,
    assigned_shares,
    next_step,
    option_legs,
    shares_affordable,
    stock_legs,
)
from strategies.toolkit.equity import marked_equity
from strategies.toolkit.event_loop import on_event_loop
from strategies.toolkit.exits import ENTRY_TAG, ExitReason, ExitRules
from strategies.toolkit.iv_history import AtmIvHistory
from strategies.toolkit.journal_entry import (
    JOURNAL_ENTRY_TOPIC,
    SHARES_KIND,
    EntryContext,
    LegContext,
    structure_tag,
)
from strategies.toolkit.rolls import RollRules, roll_combo_ratios, roll_net_credit, roll_target
from strategies.toolkit.signal import latest_signal
from strategies.toolkit.sizing import OPTION_MULTIPLIER, contracts_for_risk
from strategies.toolkit.structure_choice import (
    DIRECTIONS,
    Condition,
    Regime,
    RegimeTracker,
    StructureChoice,
)
from strategies.toolkit.structure_selection import (
    EXPIRATION_CHOICES,
    Liquidity,
    SelectedLeg,
    Selection,
    select,
)
from strategies.toolkit.structure_spec import build_structure
from strategies.toolkit.wheel import (
    SHARES_PER_CONTRACT,
    Wheel,
    WheelConfig,
    WheelPhase,
    call_structure,
    calls_at_or_above,
    check_wheel_fields,
    from_record,
    to_record,
)

SUBSCRIBE_AHEAD_DAYS = 7
DECISION_DELAY_NS = 1_000_000  # act 1 ms after the session-close bar, once all close data is in
ENTRY_SCHEDULES = ("daily", "weekly", "once_per_expiration")
ASSIGNED_SHARE_POLICIES = ("close_next_session", "hold")
SPREAD_ORDER_MODES = ("legs", "combo")
SPREAD_CHECK_NS = 500_000_000  # how often a pending spread instrument is looked for in the cache
SPREAD_CHECKS = 20
RISK_FLATTEN_TAG = ExitReason.RISK_FLATTEN.value
OWNER_FLATTEN_TAG = ExitReason.OWNER_FLATTEN.value
ROLLED_TAG = ExitReason.ROLLED.value
SIGNAL_NAMES = {-1: "bearish", 0: "neutral", 1: "bullish"}
JOURNALLED_PARAMETERS = (
    "structure",
    "structure_params",
    "entry_schedule",
    "entry_times",
    "dte_min",
    "dte_max",
    "expiration_choice",
    "monthly_only",
    "quantity",
    "risk_fraction",
    "take_profit_pct",
    "stop_loss_multiple",
    "stop_loss_pct",
    "exit_dte",
    "short_delta_limit",
)
ROLL_PARAMETERS = (  # journalled when the strategy rolls
    "roll_dte",
    "roll_profit_pct",
    "roll_loss_multiple",
    "roll_loss_pct",
    "roll_short_delta",
    "roll_to",
    "roll_for_credit_only",
    "max_rolls",
)


class StructureEngineConfig(StrategyConfig, frozen=True, kw_only=True):  # type: ignore[call-arg]
    """Configuration of :class:`StructureEngine`.

    Parameters
    ----------
    underlying : str
        Underlying ticker, e.g. ``SPY``; options are those with this underlying on venue ``US``.
    structure : str
        The preset traded, a key of :data:`options.presets.PRESETS` (``cash_secured_put``,
        ``iron_condor``, ...).
    structure_params : dict
        The preset's keyword arguments as plain values (deltas, widths, ``kind``, ``strike``
        as ``{delta: x}`` or ``{moneyness: x}``, ``front``/``back`` windows); see
        :mod:`strategies.toolkit.structure_spec`.
    choices : list[StructureChoice]
        Instead of ``structure``: structures with the regime in which each is traded (IV
        rank and percentile, trend, signal), the first that holds wins; see
        :mod:`strategies.toolkit.structure_choice`. Exactly one of ``structure`` and
        ``choices`` is set.
    iv_window, iv_min_sessions : int
        Sessions of 30-day ATM IV in the IV rank and percentile look-back, and needed before
        they are given: the sessions this strategy has seen, after those before its start that
        :meth:`StructureEngine.seed_iv_history` and the state store give.
    trend_sessions : int
        Closes in the trend's simple moving average: the sessions this strategy has seen,
        after the closes before its start that :meth:`StructureEngine.seed_trend` gives.
    trend_band : float
        Fraction of the average the close must clear for an ``up`` or ``down`` trend.
    dte_min, dte_max : int
        Expiration window (calendar days) of single-expiration presets.
    dte_target : int | None
        Preferred days to expiration inside the window (``expiration_choice: window``);
        ``None`` is the middle of the window.
    expiration_choice : str, default "window"
        ``window``, ``nearest`` or ``best_first_leg``; see
        :mod:`strategies.toolkit.structure_selection`.
    monthly_only : bool, default False
        Only standard monthly expirations (third Friday).
    max_spread, max_spread_fraction : float | None
        Liquidity filters: widest bid-ask accepted on any leg, dollars per share and as a
        fraction of the mid.
    min_open_interest : float | None
        Liquidity filter: fewest contracts of open interest accepted on any leg, from the
        vendor's greeks record of the session (the SPY 2021 chain, the iVolatility SPX week,
        the Cboe 2023 snapshots, the LEAN universes carry it). A contract whose open interest
        is unknown in that session (no greeks record: minute quotes, trade bars) is refused.
    min_volume : float | None
        Liquidity filter: fewest contracts traded in the session accepted on any leg, the
        vendor's volume of that session (:class:`options.option_volume.OptionVolume`: the SPY
        2021 chain, the iVolatility SPX week and the Cboe 2023 snapshots carry it; live, the
        Tradier quote's ``volume`` so far today, polled with the greeks). A contract whose
        volume is unknown in that session (no volume record: the LEAN universes, minute
        quotes, trade bars, a catalog ingested before volumes were kept) is refused.
    entry_schedule : str, default "weekly"
        ``daily`` (every session), ``weekly`` (first session of each ISO week) or
        ``once_per_expiration`` (one trade per expiration: a traded cycle is never entered
        again; with ``expiration_choice: nearest`` and ``monthly_only`` one trade per monthly
        cycle).
    entry_times : list[str]
        New York times ``HH:MM`` at which to decide on minute data (module docstring); empty
        (the default) decides at each session close. Needs EXTERNAL 1-minute bars of the
        underlying: a minute replay has them; live, the Tradier data client builds them from
        the streamed or polled last trades (:mod:`adapters.tradier.data`).
    entry_start, entry_end : str | None
        First and last session (ISO dates, inclusive) on which entries may happen.
    quantity : int, default 1
        Structures per trade when ``risk_fraction`` is not set.
    risk_fraction : float | None
        Size each trade so its max loss at the natural price is at most this fraction of
        current equity, in (0, 1]; a structure whose loss is unbounded (more calls sold than
        bought, :attr:`options.structures.Structure.loss_unbounded`) is refused.
    max_open_trades : int | None
        Skip entries while this many trades are open.
    take_profit_pct, stop_loss_multiple, stop_loss_pct, exit_dte, short_delta_limit,
    exit_on_short_strike
        Exit rules, see :class:`strategies.toolkit.exits.ExitRules`; unset rules hold to expiry.
    roll_dte, roll_profit_pct, roll_loss_multiple, roll_loss_pct, roll_short_delta
        Roll triggers (front DTE at or below; fraction of the credit kept or of the debit
        gained; multiple of the credit to close; fraction of the debit lost; a short leg's
        absolute delta at or above); unset: no rolls. See :mod:`strategies.toolkit.rolls`.
    roll_to : str, default "out_and_strikes"
        ``out`` (same strikes, later expiration), ``strikes`` (strikes chosen again, same
        expiration) or ``out_and_strikes`` (resolved again on a later expiration).
    roll_for_credit_only : bool, default False
        Roll only when the new structure's natural credit exceeds the debit to close.
    max_rolls : int | None
        Most rolls per chain; ``None`` is no limit.
    assigned_shares : str, default "close_next_session"
        What happens to shares from assignment or exercise: ``close_next_session`` (a market
        order at the next session's close) or ``hold``.
    rate, dividend_yield : float
        Continuously compounded rate and yield (decimals) for deltas computed from prices.
    spread_orders : str, default "legs"
        How a trade of two or more legs is opened and closed: ``legs`` (one market order per
        leg, in the same instant) or ``combo`` (one market order on the generic spread
        instrument, filled as a whole by a multileg venue such as Tradier); see the module
        docstring. Single-option trades always use one order.
    state_store : str | None
        The node's state store file (``tradefly live`` sets it from the live config); ``None``
        keeps the state in memory (backtests).
    wheel : WheelConfig | None
        Run the wheel (:mod:`strategies.toolkit.wheel`): ``structure`` is the put phase
        (``cash_secured_put``, ``assigned_shares: hold``); these fields are the call phase.
        One option trade is open at a time. With roll fields a put rolls to the put phase's
        rules and a covered call to the call phase's, in the same wheel cycle.

    """

    underlying: str
    structure: str = ""
    structure_params: dict[str, Any] = msgspec.field(default_factory=dict)
    choices: list[StructureChoice] = msgspec.field(default_factory=list)
    iv_window: int = 252
    iv_min_sessions: int = 20
    trend_sessions: int = 50
    trend_band: float = 0.02
    dte_min: int = 30
    dte_max: int = 45
    dte_target: int | None = None
    expiration_choice: str = "window"
    monthly_only: bool = False
    max_spread: float | None = None
    max_spread_fraction: float | None = None
    min_open_interest: float | None = None
    min_volume: float | None = None
    entry_schedule: str = "weekly"
    entry_times: list[str] = msgspec.field(default_factory=list)
    entry_start: str | None = None
    entry_end: str | None = None
    quantity: int = 1
    risk_fraction: float | None = None
    max_open_trades: int | None = None
    take_profit_pct: float | None = None
    stop_loss_multiple: float | None = None
    stop_loss_pct: float | None = None
    exit_dte: int | None = None
    short_delta_limit: float | None = None
    exit_on_short_strike: bool = False
    roll_dte: int | None = None
    roll_profit_pct: float | None = None
    roll_loss_multiple: float | None = None
    roll_loss_pct: float | None = None
    roll_short_delta: float | None = None
    roll_to: str = "out_and_strikes"
    roll_for_credit_only: bool = False
    max_rolls: int | None = None
    assigned_shares: str = "close_next_session"
    rate: float = 0.0
    dividend_yield: float = 0.0
    spread_orders: str = "legs"
    state_store: str | None = None
    wheel: WheelConfig | None = None

    @property
    def holding_days(self) -> int | None:
        """Return the most calendar days a position may be held after the last entry session.

        ``dte_max`` without rolls; each roll allowed (``max_rolls``) can reopen up to
        ``dte_max`` days out again; ``None`` when rolls are unlimited.
        """
        if not roll_rules(self).enabled:
            return self.dte_max
        return None if self.max_rolls is None else self.dte_max * (1 + self.max_rolls)

    @property
    def horizon_days(self) -> int:
        """Return the most calendar days to expiration of any contract this config can open.

        The largest ``max_dte`` of the structures' expiration windows (``dte_max``, or the
        ``front``/``back`` windows of ``structure_params``) and of the wheel's calls.
        """
        structures = [structure for structure, _ in config_structures(self)]
        if self.wheel is not None:
            structures.append(call_structure(self.wheel))
        return max(window.max_dte for structure in structures for window in structure.expirations)

    @property
    def leg_kinds(self) -> frozenset[OptionKind]:
        """Return the option kinds of the legs this config can open (the chain it watches)."""
        kinds = {leg.kind for structure, _ in config_structures(self) for leg in structure.legs}
        if self.wheel is not None:
            kinds.add(OptionKind.CALL)
        return frozenset(kinds)

    @property
    def option_kind(self) -> str | None:
        """Return ``put`` or ``call`` when every leg is of that kind, else None (both kinds).

        The live node claims held options for the strategy trading their kind.
        """
        kinds = self.leg_kinds
        return next(iter(kinds)).name.lower() if len(kinds) == 1 else None


@dataclass(frozen=True, slots=True)
class _SpreadRequest:
    """A combo order waiting for its spread instrument to load."""

    trade: Trade
    spread_id: InstrumentId
    opening: bool
    tag: str
    successor: Trade | None = None  # a roll: `trade` closes and `successor` opens


@dataclass(frozen=True, slots=True)
class OpenLeg:
    """An open option position found at start-up (after a restart, from reconciliation).

    Parameters
    ----------
    instrument_id : InstrumentId
        The option.
    position_id : PositionId
        Its position.
    side : OrderSide
        The opening side (``SELL`` for a short leg).
    quantity : int
        Contracts.
    avg_px_open : float
        Average opening price, dollars per share.
    opened : datetime.date
        Session the position opened.
    expiration : datetime.date
        The option's expiration.

    """

    instrument_id: InstrumentId
    position_id: PositionId
    side: OrderSide
    quantity: int
    avg_px_open: float
    opened: dt.date
    expiration: dt.date


def _finite(greeks: OptionGreeks | None, field: str) -> float | None:
    """Return a vendor greek as a float, ``None`` when there are no greeks or it is not finite."""
    value = getattr(greeks, field) if greeks is not None else None
    if value is None:
        return None
    return float(value) if math.isfinite(float(value)) else None


def _roots(options: list[OptionContract]) -> list[str]:
    """Return the OCC roots of `options` (compact symbols: the root before 15 characters)."""
    return sorted({instrument.id.symbol.value[:-15] for instrument in options})


def rebuild_trades(legs: list[OpenLeg]) -> list[Trade]:
    """Group open legs back into trades so exits keep working after a restart.

    Legs opened on the same session with the same expiration form one trade (the strategy
    enters at most once per session). The credit is the legs' net opening price per share.
    """
    trades: dict[tuple[dt.date, dt.date], Trade] = {}
    for leg in sorted(legs, key=lambda lg: (lg.opened, lg.expiration, lg.side != OrderSide.SELL)):
        trade = trades.setdefault(
            (leg.opened, leg.expiration), Trade(expiration=leg.expiration, legs=[], opened=True)
        )
        trade.legs.append(Leg(leg.instrument_id, leg.side, leg.quantity, leg.position_id))
        trade.open_legs.add(leg.instrument_id)
        trade.credit += leg.avg_px_open if leg.side == OrderSide.SELL else -leg.avg_px_open
    return list(trades.values())


def exit_rules(config: StructureEngineConfig) -> ExitRules:
    """Return the exit rules of `config` (raising ``ValueError`` naming a bad field)."""
    return ExitRules(
        take_profit_pct=config.take_profit_pct,
        stop_loss_multiple=config.stop_loss_multiple,
        exit_dte=config.exit_dte,
        stop_loss_pct=config.stop_loss_pct,
        short_delta_limit=config.short_delta_limit,
        exit_on_short_strike=config.exit_on_short_strike,
    )


def roll_rules(config: StructureEngineConfig) -> RollRules:
    """Return the roll rules of `config` (raising ``ValueError`` naming a bad field)."""
    return RollRules(
        dte=config.roll_dte,
        profit_pct=config.roll_profit_pct,
        loss_multiple=config.roll_loss_multiple,
        loss_pct=config.roll_loss_pct,
        short_delta=config.roll_short_delta,
        to=config.roll_to,
        credit_only=config.roll_for_credit_only,
        max_rolls=config.max_rolls,
    )


def config_structures(config: StructureEngineConfig) -> list[tuple[Structure, Condition]]:
    """Return the structures `config` trades and when (raising ``ValueError`` naming a field).

    One structure (``structure``) always applies; ``choices`` give one per choice, in order.
    """
    if not 0 <= config.dte_min <= config.dte_max:
        raise ValueError(f"DTE window was [{config.dte_min}, {config.dte_max}]")
    if bool(config.structure) == bool(config.choices):
        raise ValueError("exactly one of structure and choices must be set")
    window = DteWindow(config.dte_min, config.dte_max, config.dte_target)
    if config.structure:
        return [(build_structure(config.structure, config.structure_params, window), Condition())]
    structures = []
    for index, choice in enumerate(config.choices):
        try:
            structure = build_structure(choice.structure, choice.structure_params, window)
        except ValueError as error:
            raise ValueError(f"choices[{index}]: {error}") from None
        structures.append((structure, choice.when))
    return structures


def entry_minutes(times: list[str]) -> frozenset[dt.time]:
    """Return the ``entry_times`` as times of day (raising ``ValueError`` naming a bad one).

    Each is ``HH:MM`` (New York), a minute of the regular session: after 09:30, at most 16:00.
    """
    minutes = set()
    for text in times:
        try:
            if not (isinstance(text, str) and len(text) == 5 and text[2] == ":"):
                raise ValueError
            minute = dt.time.fromisoformat(text)
        except ValueError:
            raise ValueError(f"entry_times: {text!r} is not HH:MM (New York time)") from None
        if not dt.time(9, 30) < minute <= dt.time(16, 0):
            raise ValueError(f"entry_times: {text!r} is not after 09:30 and at most 16:00")
        minutes.add(minute)
    return frozenset(minutes)


def validate_config(config: StructureEngineConfig) -> None:
    """Raise ``ValueError`` naming the first invalid field of `config`."""
    structures = [structure for structure, _ in config_structures(config)]
    for structure in structures:
        if structure.stock_shares and (config.choices or config.wheel is not None):
            raise ValueError(
                f"structure {structure.name!r} buys its shares: trade it as the only "
                "structure (not in choices; a wheel's calls are wheel: call_params)"
            )
    if config.wheel is not None:
        check_wheel_fields(config.structure, config.assigned_shares)
        call_structure(config.wheel)
    if config.entry_schedule not in ENTRY_SCHEDULES:
        raise ValueError(
            f"entry_schedule was {config.entry_schedule!r}, not one of {ENTRY_SCHEDULES}"
        )
    entry_minutes(config.entry_times)
    if config.expiration_choice not in EXPIRATION_CHOICES:
        raise ValueError(
            f"expiration_choice was {config.expiration_choice!r}, not one of {EXPIRATION_CHOICES}"
        )
    for structure in structures:
        if config.expiration_choice != "window" and len(structure.expirations) > 1:
            raise ValueError(
                f"expiration_choice {config.expiration_choice!r} needs a single-expiration "
                f"structure; {structure.name} has {len(structure.expirations)} expirations"
            )
    if config.assigned_shares not in ASSIGNED_SHARE_POLICIES:
        raise ValueError(
            f"assigned_shares was {config.assigned_shares!r}, not one of {ASSIGNED_SHARE_POLICIES}"
        )
    if config.spread_orders not in SPREAD_ORDER_MODES:
        raise ValueError(
            f"spread_orders was {config.spread_orders!r}, not one of {SPREAD_ORDER_MODES}"
        )
    if config.quantity < 1:
        raise ValueError(f"quantity was {config.quantity!r}, not >= 1")
    if config.risk_fraction is not None:
        if not 0.0 < config.risk_fraction <= 1.0:
            raise ValueError(f"risk_fraction was {config.risk_fraction!r}, not in (0, 1]")
        for structure in structures:
            if structure.loss_unbounded:
                raise ValueError(
                    f"risk_fraction cannot size {structure.name}: its loss is unbounded "
                    "(more calls sold than bought); set quantity instead"
                )
    for name in ("min_open_interest", "min_volume"):
        value = getattr(config, name)
        if value is not None and not value >= 0:
            raise ValueError(f"{name} was {value:g}, not >= 0")
    for name in ("max_spread", "max_spread_fraction"):
        value = getattr(config, name)
        if value is not None and not value > 0:
            raise ValueError(f"{name} was {value!r}, not positive")
    exit_rules(config)
    rolls = roll_rules(config)
    if rolls.enabled and config.choices:
        raise ValueError("roll fields need one structure, not choices")
    if rolls.enabled and structures[0].stock_shares:
        raise ValueError(f"roll fields: {structures[0].name} is not rolled (its calls expire)")
    if rolls.enabled and rolls.to != "out_and_strikes" and len(structures[0].expirations) > 1:
        raise ValueError(
            f"roll_to {rolls.to!r} needs a single-expiration structure; "
            f"{structures[0].name} has {len(structures[0].expirations)}"
        )
    RegimeTracker(
        config.iv_window, config.iv_min_sessions, config.trend_sessions, config.trend_band
    )


class StructureEngine(Strategy):
    """Trade one option structure on a schedule; see the module docstring.

    What must survive a restart lives in the state store (``state_store``): open trades and
    their legs, traded expirations, each order intent (minted before its order is submitted)
    and the shares the strategy received. At start the strategy settles every open intent
    against the order reconciliation put in the cache (filled, failed or still working); an
    intent whose order is nowhere is left waiting, never sent again.

    Parameters
    ----------
    config : StructureEngineConfig
        The configuration.

    Raises
    ------
    ValueError
        If the configuration is invalid.

    """

    def __init__(self, config: StructureEngineConfig) -> None:
        validate_config(config)
        covered = any(s.stock_shares for s, _ in config_structures(config))
        if (config.wheel is not None or covered) and config.oms_type is None:
            # The venue opens a new position for the shares a call's assignment delivers
            # unless positions are netted: then they close the shares held (the ones the
            # put delivered, or a covered call's own).
            config = msgspec.structs.replace(config, oms_type="NETTING")
        super().__init__(config)
        self._cfg = config
        self._choices = config_structures(config)
        self._wheel_calls = call_structure(config.wheel) if config.wheel is not None else None
        self._wheel: Wheel | None = None
        self._covered = covered  # a standalone covered call buys the shares it sells calls on
        self._exit_tags: dict[str, str] = {}  # a covered call's exit tag, for its share sale
        structures = [structure for structure, _ in self._choices]
        if self._wheel_calls is not None:
            structures.append(self._wheel_calls)
        legs = [leg for structure in structures for leg in structure.legs]
        self._kinds = config.leg_kinds
        self._horizon_days = config.horizon_days
        self._regimes = (
            RegimeTracker(
                config.iv_window, config.iv_min_sessions, config.trend_sessions, config.trend_band
            )
            if config.choices
            else None
        )
        self._liquidity = Liquidity(
            config.max_spread,
            config.max_spread_fraction,
            config.min_open_interest,
            config.min_volume,
        )
        self._exits = exit_rules(config)
        self._rolls = roll_rules(config)
        self._held_orders: list[tuple[Order, PositionId | None]] | None = None
        self._underlying_id = equity_id(config.underlying)
        self._daily_bars = daily_bar_type(self._underlying_id)
        self._entry_start = (
            dt.date.fromisoformat(config.entry_start) if config.entry_start else None
        )
        self._entry_end = dt.date.fromisoformat(config.entry_end) if config.entry_end else None
        self._entry_minutes = entry_minutes(config.entry_times)
        self._needs_delta = (
            config.short_delta_limit is not None or config.roll_short_delta is not None
        ) or any(isinstance(leg.strike, StrikeByDelta) for leg in legs)
        # Live, the volume arrives with the polled greeks (adapters.tradier.data).
        self._needs_volume = config.min_volume is not None
        self._needs_greeks = (
            self._needs_delta or config.min_open_interest is not None or self._needs_volume
        )
        self._quotes: dict[InstrumentId, QuoteTick] = {}
        self._greeks: dict[InstrumentId, OptionGreeks] = {}
        self._volumes: dict[InstrumentId, OptionVolume] = {}
        self._spot: float | None = None
        self._book: TradeBook | None = None
        self._order_trade: dict[ClientOrderId, Trade] = {}
        self._spread_requests: dict[UUID4, _SpreadRequest] = {}
        self._share_orders: set[ClientOrderId] = set()
        self._settling: list[OrderFilled] = []  # physical settlement closes awaiting delivery
        self._unsubscribed: list[OptionContract] = []
        self._subscribed: deque[OptionContract] = deque()
        self._atm_ivs = AtmIvHistory(
            config.iv_window, config.iv_min_sessions, config.rate, config.dividend_yield
        )
        self._iv_seed: dict[dt.date, float] = {}
        self._iv_last_session: dt.date | None = None
        self._trend_seed: dict[dt.date, float] = {}
        self._close_last_session: dt.date | None = None
        self._replay = False
        self._window: set[InstrumentId] = set()
        self._contracts: dict[InstrumentId, tuple[OptionKind, float, dt.date] | None] = {}
        self._nonstandard: set[InstrumentId] = set()  # options never traded (is_standard_contract)
        self._entry_time_decided_ns = 0  # the minute bar stamp of the last entry time decided

    @property
    def _trades(self) -> list[Trade]:
        return self._book.trades if self._book is not None else []

    @property
    def _entry_time_key(self) -> str:  # the state store's record of the last entry time decided
        return f"entry_time_decided:{self.id.value}"

    @property
    def _store(self) -> StateStore:
        assert self._book is not None, "the strategy has not started"
        return self._book.store

    # -- Lifecycle -----------------------------------------------------------------------------

    def on_start(self) -> None:
        """Open the state store, subscribe to data and restore the trades of a previous run."""
        if self.cache.instrument(self._underlying_id) is None:
            self.log.error(f"Underlying {self._underlying_id} not in cache; stopping")
            self.stop()
            return
        if self._book is None:
            store = StateStore(self._cfg.state_store or ":memory:")
            self._book = TradeBook(store, self.id.value, self._cfg.underlying)
            self._start_iv_history(store)
            self._start_trend()
            if self._wheel_calls is not None:
                cycles = store.wheel_cycles(self.id.value)
                self._wheel = Wheel([from_record(record) for record in cycles])
            if self._entry_minutes:
                decided = store.status().get(self._entry_time_key)
                self._entry_time_decided_ns = int(decided[0]) if decided else 0
        self.subscribe_bars(self._daily_bars)
        if self._entry_minutes:
            self.subscribe_bars(minute_bar_type(self._underlying_id))
        self.msgbus.subscribe(topic=OWNER_FLATTEN_TOPIC, handler=self._on_owner_flatten)
        options = [
            instrument
            for instrument in self.cache.instruments(venue=VENUE, underlying=self._cfg.underlying)
            if isinstance(instrument, OptionContract) and instrument.option_kind in self._kinds
        ]
        self._unsubscribed = sorted(options, key=lambda o: o.expiration_ns, reverse=True)
        self._replay = isinstance(self.clock, TestClock)
        if self._replay:
            self._listen_to_replay(options)
        if self._needs_volume:
            for root in _roots(options):
                self.msgbus.subscribe(
                    topic=option_volume_topic(VENUE.value, f"{root}*"), handler=self._on_volume
                )
        self._subscribe_upcoming(session_of_ns(self.clock.timestamp_ns()))
        self._settle_open_intents()
        self._release_orphans()
        self._book_settlements_while_stopped()
        self._match_positions()
        self._adopt_open_positions()
        for trade in self._trades:
            for leg in trade.legs:
                if self._replay:
                    self._window.add(leg.instrument_id)
                elif not any(s.id == leg.instrument_id for s in self._subscribed):
                    self.subscribe_quote_ticks(leg.instrument_id)

    def seed_iv_history(self, ivs: Mapping[dt.date, float]) -> None:
        """Give the 30-day ATM IV of sessions before the start, for the IV rank from the start.

        Called before the strategy starts (the backtest runner and ``tradefly live`` give the
        values :func:`strategies.iv_seed.prior_atm_ivs` reads from a catalog). At start the
        history holds the last ``iv_window`` sessions of these and of the sessions kept in the
        state store (the store's value wins on a session in both), oldest first.

        Parameters
        ----------
        ivs : Mapping[datetime.date, float]
            Session to its 30-day ATM IV, decimal per year.

        Raises
        ------
        ValueError
            If the strategy has started, or a value is not finite and positive.

        """
        self._iv_seed = self._checked_seed("seed_iv_history", "ATM IV", ivs)

    def seed_trend(self, closes: Mapping[dt.date, float]) -> None:
        """Give the underlying's closes of sessions before the start, for a trend from the start.

        Called before the strategy starts (the backtest runner and ``tradefly live`` give the
        closes :func:`strategies.trend_seed.prior_closes` reads from a catalog). At start they
        go into the trend's moving average, oldest first, so that after the first session's
        close it holds the last ``trend_sessions - 1`` of them and that close; a daily bar of
        a session on or before the last of them adds no close. A strategy without ``choices``
        has no trend and ignores them.

        Parameters
        ----------
        closes : Mapping[datetime.date, float]
            Session to the underlying's close, dollars per share.

        Raises
        ------
        ValueError
            If the strategy has started, or a close is not finite and positive.

        """
        self._trend_seed = self._checked_seed("seed_trend", "close", closes)

    def _checked_seed(
        self, method: str, what: str, values: Mapping[dt.date, float]
    ) -> dict[dt.date, float]:
        if self._book is not None:
            raise ValueError(f"{method} must be called before the strategy starts")
        for session, value in values.items():
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"the seeded {what} of {session} was {value!r}")
        return dict(values)

    def _start_trend(self) -> None:
        if self._regimes is None or not self._trend_seed:
            return
        for _session, close in sorted(self._trend_seed.items()):
            self._regimes.add_close(close)  # the average keeps the last trend_sessions
        self._close_last_session = max(self._trend_seed)

    def _start_iv_history(self, store: StateStore) -> None:
        stored = {
            dt.date.fromisoformat(session): iv
            for session, iv in store.session_ivs(self.id.value).items()
        }
        merged = sorted({**self._iv_seed, **stored}.items())[-self._cfg.iv_window :]
        self._atm_ivs.seed(iv for _session, iv in merged)
        if self._regimes is not None:
            for _session, iv in merged:
                self._regimes.add_iv(iv)
        if merged:
            self._iv_last_session = merged[-1][0]

    def _add_session_iv(self, snapshot: ChainSnapshot) -> None:
        # One 30-day ATM IV per session: a session already in the history (the node restarted
        # after its close) keeps the value it has. A node with a state store keeps each value.
        session = snapshot.session
        if self._iv_last_session is not None and session <= self._iv_last_session:
            return
        self._iv_last_session = session
        self._atm_ivs.add(snapshot, self._vendor_ivs(session))
        if self._regimes is None and self._cfg.state_store is None:
            return
        latest = self._atm_ivs.latest()
        iv = latest[1] if latest is not None and latest[0] == session else None
        if self._regimes is not None:
            self._regimes.add_iv(iv)
        if iv is not None and self._cfg.state_store is not None:
            self._store.save_session_iv(self.id.value, session.isoformat(), iv)

    def on_dispose(self) -> None:
        """Close the state store."""
        if self._book is not None:
            self._book.store.close()

    def _settle_open_intents(self) -> None:
        # Each intent still open in the store is settled against the order that reconciliation
        # rebuilt from the broker (Tradier keeps our client order id in the order's tag).
        trades = {trade.structure_id: trade for trade in self._trades}
        for intent in self._store.intents(self.id.value, open_only=True):
            client_order_id = ClientOrderId(intent.client_order_id)
            trade = trades.get(intent.structure_id or "")
            closes = trades.get(intent.detail.get("closes", ""))  # a roll's old structure
            order = self.cache.order(client_order_id)
            if intent.kind == "shares":
                self._share_orders.add(client_order_id)
            elif trade is not None:
                self._track_order(client_order_id, intent.instrument_id, trade, closes)
            if order is None:
                self.log.warning(
                    f"Order intent {intent.intent_id} ({intent.kind}, {client_order_id}) has no "
                    "order at the broker or in the cache: waiting, not sending it again"
                )
                continue
            self._settle_from_order(order, trade, intent.kind, closes)

    def _release_orphans(self) -> None:
        # A trade left opening (or closing) with no open intent: its order ended while the node
        # was down without a fill (rejected, expired, or never received by the broker).
        assert self._book is not None
        waiting = self._structures_waiting()
        for trade in list(self._trades):
            if trade.structure_id in waiting:
                continue
            if not trade.opened:
                self.log.warning(f"Entry of {trade.structure_id} never filled; trade dropped")
                self._book.drop(trade)
            elif trade.closing:
                trade.closing = False
                self._book.save(trade)

    def _track_order(
        self,
        client_order_id: ClientOrderId,
        instrument: str,
        trade: Trade,
        closes: Trade | None = None,
    ) -> None:
        # The venue reports a combo's leg fills under "{id}-LEG-{symbol}" (the Nautilus
        # convention): each belongs to the trade holding that leg (a roll's combo holds the
        # legs of the trade it `closes` and of the one it opens).
        self._order_trade[client_order_id] = trade
        if is_generic_spread_id(InstrumentId.from_str(instrument)):
            for owner in (trade, closes) if closes is not None else (trade,):
                for leg in owner.legs:
                    leg_id = f"{client_order_id.value}-LEG-{leg.instrument_id.symbol.value}"
                    self._order_trade[ClientOrderId(leg_id)] = owner

    def _settle_from_order(
        self, order: Order, trade: Trade | None, kind: str, closes: Trade | None = None
    ) -> None:
        # Book what the order filled while the node was down (its fill events came before the
        # strategy ran), then settle the intent: filled, still working, or ended unfilled.
        now = self.clock.timestamp_ns()
        filled = int(order.filled_qty.as_double())
        with self._store.transaction():
            if order.venue_order_id is not None:
                client_order_id = order.client_order_id.value
                self._store.set_intent_venue_order_id(client_order_id, order.venue_order_id.value)
            if filled and kind == "shares":
                self._book_share_sale(order.instrument_id, order.side, order.filled_qty, now)
            elif filled and trade is not None:
                self._book_order_fill(order, trade, filled, opening=kind in ("entry", "roll"))
                self._save_or_close(trade)
                if self._wheel is not None:
                    fee = sum(float(money.as_double()) for money in order.commissions())
                    if closes is not None and is_generic_spread_id(order.instrument_id):
                        self._book_wheel_roll(trade, -float(order.avg_px), filled, fee, now)
                    else:
                        args = (order.side, float(order.avg_px), filled, fee, now)
                        self._book_wheel_option(order.instrument_id, *args)
                if closes is not None:
                    self._book_order_fill(order, closes, filled, opening=False)
                    self._save_or_close(closes)
            if order.status == OrderStatus.FILLED:
                self._store.set_intent_state(order.client_order_id.value, IntentState.FILLED, now)
            elif order.is_closed:
                self._on_order_failed(order.client_order_id, _FINAL_STATE.get(order.status))
            elif order.status not in (OrderStatus.INITIALIZED, OrderStatus.SUBMITTED):
                self._store.set_intent_state(order.client_order_id.value, IntentState.WORKING, now)

    def _book_order_fill(self, order: Order, trade: Trade, filled: int, opening: bool) -> None:
        # A combo order fills every leg; a leg order its own instrument only.
        combo = is_generic_spread_id(order.instrument_id)
        legs = [leg for leg in trade.legs if combo or leg.instrument_id == order.instrument_id]
        if not opening:
            for leg in legs:
                trade.book_closing(leg, filled)
            return
        for leg in legs:
            if order.is_closed:  # ended, perhaps part-filled: the trade holds what filled
                leg.quantity = filled
            trade.book_opening(leg, float(order.avg_px), filled)
        if combo:  # the net price is no leg's price: the legs' positions give the credit
            trade.credit = self._credit_from_positions(trade, -float(order.avg_px))

    def _credit_from_positions(self, trade: Trade, default: float) -> float:
        # A combo filled while the node was down: its legs' reconciled positions give the
        # credit; the venue's net price (``default``) is the fallback when a leg is missing.
        credit = 0.0
        for leg in trade.legs:
            positions = self.cache.positions_open(
                instrument_id=leg.instrument_id, strategy_id=self.id
            )
            if not positions:
                return default
            sign = 1.0 if leg.side == OrderSide.SELL else -1.0
            credit += sign * float(positions[0].avg_px_open)
        return credit

    def _match_positions(self) -> None:
        # A restored trade's legs are held in the positions reconciliation rebuilt; a leg with
        # no open position was closed while the node was down (expiry, assignment, an exit).
        for trade in list(self._trades):
            if not trade.opened or trade.closing:
                continue
            for leg in trade.legs:
                positions = self.cache.positions_open(
                    instrument_id=leg.instrument_id, strategy_id=self.id
                )
                if positions:
                    leg.position_id = positions[0].id
                else:
                    trade.open_legs.discard(leg.instrument_id)
            self._save_or_close(trade)
            if trade in self._trades:
                self._unwind_if_broken(trade)

    def _adopt_open_positions(self) -> None:
        # Option positions this strategy holds that no stored trade explains (a store that was
        # lost or predates them) are grouped into trades by opening session and expiration.
        known = {leg.instrument_id for trade in self._trades for leg in trade.legs}
        legs = []
        for position in self.cache.positions_open(strategy_id=self.id):
            instrument = self.cache.instrument(position.instrument_id)
            if (
                not isinstance(instrument, OptionContract)
                or instrument.underlying != self._cfg.underlying
                or position.instrument_id in known
            ):
                continue
            legs.append(
                OpenLeg(
                    instrument_id=position.instrument_id,
                    position_id=position.id,
                    side=OrderSide.SELL if position.is_short else OrderSide.BUY,
                    quantity=int(position.quantity.as_double()),
                    avg_px_open=float(position.avg_px_open),
                    opened=session_of_ns(position.ts_opened),
                    expiration=session_of_ns(instrument.expiration_ns),
                )
            )
        adopted = rebuild_trades(legs)
        if adopted:
            self.log.warning(f"Adopted {len(adopted)} open trade(s) the state store did not know")
        assert self._book is not None
        for trade in adopted:
            self._book.add(trade)

    def _listen_to_replay(self, options: list[OptionContract]) -> None:
        # A backtest publishes every quote and greeks record on its topic whether or not a
        # data client was asked for it, and each per-contract subscription costs more than the
        # last (the message bus matches it against every topic so far): one wildcard
        # subscription per OCC root instead, kept to the contracts in the window.
        for root in _roots(options):
            self.msgbus.subscribe(topic=f"data.quotes.{VENUE}.{root}*", handler=self._on_quote)
            if self._needs_greeks:
                self.msgbus.subscribe(
                    topic=f"data.option_greeks.{VENUE}.{root}*", handler=self._on_greeks
                )

    def _on_quote(self, tick: QuoteTick) -> None:
        if tick.instrument_id in self._window:
            self._quotes[tick.instrument_id] = tick

    def _on_greeks(self, greeks: OptionGreeks) -> None:
        if greeks.instrument_id in self._window:
            self._greeks[greeks.instrument_id] = greeks

    def _on_volume(self, volume: OptionVolume) -> None:
        if volume.instrument_id in self._window:
            self._volumes[volume.instrument_id] = volume

    def _subscribe_upcoming(self, session: dt.date) -> None:
        # Take in contracts as their expiration enters the DTE window (plus a week), not the
        # whole chain at once: a ten-year catalog lists tens of thousands of contracts.
        # Expired contracts are let go: live, each subscription slows the next one down.
        horizon = session + dt.timedelta(days=self._horizon_days + SUBSCRIBE_AHEAD_DAYS)
        while self._subscribed and session_of_ns(self._subscribed[0].expiration_ns) < session:
            instrument = self._subscribed.popleft()
            self._quotes.pop(instrument.id, None)
            self._greeks.pop(instrument.id, None)
            self._volumes.pop(instrument.id, None)
            self._contracts.pop(instrument.id, None)
            self._nonstandard.discard(instrument.id)
            self._window.discard(instrument.id)
            if self._replay:
                continue
            self.unsubscribe_quote_ticks(instrument.id)
            if self._needs_greeks:
                self.unsubscribe_option_greeks(instrument.id)
        while self._unsubscribed and session_of_ns(self._unsubscribed[-1].expiration_ns) <= horizon:
            instrument = self._unsubscribed.pop()
            if session_of_ns(instrument.expiration_ns) < session:
                continue
            self._subscribed.append(instrument)
            self._window.add(instrument.id)
            if self._replay:
                continue
            self.subscribe_quote_ticks(instrument.id)
            if self._needs_greeks:  # costly; delta rules, open interest and volume use them
                self.subscribe_option_greeks(instrument.id)

    # -- Data ------------------------------------------------------------------------------------

    def on_quote_tick(self, tick: QuoteTick) -> None:
        """Keep the latest quote per contract for the session decision."""
        self._quotes[tick.instrument_id] = tick

    def on_option_greeks(self, greeks: OptionGreeks) -> None:
        """Keep the latest vendor greeks per contract."""
        self._greeks[greeks.instrument_id] = greeks

    def on_bar(self, bar: Bar) -> None:
        """Schedule the decision just after the underlying's close or an entry time's bar."""
        if bar.bar_type != self._daily_bars:
            self._on_minute_bar(bar)
            return
        self._spot = bar.close.as_double()
        session = session_of_ns(bar.ts_event)
        if self._regimes is not None and (
            self._close_last_session is None or session > self._close_last_session
        ):
            self._regimes.add_close(self._spot)
            self._close_last_session = session
        self.clock.set_time_alert_ns(
            name=f"session-close-{bar.ts_event}",
            alert_time_ns=bar.ts_event + DECISION_DELAY_NS,
            callback=on_event_loop(self.clock, lambda _event: self._on_session_close()),
        )

    def _on_minute_bar(self, bar: Bar) -> None:
        if regular_minute(bar.ts_event) not in self._entry_minutes:
            return
        spot = bar.close.as_double()
        self.clock.set_time_alert_ns(
            name=f"entry-time-{bar.ts_event}",
            alert_time_ns=bar.ts_event + DECISION_DELAY_NS,
            callback=on_event_loop(
                self.clock, lambda _event: self._on_entry_time(spot, bar.ts_event)
            ),
        )

    # -- Decisions -------------------------------------------------------------------------------

    def _on_entry_time(self, spot: float, stamp_ns: int) -> None:
        # An intraday decision: exits, then an entry when due, on the session's latest quotes.
        # Each entry time is decided once: the store remembers the last one decided, so a
        # minute bar delivered again (after a restart too) decides nothing.
        if self._book is None or stamp_ns <= self._entry_time_decided_ns:
            return
        self._entry_time_decided_ns = stamp_ns
        self._store.set_status(self._entry_time_key, str(stamp_ns), self.clock.timestamp_ns())
        session = session_of_ns(self.clock.timestamp_ns())
        self._subscribe_upcoming(session)
        snapshot = self._build_snapshot(session, spot)
        self._check_exits(snapshot, flatten=current_decision(self.cache).action == Action.FLATTEN)
        if self._entry_due(session):
            self._enter(snapshot)

    def _on_session_close(self) -> None:
        if self._spot is None or self._book is None:
            return
        session = session_of_ns(self.clock.timestamp_ns())
        snapshot = self._build_snapshot(session, self._spot)
        self._add_session_iv(snapshot)
        self._abandon_spread_requests()
        self._subscribe_upcoming(session)
        self._close_received_shares(session)
        self._check_exits(snapshot, flatten=current_decision(self.cache).action == Action.FLATTEN)
        if not self._entry_minutes and self._entry_due(session):
            self._enter(snapshot)

    def _chosen(self, session: dt.date) -> tuple[Structure, Regime] | None:
        # The structure to trade now: the only one, or the first choice whose regime holds.
        if self._wheel_calls is not None and self.wheel_phase == WheelPhase.CALL:
            return self._wheel_calls, Regime()
        if self._regimes is None:
            return self._choices[0][0], Regime()
        signal = latest_signal(self.cache, self._cfg.underlying)
        regime = self._regimes.regime(
            DIRECTIONS[signal.direction] if signal is not None else None,
            signal.confidence if signal is not None else None,
        )
        for structure, condition in self._choices:
            if condition.holds(regime):
                return structure, regime
        self.log.info(f"{session}: no choice holds ({' '.join(regime.tags()) or 'no inputs'})")
        return None

    def _build_snapshot(self, session: dt.date, spot: float) -> ChainSnapshot:
        # A quote counts on the session it was stamped in (an unchanged live quote keeps
        # counting all session long); end-of-day files quote a contract on some days only,
        # and an older quote is no honest price.
        quotes = []
        nonstandard = 0
        bounds = day_bounds_ns(session)
        for instrument_id, tick in self._quotes.items():
            if not bounds[0] <= tick.ts_event < bounds[1]:
                continue
            contract = self._contract(instrument_id)
            if contract is None:
                nonstandard += instrument_id in self._nonstandard
                continue
            quotes.append(
                ChainQuote.from_tick(
                    contract,
                    session,
                    tick,
                    delta=self._delta(instrument_id, tick, spot) if self._needs_delta else None,
                    open_interest=self._open_interest(instrument_id, bounds),
                    volume=self._session_volume(instrument_id, bounds),
                )
            )
        return ChainSnapshot(session, spot, tuple(quotes), nonstandard=nonstandard)

    def _contract(self, instrument_id: InstrumentId) -> tuple[OptionKind, float, dt.date] | None:
        # Kind, strike and expiration session of a standard option (None for anything else:
        # strike and delta rules, sizing and marks count 100 shares per contract), looked up
        # once per contract rather than once per quote and session.
        if instrument_id not in self._contracts:
            instrument = self.cache.instrument(instrument_id)
            if isinstance(instrument, OptionContract) and not is_standard_contract(instrument):
                self._nonstandard.add(instrument_id)
                instrument = None
            self._contracts[instrument_id] = (
                (
                    instrument.option_kind,
                    instrument.strike_price.as_double(),
                    session_of_ns(instrument.expiration_ns),
                )
                if isinstance(instrument, OptionContract)
                else None
            )
        return self._contracts[instrument_id]

    def _open_interest(self, instrument_id: InstrumentId, bounds: tuple[int, int]) -> float | None:
        # The vendor's open interest of this session (greeks records carry it), else unknown.
        greeks = self._greeks.get(instrument_id)
        if greeks is None or not bounds[0] <= greeks.ts_event < bounds[1]:
            return None
        return _finite(greeks, "open_interest")

    def _session_volume(self, instrument_id: InstrumentId, bounds: tuple[int, int]) -> float | None:
        # The vendor's volume of this session, else unknown.
        volume = self._volumes.get(instrument_id)
        if volume is None or not bounds[0] <= volume.ts_event < bounds[1]:
            return None
        return volume.volume

    def _vendor_ivs(self, session: dt.date) -> dict[InstrumentId, float]:
        # The vendor's IV of each contract whose greeks are stamped in this session.
        start_ns, end_ns = day_bounds_ns(session)
        ivs = {
            instrument_id: _finite(greeks, "mark_iv")
            for instrument_id, greeks in self._greeks.items()
            if start_ns <= greeks.ts_event < end_ns
        }
        return {instrument_id: iv for instrument_id, iv in ivs.items() if iv is not None and iv > 0}

    def _delta(self, instrument_id: InstrumentId, tick: QuoteTick, spot: float) -> float | None:
        greeks = self._greeks.get(instrument_id)
        vendor = _finite(greeks, "delta")
        if greeks is not None and greeks.ts_event == tick.ts_event and vendor is not None:
            return vendor
        instrument = self.cache.instrument(instrument_id)
        mid = (tick.bid_price.as_double() + tick.ask_price.as_double()) / 2.0
        t_years = pricing.year_fraction(tick.ts_event, instrument.expiration_ns)
        is_call = instrument.option_kind == OptionKind.CALL
        strike = instrument.strike_price.as_double()
        try:
            vol = pricing.implied_vol(
                mid, spot, strike, t_years, self._cfg.rate, self._cfg.dividend_yield, is_call
            )
        except ValueError:
            return None
        return pricing.bs_delta(
            spot, strike, t_years, vol, self._cfg.rate, self._cfg.dividend_yield, is_call
        )

    def _entry_due(self, session: dt.date) -> bool:
        if self._entry_start is not None and session < self._entry_start:
            return False
        if self._entry_end is not None and session > self._entry_end:
            return False
        if self._cfg.max_open_trades is not None and len(self._trades) >= self._cfg.max_open_trades:
            return False
        if self._wheel is not None and (self._trades or self._structures_waiting()):
            return False  # a wheel holds one put or one call trade at a time
        if self._cfg.entry_schedule == "weekly":
            return is_first_session_of_week(session)
        return True

    def _enter(self, snapshot: ChainSnapshot) -> None:
        cfg = self._cfg
        assert self._book is not None
        excluded = (
            self._book.traded_cycles if cfg.entry_schedule == "once_per_expiration" else set()
        )
        chosen = self._chosen(snapshot.session)
        if chosen is None:
            return
        structure, regime = chosen
        if self.wheel_phase == WheelPhase.CALL:
            snapshot = self._wheel_call_chain(snapshot)
        selection = select(
            structure,
            snapshot,
            expiration_choice=cfg.expiration_choice,
            liquidity=self._liquidity,
            monthly_only=cfg.monthly_only,
            excluded=excluded,
        )
        if isinstance(selection, str):
            self.log.info(f"{snapshot.session}: no entry ({selection}{_left_out(snapshot)})")
            for name, known in (("min_open_interest", "open_interest"), ("min_volume", "volume")):
                if getattr(cfg, name) is not None and all(
                    getattr(q, known) is None for q in snapshot.quotes
                ):
                    self.log.warning(
                        f"{snapshot.session}: {name} is set but no contract has a known "
                        f"{known} in this session's data; no entry"
                    )
            return
        wanted = self._entry_quantity(selection)
        if wanted < 1:
            self.log.info(f"{snapshot.session}: sizing gave no contracts")
            return
        quantity, decision = self._risk_gated(snapshot, selection, wanted)
        if quantity < 1:
            return
        too_small = _too_small(selection, quantity)
        if too_small is not None:
            self.log.info(f"{snapshot.session}: {too_small}")
            return
        legs = [
            Leg(leg.instrument_id, _order_side(leg), quantity * leg.ratio) for leg in selection.legs
        ]
        stock = selection.priced.stock
        if self._covered and stock is not None:  # the shares first (covered_call module)
            legs.insert(0, Leg(self._underlying_id, OrderSide.BUY, quantity * stock.shares))
        trade = Trade(expiration=selection.expiration, legs=legs)
        self._book.add(trade)
        context = self._entry_context(snapshot, trade, selection, wanted, decision, regime)
        self.msgbus.publish(topic=JOURNAL_ENTRY_TOPIC, msg=context)
        self._submit(trade, opening=True, tag=ENTRY_TAG)

    def _entry_context(
        self,
        snapshot: ChainSnapshot,
        trade: Trade,
        selection: Selection,
        wanted: int,
        decision: RiskDecision,
        regime: Regime,
    ) -> EntryContext:
        # What the journal keeps of this entry (see strategies.toolkit.journal_entry).
        cfg = self._cfg
        quantity = _structure_units(trade)
        per_structure = selection.priced.max_loss()
        max_loss = per_structure * quantity if math.isfinite(per_structure) else None
        equity = marked_equity(self.cache, self.portfolio, VENUE)
        journalled = JOURNALLED_PARAMETERS + (ROLL_PARAMETERS if self._rolls.enabled else ())
        parameters = {
            name: getattr(cfg, name)
            for name in journalled
            if getattr(cfg, name) not in (None, {}, [])
        }
        signal = latest_signal(self.cache, cfg.underlying)
        return EntryContext(
            ts_ns=self.clock.timestamp_ns(),
            strategy_id=self.id.value,
            structure_id=trade.structure_id,
            underlying=cfg.underlying,
            structure=selection.priced.name.replace("_", " "),
            parameters=parameters,
            spot=snapshot.spot,
            legs=(
                *(
                    self._leg_context(leg.quote, _order_side(leg), quantity * leg.ratio, snapshot)
                    for leg in selection.legs
                ),
                *self._shares_context(trade, snapshot.spot),
            ),
            quantity=quantity,
            wanted_quantity=wanted,
            limit_price=-selection.priced.natural,
            max_loss=max_loss,
            equity=equity,
            risk_fraction=max_loss / equity if max_loss is not None and equity > 0 else None,
            iv_rank=self._atm_ivs.rank(),
            iv_rank_note=self._atm_ivs.rank_note(),
            risk_action=decision.action.value,
            risk_factor=decision.factor,
            risk_reason=decision.reason,
            signal=SIGNAL_NAMES[signal.direction] if signal is not None else None,
            confidence=signal.confidence if signal is not None else None,
            reason_tags=(
                f"schedule:{cfg.entry_schedule}",
                *([f"model:{signal.model_version}"] if signal is not None else []),
                f"structure:{selection.priced.name}",
                f"expiration:{cfg.expiration_choice}",
                *regime.tags(),
                *self._wheel_tags(),
                *(["risk_reduced"] if quantity < wanted else []),
            ),
        )

    def _shares_context(self, trade: Trade, spot: float) -> list[LegContext]:
        # A covered call's shares, bought at the underlying's price (delta 1 a share).
        return [
            LegContext(
                instrument_id=leg.instrument_id.value,
                side=leg.side.name,
                quantity=leg.quantity,
                kind=SHARES_KIND,
                strike=0.0,
                expiration="",
                bid=spot,
                ask=spot,
                delta=1.0,
                gamma=0.0,
                vega=0.0,
                theta=0.0,
            )
            for leg in stock_legs(trade, self._underlying_id)
        ]

    def _leg_context(
        self, quote: ChainQuote, side: OrderSide, quantity: int, snapshot: ChainSnapshot
    ) -> LegContext:
        greeks = self._greeks.get(quote.instrument_id)
        tick = self._quotes.get(quote.instrument_id)
        if greeks is not None and (tick is None or greeks.ts_event != tick.ts_event):
            greeks = None  # greeks of another session
        instrument = self.cache.instrument(quote.instrument_id)
        t_years = (
            pricing.year_fraction(tick.ts_event, instrument.expiration_ns)
            if tick is not None and isinstance(instrument, OptionContract)
            else quote.dte / 365.0
        )
        is_call = quote.kind == OptionKind.CALL
        args = (snapshot.spot, quote.strike, t_years)
        rates = (self._cfg.rate, self._cfg.dividend_yield)
        try:
            iv: float | None = pricing.implied_vol(quote.mid, *args, *rates, is_call)
        except ValueError:
            iv = None
        # Vendor greeks when the data has them at this close, else ours from our IV.
        computed: tuple[float | None, ...]
        if greeks is not None:
            computed = (greeks.delta, greeks.gamma, greeks.vega, greeks.theta)
        elif iv is not None:
            computed = tuple(
                f(*args, iv, *rates, is_call)
                for f in (pricing.bs_delta, pricing.bs_gamma, pricing.bs_vega, pricing.bs_theta)
            )
        else:
            computed = (quote.delta, None, None, None)
        delta, gamma, vega, theta = (float(g) if g is not None else None for g in computed)
        return LegContext(
            instrument_id=quote.instrument_id.value,
            side=side.name,
            quantity=quantity,
            kind="call" if is_call else "put",
            strike=quote.strike,
            expiration=quote.expiration.isoformat(),
            bid=quote.bid,
            ask=quote.ask,
            open_interest=_finite(greeks, "open_interest"),
            iv=iv,
            vendor_iv=_finite(greeks, "mark_iv"),
            delta=delta,
            gamma=gamma,
            vega=vega,
            theta=theta,
        )

    def _entry_quantity(self, selection: Selection) -> int:
        # Fixed, or sized on the structure's max loss at the natural price; a cash-secured
        # put also needs its strike x 100 in cash not yet reserved by the open ones.
        priced = selection.priced
        if priced.stock is not None and not self._covered:  # the wheel's calls: one per 100
            return self._wheel_shares() // SHARES_PER_CONTRACT  # shares received
        quantity = self._cfg.quantity
        if self._cfg.risk_fraction is not None:
            # validate_config refused structures of unbounded loss
            equity = marked_equity(self.cache, self.portfolio, VENUE)
            loss = max(priced.max_loss(), 1.0)
            quantity = contracts_for_risk(equity, self._cfg.risk_fraction, loss)
        if priced.cash_secured:
            quantity = min(quantity, self._cash_securable(priced.cash_reserve))
        if priced.stock is not None:  # a covered call pays for its shares before the call
            quantity = min(
                quantity,
                shares_affordable(self._free_cash(), priced.stock.ask, priced.stock.shares),
            )
        return quantity

    def _free_cash(self) -> float:
        account = self.portfolio.account(VENUE)
        if account is None:
            return 0.0
        currency = self.cache.instrument(self._underlying_id).quote_currency
        return float(account.balance_free(currency).as_double())

    def _cash_securable(self, reserve: float, releasing: Trade | None = None) -> int:
        # Structures whose reserve the free cash holds, after the short puts already open
        # (but for `releasing`, which a roll closes).
        if self.portfolio.account(VENUE) is None or reserve <= 0:
            return 0
        free = self._free_cash()
        reserved = sum(
            self._strike(leg.instrument_id)
            * OPTION_MULTIPLIER
            * (leg.quantity - leg.closed_quantity)
            for trade in self._trades
            if trade is not releasing
            for leg in trade.legs
            if leg.side == OrderSide.SELL and self._kind_of(leg.instrument_id) == OptionKind.PUT
        )
        return max(math.floor((free - reserved) / reserve), 0)

    def _strike(self, instrument_id: InstrumentId) -> float:
        instrument = self.cache.instrument(instrument_id)
        if isinstance(instrument, OptionContract):
            return float(instrument.strike_price.as_double())
        return 0.0

    def _kind_of(self, instrument_id: InstrumentId) -> OptionKind | None:
        instrument = self.cache.instrument(instrument_id)
        return instrument.option_kind if isinstance(instrument, OptionContract) else None

    def _risk_gated(
        self,
        snapshot: ChainSnapshot,
        selection: Selection,
        quantity: int,
        replaces: Trade | None = None,
    ) -> tuple[int, RiskDecision]:
        # Asked before every entry (never before an exit): the risk guard and its checks. A
        # roll's entry `replaces` the trade it closes in the same instant.
        proposal = self._proposal(snapshot, selection, quantity)
        if replaces is not None:
            proposal = dataclasses.replace(proposal, closes=self._closing_legs(replaces, snapshot))
        decision = check_entry(self.cache, proposal, self.msgbus)
        allowed = decision.sized(quantity)
        if allowed < quantity:
            self.log.info(
                f"{snapshot.session}: risk allows {allowed} of {quantity} ({decision.reason})"
            )
        return allowed, decision

    def _proposal(
        self, snapshot: ChainSnapshot, selection: Selection, quantity: int
    ) -> EntryProposal:
        first = selection.legs[0].instrument_id
        greeks = self._greeks.get(first)
        chain_spot = _finite(greeks, "underlying_price") or 0.0  # Tradier's greeks have none
        return EntryProposal(
            ts_ns=self.clock.timestamp_ns(),
            strategy_id=self.id.value,
            underlying=self._cfg.underlying,
            structure=selection.priced.name,
            quantity=quantity,
            max_loss_per_unit=max(selection.priced.max_loss(), 1.0),
            legs=tuple(self._proposed_leg(leg) for leg in selection.legs),
            underlying_price=snapshot.spot,
            chain_underlying_price=chain_spot if chain_spot > 0 else None,
        )

    def _closing_legs(self, trade: Trade, snapshot: ChainSnapshot) -> tuple[ClosingLeg, ...]:
        # The open contracts of `trade` at the natural price to close them on this session.
        legs = []
        for leg in trade.legs:
            held = leg.quantity - leg.closed_quantity
            if held <= 0:
                continue
            quote = snapshot.get(leg.instrument_id)
            short = leg.side == OrderSide.SELL
            price = None if quote is None else (quote.ask if short else quote.bid)
            instrument = self.cache.instrument(leg.instrument_id)
            legs.append(
                ClosingLeg(
                    instrument_id=leg.instrument_id.value,
                    contracts=-held if short else held,
                    price=price,
                    multiplier=float(instrument.multiplier.as_double()),
                )
            )
        return tuple(legs)

    def _proposed_leg(self, leg: SelectedLeg) -> ProposedLeg:
        quote = leg.quote
        tick = self._quotes.get(quote.instrument_id)
        greeks = self._greeks.get(quote.instrument_id)
        if (
            greeks is not None
            and tick is not None
            and session_of_ns(greeks.ts_event) != session_of_ns(tick.ts_event)
        ):
            greeks = None  # greeks of another session than the quote (live polls them slower)
        instrument = self.cache.instrument(quote.instrument_id)
        return ProposedLeg(
            instrument_id=quote.instrument_id.value,
            ratio=leg.ratio * leg.side.value,
            kind="call" if quote.kind == OptionKind.CALL else "put",
            strike=quote.strike,
            expiration_ns=int(instrument.expiration_ns),
            multiplier=float(instrument.multiplier.as_double()),
            bid=quote.bid,
            ask=quote.ask,
            quote_ns=int(tick.ts_event) if tick is not None else None,
            iv=_finite(greeks, "mark_iv"),
            delta=_finite(greeks, "delta"),
            gamma=_finite(greeks, "gamma"),
            vega=_finite(greeks, "vega"),
            theta=_finite(greeks, "theta"),
        )

    def _check_exits(self, snapshot: ChainSnapshot, flatten: bool = False) -> None:
        waiting = self._structures_waiting()
        for trade in list(self._trades):
            if trade.closing or not trade.open_legs or trade.structure_id in waiting:
                continue  # an order of the trade still works: no exit on a half-known position
            stock = stock_legs(trade, self._underlying_id)
            if stock and next_step(trade, self._underlying_id) is not None:
                self._advance_covered(trade)  # its calls expired worthless: sell the shares
                continue
            options = option_legs(trade, self._underlying_id) if stock else trade.legs
            quotes = [snapshot.get(leg.instrument_id) for leg in options]
            if any(q is None for q in quotes):
                continue  # some leg unquoted at this close: no honest price to exit at
            units = _structure_units(trade)
            debit = sum(
                (q.ask if leg.side == OrderSide.SELL else -q.bid) * leg.quantity / units
                for leg, q in zip(options, quotes, strict=True)
                if q is not None
            ) - sum(  # the shares at the close, per share of the structure's calls
                snapshot.spot * leg.quantity / units / SHARES_PER_CONTRACT for leg in stock
            )
            shorts = [
                (leg, q)
                for leg, q in zip(options, quotes, strict=True)
                if q is not None and leg.side == OrderSide.SELL
            ]
            deltas = tuple(q.delta for _, q in shorts if q.delta is not None)
            if not flatten and self._rolls.enabled and self._roll(trade, snapshot, debit, deltas):
                continue
            reason = self._exits.check(
                trade.credit,
                debit,
                (trade.expiration - snapshot.session).days,
                short_deltas=deltas,
                strike_breached=any(
                    (
                        q.strike > snapshot.spot
                        if q.kind == OptionKind.PUT
                        else q.strike < snapshot.spot
                    )
                    for _, q in shorts
                ),
            )
            tag = RISK_FLATTEN_TAG if flatten else (reason.value if reason else None)
            if tag is not None:
                trade.closing = True
                self._submit(trade, opening=False, tag=tag)

    def _roll(
        self, trade: Trade, snapshot: ChainSnapshot, debit: float, deltas: tuple[float, ...]
    ) -> bool:
        # Close `trade` and open its successor in the same instant when a roll trigger fires
        # and the roll is allowed; return whether it went out.
        assert self._book is not None
        trigger = self._rolls.trigger(
            trade.credit, debit, (trade.expiration - snapshot.session).days, deltas
        )
        if trigger is None:
            return False
        units = _structure_units(trade)
        chain = self._store.roll_chain(trade.structure_id) or [trade.structure_id]
        selection = self._roll_selection(trade, snapshot)
        if isinstance(selection, str):
            self.log.info(f"{snapshot.session}: {trade.structure_id} not rolled ({selection})")
            return False
        net_credit = roll_net_credit(debit, -selection.priced.natural)
        refusal = (
            self._rolls.allows(len(chain) - 1, net_credit)
            or _too_small(selection, units)
            or self._roll_uncovered(selection, trade, units)
        )
        if refusal is not None:
            self.log.info(f"{snapshot.session}: {trade.structure_id} not rolled ({refusal})")
            return False
        quantity, decision = self._risk_gated(snapshot, selection, units, replaces=trade)
        if quantity < units:
            return False
        legs = [
            Leg(leg.instrument_id, _order_side(leg), units * leg.ratio) for leg in selection.legs
        ]
        successor = Trade(selection.expiration, legs, rolled_from=trade.structure_id)
        context = self._entry_context(snapshot, successor, selection, units, decision, Regime())
        context = dataclasses.replace(
            context,
            rolled_from=trade.structure_id,
            roll_chain=chain[0],
            reason_tags=(
                f"roll:{trigger.value}",
                *(tag for tag in context.reason_tags if not tag.startswith("schedule:")),
            ),
        )
        self._send_roll(trade, successor, context)
        return True

    def _roll_selection(self, trade: Trade, snapshot: ChainSnapshot) -> Selection | str:
        # The successor's contracts on this session's chain (strategies.toolkit.rolls); a
        # wheel's covered call rolls to calls of the call phase's rules.
        assert self._book is not None
        structure = self._choices[0][0]
        if self._wheel_calls is not None and self._kind_of(trade.legs[0].instrument_id) == (
            OptionKind.CALL
        ):
            structure, snapshot = self._wheel_calls, self._wheel_call_chain(snapshot)
        strikes = [self._strike(leg.instrument_id) for leg in trade.legs]
        expirations = {quote.expiration for quote in snapshot.quotes}
        try:
            target, skipped = roll_target(
                structure,
                self._cfg.roll_to,
                strikes,
                trade.expiration,
                snapshot.session,
                expirations,
            )
        except ValueError as error:
            return str(error)
        if self._cfg.entry_schedule == "once_per_expiration":
            skipped |= self._book.traded_cycles
        selection = select(
            target,
            snapshot,
            expiration_choice=self._cfg.expiration_choice,
            liquidity=self._liquidity,
            monthly_only=self._cfg.monthly_only,
            excluded=skipped,
        )
        held = {leg.instrument_id for leg in trade.legs}
        if isinstance(selection, Selection) and held & {
            leg.instrument_id for leg in selection.legs
        }:
            return "the roll would reopen a contract it closes"
        return selection

    def _roll_uncovered(self, selection: Selection, trade: Trade, units: int) -> str | None:
        # A cash-secured put's successor needs its reserve in the cash the old one frees.
        priced = selection.priced
        if priced.cash_secured and self._cash_securable(priced.cash_reserve, trade) < units:
            return "free cash does not secure the new puts"
        return None

    def _send_roll(self, trade: Trade, successor: Trade, context: EntryContext) -> None:
        # Both structures' states and every intent are written in one transaction before any
        # order leaves: a restart finds the whole roll or none of it.
        assert self._book is not None
        combo = roll_combo_ratios(trade, successor) if self._cfg.spread_orders == "combo" else None
        self._held_orders = []
        try:
            with self._store.transaction():
                # A roll to new strikes on the same expiration leaves that cycle the old one's.
                self._book.add(successor, mark_cycle=successor.expiration != trade.expiration)
                trade.closing = True
                self._book.save(trade)
                if combo is not None:
                    self._submit_roll_combo(trade, successor, new_generic_spread_id(combo))
                else:
                    self._submit(trade, opening=False, tag=ROLLED_TAG)
                    self._submit(successor, opening=True, tag=ENTRY_TAG)
        finally:
            held, self._held_orders = self._held_orders, None
        self.msgbus.publish(topic=JOURNAL_ENTRY_TOPIC, msg=context)
        for order, position_id in held:
            self.submit_order(order, position_id=position_id)

    def _submit_roll_combo(self, trade: Trade, successor: Trade, spread_id: InstrumentId) -> None:
        if self.cache.instrument(spread_id) is not None:
            self._send_roll_combo(trade, successor, spread_id)
            return
        request_id = self.request_instrument(spread_id, callback=self._on_spread_loaded)
        self._spread_requests[request_id] = _SpreadRequest(
            trade, spread_id, False, ROLLED_TAG, successor
        )
        self._check_spread_later(request_id, 1)

    def _send_roll_combo(self, trade: Trade, successor: Trade, spread_id: InstrumentId) -> None:
        # One multileg order: BUYING the spread closes `trade`'s legs and opens `successor`'s.
        order = self.order_factory.market(
            instrument_id=spread_id,
            order_side=OrderSide.BUY,
            quantity=Quantity.from_int(_structure_units(successor)),
            tags=[ROLLED_TAG, structure_tag(successor.structure_id)],
        )
        self._mint_and_submit(order, successor, "roll", closes=trade)

    def _on_owner_flatten(self, target: object) -> None:
        # The owner's flatten: close now, whatever the quotes; a trade whose order still
        # works is left to that order (its next decision sees the rest).
        if self._book is None or not isinstance(target, str):
            return
        waiting = self._structures_waiting()
        for trade in self._trades:
            if target not in (FLATTEN_ALL, trade.structure_id):
                continue
            if trade.closing or not trade.open_legs or trade.structure_id in waiting:
                continue
            self.log.warning(f"Owner flatten: closing {trade.structure_id}")
            trade.closing = True
            self._submit(trade, opening=False, tag=OWNER_FLATTEN_TAG)

    def _submit(self, trade: Trade, opening: bool, tag: str) -> None:
        stock = stock_legs(trade, self._underlying_id)
        if stock:  # a covered call: the shares, then the calls (covered_call module)
            calls = [
                leg
                for leg in option_legs(trade, self._underlying_id)
                if leg.instrument_id in trade.open_legs
            ]
            if not opening and calls:
                self._exit_tags[trade.structure_id] = tag  # the shares are sold with it
            self._submit_legs(trade, opening, tag, stock if opening or not calls else calls)
        elif self._cfg.spread_orders == "combo" and len(trade.legs) > 1:
            self._submit_combo(trade, opening, tag)
        else:
            self._submit_legs(trade, opening, tag)

    def _mint_and_submit(
        self,
        order: Order,
        trade: Trade,
        kind: str,
        position_id: PositionId | None = None,
        closes: Trade | None = None,
    ) -> None:
        # The intent (and the trade's state) is on disk before the order leaves: a restart
        # finds it and looks the order up instead of deciding again. A roll's combo order
        # opens `trade` and closes `closes` (its id in the intent's detail).
        detail: dict[str, Any] = {
            "side": order.side.name,
            "quantity": int(order.quantity.as_double()),
        }
        if closes is not None:
            detail["closes"] = closes.structure_id
        with self._store.transaction():
            self._store.mint_intent(
                strategy_id=self.id.value,
                kind=kind,
                client_order_id=order.client_order_id.value,
                instrument_id=order.instrument_id.value,
                ts_ns=self.clock.timestamp_ns(),
                structure_id=trade.structure_id,
                detail=detail,
            )
            assert self._book is not None
            self._book.save(trade)
        self._track_order(order.client_order_id, order.instrument_id.value, trade, closes)
        if self._held_orders is not None:
            self._held_orders.append((order, position_id))  # a roll sends once all are minted
        else:
            self.submit_order(order, position_id=position_id)

    def _submit_legs(
        self, trade: Trade, opening: bool, tag: str, legs: list[Leg] | None = None
    ) -> None:
        # Every leg was checked for a two-sided quote with enough size at this close, and the
        # legs go out in the same instant, so in the simulation they fill together or not at all.
        for leg in trade.legs if legs is None else legs:
            if not opening and leg.instrument_id not in trade.open_legs:
                continue  # never filled, or already closed
            side = (
                leg.side
                if opening
                else (OrderSide.BUY if leg.side == OrderSide.SELL else OrderSide.SELL)
            )
            order = self.order_factory.market(
                instrument_id=leg.instrument_id,
                order_side=side,
                quantity=Quantity.from_int(leg.quantity - leg.closed_quantity),
                reduce_only=not opening,
                tags=[tag, structure_tag(trade.structure_id)],
            )
            self._mint_and_submit(
                order,
                trade,
                "entry" if opening else "exit",
                position_id=None if opening else leg.position_id,
            )

    def _submit_combo(self, trade: Trade, opening: bool, tag: str) -> None:
        # Ratio -r per short leg and +r per long leg (r contracts per structure): BUYING the
        # spread opens every leg; SELLING it closes them.
        units = _structure_units(trade)
        spread_id = new_generic_spread_id(
            [
                (
                    leg.instrument_id,
                    (1 if leg.side == OrderSide.BUY else -1) * leg.quantity // units,
                )
                for leg in trade.legs
            ]
        )

        if self.cache.instrument(spread_id) is not None:
            self._send_combo(trade, spread_id, opening, tag)
            return
        request_id = self.request_instrument(spread_id, callback=self._on_spread_loaded)
        self._spread_requests[request_id] = _SpreadRequest(trade, spread_id, opening, tag)
        self._check_spread_later(request_id, 1)

    def _check_spread_later(self, request_id: UUID4, attempt: int) -> None:
        # The live data engine has been seen to drop the response to a spread instrument
        # request while the instrument itself reached the cache, leaving the order unsent
        # until the next session close; the cache is checked every SPREAD_CHECK_NS too.
        self.clock.set_time_alert_ns(
            name=f"spread-check-{request_id}-{attempt}",
            alert_time_ns=self.clock.timestamp_ns() + SPREAD_CHECK_NS,
            callback=on_event_loop(
                self.clock, lambda _event: self._check_spread(request_id, attempt)
            ),
        )

    def _check_spread(self, request_id: UUID4, attempt: int) -> None:
        request = self._spread_requests.get(request_id)
        if request is None:
            return  # answered, or given up at a session close
        if self.cache.instrument(request.spread_id) is not None:
            self._on_spread_loaded(request_id)
        elif attempt < SPREAD_CHECKS:
            self._check_spread_later(request_id, attempt + 1)

    def _on_spread_loaded(self, request_id: UUID4) -> None:
        request = self._spread_requests.pop(request_id, None)
        if request is None:
            return
        if self.cache.instrument(request.spread_id) is None:
            self._abandon(request)
            return
        if request.successor is not None:
            self._send_roll_combo(request.trade, request.successor, request.spread_id)
            return
        self._send_combo(request.trade, request.spread_id, request.opening, request.tag)

    def _abandon_spread_requests(self) -> None:
        # A spread request the data client never answered (unknown legs) is given up at the
        # next session close: an entry is dropped, an exit is checked again.
        requests, self._spread_requests = list(self._spread_requests.values()), {}
        for request in requests:
            self._abandon(request)

    def _abandon(self, request: _SpreadRequest) -> None:
        self.log.warning(f"Spread instrument {request.spread_id} did not load; order not sent")
        assert self._book is not None
        if request.successor is not None and not request.successor.opened:
            self._book.drop(request.successor)
        if request.opening:
            if not request.trade.opened:
                self._book.drop(request.trade)
        else:
            request.trade.closing = False
            self._book.save(request.trade)

    def _send_combo(self, trade: Trade, spread_id: InstrumentId, opening: bool, tag: str) -> None:
        # One spread per structure (each leg's contracts over its ratio). A closing order is
        # not reduce-only: the spread holds no position of its own, and the venue closes each
        # leg against the position held in it.
        first, units = trade.legs[0], _structure_units(trade)
        remaining = (first.quantity - first.closed_quantity) * units // first.quantity
        order = self.order_factory.market(
            instrument_id=spread_id,
            order_side=OrderSide.BUY if opening else OrderSide.SELL,
            quantity=Quantity.from_int(remaining),
            tags=[tag, structure_tag(trade.structure_id)],
        )
        self._mint_and_submit(order, trade, "entry" if opening else "exit")

    def _close_received_shares(self, session: dt.date) -> None:
        # Only the shares this strategy received (by assignment or exercise) are closed, never
        # other shares of the underlying in the account.
        if self._cfg.assigned_shares != "close_next_session":
            return
        owned = self._store.owned_shares(self.id.value)
        for instrument, (quantity, received_ns) in owned.items():
            if session <= session_of_ns(received_ns) or self._share_order_working(instrument):
                continue
            instrument_id = InstrumentId.from_str(instrument)
            remaining = abs(quantity)
            for position in self.cache.positions_open(
                instrument_id=instrument_id, strategy_id=self.id
            ):
                if position.signed_qty * quantity <= 0 or remaining == 0:
                    continue
                size = min(remaining, int(position.quantity.as_double()))
                remaining -= size
                self._send_share_order(instrument_id, quantity > 0, size, position.id)

    def _send_share_order(
        self, instrument_id: InstrumentId, long: bool, size: int, position_id: PositionId
    ) -> None:
        order = self.order_factory.market(
            instrument_id=instrument_id,
            order_side=OrderSide.SELL if long else OrderSide.BUY,
            quantity=Quantity.from_int(size),
            reduce_only=True,
            tags=[ExitReason.ASSIGNED_SHARES_SOLD.value],
        )
        self._store.mint_intent(
            strategy_id=self.id.value,
            kind="shares",
            client_order_id=order.client_order_id.value,
            instrument_id=instrument_id.value,
            ts_ns=self.clock.timestamp_ns(),
            detail={"side": order.side.name, "quantity": size},
        )
        self._share_orders.add(order.client_order_id)
        self.submit_order(order, position_id=position_id)

    def _share_order_working(self, instrument: str) -> bool:
        return any(
            intent.kind == "shares" and intent.instrument_id == instrument
            for intent in self._store.intents(self.id.value, open_only=True)
        )

    def _book_share_sale(
        self, instrument_id: InstrumentId, side: OrderSide, quantity: Quantity, ts_ns: int
    ) -> None:
        sold = int(quantity.as_double())
        self._store.add_owned_shares(
            self.id.value, instrument_id.value, -sold if side == OrderSide.SELL else sold, ts_ns
        )

    # -- Events ----------------------------------------------------------------------------------

    def on_order_accepted(self, event: OrderAccepted) -> None:
        """Mark the order's intent working and record the venue's order id on it.

        A restart reads the order's per-leg fill prices back from the venue by that id
        (:mod:`adapters.tradier.settlement`).
        """
        client_order_id = event.client_order_id.value
        self._store.set_intent_state(client_order_id, IntentState.WORKING, event.ts_event)
        self._store.set_intent_venue_order_id(client_order_id, event.venue_order_id.value)

    def on_order_filled(self, event: OrderFilled) -> None:
        """Book a fill: opening credit, closed legs, shares received or sold.

        Fills of a combo order arrive as one fill on the spread instrument (which settles the
        intent) and one per leg (``{order}-LEG-{symbol}``), which are booked like single-leg
        fills.
        """
        booked = False
        with self._store.transaction():
            order = self.cache.order(event.client_order_id)
            kind = settlement_kind(order.tags) if order is not None else None
            if kind is not None:
                booked = self._book_settlement_fill(event, kind)
            else:
                self._book_fill(event)
                if self._wheel is not None:
                    self._book_wheel_fill(event)
            if order is not None and order.status == OrderStatus.FILLED:
                self._store.set_intent_state(
                    event.client_order_id.value, IntentState.FILLED, event.ts_event
                )
        if booked:
            kill_point("settlement.committed")
        trade = self._order_trade.get(event.client_order_id)
        if trade is not None and stock_legs(trade, self._underlying_id):
            self._advance_covered(trade)

    def _book_settlement_fill(self, event: OrderFilled, kind: str) -> bool:
        # A settlement at expiry (or live, read from the broker's history): the option legs
        # close and the delivered shares are credited in one transaction, recorded by trade
        # id, so a settlement booked again (after a restart) changes nothing. A physical
        # settlement's option close waits for its delivery, which books both (the delivery
        # also closes share legs it sells: a covered call called away).
        # Returns whether it booked (False: waiting for the delivery, or booked before).
        if kind == "PHYSICAL_CLOSE":
            self._settling.append(event)
            return False
        closes = [*self._settling, event] if kind == "PHYSICAL_OPEN" else [event]
        self._settling = []
        if not self._store.book_settlement(event.trade_id.value, self.id.value, event.ts_event):
            return False
        kill_point("settlement.fill_recorded")
        for close in closes:
            if close is not event:
                self._store.book_settlement(close.trade_id.value, self.id.value, close.ts_event)
                kill_point("settlement.close_recorded")
            self._close_settled_legs(close)
            kill_point("settlement.legs_closed")
        if kind == "PHYSICAL_OPEN":
            self._book_fill(event)
            kill_point("settlement.shares_booked")
            if self._wheel is not None:
                self._book_wheel_fill(event)
                kill_point("settlement.wheel_booked")
        return True

    def _close_settled_legs(self, close: OrderFilled) -> None:
        # The legs held in the position a settlement fill reduced (against their opening side):
        # all flat when the position closed; when it is partly closed (a live assignment of
        # some contracts), the oldest trades' legs first.
        if close.position_id is None:
            return
        position = self.cache.position(close.position_id)
        remaining = int(close.last_qty.as_double())
        for trade in list(self._trades):
            for leg in trade.legs:
                if (
                    leg.position_id != close.position_id
                    or leg.side == close.order_side
                    or leg.instrument_id not in trade.open_legs
                ):
                    continue
                if position is None or position.is_closed:
                    trade.open_legs.discard(leg.instrument_id)
                elif remaining > 0:
                    contracts = min(remaining, leg.quantity - leg.closed_quantity)
                    remaining -= contracts
                    trade.book_closing(leg, contracts)
            if trade.opened and not trade.open_legs:
                self._save_or_close(trade)

    def _book_settlements_while_stopped(self) -> None:
        # Settlements processed before the strategy ran (booked at a restart, before the
        # strategies start): their fills, from the cache, each booked once.
        fills = [
            (event, kind)
            for order in self.cache.orders(strategy_id=self.id)
            if (kind := settlement_kind(order.tags)) is not None
            for event in order.events
            if isinstance(event, OrderFilled)
        ]
        fills.sort(key=lambda fill: (fill[0].ts_event, fill[1] == "PHYSICAL_OPEN"))
        for event, kind in fills:
            with self._store.transaction():
                booked = self._book_settlement_fill(event, kind)
            if booked:
                kill_point("settlement.committed")

    def _book_fill(self, event: OrderFilled) -> None:
        if event.client_order_id in self._share_orders:
            self._book_share_sale(event.instrument_id, event.order_side, event.last_qty, 0)
            return
        trade = self._order_trade.get(event.client_order_id)
        if trade is None and self._covered and event.instrument_id == self._underlying_id:
            self._book_called_away(event)
            return
        if trade is None:
            if event.instrument_id == self._underlying_id:
                # Shares from assignment or exercise of this strategy's options.
                quantity = int(event.last_qty.as_double())
                signed = quantity if event.order_side == OrderSide.BUY else -quantity
                self._store.add_owned_shares(
                    self.id.value, event.instrument_id.value, signed, event.ts_event
                )
            return
        leg = next((lg for lg in trade.legs if lg.instrument_id == event.instrument_id), None)
        if leg is None:
            return  # the combo's own fill: its legs are booked from their fills
        if event.order_side == leg.side:
            trade.book_opening(leg, event.last_px.as_double(), event.last_qty.as_double())
            leg.position_id = event.position_id
        else:
            trade.book_closing(leg, int(event.last_qty.as_double()))
        self._save_or_close(trade)

    # -- Covered calls ---------------------------------------------------------------------------

    def _advance_covered(self, trade: Trade) -> None:
        # A covered call's next order once none of its orders works: the calls once the
        # shares are held (never sent twice), the shares once no call is held.
        if trade not in self._trades or self._has_open_intent(trade):
            return
        step = next_step(trade, self._underlying_id)
        calls = option_legs(trade, self._underlying_id)
        if step == SELL_CALLS and not self._calls_sent(trade):
            self._submit_legs(trade, opening=True, tag=ENTRY_TAG, legs=calls)
        elif step == SELL_SHARES:
            trade.closing = True
            tag = self._exit_tags.get(trade.structure_id, ExitReason.EXPIRED.value)
            self._submit_legs(trade, False, tag, stock_legs(trade, self._underlying_id))

    def _calls_sent(self, trade: Trade) -> bool:
        calls = {leg.instrument_id.value for leg in option_legs(trade, self._underlying_id)}
        return any(
            intent.structure_id == trade.structure_id and intent.instrument_id in calls
            for intent in self._store.intents(self.id.value)
        )

    def _book_called_away(self, event: OrderFilled) -> None:
        # The venue's share fill at a call's assignment closes the shares of the covered
        # calls struck there.
        shares = int(event.last_qty.as_double())
        if event.order_side != OrderSide.SELL:
            self.log.warning(f"{shares} shares bought by the venue: no covered call owns them")
            return
        strike = event.last_px.as_double()
        for trade, leg, taken in assigned_shares(self._trades, self._underlying_id, strike, shares):
            trade.book_closing(leg, taken)
            self._save_or_close(trade)

    # -- The wheel -------------------------------------------------------------------------------

    @property
    def wheel_phase(self) -> WheelPhase | None:
        """What the wheel sells next, ``put`` or ``call``; None when the strategy runs no wheel."""
        return self._wheel.phase if self._wheel is not None else None

    def _wheel_shares(self) -> int:
        # Exactly the shares this strategy received (its ledger), never others in the account.
        owned = self._store.owned_shares(self.id.value).get(self._underlying_id.value)
        return max(owned[0], 0) if owned is not None else 0

    def _wheel_call_chain(self, snapshot: ChainSnapshot) -> ChainSnapshot:
        # The calls the wheel may sell: with calls_below_cost_basis off, none struck below it.
        assert self._cfg.wheel is not None and self._wheel is not None
        current = self._wheel.current
        basis = current.cost_basis if current is not None else None
        if self._cfg.wheel.calls_below_cost_basis or basis is None:
            return snapshot
        return calls_at_or_above(snapshot, basis)

    def _wheel_tags(self) -> list[str]:
        # The journal's entry record names the wheel's phase, cycle and cost basis per share.
        if self._wheel is None:
            return []
        current = self._wheel.current
        tags = [f"wheel:{self._wheel.phase.value}"]
        if current is not None:
            tags.append(f"wheel_cycle:{current.number}")
            if current.cost_basis is not None:
                tags.append(f"cost_basis:{current.cost_basis:.4f}")
        return tags

    def _book_wheel_fill(self, event: OrderFilled) -> None:
        # Option fills of the wheel's own trades and the shares its options delivered or
        # gave up at assignment; the cycle is stored in the fill's transaction.
        assert self._wheel is not None
        fee = float(event.commission.as_double())
        quantity = int(event.last_qty.as_double())
        price = event.last_px.as_double()
        if event.client_order_id in self._order_trade:
            args = (event.order_side, price, quantity, fee, event.ts_event)
            self._book_wheel_option(event.instrument_id, *args)
        elif (
            event.instrument_id == self._underlying_id
            and event.client_order_id not in self._share_orders
        ):
            received = event.order_side == OrderSide.BUY
            cycle = self._wheel.shares_filled(received, price, quantity, fee, event.ts_event)
            self._store.save_wheel_cycle(
                self.id.value, cycle.number, to_record(cycle), event.ts_event
            )

    def _book_wheel_option(
        self,
        instrument_id: InstrumentId,
        side: OrderSide,
        price: float,
        contracts: int,
        fee: float,
        ts_ns: int,
    ) -> None:
        # A fill of one of the wheel's own option orders (live, also one found filled at a
        # restart: its fill events came before the strategy ran).
        assert self._wheel is not None
        instrument = self.cache.instrument(instrument_id)
        if not isinstance(instrument, OptionContract):
            return  # a combo's own fill: the wheel trades single options
        is_call = instrument.option_kind == OptionKind.CALL
        cycle = self._wheel.option_filled(
            is_call, side == OrderSide.SELL, price, contracts, fee, ts_ns
        )
        self._store.save_wheel_cycle(self.id.value, cycle.number, to_record(cycle), ts_ns)

    def _book_wheel_roll(
        self, successor: Trade, net_credit: float, units: int, fee: float, ts_ns: int
    ) -> None:
        # A roll's combo order found filled at a restart: its legs' fills came before the
        # strategy ran, so the roll is booked at the combo's net price (BUYING the spread
        # closes the old option and sells the new: a net credit is a negative price).
        assert self._wheel is not None
        is_call = self._kind_of(successor.legs[0].instrument_id) == OptionKind.CALL
        # The wheel trades single options: one contract closed and one opened per unit.
        cycle = self._wheel.roll_filled(is_call, net_credit, units, fee, ts_ns)
        self._store.save_wheel_cycle(self.id.value, cycle.number, to_record(cycle), ts_ns)

    def wheel_report(self) -> list[dict[str, Any]]:
        """Return the wheel's cycles as rows of :data:`strategies.toolkit.wheel.REPORT_COLUMNS`.

        Empty when the strategy runs no wheel.
        """
        return self._wheel.report_rows(self.id.value) if self._wheel is not None else []

    def _save_or_close(self, trade: Trade) -> None:
        assert self._book is not None
        if trade.opened and not trade.open_legs:
            self._book.close(trade, self.clock.timestamp_ns())
            self._exit_tags.pop(trade.structure_id, None)
        else:
            self._book.save(trade)

    def on_order_rejected(self, event: OrderRejected) -> None:
        """Drop a trade whose opening order the venue rejected; an exit is checked again."""
        self._on_order_failed(event.client_order_id, IntentState.REJECTED)

    def on_order_denied(self, event: OrderDenied) -> None:
        """Drop a trade whose opening order the risk engine denied; an exit is checked again."""
        self._on_order_failed(event.client_order_id, IntentState.REJECTED)

    def on_order_canceled(self, event: OrderCanceled) -> None:
        """End a canceled order's intent as a rejection ends it (after any partial fill)."""
        self._on_order_failed(event.client_order_id, IntentState.CANCELED)

    def on_order_expired(self, event: OrderExpired) -> None:
        """End an expired (day) order's intent as a rejection ends it."""
        self._on_order_failed(event.client_order_id, IntentState.EXPIRED)

    def _on_order_failed(self, client_order_id: ClientOrderId, state: IntentState | None) -> None:
        self._end_failed_order(client_order_id, state)
        trade = self._order_trade.get(client_order_id)
        if trade is not None and trade in self._trades:
            self._unwind_if_broken(trade)

    def _unwind_if_broken(self, trade: Trade) -> None:
        # A spread missing legs (sent leg by leg, some legs never filled: a lone wing or a naked
        # short; or found so after a restart) is not the structure the exit rules were written
        # for: close the legs that are held.
        if not trade.opened or trade.closing or self._has_open_intent(trade):
            return
        if next_step(trade, self._underlying_id) == SELL_CALLS and not self._calls_sent(trade):
            return  # a covered call's shares are held; its calls go out at the next decision
        unfilled = [
            leg
            for leg in trade.legs
            if leg.instrument_id not in trade.open_legs and leg.closed_quantity == 0
        ]
        if not unfilled or len(unfilled) == len(trade.legs):
            return
        assert self._book is not None
        self.log.warning(
            f"Entry of {trade.structure_id} filled only some legs; closing the legs that filled"
        )
        trade.legs = [leg for leg in trade.legs if leg not in unfilled]
        trade.closing = True
        self._book.save(trade)
        self._submit(trade, opening=False, tag=ExitReason.BROKEN_ENTRY.value)

    def _end_failed_order(self, client_order_id: ClientOrderId, state: IntentState | None) -> None:
        assert self._book is not None
        with self._store.transaction():
            if state is not None:
                self._store.set_intent_state(
                    client_order_id.value, state, self.clock.timestamp_ns()
                )
            intent = self._store.intent(client_order_id.value)
            if intent is not None and intent.kind == "roll":
                self._release_rolled(intent.detail.get("closes"))
            trade = self._order_trade.get(client_order_id)
            if trade is None or trade not in self._trades:
                return
            order = self.cache.order(client_order_id)
            entry = intent is not None and intent.kind in ("entry", "roll")
            if entry and trade.opened and order is not None and order.filled_qty.as_double() > 0:
                self._shrink_to_filled(order, trade)
            if not trade.opened:
                if self._has_open_intent(trade):
                    return  # another leg's entry still works: the trade may yet open
                self.log.warning(f"Opening order {client_order_id} failed; trade dropped")
                self._book.drop(trade)
            elif trade.closing and not self._has_open_intent(trade):
                self.log.warning(f"Closing order {client_order_id} failed; exit checked again")
                trade.closing = False
                self._book.save(trade)

    def _release_rolled(self, structure_id: str | None) -> None:
        # A roll's combo order ended unfilled: the old structure is checked again.
        assert self._book is not None
        for trade in self._trades:
            if trade.structure_id == structure_id and trade.closing:
                trade.closing = False
                self._book.save(trade)

    def _shrink_to_filled(self, order: Order, trade: Trade) -> None:
        # An opening order that ended part-filled: the trade holds what filled.
        assert self._book is not None
        combo = is_generic_spread_id(order.instrument_id)
        for leg in trade.legs:
            if combo or leg.instrument_id == order.instrument_id:
                leg.quantity = min(leg.quantity, int(order.filled_qty.as_double()))
        self._book.save(trade)

    def _structures_waiting(self) -> set[str | None]:
        """Return the structures with an order intent still open (minted or working).

        A roll's combo intent holds both its structures: the one it opens and the one it
        closes.
        """
        waiting: set[str | None] = set()
        for intent in self._store.intents(self.id.value, open_only=True):
            waiting.add(intent.structure_id)
            if "closes" in intent.detail:
                waiting.add(intent.detail["closes"])
        return waiting

    def _has_open_intent(self, trade: Trade) -> bool:
        return trade.structure_id in self._structures_waiting()

    def on_position_closed(self, event: PositionClosed) -> None:
        """Close the legs held in a position that closed (settlements are booked from fills)."""
        order = self.cache.order(event.closing_order_id) if event.closing_order_id else None
        if order is not None and settlement_kind(order.tags) is not None:
            return
        for trade in list(self._trades):
            for leg in trade.legs:
                if leg.position_id == event.position_id:
                    trade.open_legs.discard(leg.instrument_id)
            if trade.opened and not trade.open_legs:
                self._save_or_close(trade)

    def on_stop(self) -> None:
        """Leave positions as they are: expiry and the run's end settle them."""


def _left_out(snapshot: ChainSnapshot) -> str:
    # Why quoted contracts were not considered: their deliverable is not 100 shares.
    if not snapshot.nonstandard:
        return ""
    return (
        f"; {snapshot.nonstandard} quoted contracts left out: deliverable not 100 shares of "
        "the underlying with multiplier 100 (adjusted or mini contracts are never traded)"
    )


def _too_small(selection: Selection, quantity: int) -> str | None:
    """Return why the quoted sizes cannot fill `quantity` structures, or ``None``."""
    for leg in selection.legs:
        size = leg.quote.bid_size if leg.side == Side.SHORT else leg.quote.ask_size
        if size < quantity * leg.ratio:
            return f"quoted size too small for {quantity} structures"
    return None


def _structure_units(trade: Trade) -> int:
    """Return the number of structures in `trade`: the greatest common divisor of its legs."""
    return math.gcd(*(leg.quantity for leg in trade.legs)) or 1


_FINAL_STATE = {
    OrderStatus.REJECTED: IntentState.REJECTED,
    OrderStatus.DENIED: IntentState.REJECTED,
    OrderStatus.CANCELED: IntentState.CANCELED,
    OrderStatus.EXPIRED: IntentState.EXPIRED,
}


def _order_side(leg: SelectedLeg) -> OrderSide:
    """Return the opening side of a resolved leg (``SELL`` for a short leg)."""
    return OrderSide.SELL if leg.side == Side.SHORT else OrderSide.BUY
