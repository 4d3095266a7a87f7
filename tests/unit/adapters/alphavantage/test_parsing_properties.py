"""Property tests: on arbitrary input the parsers raise only the adapter's own errors.

Invariant: for any JSON document (or CSV text, or bytes), every decode-and-parse pipeline
either returns or raises an ``AlphaVantageError``; the vendor-body check does the same.
Excluded: nothing; structured strategies below also put arbitrary values into each
endpoint's real field names so the parsers are reached, not only the decoders.
"""

import contextlib
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.alphavantage.constants import AlphaVantageFunction
from adapters.alphavantage.errors import AlphaVantageError
from adapters.alphavantage.http.vendor_errors import check_body
from tests.unit.adapters.alphavantage.pipelines import CSV_PIPELINES, JSON_PIPELINES

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(
        [
            "None",
            "",
            "-",
            "null",
            "0.00",
            "1.5",
            "-3",
            "nan",
            "inf",
            "1e400",
            "2099-99-99",
            "2021-06-01",
            "20220914T141049",
            "call",
            "put",
            "SPY210618C00410000",
            "12%",
        ]
    ),
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
value_text = st.one_of(
    st.sampled_from(
        [
            "None",
            "",
            "-",
            "0.00",
            "1.50",
            "2.10",
            "-0.5",
            "nan",
            "abc",
            "7",
            "2021-06-01",
            "2021-06-18",
            "2099-99-99",
            "call",
            "put",
            "SPY",
            "SPY210618C00410000",
            "20220914T141049",
            "Bullish",
            "Somewhat_Bullish",
            "\x00",
            "A\x00B",
        ]
    ),
    st.text(max_size=10),
)
loose = st.one_of(value_text, st.none(), st.integers(), st.floats(allow_nan=False))


def records(fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional={name: loose for name in fields})


OPTION_FIELDS = [
    "contractID",
    "symbol",
    "expiration",
    "strike",
    "type",
    "last",
    "mark",
    "bid",
    "bid_size",
    "ask",
    "ask_size",
    "volume",
    "open_interest",
    "date",
    "implied_volatility",
    "delta",
    "gamma",
    "theta",
    "vega",
    "rho",
]
BAR_FIELDS = [
    "1. open",
    "2. high",
    "3. low",
    "4. close",
    "5. volume",
    "5. adjusted close",
    "6. volume",
    "7. dividend amount",
    "8. split coefficient",
]
STRUCTURED: dict[str, st.SearchStrategy[Any]] = {
    "HISTORICAL_OPTIONS": st.fixed_dictionaries(
        {
            "endpoint": st.just("Historical Options"),
            "message": st.just("success"),
            "data": st.lists(records(OPTION_FIELDS), max_size=5),
        }
    ),
    "TIME_SERIES_DAILY_ADJUSTED": st.fixed_dictionaries(
        {
            "Meta Data": st.fixed_dictionaries(
                {
                    "1. Information": value_text,
                    "2. Symbol": value_text,
                    "3. Last Refreshed": value_text,
                }
            ),
            "Time Series (Daily)": st.dictionaries(value_text, records(BAR_FIELDS), max_size=4),
        }
    ),
    "TIME_SERIES_INTRADAY": st.fixed_dictionaries(
        {
            "Meta Data": st.fixed_dictionaries(
                {
                    "1. Information": value_text,
                    "2. Symbol": value_text,
                    "3. Last Refreshed": value_text,
                    "4. Interval": st.sampled_from(["1min", "5min", "7min", ""]),
                }
            ),
            "Time Series (5min)": st.dictionaries(
                st.sampled_from(["2022-06-08 18:40:00", "2022-13-08 18:40:00", "x"]),
                records(BAR_FIELDS),
                max_size=3,
            ),
        }
    ),
    "NEWS_SENTIMENT": st.fixed_dictionaries(
        {
            "items": value_text,
            "feed": st.lists(
                st.fixed_dictionaries(
                    {
                        "title": value_text,
                        "url": value_text,
                        "time_published": value_text,
                        "source": value_text,
                        "overall_sentiment_score": loose,
                        "overall_sentiment_label": value_text,
                        "topics": st.lists(records(["topic", "relevance_score"]), max_size=2),
                        "ticker_sentiment": st.lists(
                            records(
                                [
                                    "ticker",
                                    "relevance_score",
                                    "ticker_sentiment_score",
                                    "ticker_sentiment_label",
                                ]
                            ),
                            max_size=2,
                        ),
                    }
                ),
                max_size=3,
            ),
        }
    ),
    "EARNINGS": st.fixed_dictionaries(
        {
            "symbol": value_text,
            "quarterlyEarnings": st.lists(
                records(
                    [
                        "fiscalDateEnding",
                        "reportedDate",
                        "reportedEPS",
                        "estimatedEPS",
                        "surprise",
                        "surprisePercentage",
                        "reportTime",
                    ]
                ),
                max_size=3,
            ),
        }
    ),
    "INCOME_STATEMENT": st.fixed_dictionaries(
        {
            "symbol": value_text,
            "annualReports": st.lists(
                records(["fiscalDateEnding", "reportedCurrency", "totalRevenue", "netIncome"]),
                max_size=3,
            ),
        }
    ),
    "OVERVIEW": records(["Symbol", "Name", "MarketCapitalization", "PERatio", "EPS", "Beta"]),
    "GLOBAL_QUOTE": st.fixed_dictionaries(
        {"Global Quote": records(["01. symbol", "05. price", "07. latest trading day"])}
    ),
    "MARKET_STATUS": st.fixed_dictionaries(
        {
            "markets": st.lists(
                records(
                    [
                        "market_type",
                        "region",
                        "primary_exchanges",
                        "local_open",
                        "local_close",
                        "current_status",
                    ]
                ),
                max_size=3,
            )
        }
    ),
}


def run_only_adapter_errors(pipeline: Any, body: bytes) -> None:
    with contextlib.suppress(AlphaVantageError):
        pipeline(body)


@pytest.mark.parametrize("function", sorted(JSON_PIPELINES))
@SETTINGS
@given(document=json_values)
def test_json_parsers_raise_only_adapter_errors(function: str, document: Any) -> None:
    run_only_adapter_errors(JSON_PIPELINES[function], json.dumps(document).encode())


@pytest.mark.parametrize("function", sorted(STRUCTURED))
@SETTINGS
@given(data=st.data())
def test_structured_documents_raise_only_adapter_errors(function: str, data: st.DataObject) -> None:
    document = data.draw(STRUCTURED[function])
    run_only_adapter_errors(JSON_PIPELINES[function], json.dumps(document).encode())


@pytest.mark.parametrize("function", sorted(CSV_PIPELINES))
@SETTINGS
@given(
    header=st.lists(
        st.sampled_from(
            [
                "timestamp",
                "open",
                "high",
                "low",
                "close",
                "volume",
                "adjusted_close",
                "dividend_amount",
                "split_coefficient",
                "symbol",
                "name",
                "reportDate",
                "fiscalDateEnding",
                "estimate",
                "currency",
                "exchange",
                "assetType",
                "ipoDate",
                "delistingDate",
                "status",
                "x",
            ]
        ),
        max_size=10,
    ),
    rows=st.lists(st.lists(value_text, max_size=10), max_size=4),
    raw=st.text(max_size=40),
)
def test_csv_parsers_raise_only_adapter_errors(
    function: str, header: list[str], rows: list[list[str]], raw: str
) -> None:
    lines = [",".join(header), *(",".join(row) for row in rows)]
    run_only_adapter_errors(CSV_PIPELINES[function], "\n".join(lines).encode())
    run_only_adapter_errors(CSV_PIPELINES[function], raw.encode())


@SETTINGS
@given(
    body=st.one_of(st.binary(max_size=64), json_values.map(lambda v: json.dumps(v).encode())),
    function=st.sampled_from(list(AlphaVantageFunction)),
    csv=st.booleans(),
)
def test_vendor_check_raises_only_adapter_errors(
    body: bytes, function: AlphaVantageFunction, csv: bool
) -> None:
    with contextlib.suppress(AlphaVantageError):
        check_body(body, function, csv=csv)


@pytest.mark.parametrize("ticker", ["\x00", "A\x00B", "", " ", "A B", "\ud800"])
def test_nul_and_odd_tickers_are_parse_errors_not_crashes(ticker: str) -> None:
    """A NUL in a ticker aborts Nautilus's Rust core; the parsers must refuse it first."""
    from adapters.alphavantage.errors import AlphaVantageParseError
    from adapters.alphavantage.parsing.values import ticker_id

    with pytest.raises(AlphaVantageParseError):
        ticker_id(ticker)
    body = json.dumps({"symbol": ticker, "annualReports": []}).encode()
    with pytest.raises(AlphaVantageParseError):
        JSON_PIPELINES["INCOME_STATEMENT"](body)
