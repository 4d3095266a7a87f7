"""Option chains in the documented layout (no real capture exists): catalog shape and faults."""

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.instruments import OptionContract

from adapters.alphavantage.constants import DEFAULT_QUOTE_SIZE
from adapters.alphavantage.errors import AlphaVantageEntitlementError
from adapters.alphavantage.http.vendor_errors import check_body
from adapters.alphavantage.parsing.options import ContractCache, parse_options
from adapters.alphavantage.schemas.options import decode_options
from options.market_calendar import expiration_close_ns, session_close_ns

FIXTURES = Path(__file__).parent / "fixtures"
JUNE_1 = dt.date(2021, 6, 1)


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def historical(day: str) -> dict[str, Any]:
    return load(f"documented_layout_historical_options_SPY_{day}.json")


def parse(data: dict[str, Any], **kwargs: Any) -> Any:
    body = json.dumps(data).encode()
    check_body(body, "HISTORICAL_OPTIONS", csv=False)
    return parse_options(decode_options(body), **kwargs)


def test_historical_chain_builds_catalog_shape() -> None:
    chain = parse(historical("2021-06-01"), session=JUNE_1)
    assert chain.rows == 12 and not chain.rejected and chain.unquoted == 0
    assert len(chain.instruments) == len(chain.quotes) == len(chain.greeks) == 12
    close = session_close_ns(JUNE_1)
    contract = chain.instruments[0]
    assert isinstance(contract, OptionContract)
    assert contract.id.value == "SPY210618C00410000.US"
    assert contract.underlying == "SPY"
    assert contract.option_kind == OptionKind.CALL
    assert contract.strike_price.as_double() == 410.0
    assert contract.multiplier.as_double() == 100
    assert contract.expiration_ns == expiration_close_ns(dt.date(2021, 6, 18))
    quote = chain.quotes[0]
    assert quote.instrument_id == contract.id
    assert (quote.bid_price.as_double(), quote.ask_price.as_double()) == (11.31, 11.42)
    assert (quote.bid_size.as_double(), quote.ask_size.as_double()) == (14, 8)
    assert quote.ts_event == quote.ts_init == close
    greeks = chain.greeks[0]
    assert greeks.instrument_id == contract.id
    assert greeks.mark_iv == pytest.approx(0.14387)
    assert greeks.delta == pytest.approx(0.77848)
    assert greeks.theta == pytest.approx(-0.11435)
    assert greeks.open_interest == 2230
    assert greeks.ts_event == greeks.ts_init == close


def test_one_sided_quotes_and_default_sizes() -> None:
    chain = parse(historical("2021-06-02"), session=dt.date(2021, 6, 2))
    assert not chain.rejected
    assert chain.unquoted == 1  # ask 0.00: no offer, no quote
    assert len(chain.quotes) == 11 and len(chain.greeks) == 12
    no_bid = next(q for q in chain.quotes if q.bid_price.as_double() == 0)
    assert no_bid.bid_size.as_double() == DEFAULT_QUOTE_SIZE

    data = historical("2021-06-01")
    for row in data["data"]:
        del row["bid_size"], row["ask_size"]
    sizes = {q.bid_size.as_double() for q in parse(data).quotes}
    assert sizes == {DEFAULT_QUOTE_SIZE}


def test_contract_cache_builds_each_contract_once() -> None:
    cache = ContractCache()
    first = parse(historical("2021-06-01"), cache=cache)
    second = parse(historical("2021-06-02"), cache=cache)
    assert len(first.instruments) == 12 and second.instruments == []
    assert len(second.greeks) == 12 and len(cache) == 12


def test_rows_of_another_session_are_rejected() -> None:
    chain = parse(historical("2021-06-01"), session=dt.date(2021, 6, 2))
    assert len(chain.rejected) == 12
    assert chain.instruments == chain.quotes == chain.greeks == []
    assert "not the session requested" in chain.rejected[0].reason


def test_realtime_chain_is_stamped_at_receive_time() -> None:
    ts = 1_622_830_000_000_000_000
    chain = parse(load("documented_layout_realtime_options_SPY.json"), ts_init=ts)
    assert len(chain.quotes) == 12 and {q.ts_init for q in chain.quotes} == {ts}
    no_greeks = parse(load("documented_layout_realtime_options_SPY_no_greeks.json"), ts_init=ts)
    assert len(no_greeks.quotes) == 12 and no_greeks.greeks == [] and not no_greeks.rejected


def test_premium_sample_rows_are_refused_and_unparseable() -> None:
    body = (FIXTURES / "documented_layout_realtime_options_premium_sample_rows.json").read_bytes()
    with pytest.raises(AlphaVantageEntitlementError):
        check_body(body, "REALTIME_OPTIONS", csv=False)
    chain = parse_options(decode_options(body))
    assert len(chain.rejected) == 1 and chain.instruments == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"bid": "3.00", "ask": "2.00"}, "crossed"),
        ({"bid": "-0.05"}, "negative"),
        ({"contractID": "NOT-AN-OCC"}, "OCC"),
        ({"strike": "415.00"}, "disagreed"),
        ({"expiration": "2021-06-25"}, "disagreed"),
        ({"type": "straddle"}, "call or put"),
        ({"implied_volatility": "nan"}, "finite"),
        ({"delta": "abc"}, "not a number"),
        ({"bid_size": "1.5"}, "whole"),
        ({"date": "2021-13-45"}, "date"),
        ({"date": "2021-06-05"}, "session"),
        ({"date": "2021-06-21"}, "before the date"),
    ],
)
def test_malformed_row_is_rejected_alone(change: dict[str, str], reason: str) -> None:
    data = historical("2021-06-01")
    bad = copy.deepcopy(data["data"][0])
    bad.update(change)
    data["data"][0] = bad
    chain = parse(data)
    assert [r.key for r in chain.rejected] == [bad["contractID"]]
    assert reason in chain.rejected[0].reason
    assert len(chain.instruments) == len(chain.greeks) == 11
    assert all(q.instrument_id.symbol.value != bad["contractID"] for q in chain.quotes)


def test_duplicate_contract_is_rejected() -> None:
    data = historical("2021-06-01")
    data["data"].append(copy.deepcopy(data["data"][3]))
    chain = parse(data)
    assert len(chain.rejected) == 1 and "twice" in chain.rejected[0].reason
    assert len(chain.quotes) == 12


def test_missing_values_mean_absent() -> None:
    data = historical("2021-06-01")
    data["data"][0]["rho"] = "None"
    data["data"][1]["gamma"] = "-"
    chain = parse(data)
    assert not chain.rejected
    assert chain.greeks[0].rho == 0.0
    assert len(chain.greeks) == 11  # a row without gamma has no greeks record
