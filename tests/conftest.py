"""Shared fixtures: the real data folder ``../shared/data`` relative to the project root."""

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


def shared_data_path(relative: str) -> Path:
    """Return a file under ``../shared/data``, skipping the test when it is absent.

    With ``TRADEFLY_REQUIRE_SHARED_DATA=1`` (set by ``.ci/run``) a missing file fails the test.
    """
    path = SHARED_DATA / relative
    if not path.exists():
        message = f"real data not found at {path} (the ../shared/data folder is absent)"
        if os.environ.get("TRADEFLY_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(message + " and TRADEFLY_REQUIRE_SHARED_DATA=1")
        pytest.skip(message)
    return path


@pytest.fixture
def shared_data() -> "type[SharedData]":
    return SharedData


class SharedData:
    """Accessor handed to tests: ``shared_data.path("options_chains/...")``."""

    path = staticmethod(shared_data_path)
