"""A deterministic stand-in for the embedding model, for local runs and tests with no AWS account.

A text's terms (handler.search_terms: Hangul bigrams, whole Latin words) and the concepts of a small
bilingual synonym list each add to one hashed dimension; the vector is scaled to unit length. So
texts near each other are those that share words, or words the list files under one concept
(영화관 and 극장 and cinema). Anything else, a paraphrase in other words most of all, it cannot see.
"""

from __future__ import annotations

import hashlib
import math

from handler.search_terms import terms

# Word (as it starts a term) -> concept. Deliberately small: it shows the path, it is no model.
_CONCEPTS = {
    "cinema": ("영화관", "극장", "cinema", "theater", "theatre", "movie", "movies", "영화"),
    "meal": ("밥", "식사", "meal", "점심", "lunch", "저녁", "dinner", "아침", "breakfast"),
    "coffee": ("커피", "카페", "coffee", "cafe", "café", "라떼", "latte"),
    "exercise": ("운동", "헬스", "gym", "workout", "exercise", "달리기", "running", "조깅", "jogging", "요가", "yoga"),
    "walk": ("산책", "walk", "walked", "걸었"),
    "friend": ("친구", "friend", "friends"),
    "family": ("가족", "엄마", "아빠", "부모님", "family", "mom", "dad", "parents"),
    "work": ("회사", "야근", "출근", "회의", "work", "office", "meeting", "overtime"),
    "sick": ("아팠", "감기", "병원", "sick", "cold", "hospital", "doctor", "fever"),
    "travel": ("여행", "trip", "travel", "바다", "sea", "beach", "해변"),
    "book": ("책", "독서", "book", "reading", "read"),
    "rain": ("우산", "빗길", "rain", "rainy", "umbrella"),
}
_CONCEPT_OF = {word: concept for concept, words in _CONCEPTS.items() for word in words}


def _slot(key: str, dimensions: int) -> tuple[int, float]:
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest[:4], "big") % dimensions, 1.0 if digest[4] % 2 else -1.0


def concepts(text: str) -> set[str]:
    """The concepts of the synonym list that the text's words belong to."""
    lowered = text.lower()
    return {concept for word, concept in _CONCEPT_OF.items() if word in lowered}


def embed(text: str, dimensions: int) -> list[float]:
    vector = [0.0] * dimensions
    keys = [f"t:{term}" for term in terms(text)]
    keys += [f"c:{concept}" for concept in sorted(concepts(text))] * 3
    for key in keys:
        index, sign = _slot(key, dimensions)
        vector[index] += sign
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]
