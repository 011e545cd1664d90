"""Scoping exports for the police and the commission: CSV (UTF-8 with BOM) and Excel.

Subject ids only, with field names, classes, channels and counts: the web layer adds names
when it exports to the police, under a recorded export event. One row per (subject, field,
channel), in the scoping's order, so two exports of the same scope are byte-identical.

Excel opens a UTF-8 CSV correctly only with a byte-order mark, hence the BOM. Cells that
start with = + - @ (or a tab or carriage return) are prefixed with ' so a spreadsheet never
runs them as formulas (CSV injection); our values never start so, but the guard is cheap.
The .xlsx is written with openpyxl and then re-zipped with fixed timestamps: openpyxl
stamps the current time into the archive and its properties, and the pure core reads no
clock (`generated_at` is passed in).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from ryoken.audit.events import check_aware
from ryoken.domain.fields import FIELDS_BY_NAME
from ryoken.incident.documents import CLASS_LABELS, ROLE_LABELS
from ryoken.incident.scope import Scope

JST = ZoneInfo("Asia/Tokyo")
HEADER = (
    "データ主体ID",
    "役割",
    "項目",
    "項目名",
    "分類",
    "経路",
    "初回日時",
    "最終日時",
    "回数",
    "初回台帳番号",
    "マスク表示のみ",
    "業務の中か",
    "業務の外の回数",
)
CHANNEL_LABELS = {
    "screen": "画面表示",
    "print": "印刷",
    "copy": "複写",
    "document_image": "書類の取扱い",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _time(at: datetime, tz: tzinfo) -> str:
    return at.astimezone(tz).isoformat(timespec="seconds")


def rows(scope: Scope, *, tz: tzinfo = JST) -> Iterator[tuple[object, ...]]:
    """The data rows (without the header), in the scoping's order."""
    for person in scope.subjects:
        roles = "・".join(ROLE_LABELS.get(r, r) for r in person.roles)
        for e in person.exposures:
            known = FIELDS_BY_NAME.get(e.field)
            yield (
                person.subject,
                roles,
                e.field,
                known.label_ja if known else e.field,
                CLASS_LABELS[known.field_class] if known else "",  # in words, not "identity"
                CHANNEL_LABELS.get(e.channel.value, e.channel.value),
                _time(e.first_at, tz),
                _time(e.last_at, tz),
                e.count,
                e.first_ref,
                "はい" if e.masked_only else "いいえ",
                _within(scope, e.outside, e.count),
                e.outside if scope.marked else "",
            )


def _within(scope: Scope, outside: int, count: int) -> str:
    """Within a task, outside any task, or partly (some of the events outside); empty when
    the scoping was not marked."""
    if not scope.marked:
        return ""
    if outside == 0:
        return "業務の中"
    return "業務の外" if outside >= count else "一部業務の外"


def to_csv(scope: Scope, *, tz: tzinfo = JST) -> bytes:
    """UTF-8 with a BOM, CRLF line ends (what Excel expects)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows(scope, tz=tz):
        writer.writerow([_cell(v) for v in row])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def _summary(scope: Scope, generated_at: datetime, tz: tzinfo) -> list[tuple[object, object]]:
    return [
        ("作成日時", _time(generated_at, tz)),
        ("職員", "、".join(scope.staff)),
        ("期間（開始）", _time(scope.period.start, tz)),
        ("期間（終了・含まない）", _time(scope.period.end, tz)),
        ("経路", "、".join(CHANNEL_LABELS.get(c.value, c.value) for c in scope.channels)),
        ("本人の数", scope.persons),
        (
            "うち業務の外での閲覧等があった本人の数",
            scope.persons_outside_task if scope.marked else "未判定",
        ),
        ("読んだ事象の数", scope.events_read),
        ("照合できない複写機ジョブ（台帳番号）", "、".join(map(str, scope.unmatched_copier_jobs))),
        ("文書名が不明な印刷（全項目で計上）", "、".join(scope.unknown_documents)),
    ]


def _sheet(
    workbook: Workbook, title: str, header: Sequence[str], body: Sequence[Sequence[object]]
) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append(list(header))
    for row in body:
        sheet.append([_cell(v) for v in row])
    sheet.freeze_panes = "A2"


def _fixed_zip(data: bytes) -> bytes:
    """The same archive with every entry stamped 1980-01-01: byte-identical on every run."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info))
    return out.getvalue()


def to_xlsx(scope: Scope, *, generated_at: datetime, tz: tzinfo = JST) -> bytes:
    """An Excel workbook: summary, one row per exposure, and counts by field, class, role."""
    check_aware(generated_at, "export time")
    workbook = Workbook()
    workbook.remove(workbook.active)
    _sheet(workbook, "概要", ("項目", "値"), _summary(scope, generated_at, tz))
    _sheet(workbook, "対象者別", HEADER, list(rows(scope, tz=tz)))
    _sheet(
        workbook,
        "項目別",
        ("項目", "項目名", "分類", "本人の数"),
        [
            (
                name,
                FIELDS_BY_NAME[name].label_ja if name in FIELDS_BY_NAME else name,
                FIELDS_BY_NAME[name].field_class.value if name in FIELDS_BY_NAME else "",
                count,
            )
            for name, count in scope.by_field.items()
        ],
    )
    _sheet(
        workbook,
        "分類別",
        ("分類", "分類名", "本人の数"),
        [(c.value, CLASS_LABELS[c], n) for c, n in scope.by_field_class.items()],
    )
    _sheet(
        workbook,
        "役割別",
        ("役割", "役割名", "本人の数"),
        [(r, ROLE_LABELS.get(r, r), n) for r, n in scope.by_role.items()],
    )
    stamp = generated_at.astimezone(UTC).replace(tzinfo=None)  # openpyxl: naive means UTC
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    workbook.properties.creator = "ryoken"
    workbook.properties.title = "漏えい等対象者一覧"
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    return _fixed_zip(raw.getvalue())
