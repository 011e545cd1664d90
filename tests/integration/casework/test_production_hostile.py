"""The bureau's results file against hostile input, on the screen, the command line and in
`import_results` itself: refused with a reason, and nothing of the batch changes."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ryoken.cli import main
from ryoken.errors import InvalidInput
from ryoken.web.applications.models import Application
from ryoken.web.casework import production
from ryoken.web.casework.models import ProductionBatch
from ryoken.web.casework.views_production import MAX_RESULTS_BYTES
from ryoken.web.ledger.models import Entry

pytestmark = pytest.mark.django_db(transaction=True)

DEEP = b"[" * 50_000 + b"]" * 50_000
HUGE_INT = b'{"results": [' + b"7" * 5000 + b"]}"


def _upload(client, batch, raw: bytes):
    data = io.BytesIO(raw)
    data.name = "results.json"
    return client.post(f"/casework/production/{batch.batch_id}/", {"results": data})


def _state(batch) -> tuple:
    return (
        tuple(batch.items.order_by("pk").values_list("state", "issue_date")),
        Entry.objects.filter(code="production.import").count(),
    )


@pytest.fixture
def ordered(personas, make_application):
    make_application("approved", family=False)
    return production.order_batch(acting_staff=personas["supervisor"])


@pytest.mark.parametrize(
    "raw",
    [DEEP, HUGE_INT, "結果".encode("shift_jis"), b"\xff\xfe\x00", b"", b"null", b"{}"],
    ids=["deep", "huge-int", "shift-jis", "binary", "empty", "null", "empty-object"],
)
def test_the_screen_refuses_a_file_it_cannot_read(client, personas, login_as, ordered, raw):
    login_as(personas["supervisor"])
    before = _state(ordered)
    response = _upload(client, ordered, raw)
    assert response.status_code == 400  # was a 500 for "deep" and "huge-int"
    assert "何も取り込んでいません" in response.content.decode()
    assert _state(ordered) == before


def test_the_screen_says_an_oversized_file_is_too_large(client, personas, login_as, ordered):
    login_as(personas["supervisor"])
    before = _state(ordered)
    response = _upload(client, ordered, b" " * (MAX_RESULTS_BYTES + 1))
    body = response.content.decode()
    assert response.status_code == 400
    assert "大きすぎます（上限 5 MB）" in body  # was "choose a results file"
    assert "作製結果ファイル（JSON）を選んでください" not in body
    assert _state(ordered) == before


@pytest.mark.parametrize("raw", [DEEP, HUGE_INT], ids=["deep", "huge-int"])
def test_the_command_refuses_it_without_a_traceback(personas, ordered, tmp_path, capsys, raw):
    path = tmp_path / "results.json"
    path.write_bytes(raw)
    before = _state(ordered)
    staff = personas["supervisor"].staff_id
    code = main(["production", "import", str(path), "--staff", staff, "--batch", ordered.batch_id])
    err = capsys.readouterr().err
    assert code != 0 and "is not UTF-8 JSON" in err and "unexpected error" not in err
    assert _state(ordered) == before


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
ROW = st.fixed_dictionaries(
    {
        "reception_number": st.one_of(st.text(max_size=30), JSON),
        "passport_number": st.one_of(st.from_regex(r"[A-Z]{2}[0-9]{7}", fullmatch=True), JSON),
        "mrz": st.one_of(
            st.lists(st.text(alphabet="ABCJPN0123456789<", min_size=44, max_size=44), max_size=3),
            JSON,
        ),
        "issue_date": st.one_of(st.dates().map(str), JSON),
    },
    optional={"extra": JSON},
)
RESULTS = st.one_of(
    JSON,
    st.lists(ROW, max_size=3),
    st.builds(
        lambda rows, batch: {"batch": batch, "results": rows},
        st.lists(ROW, max_size=3),
        st.one_of(st.none(), st.text(max_size=20), JSON),
    ),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=RESULTS)
def test_any_results_document_is_refused_whole(personas, ordered, data):
    """Random rows never carry the batch's reception numbers and valid MRZs, so every one is
    refused; what matters is how: InvalidInput, and the batch exactly as it was."""
    before = _state(ordered)
    with pytest.raises(InvalidInput) as refused:
        production.import_results(
            ordered, data, acting_staff=personas["supervisor"], today=timezone.localdate()
        )
    assert refused.value.message
    assert _state(ordered) == before
    assert set(Application.objects.values_list("state", flat=True)) == {"ordered"}
    assert ProductionBatch.objects.count() == 1
