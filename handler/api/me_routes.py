"""GET /me/export, GET /me/exports/{id}, DELETE /me: the caller's own data, taken away or erased;
POST /me/import, GET /me/imports/{id}: an export brought back; GET /me/usage: where the caller
stands against their limits."""

import uuid
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from handler.api.errors import READ_FAILURES, WRITE_FAILURES, another_success, documented, links_to
from handler.api.idempotency import idempotent
from handler.api.identity import Caller
from handler.logic import data_import, erasure, quotas, user_data
from handler.models import IMPORTABLE_VERSIONS, Erasure, Export, Import, ImportUpload, Usage, UserData

router = Router()


@router.get(
    "/me/export",
    summary="Every record, diary, report and picture of the caller, as one JSON document",
    responses={
        **documented(200, "The document (a small account: at once)", *READ_FAILURES),
        202: another_success(
            "A large account: the export being written; poll its Location",
            Export,
            links=links_to("/me/exports/{export_id}", ("GET",), "export_id", "/export_id"),
        ),
    },
)
def export(caller: Caller) -> Response[UserData | Export]:
    result = user_data.export(caller)
    if isinstance(result, UserData):
        return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=result)
    return Response(
        status_code=202,
        content_type=content_types.APPLICATION_JSON,
        body=result,
        headers={"Location": f"/me/exports/{result.export_id}"},
    )


@router.get(
    "/me/exports/<export_id>",
    summary="An export of the caller's data: its status, and once completed its presigned URL",
    responses=documented(200, "The export", 404, *READ_FAILURES),
)
def get_export(export_id: Annotated[uuid.UUID, Path()], caller: Caller) -> Export:
    return user_data.get_export(caller, export_id)


IMPORT_ROUTE = ("POST", "/me/import")


@router.post(
    "/me/import",
    summary="Bring an export document (GET /me/export) back into the caller's account",
    description=f"The body is the document GET /me/export gives (`format` `diary-export`, `version` one of "
    f"{list(IMPORTABLE_VERSIONS)}; schema: `UserData`), up to IMPORT_MAX_BODY_BYTES. Everything is stored "
    "as the caller's; importing again stores nothing twice (records and reports by id, diaries by day) and "
    "overwrites nothing the caller has. Embeddings are computed again by the backfill; pictures are not "
    "imported (counted in `images_skipped`). Refused, with nothing stored: `not_an_export`, "
    "`unsupported_version`, `invalid_document` (each failing entry's JSON path in `details`). Up to "
    "IMPORT_INLINE_MAX_BYTES it is imported at once (200); a larger document is checked, then imported by "
    "the worker (202, poll its Location).",
    responses={
        **documented(200, "Imported at once: what was stored", *WRITE_FAILURES),
        202: another_success(
            "A large document: the import being run; poll its Location",
            Import,
            links=links_to("/me/imports/{import_id}", ("GET",), "import_id", "/import_id"),
        ),
    },
    middlewares=[idempotent],
)
def import_document(
    document: Annotated[dict[str, Any], Body(description="An export document (schema: UserData).")],
    caller: Caller,
) -> Response[Import]:
    result = data_import.start(caller, document)
    if result.import_id is None:
        return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=result)
    return Response(
        status_code=202,
        content_type=content_types.APPLICATION_JSON,
        body=result,
        headers={"Location": f"/me/imports/{result.import_id}"},
    )


@router.post(
    "/me/imports",
    summary="An upload for an export document too large to send as a body: an S3 POST form, then start it",
    description="The form takes one JSON document of at most IMPORT_UPLOAD_MAX_BYTES, under the caller's own "
    "prefix, until `expires_at`. Once uploaded, POST /me/imports/{id}/start imports it with the worker, with the "
    "same rules as POST /me/import (a refusal is the import's `failure`). An upload that never arrives leaves "
    "nothing in the bucket; the import shows `failed` once the upload expired.",
    responses=documented(
        201,
        "Where and how to upload the document",
        *WRITE_FAILURES,
        links=links_to("/me/imports/{import_id}/start", ("POST",), "import_id", "/import_id"),
    ),
    middlewares=[idempotent],
)
def new_upload(caller: Caller) -> Response[ImportUpload]:
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=data_import.upload(caller))


@router.post(
    "/me/imports/<import_id>/start",
    summary="Import the document uploaded for this import (POST /me/imports), with the worker",
    description="409 `upload_missing` while nothing was uploaded; asking again once started says where it stands.",
    responses=documented(202, "The import being run; poll GET /me/imports/{id}", 404, *WRITE_FAILURES),
    middlewares=[idempotent],
)
def start_upload(import_id: Annotated[uuid.UUID, Path()], caller: Caller) -> Response[Import]:
    result = data_import.start_uploaded(caller, import_id)
    return Response(
        status_code=202,
        content_type=content_types.APPLICATION_JSON,
        body=result,
        headers={"Location": f"/me/imports/{import_id}"},
    )


@router.get(
    "/me/imports/<import_id>",
    summary="An import of a large document: its status, and once completed what was stored",
    responses=documented(200, "The import", 404, *READ_FAILURES),
)
def get_import(import_id: Annotated[uuid.UUID, Path()], caller: Caller) -> Import:
    return data_import.get_import(caller, import_id)


@router.delete(
    "/me",
    summary="Erase every row and stored object of the caller",
    description="Accepted at once and finished by the worker; safe to repeat. Nothing of the caller remains "
    "afterwards: records, diaries, pictures (every S3 version), reports, exports, remembered responses, and "
    "the account in the stack's user pool (signed out everywhere, then deleted). From the moment it is asked "
    "for, every other request of the caller is refused with 410 (`account_erasing`, then `account_erased`): "
    "a token stays valid until it expires, and the API refuses it itself.",
    # Never 410: asking again is answered with where the erasure stands.
    responses=documented(202, "The erasure: `erasing`, or `erased` where it ran inline", 400, 401, 413, 503, 504),
)
def erase(caller: Caller) -> Response[Erasure]:
    return Response(status_code=202, content_type=content_types.APPLICATION_JSON, body=erasure.request(caller))


@router.get(
    "/me/usage",
    summary="The caller's model calls, pictures and tokens today, and their rate, against their limits",
    responses=documented(200, "Today's usage and limits", *READ_FAILURES),
)
def usage(caller: Caller) -> Usage:
    return quotas.today_usage(caller)
