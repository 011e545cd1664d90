"""The one font loader (ryoken.web.documents.fonts), as every PDF of ryoken uses it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import reportlab
import time_machine
from pypdf import PdfReader

from ryoken.web.documents.fonts import (
    CID_FONT,
    GETA,
    NOTO_FAMILY,
    font_for,
    noto_path,
    truetype_subset,
)
from ryoken.web.documents.pdf import render


def pdf_pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_it_embeds_noto_with_names_beyond_the_basic_plane() -> None:
    font = font_for("𠮷田 髙橋 﨑山")
    assert font.embedded and font.replaced == ()
    pdf, _ = render([[("body", "𠮷田 髙橋 﨑山")]], title="t", author="a")
    assert b"/FontFile2" in pdf
    assert "𠮷田 髙橋 﨑山" in pdf_pages(pdf)[0]


def test_it_marks_what_the_cid_fallback_cannot_show_with_a_geta() -> None:
    font = font_for("𠮷田", embed=False)
    assert (font.embedded, font.replaced) == (False, ("𠮷",))
    assert font.prepare("𠮷田様") == f"{GETA}田様"


def test_it_marks_a_character_noto_lacks() -> None:
    font = font_for("様\U0001f600")
    assert font.embedded
    assert font.replaced == ("\U0001f600",)
    assert font.prepare("様\U0001f600") == f"様{GETA}"


def test_it_embeds_the_configured_truetype_font(monkeypatch: pytest.MonkeyPatch) -> None:
    vera = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"  # ships with ReportLab
    monkeypatch.setenv("RYOKEN_PDF_FONT", str(vera))
    font = font_for("Receipt 0123")
    assert (font.embedded, font.source) == (True, str(vera))
    pdf, used = render([[("body", "Receipt 0123")]], title="t", author="a")
    assert used == font and b"/FontFile2" in pdf
    assert "Receipt 0123" in pdf_pages(pdf)[0]


def test_it_uses_noto_when_the_configured_font_cannot_be_embedded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font")
    monkeypatch.setenv("RYOKEN_PDF_FONT", str(broken))
    font = font_for("𠮷田")
    assert font.embedded and font.source != str(broken) and font.name != CID_FONT
    assert font.replaced == ()


def test_it_cuts_the_same_font_bytes_whatever_the_time() -> None:
    path = noto_path()
    assert path is not None
    with time_machine.travel("2027-01-04T09:00:00+09:00"):
        first, _ = truetype_subset(path, "𠮷田 様", "RyokenTest", NOTO_FAMILY)
    with time_machine.travel("2031-07-01T17:30:00+09:00"):
        later, _ = truetype_subset(path, "𠮷田 様", "RyokenTest", NOTO_FAMILY)
    assert first == later
