"""``tradefly ingest lean-minute`` on the real LEAN minute zips, read back through Nautilus.

Expected values are read by hand from the zips' CSVs (quoted in the comments): prices x10,000
(index bars in dollars), minutes since midnight New York (index bars: Central), each row
stamped at the end of its minute.
"""

import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from nautilus_trader.model.instruments import Equity, IndexInstrument, OptionContract
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from catalog.ingest import ingest_lean_minute
from catalog.lean_minute import detect_lean_layout, load_lean_minute
from tests.conftest import shared_data_path
from tradefly.cli import main

LEAN = "intraday/lean_minute"
SPXW_0104 = f"{LEAN}/indexoption/usa/minute/spxw/20210104_quote_european.zip"
SPXW_0104_TRADES = f"{LEAN}/indexoption/usa/minute/spxw/20210104_trade_european.zip.zip"
SPXW_0104_OI = f"{LEAN}/indexoption/usa/minute/spxw/20210104_openinterest_european.zip.zip"
SPX_0104 = f"{LEAN}/index/usa/minute/spx/20210104_trade.zip"


def _utc(text: str) -> int:
    return int(pd.Timestamp(text, tz="UTC").value)


def _paths(*relative: str) -> list[Path]:
    return [shared_data_path(r) for r in relative]


def test_spxw_day_with_its_index_bars(tmp_path: Path) -> None:
    files = _paths(SPXW_0104, SPXW_0104_TRADES, SPX_0104)
    report = ingest_lean_minute(tmp_path, files, show_progress=False)
    assert [(c.rows_read, c.rows_rejected) for c in report.file_counts] == [
        (4_565, 0),
        (1_918, 0),
        (411, 0),
    ]
    assert report.rows_written == 4_565 + 1_918 + 411
    assert report.instruments == 13  # 12 contracts and the SPX index
    assert not report.failures()

    catalog = ParquetDataCatalog(tmp_path)
    index = catalog.instruments(instrument_ids=["SPX.US"])[0]
    assert isinstance(index, IndexInstrument)
    contracts = [i for i in catalog.instruments() if isinstance(i, OptionContract)]
    assert {c.underlying for c in contracts} == {"SPX"}
    put = catalog.instruments(instrument_ids=["SPXW210104P03700000.US"])[0]
    assert put.expiration_ns == _utc("2021-01-04 21:00")  # PM-settled: the 16:00 close

    # index bar "30600000,3764.61,3769.99,3764.61,3766.63,59": 08:30 Central = 09:30 New York,
    # the session's first minute, stamped at its end (09:31 EST = 14:31 UTC), in dollars
    bars = catalog.bars(bar_types=["SPX.US-1-MINUTE-LAST-EXTERNAL"])
    assert len(bars) == 411
    assert bars[0].ts_event == _utc("2021-01-04 14:31")
    assert (str(bars[0].open), str(bars[0].close)) == ("3764.6100", "3766.6300")
    # "54000000,3701.17,3701.17,3700.65,3700.65,60": the 16:00 New York minute closes at the
    # official SPX close of 2021-01-04 (3700.65); the file runs to 15:20 Central
    close_minute = next(b for b in bars if b.ts_event == _utc("2021-01-04 21:01"))
    assert str(close_minute.close) == "3700.6500"
    # "53940000,3701.54,3702.02,3697.48,3701.38,60": the 15:59-16:00 minute
    last_regular = next(b for b in bars if b.ts_event == _utc("2021-01-04 21:00"))
    assert str(last_regular.close) == "3701.3800"
    assert bars[-1].ts_event == _utc("2021-01-04 21:21")

    # quote "34200000,3500,4000,3500,3500,463,5000,5500,5000,5000,272": 09:30-09:31 New York
    quotes = catalog.quote_ticks(instrument_ids=["SPXW210104P03700000.US"])
    first = quotes[0]
    assert first.ts_event == first.ts_init == _utc("2021-01-04 14:31")
    assert (str(first.bid_price), str(first.ask_price)) == ("0.35", "0.50")
    assert (int(first.bid_size), int(first.ask_size)) == (463, 272)
    # last row "57540000,7500,14500,6500,6500,47,10000,33000,7000,13000,2": 15:59-16:00
    assert quotes[-1].ts_event == _utc("2021-01-04 21:00")
    assert (str(quotes[-1].bid_price), str(quotes[-1].ask_price)) == ("0.65", "1.30")

    # trade "34200000,5000,5000,4200,4700,58" of the same put
    trades = catalog.bars(bar_types=["SPXW210104P03700000.US-1-MINUTE-LAST-EXTERNAL"])
    assert (str(trades[0].open), str(trades[0].close), int(trades[0].volume)) == (
        "0.50",
        "0.47",
        58,
    )

    again = ingest_lean_minute(tmp_path, files, show_progress=False)
    assert (again.rows_written, again.rows_already_present) == (0, report.rows_written)


@pytest.mark.parametrize(
    ("day", "read", "crossed"),
    [("20210106", 6_305, 7), ("20210107", 1_618, 1), ("20210108", 6_307, 48)],
)
def test_crossed_minute_quotes_are_rejected(day: str, read: int, crossed: int) -> None:
    path = shared_data_path(f"{LEAN}/indexoption/usa/minute/spxw/{day}_quote_european.zip")
    load = load_lean_minute(path)
    assert load.result.rows_read == read
    assert load.result.rejects.as_dict() == {"bid above ask": crossed}
    assert sum(len(part) for part in load.option_quotes) == read - crossed


def test_equity_chain_with_one_sided_quotes_and_stock_bars_in_daylight_time(
    tmp_path: Path,
) -> None:
    files = _paths(
        f"{LEAN}/option/usa/minute/twx/20140605_quote_american.zip",
        f"{LEAN}/equity/usa/minute/twx/20140605_quote.zip",
        f"{LEAN}/equity/usa/minute/twx/20140605_trade.zip",
    )
    report = ingest_lean_minute(tmp_path, files, show_progress=False)
    # 6,375 rows have a blank ask side: not a two-sided quote, so not stored
    assert report.rejected == {"no ask (blank or 0)": 6_375}
    assert [(c.rows_read, c.rows_rejected) for c in report.file_counts] == [
        (30_468, 6_375),
        (476, 0),
        (398, 0),
    ]
    assert report.rows_written == 30_468 - 6_375 + 476 + 398
    catalog = ParquetDataCatalog(tmp_path)
    stock = catalog.instruments(instrument_ids=["TWX.US"])[0]
    assert isinstance(stock, Equity)
    raw = zipfile.ZipFile(files[2]).read("20140605_twx_minute_trade.csv").decode().split()[0]
    ms, open_, high, low, close, volume = (int(v) for v in raw.split(","))
    bar = catalog.bars(bar_types=["TWX.US-1-MINUTE-LAST-EXTERNAL"])[0]
    start = pd.Timestamp("2014-06-05", tz="America/New_York") + pd.Timedelta(milliseconds=ms)
    assert bar.ts_event == (start + pd.Timedelta(minutes=1)).value  # EDT: UTC-4
    assert float(bar.open) == open_ / 10_000 and float(bar.close) == close / 10_000
    assert (float(bar.high), float(bar.low), int(bar.volume)) == (
        high / 10_000,
        low / 10_000,
        volume,
    )


def test_cli_summary_and_refused_open_interest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spy = _paths(
        f"{LEAN}/option/usa/minute/spy/20230803_quote_american.zip",
        f"{LEAN}/option/usa/minute/spy/20230803_trade_american.zip",
        f"{LEAN}/equity/usa/minute/spy/20230803_trade.zip",
    )
    args = ["ingest", "lean-minute", *map(str, spy), "--catalog", str(tmp_path / "c")]
    assert main([*args, "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "rows read                          2,757" in out
    assert "catalog rows written               2,757" in out

    oi = shared_data_path(SPXW_0104_OI)
    assert main(["ingest", "lean-minute", str(oi), "--catalog", str(tmp_path / "d")]) == 1
    err = capsys.readouterr().err
    assert "open-interest files are not ingested" in err
    assert "nothing was written" in err
    assert not (tmp_path / "d").exists()


def test_layout_from_the_folder_or_named(tmp_path: Path) -> None:
    source = shared_data_path(SPX_0104)
    assert detect_lean_layout(source) == "index-trade"
    moved = tmp_path / "spx-minute.zip"
    shutil.copy(source, moved)
    with pytest.raises(ValueError, match="pass --layout"):
        detect_lean_layout(moved)
    load = load_lean_minute(moved, layout="lean-index-trade")
    assert load.result.rows_read == 411
    assert isinstance(load.result.instruments["SPX.US"], IndexInstrument)


def _documented_layout_zip(path: Path, name: str, text: str) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(name, text)
    return path


def test_hostile_rows_are_counted_by_reason(tmp_path: Path) -> None:
    """A quote CSV written in the documented LEAN layout with one bad row of each kind."""
    folder = tmp_path / "option" / "usa" / "minute" / "spy"
    folder.mkdir(parents=True)
    rows = [
        "34200000,100,100,100,100,5,200,200,200,200,5",  # good
        "34200000,100,100,100,100,5,200,200,200,200,5",  # same minute again
        "34260000,100,100,100,100,5,200,200,200,200,5,9",  # a field too many
        "34320000,abc,100,100,100,5,200,200,200,200,5",  # text
        "34380000,-100,100,100,-100,5,200,200,200,200,5",  # negative bid
        "34440000,300,300,300,300,5,200,200,200,200,5",  # bid above ask
        "34500000,100,100,100,100,5,,,,,0",  # no ask
        "86400000,100,100,100,100,5,200,200,200,200,5",  # the next day
        "34560000,100,100,100,100,1.5,200,200,200,200,5",  # half a contract
        "34620000,,,,,0,200,200,200,200,5",  # no bid: a bid of 0, size 0
    ]
    path = _documented_layout_zip(
        folder / "20230803_quote_american.zip",
        "20230803_spy_minute_quote_american_put_4300000_20230901.csv",
        "\n".join(rows) + "\n",
    )
    load = load_lean_minute(path)
    assert load.result.rows_read == 10
    assert load.result.rejects.as_dict() == {
        "duplicate instrument and date in the input": 1,
        "malformed row (too few fields)": 1,
        "unparseable number": 2,
        "negative price": 1,
        "bid above ask": 1,
        "no ask (blank or 0)": 1,
        "time outside the day": 1,
    }
    (quotes,) = load.option_quotes
    assert quotes.bid.tolist() == [0.01, 0.0]
    assert quotes.bid_size.tolist() == [5.0, 0.0]


def test_a_day_that_is_not_a_session_and_an_expired_contract(tmp_path: Path) -> None:
    folder = tmp_path / "option" / "usa" / "minute" / "spy"
    folder.mkdir(parents=True)
    sunday = _documented_layout_zip(
        folder / "20230806_trade_american.zip",
        "20230806_spy_minute_trade_american_put_4300000_20230901.csv",
        "34200000,100,100,100,100,5\n34260000,100,100,100,100,5\n",
    )
    load = load_lean_minute(sunday)
    assert load.result.rejects.as_dict() == {"date is not a NYSE session": 2}
    expired = _documented_layout_zip(
        folder / "20230803_trade_american.zip",
        "20230803_spy_minute_trade_american_put_4300000_20230802.csv",
        "34200000,100,100,100,100,5\n",
    )
    assert load_lean_minute(expired).result.rejects.as_dict() == {"expiration before quote date": 1}
