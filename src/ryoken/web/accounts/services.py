"""Creating staff, their second factor and qualifications (used by the demo and tests)."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_noop
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.web.accounts.models import (
    Employer,
    Qualification,
    QualificationKind,
    Role,
    RoleRequirement,
    Staff,
    Window,
)
from ryoken.web.ledger import store as ledger

STANDARD_QUALIFICATIONS = (
    ("privacy_training", "個人情報保護研修", "Privacy training"),
    ("confidentiality_pledge", "守秘義務誓約書", "Confidentiality pledge"),
)


def ensure_standard_requirements() -> None:
    """Every role needs current privacy training and a signed confidentiality pledge."""
    for code, ja, en in STANDARD_QUALIFICATIONS:
        kind, _ = QualificationKind.objects.get_or_create(
            code=code, defaults={"label_ja": ja, "label_en": en}
        )
        for role in Role.values:
            RoleRequirement.objects.get_or_create(role=role, kind=kind)


def create_staff(
    *,
    username: str,
    password: str,
    role: str,
    display_name: str,
    employer: str = "東京都",
    employer_kind: str = Employer.Kind.PREFECTURE,
    contract_start: date | None = None,
    contract_end: date | None = None,
    qualified_until: date | None = None,
    area_token: str = "",
    actor: str = "system",
) -> tuple[Staff, TOTPDevice]:
    """A staff member with a confirmed TOTP device and the standard qualifications.

    `area_token`: the blind-index token of the municipality the staff member lives in (from
    HR; `vault.keys.municipality_token(address)` computes it), for the neighbourhood detector.
    The address itself is never kept, and the accounts need no key of the vault."""
    today = clock.today()
    with transaction.atomic():
        ensure_standard_requirements()
        user = get_user_model().objects.create_user(username=username, password=password)
        employer_row, _ = Employer.objects.get_or_create(
            name=employer, defaults={"kind": employer_kind}
        )
        staff = Staff.objects.create(
            user=user,
            staff_id=username,
            display_name=display_name,
            role=role,
            employer=employer_row,
            contract_start=contract_start or today - timedelta(days=365),
            contract_end=contract_end,
            hired_on=contract_start or today - timedelta(days=365),
            area_token=area_token,
        )
        until = qualified_until or today + timedelta(days=365)
        for code, _, _ in STANDARD_QUALIFICATIONS:
            Qualification.objects.create(
                staff=staff,
                kind=QualificationKind.objects.get(code=code),
                obtained_on=min(today - timedelta(days=30), until),
                valid_until=until,
                recorded_by=actor,
            )
        device = TOTPDevice.objects.create(
            user=user, name="default", confirmed=True, key=secrets.token_hex(20)
        )
        ledger.record_in_transaction(
            Event(
                code=EventCode.STAFF_CHANGE,
                at=clock.now(),
                actor=actor,
                subjects=(),
                fields=(),
                purpose="staff created",
                grant=None,
                terminal=None,
                details={"staff": username, "role": role, "employer": employer},
            )
        )
    return staff, device


def current_code(device: TOTPDevice, *, at: float | None = None) -> str:
    """The 6-digit code the staff member's authenticator shows now (demo and tests)."""
    generator = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    if at is not None:
        generator.time = at
    return f"{generator.token():0{device.digits}d}"


def ensure_windows() -> list[Window]:
    specs = [
        ("W01", gettext_noop("受付1番窓口"), Window.Kind.INTAKE),
        ("W02", gettext_noop("受付2番窓口"), Window.Kind.INTAKE),
        ("W03", gettext_noop("受付3番窓口"), Window.Kind.INTAKE),
        ("P01", gettext_noop("交付1番窓口"), Window.Kind.PICKUP),
        ("P02", gettext_noop("交付2番窓口"), Window.Kind.PICKUP),
        ("L01", gettext_noop("紛失届窓口"), Window.Kind.LOSS),
    ]
    return [
        Window.objects.get_or_create(code=code, defaults={"label": label, "kind": kind})[0]
        for code, label, kind in specs
    ]
