"""The units of ordinary work, each as the ledger events it leaves.

Every function takes the office (`o`), the day and a start time, emits its events and
returns the end time. Which fields each step shows follows the office's screens: a masked
summary at the counter, the 戸籍 image and photo checked at intake, match/no-match for values
the applicant presents, a reveal with a reason when the clerk needs the whole value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ryoken.office2.emit import MINUTE, US, DayBuffer
from ryoken.office2.people import Staff
from ryoken.office2.state import Application, DayContext, Served

if TYPE_CHECKING:
    from ryoken.office2.office import Office

SUMMARY = ("name_kanji", "name_kana", "birth_date", "address")
LIST_FIELDS = ("name_kana", "birth_date")
STATUS_FIELDS = ("name_kana", "application_status")
REVEALABLE = ("address", "phone", "mobile", "honseki", "birth_date", "email", "name_kanji")
REVEAL_REASONS = ("verify_identity", "applicant_request", "form_check", "correct_entry")
WRITE_NEW = (
    "name_kanji", "name_kana", "name_romaji", "sex", "birth_date", "honseki", "address",
    "postcode", "phone", "signature_image", "face_photo",
)  # fmt: skip
WRITE_RENEWAL = ("name_romaji", "address", "postcode", "phone", "signature_image", "face_photo")
NAMED_FIELDS = ("name_kanji", "name_kana", "sex", "birth_date", "relation")
REVIEW_FIELDS = (
    "name_kanji",
    "name_kana",
    "name_romaji",
    "sex",
    "birth_date",
    "honseki",
    "address",
)
PRODUCTION_FIELDS = ("name_romaji", "birth_date", "passport_number", "face_photo")
BREAKGLASS_REASONS = ("police_inquiry", "complaint", "urgent_travel", "embassy_request")


def habits(ctx: DayContext, staff: Staff) -> tuple[float, float, float]:
    """The clerk's reveal and copy habits and speed; in their first four weeks a new hire
    reveals and copies more (checking) and works slower."""
    if (ctx.day - staff.hired_on).days < 28:
        return staff.habit_reveal * 1.5, staff.habit_copy * 1.3, staff.speed * 1.3
    return staff.habit_reveal, staff.habit_copy, staff.speed


def gap(o: Office, lo: float, hi: float) -> int:
    """A pause of lo-hi seconds."""
    return int(o.rng.uniform(lo, hi) * US)


def reason(o: Office, code: str) -> str:
    """People leave the reason empty about 12% of the time."""
    return "" if o.rng.random() < 0.12 else code


def job_print(
    o: Office,
    buf: DayBuffer,
    t: int,
    actor: str,
    code: str,
    subjects: tuple[str, ...],
    document: str,
    terminal: str,
    grant: str | None,
    copier: str,
    why: str,
    purpose: str = "",
    pages: int = 1,
) -> int:
    """A print or copy job through ryoken, then the copier's own log of it."""
    job = o.ids.next("jb", 16)
    mark = f"wm-{job[3:13]}"
    buf.emit(
        t,
        code,
        actor,
        subjects,
        (),
        purpose,
        grant,
        terminal,
        {"job": job, "watermark": mark, "document": document, "pages": pages, "reason": why},
    )
    t += gap(o, 8, 40)
    buf.emit(
        t,
        "external.copier",
        actor,
        (),
        (),
        "",
        None,
        copier,
        {"copier": copier, "pages": pages, "kind": code, "watermark": mark, "job": job},
    )
    return t


def namesakes(o: Office, person: int) -> list[int]:
    """0-2 other persons a name search also lists (same surname bucket, so same reading)."""
    k = min(2, o.poisson(o.cfg.namesake_mean))
    if k == 0:
        return []
    bucket = o.people.pop.by_surname.get(o.people.pop.surname[person], [])
    if len(bucket) < 3:
        return []
    out = []
    for _ in range(k):
        q = bucket[o.rng.randrange(len(bucket))]
        if q != person and q not in out:
            out.append(q)
    return out


def search(
    o: Office,
    buf: DayBuffer,
    t: int,
    actor: str,
    kind: str,
    why: str,
    person: int,
    grant: str,
    terminal: str,
    extra: dict[str, str | int | bool | None] | None = None,
    fields: tuple[str, ...] = LIST_FIELDS,
    purpose: str = "",
) -> tuple[int, list[int]]:
    """A lookup listing the person and any namesakes; now and then a namesake is opened by
    mistake (added to the task, its summary shown, then left)."""
    pop = o.people.pop
    found = [person, *namesakes(o, person)]
    o.rng.shuffle(found)
    details: dict[str, str | int | bool | None] = {
        "kind": kind,
        "found": len(found),
        "reason": reason(o, why),
    }
    if extra:
        details.update(extra)
    buf.emit(
        t, "search", actor, [pop.sid[p] for p in found], fields, purpose, grant, terminal, details
    )
    for p in found:
        if p != person and o.rng.random() < o.cfg.mistaken_open:
            t += gap(o, 3, 12)
            buf.emit(
                t,
                "grant.open",
                actor,
                (pop.sid[p],),
                (),
                purpose,
                grant,
                terminal,
                {"added": True, "via": "search", "kind": o.grant_kinds.get(grant, "counter")},
            )
            t += gap(o, 1, 3)
            buf.emit(
                t,
                "disclosure",
                actor,
                (pop.sid[p],),
                SUMMARY,
                purpose,
                grant,
                terminal,
                {"form": "masked", "step": purpose},
            )
            t += gap(o, 4, 15)
    return t + gap(o, 5, 20), found


OUTCOMES = (("approved", 0.94), ("returned", 0.03), ("referred", 0.02), ("rejected", 0.01))


def review(
    o: Office, ctx: DayContext, t0: int, reviewer: str, terminal: str, app: Application
) -> int:
    buf, pop, rng = ctx.buf, o.people.pop, o.rng
    sid = pop.sid[app.applicant]
    named = tuple(pop.sid[p] for p in app.named)
    grant = o.ids.next("gr")
    o.grant_kinds[grant] = "review"
    d = {"step": "review", "grant_kind": "review", "application": app.app_id, "review": app.app_id}
    buf.emit(
        t0,
        "grant.open",
        reviewer,
        (sid, *named),
        (),
        "review",
        grant,
        terminal,
        {"kind": "review", "queue": True, "application": app.app_id, "reception": app.reception},
    )
    t = t0 + gap(o, 5, 30)
    buf.emit(
        t,
        "disclosure",
        reviewer,
        (sid,),
        REVIEW_FIELDS,
        "review",
        grant,
        terminal,
        {**d, "form": "shown"},
    )
    shown_at = t
    for f in (("koseki_image",) if app.kind in ("new", "online") else ()) + (
        "face_photo",
        "criminal_answers",
    ):
        t += gap(o, 20, 120)
        buf.emit(
            t,
            "disclosure",
            reviewer,
            (sid,),
            (f,),
            "review",
            grant,
            terminal,
            {**d, "form": "shown"},
        )
    if named and rng.random() < 0.5:
        t += gap(o, 20, 60)
        for n in named:
            t += gap(o, 3, 15)
            buf.emit(
                t,
                "disclosure",
                reviewer,
                (n,),
                NAMED_FIELDS,
                "review",
                grant,
                terminal,
                {**d, "form": "shown"},
            )
    t, _ = search(
        o,
        buf,
        t + gap(o, 20, 60),
        reviewer,
        "duplicate_check",
        "duplicate_check",
        app.applicant,
        grant,
        terminal,
        {"application": app.app_id},
        purpose="review",
    )
    x, outcome = rng.random(), "approved"
    for name, p in OUTCOMES:
        if x < p:
            outcome = name
            break
        x -= p
    end = max(t + gap(o, 20, 90), t0 + int(rng.lognormvariate(2.3, 0.35) * MINUTE))
    buf.emit(
        end,
        "workflow.transition",
        reviewer,
        (sid,),
        (),
        "review",
        grant,
        terminal,
        {"application": app.app_id, "from": "accepted", "to": outcome},
    )
    buf.emit(
        end + US,
        "grant.close",
        reviewer,
        (),
        (),
        "review",
        grant,
        terminal,
        {"kind": "review", "why": "closed", "outcome": outcome},
    )
    app.status = outcome
    o.hook.on_served(
        o,
        ctx,
        Served(
            "review",
            reviewer,
            grant,
            terminal,
            (app.applicant,),
            t0,
            end,
            shown_at,
            "",
            (app.app_id,),
        ),
    )
    return end + US
