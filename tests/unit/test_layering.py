"""Imports point down: the options domain and the state store import nothing of ours above them."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = {
    "tradefly",
    "options",
    "catalog",
    "strategies",
    "actors",
    "adapters",
    "statestore",
    "risk",
    "research",
    "journal",
    "control",
}
ALLOWED = {
    "options": {"options"},
    "statestore": {"statestore"},
    "research": {"research", "options", "catalog", "adapters"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & OURS


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_nothing_of_ours_above_it(package: str) -> None:
    offending = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) - ALLOWED[package])
        for path in sorted((ROOT / package).rglob("*.py"))
        if imported_packages(path) - ALLOWED[package]
    }
    assert offending == {}
