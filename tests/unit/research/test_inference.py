"""Entry gate, direction and features hash."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from research.inference import EntryGate, direction_of, features_hash


def _row(to_next: float = math.nan, since: float = math.nan, news: float = math.nan) -> pd.Series:
    return pd.Series(
        {
            "ctx_days_to_earnings": to_next,
            "ctx_days_since_earnings": since,
            "news_score_decayed": news,
        }
    )


@pytest.mark.parametrize(
    ("gate", "row", "allowed", "reason"),
    [
        (EntryGate(days_before_earnings=3), _row(to_next=2.0), False, "earnings in 2 days"),
        (EntryGate(days_before_earnings=3), _row(to_next=4.0), True, ""),
        (EntryGate(days_after_earnings=1), _row(since=1.0), False, "earnings 1 days ago"),
        (EntryGate(news_score_floor=-0.2), _row(news=-0.35), False, "news score -0.350 below -0.2"),
        (EntryGate(news_score_floor=-0.2), _row(news=0.1), True, ""),
        (
            EntryGate(days_before_earnings=3, news_score_floor=0.0),
            _row(),
            True,
            "",
        ),  # unknown: allowed
        (EntryGate(), _row(to_next=0.0, news=-1.0), True, ""),  # no rule configured
    ],
)
def test_entry_gate(gate: EntryGate, row: pd.Series, allowed: bool, reason: str) -> None:
    assert gate.check(row) == (allowed, reason)


def test_direction_thresholds() -> None:
    assert [direction_of(p, 0.55, 0.45) for p in (0.55, 0.5, 0.45, 0.2, 0.9)] == [1, 0, -1, -1, 1]


def test_features_hash_changes_with_any_value_or_name() -> None:
    row = pd.Series({"a": 1.0, "b": math.nan})
    assert features_hash(row) == features_hash(row.copy())
    assert features_hash(row) != features_hash(pd.Series({"a": 1.0 + 1e-12, "b": math.nan}))
    assert features_hash(row) != features_hash(pd.Series({"a": 1.0, "c": math.nan}))
