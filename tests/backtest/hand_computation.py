"""Hand computation of the reference rule straight from the raw CSVs (no project code).

Rule (configs/backtest/spy2021_weekly_put.yaml): from 2021-01-04 to 2021-10-31, on the first
trading day of each ISO week, sell 1 SPY put among puts with 25 <= DTE <= 50 whose vendor delta
is closest to -0.50 (ties: nearer expiration, then higher strike) at that day's bid; 0.65 USD
per contract; hold to expiration; if assigned (strike above the expiry-day close), buy 100
shares at the strike and sell them at the next session's close without commission.

Rows the ingest rejects (bid > ask, missing or negative prices, expiry before the quote date)
are not quoted, so they are dropped here too. A zero bid cannot be sold, so such puts are not
candidates.
"""

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

COMMISSION = Decimal("0.65")
MULTIPLIER = 100


@dataclass(frozen=True)
class HandTrade:
    quote_date: dt.date
    symbol: str
    strike: Decimal
    expiration: dt.date
    bid: Decimal
    ask: Decimal
    assigned: bool
    share_pnl: Decimal

    @property
    def pnl(self) -> Decimal:
        return self.bid * MULTIPLIER - COMMISSION + self.share_pnl


def _valid(row: dict[str, str]) -> bool:
    try:
        bid, ask = Decimal(row["bid"]), Decimal(row["ask"])
    except ArithmeticError:
        return False
    return bid >= 0 and ask >= 0 and bid <= ask and row["expiration"] >= row["quotedate"]


def hand_trades(chain_csv: Path, spy_csv: Path) -> list[HandTrade]:
    """Return the reference rule's trades computed from the raw files."""
    with spy_csv.open() as f:
        closes = {dt.date.fromisoformat(r["date"]): Decimal(r["close"]) for r in csv.DictReader(f)}
    sessions = sorted(closes)
    with chain_csv.open() as f:
        rows = [r for r in csv.DictReader(f) if r["type"] == "put" and _valid(r)]

    first_of_week: dict[tuple[int, int], dt.date] = {}
    for day in sessions:
        first_of_week.setdefault(day.isocalendar()[:2], day)
    entry_days = [
        d for d in first_of_week.values() if dt.date(2021, 1, 4) <= d <= dt.date(2021, 10, 31)
    ]

    trades = []
    for day in entry_days:
        pool = []
        for r in rows:
            expiration = dt.date.fromisoformat(r["expiration"])
            dte = (expiration - day).days
            if r["quotedate"] == day.isoformat() and 25 <= dte <= 50 and Decimal(r["bid"]) > 0:
                pool.append(r)
        if not pool:
            continue
        best = min(
            pool,
            key=lambda r: (
                abs(Decimal(r["delta"]) + Decimal("0.5")),
                r["expiration"],
                -Decimal(r["strike"]),
            ),
        )
        strike = Decimal(best["strike"])
        expiration = dt.date.fromisoformat(best["expiration"])
        assigned = strike > closes[expiration]
        share_pnl = Decimal(0)
        if assigned:
            next_session = sessions[sessions.index(expiration) + 1]
            share_pnl = (closes[next_session] - strike) * MULTIPLIER
        trades.append(
            HandTrade(
                day,
                best["optionroot"],
                strike,
                expiration,
                Decimal(best["bid"]),
                Decimal(best["ask"]),
                assigned,
                share_pnl,
            )
        )
    return trades
