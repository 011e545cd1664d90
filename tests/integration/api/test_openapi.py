"""The OpenAPI schema and docs page: complete, and shown to staff (or in DEBUG) only."""

from __future__ import annotations

import re

import pytest

from ryoken.web.api.urls import api

pytestmark = pytest.mark.django_db

ROUTES = {
    ("/api/kiosk/tickets", "post"),
    ("/api/kiosk/queue", "get"),
    ("/api/copier/jobs", "post"),
    ("/api/badges/events", "post"),
}


def _operations(schema: dict) -> set[tuple[str, str]]:
    return {(path, method) for path, item in schema["paths"].items() for method in item}


def test_it_lists_every_route_with_its_token_kind(client, personas, login_as):
    login_as(personas["counter_clerk"])
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "ryoken API"
    assert _operations(schema) >= ROUTES
    patterns, _, _ = api.urls
    served = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", f"/api/{pattern.pattern}")
        for pattern in patterns
        if pattern.name not in ("openapi-json", "openapi-view", "api-root")
    }
    assert served == {path for path, _ in _operations(schema)}  # nothing served unlisted
    kiosk = schema["paths"]["/api/kiosk/tickets"]["post"]
    assert kiosk["security"] == [{"KioskToken": []}]
    assert schema["paths"]["/api/copier/jobs"]["post"]["security"] == [{"CopierToken": []}]
    assert "CopierJob" in schema["components"]["schemas"]


def test_it_shows_the_docs_page_to_staff(client, personas, login_as):
    login_as(personas["auditor"])
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert "swagger" in response.content.decode().lower()


def test_it_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_denies_a_stranger(client, stranger, login_as):
    login_as(stranger)
    response = client.get("/api/docs")
    assert response.status_code == 403
    assert "職員として登録されていません" in response.content.decode()


def test_it_denies_staff_out_of_standing(client, make_staff, login_as):
    from datetime import date

    lapsed = make_staff("counter_clerk", qualified_until=date(2020, 1, 1))
    login_as(lapsed)
    assert client.get("/api/openapi.json").status_code == 403


def test_it_serves_the_schema_openly_in_debug(client, settings):
    settings.DEBUG = True
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert _operations(response.json()) >= ROUTES


def test_it_lists_413_in_the_json_error_shape_on_every_route_with_a_body(
    client, personas, login_as
):
    login_as(personas["counter_clerk"])
    schema = client.get("/api/openapi.json").json()
    posts = [(path, item["post"]) for path, item in schema["paths"].items() if "post" in item]
    assert posts
    for path, operation in posts:
        too_large = operation["responses"].get("413")
        assert too_large is not None, path
        ref = too_large["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/ErrorOut"), path
    shape = schema["components"]["schemas"]["ErrorOut"]["properties"]
    assert {"message", "detail", "errors"} <= set(shape)
