"""The fault tests' own checks catch what they are there to catch (bench/faultload.py):
an answer with personal data and no ledger entry of its own, and a watcher that skips or
re-scores entries."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.faultload import Answer, unledgered, watcher_problems  # noqa: E402 - bench/ is beside src/


def _answer(sent: float, received: float, *, kind: str = "page", personal: bool = True) -> Answer:
    return Answer(kind, "gr_1", "ds_1", sent, received, 200 if personal else 0, personal)


def _entry(seq: int, at: float, *, fields=("name_kanji",), grant="gr_1", code="disclosure"):
    return {"seq": seq, "at": at, "code": code, "grant": grant, "subjects": ["ds_1"],
            "fields": list(fields), "actor": "li001", "details": {}}  # fmt: skip


def test_each_answer_is_matched_to_its_own_entry_inside_its_request():
    answers = [_answer(10.0, 10.2), _answer(11.0, 11.2), _answer(12.0, 12.1, kind="photo")]
    entries = [_entry(1, 10.1), _entry(2, 11.1), _entry(3, 12.05, fields=("face_photo",))]
    assert unledgered(answers, entries) == ([], 0)


def test_it_reports_an_answer_whose_entry_is_missing_late_or_of_other_fields():
    answers = [_answer(10.0, 10.2), _answer(11.0, 11.2), _answer(12.0, 12.1)]
    entries = [
        _entry(1, 10.1),
        _entry(2, 11.5),  # after the answer arrived
        _entry(3, 12.05, fields=("face_photo",)),  # not what the page showed
        _entry(4, 12.05, grant="gr_2"),  # another grant's
        _entry(5, 12.05, code="disclosure.refused"),
    ]
    problems, _ = unledgered(answers, entries)
    assert len(problems) == 2
    assert "11.200" in problems[0] and "12.100" in problems[1]


def test_one_entry_never_covers_two_answers_and_unanswered_entries_are_counted():
    answers = [_answer(10.0, 10.5), _answer(10.1, 10.6)]  # overlapping requests
    problems, _ = unledgered(answers, [_entry(1, 10.2)])
    assert len(problems) == 1
    # An entry whose answer never arrived (the server died) is counted, not a problem.
    assert unledgered([_answer(10.0, 10.5)], [_entry(1, 10.2), _entry(2, 20.0)]) == ([], 1)
    # Answers without personal data (refusals, no answer at all) need no entry.
    assert unledgered([_answer(10.0, 10.5, personal=False)], []) == ([], 0)


def _pass(kind: str, events: int, through: int) -> str:
    return f"{kind} run: {events:,} events through #{through}; 0 alerting staff (0.01s)"


def test_the_watcher_check_accepts_passes_that_tile_the_ledger_across_lives():
    lines = [
        "watching the ledger after entry #-1",
        _pass("full", 22, 21),
        _pass("quick", 0, 21),
        _pass("quick", 3, 24),
        "watching the ledger after entry #30",  # a pass through #30 committed, not printed
        _pass("full", 1200, 40),
        _pass("quick", 10, 50),
    ]
    report = watcher_problems(lines)
    assert report.problems == []
    assert (report.lives, report.passes, report.bookmark) == (2, 5, 50)
    assert report.resumed_after == [-1, 30]


def test_the_watcher_check_catches_a_rescored_or_skipped_range():
    rescored = watcher_problems(
        ["watching the ledger after entry #-1", _pass("quick", 25, 24),
         "watching the ledger after entry #20", _pass("quick", 4, 24)]
    )  # fmt: skip
    assert len(rescored.problems) == 1 and "scored twice" in rescored.problems[0]
    skipped = watcher_problems(["watching the ledger after entry #10", _pass("quick", 3, 20)])
    assert len(skipped.problems) == 1 and "not 10" in skipped.problems[0]
