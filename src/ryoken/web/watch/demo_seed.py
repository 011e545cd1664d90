"""What the demo's privacy office needs: canaries planted at the intake windows, and a first
detection run so the queue, canary registry and fairness panel have something to show.

A canary looks like everyone else: its reception number comes from the same sequence as
real applications, it has a plausible name, a family member named on its papers and an
emergency contact; nothing on a screen, number, print or export tells it apart. Only the
privacy officer's registry (CanaryPlacement, /watch/canaries/) knows which it is.

`seed_watch()` is idempotent; `ryoken.web.demo.seed_office` calls it after the other areas.
"""

from __future__ import annotations

from datetime import datetime, time

from django.utils import timezone

from ryoken import clock
from ryoken.sim.office import first_of_business_days_before
from ryoken.web.accounts.models import Window
from ryoken.web.applications.models import Application, ApplicationPerson
from ryoken.web.applications.numbers import reception_numbers
from ryoken.web.vault import writes
from ryoken.web.watch import service
from ryoken.web.watch.models import CanaryPlacement

OFFICE = "TKY-IKB"

# Synthetic people with ordinary-looking contact details: in production the office owns
# these lines and mailboxes (a call or mail to one is itself an alert); unique per window,
# so a leaked list that holds one names the window.
_CANARIES = {
    "W01": ("鷹取 澄香", "タカトリ スミカ", "090-4417-7311", "s.takatori@example.jp"),
    "W02": ("鴨志田 悠真", "カモシダ ユウマ", "080-5202-7312", "yuma.kamo@example.jp"),
    "W03": ("榊原 千鶴", "サカキバラ チヅル", "070-6103-7313", "chizuru.s@example.jp"),
}
# A family member on the papers and an emergency contact, as a real application has.
_RELATIVES = {
    "W01": (("鷹取 健一", "タカトリ ケンイチ", "1958-07-02", "父"), ("鷹取 美和", "母")),
    "W02": (("鴨志田 陽菜", "カモシダ ヒナ", "1990-11-23", "妻"), ("鴨志田 剛", "兄")),
    "W03": (("榊原 蓮", "サカキバラ レン", "2016-05-09", "子"), ("榊原 和子", "母")),
}


def _canary_people(code: str, address: str) -> list[tuple[str, str]]:
    """(subject, role) of the canary's family member and emergency contact. They are not
    canaries themselves (no placement, no flag): touching them at the canary's window is
    the canary's planted path, and the registry lists the planted applicants only."""
    (kanji, kana, born, relation), (contact, contact_relation) = _RELATIVES[code]
    family = writes.create_subject(
        actor="system",
        values={
            "name_kanji": kanji,
            "name_kana": kana,
            "birth_date": born,
            "address": address,
            "relation": relation,
        },
        purpose="canary",
    )
    emergency = writes.create_subject(
        actor="system",
        values={"name_kanji": contact, "address": address, "relation": contact_relation},
        purpose="canary",
    )
    return [(family, "family_member"), (emergency, "emergency_contact")]


def seed_watch(*, actor: str = "privacy1") -> list[str]:
    """Plant one canary applicant per intake window (once) and run detection."""
    planted = 0
    now = clock.now()
    for i, window in enumerate(Window.objects.filter(code__in=_CANARIES).order_by("code")):
        if CanaryPlacement.objects.filter(window=window.code).exists():
            continue
        kanji, kana, phone, email = _CANARIES[window.code]
        address = f"東京都豊島区目白五丁目{planted + 11}番{planted + 3}号"
        subject = writes.create_subject(
            actor="system",
            values={
                "name_kanji": kanji,
                "name_kana": kana,
                "phone": phone,
                "email": email,
                "birth_date": "1986-02-14",
                "address": address,
            },
            purpose="canary",
            canary=True,
        )
        # Withdrawn: the canary's papers never move through review or production, where a
        # reviewer's legitimate look would count as a touch off its path.
        # An office day, numbered after that day's other applications: nothing in the number,
        # the date or the times sets a canary apart from the applications around it.
        accepted = first_of_business_days_before(clock.today(), 3)
        app = Application.objects.create(
            reception_number=str(reception_numbers(OFFICE).allocate(accepted)),
            kind="new",
            channel="paper",
            state="withdrawn",
            applicant=subject,
            application_date=accepted,
            created_at=timezone.make_aware(datetime.combine(accepted, time(10, 15 + i))),
            canary=True,
        )
        ApplicationPerson.objects.create(application=app, subject=subject, role="applicant")
        for person, role in _canary_people(window.code, address):
            ApplicationPerson.objects.create(application=app, subject=person, role=role)
        CanaryPlacement.objects.create(
            subject_id=subject,
            window=window.code,
            planted_at=now,
            planted_by=actor,
            note="demo",
        )
        planted += 1
    result = service.run_detection(clock.now())
    return [
        f"privacy office: {planted} canary applicant(s) planted; {result.line()}",
    ]
