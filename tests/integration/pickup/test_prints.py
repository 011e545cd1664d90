"""Print and copy jobs: recorded with a reason and a watermark id before any paper exists."""

from __future__ import annotations

from datetime import date

import pytest

from ryoken.errors import AccessDenied, InvalidInput, LedgerError
from ryoken.web.applications.fees import fee_quote
from ryoken.web.counter.models import PrintJob
from ryoken.web.counter.pickup import service as pickup
from ryoken.web.counter.prints import service as prints

from .helpers import HOLDER, ledger_events, pdf_pages, pdf_text

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def issued(ready_app, issuer, matched):
    """The passport handed over at the window; the ticket is still open."""
    fee = pickup.Fee.of(fee_quote(ready_app, date.fromisoformat(HOLDER["birth_date"])))
    pickup.do_issue(
        staff=issuer,
        grant=matched,
        application=ready_app,
        fee=fee,
        fee_paid=True,
        old_passport_returned=False,
    )
    ready_app.refresh_from_db()
    return ready_app


def _print(client, grant, app, reason="交付記録の保管", document="pickup_record"):
    return client.post(
        "/pickup/prints/new/",
        {
            "grant": grant.grant_id,
            "application": app.pk,
            "document": document,
            "reason": reason,
            "confirmed": "1",
        },
    )


@pytest.mark.parametrize(("language", "words"), [("ja", "印刷の確認"), ("en", "Confirm printing")])
def test_it_asks_before_printing_and_prints_nothing_until_confirmed(
    login_as, issuer, issued, matched, language, words
):
    client = login_as(issuer)
    asked = client.post(
        "/pickup/prints/new/",
        {"grant": matched.grant_id, "application": issued.pk, "document": "pickup_record",
         "reason": "交付記録の保管"},
        HTTP_ACCEPT_LANGUAGE=language,
    )  # fmt: skip
    html = asked.content.decode()
    assert asked.status_code == 200 and words in html
    assert 'name="confirmed" value="1"' in html and "交付記録の保管" in html
    assert not PrintJob.objects.exists()
    assert _print(client, matched, issued)["Content-Type"] == "application/pdf"
    assert PrintJob.objects.count() == 1


def test_it_records_the_job_in_the_ledger_before_the_pdf_exists(
    login_as, issuer, issued, matched, monkeypatch
):
    seen = {}
    real_render = prints.render_pdf

    def render_after_checking(job, **kwargs):
        # At the moment the PDF is drawn, the job and its ledger entry are already committed.
        (event,) = ledger_events("print", seq=job.ledger_seq)
        seen["watermark"] = event.details["watermark"]
        seen["committed"] = PrintJob.objects.filter(job_id=job.job_id).exists()
        return real_render(job, **kwargs)

    monkeypatch.setattr(prints, "render_pdf", render_after_checking)
    response = _print(login_as(issuer), matched, issued)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    job = PrintJob.objects.get()
    assert seen == {"watermark": job.watermark, "committed": True}
    (event,) = ledger_events("print", grant=matched.grant_id)
    assert event.details["job"] == job.job_id
    assert event.details["document"] == "pickup_record" and event.details["pages"] == 1
    assert event.details["reason"] == "交付記録の保管"
    assert event.subjects == (issued.applicant,)


def test_it_puts_the_watermark_id_on_every_page(login_as, issuer, issued, matched):
    response = _print(login_as(issuer), matched, issued)
    job = PrintJob.objects.get()
    text = pdf_text(response.content)
    pages = pdf_pages(response.content)
    assert pages >= 1
    # Footer and the faint diagonal marks, on each page.
    assert text.count(f"{job.watermark} / {issuer.staff_id}") == pages
    assert text.count(f"{job.watermark}   {issuer.staff_id}") >= pages * 10
    assert job.watermark.encode() in response.content  # also in the document's metadata
    assert len(job.watermark) == 8 and set(job.watermark) <= set(prints.WATERMARK_ALPHABET)


def test_it_refuses_a_print_without_a_reason(login_as, issuer, issued, matched):
    response = _print(login_as(issuer), matched, issued, reason="  ")
    assert response.status_code == 400
    assert "印刷・複写の理由を入力してください" in response.content.decode()
    assert not PrintJob.objects.exists()
    assert ledger_events("print") == []


def test_it_refuses_a_pickup_record_before_issuance(login_as, issuer, ready_app, at_pickup):
    _, grant = at_pickup
    response = _print(login_as(issuer), grant, ready_app)
    assert response.status_code == 400
    assert "交付記録は交付の後に印刷できます" in response.content.decode()
    assert not PrintJob.objects.exists()


def test_it_records_a_reprint_as_a_new_job(login_as, issuer, issued, matched):
    client = login_as(issuer)
    _print(client, matched, issued)
    first = PrintJob.objects.get()
    response = client.post(f"/pickup/prints/{first.job_id}/reprint/", {"reason": "紙詰まり"})
    assert response.status_code == 200
    second = PrintJob.objects.exclude(pk=first.pk).get()
    assert second.watermark != first.watermark
    assert second.watermark in pdf_text(response.content)
    events = ledger_events("print", grant=matched.grant_id)
    assert [e.details["reprint_of"] for e in events] == [None, first.job_id]
    assert events[1].details["reason"] == "紙詰まり"
    listing = client.get("/pickup/prints/").content.decode()
    assert first.watermark in listing and second.watermark in listing and "紙詰まり" in listing


def test_it_refuses_a_reprint_without_a_reason(login_as, issuer, issued, matched):
    client = login_as(issuer)
    _print(client, matched, issued)
    job = PrintJob.objects.get()
    response = client.post(f"/pickup/prints/{job.job_id}/reprint/", {"reason": ""})
    assert response.status_code == 400 and PrintJob.objects.count() == 1


def test_it_refuses_a_reprint_after_the_ticket_closed(login_as, issuer, issued, matched):
    from ryoken.web.counter.queue import service as queue

    client = login_as(issuer)
    _print(client, matched, issued)
    job = PrintJob.objects.get()
    queue.close_ticket(matched.ticket, staff=issuer)
    response = client.post(f"/pickup/prints/{job.job_id}/reprint/", {"reason": "紙詰まり"})
    assert response.status_code == 403
    assert "業務は終了している" in response.content.decode()
    assert PrintJob.objects.count() == 1


def test_it_refuses_a_print_outside_an_open_grant(issuer, issued, matched):
    from ryoken.web.counter.queue import service as queue

    with pytest.raises(AccessDenied):
        prints.do_print(staff=issuer, grant=None, kind="print", document="receipt", reason="再発行")
    queue.close_ticket(matched.ticket, staff=issuer)
    with pytest.raises(AccessDenied):
        prints.do_print(
            staff=issuer,
            grant=matched,
            kind="print",
            document="pickup_record",
            reason="保管",
            application=issued,
        )
    assert not PrintJob.objects.exists() and ledger_events("print") == []


def test_it_refuses_a_print_of_someone_outside_the_work(issuer, matched):
    from .helpers import make_application, make_person

    stranger_app = make_application(make_person({"name_kanji": "佐藤 一郎", "name_kana": "サトウ"}))
    with pytest.raises(AccessDenied):
        prints.do_print(
            staff=issuer,
            grant=matched,
            kind="print",
            document="receipt",
            reason="控え",
            application=stranger_app,
        )
    assert not PrintJob.objects.exists()


def test_it_writes_nothing_when_the_ledger_cannot_record(
    login_as, issuer, issued, matched, monkeypatch
):
    def broken(*events):
        raise LedgerError("disk full", message_ja="監査台帳に記録できません。")

    monkeypatch.setattr(prints.ledger, "record_in_transaction", broken)
    response = _print(login_as(issuer), matched, issued)
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    assert "監査台帳に記録できません" in response.content.decode()
    assert not PrintJob.objects.exists()


def test_it_puts_only_the_name_on_a_receipt(login_as, issuer, ready_app, matched):
    response = _print(
        login_as(issuer), matched, ready_app, reason="受理票の再交付", document="receipt"
    )
    text = pdf_text(response.content)
    assert "受理票" in text and "山田 太郎 様" in text
    assert ready_app.reception_number in text and "6か月以内" in text and "P01" in text
    assert "現在お持ちの旅券" in text  # a renewal brings the old passport to pickup
    for value in (HOLDER["birth_date"], "1985年", HOLDER["passport_number"], "東京都", "山田 花子"):
        assert value not in text
    (shown,) = ledger_events("disclosure", grant=matched.grant_id)
    assert shown.fields == ("name_kanji",) and shown.purpose == "print:receipt"


def test_it_gives_a_watermark_id_to_stamp_on_a_declared_copy(login_as, issuer, matched):
    client = login_as(issuer)
    response = client.post(
        "/pickup/copies/new/",
        {"grant": matched.grant_id, "document": "identity_document", "pages": 2, "reason": "控え"},
        follow=True,
    )
    job = PrintJob.objects.get()
    assert job.kind == "copy" and job.pages == 2
    assert f'data-testid="copy-watermark">{job.watermark}<' in response.content.decode()
    (event,) = ledger_events("copy", grant=matched.grant_id)
    assert event.details["watermark"] == job.watermark and event.details["pages"] == 2
    assert set(event.subjects) == set(matched.subjects.values_list("subject", flat=True))


def test_it_refuses_a_copy_without_a_reason(login_as, issuer, matched):
    response = login_as(issuer).post(
        "/pickup/copies/new/",
        {"grant": matched.grant_id, "document": "koseki", "pages": 1, "reason": ""},
    )
    assert response.status_code == 400
    assert "印刷・複写の理由を入力してください" in response.content.decode()
    assert not PrintJob.objects.exists()


def test_it_refuses_a_copy_without_work_in_hand(ledger_db, personas, login_as):
    response = login_as(personas["counter_clerk"]).get("/pickup/copies/new/")
    assert "対応中の業務がないため複写できません" in response.content.decode()


def test_it_lists_only_my_own_jobs(make_staff, login_as, issuer, issued, matched):
    _print(login_as(issuer), matched, issued)
    job = PrintJob.objects.get()
    colleague = make_staff("issuance_clerk", username="colleague")
    client = login_as(colleague)
    assert job.watermark not in client.get("/pickup/prints/").content.decode()
    assert client.post(f"/pickup/prints/{job.job_id}/reprint/", {"reason": "x"}).status_code == 404
    assert client.get(f"/pickup/copies/{job.job_id}/").status_code == 404


def test_it_refuses_an_unknown_document_or_kind(issuer, matched):
    for kind, document in (("print", "koseki"), ("fax", "receipt")):
        with pytest.raises(InvalidInput):
            prints.do_print(staff=issuer, grant=matched, kind=kind, document=document, reason="x")
