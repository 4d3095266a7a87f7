"""Daily bars of the underlying derived from its minute bars, for a minute replay.

The trade recorder marks equity at each session close on the underlying's daily bar, and
end-of-day strategies decide just after it, so a minute replay also replays one daily
``LAST`` bar per session, stamped at the session close like the daily files' bars:

- open, high, low and volume of the minute bars inside the regular session (ending after the
  09:30 open and at or before the close; pre- and after-market bars are left out);
- close: for an equity, the close of the last minute ending at or before the session close;
  for an index, the close of the day's last minute bar (LEAN's SPX files run past 16:00 with
  the official closing value, the value PM-settled options settle at, see
  :func:`tradefly.backtest.index_settlement.minute_settlement_prices`).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.objects import Quantity

from options.market_calendar import is_session, session_close_ns, session_of_ns, session_open_ns


def session_bars(minute_bars: Iterable[Bar], daily: BarType, index: bool) -> list[Bar]:
    """Return one daily bar per session from `minute_bars` (see the module docstring).

    Parameters
    ----------
    minute_bars : Iterable[Bar]
        1-minute bars of one instrument, stamped at the end of their minute.
    daily : BarType
        The daily bar type to build (``SPX.US-1-DAY-LAST-EXTERNAL``).
    index : bool
        The instrument is an index (its close is the day's last bar).

    Returns
    -------
    list[Bar]
        Sorted by time; sessions without a bar inside the regular session are left out.

    """
    by_day: dict[dt.date, list[Bar]] = defaultdict(list)
    for bar in minute_bars:
        by_day[session_of_ns(bar.ts_event)].append(bar)
    result = []
    for day, bars in sorted(by_day.items()):
        if not is_session(day):
            continue
        opens, closes = session_open_ns(day), session_close_ns(day)
        bars.sort(key=lambda b: b.ts_event)
        regular = [b for b in bars if opens < b.ts_event <= closes]
        if not regular:
            continue
        last = bars[-1] if index else regular[-1]
        result.append(
            Bar(
                daily,
                regular[0].open,
                max(b.high for b in regular),
                min(b.low for b in regular),
                last.close,
                Quantity.from_raw(sum(b.volume.raw for b in regular), regular[0].volume.precision),
                closes,
                closes,
            )
        )
    return result
