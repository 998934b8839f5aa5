"""The life of a user's things after they are written: records corrected and searched, diaries
written by the user, listed, tagged and deleted, pictures listed and deleted for good, reports
deleted. Real PostgreSQL, moto's versioned S3 over HTTP, the offline models."""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request

import boto3
import pytest

from tests.support import services
from tests.support.presigned import works_until
from tests.support.requests import call, jot

DAY = "2026-11-25"


def _search(user: str, q: str, **query: str) -> list[str]:
    reply = call("GET", "/records", user=user, query={"q": q, **query})
    assert reply.status == 200, reply.body
    assert reply.body["next_cursor"] is None
    return [item["content"] for item in reply.body["items"]]


# --- records -----------------------------------------------------------------------------------


def test_a_corrected_record_is_found_by_its_new_words_and_no_longer_by_its_old(user):
    [rid] = jot(user, DAY, "친구랑 영하 봤어")  # a typo
    assert _search(user, "영하") == ["친구랑 영하 봤어"]

    edited = call("PATCH", f"/records/{rid}", {"content": "친구랑 영화 봤어"}, user=user)
    assert edited.status == 200, edited.body
    assert (edited.body["id"], edited.body["content"], edited.body["record_date"]) == (rid, "친구랑 영화 봤어", DAY)
    assert _search(user, "영화") == ["친구랑 영화 봤어"]
    assert _search(user, "영하") == []
    answer = call("POST", "/questions", {"question": "영화 본 적 있어?", "current_date": DAY}, user=user).body
    assert answer["sources"] == [rid]


def test_a_record_moved_to_another_day_is_listed_there(user):
    [rid] = jot(user, DAY, "어제 일인데 오늘 적었어")
    moved = call("PATCH", f"/records/{rid}", {"record_date": "2026-11-24"}, user=user)
    assert moved.status == 200 and moved.body["content"] == "어제 일인데 오늘 적었어"
    assert call("GET", "/records", user=user, query={"date": DAY}).body["items"] == []
    assert [r["id"] for r in call("GET", "/records", user=user, query={"date": "2026-11-24"}).body["items"]] == [rid]


def test_search_finds_korean_words_with_their_particles_newest_first_within_a_period(user):
    jot(user, "2026-11-20", "영화를 봤다")
    jot(user, "2026-11-24", "영화관에 갔어")
    jot(user, "2026-11-25", "산책했어")
    assert _search(user, "영화") == ["영화관에 갔어", "영화를 봤다"]
    assert _search(user, "영화", **{"from": "2026-11-22", "to": "2026-11-30"}) == ["영화관에 갔어"]
    assert _search(user, "movie") == []
    assert _search(user, "영화", limit="1") == ["영화관에 갔어"]


# --- diaries -----------------------------------------------------------------------------------


def test_the_users_own_diary_is_kept_from_rewriting_unless_overwrite(user):
    jot(user, DAY, "친구랑 영화 봤어, 행복했어")
    written = call("POST", "/diaries", {"date": DAY}, user=user)
    assert written.status == 201 and written.body["edited"] is False

    own = {"title": "내가 쓴 날", "content": "영화가 정말 좋았다.", "tags": ["영화", "친구", "영화"]}
    replaced = call("PUT", f"/diaries/{DAY}", own, user=user)
    assert replaced.status == 200, replaced.body
    assert replaced.body["edited"] is True
    assert replaced.body["tags"] == ["영화", "친구"]  # each once
    assert replaced.body["model"] == written.body["model"]  # still the diary the model started

    refused = call("POST", "/diaries", {"date": DAY}, user=user)
    assert refused.status == 409
    assert refused.body["error"]["code"] == "diary_edited"
    assert call("GET", f"/diaries/{DAY}", user=user).body["content"] == "영화가 정말 좋았다."

    rewritten = call("POST", "/diaries", {"date": DAY, "overwrite": True}, user=user)
    assert rewritten.status == 201
    assert rewritten.body["edited"] is False
    assert rewritten.body["content"] != "영화가 정말 좋았다."
    assert rewritten.body["tags"] == ["영화", "친구"]  # the user's tags survive a rewrite


def test_a_diary_the_user_starts_is_created_as_theirs(user):
    created = call("PUT", "/diaries/2026-11-20", {"title": "혼자 쓴 날", "content": "기록 없이 쓴 일기"}, user=user)
    assert created.status == 201
    assert (created.body["model"], created.body["record_ids"], created.body["edited"]) == ("user", [], True)


def test_diaries_are_listed_by_range_and_tag_page_by_page(user):
    for day, tags in [
        ("2026-11-01", ["여행"]),
        ("2026-11-02", []),
        ("2026-11-03", ["여행", "가족"]),
        ("2026-12-01", []),
    ]:
        assert call("PUT", f"/diaries/{day}", {"title": day, "content": "일기", "tags": tags}, user=user).status == 201

    def dates(**query: str) -> tuple[list[str], str | None]:
        page = call("GET", "/diaries", user=user, query=query).body
        return [d["date"] for d in page["items"]], page["next_cursor"]

    assert dates() == (["2026-11-01", "2026-11-02", "2026-11-03", "2026-12-01"], None)
    assert dates(**{"from": "2026-11-02", "to": "2026-11-30"}) == (["2026-11-02", "2026-11-03"], None)
    assert dates(tag="여행") == (["2026-11-01", "2026-11-03"], None)
    assert dates(tag="없는 태그") == ([], None)
    first, cursor = dates(limit="3")
    assert first == ["2026-11-01", "2026-11-02", "2026-11-03"] and cursor
    assert dates(limit="3", cursor=cursor) == (["2026-12-01"], None)


def test_deleting_a_diary_deletes_its_pictures_and_every_version_of_them(aws_services, user, db):
    jot(user, DAY, "바닷가에서 노을을 봤어")
    call("POST", "/diaries", {"date": DAY}, user=user)
    image = call("POST", "/images", {"date": DAY}, user=user).body
    other_image = call("POST", "/images", {"text": "아무 그림"}, user=user).body  # drawn from a text: stays
    s3 = boto3.client("s3", endpoint_url=aws_services["endpoint"])
    s3.put_object(Bucket=aws_services["bucket"], Key=image["s3_key"], Body=b"a second version")
    assert call("GET", "/diaries", user=user).body["items"][0]["has_images"] is True

    assert call("DELETE", f"/diaries/{DAY}", user=user).status == 204
    assert call("GET", f"/diaries/{DAY}", user=user).status == 404
    assert call("GET", f"/images/{image['id']}", user=user).status == 404
    assert _versions(s3, aws_services["bucket"], image["s3_key"]) == []
    assert call("GET", f"/images/{other_image['id']}", user=user).status == 200
    assert call("DELETE", f"/diaries/{DAY}", user=user).status == 404


# --- images ------------------------------------------------------------------------------------


def _versions(s3, bucket: str, key: str) -> list[str]:
    listed = s3.list_object_versions(Bucket=bucket, Prefix=key)
    return [v["VersionId"] for v in [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]]


def test_pictures_are_listed_newest_first_with_urls_that_work(aws_services, user):
    drawn = [call("POST", "/images", {"text": f"그림 {i}"}, user=user).body for i in range(3)]
    page = call("GET", "/images", user=user, query={"limit": "2"}).body
    assert [i["id"] for i in page["items"]] == [drawn[2]["id"], drawn[1]["id"]]
    rest = call("GET", "/images", user=user, query={"limit": "2", "cursor": page["next_cursor"]}).body
    assert ([i["id"] for i in rest["items"]], rest["next_cursor"]) == ([drawn[0]["id"]], None)
    one = call("GET", f"/images/{drawn[0]['id']}", user=user).body
    assert one["prompt"] == drawn[0]["prompt"] and one["model_calls"] == 0
    # Each answer says when its URL stops working: what the URL's own X-Amz-Date and X-Amz-Expires say.
    for image in [one, *page["items"], *rest["items"]]:
        assert dt.datetime.fromisoformat(image["url_expires_at"]) == works_until(image["url"])
    with urllib.request.urlopen(one["url"], timeout=10) as response:  # noqa: S310 - moto on 127.0.0.1
        assert response.read().startswith(b"\x89PNG")


def test_a_deleted_picture_is_gone_from_the_bucket_with_every_version(aws_services, user):
    image = call("POST", "/images", {"text": "지울 그림"}, user=user).body
    s3, bucket = boto3.client("s3", endpoint_url=aws_services["endpoint"]), aws_services["bucket"]
    s3.put_object(Bucket=bucket, Key=image["s3_key"], Body=b"overwritten")
    s3.delete_object(Bucket=bucket, Key=image["s3_key"])  # a delete marker over both versions
    assert len(_versions(s3, bucket, image["s3_key"])) == 3

    assert call("DELETE", f"/images/{image['id']}", user=user).status == 204
    assert _versions(s3, bucket, image["s3_key"]) == []
    assert call("GET", f"/images/{image['id']}", user=user).status == 404
    assert call("DELETE", f"/images/{image['id']}", user=user).status == 404
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(image["url"], timeout=10)  # noqa: S310 - moto on 127.0.0.1


def test_an_s3_failure_deletes_nothing_and_the_retry_does(aws_services, user, monkeypatch):

    image = call("POST", "/images", {"text": "지울 그림"}, user=user).body
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")  # nothing listens there
    services.reload()
    failed = call("DELETE", f"/images/{image['id']}", user=user)
    assert failed.status == 503 and failed.headers.get("retry-after")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", aws_services["endpoint"])
    services.reload()
    assert call("GET", f"/images/{image['id']}", user=user).status == 200  # nothing was deleted
    assert call("DELETE", f"/images/{image['id']}", user=user).status == 204


# --- reports -----------------------------------------------------------------------------------


def test_a_deleted_report_is_gone(user):
    jot(user, DAY, "좋은 하루")
    report = call("POST", "/reports", {"start_date": DAY, "end_date": DAY}, user=user).body
    assert call("DELETE", f"/reports/{report['report_id']}", user=user).status == 204
    assert call("GET", f"/reports/{report['report_id']}", user=user).status == 404
    assert call("GET", "/reports", user=user).body["items"] == []
