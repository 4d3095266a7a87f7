"""A file with a header and no data rows makes every ingest command exit 1 with one line.

The headers are the first lines of the real files under ``../shared/data``.
"""

from pathlib import Path

import pytest

from tests.conftest import shared_data_path
from tradefly.cli import main

CASES = [
    ("eod-chains", "options_chains/lambdaclass_SPY_options_2021_prod_1y.csv", 1, []),
    ("eod-chains", "options_chains/ivolatility/spx_sample_ivolatility.csv", 1, []),
    (
        "option-bars",
        "options_chains/polygon_dayaggs_monthly/SPY/2021_options_pessimistic.csv",
        1,
        [],
    ),
    ("bars", "underlying_daily/yfinance_rjdabest/daily_SPY.csv", 1, ["--ticker", "SPY"]),
    ("bars", "underlying_daily/lambdaclass_SPY_daily_2021.csv", 1, []),
    ("bars", "underlying_daily/yfinance_taa_dashboard/SPY.csv", 4, ["--ticker", "SPY"]),
]


@pytest.mark.parametrize(("command", "source", "header_lines", "options"), CASES)
def test_header_only_file_exits_1_with_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    source: str,
    header_lines: int,
    options: list[str],
) -> None:
    lines = shared_data_path(source).read_text().splitlines()[:header_lines]
    header_only = tmp_path / f"header_only_{Path(source).name}"
    header_only.write_text("\n".join(lines) + "\n")
    catalog = tmp_path / "catalog"
    argv = ["ingest", command, str(header_only), *options, "--catalog", str(catalog)]
    assert main([*argv, "--no-progress"]) == 1
    assert capsys.readouterr().err == (
        f"tradefly ingest: error: {header_only}: no data rows after the header\n"
    )
