"""The counter's forms against hostile input: whatever a browser (or a script posing as one)
sends, a form is valid or lists what is wrong in words, never an exception; and the intake
screen answers 302 (registered) or 400 (nothing written), never a server error."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ryoken.web.applications.models import Application
from ryoken.web.counter.intake import service as intake
from ryoken.web.counter.intake.forms import (
    ApplicationForm,
    EmergencyContactForm,
    FamilyFormSet,
    RepresentativeForm,
    RevealForm,
    RomajiForm,
    intake_input,
)
from ryoken.web.counter.loss.forms import LossReportForm, LossSearchForm
from ryoken.web.counter.pickup.forms import MatchForm
from ryoken.web.counter.prints.forms import ReprintForm
from ryoken.web.counter.queue.forms import KioskForm
from ryoken.web.ledger.models import Entry
from ryoken.web.vault.models import Subject, Value

from .helpers import application_post, call_applicant

pytestmark = pytest.mark.django_db

HOSTILE = [
    "", " ", "\u3000", "\x00", "a\x00b", "\x1b[2J", "\u202e", "'; DROP TABLE staff;--",
    "<script>alert(1)</script>", "../../etc/passwd", "ッ", "ー", "ｯ", "ヴァ", "ゝ", "ヽヾ",
    "1985-02-30", "0000-01-01", "9999-12-31", "1899-12-31", "平成2年1月2日", "令和99年1月1日",
    "０３－１２３４－５６７８", "〒170-0013", "TK1234567", "ｔｋ１２３４５６７", "A" * 1000,
    "𠮷野 太郎", "髙橋　一郎", "1e309", "-1", "9" * 40, "NaN", "on", "yes", "new", "M",
]  # fmt: skip
VALID = application_post()


def _value(name: str) -> st.SearchStrategy[str]:
    known = [VALID[name]] if name in VALID else []
    return st.one_of(st.sampled_from(HOSTILE + known), st.text(max_size=30))


def _post(names: list[str]) -> st.SearchStrategy[MultiValueDict]:
    """Form data as a browser posts it: each field absent, once, or repeated."""
    return st.fixed_dictionaries(
        {}, optional={n: st.lists(_value(n), min_size=1, max_size=2) for n in names}
    ).map(MultiValueDict)


FORMS = {
    "kiosk": (KioskForm, {}),
    "romaji": (RomajiForm, {}),
    "reveal": (RevealForm, {}),
    "match": (MatchForm, {}),
    "reprint": (ReprintForm, {}),
    "loss-search": (LossSearchForm, {}),
    "loss-report": (LossReportForm, {}),
    "contact": (EmergencyContactForm, {"prefix": "ec", "required": True}),
    "representative": (RepresentativeForm, {"prefix": "lr"}),
}
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("name", list(FORMS))
def test_a_form_is_valid_or_says_why(name):
    form_class, kwargs = FORMS[name]
    fields = [
        (f"{kwargs['prefix']}-{n}" if "prefix" in kwargs else n) for n in form_class.base_fields
    ]

    @FUZZ
    @given(data=_post(fields))
    def check(data):
        form = form_class(data, **kwargs)
        if not form.is_valid():
            assert form.errors and all(all(str(m) for m in ms) for ms in form.errors.values())

    check()


# Near misses: a complete, valid paper form with up to four fields changed or left out, so
# the cross-field rules (intake.rule_errors) are reached as well as the field cleaners.
CHANGES = st.dictionaries(
    st.sampled_from(sorted(VALID)),
    st.one_of(st.none(), st.sampled_from(HOSTILE), st.text(max_size=20)),
    min_size=1,
    max_size=4,
)


@FUZZ
@given(changes=CHANGES)
def test_the_paper_application_is_valid_or_says_why(changes):
    data = MultiValueDict({k: [v] for k, v in application_post(**changes).items()})
    forms_ = (
        ApplicationForm(data),
        RepresentativeForm(data, prefix="lr"),
        EmergencyContactForm(data, prefix="ec"),
        FamilyFormSet(data, prefix="fm"),
    )
    if all(f.is_valid() for f in forms_):
        problems = intake.rule_errors(intake_input(*forms_), timezone.localdate())
        assert all(isinstance(m, str) and m for m in problems.values())
    else:
        family_errors = [e for e in forms_[3].errors if e] + list(forms_[3].non_form_errors())
        assert any(f.errors for f in forms_[:3]) or family_errors


def _counts() -> dict[str, int]:
    return {
        "subjects": Subject.objects.count(),
        "values": Value.objects.count(),
        "applications": Application.objects.count(),
        "ledger": Entry.objects.exclude(code__startswith="disclosure").count(),
    }


@pytest.fixture
def served(client, personas, ledger_db, login_as):
    """counter_clerk has called an application ticket to W01: (client, grant)."""
    login_as(personas["counter_clerk"])
    return client, call_applicant(client)


@pytest.mark.django_db(transaction=True)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=CHANGES)
def test_the_intake_screen_registers_or_writes_nothing(served, changes):
    client, grant = served
    before = _counts()
    # The test client re-raises a view's exception, so a server error fails here.
    response = client.post(f"/counter/work/{grant.grant_id}/new/", application_post(**changes))
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        page = response.content.decode()
        assert "入力内容に誤りがあります" in page or 'class="error"' in page
        assert _counts() == before
    else:
        assert _counts()["applications"] == before["applications"] + 1
