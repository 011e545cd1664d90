"""Shared fixtures. Integration tests run on SQLite, or PostgreSQL when DATABASE_URL is set.

Business time is pinned here, in one place, with time-machine (`ryoken.clock` asks
`datetime.now`, which time-machine moves):

- `RYOKEN_TEST_CLOCK=2026-12-31T21:30:00+09:00 pytest …` starts every test at that moment
  (time flows on from it), so CI can prove the suite passes at any hour (`.ci/run`);
- `@pytest.mark.clock("2026-11-26T13:00:00+09:00")` pins one test;
- `@pytest.mark.office_hours` says a test needs a working day's office hours and pins them;
- `@pytest.mark.wall_clock` marks a test whose server runs in another process (which keeps
  the machine's clock), so the run-wide pin leaves it alone;
- the `pinned_clock` fixture hands a test the traveller, to move time on (`shift`, `move_to`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime

import pytest
import time_machine

CLOCK_ENV = "RYOKEN_TEST_CLOCK"
# A Thursday, not a holiday: a working day's afternoon at the office.
OFFICE_HOURS = "2026-11-26T13:00:00+09:00"


def _moment(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    if at.tzinfo is None:
        raise pytest.UsageError(f"a pinned clock needs a time zone: {text!r}")
    return at


@pytest.fixture(autouse=True)
def pinned_clock(request: pytest.FixtureRequest) -> Iterator[time_machine.Coordinates | None]:
    """Pin business time for this test: its marker first, else RYOKEN_TEST_CLOCK, else none."""
    marker = request.node.get_closest_marker("clock")
    if marker is not None:
        at: str | None = marker.args[0]
    elif request.node.get_closest_marker("office_hours") is not None:
        at = OFFICE_HOURS
    elif request.node.get_closest_marker("wall_clock") is not None:
        at = None  # its server runs in another process, on the machine's clock
    else:
        at = os.environ.get(CLOCK_ENV) or None
    if at is None:
        yield None
        return
    with time_machine.travel(_moment(at), tick=True) as traveller:
        yield traveller


@pytest.fixture
def time_machine_at():
    """`with time_machine_at("2027-03-01T00:00:05+09:00"): …` pins the clock for a block."""

    def at(text: str) -> time_machine.travel:
        return time_machine.travel(_moment(text), tick=True)

    return at


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Start every test without the ledger's append-only triggers.

    Django flushes tables between transactional tests, which the triggers would refuse;
    the `ledger_db` fixture creates them for the tests that write the ledger.
    """
    from django.db import connection

    from ryoken.web.ledger.triggers import drop_triggers

    with django_db_blocker.unblock():
        drop_triggers(connection)


@pytest.fixture
def keys_dir(tmp_path, monkeypatch, settings):
    """A fresh keys directory and witness for one test, created as `ryoken init` would."""
    from django.utils import timezone

    from ryoken.web.ledger import checkpoints
    from ryoken.web.vault import keys

    monkeypatch.setenv("RYOKEN_KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("RYOKEN_WITNESS_PATH", str(tmp_path / "witness.log"))
    keys.forget_cached_keys()
    keys.create_keys(timezone.now())
    checkpoints.create_signing_key()
    checkpoints.reset_state()
    yield tmp_path / "keys"
    keys.forget_cached_keys()
    checkpoints.reset_state()


@pytest.fixture
def ledger_db(transactional_db, keys_dir):
    """A database where durable ledger writes commit for real (no wrapping transaction).

    The append-only triggers are dropped after the test so Django can flush the tables,
    and created again before the next one.
    """
    from django.db import connection

    from ryoken.web.ledger import store
    from ryoken.web.ledger.triggers import create_triggers, drop_triggers

    create_triggers(connection)
    store.forget_frontier()
    yield
    drop_triggers(connection)
    store.forget_frontier()


@pytest.fixture
def any_grant_will_do():
    """A policy where any grant reference suffices, for tests of the gateway itself; the
    access app's `GrantPolicy` is tested through the screens that use it."""
    from ryoken.web.access.policy import RequireGrant
    from ryoken.web.vault import gateway

    with gateway.policy_in_use(RequireGrant()):
        yield


# --- personas: one staff member per role, plus strangers -------------------------------


@pytest.fixture
def make_staff(db):
    """Create a staff member (with TOTP device and current qualifications)."""
    from ryoken.web.accounts.services import create_staff

    counter = {"n": 0}

    def make(role: str, **kwargs):
        counter["n"] += 1
        username = kwargs.pop("username", f"{role[:8]}{counter['n']}")
        staff, device = create_staff(
            username=username,
            password="correct-horse-battery-staple",
            role=role,
            display_name=kwargs.pop("display_name", f"{role} {counter['n']}"),
            **kwargs,
        )
        staff.device = device
        return staff

    return make


@pytest.fixture
def personas(make_staff):
    """alice the counter clerk, and one colleague per role, as healthchecks does it."""
    from ryoken.web.accounts.models import Role
    from ryoken.web.accounts.services import ensure_windows

    ensure_windows()
    return {role: make_staff(role, username=role.replace("_", "")[:12]) for role in Role.values}


def login(client, staff) -> None:
    """Log `staff` in with a verified second factor, as the two-step login would."""
    from django_otp import DEVICE_ID_SESSION_KEY

    user = getattr(staff, "user", staff)  # a Staff, or a bare User (the stranger)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = staff.device.persistent_id
    session["ryoken_step_up_at"] = 10**12  # fresh step-up unless a test says otherwise
    session.save()


@pytest.fixture
def login_as(client):
    def do(staff):
        login(client, staff)
        return client

    return do


@pytest.fixture
def stranger(db):
    """Logged in with a second factor, but not staff: must be denied everywhere."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.create_user("stranger", password="x" * 16)
    user.device = TOTPDevice.objects.create(user=user, name="d", confirmed=True)
    return user


@pytest.fixture
def pdf_ink():
    """`ink(pdf_bytes, text)`: for each character of `text` as pdfium finds it in the PDF,
    the number of dark pixels inside its box when the page is drawn. A character that is in
    the text layer but drawn blank (a font without the glyph) has none."""
    import pypdfium2

    def ink(data: bytes, text: str) -> dict[str, int]:
        pdf = pypdfium2.PdfDocument(data)
        scale = 4
        for page in pdf:
            textpage = page.get_textpage()
            whole = textpage.get_text_range()
            at = whole.find(text)
            if at < 0:
                continue
            # pdfium counts a character beyond the BMP as two (a surrogate pair) in indexes.
            image = page.render(scale=scale, grayscale=True).to_numpy()
            height = image.shape[0]
            out: dict[str, int] = {}
            index = len(whole[:at].encode("utf-16-le")) // 2
            for char in text:
                width = len(char.encode("utf-16-le")) // 2
                left, bottom, right, top = textpage.get_charbox(index)
                box = image[
                    int(height - top * scale) : int(height - bottom * scale) + 1,
                    int(left * scale) : int(right * scale) + 1,
                ]
                out[char] = int((box < 128).sum())
                index += width
            return out
        raise AssertionError(f"{text!r} is not in the PDF's text")

    return ink
