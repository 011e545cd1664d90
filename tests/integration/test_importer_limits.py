"""Every importer reads line by line within limits and keeps its error output short:
`applications import`, `events import`, `detect --events`."""

from __future__ import annotations

import json

import pytest

from ryoken.cli import main
from ryoken.web.ledger.models import Entry

BADGE = {
    "code": "external.badge",
    "at": "2026-11-26T08:31:00+09:00",
    "actor": "counter1",
    "details": {"door": "staff-entrance", "direction": "in"},
}
COPIER = {
    "code": "external.copier",
    "at": "2026-11-26T08:32:00+09:00",
    "actor": "counter1",
    "details": {"copier": "MFP-2F-02", "pages": 3, "kind": "copy"},
}


@pytest.mark.parametrize(
    "command",
    [
        ["applications", "import", "/dev/zero", "--today", "2026-11-26"],
        ["events", "import", "/dev/zero"],
        ["detect", "--events", "/dev/zero", "--out", "/dev/null"],
    ],
)
def test_it_refuses_an_endless_input_in_one_short_line(ledger_db, capsys, command):
    assert main(command) == 2
    err = capsys.readouterr().err
    assert "line 1 is longer than" in err and len(err) < 300


@pytest.mark.parametrize("command", [["applications", "import"], ["events", "import"]])
def test_it_caps_the_error_output_of_5000_bad_lines(ledger_db, tmp_path, capsys, command):
    path = tmp_path / "bad.jsonl"
    path.write_text("{not json}\n" * 5000, encoding="utf-8")
    extra = ["--today", "2026-11-26"] if command[0] == "applications" else []
    assert main([*command, str(path), *extra]) == 2
    err = capsys.readouterr().err
    assert len(err) < 4000, len(err)
    assert "(and 4980 more)" in err.replace(",", "")


@pytest.mark.parametrize(
    ("record", "why"),
    [
        ({**BADGE, "actor": "counter\x001"}, "control"),
        ({**BADGE, "actor": "counter\u202e1"}, "bidirectional"),
        ({**BADGE, "actor": "\u2066counter1"}, "bidirectional"),
        ({**COPIER, "subjects": ["sub_0001"]}, "no persons"),
        ({**COPIER, "fields": ["name_kanji"]}, "no persons"),
    ],
)
def test_events_import_refuses_what_the_api_refuses(ledger_db, tmp_path, capsys, record, why):
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(BADGE) + "\n" + json.dumps(record) + "\n", encoding="utf-8")
    before = Entry.objects.count()
    assert main(["events", "import", str(path)]) == 2
    assert why in capsys.readouterr().err
    assert Entry.objects.count() == before


def test_events_import_still_takes_a_clean_copier_event(ledger_db, tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(COPIER) + "\n", encoding="utf-8")
    assert main(["events", "import", str(path)]) == 0
    assert Entry.objects.filter(code="external.copier").count() == 1
