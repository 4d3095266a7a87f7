"""The purge/embargo test: no training row's label window overlaps its test fold, and the
embargo gap after the test fold holds."""

from __future__ import annotations

import numpy as np
import pytest

from research.labels import label_window_end
from research.splits import Fold, purged_kfold, walk_forward

N, HORIZON, EMBARGO = 1000, 10, 15


def _assert_clean(folds: list[Fold], starts: np.ndarray, ends: np.ndarray, embargo: int) -> None:
    for fold in folds:
        test_start, test_end = starts[fold.test[0]], ends[fold.test].max()
        assert np.intersect1d(fold.train, fold.test).size == 0
        for j in fold.train:
            overlaps = starts[j] <= test_end and ends[j] >= test_start
            assert not overlaps, f"train row {j} label window overlaps the test fold"
            assert not (test_end < starts[j] <= test_end + embargo), (
                f"train row {j} inside the embargo"
            )


@pytest.mark.parametrize("n_splits", [3, 5])
def test_purged_kfold_purges_and_embargoes(n_splits: int) -> None:
    starts = np.arange(N)
    ends = label_window_end(N, HORIZON)
    folds = purged_kfold(starts, ends, n_splits, EMBARGO)
    _assert_clean(folds, starts, ends, EMBARGO)
    assert np.array_equal(np.sort(np.concatenate([f.test for f in folds])), starts)
    middle = folds[1]
    before = middle.train[middle.train < middle.test[0]]
    after = middle.train[middle.train > middle.test[-1]]
    assert before.max() == middle.test[0] - HORIZON - 1  # purged: its label ends just before
    assert after.min() == middle.test[-1] + HORIZON + EMBARGO + 1  # embargoed


def test_walk_forward_trains_only_on_the_past_purged() -> None:
    starts = np.arange(N)
    ends = label_window_end(N, HORIZON)
    folds = walk_forward(starts, ends, 4, EMBARGO)
    assert len(folds) == 4
    _assert_clean(folds, starts, ends, EMBARGO)
    for fold in folds:
        assert fold.train.max() == fold.test[0] - HORIZON - 1
    assert [f.test[0] for f in folds] == [200, 400, 600, 800]


def test_irregular_label_windows_are_purged_by_their_own_end() -> None:
    rng = np.random.default_rng(0)
    starts = np.sort(rng.choice(5000, N, replace=False))
    ends = starts + rng.integers(1, 60, N)
    for folds in (purged_kfold(starts, ends, 5, EMBARGO), walk_forward(starts, ends, 5, EMBARGO)):
        _assert_clean(folds, starts, ends, EMBARGO)


@pytest.mark.parametrize(
    ("n_splits", "embargo", "message"),
    [(1, 0, "n_splits was 1"), (3, -1, "embargo was -1")],
)
def test_bad_split_settings_are_refused(n_splits: int, embargo: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        purged_kfold(np.arange(10), np.arange(10) + 1, n_splits, embargo)
