"""`ryoken events import FILE.jsonl`: external events into the ledger, all or nothing."""

from __future__ import annotations

import json

import pytest

from ryoken.cli import main
from ryoken.web.ledger.models import Entry

from .conftest import last_event

pytestmark = pytest.mark.django_db(transaction=True)

COPIER = {
    "code": "external.copier",
    "at": "2026-11-26T09:03:12.250000+09:00",
    "actor": "counter1",
    "terminal": "MFP-2F",
    "details": {"copier": "MFP-2F", "pages": 3, "kind": "copy", "unmatched": True},
}
BADGE_IN = {
    "code": "external.badge",
    "at": "2026-11-26T08:31:00Z",
    "actor": "counter1",
    "details": {"door": "staff-entrance", "direction": "in"},
}
BADGE_OUT = {**BADGE_IN, "at": "2026-11-26T17:40:00+09:00", "details": {"direction": "out"}}


def _file(tmp_path, *lines: object, name: str = "events.jsonl"):
    path = tmp_path / name
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    path.write_text(text + "\n", encoding="utf-8")
    return str(path)


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["events", "import", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_it_imports_a_good_file_into_the_ledger(ledger_db, tmp_path, capsys):
    path = _file(tmp_path, BADGE_IN, COPIER, BADGE_OUT)

    code, out, _ = _run(capsys, path)

    assert code == 0 and "imported 3 external event(s)" in out
    codes = list(Entry.objects.order_by("seq").values_list("code", flat=True))
    assert codes == ["external.badge", "external.copier", "external.badge"]
    copier = last_event("external.copier")
    assert copier.actor == "counter1" and copier.details["pages"] == 3
    assert copier.details["import_line"] == 2  # where it came from


def test_it_imports_nothing_when_one_line_is_bad(ledger_db, tmp_path, capsys):
    no_zone = {**BADGE_OUT, "at": "2026-11-26T17:40:00"}
    path = _file(tmp_path, BADGE_IN, COPIER, no_zone, BADGE_OUT)

    code, out, err = _run(capsys, path)

    assert code == 2
    assert "line 3" in err and "time zone" in err and "nothing imported" in err
    assert Entry.objects.count() == 0 and out == ""


def test_it_names_every_bad_line(ledger_db, tmp_path, capsys):
    path = _file(tmp_path, "{not json", BADGE_IN, {**COPIER, "details": {"pages": 1.5}})

    code, _, err = _run(capsys, path)

    assert code == 2 and "2 bad line(s)" in err
    assert "line 1: not valid JSON" in err and "line 3" in err
    assert Entry.objects.count() == 0


def test_it_skips_bad_lines_when_asked(ledger_db, tmp_path, capsys):
    path = _file(tmp_path, BADGE_IN, {**COPIER, "surprise": 1}, BADGE_OUT)

    code, out, _ = _run(capsys, path, "--skip-bad")

    assert code == 0
    assert "imported 2 external event(s)" in out and "skipped 1 bad line(s): line 2" in out
    assert Entry.objects.filter(code="external.badge").count() == 2
    assert not Entry.objects.filter(code="external.copier").exists()


def test_it_refuses_to_import_anything_but_external_events(ledger_db, tmp_path, capsys):
    forged = {
        "code": "disclosure",
        "at": "2026-11-26T09:00:00+09:00",
        "actor": "counter1",
        "subjects": ["ds_4f1c0a9e2b7d11aa00ff3c21"],
        "fields": ["name_kanji"],
    }
    path = _file(tmp_path, BADGE_IN, forged)

    code, _, err = _run(capsys, path)

    assert code == 2
    assert "line 2" in err and "'disclosure' may not be imported" in err
    assert Entry.objects.count() == 0


def test_it_imports_the_same_file_only_once(ledger_db, tmp_path, capsys):
    path = _file(tmp_path, BADGE_IN)
    assert _run(capsys, path)[0] == 0

    code, _, err = _run(capsys, path)

    assert code == 2 and "already imported" in err
    assert Entry.objects.count() == 1


def test_it_says_when_the_file_cannot_be_read(tmp_path, capsys):
    code, _, err = _run(capsys, str(tmp_path / "missing.jsonl"))
    assert code == 2 and "cannot read" in err
