from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

from openpyxl import load_workbook

from ryoken.audit.events import Event, EventCode
from ryoken.domain.fields import SubjectRole
from ryoken.incident.exports import HEADER, to_csv, to_xlsx
from ryoken.incident.scope import Period, scope

JST = timezone(timedelta(hours=9))
T0 = datetime(2022, 5, 9, 9, 0, tzinfo=JST)
PERIOD = Period(T0, T0 + timedelta(days=1))


def scoped(extra_field: str = "address"):
    events = [
        Event(EventCode.DISCLOSURE, T0, "counter1", ("ds_A",), ("name_kanji", extra_field)),
        Event(
            EventCode.DISCLOSURE,
            T0 + timedelta(minutes=5),
            "counter1",
            ("ds_A",),
            ("name_kanji",),
            details={"form": "masked"},
        ),
        Event(
            EventCode.PRINT,
            T0 + timedelta(minutes=9),
            "counter1",
            ("ds_B",),
            details={"job": "pj_1", "document": "receipt"},
        ),
    ]
    roles = {"ds_A": [SubjectRole.APPLICANT], "ds_B": [SubjectRole.FAMILY_MEMBER]}
    return scope(events, "counter1", PERIOD, roles=roles)


def test_it_writes_a_csv_excel_opens_as_utf8_with_one_row_per_field_and_channel() -> None:
    data = to_csv(scoped())
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == HEADER
    assert [r[0] for r in rows[1:]] == ["ds_A", "ds_A", "ds_B"]
    name_row = rows[1]
    assert name_row[1:6] == [
        "申請者",
        "name_kanji",
        "氏名（漢字）",
        "基本情報（氏名・生年月日・旅券番号等）",  # the class in words, not "identity"
        "画面表示",
    ]
    assert name_row[6:9] == ["2022-05-09T09:00:00+09:00", "2022-05-09T09:05:00+09:00", "2"]
    assert rows[3][5] == "印刷"
    assert b"\r\n" in data


def test_it_keeps_a_formula_out_of_the_spreadsheet() -> None:
    rows = list(csv.reader(io.StringIO(to_csv(scoped("=HYPERLINK(1)")).decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert "'=HYPERLINK(1)" in cells
    assert "=HYPERLINK(1)" not in cells


def test_it_writes_an_excel_workbook_with_the_counts() -> None:
    stamp = datetime(2023, 5, 16, 10, 0, tzinfo=JST)
    data = to_xlsx(scoped(), generated_at=stamp)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["概要", "対象者別", "項目別", "分類別", "役割別"]
    summary = dict(book["概要"].iter_rows(min_row=2, values_only=True))
    assert summary["本人の数"] == 2
    assert summary["作成日時"] == "2023-05-16T10:00:00+09:00"
    by_field = {r[0]: r[3] for r in book["項目別"].iter_rows(min_row=2, values_only=True)}
    assert by_field == {"name_kanji": 2, "address": 1}
    by_role = {r[0]: r[2] for r in book["役割別"].iter_rows(min_row=2, values_only=True)}
    assert by_role == {"applicant": 1, "family_member": 1}
    assert book["対象者別"].max_row == 4
    assert book.properties.created.isoformat() == "2023-05-16T01:00:00"  # UTC


def test_it_writes_the_same_bytes_for_the_same_scope() -> None:
    stamp = datetime(2023, 5, 16, 10, 0, tzinfo=JST)
    assert to_xlsx(scoped(), generated_at=stamp) == to_xlsx(scoped(), generated_at=stamp)
    assert to_csv(scoped()) == to_csv(scoped())
