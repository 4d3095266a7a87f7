"""Monte Carlo bootstrap of a trade sequence against hand computations."""

from __future__ import annotations

import numpy as np
import pytest

from research.montecarlo import bootstrap_trades


def test_identical_trades_give_one_path() -> None:
    result = bootstrap_trades(np.array([50.0, 50.0, 50.0]), 1000.0, n_paths=200)
    assert set(result.final_equity.values()) == {1150.0}
    assert set(result.max_drawdown.values()) == {0.0}
    assert result.probability_of_loss == 0.0


def test_two_trades_match_the_four_equally_likely_sequences() -> None:
    # sequences of two draws from {+100, -100}: ++ (1200, dd 0), +- (1000, dd 100/1100),
    # -+ (1000, dd 0.1), -- (800, dd 0.2), each with probability 1/4
    result = bootstrap_trades(np.array([100.0, -100.0]), 1000.0, n_paths=40_000, seed=1)
    finals, counts = np.unique(result.final_equity_paths, return_counts=True)
    assert finals.tolist() == [800.0, 1000.0, 1200.0]
    assert counts / counts.sum() == pytest.approx([0.25, 0.5, 0.25], abs=0.01)
    dds = np.unique(np.round(result.max_drawdown_paths, 12)).tolist()
    assert dds == pytest.approx([0.0, 100 / 1100, 0.1, 0.2])
    assert result.probability_of_loss == pytest.approx(0.25, abs=0.01)
    assert result.final_equity[50] == 1000.0


def test_same_seed_same_result_and_bad_input_refused() -> None:
    pnl = np.array([120.0, -80.0, 35.5, -240.0, 60.0])
    a = bootstrap_trades(pnl, 10_000.0, n_paths=500, seed=9)
    b = bootstrap_trades(pnl, 10_000.0, n_paths=500, seed=9)
    assert np.array_equal(a.final_equity_paths, b.final_equity_paths)
    with pytest.raises(ValueError, match="non-empty finite"):
        bootstrap_trades(np.array([]), 1000.0)
    with pytest.raises(ValueError, match="starting equity was 0"):
        bootstrap_trades(pnl, 0)
