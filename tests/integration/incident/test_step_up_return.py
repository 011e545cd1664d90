"""After the step-up the browser goes back where it was: a download's link page (which then
starts the download once), or the page that asked; never to another site."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from ryoken.web.accounts.services import current_code

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct-horse-battery-staple"


def _stale(client) -> None:
    session = client.session
    session["ryoken_step_up_at"] = 0
    session.save()


def _reauth(client, staff, **query):
    return client.post(
        reverse("reauth"),
        {"password": PASSWORD, "token": current_code(staff.device, at=time.time() + 30), **query},
    )


def test_a_download_asked_before_the_step_up_starts_from_the_page_that_asked(
    office, client, login_as
):
    incident = office.incident()
    login_as(office.officer)
    _stale(client)
    detail = reverse("incident:detail", args=[incident.pk])
    notices = reverse("incident:notices", args=[incident.pk])
    asked = client.get(notices, HTTP_REFERER=f"http://testserver{detail}")
    assert asked.status_code == 302
    query = parse_qs(urlsplit(asked["Location"]).query)
    assert query == {"next": [notices], "back": [detail]}
    page = client.get(asked["Location"]).content.decode()
    assert f'name="back" value="{detail}"' in page

    done = _reauth(client, office.officer, next=notices, back=detail)
    assert done.status_code == 302 and done["Location"] == detail
    back = client.get(detail).content.decode()
    assert f'<meta http-equiv="refresh" content="0;url={notices}">' in back
    assert 'data-testid="pending-download"' in back
    again = client.get(detail).content.decode()
    assert "http-equiv" not in again  # once only: a reload does not download again
    assert client.get(notices)["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    "back", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:x"]
)
def test_it_never_sends_the_browser_to_another_site(office, client, login_as, back):
    login_as(office.officer)
    _stale(client)
    done = _reauth(client, office.officer, next=back, back=back)
    assert done["Location"] == reverse("home")
    page = client.get(reverse("home")).content.decode()
    assert "http-equiv" not in page


def test_an_action_returns_to_its_own_url_which_asks_to_confirm(office, client, login_as):
    incident = office.incident()
    login_as(office.officer)
    _stale(client)
    hold = reverse("incident:hold", args=[incident.pk])
    asked = client.post(hold)
    assert parse_qs(urlsplit(asked["Location"]).query) == {"next": [hold]}  # no back: a POST
    done = _reauth(client, office.officer, next=hold)
    assert done["Location"] == hold
    assert 'data-testid="confirm-yes"' in client.get(hold).content.decode()
