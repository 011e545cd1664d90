"""No raw code on the desk's screens, nor on the privacy office's timeline of desk work."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.office_hours

_spec = importlib.util.spec_from_file_location(
    "no_raw_codes", Path(__file__).parents[1] / "incident" / "test_no_raw_codes.py"
)
assert _spec is not None and _spec.loader is not None
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)
raw_codes = _module.raw_codes


@pytest.mark.parametrize("language", ["ja", "en"])
def test_no_desk_screen_or_timeline_shows_a_raw_code(
    login_as, personas, ready_app, at_pickup, language, settings
):
    from ryoken.web.accounts.models import Staff

    _, grant = at_pickup
    clerk, supervisor = personas["counter_clerk"], personas["supervisor"]
    for n, staff in enumerate(Staff.objects.all()):  # test names spell the role's code
        Staff.objects.filter(pk=staff.pk).update(display_name=f"職員{n}")
    pages = {}
    client = login_as(clerk)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    pages["desk"] = client.get("/desk/inquiry/").content.decode()
    opened = client.post(
        "/desk/inquiry/open/",
        {
            "kind": "counter_status",
            "reason": "窓口で状況確認",
            "reception": ready_app.reception_number,
        },
    )
    pages["status"] = client.get(opened["Location"]).content.decode()
    client = login_as(supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    pages["board"] = client.get("/desk/assist/").content.decode()
    client.post(f"/desk/assist/{grant.grant_id}/join/", {"reason": ""})
    pages["assist"] = client.get(f"/desk/assist/{grant.grant_id}/").content.decode()
    client.post(f"/desk/assist/{grant.grant_id}/leave/")
    client = login_as(personas["privacy_officer"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for who in (clerk, supervisor):
        pages[who.staff_id] = client.get(f"/watch/staff/{who.staff_id}/").content.decode()
    staff_ids = frozenset(s.staff_id for s in personas.values())
    found = {name: raw_codes(html, staff_ids) for name, html in pages.items()}
    assert found == {name: [] for name in pages}
    assert ("申請の状況" if language == "ja" else "Status of the application") in pages[
        clerk.staff_id
    ]
