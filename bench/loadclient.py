"""The simulated clerk of `python -m bench load`: two flows over a `loadbrowser.Browser`.

A counter clerk logs in (password, then a TOTP code computed here from
their secret), chooses a window and serves applicants: call the next ticket → the paper
form → romaji → scans → review → 受理 → close. An issuance clerk calls a pickup ticket,
types what the person presents (birth date, passport number) for a match / no match,
issues the passport and closes. Both think between actions like a person would.

Every response the clerk sees is counted against the ledger: for each page that discloses
personal data the clerk adds the number of `disclosure` events that page records (one per
gateway call, computed from the step policy of the pure core), per grant, so the benchmark
can compare what was answered with what the ledger holds.
"""

from __future__ import annotations

import http.client
import random
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bench.loadbrowser import Browser, FlowError, Response, Stats, totp, why
from ryoken.domain.fields import FIELDS_BY_ROLE, SubjectRole
from ryoken.privacy.policy import Exposure, Step, exposure

# --- how many ledger events each page writes -------------------------------------------------


def disclosures_for(step: Step, fields: Iterable[str]) -> int:
    """Gateway calls of `applications.screens.person_view`: one for the SHOWN fields, one for
    the MASKED ones (masked inside the vault); MATCH_ONLY and HIDDEN fields cost none."""
    levels = {exposure(step, name) for name in fields}
    return int(Exposure.SHOWN in levels) + int(Exposure.MASKED in levels)


# The romaji screen reads the applicant's kanji and kana (counter/intake/views.py, _names).
ROMAJI_DISCLOSURES = disclosures_for(Step.INTAKE, ("name_kanji", "name_kana"))
# 受理 reads the birth date for the age rules (intake.do_accept).
ACCEPT_DISCLOSURES = 1
# The pickup screen asks for pickup.SCREEN_FIELDS; the photo is one more gateway call.
PICKUP_DISCLOSURES = disclosures_for(
    Step.PICKUP, ("name_kanji", "birth_date", "passport_number", "previous_passport")
)
PHOTO_DISCLOSURES = 1
MATCHES_PER_CHECK = 2  # birth date and passport number (no old passport is returned)
# The persons our paper form names: the applicant, two family members, an emergency contact.
FORM_PERSONS = (
    (SubjectRole.APPLICANT,),
    (SubjectRole.FAMILY_MEMBER,),
    (SubjectRole.FAMILY_MEMBER,),
    (SubjectRole.EMERGENCY_CONTACT,),
)
# The review screen: one person_view per person, over every field their roles hold.
REVIEW_DISCLOSURES = sum(
    disclosures_for(Step.INTAKE, {f for role in roles for f in FIELDS_BY_ROLE[role]})
    for roles in FORM_PERSONS
)


# --- synthetic applicants --------------------------------------------------------------------

_SURNAMES = [
    ("山田", "ヤマダ"),
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
]
_GIVEN = [
    ("太郎", "タロウ"),
    ("花子", "ハナコ"),
    ("健", "ケン"),
    ("美咲", "ミサキ"),
    ("大輔", "ダイスケ"),
    ("陽子", "ヨウコ"),
    ("翔太", "ショウタ"),
    ("愛", "アイ"),
    ("誠", "マコト"),
    ("由美", "ユミ"),
]
_CITIES = ["豊島区東池袋", "新宿区西新宿", "練馬区豊玉北", "板橋区板橋", "北区王子"]
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(64)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def paper_form(rng: random.Random, year: int) -> dict[str, str]:
    """A valid paper application: an adult, a new 10-year passport, two family members from
    the 戸籍謄本 and an emergency contact (four distinct persons)."""
    surname, surname_kana = rng.choice(_SURNAMES)
    (g1, k1), (g2, k2), (g3, k3), (g4, k4) = rng.sample(_GIVEN, 4)
    other, other_kana = rng.choice([s for s in _SURNAMES if s[0] != surname])
    city = rng.choice(_CITIES)
    block = f"{rng.randint(1, 5)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}"
    return {
        "kind": "new",
        "name_kanji": f"{surname} {g1}",
        "name_kana": f"{surname_kana} {k1}",
        "sex": rng.choice("MF"),
        "birth_date": f"{rng.randint(1950, year - 25)}-{rng.randint(1, 12):02d}-15",
        "honseki_prefecture": "東京都",
        "honseki_rest": f"{city}一丁目{rng.randint(1, 30)}番",
        "postcode": f"170-{rng.randint(0, 9999):04d}",
        "address": f"東京都{city}{block}",
        "phone": f"03-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
        "mobile": f"090-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
        "email": f"applicant{rng.randint(1, 10**6)}@example.jp",
        "requested_validity": "10",
        "criminal_record": "no",
        "fm-TOTAL_FORMS": "5",
        "fm-INITIAL_FORMS": "0",
        "fm-MIN_NUM_FORMS": "0",
        "fm-MAX_NUM_FORMS": "5",
        "fm-0-name_kanji": f"{surname} {g2}",
        "fm-0-name_kana": f"{surname_kana} {k2}",
        "fm-0-relation": "配偶者",
        "fm-0-birth_date": f"{rng.randint(1950, year - 25)}-04-02",
        "fm-0-sex": rng.choice("MF"),
        "fm-1-name_kanji": f"{surname} {g3}",
        "fm-1-name_kana": f"{surname_kana} {k3}",
        "fm-1-relation": "子",
        "fm-1-birth_date": f"{rng.randint(year - 15, year - 2)}-09-30",
        "fm-1-sex": rng.choice("MF"),
        "ec-name_kanji": f"{other} {g4}",
        "ec-name_kana": f"{other_kana} {k4}",
        "ec-relation": "兄弟姉妹",
        "ec-postcode": f"150-{rng.randint(0, 9999):04d}",
        "ec-address": f"東京都渋谷区神宮前{rng.randint(1, 6)}-1-1",
        "ec-phone": f"03-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
    }


# --- the clerks ------------------------------------------------------------------------------

_SUGGESTION = re.compile(r'data-testid="suggestion">([^<]+)<')
_TICKS = re.compile(r'name="(item_[a-z_]+|identity_confirmed)"')
_PHOTO = re.compile(r'<img src="([^"]+)"[^>]*data-testid="photo"')
_GRANT = re.compile(r"/(gr_[0-9a-f]+)/")
_APP = re.compile(r"/app/(\d+)/")
_SERVE = re.compile(r"/pickup/serve/(gr_[0-9a-f]+)/(\d+)/")


@dataclass
class Login:
    username: str
    password: str
    key: str
    step: int
    t0: int
    digits: int
    window: str


class QueueEmpty(Exception):
    """Nobody is waiting for this kind of window."""


@dataclass
class Window:
    """The measured window, opened for every clerk at once (monotonic seconds)."""

    start: float = 0.0
    end: float = float("inf")


class Clerk:
    """What both kinds of clerk share: logging in, thinking, giving up after errors."""

    home = "/"
    PAUSES_PER_VISIT = 0

    def __init__(
        self,
        browser: Browser,
        login: Login,
        *,
        think: Callable[[], float],
        rng: random.Random,
        baseline: bool = True,
    ) -> None:
        self.b = browser
        self.login_data = login
        self.think = think
        self.rng = rng
        self.baseline = baseline
        self.grant = ""
        # Keep the last visit's grant open at the end of the run, for the saturation phase.
        self.keep = False
        self.window: Window = Window()
        self.skip = 0  # pauses of the first visit still to fast-forward through
        self.gate: threading.Barrier | None = None

    @property
    def stats(self) -> Stats:
        return self.b.stats

    @property
    def until(self) -> float:
        return self.window.end

    def pause(self) -> None:
        """Think before the next action; after the end of the run, just finish the visit.

        Before the run, a clerk fast-forwards (no pause, untimed) through the first `skip`
        pauses of its first visit, then waits at the gate with everyone else: the measured
        window opens with clerks spread over every step of their work, as in a running
        office, instead of all starting at 「次の方」.
        """
        if self.skip > 0:
            self.skip -= 1
            if self.skip > 0:
                return
            self.pass_gate()
            time.sleep(self.rng.uniform(0, self.think()))  # somewhere inside this pause
            return
        seconds = min(self.think(), self.until - time.monotonic())
        if seconds > 0:
            time.sleep(seconds)

    def pass_gate(self) -> None:
        """Wait for every clerk to reach its starting point (once; an error passes too)."""
        gate, self.gate = self.gate, None
        self.skip = 0
        if gate is not None:
            gate.wait()

    def done(self, what: str) -> None:
        """The visit is over: close the ticket, unless the run is over and the saturation
        phase will reload this visit's screen."""
        late = time.monotonic() >= self.until
        self.stats.count(f"{what} after the window" if late else what)
        if not (late and self.keep):
            self._close()

    def _close(self) -> None:
        raise NotImplementedError

    def log_in(self) -> None:
        b, who = self.b, self.login_data
        b.expect("GET", "/login/", "login", 200)
        form = {"username": who.username, "password": who.password, "next": self.home}
        step2 = b.expect("POST", "/login/", "login", 302, form=form)
        b.expect("GET", step2.location, "login", 200)
        code = totp(who.key, at=time.time(), step=who.step, t0=who.t0, digits=who.digits)
        done = b.expect("POST", step2.location, "login", 302, form={"token": code})
        if not done.location.startswith(self.home):
            raise FlowError(f"login: redirected to {done.location}")

    def run(self, gate: threading.Barrier, window: Window, *, max_errors: int = 5) -> None:
        """Serve visitors while the window is open; finish the visit in progress.

        The clerk starts at a random pause of its first visit (see `pause`); `gate` opens
        the window for everyone at once.
        """
        self.window, self.gate = window, gate
        self.skip = self.rng.randrange(self.PAUSES_PER_VISIT + 1)
        if self.skip == 0:
            self.pass_gate()
            time.sleep(self.rng.uniform(0, self.think()))
        failures = 0
        try:
            while time.monotonic() < self.until:
                try:
                    self.visit()
                    failures = 0
                except QueueEmpty:
                    self.stats.count("queue empty")
                    return
                except (FlowError, OSError, http.client.HTTPException) as error:
                    self.stats.error(f"{self.login_data.username}: {error}")
                    failures += 1
                    self.abandon()
                    if failures >= max_errors:
                        self.stats.error(f"{self.login_data.username}: gave up after errors")
                        return
        finally:
            self.pass_gate()  # a clerk that failed before its starting point still opens it

    def setup(self) -> None:
        """After logging in: open the window's screen."""
        raise NotImplementedError

    def abandon(self) -> None:
        """After an error: close the ticket (and the grant with it), as a clerk would."""
        if self.grant:
            try:
                self._close()
            except (FlowError, OSError, http.client.HTTPException) as error:
                self.stats.error(f"{self.login_data.username}: close after error: {error}")
                self.grant = ""

    def visit(self) -> None:
        raise NotImplementedError

    def hold(self) -> bool:
        """Get to a disclosing screen and stay there (for the saturation phase)."""
        raise NotImplementedError

    def reload(self, baseline: bool) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        self.abandon()


class CounterClerk(Clerk):
    """受付: call → paper form → romaji → scans → review → 受理 → close."""

    home = "/counter/"
    review_url = ""
    PAUSES_PER_VISIT = 5

    def setup(self) -> None:
        self.b.expect("GET", "/counter/", "setup", 200)
        window = {"window": self.login_data.window}
        self.b.expect("POST", "/counter/window/", "setup", 302, form=window)
        self.b.expect("GET", "/counter/", "setup", 200)

    def _call(self) -> str:
        called = self.b.expect("POST", "/counter/call/", "call", 302)
        found = _GRANT.search(called.location)
        if not found:
            page = self.b.expect("GET", called.location, "queue", 200)
            if "お待ちの方はいません" in page.body:
                raise QueueEmpty
            raise FlowError(f"call: not called{why(page)}")
        self.grant = found.group(1)
        self.b.expect("GET", called.location, "work", 200)
        return self.grant

    def _enter(self) -> str:
        """From a called ticket to an application ready for review. Returns the review URL."""
        b, g = self.b, self.grant
        b.expect("GET", f"/counter/work/{g}/new/", "intake_form", 200)
        self.pause()
        form = paper_form(self.rng, time.localtime().tm_year)
        saved = b.expect("POST", f"/counter/work/{g}/new/", "intake_post", 302, form=form)
        app = _APP.search(saved.location)
        if not app or not saved.location.endswith("/romaji/"):
            raise FlowError(f"intake_post: went to {saved.location}")
        base = f"/counter/work/{g}/app/{app.group(1)}/"
        page = b.expect("GET", base + "romaji/", "romaji", 200)
        self.stats.expect(g, "disclosure", ROMAJI_DISCLOSURES)
        if self.baseline:
            url = f"/bench/baseline/intake/{g}/{app.group(1)}/romaji/"
            b.expect("GET", url, "base:romaji", 200)
        suggestion = _SUGGESTION.search(page.body)
        if not suggestion:
            raise FlowError("romaji: no suggested spelling on the page")
        self.pause()
        choice = {"choice": suggestion.group(1).strip(), "confirmed": "on"}
        confirmed = b.expect("POST", base + "romaji/", "romaji_post", 302, form=choice)
        self.stats.expect(g, "disclosure", ROMAJI_DISCLOSURES)
        if not confirmed.location.endswith("/scans/"):
            raise FlowError(f"romaji_post: went to {confirmed.location}")
        b.expect("GET", base + "scans/", "scans", 200)
        self.pause()
        files = {
            "koseki": ("koseki.pdf", PDF),
            "photo": ("photo.jpg", JPEG),
            "signature": ("signature.jpg", JPEG),
        }
        scanned = b.expect("POST", base + "scans/", "scans_post", 302, files=files)
        if scanned.location != base:
            raise FlowError(f"scans_post: went to {scanned.location}")
        return base

    def _review(self, base: str, *, baseline: bool) -> Response:
        page = self.b.expect("GET", base, "review", 200)
        self.stats.expect(self.grant, "disclosure", REVIEW_DISCLOSURES)
        if baseline:
            app_id = base.rstrip("/").rsplit("/", 1)[1]
            url = f"/bench/baseline/intake/{self.grant}/{app_id}/review/"
            self.b.expect("GET", url, "base:review", 200)
        return page

    def visit(self) -> None:
        self._call()
        base = self._enter()
        page = self._review(base, baseline=self.baseline)
        self.pause()
        ticks = {name: "on" for name in _TICKS.findall(page.body)}
        accepted = self.b.expect("POST", base + "accept/", "accept", 302, form=ticks)
        self.stats.expect(self.grant, "disclosure", ACCEPT_DISCLOSURES)
        if not accepted.location.endswith("/receipt/"):
            raise FlowError(f"accept: went to {accepted.location}")
        self.b.expect("GET", accepted.location, "receipt", 200)
        self.review_url = base
        self.pause()
        self.done("intakes")

    def _close(self) -> None:
        g, self.grant = self.grant, ""
        self.b.expect("POST", f"/counter/work/{g}/close/", "close", 302, form={"outcome": "done"})
        self.b.expect("GET", "/counter/", "queue", 200)

    def hold(self) -> bool:
        if not self.grant:
            self._call()
            self.review_url = self._enter()
        return True

    def reload(self, baseline: bool) -> None:
        if baseline:
            app_id = self.review_url.rstrip("/").rsplit("/", 1)[1]
            url = f"/bench/baseline/intake/{self.grant}/{app_id}/review/"
            self.b.expect("GET", url, "base:review", 200)
        else:
            self._review(self.review_url, baseline=False)


class IssuanceClerk(Clerk):
    """交付: call → match birth date and passport number → issue → close."""

    home = "/pickup/"
    PAUSES_PER_VISIT = 3

    def __init__(
        self,
        browser: Browser,
        login: Login,
        *,
        think: Callable[[], float],
        rng: random.Random,
        presented: dict[str, dict[str, str]],
        baseline: bool = True,
    ) -> None:
        super().__init__(browser, login, think=think, rng=rng, baseline=baseline)
        self.presented = presented
        self.app_url = ""

    def setup(self) -> None:
        self.b.expect("GET", "/pickup/", "setup", 200)

    def _screen(self, *, baseline: bool) -> Response:
        """The application screen and its photo, as a browser loads them."""
        page = self.b.expect("GET", self.app_url, "pickup_app", 200)
        self.stats.expect(self.grant, "disclosure", PICKUP_DISCLOSURES)
        photo = _PHOTO.search(page.body)
        if not photo:
            raise FlowError("pickup_app: no photo on the page")
        self.b.expect("GET", photo.group(1), "photo", 200)
        self.stats.expect(self.grant, "disclosure", PHOTO_DISCLOSURES)
        if baseline:
            app_id = self.app_url.rstrip("/").rsplit("/", 1)[1]
            copy = self.b.expect(
                "GET", f"/bench/baseline/pickup/{self.grant}/{app_id}/", "base:pickup_app", 200
            )
            copy_photo = _PHOTO.search(copy.body)
            if copy_photo:
                self.b.expect("GET", copy_photo.group(1), "base:photo", 200)
        return page

    def _call(self) -> str:
        window = {"window": self.login_data.window}
        called = self.b.expect("POST", "/pickup/", "pickup_call", 302, form=window)
        found = _GRANT.search(called.location)
        if not found:
            page = self.b.expect("GET", called.location, "pickup_queue", 200)
            if "お待ちの方はいません" in page.body:
                raise QueueEmpty
            raise FlowError(f"pickup_call: not called{why(page)}")
        self.grant = found.group(1)
        served = self.b.expect("GET", called.location, "pickup_serve", 302)
        app = _SERVE.search(served.location)
        if not app:
            raise FlowError(f"pickup_serve: went to {served.location}")
        self.app_url = served.location
        return app.group(2)

    def visit(self) -> None:
        app_id = self._call()
        self._screen(baseline=self.baseline)
        self.pause()
        shown = self.presented.get(app_id)
        if shown is None:
            raise FlowError(f"no identity document for application {app_id}")
        form = {"birth_date": shown["birth_date"], "passport_number": shown["passport_number"]}
        self.b.expect("POST", self.app_url + "match/", "match", 302, form=form)
        self.stats.expect(self.grant, "match", MATCHES_PER_CHECK)
        page = self._screen(baseline=False)
        if page.body.count('class="match"') < MATCHES_PER_CHECK:
            raise FlowError("match: the presented documents did not match")
        self.pause()
        self.b.expect("POST", self.app_url + "issue/", "issue", 302, form={"fee_paid": "on"})
        page = self._screen(baseline=False)
        if 'data-testid="state">交付済' not in page.body:
            raise FlowError(f"issue: not issued{why(page)}")
        self.pause()
        self.done("pickups")

    def _close(self) -> None:
        g, self.grant = self.grant, ""
        self.b.expect("POST", f"/pickup/close/{g}/", "pickup_close", 302)
        self.b.expect("GET", "/pickup/", "pickup_queue", 200)

    def hold(self) -> bool:
        if not self.grant:
            self._call()
        return True

    def reload(self, baseline: bool) -> None:
        if baseline:
            app_id = self.app_url.rstrip("/").rsplit("/", 1)[1]
            url = f"/bench/baseline/pickup/{self.grant}/{app_id}/"
            self.b.expect("GET", url, "base:pickup_app", 200)
        else:
            self.b.expect("GET", self.app_url, "pickup_app", 200)
            self.stats.expect(self.grant, "disclosure", PICKUP_DISCLOSURES)
