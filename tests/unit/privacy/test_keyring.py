import json
import os
import stat
from datetime import UTC, datetime, timedelta

import pytest

from ryoken.errors import ConfigurationError, InvalidInput, KeyUnavailable
from ryoken.privacy.envelope import new_data_key, open_text, seal_text
from ryoken.privacy.keyring import (
    InMemoryKeyring,
    LocalFileKeyring,
    WrappedKey,
    rewrap,
)

T0 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
SUBJECT = "subj-7f3a"


# --- wrapping -----------------------------------------------------------------------------


def test_it_unwraps_the_data_key_it_wrapped_for_the_same_person():
    ring = InMemoryKeyring(now=T0)
    dek = new_data_key()

    wrapped = ring.wrap(dek, subject_id=SUBJECT)

    assert wrapped.kek_id == ring.current_kek_id()
    assert dek not in wrapped.blob
    assert ring.unwrap(wrapped, subject_id=SUBJECT) == dek


def test_it_refuses_a_wrapped_key_moved_to_another_person():
    ring = InMemoryKeyring(now=T0)
    wrapped = ring.wrap(new_data_key(), subject_id=SUBJECT)

    with pytest.raises(KeyUnavailable, match="another subject"):
        ring.unwrap(wrapped, subject_id="subj-other")


def test_it_refuses_a_tampered_wrapped_key():
    ring = InMemoryKeyring(now=T0)
    wrapped = ring.wrap(new_data_key(), subject_id=SUBJECT)
    blob = bytearray(wrapped.blob)
    blob[-1] ^= 1

    with pytest.raises(KeyUnavailable, match="did not unwrap"):
        ring.unwrap(WrappedKey(wrapped.kek_id, bytes(blob)), subject_id=SUBJECT)


def test_it_refuses_a_key_wrapped_by_another_keyring():
    wrapped = InMemoryKeyring(now=T0).wrap(new_data_key(), subject_id=SUBJECT)

    with pytest.raises(KeyUnavailable, match="not in this keyring"):
        InMemoryKeyring(now=T0).unwrap(wrapped, subject_id=SUBJECT)


def test_it_stores_a_wrapped_key_as_one_byte_string():
    wrapped = InMemoryKeyring(now=T0).wrap(new_data_key(), subject_id=SUBJECT)

    assert WrappedKey.from_bytes(wrapped.to_bytes()) == wrapped


@pytest.mark.parametrize("data", [b"", b"\x01", b"\x02\x03abc", b"\x01\x05ab", b"\x01\x02\xff\xfe"])
def test_it_refuses_a_malformed_stored_wrapped_key(data):
    with pytest.raises(KeyUnavailable):
        WrappedKey.from_bytes(data)


# --- rotation -----------------------------------------------------------------------------


def test_it_rotates_rewraps_and_retires_without_touching_the_data():
    ring = InMemoryKeyring(now=T0)
    dek = new_data_key()
    blob = seal_text(dek, SUBJECT, "name_kanji", "山田 花子")
    old = ring.wrap(dek, subject_id=SUBJECT)

    new_id = ring.rotate(T0 + timedelta(days=90))
    assert ring.current_kek_id() == new_id != old.kek_id
    assert ring.unwrap(old, subject_id=SUBJECT) == dek  # the old KEK still unwraps

    moved = rewrap(old, ring, subject_id=SUBJECT)
    assert moved.kek_id == new_id
    ring.retire(old.kek_id, T0 + timedelta(days=91))

    assert ring.kek_ids() == [new_id]
    assert open_text(ring.unwrap(moved, subject_id=SUBJECT), SUBJECT, "name_kanji", blob) == (
        "山田 花子"
    )
    with pytest.raises(KeyUnavailable, match="retired on 2026-07-01"):
        ring.unwrap(old, subject_id=SUBJECT)


def test_it_leaves_a_key_already_under_the_current_kek_as_it_is():
    ring = InMemoryKeyring(now=T0)
    wrapped = ring.wrap(new_data_key(), subject_id=SUBJECT)

    assert rewrap(wrapped, ring, subject_id=SUBJECT) is wrapped


def test_it_refuses_to_retire_the_current_kek():
    ring = InMemoryKeyring(now=T0)
    wrapped = ring.wrap(new_data_key(), subject_id=SUBJECT)

    with pytest.raises(InvalidInput, match="current"):
        ring.retire(ring.current_kek_id(), T0)
    assert ring.unwrap(wrapped, subject_id=SUBJECT)  # still usable


def test_it_refuses_to_retire_an_unknown_kek():
    with pytest.raises(InvalidInput, match="no key-encryption key"):
        InMemoryKeyring(now=T0).retire("kek-nope", T0)


def test_it_lists_usable_keks_oldest_first():
    ring = InMemoryKeyring(now=T0)
    first = ring.current_kek_id()
    second = ring.rotate(T0 + timedelta(days=1))
    third = ring.rotate(T0 + timedelta(days=2))
    ring.retire(second, T0 + timedelta(days=3))

    assert ring.kek_ids() == [first, third]
    assert ring.retired_kek_ids() == [second]


def test_it_refuses_naive_times():
    with pytest.raises(ValueError, match="timezone-aware"):
        InMemoryKeyring(now=T0).rotate(datetime(2026, 4, 1))  # noqa: DTZ001


# --- the local key file -------------------------------------------------------------------


@pytest.fixture
def keys_dir(tmp_path):
    path = tmp_path / "keys"
    path.mkdir(mode=0o700)
    return path


def test_it_creates_a_keyring_file_only_its_owner_can_read(keys_dir):
    old_umask = os.umask(0)  # even a permissive umask must not widen the mode
    try:
        LocalFileKeyring.create(keys_dir / "keyring.json", T0)
    finally:
        os.umask(old_umask)

    assert stat.S_IMODE((keys_dir / "keyring.json").stat().st_mode) == 0o600
    assert sorted(p.name for p in keys_dir.iterdir()) == ["keyring.json"]  # no temp file left


def test_it_loads_a_keyring_that_unwraps_what_the_created_one_wrapped(keys_dir):
    created = LocalFileKeyring.create(keys_dir / "keyring.json", T0)
    dek = new_data_key()
    wrapped = created.wrap(dek, subject_id=SUBJECT)

    loaded = LocalFileKeyring.load(keys_dir / "keyring.json")

    assert loaded.current_kek_id() == created.current_kek_id()
    assert loaded.unwrap(wrapped, subject_id=SUBJECT) == dek


def test_it_refuses_to_overwrite_an_existing_keyring(keys_dir):
    path = keys_dir / "keyring.json"
    LocalFileKeyring.create(path, T0)
    before = path.read_bytes()

    with pytest.raises(ConfigurationError, match="refusing to overwrite"):
        LocalFileKeyring.create(path, T0)
    assert path.read_bytes() == before


def test_it_refuses_to_create_a_keyring_in_a_missing_directory(tmp_path):
    with pytest.raises(ConfigurationError, match="not a directory"):
        LocalFileKeyring.create(tmp_path / "nowhere" / "keyring.json", T0)


def test_it_explains_a_missing_keyring(keys_dir):
    with pytest.raises(ConfigurationError, match="does not exist: run `ryoken init`"):
        LocalFileKeyring.load(keys_dir / "keyring.json")


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_it_refuses_a_keyring_that_group_or_others_may_read(keys_dir, mode):
    path = keys_dir / "keyring.json"
    LocalFileKeyring.create(path, T0)
    path.chmod(mode)

    with pytest.raises(ConfigurationError, match=f"mode {mode:04o}.*chmod 600"):
        LocalFileKeyring.load(path)


def test_it_refuses_a_keyring_that_is_not_a_file(keys_dir):
    (keys_dir / "keyring.json").mkdir(mode=0o700)

    with pytest.raises(ConfigurationError, match="keyring"):
        LocalFileKeyring.load(keys_dir / "keyring.json")


def _write_private(path, text):
    path.write_text(text)
    path.chmod(0o600)


@pytest.mark.parametrize(
    "edit",
    [
        lambda doc: "{not json",
        lambda doc: json.dumps([1, 2]),
        lambda doc: json.dumps({**doc, "format": "something-else"}),
        lambda doc: json.dumps({**doc, "current": "kek-missing"}),
        lambda doc: json.dumps({**doc, "keks": [{**doc["keks"][0], "key": "c2hvcnQ="}]}),
        lambda doc: json.dumps({**doc, "keks": [{**doc["keks"][0], "key": "!!not base64"}]}),
        lambda doc: json.dumps({**doc, "keks": [{**doc["keks"][0], "created_at": "2026-04-01"}]}),
        lambda doc: json.dumps({k: v for k, v in doc.items() if k != "keks"}),
    ],
    ids=[
        "not-json",
        "not-an-object",
        "wrong-format",
        "current-missing",
        "short-key",
        "bad-base64",
        "naive-time",
        "no-keys",
    ],
)
def test_it_refuses_a_malformed_keyring(keys_dir, edit):
    path = keys_dir / "keyring.json"
    LocalFileKeyring.create(path, T0)
    _write_private(path, edit(json.loads(path.read_text())))

    with pytest.raises(ConfigurationError, match="malformed"):
        LocalFileKeyring.load(path)


def test_it_persists_rotation_and_destroys_retired_key_material(keys_dir):
    path = keys_dir / "keyring.json"
    ring = LocalFileKeyring.create(path, T0)
    first = ring.current_kek_id()
    first_key = json.loads(path.read_text())["keks"][0]["key"]
    second = ring.rotate(T0 + timedelta(days=90))
    ring.retire(first, T0 + timedelta(days=91))

    reloaded = LocalFileKeyring.load(path)

    assert reloaded.current_kek_id() == second
    assert reloaded.kek_ids() == [second]
    assert reloaded.retired_kek_ids() == [first]
    assert first_key not in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in keys_dir.iterdir()) == ["keyring.json"]


def test_it_lets_a_worker_loaded_before_a_rotation_unwrap_under_the_new_kek(keys_dir):
    path = keys_dir / "keyring.json"
    operator = LocalFileKeyring.create(path, T0)
    worker = LocalFileKeyring.load(path)
    operator.rotate(T0 + timedelta(days=90))
    dek = new_data_key()

    wrapped = operator.wrap(dek, subject_id=SUBJECT)

    assert worker.unwrap(wrapped, subject_id=SUBJECT) == dek


def test_it_never_loses_a_rotation_made_by_another_process(keys_dir):
    path = keys_dir / "keyring.json"
    stale = LocalFileKeyring.create(path, T0)
    first = stale.current_kek_id()
    other = LocalFileKeyring.load(path)
    second = other.rotate(T0 + timedelta(days=1))
    third = other.rotate(T0 + timedelta(days=2))

    stale.retire(second, T0 + timedelta(days=3))  # the stale copy never saw `second`

    assert LocalFileKeyring.load(path).kek_ids() == [first, third]
