"""Bodies the API refuses before any endpoint: too big, or JSON not in UTF-8."""

from __future__ import annotations

import json

import pytest

from ryoken.web.ledger.models import Entry

from .conftest import bearer

pytestmark = pytest.mark.django_db(transaction=True)

JOB = {
    "job_uid": "mfp2-00001",
    "copier": "MFP-2F-02",
    "user": "counter1",
    "at": "2026-05-12T10:01:07+09:00",
    "pages": 2,
    "kind": "copy",
}


def _post(client, token, body: bytes):
    return client.post("/api/copier/jobs", body, content_type="application/json", **bearer(token))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "utf-32-be", "utf-8-sig"])
def test_it_refuses_json_that_is_not_utf8(client, ledger_db, api_token, encoding):
    token = api_token("copier", name="mfp-2f")
    response = _post(client, token, json.dumps([JOB]).encode(encoding))
    assert response.status_code == 400
    body = response.json()
    assert body["detail"].startswith("Cannot parse request body") and body["errors"] == []
    assert not Entry.objects.filter(code="external.copier").exists()
    assert _post(client, token, json.dumps([JOB]).encode("utf-8")).status_code == 200


def test_it_answers_a_12_mb_body_in_the_json_error_shape(client, ledger_db, api_token):
    token = api_token("copier", name="mfp-2f")
    response = _post(client, token, b"[" + b" " * (12 * 1024 * 1024) + b"]")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"message", "detail", "errors"}


def test_it_refuses_a_bidi_override_in_the_device_user(client, ledger_db, api_token):
    token = api_token("copier", name="mfp-2f")
    job = dict(JOB, user="counter\u202e1")
    response = _post(client, token, json.dumps([job]).encode())
    assert response.status_code == 422
