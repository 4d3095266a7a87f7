"""``tradefly catalog`` on a catalog of real LEAN minute files with gaps in its sessions.

Ingested: SPXW minute quotes of 2021-01-04 (12 contracts, 4,565 rows) and 2021-01-06
(16 contracts, 6,305 rows of which 7 crossed), SPX minute bars of 2021-01-04 and 2021-01-14
(411 each). Counted by hand from the zips: 20 distinct contracts (8 are in both days'
files), expirations 01-04, 01-06, 01-08, 01-11 and 01-13; the bars miss the 7 NYSE sessions
01-05..01-13 (01-09/10 are a weekend), the quotes miss 01-05.
"""

from pathlib import Path

import pytest

from tests.conftest import shared_data_path
from tradefly.cli import main

LEAN = "intraday/lean_minute"
FILES = (
    f"{LEAN}/indexoption/usa/minute/spxw/20210104_quote_european.zip",
    f"{LEAN}/indexoption/usa/minute/spxw/20210106_quote_european.zip",
    f"{LEAN}/index/usa/minute/spx/20210104_trade.zip",
    f"{LEAN}/index/usa/minute/spx/20210114_trade.zip",
)


def test_catalog_says_what_it_holds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = tmp_path / "catalog"
    files = [str(shared_data_path(f)) for f in FILES]
    assert main(["ingest", "lean-minute", *files, "--catalog", str(catalog), "--no-progress"]) == 0
    capsys.readouterr()

    assert main(["catalog", str(catalog)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:4] == [
        f"catalog: {catalog}",
        "instruments: IndexInstrument 1, OptionContract 20",
        "underlying SPX (IndexInstrument)",
        "  options: 20 (calls 10, puts 10), 5 expirations 2021-01-04..2021-01-13",
    ]
    assert lines[4] == (
        "  bar 1-MINUTE-LAST (underlying): 822 rows, 1 ids, 2021-01-04..2021-01-14, "
        "2 sessions, 7 missing; missing: 2021-01-05, 2021-01-06, 2021-01-07, 2021-01-08, "
        "2021-01-11 and 2 more"
    )
    assert lines[5] == (
        "  quote_tick (options): 10,863 rows, 20 ids, 2021-01-04..2021-01-06, 2 sessions, "
        "1 missing; missing: 2021-01-05"
    )


def test_catalog_that_does_not_exist_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalog", str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path / 'nowhere'}: catalog folder not found\n"
