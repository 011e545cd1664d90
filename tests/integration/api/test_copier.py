"""Copier/MFP job logs become ledger events, validated whole, recorded exactly once."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from ryoken.audit.events import decode_entry
from ryoken.web.api.models import SeenRecord
from ryoken.web.counter.models import PrintJob
from ryoken.web.ledger.models import Entry

from .conftest import bearer

pytestmark = pytest.mark.django_db(transaction=True)


def _job(n: int, **changes) -> dict:
    job = {
        "job_uid": f"mfp2-{n:05d}",
        "copier": "MFP-2F-02",
        "user": "counter1",
        "at": f"2026-05-12T10:{n % 60:02d}:07+09:00",
        "pages": 2,
        "kind": "copy",
    }
    job.update(changes)
    return job


def _send(client, token, jobs):
    return client.post(
        "/api/copier/jobs", json.dumps(jobs), content_type="application/json", **bearer(token)
    )


def _copier_events():
    rows = Entry.objects.filter(code="external.copier").order_by("seq")
    return [decode_entry(bytes(row.data))[1] for row in rows]


def test_it_records_each_job_as_a_ledger_event(client, ledger_db, api_token):
    response = _send(client, api_token("copier", name="mfp-2f"), [_job(1), _job(2, pages=7)])
    assert response.status_code == 200, response.content
    assert response.json() == {"received": 2, "recorded": 2, "already_recorded": 0}
    events = _copier_events()
    assert [e.details["pages"] for e in events] == [2, 7]
    first = events[0]
    assert first.actor == "counter1" and first.terminal == "MFP-2F-02"
    assert first.details["client"] == "mfp-2f" and first.details["kind"] == "copy"
    assert first.details["unmatched"] is True
    assert first.at.isoformat() == "2026-05-12T01:01:07+00:00"


def test_it_links_a_watermarked_job_to_its_print_job(client, ledger_db, api_token, make_staff):
    clerk = make_staff("counter_clerk", username="counter1")
    PrintJob.objects.create(
        job_id="pj-0001",
        watermark="7K3MQX9P",
        kind="copy",
        document="koseki",
        reason="本人確認書類の写し",
        staff=clerk,
        pages=1,
        created_at=timezone.now(),
    )
    jobs = [_job(1, watermark="7k3mqx9p", document_class="koseki"), _job(2, watermark="ZZZZZZZZ")]
    assert _send(client, api_token("copier"), jobs).status_code == 200
    matched, stray = _copier_events()
    assert matched.details["job"] == "pj-0001"
    assert matched.details["job_staff"] == "counter1"
    assert matched.details["staff_known"] is True
    assert matched.details["document_class"] == "koseki"
    assert "unmatched" not in matched.details
    assert stray.details["unmatched"] is True and "job" not in stray.details


def test_it_rejects_the_whole_batch_naming_each_bad_record(client, ledger_db, api_token):
    jobs = [_job(0), _job(1, pages=0), _job(2), _job(3, kind="fax"), _job(4)]
    response = _send(client, api_token("copier"), jobs)
    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "送信された記録に誤りがあるため、すべて受け付けませんでした。"
    assert [(e["index"], e["field"]) for e in body["errors"]] == [(1, "pages"), (3, "kind")]
    assert not Entry.objects.filter(code="external.copier").exists()
    assert not SeenRecord.objects.exists()


def test_it_rejects_a_time_without_a_timezone(client, ledger_db, api_token):
    response = _send(client, api_token("copier"), [_job(0, at="2026-05-12T10:00:00")])
    assert response.status_code == 422
    assert response.json()["errors"][0]["index"] == 0
    assert response.json()["errors"][0]["field"] == "at"


def test_it_rejects_unknown_fields_and_repeated_uids(client, ledger_db, api_token):
    token = api_token("copier")
    typo = _send(client, token, [_job(0, page=3)])
    assert typo.status_code == 422 and typo.json()["errors"][0]["field"] == "page"
    repeated = _send(client, token, [_job(5), _job(6), _job(5)])
    assert repeated.status_code == 422
    assert [(e["index"], e["field"]) for e in repeated.json()["errors"]] == [(2, "job_uid")]
    assert not Entry.objects.filter(code="external.copier").exists()


def test_it_rejects_an_impossible_device_clock(client, ledger_db, api_token):
    response = _send(client, api_token("copier"), [_job(0), _job(1, at="1970-01-01T00:00:00Z")])
    assert response.status_code == 422
    assert response.json()["errors"][0]["index"] == 1
    assert not Entry.objects.filter(code="external.copier").exists()


def test_it_rejects_a_batch_over_the_limit(client, ledger_db, api_token):
    response = _send(client, api_token("copier"), [_job(n) for n in range(1001)])
    assert response.status_code == 422
    assert "1000" in response.json()["errors"][0]["reason"]
    assert not Entry.objects.filter(code="external.copier").exists()


def test_it_does_not_record_a_resent_batch_twice(client, ledger_db, api_token):
    token = api_token("copier")
    assert _send(client, token, [_job(1), _job(2)]).json()["recorded"] == 2
    again = _send(client, token, [_job(1), _job(2), _job(3)])
    assert again.json() == {"received": 3, "recorded": 1, "already_recorded": 2}
    uids = [e.details["job_uid"] for e in _copier_events()]
    assert uids == ["mfp2-00001", "mfp2-00002", "mfp2-00003"]


def test_it_keeps_uids_apart_per_client(client, ledger_db, api_token):
    _send(client, api_token("copier", name="mfp-1f"), [_job(1)])
    _send(client, api_token("copier", name="mfp-2f"), [_job(1)])
    assert [e.details["client"] for e in _copier_events()] == ["mfp-1f", "mfp-2f"]


def test_it_refuses_a_kiosk_token(client, ledger_db, api_token):
    assert _send(client, api_token("kiosk"), [_job(1)]).status_code == 401
    assert not Entry.objects.filter(code="external.copier").exists()


def test_it_rejects_a_body_that_is_not_a_list(client, ledger_db, api_token):
    response = _send(client, api_token("copier"), _job(1))
    assert response.status_code == 422
    assert response.json()["message"]
    assert not Entry.objects.filter(code="external.copier").exists()


def test_it_fails_closed_and_forgets_the_batch_when_the_ledger_cannot_record(
    client, ledger_db, api_token, monkeypatch
):
    from ryoken.errors import LedgerError
    from ryoken.web.ledger import store

    def broken(*events):
        raise LedgerError("disk full", message_ja="監査台帳に記録できません。")

    token = api_token("copier")
    monkeypatch.setattr(store, "record_in_transaction", broken)
    response = _send(client, token, [_job(1)])
    assert response.status_code == 503
    assert response.json()["message"] == "監査台帳に記録できません。"
    assert not SeenRecord.objects.exists()
    monkeypatch.undo()
    assert _send(client, token, [_job(1)]).json()["recorded"] == 1  # the retry is recorded


def test_it_rejects_a_body_that_is_not_json(client, ledger_db, api_token):
    response = client.post(
        "/api/copier/jobs",
        "not json",
        content_type="application/json",
        **bearer(api_token("copier")),
    )
    assert response.status_code == 400
    assert response.json()["message"] == "送信内容を読み取れません。"
    assert not Entry.objects.filter(code="external.copier").exists()


def test_it_records_once_when_the_same_batch_arrives_twice_at_once(ledger_db, api_token):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection
    from django.test import Client

    if connection.vendor == "sqlite":
        # The SQLite test database is shared-cache in-memory, where a concurrent writer fails
        # at once ("table is locked") instead of waiting as it does on the file database.
        pytest.skip("concurrent writers need PostgreSQL or a file database")

    token = api_token("copier")
    batch = [_job(n) for n in range(50)]

    def send(_: int) -> dict:
        try:
            return _send(Client(), token, batch).json()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(send, range(3)))
    assert sorted(r["recorded"] for r in results) == [0, 0, 50]
    assert len(_copier_events()) == 50
