"""A module's private names (`_name`) are its own: no other module of ryoken imports one.
What two modules share is public in one of them or in a module both import (ryoken.cli's
bundles.py, ryoken.detect's rates.py)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "ryoken"


def _private_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ryoken"):
            found += [
                f"{node.module}.{alias.name}"
                for alias in node.names
                if alias.name.startswith("_") and not alias.name.startswith("__")
            ]
    return found


def test_it_sees_a_private_name_imported():
    source = "from ryoken.detect.footprints import _excess, task_rows\n"
    assert _private_imports(source) == ["ryoken.detect.footprints._excess"]


def test_no_module_imports_a_private_name_of_another():
    offenders = {
        str(path.relative_to(SRC)): names
        for path in sorted(SRC.rglob("*.py"))
        if (names := _private_imports(path.read_text()))
    }
    assert offenders == {}
