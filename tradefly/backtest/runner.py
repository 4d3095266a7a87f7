"""Run a :class:`RunConfig` on a Nautilus ``BacktestEngine`` over the Parquet catalog.

The runner loads the run's instruments and data from the catalog into a low-level
``BacktestEngine`` (rather than ``BacktestNode``) because it must control the replay order and
derive quotes for trade-only data:

- Within one timestamp the underlying's daily bar is replayed before option data, so expiry at
  the session close settles against that day's close (the venue processes expirations after
  the first data point at or past ``expiration_ns``).
- With ``fill_model: trade_close_half_spread`` each option trade bar becomes a quote at
  ``close ± half_spread`` (the bars themselves are not sent to the venue).
- With ``data.resolution: minute`` the underlying's 1-minute bars replace its daily bars
  (plus one daily bar per session derived from them, :mod:`tradefly.backtest.session_bars`,
  for the recorder and end-of-day strategies) and the option quotes are the minute quotes
  of the run's sessions, replayed before the bar of
  their minute (an order sent on the 10:00 bar fills against the 10:00 quotes); index
  options get explicit settlement prices from the index's minute bars (a 0DTE SPXW contract
  settles at that day's close).

- When a strategy sets ``min_volume``, the contracts' session volumes
  (:class:`options.option_volume.OptionVolume`, read like the greeks) are replayed as
  ``CustomData`` at their timestamps; otherwise they are not read at all.

The buy-and-hold benchmark holds the underlying through the splits the catalog records
(:mod:`catalog.splits`, :mod:`tradefly.backtest.benchmark`).

The account is a Nautilus CASH account in USD, so premium, share purchases at assignment and
share sales move cash exactly as a broker would. Index options settle in cash
(:mod:`tradefly.backtest.index_settlement`); options whose deliverable is not 100 shares
settle by their deliverable (:mod:`tradefly.backtest.deliverable_settlement`). Sessions of
the run (up to the underlying's last bar) without any option quote are logged as one warning
line (:mod:`tradefly.backtest.data_gaps`).
"""

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig
from nautilus_trader.model.currencies import USD
from nautilus_trader.model.data import (
    Bar,
    CustomData,
    OptionGreeks,
    QuoteTick,
)
from nautilus_trader.model.enums import AccountType, OmsType, OptionKind
from nautilus_trader.model.identifiers import InstrumentId, TraderId
from nautilus_trader.model.instruments import Equity, IndexInstrument, Instrument, OptionContract
from nautilus_trader.model.objects import Money
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from actors.journal import TradeJournal, TradeJournalConfig
from actors.records import EquityPoint, TradeRecord, iso_utc
from actors.risk_guard import RiskGuard
from actors.trade_recorder import TradeRecorder, TradeRecorderConfig
from catalog.access import open_catalog
from catalog.contract_reads import (
    ContractFilter,
    chosen_option_ids,
    closes_by_ticker,
    read_by_folder,
)
from catalog.splits import stored_splits
from catalog.trade_bar_quotes import quotes_from_trade_bars
from options.instruments import (
    DAILY_LAST,
    MINUTE_LAST,
    VENUE,
    daily_bar_type,
    equity_id,
    minute_bar_type,
)
from options.market_calendar import NEW_YORK, session_of_ns
from options.option_volume import OPTION_VOLUME, OptionVolume
from strategies.iv_seed import prior_atm_ivs, prior_minute_atm_ivs
from strategies.structure_engine import StructureEngine, StructureEngineConfig
from strategies.trend_seed import prior_closes
from tradefly.backtest.config import RunConfig
from tradefly.backtest.data_gaps import gap_warning
from tradefly.backtest.deliverable_settlement import DeliverableSettlement, non_standard
from tradefly.backtest.expiration_listing import ExpirationListing
from tradefly.backtest.fees import OptionsCommissionModel
from tradefly.backtest.index_settlement import (
    am_settlement_prices,
    index_underlying,
    minute_settlement_prices,
    with_index_expiry,
)
from tradefly.backtest.results import BacktestResult, RiskGateRecord, SplitPoint
from tradefly.backtest.run_info import run_info
from tradefly.backtest.session_bars import session_bars
from tradefly.backtest.trades import group_trades

_LOG = logging.getLogger(__name__)


class CatalogDataMissingError(RuntimeError):
    """The catalog lacks data the run needs (the message says what and how to ingest it)."""


def run_backtest(
    config: RunConfig,
    catalog_dir: Path,
    run_id: str | None = None,
    log_level: str = "ERROR",
    on_session: Callable[[], None] | None = None,
) -> BacktestResult:
    """Run one backtest and return its result.

    Parameters
    ----------
    config : RunConfig
        The run.
    catalog_dir : Path
        The ``ParquetDataCatalog`` folder.
    run_id : str, optional
        Report folder name; defaults to ``<name>-<UTC timestamp>``.
    log_level : str, default "ERROR"
        Nautilus log level.
    on_session : Callable[[], None], optional
        Called after each session's underlying close is replayed (a progress bar).

    Raises
    ------
    CatalogDataMissingError
        If the catalog has no underlying, options or bars for the run.

    """
    run_id = run_id or f"{config.name}-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}"
    engine, recorder = build_engine(config, catalog_dir, log_level)
    recorder.on_session = on_session
    try:
        start_ns, end_ns = _replay_bounds(config)
        engine.run(start=start_ns, end=end_ns)
        result = _collect(config, engine, recorder, run_id, start_ns)
        result.run_info = run_info(config, catalog_dir, result.underlying_closes)
        splits = stored_splits(open_catalog(catalog_dir), result.underlying)
        result.underlying_splits = [SplitPoint(s.ts_event, float(s.ratio)) for s in splits]
        return result
    finally:
        engine.dispose()


@dataclass(frozen=True, slots=True)
class RunData:
    """Instruments and data of a run, in replay order.

    ``underlyings`` holds the run's underlyings, the benchmark first; ``settlement_prices``
    maps AM-settled index options to their settlement price per share (see
    :mod:`tradefly.backtest.index_settlement`).
    """

    underlyings: list[Instrument]
    options: list[OptionContract]
    data: list[Any]
    settlement_prices: dict[InstrumentId, float] = field(default_factory=dict)


def load_run_data(config: RunConfig, catalog_dir: Path) -> RunData:
    """Load a run's instruments and data from the catalog, in replay order.

    Raises
    ------
    CatalogDataMissingError
        If the catalog has no underlying, options or bars for the run.

    """
    catalog = open_catalog(catalog_dir)
    start_ns, end_ns = _replay_bounds(config)
    minute = config.data.resolution == "minute"
    bars = _underlying_bars(catalog, catalog_dir, config, start_ns, end_ns)
    keep = ContractFilter(
        kinds=frozenset(_KINDS[k] for k in config.data.option_kinds),
        start=config.data.start,
        end=config.replay_end(),
        reach_days=config.reach_days(),
        strike_band=config.data.strike_band,
        closes=closes_by_ticker(bars),
    )
    underlyings, options = _load_instruments(catalog, config, keep, start_ns)
    folders = [str(o.id) for o in options]
    floors = {str(o.id): keep.first_row_ns(session_of_ns(o.expiration_ns)) for o in options}
    if config.data.fill_model == "quotes":
        quotes = read_by_folder(catalog, QuoteTick, folders, start_ns, end_ns, floors)
    else:
        spec = MINUTE_LAST if minute else DAILY_LAST
        quotes = quotes_from_trade_bars(
            catalog, folders, start_ns, end_ns, config.data.half_spread, spec, floors
        )
    greeks = read_by_folder(catalog, OptionGreeks, folders, start_ns, end_ns, floors)
    volumes = (
        [
            CustomData(OPTION_VOLUME, volume)
            for volume in read_by_folder(catalog, OptionVolume, folders, start_ns, end_ns, floors)
        ]
        if config.reads_volume()
        else []
    )
    _warn_about_option_gaps(config, underlyings, options, bars, quotes)
    quoted_ids = {q.instrument_id for q in quotes}
    traded = [o for o in options if o.id in quoted_ids]
    settle = minute_settlement_prices if minute else am_settlement_prices
    settlement_prices: dict[InstrumentId, float] = {}
    for underlying in underlyings:
        own_bars = [b for b in bars if b.bar_type.instrument_id == underlying.id]
        is_index = isinstance(underlying, IndexInstrument)
        if is_index:
            own = [o for o in traded if o.underlying == underlying.id.symbol.value]
            settlement_prices |= settle(own, own_bars)
        if minute:
            bars = [*bars, *session_bars(own_bars, daily_bar_type(underlying.id), is_index)]
    return RunData(
        underlyings=underlyings,
        options=traded,
        data=replay_order(bars, quotes, greeks, volumes, bars_first=not minute),
        settlement_prices=settlement_prices,
    )


def new_engine(config: RunConfig, run_data: RunData, log_level: str = "ERROR") -> BacktestEngine:
    """Return an engine with the run's venue, instruments and data, and no strategy.

    The options go into the cache only: the venue gets an expiration's matching engines at the
    first data point of any of its contracts (:mod:`tradefly.backtest.expiration_listing`).
    """
    adjusted = non_standard(run_data.options)
    engine = BacktestEngine(
        BacktestEngineConfig(
            trader_id=TraderId("BACKTESTER-001"),
            logging=LoggingConfig(log_level=log_level),
            run_analysis=False,  # the report computes its own figures
        )
    )
    engine.add_venue(
        venue=VENUE,
        oms_type=OmsType.HEDGING,
        account_type=AccountType.CASH,
        base_currency=USD,
        starting_balances=[Money(config.venue.starting_balance, USD)],
        fee_model=OptionsCommissionModel(
            config.venue.commission_per_contract, config.venue.commission_per_share
        ),
        settlement_prices=run_data.settlement_prices or None,
        modules=[
            ExpirationListing(run_data.options),
            *([DeliverableSettlement(run_data.options)] if adjusted else []),
        ],
    )
    for underlying in run_data.underlyings:
        engine.add_instrument(underlying)
    for option in run_data.options:
        engine.cache.add_instrument(option)  # the venue lists it at its data (ExpirationListing)
    engine.add_data(run_data.data, sort=True)
    return engine


def build_engine(
    config: RunConfig, catalog_dir: Path, log_level: str = "ERROR", journal: bool = True
) -> tuple[BacktestEngine, TradeRecorder]:
    """Build the engine with venue, instruments, data, strategies, actors and recorder.

    With `journal` (the default) a :class:`TradeJournal` in memory is added unless the run's
    ``actors:`` already list one; its records end up in the result and the report. Each
    :class:`StructureEngine` gets the 30-day ATM IVs of the catalog's sessions before the start
    for its IV rank and percentile, solved as the run's engine solves them at a session close,
    from the quotes the run replays (on trade bars, ``close ± half_spread``): end of day
    :func:`strategies.iv_seed.prior_atm_ivs`, on minute data
    :func:`strategies.iv_seed.prior_minute_atm_ivs` (the session bars derived from the
    underlying's minute bars before the start). Each one with ``choices`` gets the underlying's
    daily closes before the start that its trend needs
    (:func:`strategies.trend_seed.prior_closes`), whatever the data.
    """
    run_data = load_run_data(config, catalog_dir)
    engine = new_engine(config, run_data, log_level)
    catalog = open_catalog(catalog_dir)
    kinds = [_KINDS[k] for k in config.data.option_kinds]
    half_spread = (
        config.data.half_spread if config.data.fill_model == "trade_close_half_spread" else None
    )
    for strategy in config.build_strategies():
        if isinstance(strategy, StructureEngine):
            strategy.seed_iv_history(
                _minute_seed(catalog, config, run_data, strategy.config, kinds, half_spread)
                if config.data.resolution == "minute"
                else prior_atm_ivs(catalog, strategy.config, config.data.start, kinds, half_spread)
            )
        if isinstance(strategy, StructureEngine) and strategy.config.choices:
            strategy.seed_trend(prior_closes(catalog, strategy.config, config.data.start))
        engine.add_strategy(strategy)
    actors = config.build_actors()
    for actor in actors:
        engine.add_actor(actor)
    benchmark = config.underlyings()[0]
    if journal and not any(isinstance(actor, TradeJournal) for actor in actors):
        engine.add_actor(TradeJournal(TradeJournalConfig(underlying=benchmark)))
    recorder = TradeRecorder(TradeRecorderConfig(underlying=benchmark))
    engine.add_actor(recorder)
    return engine, recorder


def _minute_seed(
    catalog: ParquetDataCatalog,
    config: RunConfig,
    run_data: RunData,
    strategy: StructureEngineConfig,
    kinds: list[OptionKind],
    half_spread: float | None,
) -> dict[dt.date, float]:
    # The sessions before the start as the minute run derives them from the minute bars.
    underlying = next(
        (u for u in run_data.underlyings if u.id.symbol.value == strategy.underlying), None
    )
    if underlying is None:
        return {}
    minute_type = minute_bar_type(equity_id(strategy.underlying))
    start_ns = _replay_bounds(config)[0]
    minutes = read_by_folder(catalog, Bar, [str(minute_type)], None, start_ns - 1)
    closes = session_bars(
        minutes,
        daily_bar_type(underlying.id),
        isinstance(underlying, IndexInstrument),
    )
    return prior_minute_atm_ivs(
        catalog, strategy, config.data.start, closes, minutes, kinds, half_spread
    )


def replay_order(bars: list[Bar], *streams: Iterable[Any], bars_first: bool = True) -> list[Any]:
    """Merge data by ``ts_init``, underlying bars first (or last) within one timestamp.

    End of day, the bar goes first so that expiry at the close settles against that close.
    In a minute replay it goes last, so that a decision on the minute's bar sees, and fills
    against, the option quotes of the same minute. ``BacktestEngine.sort_data`` sorts stably
    by ``ts_init``, so this order survives it.
    """
    rest = [item for stream in streams for item in stream]
    bar_rank = 0 if bars_first else 2
    return sorted([*bars, *rest], key=lambda d: (d.ts_init, bar_rank if isinstance(d, Bar) else 1))


def _replay_bounds(config: RunConfig) -> tuple[int, int]:
    start = pd.Timestamp(config.data.start).tz_localize(NEW_YORK)
    end = (
        pd.Timestamp(config.replay_end()).tz_localize(NEW_YORK)
        + pd.Timedelta(days=1)
        - pd.Timedelta(1)
    )
    return int(start.value), int(end.value)


def _underlying_bars(
    catalog: ParquetDataCatalog, catalog_dir: Path, config: RunConfig, start_ns: int, end_ns: int
) -> list[Bar]:
    minute = config.data.resolution == "minute"
    bars: list[Bar] = []
    for ticker in config.underlyings():
        bar_type = (minute_bar_type if minute else daily_bar_type)(equity_id(ticker))
        own = read_by_folder(catalog, Bar, [str(bar_type)], start_ns, end_ns)
        if not own:
            how = "tradefly ingest lean-minute" if minute else "tradefly ingest bars"
            raise CatalogDataMissingError(
                f"no {'minute' if minute else 'daily'} bars of {equity_id(ticker)} in "
                f"{catalog_dir} between the run's dates; ingest them with `{how}`"
            )
        bars += own
    return bars


def _load_instruments(
    catalog: ParquetDataCatalog, config: RunConfig, keep: ContractFilter, start_ns: int
) -> tuple[list[Instrument], list[OptionContract]]:
    tickers = config.underlyings()
    ids = [str(equity_id(ticker)) for ticker in tickers]
    found = {
        i.id.symbol.value: i
        for cls in (Equity, IndexInstrument)
        for i in read_by_folder(catalog, cls, ids)
    }
    options: dict[str, list[OptionContract]] = {ticker: [] for ticker in tickers}
    for instrument in read_by_folder(
        catalog, OptionContract, chosen_option_ids(catalog, tickers, keep)
    ):
        if (
            isinstance(instrument, OptionContract)
            and instrument.id.venue == VENUE
            and instrument.underlying in options
            and instrument.expiration_ns >= start_ns
            and keep.keeps(
                instrument.underlying,
                instrument.option_kind,
                session_of_ns(instrument.expiration_ns),
                instrument.strike_price.as_double(),
            )
        ):
            options[instrument.underlying].append(instrument)
    underlyings: list[Instrument] = []
    chains: list[OptionContract] = []
    for ticker in tickers:
        if ticker not in found:
            raise CatalogDataMissingError(
                f"underlying {ticker} is not in the catalog; ingest its daily bars"
            )
        if not options[ticker]:
            kinds = set(keep.kinds)
            raise CatalogDataMissingError(
                _no_options_message(ticker, kinds, _kinds_held(catalog, ticker), config)
            )
        underlying = index_underlying(found[ticker], config.data.index_roots)
        own = options[ticker]
        if isinstance(underlying, IndexInstrument):
            own = [with_index_expiry(option) for option in own]
        underlyings.append(underlying)
        chains += own
    return underlyings, chains


def _kinds_held(catalog: ParquetDataCatalog, ticker: str) -> set[OptionKind]:
    every = ContractFilter(
        kinds=frozenset(OptionKind),
        start=dt.date.min,
        end=dt.date.max - dt.timedelta(days=1),
        reach_days=None,
        strike_band=None,
        closes={},
    )
    chosen = chosen_option_ids(catalog, [ticker], every)
    return {
        o.option_kind
        for o in read_by_folder(catalog, OptionContract, chosen)
        if isinstance(o, OptionContract) and o.underlying == ticker
    }


def _no_options_message(
    ticker: str, wanted: set[OptionKind], held: set[OptionKind], config: RunConfig
) -> str:
    """Say why no option of the run was found: none at all, none of its kinds, or all expired."""
    if not held:
        return f"no {ticker} options in the catalog; ingest a chain file first"
    wanted_names = " or ".join(sorted(_KIND_NAMES[k] for k in wanted))
    if not held & wanted:
        held_names = " and ".join(sorted(_KIND_NAMES[k] for k in held))
        return (
            f"the catalog has {ticker} {held_names} but no {wanted_names}, which the run "
            f"trades (data.option_kinds: {', '.join(config.data.option_kinds)}); ingest "
            f"{ticker} {wanted_names} or change the config"
        )
    return (
        f"no {ticker} {wanted_names} in the catalog expire on or after {config.data.start}; "
        "ingest later chains or move data.start"
    )


_KIND_NAMES = {OptionKind.PUT: "puts", OptionKind.CALL: "calls"}
_KINDS = {"put": OptionKind.PUT, "call": OptionKind.CALL}


def _warn_about_option_gaps(
    config: RunConfig,
    underlyings: list[Instrument],
    options: list[OptionContract],
    bars: list[Bar],
    quotes: list[QuoteTick],
) -> None:
    """Log one warning line per underlying naming its sessions without option quotes."""
    root = {option.id: option.underlying for option in options}
    for underlying in underlyings:
        ticker = underlying.id.symbol.value
        own_bars = [bar.ts_event for bar in bars if bar.bar_type.instrument_id == underlying.id]
        if not own_bars:
            continue
        last_bar = session_of_ns(max(own_bars))
        covered = {
            session_of_ns(quote.ts_event)
            for quote in quotes
            if root.get(quote.instrument_id) == ticker
        }
        end = min(config.replay_end(), last_bar)
        warning = gap_warning(ticker, config.data.start, end, covered)
        if warning is not None:
            _LOG.warning(warning)


def _collect(
    config: RunConfig, engine: BacktestEngine, recorder: TradeRecorder, run_id: str, start_ns: int
) -> BacktestResult:
    account = engine.portfolio.account(VENUE)
    trades: list[TradeRecord] = sorted(
        recorder.trades + recorder.open_positions_as_trades(),
        key=lambda t: (t.entry_time, t.symbol),
    )
    option_trades = [t for t in trades if _is_option_symbol(engine, t.symbol)]
    underlying = config.underlyings()[0]
    return BacktestResult(
        run_id=run_id,
        config_name=config.name,
        synthetic=config.synthetic,
        starting_balance=config.venue.starting_balance,
        ending_balance=float(account.balance_total(USD).as_double()),
        ending_buying_power=float(account.balance_free(USD).as_double()),
        premium_collected=round(recorder.premium_collected, 2),
        fees=round(recorder.fees, 2),
        slippage=round(recorder.slippage, 2),
        realized_pnl=round(sum(t.pnl for t in trades), 2),
        n_trades=len(group_trades(trades)),
        n_assigned=sum(1 for t in option_trades if t.exit_reason == "assigned"),
        equity_curve=[
            EquityPoint(start_ns, config.venue.starting_balance),
            *recorder.equity_curve,
        ],
        trades=trades,
        underlying=underlying,
        n_legs=len(option_trades),
        underlying_closes=recorder.underlying_closes,
        journal=next(
            (actor.rows() for actor in engine.trader.actors() if isinstance(actor, TradeJournal)),
            [],
        ),
        risk_events=_risk_events(engine),
        wheel_cycles=[
            row
            for strategy in engine.trader.strategies()
            if isinstance(strategy, StructureEngine)
            for row in strategy.wheel_report()
        ],
    )


def _risk_events(engine: BacktestEngine) -> list[RiskGateRecord]:
    return [
        RiskGateRecord(iso_utc(e.ts_ns), e.rule, e.action, e.factor, e.rules, e.reason)
        for actor in engine.trader.actors()
        if isinstance(actor, RiskGuard)
        for e in actor.risk_events()
    ]


def _is_option_symbol(engine: BacktestEngine, symbol: str) -> bool:
    instrument: Instrument | None = engine.cache.instrument(
        InstrumentId.from_str(f"{symbol}.{VENUE}")
    )
    return isinstance(instrument, OptionContract)
