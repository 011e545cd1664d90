"""The one gateway through which personal data is decrypted.

    disclose_screen(...)  one access decision for everything a screen shows → all of its
                          ledger entries in one durable commit → decrypt → return
    disclose(...)  the same for one person and one form (a screen of one item)
    list_results(...)  a search's result list: one access decision → one `search` entry
                   naming the grant, the persons found and the fields the list shows of
                   each → the masked values (a result list never shows a value in full)
    match(...)     access decision → compare inside the vault → ledger entry → True/False
    match_many(...)  several fields of one person: one decision, one durable commit

Writes (`writes.py`: create_subject(s), store) seal and never decrypt; a search by blind
index (`search.py`: find_subjects) returns ids, never values.

No other module imports the decryption primitive (`ryoken.privacy.envelope.open_sealed`);
tests/unit/test_gateway_boundary.py proves it. If the ledger cannot record, nothing is
decrypted and the caller gets `LedgerError` (fail closed).

The access policy is the access app's `GrantPolicy`, imported (the access app sits below the
vault; decision 0064); `policy_in_use` swaps it for a test or a benchmark.
"""

from __future__ import annotations

import contextlib
import hmac
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime

from django.db import connection

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.domain.fields import FIELDS_BY_NAME, FieldClass
from ryoken.errors import AccessDenied, InvalidInput, LedgerError
from ryoken.privacy.blind_index import KIND_OF_FIELD
from ryoken.privacy.envelope import open_sealed
from ryoken.privacy.masking import mask
from ryoken.privacy.policy import ALL_RECORD_FIELDS
from ryoken.web.access.policy import (
    AccessPolicy,
    AccessRequest,
    Decision,
    GrantPolicy,
    ListRequest,
    ScreenItem,
    ScreenRequest,
)
from ryoken.web.ledger import store as ledger
from ryoken.web.vault import keys
from ryoken.web.vault.subjects import Plain, check_fields, data_key, data_keys

BINARY_CLASSES = {FieldClass.DOCUMENT_IMAGE, FieldClass.BIOMETRIC}

# Which blind index each searchable field feeds (a mobile is a phone).
INDEX_KIND = KIND_OF_FIELD


# The policy in force: the access app's, imported, not looked up or installed (decision
# 0064). `policy_in_use` swaps it for a test or a benchmark that measures the gateway alone.
_in_use: list[AccessPolicy] = [GrantPolicy()]


def policy() -> AccessPolicy:
    """The access policy in force: `ryoken.web.access.policy.GrantPolicy`."""
    return _in_use[0]


@contextlib.contextmanager
def policy_in_use(chosen: AccessPolicy) -> Iterator[AccessPolicy]:
    """Use `chosen` inside the block (tests, benchmarks), then restore the previous one."""
    previous, _in_use[0] = _in_use[0], chosen
    try:
        yield chosen
    finally:
        _in_use[0] = previous


def _event(
    code: EventCode, request: AccessRequest, details: Mapping[str, str | int | bool | None]
) -> Event:
    return Event(
        code=code,
        at=request.at,
        actor=request.actor,
        subjects=(request.subject_id,),
        fields=request.fields,
        purpose=request.purpose,
        grant=request.grant,
        terminal=request.terminal,
        details=dict(details),
    )


def _refuse(events: Sequence[Event], decision: Decision) -> AccessDenied:
    # The refusal itself is evidence; if even that cannot be written, still refuse.
    with contextlib.suppress(LedgerError):  # refused either way: nothing is shown
        ledger.record(*events)
    return AccessDenied(decision.reason or "access denied", message_ja=decision.reason_ja or None)


def _authorise(request: AccessRequest) -> Decision:
    decision = policy().decide(request)
    if not decision.allowed:
        details = {"reason": decision.reason[:200]}
        raise _refuse([_event(EventCode.DISCLOSURE_REFUSED, request, details)], decision)
    return decision


def _open(dek: bytes, subject_id: str, name: str, blob: bytes | None) -> Plain | None:
    if blob is None:
        return None
    plain = open_sealed(dek, subject_id, name, blob)
    binary = FIELDS_BY_NAME[name].field_class in BINARY_CLASSES
    return plain if binary else plain.decode("utf-8")


def _decrypt(dek: bytes, subject_id: str, fields: tuple[str, ...]) -> dict[str, Plain | None]:
    return _decrypt_many({subject_id: dek}, {subject_id: fields})[subject_id]


def _decrypt_many(
    deks: Mapping[str, bytes], wanted: Mapping[str, tuple[str, ...]]
) -> dict[str, dict[str, Plain | None]]:
    """The wanted fields of each subject, read in one query and opened with its data key."""
    subject_ids = list(wanted)
    marks = ", ".join(["%s"] * len(subject_ids))
    stored: dict[tuple[str, str], bytes] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            # `marks` is only "%s, %s, …": the ids go in as parameters.
            "SELECT subject_id, field, ciphertext FROM vault_value "  # noqa: S608 # nosec B608
            f"WHERE subject_id IN ({marks})",
            subject_ids,
        )
        for sid, name, blob in cursor.fetchall():
            if name in wanted.get(sid, ()):
                stored[(str(sid), str(name))] = bytes(blob)
    return {
        sid: {name: _open(deks[sid], sid, name, stored.get((sid, name))) for name in names}
        for sid, names in wanted.items()
    }


def _screen_item(item: ScreenItem) -> ScreenItem:
    names = (*item.shown, *item.masked, *item.match_only)
    if names or not item.record:
        check_fields(names)
    unknown = [n for n in item.record if n not in ALL_RECORD_FIELDS]
    if unknown:
        raise InvalidInput(f"unknown record field(s): {', '.join(unknown)}")
    if len(set(names) | set(item.record)) != len(names) + len(item.record):
        raise InvalidInput(f"a field is asked for twice for {item.subject_id}")
    return ScreenItem(
        item.subject_id,
        tuple(item.shown),
        tuple(item.masked),
        tuple(item.match_only),
        tuple(item.record),
    )


def _screen_event(
    code: EventCode,
    screen: ScreenRequest,
    subject_id: str,
    fields: tuple[str, ...],
    details: Mapping[str, str | int | bool | None],
) -> Event:
    return Event(
        code=code,
        at=screen.at,
        actor=screen.actor,
        subjects=(subject_id,),
        fields=fields,
        purpose=screen.purpose,
        grant=screen.grant,
        terminal=screen.terminal,
        details=dict(details),
    )


def disclose_screen(
    *,
    actor: str,
    grant: str | None,
    terminal: str | None,
    purpose: str,
    items: Iterable[ScreenItem],
    reason: str = "",
    now: datetime | None = None,
) -> dict[str, dict[str, Plain | None]]:
    """Everything one screen shows, after one access decision and one durable commit.

    The policy decides once for all the items; the data keys are read in one query; each
    item's shown and masked fields become one `disclosure` entry each (form "shown" or
    "masked", as a single `disclose` records them) and all of them are committed together
    before anything is decrypted. Returns {subject: {field: value}} for the shown and masked
    fields (masked values masked inside the vault); match-only fields are judged by the
    policy but never read. Raises AccessDenied (refusal recorded), KeyUnavailable, or
    LedgerError (nothing decrypted).
    """
    checked = tuple(_screen_item(item) for item in items)
    if not checked:
        raise InvalidInput("a screen must show at least one person")
    if len({item.subject_id for item in checked}) != len(checked):
        raise InvalidInput("a person appears twice on the screen: merge their fields")
    screen = ScreenRequest(
        actor, grant, terminal, purpose, checked, now or clock.now(), reason.strip()
    )
    decision = policy().decide_screen(screen)
    if not decision.allowed:
        refused = {"reason": decision.reason[:200]}
        raise _refuse(
            [
                _screen_event(
                    EventCode.DISCLOSURE_REFUSED,
                    screen,
                    item.subject_id,
                    (*item.shown, *item.record, *item.masked, *item.match_only),
                    refused,
                )
                for item in checked
            ],
            decision,
        )
    read = [item for item in checked if item.shown or item.masked or item.record]
    if not read:
        return {}
    # A missing or destroyed key refuses before anything is logged.
    vault_read = [item for item in read if item.shown or item.masked]
    deks = data_keys([item.subject_id for item in vault_read]) if vault_read else {}
    events: list[Event] = []
    for item in read:
        for form, names in (("shown", (*item.shown, *item.record)), ("masked", item.masked)):
            if not names:
                continue
            details: dict[str, str | int | bool | None] = {**decision.links, "form": form}
            if form == "shown" and screen.reason:
                details["reason"] = screen.reason[:500]
            events.append(
                _screen_event(EventCode.DISCLOSURE, screen, item.subject_id, names, details)
            )
    ledger.record(*events)  # one durable commit for the whole screen, or LedgerError
    values = (
        _decrypt_many(deks, {item.subject_id: (*item.shown, *item.masked) for item in vault_read})
        if vault_read
        else {}
    )
    for item in vault_read:
        for name in item.masked:
            value = values[item.subject_id][name]
            values[item.subject_id][name] = mask(name, value) if isinstance(value, str) else None
    return values


def list_results(
    *,
    actor: str,
    grant: str | None,
    terminal: str | None,
    purpose: str,
    kind: str,
    reason: str,
    subjects: Sequence[str],
    fields: Iterable[str] = (),
    now: datetime | None = None,
) -> dict[str, dict[str, str | None]]:
    """A search's result list (schema v2): the masked `fields` of each person found.

    One access decision for the list (the task that searched must be the actor's, or one
    they assist, and open; the fields must be maskable at its step); then one `search`
    entry — the grant, the persons found, the fields the list shows of each, the search's
    `kind`, `found` and typed `reason` — committed before anything is decrypted. The
    persons are not added to the task: choosing one is a separate `grant.open` (`added`,
    `via: "search"`). `fields=()` lists a count and facts about applications only.
    Returns {subject: {field: masked value}}; raises AccessDenied (refusal recorded) or
    LedgerError (nothing decrypted).
    """
    names = tuple(fields)
    if names:
        check_fields(names)
    found = tuple(dict.fromkeys(subjects))
    request = ListRequest(
        actor, grant, terminal, purpose, found, names, kind, reason.strip(), now or clock.now()
    )
    decision = policy().decide_list(request)
    if not decision.allowed:
        refused = Event(
            code=EventCode.DISCLOSURE_REFUSED,
            at=request.at,
            actor=actor,
            subjects=found,
            fields=names,
            purpose=purpose,
            grant=grant,
            terminal=terminal,
            details={"reason": decision.reason[:200], "search": kind},
        )
        raise _refuse([refused], decision)
    deks = data_keys(list(found)) if found and names else {}
    ledger.record(
        Event(
            code=EventCode.SEARCH,
            at=request.at,
            actor=actor,
            subjects=found,
            fields=names if found else (),
            purpose=purpose,
            grant=grant,
            terminal=terminal,
            details={"kind": kind, "found": len(found), "reason": request.reason[:500]},
        )
    )
    if not deks:
        return {subject: {} for subject in found}
    values = _decrypt_many(deks, {subject: names for subject in found})
    return {
        subject: {
            name: mask(name, value, keep_birth_year=True) if isinstance(value, str) else None
            for name, value in values[subject].items()
        }
        for subject in found
    }


def disclose(
    *,
    actor: str,
    subject_id: str,
    fields: Iterable[str],
    purpose: str,
    grant: str | None,
    terminal: str | None = None,
    masked: bool = False,
    reason: str = "",
    now: datetime | None = None,
) -> dict[str, Plain | None]:
    """Return `fields` (plaintext, or masked inside the vault) after the ledger has them.

    The ledger entry names the fields and the form ("shown"/"masked") and, for a reveal,
    the typed reason; it never holds the values. A screen of one item (`disclose_screen`).
    """
    names = check_fields(fields)
    item = ScreenItem(subject_id, masked=names) if masked else ScreenItem(subject_id, shown=names)
    return disclose_screen(
        actor=actor,
        grant=grant,
        terminal=terminal,
        purpose=purpose,
        items=[item],
        reason="" if masked else reason,
        now=now,
    )[subject_id]


def match(
    *,
    actor: str,
    subject_id: str,
    field_name: str,
    presented: str,
    purpose: str,
    grant: str | None,
    terminal: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Answer whether `presented` equals the stored value, without revealing it."""
    return match_many(
        actor=actor,
        subject_id=subject_id,
        presented={field_name: presented},
        purpose=purpose,
        grant=grant,
        terminal=terminal,
        now=now,
    )[field_name]


def _same(field_name: str, stored: Plain | None, presented: str) -> bool:
    kind = INDEX_KIND.get(field_name)
    if stored is None or isinstance(stored, bytes):
        return False
    if kind is not None:
        indexer = keys.blind_indexer()
        return hmac.compare_digest(indexer.token(kind, stored), indexer.token(kind, presented))
    return hmac.compare_digest(stored.strip().encode(), presented.strip().encode())


def match_many(
    *,
    actor: str,
    subject_id: str,
    presented: Mapping[str, str],
    purpose: str,
    grant: str | None,
    terminal: str | None = None,
    now: datetime | None = None,
) -> dict[str, bool]:
    """Whether each presented value equals the stored one (one person, several fields):
    one access decision, one read, and one `match` entry per field in one durable commit
    before any answer is returned."""
    request = AccessRequest(
        "match",
        actor,
        subject_id,
        check_fields(presented),
        purpose,
        grant,
        terminal,
        at=now or clock.now(),
    )
    decision = _authorise(request)
    stored = _decrypt(data_key(subject_id), subject_id, request.fields)
    results = {name: _same(name, stored[name], presented[name]) for name in request.fields}
    ledger.record(
        *(
            Event(
                code=EventCode.MATCH,
                at=request.at,
                actor=actor,
                subjects=(subject_id,),
                fields=(name,),
                purpose=purpose,
                grant=grant,
                terminal=terminal,
                details={**decision.links, "result": "match" if result else "no_match"},
            )
            for name, result in results.items()
        )
    )
    return results
