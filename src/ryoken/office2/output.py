"""`generate`: run the office and write its four files."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path

from ryoken.domain.staff_files import STAFF_COLUMNS
from ryoken.office2.config import CONFIGS
from ryoken.office2.emit import EventWriter, hm
from ryoken.office2.insiders import INSIDER_KINDS, Cohort, Insider, choose_insider
from ryoken.office2.office import Office
from ryoken.office2.people import AREAS, SURNAMES, token

STAFF_HEADER = STAFF_COLUMNS  # the documented staff file (docs/events.md)
SUBJECT_HEADER = (
    "subject_id",
    "family_token",
    "surname_token",
    "area_token",
    "watchlist",
    "canary",
    "canary_window",
    "canary_staff",
    "household_token",
)


def generate(
    config: str,
    seed: int,
    out_dir: Path,
    *,
    days: int = 90,
    insider: str | None = None,
    cohort: Sequence[str] = (),
) -> Path:
    """Simulate `days` office days of configuration `config` and write the run to
    `out_dir` (created if missing). Returns `out_dir`.

    `insider`: one insider kind (truth.json `insider`). `cohort`: several kinds at once, each
    a different staff member (truth.json `insiders`, each with its own `event_lines`): the
    same office, so removing all of them gives the clean run and removing all but one gives
    that insider's run."""
    if config not in CONFIGS:
        raise ValueError(
            f"unknown office2 configuration {config!r}; choose from {', '.join(CONFIGS)}"
        )
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"days must be a positive integer, not {days!r}")
    for kind in ([insider] if insider is not None else []) + list(cohort):
        if kind not in INSIDER_KINDS:
            raise ValueError(
                f"unknown insider kind {kind!r}; choose from {', '.join(INSIDER_KINDS)}"
            )
    if insider is not None and cohort:
        raise ValueError("give one insider or a cohort, not both")
    if len(set(cohort)) != len(cohort):
        raise ValueError("a cohort names each insider kind once")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    office = Office(CONFIGS[config], seed, days)
    hook: Insider | None = None
    group: Cohort | None = None
    if insider is not None:
        hook = choose_insider(insider, office)
        office.hook = hook
    elif cohort:
        group = Cohort(list(cohort), office)
        office.hook = group
    with open(out / "events.jsonl", "w", encoding="utf-8", newline="\n") as stream:
        writer = EventWriter(stream)
        for index in range(days):
            ctx = office.run_day(index)
            _staff_changes(office, ctx.index, ctx.buf)
            writer.write_day(ctx.day, ctx.buf.rows)
    _write_staff(office, out / "staff.csv")
    _write_subjects(office, out / "subjects.csv")
    truth = {
        "generator": "office2",
        "config": config,
        "seed": seed,
        "days": days,
        "start": office.period[0].isoformat(),
        "staff": len(office.staff),
        "events": writer.lines,
        "insider": hook.truth(office, writer.insider_lines) if hook is not None else None,
    }
    if group is not None:
        truth["insiders"] = [
            m.truth(office, writer.lines_by_insider.get(m.tag, [])) for m in group.members
        ]
    (out / "truth.json").write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    return out


def _staff_changes(office: Office, index: int, buf: object) -> None:
    """The personnel system's feed: a hire on its first day, a departure the day after."""
    from ryoken.office2.emit import DayBuffer

    assert isinstance(buf, DayBuffer)  # noqa: S101 - internal call
    day = office.period[index]
    prev = office.period[index - 1] if index else None
    for s in office.staff:
        if s.hired_on == day:
            buf.emit(
                hm(8, 30),
                "staff.change",
                "system",
                details={"staff": s.sid, "change": "hired", "on": day.isoformat()},
            )
        if s.notice_given_on == day:
            buf.emit(
                hm(8, 30),
                "staff.change",
                "system",
                details={"staff": s.sid, "change": "notice", "on": day.isoformat()},
            )
        if s.contract_end is not None and prev is not None and prev <= s.contract_end < day:
            buf.emit(
                hm(8, 30),
                "staff.change",
                "system",
                details={"staff": s.sid, "change": "left", "on": s.contract_end.isoformat()},
            )


def _write_staff(office: Office, path: Path) -> None:
    salt = office.salt
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(STAFF_HEADER)
        for s in office.staff:
            w.writerow(
                (
                    s.sid,
                    s.role,
                    s.employer_kind,
                    s.vendor,
                    s.hired_on.isoformat(),
                    s.contract_end.isoformat() if s.contract_end else "",
                    s.notice_given_on.isoformat() if s.notice_given_on else "",
                    office.cfg.office,
                    token("sn", salt, s.surname),
                    token("ar", salt, s.area),
                )
            )


def _write_subjects(office: Office, path: Path) -> None:
    salt, pop = office.salt, office.people.pop
    surnames = [token("sn", salt, k) for k in range(SURNAMES)]
    areas = [token("ar", salt, k) for k in range(AREAS)]
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(SUBJECT_HEADER)
        for i, sid in enumerate(pop.sid):
            w.writerow(
                (
                    sid,
                    pop.family[i],
                    surnames[pop.surname[i]],
                    areas[pop.area[i]],
                    pop.watch[i],
                    0,
                    "",
                    "",
                    token("hh", salt, pop.household[i]),
                )
            )
