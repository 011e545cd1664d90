import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ryoken.errors import KeyUnavailable, RyokenError
from ryoken.privacy.envelope import (
    KEY_BYTES,
    NONCE_BYTES,
    TAG_BYTES,
    VERSION,
    DecryptionFailed,
    associated_data,
    new_data_key,
    open_sealed,
    open_text,
    seal,
    seal_text,
)

SUBJECT = "subj-7f3a"
VALUE = "東京都豊島区東池袋1-2-3"


def counter_random():
    """A deterministic stand-in for os.urandom: 0x00, 0x01, ... as many bytes as asked."""
    state = {"next": 0}

    def take(n: int) -> bytes:
        start = state["next"]
        state["next"] += n
        return bytes((start + i) % 256 for i in range(n))

    return take


@pytest.fixture
def dek() -> bytes:
    return new_data_key()


def test_it_opens_what_it_sealed_for_the_same_person_and_field(dek):
    blob = seal_text(dek, SUBJECT, "address", VALUE)

    assert open_text(dek, SUBJECT, "address", blob) == VALUE
    assert VALUE.encode() not in blob


def test_it_refuses_a_value_moved_to_another_person(dek):
    blob = seal_text(dek, SUBJECT, "address", VALUE)

    with pytest.raises(DecryptionFailed):
        open_sealed(dek, "subj-other", "address", blob)


def test_it_refuses_a_value_moved_to_another_field(dek):
    blob = seal_text(dek, SUBJECT, "address", VALUE)

    with pytest.raises(DecryptionFailed):
        open_sealed(dek, SUBJECT, "honseki", blob)


def test_it_binds_subject_and_field_unambiguously(dek):
    # Without length prefixes, ("subj-1", "0address") and ("subj-10", "address") could collide.
    blob = seal(dek, "subj-1", "0address", b"x")

    assert associated_data("subj-1", "0address") != associated_data("subj-10", "address")
    with pytest.raises(DecryptionFailed):
        open_sealed(dek, "subj-10", "address", blob)


@pytest.mark.parametrize(
    "position",
    [1, NONCE_BYTES, 1 + NONCE_BYTES, -TAG_BYTES - 1, -1],
    ids=["nonce-start", "nonce-end", "ciphertext-start", "ciphertext-end", "tag"],
)
def test_it_refuses_a_tampered_value(dek, position):
    blob = bytearray(seal_text(dek, SUBJECT, "address", VALUE))
    blob[position] ^= 0x01

    with pytest.raises(DecryptionFailed, match="did not open"):
        open_sealed(dek, SUBJECT, "address", bytes(blob))


def test_it_refuses_an_unknown_format_version(dek):
    blob = bytearray(seal_text(dek, SUBJECT, "address", VALUE))
    blob[0] = VERSION + 1

    with pytest.raises(DecryptionFailed, match="version"):
        open_sealed(dek, SUBJECT, "address", bytes(blob))


def test_it_refuses_a_truncated_value(dek):
    blob = seal_text(dek, SUBJECT, "address", VALUE)

    with pytest.raises(DecryptionFailed, match="too short"):
        open_sealed(dek, SUBJECT, "address", blob[: 1 + NONCE_BYTES + TAG_BYTES - 1])


def test_it_refuses_another_persons_data_key(dek):
    blob = seal_text(dek, SUBJECT, "address", VALUE)

    with pytest.raises(DecryptionFailed):
        open_sealed(new_data_key(), SUBJECT, "address", blob)


def test_it_treats_a_failed_open_as_a_key_error_callers_fail_closed_on(dek):
    blob = seal_text(dek, SUBJECT, "address", VALUE)

    with pytest.raises(KeyUnavailable) as caught:
        open_sealed(new_data_key(), SUBJECT, "address", blob)
    assert isinstance(caught.value, RyokenError)
    assert caught.value.message_ja != caught.value.message  # a Japanese text for staff screens


def test_it_refuses_a_data_key_of_the_wrong_length():
    with pytest.raises(KeyUnavailable, match="32 bytes"):
        seal(b"k" * 16, SUBJECT, "address", b"x")


def test_it_gives_equal_values_different_ciphertexts(dek):
    # Equal plaintexts must not be visible as equal ciphertexts in a stolen database.
    assert seal_text(dek, SUBJECT, "sex", "F") != seal_text(dek, SUBJECT, "sex", "F")


def test_it_lays_out_version_nonce_and_ciphertext_and_takes_the_nonce_from_the_random_source(
    dek,
):
    random = counter_random()
    blob = seal(dek, SUBJECT, "address", b"0123456789", random=random)

    assert blob[0] == VERSION
    assert blob[1 : 1 + NONCE_BYTES] == bytes(range(NONCE_BYTES))
    assert len(blob) == 1 + NONCE_BYTES + 10 + TAG_BYTES
    # Interoperable: plain AES-GCM with the documented associated data opens it.
    aad = associated_data(SUBJECT, "address")
    assert AESGCM(dek).decrypt(blob[1:13], blob[13:], aad) == b"0123456789"


def test_it_draws_data_keys_from_the_injected_random_source():
    assert new_data_key(counter_random()) == bytes(range(KEY_BYTES))
    with pytest.raises(ValueError, match="random source"):
        new_data_key(lambda n: b"short")


def test_it_refuses_to_seal_without_a_subject_or_field(dek):
    with pytest.raises(ValueError, match="subject id and a field"):
        seal(dek, "", "address", b"x")
    with pytest.raises(ValueError, match="subject id and a field"):
        seal(dek, SUBJECT, "", b"x")
