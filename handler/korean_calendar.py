"""South Korea's public holidays and lunar dates, from maintained libraries rather than a table here.

`holidays` (South Korea, Korean and English names) gives every public holiday of a year, the lunar
ones (설날, 추석, 부처님오신날) included; `korean-lunar-calendar` (KARI's tables) turns a lunar date
into a solar one. Names are matched as people write them: the library's own names in both languages,
plus the everyday names the library does not use (크리스마스 for 기독탄신일, "Lunar New Year" for
"Korean New Year"...). A multi-day holiday (설날 and 추석 with the days before and after) is one span.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

Period = tuple[dt.date, dt.date]

# Everyday names -> a name the library uses (either language), for holidays people call otherwise.
ALIASES = {
    "크리스마스": "christmas day",
    "christmas": "christmas day",
    "성탄절": "christmas day",
    "구정": "설날",
    "설 연휴": "설날",
    "lunar new year": "korean new year",
    "seollal": "korean new year",
    "추석 연휴": "추석",
    "한가위": "추석",
    "korean thanksgiving": "chuseok",
    "석가탄신일": "부처님오신날",
    "초파일": "부처님오신날",
    "신정": "new year's day",
    "new year's day": "new year's day",
    "new year day": "new year's day",
}
# Days around a holiday that belong to it ("설날 전날", "The day preceding Chuseok"...); substitute
# holidays ("대체 휴일") are days off, not the holiday people remember.
_AROUND = re.compile(r"\s*(전날|다음날)$|^the day preceding\s+|^the second day of\s+")
_SUBSTITUTE = re.compile(r"대체|alternative|임시공휴일|temporary|election|선거")
# The holidays' base names in the library's two languages (of 2025 and 2026, as `library_names`
# gives them; tests/unit/test_date_phrases.py holds this to the library). Kept here so that finding
# whether a text names a holiday does not load the library: importing it imports every country's
# module (0.5-1 s), which only a text that does name one should pay for.
NAMES = frozenset({
    "buddha's birthday", "children's day", "christmas day", "chuseok", "constitution day", "hangul day",
    "independence movement day", "korean new year", "labor day", "liberation day", "memorial day",
    "national foundation day", "new year's day",
    "개천절", "광복절", "기독탄신일", "노동절", "부처님오신날", "삼일절", "설날", "신정연휴", "어린이날",
    "제헌절", "추석", "한글날", "현충일",
})  # fmt: skip
# Days people name by their lunar date; the solar date comes from the lunar calendar each year.
LUNAR_DAYS = {"정월대보름": (1, 15), "대보름": (1, 15), "단오": (5, 5), "칠석": (7, 7)}


@functools.cache
def _year(year: int) -> dict[str, list[dt.date]]:
    """Base name (lower case, both languages) -> the dates of that holiday in `year`."""
    # Imported here: the library imports every country's module (0.5-1 s), which only a question
    # that names a holiday needs, once per container (NAMES finds whether it does).
    from holidays.countries.south_korea import SouthKorea

    found: dict[str, list[dt.date]] = {}
    for language in ("ko", "en_US"):
        for day, names in SouthKorea(years=year, language=language).items():
            for name in names.split("; "):
                if _SUBSTITUTE.search(name.lower()):
                    continue
                base = _AROUND.sub("", name.lower()).strip()
                found.setdefault(base, []).append(day)
    return found


def library_names() -> set[str]:
    """The base names the library gives for 2025 and 2026 (what NAMES is)."""
    return set(_year(2026)) | set(_year(2025))


@functools.cache
def _names() -> dict[str, str]:
    """Every way a holiday is written -> its base name; longest first, so that "설 연휴" is found
    before any shorter name inside it."""
    written = {**{name: name for name in NAMES if len(name) >= 2}, **ALIASES}
    return dict(sorted(written.items(), key=lambda item: len(item[0]), reverse=True))


def holiday_names(text: str) -> list[tuple[int, int, str]]:
    """(start, end, base name) of each holiday the (lower-case) text names."""
    found = []
    for written, base in _names().items():
        at = text.find(written)
        while at >= 0:
            found.append((at, at + len(written), base))
            text = text[:at] + " " * len(written) + text[at + len(written) :]
            at = text.find(written)
    return found


def holiday(base_name: str, year: int) -> Period | None:
    days = _year(year).get(base_name)
    return (min(days), max(days)) if days else None


def lunar_to_solar(year: int, month: int, day: int) -> dt.date | None:
    from korean_lunar_calendar import KoreanLunarCalendar

    calendar = KoreanLunarCalendar()
    if not calendar.setLunarDate(year, month, day, False):
        return None
    return dt.date.fromisoformat(calendar.SolarIsoFormat())
