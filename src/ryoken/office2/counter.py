"""Work at the counter windows: intake, loss reports, pickups, and a supervisor's assist.

Each function emits a ticket's events from its call to its close and returns the time the
window is free again; `ryoken.office2.work` has the shared pieces (searches, print and
copy jobs, reasons, habits).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ryoken.office2.emit import MINUTE, US
from ryoken.office2.state import Application, DayContext, Served
from ryoken.office2.work import (
    NAMED_FIELDS,
    REVEAL_REASONS,
    REVEALABLE,
    SUMMARY,
    WRITE_NEW,
    WRITE_RENEWAL,
    gap,
    habits,
    job_print,
    reason,
    search,
)

if TYPE_CHECKING:
    from ryoken.office2.office import Office


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
    rev, cop, spd = habits(ctx, o.staff_by_id[clerk])
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
        for _ in range(o.poisson(0.55 * rev)):
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
        if rng.random() < 0.22 * cop:
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
    end = max(t + gap(o, 30, 120), t0 + int(o.rng.lognormvariate(2.9, 0.3) * spd * MINUTE))
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
    # the supervisor signs in at the clerk's window (card and PIN) for the assist
    buf.emit(t - gap(o, 5, 20), "auth.login", sup, terminal=window)
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
    buf.emit(t + gap(o, 5, 60), "auth.logout", sup, terminal=window)
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
    rev, cop, spd = habits(ctx, o.staff_by_id[clerk])
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
    for _ in range(o.poisson(0.4 * rev)):
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
    if o.rng.random() < 0.5 * cop:
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
    end = max(t + gap(o, 30, 90), t0 + int(o.rng.lognormvariate(2.8, 0.3) * spd * MINUTE))
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
    rev, cop, spd = habits(ctx, o.staff_by_id[clerk])
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
    for _ in range(o.poisson(0.15 * rev)):
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
    if app.kind == "renewal" and rng.random() < 0.35 * cop:
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
    end = max(t + gap(o, 20, 60), t0 + int(rng.lognormvariate(1.75, 0.3) * spd * MINUTE))
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
