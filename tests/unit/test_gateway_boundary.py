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


# A person's unwrapped data key seals (vault/writes.py) or opens (the gateway): nothing else
# asks vault/subjects.py for one, so the split of the gateway's writes did not open a way
# around it.
MAY_UNWRAP = {SRC / "web" / "vault" / "gateway.py", SRC / "web" / "vault" / "writes.py"}


def _unwraps_data_keys(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "ryoken.web.vault.subjects"
            and any(alias.name in {"data_key", "data_keys", "*"} for alias in node.names)
        ):
            return True
        if isinstance(node, ast.Attribute) and node.attr in {"data_key", "data_keys"}:
            return True
    return False


def test_it_finds_the_writes_unwrapping_data_keys():
    assert _unwraps_data_keys(ast.parse((SRC / "web/vault/writes.py").read_text()))


def test_it_lets_only_the_gateway_and_the_writes_unwrap_data_keys():
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path not in MAY_UNWRAP
        and path.name != "subjects.py"
        and _unwraps_data_keys(ast.parse(path.read_text()))
    ]
    assert offenders == []
