"""Only the vault gateway may import the decryption primitive."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "ryoken"
ALLOWED = {SRC / "web" / "vault" / "gateway.py", SRC / "privacy" / "envelope.py"}


def _imports_decryption(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "ryoken.privacy.envelope"
            and any(alias.name in {"open_sealed", "open_text", "*"} for alias in node.names)
        ):
            return True
        if isinstance(node, ast.Attribute) and node.attr in {"open_sealed", "open_text"}:
            return True
        if isinstance(node, ast.Name) and node.id in {"open_sealed", "open_text"}:
            return True
    return False


def test_it_finds_the_gateway_importing_the_primitive():
    assert _imports_decryption(ast.parse((SRC / "web/vault/gateway.py").read_text()))


def test_it_allows_no_other_module_to_decrypt():
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path not in ALLOWED and _imports_decryption(ast.parse(path.read_text()))
    ]
    assert offenders == []
