import random
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ryoken.domain.applications import (
    TERMINAL_STATES,
    Application,
    ApplicationKind,
    ApplicationState,
    Channel,
    HeldPassport,
    LossReportState,
    ProxyRefusal,
    ProxyRelation,
    RecordChange,
    RenewalGround,
    ReviewTrack,
    advance,
    allowed_transitions,
    honseki_change_is_record_change,
    passport_term,
    proxy_eligibility,
    renewal_eligibility,
    renewal_eligibility_of,
    review_route,
    transition,
)
from ryoken.domain.people import Person, new_subject_id
from ryoken.errors import IllegalTransition, InvalidInput, RuleViolation

S = ApplicationState
ON = date(2025, 4, 1)


def applicant(birth=date(1990, 6, 15)):
    return Person(new_subject_id(random.Random(1).randbytes), "山田太郎", birth_date=birth)


def application(kind=ApplicationKind.NEW, channel=Channel.PAPER, **kw):
    return Application(kind=kind, channel=channel, applicant=applicant(), application_date=ON, **kw)


HELD = HeldPassport("TK1234567", date(2016, 5, 10), date(2026, 5, 10))


# --- the state machine ----------------------------------------------------------------------


def test_it_walks_an_application_from_draft_to_issued():
    state = S.DRAFT
    for step in (S.ACCEPTED, S.IN_REVIEW, S.APPROVED, S.ORDERED, S.PRODUCED, S.READY, S.ISSUED):
        state = transition(state, step)
    assert state is S.ISSUED
    assert allowed_transitions(S.ISSUED) == frozenset()


def test_it_lets_an_application_be_withdrawn_only_before_issuance():
    can_withdraw = {s for s in S if S.WITHDRAWN in allowed_transitions(s)}
    assert can_withdraw == {
        S.DRAFT,
        S.ACCEPTED,
        S.IN_REVIEW,
        S.APPROVED,
        S.ORDERED,
        S.PRODUCED,
        S.READY,
    }
    with pytest.raises(IllegalTransition):
        transition(S.ISSUED, S.WITHDRAWN)


def test_it_lapses_only_a_produced_or_ready_passport():
    assert {s for s in S if S.LAPSED in allowed_transitions(s)} == {S.PRODUCED, S.READY}


def test_it_ends_in_issued_rejected_withdrawn_or_lapsed():
    assert {s for s in S if not allowed_transitions(s)} == {
        S.ISSUED,
        S.REJECTED,
        S.WITHDRAWN,
        S.LAPSED,
    }


def test_it_names_both_states_in_english_and_japanese_when_refusing():
    with pytest.raises(IllegalTransition) as err:
        transition(S.READY, S.DRAFT)
    assert "'ready'" in err.value.message and "'draft'" in err.value.message
    assert "交付待ち" in err.value.message_ja and "作成中" in err.value.message_ja


def test_it_files_a_loss_report_that_cannot_be_withdrawn():
    report = application(ApplicationKind.LOSS_REPORT)
    assert report.state is LossReportState.FILED
    assert allowed_transitions(LossReportState.FILED) == {LossReportState.ACCEPTED}
    accepted = advance(report, LossReportState.ACCEPTED)
    assert accepted.state is LossReportState.ACCEPTED
    with pytest.raises(IllegalTransition):
        advance(report, S.WITHDRAWN)
    with pytest.raises(IllegalTransition):
        advance(accepted, S.WITHDRAWN)


def test_it_refuses_an_online_loss_report():
    with pytest.raises(InvalidInput, match="in person"):
        application(ApplicationKind.LOSS_REPORT, Channel.ONLINE)


@given(st.randoms(use_true_random=False))
def test_it_reaches_a_final_state_within_ten_moves_on_any_path(rnd):
    state = S.DRAFT
    for _ in range(10):
        options = sorted(allowed_transitions(state))
        if not options:
            break
        state = transition(state, rnd.choice(options))
    assert state in TERMINAL_STATES


@given(st.sampled_from(list(S)), st.sampled_from(list(S)))
def test_it_either_moves_as_allowed_or_raises(frm, to):
    if to in allowed_transitions(frm):
        assert transition(frm, to) is to
    else:
        with pytest.raises(IllegalTransition):
            transition(frm, to)


# --- advancing an application with its data --------------------------------------------------


def produced(issue_date=date(2025, 4, 15)):
    app = application()
    for step in (S.ACCEPTED, S.IN_REVIEW, S.APPROVED, S.ORDERED):
        app = advance(app, step)
    return advance(app, S.PRODUCED, on=issue_date)


def test_it_records_the_issue_date_on_production():
    assert produced(date(2025, 4, 15)).issue_date == date(2025, 4, 15)


def test_it_issues_until_the_pickup_deadline_and_lapses_after():
    ready = advance(produced(date(2025, 4, 15)), S.READY)
    assert advance(ready, S.ISSUED, on=date(2025, 10, 15)).state is S.ISSUED
    with pytest.raises(RuleViolation, match="can still be collected until 2025-10-15"):
        advance(ready, S.LAPSED, on=date(2025, 10, 15))
    assert advance(ready, S.LAPSED, on=date(2025, 10, 16)).state is S.LAPSED
    with pytest.raises(RuleViolation, match="6 months") as err:
        advance(ready, S.ISSUED, on=date(2025, 10, 16))
    assert "失効" in err.value.message_ja


def test_it_refuses_acceptance_of_a_proxy_submission_the_rules_forbid():
    app = application(proxy=ProxyRelation.SPOUSE, criminal_record_answer=True)
    with pytest.raises(RuleViolation, match="proxy") as err:
        advance(app, S.ACCEPTED)
    assert "刑罰等関係" in err.value.message_ja
    fine = application(
        ApplicationKind.RENEWAL, proxy=ProxyRelation.DESIGNATED, current_passport=HELD
    )
    assert advance(fine, S.ACCEPTED).state is S.ACCEPTED


# --- proxy submission ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "refusal"),
    [
        ({"passport_lost": True}, ProxyRefusal.LOST_OR_DAMAGED),
        ({"passport_damaged": True}, ProxyRefusal.LOST_OR_DAMAGED),
        ({"criminal_record_answer": True}, ProxyRefusal.CRIMINAL_RECORD_YES),
        ({"residence_application": True}, ProxyRefusal.RESIDENCE_APPLICATION),
        ({"non_hepburn": True}, ProxyRefusal.NON_HEPBURN),
        ({"other_name": True}, ProxyRefusal.OTHER_NAME),
    ],
)
def test_it_refuses_proxy_submission_with_the_reason(answers, refusal):
    result = proxy_eligibility(application(**answers))
    assert not result.allowed
    assert result.refusals == (refusal,)


def test_it_allows_proxy_submission_for_a_plain_application():
    result = proxy_eligibility(application(proxy=ProxyRelation.RELATIVE_WITHIN_TWO_DEGREES))
    assert result.allowed and result.refusals == ()


def test_it_lists_every_reason_refusing_a_proxy():
    app = application(criminal_record_answer=True, non_hepburn=True, other_name=True)
    assert set(proxy_eligibility(app).refusals) == {
        ProxyRefusal.CRIMINAL_RECORD_YES,
        ProxyRefusal.NON_HEPBURN,
        ProxyRefusal.OTHER_NAME,
    }


def test_it_never_lets_a_loss_report_go_by_proxy():
    report = application(ApplicationKind.LOSS_REPORT)
    assert proxy_eligibility(report).refusals == (ProxyRefusal.LOST_OR_DAMAGED,)


# --- renewal ---------------------------------------------------------------------------------


def test_it_allows_renewal_when_less_than_a_year_remains():
    expiry = date(2026, 3, 1)
    assert not renewal_eligibility(expiry=expiry, on=date(2025, 3, 1)).eligible
    result = renewal_eligibility(expiry=expiry, on=date(2025, 3, 2))
    assert result.eligible
    assert result.grounds == (RenewalGround.LESS_THAN_ONE_YEAR_LEFT,)


@pytest.mark.parametrize(
    ("flag", "ground"),
    [
        ({"visa_pages_full": True}, RenewalGround.VISA_PAGES_FULL),
        ({"seriously_damaged": True}, RenewalGround.SERIOUS_DAMAGE),
        ({"ic_chip_failed": True}, RenewalGround.IC_CHIP_FAILURE),
        ({"record_changes": [RecordChange.NAME]}, RenewalGround.RECORD_CHANGE),
    ],
)
def test_it_allows_renewal_with_years_left_on_another_ground(flag, ground):
    result = renewal_eligibility(expiry=date(2030, 1, 1), on=ON, **flag)
    assert result.eligible
    assert result.grounds == (ground,)


def test_it_refuses_renewal_with_years_left_and_no_ground():
    result = renewal_eligibility(expiry=date(2030, 1, 1), on=ON)
    assert not result.eligible
    assert "renewal grounds" in result.refusal


def test_it_sends_an_expired_passport_to_a_new_application():
    result = renewal_eligibility(expiry=date(2025, 3, 31), on=ON, visa_pages_full=True)
    assert not result.eligible
    assert "apply as new" in result.refusal


def test_it_checks_renewal_from_the_application():
    soon = replace(HELD, expiry=date(2026, 3, 10))
    app = application(ApplicationKind.RENEWAL, current_passport=soon, ic_chip_failed=True)
    assert renewal_eligibility_of(app).grounds == (
        RenewalGround.LESS_THAN_ONE_YEAR_LEFT,
        RenewalGround.IC_CHIP_FAILURE,
    )


# --- record change and the passport's term ---------------------------------------------------


def test_it_keeps_the_old_expiry_for_a_same_expiry_passport():
    app = application(
        ApplicationKind.RECORD_CHANGE_SAME_EXPIRY,
        current_passport=HELD,
        record_changes=frozenset({RecordChange.NAME}),
    )
    term = passport_term(app)
    assert term.same_expiry == HELD.expiry
    assert term.expiry_from(date(2025, 4, 20)) == date(2026, 5, 10)


def test_it_gives_a_record_change_a_fresh_ten_year_term():
    app = application(
        ApplicationKind.RECORD_CHANGE,
        current_passport=HELD,
        record_changes=frozenset({RecordChange.HONSEKI_PREFECTURE}),
    )
    assert passport_term(app).expiry_from(date(2025, 4, 20)) == date(2035, 4, 20)


def test_it_refuses_a_same_expiry_passport_without_a_valid_one():
    expired = replace(HELD, expiry=date(2025, 3, 1))
    app = application(
        ApplicationKind.RECORD_CHANGE_SAME_EXPIRY,
        current_passport=expired,
        record_changes=frozenset({RecordChange.SEX}),
    )
    with pytest.raises(RuleViolation, match="valid current passport"):
        passport_term(app)


def test_it_requires_a_record_change_to_say_what_changed():
    with pytest.raises(InvalidInput, match="what changed"):
        application(ApplicationKind.RECORD_CHANGE)
    with pytest.raises(InvalidInput, match="record change"):
        application(ApplicationKind.RENEWAL, record_changes=frozenset({RecordChange.BIRTH_DATE}))


def test_it_ignores_a_honseki_move_within_the_prefecture():
    assert not honseki_change_is_record_change("東京都", "東京都")
    assert honseki_change_is_record_change("東京都", "大阪府")


def test_it_gives_a_minor_five_years_and_refuses_ten():
    child = Application(
        kind=ApplicationKind.NEW,
        channel=Channel.ONLINE,
        applicant=applicant(date(2010, 1, 1)),
        application_date=ON,
    )
    assert passport_term(child).years == 5
    with pytest.raises(RuleViolation):
        passport_term(replace(child, requested_validity_years=10))


def test_it_needs_the_applicants_birth_date():
    nameless_age = Person(applicant().subject_id, "山田太郎")
    with pytest.raises(InvalidInput, match="birth date"):
        Application(ApplicationKind.NEW, Channel.PAPER, nameless_age, ON)


# --- review routing --------------------------------------------------------------------------


def test_it_sends_a_criminal_record_yes_to_senior_review():
    route = review_route(application(criminal_record_answer=True))
    assert route.track is ReviewTrack.SENIOR
    assert route.expected_en == "1–2 months"
    assert review_route(application()).track is ReviewTrack.STANDARD
