"""``tradefly train`` on real SPY bars and Cboe VIX: reproducible, registered, readable errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from research.registry import load_model
from tests.conftest import shared_data_path
from tradefly.cli import main

VIX = "underlying_daily/cboe_VIX_History.csv"

CONFIG = """\
name: spy-test
underlying: SPY
start: 2017-01-03
end: 2021-12-31
vix_csv: {vix}
seed: 11
label: {{horizon: 5}}
validation: {{scheme: walk_forward, n_splits: 3, embargo: 5}}
model: {{n_estimators: 40, num_leaves: 7, min_child_samples: 40}}
"""


def _config(tmp_path: Path, body: str | None = None) -> Path:
    path = tmp_path / "train.yaml"
    path.write_text(body if body is not None else CONFIG.format(vix=shared_data_path(VIX)))
    return path


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_same_config_and_seed_give_the_same_model_and_metrics(
    spy_catalog: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path)
    runs = []
    for registry in ("reg_a", "reg_b"):
        code, out, err = _run(
            [
                "train",
                str(config),
                "--catalog",
                str(spy_catalog),
                "--registry",
                str(tmp_path / registry),
                "--json",
            ],
            capsys,
        )
        assert code == 0, err
        runs.append(json.loads(out))
    first, second = runs
    assert first["metrics"] == second["metrics"]
    assert first["folds"] == second["folds"]
    assert Path(first["model"]).name == Path(second["model"]).name
    a, b = Path(first["model"]), Path(second["model"])
    assert (a / "model.txt").read_bytes() == (b / "model.txt").read_bytes()
    manifest_a = json.loads((a / "manifest.json").read_text())
    manifest_b = json.loads((b / "manifest.json").read_text())
    for key in ("created_utc",):
        manifest_a.pop(key), manifest_b.pop(key)
    assert manifest_a == manifest_b

    model = load_model(a)
    assert model.version == f"spy-test/{a.name}"
    assert len(model.feature_names) >= 90
    assert manifest_a["span"][0] == "2017-01-03" and manifest_a["span"][1] <= "2021-12-31"
    assert len(manifest_a["folds"]) == 3
    assert 0.0 <= manifest_a["metrics"]["oos_auc"] <= 1.0
    assert set(manifest_a["shap_mean_abs"]) == set(model.feature_names)
    assert len(manifest_a["calibration"]) >= 5
    assert (a / "shap_summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "shap_summary.png" in (a / "report.html").read_text()


def test_the_table_names_each_fold_and_the_registered_folder(
    spy_catalog: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path)
    code, out, _ = _run(
        ["train", str(config), "--catalog", str(spy_catalog), "--registry", str(tmp_path / "r")],
        capsys,
    )
    assert code == 0
    assert out.count("\n") == 6  # header, three folds, summary, registered
    assert "registered: " + str(tmp_path / "r" / "spy-test" / "v") in out


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "name: x\nunderlying: SPY\nstart: 2020-01-01\nend: 2021-01-01\nmodel: {num_leavs: 3}\n",
            "unknown field `num_leavs`",
        ),
        (
            "name: x\nunderlying: SPY\nstart: 2021-01-01\nend: 2020-01-01\n",
            "end was 2020-01-01, must be after start",
        ),
        ("name: x\nunderlying: SPY\nstart: 2020-01-01\n", "missing required field `end`"),
    ],
)
def test_a_bad_config_is_one_line_naming_the_file(
    tmp_path: Path, spy_catalog: Path, capsys: pytest.CaptureFixture[str], body: str, message: str
) -> None:
    config = _config(tmp_path, body)
    code, out, err = _run(["train", str(config), "--catalog", str(spy_catalog)], capsys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith(f"error: {config}: ") and message in err
    assert out == ""


def test_an_underlying_missing_from_the_catalog_exits_1(
    tmp_path: Path, spy_catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, "name: x\nunderlying: QQQ\nstart: 2020-01-01\nend: 2021-01-01\n")
    code, _, err = _run(["train", str(config), "--catalog", str(spy_catalog)], capsys)
    assert code == 1
    assert (
        err
        == f"error: {spy_catalog}: no daily bars of QQQ in the catalog; run tradefly ingest bars\n"
    )


def test_tradefly_check_validates_training_configs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = Path(__file__).resolve().parents[3] / "configs" / "train" / "spy_direction_5d.yaml"
    code, out, _ = _run(["check", str(good)], capsys)
    assert code == 0 and out.endswith("OK: training config (spy-direction-5d)\n")
    bad = _config(
        tmp_path,
        "name: x\nunderlying: SPY\nstart: 2020-01-01\nend: 2021-01-01\nlabel: {horizn: 3}\n",
    )
    code, _, err = _run(["check", str(bad)], capsys)
    assert code == 2 and "unknown field `horizn`" in err and err.count("\n") == 1
