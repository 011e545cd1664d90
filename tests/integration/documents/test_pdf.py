"""The one PDF builder (ryoken.web.documents.pdf): sheets, what each sheet carries, blank lines."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from ryoken.web.documents.pdf import Sheet, render


def pdf_pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_it_tells_each_sheet_its_number_and_the_count_when_a_page_flows_over() -> None:
    seen: list[tuple[int, int]] = []

    def footer(canvas: Any, sheet: Sheet) -> None:
        seen.append((sheet.number, sheet.count))
        canvas.setFont(sheet.font, 8)
        canvas.drawString(40, 22, f"頁 {sheet.number}/{sheet.count}")

    lines = [("line", f"{n}行目　豊島区南池袋") for n in range(100)]
    pdf, _font = render(
        [[("display", "受理票"), *lines]], title="t", author="a", on_page=footer, page_text="頁"
    )
    pages = pdf_pages(pdf)
    assert len(pages) == 3
    assert [p.count("頁") for p in pages] == [1, 1, 1]
    assert [f"{n}/3" in p for n, p in enumerate(pages, start=1)] == [True, True, True]
    assert "99行目" in pages[2] and "受理票" in pages[0]
    # The first layout only counts the sheets; the second draws them with the count.
    assert seen[-3:] == [(1, 3), (2, 3), (3, 3)]


def test_it_keeps_a_blank_line_of_a_form_and_gives_the_same_bytes_twice() -> None:
    with_blank = [[("line", "上"), ("line", ""), ("line", "下")]]
    without = [[("line", "上"), ("line", "下")]]
    first, _ = render(with_blank, title="t", author="a")
    assert first == render(with_blank, title="t", author="a")[0]
    assert first != render(without, title="t", author="a")[0]
    assert "上" in pdf_pages(first)[0] and "下" in pdf_pages(first)[0]
