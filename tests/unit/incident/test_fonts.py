from __future__ import annotations

from ryoken.incident.fonts import GETA, font_for
from ryoken.incident.pdf import render


def test_it_embeds_noto_with_names_beyond_the_basic_plane(pdf_pages) -> None:
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
