"""What the API takes as text from people, and the form it keeps it in.

- Refused everywhere, with the code point and its place in the message: control characters (Unicode
  category Cc, NUL included) other than tab and line breaks, and the bidirectional embeddings,
  overrides and isolates (U+202A-U+202E, U+2066-U+2069). Nobody types them on a keyboard; they come
  from a paste or a crafted client, and they hide what a text says (an override left open turns
  around everything shown after it: other records, the diary a model copies it into, an export).
  Refused rather than stripped: the API never silently changes what a person wrote; the client
  learns exactly what to fix, and /openapi.json can say it. The marks a right-to-left writer needs
  (U+200E, U+200F, U+061C) are kept: they change nothing beyond their own place.
- Line breaks: CR LF and a lone CR become LF.
- Content (records, diaries' title and content, questions, agent requests, a picture's text) is kept
  in NFC: the same words from different keyboards and systems (é precomposed or e + U+0301; Hangul
  as syllables or as the conjoining jamo of macOS) are stored alike, and nothing visible changes.
  Invisible characters inside content are kept (a zero-width joiner builds emoji and Indic
  conjuncts, a non-joiner spells Persian), but content made only of them and spaces is blank.
- Tags are keys too, so `work`, `w` U+200B `ork` and `ＷＯＲＫ` are one tag: invisible characters taken out
  (but not where they are part of what is seen, see `tag_form`), then NFKC and case folding.
"""

from __future__ import annotations

import re
import unicodedata

# Regex character classes, written so that both Python's re and an ECMA-262 engine with the `u`
# flag (ajv's default) read them: BMP code points as \u escapes, others as literal characters.
# Refused: Cc but tab, LF and CR; the bidi embeddings/overrides and isolates.
CONTROLS = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069"
# What str.strip() takes away (Python's whitespace, spelled out: ECMA-262's \s, which JSON Schema
# patterns use, is a slightly different set).
BLANK = r"\t-\r\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Invisible: what draws nothing. Unicode's Default_Ignorable_Code_Point property is not in Python's
# unicodedata, so: every format character (category Cf, Unicode 14, checked by a test) ...
_FORMAT = (
    r"\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    r"\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
)
# ... and the default-ignorable code points of other categories (DerivedCoreProperties.txt): the
# combining grapheme joiner, the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0), the Khmer inherent
# vowels, the Mongolian free variation selectors, the variation selectors (U+FE00-U+FE0F and, in the
# plane-14 block U+E0000-U+E0FFF, U+E0100-U+E01EF with the tag characters), reserved U+2065 and
# U+FFF0-U+FFF8; and U+2800 BRAILLE PATTERN BLANK, not default-ignorable but drawn as nothing.
_IGNORABLE = (
    r"\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180d\u180f\u2065\u2800\u3164\ufe00-\ufe0f\uffa0\ufff0-\ufff8"
    "\U000e0000-\U000e0fff"
)
INVISIBLE = _FORMAT + _IGNORABLE

_CONTROL = re.compile(f"[{CONTROLS}]")
_SEEN = re.compile(f"[^{BLANK}{INVISIBLE}]")
_INVISIBLE = re.compile(f"[{INVISIBLE}]")
_LINE_BREAK = re.compile(r"\r\n?")
# NFKC would turn these into conjoining jamo, which fonts join into one syllable block: ㅋㅋ -> ᄏᄏ.
_COMPATIBILITY_JAMO = re.compile(r"([\u3131-\u318e]+)")

ZWNJ, ZWJ = "\u200c", "\u200d"
_VARIATION_SELECTOR = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")
_TAG_CHARACTER = re.compile("[\U000e0020-\U000e007f]")
_BLACK_FLAG = "\U0001f3f4"
_VIRAMA = 9  # canonical combining class of the viramas


def refuse_controls(text: str) -> None:
    found = _CONTROL.search(text)
    if found:
        raise ValueError(
            f"must not contain control or bidirectional override characters"
            f" (U+{ord(found.group()):04X} at position {found.start()})"
        )


def content_form(text: str) -> str:
    return unicodedata.normalize("NFC", _LINE_BREAK.sub("\n", text))


def is_blank(text: str) -> bool:
    """Nothing in it a reader sees: only spaces and invisible characters."""
    return _SEEN.search(text) is None


def tag_form(tag: str) -> str:
    """The one spelling of a tag: invisible characters out, except where they are part of what is
    seen; then NFKC and case folding, as Unicode's compatibility caseless match (the Unicode
    Standard, 3.13, D146), leaving Hangul compatibility jamo as they are."""
    kept = ""
    for i, ch in enumerate(tag):
        if not _INVISIBLE.match(ch) or _joins(ch, kept[-1:], tag[i + 1 : i + 2]):
            kept += ch
    return _nfkc(_nfkc(kept).casefold())


def _joins(ch: str, before: str, after: str) -> bool:
    """Whether invisible `ch`, between what the tag keeps before it and the next character, is part
    of what is seen, so that a tag keeps it:
    - ZWJ between emoji: family, profession and flag sequences (UTS #51, emoji ZWJ sequences);
    - ZWJ or ZWNJ after a virama: the conjunct forms of Indic scripts (RFC 5892, appendix A.1, A.2;
      the Arabic-script rule for ZWNJ needs joining types, which unicodedata lacks: Persian tags
      lose their ZWNJ, and the letters join);
    - a variation selector after a visible character that is not a cased letter (emoji or text
      presentation, CJK ideograph variants; no cased letter has variation sequences);
    - tag characters after the black flag or one another (emoji tag sequences: the flag of England)."""
    if not before:
        return False
    if ch == ZWJ and after and _emoji_part(before) and _emoji_part(after):
        return True
    if ch in (ZWJ, ZWNJ):
        return unicodedata.combining(before) == _VIRAMA
    if _VARIATION_SELECTOR.match(ch):
        return not _INVISIBLE.match(before) and unicodedata.category(before) not in ("Lu", "Ll", "Lt")
    if _TAG_CHARACTER.match(ch):
        return before == _BLACK_FLAG or bool(_TAG_CHARACTER.match(before))
    return False


def _emoji_part(ch: str) -> bool:
    """What an emoji ZWJ sequence is made of: pictographs (So; unassigned code points of the emoji
    blocks, emoji newer than Python's Unicode 14), skin-tone modifiers and the emoji presentation
    selector."""
    category, code = unicodedata.category(ch), ord(ch)
    return (
        category == "So"
        or ch == "\ufe0f"
        or 0x1F3FB <= code <= 0x1F3FF
        or (category == "Cn" and 0x1F000 <= code <= 0x1FAFF)
    )


def _nfkc(text: str) -> str:
    # Split at runs of compatibility jamo (odd items): they compose with nothing, so normalising
    # the pieces apart is NFKC of the whole, but for them.
    parts = _COMPATIBILITY_JAMO.split(text)
    return "".join(part if i % 2 else unicodedata.normalize("NFKC", part) for i, part in enumerate(parts))
