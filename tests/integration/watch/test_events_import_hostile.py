"""`ryoken events import` against hostile files: any bytes are imported whole or refused with
InvalidInput/RuleViolation, and a refused file leaves the ledger exactly as it was."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ryoken.cli import main
from ryoken.errors import InvalidInput, RuleViolation
from ryoken.web.ledger.models import Entry
from ryoken.web.watch.importer import import_events, parse_line
from ryoken.web.watch.models import ImportedFile

GOOD = {
    "code": "external.badge",
    "at": "2026-11-26T08:31:00+09:00",
    "actor": "counter1",
    "details": {"door": "staff-entrance", "direction": "in"},
}
DEEP = "[" * 50_000 + "]" * 50_000
HUGE_INT = json.dumps(GOOD).replace('"in"', "1" * 5000)
# What a careless or malicious exporter writes: each must be refused with a reason.
HOSTILE_LINES = [
    DEEP,
    HUGE_INT,
    json.dumps({**GOOD, "details": {"n": 2**70}}),
    json.dumps(GOOD).replace('"in"', "NaN"),
    json.dumps(GOOD).replace('"in"', "1.5"),
    json.dumps({**GOOD, "actor": "a\ud800"}),  # a lone surrogate: no UTF-8 form
    json.dumps({**GOOD, "details": {"d\udfff": "x"}}),
    json.dumps({**GOOD, "code": "disclosure"}),  # forging a disclosure
    json.dumps({**GOOD, "at": "2026-11-26T08:31:00"}),  # no zone
    json.dumps({**GOOD, "at": "9999-12-31T23:59:59-14:00"}),  # beyond UTC
    json.dumps({**GOOD, "subjects": [1, 2]}),
    json.dumps({**GOOD, "details": [1]}),
    json.dumps([GOOD]),
    '{"code": "external.badge", "code": "external.copier"}',
    "\x00",
]

JSON_LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=12), st.sampled_from(["in", "out"])
)
JSON_VALUE = st.recursive(
    JSON_LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
MUTATED = st.builds(
    lambda changes, drop: json.dumps(
        {k: v for k, v in {**GOOD, **changes}.items() if k not in drop}, ensure_ascii=False
    ),
    st.dictionaries(
        st.sampled_from(["code", "at", "actor", "details", "subjects", "purpose", "extra"]),
        JSON_VALUE,
        max_size=3,
    ),
    st.sets(st.sampled_from(["code", "at", "actor"]), max_size=1),
)
LINE = st.one_of(
    st.just(json.dumps(GOOD)), MUTATED, st.sampled_from(HOSTILE_LINES), st.text(max_size=40)
)
FILE = st.one_of(
    st.lists(LINE, max_size=6).map(lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass")),
    st.binary(max_size=200),
)


@pytest.mark.parametrize("line", HOSTILE_LINES, ids=range(len(HOSTILE_LINES)))
def test_each_hostile_line_is_refused_with_a_reason(line):
    with pytest.raises(InvalidInput) as refused:
        parse_line(line)
    assert refused.value.message


@pytest.mark.django_db(transaction=True)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=FILE)
def test_any_file_is_imported_whole_or_not_at_all(ledger_db, data):
    before = Entry.objects.count(), ImportedFile.objects.count()
    try:
        result = import_events(data, name="hostile.jsonl")
    except (InvalidInput, RuleViolation) as refused:
        assert refused.message
        assert (Entry.objects.count(), ImportedFile.objects.count()) == before
        return
    assert result.imported >= 1 and not result.bad_lines
    assert Entry.objects.count() >= before[0] + result.imported  # + any checkpoint entries
    assert Entry.objects.filter(code="external.badge").count() >= result.imported
    assert ImportedFile.objects.count() == before[1] + 1


def test_the_command_names_the_deep_line_and_imports_nothing(ledger_db, tmp_path, capsys):
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + DEEP + "\n", encoding="utf-8")
    before = Entry.objects.count()
    code = main(["events", "import", str(path)])
    err = capsys.readouterr().err
    assert code != 0 and "line 2: not valid JSON: nested too deeply" in err
    assert "unexpected error" not in err
    assert Entry.objects.count() == before


@pytest.mark.parametrize("line", [DEEP, HUGE_INT], ids=["deep", "huge-int"])
def test_the_detection_reader_refuses_them_too(line):
    from ryoken.detect.load import read_events

    with pytest.raises(InvalidInput):
        read_events((line + "\n").encode("utf-8"))
