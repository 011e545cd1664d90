"""The fee of an application: one quote for the counter at intake and at pickup.

The surcharge after an uncollected lapse (`validity.lapse_surcharge_applies`) depends on the
applicant's earlier applications, so the quote reads them here, once for both counters.
Before this module intake quoted without the surcharge and stored that figure, which pickup
then charged (tests/integration/casework/test_fees.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ryoken.domain.applications import ApplicationKind, Channel
from ryoken.domain.fees import FeeQuote, fee_for
from ryoken.domain.validity import lapse_surcharge_applies
from ryoken.web.applications.models import Application


def lapse_surcharge_due(application: Application) -> bool:
    """Whether `application` is the applicant's first within 5 years of a pickup lapse."""
    others = Application.objects.filter(applicant=application.applicant).exclude(pk=application.pk)
    lapses = [d for d in others.values_list("lapsed_on", flat=True) if d is not None]
    earlier = [
        d
        for d in others.exclude(kind=ApplicationKind.LOSS_REPORT.value).values_list(
            "application_date", flat=True
        )
        if d < application.application_date
    ]
    return lapse_surcharge_applies(
        application.application_date, lapse_dates=lapses, earlier_application_dates=earlier
    )


def fee_quote(application: Application, birth_date: date) -> FeeQuote:
    """The fee for `application`, with the birth date the vault holds or confirmed.
    ConfigurationError if the office has not set a figure FACTS.md marks UNVERIFIED."""
    return fee_for(
        kind=ApplicationKind(application.kind),
        channel=Channel(application.channel),
        birth_date=birth_date,
        application_date=application.application_date,
        requested_years=application.requested_validity,
        lapse_surcharge=lapse_surcharge_due(application),
    )


@dataclass(frozen=True, slots=True)
class PaymentPart:
    """One part of a fee as the counter collects it."""

    label_ja: str
    label_en: str
    amount: int


def payment_parts(national: int, prefectural: int) -> tuple[PaymentPart, PaymentPart]:
    """How a fee is paid at pickup: the national part (国の手数料) in revenue stamps
    (収入印紙), the prefectural part (都道府県手数料) in prefectural stamps (収入証紙).

    The amounts are the parts of the one quote (`fee_quote`, or the figures intake stored
    from it); nothing here prices anything."""
    return (
        PaymentPart("収入印紙（国の手数料）", "revenue stamps (national fee)", national),
        PaymentPart(
            "収入証紙（都道府県手数料）", "prefectural stamps (prefectural fee)", prefectural
        ),
    )
