"""One PDF and font stack: only ryoken.web.documents imports ReportLab or fontTools, so the
counter's prints and the incident documents set names in the same fonts (issue 14)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = ROOT / "src" / "ryoken" / "web" / "documents"
STACK = ("reportlab", "fontTools")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_it_finds_the_stack_where_it_lives() -> None:
    found = {
        p.name for p in ALLOWED.glob("*.py") if any(n.split(".")[0] in STACK for n in _imports(p))
    }
    assert found == {"fonts.py", "pdf.py"}


def test_it_finds_no_other_module_that_imports_reportlab_or_fonttools() -> None:
    offenders = []
    for folder in (ROOT / "src", ROOT / "bench"):
        for path in folder.rglob("*.py"):
            if ALLOWED in path.parents:
                continue
            used = sorted(n for n in _imports(path) if n.split(".")[0] in STACK)
            if used:
                offenders.append(f"{path.relative_to(ROOT)}: {', '.join(used)}")
    assert offenders == []
