"""Shared fixtures: a PDF text reader, keys, and a small office's events.

No PDF library is in the venv (neither pypdf nor pdfminer.six, and no pdftotext), so
`pdf_pages` reads ReportLab's output itself: the xref table, Flate/ASCII85 streams, the
fonts' ToUnicode maps (embedded TrueType subsets) or UCS-2 (the CID fallback), and the
strings shown by Tj/TJ. It is enough for our own PDFs, not a general reader; when pypdf is
installed the fixture uses it instead.
"""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Callable

import pytest

_OBJ = re.compile(rb"(\d+) 0 obj\s*")
_REF = re.compile(rb"/([^\s/<>\[\]()]+)\s+(\d+) 0 R")


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    start = int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])
    m = re.compile(rb"xref\s+0 (\d+)\s+").match(pdf, start)
    assert m, "no classic xref table"
    count, pos = int(m[1]), m.end()
    objects: dict[int, tuple[bytes, bytes | None]] = {}
    for number in range(count):
        line = pdf[pos + 20 * number : pos + 20 * number + 20]
        if line[17:18] != b"n":
            continue
        header = _OBJ.match(pdf, int(line[:10]))
        assert header and int(header[1]) == number
        body_start = header.end()
        end = pdf.find(b"endobj", body_start)
        stream_at = pdf.find(b"stream", body_start)
        if stream_at != -1 and stream_at < end:
            head = pdf[body_start:stream_at]
            length = int(re.search(rb"/Length (\d+)", head)[1])
            data_start = stream_at + len(b"stream")
            data_start += 2 if pdf[data_start : data_start + 2] == b"\r\n" else 1
            objects[number] = (head, _decode(head, pdf[data_start : data_start + length]))
        else:
            objects[number] = (pdf[body_start:end], None)
    return objects


def _decode(head: bytes, data: bytes) -> bytes:
    filters = re.findall(rb"/(ASCII85Decode|FlateDecode)", head)
    for name in filters:
        if name == b"ASCII85Decode":
            data = base64.a85decode(data.strip().removesuffix(b"~>"))
        else:
            data = zlib.decompress(data)
    return data


def _literal(data: bytes, i: int) -> tuple[bytes, int]:
    out, depth, i = bytearray(), 1, i + 1
    escapes = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}
    while True:
        c = data[i]
        if c == 0x5C:  # backslash
            n = data[i + 1]
            if n in escapes:
                out.append(escapes[n])
                i += 2
            elif 0x30 <= n <= 0x37:
                digits = re.match(rb"[0-7]{1,3}", data[i + 1 : i + 4])[0]
                out.append(int(digits, 8) & 0xFF)
                i += 1 + len(digits)
            elif n in (0x0A, 0x0D):
                i += 2
            else:
                out.append(n)
                i += 2
            continue
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return bytes(out), i + 1
        out.append(c)
        i += 1


def _tokens(data: bytes):
    i, n = 0, len(data)
    while i < n:
        c = data[i : i + 1]
        if c.isspace():
            i += 1
        elif c == b"(":
            s, i = _literal(data, i)
            yield ("str", s)
        elif data[i : i + 2] == b"<<" or data[i : i + 2] == b">>":
            i += 2
        elif c == b"<":
            j = data.index(b">", i)
            yield ("str", bytes.fromhex(data[i + 1 : j].decode()))
            i = j + 1
        elif c in b"[]":
            yield (c.decode(), None)
            i += 1
        elif c == b"/":
            m = re.compile(rb"/[^\s/<>\[\]()]*").match(data, i)
            yield ("name", m[0][1:].decode())
            i = m.end()
        else:
            m = re.compile(rb"[^\s/<>\[\]()]+").match(data, i)
            word = m[0].decode("latin-1")
            i = m.end()
            yield ("num" if re.fullmatch(r"[-+.\d]+", word) else "op", word)


def _unicode(hex_digits: bytes) -> str:
    if len(hex_digits) % 4:  # ReportLab writes a code point beyond U+FFFF as is (<20BB7>)
        return chr(int(hex_digits, 16))
    return bytes.fromhex(hex_digits.decode()).decode("utf-16-be")


def _cmap(data: bytes) -> dict[int, str]:
    out: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(src, 16)] = _unicode(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, dst in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            base = _unicode(dst)
            for k, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                out[code] = base[:-1] + chr(ord(base[-1]) + k)
    return out


def _font_decoder(objects, number: int) -> Callable[[bytes], str]:
    head, _ = objects[number]
    to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", head)
    if to_unicode:
        table = _cmap(objects[int(to_unicode[1])][1] or b"")
        return lambda raw: "".join(table.get(b, "\ufffd") for b in raw)
    if b"UCS2" in head:
        return lambda raw: raw.decode("utf-16-be", errors="replace")
    return lambda raw: raw.decode("latin-1")


def _page_numbers(objects, number: int) -> list[int]:
    head, _ = objects[number]
    if re.search(rb"/Type /Pages", head):
        kids = re.search(rb"/Kids \[([^\]]*)\]", head)[1]
        pages: list[int] = []
        for kid in re.findall(rb"(\d+) 0 R", kids):
            pages += _page_numbers(objects, int(kid))
        return pages
    return [number]


def read_pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page; strings within one BT..ET block are joined without spaces."""
    objects = _objects(pdf)
    root = int(re.search(rb"/Root (\d+) 0 R", pdf[pdf.rfind(b"trailer") :])[1])
    pages_ref = int(re.search(rb"/Pages (\d+) 0 R", objects[root][0])[1])
    texts = []
    for page in _page_numbers(objects, pages_ref):
        head, _ = objects[page]
        fonts_ref = re.search(rb"/Font (\d+) 0 R", head)
        font_dict = objects[int(fonts_ref[1])][0] if fonts_ref else b""
        decoders = {
            name.decode(): _font_decoder(objects, int(ref)) for name, ref in _REF.findall(font_dict)
        }
        contents = re.search(rb"/Contents (\d+) 0 R", head)
        data = objects[int(contents[1])][1] or b""
        out, operands, decode = [], [], (lambda raw: raw.decode("latin-1"))
        for kind, value in _tokens(data):
            if kind == "op":
                if value == "Tf":
                    decode = decoders.get(operands[-2][1], decode)
                elif value in ("Tj", "'", '"'):
                    out.append(decode(operands[-1][1]))
                elif value == "TJ":
                    out.extend(decode(v) for k, v in operands if k == "str")
                elif value == "ET":
                    out.append("\n")
                operands = []
            elif kind not in ("[", "]"):
                operands.append((kind, value))
        texts.append("".join(out))
    return texts


@pytest.fixture
def pdf_pages() -> Callable[[bytes], list[str]]:
    try:
        import pypdf  # noqa: F401
    except ImportError:
        return read_pdf_pages

    def with_pypdf(pdf: bytes) -> list[str]:
        import io

        from pypdf import PdfReader

        return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]

    return with_pypdf
