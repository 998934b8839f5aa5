"""POST /me/import: the document GET /me/export gives, brought back into the caller's account.

For the caller only: every row is stored as the caller's (the document names no owner, and an id in
it is never taken as a way into another account's rows: row-level security holds every statement to
the caller, and an id another account holds is not touched, the copy gets a new one).

Idempotent, by natural keys, and never overwriting: importing the same document twice stores nothing
twice, and what the caller has already is kept as it is.
- a record by its id: already the caller's when they hold its id or its re-keyed id (below);
- a report by its id, the same way;
- a diary by its day (one diary per user and day): a day that has a diary keeps it;
- tags travel with their diary.
Ids are random (uuid4), so the document's id is kept where nobody holds it, which is the case after
an erasure, when an account comes back. Where another account holds it (the document's own account
still exists), the copy is stored under an id derived from the caller and that id (uuid5): the same
on every import, so a second import finds it. A diary's `record_ids` follow the records' ids as
stored; ids of records the document does not hold are dropped.

Not taken from the document: embeddings (left NULL for the backfill, handler.backfill, to compute),
search terms (computed here), a diary's `has_images` (derived). Pictures are not imported: the
document holds only presigned URLs to them, which expire and which an erasure deletes; the answer
counts them (`images_skipped`), and records' photos and voice notes likewise (`photos_skipped`,
`voice_notes_skipped`; a voice note's record comes back as text). Reports still
pending or running are not imported either (no worker would ever finish them); counted too.

Refused with the exact reason, nothing stored: not an export (`not_an_export`), a version this
service does not read (`unsupported_version`), an entry that fails the API's own rules (control
characters, impossible dates, a record dated past tomorrow, unknown fields...) or repeats another,
with its JSON path (`invalid_document`, `details`); a body past IMPORT_MAX_BODY_BYTES is a 413 at
the entry point. No model is called, so no limit of handler.logic.quotas is spent; there is no
storage quota.

Small documents (IMPORT_INLINE_MAX_BYTES) are imported in the request; larger ones are checked in
the request, put in S3 under the caller's prefix and imported by the worker (a 202 to poll); one
too large for a body is uploaded to S3 first (`upload`, `start_uploaded`). The whole import is one
transaction. Two imports of one document at once store nothing twice either: an insert waits for
the other's uncommitted row with the same key, then finds it the caller's. No advisory lock: RDS
Proxy pins a session to one (tests/integration/test_pooler.py).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from handler import search_terms
from handler.aws import object_store
from handler.composition import Caller
from handler.dal.diaries import DiaryCopy
from handler.dal.imports import StoredImport
from handler.dal.records import RecordCopy
from handler.dal.store import Tables
from handler.errors import AccountErased, Conflict, NotFound, Unprocessable
from handler.logic import calendar, erasure, jobs
from handler.logic.records import MAX_DAYS_AHEAD
from handler.models import (
    EXPORT_FORMAT,
    IMPORTABLE_VERSIONS,
    Import,
    ImportCounts,
    ImportDocument,
    ImportedDiary,
    ImportedRecord,
    ImportedReport,
    ImportSummary,
    ImportUpload,
)

IMPORT = "import"
# The namespace of re-keyed ids: uuid5(namespace, "<caller>:<document id>").
REKEYED = uuid.UUID("5b0f4a6e-1d1c-4a4e-9a53-6f0d2c1e8b27")
# Rows per INSERT: a statement well within DB_STATEMENT_TIMEOUT_MS.
BATCH = 1000
# The entries named in a refusal at most (the first ones, in the document's order).
MAX_DETAILS = 20
# The longest piece of the client's own text a refusal repeats.
MAX_ECHO_CHARS = 200
UNFINISHED = ("pending", "running")
LOST = "the import was not run while its job could wait on the queue; send the document again"
AWAITING = "awaiting_upload"
NEVER_UPLOADED = "the document was never uploaded before the upload expired; ask for a new upload"


class DocumentRefused(Unprocessable):
    """A 422 naming what cannot be imported: `details` each failing entry's JSON path and why."""

    def __init__(self, message: str, *, code: str, details: list[dict[str, str]] | None = None) -> None:
        super().__init__(message, code=code)
        self.details = details or []

    def body_fields(self) -> dict[str, Any]:
        return {"details": self.details} if self.details else {}


def start(caller: Caller, raw: dict[str, Any]) -> Import:
    """Import `raw` at once, or, when large, check it and leave it to the worker."""
    document = parse(raw, caller)
    body = json.dumps(raw, ensure_ascii=False).encode()
    if len(body) <= caller.settings.import_inline_max_bytes:
        return Import(import_id=None, status="completed", summary=store(caller, document))
    import_id = uuid.uuid4()
    key = object_store.import_key_for(caller.user_id, import_id)
    object_store.of(caller.services).put_import(key, body)
    stored = caller.store.imports.insert(import_id, key)
    return _shown(stored, caller) if _submit(caller, stored) else get_import(caller, import_id)


def upload(caller: Caller) -> ImportUpload:
    """A document too large to send as a body: an upload to the caller's prefix, started afterwards
    (`start_uploaded`). An upload that never arrives leaves the import `awaiting_upload`, shown
    failed once the upload expired, and nothing in S3."""
    settings = caller.settings
    import_id = uuid.uuid4()
    key = object_store.import_key_for(caller.user_id, import_id)
    form = object_store.of(caller.services).presigned_upload(key, "application/json", settings.import_upload_max_bytes)
    caller.store.imports.insert(import_id, key, status=AWAITING)
    return ImportUpload(
        import_id=import_id,
        status=AWAITING,
        url=form.url,
        fields=form.fields,
        max_bytes=settings.import_upload_max_bytes,
        expires_at=form.expires_at,
    )


def start_uploaded(caller: Caller, import_id: uuid.UUID) -> Import:
    """Import the uploaded document, by the worker; asking again says where it stands."""
    stored = caller.store.imports.get(import_id)
    if stored is None:
        raise NotFound("no such import")
    if stored.status != AWAITING:
        return _shown(stored, caller)
    if object_store.of(caller.services).size(stored.s3_key) is None:
        raise Conflict(
            "the document has not been uploaded yet: POST it to the upload's URL first", code="upload_missing"
        )
    if caller.store.imports.uploaded(import_id):
        _submit(caller, stored)
    return get_import(caller, import_id)


def _submit(caller: Caller, stored: StoredImport) -> bool:
    """Queue the import (or run it, without a queue); True when queued."""
    return jobs.submit(
        caller.services.aws,
        caller.settings.job_queue_url,
        IMPORT,
        lambda last_try: run_import(caller, stored.id, last_try),
        unqueued=lambda: _fail(caller, stored, "the import could not be queued; send the document again"),
        user_id=caller.user_id,
        import_id=str(stored.id),
    )


def get_import(caller: Caller, import_id: uuid.UUID) -> Import:
    stored = caller.store.imports.get(import_id)
    if stored is None:
        raise NotFound("no such import")
    return _shown(stored, caller)


def parse(raw: dict[str, Any], caller: Caller) -> ImportDocument:
    """The document, checked entry by entry; DocumentRefused with the exact reason otherwise."""
    if raw.get("format") != EXPORT_FORMAT:
        raise DocumentRefused(
            f'this is not a document GET /me/export gives: `format` must be "{EXPORT_FORMAT}"', code="not_an_export"
        )
    version = raw.get("version")
    if type(version) is not int or version not in IMPORTABLE_VERSIONS:
        raise DocumentRefused(
            f"version {_said(json.dumps(version))} of the export document is not one this service imports;"
            f" it imports versions {list(IMPORTABLE_VERSIONS)}",
            code="unsupported_version",
        )
    try:
        document = ImportDocument.model_validate(raw)
    except ValidationError as exc:
        problems = [(_said(_json_path(error["loc"])), _said(error["msg"])) for error in exc.errors()]
        raise _refused(problems) from None
    problems = [*_repeats(document), *_ahead(document, caller)]
    if problems:
        raise _refused(problems)
    return document


def _refused(problems: list[tuple[str, str]]) -> DocumentRefused:
    first_path, first_message = problems[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return DocumentRefused(
        f"the document cannot be imported: {first_path}: {first_message}{more}; nothing was stored",
        code="invalid_document",
        details=[{"field": path, "message": message} for path, message in problems[:MAX_DETAILS]],
    )


def _said(text: str) -> str:
    """What the client sent, as a refusal may repeat it (an unknown key in a path): short, and in
    what UTF-8 can carry (a lone surrogate replaced)."""
    return text[:MAX_ECHO_CHARS].encode("utf-8", "replace").decode("utf-8")


def _json_path(location: tuple[int | str, ...]) -> str:
    """pydantic's location as a JSON path: ("records", 3, "content") -> "$.records[3].content"."""
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in location)


def _repeats(document: ImportDocument) -> list[tuple[str, str]]:
    """Entries that repeat an earlier one's key: a document GET /me/export gives has none."""
    keys: list[tuple[str, list[Any]]] = [
        ("records", [r.id for r in document.records]),
        ("diaries", [d.date for d in document.diaries]),
        ("reports", [r.report_id for r in document.reports]),
    ]
    problems = []
    for part, values in keys:
        first: dict[Any, int] = {}
        for i, value in enumerate(values):
            if value in first:
                problems.append((f"$.{part}[{i}]", f"repeats $.{part}[{first[value]}] ({value})"))
            first.setdefault(value, i)
    return problems


def _ahead(document: ImportDocument, caller: Caller) -> list[tuple[str, str]]:
    """Records dated past what POST /records takes (handler.logic.records.MAX_DAYS_AHEAD)."""
    today = calendar.today(caller.settings.timezone)
    return [
        (f"$.records[{i}].record_date", f"{r.record_date} is in the future (today is {today})")
        for i, r in enumerate(document.records)
        if (r.record_date - today).days > MAX_DAYS_AHEAD
    ]


def store(caller: Caller, document: ImportDocument, import_id: uuid.UUID | None = None) -> ImportSummary:
    """Everything of the document the caller does not have yet, in one transaction. `import_id`: the
    worker's import, which must still be there (an erasure deletes it)."""
    with caller.store.transaction() as tx:
        if import_id is not None and tx.imports.claim(import_id) is None:
            raise NotFound("the import is gone (its user was erased)")
        placed, records, record_rekeys = _place(
            caller.user_id, [r.id for r in document.records], tx.records.held, _record_inserter(tx, document.records)
        )
        diaries = _store_diaries(tx, document.diaries, placed)
        finished = [r for r in document.reports if r.status not in UNFINISHED]
        _, reports, report_rekeys = _place(
            caller.user_id, [r.report_id for r in finished], tx.reports.held, _report_inserter(tx, finished)
        )
    _undo_if_erased(caller)
    return ImportSummary(
        records=records,
        diaries=diaries,
        reports=reports,
        reports_unfinished=len(document.reports) - len(finished),
        images_skipped=len(document.images),
        photos_skipped=sum(len(record.photos) for record in document.records),
        voice_notes_skipped=len(document.voice_notes),
        new_ids=record_rekeys + report_rekeys,
    )


# Stores the document's entries whose ids are the keys under the ids they map to; the document ids of
# those stored.
Inserter = Callable[[dict[uuid.UUID, uuid.UUID]], set[uuid.UUID]]


def _place(
    user_id: str, ids: list[uuid.UUID], held: Callable[[list[uuid.UUID]], set[uuid.UUID]], insert: Inserter
) -> tuple[dict[uuid.UUID, uuid.UUID], ImportCounts, int]:
    """Where each of the document's `ids` is stored: {document id: stored id}, the counts, and how
    many were stored under a re-keyed id."""
    rekeyed = {i: uuid.uuid5(REKEYED, f"{user_id}:{i}") for i in ids}
    present = held([*ids, *rekeyed.values()]) if ids else set()
    placed = {i: i if i in present else rekeyed[i] for i in ids if i in present or rekeyed[i] in present}
    missing = [i for i in ids if i not in placed]
    stored = insert({i: i for i in missing}) if missing else set()
    # Not stored: someone holds the id. The caller, when an import of theirs running at the same time
    # committed it first (the insert waited for it; a new statement sees it): present. Else another
    # account: stored under the re-keyed id, unless that same import stored it too.
    not_stored = [i for i in missing if i not in stored]
    mine = held(not_stored) if not_stored else set()
    taken = [i for i in not_stored if i not in mine]
    stored_again = insert({i: rekeyed[i] for i in taken}) if taken else set()
    raced = [i for i in taken if i not in stored_again]
    mine_again = held([rekeyed[i] for i in raced]) if raced else set()
    placed |= {i: i for i in [*stored, *mine]} | {
        i: rekeyed[i] for i in taken if i in stored_again or rekeyed[i] in mine_again
    }
    counts = ImportCounts(
        imported=len(stored) + len(stored_again), present=len(placed) - len(stored) - len(stored_again)
    )
    return placed, counts, len(stored_again)


def _record_inserter(tx: Tables, records: list[ImportedRecord]) -> Inserter:
    def insert(under: dict[uuid.UUID, uuid.UUID]) -> set[uuid.UUID]:
        copies = [
            RecordCopy(under[r.id], r.content, r.record_date, r.created_at, search_terms.document(r.content))
            for r in records
            if r.id in under
        ]
        stored = set().union(*(tx.records.insert_absent(copies[i : i + BATCH]) for i in range(0, len(copies), BATCH)))
        return {i for i, new in under.items() if new in stored}

    return insert


def _report_inserter(tx: Tables, reports: list[ImportedReport]) -> Inserter:
    def insert(under: dict[uuid.UUID, uuid.UUID]) -> set[uuid.UUID]:
        return {
            r.report_id
            for r in reports
            if r.report_id in under and tx.reports.insert_absent(r.model_copy(update={"report_id": under[r.report_id]}))
        }

    return insert


def _store_diaries(tx: Tables, diaries: list[ImportedDiary], placed: dict[uuid.UUID, uuid.UUID]) -> ImportCounts:
    copies = [
        DiaryCopy(
            day=d.date,
            title=d.title,
            content=d.content,
            model=d.model,
            record_ids=[placed[i] for i in d.record_ids if i in placed],
            tags=d.tags,
            edited=d.edited,
            left_out=d.left_out,
            mood=d.mood,
            themes=d.themes,
            created_at=d.created_at,
            updated_at=d.updated_at,
        )
        for d in diaries
    ]
    stored = sum(len(tx.diaries.insert_absent(copies[i : i + BATCH])) for i in range(0, len(copies), BATCH))
    return ImportCounts(imported=stored, present=len(copies) - stored)


def _undo_if_erased(caller: Caller) -> None:
    """An erasure must not leave an import's rows behind. Asked for after this check, it runs after
    the import committed and sees its rows; asked for before, it may have run while the import's
    transaction was open and missed them: then it is asked for again (it is safe to repeat), and the
    import refused."""
    try:
        erasure.refuse_if_erased(caller)
    except AccountErased:
        erasure.request(caller)
        raise


def run_import(caller: Caller, import_id: uuid.UUID, last_try: bool) -> None:
    """The import job (handler.logic.jobs): the document from S3, checked, imported, then deleted. A
    document refused here (an upload is checked only here) fails the import for good, with the reason."""
    stored = caller.store.imports.claim(import_id)
    if stored is None:
        return  # finished by an earlier delivery, or erased with its user

    def work() -> None:
        content = object_store.of(caller.services).read(stored.s3_key)
        try:
            raw = json.loads(content)
            if not isinstance(raw, dict):
                raise DocumentRefused("the document is not a JSON object", code="not_an_export")
            document = parse(raw, caller)
        except ValueError:  # not JSON (UnicodeDecodeError and JSONDecodeError are ValueErrors)
            _fail(caller, stored, "the document is not JSON in UTF-8")
            return
        except DocumentRefused as exc:
            _fail(caller, stored, _with_details(exc))
            return
        try:
            summary = store(caller, document, import_id)
        except NotFound:
            return  # erased meanwhile, with the document
        caller.store.imports.complete(import_id, summary.model_dump())
        object_store.of(caller.services).delete_everything(stored.s3_key)

    jobs.attempt(
        work,
        lambda _: _fail(caller, stored, "the import could not be run; send the document again"),
        last_try,
        import_id=str(import_id),
    )


def _with_details(refused: DocumentRefused) -> str:
    """A refusal as one failure text: its message and each entry's path."""
    named = "; ".join(f"{d['field']}: {d['message']}" for d in refused.details)
    return f"{refused.code}: {refused}" + (f" [{named}]" if named else "")


def _fail(caller: Caller, stored: StoredImport, reason: str) -> None:
    caller.store.imports.fail(stored.id, reason)
    # The document is not kept for a retry that will not come (a lifecycle rule is the backstop).
    object_store.of(caller.services).delete_everything(stored.s3_key)


def _shown(stored: StoredImport, caller: Caller) -> Import:
    now = dt.datetime.now(dt.UTC)
    # Unfinished for longer than the queue keeps its message: no worker will ever see it again.
    lost = stored.status in UNFINISHED and stored.created_at + jobs.QUEUE_RETENTION <= now
    # An upload's policy lives IMAGE_URL_EXPIRY_S at most: past it, nothing can arrive.
    upload_window = dt.timedelta(seconds=caller.settings.image_url_expiry_s)
    never_uploaded = stored.status == AWAITING and stored.created_at + upload_window <= now
    return Import.model_validate(
        {
            "import_id": stored.id,
            "status": "failed" if lost or never_uploaded else stored.status,
            "summary": stored.summary,
            "failure": LOST if lost else NEVER_UPLOADED if never_uploaded else stored.failure,
            "created_at": stored.created_at,
            "updated_at": stored.updated_at,
        }
    )
