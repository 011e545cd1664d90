"""The counter for the keyboard: focus, the error summary, folding family rows, the current
passport only where it applies, era dates, and the window kept per staff member (issue 17)."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

import pytest

from ryoken.web.accounts.models import Window
from ryoken.web.applications.models import Application, ApplicationPerson
from ryoken.web.counter.models import WindowChoice
from ryoken.web.vault import gateway
from ryoken.web.vault.models import Value

from .helpers import application_post, call_applicant, enter_application

pytestmark = pytest.mark.django_db(transaction=True)


class _Elements(HTMLParser):
    """Every start tag as (tag, attributes), in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def _elements(response) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(response.content.decode())
    return parser.found


def _focused(response) -> list[str]:
    """The name (or test id) of every element carrying autofocus."""
    return [
        str(a.get("name") or a.get("data-testid"))
        for _tag, a in _elements(response)
        if "autofocus" in a
    ]


@pytest.fixture
def served(client, personas, ledger_db, login_as):
    clerk = personas["counter_clerk"]
    login_as(clerk)
    return client, clerk, call_applicant(client)


def _errors(response) -> list[str]:
    return re.findall(r'class="error"[^>]*>([^<]+)<', response.content.decode())


def _new(grant) -> str:
    return f"/counter/work/{grant.grant_id}/new/"


def _stored(clerk, grant, app, fields):
    return gateway.disclose(
        actor=clerk.staff_id,
        subject_id=app.applicant,
        fields=fields,
        purpose="test",
        grant=grant.grant_id,
    )


# --- focus and the skip link -----------------------------------------------------------------


def test_a_fresh_form_puts_focus_on_its_first_field_and_tab_starts_on_the_skip_link(served):
    client, _clerk, grant = served
    response = client.get(_new(grant))
    assert response.status_code == 200
    assert _focused(response) == ["kind"]  # one radio of the group, the first
    elements = _elements(response)
    focusable = [a for tag, a in elements if tag in ("a", "button", "input", "select")]
    first = next(a for a in focusable if a.get("type") != "hidden")
    assert first.get("data-testid") == "skip-link" and first.get("href") == "#main"
    main = next(a for tag, a in elements if tag == "main")
    assert main.get("id") == "main"


def test_an_error_puts_focus_on_the_first_field_in_error_and_lists_every_error(served):
    client, _clerk, grant = served
    response = enter_application(client, grant, phone="12", postcode="1", birth_date="")
    assert response.status_code == 400
    # Page order: birth date comes before postcode and phone.
    assert _focused(response) == ["birth_date"]
    page = response.content.decode()
    summary = page[page.index('data-testid="error-summary"') : page.index('class="intake"')]
    links = re.findall(r'<a href="#([^"]+)" data-testid="problem-link">', summary)
    assert links == ["id_birth_date", "id_postcode", "id_phone"]
    assert "郵便番号" in summary and "7桁" in summary


def test_an_error_in_a_family_row_focuses_it_and_opens_only_that_row(served):
    client, _clerk, grant = served
    data = application_post()
    data["fm-1-name_kana"] = "yamada"  # not kana
    response = client.post(_new(grant), data)
    assert response.status_code == 400
    assert _focused(response) == ["fm-1-name_kana"]
    page = response.content.decode()
    assert 'href="#id_fm-1-name_kana"' in page[: page.index('class="intake"')]
    rows = {
        a["data-testid"]: "open" in a
        for tag, a in _elements(response)
        if tag == "details" and str(a.get("data-testid", "")).startswith("family-member-")
    }
    # Rows 0 and 1 hold data (1 has the error); 2-4 are empty and stay folded.
    assert rows == {
        "family-member-0": True,
        "family-member-1": True,
        "family-member-2": False,
        "family-member-3": False,
        "family-member-4": False,
    }


def test_a_fresh_form_folds_every_family_row(served):
    client, _clerk, grant = served
    details = [a for tag, a in _elements(client.get(_new(grant))) if tag == "details"]
    assert len(details) == 5 and not any("open" in a for a in details)


def test_a_minor_without_a_representative_focuses_the_representative(served):
    client, _clerk, grant = served
    response = enter_application(client, grant, birth_date="2015-01-01", requested_validity="5")
    assert response.status_code == 400
    assert _focused(response) == ["lr-name_kanji"]
    assert 'href="#id_lr-name_kanji"' in response.content.decode()


# --- the current passport only where it applies ------------------------------------------


def test_the_kind_is_a_radio_the_css_uses_to_hide_the_current_passport(served, settings):
    client, _clerk, grant = served
    response = client.get(_new(grant))
    radios = [a for tag, a in _elements(response) if tag == "input" and a.get("name") == "kind"]
    assert [a["value"] for a in radios] == [
        "new",
        "renewal",
        "record_change",
        "record_change_same_expiry",
    ]
    assert all(a["type"] == "radio" for a in radios)
    assert 'class="card current-passport"' in response.content.decode()
    from pathlib import Path

    import ryoken.web

    css = (Path(ryoken.web.__file__).parent / "static/ryoken/site.css").read_text()
    assert 'form.intake:has(input[name="kind"][value="new"]:checked) .current-passport' in css


def test_a_new_application_ignores_whatever_was_typed_about_a_current_passport(served):
    client, _clerk, grant = served
    response = enter_application(
        client,
        grant,
        current_passport_number="not a number",
        current_passport_issued="yesterday",
        record_changes="name",
        visa_pages_full="on",
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    app = Application.objects.get()
    assert app.kind == "new"
    assert not Value.objects.filter(subject=app.applicant, field="previous_passport").exists()
    assert Value.objects.filter(subject=app.applicant, field="name_kana").exists()


def test_a_renewal_still_needs_its_current_passport(served):
    client, _clerk, grant = served
    response = enter_application(client, grant, kind="renewal")
    assert response.status_code == 400
    assert _focused(response) == ["current_passport_number"]
    assert "切替の申請には現在の旅券番号が必要です" in response.content.decode()


# --- era dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "iso"),
    [
        ("昭和60年4月1日", "1985-04-01"),
        ("S60.4.1", "1985-04-01"),
        ("平成2年1月2日", "1990-01-02"),
        ("H2.1.2", "1990-01-02"),
        ("1985/4/1", "1985-04-01"),
    ],
)
def test_it_accepts_a_birth_date_in_the_japanese_era_and_stores_the_gregorian_day(
    served, typed, iso
):
    client, clerk, grant = served
    response = enter_application(client, grant, birth_date=typed)
    assert response.status_code == 302, response.content.decode()[:3000]
    app = Application.objects.get()
    assert _stored(clerk, grant, app, ["birth_date"]) == {"birth_date": iso}


def test_it_accepts_era_dates_for_the_current_passport_and_a_family_member(served):
    client, clerk, grant = served
    response = enter_application(
        client,
        grant,
        kind="renewal",
        current_passport_number="TK1234567",
        current_passport_issued="R2.4.1",
        current_passport_expiry="令和12年4月1日",
        visa_pages_full="on",  # a renewal ground: the passport is still valid for years
        **{"fm-1-birth_date": "平成27年9月30日"},
    )
    assert response.status_code == 302, _errors(response)
    app = Application.objects.get()
    assert app.kind == "renewal"
    # The number is for matching only (never shown); the intake record keeps the dates.
    assert Value.objects.filter(subject=app.applicant, field="previous_passport").exists()
    assert (app.intake.current_passport_issued, app.intake.current_passport_expiry) == (
        date(2020, 4, 1),
        date(2030, 4, 1),
    )
    family = ApplicationPerson.objects.filter(application=app, role="family_member")
    births = sorted(
        gateway.disclose(
            actor=clerk.staff_id,
            subject_id=p.subject,
            fields=["birth_date"],
            purpose="test",
            grant=grant.grant_id,
        )["birth_date"]
        for p in family
    )
    assert births == ["1987-02-03", "2015-09-30"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("昭和65年1月1日", "昭和の期間外の日付です"),
        ("H2.2.30", "存在しない日付です"),
        ("きのう", "平成2年4月1日"),
    ],
)
def test_it_refuses_an_era_date_that_does_not_exist_and_says_why(served, typed, message):
    client, _clerk, grant = served
    response = enter_application(client, grant, birth_date=typed)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _focused(response) == ["birth_date"]
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("H2.2.30", "There is no such date."),
        ("昭和65年1月1日", "The date is outside the Shōwa era."),
        ("yesterday", "Enter a date as 1990-04-01, or in the Japanese era as H2.4.1"),
    ],
)
def test_the_era_refusal_is_in_english_on_the_english_screen(served, typed, message):
    client, _clerk, grant = served
    response = client.post(
        _new(grant), application_post(birth_date=typed), HTTP_ACCEPT_LANGUAGE="en"
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert "Date of birth: " in page  # the summary line, in English punctuation


def test_the_fresh_form_speaks_english_on_the_english_screen(served):
    client, _clerk, grant = served
    html = client.get(_new(grant), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for english in ("Skip to main content", "e.g. 1990-04-01, H2.4.1", "Family member 1"):
        assert english in html
    for japanese in ("本文へ移動", "平成2年", "家族 1", "新規の申請では", "記載のある家族"):
        assert japanese not in html


# --- the window, per staff member ------------------------------------------------------------


def test_the_intake_window_is_kept_across_logins(client, personas, ledger_db, login_as):
    clerk = personas["counter_clerk"]
    login_as(clerk)
    assert client.post("/counter/window/", {"window": "W03"}).status_code == 302
    client.logout()
    login_as(clerk)
    page = client.get("/counter/")
    assert re.search(r'data-testid="window">W03 ', page.content.decode())
    assert _focused(page) == ["call-next"]
    assert WindowChoice.objects.get(staff=clerk).window.code == "W03"
    # A colleague's choice is their own.
    other = personas["supervisor"]
    login_as(other)
    page = client.get("/counter/")
    assert 'data-testid="window">未選択<' in page.content.decode()
    assert _focused(page) == ["window"]


def _selected_window(response) -> str | None:
    page = response.content.decode()
    select = page[page.index('name="window"') :]
    select = select[: select.index("</select>")]
    found = re.search(r'<option value="([^"]+)" selected>', select)
    return found.group(1) if found else None


@pytest.mark.parametrize(
    ("role", "window"),
    [("issuance_clerk", "P01"), ("supervisor", "P01"), ("counter_clerk", "L01")],
)
def test_the_pickup_queue_starts_on_a_window_the_role_serves(
    client, personas, ledger_db, login_as, role, window
):
    login_as(personas[role])
    response = client.get("/pickup/")
    assert response.status_code == 200
    assert _selected_window(response) == window
    assert _focused(response) == ["call-next"]


def test_the_pickup_window_is_kept_across_logins(client, personas, ledger_db, login_as):
    clerk = personas["issuance_clerk"]
    login_as(clerk)
    response = client.post("/pickup/", {"window": "P02"})  # nobody waiting: still chosen
    assert response.status_code == 302
    client.logout()
    login_as(clerk)
    assert _selected_window(client.get("/pickup/")) == "P02"


def test_a_window_the_role_may_not_serve_is_not_remembered(client, personas, ledger_db, login_as):
    clerk = personas["counter_clerk"]
    login_as(clerk)
    client.post("/pickup/", {"window": "P01"})  # refused: pickup is for issuance clerks
    assert not WindowChoice.objects.filter(staff=clerk).exists()
    assert _selected_window(client.get("/pickup/")) == "L01"


def test_a_remembered_window_that_changed_kind_is_not_used(client, personas, ledger_db, login_as):
    clerk = personas["counter_clerk"]
    login_as(clerk)
    client.post("/counter/window/", {"window": "W02"})
    Window.objects.filter(code="W02").update(kind=Window.Kind.PICKUP)
    assert 'data-testid="window">未選択<' in client.get("/counter/").content.decode()


# --- one reception-number format ------------------------------------------------------------


def test_the_kiosk_shows_and_accepts_only_the_one_reception_number_format(client, ledger_db):
    page = client.get("/counter/kiosk/").content.decode()
    assert 'placeholder="13IKB-20261203-000123"' in page
    for other in ("TKY-2026-000123", "TKY-IKB-20261203-000123", "13IKB-2026-000123"):
        response = client.post("/counter/kiosk/", {"purpose": "pickup", "reception_number": other})
        assert response.status_code == 400
        assert "受理票に印字された英数字" in response.content.decode()
    # The right form is checked against the applications (none ready here): a different refusal.
    response = client.post(
        "/counter/kiosk/", {"purpose": "pickup", "reception_number": "１３ikb-20261203-000123"}
    )
    assert "受理票に印字された英数字" not in response.content.decode()


def test_the_docs_and_screens_show_the_one_reception_number_format():
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    texts = [
        *root.joinpath("docs").rglob("*.md"),
        root / "README.md",
        *root.joinpath("src/ryoken/web/templates").rglob("*.html"),
    ]
    stray = re.compile(r"\bTKY-\d{4}-\d+|\bTKY-IKB-\d")
    found = [str(p) for p in texts if stray.search(p.read_text(encoding="utf-8"))]
    assert found == []
