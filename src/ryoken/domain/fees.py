"""Passport fees: an effective-dated schedule, read from data (FACTS.md: validity, lapse, fees).

A fee is a national part (国の手数料) and a prefectural part (都道府県手数料); the
prefectural part differs by channel (paper / online). The schedule in force is the one with
the latest `effective_from` on or before the *application date*; an earlier date is refused
rather than priced by a schedule that did not apply.

Adding a schedule is a data change: append an entry to `fee_schedules.json` (or an office's
own file passed to `load_schedules`) with its `effective_from`. For example, a bill approved
by the cabinet on 2026-03-10 would, from 2026-07-01, drop the 5-year passport for adults and
cut fees (10-year online ¥8,900). Whether it passed is UNVERIFIED, so no such schedule ships;
if it passes, its table goes in as a new entry dated 2026-07-01 (and the validity rule gets a
matching effective-dated row in validity.py), with no code change here.

A figure marked UNVERIFIED in FACTS.md (the same-expiry passport's paper and online totals)
is stored as null: quoting it raises ConfigurationError until the office sets it with
`FeeSchedule.with_prefectural`. No figure is invented.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ryoken.domain import validity
from ryoken.domain.applications import Application, ApplicationKind, Channel
from ryoken.errors import ConfigurationError, RuleViolation

UNDER_12_AGE = 12


class Product(StrEnum):
    TEN_YEARS = "ten_years"  # 10年旅券 (18+)
    FIVE_YEARS = "five_years"  # 5年旅券 (12+)
    FIVE_YEARS_UNDER_12 = "five_years_under_12"  # 5年旅券 (under 12)
    SAME_EXPIRY = "same_expiry"  # 残存有効期間同一旅券


PRODUCT_LABELS: dict[Product, tuple[str, str]] = {
    Product.TEN_YEARS: ("10年旅券", "10-year passport"),
    Product.FIVE_YEARS: ("5年旅券（12歳以上）", "5-year passport (12 and over)"),
    Product.FIVE_YEARS_UNDER_12: ("5年旅券（12歳未満）", "5-year passport (under 12)"),
    Product.SAME_EXPIRY: ("残存有効期間同一旅券", "same-expiry passport"),
}
CHANNEL_LABELS: dict[Channel, tuple[str, str]] = {
    Channel.PAPER: ("紙申請", "paper"),
    Channel.ONLINE: ("オンライン申請", "online"),
}


@dataclass(frozen=True, slots=True)
class ProductFee:
    national: int
    prefectural: Mapping[Channel, int | None]  # None: UNVERIFIED, the office must set it
    unverified_note: str = ""
    set_by_office: bool = False


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    effective_from: date
    source: str
    products: Mapping[Product, ProductFee]
    surcharge_national: int
    surcharge_prefectural: int
    no_under_12_reduction_for: frozenset[ApplicationKind]

    def with_prefectural(self, product: Product, channel: Channel, amount: int) -> FeeSchedule:
        """This schedule with an office-set prefectural part (e.g. an UNVERIFIED figure)."""
        if amount < 0:
            raise ConfigurationError(f"a fee cannot be negative: {amount}")
        old = self.products[product]
        fee = replace(old, prefectural={**old.prefectural, channel: amount}, set_by_office=True)
        return replace(self, products={**self.products, product: fee})


@dataclass(frozen=True, slots=True)
class FeeLine:
    label_ja: str
    label_en: str
    national: bool  # False: prefectural
    amount: int


@dataclass(frozen=True, slots=True)
class FeeQuote:
    product: Product
    channel: Channel
    schedule_from: date
    lines: tuple[FeeLine, ...]

    @property
    def national(self) -> int:
        return sum(line.amount for line in self.lines if line.national)

    @property
    def prefectural(self) -> int:
        return sum(line.amount for line in self.lines if not line.national)

    @property
    def total(self) -> int:
        return self.national + self.prefectural


# --- loading ---------------------------------------------------------------------------------


def _amount(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigurationError(f"fee schedule: {where} must be a non-negative integer")
    return value


def _parse_schedule(raw: Mapping[str, Any]) -> FeeSchedule:
    try:
        start = date.fromisoformat(raw["effective_from"])
        products: dict[Product, ProductFee] = {}
        for product in Product:
            p = raw["products"][product.value]
            where = f"{start} {product}"
            pref: dict[Channel, int | None] = {}
            for channel in Channel:
                value = p["prefectural"][channel.value]
                pref[channel] = None if value is None else _amount(value, f"{where} {channel}")
            note = str(p.get("unverified", ""))
            if None in pref.values() and not note:
                raise ConfigurationError(f"fee schedule: {where} has a null amount without a note")
            products[product] = ProductFee(_amount(p["national"], where), pref, note)
        surcharge = raw["lapse_surcharge"]
        kinds = frozenset(ApplicationKind(k) for k in raw["no_under_12_reduction_for"])
        return FeeSchedule(
            effective_from=start,
            source=str(raw.get("source", "")),
            products=products,
            surcharge_national=_amount(surcharge["national"], f"{start} surcharge"),
            surcharge_prefectural=_amount(surcharge["prefectural"], f"{start} surcharge"),
            no_under_12_reduction_for=kinds,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigurationError(f"fee schedule is malformed: {exc!r}") from exc


def parse_schedules(text: str) -> tuple[FeeSchedule, ...]:
    """Schedules from JSON text in the format of the shipped `fee_schedules.json`."""
    try:
        raw = json.loads(text)
        entries = raw["schedules"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigurationError(f"fee schedule file is not valid: {exc!r}") from exc
    schedules = tuple(sorted((_parse_schedule(e) for e in entries), key=lambda s: s.effective_from))
    starts = [s.effective_from for s in schedules]
    if not schedules or len(set(starts)) != len(starts):
        raise ConfigurationError("fee schedules must be non-empty with distinct start dates")
    return schedules


def load_schedules(path: Path | None = None) -> tuple[FeeSchedule, ...]:
    """The office's schedules from `path`, or the shipped ones."""
    if path is None:
        return shipped_schedules()
    return parse_schedules(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def shipped_schedules() -> tuple[FeeSchedule, ...]:
    text = resources.files("ryoken.domain").joinpath("fee_schedules.json").read_text("utf-8")
    return parse_schedules(text)


def schedule_on(application_date: date, schedules: Sequence[FeeSchedule]) -> FeeSchedule:
    """The schedule in force for an application dated `application_date`."""
    if not schedules:
        raise ConfigurationError("no fee schedule is configured")
    in_force = [s for s in schedules if s.effective_from <= application_date]
    if not in_force:
        earliest = min(s.effective_from for s in schedules).isoformat()
        raise ConfigurationError(
            f"no fee schedule covers an application dated {application_date.isoformat()}: "
            f"the earliest schedule starts on {earliest}",
            message_ja=(
                f"申請日 {application_date.isoformat()} に適用される手数料表がありません"
                f"（最も古い手数料表は {earliest} からです）。"
            ),
        )
    return max(in_force, key=lambda s: s.effective_from)


# --- quoting ---------------------------------------------------------------------------------


def product_for(
    *,
    kind: ApplicationKind,
    birth_date: date,
    application_date: date,
    requested_years: int | None,
    schedule: FeeSchedule,
) -> Product:
    """Which fee row applies: by term, and for a 5-year passport by age on the application
    date (年齢計算ニ関スル法律), except record-change passports, which get no under-12 rate."""
    if kind is ApplicationKind.LOSS_REPORT:
        raise RuleViolation(
            "a loss report has no fee; the new application filed with it does",
            message_ja="紛失届に手数料はかかりません（同時に行う新規申請にかかります）。",
        )
    if kind is ApplicationKind.RECORD_CHANGE_SAME_EXPIRY:
        return Product.SAME_EXPIRY
    years = validity.validity_years(
        birth_date=birth_date, application_date=application_date, requested_years=requested_years
    )
    if years == validity.LONG_VALIDITY_YEARS:
        return Product.TEN_YEARS
    under_12 = validity.age_on(birth_date, application_date) < UNDER_12_AGE
    if under_12 and kind not in schedule.no_under_12_reduction_for:
        return Product.FIVE_YEARS_UNDER_12
    return Product.FIVE_YEARS


def fee_for(
    *,
    kind: ApplicationKind,
    channel: Channel,
    birth_date: date,
    application_date: date,
    requested_years: int | None = None,
    lapse_surcharge: bool = False,
    schedules: Sequence[FeeSchedule] | None = None,
) -> FeeQuote:
    """The fee for one application, with the lines that explain it.

    `lapse_surcharge` is whether this is the first application within 5 years of a pickup
    lapse (see `validity.lapse_surcharge_applies`).
    """
    schedule = schedule_on(
        application_date, shipped_schedules() if schedules is None else schedules
    )
    product = product_for(
        kind=kind,
        birth_date=birth_date,
        application_date=application_date,
        requested_years=requested_years,
        schedule=schedule,
    )
    fee = schedule.products[product]
    prefectural = fee.prefectural[channel]
    p_ja, p_en = PRODUCT_LABELS[product]
    c_ja, c_en = CHANNEL_LABELS[channel]
    if prefectural is None:
        raise ConfigurationError(
            f"{fee.unverified_note} (no prefectural fee set for a {p_en}, {c_en})",
            message_ja=f"{p_ja}（{c_ja}）の都道府県手数料が未設定です（未確認の金額）。",
        )
    office = "（事務所設定値）" if fee.set_by_office else ""
    lines = [
        FeeLine(f"国の手数料（{p_ja}）", f"national fee ({p_en})", True, fee.national),
        FeeLine(
            f"都道府県手数料（{p_ja}・{c_ja}）{office}",
            f"prefectural fee ({p_en}, {c_en})",
            False,
            prefectural,
        ),
    ]
    if lapse_surcharge:
        lines += [
            FeeLine(
                "未交付失効後の加算（国）",
                "surcharge after an uncollected lapse (national)",
                True,
                schedule.surcharge_national,
            ),
            FeeLine(
                "未交付失効後の加算（都道府県）",
                "surcharge after an uncollected lapse (prefectural)",
                False,
                schedule.surcharge_prefectural,
            ),
        ]
    return FeeQuote(product, channel, schedule.effective_from, tuple(lines))


def fee_for_application(
    app: Application,
    *,
    lapse_surcharge: bool = False,
    schedules: Sequence[FeeSchedule] | None = None,
) -> FeeQuote:
    return fee_for(
        kind=app.kind,
        channel=app.channel,
        birth_date=app.birth_date,
        application_date=app.application_date,
        requested_years=app.requested_validity_years,
        lapse_surcharge=lapse_surcharge,
        schedules=schedules,
    )
