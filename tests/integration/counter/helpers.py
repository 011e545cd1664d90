"""Shared steps of the counter journey: take a ticket, call it, fill the paper form."""

from __future__ import annotations

import struct
import zlib
from datetime import date

from ryoken.web.access.models import Grant


def png(width: int = 2, height: int = 2, *, padding: int = 0) -> bytes:
    """A real (tiny, grey) PNG; `padding` appends a chunk to make it bigger."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    out = b"\x89PNG\r\n\x1a\n" + chunk(
        b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    )
    if padding:
        out += chunk(b"tEXt", b"pad\x00" + b"x" * padding)
    return out + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\x00" * 64
    + b"\xff\xd9"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def family_management(total: int = 5) -> dict[str, str]:
    return {
        "fm-TOTAL_FORMS": str(total),
        "fm-INITIAL_FORMS": "0",
        "fm-MIN_NUM_FORMS": "0",
        "fm-MAX_NUM_FORMS": "5",
    }


def application_post(**overrides: str) -> dict[str, str]:
    """A complete, valid paper application: an adult applying for a new 10-year passport,
    with two family members from the 戸籍謄本 and an emergency contact."""
    data = {
        "kind": "new",
        "name_kanji": "山田 太郎",
        "name_kana": "ヤマダ タロウ",
        "sex": "M",
        "birth_date": "1985-06-15",
        "honseki_prefecture": "東京都",
        "honseki_rest": "豊島区東池袋一丁目1番",
        "postcode": "170-0013",
        "address": "東京都豊島区東池袋1-2-3",
        "phone": "03-1234-5678",
        "mobile": "090-1111-2222",
        "email": "taro@example.jp",
        "requested_validity": "10",
        "criminal_record": "no",
        "fm-0-name_kanji": "山田 花子",
        "fm-0-name_kana": "ヤマダ ハナコ",
        "fm-0-relation": "妻",
        "fm-0-birth_date": "1987-02-03",
        "fm-0-sex": "F",
        "fm-1-name_kanji": "山田 一郎",
        "fm-1-name_kana": "ヤマダ イチロウ",
        "fm-1-relation": "長男",
        "fm-1-birth_date": "2015-09-30",
        "fm-1-sex": "M",
        "ec-name_kanji": "鈴木 次郎",
        "ec-name_kana": "スズキ ジロウ",
        "ec-relation": "兄",
        "ec-postcode": "150-0001",
        "ec-address": "東京都渋谷区神宮前1-1-1",
        "ec-phone": "03-9876-5432",
        **family_management(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def minor_birth_date(today: date, years: int = 15) -> str:
    return date(today.year - years, 1, 10).isoformat()


def call_applicant(client, window: str = "W01") -> Grant:
    """Take an application ticket at the kiosk, choose `window`, call it: the new grant."""
    client.post("/counter/kiosk/", {"purpose": "application"})
    client.post("/counter/window/", {"window": window})
    response = client.post("/counter/call/")
    assert response.status_code == 302, response.content.decode()[:500]
    grant_id = response["Location"].rstrip("/").split("/")[-1]
    return Grant.objects.get(grant_id=grant_id)


def enter_application(client, grant: Grant, **overrides: str):
    """Post the paper form; returns the response (302 to the romaji step on success)."""
    return client.post(f"/counter/work/{grant.grant_id}/new/", application_post(**overrides))


def app_url(grant: Grant, app_id: int, step: str = "") -> str:
    return f"/counter/work/{grant.grant_id}/app/{app_id}/" + (f"{step}/" if step else "")
