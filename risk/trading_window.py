"""Trading window and calendar: New York hours, half-day cut-off, earnings and event blackouts.

Sessions and early closes come from ``exchange_calendars`` (XNYS, see
:mod:`options.market_calendar`). Earnings dates come from the catalog's Alpha Vantage
``EarningsEvent`` records (loaded by the risk guard, :func:`actors.risk_guard.load_earnings`);
a date counts only from the instant it became known (the record's ``ts_event``), so a
backtest never sees a schedule before it was published.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import msgspec

from options.market_calendar import NEW_YORK, is_session, session_close_ns
from risk.proposal import EntryProposal
from risk.rules import Cap

RULE = "trading_window"
REGULAR_CLOSE = dt.time(16, 0)


def _clock(name: str, value: str | None) -> dt.time | None:
    if value is None:
        return None
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"trading_window.{name} was {value!r}, not HH:MM") from None


class EventDay(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An earnings release or other event of an underlying.

    Parameters
    ----------
    underlying : str
        Ticker (``*`` for every underlying).
    date : str
        ISO date of the event (New York).
    known_ns : int
        UNIX ns from which the event is known (0: always).

    """

    underlying: str
    date: str
    known_ns: int = 0


class TradingWindowConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Configuration of :func:`check_window`.

    Parameters
    ----------
    start, end : str
        New York time of day (``HH:MM``) between which entries may happen; `end` counts to
        the end of its minute, so ``16:00`` admits the end-of-day decision 1 ms after the close.
    half_day_cutoff : str | None
        On an early-close session (close before 16:00), no entries after this New York time.
    earnings_days_before, earnings_days_after : int | None
        No entries from this many calendar days before an earnings date of the underlying to
        this many after it (0 and 0: the earnings date itself); ``None`` turns it off.
    earnings_catalog : str | None
        Catalog holding Alpha Vantage ``EarningsEvent`` records (``tradefly ingest
        alphavantage``); the risk guard loads them at start.
    events : list[EventDay]
        Further blackout dates (FOMC, CPI ...) with the same days before and after as
        earnings (0 and 0 when earnings blackouts are off).

    """

    start: str = "09:30"
    end: str = "16:00"
    half_day_cutoff: str | None = None
    earnings_days_before: int | None = None
    earnings_days_after: int | None = None
    earnings_catalog: str | None = None
    events: list[EventDay] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        start, end = _clock("start", self.start), _clock("end", self.end)
        _clock("half_day_cutoff", self.half_day_cutoff)
        if start is not None and end is not None and start >= end:
            raise ValueError(f"trading_window.start {self.start} is not before end {self.end}")
        for name in ("earnings_days_before", "earnings_days_after"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"trading_window.{name} was {value!r}, not >= 0")
        for event in self.events:
            dt.date.fromisoformat(event.date)


@dataclass(frozen=True, slots=True)
class _Blackout:
    before: int
    after: int


def _minute(t: dt.time) -> dt.time:
    return t.replace(second=0, microsecond=0)


def check_window(
    config: TradingWindowConfig, proposal: EntryProposal, earnings: list[EventDay]
) -> Cap:
    """Return the whole quantity inside the window, else 0 with the reason.

    Parameters
    ----------
    config : TradingWindowConfig
        The window.
    proposal : EntryProposal
        The entry; its `ts_ns` is the time checked.
    earnings : list[EventDay]
        Earnings dates (all underlyings; those not yet known at `ts_ns` are ignored).

    """
    when = dt.datetime.fromtimestamp(proposal.ts_ns / 1e9, tz=NEW_YORK)
    day, clock = when.date(), _minute(when.time())
    reason = ""
    start, end = _clock("start", config.start), _clock("end", config.end)
    cutoff = _clock("half_day_cutoff", config.half_day_cutoff)
    if not is_session(day):
        reason = f"{day} is not a NYSE session"
    elif start is not None and end is not None and not start <= clock <= end:
        reason = f"{clock:%H:%M} New York is outside {config.start}-{config.end}"
    elif cutoff is not None and clock > cutoff and _is_half_day(day):
        reason = f"{day} closes early: no entries after {config.half_day_cutoff} New York"
    else:
        reason = _blackout_reason(config, proposal, day, earnings)
    if not reason:
        return Cap(proposal.quantity, "", RULE)
    return Cap(0, f"trading window: {reason}", RULE)


def _is_half_day(day: dt.date) -> bool:
    close = dt.datetime.fromtimestamp(session_close_ns(day) / 1e9, tz=NEW_YORK).time()
    return close < REGULAR_CLOSE


def _blackout_reason(
    config: TradingWindowConfig, proposal: EntryProposal, day: dt.date, earnings: list[EventDay]
) -> str:
    span = _Blackout(config.earnings_days_before or 0, config.earnings_days_after or 0)
    sources = [("event", config.events)]
    if config.earnings_days_before is not None or config.earnings_days_after is not None:
        sources.insert(0, ("earnings", earnings))
    for what, events in sources:
        for event in events:
            if event.underlying not in (proposal.underlying, "*"):
                continue
            if event.known_ns > proposal.ts_ns:
                continue
            date = dt.date.fromisoformat(event.date)
            if date - dt.timedelta(days=span.before) <= day <= date + dt.timedelta(days=span.after):
                return (
                    f"{what} of {proposal.underlying} on {event.date} (blackout {span.before} "
                    f"day(s) before, {span.after} after)"
                )
    return ""
