"""Words a record can be found by, for PostgreSQL's 'simple' full-text search.

PostgreSQL has no Korean stemmer, and a Korean word carries its particles ("영화를", "영화봤어"),
so whole-word matching misses. Hangul and other CJK words are indexed as overlapping character
bigrams instead (the usual CJK approach: "영화를" -> 영화, 화를), Latin words whole and lower-cased.
"""

from __future__ import annotations

import unicodedata

from handler.lazy_pattern import LazyPattern

_WORD = LazyPattern(r"\w+")
# Dates are the date resolver's business; as search terms they only add noise.
_DATES = LazyPattern(r"\d{4}-\d{1,2}-\d{1,2}|\d+\s*(?:년|월|일|days?)")
# Particles glued to the end of a Korean word ("지난주에", "친구랑"), dropped before the stop-word test.
_PARTICLE = LazyPattern(r"(?:에서|에게|한테|이랑|에|은|는|이|가|을|를|랑|와|과|도|의|로)$")
_CJK = LazyPattern(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3\u3040-\u30ff\u4e00-\u9fff]")

# Words that make a question a question, not what it is about.
QUESTION_WORDS = frozenset(
    "나 내가 나는 제가 저는 무슨 무엇 뭐 뭘 뭐야 뭐였지 언제 어디 어디서 어디에 어떤 어땠어 "
    "누구 누구랑 했어 했지 했나 있어 있었어 "
    "오늘 어제 그제 그저께 지난 지난주 이번 이번주 지난달 이번달 주 달 전 최근 요즘 에 일 월 년 "
    "적 있어 있었지 있었나 했었지 했더라 "
    "what which when where who whom how did do does was were is are i me my the a an on in at of "
    "to go went get got have has had been be any ever and or for with from about up there time "
    "today yesterday last this week month ago day days lately recently".split()
)


def terms(text: str, skip: frozenset[str] = frozenset()) -> list[str]:
    found: list[str] = []
    # NFC, as stored text is (handler/clean_text.py): a search typed where Hangul comes as conjoining
    # jamo (macOS) finds the syllables.
    for word in _WORD.findall(unicodedata.normalize("NFC", text).lower()):
        if word in skip or _PARTICLE.sub("", word) in skip or any(ch.isdigit() for ch in word):
            continue
        if _CJK.search(word):
            found += [word] if len(word) == 1 else [word[i : i + 2] for i in range(len(word) - 1)]
        elif len(word) > 1:
            found.append(word)
    return found


def document(text: str) -> str:
    """What to index for a record's text."""
    return " ".join(terms(text))


def query(question: str) -> list[str]:
    """What to look for, from a question: its terms without the question words, each once."""
    return list(dict.fromkeys(terms(_DATES.sub(" ", question), QUESTION_WORDS)))
