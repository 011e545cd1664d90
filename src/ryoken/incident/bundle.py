"""Evidence bundles: a ledger slice the police or an auditor can check offline.

A bundle is a zip archive (deterministic: fixed timestamps, sorted parts) holding

    manifest.json          format, signer key id, checkpoint, and the SHA-256 of every part
    manifest.sig           Ed25519 signature over manifest.json's bytes (base64, one line)
    ledger/entries.jsonl   {"seq": n, "entry": base64 of the ledger entry bytes}, by seq
    ledger/proofs.jsonl    {"seq": n, "proof": [base64 hashes]}: RFC 9162 inclusion proofs
    ledger/checkpoint.txt  the witnessed checkpoint as a witness line, signature included
    case/case.json         the case
    case/notes.json        its notes

`verify_bundle` needs nothing but the bundle and the public key(s): it checks the manifest's
signature, every part's hash, the checkpoint's signature, that each entry's header names its
seq, and that each entry's inclusion proof leads to the checkpoint's root. It never raises on
a bad bundle: it reports every problem it finds, each in a sentence a reviewer can act on.
A zip is used rather than one JSON document so that each part keeps its exact bytes (the
manifest signs bytes, not a re-serialisation) and opens with any archive tool.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature

from ryoken.audit.checkpoints import (
    Checkpoint,
    Ed25519PrivateKey,
    Ed25519PublicKey,
    key_id_of,
    parse_witness_line,
    to_witness_line,
    verify_checkpoint,
)
from ryoken.audit.events import Event, decode_entry, entry_seq, format_time
from ryoken.audit.merkle import leaf_hash, verify_inclusion
from ryoken.audit.signers import Signer
from ryoken.errors import InvalidInput

FORMAT = "ryoken-evidence-bundle/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
ENTRIES = "ledger/entries.jsonl"
PROOFS = "ledger/proofs.jsonl"
CHECKPOINT = "ledger/checkpoint.txt"
CASE = "case/case.json"
NOTES = "case/notes.json"
PARTS = (CASE, NOTES, CHECKPOINT, ENTRIES, PROOFS)
MAX_PART_BYTES = 1 << 30  # refuse to inflate more than 1 GiB per part
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class BundleReport:
    """What `verify_bundle` found. `ok` only when there is no problem at all."""

    problems: tuple[str, ...]
    entries_checked: int
    checkpoint: Checkpoint | None
    events: tuple[tuple[int, Event], ...]
    case: Any
    notes: Any
    signer_key_id: str | None

    @property
    def ok(self) -> bool:
        return not self.problems


def _json_bytes(value: bytes | Mapping[str, Any] | Sequence[Any], what: str) -> bytes:
    if isinstance(value, bytes):
        try:
            json.loads(value.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise InvalidInput(f"the {what} is not UTF-8 JSON: {error}") from None
        return value
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()


def _line(obj: Mapping[str, Any]) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode("ascii") + b"\n"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def build_bundle(
    entries: Sequence[tuple[int, bytes]],
    proofs: Sequence[Sequence[bytes]],
    checkpoint: Checkpoint,
    case_json: bytes | Mapping[str, Any],
    notes: bytes | Sequence[Mapping[str, Any]],
    signing_key: Ed25519PrivateKey | Signer,
    *,
    created_at: datetime | None = None,
) -> bytes:
    """The bundle's bytes. `proofs[i]` is the inclusion proof of `entries[i]` in the tree of
    `checkpoint.size` entries. Refuses (InvalidInput) input that would not verify."""
    if len(proofs) != len(entries):
        raise InvalidInput(f"{len(entries)} entries but {len(proofs)} proofs")
    seen: set[int] = set()
    entry_lines, proof_lines = [], []
    for (seq, data), proof in sorted(zip(entries, proofs, strict=True), key=lambda x: x[0][0]):
        if seq in seen:
            raise InvalidInput(f"entry {seq} is given twice")
        seen.add(seq)
        if entry_seq(data) != seq:
            raise InvalidInput(f"the entry given as seq {seq} says it is {entry_seq(data)}")
        if not verify_inclusion(
            leaf_hash(data), seq, checkpoint.size, list(proof), checkpoint.root
        ):
            raise InvalidInput(f"the proof for entry {seq} does not lead to the checkpoint root")
        entry_lines.append(_line({"seq": seq, "entry": _b64(data)}))
        proof_lines.append(_line({"seq": seq, "proof": [_b64(h) for h in proof]}))
    parts = {
        CASE: _json_bytes(case_json, "case"),
        NOTES: _json_bytes(notes, "notes"),
        CHECKPOINT: (to_witness_line(checkpoint) + "\n").encode("ascii"),
        ENTRIES: b"".join(entry_lines),
        PROOFS: b"".join(proof_lines),
    }
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "signer_key_id": key_id_of(signing_key.public_key()),
        "checkpoint": {
            "size": checkpoint.size,
            "root": _b64(checkpoint.root),
            "key_id": checkpoint.key_id,
        },
        "entries": len(entries),
        "parts": [
            {
                "name": name,
                "sha256": hashlib.sha256(parts[name]).hexdigest(),
                "size": len(parts[name]),
            }
            for name in sorted(parts)
        ],
    }
    if created_at is not None:
        manifest["created_at"] = format_time(created_at)
    manifest_bytes = (json.dumps(manifest, sort_keys=True, indent=2) + "\n").encode("ascii")
    signature = (_b64(signing_key.sign(manifest_bytes)) + "\n").encode("ascii")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in [
            (MANIFEST, manifest_bytes),
            (SIGNATURE, signature),
            *sorted(parts.items()),
        ]:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return out.getvalue()


# --- verification ---------------------------------------------------------------------------


def _read_parts(bundle: bytes, problems: list[str]) -> dict[str, bytes] | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(bundle))
    except (zipfile.BadZipFile, ValueError):
        problems.append("this is not an evidence bundle: the file is not a readable zip archive")
        return None
    parts: dict[str, bytes] = {}
    with archive:
        for info in archive.infolist():
            name = info.filename
            if name not in (MANIFEST, SIGNATURE, *PARTS):
                problems.append(f"the bundle holds an unexpected part {name!r}")
                continue
            if name in parts:
                problems.append(f"the bundle holds part {name!r} twice")
                continue
            if info.file_size > MAX_PART_BYTES:
                problems.append(f"part {name!r} is larger than {MAX_PART_BYTES} bytes")
                continue
            try:
                parts[name] = archive.read(info)
            except (zipfile.BadZipFile, zlib.error, EOFError, ValueError):
                problems.append(f"part {name!r} is damaged: its bytes fail the archive's checksum")
    return parts


def _check_manifest(
    parts: Mapping[str, bytes], public_key: Ed25519PublicKey, problems: list[str]
) -> dict[str, Any] | None:
    raw, sig_text = parts.get(MANIFEST), parts.get(SIGNATURE)
    if raw is None or sig_text is None:
        problems.append("the bundle has no manifest or no manifest signature")
        return None
    try:
        signature = base64.b64decode(sig_text.strip(), validate=True)
        public_key.verify(signature, raw)
    except (binascii.Error, ValueError, InvalidSignature):
        problems.append(
            "the manifest's signature does not verify with the given public key: the manifest "
            "was altered, or the bundle was signed by another key"
        )
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        problems.append("the manifest is not JSON")
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        problems.append(f"the manifest is not a {FORMAT} manifest")
        return None
    return manifest


def _check_hashes(
    parts: Mapping[str, bytes], manifest: Mapping[str, Any], problems: list[str]
) -> None:
    listed: dict[str, str] = {}
    for item in manifest.get("parts", []):
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            listed[item["name"]] = str(item.get("sha256", ""))
    for name in PARTS:
        if name not in listed:
            problems.append(f"the manifest does not list part {name!r}")
        elif name not in parts:
            problems.append(f"part {name!r} is missing from the bundle")
        else:
            actual = hashlib.sha256(parts[name]).hexdigest()
            if not hmac.compare_digest(actual, listed[name]):
                problems.append(
                    f"part {name!r} was altered: its SHA-256 is {actual}, the manifest says "
                    f"{listed[name]}"
                )


def _jsonl(data: bytes, what: str, problems: list[str]) -> list[dict[str, Any]]:
    out = []
    for number, line in enumerate(data.splitlines(), start=1):
        try:
            obj = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError):
            problems.append(f"{what} line {number} is not JSON")
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("seq"), int):
            problems.append(f"{what} line {number} has no sequence number")
            continue
        out.append(obj)
    return out


def _checkpoint(
    parts: Mapping[str, bytes],
    manifest: Mapping[str, Any] | None,
    key: Ed25519PublicKey,
    witness_lines: Iterable[str] | None,
    problems: list[str],
) -> Checkpoint | None:
    raw = parts.get(CHECKPOINT)
    if raw is None:
        return None
    try:
        cp = parse_witness_line(raw.decode("ascii"))
    except (UnicodeDecodeError, InvalidInput) as error:
        problems.append(f"the checkpoint cannot be read: {error}")
        return None
    if not verify_checkpoint(key, cp):
        problems.append(
            f"the checkpoint (size {cp.size}) is not signed by the ledger key: it was forged "
            "or altered"
        )
    if manifest is not None:
        stated = manifest.get("checkpoint", {})
        if stated.get("size") != cp.size or stated.get("root") != _b64(cp.root):
            problems.append("the checkpoint differs from the one the manifest names")
    if witness_lines is not None:
        wanted = to_witness_line(cp)
        if not any(line.strip() == wanted for line in witness_lines):
            problems.append(
                f"the checkpoint (size {cp.size}) is not in the witness log given: the auditor's "
                "copy does not confirm it"
            )
    return cp


def _check_entries(
    parts: Mapping[str, bytes], cp: Checkpoint | None, problems: list[str]
) -> list[tuple[int, Event]]:
    entries = _jsonl(parts.get(ENTRIES, b""), "entries", problems)
    proofs = {p["seq"]: p.get("proof") for p in _jsonl(parts.get(PROOFS, b""), "proofs", problems)}
    events: list[tuple[int, Event]] = []
    for item in entries:
        seq = item["seq"]
        proof_b64 = proofs.pop(seq, None)
        try:
            data = base64.b64decode(str(item.get("entry", "")), validate=True)
            claimed, event = decode_entry(data)
        except (binascii.Error, ValueError, InvalidInput):
            problems.append(f"entry {seq} is not a ledger entry")
            continue
        if claimed != seq:
            problems.append(f"entry {seq} is really entry {claimed}: it was moved")
            continue
        events.append((seq, event))
        if proof_b64 is None:
            problems.append(f"entry {seq} has no inclusion proof")
            continue
        try:
            proof = [base64.b64decode(h, validate=True) for h in proof_b64]
        except (binascii.Error, ValueError, TypeError):
            problems.append(f"the inclusion proof of entry {seq} is not base64")
            continue
        if cp is not None and not verify_inclusion(leaf_hash(data), seq, cp.size, proof, cp.root):
            problems.append(
                f"entry {seq}: its inclusion proof does not lead to the checkpoint's root — the "
                "entry or the proof was altered, or the entry is not in the ledger"
            )
    for seq in sorted(proofs):
        problems.append(f"there is a proof for entry {seq} but no such entry")
    return events


def verify_bundle(
    bundle_bytes: bytes,
    public_key: Ed25519PublicKey,
    *,
    checkpoint_key: Ed25519PublicKey | None = None,
    witness_lines: Iterable[str] | None = None,
) -> BundleReport:
    """Check a bundle offline. `public_key` verifies the manifest (and the checkpoint, unless
    `checkpoint_key`, the ledger's key, is given); `witness_lines` is the auditor's witness
    log, which must then hold the bundle's checkpoint."""
    problems: list[str] = []
    parts = _read_parts(bundle_bytes, problems)
    if parts is None:
        return BundleReport(tuple(problems), 0, None, (), None, None, None)
    manifest = _check_manifest(parts, public_key, problems)
    if manifest is not None:
        _check_hashes(parts, manifest, problems)
    cp = _checkpoint(parts, manifest, checkpoint_key or public_key, witness_lines, problems)
    events = _check_entries(parts, cp, problems)
    return BundleReport(
        problems=tuple(problems),
        entries_checked=len(events),
        checkpoint=cp,
        events=tuple(events),
        case=_loads(parts.get(CASE)),
        notes=_loads(parts.get(NOTES)),
        signer_key_id=str(manifest.get("signer_key_id")) if manifest else None,
    )


def _loads(raw: bytes | None) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
