"""Run summary, terminal table and report files (summary.json, trades.csv, report.html)."""

import csv
import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from actors.records import ClosePoint, EquityPoint, TradeRecord
from tradefly.backtest.html_report import DRAWDOWN_CHART_ID, EQUITY_CHART_ID, TRADES_CHART_ID
from tradefly.backtest.metrics import max_drawdown, sharpe_ratio, ulcer_index
from tradefly.backtest.report import (
    EQUITY_COLUMNS,
    EQUITY_FILE,
    HTML_FILE,
    LEG_COLUMNS,
    LEGS_FILE,
    SUMMARY_FILE,
    SYNTHETIC_BANNER,
    TRADE_COLUMNS,
    TRADES_FILE,
    format_summary_table,
    one_line_summary,
    summary_dict,
    write_report,
)
from tradefly.backtest.results import BacktestResult

SUMMARY_KEYS = {
    "run_id",
    "config_name",
    "synthetic",
    "n_trades",
    "n_assigned",
    "premium_collected",
    "fees",
    "realized_pnl",
    "starting_balance",
    "ending_balance",
    "max_drawdown",
    "max_drawdown_usd",
    "sharpe",
    "sortino",
    "ulcer_index",
    "total_return",
    "trades",
}


def _close_ns(day: str) -> int:
    # 16:00 New York in January (EST) is 21:00 UTC.
    return int(pd.Timestamp(f"{day} 21:00", tz="UTC").value)


def _trades() -> list[TradeRecord]:
    return [
        TradeRecord(
            entry_time="2024-01-02T21:00:00.001000Z",
            symbol="SPY240119P00470000",
            side="SELL",
            quantity=1,
            entry_price=2.15,
            exit_time="2024-01-19T21:00:00.000000Z",
            exit_reason="expired",
            exit_price=0.0,
            pnl=213.655,  # cents half up: 213.66
            fees=1.305,  # binary round() would give 1.3; cents half up: 1.31
        ),
        TradeRecord(
            entry_time="2024-01-03T21:00:00.001000Z",
            symbol="SPY240119P00465000",
            side="SELL",
            quantity=2,
            entry_price=1.8,
            exit_time="2024-01-10T21:00:00.001000Z",
            exit_reason="stop_loss",
            exit_price=3.6000000000000001,
            pnl=-362.6,
            fees=2.6,
        ),
        TradeRecord(
            entry_time="2024-01-05T21:00:00.001000Z",
            symbol="SPY240216P00460000",
            side="SELL",
            quantity=1,
            entry_price=3.1,
            exit_time=None,
            exit_reason="open",
            exit_price=None,
            pnl=0.0,
            fees=1.3,
        ),
    ]


def _result(**changes: object) -> BacktestResult:
    fields: dict[str, object] = {
        "run_id": "wheel-spy-20240102",
        "config_name": "wheel_spy",
        "synthetic": True,
        "starting_balance": 100_000.0,
        "ending_balance": 99_845.123,
        "premium_collected": 880.0,
        "fees": 5.205,
        "realized_pnl": -148.945,
        "n_trades": 3,
        "n_assigned": 0,
        "equity_curve": [
            EquityPoint(_close_ns("2024-01-02"), 100_000.0),
            EquityPoint(_close_ns("2024-01-03"), 100_200.0),
            EquityPoint(_close_ns("2024-01-04"), 99_700.0),
            EquityPoint(_close_ns("2024-01-05"), 100_100.0),
            EquityPoint(_close_ns("2024-01-08"), 99_900.0),
        ],
        "trades": _trades(),
        "underlying": "SPY",
        "n_legs": 3,
        "underlying_closes": [
            ClosePoint(_close_ns(day), close)
            for day, close in [
                ("2024-01-02", 470.0),
                ("2024-01-03", 468.0),
                ("2024-01-04", 467.0),
                ("2024-01-05", 469.0),
                ("2024-01-08", 474.0),
            ]
        ],
        "run_info": {"catalog": "/catalog"},
    }
    fields.update(changes)
    return BacktestResult(**fields)  # type: ignore[arg-type]


# --- summary_dict ----------------------------------------------------------------------------


def test_summary_has_the_documented_keys_and_values():
    result = _result()
    summary = summary_dict(result)
    assert summary.keys() >= SUMMARY_KEYS
    assert summary["run_id"] == "wheel-spy-20240102"
    assert summary["config_name"] == "wheel_spy"
    assert summary["synthetic"] is True
    assert summary["n_trades"] == 3
    assert summary["n_assigned"] == 0
    assert summary["starting_balance"] == 100_000.0
    assert summary["ending_balance"] == 99_845.12
    assert summary["fees"] == 5.21  # 5.205 half up
    assert summary["realized_pnl"] == -148.95  # -148.945 half up (away from zero)
    assert summary["premium_collected"] == 880.0
    assert summary["ending_equity"] == 99_900.0
    assert summary["start_date"] == "2024-01-02"
    assert summary["end_date"] == "2024-01-08"
    # Running peak 100,200 then 99,700: the deepest fall is $500.
    assert summary["max_drawdown"] == pytest.approx(500.0 / 100_200.0)
    assert summary["max_drawdown"] == max_drawdown(result.equity_curve)
    assert summary["max_drawdown_usd"] == 500.0
    assert summary["total_return"] == pytest.approx(99_900.0 / 100_000.0 - 1.0)
    returns = [
        100_200 / 100_000 - 1,
        99_700 / 100_200 - 1,
        100_100 / 99_700 - 1,
        99_900 / 100_100 - 1,
    ]
    assert summary["sharpe"] == pytest.approx(sharpe_ratio(returns))
    assert isinstance(summary["sortino"], float)
    assert summary["ulcer_index"] == pytest.approx(ulcer_index(result.equity_curve))


def test_summary_trades_round_money_and_keep_open_fields_null():
    trades = summary_dict(_result())["trades"]
    assert [list(trade) for trade in trades] == [[*TRADE_COLUMNS, "legs"]] * 3
    assert [list(leg) for t in trades for leg in t["legs"]] == [list(LEG_COLUMNS)] * 3
    assert trades[0]["legs"] == [
        {
            "trade": 1,
            "entry_time": "2024-01-02T21:00:00.001000Z",
            "symbol": "SPY240119P00470000",
            "side": "SELL",
            "quantity": 1,
            "entry_price": 2.15,
            "exit_time": "2024-01-19T21:00:00.000000Z",
            "exit_reason": "expired",
            "exit_price": 0.0,
            "pnl": 213.66,
            "fees": 1.31,
        }
    ]
    assert trades[0]["structure"] == "short put"
    assert trades[0]["credit"] == 215.0
    assert trades[0]["dte"] == 17
    assert trades[1]["legs"][0]["exit_price"] == 3.6
    assert trades[2]["exit_time"] is None
    assert trades[2]["legs"][0]["exit_price"] is None


def test_summary_has_figures_benchmark_periods_breakdowns_and_run():
    summary = summary_dict(_result())
    figures = summary["figures"]
    assert figures["win_rate"] == 0.5  # closed: +213.66 and -362.60; the open trade not counted
    assert figures["profit_factor"] == pytest.approx(213.655 / 362.6)
    assert figures["expectancy"] == pytest.approx((213.655 - 362.6) / 2, abs=0.01)
    assert figures["fees"] == 5.21
    assert summary["benchmark"]["total_return"] == pytest.approx(474.0 / 470.0 - 1)
    assert list(summary["monthly_returns"]) == ["2024-01"]
    assert summary["monthly_returns"]["2024-01"] == pytest.approx(99_900 / 100_000 - 1)
    assert [row["group"] for row in summary["breakdowns"]["exit_reason"]] == [
        "expired",
        "stop_loss",
    ]
    assert summary["run"] == {"catalog": "/catalog"}
    assert "buy-and-hold 0.85 %" in one_line_summary(summary)


def test_summary_nan_becomes_none_and_serialises_as_null():
    result = _result(
        equity_curve=[EquityPoint(_close_ns("2024-01-02"), 100_000.0)],
        realized_pnl=math.nan,
    )
    summary = summary_dict(result)
    assert summary["sharpe"] is None
    assert summary["sortino"] is None
    assert summary["realized_pnl"] is None
    assert summary["max_drawdown"] == 0.0
    text = json.dumps(summary, allow_nan=False)
    assert "NaN" not in text
    assert '"sharpe": null' in text


def test_summary_of_an_empty_curve_falls_back_to_the_ending_balance():
    summary = summary_dict(_result(equity_curve=[], trades=[]))
    assert summary["ending_equity"] is None
    assert summary["start_date"] is None
    assert summary["max_drawdown"] is None
    assert summary["max_drawdown_usd"] is None
    assert summary["ulcer_index"] is None
    assert summary["total_return"] == pytest.approx(99_845.123 / 100_000.0 - 1.0)
    assert summary["trades"] == []


def test_summary_rejects_a_malformed_curve():
    points = _result().equity_curve
    with pytest.raises(ValueError, match="strictly increasing"):
        summary_dict(_result(equity_curve=list(reversed(points))))


# --- format_summary_table --------------------------------------------------------------------


def test_table_shows_synthetic_banner_key_figures_and_trades():
    table = format_summary_table(summary_dict(_result()))
    lines = table.splitlines()
    assert "SYNTHETIC DATA" in "\n".join(lines[:3])
    assert "$99,845.12" in table
    assert "-$148.95" in table  # realized P&L
    assert "-0.10 %" in table  # total return
    assert "0.50 % ($500.00)" in table  # max drawdown
    assert "Trades (3)" in table
    header = next(line for line in lines if line.lstrip().startswith("#"))
    trade_lines = [line for line in lines if "SPY2" in line]
    assert len(trade_lines) == 3
    for line in trade_lines:  # fixed width: symbols start under the header's "symbol"
        assert line.index("SPY2") == header.index("symbol")
    assert "stop_loss" in trade_lines[1]
    assert "-362.60" in trade_lines[1]
    assert trade_lines[2].count(" - ") >= 1  # open trade: no exit date or price


def test_table_of_real_data_has_no_banner_and_handles_nulls():
    summary = summary_dict(_result(synthetic=False, equity_curve=[], trades=[]))
    table = format_summary_table(summary)
    assert "SYNTHETIC" not in table
    assert "n/a" in table
    assert "(no trades)" in table


def test_table_accepts_the_summary_read_back_from_json():
    summary = summary_dict(_result())
    assert format_summary_table(json.loads(json.dumps(summary))) == format_summary_table(summary)


# --- write_report ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[BacktestResult, Path]:
    result = _result()
    return result, write_report(result, tmp_path_factory.mktemp("reports"))


def test_write_report_creates_the_run_folder_and_files(written):
    result, run_dir = written
    assert run_dir.name == result.run_id
    assert {path.name for path in run_dir.iterdir()} == {
        SUMMARY_FILE,
        TRADES_FILE,
        LEGS_FILE,
        EQUITY_FILE,
        HTML_FILE,
        "journal.csv",
        "journal.parquet",
    }


def test_summary_json_round_trips(written):
    result, run_dir = written
    loaded = json.loads((run_dir / SUMMARY_FILE).read_text(encoding="utf-8"))
    assert loaded == summary_dict(result)


def test_trades_csv_has_one_row_per_trade(written):
    result, run_dir = written
    with (run_dir / TRADES_FILE).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert tuple(reader.fieldnames or ()) == TRADE_COLUMNS
    assert len(rows) == len(result.trades)
    assert rows[0]["symbols"] == "SPY240119P00470000"
    assert float(rows[0]["pnl"]) == 213.66
    assert rows[2]["exit_time"] == ""


def test_legs_and_equity_csv(written):
    result, run_dir = written
    with (run_dir / LEGS_FILE).open(newline="", encoding="utf-8") as handle:
        legs = list(csv.DictReader(handle))
    assert [row["trade"] for row in legs] == ["1", "2", "3"]
    assert legs[2]["exit_price"] == ""
    with (run_dir / EQUITY_FILE).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        equity = list(reader)
    assert tuple(reader.fieldnames or ()) == EQUITY_COLUMNS
    assert [row["time"] for row in equity][:2] == [
        "2024-01-02T21:00:00.000000Z",
        "2024-01-03T21:00:00.000000Z",
    ]
    assert [float(row["equity"]) for row in equity] == [p.equity for p in result.equity_curve]
    assert equity[0]["underlying_close"] == ""
    assert float(equity[1]["underlying_close"]) == 468.0


def test_report_html_is_self_contained_with_plots_and_banner(written):
    _, run_dir = written
    page = (run_dir / HTML_FILE).read_text(encoding="utf-8")
    for chart_id in (EQUITY_CHART_ID, DRAWDOWN_CHART_ID, TRADES_CHART_ID):
        assert f'<svg id="{chart_id}"' in page
    assert SYNTHETIC_BANNER in page
    assert "<script" not in page
    assert not re.search(r"<link\b", page)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "$99,845.12" in page  # key figures table
    assert "buy-and-hold SPY" in page
    assert ">$100,000<" in page or ">$99,9" in page  # dollar axis ticks
    assert "%</text>" in page  # percent axis ticks


def test_report_html_without_synthetic_banner_for_real_data(tmp_path):
    page = (write_report(_result(synthetic=False), tmp_path) / HTML_FILE).read_text("utf-8")
    assert SYNTHETIC_BANNER not in page
    assert 'class="banner' not in page


def test_report_html_escapes_text(tmp_path):
    hostile = "<script>alert(1)</script>"
    trades = [
        TradeRecord(
            "2024-01-02T21:00:00.001000Z", hostile, "SELL", 1, 1.0, None, "open", None, 0.0, 0.0
        )
    ]
    result = _result(config_name=hostile, trades=trades)
    page = (write_report(result, tmp_path) / HTML_FILE).read_text("utf-8")
    assert hostile not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_write_report_with_nan_metrics_and_no_trades(tmp_path):
    result = _result(equity_curve=[], trades=[], realized_pnl=math.nan)
    run_dir = write_report(result, tmp_path)
    loaded = json.loads((run_dir / SUMMARY_FILE).read_text("utf-8"))
    assert loaded["realized_pnl"] is None
    assert loaded["sharpe"] is None
    assert (run_dir / TRADES_FILE).read_text("utf-8").splitlines() == [",".join(TRADE_COLUMNS)]
    assert "No equity curve." in (run_dir / HTML_FILE).read_text("utf-8")


def test_write_report_replaces_an_earlier_run_and_leaves_no_temporary_files(tmp_path):
    write_report(_result(), tmp_path)
    run_dir = write_report(_result(n_trades=7), tmp_path)
    assert json.loads((run_dir / SUMMARY_FILE).read_text("utf-8"))["n_trades"] == 7
    assert not list(run_dir.glob("*.tmp"))


@pytest.mark.parametrize("run_id", ["", ".", "..", "../escape", "a/b", "a\\b"])
def test_write_report_rejects_run_ids_that_are_not_folder_names(tmp_path, run_id):
    with pytest.raises(ValueError, match="run_id was not a plain folder name"):
        write_report(_result(run_id=run_id), tmp_path)
    assert not list(tmp_path.iterdir())


def test_axis_ticks_are_dollars_and_percent():
    from charts.svg import dollars, percent

    assert dollars(985_120.4) == "$985,120"
    assert dollars(-350.0) == "-$350"
    assert dollars(12_345_678.0) == "$12.35M"
    assert percent(-0.015) == "-1.50%"
    assert percent(0.25) == "25.0%"
