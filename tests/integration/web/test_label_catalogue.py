"""The label catalogue (web/labels.py) names codes the apps define: it lists them by code so
that it imports no app above the accounts (import-linter's web layers), and these tests
keep the two in step."""

from __future__ import annotations

from django.utils import translation

from ryoken.web import labels
from ryoken.web.access.models import Grant
from ryoken.web.casework.models import Review
from ryoken.web.counter.prints.service import CopyDocument
from ryoken.web.counter.prints.text import PrintDocument


def test_it_labels_every_printed_and_copied_document_and_no_other():
    codes = {str(d) for d in PrintDocument} | {str(d) for d in CopyDocument}
    assert set(labels.DOCUMENT_LABELS_JA) == codes


def test_it_words_every_review_kind_as_casework_does():
    with translation.override("ja"):
        for kind in Review.Kind:
            assert str(labels.PURPOSE_STEPS[str(kind)]) == str(kind.label)


def test_it_words_every_grant_kind_as_the_access_app_does():
    with translation.override("ja"):
        for kind in Grant.Kind:
            assert str(labels.GRANT_KINDS[str(kind)]) == str(kind.label)
