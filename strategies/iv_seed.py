"""The 30-day ATM IV of the sessions before a run, from a catalog's chain history.

A strategy engine's IV rank and IV percentile look back ``iv_window`` sessions. So that a run
has them from its first session, the backtest runner and ``tradefly live`` read the catalog's
sessions before the start and hand their ATM IVs to the strategy
(:meth:`strategies.structure_engine.StructureEngine.seed_iv_history`).

Each earlier session's value is computed as the engine computes it at a session close (the
chain :func:`strategies.toolkit.iv_history.solvable_chain` keeps, then
:func:`options.iv_metrics.atm_ivs_30d`, all sessions' mids solved in one vectorised call, the
same values as one call per session): the underlying's daily close as spot, the latest quote
of each contract stamped in the session, the vendor's IV where a greeks record of the contract
is stamped in the session (else Black-Scholes from the mid), over the contracts the engine
would hold then: the kinds of its legs, expiring (the instrument's expiration session,
:func:`options.instruments.option_expiration_ns`: for contracts before 2015 the Friday before
their OCC symbol's Saturday) from the previous session to
``horizon_days + SUBSCRIBE_AHEAD_DAYS`` days after it.

Only what the value can depend on is read: the last ``iv_window`` daily bars before the start,
and the contracts of those expirations whose strike lies within :data:`SEED_STRIKE_BAND` of
the closes over the sessions they could be held on (the ATM IV interpolates between the two
strikes around the spot, :mod:`options.iv_metrics`), chosen by their folder names
(:mod:`catalog.contract_reads`; folders not named by a compact OCC symbol are not
read). Sessions before the start without a daily bar, or without option quotes, give no
value.

A run on daily trade bars (``fill_model: trade_close_half_spread``) solves each session's IVs
from the quotes it derives from the contracts' trade bars, ``close ± half_spread``
(:func:`catalog.trade_bar_quotes.quotes_from_trade_bars`, the runner's own conversion), the
mid being the bar's close (unless the bid is floored at 0). A minute run
(:func:`prior_minute_atm_ivs`) takes the session bars it derives from the underlying's minute
bars as closes and, per contract, the latest minute quote received by the session-close
decision, with the engine's window as it stands then (widened at an entry time).
"""

import datetime as dt
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from nautilus_trader.model.data import Bar, BarSpecification, OptionGreeks, QuoteTick
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from catalog.contract_reads import (
    ContractFilter,
    chosen_option_ids,
    closes_by_ticker,
    read_by_folder,
)
from catalog.trade_bar_quotes import quotes_from_trade_bars
from options.instruments import DAILY_LAST, MINUTE_LAST, option_expiration_ns
from options.iv_metrics import atm_ivs_30d
from options.market_calendar import day_bounds_ns, regular_minute, session_of_ns
from options.occ import parse_occ
from strategies.structure_engine import (
    DECISION_DELAY_NS,
    SUBSCRIBE_AHEAD_DAYS,
    StructureEngineConfig,
    entry_minutes,
)
from strategies.toolkit.chain import ChainQuote, ChainSnapshot
from strategies.toolkit.iv_history import solvable_chain
from strategies.trend_seed import prior_daily_bars

SEED_STRIKE_BAND = 0.10
"""Strikes read, as a fraction of the underlying's closes around them."""


def prior_atm_ivs(
    catalog: ParquetDataCatalog,
    config: StructureEngineConfig,
    before: dt.date,
    kinds: Iterable[OptionKind] | None = None,
    half_spread: float | None = None,
) -> dict[dt.date, float]:
    """Return the 30-day ATM IV of the last ``config.iv_window`` sessions before `before`.

    Parameters
    ----------
    catalog : ParquetDataCatalog
        The catalog with the underlying's daily bars and its option quotes (and greeks).
    config : StructureEngineConfig
        The strategy: its underlying, ``iv_window``, legs' kinds, ``horizon_days``, ``rate``
        and ``dividend_yield``.
    before : datetime.date
        The first session of the run; only earlier sessions are read.
    kinds : iterable of OptionKind, optional
        The kinds the run loads (``data.option_kinds``); the contracts read are those of the
        legs' kinds among them. Default: the legs' kinds.
    half_spread : float, optional
        For a run on daily trade bars (``fill_model: trade_close_half_spread``): the quotes are
        the contracts' daily trade bars at ``close ± half_spread`` (dollars per share), derived
        as the run derives them (:func:`catalog.trade_bar_quotes.quotes_from_trade_bars`).
        Default: the catalog's quotes.

    Returns
    -------
    dict of datetime.date to float
        Session to ATM IV (decimal per year), oldest first; sessions whose chain gives no IV
        are left out; empty when the catalog has no daily bar before `before`.

    """
    bars = prior_daily_bars(catalog, config.underlying, before, config.iv_window)
    closes = [
        _Close(session_of_ns(bar.ts_event), bar.close.as_double(), None, None) for bar in bars
    ]
    return _atm_ivs(catalog, config, before, bars, closes, kinds, half_spread, DAILY_LAST)


def prior_minute_atm_ivs(
    catalog: ParquetDataCatalog,
    config: StructureEngineConfig,
    before: dt.date,
    session_bars: Sequence[Bar],
    minute_bars: Iterable[Bar],
    kinds: Iterable[OptionKind] | None = None,
    half_spread: float | None = None,
) -> dict[dt.date, float]:
    """Return the 30-day ATM IV of the last ``config.iv_window`` sessions before `before` (minutes).

    As a minute run's engine computes it at each session close: the session bar's close as
    spot, each contract's latest minute quote stamped in the session and received by the
    decision (the session close plus ``DECISION_DELAY_NS``). With ``entry_times``, the engine
    takes in the contracts of the session's window at its first entry time (the minute bar
    ending then): a contract not in the window before counts only its quotes after it.

    Parameters
    ----------
    catalog, config, before, kinds
        As :func:`prior_atm_ivs`.
    session_bars : Sequence[Bar]
        The underlying's daily bars derived from its minute bars
        (:func:`tradefly.backtest.session_bars.session_bars`) of sessions before `before`,
        oldest first; the last ``config.iv_window`` are the sessions seeded.
    minute_bars : Iterable[Bar]
        The underlying's minute bars of those sessions (their entry times).
    half_spread : float, optional
        For a run on minute trade bars: the quotes are the contracts' minute trade bars at
        ``close ± half_spread`` (dollars per share). Default: the catalog's quotes.

    Returns
    -------
    dict of datetime.date to float
        As :func:`prior_atm_ivs`; empty without a session bar before `before`.

    """
    bars = [bar for bar in session_bars if session_of_ns(bar.ts_event) < before]
    bars = bars[-config.iv_window :] if config.iv_window > 0 else []
    minutes = entry_minutes(config.entry_times)
    entries: dict[dt.date, int] = {}
    for bar in minute_bars:
        if minutes and regular_minute(bar.ts_event) in minutes:
            session = session_of_ns(bar.ts_event)
            alert = bar.ts_event + DECISION_DELAY_NS  # the engine decides (and subscribes) then
            entries[session] = min(entries.get(session, alert), alert)
    closes = [
        _Close(
            session := session_of_ns(bar.ts_event),
            bar.close.as_double(),
            bar.ts_event + DECISION_DELAY_NS,
            entries.get(session),
        )
        for bar in bars
    ]
    return _atm_ivs(catalog, config, before, bars, closes, kinds, half_spread, MINUTE_LAST)


@dataclass(frozen=True, slots=True)
class _Close:
    # A session close of the seed: its spot, the decision time (None: the whole session's
    # data counts) and the first entry time's decision (None: no entry time that session).
    session: dt.date
    spot: float
    decision_ns: int | None
    entry_ns: int | None


def _atm_ivs(
    catalog: ParquetDataCatalog,
    config: StructureEngineConfig,
    before: dt.date,
    bars: list[Bar],
    closes: list[_Close],
    kinds: Iterable[OptionKind] | None,
    half_spread: float | None,
    spec: BarSpecification,
) -> dict[dt.date, float]:
    if not closes:
        return {}
    reach = config.horizon_days + SUBSCRIBE_AHEAD_DAYS
    leg_kinds = config.leg_kinds
    keep = ContractFilter(
        kinds=leg_kinds if kinds is None else leg_kinds & frozenset(kinds),
        start=closes[0].session,
        end=closes[-1].session,
        reach_days=reach + _OCC_DATE_SLACK_DAYS,
        strike_band=SEED_STRIKE_BAND,
        closes=closes_by_ticker(bars),
    )
    contracts = _contracts(chosen_option_ids(catalog, [config.underlying], keep))
    folders = [str(instrument_id) for instrument_id in contracts]
    floors = {str(i): keep.first_row_ns(contract[2]) for i, contract in contracts.items()}
    start_ns = day_bounds_ns(closes[0].session)[0]
    end_ns = day_bounds_ns(before)[0] - 1
    quotes = _by_session(
        read_by_folder(catalog, QuoteTick, folders, start_ns, end_ns, floors)
        if half_spread is None
        else quotes_from_trade_bars(catalog, folders, start_ns, end_ns, half_spread, spec, floors)
    )
    greeks = _by_session(read_by_folder(catalog, OptionGreeks, folders, start_ns, end_ns, floors))
    chains = []
    previous: dt.date | None = None
    for close in closes:
        session = close.session
        first = previous or session
        window = _Window(first, first + dt.timedelta(days=reach), session + dt.timedelta(reach))
        chain = [
            ChainQuote.from_tick(contracts[instrument_id], session, tick)
            for instrument_id, tick in _seen(quotes.get(session, {}), close, contracts, window)
        ]
        vendor_ivs = {
            instrument_id: iv
            for instrument_id, record in _seen(greeks.get(session, {}), close, contracts, window)
            if (iv := _vendor_iv(record)) is not None
        }
        snapshot = ChainSnapshot(session=session, spot=close.spot, quotes=tuple(chain))
        if (solvable := solvable_chain(snapshot, vendor_ivs)) is not None:
            chains.append(solvable)
        previous = session
    atms = atm_ivs_30d(chains, rate=config.rate, div_yield=config.dividend_yield)
    return {
        session: atm
        for (_quotes, _spot, session), atm in zip(chains, atms, strict=True)
        if atm is not None and math.isfinite(atm)
    }


def _ts(item: Any) -> int:
    return int(item.ts_init)


# The folders are chosen by their OCC dates, up to the Saturday after the last session (before
# 2015) or after a holiday Friday; the windows use the instruments' expiration sessions.
_OCC_DATE_SLACK_DAYS = 3


def _contracts(folders: list[str]) -> dict[InstrumentId, tuple[OptionKind, float, dt.date]]:
    # Kind, strike and expiration session of each folder's compact OCC name, the session as the
    # catalog's instrument has it (option_expiration_ns: a pre-2015 OCC Saturday expires on the
    # Friday before).
    contracts = {}
    for name in folders:
        symbol = name.rpartition(".")[0]
        try:
            occ = parse_occ(symbol)
        except ValueError:
            continue
        if occ.root[-1:].isdigit():
            continue  # an adjusted contract (AAPL1): not a standard deliverable's vol
        expiration = session_of_ns(option_expiration_ns(occ.root, occ.expiration))
        contracts[InstrumentId.from_str(name)] = (occ.kind, float(occ.strike), expiration)
    return contracts


def _by_session(records: list[Any]) -> dict[dt.date, dict[InstrumentId, list[Any]]]:
    # Each contract's records of each session, in the order the engine receives them.
    result: dict[dt.date, dict[InstrumentId, list[Any]]] = {}
    for record in sorted(records, key=_ts):
        by_contract = result.setdefault(session_of_ns(record.ts_event), {})
        by_contract.setdefault(record.instrument_id, []).append(record)
    return result


@dataclass(frozen=True, slots=True)
class _Window:
    # Expirations the engine listens to at a session: from the previous close's window
    # [first, last], and from the session's first entry time on, also up to `late`.
    first: dt.date
    last: dt.date
    late: dt.date


def _seen(
    records: dict[InstrumentId, list[Any]],
    close: _Close,
    contracts: dict[InstrumentId, tuple[OptionKind, float, dt.date]],
    window: _Window,
) -> Iterator[tuple[InstrumentId, Any]]:
    # The latest record of each contract the engine holds at the session's decision.
    for instrument_id, own in records.items():
        expiration = contracts[instrument_id][2]
        if window.first <= expiration <= window.last:
            after = None
        elif close.entry_ns is not None and window.last < expiration <= window.late:
            after = close.entry_ns  # taken in at the entry time: later records only
        else:
            continue
        seen = [
            record
            for record in own
            if (close.decision_ns is None or record.ts_init <= close.decision_ns)
            and (after is None or record.ts_init > after)
        ]
        if seen:
            yield instrument_id, seen[-1]


def _vendor_iv(greeks: OptionGreeks) -> float | None:
    value = float(greeks.mark_iv)
    return value if math.isfinite(value) and value > 0 else None
