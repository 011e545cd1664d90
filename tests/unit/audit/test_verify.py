"""The tamper matrix, against in-memory ledgers: each attack must be caught and named."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from ryoken.audit import checkpoints as cps
from ryoken.audit.events import Event, EventCode, entry_bytes
from ryoken.audit.merkle import leaf_hash, root_hash
from ryoken.audit.tree import Frontier
from ryoken.audit.verify import verify_ledger

START = datetime(2025, 4, 1, 0, 0, tzinfo=UTC)
PRIVATE, _ = cps.generate_signing_key(lambda n: hashlib.sha256(b"ledger").digest()[:n])
KEY = cps.load_private_key(PRIVATE)
PUBLIC = KEY.public_key()
KEY_ID = cps.key_id_of(PUBLIC)
ATTACKER = cps.load_private_key(
    cps.generate_signing_key(lambda n: hashlib.sha256(b"attacker").digest()[:n])[0]
)

Entry = tuple[int, bytes, bytes]


def event(i: int, actor: str = "staff-7") -> Event:
    return Event(
        code=EventCode.DISCLOSURE,
        at=START + timedelta(seconds=i),
        actor=actor,
        subjects=(f"p-{i % 13}",),
        fields=("name_kanji",),
        purpose="counter",
        grant=f"g-{i // 10}",
    )


@dataclasses.dataclass
class Ledger:
    entries: list[Entry]
    checkpoints: list[cps.Checkpoint]
    witness: list[cps.Checkpoint]

    def verify(self, **kwargs: object):  # type: ignore[no-untyped-def]
        return verify_ledger(self.entries, self.checkpoints, self.witness, PUBLIC, **kwargs)  # type: ignore[arg-type]


def build(
    events: list[Event], every: int = 10, key: cps.Ed25519PrivateKey = KEY
) -> tuple[list[Entry], list[cps.Checkpoint]]:
    """What the ledger app does: entries, and a signed checkpoint every `every` entries."""
    entries: list[Entry] = []
    checkpoints: list[cps.Checkpoint] = []
    frontier = Frontier()
    for seq, ev in enumerate(events):
        data = entry_bytes(seq, ev)
        entries.append((seq, data, leaf_hash(data)))
        frontier.append(leaf_hash(data))
        if frontier.size % every == 0:
            checkpoints.append(
                cps.sign_checkpoint(key, KEY_ID, frontier.size, frontier.root(), ev.at)
            )
    return entries, checkpoints


def honest(n: int = 45, every: int = 10) -> Ledger:
    entries, checkpoints = build([event(i) for i in range(n)], every)
    return Ledger(entries, checkpoints, list(checkpoints))


def test_it_passes_an_untouched_ledger_and_reports_its_root() -> None:
    ledger = honest()
    report = ledger.verify()
    assert report.ok, report.problems
    assert report.entries_checked == 45 and report.first_bad_seq is None
    assert report.root == root_hash([data for _, data, _ in ledger.entries])


def test_it_passes_an_empty_ledger() -> None:
    report = verify_ledger([], [], [], PUBLIC)
    assert report.ok and report.entries_checked == 0


def test_it_catches_an_edited_entry() -> None:
    ledger = honest()
    seq, data, stored = ledger.entries[17]
    ledger.entries[17] = (seq, data.replace(b"staff-7", b"staff-8"), stored)
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq == 17
    assert "entry 17 was altered" in report.problems[0]


def test_it_catches_an_edited_entry_whose_leaf_hash_was_recomputed() -> None:
    ledger = honest()
    data = entry_bytes(17, event(17, actor="staff-8"))
    ledger.entries[17] = (17, data, leaf_hash(data))
    report = ledger.verify()
    assert not report.ok
    assert report.first_bad_seq == 10  # the last checkpoint that still matched
    assert any("do not hash to the root" in p and "size 20" in p for p in report.problems)


def test_it_catches_a_deleted_entry() -> None:
    ledger = honest()
    del ledger.entries[23]
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq == 23
    assert report.problems[0] == "entry 23 missing: after entry 22 comes entry 24"


def test_it_catches_two_entries_whose_contents_were_swapped() -> None:
    ledger = honest()
    (a, data_a, hash_a), (b, data_b, hash_b) = ledger.entries[30], ledger.entries[31]
    ledger.entries[30], ledger.entries[31] = (a, data_b, hash_b), (b, data_a, hash_a)
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq == 30
    assert "entry 30 holds the contents of entry 31" in report.problems[0]


def test_it_catches_two_entries_served_out_of_order() -> None:
    ledger = honest()
    ledger.entries[30], ledger.entries[31] = ledger.entries[31], ledger.entries[30]
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq == 30
    assert any("entry 30 is out of order" in p for p in report.problems)


def test_it_catches_a_truncated_tail_from_the_checkpoints() -> None:
    ledger = honest()
    del ledger.entries[25:]
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq == 25
    assert any("database checkpoint at size 30" in p and "deleted" in p for p in report.problems)


def test_it_catches_a_truncated_tail_even_when_the_checkpoints_went_with_it() -> None:
    ledger = honest()
    del ledger.entries[25:]
    ledger.checkpoints = [cp for cp in ledger.checkpoints if cp.size <= 25]
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq == 25
    assert any("witness checkpoint at size 30" in p and "truncated" in p for p in report.problems)


def test_it_catches_a_rebuilt_ledger_with_re_signed_checkpoints() -> None:
    ledger = honest()
    forged = [event(i, actor="staff-8" if i == 12 else "staff-7") for i in range(45)]
    ledger.entries, ledger.checkpoints = build(forged, key=ATTACKER)
    report = ledger.verify()
    assert not report.ok
    assert any("database checkpoint" in p and "invalid signature" in p for p in report.problems)
    assert any("witness checkpoint at size 20" in p and "root" in p for p in report.problems)
    assert report.first_bad_seq == 10


def test_it_catches_a_rebuilt_ledger_whose_checkpoints_were_dropped() -> None:
    ledger = honest()
    forged = [event(i, actor="staff-8" if i == 12 else "staff-7") for i in range(45)]
    ledger.entries, _ = build(forged)
    ledger.checkpoints = []
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq == 10


def test_it_catches_a_rebuilt_ledger_that_kept_the_old_checkpoints() -> None:
    ledger = honest()
    forged = [event(i, actor="staff-8" if i == 12 else "staff-7") for i in range(45)]
    ledger.entries, _ = build(forged)
    ledger.witness = []
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq == 10


def test_it_catches_a_restored_older_copy_of_the_database() -> None:
    ledger = honest(45)
    older = honest(32)  # the same history, taken earlier: consistent in itself
    assert older.verify().ok
    report = verify_ledger(older.entries, older.checkpoints, ledger.witness, PUBLIC)
    assert not report.ok and report.first_bad_seq == 32
    assert any("restored from an older copy" in p for p in report.problems)


def test_it_catches_a_database_checkpoint_that_differs_from_the_witness() -> None:
    ledger = honest()
    frontier = Frontier()
    other = [leaf_hash(b"another history %d" % i) for i in range(20)]
    frontier.extend(other)
    ledger.checkpoints[1] = cps.sign_checkpoint(KEY, KEY_ID, 20, frontier.root(), START)
    report = ledger.verify()
    assert not report.ok
    assert any("different root from the database" in p for p in report.problems)


def test_it_catches_a_forged_witness_line() -> None:
    ledger = honest()
    ledger.witness[0] = dataclasses.replace(ledger.witness[0], root=b"\x00" * 32)
    report = ledger.verify()
    assert not report.ok
    assert "witness file was altered" in report.problems[0]


def test_it_accepts_checkpoints_signed_before_a_key_rotation() -> None:
    entries, first = build([event(i) for i in range(20)])
    new_key = ATTACKER  # stands in for the successor key here
    frontier = Frontier()
    frontier.extend(h for _, _, h in entries)
    rotated = cps.sign_checkpoint(new_key, "key-2", 20, frontier.root(), START)
    keys = {KEY_ID: PUBLIC, "key-2": new_key.public_key()}
    assert verify_ledger(entries, [*first[:1], rotated], [], keys).ok
    report = verify_ledger(entries, [*first[:1], rotated], [], PUBLIC)
    assert not report.ok


def test_it_checks_the_json_of_every_entry_only_when_asked() -> None:
    ledger = honest(45)
    broken = entry_bytes(44, event(44))[:-1]  # after the last checkpoint: no root covers it
    ledger.entries[44] = (44, broken, leaf_hash(broken))
    assert ledger.verify().ok
    report = ledger.verify(decode_events=True)
    assert not report.ok and report.first_bad_seq == 44
    assert "entry 44 does not decode" in report.problems[0]


def test_it_survives_rows_that_are_not_entries_at_all() -> None:
    ledger = honest(12)
    ledger.entries[3] = (None, b"", b"")  # type: ignore[assignment]
    ledger.entries[5] = (5, b"\x01", leaf_hash(b"\x01"))
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq == 3
    assert any("entry 5 is not a version 1 ledger entry" in p for p in report.problems)


def test_it_caps_the_number_of_problems_it_lists() -> None:
    ledger = honest(45)
    ledger.entries = [(seq, data, b"\x00" * 32) for seq, data, _ in ledger.entries]
    report = ledger.verify(max_problems=5)
    assert not report.ok and len(report.problems) == 5 and report.problems_omitted > 0
    assert report.first_bad_seq == 0


@pytest.mark.parametrize("every", [1, 2, 7])
def test_it_checks_every_checkpoint_size(every: int) -> None:
    ledger = honest(23, every)
    assert ledger.verify().ok
    data = entry_bytes(0, event(0, actor="x"))
    ledger.entries[0] = (0, data, leaf_hash(data))
    report = ledger.verify()
    assert report.first_bad_seq == 0
    assert sum("do not hash to the root" in p for p in report.problems) == 2 * (23 // every)


# --- the witness is required (what `ryoken audit verify` asks for) --------------------------


def test_it_requires_a_witness_when_asked() -> None:
    ledger = honest()
    assert ledger.verify(require_witness=True).ok
    ledger.witness = []
    report = ledger.verify(require_witness=True)
    assert not report.ok and report.first_bad_seq == 0
    assert any("witness holds no valid checkpoint" in p for p in report.problems)
    assert ledger.verify().ok  # the pure default: witness optional (offline tools)


def test_it_requires_database_checkpoints_when_asked() -> None:
    ledger = honest()
    ledger.checkpoints = []
    report = ledger.verify(require_witness=True)
    assert not report.ok and report.first_bad_seq == 0
    assert any("database holds no valid checkpoint" in p for p in report.problems)


def test_it_catches_a_witness_that_lags_the_database() -> None:
    ledger = honest()
    ledger.witness = ledger.witness[:-1]  # the checkpoint at 40 never reached the witness
    report = ledger.verify(require_witness=True)
    assert not report.ok and report.first_bad_seq == 30
    assert any("witness lacks the database's checkpoint at size 40" in p for p in report.problems)


def test_it_catches_a_deleted_database_checkpoint() -> None:
    ledger = honest()
    del ledger.checkpoints[1]  # size 20
    report = ledger.verify(require_witness=True)
    assert not report.ok and report.first_bad_seq == 10
    assert any("database lacks the witness's checkpoint at size 20" in p for p in report.problems)


def test_it_reports_how_much_is_signed() -> None:
    assert honest(45).verify(require_witness=True).signed_size == 40


def _tampered_ledgers() -> list[Ledger]:
    ledgers = [honest(45, 7), honest(64, 8), honest(1, 1)]
    edited = honest(45, 7)
    seq, data, digest = edited.entries[12]
    edited.entries[12] = (seq, data.replace(b"staff-7", b"staff-8"), digest)
    deleted = honest(45, 7)
    del deleted.entries[20]
    swapped = honest(45, 7)
    swapped.entries[3], swapped.entries[30] = swapped.entries[30], swapped.entries[3]
    short = honest(45, 7)
    short.entries[9] = (9, b"\x01", b"")
    return [*ledgers, edited, deleted, swapped, short]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 4096])
def test_it_finds_the_same_in_chunks_of_any_size(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chunked pass (whole-run comparisons, blocks hashed level by level) reports what
    a pass one entry at a time reports: same problems, same first seq, same root."""
    from ryoken.audit import verify

    reference = []
    for ledger in _tampered_ledgers():
        monkeypatch.setattr(verify, "_CHUNK", 1)
        reference.append(ledger.verify())
    for ledger, expected in zip(_tampered_ledgers(), reference, strict=True):
        monkeypatch.setattr(verify, "_CHUNK", chunk)
        report = ledger.verify()
        assert (report.ok, report.problems, report.first_bad_seq, report.root) == (
            expected.ok,
            expected.problems,
            expected.first_bad_seq,
            expected.root,
        )
    assert [r.ok for r in reference] == [True, True, True, False, False, False, False]
    assert [r.first_bad_seq for r in reference[3:]] == [12, 20, 3, 9]


@pytest.mark.parametrize(("n", "chunk"), [(1, 4096), (45, 7), (64, 4096), (100, 3), (77, 1)])
def test_it_tells_every_complete_subtree_it_rebuilds(
    n: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`on_nodes` sees each complete subtree above the leaves once, in index order per level,
    with the hash RFC 6962 gives it (what the stored tree, ledger_node, must hold)."""
    from ryoken.audit import verify

    monkeypatch.setattr(verify, "_CHUNK", chunk)
    ledger = honest(n, 7)
    seen: dict[int, list[tuple[int, bytes]]] = {}

    def sink(level: int, first: int, hashes: list[bytes]) -> None:
        seen.setdefault(level, []).extend(enumerate(hashes, start=first))

    assert ledger.verify(on_nodes=sink).ok
    datas = [data for _, data, _ in ledger.entries]
    for level in range(1, n.bit_length()):
        got = seen.pop(level)
        assert [idx for idx, _ in got] == list(range(n >> level))
        for idx, digest in got:
            assert digest == root_hash(datas[idx << level : (idx + 1) << level])
    assert not seen
