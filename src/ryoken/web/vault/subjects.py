"""What the gateway's reads and the vault's writes share: field names checked against the
catalogue, and each data subject's data key unwrapped from its row (one query for many).

An unwrapped data key only seals (writes) or, inside the gateway, opens: the decryption
primitive stays in `gateway.py` (tests/unit/test_gateway_boundary.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection
from django.utils.translation import gettext_noop

from ryoken.domain.fields import FIELDS_BY_NAME
from ryoken.errors import AccessDenied, InvalidInput, KeyUnavailable
from ryoken.privacy.keyring import WrappedKey
from ryoken.web.vault import keys

Plain = str | bytes


def check_fields(fields: Iterable[str]) -> tuple[str, ...]:
    names = tuple(fields)
    if not names:
        raise InvalidInput("no fields were asked for")
    unknown = [n for n in names if n not in FIELDS_BY_NAME]
    if unknown:
        raise InvalidInput(f"unknown personal-data field(s): {', '.join(unknown)}")
    return names


def _unwrap(subject_id: str, row: tuple[bytes | memoryview | None, str] | None) -> bytes:
    if row is None:
        raise AccessDenied("no such data subject")
    wrapped_key, kek_id = row
    if wrapped_key is None:
        raise KeyUnavailable(
            "this person's data key was destroyed at the end of retention",
            message_ja=gettext_noop("保存期間が終了し、この方の個人情報は消去されています。"),
        )
    wrapped = WrappedKey(kek_id=str(kek_id), blob=bytes(wrapped_key))
    return keys.keyring().unwrap(wrapped, subject_id=subject_id)


def data_key(subject_id: str) -> bytes:
    return data_keys([subject_id])[subject_id]


def data_keys(subject_ids: Sequence[str]) -> dict[str, bytes]:
    """Each subject's unwrapped data key, read in one query (raw SQL on the hot path: the
    ORM's query building costs more than the query)."""
    marks = ", ".join(["%s"] * len(subject_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            # `marks` is only "%s, %s, …": the ids go in as parameters.
            f"SELECT id, wrapped_key, kek_id FROM vault_subject WHERE id IN ({marks})",  # noqa: S608 # nosec B608
            list(subject_ids),
        )
        rows = {str(sid): (wrapped, kek) for sid, wrapped, kek in cursor.fetchall()}
    return {sid: _unwrap(sid, rows.get(sid)) for sid in subject_ids}
