"""Production (発注): approved applications to the National Printing Bureau and back.

`order_batch` moves every approved application (approved → ordered) into a new batch and
records `production.order`. The order file is never stored — it would be plaintext personal
data at rest — but built on demand by `build_order`, which reads what is printed through the
gateway under a production grant (step production: romaji, sex, birth date, the 本籍
prefecture, photo and signature), so every copy of it is in the ledger. The grant belongs to
the staff member who acts; when the bureau fetches over the API, to the supervisor who
ordered the batch, and the disclosure's purpose names the API client.

`import_results` takes the bureau's results (reception number, passport number, MRZ, issue
date), checks each row — the MRZ (ICAO check digits, dates), that it is this application's
passport (the birth date, name and sex are *matched* inside the vault, never read), the
expiry the validity gives — and only if every row passes, stores the passport numbers in
the vault and moves the applications ordered → produced → ready, in one transaction. A bad
row is reported with its number and nothing is applied.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.domain import validity
from ryoken.domain.applications import STATE_LABELS_JA, ApplicationKind, ApplicationState
from ryoken.domain.mrz import parse_td3, validate_td3
from ryoken.domain.numbers import is_passport_number
from ryoken.errors import AccessDenied, InvalidInput, RuleViolation
from ryoken.privacy.masking import HIDDEN_MARK
from ryoken.privacy.policy import Step
from ryoken.web.access import grants
from ryoken.web.access.models import Grant
from ryoken.web.accounts.models import Staff
from ryoken.web.applications.models import Application
from ryoken.web.applications.screens import FieldView, screen_views
from ryoken.web.applications.services import do_transition
from ryoken.web.casework.models import ProductionBatch
from ryoken.web.env import env_int
from ryoken.web.ledger import store as ledger
from ryoken.web.vault import gateway, search, writes

ORDER_FORMAT = "ryoken.production-order/1"
RESULTS_FORMAT = "ryoken.production-results/1"
ORDER_FIELDS = (
    "name_romaji",
    "other_name",
    "sex",
    "birth_date",
    "honseki",
    "face_photo",
    "signature_image",
)


def production_minutes() -> int:
    return env_int("RYOKEN_PRODUCTION_GRANT_MINUTES", 15)


def max_batch() -> int:
    return env_int("RYOKEN_PRODUCTION_BATCH_MAX", 1000)


def approved_waiting() -> QuerySet[Application]:
    return Application.objects.filter(state=ApplicationState.APPROVED).order_by(
        "application_date", "pk"
    )


def _event(code: EventCode, actor: str, subjects: list[str], at: datetime, **details: Any) -> Event:
    return Event(
        code=code,
        at=at,
        actor=actor,
        subjects=tuple(subjects),
        fields=(),
        purpose=str(code),
        grant=details.pop("grant", None),
        terminal=None,
        details=details,
    )


def order_batch(*, acting_staff: Staff, now: datetime | None = None) -> ProductionBatch:
    """A new batch of every approved application (up to the batch limit): approved → ordered."""
    at = now or clock.now()
    with transaction.atomic():
        apps = list(approved_waiting().select_for_update()[: max_batch()])
        if not apps:
            raise RuleViolation(
                "no approved application is waiting for production",
                message_ja=gettext_noop("発注できる発給決定済みの申請はありません。"),
            )
        batch = ProductionBatch.objects.create(
            batch_id=f"PB-{timezone.localdate(at):%Y%m%d}-{secrets.token_hex(3).upper()}",
            created_at=at,
            created_by=acting_staff.staff_id,
        )
        for app in apps:
            do_transition(
                app, ApplicationState.ORDERED, acting_staff=acting_staff, now=at, batch=batch
            )
        ledger.record_in_transaction(
            _event(
                EventCode.PRODUCTION_ORDER,
                acting_staff.staff_id,
                [a.applicant for a in apps],
                at,
                batch=batch.batch_id,
                count=len(apps),
            )
        )
    return batch


def access_batch(batch_id: str) -> ProductionBatch:
    batch = ProductionBatch.objects.filter(batch_id=batch_id).first()
    if batch is None:
        raise AccessDenied("no such batch", message_ja=gettext_noop("該当する発注はありません。"))
    return batch


def orderer_of(batch: ProductionBatch) -> Staff:
    """The supervisor who ordered the batch: the API acts under their production grant."""
    staff = Staff.objects.filter(staff_id=batch.created_by).first()
    if staff is None:
        raise AccessDenied("the batch has no ordering staff member")
    return staff


def _production_grant(staff: Staff, subjects: set[str], at: datetime) -> Grant:
    return grants.open_grant(
        staff=staff,
        kind=Grant.Kind.PRODUCTION,
        step=Step.PRODUCTION,
        subjects=subjects,
        minutes=production_minutes(),
        now=at,
    )


def _image_ref(subject: str, name: str, value: object) -> dict[str, Any] | None:
    if not isinstance(value, bytes):
        return None
    return {
        "ref": f"vault:{subject}/{name}",
        "sha256": hashlib.sha256(value).hexdigest(),
        "bytes": len(value),
    }


def _current_expiry(app: Application) -> date | None:
    """The expiry a same-expiry passport keeps: set at intake (or import) on the application."""
    if app.expiry_date is not None:
        return app.expiry_date
    intake = getattr(app, "intake", None)  # counter's IntakeRecord, when the counter made one
    expiry: date | None = getattr(intake, "current_passport_expiry", None)
    return expiry


def _validity(app: Application, birth: str | None) -> dict[str, Any]:
    if app.kind == ApplicationKind.RECORD_CHANGE_SAME_EXPIRY:
        expiry = _current_expiry(app)
        return {"same_expiry": True, "expiry_date": expiry.isoformat() if expiry else None}
    years = app.validity_years or app.requested_validity
    if years is None and birth:
        years = validity.validity_years(
            birth_date=date.fromisoformat(birth), application_date=app.application_date
        )
    return {"years": years}


def _order_item(app: Application, rows: list[FieldView]) -> dict[str, Any]:
    shown = {v.name: v.value for v in rows}
    romaji = str(shown.get("name_romaji") or "")
    surname, _, given = romaji.partition(" ")
    honseki = str(shown.get("honseki") or "")
    birth = shown.get("birth_date")
    return {
        "reception_number": app.reception_number,
        "kind": app.kind,
        "name_romaji": romaji,
        "surname": surname,
        "given_names": given,
        "other_name": shown.get("other_name"),
        "sex": shown.get("sex"),
        "birth_date": birth,
        "honseki_prefecture": honseki.removesuffix(HIDDEN_MARK) or None,
        "validity": _validity(app, birth if isinstance(birth, str) else None),
        "photo": _image_ref(app.applicant, "face_photo", shown.get("face_photo")),
        "signature": _image_ref(app.applicant, "signature_image", shown.get("signature_image")),
    }


def build_order(
    batch: ProductionBatch,
    *,
    acting_staff: Staff,
    via: str = "web",
    now: datetime | None = None,
) -> dict[str, Any]:
    """The order file of `batch`, read through the gateway under a production grant."""
    at = now or clock.now()
    apps = list(batch.items.order_by("pk"))
    grant = _production_grant(acting_staff, {a.applicant for a in apps}, at)
    purpose = f"production.order:{via}"
    try:
        people = [(app.applicant, ORDER_FIELDS) for app in apps]
        views = screen_views(grant=grant, people=people, purpose=purpose) if apps else {}
        items = [_order_item(app, views[app.applicant]) for app in apps]
    finally:
        grants.close_grant(grant, why="order file built")
    return {
        "format": ORDER_FORMAT,
        "batch": batch.batch_id,
        "office": apps[0].office if apps else "",
        "ordered_at": batch.created_at.isoformat(),
        "generated_at": at.isoformat(),
        "count": len(items),
        "items": items,
    }


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultRow:
    row: int  # 1-based position in the file's results
    reception_number: str
    passport_number: str
    line1: str
    line2: str
    issue_date: date


@dataclass(frozen=True)
class RowProblem:
    """One reason a row (or the file, `row` None) is refused. `message` is English (the API
    returns it); `message_ja` is the Japanese screen's, except for an MRZ that fails its
    checks: then `mrz_checks` holds the domain's check names (`mrz.Problem.check`) and the
    screen words them (labels.MRZ_CHECKS)."""

    row: int | None
    message: str
    message_ja: str = ""
    mrz_checks: tuple[str, ...] = ()


class ResultsRejected(InvalidInput):
    """Some rows are bad: every one is listed, and nothing was imported."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        text = "; ".join(f"row {p.row}: {p.message}" if p.row else p.message for p in problems)
        ja = "、".join(f"{p.row}件目" for p in problems if p.row)
        super().__init__(
            f"{text} — nothing was imported",
            message_ja=f"取り込めない行があります（{ja or '全体'}）。何も取り込んでいません。",
        )


_ROW_KEYS = {"reception_number", "passport_number", "mrz", "issue_date"}


def _row(number: int, raw: object) -> ResultRow:
    if not isinstance(raw, dict):
        raise InvalidInput("a result must be an object")
    missing = sorted(_ROW_KEYS - set(raw))
    unknown = sorted(set(raw) - _ROW_KEYS)
    if missing or unknown:
        raise InvalidInput(
            "; ".join(
                [f"missing {', '.join(missing)}"] * bool(missing)
                + [f"unknown {', '.join(unknown)}"] * bool(unknown)
            )
        )
    mrz = raw["mrz"]
    if not (isinstance(mrz, list) and len(mrz) == 2 and all(isinstance(x, str) for x in mrz)):
        raise InvalidInput("mrz must be a list of the two MRZ lines")
    texts = [raw["reception_number"], raw["passport_number"], raw["issue_date"]]
    if not all(isinstance(x, str) for x in texts):
        raise InvalidInput("reception_number, passport_number and issue_date must be text")
    try:
        issued = date.fromisoformat(raw["issue_date"])
    except ValueError:
        raise InvalidInput(f"issue_date {raw['issue_date']!r} is not YYYY-MM-DD") from None
    return ResultRow(
        number, raw["reception_number"].strip(), raw["passport_number"].strip(),
        mrz[0], mrz[1], issued,
    )  # fmt: skip


def parse_results(data: object) -> tuple[str | None, list[ResultRow], list[RowProblem]]:
    """The rows of a results file (a list, or an object with `results` and `batch`)."""
    batch_id = None
    if isinstance(data, dict):
        batch_id = data.get("batch") if isinstance(data.get("batch"), str) else None
        data = data.get("results")
    if not isinstance(data, list) or not data:
        return (
            batch_id,
            [],
            [
                RowProblem(
                    None, "the file holds no results list", "作製結果の一覧がファイルにありません。"
                )
            ],
        )
    rows, problems = [], []
    for number, raw in enumerate(data, start=1):
        try:
            rows.append(_row(number, raw))
        except InvalidInput as error:
            problems.append(
                RowProblem(
                    number,
                    error.message,
                    f"作製結果の形式が正しくありません（{error.message}）。",
                )
            )
    return batch_id, rows, problems


@dataclass(frozen=True)
class ImportSummary:
    batch: str
    imported: int
    reception_numbers: tuple[str, ...]


def _expected_expiry(app: Application, issued: date, mrz_expiry: date | None) -> date | None:
    """The expiry this application's passport must carry (None: nothing acceptable)."""
    if app.kind == ApplicationKind.RECORD_CHANGE_SAME_EXPIRY:
        return _current_expiry(app) or mrz_expiry
    years = app.validity_years or app.requested_validity
    if years is not None:
        return validity.expiry_date(issued, years)
    allowed = {validity.expiry_date(issued, y) for y in validity.VALIDITY_YEARS}
    return mrz_expiry if mrz_expiry in allowed else None


class _Checker:
    """Checks rows against their applications: first what the file alone shows, then (only
    when every row passed that) the vault matches, under one production grant."""

    def __init__(self, batch: ProductionBatch, staff: Staff, today: date, purpose: str) -> None:
        self.batch, self.staff, self.today, self.purpose = batch, staff, today, purpose
        self.grant: Grant | None = None
        self.expiry: dict[int, date] = {}

    def static_problems(self, row: ResultRow, app: Application) -> list[RowProblem]:
        out: list[RowProblem] = []

        def bad(message: str, message_ja: str) -> None:
            out.append(RowProblem(row.row, message, message_ja))

        if not is_passport_number(row.passport_number):
            bad(
                f"passport number {row.passport_number!r} is not two letters and 7 digits",
                f"旅券番号「{row.passport_number}」が英字2文字と数字7桁ではありません。",
            )
        if row.issue_date > self.today:
            bad(
                f"issue date {row.issue_date} is in the future",
                f"発行日 {row.issue_date} が未来の日付です。",
            )
        elif row.issue_date < timezone.localdate(self.batch.created_at):
            bad(
                f"issue date {row.issue_date} is before the order",
                f"発行日 {row.issue_date} が発注日より前です。",
            )
        mrz_problems = validate_td3(row.line1, row.line2, today=self.today)
        if mrz_problems:
            message = "MRZ: " + "; ".join(p.message for p in mrz_problems)
            checks = tuple(p.check for p in mrz_problems)
            return [*out, RowProblem(row.row, message, mrz_checks=checks)]
        mrz = parse_td3(row.line1, row.line2, today=self.today)
        if mrz.number != row.passport_number:
            bad(
                f"MRZ number {mrz.number} is not the passport number {row.passport_number}",
                f"機械読取り領域の旅券番号 {mrz.number} が旅券番号 {row.passport_number} と"
                "一致しません。",
            )
        if mrz.issuing_state != "JPN" or mrz.nationality != "JPN":
            bad(
                "MRZ issuing state and nationality must be JPN",
                "機械読取り領域の発行国と国籍は JPN でなければなりません。",
            )
        expected = _expected_expiry(app, row.issue_date, mrz.expiry_date)
        if expected is None or mrz.expiry_date != expected:
            bad(
                f"MRZ expiry {mrz.expiry_date} is not the expiry this application gets",
                f"機械読取り領域の有効期間満了日 {mrz.expiry_date} がこの申請の満了日と"
                "一致しません。",
            )
        else:
            self.expiry[row.row] = expected
        holders = set()
        if is_passport_number(row.passport_number):
            holders = set(search.find_subjects("passport_number", row.passport_number))
        if holders - {app.applicant}:
            bad(
                f"passport number {row.passport_number} belongs to someone else",
                f"旅券番号 {row.passport_number} は別の方の旅券番号です。",
            )
        return out

    def _match(self, app: Application, field: str, presented: str) -> bool:
        assert self.grant is not None  # noqa: S101 - opened before any match
        return gateway.match(
            actor=self.staff.staff_id,
            subject_id=app.applicant,
            field_name=field,
            presented=presented,
            purpose=self.purpose,
            grant=self.grant.grant_id,
        )

    def vault_problems(self, row: ResultRow, app: Application) -> list[RowProblem]:
        mrz = parse_td3(row.line1, row.line2, today=self.today)
        out = []
        if mrz.birth_date is None or not self._match(app, "birth_date", mrz.birth_date.isoformat()):
            out.append(
                RowProblem(
                    row.row,
                    "MRZ birth date does not match the application",
                    "機械読取り領域の生年月日が申請と一致しません。",
                )
            )
        if not self._match(app, "name_romaji", f"{mrz.surname} {mrz.given_names}"):
            out.append(
                RowProblem(
                    row.row,
                    "MRZ name does not match the application's romaji",
                    "機械読取り領域の氏名が申請のローマ字と一致しません。",
                )
            )
        if not self._match(app, "sex", mrz.sex):
            out.append(
                RowProblem(
                    row.row,
                    "MRZ sex does not match the application",
                    "機械読取り領域の性別が申請と一致しません。",
                )
            )
        return out


def import_results(
    batch: ProductionBatch,
    data: object,
    *,
    acting_staff: Staff,
    today: date,
    via: str = "web",
    now: datetime | None = None,
) -> ImportSummary:
    """Import the bureau's results for `batch`: every row passes, or nothing is applied."""
    at = now or clock.now()
    named, rows, problems = parse_results(data)
    if named is not None and named != batch.batch_id:
        problems.insert(
            0,
            RowProblem(
                None,
                f"the file is for batch {named}, not {batch.batch_id}",
                f"このファイルは別の発注（{named}）の作製結果です。",
            ),
        )
    apps = {a.reception_number: a for a in batch.items.all()}
    targets: list[tuple[ResultRow, Application]] = []
    seen_numbers: dict[str, int] = {}
    seen_apps: dict[str, int] = {}
    for row in rows:
        app = apps.get(row.reception_number)
        if app is None:
            problems.append(
                RowProblem(
                    row.row,
                    f"{row.reception_number} is not in this batch",
                    f"受理番号 {row.reception_number} はこの発注に含まれていません。",
                )
            )
        elif app.state != ApplicationState.ORDERED:
            problems.append(
                RowProblem(
                    row.row,
                    f"{row.reception_number} is {app.state}",
                    f"受理番号 {row.reception_number} は作製依頼済ではありません"
                    f"（{STATE_LABELS_JA.get(ApplicationState(app.state), app.state)}）。",
                )
            )
        elif row.reception_number in seen_apps:
            first = seen_apps[row.reception_number]
            problems.append(
                RowProblem(row.row, f"repeats row {first}", f"{first}件目と同じ申請です。")
            )
        elif row.passport_number in seen_numbers:
            first = seen_numbers[row.passport_number]
            problems.append(
                RowProblem(
                    row.row,
                    f"passport number repeats row {first}",
                    f"旅券番号が{first}件目と重複しています。",
                )
            )
        else:
            targets.append((row, app))
        seen_apps.setdefault(row.reception_number, row.row)
        seen_numbers.setdefault(row.passport_number, row.row)
    checker = _Checker(batch, acting_staff, today, f"production.import:{via}")
    for row, app in targets:
        problems += checker.static_problems(row, app)
    if not problems:
        checker.grant = _production_grant(acting_staff, {a.applicant for _, a in targets}, at)
    try:
        if checker.grant is not None:
            for row, app in targets:
                problems += checker.vault_problems(row, app)
        if problems:
            raise ResultsRejected(sorted(problems, key=lambda p: p.row or 0))
        _apply(batch, targets, checker, via, at)
    finally:
        if checker.grant is not None:
            grants.close_grant(checker.grant, why="results imported")
    return ImportSummary(
        batch.batch_id, len(targets), tuple(r.reception_number for r, _ in targets)
    )


def _apply(
    batch: ProductionBatch,
    targets: list[tuple[ResultRow, Application]],
    checker: _Checker,
    via: str,
    at: datetime,
) -> None:
    staff = checker.staff
    grant_id = checker.grant.grant_id if checker.grant else None
    with transaction.atomic():
        for row, app in targets:
            expiry = checker.expiry[row.row]
            years = app.validity_years or app.requested_validity
            if years is None and app.kind != ApplicationKind.RECORD_CHANGE_SAME_EXPIRY:
                years = next(
                    y for y in validity.VALIDITY_YEARS
                    if validity.expiry_date(row.issue_date, y) == expiry
                )  # fmt: skip
            writes.store(
                actor=staff.staff_id,
                subject_id=app.applicant,
                values={"passport_number": row.passport_number},
                purpose="production.import",
                grant=grant_id,
            )
            produced = do_transition(
                app,
                ApplicationState.PRODUCED,
                acting_staff=staff,
                grant=grant_id,
                now=at,
                note=f"produced ({via})",
                issue_date=row.issue_date,
                expiry_date=expiry,
                validity_years=years,
            )
            do_transition(
                produced, ApplicationState.READY, acting_staff=staff, grant=grant_id, now=at
            )
        ProductionBatch.objects.filter(pk=batch.pk).update(imported_at=at)
        ledger.record_in_transaction(
            _event(
                EventCode.PRODUCTION_IMPORT,
                staff.staff_id,
                [a.applicant for _, a in targets],
                at,
                batch=batch.batch_id,
                count=len(targets),
                via=via,
                grant=grant_id,
            )
        )
    batch.imported_at = at
