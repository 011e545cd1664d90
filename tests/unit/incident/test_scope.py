from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import polars as pl
import pytest

from ryoken.audit.events import Event, EventCode
from ryoken.domain.fields import FIELDS_BY_ROLE, FieldClass, SubjectRole
from ryoken.errors import InvalidInput
from ryoken.incident.exposures import events_frame
from ryoken.incident.scope import Channel, Period, PrintJob, scope

JST = timezone(timedelta(hours=9))
T0 = datetime(2022, 5, 9, 9, 0, tzinfo=JST)
PERIOD = Period(T0, T0 + timedelta(days=1))


def ev(code: str, minute: int, actor: str, subjects=(), fields=(), **details) -> Event:
    return Event(
        code=EventCode(code),
        at=T0 + timedelta(minutes=minute),
        actor=actor,
        subjects=tuple(subjects),
        fields=tuple(fields),
        purpose="intake",
        terminal="W01" if actor == "counter1" else "W02",
        details=details,
    )


def counter_day() -> list[Event]:
    return [
        ev("auth.login", 0, "counter1"),
        ev("grant.open", 1, "counter1", ["ds_A"], kind="counter"),
        ev("disclosure", 2, "counter1", ["ds_A"], ["name_kanji", "address"], form="shown"),
        ev("match", 3, "counter1", ["ds_B"], ["birth_date"], result="match"),
        ev("disclosure", 4, "counter1", ["ds_A"], ["name_kanji"], form="shown"),
        ev("disclosure", 5, "counter2", ["ds_C"], ["name_kanji", "phone"], form="shown"),
        ev("disclosure.refused", 6, "counter1", ["ds_D"], ["criminal_answers"], reason="policy"),
    ]


def test_it_lists_every_subject_a_clerk_saw_with_fields_channels_and_references() -> None:
    result = scope(counter_day(), "counter1", PERIOD)
    assert [s.subject for s in result.subjects] == ["ds_A", "ds_B"]
    a = result.subject("ds_A")
    assert a is not None
    assert a.fields == ("name_kanji", "address")
    name = a.exposures[0]
    assert (name.field, name.channel, name.count) == ("name_kanji", Channel.SCREEN, 2)
    assert name.first_at == T0 + timedelta(minutes=2)
    assert name.last_at == T0 + timedelta(minutes=4)
    assert name.first_ref == 2  # the position of the first disclosure in the input
    b = result.subject("ds_B")
    assert b is not None and b.fields == ("birth_date",)
    assert result.persons == 2
    assert result.subject("ds_D") is None  # a refused disclosure showed nothing


def test_it_uses_ledger_sequence_numbers_as_references_when_given() -> None:
    pairs = [(1000 + i, e) for i, e in enumerate(counter_day())]
    result = scope(pairs, "counter1", PERIOD)
    a = result.subject("ds_A")
    assert a is not None and a.exposures[0].first_ref == 1002


def test_it_leaves_out_other_staff_and_events_outside_the_half_open_period() -> None:
    events = counter_day()
    short = Period(T0 + timedelta(minutes=3), T0 + timedelta(minutes=4))
    result = scope(events, "counter1", short)
    assert [s.subject for s in result.subjects] == ["ds_B"]
    assert scope(events, ["counter1", "counter2"], PERIOD).persons == 3


def test_it_counts_persons_per_field_per_class_and_per_channel() -> None:
    result = scope(counter_day(), ["counter1", "counter2"], PERIOD)
    assert dict(result.by_field) == {"name_kanji": 2, "birth_date": 1, "address": 1, "phone": 1}
    assert dict(result.by_field_class) == {FieldClass.IDENTITY: 3, FieldClass.CONTACT: 2}
    assert dict(result.by_channel) == {Channel.SCREEN: 3}


def test_it_exposes_everyone_on_a_print_job_with_the_documents_fields() -> None:
    events = [
        ev("print", 10, "counter1", ["ds_A", "ds_B"], job="pj_1", document="receipt", pages=1),
        ev("print", 11, "counter1", ["ds_C"], job="pj_2", document="application_form"),
    ]
    documents = {"receipt": ("name_kanji",), "application_form": ("name_kanji", "address")}
    result = scope(events, "counter1", PERIOD, documents=documents)
    by_subject = {s.subject: s.fields for s in result.subjects}
    assert by_subject == {
        "ds_A": ("name_kanji",),
        "ds_B": ("name_kanji",),
        "ds_C": ("name_kanji", "address"),
    }
    assert dict(result.by_channel) == {Channel.PRINT: 3}
    assert result.unknown_documents == ()


def test_it_shows_the_receipt_as_the_name_only_by_default() -> None:
    events = [ev("copy", 10, "counter1", ["ds_A"], job="pj_1", document="receipt")]
    result = scope(events, "counter1", PERIOD)
    a = result.subject("ds_A")
    assert a is not None and a.fields == ("name_kanji",)
    assert a.exposures[0].channel is Channel.COPY


def test_it_counts_an_unknown_document_with_every_field_held_and_says_so() -> None:
    events = [ev("print", 10, "counter1", ["ds_M"], job="pj_9", document="mystery")]
    roles = {"ds_M": [SubjectRole.EMERGENCY_CONTACT]}
    result = scope(events, "counter1", PERIOD, roles=roles)
    m = result.subject("ds_M")
    assert m is not None
    assert set(m.fields) == set(FIELDS_BY_ROLE[SubjectRole.EMERGENCY_CONTACT])
    assert result.unknown_documents == ("mystery",)


def test_it_links_a_copier_job_to_the_print_job_and_lists_copies_made_around_the_system() -> None:
    printed_by_someone_else = ev(
        "print", 5, "counter2", ["ds_A", "ds_B"], job="pj_7", document="receipt"
    )
    events = [
        printed_by_someone_else,
        ev("external.copier", 20, "counter1", kind="copy", print_job="pj_7", pages=2),
        ev("external.copier", 21, "counter1", kind="copy", unmatched=True, pages=5),
    ]
    result = scope(events, "counter1", PERIOD)
    assert [s.subject for s in result.subjects] == ["ds_A", "ds_B"]
    assert dict(result.by_channel) == {Channel.COPY: 2}
    assert result.unmatched_copier_jobs == (2,)


def test_it_links_a_copier_job_to_a_print_job_passed_in_from_outside_the_slice() -> None:
    events = [ev("external.copier", 20, "counter1", kind="print", job="pj_old")]
    jobs = {"pj_old": PrintJob("pj_old", ("ds_Z",), "receipt")}
    result = scope(events, "counter1", PERIOD, jobs=jobs)
    z = result.subject("ds_Z")
    assert z is not None and z.exposures[0].channel is Channel.PRINT
    assert result.unmatched_copier_jobs == ()


def test_it_counts_the_family_named_in_an_exposed_koseki_once_each_with_their_roles() -> None:
    events = [
        ev("disclosure", 2, "counter1", ["ds_APP"], ["name_kanji", "koseki_image"]),
        ev("disclosure", 3, "counter1", ["ds_MOTHER"], ["name_kanji", "phone"]),
    ]
    roles = {
        "ds_APP": [SubjectRole.APPLICANT],
        "ds_MOTHER": [
            SubjectRole.FAMILY_MEMBER,
            SubjectRole.LEGAL_REPRESENTATIVE,
            SubjectRole.EMERGENCY_CONTACT,
        ],
        "ds_SISTER": [SubjectRole.FAMILY_MEMBER],
    }
    named_in = {"ds_APP": ["ds_APP", "ds_MOTHER", "ds_SISTER"]}
    result = scope(events, "counter1", PERIOD, roles=roles, named_in=named_in)
    assert result.persons == 3
    sister = result.subject("ds_SISTER")
    assert sister is not None
    assert set(sister.fields) == set(FIELDS_BY_ROLE[SubjectRole.FAMILY_MEMBER])
    mother = result.subject("ds_MOTHER")
    assert mother is not None
    assert {"phone", "birth_date", "relation"} <= set(mother.fields)
    assert dict(result.by_role) == {
        "applicant": 1,
        "family_member": 2,
        "legal_representative": 1,
        "emergency_contact": 1,
    }


def test_it_filters_by_channel_and_document_image_takes_image_fields_from_any_channel() -> None:
    events = [
        ev("disclosure", 2, "counter1", ["ds_A"], ["name_kanji", "koseki_image"]),
        ev("document.scan", 3, "counter1", ["ds_B"], ["document_image"]),
        ev("print", 4, "counter1", ["ds_C"], job="pj_1", document="receipt"),
    ]
    screen = scope(events, "counter1", PERIOD, channels=[Channel.SCREEN])
    assert [s.subject for s in screen.subjects] == ["ds_A"]
    assert screen.channels == (Channel.SCREEN,)
    images = scope(events, "counter1", PERIOD, channels=[Channel.DOCUMENT_IMAGE])
    assert {s.subject: s.fields for s in images.subjects} == {
        "ds_A": ("koseki_image",),
        "ds_B": ("document_image",),
    }
    printed = scope(events, "counter1", PERIOD, channels=[Channel.PRINT])
    assert [s.subject for s in printed.subjects] == ["ds_C"]


def test_it_marks_masked_only_exposures_and_can_leave_them_out() -> None:
    events = [
        ev("disclosure", 2, "counter1", ["ds_A"], ["phone"], form="masked"),
        ev("disclosure", 3, "counter1", ["ds_A"], ["address"], form="masked"),
        ev("disclosure", 4, "counter1", ["ds_A"], ["address"], form="shown"),
    ]
    result = scope(events, "counter1", PERIOD)
    a = result.subject("ds_A")
    assert a is not None
    assert {e.field: e.masked_only for e in a.exposures} == {"address": False, "phone": True}
    strict = scope(events, "counter1", PERIOD, include_masked=False)
    a_strict = strict.subject("ds_A")
    assert a_strict is not None and a_strict.fields == ("address",)


def test_it_is_deterministic_whatever_the_input_order() -> None:
    events = [
        *counter_day(),
        *(
            ev("disclosure", 30 + i, "counter1", [f"ds_{i:03d}"], ["address", "name_kana"])
            for i in range(50)
        ),
    ]
    shuffled = events[:]
    random.Random(7).shuffle(shuffled)
    first = scope([(i, e) for i, e in enumerate(events)], "counter1", PERIOD)
    index = {id(e): i for i, e in enumerate(events)}
    second = scope([(index[id(e)], e) for e in shuffled], "counter1", PERIOD)
    assert first.subjects == second.subjects
    assert [s.subject for s in first.subjects] == sorted(s.subject for s in first.subjects)
    assert first.subject("ds_000") is not None
    assert first.subject("ds_000").fields == ("name_kana", "address")  # catalogue order


def test_it_gives_the_same_answer_from_a_polars_frame_as_from_events() -> None:
    events = [
        *counter_day(),
        ev("print", 10, "counter1", ["ds_A", "ds_E"], job="pj_1", document="receipt"),
        ev("external.copier", 20, "counter1", kind="copy", print_job="pj_1"),
        ev("disclosure", 21, "counter1", ["ds_E"], ["phone"], form="masked"),
    ]
    frame = (
        events_frame(events)
        .with_columns(
            pl.col("at").dt.convert_time_zone("Asia/Tokyo"),
            pl.col("details").str.json_decode(
                pl.Struct(
                    {
                        "form": pl.String,
                        "job": pl.String,
                        "print_job": pl.String,
                        "document": pl.String,
                        "kind": pl.String,
                    }
                )
            ),
        )
        .rename({"ref": "seq"})
    )
    from_events = scope(events, "counter1", PERIOD)
    from_frame = scope(frame, "counter1", PERIOD)
    assert from_frame.subjects == from_events.subjects
    assert from_frame.by_field == from_events.by_field


def test_it_refuses_a_frame_whose_times_have_no_timezone() -> None:
    frame = events_frame(counter_day()).with_columns(pl.col("at").dt.replace_time_zone(None))
    with pytest.raises(InvalidInput, match="timezone"):
        scope(frame, "counter1", PERIOD)


def test_it_refuses_no_staff_and_a_backwards_period() -> None:
    with pytest.raises(InvalidInput):
        scope(counter_day(), [], PERIOD)
    with pytest.raises(InvalidInput, match="before it starts"):
        Period(T0, T0 - timedelta(seconds=1))


def test_it_reads_an_empty_slice_as_nobody_exposed() -> None:
    result = scope([], "counter1", Period(datetime(2020, 1, 1, tzinfo=UTC), T0))
    assert result.persons == 0
    assert dict(result.by_field) == {}


def test_it_marks_every_exposure_within_a_task_or_outside_any_task() -> None:
    from ryoken.detect.load import events_from_ledger
    from ryoken.incident.tasks import outside_task

    events = [
        ev("grant.open", 1, "counter1", ["ds_A"], kind="counter", ticket="A-014"),
        ev("disclosure", 2, "counter1", ["ds_A"], ["name_kanji", "address"], form="shown"),
        ev("disclosure", 3, "counter1", ["ds_B"], ["name_kanji"], form="shown"),
        ev("disclosure", 4, "counter1", ["ds_A", "ds_B"], ["phone"], form="shown"),
    ]
    events = [replace(e, grant="g1") if e.code == EventCode.GRANT_OPEN else e for e in events]
    # The detector frame numbers lines from 1; the scoping's refs are the same numbers.
    pairs = list(enumerate(events, start=1))
    outside = outside_task(events_from_ledger(events))
    assert outside.pairs == {(3, "ds_B"), (4, "ds_B")}
    marked = scope(pairs, "counter1", PERIOD, outside=outside)
    assert marked.marked and marked.persons_outside_task == 1
    a, b = marked.subject("ds_A"), marked.subject("ds_B")
    assert a is not None and b is not None
    assert not a.outside_task and all(e.within_task for e in a.exposures)
    assert b.outside_task
    assert {e.field: e.outside for e in b.exposures} == {"name_kanji": 1, "phone": 1}
    plain = scope(pairs, "counter1", PERIOD)
    assert not plain.marked and plain.persons_outside_task == 0
