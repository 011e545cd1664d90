from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from datetime import datetime, timedelta, timezone

import pytest

from ryoken.audit import checkpoints as cps
from ryoken.audit import merkle
from ryoken.audit.events import Event, EventCode, entry_bytes
from ryoken.errors import InvalidInput
from ryoken.incident import bundle as b

JST = timezone(timedelta(hours=9))
T0 = datetime(2023, 5, 15, 10, 0, tzinfo=JST)


def key(tag: bytes) -> cps.Ed25519PrivateKey:
    private_pem, _ = cps.generate_signing_key(lambda n: hashlib.sha256(tag).digest()[:n])
    return cps.load_private_key(private_pem)


LEDGER_KEY = key(b"ledger")
LEDGER_PUBLIC = LEDGER_KEY.public_key()
OFFICER_KEY = key(b"privacy officer")


def ledger(size: int = 37) -> list[bytes]:
    return [
        entry_bytes(
            seq,
            Event(
                EventCode.DISCLOSURE,
                T0 + timedelta(seconds=seq),
                "counter1" if seq % 3 else "counter2",
                (f"ds_{seq:03d}",),
                ("name_kanji",),
                terminal="W01",
            ),
        )
        for seq in range(size)
    ]


LEAVES = ledger()
CHECKPOINT = cps.sign_checkpoint(
    LEDGER_KEY, cps.key_id_of(LEDGER_PUBLIC), len(LEAVES), merkle.root_hash(LEAVES), T0
)
SLICE = [1, 2, 4, 5, 7, 30]
CASE = {"case": "case_0001", "title": "池袋 持ち出し", "staff": ["counter1"]}
NOTES = [{"at": "2023-05-15T10:00:00+09:00", "text": "警察から連絡"}]


def good_bundle(key: cps.Ed25519PrivateKey = LEDGER_KEY, checkpoint=CHECKPOINT) -> bytes:
    return b.build_bundle(
        [(s, LEAVES[s]) for s in SLICE],
        [merkle.inclusion_proof(LEAVES, s) for s in SLICE],
        checkpoint,
        CASE,
        NOTES,
        key,
        created_at=T0,
    )


def parts_of(bundle: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(parts: dict[str, bytes], *, resign_with: cps.Ed25519PrivateKey | None = None) -> bytes:
    """The bundle with `parts`; with `resign_with`, a manifest rehashed and re-signed (an
    insider with the export key), so that only the deeper checks can catch the change."""
    parts = dict(parts)
    if resign_with is not None:
        manifest = json.loads(parts[b.MANIFEST])
        for item in manifest["parts"]:
            item["sha256"] = hashlib.sha256(parts[item["name"]]).hexdigest()
        parts[b.MANIFEST] = json.dumps(manifest).encode()
        parts[b.SIGNATURE] = base64.b64encode(resign_with.sign(parts[b.MANIFEST])) + b"\n"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def test_it_verifies_a_good_bundle_offline_and_reads_it_back() -> None:
    report = b.verify_bundle(good_bundle(), LEDGER_PUBLIC)
    assert report.ok, report.problems
    assert report.entries_checked == len(SLICE)
    assert [seq for seq, _ in report.events] == SLICE
    assert report.events[0][1].subjects == ("ds_001",)
    assert report.case == CASE and report.notes == NOTES
    assert report.checkpoint == CHECKPOINT


def test_it_builds_the_same_bytes_from_the_same_input() -> None:
    assert good_bundle() == good_bundle()


@pytest.mark.parametrize("part", b.PARTS)
def test_it_catches_a_flipped_byte_in_any_part(part: str) -> None:
    parts = parts_of(good_bundle())
    parts[part] = flip(parts[part], len(parts[part]) // 2)
    report = b.verify_bundle(rezip(parts), LEDGER_PUBLIC)
    assert not report.ok
    assert any(f"part {part!r} was altered" in p for p in report.problems), report.problems


def test_it_catches_an_altered_manifest_by_its_signature() -> None:
    parts = parts_of(good_bundle())
    parts[b.MANIFEST] = parts[b.MANIFEST].replace(b'"entries": 6', b'"entries": 5')
    report = b.verify_bundle(rezip(parts), LEDGER_PUBLIC)
    assert any("manifest's signature does not verify" in p for p in report.problems)


def test_it_catches_a_byte_flipped_in_the_archive_itself() -> None:
    bundle = good_bundle()
    report = b.verify_bundle(flip(bundle, len(bundle) // 3), LEDGER_PUBLIC)
    assert not report.ok
    assert any("damaged" in p or "altered" in p for p in report.problems), report.problems


def test_it_catches_a_wrong_inclusion_proof_even_under_a_valid_manifest() -> None:
    parts = parts_of(good_bundle())
    lines = parts[b.PROOFS].splitlines(keepends=True)
    second = json.loads(lines[1])
    second["proof"] = json.loads(lines[2])["proof"]  # entry 2 claims entry 4's path
    lines[1] = json.dumps(second).encode() + b"\n"
    parts[b.PROOFS] = b"".join(lines)
    report = b.verify_bundle(rezip(parts, resign_with=LEDGER_KEY), LEDGER_PUBLIC)
    assert report.problems == (
        "entry 2: its inclusion proof does not lead to the checkpoint's root — the entry or "
        "the proof was altered, or the entry is not in the ledger",
    )


def test_it_catches_an_entry_rewritten_and_moved() -> None:
    parts = parts_of(good_bundle())
    lines = parts[b.ENTRIES].splitlines(keepends=True)
    moved = json.loads(lines[0])
    moved["entry"] = base64.b64encode(LEAVES[3]).decode()  # entry 3 presented as entry 1
    lines[0] = json.dumps(moved).encode() + b"\n"
    parts[b.ENTRIES] = b"".join(lines)
    report = b.verify_bundle(rezip(parts, resign_with=LEDGER_KEY), LEDGER_PUBLIC)
    assert report.problems == ("entry 1 is really entry 3: it was moved",)


def test_it_catches_a_forged_checkpoint() -> None:
    forger = key(b"a forger")
    forged = cps.sign_checkpoint(
        forger, cps.key_id_of(LEDGER_PUBLIC), CHECKPOINT.size, CHECKPOINT.root, T0
    )
    bundle = good_bundle(key=OFFICER_KEY, checkpoint=forged)
    report = b.verify_bundle(bundle, OFFICER_KEY.public_key(), checkpoint_key=LEDGER_PUBLIC)
    assert report.problems == (
        "the checkpoint (size 37) is not signed by the ledger key: it was forged or altered",
    )
    honest = good_bundle(key=OFFICER_KEY)
    assert b.verify_bundle(honest, OFFICER_KEY.public_key(), checkpoint_key=LEDGER_PUBLIC).ok


def test_it_refuses_a_bundle_signed_by_another_key() -> None:
    report = b.verify_bundle(good_bundle(key=OFFICER_KEY), LEDGER_PUBLIC)
    assert any("signed by another key" in p for p in report.problems)


def test_it_checks_the_checkpoint_against_the_auditors_witness_log() -> None:
    line = cps.to_witness_line(CHECKPOINT)
    assert b.verify_bundle(good_bundle(), LEDGER_PUBLIC, witness_lines=["x", line + "\n"]).ok
    report = b.verify_bundle(good_bundle(), LEDGER_PUBLIC, witness_lines=["x"])
    assert any("not in the witness log" in p for p in report.problems)


def test_it_reports_a_file_that_is_not_a_bundle() -> None:
    report = b.verify_bundle(b"%PDF-1.4 not a zip", LEDGER_PUBLIC)
    assert report.problems == (
        "this is not an evidence bundle: the file is not a readable zip archive",
    )


def test_it_reports_unexpected_and_missing_parts() -> None:
    parts = parts_of(good_bundle())
    del parts[b.NOTES]
    parts["extra.txt"] = b"hello"
    problems = b.verify_bundle(rezip(parts), LEDGER_PUBLIC).problems
    assert "the bundle holds an unexpected part 'extra.txt'" in problems
    assert "part 'case/notes.json' is missing from the bundle" in problems


def test_it_refuses_to_build_a_bundle_that_would_not_verify() -> None:
    entries = [(s, LEAVES[s]) for s in SLICE]
    proofs = [merkle.inclusion_proof(LEAVES, s) for s in SLICE]
    with pytest.raises(InvalidInput, match="does not lead"):
        b.build_bundle(entries, proofs[::-1], CHECKPOINT, CASE, NOTES, LEDGER_KEY)
    with pytest.raises(InvalidInput, match="proofs"):
        b.build_bundle(entries, proofs[:-1], CHECKPOINT, CASE, NOTES, LEDGER_KEY)
    with pytest.raises(InvalidInput, match="says it is"):
        b.build_bundle([(9, LEAVES[8])], [proofs[0]], CHECKPOINT, CASE, NOTES, LEDGER_KEY)
    with pytest.raises(InvalidInput, match="JSON"):
        b.build_bundle(entries, proofs, CHECKPOINT, b"{not json", NOTES, LEDGER_KEY)
