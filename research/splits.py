"""Purged K-fold and walk-forward splits with an embargo.

Source: López de Prado, *Advances in Financial Machine Learning* (2018), ch. 7.

Each sample ``i`` is a decision at position ``starts[i]`` whose label reads positions up to
``ends[i]``. A training sample is *purged* when its span ``[starts, ends]`` overlaps the span
of the test fold (from its first start to its last end), and *embargoed* when it starts
within ``embargo`` positions after the test fold's last end (serial correlation leaks
information forward).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Fold:
    """One split: row positions to train on and to test on (both increasing)."""

    train: np.ndarray
    test: np.ndarray


def _check(starts: np.ndarray, ends: np.ndarray, n_splits: int, embargo: int) -> None:
    if len(starts) != len(ends):
        raise ValueError(f"starts and ends lengths were {len(starts)} and {len(ends)}")
    if np.any(ends < starts) or np.any(np.diff(starts) < 0):
        raise ValueError("starts must increase and every end must be >= its start")
    if n_splits < 2 or n_splits > len(starts):
        raise ValueError(f"n_splits was {n_splits!r}, must be in 2..{len(starts)}")
    if embargo < 0:
        raise ValueError(f"embargo was {embargo!r}, must be >= 0")


def _purged_train(
    starts: np.ndarray, ends: np.ndarray, test: np.ndarray, embargo: int, candidates: np.ndarray
) -> np.ndarray:
    test_start = starts[test[0]]
    test_end = ends[test].max()
    c_starts = starts[candidates]
    c_ends = ends[candidates]
    keep = (c_ends < test_start) | (c_starts > test_end + embargo)
    kept: np.ndarray = candidates[keep]
    return kept


def purged_kfold(starts: np.ndarray, ends: np.ndarray, n_splits: int, embargo: int) -> list[Fold]:
    """Return K contiguous test folds; each trains on every other sample, purged and embargoed.

    Parameters
    ----------
    starts, ends : numpy.ndarray
        Per sample, its decision position and last label position (int, starts increasing).
    n_splits : int
        Number of folds (>= 2).
    embargo : int
        Positions after a test fold's last label end that no training sample may start in.

    Raises
    ------
    ValueError
        On mismatched lengths, decreasing starts, an end before its start, a bad `n_splits`
        or a negative `embargo`.

    """
    _check(starts, ends, n_splits, embargo)
    everything = np.arange(len(starts))
    folds = []
    for test in np.array_split(everything, n_splits):
        candidates = np.setdiff1d(everything, test)
        folds.append(Fold(_purged_train(starts, ends, test, embargo, candidates), test))
    return folds


def walk_forward(starts: np.ndarray, ends: np.ndarray, n_splits: int, embargo: int) -> list[Fold]:
    """Return walk-forward folds, each testing one block after every block it trains on.

    The samples are cut into ``n_splits + 1`` contiguous blocks; fold ``k`` tests block
    ``k + 1`` and trains on every earlier sample whose label ends before the test block starts
    (purged). The embargo applies to samples after the test block, which a walk-forward fold
    never trains on, so it only matters for :func:`purged_kfold`; it is
    accepted here so both take one configuration.

    Raises
    ------
    ValueError
        As :func:`purged_kfold`.

    """
    _check(starts, ends, n_splits + 1, embargo)
    blocks = np.array_split(np.arange(len(starts)), n_splits + 1)
    folds = []
    for k in range(1, len(blocks)):
        test = blocks[k]
        candidates = np.arange(test[0])
        folds.append(Fold(_purged_train(starts, ends, test, embargo, candidates), test))
    return folds
