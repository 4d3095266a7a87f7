"""``min_volume`` on a live ``TradingNode``: Tradier's polled ``volume`` keeps thin puts out.

The loopback Tradier serves the real SPY 2021 chain's three puts nearest the money on
2021-03-01 (``../shared/data``, the rows ``tests/backtest/test_min_volume_spy2021.py`` uses),
their bid, ask and session volume unchanged but RE-DATED to an expiration about nine months
ahead (a live node trades no expired contract):

=======  ======  =====  =====
strike   volume  bid    ask
=======  ======  =====  =====
390      2,698   10.72  10.77
385      2,456    8.92   8.95
380      4,439    7.51   7.54
=======  ======  =====  =====

The node's ``StructureEngine`` sells one put at the money (``moneyness: 1.0``) at SPY's close
that day, 389.58 (the real daily bar), so the 390 comes first, then the 385, then the 380. The
volume reaches the engine as Tradier's quote ``volume`` polled with the greeks. With
``min_volume: 2700`` the 390 (two contracts short) and the 385 are skipped and the 380 is sold;
with ``min_volume: 2698`` (the 390's own volume) the 390 is sold.
"""

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.identifiers import InstrumentId

from options.occ import format_occ
from strategies.structure_engine import StructureEngine
from tests.backtest.spy2021_raw import close, raw
from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.node_harness import EXPIRY, start_node, wait_for
from tests.integration.adapters.tradier.test_one_strategy_section import _live_config
from tests.integration.adapters.tradier.test_short_option_combo import quoted, session_close

pytestmark = pytest.mark.timeout(120)

DAY = "2021-03-01"
STRIKES = (390, 385, 380)
REAL = {strike: f"SPY210416P00{strike}000" for strike in STRIKES}  # the file's symbols
REDATED = {strike: format_occ("SPY", EXPIRY, OptionKind.PUT, strike) for strike in STRIKES}
IDS = {strike: InstrumentId.from_str(f"{symbol}.US") for strike, symbol in REDATED.items()}


@pytest.fixture
async def redated_spy2021_server() -> AsyncIterator[FakeTradier]:
    """The fake Tradier quoting the three real 2021-03-01 puts, re-dated (module docstring)."""
    async with FakeTradier() as server:
        server.set_quote("SPY", 389.55, 389.61, 5)  # around the real close; used for greeks only
        for strike in STRIKES:
            row = raw(REAL[strike], DAY)
            server.set_quote(
                REDATED[strike], float(row["bid"]), float(row["ask"]), volume=int(row["volume"])
            )
        yield server


def _config(server: FakeTradier, folder: Path, min_volume: int) -> Path:
    path = _live_config(server, folder)  # short put at the money, daily, quotes polled
    config = yaml.safe_load(path.read_text())
    config["instruments"] = {"load_ids": ["SPY.US", *(str(i) for i in IDS.values())]}
    config["strategies"][0]["config"]["min_volume"] = min_volume
    path.write_text(yaml.safe_dump(config))
    return path


def _volumes(strategy: StructureEngine) -> dict[InstrumentId, float]:
    return {i: v.volume for i, v in strategy._volumes.items()}


def test_the_redated_rows_are_the_raw_files() -> None:
    rows = {strike: raw(REAL[strike], DAY) for strike in STRIKES}
    assert [(rows[s]["volume"], rows[s]["bid"], rows[s]["ask"]) for s in STRIKES] == [
        (2698, Decimal("10.72"), Decimal("10.77")),
        (2456, Decimal("8.92"), Decimal("8.95")),
        (4439, Decimal("7.51"), Decimal("7.54")),
    ]
    assert close(DAY) == Decimal("389.58")


@pytest.mark.parametrize(
    ("min_volume", "sold"),
    [(2700, 380), (2698, 390)],
    ids=["skips-390-and-385-sells-380", "own-volume-sells-390"],
)
async def test_min_volume_skips_the_thin_puts_and_sells_the_first_at_or_over_it(
    redated_spy2021_server: FakeTradier, tmp_path: Path, min_volume: int, sold: int
) -> None:
    server = redated_spy2021_server
    running = await start_node(_config(server, tmp_path, min_volume))
    try:
        (strategy,) = running.node.trader.strategies()
        await wait_for(
            lambda: quoted(strategy, {IDS[s]: server.quotes[REDATED[s]].bid for s in STRIKES})
        )
        # Each put's volume as Tradier's quote says, polled with the greeks.
        expected = {IDS[s]: float(server.quotes[REDATED[s]].volume) for s in STRIKES}
        await wait_for(lambda: _volumes(strategy) == expected)
        session_close(running, float(close(DAY)))
        await wait_for(lambda: server.placements())
        (placed,) = server.placements()  # one order, for the first put at or over the limit
        assert (placed["option_symbol"], placed["side"], placed["quantity"]) == (
            REDATED[sold],
            "sell_to_open",
            "1",
        )
    finally:
        await running.stop()
