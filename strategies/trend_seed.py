"""The underlying's daily closes before a run, from a catalog, for the trend from the first session.

A strategy engine's trend (:class:`strategies.toolkit.structure_choice.RegimeTracker`) compares
the close with its ``trend_sessions``-session simple moving average, so a run whose engine is
given the ``trend_sessions - 1`` closes before its first session knows the trend on that
session. The backtest runner and ``tradefly live`` (with ``catalog:``) read them here and hand
them to the engine (:meth:`strategies.structure_engine.StructureEngine.seed_trend`).
"""

import datetime as dt

from nautilus_trader.model.data import Bar
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from catalog.contract_reads import read_by_folder
from options.instruments import daily_bar_type, equity_id
from options.market_calendar import day_bounds_ns, session_of_ns
from strategies.structure_engine import StructureEngineConfig


def prior_daily_bars(
    catalog: ParquetDataCatalog, underlying: str, before: dt.date, count: int
) -> list[Bar]:
    """Return the catalog's last `count` daily bars of `underlying` before `before`, oldest first.

    Parameters
    ----------
    catalog : ParquetDataCatalog
        The catalog with the underlying's daily bars.
    underlying : str
        The ticker (``SPY``).
    before : datetime.date
        Only bars stamped before this day's midnight (exchange time) are read.
    count : int
        The most bars returned; 0 or less returns none.

    Returns
    -------
    list of Bar
        Oldest first; fewer than `count` when the catalog holds fewer.

    """
    if count <= 0:
        return []
    bar_type = daily_bar_type(equity_id(underlying))
    end_ns = day_bounds_ns(before)[0] - 1
    bars = read_by_folder(catalog, Bar, [str(bar_type)], None, end_ns)
    return sorted(bars, key=lambda bar: bar.ts_init)[-count:]


def prior_closes(
    catalog: ParquetDataCatalog, config: StructureEngineConfig, before: dt.date
) -> dict[dt.date, float]:
    """Return the closes the engine's trend needs from the sessions before `before`.

    Parameters
    ----------
    catalog : ParquetDataCatalog
        The catalog with the underlying's daily bars.
    config : StructureEngineConfig
        The strategy: its ``underlying`` and ``trend_sessions``.
    before : datetime.date
        The first session of the run; only earlier sessions are read.

    Returns
    -------
    dict of datetime.date to float
        Session to its close (dollars per share) for the last ``trend_sessions - 1`` daily
        bars before `before`, oldest first; fewer (or none) when the catalog holds fewer.

    """
    bars = prior_daily_bars(catalog, config.underlying, before, config.trend_sessions - 1)
    return {session_of_ns(bar.ts_event): bar.close.as_double() for bar in bars}
