"""Writing personal data into the vault: new data subjects and their values.

    create_subject(...)   a new person: their own data key (wrapped by the keyring), the
                          values sealed under it, blind-index tokens, one `subject.write`
    create_subjects(...)  the same for many persons in a few bulk inserts (replay, imports)
    store(...)            seal and write (or replace) values of an existing person

Each write is a ledger event in the same transaction. Nothing here decrypts: values are
sealed (`envelope.seal`); only the gateway opens them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.domain import people
from ryoken.errors import InvalidInput
from ryoken.privacy import envelope
from ryoken.privacy.blind_index import DERIVED_OF_FIELD, KIND_OF_FIELD, BlindIndexer
from ryoken.web.ledger import store as ledger
from ryoken.web.vault import keys
from ryoken.web.vault.models import Subject, Token, Value
from ryoken.web.vault.subjects import Plain, check_fields, data_key

# Which blind index each searchable field feeds (a mobile is a phone).
INDEX_KIND = KIND_OF_FIELD


def new_subject_id() -> str:
    """A random pseudonymous id in the domain's format (ds_ + 26 characters)."""
    return str(people.new_subject_id(os.urandom))


def create_subject(
    *,
    actor: str,
    values: Mapping[str, Plain],
    purpose: str,
    retain_until: date | None = None,
    canary: bool = False,
    subject_id: str | None = None,
    now: datetime | None = None,
) -> str:
    """Create a data subject with its own data key and store its values. Returns the id."""
    subject_id = subject_id or new_subject_id()
    at = now or clock.now()
    dek = envelope.new_data_key()
    wrapped = keys.keyring().wrap(dek, subject_id=subject_id)
    with transaction.atomic():
        Subject.objects.create(
            id=subject_id,
            wrapped_key=wrapped.blob,
            kek_id=wrapped.kek_id,
            created_at=at,
            retain_until=retain_until,
            canary=canary,
        )
        _write_values(
            subject_id, dek, values, at, actor=actor, purpose=purpose, grant=None, created=True
        )
    return subject_id


@dataclass(frozen=True)
class NewSubject:
    """One data subject for `create_subjects`."""

    subject_id: str
    values: Mapping[str, Plain]
    canary: bool = False
    retain_until: date | None = None


def create_subjects(
    subjects: Sequence[NewSubject], *, actor: str, purpose: str, now: datetime | None = None
) -> int:
    """Create many data subjects at once (a replayed office, a migration): for each, what
    `create_subject` writes (its own data key, the sealed values, the blind-index tokens and
    a `subject.write` event), in one transaction of a few bulk inserts. Returns the count."""
    at = now or clock.now()
    keyring, indexer = keys.keyring(), keys.blind_indexer()
    subject_rows: list[Subject] = []
    value_rows: list[Value] = []
    token_rows: list[Token] = []
    events: list[Event] = []
    for new in subjects:
        names = check_fields(new.values)
        dek = envelope.new_data_key()
        wrapped = keyring.wrap(dek, subject_id=new.subject_id)
        subject_rows.append(
            Subject(
                id=new.subject_id,
                wrapped_key=wrapped.blob,
                kek_id=wrapped.kek_id,
                created_at=at,
                retain_until=new.retain_until,
                canary=new.canary,
            )
        )
        events.append(
            Event(
                code=EventCode.SUBJECT_WRITE,
                at=at,
                actor=actor,
                subjects=(new.subject_id,),
                fields=names,
                purpose=purpose,
                grant=None,
                terminal=None,
                details={"created": True},
            )
        )
        for name in names:
            value = new.values[name]
            raw = value if isinstance(value, bytes) else value.encode("utf-8")
            sealed = envelope.seal(dek, new.subject_id, name, raw)
            value_rows.append(
                Value(subject_id=new.subject_id, field=name, ciphertext=sealed, updated_at=at)
            )
            token_rows += _new_tokens(indexer, new.subject_id, name, value)
    if len({s.id for s in subject_rows}) != len(subject_rows):
        raise InvalidInput("a subject id is given twice")
    with transaction.atomic():
        if events:
            ledger.record_in_transaction(*events)
        Subject.objects.bulk_create(subject_rows, batch_size=500)
        Value.objects.bulk_create(value_rows, batch_size=1000)
        Token.objects.bulk_create(token_rows, batch_size=1000)
    return len(subject_rows)


def _new_tokens(indexer: BlindIndexer, subject_id: str, name: str, value: Plain) -> list[Token]:
    """The token rows `_write_values` writes for one value of a new subject (kept in step
    with it: tests/integration/test_vault_bulk.py compares the two)."""
    if not isinstance(value, str):
        return []
    rows: list[Token] = []
    kind = INDEX_KIND.get(name)
    if kind is not None:
        rows += [
            Token(subject_id=subject_id, kind=name, token=token)
            for token in indexer.tokens_for(kind, value)
        ]
    if name in DERIVED_OF_FIELD:
        rows += [
            Token(subject_id=subject_id, kind=derived, token=token)
            for derived, token in indexer.derived_tokens(name, value).items()
        ]
    return rows


def store(
    *, actor: str, subject_id: str, values: Mapping[str, Plain], purpose: str, grant: str | None
) -> None:
    """Encrypt and write (or replace) values of an existing subject."""
    dek = data_key(subject_id)
    at = clock.now()
    with transaction.atomic():
        _write_values(
            subject_id, dek, values, at, actor=actor, purpose=purpose, grant=grant, created=False
        )


def _write_values(
    subject_id: str,
    dek: bytes,
    values: Mapping[str, Plain],
    at: datetime,
    *,
    actor: str,
    purpose: str,
    grant: str | None,
    created: bool,
) -> None:
    """Encrypt, index and ledger a write (the caller holds the transaction)."""
    names = check_fields(values)
    ledger.record_in_transaction(
        Event(
            code=EventCode.SUBJECT_WRITE,
            at=at,
            actor=actor,
            subjects=(subject_id,),
            fields=names,
            purpose=purpose,
            grant=grant,
            terminal=None,
            details={"created": created},
        )
    )
    indexer = keys.blind_indexer()
    for name in names:
        value = values[name]
        raw = value if isinstance(value, bytes) else value.encode("utf-8")
        Value.objects.update_or_create(
            subject_id=subject_id,
            field=name,
            defaults={"ciphertext": envelope.seal(dek, subject_id, name, raw), "updated_at": at},
        )
        kind = INDEX_KIND.get(name)
        if kind is not None and isinstance(value, str):
            # Token.kind holds the field, so a phone and a mobile keep separate tokens; loose
            # variants (OHNO for ONO, an address without its prefecture) are stored too.
            Token.objects.filter(subject_id=subject_id, kind=name).delete()
            Token.objects.bulk_create(
                Token(subject_id=subject_id, kind=name, token=token)
                for token in indexer.tokens_for(kind, value)
            )
        derived = indexer.derived_tokens(name, value) if isinstance(value, str) else {}
        if name in DERIVED_OF_FIELD:
            # For detection only (surname, municipality): no search finds a person by them.
            Token.objects.filter(subject_id=subject_id, kind__in=DERIVED_OF_FIELD[name]).delete()
            Token.objects.bulk_create(
                Token(subject_id=subject_id, kind=kind, token=token)
                for kind, token in derived.items()
            )
