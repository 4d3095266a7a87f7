"""The buy-and-hold benchmark: one share of the underlying bought at the first close, held.

The underlying's bars are raw traded prices, so on a split's ex-date the close drops by the
split ratio (AAPL closed at 499.23 on 2020-08-28 and 129.04 on 2020-08-31, the ex-date of
its 4-for-1 split) while a holder's shares grow by that ratio: from the ex-date on, the
exchange quotes the stock per new share. The benchmark's value at a close is therefore
``close × shares held``, with ``shares held`` starting at 1 and multiplied by each split's
ratio from its ex-date on
(:class:`catalog.splits.StockSplit`, from the vendor's split records). No dividends.
"""

from collections.abc import Sequence

import numpy as np
import pandas as pd

from actors.records import ClosePoint
from tradefly.backtest.results import BacktestResult, SplitPoint


def held_share_values(closes: Sequence[ClosePoint], splits: Sequence[SplitPoint]) -> pd.Series:
    """Return the value of one share bought at the first close and held through splits.

    Parameters
    ----------
    closes : Sequence[ClosePoint]
        The underlying's session closes (raw, USD per share), oldest first.
    splits : Sequence[SplitPoint]
        Its splits (ex-date open and ratio), in any order.

    Returns
    -------
    pandas.Series
        USD, indexed by the closes' UTC timestamps: each close times the product of the
        ratios of the splits at or before it and after the first close.

    """
    index = pd.to_datetime([p.ts_ns for p in closes], unit="ns", utc=True)
    raw = np.array([p.close for p in closes], dtype=float)
    shares = np.ones(len(raw))
    if len(raw):
        times = np.array([p.ts_ns for p in closes], dtype=np.int64)
        for split in splits:
            if split.ts_ns > times[0]:
                shares[times >= split.ts_ns] *= split.ratio
    return pd.Series(raw * shares, index=index, dtype=float)


def buy_and_hold(result: BacktestResult) -> pd.Series:
    """Return :func:`held_share_values` of a run's underlying closes and splits."""
    return held_share_values(result.underlying_closes, result.underlying_splits)
