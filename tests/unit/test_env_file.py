from pathlib import Path

import pytest

from tradefly.env_file import load_env_file


def test_loads_without_overriding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / ".env"
    env.write_text("# secrets\nexport TF_A='one'\nTF_B=two\n\nTF_C=\"three\"\n")
    monkeypatch.delenv("TF_A", raising=False)
    monkeypatch.delenv("TF_C", raising=False)
    monkeypatch.setenv("TF_B", "already")
    assert load_env_file(env) == ["TF_A", "TF_C"]
    import os

    assert (os.environ["TF_A"], os.environ["TF_B"], os.environ["TF_C"]) == (
        "one",
        "already",
        "three",
    )
    monkeypatch.delenv("TF_A")
    monkeypatch.delenv("TF_C")


def test_bad_line_names_the_line_not_the_value(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("TOKEN secret-value\n")
    with pytest.raises(ValueError, match="line 1") as info:
        load_env_file(env)
    assert "secret-value" not in str(info.value)


def test_missing_file_is_fine(tmp_path: Path) -> None:
    assert load_env_file(tmp_path / ".env") == []
