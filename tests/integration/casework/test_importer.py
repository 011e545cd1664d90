"""Online applications from JSON Lines: all lines in one transaction, or none at all."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ryoken.cli import main
from ryoken.errors import InvalidInput, RuleViolation
from ryoken.web.applications.models import Application, ApplicationPerson
from ryoken.web.casework.models import OnlineSubmission
from ryoken.web.casework.online_lines import parse_line, parse_lines
from ryoken.web.ledger.models import Entry
from ryoken.web.vault.models import Subject

TODAY = date(2026, 11, 26)


def record(**changes) -> dict:
    base = {
        "submission_id": "MP-2026-0001",
        "kind": "new",
        "channel": "online",
        "application_date": "2026-11-20",
        "applicant": {
            "name_kanji": "松浦 一郎",
            "name_kana": "マツウラ イチロウ",
            "name_romaji": "MATSUURA ICHIRO",
            "sex": "M",
            "birth_date": "1990-04-01",
            "honseki": "東京都豊島区南池袋二丁目100番地",
            "address": "東京都豊島区西池袋五丁目17番3号",
            "postcode": "171-0021",
            "phone": "03-3981-7777",
            "email": "ichiro@example.jp",
        },
        "emergency_contact": {
            "name_kanji": "松浦 花子",
            "relation": "母",
            "phone": "090-1234-5678",
        },
        "requested_validity": 10,
        "criminal_record": "no",
    }
    for key, value in changes.items():
        if key in base["applicant"] and key != "submission_id":
            base["applicant"][key] = value
        elif value is None:
            base.pop(key, None)
        else:
            base[key] = value
    return base


def minor(**changes) -> dict:
    defaults = {
        "submission_id": "MP-2026-0002",
        "name_kanji": "大野 陽子",
        "name_kana": "オオノ ヨウコ",
        "name_romaji": "ONO YOKO",
        "sex": "F",
        "birth_date": "2014-05-05",
        "requested_validity": 5,
        "legal_representative": {
            "name_kanji": "大野 健",
            "relation": "父",
            "phone": "03-1111-2222",
        },
    }
    return record(**(defaults | changes))


def jsonl(*records: dict) -> str:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n"


# --- the pure parser ---------------------------------------------------------------------------


def test_it_reads_a_good_line_with_what_the_rules_decide():
    app = parse_line(json.dumps(minor()), line=1, today=TODAY)
    assert app.minor and app.validity_years == 5 and app.romaji_confirmed
    assert app.fee_national == 9000  # 5 years, 12 or older
    assert app.legal_representative is not None
    assert app.legal_representative.values["relation"] == "父"
    assert app.applicant.values["criminal_answers"] == "no"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (record(sex="X"), "applicant.sex must be M or F"),
        (record(name_romaji="MATSURA ICHIRO"), "applicant.name_romaji"),
        (record(application_date="2026-12-01"), "in the future"),
        (record(kind="loss_report"), "loss report is made in person"),
        (record(channel="paper"), 'channel must be "online"'),
        (record(adress="x"), "unknown field: adress"),
        (record(criminal_record=None), "criminal_record is required"),
        (record(criminal_record="maybe"), 'criminal_record must be "yes" or "no"'),
        (record(requested_validity=10.0), "requested_validity must be 5, 10 or null"),
        (record(kind="renewal"), "previous_passport is required"),
        (record(honseki="豊島区南池袋"), "must start with the prefecture"),
        (minor(legal_representative=None), "legal_representative is required"),
        (minor(requested_validity=10), "5-year passport"),
    ],
)
def test_it_names_the_reason_a_line_is_bad(line, reason):
    with pytest.raises((InvalidInput, RuleViolation), match=reason):
        parse_line(json.dumps(line, ensure_ascii=False), line=1, today=TODAY)


def test_it_reports_every_bad_line_with_its_number():
    lines = jsonl(record(), record(submission_id="B", sex="X"), record()).splitlines()
    lines.insert(1, "{not json")
    parsed = parse_lines(lines, today=TODAY)
    assert [(p.line, p.message[:22]) for p in parsed.problems] == [
        (2, "not JSON: Expecting pr"),
        (3, "applicant.sex must be "),
        (4, "submission_id repeats "),
    ]


NAMES = [
    ("大谷 翔平", "オオタニ ショウヘイ", "OTANI SHOHEI"),
    ("斎藤 陽子", "サイトウ ヨウコ", "SAITO YOKO"),
    ("本間 新也", "ホンマ シンヤ", "HOMMA SHINYA"),
    ("服部 一", "ハットリ ハジメ", "HATTORI HAJIME"),
    ("難波 ニーナ", "ナンバ ニーナ", "NAMBA NINA"),
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(NAMES),
    sex=st.sampled_from(["M", "F"]),
    born=st.dates(date(1930, 1, 1), date(2007, 11, 19)),
    validity=st.sampled_from([5, 10, None]),
    criminal=st.sampled_from(["yes", "no"]),
)
def test_it_keeps_every_value_of_a_valid_line(name, sex, born, validity, criminal):
    kanji, kana, romaji = name
    line = record(
        name_kanji=kanji, name_kana=kana, name_romaji=romaji, sex=sex,
        birth_date=born.isoformat(), requested_validity=validity, criminal_record=criminal,
    )  # fmt: skip
    app = parse_line(json.dumps(line, ensure_ascii=False), line=7, today=TODAY)
    values = app.applicant.values
    assert (values["name_kanji"], values["name_kana"], values["name_romaji"]) == name
    assert values["birth_date"] == born.isoformat() and values["sex"] == sex
    assert app.criminal_record_yes is (criminal == "yes")
    assert app.validity_years == (validity or 10) and app.line == 7


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
# Random objects rarely carry the schema's keys; seed some with a valid line's keys.
NEAR_MISSES = st.builds(
    lambda changes: json.dumps({**record(), **changes}, ensure_ascii=False),
    st.dictionaries(st.sampled_from(sorted(record())), JSON_VALUES, max_size=3),
)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=200), JSON_VALUES.map(json.dumps), NEAR_MISSES))
def test_it_refuses_anything_else_with_a_reason_never_a_crash(text):
    try:
        parse_line(text, line=1, today=TODAY)
    except (InvalidInput, RuleViolation) as error:
        assert error.message


# --- the command -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_imports_a_good_file_into_review(ledger_db, tmp_path, capsys):
    path = tmp_path / "online.jsonl"
    path.write_text(jsonl(record(), minor()), encoding="utf-8")
    assert main(["applications", "import", str(path), "--today", TODAY.isoformat()]) == 0
    assert "imported 2 online application(s)" in capsys.readouterr().out
    apps = list(Application.objects.order_by("pk"))
    assert [(a.channel, a.state) for a in apps] == [("online", "in_review")] * 2
    assert all(a.reception_number.startswith("13IKB-") for a in apps)
    assert apps[1].validity_years == 5 and not apps[1].criminal_record_yes
    roles = sorted(
        ApplicationPerson.objects.filter(application=apps[1]).values_list("role", flat=True)
    )
    assert roles == ["applicant", "emergency_contact", "legal_representative"]
    assert Subject.objects.count() == 5
    assert Entry.objects.filter(code="application.import").count() == 2
    assert OnlineSubmission.objects.get(application=apps[1]).applicant_minor

    capsys.readouterr()
    assert main(["applications", "import", str(path), "--today", TODAY.isoformat()]) == 2
    assert "imported before" in capsys.readouterr().err  # a second run adds nothing
    assert Application.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_it_leaves_nothing_behind_when_one_line_is_bad(ledger_db, tmp_path, capsys):
    path = tmp_path / "online.jsonl"
    path.write_text(jsonl(record(), minor(birth_date="2014-02-30"), record(submission_id="C")))
    assert main(["applications", "import", str(path), "--today", TODAY.isoformat()]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "line 2:" in err and "not a real date" in err
    assert "nothing was imported" in err
    assert Application.objects.count() == 0 and Subject.objects.count() == 0
    assert not Entry.objects.filter(code__in=["application.import", "subject.write"]).exists()


@pytest.mark.django_db(transaction=True)
def test_it_says_in_one_line_when_the_file_cannot_be_read(tmp_path, capsys):
    assert main(["applications", "import", str(tmp_path / "missing.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot read" in err
    path = tmp_path / "latin1.jsonl"
    path.write_bytes("é".encode("latin-1"))
    assert main(["applications", "import", str(path)]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_it_accepts_every_example_in_the_schema_document():
    from pathlib import Path

    doc = Path(__file__).parents[3] / "docs" / "applications-import.md"
    examples = [
        line for line in doc.read_text().splitlines() if line.startswith('{"submission_id"')
    ]
    parsed = parse_lines(examples, today=TODAY)
    assert len(examples) == 4 and parsed.problems == []
    assert [a.kind for a in parsed.applications] == [
        "new", "new", "renewal", "record_change_same_expiry",
    ]  # fmt: skip
    assert parsed.applications[3].same_expiry == date(2032, 6, 1)
