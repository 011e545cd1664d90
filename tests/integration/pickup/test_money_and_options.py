"""Pickup shows money in one format (14,000円), the fee broken into its stamps, and only the
options that apply (issue 17)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from ryoken.web.applications.models import Application

from .helpers import HOLDER, call_pickup, make_application, make_person

pytestmark = pytest.mark.django_db(transaction=True)

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
UNGROUPED = re.compile(r"\d{4,}\s*円|\d{4,} ?yen|\byen\b|¥\d{4,}")


def _match(client, url, **extra):
    data = {"birth_date": HOLDER["birth_date"], "passport_number": HOLDER["passport_number"]}
    return client.post(url + "match/", data, follow=True, **extra)


def _fee_table(html: str) -> str:
    start = html.index('data-testid="fee"')
    return html[start : html.index("</table>", start)]


def test_the_quoted_fee_is_grouped_and_broken_into_stamps(login_as, issuer, app_url):
    """A 10-year paper renewal: 14,000円 in revenue stamps + 2,300円 in prefectural stamps."""
    page = _match(login_as(issuer), app_url).content.decode()
    fee = _fee_table(page)
    assert "14,000円" in fee and "2,300円" in fee and "16,300円" in fee
    assert "収入印紙（国の手数料）" in fee and "収入証紙（都道府県手数料）" in fee
    assert fee.count('data-testid="fee-part"') == 2
    assert not UNGROUPED.search(page), UNGROUPED.search(page)


def test_the_fee_stored_at_intake_is_also_broken_down(login_as, issuer, ready_app, at_pickup):
    Application.objects.filter(pk=ready_app.pk).update(fee_national=9000, fee_prefectural=2300)
    _, grant = at_pickup
    page = login_as(issuer).get(f"/pickup/serve/{grant.grant_id}/{ready_app.pk}/").content.decode()
    fee = _fee_table(page)
    assert "9,000円" in fee and "2,300円" in fee and "11,300円" in fee
    assert "収入印紙" in fee and "収入証紙" in fee
    assert "9000" not in fee and not UNGROUPED.search(page)


def test_in_english_the_fee_reads_yen_sign_and_stamps(login_as, issuer, ready_app, at_pickup):
    Application.objects.filter(pk=ready_app.pk).update(fee_national=9000, fee_prefectural=2300)
    _, grant = at_pickup
    url = f"/pickup/serve/{grant.grant_id}/{ready_app.pk}/"
    page = login_as(issuer).get(url, **EN).content.decode()
    fee = _fee_table(page)
    assert "¥9,000" in fee and "¥2,300" in fee and "¥11,300" in fee
    assert "revenue stamps" in fee and "prefectural stamps" in fee
    assert "円" not in fee and not UNGROUPED.search(page)


def test_a_renewal_offers_the_old_passport_return(login_as, issuer, app_url):
    page = login_as(issuer).get(app_url).content.decode()
    assert 'name="old_passport_returned"' in page
    assert 'name="old_passport_number"' in page
    assert "旧旅券" in page


def test_a_new_application_does_not_offer_the_old_passport_return(login_as, issuer, ledger_db):
    app = make_application(make_person(), kind="new")
    _, grant = call_pickup(app, issuer)
    client = login_as(issuer)
    url = f"/pickup/serve/{grant.grant_id}/{app.pk}/"
    page = client.get(url).content.decode()
    assert 'name="old_passport_returned"' not in page
    assert 'name="old_passport_number"' not in page
    assert 'name="old_passport_issued"' not in page
    assert "旧旅券" not in page
    # A forged tick is not recorded either: the form has no such field.
    _match(client, url)
    client.post(url + "issue/", {"fee_paid": "on", "old_passport_returned": "on"})
    issued = Application.objects.get(pk=app.pk)
    assert issued.state == "issued" and not issued.old_passport_returned


def test_issuing_refuses_an_old_passport_on_a_new_application(issuer, ledger_db):
    from ryoken.errors import RuleViolation
    from ryoken.web.counter.pickup import service as pickup

    app = make_application(make_person(), kind="new")
    _, grant = call_pickup(app, issuer)
    presented = pickup.Presented(
        date.fromisoformat(HOLDER["birth_date"]), HOLDER["passport_number"]
    )
    assert all(pickup.check_identity(grant=grant, application=app, presented=presented).values())
    with pytest.raises(RuleViolation, match="returns no old passport"):
        pickup.do_issue(
            staff=issuer,
            grant=grant,
            application=app,
            fee=pickup.Fee(14000, 2300),
            fee_paid=True,
            old_passport_returned=True,
        )
