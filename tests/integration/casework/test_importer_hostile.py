"""`ryoken applications import` against hostile files: every file is imported whole or
refused with the lines that are wrong, and a refused file writes nothing at all (no person
in the vault, no application, no ledger entry, no reception number used)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ryoken.cli import main
from ryoken.errors import InvalidInput
from ryoken.web.applications.models import Application
from ryoken.web.casework.importer import import_file
from ryoken.web.casework.models import OnlineSubmission
from ryoken.web.casework.online_lines import parse_line
from ryoken.web.ledger.models import Entry
from ryoken.web.vault.models import Subject, Value

from .test_importer import TODAY, jsonl, record

pytestmark = pytest.mark.django_db(transaction=True)


def _counts() -> tuple[int, ...]:
    return (
        Subject.objects.count(),
        Value.objects.count(),
        Application.objects.count(),
        OnlineSubmission.objects.count(),
        Entry.objects.count(),
    )


GOOD = json.dumps(record(), ensure_ascii=False)
HOSTILE = {
    # Each of these used to escape as something other than InvalidInput (fixed with this test).
    "huge-int": GOOD.replace('"requested_validity": 10', '"requested_validity": ' + "9" * 5000),
    "lone-surrogate": json.dumps(record(address="東京都豊島区\udfff")),
    "nul": json.dumps(record(address="東京都豊島区\u0000西池袋")),
    "escape": json.dumps(record(name_kanji="松浦 \u001b[31m一郎")),
    # ... and these were already refused; kept so they stay refused.
    "deep": "[" * 30_000 + "]" * 30_000,
    "nan": GOOD.replace('"requested_validity": 10', '"requested_validity": NaN'),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_line_is_refused_with_its_reason(name):
    with pytest.raises(InvalidInput) as refused:
        parse_line(HOSTILE[name], line=1, today=TODAY)
    assert refused.value.message


@pytest.mark.parametrize("name", ["huge-int", "lone-surrogate", "nul"])
def test_a_file_with_one_hostile_line_writes_nothing(ledger_db, name):
    data = (jsonl(record(submission_id="OK-1")) + HOSTILE[name] + "\n").encode(
        "utf-8", "surrogatepass"
    )
    before = _counts()
    with pytest.raises(InvalidInput, match="line 2") as refused:
        import_file(data, actor="importer", today=TODAY)
    assert "nothing was imported" in refused.value.message
    assert _counts() == before


def test_the_command_refuses_a_shift_jis_file_without_a_traceback(ledger_db, tmp_path, capsys):
    path = tmp_path / "apps.jsonl"
    path.write_bytes(jsonl(record()).encode("shift_jis"))
    before = _counts()
    code = main(["applications", "import", str(path), "--today", TODAY.isoformat()])
    err = capsys.readouterr().err
    assert code != 0 and "not UTF-8" in err and "unexpected error" not in err
    assert _counts() == before


LINES = st.one_of(
    st.just(GOOD),
    st.sampled_from(list(HOSTILE.values())),
    st.text(max_size=60),
    st.builds(
        lambda key, value: json.dumps({**record(), key: value}, ensure_ascii=False),
        st.sampled_from(sorted(record())),
        st.one_of(st.none(), st.integers(), st.text(max_size=20), st.lists(st.integers())),
    ),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.one_of(
        st.binary(max_size=120),
        st.lists(LINES, min_size=1, max_size=4).map(
            lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass")
        ),
    )
)
def test_any_file_is_imported_whole_or_not_at_all(ledger_db, data):
    before = _counts()
    try:
        summary = import_file(data, actor="importer", today=TODAY)
    except InvalidInput as refused:
        assert refused.message
        assert _counts() == before
        return
    assert summary.imported >= 1
    assert Application.objects.count() == before[2] + summary.imported
    assert OnlineSubmission.objects.count() == before[3] + summary.imported
