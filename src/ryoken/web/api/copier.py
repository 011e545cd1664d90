"""Copier/MFP job logs: every copy, print and scan the devices saw, into the ledger.

A job that carries the watermark id of a print job declared through ryoken is linked to
that job; a job without one (or with an id ryoken never issued) is marked `unmatched` —
the footprint of copies made around the system, which the detectors weigh.
"""

from __future__ import annotations

from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.params.functions import Body as body_param
from pydantic import AwareDatetime, ConfigDict, StringConstraints

from ryoken import clock
from ryoken.audit.events import Event, EventCode, format_time
from ryoken.web.api.auth import client_of, copier_auth
from ryoken.web.api.batches import (
    MAX_BATCH,
    BatchResult,
    DeviceId,
    Uid,
    check_batch,
    known_staff,
    record_batch,
)
from ryoken.web.api.errors import ErrorOut
from ryoken.web.counter.models import PrintJob

router = Router(auth=copier_auth, tags=["copier"])

Watermark = Annotated[
    str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._\-]+$")
]
DocumentClass = Annotated[
    str, StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z0-9_.\-]+$")
]


class CopierJob(Schema):
    """One job as the copier/MFP logged it (external-event schema, kind `copier`)."""

    model_config = ConfigDict(extra="forbid")

    job_uid: Uid = Field(
        description="The device's unique id for this job; a re-sent job is recorded once."
    )
    copier: DeviceId = Field(description="The copier/MFP's id (asset number or host name).")
    user: DeviceId = Field(description="The user or staff id the device logged the job under.")
    at: AwareDatetime = Field(
        description="When the job ran: ISO-8601 with a UTC offset, e.g. 2026-05-12T10:31:07+09:00."
    )
    pages: int = Field(
        ge=1, le=100_000, description="Pages (sheet sides) copied, printed or scanned."
    )
    kind: Literal["copy", "print", "scan"]
    watermark: Watermark | None = Field(
        default=None, description="The watermark id printed on the pages, if ryoken issued one."
    )
    document_class: DocumentClass | None = Field(
        default=None,
        description="The document class if the device knows it (e.g. koseki, application_form).",
    )


def copier_event(
    job: CopierJob,
    *,
    client: str,
    received: str,
    print_jobs: dict[str, PrintJob],
    staff_ids: set[str],
) -> Event:
    details: dict[str, str | int | bool | None] = {
        "client": client,
        "job_uid": job.job_uid,
        "copier": job.copier,
        "pages": job.pages,
        "kind": job.kind,
        "watermark": job.watermark,
        "document_class": job.document_class,
        "staff_known": job.user in staff_ids,
        "received_at": received,
    }
    # Watermark ids use an upper-case alphabet; a device (or a person keying it in) may not.
    matched = print_jobs.get(job.watermark.upper()) if job.watermark else None
    if matched is not None:
        details["job"] = matched.job_id
        details["job_staff"] = matched.staff.staff_id
    else:
        details["unmatched"] = True
    return Event(
        code=EventCode.EXTERNAL_COPIER,
        at=job.at,
        actor=job.user,
        purpose="copier log",
        terminal=job.copier,
        details=details,
    )


@router.post(
    "/jobs",
    response={
        200: BatchResult,
        400: ErrorOut,
        401: ErrorOut,
        413: ErrorOut,
        422: ErrorOut,
        503: ErrorOut,
    },
    summary="Record a batch of copier/MFP jobs",
)
def post_jobs(
    request: HttpRequest,
    jobs: Annotated[list[CopierJob], body_param(max_length=MAX_BATCH)],
) -> BatchResult:
    """A JSON array of up to 1,000 jobs. One invalid job rejects the whole batch (422, with
    each bad index and reason) and nothing is written. Jobs whose `job_uid` this client has
    already delivered are skipped, so re-sending after a timeout is safe."""
    client = client_of(request)
    now = clock.now()
    check_batch([j.job_uid for j in jobs], [j.at for j in jobs], uid_field="job_uid", now=now)
    marks = {j.watermark.upper() for j in jobs if j.watermark}
    print_jobs = {
        p.watermark: p for p in PrintJob.objects.filter(watermark__in=marks).select_related("staff")
    }
    staff_ids = known_staff([j.user for j in jobs])
    received = format_time(now)
    items = [
        (
            job.job_uid,
            copier_event(
                job,
                client=client.name,
                received=received,
                print_jobs=print_jobs,
                staff_ids=staff_ids,
            ),
        )
        for job in jobs
    ]
    return record_batch(client, items, now=now)
