"""handler.search_terms: what a record is indexed by and what a question looks for."""

from __future__ import annotations

import pytest

from handler.search_terms import document, query, terms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Hangul words as overlapping bigrams, so particles do not hide the word.
        ("영화를", ["영화", "화를"]),
        ("영화봤어", ["영화", "화봤", "봤어"]),
        ("밥", ["밥"]),
        # Latin words whole and lower-cased; one-letter words and words with digits dropped.
        ("Watched Dune", ["watched", "dune"]),
        ("a b c", []),
        ("room 101 and 3rd", ["room", "and"]),
        ("カフェ", ["カフ", "フェ"]),
        ("", []),
    ],
)
def test_terms(text, expected):
    assert terms(text) == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("나 무슨 영화 봤었지?", ["영화", "봤었", "었지"]),
        ("지난주에 친구랑 뭐 했어?", ["친구", "구랑"]),
        # Dates belong to the date resolver, not to the search.
        ("2026-01-13에 김밥 먹었어?", ["김밥", "먹었", "었어"]),
        ("1월 13일 김밥", ["김밥"]),
        ("what did I eat yesterday", ["eat"]),
        ("movie movie movie", ["movie"]),  # each term once
    ],
)
def test_query_drops_question_words_and_dates(question, expected):
    assert query(question) == expected


def test_document_is_the_terms_joined():
    assert document("친구랑 영화 봤어") == " ".join(terms("친구랑 영화 봤어"))
