"""LEAN option universe files (real SPY and SPX files from the LEAN repository)."""

import datetime as dt
from pathlib import Path

import pytest
from nautilus_trader.model.data import Bar, OptionGreeks
from nautilus_trader.model.instruments import Equity, IndexInstrument, OptionContract

from catalog.lean_universe import universe_of
from catalog.option_bars import load_option_bars
from catalog.validation import RejectReason
from options.market_calendar import expiration_open_ns, session_close_ns
from tests.conftest import shared_data_path

SPY = "options_chains/lean_universes/spy/{day}.csv"
SPX = "options_chains/lean_universes/spx/{day}.csv"
# Rows read (the underlying's row included) and rows rejected, per SPY file.
SPY_COUNTS = {
    "20231228": (23, 0),
    "20231229": (15, 0),
    "20240102": (19, 0),
    "20240103": (22, 0),
    "20240104": (37, 0),
    "20240105": (20, 1),  # a theta field reads -0.0009296.0025941 in the file
    "20240108": (21, 0),
    "20240109": (24, 0),
}


@pytest.mark.parametrize("day", sorted(SPY_COUNTS))
def test_every_spy_universe_row_is_written_or_counted(day: str) -> None:
    loaded = load_option_bars(shared_data_path(SPY.format(day=day)))

    read, rejected = SPY_COUNTS[day]
    assert (loaded.rows_read, loaded.rejects.total) == (read, rejected)
    bars = [d for d in loaded.data if isinstance(d, Bar)]
    assert len(bars) == read - rejected  # one per option row, plus the underlying's
    contracts = [i for i in loaded.instruments.values() if isinstance(i, OptionContract)]
    assert len(contracts) == read - rejected - 1


def test_spy_rows_become_a_bar_greeks_and_the_underlying_bar() -> None:
    loaded = load_option_bars(shared_data_path(SPY.format(day="20231228")))

    close = session_close_ns(dt.date(2023, 12, 28))
    assert isinstance(loaded.instruments["SPY.US"], Equity)
    underlying, first, *_ = (d for d in loaded.data if isinstance(d, Bar))
    # ,,,476.8100,477.5300,476.2600,476.6900,59498271
    assert str(underlying) == (
        f"SPY.US-1-DAY-LAST-EXTERNAL,476.8100,477.5300,476.2600,476.6900,59498271,{close}"
    )
    # 20231229,270,C,206.7850,208.0850,205.9000,206.6100,46,47,0.0000001,1,0,0,0,0
    # (LEAN's 4 decimals rounded half-even to cents)
    assert str(first) == (
        f"SPY231229C00270000.US-1-DAY-LAST-EXTERNAL,206.78,208.08,205.90,206.61,46,{close}"
    )
    greeks = next(d for d in loaded.data if isinstance(d, OptionGreeks))
    assert greeks.instrument_id.value == "SPY231229C00270000.US"
    assert (greeks.delta, greeks.mark_iv, greeks.open_interest) == (1.0, 1e-7, 47.0)
    assert greeks.underlying_price == 476.69
    assert greeks.ts_event == close
    rows_without_open_interest = [
        g for g in loaded.data if isinstance(g, OptionGreeks) and g.open_interest is None
    ]
    assert rows_without_open_interest  # the blank field stays unknown, not 0


def test_spx_universe_builds_cash_settled_am_contracts_without_an_underlying_bar() -> None:
    loaded = load_option_bars(shared_data_path(SPX.format(day="20151222")))

    assert (loaded.rows_read, loaded.rejects.total) == (233, 0)
    assert isinstance(loaded.instruments["SPX.US"], IndexInstrument)
    contract = loaded.instruments["SPX160115C01975000.US"]
    assert isinstance(contract, OptionContract)
    assert contract.underlying == "SPX"
    assert contract.expiration_ns == expiration_open_ns(dt.date(2016, 1, 15))  # AM-settled
    bars = [d for d in loaded.data if isinstance(d, Bar)]
    assert len(bars) == 233
    assert all(b.bar_type.instrument_id.value != "SPX.US" for b in bars)
    # 20160115,1975,C,...,0.1793074,0.7701806,0.0032812,1.5657520,-0.6416950,0.9553907
    greeks = next(
        d for d in loaded.data if isinstance(d, OptionGreeks) and d.instrument_id == contract.id
    )
    assert (greeks.delta, greeks.vega, greeks.theta, greeks.mark_iv) == pytest.approx(
        (0.7701806, 1.5657520, -0.6416950, 0.1793074)
    )
    assert greeks.underlying_price is None


def test_the_path_names_root_and_session(tmp_path: Path) -> None:
    assert universe_of(Path("data/option/usa/universes/spy/20231228.csv")) == (
        "SPY",
        dt.date(2023, 12, 28),
    )
    stray = tmp_path / "spy" / "chain.csv"
    stray.parent.mkdir()
    stray.write_text(
        "#expiry,strike,right,open,high,low,close,volume,open_interest,implied_volatility,"
        "delta,gamma,vega,theta,rho\n20240119,400,C,1,1,1,1,0,,0.2,0.5,0,0,0,0\n"
    )
    with pytest.raises(ValueError, match=r"named <root>/<yyyyMMdd>\.csv"):
        load_option_bars(stray)


def test_expired_rows_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "spy" / "20240105.csv"
    path.parent.mkdir()
    path.write_text(
        "#expiry,strike,right,open,high,low,close,volume,open_interest,implied_volatility,"
        "delta,gamma,vega,theta,rho\n"
        "20240104,400,C,1,1,1,1,0,,0.2,0.5,0,0,0,0\n"
        "20240119,400,X,1,1,1,1,0,,0.2,0.5,0,0,0,0\n"
        "20240119,400,C,1,1,1,1,0,,,,,,,\n"
    )
    loaded = load_option_bars(path, layout="lean-universe")
    assert loaded.rejects.as_dict() == {
        RejectReason.EXPIRED_BEFORE_QUOTE_DATE.value: 1,
        RejectReason.UNPARSEABLE_SYMBOL.value: 1,
    }
    assert [type(d).__name__ for d in loaded.data] == ["Bar"]  # no IV: no greeks
