"""The scope, the report and the notices count only fields the person's record holds."""

from __future__ import annotations

import pytest

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.web.ledger import store as ledger

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_drops_an_exposure_of_a_field_the_record_does_not_hold(office):
    from ryoken.web.incident import notification, scoping

    subject = sorted(office.shown[office.clerk.staff_id])[0]
    # A screen that showed the e-mail and 別名 fields: this person has neither (empty on
    # the form), but has a phone.
    ledger.record(
        Event(
            code=EventCode.DISCLOSURE,
            at=clock.now(),
            actor=office.clerk.staff_id,
            subjects=(subject,),
            fields=("phone", "email", "other_name"),
            purpose="intake",
        )
    )
    incident = office.incident()
    found = scoping.incident_scope(incident)
    (person,) = [p for p in found.subjects if p.subject == subject]
    assert "phone" in person.fields
    assert "email" not in person.fields and "other_name" not in person.fields
    assert "email" not in found.by_field and "other_name" not in found.by_field
    notices, _ = notification.notices_of(incident, officer=office.officer)
    (notice,) = [n for n in notices.notices if n.subject == subject]
    assert "email" not in notice.fields and "other_name" not in notice.fields


def test_it_accounts_for_every_scoped_person_in_the_notices_on_screen(office, client, login_as):
    from ryoken.web.incident import notification, scoping
    from ryoken.web.vault.models import Value

    shown = sorted(office.shown[office.clerk.staff_id])
    without_address = shown[0]
    Value.objects.filter(subject_id=without_address, field="address").delete()
    incident = office.incident()
    accounting = {
        n.subject: n.status
        for n in notification.notice_accounting(scoping.incident_scope(incident))
    }
    assert set(accounting) == set(shown)  # every scoped person, none left out
    assert accounting[without_address] == "no_address"
    notices, _ = notification.notices_of(incident, officer=office.officer)
    mailed = {n.subject for n in notices.notices}
    assert mailed == {s for s, status in accounting.items() if status == "mail"}
    login_as(office.officer)
    html = client.get(f"/incident/{incident.pk}/").content.decode()
    assert f'data-testid="notice-{without_address}"' in html
    assert "送付不可：住所の記録がありません" in html
    assert html.count("通知書を作成し郵送") == len(mailed)
