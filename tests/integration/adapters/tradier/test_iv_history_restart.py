"""IV rank history on a live node against the fake Tradier: seeded from the live config's
catalog, each session's value kept in the state store, the whole history back after a restart.

The catalog is SYNTHETIC (``_synthetic_catalog``): SPY closes and the 470 put's quotes on the
three sessions before today, crafted so the 30-day ATM IV is known by hand. Every strike the
node sees (460, 470) is below the spot, so the ATM IV is the 470 put's (the nearest strike,
:mod:`options.iv_metrics`), and with one expiration about nine months out the 30-day IV is that
expiration's (flat extrapolation): the Black-Scholes IV of the 470 put's mid, no vendor IVs.
"""

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from nautilus_trader.model.data import Bar, QuoteTick
from nautilus_trader.model.objects import Price, Quantity

from catalog.writer import write_to_catalog
from options.instruments import daily_bar_type, make_equity, make_option_contract
from options.market_calendar import previous_session, session_close_ns, session_of_ns
from options.occ import parse_occ
from options.pricing import implied_vol
from statestore import StateStore
from tests.integration.adapters.tradier.fake_server import FakeTradier
from tests.integration.adapters.tradier.node_harness import (
    EXPIRY,
    SHORT_ID,
    SHORT_PUT,
    start_node,
    wait_for,
)
from tests.integration.adapters.tradier.test_short_option_combo import quoted, session_close
from tests.integration.adapters.tradier.test_short_option_state import (
    single_put_config,
    strategy_of,
)

pytestmark = pytest.mark.timeout(120)

TODAY = session_of_ns(time.time_ns())
# (session, SPY close, 470 put bid, ask) on the three sessions before today
PRIOR = [
    (previous_session(previous_session(previous_session(TODAY))), 475.0, 2.50, 2.60),
    (previous_session(previous_session(TODAY)), 471.0, 4.00, 4.20),
    (previous_session(TODAY), 473.0, 3.00, 3.10),
]
LIVE_CLOSE, LIVE_BID, LIVE_ASK = 472.60, 3.10, 3.14  # the fake Tradier's quotes (node_harness)


def _iv_by_hand(day: dt.date, spot: float, bid: float, ask: float) -> float:
    years = (EXPIRY - day).days / 365.0
    return implied_vol((bid + ask) / 2, spot, 470.0, years, 0.0, 0.0, False)


def _synthetic_catalog(folder: Path) -> Path:
    spy = make_equity("SPY")
    put = make_option_contract(parse_occ(SHORT_PUT))
    data: list[object] = [spy, put]
    size = Quantity.from_int(10)
    for day, close, bid, ask in PRIOR:
        ts = session_close_ns(day)
        price = Price(close, 4)
        data.append(Bar(daily_bar_type(spy.id), price, price, price, price, size, ts, ts))
        data.append(QuoteTick(put.id, Price(bid, 2), Price(ask, 2), size, size, ts, ts))
    write_to_catalog(folder, data)
    return folder


def _config(server: FakeTradier, folder: Path, catalog: Path | None, **overrides: Any) -> Path:
    # A strategy that never enters (no IV rank reaches 101): only its IV history is watched.
    path = single_put_config(
        server,
        folder,
        structure="",
        structure_params={},
        choices=[
            {
                "structure": "short_put",
                "structure_params": {"strike": {"moneyness": 1.0}},
                "when": {"iv_rank_min": 101},
            }
        ],
        iv_min_sessions=2,
        **overrides,
    )
    config = yaml.safe_load(path.read_text())
    config.pop("catalog", None)
    if catalog is not None:
        config["catalog"] = str(catalog)
    path.write_text(yaml.safe_dump(config))
    return path


async def test_the_iv_history_is_seeded_from_the_catalog_and_survives_a_restart(
    server: FakeTradier, tmp_path: Path
) -> None:
    catalog = _synthetic_catalog(tmp_path / "catalog")
    seeded = [_iv_by_hand(*session) for session in PRIOR]
    live = _iv_by_hand(TODAY, LIVE_CLOSE, LIVE_BID, LIVE_ASK)
    assert len({round(v, 6) for v in [*seeded, live]}) == 4  # four different vols

    path = _config(server, tmp_path, catalog)
    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        assert list(strategy._atm_ivs.values) == pytest.approx(seeded, rel=1e-9)
        await wait_for(lambda: quoted(strategy, {SHORT_ID: LIVE_BID}))
        session_close(running, LIVE_CLOSE)
        await wait_for(lambda: len(strategy._atm_ivs.values) == 4)
        assert list(strategy._atm_ivs.values) == pytest.approx([*seeded, live], rel=1e-9)
        strategy_id = strategy.id.value
    finally:
        await running.stop()
    with StateStore(tmp_path / "state.sqlite") as store:
        (stored,) = store.session_ivs(strategy_id).items()
    assert stored[0] == TODAY.isoformat() and stored[1] == pytest.approx(live, rel=1e-9)

    # restarted: the catalog's sessions and today's from the store; today's close again adds
    # nothing (one value per session)
    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        history = [*seeded, live]
        assert list(strategy._atm_ivs.values) == pytest.approx(history, rel=1e-9)
        low, high = min(history), max(history)
        assert strategy._atm_ivs.rank() == pytest.approx(100 * (live - low) / (high - low))
        decided: list[dt.date] = []
        choose = strategy._chosen
        strategy._chosen = lambda session: (decided.append(session), choose(session))[1]
        await wait_for(lambda: quoted(strategy, {SHORT_ID: LIVE_BID}))
        session_close(running, LIVE_CLOSE)
        await wait_for(lambda: decided == [TODAY])  # the close's decision ran
        assert list(strategy._atm_ivs.values) == pytest.approx(history, rel=1e-9)
    finally:
        await running.stop()

    # without the catalog the state store alone still holds today's value
    running = await start_node(_config(server, tmp_path, None))
    try:
        assert list(strategy_of(running)._atm_ivs.values) == pytest.approx([live], rel=1e-9)
    finally:
        await running.stop()
    assert server.placements() == []


async def test_the_trend_is_seeded_from_the_catalog_and_takes_one_close_per_session(
    server: FakeTradier, tmp_path: Path
) -> None:
    """4-session trend, band 0: the catalog's 3 closes before today, then today's close.

    By hand: (475.00 + 471.00 + 473.00 + 472.60) / 4 = 472.90, and 472.60 < 472.90: down. A
    second bar today (480.00) adds nothing; counted, the average of 471.00, 473.00, 472.60
    and 480.00 would be 474.15 and the trend up.
    """
    catalog = _synthetic_catalog(tmp_path / "catalog")
    path = _config(server, tmp_path, catalog, trend_sessions=4, trend_band=0.0)
    running = await start_node(path)
    try:
        strategy = strategy_of(running)
        assert strategy._trend_seed == {day: close for day, close, _bid, _ask in PRIOR}
        assert strategy._regimes.regime().trend is None  # 3 closes of 4
        with pytest.raises(ValueError, match="seed_trend must be called before the strategy"):
            strategy.seed_trend({})
        decided: list[dt.date] = []
        choose = strategy._chosen
        strategy._chosen = lambda session: (decided.append(session), choose(session))[1]
        await wait_for(lambda: quoted(strategy, {SHORT_ID: LIVE_BID}))
        session_close(running, LIVE_CLOSE)
        await wait_for(lambda: decided == [TODAY])
        assert strategy._regimes.regime().trend == "down"
        session_close(running, 480.0)
        await wait_for(lambda: decided == [TODAY, TODAY])
        assert strategy._regimes.regime().trend == "down"
    finally:
        await running.stop()

    # without the catalog the trend is unknown until the node has seen 4 closes
    running = await start_node(_config(server, tmp_path, None, trend_sessions=4, trend_band=0.0))
    try:
        strategy = strategy_of(running)
        assert strategy._trend_seed == {}
        decided = []
        choose = strategy._chosen
        strategy._chosen = lambda session: (decided.append(session), choose(session))[1]
        await wait_for(lambda: quoted(strategy, {SHORT_ID: LIVE_BID}))
        session_close(running, LIVE_CLOSE)
        await wait_for(lambda: decided == [TODAY])
        assert strategy._regimes.regime().trend is None
    finally:
        await running.stop()
    assert server.placements() == []
