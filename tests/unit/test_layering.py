"""Imports point down: each of our packages imports only packages of lower layers.

Every import counts: module-level, inside functions, and ``importlib.import_module("...")`` /
``__import__("...")`` with a literal name. Packages of one layer do not import each other.
The order is the README's (*Layout*).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS: tuple[tuple[str, ...], ...] = (
    ("options", "statestore", "configfile", "charts"),
    ("journal",),
    ("catalog",),
    ("risk",),
    ("strategies",),
    ("adapters",),
    ("research",),
    ("actors",),
    ("control",),
    ("tradefly",),
)
OURS = {package for layer in LAYERS for package in layer}
ALLOWED = {
    package: {package}.union(*LAYERS[:level])
    for level, layer in enumerate(LAYERS)
    for package in layer
}
NOT_LAYERED = {"tests"}
IMPORT_FUNCTIONS = {"import_module", "__import__"}


def imported_packages(source: str) -> set[str]:
    """Return our packages that `source` imports, wherever the import stands."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and _called_name(node.func) in IMPORT_FUNCTIONS:
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names.add(first.value.split(".")[0])
    return names & OURS


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_nothing_of_ours_above_it(package: str) -> None:
    offending = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        above = imported_packages(path.read_text(encoding="utf-8")) - ALLOWED[package]
        if above:
            offending[str(path.relative_to(ROOT))] = sorted(above)
    assert offending == {}


def test_every_package_of_ours_has_a_layer() -> None:
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")} - NOT_LAYERED
    assert packages == OURS


@pytest.mark.parametrize(
    "source",
    [
        "def build():\n    from tradefly.cli import main\n",
        "import importlib\nimportlib.import_module('tradefly.cli')\n",
        "__import__('tradefly')\n",
        "import tradefly.backtest.runner as runner\n",
    ],
)
def test_an_import_inside_a_function_or_by_name_is_seen(source: str) -> None:
    assert imported_packages(source) == {"tradefly"}
