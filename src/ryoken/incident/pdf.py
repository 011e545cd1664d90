"""A small ReportLab renderer for the incident documents: A4, Japanese, pages of blocks.

Documents are built as data (`documents.py`) and rendered here, so the JSON and the PDF say
the same thing. A page is a list of blocks (style, text); each page starts on a new sheet,
which is what a mail merge of notices needs. Output is deterministic (`invariant`: no
creation time, a fixed document id), so the same input gives the same bytes, and the pure
core reads no clock.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

# Only escape() (for ReportLab's paragraph markup): no XML is parsed, so bandit's B406
# (XML parsing attacks) does not apply.
from xml.sax.saxutils import escape  # nosec B406

from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)

from ryoken.incident.fonts import FontChoice, font_for

Block = tuple[str, str]  # (style, text); text is plain, never markup
Page = Sequence[Block]

STYLES = ("title", "heading", "body", "indent", "small", "right", "address", "space")


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = {"fontName": font, "wordWrap": "CJK", "fontSize": 10.5, "leading": 16}
    return {
        "title": ParagraphStyle(
            "title", **{**base, "fontSize": 15, "leading": 22}, alignment=TA_CENTER, spaceAfter=10
        ),
        "heading": ParagraphStyle(
            "heading", **{**base, "fontSize": 11.5, "leading": 18}, spaceBefore=8, spaceAfter=2
        ),
        "body": ParagraphStyle("body", **base, spaceAfter=4),
        "indent": ParagraphStyle("indent", **base, leftIndent=12, spaceAfter=2),
        "small": ParagraphStyle("small", **{**base, "fontSize": 9, "leading": 13}),
        "right": ParagraphStyle("right", **base, alignment=TA_RIGHT),
        "address": ParagraphStyle("address", **{**base, "fontSize": 12, "leading": 18}),
    }


def _text_of(pages: Sequence[Page]) -> str:
    return "".join(text for page in pages for _, text in page)


def render(
    pages: Sequence[Page],
    *,
    title: str,
    author: str,
    subject: str = "",
    embed_font: bool = True,
) -> tuple[bytes, FontChoice]:
    """The PDF of `pages` (each on its own sheet) and the font it was set in."""
    font = font_for(_text_of(pages) + title + author + subject, embed=embed_font)
    styles = _styles(font.name)
    story: list[object] = []
    for number, page in enumerate(pages):
        if number:
            story.append(PageBreak())
        for style, text in page:
            if style == "space":
                story.append(Spacer(1, 6 * mm))
                continue
            if style not in styles:
                raise ValueError(f"unknown block style {style!r}")
            markup = escape(font.prepare(text)).replace("\n", "<br/>")
            story.append(Paragraph(markup, styles[style]))
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=font.prepare(title),
        author=font.prepare(author),
        subject=font.prepare(subject),
        creator="ryoken",
        invariant=1,
        lang="ja-JP",
    )
    doc.build(story)
    return out.getvalue(), font
