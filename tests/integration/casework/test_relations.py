"""The relationship (続柄) is encrypted like every other personal field."""

from __future__ import annotations

import pytest

from ryoken.web.applications.models import ApplicationPerson
from ryoken.web.casework.relations import seal_relations
from ryoken.web.ledger.models import Entry
from ryoken.web.vault import writes
from ryoken.web.vault.models import Value

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_moves_plaintext_relations_into_the_vault(make_application):
    app = make_application()
    contact = ApplicationPerson.objects.get(application=app, role="emergency_contact")
    stranger = writes.create_subject(actor="test", values={"name_kanji": "林 一"}, purpose="t")
    ApplicationPerson.objects.create(
        application=app, subject=stranger, role="legal_representative", relation="叔父"
    )
    ApplicationPerson.objects.filter(pk=contact.pk).update(relation="兄")  # an old row
    assert seal_relations() == 2
    assert not ApplicationPerson.objects.exclude(relation="").exists()
    stored = Value.objects.get(subject_id=stranger, field="relation")
    assert "叔父".encode() not in bytes(stored.ciphertext)
    written = Entry.objects.filter(code="subject.write", subjects=stranger)
    assert written.count() == 2  # created, then the relation sealed
    assert seal_relations() == 0  # nothing left in plaintext
