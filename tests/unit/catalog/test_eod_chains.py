"""EOD chain loader on the real lambdaclass SPY 2021 file and on crafted bad rows."""

import datetime as dt
from pathlib import Path

import pytest
from nautilus_trader.model.data import OptionGreeks, QuoteTick
from nautilus_trader.model.instruments import Equity, OptionContract

from catalog.eod_chains import EOD_QUOTE_SIZE, load_eod_chain
from catalog.validation import RejectReason
from options.market_calendar import session_close_ns
from tests.conftest import shared_data_path

CHAIN_2021 = "options_chains/lambdaclass_SPY_options_2021_prod_1y.csv"
HEADER = (
    "underlying,underlying_last,optionroot,type,expiration,quotedate,strike,last,bid,ask,"
    "volume,openinterest,impliedvol,delta,gamma,theta,vega,optionalias"
)
GOOD = (
    "SPY,371.33,SPY210129P00360000,put,2021-01-29,2021-01-05,360.0,4.34,4.33,4.36,7248,47579,"
    "0.23926,-0.29574,0.01516,-0.16367,0.32891,SPY210129P00360000"
)


def _row(**changes: str) -> str:
    fields = dict(zip(HEADER.split(","), GOOD.split(","), strict=True))
    fields.update(changes)
    return ",".join(fields.values())


# Crafted rows in the documented historicaloptiondata layout (no real capture has these faults).
CRAFTED_BAD_ROWS = {
    RejectReason.CROSSED_QUOTE: _row(bid="4.40", ask="4.36"),
    RejectReason.NEGATIVE_PRICE: _row(bid="-0.50"),
    RejectReason.MISSING_VALUE: _row(bid=""),
    RejectReason.EXPIRED_BEFORE_QUOTE_DATE: _row(
        optionroot="SPY210104P00360000", expiration="2021-01-04"
    ),
    # Neither the symbol nor the row's terms (type) make a contract.
    RejectReason.UNPARSEABLE_SYMBOL: _row(optionroot="SPY21012P360", type="straddle"),
    RejectReason.UNPARSEABLE_DATE: _row(quotedate="2021-13-45"),
    RejectReason.NON_SESSION: _row(quotedate="2021-01-09"),
    RejectReason.SYMBOL_MISMATCH: _row(strike="365.0"),
    RejectReason.UNPARSEABLE_NUMBER: _row(impliedvol="n/a"),
    RejectReason.MALFORMED_ROW: "SPY,371.33,SPY210129P00360000,put,2021-01-29",
    RejectReason.DUPLICATE_ROW: GOOD,
}


@pytest.fixture
def crafted_csv(tmp_path: Path) -> Path:
    path = tmp_path / "crafted_bad_rows_historicaloptiondata.csv"
    zero_bid = _row(optionroot="SPY210129P00300000", strike="300.0", bid="0", ask="0.02")
    lines = [HEADER, GOOD, "", *CRAFTED_BAD_ROWS.values(), zero_bid]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_crafted_bad_rows_are_rejected_and_counted(crafted_csv: Path) -> None:
    result = load_eod_chain(crafted_csv)

    assert result.rows_read == 1 + len(CRAFTED_BAD_ROWS) + 1  # the blank line is not a row
    for reason in CRAFTED_BAD_ROWS:
        assert result.rejects[reason] == 1, reason
    assert result.rejects.total == len(CRAFTED_BAD_ROWS)
    quotes = [d for d in result.data if isinstance(d, QuoteTick)]
    assert [(str(q.instrument_id), str(q.bid_price)) for q in quotes] == [
        ("SPY210129P00360000.US", "4.33"),
        ("SPY210129P00300000.US", "0.00"),  # a zero bid is valid
    ]
    assert sorted(result.instruments) == [
        "SPY.US",
        "SPY210129P00300000.US",
        "SPY210129P00360000.US",
    ]


def test_quote_and_greeks_of_a_known_row(crafted_csv: Path) -> None:
    result = load_eod_chain(crafted_csv)
    quote, greeks = result.data[0], result.data[1]
    close = session_close_ns(dt.date(2021, 1, 5))

    assert isinstance(quote, QuoteTick)
    assert (str(quote.bid_price), str(quote.ask_price)) == ("4.33", "4.36")
    assert quote.bid_size.as_double() == quote.ask_size.as_double() == EOD_QUOTE_SIZE
    assert quote.ts_event == quote.ts_init == close
    assert isinstance(greeks, OptionGreeks)
    assert (greeks.delta, greeks.gamma, greeks.theta, greeks.vega) == (
        -0.29574,
        0.01516,
        -0.16367,
        0.32891,
    )
    assert greeks.rho == 0.0
    assert greeks.mark_iv == greeks.bid_iv == greeks.ask_iv == 0.23926
    assert greeks.underlying_price == 371.33
    assert greeks.open_interest == 47579.0
    assert greeks.ts_event == greeks.ts_init == close
    option = result.instruments["SPY210129P00360000.US"]
    assert isinstance(option, OptionContract)
    assert option.underlying == "SPY"
    assert isinstance(result.instruments["SPY.US"], Equity)


def test_unknown_header_names_the_expected_columns(tmp_path: Path) -> None:
    path = tmp_path / "crafted_wrong_header.csv"
    path.write_text("symbol,date,bid,ask\nSPY,2021-01-05,1,2\n")
    with pytest.raises(ValueError, match=r"historicaloptiondata: underlying,underlying_last"):
        load_eod_chain(path)
    with pytest.raises(ValueError, match="layout was 'orats'"):
        load_eod_chain(path, layout="orats")


def test_empty_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(ValueError, match="file was empty"):
        load_eod_chain(path)


def test_real_2021_chain_file() -> None:
    result = load_eod_chain(shared_data_path(CHAIN_2021))

    assert result.rows_read == 5040
    assert result.rejects.as_dict() == {RejectReason.CROSSED_QUOTE.value: 17}
    accepted = 5040 - 17
    assert sum(isinstance(d, QuoteTick) for d in result.data) == accepted
    assert sum(isinstance(d, OptionGreeks) for d in result.data) == accepted
    options = [i for i in result.instruments.values() if isinstance(i, OptionContract)]
    assert len(options) == len(result.instruments) - 1
    assert all(q.bid_price <= q.ask_price for q in result.data if isinstance(q, QuoteTick))
    sessions = {d.ts_init for d in result.data}
    assert len(sessions) == 252  # every quote sits at one of the year's 252 session closes


def test_unparseable_symbol_takes_its_contract_from_the_row(tmp_path: Path) -> None:
    # A vendor symbol with a 10-digit strike field: crafted in the documented layout.
    path = tmp_path / "ten_digit_strike_symbols.csv"
    rows = [
        _row(optionroot="SPY210129P0000360000"),
        _row(optionroot="SPY210129P0000365000", strike="365.0", quotedate="2021-01-05"),
    ]
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    result = load_eod_chain(path)
    assert result.rejects.total == 0
    assert sorted(result.instruments) == [
        "SPY.US",
        "SPY210129P00360000.US",
        "SPY210129P00365000.US",
    ]


def test_saturday_dated_symbol_agrees_with_friday_expiration(tmp_path: Path) -> None:
    # Pre-2015 monthlies: OCC symbol dated Saturday, expiration column the Friday before.
    path = tmp_path / "saturday_symbol.csv"
    row = _row(optionroot="SPY210130P00360000", expiration="2021-01-29")
    path.write_text("\n".join([HEADER, row]) + "\n")
    result = load_eod_chain(path)
    assert result.rejects.total == 0
    option = result.instruments["SPY210130P00360000.US"]
    assert isinstance(option, OptionContract)
    assert option.expiration_ns == session_close_ns(dt.date(2021, 1, 29))
