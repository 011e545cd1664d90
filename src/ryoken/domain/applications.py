"""Applications: kinds, channels, the application value and its state machine (FACTS.md).

Passport applications move

    draft → accepted → in_review → approved | rejected
    approved → ordered → produced → ready → issued

and may be withdrawn at any step before issuance. A produced or ready passport that is not
collected within 6 months of its issue date lapses (旅券法18条1項2号). A loss report (紛失届)
is its own flow, filed → accepted: the passport lapses on the report, which cannot be
withdrawn. `transition` is the pure state machine; `advance` applies it to an `Application`
with the guards that need the application's data (proxy submission, dates).

The eligibility rules (renewal, proxy submission, review routing) answer with *reasons*, not
only yes/no, because the counter has to tell the applicant why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import TypeVar

from ryoken.domain import validity
from ryoken.domain.people import NamedPerson, Person
from ryoken.errors import IllegalTransition, InvalidInput, RuleViolation


class ApplicationKind(StrEnum):
    NEW = "new"  # 新規
    RENEWAL = "renewal"  # 切替
    RECORD_CHANGE = "record_change"  # 記載事項変更 (new 5/10-year passport)
    RECORD_CHANGE_SAME_EXPIRY = "record_change_same_expiry"  # 残存有効期間同一旅券
    LOSS_REPORT = "loss_report"  # 紛失届 / 焼失届


class Channel(StrEnum):
    PAPER = "paper"
    ONLINE = "online"  # マイナポータル


RECORD_CHANGE_KINDS = frozenset(
    {ApplicationKind.RECORD_CHANGE, ApplicationKind.RECORD_CHANGE_SAME_EXPIRY}
)


# --- states --------------------------------------------------------------------------------


class ApplicationState(StrEnum):
    DRAFT = "draft"
    ACCEPTED = "accepted"  # 受理: identity and residence checked
    IN_REVIEW = "in_review"  # 審査
    APPROVED = "approved"
    REJECTED = "rejected"
    ORDERED = "ordered"  # sent to the National Printing Bureau
    PRODUCED = "produced"  # printed; the issue date is set
    READY = "ready"  # at the office, waiting for pickup
    ISSUED = "issued"  # 交付: handed over in person
    WITHDRAWN = "withdrawn"
    LAPSED = "lapsed"  # not collected within 6 months of the issue date


class LossReportState(StrEnum):
    # Values differ from ApplicationState's: StrEnum members with equal values compare and
    # hash equal, which would merge them in the transition table.
    FILED = "loss_report_filed"
    ACCEPTED = "loss_report_accepted"  # the passport has lapsed


State = ApplicationState | LossReportState
S = TypeVar("S", ApplicationState, LossReportState)

_A = ApplicationState
_TRANSITIONS: dict[State, frozenset[State]] = {
    _A.DRAFT: frozenset({_A.ACCEPTED, _A.WITHDRAWN}),
    _A.ACCEPTED: frozenset({_A.IN_REVIEW, _A.WITHDRAWN}),
    _A.IN_REVIEW: frozenset({_A.APPROVED, _A.REJECTED, _A.WITHDRAWN}),
    _A.APPROVED: frozenset({_A.ORDERED, _A.WITHDRAWN}),
    _A.REJECTED: frozenset(),
    _A.ORDERED: frozenset({_A.PRODUCED, _A.WITHDRAWN}),
    _A.PRODUCED: frozenset({_A.READY, _A.WITHDRAWN, _A.LAPSED}),
    _A.READY: frozenset({_A.ISSUED, _A.WITHDRAWN, _A.LAPSED}),
    _A.ISSUED: frozenset(),
    _A.WITHDRAWN: frozenset(),
    _A.LAPSED: frozenset(),
    LossReportState.FILED: frozenset({LossReportState.ACCEPTED}),
    LossReportState.ACCEPTED: frozenset(),
}

STATE_LABELS_JA: dict[State, str] = {
    _A.DRAFT: "作成中",
    _A.ACCEPTED: "受理",
    _A.IN_REVIEW: "審査中",
    _A.APPROVED: "発給決定",
    _A.REJECTED: "不発給決定",
    _A.ORDERED: "作製依頼済",
    _A.PRODUCED: "作製済",
    _A.READY: "交付待ち",
    _A.ISSUED: "交付済",
    _A.WITHDRAWN: "取下げ",
    _A.LAPSED: "失効（未交付）",
    LossReportState.FILED: "紛失届 届出",
    LossReportState.ACCEPTED: "紛失届 受理（旅券失効）",
}

TERMINAL_STATES = frozenset(s for s, targets in _TRANSITIONS.items() if not targets)


def initial_state(kind: ApplicationKind) -> State:
    return LossReportState.FILED if kind is ApplicationKind.LOSS_REPORT else _A.DRAFT


def allowed_transitions(state: State) -> frozenset[State]:
    """The states `state` may move to; empty for a final state."""
    return _TRANSITIONS[state]


def _check_transition(state: State, to: State) -> None:
    if to in _TRANSITIONS[state]:
        return
    allowed = ", ".join(sorted(_TRANSITIONS[state])) or "nothing (final state)"
    raise IllegalTransition(
        f"an application in state '{state}' cannot move to '{to}'; allowed: {allowed}",
        message_ja=(
            f"申請の状態を「{STATE_LABELS_JA[state]}」から「{STATE_LABELS_JA[to]}」"
            "に変更することはできません。"
        ),
    )


def transition(state: S, to: S) -> S:
    """The state after moving `state` to `to`, or IllegalTransition naming both."""
    _check_transition(state, to)
    return to


# --- the application value -------------------------------------------------------------------


class RecordChange(StrEnum):
    """Changes that call for a record-change passport (記載事項変更)."""

    NAME = "name"
    HONSEKI_PREFECTURE = "honseki_prefecture"  # only the prefecture is printed
    SEX = "sex"
    BIRTH_DATE = "birth_date"


class ProxyRelation(StrEnum):
    SPOUSE = "spouse"
    RELATIVE_WITHIN_TWO_DEGREES = "relative_within_two_degrees"  # 二親等内の親族
    DESIGNATED = "designated"  # 申請者が指定した人


@dataclass(frozen=True, slots=True)
class HeldPassport:
    """The applicant's current (or last) passport."""

    number: str
    issue_date: date
    expiry: date


@dataclass(frozen=True, slots=True)
class Application:
    """One application as the office holds it. Immutable: `advance` returns a new value.

    `criminal_record_answer` is the 刑罰等関係 answer (True = "yes", 要配慮個人情報).
    `passport_lost` / `passport_damaged` describe the current passport (loss, burning,
    serious damage). `issue_date` is set when the passport is produced.
    """

    kind: ApplicationKind
    channel: Channel
    applicant: Person
    application_date: date
    others: tuple[NamedPerson, ...] = ()
    requested_validity_years: int | None = None  # None: 10 years where allowed
    current_passport: HeldPassport | None = None
    record_changes: frozenset[RecordChange] = field(default_factory=frozenset)
    criminal_record_answer: bool = False
    proxy: ProxyRelation | None = None  # who submitted it, if not the applicant
    non_hepburn: bool = False  # 非ヘボン式ローマ字
    other_name: bool = False  # 別名併記
    residence_application: bool = False  # 居所申請
    passport_lost: bool = False
    passport_damaged: bool = False
    visa_pages_full: bool = False
    ic_chip_failed: bool = False
    issue_date: date | None = None
    state: State = ApplicationState.DRAFT

    def __post_init__(self) -> None:
        if self.applicant.birth_date is None:
            raise InvalidInput(
                "the applicant's birth date is required", message_ja="申請者の生年月日が必要です。"
            )
        loss = self.kind is ApplicationKind.LOSS_REPORT
        if loss and self.state is ApplicationState.DRAFT:
            object.__setattr__(self, "state", LossReportState.FILED)  # a report starts filed
        if loss != isinstance(self.state, LossReportState):
            raise InvalidInput(f"state '{self.state}' does not belong to a '{self.kind}'")
        if loss and self.channel is Channel.ONLINE:
            raise InvalidInput(
                "a loss report is made in person, on paper",
                message_ja="紛失届は窓口で本人が届け出ます。",
            )
        if self.requested_validity_years is not None and (
            loss or self.kind is ApplicationKind.RECORD_CHANGE_SAME_EXPIRY
        ):
            raise InvalidInput(f"a '{self.kind}' has no validity to choose")
        if self.kind in RECORD_CHANGE_KINDS and not self.record_changes:
            raise InvalidInput(
                "a record-change application must say what changed",
                message_ja="記載事項変更の内容（氏名・本籍・性別・生年月日）を選んでください。",
            )
        if self.kind is ApplicationKind.RENEWAL and self.record_changes:
            raise InvalidInput(
                "a renewal with changed records is filed as a record change",
                message_ja="記載事項に変更がある場合は記載事項変更として申請してください。",
            )

    @property
    def birth_date(self) -> date:
        born = self.applicant.birth_date
        if born is None:  # refused in __post_init__; kept for the type checker
            raise InvalidInput("the applicant's birth date is required")
        return born


def honseki_change_is_record_change(old_prefecture: str, new_prefecture: str) -> bool:
    """Only the 本籍 prefecture is printed: a move within a prefecture changes nothing."""
    return old_prefecture.strip() != new_prefecture.strip()


# --- proxy submission ------------------------------------------------------------------------


class ProxyRefusal(StrEnum):
    LOST_OR_DAMAGED = "lost_or_damaged"
    CRIMINAL_RECORD_YES = "criminal_record_yes"
    RESIDENCE_APPLICATION = "residence_application"
    NON_HEPBURN = "non_hepburn"
    OTHER_NAME = "other_name"


PROXY_REFUSAL_LABELS: dict[ProxyRefusal, tuple[str, str]] = {
    ProxyRefusal.LOST_OR_DAMAGED: ("the passport was lost or damaged", "旅券の紛失・焼失・損傷"),
    ProxyRefusal.CRIMINAL_RECORD_YES: ("刑罰等関係 answered yes", "刑罰等関係に該当"),
    ProxyRefusal.RESIDENCE_APPLICATION: ("residence application (居所申請)", "居所申請"),
    ProxyRefusal.NON_HEPBURN: ("non-Hepburn spelling requested", "非ヘボン式ローマ字の希望"),
    ProxyRefusal.OTHER_NAME: ("別名併記 requested", "別名併記の希望"),
}


@dataclass(frozen=True, slots=True)
class ProxyEligibility:
    allowed: bool
    refusals: tuple[ProxyRefusal, ...]


def proxy_eligibility(app: Application) -> ProxyEligibility:
    """Whether the application may be submitted by a spouse, a relative within two degrees
    or a designated person, and every reason that refuses it."""
    refusals: list[ProxyRefusal] = []
    if app.kind is ApplicationKind.LOSS_REPORT or app.passport_lost or app.passport_damaged:
        refusals.append(ProxyRefusal.LOST_OR_DAMAGED)
    if app.criminal_record_answer:
        refusals.append(ProxyRefusal.CRIMINAL_RECORD_YES)
    if app.residence_application:
        refusals.append(ProxyRefusal.RESIDENCE_APPLICATION)
    if app.non_hepburn:
        refusals.append(ProxyRefusal.NON_HEPBURN)
    if app.other_name:
        refusals.append(ProxyRefusal.OTHER_NAME)
    return ProxyEligibility(not refusals, tuple(refusals))


def _require_proxy_allowed(app: Application) -> None:
    result = proxy_eligibility(app)
    if app.proxy is None or result.allowed:
        return
    en = "; ".join(PROXY_REFUSAL_LABELS[r][0] for r in result.refusals)
    ja = "、".join(PROXY_REFUSAL_LABELS[r][1] for r in result.refusals)
    raise RuleViolation(
        f"this application cannot be submitted by proxy: {en}",
        message_ja=f"この申請は代理提出できません（{ja}）。申請者本人が提出してください。",
    )


# --- renewal eligibility and the passport's term --------------------------------------------


class RenewalGround(StrEnum):
    LESS_THAN_ONE_YEAR_LEFT = "less_than_one_year_left"
    VISA_PAGES_FULL = "visa_pages_full"
    SERIOUS_DAMAGE = "serious_damage"
    IC_CHIP_FAILURE = "ic_chip_failure"
    RECORD_CHANGE = "record_change"


@dataclass(frozen=True, slots=True)
class RenewalEligibility:
    eligible: bool
    grounds: tuple[RenewalGround, ...]
    refusal: str = ""  # English; why not, when not eligible


def renewal_eligibility(
    *,
    expiry: date | None,
    on: date,
    visa_pages_full: bool = False,
    seriously_damaged: bool = False,
    ic_chip_failed: bool = False,
    record_changes: Sequence[RecordChange] = (),
) -> RenewalEligibility:
    """Whether a passport expiring on `expiry` may be renewed (切替) on `on`, and on which
    grounds. Without a valid passport the applicant applies as new, not as a renewal."""
    if expiry is None or not validity.is_valid_on(expiry, on):
        return RenewalEligibility(False, (), "there is no valid passport to renew: apply as new")
    grounds: list[RenewalGround] = []
    if on > validity.add_years(expiry, -1):
        grounds.append(RenewalGround.LESS_THAN_ONE_YEAR_LEFT)
    if visa_pages_full:
        grounds.append(RenewalGround.VISA_PAGES_FULL)
    if seriously_damaged:
        grounds.append(RenewalGround.SERIOUS_DAMAGE)
    if ic_chip_failed:
        grounds.append(RenewalGround.IC_CHIP_FAILURE)
    if record_changes:
        grounds.append(RenewalGround.RECORD_CHANGE)
    if not grounds:
        return RenewalEligibility(
            False, (), "a year or more remains and none of the renewal grounds applies"
        )
    return RenewalEligibility(True, tuple(grounds))


def renewal_eligibility_of(app: Application) -> RenewalEligibility:
    held = app.current_passport
    return renewal_eligibility(
        expiry=held.expiry if held else None,
        on=app.application_date,
        visa_pages_full=app.visa_pages_full,
        seriously_damaged=app.passport_damaged,
        ic_chip_failed=app.ic_chip_failed,
        record_changes=tuple(app.record_changes),
    )


@dataclass(frozen=True, slots=True)
class PassportTerm:
    """How long the new passport runs: `years` (5/10), or to `same_expiry` (残存有効期間同一)."""

    years: int | None
    same_expiry: date | None

    def expiry_from(self, issue_date: date) -> date:
        if self.same_expiry is not None:
            return self.same_expiry
        if self.years is None:
            raise InvalidInput("a passport term needs years or a same expiry")
        return validity.expiry_date(issue_date, self.years)


def passport_term(app: Application) -> PassportTerm:
    """The term of the passport this application asks for (FACTS.md: validity)."""
    if app.kind is ApplicationKind.LOSS_REPORT:
        raise RuleViolation("a loss report does not produce a passport")
    if app.kind is ApplicationKind.RECORD_CHANGE_SAME_EXPIRY:
        held = app.current_passport
        if held is None or not validity.is_valid_on(held.expiry, app.application_date):
            raise RuleViolation(
                "a same-expiry passport needs a valid current passport whose expiry it keeps",
                message_ja="残存有効期間同一旅券の申請には有効な旅券が必要です。",
            )
        return PassportTerm(None, held.expiry)
    years = validity.validity_years(
        birth_date=app.birth_date,
        application_date=app.application_date,
        requested_years=app.requested_validity_years,
    )
    return PassportTerm(years, None)


# --- review routing ----------------------------------------------------------------------------


class ReviewTrack(StrEnum):
    STANDARD = "standard"
    SENIOR = "senior"  # 刑罰等関係 "yes": 1–2 months


@dataclass(frozen=True, slots=True)
class ReviewRoute:
    track: ReviewTrack
    expected_en: str
    expected_ja: str


def review_route(app: Application) -> ReviewRoute:
    if app.kind is ApplicationKind.LOSS_REPORT:
        raise RuleViolation("a loss report is not reviewed")
    if app.criminal_record_answer:
        return ReviewRoute(ReviewTrack.SENIOR, "1–2 months", "1〜2か月程度")
    return ReviewRoute(
        ReviewTrack.STANDARD, "about 2 weeks (9–14 business days)", "約2週間（9〜14業務日）"
    )


# --- moving an application -------------------------------------------------------------------


def advance(app: Application, to: State, *, on: date | None = None) -> Application:
    """`app` moved to `to`, with the guards that need its data.

    Acceptance refuses a proxy submission the rules forbid. Production records the issue
    date (`on`). Lapse needs `on` past the pickup deadline; issuance refuses a lapsed one.
    """
    _check_transition(app.state, to)
    issue_date = app.issue_date
    if to is _A.ACCEPTED:
        _require_proxy_allowed(app)
    elif to is _A.PRODUCED:
        issue_date = _need(on, "the issue date")
    elif to in (_A.LAPSED, _A.ISSUED):
        today = _need(on, "today's date")
        issue_date = _need(issue_date, "the issue date (set on production)")
        lapsed = validity.pickup_lapsed(issue_date, today)
        if to is _A.LAPSED and not lapsed:
            deadline = validity.pickup_deadline(issue_date).isoformat()
            raise RuleViolation(
                f"the passport can still be collected until {deadline}",
                message_ja=f"この旅券は {deadline} まで交付できます（未失効）。",
            )
        if to is _A.ISSUED and lapsed:
            raise RuleViolation(
                "the passport lapsed: it was not collected within 6 months of its issue date",
                message_ja="発行日から6か月以内に受け取られなかったため、この旅券は失効しています。",
            )
    return replace(app, state=to, issue_date=issue_date)


def _need(value: date | None, what: str) -> date:
    if value is None:
        raise InvalidInput(f"{what} is required for this step")
    return value
