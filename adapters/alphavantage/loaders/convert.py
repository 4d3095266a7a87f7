"""Replies to catalog objects, per vendor function, with the context one reply gives another.

Daily closes feed the ``underlying_price`` of the same session's option greeks; EARNINGS
release dates stamp the statements. :class:`ReplyConverter` keeps both while a run goes on.
"""

import datetime as dt
from dataclasses import dataclass, field

from nautilus_trader.core.data import Data
from nautilus_trader.model.instruments import Instrument

from adapters.alphavantage.constants import AlphaVantageFunction as Fn
from adapters.alphavantage.loaders.plan import NEWS_PAGE_LIMIT, PlannedCall
from adapters.alphavantage.parsing.bars import parse_daily_adjusted
from adapters.alphavantage.parsing.fundamentals import (
    earnings_release_times,
    parse_earnings,
    parse_earnings_calendar,
    parse_overview,
    parse_statements,
)
from adapters.alphavantage.parsing.news import parse_news_sentiment
from adapters.alphavantage.parsing.options import ContractCache, parse_option_columns
from adapters.alphavantage.parsing.values import Rejection
from adapters.alphavantage.schemas.fundamentals import (
    decode_earnings,
    decode_earnings_calendar,
    decode_overview,
    decode_statement,
)
from adapters.alphavantage.schemas.news import decode_news_sentiment
from adapters.alphavantage.schemas.options import decode_options
from adapters.alphavantage.schemas.time_series import decode_daily_adjusted
from catalog.nautilus_tables import OptionQuoteColumns
from options.instruments import make_equity
from options.market_calendar import session_of_ns, sessions_between


@dataclass(slots=True)
class Converted:
    """Catalog objects from one reply.

    Parameters
    ----------
    objects : list[Instrument | Data]
        Instruments and data to write.
    rejected : list[Rejection]
        Vendor rows refused.
    gaps : list[str]
        Missing data noticed (e.g. a session without a chain).
    next_page : str
        For NEWS_SENTIMENT, the ``time_from`` of a further page when this one was full.
    option_rows : OptionQuoteColumns, optional
        For HISTORICAL_OPTIONS, the chain's quotes and greeks, column-wise.

    """

    objects: list[Instrument | Data] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    next_page: str = ""
    option_rows: OptionQuoteColumns | None = None


class ReplyConverter:
    """Turn replies into catalog objects for one ingest range.

    Parameters
    ----------
    start, end : datetime.date
        The range requested (series are clipped to it; gaps are sought in it).

    """

    def __init__(self, start: dt.date, end: dt.date) -> None:
        self.start = start
        self.end = end
        self.contracts = ContractCache()
        self._closes: dict[tuple[str, dt.date], float] = {}
        self._releases: dict[str, dict[dt.date, int]] = {}

    def convert(self, call: PlannedCall, body: bytes, fetched_ns: int) -> Converted:
        """Return the catalog objects of the reply `body` to `call`.

        Raises
        ------
        AlphaVantageParseError
            If the reply as a whole does not match its layout.

        """
        match call.function:
            case Fn.TIME_SERIES_DAILY_ADJUSTED:
                return self._daily(call, body)
            case Fn.HISTORICAL_OPTIONS:
                return self._options(call, body)
            case Fn.NEWS_SENTIMENT:
                return self._news(call, body)
            case Fn.EARNINGS:
                return self._earnings(call, body)
            case Fn.EARNINGS_CALENDAR:
                parsed = parse_earnings_calendar(decode_earnings_calendar(body), fetched_ns)
                return Converted(list(parsed.records), parsed.rejected)
            case Fn.OVERVIEW:
                overview = parse_overview(decode_overview(body), fetched_ns)
                if overview is None:
                    return Converted(gaps=[f"{call.symbol}: OVERVIEW was empty (ETF or unknown)"])
                return Converted([overview])
            case Fn.INCOME_STATEMENT | Fn.BALANCE_SHEET | Fn.CASH_FLOW:
                statements = parse_statements(
                    decode_statement(body, call.function),
                    call.function,
                    self._releases.get(call.symbol),
                )
                return Converted(list(statements.records), statements.rejected)
        raise ValueError(f"function was not one the ingest handles: {call.function}")

    def _daily(self, call: PlannedCall, body: bytes) -> Converted:
        daily = parse_daily_adjusted(decode_daily_adjusted(body), call.symbol, self.start, self.end)
        have = set()
        for bar in daily.bars:
            day = session_of_ns(bar.ts_event)
            have.add(day)
            self._closes[(call.symbol, day)] = bar.close.as_double()
        gaps = [
            f"{call.symbol} {day}: no daily bar"
            for day in sessions_between(self.start, self.end)
            if day not in have
        ]
        objects: list[Instrument | Data] = [make_equity(call.symbol)]
        objects += daily.bars + daily.adjusted_bars + daily.actions
        return Converted(objects, daily.rejected, gaps)

    def _options(self, call: PlannedCall, body: bytes) -> Converted:
        session = call.session
        price = self._closes.get((call.symbol, session)) if session is not None else None
        chain = parse_option_columns(
            decode_options(body), session=session, cache=self.contracts, underlying_price=price
        )
        objects: list[Instrument | Data] = [make_equity(call.symbol), *chain.instruments]
        rows = chain.columns
        gaps = []
        if not rows.quoted.any() and not rows.has_greeks.any():
            gaps.append(f"{call.symbol} {session}: no option chain ({chain.rows} rows served)")
        return Converted(objects, chain.rejected, gaps, option_rows=rows)

    def _news(self, call: PlannedCall, body: bytes) -> Converted:
        response = decode_news_sentiment(body)
        batch = parse_news_sentiment(response)
        next_page = ""
        gaps = []
        if len(response.feed) >= NEWS_PAGE_LIMIT:
            last = max(article.time_published for article in response.feed)[:13]
            if last > dict(call.params).get("time_from", ""):
                next_page = last
            else:
                gaps.append(f"{call.symbol} news: over {NEWS_PAGE_LIMIT} articles in {last}")
        return Converted(list(batch.records), batch.rejected, gaps, next_page)

    def _earnings(self, call: PlannedCall, body: bytes) -> Converted:
        response = decode_earnings(body)
        self._releases[call.symbol] = earnings_release_times(response)
        parsed = parse_earnings(response)
        return Converted(list(parsed.records), parsed.rejected)
