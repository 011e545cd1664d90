"""What the demo's privacy office needs: canaries planted at the intake windows, and a first
detection run so the queue, canary registry and fairness panel have something to show.

`seed_watch()` is idempotent; `ryoken.web.demo.seed_office` calls it after the other areas.
"""

from __future__ import annotations

from datetime import timedelta

from ryoken import clock
from ryoken.web.accounts.models import Window
from ryoken.web.casework.models import Application, ApplicationPerson
from ryoken.web.vault import gateway
from ryoken.web.watch import service
from ryoken.web.watch.models import CanaryPlacement

# Synthetic people: contact details from blocks no real applicant uses (050-0 numbers, the
# example.jp domain), unique per window, so a leaked list that holds one names the window.
_CANARIES = {
    "W01": ("鷹取 澄香", "タカトリ スミカ", "050-0101-7311", "sumika.takatori.w01@example.jp"),
    "W02": ("鴨志田 悠真", "カモシダ ユウマ", "050-0102-7312", "yuma.kamoshida.w02@example.jp"),
    "W03": ("榊原 千鶴", "サカキバラ チヅル", "050-0103-7313", "chizuru.sakakibara.w03@example.jp"),
}


def seed_watch(*, actor: str = "privacy1") -> list[str]:
    """Plant one canary applicant per intake window (once) and run detection."""
    planted = 0
    now = clock.now()
    for window in Window.objects.filter(code__in=_CANARIES).order_by("code"):
        if CanaryPlacement.objects.filter(window=window.code).exists():
            continue
        kanji, kana, phone, email = _CANARIES[window.code]
        subject = gateway.create_subject(
            actor="system",
            values={
                "name_kanji": kanji,
                "name_kana": kana,
                "phone": phone,
                "email": email,
                "birth_date": "1986-02-14",
                "address": f"東京都豊島区目白九丁目{planted + 1}番",
            },
            purpose="canary",
            canary=True,
        )
        # Withdrawn: the canary's papers never move through review or production, where a
        # reviewer's legitimate look would count as a touch off its path.
        app = Application.objects.create(
            reception_number=f"13IKB-CANARY-{window.code}",
            kind="new",
            channel="paper",
            state="withdrawn",
            applicant=subject,
            application_date=clock.today() - timedelta(days=3),
            created_at=now,
            canary=True,
        )
        ApplicationPerson.objects.create(application=app, subject=subject, role="applicant")
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
