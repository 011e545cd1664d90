"""The C2SP tlog-witness protocol: the request, the witness's decision, the cosignatures.

Followed from c2sp.org/tlog-witness (add-checkpoint) and c2sp.org/tlog-cosignature (v1,
timestamped Ed25519, signature type 0x04). A log POSTs to `<prefix>/add-checkpoint`:

    old <size the witness last cosigned, or 0>
    <consistency proof hashes, one base64 line each, at most 63>
    <empty line>
    <the signed checkpoint note>

The witness checks the log's signature (404 unknown origin, 403 no valid signature), that
`old` is its own latest size for that origin (409 with `text/x.tlog.size` and its size
otherwise), the consistency proof (422), and answers 200 with its cosignature line(s).
Checking and recording the new size happen under one lock.

Pure: the witness's storage is a small interface (`WitnessState`), time is passed in, the
cosigning key is a `Signer`. The HTTP server around it is `ryoken witness serve`
(ryoken.cli.witness); the ledger's client is ryoken.web.ledger.witnesses.
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from ryoken.audit import notes
from ryoken.audit.checkpoints import Checkpoint, checkpoint_message, parse_checkpoint_text
from ryoken.audit.merkle import EMPTY_ROOT, verify_consistency
from ryoken.audit.signers import Signer
from ryoken.errors import InvalidInput

__all__ = [
    "SIZE_CONTENT_TYPE",
    "AddCheckpoint",
    "Response",
    "StoredCosignature",
    "Witness",
    "WitnessState",
    "check_cosignatures",
    "format_add_checkpoint",
    "parse_add_checkpoint",
    "parse_conflict",
    "parse_cosignatures",
]

SIZE_CONTENT_TYPE = "text/x.tlog.size"
MAX_PROOF_LINES = 63
MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class AddCheckpoint:
    old_size: int
    proof: list[bytes]
    note: str


def format_add_checkpoint(old_size: int, proof: Sequence[bytes], note: str) -> bytes:
    if len(proof) > MAX_PROOF_LINES:
        raise InvalidInput(f"a consistency proof has at most {MAX_PROOF_LINES} hashes")
    lines = [f"old {old_size}\n", *(base64.b64encode(h).decode("ascii") + "\n" for h in proof)]
    return ("".join(lines) + "\n" + note).encode("utf-8")


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """Parse an add-checkpoint request body. Raises InvalidInput (answer 400)."""
    if len(body) > MAX_BODY:
        raise InvalidInput("the request body is too large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the request body is not UTF-8") from None
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise InvalidInput("the request has no empty line before the checkpoint")
    lines = head.split("\n")
    if not lines[0].startswith("old "):
        raise InvalidInput("the request starts with 'old <size>'")
    old_size = notes.parse_decimal(lines[0][4:], "old size")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise InvalidInput(f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof = []
    for line in lines[1:]:
        try:
            digest = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError):
            digest = b""
        if len(digest) != 32:
            raise InvalidInput("a consistency proof line is not a base64 SHA-256 hash")
        proof.append(digest)
    return AddCheckpoint(old_size, proof, note)


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"


def _say(status: int, message: str) -> Response:
    return Response(status, (message + "\n").encode("utf-8"))


class WitnessState(Protocol):
    """Where a witness keeps, per origin, the latest checkpoint it cosigned."""

    def latest(self, origin: str) -> tuple[int, bytes] | None: ...

    def record(self, origin: str, size: int, root: bytes, note: str) -> None:
        """Persist before returning (the witness answers only after)."""


class Witness:
    """A witness for the logs whose verifier keys it is given, keyed by origin."""

    def __init__(
        self,
        signer: Signer,
        logs: Mapping[str, Sequence[notes.VerifierKey]],
        state: WitnessState,
    ) -> None:
        self.signer = signer
        self.logs = {origin: list(keys) for origin, keys in logs.items()}
        self.state = state
        self._lock = threading.Lock()

    def verifier_key(self) -> notes.VerifierKey:
        return notes.VerifierKey.of(
            self.signer.name, self.signer.public_key(), notes.COSIGNATURE_V1
        )

    def add_checkpoint(self, body: bytes, now: int) -> Response:
        """Handle one add-checkpoint request at Unix time `now`."""
        try:
            request = parse_add_checkpoint(body)
            text, signatures = notes.parse_note(request.note)
            checkpoint = parse_checkpoint_text(text)
        except InvalidInput as error:
            return _say(400, error.message)
        keys = self.logs.get(checkpoint.origin)
        if keys is None:
            return _say(404, f"unknown log origin {checkpoint.origin!r}")
        verified = False
        for sig in signatures:
            for key in keys:
                if key.name == sig.name and key.key_id == sig.key_id:
                    if not notes.verify_signature(key, text, sig):
                        return _say(403, "a signature from the log's key does not verify")
                    verified = True
        if not verified:
            return _say(403, "the checkpoint is not signed by a key trusted for its origin")
        if request.old_size > checkpoint.size:
            return _say(400, "the old size is larger than the checkpoint size")
        with self._lock:
            known = self.state.latest(checkpoint.origin)
            known_size, known_root = known if known is not None else (0, b"")
            if request.old_size != known_size:
                return Response(409, f"{known_size}\n".encode("ascii"), SIZE_CONTENT_TYPE)
            if request.old_size == checkpoint.size:
                # the same tree again (also the empty tree, whose root is fixed)
                same_root = known_root if known is not None else EMPTY_ROOT
                if checkpoint.root != same_root or request.proof:
                    return Response(409, f"{known_size}\n".encode("ascii"), SIZE_CONTENT_TYPE)
            elif request.old_size == 0:
                if request.proof:
                    return _say(400, "the consistency proof must be empty when the old size is 0")
            elif not verify_consistency(
                known_size, checkpoint.size, known_root, checkpoint.root, request.proof
            ):
                return _say(422, "the consistency proof does not verify")
            self.state.record(checkpoint.origin, checkpoint.size, checkpoint.root, request.note)
        cosignature = notes.make_cosignature(
            self.signer.name, self.signer.public_key(), self.signer.sign, text, now
        )
        return Response(200, cosignature.line().encode("utf-8"))


# --- the log's side ---------------------------------------------------------------------------


def parse_conflict(body: bytes) -> int:
    """The witness's latest size from a 409 `text/x.tlog.size` body."""
    try:
        return notes.parse_decimal(body.decode("ascii").removesuffix("\n"), "witness size")
    except UnicodeDecodeError:
        raise InvalidInput("the witness's 409 answer is not a size") from None


def parse_cosignatures(
    body: bytes, text: str, witness: notes.VerifierKey
) -> list[tuple[notes.NoteSignature, int]]:
    """The valid cosignatures by `witness` in a 200 answer, with their timestamps.

    Lines from other keys are ignored (as the spec asks); a malformed answer raises
    InvalidInput, and so does an answer with no valid cosignature from `witness`.
    """
    try:
        lines = body.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise InvalidInput("the witness's answer is not UTF-8") from None
    found = []
    for line in lines:
        sig = notes.parse_signature_line(line)
        if sig.name != witness.name or sig.key_id != witness.key_id:
            continue
        timestamp = notes.verify_cosignature(witness, text, sig)
        if timestamp is None:
            raise InvalidInput(f"the cosignature from {witness.name} does not verify")
        found.append((sig, timestamp))
    if not found:
        raise InvalidInput(f"the answer holds no cosignature from {witness.name}")
    return found


@dataclass(frozen=True)
class StoredCosignature:
    """A witness's cosignature of the checkpoint at `size`, as the log stored it."""

    size: int
    name: str
    key_id: int
    signature: bytes

    def note_signature(self) -> notes.NoteSignature:
        return notes.NoteSignature(self.name, self.key_id, self.signature)


def check_cosignatures(
    checkpoints: Sequence[Checkpoint],
    cosignatures: Sequence[StoredCosignature],
    witnesses: Sequence[notes.VerifierKey],
) -> list[str]:
    """Problems with the external witnesses' cosignatures; empty when all is well.

    Every stored cosignature from a configured witness must verify over the checkpoint of
    its size, and every configured witness must have cosigned the latest checkpoint: a
    checkpoint no witness vouches for may be a rewritten history.
    """
    problems: list[str] = []
    texts: dict[int, str] = {}
    for cp in checkpoints:
        try:
            texts[cp.size] = checkpoint_message(cp.size, cp.root, cp.at, cp.origin).decode()
        except InvalidInput:
            continue  # verify_ledger reports malformed checkpoints
    latest = max(texts, default=None)
    for witness in witnesses:
        good: list[int] = []
        for cs in cosignatures:
            if cs.name != witness.name or cs.key_id != witness.key_id:
                continue
            text = texts.get(cs.size)
            if text is None:
                problems.append(
                    f"witness {witness.name} cosigned a checkpoint at size {cs.size} that the "
                    "database no longer holds: checkpoints were deleted"
                )
            elif notes.verify_cosignature(witness, text, cs.note_signature()) is None:
                problems.append(
                    f"the cosignature of witness {witness.name} at size {cs.size} does not verify:"
                    " the checkpoint or the cosignature was altered"
                )
            else:
                good.append(cs.size)
        if latest is None:
            continue
        best = max(good, default=None)
        if best is None or best < latest:
            seen = "no checkpoint" if best is None else f"up to size {best} only"
            problems.append(
                f"witness {witness.name} has cosigned {seen}, but the latest checkpoint is at "
                f"size {latest}: run `ryoken audit cosign`; if the witness refuses, the "
                "ledger's history was rewritten"
            )
    return problems
