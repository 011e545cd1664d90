"""Hostile input against the machine API: schemathesis generates requests from the OpenAPI
schema and checks every response.

Every operation is fuzzed twice: once with a valid token of the client kind its security
scheme names (so the generated bodies reach validation and the use cases), once without
any token. Both positive (schema-valid) and negative (schema-violating) data are generated.
The requests go through Django's WSGI handler in-process, no network; the responses must
never be a server error and must conform to the schema (status code documented, body
valid against the documented response, content type as declared).
"""

from __future__ import annotations

import os
import re

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from ryoken.web.api.urls import api

from .conftest import bearer

# The schema is built from the NinjaAPI object itself, exactly as /api/openapi.json serves
# it (that view needs a logged-in staff member outside DEBUG; see test_openapi.py).
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api"))
schema.app = get_wsgi_application()

# Which kind of client each security scheme in the schema stands for.
KIND_OF_SCHEME = {
    "KioskToken": "kiosk",
    "CopierToken": "copier",
    "BadgeToken": "badge",
    "BureauToken": "bureau",
}

# Small enough for `make test` (the whole module runs in well under a minute on 2 cores);
# a deeper run: RYOKEN_FUZZ_EXAMPLES=500 pytest tests/integration/api/test_schemathesis.py
EXAMPLES = int(os.environ.get("RYOKEN_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)


# Refusals that are rules, not shapes: the schema cannot say "a pickup ticket needs a
# reception number" (400), "no uid twice in one batch", "a device clock in the future" or
# "the MRZ check digits must hold" (422 from a BatchRejected, errors.py). So schemathesis'
# positive_data_acceptance, which wants every schema-valid request accepted, is replaced
# by the check that matters: schema-valid data may be refused by a rule, never by request
# validation (ninja's ValidationError) — the published schema and the server agree.
VALIDATION_DETAIL = re.compile(r"^\d+ invalid value\(s\); nothing was recorded$")


def schema_valid_data_passes_validation(ctx, response, case) -> bool | None:
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    if response.status_code == 422:
        body = response.json()
        assert not VALIDATION_DETAIL.match(body["detail"]), f"schema-valid data refused: {body}"
    return True


CHECKS = {
    "excluded_checks": [positive_data_acceptance],
    "additional_checks": [schema_valid_data_passes_validation],
}


def _kind(case) -> str:
    (requirement,) = case.operation.definition.raw["security"]
    (scheme,) = requirement
    return KIND_OF_SCHEME[scheme]


def test_every_operation_names_a_known_token_kind():
    operations = list(schema.get_all_operations())
    assert len(operations) >= 6
    for result in operations:
        operation = result.ok()
        (requirement,) = operation.definition.raw["security"]
        assert set(requirement) <= set(KIND_OF_SCHEME), operation.label


@pytest.fixture
def token_of(api_token):
    """kind → the token of one active client of that kind (made on first use)."""
    made: dict[str, str] = {}

    def get(kind: str) -> str:
        if kind not in made:
            made[kind] = api_token(kind)
        return made[kind]

    return get


@pytest.fixture
def real_batch(ledger_db, personas):
    """A callable giving the id of a real production batch (made on first use): schema-valid
    requests to /production use it, so the order file and the results import are reached,
    not only the 404 a random batch id gets."""
    made: list[str] = []

    def get() -> str:
        if not made:
            made.append(_order_a_batch(personas["supervisor"]).batch_id)
        return made[0]

    return get


def _order_a_batch(supervisor):
    from django.utils import timezone

    from ryoken.web.applications.models import Application
    from ryoken.web.casework import production
    from ryoken.web.vault import writes

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
    values = {
        "name_kanji": "松浦 一郎",
        "name_kana": "マツウラ イチロウ",
        "name_romaji": "MATSUURA ICHIRO",
        "sex": "M",
        "birth_date": "1990-04-01",
        "honseki": "東京都豊島区南池袋二丁目100番地",
        "face_photo": png,
        "signature_image": png,
    }
    subject = writes.create_subject(actor="test", values=values, purpose="test")
    now = timezone.now()
    Application.objects.create(
        reception_number=f"13IKB-{now:%Y%m%d}-000001",
        kind="new",
        channel="paper",
        state="approved",
        applicant=subject,
        application_date=timezone.localdate(),
        created_at=now,
        accepted_at=now,
        accepted_by="counter9",
        requested_validity=10,
        validity_years=10,
        romaji_confirmed=True,
    )
    return production.order_batch(acting_staff=supervisor)


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@FUZZ
def test_with_a_valid_token_no_server_error_and_schema_conformance(case, token_of, real_batch):
    token = token_of(_kind(case))
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if positive and "batch_id" in (case.path_parameters or {}):
        case.path_parameters["batch_id"] = real_batch()
    case.call_and_validate(headers={"Authorization": bearer(token)["HTTP_AUTHORIZATION"]}, **CHECKS)


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@FUZZ
def test_without_a_token_always_401(case, ledger_db):
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    response = case.call()
    # Schemathesis also probes methods the path does not serve: 405 before any auth.
    expected = 401 if case.method.upper() == case.operation.method.upper() else 405
    assert response.status_code == expected, (case.method, case.operation.label, response.text)
    assert response.headers.get("www-authenticate") == (["Bearer"] if expected == 401 else None)
    case.validate_response(response)


# Bodies schemathesis does not generate, each of which once broke a hand-written importer
# (docs/security-review.md): ninja must refuse them all with a 4xx in the documented shape.
HOSTILE_BODIES = {
    "deep": b"[" * 50_000 + b"]" * 50_000,
    "huge-int": b'[{"job_uid": ' + b"1" * 5000 + b"}]",
    "lone-surrogate": b'{"results": [{"reception_number": "\\udfff"}]}',
    "nul": b'[{"job_uid": "a\\u0000b"}]',
    "not-utf8": "[結果]".encode("shift_jis"),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", list(HOSTILE_BODIES))
@pytest.mark.parametrize(
    ("url", "kind"),
    [("/api/copier/jobs", "copier"), ("/api/production/batches/PB-X/results", "bureau")],
)
def test_hostile_bodies_are_refused_in_the_documented_shape(
    client, ledger_db, api_token, url, kind, name
):
    from ryoken.web.ledger.models import Entry

    token = api_token(kind)
    before = Entry.objects.count()
    response = client.post(
        url, HOSTILE_BODIES[name], content_type="application/json", **bearer(token)
    )
    assert response.status_code in (400, 422), response.content
    body = response.json()
    assert body["message"] and body["detail"] and isinstance(body["errors"], list)
    assert Entry.objects.count() == before
