"""The 30-day ATM IV of the sessions before a run, from a catalog's chain history.

A strategy engine's IV rank and IV percentile look back ``iv_window`` sessions. So that a run
has them from its first session, the backtest runner and ``tradefly live`` read the catalog's
sessions before the start and hand their ATM IVs to the strategy
(:meth:`strategies.structure_engine.StructureEngine.seed_iv_history`).

Each earlier session's value is computed as the engine computes it at a session close (the
chain :func:`strategies.toolkit.iv_history.solvable_chain` keeps, then
:func:`options.iv_metrics.atm_ivs_30d`, all sessions' mids solved in one vectorised call, the
same values as one call per session): the underlying's
daily close as spot, the latest quote of each contract stamped in the session, the vendor's IV
where a greeks record of the contract is stamped in the session (else Black-Scholes from the
mid), over the contracts the engine would hold then: the kinds of its legs, expiring from the
previous session to ``horizon_days + SUBSCRIBE_AHEAD_DAYS`` days after it.

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
mid being the bar's close (unless the bid is floored at 0).
"""

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

from nautilus_trader.model.data import OptionGreeks, QuoteTick
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
from options.instruments import DAILY_LAST
from options.iv_metrics import atm_ivs_30d
from options.market_calendar import day_bounds_ns, session_of_ns
from options.occ import parse_occ
from strategies.structure_engine import SUBSCRIBE_AHEAD_DAYS, StructureEngineConfig
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
    if not bars:
        return {}
    sessions = [(session_of_ns(bar.ts_event), bar.close.as_double()) for bar in bars]
    reach = config.horizon_days + SUBSCRIBE_AHEAD_DAYS
    leg_kinds = config.leg_kinds
    keep = ContractFilter(
        kinds=leg_kinds if kinds is None else leg_kinds & frozenset(kinds),
        start=sessions[0][0],
        end=sessions[-1][0],
        reach_days=reach,
        strike_band=SEED_STRIKE_BAND,
        closes=closes_by_ticker(bars),
    )
    contracts = _contracts(chosen_option_ids(catalog, [config.underlying], keep))
    folders = [str(instrument_id) for instrument_id in contracts]
    floors = {str(i): keep.first_row_ns(contract[2]) for i, contract in contracts.items()}
    start_ns = day_bounds_ns(sessions[0][0])[0]
    end_ns = day_bounds_ns(before)[0] - 1
    quotes = _by_session(
        read_by_folder(catalog, QuoteTick, folders, start_ns, end_ns, floors)
        if half_spread is None
        else quotes_from_trade_bars(
            catalog, folders, start_ns, end_ns, half_spread, DAILY_LAST, floors
        )
    )
    greeks = _by_session(read_by_folder(catalog, OptionGreeks, folders, start_ns, end_ns, floors))
    chains = []
    previous: dt.date | None = None
    for session, close in sessions:
        first = previous or session
        last = first + dt.timedelta(days=reach)
        chain = []
        for instrument_id, tick in quotes.get(session, {}).items():
            contract = contracts[instrument_id]
            if first <= contract[2] <= last:
                chain.append(ChainQuote.from_tick(contract, session, tick))
        snapshot = ChainSnapshot(session=session, spot=close, quotes=tuple(chain))
        vendor_ivs = {
            instrument_id: iv
            for instrument_id, record in greeks.get(session, {}).items()
            if (iv := _vendor_iv(record)) is not None
        }
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


def _contracts(folders: list[str]) -> dict[InstrumentId, tuple[OptionKind, float, dt.date]]:
    # Kind, strike and expiration from each folder's compact OCC name.
    contracts = {}
    for name in folders:
        symbol = name.rpartition(".")[0]
        try:
            occ = parse_occ(symbol)
        except ValueError:
            continue
        if occ.root[-1:].isdigit():
            continue  # an adjusted contract (AAPL1): not a standard deliverable's vol
        contracts[InstrumentId.from_str(name)] = (occ.kind, float(occ.strike), occ.expiration)
    return contracts


def _by_session(records: list[Any]) -> dict[dt.date, dict[InstrumentId, Any]]:
    # The latest record of each contract in each session, as the engine keeps it.
    result: dict[dt.date, dict[InstrumentId, Any]] = {}
    for record in sorted(records, key=_ts):
        result.setdefault(session_of_ns(record.ts_event), {})[record.instrument_id] = record
    return result


def _vendor_iv(greeks: OptionGreeks) -> float | None:
    value = float(greeks.mark_iv)
    return value if math.isfinite(value) and value > 0 else None
