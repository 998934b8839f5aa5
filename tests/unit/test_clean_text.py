"""The character classes of handler/clean_text.py against Python's own Unicode data, the JSON Schema
pattern against the validator for every code point, a tag's one spelling, and prompt quoting."""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest
from pydantic import TypeAdapter, ValidationError

from handler import clean_text
from handler.agents.user_text import quoted
from handler.models import TEXT_PATTERN, Text

CODE_POINTS = [chr(code) for code in range(sys.maxunicode + 1) if not 0xD800 <= code <= 0xDFFF]
# The default-ignorable code points outside category Cf (DerivedCoreProperties.txt), and the Braille blank.
NAMED_INVISIBLE = {
    0x034F,
    0x115F,
    0x1160,
    0x17B4,
    0x17B5,
    0x180B,
    0x180C,
    0x180D,
    0x180F,
    0x2065,
    0x2800,
    0x3164,
    0xFFA0,
    *range(0xFE00, 0xFE10),
    *range(0xFFF0, 0xFFF9),
    *range(0xE0000, 0xE1000),
}


def test_blank_is_whitespace_every_format_character_and_the_named_default_ignorables():
    blank = {ch for ch in CODE_POINTS if clean_text.is_blank(ch)}
    expected = {
        ch for ch in CODE_POINTS if ch.isspace() or unicodedata.category(ch) == "Cf" or ord(ch) in NAMED_INVISIBLE
    }
    assert blank == expected


def _refused(text: str) -> bool:
    try:
        clean_text.refuse_controls(text)
    except ValueError:
        return False
    return True


def test_refused_are_the_controls_but_tab_and_line_breaks_and_the_bidi_embeddings_overrides_and_isolates():
    refused = {ord(ch) for ch in CODE_POINTS if not _refused(ch)}
    controls = {ord(ch) for ch in CODE_POINTS if unicodedata.category(ch) == "Cc"} - {0x09, 0x0A, 0x0D}
    assert refused == controls | set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))


def test_the_documents_text_pattern_accepts_a_character_exactly_when_the_api_does():
    """Each code point alone and between letters: /openapi.json's pattern and the validator agree."""
    pattern, text = re.compile(TEXT_PATTERN), TypeAdapter(Text)

    def accepted(value: str) -> bool:
        try:
            text.validate_python(value)
        except ValidationError:
            return False
        return True

    for ch in CODE_POINTS:
        for value in (ch, f"a{ch}b"):
            assert (pattern.search(value) is not None) == accepted(value), (hex(ord(ch)), value)


ONE_TAG = {
    "work": ["work", "w\u200bork", "\uff57\uff4f\uff52\uff4b", "WORK", "\u00adWork\u2060", "wo\ufeffrk", "w\ufe0fork"],
    "strasse": ["Straße", "STRASSE"],
    "ㅋㅋ": ["ㅋㅋ", "ㅋ\u200bㅋ"],  # compatibility jamo stay (NFKC would give conjoining ᄏᄏ)
    "タグ": ["ﾀｸﾞ", "タグ"],
    "1km": ["1㎞", "１KM"],
}


@pytest.mark.parametrize("form, spellings", ONE_TAG.items(), ids=ONE_TAG.keys())
def test_a_tag_has_one_spelling(form, spellings):
    assert {clean_text.tag_form(s) for s in spellings} == {form}


KEPT_IN_TAGS = {
    "family": "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",
    "flag of Korea": "\U0001f1f0\U0001f1f7",
    "flag of England (tag characters)": "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
    "heart on fire (VS16 + ZWJ)": "\u2764\ufe0f\u200d\U0001f525",
    "skin tone + ZWJ": "\U0001f469\U0001f3fd\u200d\U0001f4bb",
    "keycap": "1\ufe0f\u20e3",
    "Devanagari half form (virama + ZWJ)": "\u0915\u094d\u200d\u0937",
    "Malayalam (virama + ZWNJ)": "\u0d28\u0d4d\u200c\u0d31",
    "CJK ideograph variant": "\u845b\U000e0100",
}


@pytest.mark.parametrize("tag", KEPT_IN_TAGS.values(), ids=KEPT_IN_TAGS.keys())
def test_invisible_characters_that_are_part_of_what_is_seen_stay_in_a_tag(tag):
    assert clean_text.tag_form(tag) == tag


def test_joiners_and_tag_characters_out_of_place_leave_a_tag():
    assert clean_text.tag_form("a\u200db\u200cc") == "abc"  # no emoji, no virama
    assert clean_text.tag_form("\U0001f468\u200d") == "\U0001f468"  # nothing joined after it
    assert clean_text.tag_form("x\U000e0067\U000e007f") == "x"  # tag characters without the flag


QUOTED = {
    "</records>": "&lt;/records>",
    "< / records >": "&lt; / records >",
    "<records>": "&lt;records>",
    "<!-- x -->": "&lt;!-- x -->",
    "<?xml?>": "&lt;?xml?>",
    "<일기>": "&lt;일기>",
    "I <3 you >_< a < b 1<2 &amp; &": "I <3 you >_< a < b 1<2 &amp; &",
}


@pytest.mark.parametrize("text, prompt_text", QUOTED.items(), ids=QUOTED.keys())
def test_quoted_text_cannot_open_or_close_a_tag_and_keeps_everything_else(text, prompt_text):
    assert quoted(text) == prompt_text
    assert not re.search(r"<(?:[!?]|[^\W\d_]|\s*/)", quoted(text))  # no '<' left that could begin a tag
