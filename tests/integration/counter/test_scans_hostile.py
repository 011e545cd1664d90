"""Document scans against hostile uploads: file names that try to climb directories, files
over the size limit, and contents that are not what the name or the browser claims.

What test_intake.py already covers: over the limit, GIF and HTML bytes, an empty file, the
browser's content type ignored. Here: traversal names (through HTTP, where Django already
cuts a name down to its last part, and at the form, which refuses what is left if it still
looks like a path), the size limit at its exact boundary and at the default limit, SVG
(script-capable) refused, the header's content type never trusted in either direction.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given, settings
from hypothesis import strategies as st

from ryoken.web.applications.models import Application
from ryoken.web.counter.intake.forms import DEFAULT_MAX_SCAN_BYTES, ScanForm, _path_like
from ryoken.web.counter.models import IntakeRecord
from ryoken.web.ledger.models import Entry
from ryoken.web.vault.models import Value

from .helpers import JPEG, PDF, app_url, call_applicant, enter_application, png

pytestmark = pytest.mark.django_db(transaction=True)

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"/>'


@pytest.fixture
def draft(client, personas, ledger_db, login_as):
    """A clerk at the window with a draft application waiting for its scans: (client, url)."""
    login_as(personas["counter_clerk"])
    grant = call_applicant(client)
    response = enter_application(client, grant)
    assert response.status_code == 302
    app_id = int(response["Location"].split("/app/")[1].split("/")[0])
    return client, app_url(grant, app_id, "scans")


def _stored() -> tuple[int, int]:
    return Value.objects.count(), Entry.objects.filter(code="document.scan").count()


def _post(client, url, name: str, content: bytes, content_type: str = "image/png"):
    return client.post(url, {"photo": SimpleUploadedFile(name, content, content_type)})


@pytest.mark.parametrize(
    "name",
    ["../../../../etc/passwd.png", "..\\..\\windows\\system32\\photo.png", "/tmp/photo.png"],
)
def test_a_traversal_name_never_reaches_storage(draft, name):
    client, url = draft
    response = _post(client, url, name, png())
    # Django keeps only the last part of the name (passwd.png, photo.png); the scan is
    # stored in the vault as bytes, and neither the name nor any part of it is kept.
    assert response.status_code == 302
    scan = Entry.objects.get(code="document.scan")
    recorded = bytes(scan.data).decode()
    assert "passwd" not in recorded and "system32" not in recorded and "tmp" not in recorded
    assert IntakeRecord.objects.get().scanned == "photo"


@pytest.mark.parametrize("name", [".htaccess", "photo..png", "a" * 121 + ".png"])
def test_a_name_that_still_looks_like_a_path_is_refused(draft, name):
    client, url = draft
    before = _stored()
    response = _post(client, url, name, png())
    assert response.status_code == 400
    assert "ファイル名が正しくありません" in response.content.decode()
    assert _stored() == before


@settings(max_examples=200)
@given(
    st.text(min_size=1, max_size=30).flatmap(
        lambda stem: st.sampled_from(["/", "\\", "\x00", "..", "\n"]).map(
            lambda bad: stem[: len(stem) // 2] + bad + stem[len(stem) // 2 :] + ".png"
        )
    )
)
def test_the_form_refuses_every_name_with_a_separator_or_control(name):
    assert _path_like(name)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["..\\..\\photo.png", "ph\u202eoto.png", "photo\x7f.png", "photo\x00.png.exe"],
)
def test_the_form_itself_refuses_what_http_would_already_strip(name):
    # Django's multipart parser drops separators and unprintable characters before a form
    # sees a name; the form does not rely on it (a name set another way reaches it whole).
    upload = SimpleUploadedFile(name, png(), "image/png")
    assert upload.name == name
    form = ScanForm({}, {"photo": upload})
    assert not form.is_valid()
    assert "ファイル名が正しくありません" in str(form.errors["photo"])
    assert not form.contents


def test_the_size_limit_holds_at_its_boundary(draft, settings):
    settings.RYOKEN_MAX_SCAN_BYTES = 4096
    client, url = draft
    exact = png(padding=4096 - len(png()) - 16)  # the tEXt chunk: 12 framing + 'pad\\0'
    assert len(exact) == 4096
    over = exact + b"\x00"
    before = _stored()
    response = _post(client, url, "over.png", over)
    assert response.status_code == 400 and "大きすぎます" in response.content.decode()
    assert _stored() == before
    assert _post(client, url, "exact.png", exact).status_code == 302


def test_the_default_limit_refuses_a_file_one_byte_over(draft):
    client, url = draft
    over = png(padding=DEFAULT_MAX_SCAN_BYTES)  # > 5 MiB: streamed to a temporary file
    assert len(over) > DEFAULT_MAX_SCAN_BYTES
    before = _stored()
    response = _post(client, url, "big.png", over)
    assert response.status_code == 400 and "大きすぎます" in response.content.decode()
    assert _stored() == before


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("photo.svg", SVG, "image/svg+xml"),
        ("photo.png", SVG, "image/png"),
        ("photo.png", b"  " + PDF, "application/pdf"),  # the magic must be at the start
        ("photo.png", b"MZ\x90\x00" + b"\x00" * 60, "image/png"),  # a Windows executable
        ("photo.png", b"PK\x03\x04" + b"\x00" * 60, "image/png"),  # a zip (docx, xlsx)
    ],
)
def test_contents_that_are_not_png_jpeg_or_pdf_are_refused(draft, name, content, content_type):
    client, url = draft
    before = _stored()
    response = _post(client, url, name, content, content_type)
    assert response.status_code == 400
    assert "PNG・JPEG・PDFの画像のみ" in response.content.decode()
    assert _stored() == before


def test_a_real_image_is_taken_for_what_it_is_whatever_the_header_says(draft):
    client, url = draft
    response = _post(client, url, "notes.html", JPEG, content_type="text/html")
    assert response.status_code == 302
    scan = bytes(Entry.objects.get(code="document.scan").data).decode()
    assert "image/jpeg" in scan and "text/html" not in scan
    assert Application.objects.count() == 1
