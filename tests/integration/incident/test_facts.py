"""The report's free-text items (① ④–⑨), written by the privacy officer on a form: only
the privacy officer may, each change is in the ledger, and the report prints them."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)

FACTS = {
    "summary": "11月20日、警察から当課の申請者の情報が流出しているとの連絡があった。",
    "cause": "窓口受付担当職員が、受付業務中に表示された情報を書き写して持ち出したため。",
    "secondary_harm": "不審な電話が2件確認されている。",
    "response_to_persons": "対象の方全員に12月1日付けで通知した。",
    "publication": "12月1日に当課ホームページで公表した。",
    "recurrence_measures": "当該職員の権限を停止した。窓口端末の画面撮影対策を12月中に行う。",
    "other": "",
    "notice_summary": "",
}


def _changes():
    """The ledger's records of fact edits (opening the incident is an incident.change too)."""
    from ryoken.audit.events import decode_entry
    from ryoken.web.ledger.models import Entry

    entries = Entry.objects.filter(code="incident.change").order_by("seq")
    return [e for e in entries if decode_entry(bytes(e.data))[1].details["change"] == "facts"]


def test_the_privacy_officer_writes_the_facts_and_the_report_prints_them(office, client, login_as):
    from ryoken.audit.events import decode_entry
    from ryoken.web.incident import reports
    from ryoken.web.incident.models import Incident

    incident = office.incident()
    url = reverse("incident:facts", args=[incident.pk])
    login_as(office.officer)
    page = client.get(url).content.decode()
    assert 'data-testid="draft-note"' in page
    assert reports.default_facts(incident)["cause"] in page  # the draft to rewrite

    response = client.post(url, FACTS)
    assert response.status_code == 302
    assert response["Location"] == reverse("incident:detail", args=[incident.pk])
    incident.refresh_from_db()
    assert incident.facts == FACTS and incident.facts_updated_by == office.officer.staff_id
    (change,) = _changes()
    _, event = decode_entry(bytes(change.data))
    assert event.actor == office.officer.staff_id
    assert event.details["incident"] == incident.pk and event.details["change"] == "facts"
    assert event.details["items"] == ",".join(reports.FACT_NAMES)
    assert FACTS["cause"].encode() not in bytes(change.data)  # the text stays out: a digest

    detail = client.get(reverse("incident:detail", args=[incident.pk])).content.decode()
    assert FACTS["recurrence_measures"] in detail and "既定の文案" not in detail

    report = reports.report_of(Incident.objects.get(pk=incident.pk), officer=office.officer)
    items = {i["no"]: i["text"] for i in report.report["items"]}
    assert items[1] == FACTS["summary"] and items[4] == FACTS["cause"]
    assert items[5] == FACTS["secondary_harm"] and items[8] == FACTS["recurrence_measures"]
    assert json.dumps(report.report, ensure_ascii=False).count(FACTS["publication"]) == 1

    # The same text again changes nothing and records nothing.
    assert client.post(url, FACTS).status_code == 302
    assert len(_changes()) == 1


def test_an_empty_required_item_is_refused_and_nothing_is_written(office, client, login_as):
    from ryoken.web.incident.models import Incident

    incident = office.incident()
    login_as(office.officer)
    response = client.post(reverse("incident:facts", args=[incident.pk]), {**FACTS, "cause": ""})
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert Incident.objects.get(pk=incident.pk).facts == {} and _changes() == []


def test_only_the_privacy_officer_may_read_or_write_the_facts(
    office, client, personas, stranger, login_as
):
    from ryoken.web.incident.models import Incident

    incident = office.incident()
    url = reverse("incident:facts", args=[incident.pk])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for who in (personas["auditor"], personas["supervisor"], office.clerk, stranger):
        login_as(who)
        assert client.get(url).status_code == 403
        assert client.post(url, FACTS).status_code == 403
        client.logout()
    assert Incident.objects.get(pk=incident.pk).facts == {} and _changes() == []


def test_the_form_speaks_english_too(office, client, login_as):
    incident = office.incident()
    login_as(office.officer)
    html = client.get(
        reverse("incident:facts", args=[incident.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    for label in ("Cause", "Measures against recurrence", "Secondary harm", "Save"):
        assert label in html, label


def test_the_officer_writes_the_facts_from_the_command_line(office, capsys):
    from ryoken.cli import main
    from ryoken.web.incident.models import Incident

    incident = office.incident()
    code = main(["incident", "facts", "--incident", str(incident.pk), "--officer",
                 office.officer.staff_id, "--cause", FACTS["cause"]])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "changed: cause" in printed and f"cause: {FACTS['cause']}" in printed
    assert "summary (draft):" in printed
    assert Incident.objects.get(pk=incident.pk).facts == {"cause": FACTS["cause"]}
    code = main(["incident", "facts", "--incident", str(incident.pk), "--officer",
                 office.clerk.staff_id, "--cause", "x"])  # fmt: skip
    assert code == 3 and "not a privacy officer" in capsys.readouterr().err
