"""What POST /me/import refuses, and how it names it, checked without a database
(handler.logic.data_import.parse).

handler.logic.data_import is imported in the tests, not when they are collected: it brings the
modules with Powertools child loggers (handler.logic.jobs...), which take their service's name
when first imported, and the session sets POWERTOOLS_SERVICE_NAME only once the tests run
(tests/integration/test_logged_exceptions.py reads what the jobs' logger writes)."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace
from typing import Any

import pytest

from handler.models import EXPORT_FORMAT, IMPORTABLE_VERSIONS, UserData
from handler.settings import Settings


def _data_import() -> Any:
    from handler.logic import data_import

    return data_import


CALLER: Any = SimpleNamespace(settings=Settings(database_url="postgresql://unused"))
NOW = dt.datetime(2026, 11, 25, 3, 10, tzinfo=dt.UTC).isoformat()


def _record(**change: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "content": "기록", "record_date": "2026-11-25", "created_at": NOW, **change}


def _document(**parts: Any) -> dict[str, Any]:
    return {"format": "diary-export", "version": 1, "exported_at": NOW, "records": [_record()],
            "diaries": [], "reports": [], "images": [], **parts}  # fmt: skip


def _refused(raw: dict[str, Any]) -> Any:
    with pytest.raises(_data_import().DocumentRefused) as refused:
        _data_import().parse(raw, CALLER)
    return refused.value


def test_what_the_export_writes_is_what_the_import_reads():
    written = UserData(exported_at=dt.datetime.now(dt.UTC), records=[], diaries=[], reports=[], images=[])
    assert (written.format, written.version) == (EXPORT_FORMAT, 1)
    assert written.version in IMPORTABLE_VERSIONS
    assert _data_import().parse(written.model_dump(mode="json"), CALLER).records == []


@pytest.mark.parametrize("version", [0, 2, "1", 1.0, None, True])
def test_a_version_it_does_not_read_is_named(version):
    refused = _refused(_document(version=version))
    assert refused.code == "unsupported_version" and refused.status == 422
    assert "it imports versions [1]" in str(refused)


def test_something_that_is_not_an_export_is_refused_before_its_shape():
    refused = _refused({"content": "x"})
    assert refused.code == "not_an_export"


def test_each_failing_entry_is_named_by_its_json_path():
    raw = _document(records=[_record(), _record(content="\x00"), _record(record_date="2026-13-01")])
    refused = _refused(raw)
    assert refused.code == "invalid_document"
    fields = [d["field"] for d in refused.body_fields()["details"]]
    assert fields == ["$.records[1].content", "$.records[2].record_date"]
    assert str(refused).startswith("the document cannot be imported: $.records[1].content: ")
    assert str(refused).endswith("(and 1 more); nothing was stored")


def test_at_most_the_first_entries_are_listed():
    refused = _refused(_document(records=[_record(content="") for _ in range(50)]))
    assert len(refused.body_fields()["details"]) == _data_import().MAX_DETAILS
    assert "(and 49 more)" in str(refused)


def test_repeats_and_days_ahead_are_refused_too():
    first = _record()
    diary = {"date": "2026-11-25", "title": "t", "content": "c", "record_ids": [], "model": "user",
             "created_at": NOW, "updated_at": NOW}  # fmt: skip
    far = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    refused = _refused(_document(records=[first, first, _record(record_date=far)], diaries=[diary, diary]))
    assert [d["field"] for d in refused.body_fields()["details"]] == [
        "$.records[1]", "$.diaries[1]", "$.records[2].record_date",
    ]  # fmt: skip


def test_json_paths():
    assert _data_import()._json_path(("records", 3, "content")) == "$.records[3].content"
    assert _data_import()._json_path(("diaries", 0, "tags", 2)) == "$.diaries[0].tags[2]"


def test_what_a_refusal_repeats_of_the_document_is_short_and_utf8():
    [detail] = _refused(_document(**{"k" * 500: 1})).body_fields()["details"]
    assert len(detail["field"]) == _data_import().MAX_ECHO_CHARS
    for odd in ("\ud800", "a\ud800b"):
        refused = _refused(_document(**{odd: 1}))
        str(refused).encode("utf-8")
        [detail] = refused.body_fields()["details"]
        (detail["field"] + detail["message"]).encode("utf-8")
    assert len(str(_refused(_document(version=["x" * 1000])))) < 400
