"""The load benchmark's baseline pages (the same screens without the gateway) never exist in
production: only `bench.web.settings` routes them, and they disclose nothing."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.web import views as benchviews  # noqa: E402 - bench/ is beside src/, not installed

from ryoken.errors import ConfigurationError  # noqa: E402

BASELINE_PREFIX = "bench/baseline/"


def _routes(patterns, prefix: str = "") -> Iterator[tuple[str, object]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def _bench_routes(patterns) -> list[str]:
    return [
        route
        for route, view in _routes(patterns)
        if "bench" in route or getattr(view, "__module__", "") == "bench.web.views"
    ]


def test_it_routes_no_bench_page_under_the_production_settings(settings):
    from ryoken.web import urls

    assert settings.ROOT_URLCONF == "ryoken.web.urls"
    assert len(list(_routes(urls.urlpatterns))) > 20  # the real office is routed
    assert _bench_routes(urls.urlpatterns) == []


def test_it_routes_the_baseline_pages_only_in_the_bench_url_module():
    from ryoken.web import urls

    bench = _bench_routes(benchviews.urlpatterns)
    assert sorted(bench) == sorted(
        BASELINE_PREFIX + route
        for route in (
            "intake/<str:grant_id>/<int:app_id>/romaji/",
            "intake/<str:grant_id>/<int:app_id>/review/",
            "pickup/<str:grant_id>/<int:app_id>/",
            "photo/<str:grant_id>/<str:subject_id>/",
        )
    )
    production = {route for route, _ in _routes(urls.urlpatterns)}
    assert production <= {route for route, _ in _routes(benchviews.urlpatterns)}


def test_it_refuses_to_load_the_bench_settings_without_the_bench_flag(monkeypatch):
    monkeypatch.delenv("RYOKEN_BENCH_BASELINE", raising=False)
    monkeypatch.delitem(sys.modules, "bench.web.settings", raising=False)
    with pytest.raises(ConfigurationError, match="bench load"):
        importlib.import_module("bench.web.settings")


def test_it_puts_every_baseline_page_behind_a_capability():
    from ryoken.web.accounts.access import CAPABILITIES

    views = [view for route, view in _routes(benchviews.urlpatterns) if "bench" in route]
    assert views
    assert all(getattr(view, "capability", None) in CAPABILITIES for view in views)


# --- served: production answers 404; under the bench URLs, no disclosure --------------------

ledgered = pytest.mark.django_db(transaction=True)


def _ready_pickup(issuer):
    """A passport ready for pickup, its holder in the vault, called to P01 by `issuer`."""
    from ryoken.web.accounts.models import Window
    from ryoken.web.applications.models import Application, ApplicationPerson
    from ryoken.web.counter.queue import service as queue
    from ryoken.web.vault import writes

    png = b"\x89PNG\r\n\x1a\n" + bytes(32)
    subject = writes.create_subject(
        actor="system",
        values={"name_kanji": "山田 太郎", "birth_date": "1985-04-02", "face_photo": png},
        purpose="test seed",
    )
    today = timezone.localdate()
    app = Application.objects.create(
        reception_number="13IKB-BENCH-000001",
        kind="new",
        channel="paper",
        state="ready",
        applicant=subject,
        application_date=today - timedelta(days=20),
        created_at=timezone.now(),
        requested_validity=10,
        validity_years=10,
        issue_date=today - timedelta(days=10),
    )
    ApplicationPerson.objects.create(application=app, subject=subject, role="applicant")
    queue.issue_ticket("pickup", reception_number=app.reception_number)
    _, grant = queue.call_next(issuer, Window.objects.get(code="P01"))
    return grant, app


def _disclosures() -> int:
    from ryoken.web.ledger.models import Entry

    return Entry.objects.filter(code="disclosure").count()


@ledgered
def test_it_answers_404_at_a_baseline_address_in_production(personas, ledger_db, login_as):
    issuer = personas["issuance_clerk"]
    grant, app = _ready_pickup(issuer)
    client = login_as(issuer)
    assert client.get(f"/pickup/serve/{grant.grant_id}/{app.pk}/").status_code == 200
    response = client.get(f"/{BASELINE_PREFIX}pickup/{grant.grant_id}/{app.pk}/")
    assert response.status_code == 404


@ledgered
@pytest.mark.urls("bench.web.views")
def test_it_serves_the_baseline_pickup_screen_without_a_disclosure(personas, ledger_db, login_as):
    issuer = personas["issuance_clerk"]
    grant, app = _ready_pickup(issuer)
    client = login_as(issuer)
    before = _disclosures()
    real = client.get(f"/pickup/serve/{grant.grant_id}/{app.pk}/")
    assert "山田 太郎" in real.content.decode()
    assert _disclosures() == before + 1  # the real screen asks the gateway for the name

    baseline = client.get(f"/{BASELINE_PREFIX}pickup/{grant.grant_id}/{app.pk}/")
    page = baseline.content.decode()
    assert baseline.status_code == 200
    assert "山田 太郎" not in page and "＊＊＊＊" in page
    assert 'data-testid="watermark"' in page and issuer.staff_id in page
    photo = client.get(f"/{BASELINE_PREFIX}photo/{grant.grant_id}/{app.applicant}/")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    assert _disclosures() == before + 1  # nothing more: no gateway behind the baseline


@ledgered
@pytest.mark.urls("bench.web.views")
def test_it_denies_the_baseline_pages_to_a_stranger_and_a_wrong_role(
    personas, ledger_db, login_as, stranger
):
    grant, app = _ready_pickup(personas["issuance_clerk"])
    url = f"/{BASELINE_PREFIX}pickup/{grant.grant_id}/{app.pk}/"
    client = login_as(stranger)
    assert client.get(url).status_code == 403
    client = login_as(personas["reviewer"])
    assert client.get(url).status_code == 403
    # A colleague at the pickup counter does not hold this grant: missing and forbidden alike.
    colleague = login_as(personas["supervisor"])
    assert colleague.get(url).status_code == 404
    photo = f"/{BASELINE_PREFIX}photo/{grant.grant_id}/{app.applicant}/"
    assert colleague.get(photo).status_code == 404


PAPER_FORM = {
    "kind": "new",
    "name_kanji": "佐藤 花子",
    "name_kana": "サトウ ハナコ",
    "sex": "F",
    "birth_date": "1988-03-14",
    "honseki_prefecture": "東京都",
    "honseki_rest": "豊島区東池袋一丁目1番",
    "postcode": "170-0013",
    "address": "東京都豊島区東池袋1-2-3",
    "phone": "03-1234-5678",
    "requested_validity": "10",
    "criminal_record": "no",
    "fm-TOTAL_FORMS": "5",
    "fm-INITIAL_FORMS": "0",
    "fm-MIN_NUM_FORMS": "0",
    "fm-MAX_NUM_FORMS": "5",
}


@ledgered
@pytest.mark.urls("bench.web.views")
def test_it_serves_the_baseline_intake_screens_without_a_disclosure(personas, ledger_db, login_as):
    from django.core.cache import cache

    cache.clear()  # the kiosk's rate limit
    clerk = personas["counter_clerk"]
    client = login_as(clerk)
    client.post("/counter/kiosk/", {"purpose": "application"})
    client.post("/counter/window/", {"window": "W01"})
    grant_id = client.post("/counter/call/")["Location"].rstrip("/").split("/")[-1]
    saved = client.post(f"/counter/work/{grant_id}/new/", PAPER_FORM)
    app_id = saved["Location"].split("/app/")[1].split("/")[0]
    before = _disclosures()
    real = client.get(f"/counter/work/{grant_id}/app/{app_id}/")
    assert "佐藤 花子" in real.content.decode()
    assert _disclosures() > before

    before = _disclosures()
    for step in ("review", "romaji"):
        response = client.get(f"/{BASELINE_PREFIX}intake/{grant_id}/{app_id}/{step}/")
        page = response.content.decode()
        assert response.status_code == 200
        assert "佐藤 花子" not in page and "サトウ" not in page
        assert 'data-testid="watermark"' in page
    assert _disclosures() == before
