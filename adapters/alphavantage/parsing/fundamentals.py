"""Fundamentals to custom data: OVERVIEW snapshots, statements and earnings events.

When a number became public decides its stamp:

- an earnings release (EARNINGS ``reportedDate``): before the open (``pre-market``) it is
  known at that session's open; otherwise (``post-market`` or not stated) at the next
  session's open;
- a statement: at the release of the same fiscal period when EARNINGS lists one, else at the
  open after the SEC filing deadline of the slowest filer class (45 days after a quarter,
  90 days after a fiscal year; SEC Form 10-Q and 10-K general instructions);
- an OVERVIEW snapshot or an EARNINGS_CALENDAR schedule: when it was fetched.
"""

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from adapters.alphavantage.data_types import (
    CompanyOverview,
    EarningsEvent,
    FinancialStatement,
)
from adapters.alphavantage.errors import AlphaVantageParseError
from adapters.alphavantage.parsing.values import (
    Rejection,
    float_or_nan,
    optional_float,
    parse_date,
    session_open_on_or_after_ns,
    ticker_id,
)
from adapters.alphavantage.schemas.fundamentals import (
    OVERVIEW_NUMERIC_FIELDS,
    EarningsCalendarRow,
    EarningsResponse,
    OverviewResponse,
    QuarterlyEarnings,
    StatementResponse,
)

STATEMENT_KINDS: Final = {
    "INCOME_STATEMENT": "income",
    "BALANCE_SHEET": "balance",
    "CASH_FLOW": "cash_flow",
}
"""Vendor function to the ``statement`` value of :class:`FinancialStatement`."""

QUARTERLY_FILING_DAYS: Final = 45
ANNUAL_FILING_DAYS: Final = 90
_IDENTITY_FIELDS = frozenset({"fiscalDateEnding", "reportedCurrency"})
_PRE_MARKET = "pre-market"


@dataclass(slots=True)
class Parsed[T]:
    """Records parsed from one reply, oldest first, and the refused rows.

    Parameters
    ----------
    records : list
        The records.
    rejected : list[Rejection]
        Rows refused, with reasons.

    """

    records: list[T] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


def release_known_ns(report_date: dt.date, report_time: str | None) -> int:
    """Return when an earnings release on `report_date` is known to the market (UNIX ns).

    Raises
    ------
    AlphaVantageParseError
        If the date lies outside the NYSE calendar.

    """
    pre_market = (report_time or "").strip().lower() == _PRE_MARKET
    return session_open_on_or_after_ns(report_date, strictly_after=not pre_market)


def statement_known_ns(
    fiscal_date_ending: dt.date, period: str, releases: Mapping[dt.date, int]
) -> int:
    """Return when a statement for `fiscal_date_ending` became public (UNIX ns).

    Parameters
    ----------
    fiscal_date_ending : datetime.date
        The period end.
    period : str
        ``annual`` or ``quarterly``.
    releases : Mapping[datetime.date, int]
        Known instants of earnings releases by fiscal period end (see
        :func:`earnings_release_times`).

    """
    known = releases.get(fiscal_date_ending)
    if known is not None:
        return known
    days = ANNUAL_FILING_DAYS if period == "annual" else QUARTERLY_FILING_DAYS
    deadline = fiscal_date_ending + dt.timedelta(days=days)
    return session_open_on_or_after_ns(deadline, strictly_after=True)


def earnings_release_times(response: EarningsResponse) -> dict[dt.date, int]:
    """Return the instant each fiscal quarter's release became known, by period end.

    Quarters with a missing or invalid date are left out.
    """
    releases: dict[dt.date, int] = {}
    for quarter in response.quarterlyEarnings:
        try:
            releases[parse_date(quarter.fiscalDateEnding)] = _quarter_known_ns(quarter)
        except AlphaVantageParseError:
            continue
    return releases


def parse_overview(response: OverviewResponse, ts_init: int) -> CompanyOverview | None:
    """Parse an OVERVIEW reply into a snapshot stamped at `ts_init` (the fetch time).

    Returns
    -------
    CompanyOverview or None
        ``None`` for the vendor's ``{}`` (unknown symbol or ETF).

    Raises
    ------
    AlphaVantageParseError
        If a numeric field holds text that is not a number or a missing-value spelling.

    """
    overview = response.overview
    if overview is None:
        return None
    values = {
        name: optional_float(response.fields.get(name))
        for name in OVERVIEW_NUMERIC_FIELDS
        if name in response.fields
    }
    return CompanyOverview(
        instrument_id=ticker_id(overview.Symbol),
        name=overview.Name or "",
        asset_type=overview.AssetType or "",
        sector=overview.Sector or "",
        industry=overview.Industry or "",
        latest_quarter=overview.LatestQuarter or "",
        market_capitalization=_nan(values.get("MarketCapitalization")),
        pe_ratio=_nan(values.get("PERatio")),
        eps=_nan(values.get("EPS")),
        dividend_yield=_nan(values.get("DividendYield")),
        beta=_nan(values.get("Beta")),
        values=values,
        ts_event=ts_init,
        ts_init=ts_init,
    )


def parse_statements(
    response: StatementResponse,
    function: str,
    releases: Mapping[dt.date, int] | None = None,
) -> Parsed[FinancialStatement]:
    """Parse INCOME_STATEMENT, BALANCE_SHEET or CASH_FLOW into one record per report.

    Parameters
    ----------
    response : StatementResponse
        The decoded reply.
    function : str
        The vendor function (decides the ``statement`` value).
    releases : Mapping[datetime.date, int], optional
        Earnings release instants by fiscal period end (:func:`earnings_release_times`).

    Returns
    -------
    Parsed[FinancialStatement]

    Raises
    ------
    AlphaVantageParseError
        If `function` is not a statement function.

    """
    kind = STATEMENT_KINDS.get(function)
    if kind is None:
        raise AlphaVantageParseError(f"statement function was {function!r}")
    instrument_id = ticker_id(response.symbol)
    parsed: Parsed[FinancialStatement] = Parsed()
    for period, reports in (
        ("annual", response.annualReports),
        ("quarterly", response.quarterlyReports),
    ):
        for report in reports:
            key = f"{period} {report.get('fiscalDateEnding')}"
            try:
                fiscal = parse_date(report.get("fiscalDateEnding"), "fiscalDateEnding")
                values = {
                    name: optional_float(value)
                    for name, value in report.items()
                    if name not in _IDENTITY_FIELDS
                }
                known = statement_known_ns(fiscal, period, releases or {})
            except AlphaVantageParseError as exc:
                parsed.rejected.append(Rejection(key, str(exc)))
                continue
            parsed.records.append(
                FinancialStatement(
                    instrument_id=instrument_id,
                    statement=kind,
                    period=period,
                    fiscal_date_ending=fiscal.isoformat(),
                    reported_currency=report.get("reportedCurrency") or "",
                    values=values,
                    ts_event=known,
                    ts_init=known,
                )
            )
    parsed.records.sort(key=lambda record: record.ts_init)
    return parsed


def parse_earnings(response: EarningsResponse) -> Parsed[EarningsEvent]:
    """Parse EARNINGS quarters into reported events stamped when each became known.

    Quarters without a ``reportedDate`` are rejected (their release time is unknown).
    """
    instrument_id = ticker_id(response.symbol)
    parsed: Parsed[EarningsEvent] = Parsed()
    for quarter in response.quarterlyEarnings:
        try:
            fiscal = parse_date(quarter.fiscalDateEnding, "fiscalDateEnding")
            report_date = parse_date(quarter.reportedDate, "reportedDate")
            known = release_known_ns(report_date, quarter.reportTime)
            event = EarningsEvent(
                instrument_id=instrument_id,
                status="reported",
                fiscal_date_ending=fiscal.isoformat(),
                report_date=report_date.isoformat(),
                report_time=quarter.reportTime or "",
                reported_eps=float_or_nan(quarter.reportedEPS),
                estimated_eps=float_or_nan(quarter.estimatedEPS),
                surprise=float_or_nan(quarter.surprise),
                surprise_percentage=float_or_nan(quarter.surprisePercentage),
                currency="",
                ts_event=known,
                ts_init=known,
            )
        except AlphaVantageParseError as exc:
            parsed.rejected.append(Rejection(quarter.fiscalDateEnding, str(exc)))
            continue
        parsed.records.append(event)
    parsed.records.sort(key=lambda record: record.ts_init)
    return parsed


def parse_earnings_calendar(rows: list[EarningsCalendarRow], ts_init: int) -> Parsed[EarningsEvent]:
    """Parse EARNINGS_CALENDAR rows into scheduled events stamped at `ts_init` (fetch time)."""
    parsed: Parsed[EarningsEvent] = Parsed()
    for row in rows:
        try:
            event = EarningsEvent(
                instrument_id=ticker_id(row.symbol),
                status="scheduled",
                fiscal_date_ending=parse_date(row.fiscalDateEnding).isoformat(),
                report_date=parse_date(row.reportDate, "reportDate").isoformat(),
                report_time=(row.timeOfTheDay or "").strip(),
                reported_eps=math.nan,
                estimated_eps=float_or_nan(row.estimate),
                surprise=math.nan,
                surprise_percentage=math.nan,
                currency=row.currency.strip(),
                ts_event=ts_init,
                ts_init=ts_init,
            )
        except (AlphaVantageParseError, ValueError) as exc:
            parsed.rejected.append(Rejection(f"{row.symbol} {row.reportDate}", str(exc)))
            continue
        parsed.records.append(event)
    return parsed


def _quarter_known_ns(quarter: QuarterlyEarnings) -> int:
    report_date = parse_date(quarter.reportedDate, "reportedDate")
    return release_known_ns(report_date, quarter.reportTime)


def _nan(value: float | None) -> float:
    return math.nan if value is None else value
