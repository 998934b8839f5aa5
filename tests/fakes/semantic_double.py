"""A semantic test double of a multilingual embedding model: concepts, not characters.

Each concept below is a set of words in Korean and English that a real multilingual embedding
model puts near each other (영화관, 극장, cinema...); a text's vector is the sum of its concepts'
directions, plus a small share for its exact words, scaled to unit length. Texts about the same
thing are near whatever words and language they use; texts about nothing in common are orthogonal.

It stands in for Bedrock's embedding model in the fake Bedrock and in `make eval`: what it shows is
the service's retrieval (dates, fusion with the words, fallbacks), not any model's quality. Its
vocabulary is the one the tests and the evaluation's diary use; a word it does not know adds
only its exact-word share.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re

CONCEPTS: dict[str, tuple[str, ...]] = {
    "cinema": ("영화관", "극장", "영화", "cinema", "theater", "theatre", "movie", "film", "cgv", "메가박스"),
    "coffee": ("커피", "카페", "라떼", "아메리카노", "coffee", "cafe", "café", "latte", "espresso"),
    "noodles": ("라멘", "라면", "국수", "우동", "ramen", "noodle", "noodles", "udon"),
    "kimchi_stew": ("김치찌개", "찌개", "kimchi stew", "stew"),
    "pasta": ("파스타", "스파게티", "pasta", "spaghetti"),
    "sushi": ("초밥", "스시", "sushi"),
    "exercise": ("운동", "헬스", "헬스장", "gym", "workout", "exercise", "weights"),
    "running": ("달리기", "러닝", "조깅", "뛰었", "running", "run", "ran", "jogging", "jog", "marathon"),
    "yoga": ("요가", "필라테스", "yoga", "pilates", "stretching"),
    "swimming": ("수영", "수영장", "swimming", "swim", "pool"),
    "hiking": ("등산", "산에", "북한산", "hiking", "hike", "mountain", "trail"),
    "walk": ("산책", "걸었", "walk", "walked", "stroll"),
    "cycling": ("자전거", "라이딩", "bike", "cycling", "cycled", "bicycle"),
    "reading": ("책", "독서", "소설", "도서관", "book", "books", "reading", "read", "novel", "library"),
    "concert": ("콘서트", "공연", "음악회", "concert", "gig", "live music", "show"),
    "sea": ("바다", "바닷가", "해변", "해수욕장", "파도", "물놀이", "sea", "beach", "ocean", "waves"),
    "travel": ("여행", "여행지", "공항", "비행기", "trip", "travel", "traveled", "airport", "flight", "vacation"),
    "work": ("회사", "야근", "출근", "회의", "프로젝트", "마감", "work", "office", "meeting", "overtime", "deadline"),
    "sick": (
        "아팠",
        "아파",
        "감기",
        "독감",
        "병원",
        "열이",
        "sick",
        "ill",
        "cold",
        "flu",
        "hospital",
        "doctor",
        "fever",
    ),
    "dentist": ("치과", "이빨", "dentist", "tooth", "teeth"),
    "family": (
        "가족",
        "엄마",
        "아빠",
        "부모님",
        "할머니",
        "family",
        "mom",
        "mother",
        "dad",
        "father",
        "parents",
        "grandma",
    ),
    "friend": ("친구", "friend", "friends", "buddy"),
    "birthday": ("생일", "케이크", "birthday", "cake"),
    "shopping": ("쇼핑", "백화점", "옷", "샀", "shopping", "mall", "bought", "clothes"),
    "cooking": ("요리", "만들어 먹", "레시피", "cooking", "cooked", "recipe", "baked"),
    "rain": ("비가", "비 와", "비 왔", "비 많이", "우산", "장마", "rain", "rainy", "umbrella", "raining"),
    "snow": ("눈이", "눈 와", "눈 왔", "눈사람", "snow", "snowy", "snowman"),
    "happy": ("행복", "기뻤", "즐거웠", "좋았", "신났", "happy", "glad", "joyful", "great day", "fun"),
    "sad": ("슬펐", "우울", "속상", "외로", "sad", "down", "lonely", "upset", "blue"),
    "tired": ("피곤", "지쳤", "힘들었", "졸려", "tired", "exhausted", "worn out", "sleepy"),
    "study": ("공부", "시험", "강의", "수업", "study", "studied", "exam", "lecture", "class"),
    "game": ("게임", "보드게임", "game", "games", "board game", "played"),
    "pet": ("강아지", "고양이", "산책시켰", "dog", "puppy", "cat", "kitten"),
}
_WORD_SHARE = 0.15
_WORD = re.compile(r"\w+")


@functools.lru_cache(maxsize=4096)
def _direction(key: str, dimensions: int) -> tuple[float, ...]:
    """A fixed pseudo-random unit direction per key (the same on every run)."""
    seed = hashlib.sha256(key.encode()).digest()
    values = []
    counter = 0
    while len(values) < dimensions:
        block = hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        values.extend((b - 127.5) / 127.5 for b in block)
        counter += 1
    norm = math.sqrt(sum(v * v for v in values[:dimensions]))
    return tuple(v / norm for v in values[:dimensions])


def concepts_of(text: str) -> set[str]:
    lowered = text.lower()
    return {concept for concept, words in CONCEPTS.items() if any(word in lowered for word in words)}


def embed(text: str, dimensions: int = 1024) -> list[float]:
    vector = [0.0] * dimensions
    for concept in concepts_of(text):
        for i, v in enumerate(_direction(f"concept:{concept}", dimensions)):
            vector[i] += v
    for word in set(_WORD.findall(text.lower())):
        for i, v in enumerate(_direction(f"word:{word}", dimensions)):
            vector[i] += _WORD_SHARE * v
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]
