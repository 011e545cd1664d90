"""The printing-bureau exchange: fetch a batch's order file, send back produced passports.

Mounted at /api/production with the `bureau` token auth (api/urls.py); `request.auth` is the
bureau's ApiClient. A client sees only batches of its own office. The bureau is not staff,
so the order file is read through the gateway under a production grant of the supervisor
who ordered the batch; the disclosure's purpose names the API client
(`production.order:api:<client>`), so the ledger shows both who answered for it and where
it went. Results are all-or-nothing, exactly as on the production screen.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from ryoken import clock
from ryoken.web.api.auth import client_of
from ryoken.web.api.batches import BatchRejected, RecordError
from ryoken.web.api.errors import ApiError, ErrorOut
from ryoken.web.api.models import ApiClient
from ryoken.web.casework import production
from ryoken.web.casework.models import ProductionBatch

router = Router(tags=["production"])

NOT_FOUND_JA = "該当する発注はありません。"


class ImageRef(Schema):
    ref: str = Field(description="vault:<subject>/<field>: where the image is held")
    sha256: str
    bytes: int


class Validity(Schema):
    years: int | None = None
    same_expiry: bool = False
    expiry_date: date | None = None


class OrderItem(Schema):
    reception_number: str
    kind: str
    name_romaji: str
    surname: str
    given_names: str
    other_name: str | None = None
    sex: str | None
    birth_date: date | None
    honseki_prefecture: str | None
    validity: Validity
    photo: ImageRef | None
    signature: ImageRef | None


class OrderOut(Schema):
    format: str
    batch: str
    office: str
    ordered_at: str
    generated_at: str
    count: int
    items: list[OrderItem]


class ResultIn(Schema):
    reception_number: str = Field(max_length=40)
    passport_number: str = Field(max_length=20)
    mrz: list[str] = Field(description="The two TD3 lines, 44 characters each.")
    issue_date: str = Field(description="YYYY-MM-DD")


class ResultsIn(Schema):
    batch: str | None = None
    results: list[ResultIn]


class ResultsOut(Schema):
    batch: str
    imported: int
    reception_numbers: list[str]


def _batch(client: ApiClient, batch_id: str) -> ProductionBatch:
    batch = ProductionBatch.objects.filter(batch_id=batch_id).first()
    if batch is None or batch.items.exclude(office=client.office).exists():
        raise ApiError(404, NOT_FOUND_JA, "no such batch for this client's office")
    return batch


@router.get(
    "/batches/{batch_id}/order",
    response={200: OrderOut, 401: ErrorOut, 404: ErrorOut, 503: ErrorOut},
    summary="The order file of a batch",
)
def get_order(request: HttpRequest, batch_id: str) -> dict[str, Any]:
    """What to print for each application of the batch; every fetch is in the ledger."""
    client = client_of(request)
    batch = _batch(client, batch_id)
    return production.build_order(
        batch, acting_staff=production.orderer_of(batch), via=f"api:{client.name}"
    )


@router.post(
    "/batches/{batch_id}/results",
    response={
        200: ResultsOut,
        400: ErrorOut,
        401: ErrorOut,
        404: ErrorOut,
        413: ErrorOut,
        422: ErrorOut,
    },
    summary="Produced passports of a batch",
)
def post_results(request: HttpRequest, batch_id: str, payload: ResultsIn) -> ResultsOut:
    """Passport number, MRZ and issue date per application: all rows pass, or none apply."""
    client = client_of(request)
    batch = _batch(client, batch_id)
    try:
        summary = production.import_results(
            batch,
            payload.dict(),
            acting_staff=production.orderer_of(batch),
            today=clock.today(),
            via=f"api:{client.name}",
        )
    except production.ResultsRejected as rejected:
        raise BatchRejected(
            [RecordError(p.row - 1 if p.row else None, "", p.message) for p in rejected.problems],
            len(payload.results),
        ) from None
    return ResultsOut(
        batch=summary.batch,
        imported=summary.imported,
        reception_numbers=list(summary.reception_numbers),
    )
