"""`ryoken replay`: a simulated office's run loaded into the database, as if it had happened;
refused when it is not synthetic, when it was loaded before, or when a line is bad (and
then nothing is written)."""

from __future__ import annotations

import json

import pytest

from ryoken.cli import main

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    code = main(["simulate", "--seed", "3", "--days", "12", "--staff", "10",
                 "--applications-per-day", "6", "--scenario", "S1", "--start-day", "1",
                 "--out", str(out)])  # fmt: skip
    assert code == 0
    return out


def _lines(path):
    return path.read_text(encoding="utf-8").splitlines()


def _counts():
    from ryoken.web.accounts.models import Staff
    from ryoken.web.applications.models import Application
    from ryoken.web.ledger.models import Entry
    from ryoken.web.vault.models import Subject

    return (Staff.objects.count(), Subject.objects.count(), Application.objects.count(),
            Entry.objects.count())  # fmt: skip


def test_it_loads_staff_persons_applications_and_every_event(run, ledger_db, capsys):
    from ryoken.web.accounts.models import Staff
    from ryoken.web.applications.models import ApplicationPerson
    from ryoken.web.ledger import audit
    from ryoken.web.ledger.models import Entry
    from ryoken.web.vault import search
    from ryoken.web.watch.models import CanaryPlacement, ImportedFile

    assert main(["replay", str(run)]) == 0
    printed = capsys.readouterr().out
    events = [json.loads(line) for line in _lines(run / "events.jsonl")]
    external = [e for e in events if e["code"].startswith("external.")]
    persons = [json.loads(line) for line in _lines(run / "persons.jsonl")]
    truth = json.loads((run / "truth.json").read_text(encoding="utf-8"))
    assert f"{len(persons)} data subjects" in printed
    assert f"{len(events) - len(external)} events of the office" in printed
    assert f"{len(external)} external events" in printed
    staff_ids = {line.split(",")[0] for line in _lines(run / "staff.csv")[1:]}
    assert set(Staff.objects.values_list("staff_id", flat=True)) == staff_ids
    # Every simulated event is in the ledger, as the simulator wrote it.
    for e in events:
        assert Entry.objects.filter(
            code=e["code"], actor=e["actor"], subjects=" ".join(e["subjects"])
        ).exists(), e
    assert ImportedFile.objects.get().events == len(external)
    roles = {(p, r) for p, r in ApplicationPerson.objects.values_list("subject", "role")}
    assert all((p["subject_id"], r) in roles for p in persons for r in p["roles"])
    assert CanaryPlacement.objects.count() == len(truth["canaries"])
    # The vault holds the persons: found by their blind index, like any applicant.
    someone = persons[0]
    found = search.find_subjects("name_kanji", someone["fields"]["name_kanji"])
    assert someone["subject_id"] in found
    report = audit.verify()
    assert report.ok, report.problems


def test_it_refuses_a_second_load_and_a_run_not_marked_synthetic(run, ledger_db, capsys, tmp_path):
    assert main(["replay", str(run)]) == 0
    before = _counts()
    capsys.readouterr()
    assert main(["replay", str(run)]) == 2
    assert "already exist" in capsys.readouterr().err
    assert _counts() == before

    copy = tmp_path / "copy"
    copy.mkdir()
    for item in run.iterdir():
        (copy / item.name).write_bytes(item.read_bytes())
    truth = json.loads((copy / "truth.json").read_text(encoding="utf-8"))
    truth["synthetic"] = False
    (copy / "truth.json").write_text(json.dumps(truth), encoding="utf-8")
    assert main(["replay", str(copy)]) == 2
    assert "only simulated offices" in capsys.readouterr().err


def test_a_bad_event_line_leaves_nothing_behind(run, ledger_db, capsys, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    for item in run.iterdir():
        (copy / item.name).write_bytes(item.read_bytes())
    lines = _lines(copy / "events.jsonl")
    lines[len(lines) // 2] = lines[len(lines) // 2].replace('"actor":', '"actor" :', 1)
    (copy / "events.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = _counts()
    assert main(["replay", str(copy)]) == 2
    err = capsys.readouterr().err
    assert f"events.jsonl line {len(lines) // 2 + 1}" in err and "nothing loaded" in err
    assert _counts() == before
