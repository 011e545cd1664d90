"""`ryoken incident` as the privacy officer runs it on the day the police call."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from pypdf import PdfReader

from ryoken.cli import main

pytestmark = pytest.mark.django_db(transaction=True)


def _day(delta: int = 0) -> str:
    from django.utils import timezone

    return (timezone.localdate() + timedelta(days=delta)).isoformat()


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_it_opens_an_incident_and_scopes_exactly_what_the_clerk_was_shown(office, capsys, tmp_path):
    from ryoken.web.incident.models import Incident

    officer = office.officer.staff_id
    assert (
        main(["incident", "open", "--title", "警察からの連絡", "--staff", office.clerk.staff_id,
              "--from", _day(-1), "--to", _day(), "--officer", officer])
        == 0
    )  # fmt: skip
    incident = Incident.objects.get()
    out = tmp_path / "scope.csv"
    capsys.readouterr()
    code = main(["incident", "scope", "--incident", str(incident.pk), "--csv", str(out),
                 "--officer", officer])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    shown = office.shown[office.clerk.staff_id]
    assert f"persons: {len(shown)}" in printed
    text = out.read_bytes().decode("utf-8-sig")
    for subject in shown:
        assert subject in text
    for subject in office.shown[office.colleague.staff_id]:
        assert subject not in text


def test_it_refuses_an_unknown_incident_in_one_line(office, capsys):
    code = main(["incident", "report", "--incident", "999", "--out", "/tmp/x",
                 "--officer", office.officer.staff_id])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "no incident #999" in err


def test_it_refuses_someone_who_is_not_the_privacy_officer(office, capsys):
    incident = office.incident()
    code = main(["incident", "hold", "--incident", str(incident.pk),
                 "--officer", office.colleague.staff_id])  # fmt: skip
    assert code == 3
    assert "not a privacy officer" in capsys.readouterr().err


def test_it_holds_and_the_bundle_verifies_offline_until_a_byte_flips(
    office, capsys, tmp_path, keys_dir
):
    incident = office.incident()
    bundle = tmp_path / "evidence.zip"
    assert main(["incident", "hold", "--incident", str(incident.pk), "--out", str(bundle),
                 "--officer", office.officer.staff_id]) == 0  # fmt: skip
    assert "frozen" in capsys.readouterr().out
    key = str(keys_dir / "ledger-signing.pub")
    assert main(["incident", "verify-bundle", str(bundle), "--key", key]) == 0
    assert "evidence bundle verified" in capsys.readouterr().out

    # Flip one byte inside the ledger slice (the zip is rewritten so it still opens).
    with zipfile.ZipFile(bundle) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    entries = bytearray(parts["ledger/entries.jsonl"])
    entries[20] = ord("A") if entries[20] != ord("A") else ord("B")
    parts["ledger/entries.jsonl"] = bytes(entries)
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    assert main(["incident", "verify-bundle", str(tampered), "--key", key]) == 1
    assert "does not verify" in capsys.readouterr().err
    # The name for it: `ryoken audit verify-bundle`.
    assert main(["audit", "verify-bundle", str(bundle), "--key", key]) == 0
    assert main(["audit", "verify-bundle", str(tampered), "--key", key]) == 1


def test_it_attributes_a_leaked_list_to_the_clerk(office, capsys, tmp_path):
    mine = sorted(office.shown[office.clerk.staff_id])[:5]
    lines = ["氏名,生年月日,住所"]
    for subject in mine:
        v = office.values[subject]
        lines.append(f"{v['name_kanji']},{v['birth_date']},{v['address']}")
    lines += ["他所 太郎,1971-03-04,大阪府大阪市北区梅田1丁目", "外部 花子,1985-07-08,"]
    leaked = tmp_path / "leaked.csv"
    leaked.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = main(["incident", "attribute", "--leaked", str(leaked), "--from", _day(-1),
                 "--to", _day(), "--officer", office.officer.staff_id])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "resolved persons: 5" in printed
    first = next(line for line in printed.splitlines() if line.startswith("1. "))
    assert first.startswith(f"1. {office.clerk.staff_id}:")


def test_it_writes_the_report_with_item_3_exactly_and_one_notice_per_person(
    office, capsys, tmp_path
):
    incident = office.incident()
    officer = office.officer.staff_id
    assert main(["incident", "report", "--incident", str(incident.pk), "--out",
                 str(tmp_path), "--officer", officer]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert "must be reported" in printed
    shown = office.shown[office.clerk.staff_id]
    report = "".join(_text((tmp_path / f"incident-{incident.pk}-report.pdf").read_bytes()))
    assert f"{len(shown)}人" in report
    assert (tmp_path / f"incident-{incident.pk}-report.json").exists()

    notices = tmp_path / "notices.pdf"
    assert main(["incident", "notices", "--incident", str(incident.pk), "--out",
                 str(notices), "--officer", officer]) == 0  # fmt: skip
    pages = _text(notices.read_bytes())
    assert len(pages) == len(shown)
    names = {office.values[s]["name_kanji"] for s in shown}
    for page in pages:
        on_page = {n for n in names if n in page.replace("\n", "")}
        assert len(on_page) == 1


def test_it_tells_a_person_which_role_saw_their_data_and_when(office, capsys):
    subject = sorted(office.shown[office.clerk.staff_id])[0]
    assert main(["incident", "who-saw", subject]) == 0
    printed = capsys.readouterr().out
    assert "窓口受付担当" in printed or "counter" in printed.lower()
    assert office.clerk.staff_id not in printed  # roles, never names or ids
    from django.utils import timezone

    assert timezone.localdate().isoformat() in printed


def test_it_finds_the_public_key_under_the_data_dir_without_key(
    office, capsys, tmp_path, keys_dir, monkeypatch
):
    incident = office.incident()
    bundle = tmp_path / "evidence.zip"
    assert main(["incident", "hold", "--incident", str(incident.pk), "--out", str(bundle),
                 "--officer", office.officer.staff_id]) == 0  # fmt: skip
    data = tmp_path / "data"
    (data / "keys").mkdir(parents=True)
    (data / "keys" / "ledger-signing.pub").write_bytes(
        (keys_dir / "ledger-signing.pub").read_bytes()
    )
    monkeypatch.delenv("RYOKEN_KEYS_DIR", raising=False)
    monkeypatch.setenv("RYOKEN_DATA_DIR", str(data))
    capsys.readouterr()
    assert main(["incident", "verify-bundle", str(bundle)]) == 0
    assert "evidence bundle verified" in capsys.readouterr().out
