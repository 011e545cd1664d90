"""External witnesses: ask them to cosign our checkpoints (C2SP tlog-witness), keep and check
their cosignatures.

RYOKEN_WITNESSES        one witness per line (or separated by `;`): `<URL prefix> <vkey>`,
                        the vkey being the witness's cosigner key (type 0x04) as
                        `ryoken witness vkey` prints it. Every listed witness must cosign the
                        latest checkpoint, or `ryoken audit verify` fails.
RYOKEN_WITNESS_TIMEOUT  seconds to wait for one witness (default 10)

`cosign_latest()` sends the latest checkpoint, with a consistency proof from the size each
witness last cosigned, and stores what comes back; `ryoken audit cosign` and `ryoken audit
checkpoint` run it, and so does the checkpoint timer (ledger/timer.py). HTTP goes through a
one-method `Transport` so that tests hand in a witness running in the same process.
"""

from __future__ import annotations

import logging
import os
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from django.db import IntegrityError, transaction

from ryoken.audit import checkpoints as cps
from ryoken.audit import notes
from ryoken.audit import witness as wit
from ryoken.audit.tree import consistency_proof_at
from ryoken.errors import ConfigurationError, InvalidInput
from ryoken.web.env import env_int
from ryoken.web.ledger import checkpoints
from ryoken.web.ledger.models import Checkpoint, Cosignature
from ryoken.web.ledger.store import DbNodeReader

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WitnessConfig:
    url: str
    key: notes.VerifierKey

    @property
    def endpoint(self) -> str:
        return self.url.rstrip("/") + "/add-checkpoint"


def configured() -> list[WitnessConfig]:
    raw = os.environ.get("RYOKEN_WITNESSES", "")
    out = []
    for item in raw.replace(";", "\n").splitlines():
        if not item.strip():
            continue
        parts = item.split()
        if len(parts) != 2 or not parts[0].startswith(("http://", "https://")):
            raise ConfigurationError(
                f"RYOKEN_WITNESSES: {item.strip()!r} is not `<http(s) URL prefix> <vkey>`"
            )
        try:
            key = notes.parse_vkey(parts[1])
        except InvalidInput as error:
            raise ConfigurationError(f"RYOKEN_WITNESSES: {error.message}") from None
        if key.sig_type != notes.COSIGNATURE_V1:
            raise ConfigurationError(
                f"RYOKEN_WITNESSES: the key of {key.name} is not a cosigner key (type 0x04)"
            )
        out.append(WitnessConfig(parts[0], key))
    return out


class Transport(Protocol):
    def post(self, url: str, body: bytes, timeout: float) -> tuple[int, str, bytes]:
        """(status, content type, body). Raises OSError when the witness is unreachable."""


class UrllibTransport:
    def post(self, url: str, body: bytes, timeout: float) -> tuple[int, str, bytes]:
        request = urllib.request.Request(  # noqa: S310 - the URL is operator configuration
            url, data=body, method="POST", headers={"Content-Type": "text/plain"}
        )
        try:
            # Only http(s) URLs reach here: `configured()` refuses any other scheme.
            with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 # nosec B310
                return answer.status, answer.headers.get("Content-Type", ""), answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Content-Type", ""), error.read()


@dataclass(frozen=True)
class Outcome:
    witness: str
    ok: bool
    message: str


def _last_cosigned(key: notes.VerifierKey) -> int:
    row = (
        Cosignature.objects.filter(name=key.name, key_id=key.key_id)
        .order_by("-size")
        .values_list("size", flat=True)
        .first()
    )
    return int(row) if row is not None else 0


def _ask(
    config: WitnessConfig, cp: cps.Checkpoint, note: str, old: int, transport: Transport
) -> tuple[int, str, bytes]:
    proof = consistency_proof_at(DbNodeReader(), old, cp.size) if 0 < old < cp.size else []
    body = wit.format_add_checkpoint(old, proof, note)
    timeout = env_int("RYOKEN_WITNESS_TIMEOUT", 10)
    return transport.post(config.endpoint, body, float(timeout))


def cosign_one(
    config: WitnessConfig, row: Checkpoint, transport: Transport | None = None
) -> Outcome:
    """Ask one witness to cosign the checkpoint `row`; store its cosignature."""
    transport = transport or UrllibTransport()
    name = config.key.name
    if Cosignature.objects.filter(size=row.size, name=name, key_id=config.key.key_id).exists():
        return Outcome(name, True, f"already cosigned size {row.size}")
    cp = checkpoints.to_audit_checkpoint(row)
    public_key = checkpoints.load_public_key()
    note = cps.checkpoint_note(cp, public_key)
    text = cps.checkpoint_message(cp.size, cp.root, cp.at, cp.origin).decode("utf-8")
    old = _last_cosigned(config.key)
    try:
        status, ctype, body = _ask(config, cp, note, old, transport)
        if status == 409 and ctype.startswith(wit.SIZE_CONTENT_TYPE):
            known = wit.parse_conflict(body)
            if known > cp.size:
                return Outcome(
                    name,
                    False,
                    f"the witness has cosigned size {known}, beyond our latest checkpoint "
                    f"({cp.size}): the ledger was truncated or restored from an older copy",
                )
            old = known
            status, ctype, body = _ask(config, cp, note, old, transport)
    except OSError as error:
        return Outcome(name, False, f"unreachable ({error})")
    except InvalidInput as error:
        return Outcome(name, False, error.message)
    if status != 200:
        detail = body.decode("utf-8", "replace").strip()[:200]
        return Outcome(name, False, f"refused with HTTP {status}: {detail}")
    try:
        found = wit.parse_cosignatures(body, text, config.key)
    except InvalidInput as error:
        return Outcome(name, False, error.message)
    for sig, timestamp in found:
        try:
            with transaction.atomic():
                Cosignature.objects.create(
                    size=cp.size,
                    name=sig.name,
                    key_id=sig.key_id,
                    signature=sig.signature,
                    at=datetime.fromtimestamp(timestamp, UTC),
                )
        except IntegrityError:
            pass  # another process stored this witness's cosignature of this size first
    return Outcome(name, True, f"cosigned size {cp.size} (from {old})")


def cosign_latest(transport: Transport | None = None) -> list[Outcome]:
    """Ask every configured witness to cosign the latest checkpoint. Never raises on a
    witness's answer or absence (that shows in verify as a lagging witness); logs it."""
    row = checkpoints.latest()
    if row is None:
        return []
    outcomes = [cosign_one(config, row, transport) for config in configured()]
    for outcome in outcomes:
        if not outcome.ok:
            log.warning("witness %s: %s", outcome.witness, outcome.message)
    return outcomes


def probe(config: WitnessConfig, row: Checkpoint, transport: Transport | None = None) -> str | None:
    """Ask a witness which size it last cosigned for us (an add-checkpoint with `old 0`,
    which the spec offers for exactly this) and compare it with our latest checkpoint.

    Returns a problem, or None. A witness that has seen more than the database holds means
    the ledger was truncated or restored; one that cannot be asked fails verification too,
    because the witness is required.
    """
    transport = transport or UrllibTransport()
    cp = checkpoints.to_audit_checkpoint(row)
    note = cps.checkpoint_note(cp, checkpoints.load_public_key())
    name = config.key.name
    try:
        status, ctype, body = _ask(config, cp, note, 0, transport)
        if status == 200:
            return None  # the witness had never seen us: it cosigned now (stored next time)
        if status != 409 or not ctype.startswith(wit.SIZE_CONTENT_TYPE):
            return f"witness {name} answered HTTP {status} when asked for its size"
        known = wit.parse_conflict(body)
    except OSError as error:
        return f"witness {name} could not be asked for the size it last cosigned ({error})"
    except InvalidInput as error:
        return f"witness {name}: {error.message}"
    if known > cp.size:
        return (
            f"witness {name} has cosigned a checkpoint at size {known}, but the database's "
            f"latest is at size {cp.size}: the ledger was truncated or restored from an older "
            "copy"
        )
    return None


def stored() -> list[wit.StoredCosignature]:
    return [
        wit.StoredCosignature(int(size), name, int(key_id), bytes(sig))
        for size, name, key_id, sig in Cosignature.objects.order_by("size").values_list(
            "size", "name", "key_id", "signature"
        )
    ]


def check(
    checkpoint_list: Sequence[cps.Checkpoint], transport: Transport | None = None
) -> list[str]:
    """verify's part: the configured witnesses' cosignatures over the database checkpoints,
    and each witness's own latest size against the database's latest checkpoint."""
    configs = configured()
    problems = wit.check_cosignatures(checkpoint_list, stored(), [c.key for c in configs])
    latest = checkpoints.latest()
    if latest is not None:
        for config in configs:
            problem = probe(config, latest, transport)
            if problem:
                problems.append(problem)
    return problems


def cosigned_note(row: Checkpoint) -> str:
    """The checkpoint as a note with every stored cosignature line (for auditors and bundles)."""
    cp = checkpoints.to_audit_checkpoint(row)
    lines = [s.note_signature() for s in stored() if s.size == row.size]
    return cps.checkpoint_note(cp, checkpoints.load_public_key(), lines)
