"""The receipt shows rare kanji as the screen does (𠮷 was blank with the CID font)."""

from __future__ import annotations

import pypdfium2
import pytest

from .helpers import HOLDER, make_application, make_person

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "髙﨑 𠮷𩸽"


@pytest.fixture
def ready_app(ledger_db, personas):
    return make_application(make_person({**HOLDER, "name_kanji": NAME}))


def test_it_prints_rare_kanji_on_the_receipt(login_as, issuer, ready_app, matched, pdf_ink):
    response = login_as(issuer).post(
        "/pickup/prints/new/",
        {
            "grant": matched.grant_id,
            "application": ready_app.pk,
            "document": "receipt",
            "reason": "受理票の再交付",
            "confirmed": "1",
        },
    )
    assert response["Content-Type"] == "application/pdf"
    pdf = pypdfium2.PdfDocument(response.content)
    text = "".join(page.get_textpage().get_text_range() for page in pdf)
    assert f"{NAME} 様" in text
    assert "〓" not in text
    # Drawn, not only in the text layer: every character of the name has ink.
    ink = pdf_ink(response.content, NAME)
    assert all(n > 0 for c, n in ink.items() if c != " "), ink
