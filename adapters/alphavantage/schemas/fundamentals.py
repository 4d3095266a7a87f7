"""Fundamentals: OVERVIEW, EARNINGS, EARNINGS_CALENDAR (CSV) and the three statements.

The vendor adds, renames and misspells statement and overview fields over time (e.g.
``otherNonCurrrentAssets``), so those members are kept as name-to-string mappings, exactly
as served; the identity fields they must carry are typed structs.
"""

from typing import Final

import msgspec

from adapters.alphavantage.schemas.decoding import convert, decode_csv, decode_json

OVERVIEW_NUMERIC_FIELDS: Final = (
    "MarketCapitalization",
    "EBITDA",
    "PERatio",
    "PEGRatio",
    "BookValue",
    "DividendPerShare",
    "DividendYield",
    "EPS",
    "RevenuePerShareTTM",
    "ProfitMargin",
    "OperatingMarginTTM",
    "ReturnOnAssetsTTM",
    "ReturnOnEquityTTM",
    "RevenueTTM",
    "GrossProfitTTM",
    "DilutedEPSTTM",
    "QuarterlyEarningsGrowthYOY",
    "QuarterlyRevenueGrowthYOY",
    "AnalystTargetPrice",
    "AnalystRatingStrongBuy",
    "AnalystRatingBuy",
    "AnalystRatingHold",
    "AnalystRatingSell",
    "AnalystRatingStrongSell",
    "TrailingPE",
    "ForwardPE",
    "PriceToSalesRatioTTM",
    "PriceToBookRatio",
    "EVToRevenue",
    "EVToEBITDA",
    "Beta",
    "52WeekHigh",
    "52WeekLow",
    "50DayMovingAverage",
    "200DayMovingAverage",
    "SharesOutstanding",
)
"""Documented numeric OVERVIEW fields (strings holding numbers, ``"None"`` when missing)."""


class Overview(msgspec.Struct, frozen=True):
    """The identity fields of an OVERVIEW reply (the numeric ones stay in the mapping)."""

    Symbol: str
    AssetType: str | None = None
    Name: str | None = None
    Exchange: str | None = None
    Currency: str | None = None
    Sector: str | None = None
    Industry: str | None = None
    FiscalYearEnd: str | None = None
    LatestQuarter: str | None = None


class OverviewResponse(msgspec.Struct, frozen=True):
    """An OVERVIEW reply: identity fields plus every field as served.

    ``overview`` is ``None`` for the vendor's ``{}`` (unknown symbol or an ETF).
    """

    overview: Overview | None
    fields: dict[str, str | None]


class AnnualEarnings(msgspec.Struct, frozen=True):
    """One fiscal year of EARNINGS."""

    fiscalDateEnding: str  # noqa: N815 (vendor field name)
    reportedEPS: str | None = None  # noqa: N815


class QuarterlyEarnings(msgspec.Struct, frozen=True):
    """One fiscal quarter of EARNINGS; ``reportTime`` is a newer field."""

    fiscalDateEnding: str  # noqa: N815 (vendor field name)
    reportedDate: str | None = None  # noqa: N815
    reportedEPS: str | None = None  # noqa: N815
    estimatedEPS: str | None = None  # noqa: N815
    surprise: str | None = None
    surprisePercentage: str | None = None  # noqa: N815
    reportTime: str | None = None  # noqa: N815


class EarningsResponse(msgspec.Struct, frozen=True):
    """EARNINGS JSON."""

    symbol: str
    annualEarnings: list[AnnualEarnings] = msgspec.field(default_factory=list)  # noqa: N815
    quarterlyEarnings: list[QuarterlyEarnings] = msgspec.field(  # noqa: N815
        default_factory=list
    )


class EarningsCalendarRow(msgspec.Struct, frozen=True):
    """One row of the EARNINGS_CALENDAR CSV; ``timeOfTheDay`` is a newer column."""

    symbol: str
    name: str
    reportDate: str  # noqa: N815 (vendor column name)
    fiscalDateEnding: str  # noqa: N815
    estimate: str
    currency: str
    timeOfTheDay: str | None = None  # noqa: N815


class StatementResponse(msgspec.Struct, frozen=True):
    """INCOME_STATEMENT, BALANCE_SHEET or CASH_FLOW JSON: reports as field-to-string maps.

    Each report carries ``fiscalDateEnding`` and ``reportedCurrency`` plus the statement's
    fields (see the vendor documentation; the set changes over time).
    """

    symbol: str
    annualReports: list[dict[str, str | None]] = msgspec.field(  # noqa: N815
        default_factory=list
    )
    quarterlyReports: list[dict[str, str | None]] = msgspec.field(  # noqa: N815
        default_factory=list
    )


_OVERVIEW = msgspec.json.Decoder(dict[str, str | None])
_EARNINGS = msgspec.json.Decoder(EarningsResponse)
_STATEMENT = msgspec.json.Decoder(StatementResponse)


def decode_overview(body: bytes | str) -> OverviewResponse:
    """Decode OVERVIEW JSON; ``{}`` gives an empty response.

    Raises
    ------
    AlphaVantageParseError
        If the body is not a flat object of strings or lacks ``Symbol``.

    """
    fields = decode_json(body, _OVERVIEW, "OVERVIEW")
    if not fields:
        return OverviewResponse(overview=None, fields={})
    return OverviewResponse(overview=convert(fields, Overview, "OVERVIEW"), fields=fields)


def decode_earnings(body: bytes | str) -> EarningsResponse:
    """Decode EARNINGS JSON (raises ``AlphaVantageParseError``)."""
    return decode_json(body, _EARNINGS, "EARNINGS")


def decode_earnings_calendar(body: bytes | str) -> list[EarningsCalendarRow]:
    """Decode the EARNINGS_CALENDAR CSV by header (raises ``AlphaVantageParseError``)."""
    return decode_csv(body, EarningsCalendarRow, "EARNINGS_CALENDAR")


def decode_statement(body: bytes | str, function: str) -> StatementResponse:
    """Decode INCOME_STATEMENT, BALANCE_SHEET or CASH_FLOW JSON.

    Raises
    ------
    AlphaVantageParseError
        If the body does not match the layout.

    """
    return decode_json(body, _STATEMENT, function)
