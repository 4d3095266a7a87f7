"""Custom catalog data types for Alpha Vantage research data (``@customdataclass``).

Each record is stamped with the instant it became known (``ts_init``; ``ts_event`` as each
class states), so a replay cannot see it early. Nautilus custom data supports scalars, ``str``
and ``dict`` fields only: missing numbers are ``nan`` and lists become dicts or strings.
Construct with keyword arguments (``ts_event``/``ts_init`` included).
"""

from typing import TYPE_CHECKING

from nautilus_trader.core.data import Data
from nautilus_trader.model.identifiers import InstrumentId

if TYPE_CHECKING:
    from dataclasses import dataclass as customdataclass
else:
    from nautilus_trader.model.custom import customdataclass


@customdataclass
class CorporateAction(Data):  # type: ignore[misc]
    """A dividend or split from TIME_SERIES_DAILY_ADJUSTED, stamped at that session's close.

    Parameters
    ----------
    instrument_id : InstrumentId
        The underlying, e.g. ``AAPL.US``.
    ex_date : str
        The session (``YYYY-MM-DD``) on which the vendor reports the event.
    dividend_amount : float
        The cash dividend in dollars per share (0 if none).
    split_coefficient : float
        New shares per old share (1 if none; 4.0 for a 4-for-1 split).
    adjusted_close : float
        The vendor's split- and dividend-adjusted close of that session, dollars per share.

    """

    instrument_id: InstrumentId
    ex_date: str
    dividend_amount: float
    split_coefficient: float
    adjusted_close: float
    if TYPE_CHECKING:
        ts_event: int = 0
        ts_init: int = 0


@customdataclass
class NewsSentiment(Data):  # type: ignore[misc]
    """One article's sentiment towards one ticker (NEWS_SENTIMENT).

    ``ts_event`` is the publication instant; ``ts_init`` the instant it became known (the
    publication instant for history, the receive time when polled live).

    Parameters
    ----------
    instrument_id : InstrumentId
        The ticker on venue ``US`` (e.g. ``AAPL.US``; ``CRYPTO:BTC.US`` for prefixed tickers).
    title : str
        The headline.
    url : str
        The article address.
    source : str
        The publisher, e.g. ``Benzinga``.
    relevance : float
        The article's relevance to the ticker, 0 to 1.
    score : float
        The ticker sentiment score (≤ -0.35 bearish, ≥ 0.35 bullish).
    label : str
        ``Bearish``, ``Somewhat-Bearish``, ``Neutral``, ``Somewhat-Bullish`` or ``Bullish``
        (the vendor's ``_`` spelling normalised to ``-``).
    overall_score : float
        The article's overall sentiment score.
    overall_label : str
        The article's overall label (same vocabulary).
    topics : dict
        Topic name (title case, as served) to relevance, 0 to 1.

    """

    instrument_id: InstrumentId
    title: str
    url: str
    source: str
    relevance: float
    score: float
    label: str
    overall_score: float
    overall_label: str
    topics: dict  # type: ignore[type-arg]
    if TYPE_CHECKING:
        ts_event: int = 0
        ts_init: int = 0


@customdataclass
class CompanyOverview(Data):  # type: ignore[misc]
    """A fundamentals snapshot (OVERVIEW), stamped when it was fetched.

    The vendor serves only the current snapshot, so it is known from the fetch instant on.

    Parameters
    ----------
    instrument_id : InstrumentId
        The company, e.g. ``IBM.US``.
    name : str
        The company name.
    asset_type : str
        E.g. ``Common Stock``.
    sector : str
        The sector as served.
    industry : str
        The industry as served.
    latest_quarter : str
        The last fiscal quarter end (``YYYY-MM-DD``) the snapshot reflects.
    market_capitalization : float
        Dollars (``nan`` if missing).
    pe_ratio : float
        Price over trailing EPS (``nan`` if missing).
    eps : float
        Trailing EPS, dollars per share (``nan`` if missing).
    dividend_yield : float
        As a decimal (``nan`` if missing).
    beta : float
        The vendor's beta (``nan`` if missing).
    values : dict
        Every numeric field as served, name to number or ``None``.

    """

    instrument_id: InstrumentId
    name: str
    asset_type: str
    sector: str
    industry: str
    latest_quarter: str
    market_capitalization: float
    pe_ratio: float
    eps: float
    dividend_yield: float
    beta: float
    values: dict  # type: ignore[type-arg]
    if TYPE_CHECKING:
        ts_event: int = 0
        ts_init: int = 0


@customdataclass
class FinancialStatement(Data):  # type: ignore[misc]
    """One report of INCOME_STATEMENT, BALANCE_SHEET or CASH_FLOW.

    Stamped at the instant the numbers became public: the earnings release of that fiscal
    period when EARNINGS gives one, else the SEC filing deadline (see
    :func:`adapters.alphavantage.parsing.fundamentals.statement_known_ns`).

    Parameters
    ----------
    instrument_id : InstrumentId
        The company, e.g. ``IBM.US``.
    statement : str
        ``income``, ``balance`` or ``cash_flow``.
    period : str
        ``annual`` or ``quarterly``.
    fiscal_date_ending : str
        The fiscal period end, ``YYYY-MM-DD``.
    reported_currency : str
        E.g. ``USD``.
    values : dict
        Every field as served, name to number (currency units) or ``None``.

    """

    instrument_id: InstrumentId
    statement: str
    period: str
    fiscal_date_ending: str
    reported_currency: str
    values: dict  # type: ignore[type-arg]
    if TYPE_CHECKING:
        ts_event: int = 0
        ts_init: int = 0


@customdataclass
class EarningsEvent(Data):  # type: ignore[misc]
    """An earnings release: reported (EARNINGS) or scheduled (EARNINGS_CALENDAR).

    A reported event is stamped when the release became public; a scheduled one when the
    calendar was fetched (the schedule is only known from then on).

    Parameters
    ----------
    instrument_id : InstrumentId
        The company, e.g. ``IBM.US``.
    status : str
        ``reported`` or ``scheduled``.
    fiscal_date_ending : str
        The fiscal quarter end, ``YYYY-MM-DD``.
    report_date : str
        The (expected) release date, ``YYYY-MM-DD``.
    report_time : str
        ``pre-market``, ``post-market`` or ``""`` when unknown.
    reported_eps : float
        Dollars per share (``nan`` when scheduled or missing).
    estimated_eps : float
        The consensus estimate, dollars per share (``nan`` if missing).
    surprise : float
        Reported minus estimated EPS, dollars per share (``nan`` if missing).
    surprise_percentage : float
        The surprise in percent of the estimate (``nan`` if missing).
    currency : str
        The currency of the EPS figures (``""`` when not served).

    """

    instrument_id: InstrumentId
    status: str
    fiscal_date_ending: str
    report_date: str
    report_time: str
    reported_eps: float
    estimated_eps: float
    surprise: float
    surprise_percentage: float
    currency: str
    if TYPE_CHECKING:
        ts_event: int = 0
        ts_init: int = 0
