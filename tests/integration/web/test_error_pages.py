"""Styled error pages in both languages, each with a way back; a favicon."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "words"), [("ja", "ページが見つかりません"), ("en", "Page not found")]
)
def test_it_shows_a_styled_404_with_a_way_back(client, personas, login_as, language, words):
    login_as(personas["privacy_officer"])
    response = client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    html = response.content.decode()
    assert words in html and 'data-testid="error-home"' in html
    assert 'action="/logout/"' in html  # a way out too


@pytest.mark.parametrize(
    ("language", "words"), [("ja", "この操作はできません"), ("en", "not allowed")]
)
def test_it_explains_a_post_only_url_opened_in_the_browser(
    client, personas, login_as, language, words
):
    login_as(personas["privacy_officer"])
    response = client.get("/incident/new/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 405
    html = response.content.decode()
    assert words in html and 'data-testid="error-home"' in html


def test_it_serves_a_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
    assert b'rel="icon"' in client.get("/login/").content


def test_it_has_a_styled_500_page_in_both_languages(rf):
    from django.utils import translation

    from ryoken.web.views import server_error

    for language, words in (("ja", "システムエラー"), ("en", "System error")):
        with translation.override(language):
            response = server_error(rf.get("/"))
        assert response.status_code == 500
        html = response.content.decode()
        assert words in html and 'data-testid="error-home"' in html


@pytest.mark.parametrize(("language", "logout"), [("ja", "ログアウト"), ("en", "Log out")])
def test_a_suspended_user_gets_a_logout_and_no_way_home_that_loops(
    client, personas, login_as, language, logout
):
    clerk = personas["counter_clerk"]
    login_as(clerk)
    clerk.frozen = True
    clerk.save(update_fields=["frozen"])
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-testid="denied-logout"' in html and logout in html
    assert 'data-testid="denied-home"' not in html  # home would refuse again


def test_a_staff_member_lacking_one_capability_is_offered_home(client, personas, login_as):
    login_as(personas["counter_clerk"])
    response = client.get("/incident/")
    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-testid="denied-home"' in html
    assert 'data-testid="logout"' in html  # the header's logout, on every page
