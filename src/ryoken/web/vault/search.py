"""Finding data subjects by their blind indexes (equality only, never a value)."""

from __future__ import annotations

from ryoken.errors import InvalidInput
from ryoken.privacy.blind_index import KIND_OF_FIELD
from ryoken.web.vault import keys
from ryoken.web.vault.models import Token


def find_subjects(kind: str, value: str, *, loose: bool = False) -> list[str]:
    """Subject ids whose blind index of `kind` equals `value` (equality only).

    With `loose`, the query's variants are tried too (long vowels, no prefecture).
    """
    fields = [name for name, index in KIND_OF_FIELD.items() if index == kind]
    if not fields:
        raise InvalidInput(f"no blind index of kind {kind!r}")
    indexer = keys.blind_indexer()
    tokens = indexer.tokens_for(kind, value) if loose else [indexer.token(kind, value)]
    rows = Token.objects.filter(kind__in=fields, token__in=tokens).values_list(
        "subject_id", flat=True
    )
    return sorted(set(rows))
