"""Issue 6's "Must show": the incident replayed end to end, as the privacy officer runs it.

A small office (eight positions) works for three years with an S1 insider skimming at the
counter, like Ikebukuro. The run is loaded into a real ledger and vault (`ryoken replay`;
its copier logs and door badges go through the importer of `ryoken events import`). Then the
police call: the privacy officer opens an incident on the insider and places the hold (the
evidence bundle verifies offline), scopes the whole three years — the persons and the items
found must equal the simulator's own record of everything it showed the insider, computed
where it emitted the events and not from the ledger —, attributes a leaked list to the
insider, writes the report's facts, and produces the APPI report and the notices, whose
PDFs are read back.

Every step is a `ryoken` command. The test takes 41–60 s on this two-core machine shared
with other work (timings per step go to the terminal with `-s`).
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from ryoken.cli import main

pytestmark = pytest.mark.django_db(transaction=True)

SEED = 11
START = date(2023, 4, 3)  # 735 business days: to February 2026, before "today"
DAYS = 735
CHANNELS = {"画面表示": "screen", "印刷": "print", "複写": "copy", "書類の取扱い": "document_image"}
FACTS = {
    "summary": "2026年11月、警視庁から、旅券窓口の申請者の個人情報が外部に流出しているとの"
    "情報提供があった。調査の結果、窓口受付担当の職員が受付業務中に申請者の情報を書き写し、"
    "持ち出していたおそれがあることが判明した。",
    "cause": "窓口受付担当職員が、受付業務で表示された情報及び申請書類を、業務外の目的で"
    "書き写し又は複写して持ち出したこと。",
    "recurrence_measures": "当該職員の権限を停止した（実施済み）。窓口での複写を記録付きの"
    "業務端末に限り、台帳の常時監視と職員研修を実施する（予定）。",
}


class Clock:
    """Seconds per step, on the terminal (pytest -s), for the report of issue 6."""

    def __init__(self) -> None:
        self.began = self.last = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        print(f"replay test: {step} {now - self.last:.1f} s", file=sys.__stderr__, flush=True)
        self.last = now


def _run(capsys, *argv: str) -> str:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def _pages(pdf: Path) -> list[str]:
    """Each page's text, lines joined (PDFium: pypdf takes half a minute for 1,300 pages,
    docs/decisions/0041)."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [
            "".join(document[i].get_textpage().get_text_range().splitlines())
            for i in range(len(document))
        ]
    finally:
        document.close()


def _leaked_list(
    truth: dict, persons: dict[str, dict], shown: set[str], rng: random.Random
) -> tuple[str, list[str]]:
    """Ten rows as the police found them: seven people the insider took, two the office
    holds that the insider never saw, one the office never saw; with the variants a list
    picks up on its way (old kanji forms, hiragana, full-width digits, other address and
    date forms, typos)."""
    from ryoken.sim.scenarios import LEAKED_COLUMNS, corrupt

    taken = sorted({e["subject"] for e in truth["exposures"]})
    others = sorted(s for s, p in persons.items() if s not in shown and "birth_date" in p)
    chosen = rng.sample(taken, 7) + rng.sample(others, 2)
    rows = []
    for subject in chosen:
        f = persons[subject]
        row = {k: f.get(k, "") for k in LEAKED_COLUMNS}
        row["phone"] = f.get("mobile") or f.get("phone", "")
        rows.append(corrupt(rng, row)[0])
    rows.append(
        {
            "name_kanji": "他所 太郎",
            "name_kana": "ヨソ タロウ",
            "birth_date": "1971-03-04",
            "address": "大阪府大阪市北区梅田9丁目9番9号",
            "phone": "06-0000-0000",
        }
    )
    rng.shuffle(rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(LEAKED_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue(), chosen


def test_the_police_tip_is_answered_from_the_ledger_end_to_end(
    ledger_db, tmp_path, capsys, keys_dir
):
    from ryoken.web.accounts.access import standing
    from ryoken.web.accounts.models import Staff
    from ryoken.web.incident import scoping
    from ryoken.web.incident.models import Hold, Incident
    from ryoken.web.ledger.models import Entry
    from ryoken.web.vault.models import Subject
    from ryoken.web.watch.models import ImportedFile

    clock = Clock()
    run = tmp_path / "run"

    # 1. Three years of a small office, with an S1 insider (no canaries: the attribution
    # below has to work from the guilt model alone).
    _run(capsys, "simulate", "--seed", str(SEED), "--days", str(DAYS), "--start",
         START.isoformat(), "--staff", "8", "--applications-per-day", "1", "--no-canaries",
         "--scenario", "S1", "--out", str(run))  # fmt: skip
    truth = json.loads((run / "truth.json").read_text(encoding="utf-8"))
    persons = {
        p["subject_id"]: p["fields"]
        for p in map(json.loads, (run / "persons.jsonl").read_text(encoding="utf-8").splitlines())
    }
    (insider,) = truth["insiders"]
    # A document shows a person's field only where their record holds a value (scope counts
    # only those, issue 17): the simulator records the document's fields, so narrow them here.
    every_row = {tuple(r) for r in truth["shown"][insider]["rows"]}
    shown_rows = {(s, f, c) for s, f, c in every_row if f in persons.get(s, {})}
    shown = {s for s, _, _ in every_row}
    assert truth["scenario"] == "S1" and truth["first_day"] < truth["start"] <= truth["last_day"]
    assert len(shown) == truth["shown"][insider]["persons"] > 500
    clock.lap("simulate")

    # 2. Into a real ledger and vault, the external events through the importer.
    printed = _run(capsys, "replay", str(run))
    assert f"{len(persons)} data subjects" in printed
    imported = ImportedFile.objects.get()
    assert imported.events > 0 and printed.count(f"{imported.events} external events") == 1
    assert Entry.objects.filter(actor=insider, code="external.copier").exists()
    clock.lap("replay")

    # The police call: the officer opens an incident on the insider over the three years.
    officer = Staff.objects.get(role="privacy_officer").staff_id
    learned = date.today()  # noqa: DTZ011 - the day of the call, as the officer types it
    _run(capsys, "incident", "open", "--title", "警察からの情報提供（旅券窓口）",
         "--staff", insider, "--from", truth["first_day"], "--to", truth["last_day"],
         "--learned-on", learned.isoformat(), "--officer", officer)  # fmt: skip
    incident = Incident.objects.get()

    # 3. The hold: access frozen, everyone exposed under legal hold, a signed bundle.
    bundle = tmp_path / "evidence.zip"
    _run(capsys, "incident", "hold", "--incident", str(incident.pk), "--out", str(bundle),
         "--officer", officer)  # fmt: skip
    member = Staff.objects.get(staff_id=insider)
    assert (
        member.frozen and "access is frozen (evidence hold)" in standing(member, learned).reasons_en
    )
    held = set(Subject.objects.filter(legal_hold=True).values_list("pk", flat=True))
    assert held == shown
    assert Hold.objects.get().subjects == sorted(shown)
    steps = Entry.objects.filter(code__in=["hold.place", "export.evidence"]).order_by("seq")
    assert [(e.code, e.actor) for e in steps] == [
        ("hold.place", officer),
        ("export.evidence", officer),
    ]
    clock.lap("hold")
    printed = _run(capsys, "audit", "verify-bundle", str(bundle), "--key",
                   str(keys_dir / "ledger-signing.pub"))  # fmt: skip
    entries = Entry.objects.filter(actor=insider).count()
    assert f"evidence bundle verified: {entries} entries" in printed
    clock.lap("verify the bundle offline")

    # 4. Scoping the three years: exactly what the simulator showed the insider, on every
    # channel (screens, the prints and copies the copier logged too), no more, no less.
    scope_csv = tmp_path / "scope.csv"
    printed = _run(capsys, "incident", "scope", "--incident", str(incident.pk), "--csv",
                   str(scope_csv), "--officer", officer)  # fmt: skip
    rows = list(csv.reader(io.StringIO(scope_csv.read_bytes().decode("utf-8-sig"))))[1:]
    found = {(r[0], r[2], CHANNELS[r[5]]) for r in rows}
    assert found == shown_rows
    assert f"persons: {len(shown)}\n" in printed
    assert {c for _, _, c in found} >= {"screen", "print", "copy"}
    taken = {e["subject"] for e in truth["exposures"]}
    assert taken and taken <= shown  # what was taken is within what was shown
    scoped = scoping.incident_scope(incident)
    assert scoped.unknown_documents == ()  # every printed document's items are known
    assert scoped.unmatched_copier_jobs  # copies made around the system are listed
    persons_by_field = Counter(f for _, f in {(s, f) for s, f, _ in shown_rows})
    assert dict(scoped.by_field) == dict(persons_by_field)
    clock.lap("scope")

    # 5. Attribution: the insider is named first from ten leaked rows, three from elsewhere.
    leaked, _ = _leaked_list(truth, persons, shown, random.Random(SEED))
    leaked_csv = tmp_path / "leaked.csv"
    leaked_csv.write_text(leaked, encoding="utf-8")
    printed = _run(capsys, "incident", "attribute", "--leaked", str(leaked_csv), "--from",
                   truth["first_day"], "--to", truth["last_day"], "--officer", officer)  # fmt: skip
    ranking = [line for line in printed.splitlines() if line[:1].isdigit()]
    assert ranking[0].startswith(f"1. {insider}: "), printed
    print(f"replay test: {ranking[0]}", file=sys.__stderr__)
    clock.lap("attribute")

    # The officer writes the report's facts; the edit is in the ledger.
    _run(capsys, "incident", "facts", "--incident", str(incident.pk), "--officer", officer,
         "--summary", FACTS["summary"], "--cause", FACTS["cause"],
         "--recurrence-measures", FACTS["recurrence_measures"])  # fmt: skip
    change = Entry.objects.filter(code="incident.change").order_by("seq").last()
    assert change.actor == officer

    # 6. The report: nine items, ② and ③ exactly the scoping, an unlawful purpose with the
    # 60-day final report.
    out = tmp_path / "documents"
    printed = _run(capsys, "incident", "report", "--incident", str(incident.pk), "--out",
                   str(out), "--officer", officer)  # fmt: skip
    report = json.loads((out / f"incident-{incident.pk}-report.json").read_text("utf-8"))
    items = {item["no"]: item for item in report["items"]}
    assert sorted(items) == list(range(1, 10))
    assert items[3]["persons"] == len(shown)
    assert {f["field"]: f["persons"] for f in items[2]["fields"]} == dict(persons_by_field)
    # Reportable for an unlawful purpose whatever the count (and here for > 100 persons too).
    assert report["decision"]["required"]
    assert {r["code"] for r in report["decision"]["reasons"]} == {"unlawful_purpose", "persons"}
    due = date.fromisoformat(report["deadlines"]["final_due"])
    assert report["deadlines"]["final_days"] == 60 and 59 <= (due - learned).days <= 60
    assert f"final report due {due.isoformat()}" in printed
    text = "".join(_pages(out / f"incident-{incident.pk}-report.pdf"))
    for mark, title in zip("①②③④⑤⑥⑦⑧⑨", ITEM_TITLES, strict=True):
        assert f"{mark} {title}" in text.replace("\u3000", " ")
    assert f"{len(shown):,}人" in text
    from ryoken.domain.fields import FIELDS_BY_NAME

    for name, count in persons_by_field.items():
        assert f"{FIELDS_BY_NAME[name].label_ja}（{count:,}人）" in text
    assert "不正の目的" in text and FACTS["cause"] in text
    clock.lap("report")

    # 7. The notices: one per person, each with that person's own name and items only.
    pdf, as_json = tmp_path / "notices.pdf", tmp_path / "notices.json"
    _run(capsys, "incident", "notices", "--incident", str(incident.pk), "--out", str(pdf),
         "--json", str(as_json), "--officer", officer)  # fmt: skip
    clock.lap("notices")
    notices = json.loads(as_json.read_text("utf-8"))
    pages = _pages(pdf)
    listed = [n["subject"] for n in notices["notices"]]
    assert len(pages) == len(listed) and sorted(listed + notices["undeliverable"]) == sorted(shown)
    fields_of: dict[str, set[str]] = {}
    for s, f, _ in shown_rows:
        fields_of.setdefault(s, set()).add(f)
    names = {
        s: persons[s]["name_kanji"].replace(" ", "") for s in shown if "name_kanji" in persons[s]
    }
    everyone, lengths = set(names.values()), {len(n) for n in names.values()}

    def names_in(text: str) -> set[str]:
        return everyone & {text[i : i + k] for k in lengths for i in range(len(text) - k + 1)}

    for subject, page, notice in zip(listed, pages, notices["notices"], strict=True):
        own, text = persons[subject], page.replace(" ", "")
        assert names[subject] in text and own["address"].replace(" ", "") in text
        assert re.findall(r"ds_[0-9a-z]+", text) == [subject]  # 整理番号: nobody else's
        assert set(notice["fields"]) == fields_of[subject]  # item ②: this person's own items
        # Nobody else's name (one that is part of one's own, 佐藤恵 in 佐藤恵子, aside).
        assert {n for n in names_in(text) if n not in names[subject]} == set(), subject
    strings: set[str] = set()  # the JSON for the mail house names nobody
    for notice in notices["notices"]:
        strings.update(str(item["text"]).replace(" ", "") for item in notice["items"])
    assert not any(names_in(text) for text in strings)
    clock.lap("read the notices back")
    print(
        f"replay test: {time.perf_counter() - clock.began:.1f} s in all; {len(shown)} persons, "
        f"{entries} ledger entries of the insider",
        file=sys.__stderr__,
    )


ITEM_TITLES = (
    "概要",
    "漏えい等が発生し、又は発生したおそれがある保有個人情報の項目",
    "漏えい等が発生し、又は発生したおそれがある保有個人情報に係る本人の数",
    "原因",
    "二次被害又はそのおそれの有無及びその内容",
    "本人への対応の実施状況",
    "公表の実施状況",
    "再発防止のための措置",
    "その他参考となる事項",
)
