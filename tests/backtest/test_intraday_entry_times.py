"""``StructureEngine`` decides at intraday entry times on the real SPXW minute files of 2021-01-04.

Data: the ``spxw_minute_catalog`` fixture (LEAN minute quotes of the SPXW 3700 and 3800 calls
and puts, and the SPX minute bars, of 2021-01-04). The ENGINE (no test strategy) trades a
same-day (0DTE) short strangle, ``entry_times: ["09:45", "12:00"]``, ``dte_min = dte_max = 0``,
one trade at a time. The file holds two strikes, so the legs are the 3700 put and the 3800
call (the 0.16-delta rule picks the out-of-the-money one of each kind).

Rows of the quote files (``ms`` after midnight New York, the minute starting then, stamped at
its end; prices x10000; ``ms,bid o,h,l,c,size,ask o,h,l,c,size``):

- 09:45 (the minute 09:44, ``35040000``): 3700 put ``...,7000,7500,6000,6000,1,8000,8000,
  6500,7000,334``: bid 0.60; 3800 call ``...,1500,1500,1000,1000,549,2500,2500,2500,2500,522``:
  bid 0.10. Credit 0.70 a share.
- 12:00 (the minute 11:59, ``43140000``): 3700 put ask ``...,220000,251000,215000,223000,24``:
  22.30; 3800 call ask ``...,500,500,500,500,480``: 0.05. Debit to close 22.35 a share.
- 16:00: SPX closes at 3700.65 (``54000000,3701.17,3701.17,3700.65,3700.65,60``): the 3700 put
  and the 3800 call expire out of the money, settled in cash at 0.

Fees 0.65 per contract per fill, none at expiry; 100 dollars per point.
"""

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from nautilus_trader.model.currencies import USD

from options.instruments import VENUE
from tradefly.backtest.config import DataSection, RunConfig, StrategyEntry, VenueSection
from tradefly.backtest.runner import build_engine

DAY = dt.date(2021, 1, 4)
START = Decimal(100_000)
FEE = Decimal("0.65")
PUT_3700 = "SPXW210104P03700000.US"
CALL_3800 = "SPXW210104C03800000.US"
AT_0945 = 1_609_771_500_001_000_000  # 2021-01-04 14:45 UTC (09:45 EST) + the 1 ms decision delay
AT_1200 = 1_609_779_600_001_000_000  # 17:00 UTC (12:00 EST) + 1 ms


def _run(catalog: Path, **fields: Any):  # type: ignore[no-untyped-def]
    config = RunConfig(
        name="spxw-0dte-engine",
        data=DataSection(start=DAY, end=DAY, resolution="minute"),
        venue=VenueSection(starting_balance=float(START), commission_per_contract=float(FEE)),
        strategies=[
            StrategyEntry(
                strategy_path="strategies.structure_engine:StructureEngine",
                config_path="strategies.structure_engine:StructureEngineConfig",
                config={
                    "underlying": "SPX",
                    "structure": "short_strangle",
                    "structure_params": {"delta": 0.16},
                    "entry_schedule": "daily",
                    "entry_times": ["09:45", "12:00"],
                    "dte_min": 0,
                    "dte_max": 0,
                    "max_open_trades": 1,
                    **fields,
                },
            )
        ],
    )
    engine, _ = build_engine(config, catalog)
    engine.run()
    return engine


def _orders(engine) -> list[tuple[int, str, str, Decimal, str]]:  # type: ignore[no-untyped-def]
    return [
        (o.ts_last, o.instrument_id.value, o.side_string(), Decimal(str(o.avg_px)), o.tags[0])
        for o in engine.cache.orders()
    ]


def _cash(engine) -> Decimal:  # type: ignore[no-untyped-def]
    return Decimal(str(engine.portfolio.account(VENUE).balance_total(USD).as_decimal()))


def _realized(engine) -> dict[str, Decimal]:  # type: ignore[no-untyped-def]
    return {
        p.instrument_id.value: Decimal(str(p.realized_pnl.as_decimal()))
        for p in engine.cache.positions()
    }


def test_zero_dte_strangle_opened_at_0945_settles_in_cash_at_the_close(
    spxw_minute_catalog: Path,
) -> None:
    engine = _run(spxw_minute_catalog)
    orders = _orders(engine)
    # Opened at 09:45 at the bids (not at the 16:00 close, not again at 12:00: one trade open)
    assert orders[:2] == [
        (AT_0945, PUT_3700, "SELL", Decimal("0.60"), "entry"),
        (AT_0945, CALL_3800, "SELL", Decimal("0.10"), "entry"),
    ]
    assert sorted(o[1:4] for o in orders[2:]) == [  # expired out of the money at 3700.65
        (CALL_3800, "BUY", Decimal("0")),
        (PUT_3700, "BUY", Decimal("0")),
    ]
    # Hand: credit 0.70 x 100 = 70.00 less 2 fills x 0.65; nothing paid at expiry
    assert _cash(engine) == START + Decimal("70") - 2 * FEE
    assert _cash(engine) == Decimal("100068.70")
    assert engine.cache.positions_open() == []
    assert _realized(engine) == {
        PUT_3700: Decimal("60") - FEE,  # 59.35
        CALL_3800: Decimal("10") - FEE,  # 9.35
    }
    engine.dispose()


def test_zero_dte_strangle_stopped_out_at_the_1200_decision(spxw_minute_catalog: Path) -> None:
    engine = _run(spxw_minute_catalog, stop_loss_multiple=2.0)
    # At 12:00 the debit to close, 22.35, is at least 2 x the 0.70 credit: closed at the asks
    assert _orders(engine) == [
        (AT_0945, PUT_3700, "SELL", Decimal("0.60"), "entry"),
        (AT_0945, CALL_3800, "SELL", Decimal("0.10"), "entry"),
        (AT_1200, PUT_3700, "BUY", Decimal("22.30"), "stop_loss"),
        (AT_1200, CALL_3800, "BUY", Decimal("0.05"), "stop_loss"),
    ]
    # Hand: +0.60 x 100 + 0.10 x 100 - 22.30 x 100 - 0.05 x 100 - 4 fills x 0.65
    assert (
        _cash(engine)
        == START + Decimal("60") + Decimal("10") - Decimal("2230") - Decimal("5") - 4 * FEE
    )
    assert _cash(engine) == Decimal("97832.40")
    assert engine.cache.positions_open() == []
    realized = _realized(engine)
    assert realized == {
        PUT_3700: Decimal("60") - Decimal("2230") - 2 * FEE,  # -2,171.30
        CALL_3800: Decimal("10") - Decimal("5") - 2 * FEE,  # 3.70
    }
    assert sum(realized.values()) == _cash(engine) - START
    engine.dispose()


def test_without_entry_times_the_engine_enters_at_the_close_only(
    spxw_minute_catalog: Path,
) -> None:
    # The same config without entry_times decides at 16:00, when the day's contracts expire:
    # no same-day structure is entered at all.
    engine = _run(spxw_minute_catalog, entry_times=[])
    assert engine.cache.orders() == []
    engine.dispose()


def test_min_open_interest_refuses_minute_quotes_that_carry_none(
    spxw_minute_catalog: Path,
) -> None:
    # LEAN minute quotes come with no greeks record, so no open interest is known: nothing
    # passes even a filter of one contract.
    engine = _run(spxw_minute_catalog, min_open_interest=1)
    assert engine.cache.orders() == []
    engine.dispose()
