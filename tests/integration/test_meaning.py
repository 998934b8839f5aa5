"""Questions answered by meaning as well as words (pgvector, as in production), and by words alone
when the embedding model is unavailable.

The embedding model is the fake Bedrock's Titan V2 over HTTP, whose vectors come from the semantic
double (tests/fakes/semantic_double.py). The backfill runs through its own entry point (handler.backfill),
logged in as its own login, as the stack's BackfillFunction does.
"""

from __future__ import annotations

from handler.dal.login_roles import BACKFILL_LOGIN
from tests.fakes.bedrock import EMBEDDING_MODEL_ID, Failure
from tests.integration.conftest import logged_in_as
from tests.support.requests import FakeContext, call, jot


def _embedded(db, record_id: str) -> bool:
    db.execute("SELECT embedding IS NOT NULL AS embedded FROM records WHERE id = %s", (record_id,))
    return db.fetchone()["embedded"]


def _ask(user: str, question: str, answer: dict, fake) -> dict:
    fake.answer("AnswerDraft", answer)
    reply = call("POST", "/questions", {"question": question, "current_date": "2026-11-25"}, user=user)
    assert reply.status == 200, reply.body
    return reply.body


def test_a_record_about_the_cinema_is_found_by_a_question_about_the_theatre(db, fake_bedrock, user, other_user):
    (cinema,) = jot(user, "2026-03-14", "친구랑 영화관 가서 듄 봤어")
    jot(user, "2026-03-15", "점심에 김치찌개 먹었어")
    jot(user, "2026-04-02", "회사 회의가 길었다")
    jot(other_user, "2026-03-14", "B도 영화관에 갔다")
    # Storing a record: no text call, one embedding call, in the documented Titan body.
    assert fake_bedrock.converse_calls() == []
    (stored,) = fake_bedrock.embedding_calls()[:1]
    assert stored.model_id == EMBEDDING_MODEL_ID and stored.body["dimensions"] == 1024
    assert len(fake_bedrock.embedding_calls()) == 4
    assert _embedded(db, cinema)
    fake_bedrock.reset()

    # No date, no shared word ("극장" is not "영화관"), another language even: found by meaning.
    for question in ("내가 극장 간 적 있어?", "Did I go to the theater?"):
        fake_bedrock.reset()
        body = _ask(user, question, {"answer": "네, 3월에요.", "used_records": ["r1"]}, fake_bedrock)
        assert body["sources"] == [cinema], question
        # A question: one embedding call and one text call, and only the caller's records.
        assert len(fake_bedrock.embedding_calls()) == 1 and len(fake_bedrock.converse_calls()) == 1
        prompt = fake_bedrock.converse_calls()[0].prompt_text
        assert prompt.index("영화관") < prompt.index("김치찌개")  # the cinema first
        assert "B도" not in prompt


def test_a_record_whose_embedding_failed_is_found_by_words_at_once_and_by_meaning_after_the_backfill(
    db, fake_bedrock, user
):
    jot(user, "2026-05-01", "저녁에 파스타 만들어 먹었어")
    fake_bedrock.fail(503, "ServiceUnavailableException")  # the embedding of the next record fails
    reply = call("POST", "/records", {"content": "오늘 치과 다녀왔어", "record_date": "2026-05-02"}, user=user)
    # Stored anyway, at once, without an embedding.
    assert reply.status == 201, reply.body
    dentist = reply.body["id"]
    assert not _embedded(db, dentist)

    # By its words: found at once.
    body = _ask(user, "치과 언제 갔지?", {"answer": "5월 2일에요.", "used_records": ["r1"]}, fake_bedrock)
    assert body["sources"] == [dentist]
    # By its meaning only ("teeth" shares no word with it): not yet, the pasta is all that is near.
    fake_bedrock.reset()
    _ask(user, "when did I get my teeth checked?", {"answer": "...", "used_records": []}, fake_bedrock)
    offered = fake_bedrock.converse_calls()[0].prompt_text
    assert "파스타" in offered and "치과" not in offered

    # The schedule's backfill: its own function, logged in as its own login (BackfillFunction).
    from handler import backfill

    with logged_in_as(BACKFILL_LOGIN):
        result = backfill.lambda_handler({}, FakeContext())
    assert result["records"] >= 1 and result["failed"] == 0
    assert _embedded(db, dentist)

    fake_bedrock.reset()
    body = _ask(user, "when did I get my teeth checked?", {"answer": "May 2nd.", "used_records": ["r1"]}, fake_bedrock)
    assert body["sources"] == [dentist]


def test_an_edited_diary_is_embedded_again_and_found_for_an_undated_question(db, fake_bedrock, user):
    jot(user, "2026-08-10", "해운대 갔어")
    fake_bedrock.answer("DiaryDraft", {"title": "바다", "content": "해운대 해변에서 파도를 봤다."})
    assert call("POST", "/diaries", {"date": "2026-08-10"}, user=user).status == 201
    db.execute("SELECT embedding IS NOT NULL AS e FROM diaries WHERE user_id = %s", (user,))
    assert db.fetchone()["e"]
    fake_bedrock.reset()
    _ask(user, "Have I been to the ocean?", {"answer": "Yes.", "used_records": ["r1"]}, fake_bedrock)
    # The diary nearest in meaning goes along with the records.
    assert "해운대 해변에서 파도를 봤다." in fake_bedrock.converse_calls()[0].prompt_text


def test_an_edited_record_and_the_users_own_diary_are_embedded_anew(fake_bedrock, user):
    (record,) = jot(user, "2026-09-01", "회사 회의가 길었다")
    fake_bedrock.reset()
    edited = call("PATCH", f"/records/{record}", {"content": "친구랑 영화관 가서 듄 봤어"}, user=user)
    assert edited.status == 200, edited.body
    assert len(fake_bedrock.embedding_calls()) == 1  # the new text, embedded as it is stored
    fake_bedrock.reset()
    body = _ask(user, "내가 극장 간 적 있어?", {"answer": "네.", "used_records": ["r1"]}, fake_bedrock)
    assert body["sources"] == [record]  # by the meaning of the new text

    fake_bedrock.reset()
    own = {"title": "바다", "content": "해운대 해변에서 파도를 봤다."}
    assert call("PUT", "/diaries/2026-09-02", own, user=user).status == 201
    assert len(fake_bedrock.embedding_calls()) == 1
    fake_bedrock.reset()
    _ask(user, "Have I been to the ocean?", {"answer": "Yes.", "used_records": ["r1"]}, fake_bedrock)
    assert "해운대 해변에서 파도를 봤다." in fake_bedrock.converse_calls()[0].prompt_text


def test_offline_the_local_embedder_finds_listed_synonyms(user):
    (cinema,) = jot(user, "2026-03-14", "영화관에서 팝콘 먹었어")
    jot(user, "2026-03-15", "회사 회의")
    reply = call("POST", "/questions", {"question": "극장 간 적 있어?", "current_date": "2026-11-25"}, user=user)
    assert reply.status == 200 and reply.body["model"] == "offline"
    assert reply.body["sources"][0] == cinema


def test_with_the_embedding_model_down_writes_are_stored_and_questions_answered_by_words(fake_bedrock, user, db):
    fake_bedrock.embeddings_down = Failure(503, "ServiceUnavailableException")
    (cinema,) = jot(user, "2026-03-14", "친구랑 영화관 가서 듄 봤어")
    assert not _embedded(db, cinema)  # stored at once, for the backfill to embed
    body = _ask(user, "영화관 언제 갔지?", {"answer": "3월에요.", "used_records": ["r1"]}, fake_bedrock)
    assert body["sources"] == [cinema]  # by its words
    # One attempt each, the record's and the question's, and the one text call.
    assert len(fake_bedrock.embedding_calls()) == 2 and len(fake_bedrock.converse_calls()) == 1


def test_an_undated_question_matching_nothing_is_answered_from_the_latest_records(fake_bedrock, user):
    jot(user, "2026-01-02", "새해 첫 출근")
    jot(user, "2026-11-24", "오늘은 조용한 하루")
    body = _ask(user, "나 잘 살고 있나?", {"answer": "기록을 보면 그래요.", "used_records": ["r1", "r2"]}, fake_bedrock)
    assert body["model_calls"] == 1
    prompt = fake_bedrock.converse_calls()[0].prompt_text
    assert "조용한 하루" in prompt


def test_with_the_embedding_model_down_an_undated_question_matching_nothing_gets_the_latest_records(fake_bedrock, user):
    fake_bedrock.embeddings_down = Failure(503, "ServiceUnavailableException")
    older = jot(user, "2026-01-02", "새해 첫 출근")
    newest = jot(user, "2026-11-24", "오늘은 조용한 하루")
    body = _ask(user, "나 잘 살고 있나?", {"answer": "기록을 보면 그래요.", "used_records": ["r1", "r2"]}, fake_bedrock)
    # By words nothing matched, and there is no meaning to rank by: the latest records, newest first.
    assert body["sources"] == [newest[0], older[0]]
