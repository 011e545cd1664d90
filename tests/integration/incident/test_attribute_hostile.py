"""The attribution screen against a leaked list that is not what it should be: a Shift_JIS
export (what Excel in Japan writes by default), a binary file, a cell of megabytes. Each is
refused on the page with a reason (it was a server error for the first two), and nothing is
recorded."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ryoken.web.ledger.models import Entry

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            "氏名,生年月日\n高橋 一郎,1990-01-02\n".encode("shift_jis"),
            "UTF-8のテキストではありません",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "UTF-8のテキストではありません"),
        (b'name\n"' + b"a" * 200_000 + b'"\n', "CSVとして読み取れません"),
        (b"", "流出リスト"),  # an empty upload: the form's own "required" error
    ],
    ids=["shift-jis", "binary", "huge-cell", "empty"],
)
def test_it_refuses_a_list_it_cannot_read(client, personas, ledger_db, login_as, content, reason):
    login_as(personas["privacy_officer"])
    today = timezone.localdate().isoformat()
    before = Entry.objects.count()
    response = client.post(
        reverse("incident:attribute"),
        {"leaked": SimpleUploadedFile("leak.csv", content), "start": today, "end": today},
    )
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert Entry.objects.count() == before  # no attribution was recorded
