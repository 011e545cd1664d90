"""The units of ordinary work, each as the ledger events it leaves.

Every function takes the office (`o`), the day and a start time, emits its events and
returns the end time. Which fields each step shows follows the office's screens: a masked
summary at the counter, the 戸籍 image and photo checked at intake, match/no-match for values
the applicant presents, a reveal with a reason when the clerk needs the whole value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ryoken.office2.emit import MINUTE, US, DayBuffer
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


def intake(
    o: Office,
    ctx: DayContext,
    t0: int,
    clerk: str,
    window: str,
    ticket: str,
    apps: list[Application],
    escalate: bool,
) -> int:
    buf, pop, rng = ctx.buf, o.people.pop, o.rng
    staff = o.staff_by_id[clerk]
    applicants = tuple(pop.sid[a.applicant] for a in apps)
    named = tuple(pop.sid[p] for a in apps for p in a.named)
    grant = o.ids.next("gr")
    o.grant_kinds[grant] = "counter"
    base = {"ticket": ticket, "window": window}
    buf.emit(
        t0,
        "ticket.call",
        clerk,
        applicants,
        (),
        "application",
        None,
        window,
        {**base, "purpose": "application"},
    )
    t = t0 + gap(o, 1, 4)
    open_details: dict[str, str | int | bool | None] = {"kind": "counter", **base}
    if len(apps) == 1:
        open_details["application"] = apps[0].app_id
        open_details["reception"] = apps[0].reception
    buf.emit(t, "grant.open", clerk, applicants + named, (), "intake", grant, window, open_details)
    shown_at = t
    for a in apps:
        sid = pop.sid[a.applicant]
        d = {"step": "intake", "grant_kind": "counter", **base, "application": a.app_id}
        t += gap(o, 20, 90)
        buf.emit(
            t,
            "disclosure",
            clerk,
            (sid,),
            SUMMARY,
            "intake",
            grant,
            window,
            {**d, "form": "masked"},
        )
        if a.kind == "renewal":
            t += gap(o, 10, 40)
            t, _ = search(
                o,
                buf,
                t,
                clerk,
                "renewal_lookup",
                "renewal",
                a.applicant,
                grant,
                window,
                {"application": a.app_id},
                purpose="intake",
            )
            buf.emit(
                t,
                "match",
                clerk,
                (sid,),
                ("passport_number",),
                "intake",
                grant,
                window,
                {**d, "result": "match" if rng.random() < 0.985 else "no_match"},
            )
        else:
            t += gap(o, 30, 120)
            buf.emit(
                t,
                "disclosure",
                clerk,
                (sid,),
                ("koseki_image",),
                "intake",
                grant,
                window,
                {**d, "form": "shown"},
            )
        t += gap(o, 20, 80)
        buf.emit(
            t,
            "disclosure",
            clerk,
            (sid,),
            ("face_photo",),
            "intake",
            grant,
            window,
            {**d, "form": "shown"},
        )
        if rng.random() < 0.6:
            t += gap(o, 10, 40)
            buf.emit(
                t,
                "match",
                clerk,
                (sid,),
                ("birth_date",),
                "intake",
                grant,
                window,
                {**d, "result": "match" if rng.random() < 0.99 else "no_match"},
            )
        for _ in range(o.poisson(0.55 * staff.habit_reveal)):
            t += gap(o, 15, 90)
            buf.emit(
                t,
                "disclosure",
                clerk,
                (sid,),
                (rng.choice(REVEALABLE),),
                "intake",
                grant,
                window,
                {**d, "form": "shown", "reason": rng.choice(REVEAL_REASONS)},
            )
        t += gap(o, 60, 240)
        buf.emit(
            t,
            "subject.write",
            clerk,
            (sid,),
            WRITE_NEW if a.kind == "new" else WRITE_RENEWAL,
            "intake",
            grant,
            window,
            {"created": a.kind == "new", "application": a.app_id},
        )
        for p in a.named:
            t += gap(o, 20, 60)
            buf.emit(
                t,
                "subject.write",
                clerk,
                (pop.sid[p],),
                NAMED_FIELDS,
                "intake",
                grant,
                window,
                {"created": True, "application": a.app_id},
            )
        if rng.random() < 0.22 * staff.habit_copy:
            t += gap(o, 20, 60)
            t = job_print(
                o,
                buf,
                t,
                clerk,
                "copy",
                (sid,),
                "identity_document",
                window,
                grant,
                "MFP-1",
                reason(o, "identity_check"),
                "intake",
            )
    if escalate:
        t = assist(o, ctx, t, clerk, window, ticket, grant, applicants + named)
    t += gap(o, 30, 90)
    t = job_print(
        o,
        buf,
        t,
        clerk,
        "print",
        applicants,
        "receipt",
        window,
        grant,
        "MFP-1",
        "receipt",
        "intake",
    )
    for a in apps:
        t += gap(o, 1, 3)
        buf.emit(
            t,
            "workflow.transition",
            clerk,
            (pop.sid[a.applicant],),
            (),
            "intake",
            grant,
            window,
            {"application": a.app_id, "from": "received", "to": "accepted"},
        )
    end = max(t + gap(o, 30, 120), t0 + int(o.rng.lognormvariate(2.9, 0.3) * staff.speed * MINUTE))
    buf.emit(
        end,
        "ticket.close",
        clerk,
        (),
        (),
        "application",
        None,
        window,
        {**base, "purpose": "application"},
    )
    buf.emit(
        end + US,
        "grant.close",
        clerk,
        (),
        (),
        "intake",
        grant,
        window,
        {"kind": "counter", "why": "ticket closed"},
    )
    o.hook.on_served(
        o,
        ctx,
        Served(
            "intake",
            clerk,
            grant,
            window,
            tuple(a.applicant for a in apps),
            t0,
            end,
            shown_at,
            ticket,
            tuple(a.app_id for a in apps),
        ),
    )
    return end + US


def assist(
    o: Office,
    ctx: DayContext,
    t: int,
    clerk: str,
    window: str,
    ticket: str,
    grant: str,
    persons: tuple[str, ...],
) -> int:
    """A supervisor joins the clerk's task at the window for an escalated ticket."""
    sups = o.present_supervisors(ctx)
    if not sups:
        return t
    sup = o.rng.choice(sups)
    buf = ctx.buf
    t += gap(o, 60, 300)
    buf.emit(
        t,
        "grant.assist",
        sup,
        persons,
        (),
        "intake",
        grant,
        window,
        {"host": clerk, "ticket": ticket, "reason": reason(o, "escalation"), "kind": "counter"},
    )
    for _ in range(o.rng.randint(1, 3)):
        t += gap(o, 30, 150)
        buf.emit(
            t,
            "disclosure",
            sup,
            (persons[0],),
            (o.rng.choice(REVEALABLE),),
            "intake",
            grant,
            window,
            {
                "form": "shown",
                "reason": "supervisor_check",
                "step": "intake",
                "grant_kind": "counter",
                "ticket": ticket,
                "window": window,
            },
        )
    t += gap(o, 60, 300)
    if o.rng.random() < 0.7:
        buf.emit(
            t,
            "grant.assist_end",
            sup,
            persons,
            (),
            "intake",
            grant,
            window,
            {"host": clerk, "ticket": ticket},
        )
    return t + 5 * MINUTE


def loss_report(
    o: Office,
    ctx: DayContext,
    t0: int,
    clerk: str,
    window: str,
    ticket: str,
    person: int,
    app_id: str,
) -> int:
    buf, pop = ctx.buf, o.people.pop
    staff = o.staff_by_id[clerk]
    sid = pop.sid[person]
    grant = o.ids.next("gr")
    o.grant_kinds[grant] = "counter"
    base = {"ticket": ticket, "window": window}
    d = {"step": "loss_report", "grant_kind": "counter", **base, "application": app_id}
    buf.emit(
        t0,
        "ticket.call",
        clerk,
        (sid,),
        (),
        "loss_report",
        None,
        window,
        {**base, "purpose": "loss_report"},
    )
    t = t0 + gap(o, 1, 4)
    buf.emit(
        t,
        "grant.open",
        clerk,
        (sid,),
        (),
        "loss_report",
        grant,
        window,
        {"kind": "counter", **base, "application": app_id},
    )
    t, _ = search(
        o,
        buf,
        t + gap(o, 20, 60),
        clerk,
        "holder_lookup",
        "loss_report",
        person,
        grant,
        window,
        {"application": app_id},
        purpose="loss_report",
    )
    buf.emit(
        t,
        "disclosure",
        clerk,
        (sid,),
        SUMMARY,
        "loss_report",
        grant,
        window,
        {**d, "form": "masked"},
    )
    t += gap(o, 30, 90)
    buf.emit(
        t,
        "disclosure",
        clerk,
        (sid,),
        ("passport_number",),
        "loss_report",
        grant,
        window,
        {**d, "form": "shown", "reason": "loss_report"},
    )
    for _ in range(o.poisson(0.4 * staff.habit_reveal)):
        t += gap(o, 15, 90)
        buf.emit(
            t,
            "disclosure",
            clerk,
            (sid,),
            (o.rng.choice(REVEALABLE),),
            "loss_report",
            grant,
            window,
            {**d, "form": "shown", "reason": o.rng.choice(REVEAL_REASONS)},
        )
    if o.rng.random() < 0.5 * staff.habit_copy:
        t = job_print(
            o,
            buf,
            t + gap(o, 30, 90),
            clerk,
            "copy",
            (sid,),
            "police_report",
            window,
            grant,
            "MFP-1",
            reason(o, "loss_report"),
            "loss_report",
        )
    t += gap(o, 120, 400)
    buf.emit(
        t,
        "subject.write",
        clerk,
        (sid,),
        ("passport_number",),
        "loss_report",
        grant,
        window,
        {"created": False, "application": app_id},
    )
    t = job_print(
        o,
        buf,
        t + gap(o, 20, 60),
        clerk,
        "print",
        (sid,),
        "loss_receipt",
        window,
        grant,
        "MFP-1",
        "receipt",
        "loss_report",
    )
    buf.emit(
        t + gap(o, 1, 3),
        "workflow.transition",
        clerk,
        (sid,),
        (),
        "loss_report",
        grant,
        window,
        {"application": app_id, "from": "valid", "to": "reported_lost"},
    )
    end = max(t + gap(o, 30, 90), t0 + int(o.rng.lognormvariate(2.8, 0.3) * staff.speed * MINUTE))
    buf.emit(
        end,
        "ticket.close",
        clerk,
        (),
        (),
        "loss_report",
        None,
        window,
        {**base, "purpose": "loss_report"},
    )
    buf.emit(
        end + US,
        "grant.close",
        clerk,
        (),
        (),
        "loss_report",
        grant,
        window,
        {"kind": "counter", "why": "ticket closed"},
    )
    o.hook.on_served(
        o,
        ctx,
        Served("loss_report", clerk, grant, window, (person,), t0, end, t, ticket, (app_id,)),
    )
    return end + US


def pickup(
    o: Office, ctx: DayContext, t0: int, clerk: str, window: str, ticket: str, app: Application
) -> int:
    buf, pop, rng = ctx.buf, o.people.pop, o.rng
    staff = o.staff_by_id[clerk]
    sid = pop.sid[app.applicant]
    grant = o.ids.next("gr")
    o.grant_kinds[grant] = "counter"
    base = {"ticket": ticket, "window": window}
    d = {"step": "pickup", "grant_kind": "counter", **base, "application": app.app_id}
    buf.emit(
        t0, "ticket.call", clerk, (sid,), (), "pickup", None, window, {**base, "purpose": "pickup"}
    )
    t = t0 + gap(o, 1, 4)
    buf.emit(
        t,
        "grant.open",
        clerk,
        (sid,),
        (),
        "pickup",
        grant,
        window,
        {"kind": "counter", **base, "application": app.app_id, "reception": app.reception},
    )
    t += gap(o, 10, 40)
    if rng.random() < 0.7:  # the reception number on the slip finds exactly one
        buf.emit(
            t,
            "search",
            clerk,
            (sid,),
            ("name_kana",),
            "pickup",
            grant,
            window,
            {
                "kind": "reception_number",
                "found": 1,
                "reason": reason(o, "pickup"),
                "application": app.app_id,
            },
        )
        t += gap(o, 3, 10)
    else:
        t, _ = search(
            o,
            buf,
            t,
            clerk,
            "pickup_lookup",
            "pickup",
            app.applicant,
            grant,
            window,
            {"application": app.app_id},
            purpose="pickup",
        )
    buf.emit(
        t, "disclosure", clerk, (sid,), SUMMARY, "pickup", grant, window, {**d, "form": "masked"}
    )
    shown_at = t
    t += gap(o, 15, 60)
    buf.emit(
        t,
        "disclosure",
        clerk,
        (sid,),
        ("face_photo",),
        "pickup",
        grant,
        window,
        {**d, "form": "shown"},
    )
    t += gap(o, 10, 30)
    buf.emit(
        t,
        "match",
        clerk,
        (sid,),
        ("birth_date",),
        "pickup",
        grant,
        window,
        {**d, "result": "match"},
    )
    for _ in range(o.poisson(0.15 * staff.habit_reveal)):
        t += gap(o, 10, 40)
        buf.emit(
            t,
            "disclosure",
            clerk,
            (sid,),
            (rng.choice(REVEALABLE),),
            "pickup",
            grant,
            window,
            {**d, "form": "shown", "reason": rng.choice(REVEAL_REASONS)},
        )
    if app.kind == "renewal" and rng.random() < 0.35 * staff.habit_copy:
        t = job_print(
            o,
            buf,
            t + gap(o, 10, 30),
            clerk,
            "copy",
            (sid,),
            "old_passport",
            window,
            grant,
            "MFP-1",
            reason(o, "void_record"),
            "pickup",
        )
    t = job_print(
        o,
        buf,
        t + gap(o, 20, 60),
        clerk,
        "print",
        (sid,),
        "pickup_record",
        window,
        grant,
        "MFP-1",
        "pickup",
        "pickup",
    )
    buf.emit(
        t + gap(o, 1, 3),
        "workflow.transition",
        clerk,
        (sid,),
        (),
        "pickup",
        grant,
        window,
        {"application": app.app_id, "from": "produced", "to": "issued"},
    )
    end = max(t + gap(o, 20, 60), t0 + int(rng.lognormvariate(1.75, 0.3) * staff.speed * MINUTE))
    buf.emit(
        end, "ticket.close", clerk, (), (), "pickup", None, window, {**base, "purpose": "pickup"}
    )
    buf.emit(
        end + US,
        "grant.close",
        clerk,
        (),
        (),
        "pickup",
        grant,
        window,
        {"kind": "counter", "why": "ticket closed"},
    )
    app.status = "issued"
    o.hook.on_served(
        o,
        ctx,
        Served(
            "pickup",
            clerk,
            grant,
            window,
            (app.applicant,),
            t0,
            end,
            shown_at,
            ticket,
            (app.app_id,),
        ),
    )
    return end + US


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
