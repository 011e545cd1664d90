"""Envelope encryption and blind indexes: what ryoken's wrappers cost over the raw primitives.

Baselines, measured in the same run on the same 64-byte values: `cryptography`'s AESGCM
called directly (with the cipher object built once, and built per call as ryoken does), and
`hmac.new(key, value, sha256).digest()` for the blind index. ryoken's figures include what
the raw calls leave out: building the associated data, the version byte, validation, and for
tokens the normalisation of the value.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bench.common import Row, per_second, report
from ryoken.privacy.blind_index import BlindIndexer
from ryoken.privacy.envelope import associated_data, new_data_key, open_sealed, seal
from ryoken.privacy.keyring import InMemoryKeyring

N = 20_000
SUBJECT = "p-00c0ffee"
FIELD = "address"
VALUE = "東京都豊島区東池袋1-2-3 サンシャイン".encode()[:64].ljust(64, b" ")
assert len(VALUE) == 64


def _us(rate: float) -> float:
    return 1e6 / rate


def _rate(op: Callable[[], object], count: int = N) -> float:
    def run() -> None:
        for _ in range(count):
            op()

    return per_second(run, count)


def _envelope_rows() -> list[Row]:
    dek = new_data_key()
    aad = associated_data(SUBJECT, FIELD)
    nonce = os.urandom(12)
    raw = AESGCM(dek)
    blob = seal(dek, SUBJECT, FIELD, VALUE)
    raw_ct = raw.encrypt(nonce, VALUE, aad)

    ours_seal = _rate(lambda: seal(dek, SUBJECT, FIELD, VALUE))
    raw_seal_built = _rate(lambda: raw.encrypt(os.urandom(12), VALUE, aad))
    raw_seal_fresh = _rate(lambda: AESGCM(dek).encrypt(os.urandom(12), VALUE, aad))
    ours_open = _rate(lambda: open_sealed(dek, SUBJECT, FIELD, blob))
    raw_open_built = _rate(lambda: raw.decrypt(nonce, raw_ct, aad))
    raw_open_fresh = _rate(lambda: AESGCM(dek).decrypt(nonce, raw_ct, aad))

    def ours_round() -> None:
        open_sealed(dek, SUBJECT, FIELD, seal(dek, SUBJECT, FIELD, VALUE))

    def raw_round() -> None:
        n = os.urandom(12)
        raw.decrypt(n, raw.encrypt(n, VALUE, aad), aad)

    ours_rt, raw_rt = _rate(ours_round), _rate(raw_round)
    base = "AESGCM, object reused"
    fresh = "AESGCM, object per call"
    return [
        Row("seal 64 B", _us(ours_seal), base, _us(raw_seal_built), "µs/op"),
        Row("seal 64 B", _us(ours_seal), fresh, _us(raw_seal_fresh), "µs/op"),
        Row("open 64 B", _us(ours_open), base, _us(raw_open_built), "µs/op"),
        Row("open 64 B", _us(ours_open), fresh, _us(raw_open_fresh), "µs/op"),
        Row("seal+open 64 B", _us(ours_rt), base, _us(raw_rt), "µs/op"),
        Row("seal+open 64 B", ours_rt, base, raw_rt, "ops/s"),
    ]


def _key_rows() -> list[Row]:
    ring = InMemoryKeyring()
    dek = new_data_key()
    wrapped = ring.wrap(dek, subject_id=SUBJECT)
    kek = AESGCM(os.urandom(32))
    nonce = os.urandom(12)
    raw_wrapped = kek.encrypt(nonce, dek, SUBJECT.encode())

    ours_unwrap = _rate(lambda: ring.unwrap(wrapped, subject_id=SUBJECT))
    raw_unwrap = _rate(lambda: kek.decrypt(nonce, raw_wrapped, SUBJECT.encode()))
    ours_wrap = _rate(lambda: ring.wrap(dek, subject_id=SUBJECT))
    raw_wrap = _rate(lambda: kek.encrypt(os.urandom(12), dek, SUBJECT.encode()))

    # Reading one person's 20-field record: one unwrap, twenty opens.
    blobs = [seal(dek, SUBJECT, f"f{i}", VALUE) for i in range(20)]
    raw_blobs = [(os.urandom(12), f"f{i}") for i in range(20)]
    raw_cts = [AESGCM(dek).encrypt(n, VALUE, associated_data(SUBJECT, f)) for n, f in raw_blobs]

    def ours_record() -> None:
        key = ring.unwrap(wrapped, subject_id=SUBJECT)
        for i, b in enumerate(blobs):
            open_sealed(key, SUBJECT, f"f{i}", b)

    def raw_record() -> None:
        key = AESGCM(kek.decrypt(nonce, raw_wrapped, SUBJECT.encode()))
        for (n, f), ct in zip(raw_blobs, raw_cts, strict=True):
            key.decrypt(n, ct, associated_data(SUBJECT, f))

    ours_rec, raw_rec = _rate(ours_record, N // 10), _rate(raw_record, N // 10)
    return [
        Row("unwrap data key", _us(ours_unwrap), "AESGCM decrypt 32 B", _us(raw_unwrap), "µs/op"),
        Row("wrap data key", _us(ours_wrap), "AESGCM encrypt 32 B", _us(raw_wrap), "µs/op"),
        Row("read a 20-field record", _us(ours_rec), "raw AESGCM", _us(raw_rec), "µs/op"),
    ]


SAMPLES = {
    "passport_number": "TK1234567",
    "phone": "090-1234-5678",
    "birth_date": "平成2年1月2日",
    "name_kanji": "髙橋　花子",
    "name_kana": "ﾀｶﾊｼ ﾊﾅｺ",
    "address": "〒170-0013 東京都豊島区東池袋一丁目2番3号",
}


def _index_rows() -> list[Row]:
    key = os.urandom(32)
    indexer = BlindIndexer(key)
    rows = []
    for kind, value in SAMPLES.items():
        data = value.encode()
        ours = _rate(lambda kind=kind, value=value: indexer.token(kind, value))
        raw = _rate(lambda data=data: hmac.new(key, data, hashlib.sha256).digest())
        rows.append(Row(f"token {kind}", ours, "hmac.new(...).digest()", raw, "tokens/s"))
    return rows


def main() -> None:
    report("Envelope encryption: ryoken vs raw AES-GCM (64-byte values)", _envelope_rows())
    report("Data keys: wrap and unwrap under the KEK", _key_rows())
    report("Blind-index tokens (normalise + HMAC) vs raw HMAC-SHA256", _index_rows())


if __name__ == "__main__":
    main()
