"""Blind indexes: lookup by equality over encrypted data, with HMAC-SHA256 under its own key.

A token is HMAC-SHA256(kind key, normalised value), truncated to 16 bytes (32 hex digits).
Each kind has its own key, derived from the index key as HMAC(index key, "ryoken/blind-index/
v1/" + kind), so a birth-date token can never equal a phone token, and tokens of one kind
cannot be compared with another's. 128 bits leave accidental collisions out of reach (about
2**64 values before one is expected) and keep the index small.

What a blind index leaks, and accepts leaking: equality. Whoever reads the token table sees
which rows share a name or birth date, and how many people share each value; with the index
key (kept outside the database, beside the keyring) they could test guesses. It never gives
the value itself without that key. See docs/decisions/0030-envelope-encryption.md.

Store every token of `tokens_for` for a value, and look up with any of them (`token` is the
first): romaji names also get a long-vowel-collapsed token (OHNO finds ONO), addresses a
token without the prefecture (豊島区… finds 東京都豊島区…).
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Callable, Mapping
from types import MappingProxyType

from ryoken.errors import ConfigurationError, InvalidInput
from ryoken.privacy import normalise as norm

TOKEN_BYTES = 16
MIN_KEY_BYTES = 32
_DOMAIN = b"ryoken/blind-index/v1/"

KINDS: tuple[str, ...] = tuple(norm.NORMALISERS)

# The blind-index kind of each searchable field of the catalogue (`ryoken.domain.fields`).
# A mobile number is a phone number: one kind, so a search by number finds either field.
KIND_OF_FIELD: Mapping[str, str] = MappingProxyType(
    {
        "name_kanji": "name_kanji",
        "name_kana": "name_kana",
        "name_romaji": "name_romaji",
        "birth_date": "birth_date",
        "address": "address",
        "phone": "phone",
        "mobile": "phone",
        "email": "email",
        "passport_number": "passport_number",
    }
)


# Tokens derived from a field for detection, not for search: the family name of a name and
# the municipality of an address, so the same-surname and neighbourhood detectors can compare
# a staff member's own surname and area with a person's without anyone reading either.
DERIVED_OF_FIELD: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"name_kanji": ("surname",), "address": ("municipality",)}
)


def _romaji_variants(value: str) -> list[str]:
    return [norm.name_romaji(value), norm.romaji_loose(value)]


def _address_variants(value: str) -> list[str]:
    full = norm.address(value)
    short = norm.without_prefecture(full)
    return [full] if short is None else [full, short]


_VARIANTS: Mapping[str, Callable[[str], list[str]]] = MappingProxyType(
    {"name_romaji": _romaji_variants, "address": _address_variants}
)


class BlindIndexer:
    """Tokens for lookup by equality; holds the index key, never any value."""

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ConfigurationError(
                f"the blind-index key must be at least {MIN_KEY_BYTES} bytes, got {len(key)}"
            )
        # One keyed HMAC state per kind, copied per token: the key schedule is paid once.
        self._macs = {
            kind: hmac.new(
                hmac.new(key, _DOMAIN + kind.encode("ascii"), hashlib.sha256).digest(),
                digestmod=hashlib.sha256,
            )
            for kind in KINDS
        }
        # Reference numbers (a reception or callback number an inquiry names): keyed hashes
        # for the ledger, under their own domain, so they never equal a lookup token.
        self._reference = hmac.new(
            hmac.new(key, b"ryoken/reference/v1", hashlib.sha256).digest(),
            digestmod=hashlib.sha256,
        )

    def _mac(self, kind: str, normalised: str) -> str:
        mac = self._macs[kind].copy()
        mac.update(normalised.encode("utf-8"))
        return mac.digest()[:TOKEN_BYTES].hex()

    def _check(self, kind: str) -> None:
        if kind not in self._macs:
            raise ValueError(f"unknown blind-index kind {kind!r}; known: {', '.join(KINDS)}")

    def token(self, kind: str, value: str) -> str:
        """The token of `value` normalised as `kind`; raises InvalidInput if it is unusable."""
        self._check(kind)
        return self._mac(kind, norm.normalise(kind, value))

    def tokens_for(self, kind: str, value: str) -> list[str]:
        """Every token to store for `value` (the exact one first), without duplicates."""
        self._check(kind)
        variants = _VARIANTS.get(kind)
        forms = variants(value) if variants else [norm.normalise(kind, value)]
        return list(dict.fromkeys(self._mac(kind, form) for form in forms))

    def reference(self, kind: str, value: str) -> str:
        """A keyed hash of a reference number of `kind` ("reception", "callback"): width,
        case, spaces and hyphens do not matter. The ledger keeps this, never the number."""
        text = "".join(c for c in unicodedata.normalize("NFKC", value).upper() if c.isalnum())
        mac = self._reference.copy()
        mac.update(f"{kind}\x00{text}".encode())
        return mac.digest()[:TOKEN_BYTES].hex()

    def derived_tokens(self, field: str, value: str) -> dict[str, str]:
        """{derived kind: token} for a field's value (see `DERIVED_OF_FIELD`); a kind whose
        part cannot be found in the value (a name without a space) is left out."""
        out = {}
        for kind in DERIVED_OF_FIELD.get(field, ()):
            try:
                out[kind] = self.token(kind, value)
            except InvalidInput:
                continue
        return out

    def token_for_field(self, field: str, value: str) -> str:
        """`token` for a catalogue field name (mobile → phone); ValueError if not searchable."""
        return self.token(kind_of_field(field), value)


def kind_of_field(field: str) -> str:
    try:
        return KIND_OF_FIELD[field]
    except KeyError:
        raise ValueError(f"field {field!r} has no blind index") from None
