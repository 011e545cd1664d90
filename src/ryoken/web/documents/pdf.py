"""The one PDF builder: A4, Japanese, pages of blocks, set in the font `fonts.py` chooses.

Documents are built as data (the incident documents in `ryoken.incident.documents`, the
counter's prints in `counter/prints/text.py`) and rendered here, so the JSON and the PDF say
the same thing. A page is a list of blocks (style, text); each page starts on a new sheet,
which is what a mail merge of notices needs, and a page too long for one sheet flows onto
the next. `on_page` draws what every sheet carries besides its blocks (a print's watermark,
its footer and "n/N"): it is given the sheet's number and the count of sheets. Output is
deterministic (`invariant`: no creation time, a fixed document id), so the same input gives
the same bytes and ReportLab reads no clock of its own.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

# Only escape() (for ReportLab's paragraph markup): no XML is parsed, so bandit's B406
# (XML parsing attacks) does not apply.
from xml.sax.saxutils import escape  # nosec B406

from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

from ryoken.web.documents.fonts import FontChoice, font_for

Block = tuple[str, str]  # (style, text); text is plain, never markup
Page = Sequence[Block]

# "line" is one line of a form (a print): never empty of height, so a blank line keeps its
# place; "display" is a form's title.
STYLES = (
    "title",
    "heading",
    "body",
    "indent",
    "small",
    "right",
    "address",
    "display",
    "line",
    "space",
)


@dataclass(frozen=True, slots=True)
class Sheet:
    """What `on_page` is told about the sheet it draws on (sizes in points)."""

    number: int
    count: int
    font: str  # the document's font (ReportLab name), for Japanese text drawn by the hook
    width: float
    height: float


OnPage = Callable[[Any, Sheet], None]  # (the ReportLab canvas, the sheet)


class Printable(Protocol):
    """A document built as data elsewhere (e.g. `ryoken.incident.documents.Printable`)."""

    @property
    def pages(self) -> Sequence[Page]: ...

    @property
    def title(self) -> str: ...

    @property
    def author(self) -> str: ...


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
        "display": ParagraphStyle(
            "display", **{**base, "fontSize": 18, "leading": 24}, spaceAfter=14
        ),
        "line": ParagraphStyle("line", **{**base, "fontSize": 11, "leading": 16}),
    }


def _text_of(pages: Sequence[Page]) -> str:
    return "".join(text for page in pages for _, text in page)


def _story(pages: Sequence[Page], font: FontChoice) -> list[object]:
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
            if style == "line" and not text:
                story.append(Spacer(1, styles["line"].leading))
                continue
            markup = escape(font.prepare(text)).replace("\n", "<br/>")
            story.append(Paragraph(markup, styles[style]))
    return story


def render(
    pages: Sequence[Page],
    *,
    title: str,
    author: str,
    subject: str = "",
    keywords: Sequence[str] = (),
    embed_font: bool = True,
    on_page: OnPage | None = None,
    page_text: str = "",
) -> tuple[bytes, FontChoice]:
    """The PDF of `pages` (each on its own sheet) and the font it was set in.

    `page_text` is the text `on_page` draws, so that the font shows it too. With `on_page`
    the document is laid out twice: the first time only counts the sheets.
    """
    font = font_for(_text_of(pages) + title + author + subject + page_text, embed=embed_font)

    def build(count: int) -> tuple[bytes, int]:
        sheets = 0

        def decorate(canvas: Any, _doc: Any) -> None:
            nonlocal sheets
            sheets += 1
            if on_page is None:
                return
            canvas.saveState()
            on_page(canvas, Sheet(sheets, count, font.name, *A4))
            canvas.restoreState()

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
            keywords=[font.prepare(k) for k in keywords],
            creator="ryoken",
            invariant=1,
            lang="ja-JP",
        )
        doc.build(_story(pages, font), onFirstPage=decorate, onLaterPages=decorate)
        return out.getvalue(), sheets

    data, sheets = build(0)
    if on_page is not None:
        data, _ = build(sheets)
    return data, font


def render_document(document: Printable, *, embed_font: bool = True) -> bytes:
    """The PDF of a document built as data (its pages, title and author)."""
    data, _font = render(
        document.pages, title=document.title, author=document.author, embed_font=embed_font
    )
    return data
