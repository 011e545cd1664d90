"""The one Japanese font loader for ReportLab: Noto Sans CJK JP embedded, else a CID font.

Used by every PDF ryoken makes (`pdf.py`): the counter's prints and the incident documents.
A TrueType-outline font configured with `RYOKEN_PDF_FONT=/path/to/font.ttf` is embedded
instead of Noto, for an office that prints in its own typeface.

ReportLab embeds TrueType (glyf) outlines only, and Debian's Noto CJK (`fonts-noto-cjk`,
installed by `make install`) has PostScript (CFF) outlines: ReportLab refuses it ("postscript
outlines are not supported"). So, per document, we subset the font to the characters the
document uses with fontTools and convert the cubic CFF outlines to quadratic TrueType ones
(cu2qu, the same conversion fontTools' own otf2ttf recipe does), then hand that small
TrueType font to ReportLab, which embeds and subsets it again. The PDF is then
self-contained: it prints the same on every viewer and keeps 𠮷, 髙 and 﨑 in people's
names. Cost: about a second for a few hundred characters, a couple for a mail merge of
thousands of names (see docs/decisions/0040-pdf-and-fonts.md).

If the font file or fontTools is missing, or the conversion fails, we fall back to ReportLab's
built-in CID font HeiseiKakuGo-W5 (Adobe-Japan1, UniJIS-UCS2-H): nothing is embedded and
viewers substitute a local Japanese font. UCS-2 cannot carry characters beyond the Basic
Multilingual Plane, so those are replaced by 〓 (geta, the typesetter's mark for a missing
glyph) and listed in `FontChoice.replaced`, for the officer to check the affected notices;
so are characters Noto itself lacks.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from ryoken.web.env import env_str

NOTO_PATHS: tuple[Path, ...] = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJKjp-Regular.otf"),
)
NOTO_FAMILY = "Noto Sans CJK JP"
# The fallback chain, tried in order when a font lacks a character of the document (a rare
# JIS X 0213 kanji, say): the first that has every character is used; if none has, the one
# lacking fewest, with the rest shown as 〓 and listed in `FontChoice.replaced`.
FALLBACKS: tuple[tuple[Path, str], ...] = (
    (Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"), "Noto Serif CJK JP"),
)
CID_FONT = "HeiseiKakuGo-W5"
GETA = "〓"
# Always in the subset, so text added after the charset was taken still renders.
BASE_CHARS = "".join(chr(c) for c in range(0x20, 0x7F)) + "　、。・「」（）〒：－①②③④⑤⑥⑦⑧⑨" + GETA

_registered: dict[str, FontChoice] = {}
_configured: dict[str, FontChoice | None] = {}


def _to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """ReportLab's `makeToUnicodeCMap` with one fix: a code point beyond U+FFFF (𠮷) is
    written as a UTF-16 surrogate pair, as the PDF reference requires. ReportLab 5.1 writes
    it as five hex digits (<20BB7>), which text extractors reject, so 𠮷田 would be copied
    or searched as 田. Same output as ReportLab's for every other character."""
    pairs = [
        f"<{i:02X}> <{chr(v).encode('utf-16-be').hex().upper()}>" for i, v in enumerate(subset)
    ]
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo",
            f"<< /Registry ({fontname})",
            f"/Ordering ({fontname})",
            "/Supplement 0",
            ">> def",
            f"/CMapName /{fontname} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
            f"{len(subset)} beginbfchar",
            *pairs,
            "endbfchar",
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )


# ttfonts looks the function up by its module-global name when it writes each font subset.
ttfonts.makeToUnicodeCMap = _to_unicode_cmap


@dataclass(frozen=True, slots=True)
class FontChoice:
    name: str  # the ReportLab font name to use
    embedded: bool
    source: str  # the font file, or the CID font's name
    replaced: tuple[str, ...] = ()  # characters the font cannot show (shown as 〓)

    def prepare(self, text: str) -> str:
        """`text` as this font can show it."""
        if not self.replaced:
            return text
        return "".join(GETA if c in self.replaced else c for c in text)


def noto_path() -> Path | None:
    return next((p for p in NOTO_PATHS if p.is_file()), None)


def _jp_face(path: Path, family: str = NOTO_FAMILY) -> Any:
    from fontTools.ttLib import TTCollection
    from fontTools.ttLib import TTFont as FTFont

    if path.suffix.lower() != ".ttc":
        return FTFont(str(path))
    collection = TTCollection(str(path), lazy=True)
    for index, face in enumerate(collection.fonts):
        if face["name"].getDebugName(1) == family:
            return FTFont(str(path), fontNumber=index)
    raise LookupError(f"{path} has no {family} face")


def truetype_subset(
    path: Path, chars: str, postscript_name: str, family: str = NOTO_FAMILY
) -> tuple[bytes, set[str]]:
    """The Noto JP face cut to `chars`, with its CFF outlines converted to glyf.

    Each cut gets its own PostScript name: ReportLab registers type faces by that name, and
    two cuts sharing Noto's would render the second document with the first one's glyphs.
    Also returns the characters the font has.
    """
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.subset import Options, Subsetter
    from fontTools.ttLib import newTable

    font = _jp_face(path, family)
    options = Options()
    options.layout_features = []
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    options.name_IDs = ["*"]
    options.drop_tables += ["VORG", "vhea", "vmtx", "GSUB", "GPOS", "GDEF", "BASE"]
    subsetter = Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    covered = {chr(code) for code in font.getBestCmap()}
    if "CFF " in font:
        order = font.getGlyphOrder()
        glyphs = font.getGlyphSet()
        glyf = newTable("glyf")
        glyf.glyphOrder = order
        glyf.glyphs = {}
        for name in order:
            pen = TTGlyphPen(glyphs)
            # 1 font unit of error in a 1000-unit em; reversed: TrueType winds the other way.
            glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
            glyf[name] = pen.glyph()
        font["glyf"] = glyf
        font["loca"] = newTable("loca")
        maxp = font["maxp"]
        maxp.tableVersion = 0x00010000
        for attr in (
            "maxZones",
            "maxTwilightPoints",
            "maxStorage",
            "maxFunctionDefs",
            "maxInstructionDefs",
            "maxStackElements",
            "maxSizeOfInstructions",
            "maxComponentElements",
            "maxComponentDepth",
        ):
            setattr(maxp, attr, 0)
        maxp.maxZones = 1
        post = font["post"]
        post.formatType = 2.0
        post.extraNames = []
        post.mapping = {}
        post.glyphOrder = order
        font["head"].glyphDataFormat = 0
        del font["CFF "]
        font.sfntVersion = "\x00\x01\x00\x00"
    names = font["name"]
    names.removeNames(nameID=6)
    names.setName(postscript_name, 6, 3, 1, 0x409)
    names.setName(postscript_name, 6, 1, 0, 0)
    # Keep the source's modification time: fontTools would stamp the cut with the wall clock,
    # and the same document rendered a second later would no longer give the same bytes.
    font.recalcTimestamp = False
    out = io.BytesIO()
    font.save(out)
    return out.getvalue(), covered


def _cid_font(chars: str) -> FontChoice:
    if CID_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    beyond = tuple(sorted({c for c in chars if ord(c) > 0xFFFF}))
    return FontChoice(CID_FONT, embedded=False, source=CID_FONT, replaced=beyond)


def configured_font() -> FontChoice | None:
    """The font of `RYOKEN_PDF_FONT`, registered once per path; None when it is not set or
    ReportLab cannot embed it (CFF outlines, say: Noto, cut and converted, is used then)."""
    path = env_str("RYOKEN_PDF_FONT", "")
    if not path:
        return None
    if path not in _configured:
        name = "RyokenJapanese-" + hashlib.sha256(path.encode()).hexdigest()[:8]
        try:
            pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
            _configured[path] = FontChoice(name, embedded=True, source=path)
        except (TTFError, OSError):
            _configured[path] = None
    return _configured[path]


def font_for(text: str, *, embed: bool = True) -> FontChoice:
    """A registered font that can show `text` (see the module docstring): the configured
    font, else Noto CJK cut to the text with its fallback chain, else the CID font.

    `embed=False` skips the embedded fonts and uses the CID font.
    """
    chars = "".join(sorted(set(text) | set(BASE_CHARS)))
    if embed and (configured := configured_font()) is not None:
        return configured
    path = noto_path() if embed else None
    if path is None:
        return _cid_font(chars)
    candidates = [(path, NOTO_FAMILY), *((p, f) for p, f in FALLBACKS if p.is_file())]
    best: FontChoice | None = None
    for font_path, family in candidates:
        choice = _embedded(font_path, family, chars)
        if choice is None:
            continue
        if not choice.replaced:
            return choice
        if best is None or len(choice.replaced) < len(best.replaced):
            best = choice
    return best if best is not None else _cid_font(chars)


def _embedded(path: Path, family: str, chars: str) -> FontChoice | None:
    """`family` from `path` cut to `chars` and registered, or None if that fails."""
    key = hashlib.sha256(f"{path}\n{family}\n{chars}".encode()).hexdigest()[:16]
    cached = _registered.get(key)
    if cached is not None:
        return cached
    try:
        name = f"RyokenNotoJP-{key}"
        data, covered = truetype_subset(path, chars, name, family)
        pdfmetrics.registerFont(TTFont(name, io.BytesIO(data)))
    except Exception:  # any failure here means "try the next font", which says so
        return None
    missing = {c for c in chars if c not in covered and unicodedata.category(c)[0] not in "CZ"}
    choice = FontChoice(name, embedded=True, source=str(path), replaced=tuple(sorted(missing)))
    _registered[key] = choice
    return choice
