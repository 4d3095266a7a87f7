"""report.html in headless Chromium at phone and desktop sizes.

Debian's ``chromium`` (``apt-get install -y chromium``) driven by Playwright through
``executable_path``; Playwright downloads no browser. Without ``/usr/bin/chromium`` the test
skips, unless ``TRADEFLY_REQUIRE_SHARED_DATA=1`` (then it fails).
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from actors.records import ClosePoint, EquityPoint, TradeRecord
from tradefly.backtest.html_report import (
    DRAWDOWN_CHART_ID,
    EQUITY_CHART_ID,
    FIGURES_TABLE_ID,
    TRADES_CHART_ID,
    TRADES_TABLE_ID,
)
from tradefly.backtest.report import HTML_FILE, write_report
from tradefly.backtest.results import BacktestResult

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = [(390, 844), (1280, 800)]


def _result() -> BacktestResult:
    days = pd.bdate_range("2024-01-02", periods=260, tz="America/New_York") + pd.Timedelta(hours=16)
    closes = [470.0 + 10 * (i % 17) - 3 * (i % 5) for i in range(len(days))]
    equity = [1_000_000.0 + 900 * (i % 23) - 400 * (i % 7) for i in range(len(days))]
    trades = []
    for i in range(0, 240, 5):
        entry, exit_ = days[i].tz_convert("UTC"), days[i + 15].tz_convert("UTC")
        expiry = days[i + 15].strftime("%y%m%d")
        trades.append(
            TradeRecord(
                entry.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                f"SPY{expiry}P00470000",
                "SELL",
                1,
                3.15,
                exit_.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "expired" if i % 3 else "stop_loss",
                0.0,
                314.35 if i % 3 else -420.65,
                0.65,
            )
        )
    return BacktestResult(
        run_id="browser-check",
        config_name="spy_weekly_put_with_a_rather_long_config_name",
        synthetic=False,
        starting_balance=1_000_000.0,
        ending_balance=equity[-1],
        premium_collected=15_120.0,
        fees=31.2,
        realized_pnl=sum(t.pnl for t in trades),
        n_trades=len(trades),
        n_assigned=0,
        equity_curve=[
            EquityPoint(d.value + 2_000_000, e) for d, e in zip(days, equity, strict=True)
        ],
        trades=trades,
        underlying="SPY",
        n_legs=len(trades),
        underlying_closes=[ClosePoint(d.value, c) for d, c in zip(days, closes, strict=True)],
        run_info={"catalog": "/data/catalog"},
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found (install it: apt-get install -y chromium)"
        if os.environ.get("TRADEFLY_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(message + " and TRADEFLY_REQUIRE_SHARED_DATA=1")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    page = write_report(_result(), tmp_path_factory.mktemp("reports")) / HTML_FILE
    assert page.stat().st_size < 1_500_000
    return page


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_report_is_readable_without_horizontal_overflow(browser, report, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(report.as_uri())
    try:
        for element_id in (
            FIGURES_TABLE_ID,
            EQUITY_CHART_ID,
            DRAWDOWN_CHART_ID,
            TRADES_CHART_ID,
            TRADES_TABLE_ID,
        ):
            locator = page.locator(f"#{element_id}")
            locator.scroll_into_view_if_needed()
            assert locator.is_visible(), element_id
            box = locator.bounding_box()
            assert box is not None and box["width"] > 100 and box["height"] > 50, element_id
        figures = page.locator(f"#{FIGURES_TABLE_ID}").inner_text()
        assert "Win rate" in figures and "Buy-and-hold return" in figures
        assert "$" in page.locator(f"#{EQUITY_CHART_ID}").text_content() or ""
        assert "%" in page.locator(f"#{DRAWDOWN_CHART_ID}").text_content() or ""
        assert page.locator(f"#{TRADES_TABLE_ID} tbody tr").count() == 48
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        charts_fit = page.evaluate(
            "() => [...document.querySelectorAll('svg.chart')].every("
            "s => s.getBoundingClientRect().right <= document.documentElement.clientWidth)"
        )
        assert charts_fit
    finally:
        context.close()
