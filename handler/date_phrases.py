"""The dates a question speaks of, resolved against the user's today, in code (no model call).

Korean and English. Each phrase becomes the span it means: a day (어제, 사흘 전, 지난 금요일, 1월 13일,
last Friday, October 3rd), a weekend (지난 주말: its Saturday and Sunday), a week (지난주, 2주 전),
part of a month (10월 초/중순/말, late October, 지난달 15일), a month, a season (작년 여름), a year
(작년, 2025년), a holiday (설날 and 추석 with the days around them; handler.korean_calendar), a
lunar date (음력 8월 15일, 정월대보름), or a span that ends today (지난 3일 동안, the past week). Vague
recency (요즘, 최근, lately) is the last `recent_days` days. Several phrases give the span that
covers them all.

Phrases are read most specific first, and the words a phrase used are blanked before the next
looks, so "지난주 금요일" is one Friday and not also the whole of last week. Spans are calendar
spans ("지난주" is Monday to Sunday, "1년 전" that year), but weeks and months ago point at a day:
"일주일 전", "2주 전", "한 달 전", "a month ago" are the AROUND_DAYS days either side of it (people
count loosely; the whole week or month would hand a question 31 days of records). "지난 3일 동안" and
"the past 3 days" are the three days ending today.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Iterator

from handler import korean_calendar
from handler.lazy_pattern import LazyPattern

Period = tuple[dt.date, dt.date]
DAY = dt.timedelta(days=1)
# How far either side of a loosely named point in time ("일주일 전", "a month ago") a question looks.
AROUND_DAYS = 3

# --- words ---------------------------------------------------------------------------------------
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a couple of": 2, "couple of": 2,
    "a few": 3, "few": 3,
    "한": 1, "두": 2, "세": 3, "네": 4, "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9, "열": 10,
}  # fmt: skip
_NUM = r"(\d{1,3}|a couple of|couple of|a few|few|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_KO_NUM = r"(\d{1,3}|한|두|세|네|다섯|여섯|일곱|여덟|아홉|열)"
# Native Korean day counts.
_KO_DAYS = {"하루": 1, "이틀": 2, "사흘": 3, "나흘": 4, "닷새": 5, "엿새": 6, "이레": 7, "여드레": 8,
            "아흐레": 9, "열흘": 10, "보름": 15}  # fmt: skip
_KO_DAY_COUNT = "(" + "|".join(sorted(_KO_DAYS, key=len, reverse=True)) + ")"

_MONTH_NAMES = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
                "october", "november", "december"]  # fmt: skip
_MONTHS = {name: i + 1 for i, name in enumerate(_MONTH_NAMES)}
_MONTHS.update({name[:3]: i + 1 for i, name in enumerate(_MONTH_NAMES) if name != "may"}, sept=9)
_MONTH = r"(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")"
_ORD = r"(\d{1,2})(?:st|nd|rd|th)?"
_WEEKDAYS = {"월": 0, "화": 1, "수": 2, "목": 3, "금": 4, "토": 5, "일": 6, "monday": 0, "tuesday": 1,
             "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}  # fmt: skip
_KO_WEEKDAY = r"([월화수목금토일])요일"
_EN_WEEKDAY = r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_SEASONS = {"봄": "spring", "여름": "summer", "가을": "autumn", "겨울": "winter", "spring": "spring",
            "summer": "summer", "autumn": "autumn", "fall": "autumn", "winter": "winter"}  # fmt: skip
_SEASON = r"(봄|여름|가을|겨울|spring|summer|autumn|fall|winter)"
# Korean meteorological seasons; winter runs from December into the next year's February.
_SEASON_START = {"spring": 3, "summer": 6, "autumn": 9, "winter": 12}
_PARTS = {"초": "early", "초순": "early", "중순": "mid", "말": "late", "하순": "late", "early": "early",
          "beginning": "early", "start": "early", "mid": "mid", "middle": "mid", "late": "late",
          "end": "late"}  # fmt: skip
_KO_PART = r"(초순|초|중순|하순|말)"
_EN_PART = r"(?:(early|mid|late)[\s-]+|(?:the\s+)?(beginning|start|middle|end)\s+of\s+)"
_YEAR_WORDS = {"재작년": 2, "지지난해": 2, "the year before last": 2, "작년": 1, "지난해": 1, "last year": 1,
               "올해": 0, "올": 0, "금년": 0, "this year": 0}  # fmt: skip
_YEAR = r"(재작년|지지난해|작년|지난해|올해|금년|the year before last|last year|this year|(?:19|20)\d{2}\s*년?)"
_KO_YEAR_BEFORE = LazyPattern(_YEAR + r"\s*(?:의\s*)?$")


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBERS[text]


def _year_of(word: str, today: dt.date) -> int:
    word = word.strip()
    return today.year - _YEAR_WORDS[word] if word in _YEAR_WORDS else int(re.sub(r"\D", "", word))


def _back(word: str) -> int:
    """How many weeks or months back a 이번/지난/지지난 (this/last/before last) word points."""
    if word.startswith(("지지난", "저저번")) or "before last" in word:
        return 2
    return 1 if word.startswith(("지난", "저번", "last", "previous")) else 0


# --- calendar arithmetic -------------------------------------------------------------------------
def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _one_day(day: dt.date | None) -> Period | None:
    return (day, day) if day else None


def _months_back(today: dt.date, months: int) -> tuple[int, int]:
    index = today.year * 12 + today.month - 1 - months
    return index // 12, index % 12 + 1


def _month(year: int, month: int) -> Period | None:
    if not 1 <= month <= 12:
        return None
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _so_far(period: Period | None, today: dt.date) -> Period | None:
    """A span that is still going on ends today."""
    if period is None:
        return None
    return period[0], min(period[1], max(today, period[0]))


def _part_of_month(year: int, month: int, part: str) -> Period | None:
    span = _month(year, month)
    if span is None:
        return None
    first, last = span
    return {"early": (first, first.replace(day=10)), "mid": (first.replace(day=11), first.replace(day=20)),
            "late": (first.replace(day=21), last)}[part]  # fmt: skip


def _latest_month_year(month: int, today: dt.date) -> int:
    """The year of the latest `month` that has begun: this year's unless it is still ahead."""
    return today.year if month <= today.month else today.year - 1


def _latest_day(month: int, day: int, today: dt.date) -> dt.date | None:
    this_year = _date(today.year, month, day)
    return this_year if this_year and this_year <= today else _date(today.year - 1, month, day)


def _week(today: dt.date, weeks_back: int) -> Period:
    monday = today - dt.timedelta(days=today.weekday() + 7 * weeks_back)
    return monday, monday + 6 * DAY


def _around(day: dt.date, today: dt.date) -> Period:
    """A point in time named loosely ("일주일 전", "a month ago"): the few days around it, not today's."""
    return day - AROUND_DAYS * DAY, min(day + AROUND_DAYS * DAY, today - DAY)


def _day_months_back(today: dt.date, months: int) -> dt.date:
    """The same day of the month `months` back, or that month's last day when it has fewer days."""
    year, month = _months_back(today, months)
    return dt.date(year, month, min(today.day, calendar.monthrange(year, month)[1]))


def _season(name: str, year: int) -> Period:
    start = dt.date(year, _SEASON_START[name], 1)
    end_year, end_month = (year + 1, 2) if name == "winter" else (year, _SEASON_START[name] + 2)
    return start, dt.date(end_year, end_month, calendar.monthrange(end_year, end_month)[1])


def _latest_season(name: str, today: dt.date, completed: bool = False) -> Period:
    """The latest `name` that has begun, or with `completed` the latest that has ended."""
    year = today.year
    while _season(name, year)[0] > today or (completed and _season(name, year)[1] >= today):
        year -= 1
    return _season(name, year)


# --- the phrases, most specific first ------------------------------------------------------------
Found = tuple[int, int, Period]
Finder = Callable[[str, dt.date], Iterator[Found]]
_FINDERS: list[Finder] = []


def phrase(pattern: str) -> Callable[[Callable[[re.Match[str], dt.date], Period | None]], Finder]:
    """Register a regular expression and what its match means."""
    compiled = LazyPattern(pattern)

    def register(meaning: Callable[[re.Match[str], dt.date], Period | None]) -> Finder:
        def find(text: str, today: dt.date) -> Iterator[Found]:
            for match in compiled.finditer(text):
                period = meaning(match, today)
                if period is not None:
                    yield match.start(), match.end(), period

        _FINDERS.append(find)
        return find

    return register


@phrase(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})")
def _iso(m, today):
    return _one_day(_date(int(m[1]), int(m[2]), int(m[3])))


@phrase(r"(\d{4})\s*년\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일")
def _ko_full(m, today):
    return _one_day(_date(int(m[1]), int(m[2]), int(m[3])))


@phrase(r"\b" + _MONTH + r"\.?\s+" + _ORD + r",?\s+(\d{4})\b|\b" + _ORD + r"\s+(?:of\s+)?" + _MONTH + r",?\s+(\d{4})\b")
def _en_full(m, today):
    if m[1]:
        return _one_day(_date(int(m[3]), _MONTHS[m[1]], int(m[2])))
    return _one_day(_date(int(m[6]), _MONTHS[m[5]], int(m[4])))


@phrase(r"음력\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일|(정월\s*대보름|대보름|단오|칠석)")
def _lunar(m, today):
    month, day = (int(m[1]), int(m[2])) if m[1] else korean_calendar.LUNAR_DAYS[m[3].replace(" ", "")]
    for year in (today.year, today.year - 1):
        solar = korean_calendar.lunar_to_solar(year, month, day)
        if solar and solar <= today:
            return solar, solar
    return None


@phrase(r"(?:1|한|일)\s*년\s*전\s*(?:오늘|이\s*날)|작년\s*오늘|a year ago today|this day last year")
def _a_year_ago_today(m, today):
    return _one_day(_date(today.year - 1, today.month, today.day) or today - 365 * DAY)


@phrase(r"작년\s*(?:이맘때|이\s*맘때|이\s*무렵|이\s*때)|(?:around\s+)?this time last year")
def _this_time_last_year(m, today):
    center = _date(today.year - 1, today.month, today.day) or today - 365 * DAY
    return center - 7 * DAY, center + 7 * DAY


def _holidays(text: str, today: dt.date) -> Iterator[Found]:
    """설날, 추석, 크리스마스, Chuseok ... with a year word before them (작년 추석) or the latest one."""
    for start, end, base in korean_calendar.holiday_names(text):
        year_word = _KO_YEAR_BEFORE.search(text[:start])
        if year_word:
            start = year_word.start()
            span = korean_calendar.holiday(base, _year_of(year_word[1], today))
        else:
            span = korean_calendar.holiday(base, today.year)
            if span is None or span[0] > today:
                span = korean_calendar.holiday(base, today.year - 1)
        if span:
            yield start, end, span


_FINDERS.append(_holidays)


@phrase(_YEAR + r"\s*(?:의\s*|'s\s+)?" + _SEASON + r"|" + _SEASON + r"\s+(?:of\s+)?((?:19|20)\d{2})\b")
def _year_season(m, today):
    if m[1]:
        return _season(_SEASONS[m[2]], _year_of(m[1], today))
    return _season(_SEASONS[m[3]], int(m[4]))


@phrase(r"(지난|저번|last|이번|올|this)\s*" + _SEASON)
def _relative_season(m, today):
    name = _SEASONS[m[2]]
    if m[1] in ("지난", "저번", "last"):
        return _latest_season(name, today, completed=True)
    year = today.year - 1 if name == "winter" and today.month <= 2 else today.year
    return _season(name, year)


@phrase(
    r"(?<![가-힣])(봄|여름|가을|겨울)(?![가-힣]{2})|\b(?:in|during)\s+(?:the\s+)?(spring|summer|autumn|fall|winter)\b"
)
def _latest_season_phrase(m, today):
    return _latest_season(_SEASONS[m[1] or m[2]], today)


@phrase(_YEAR + r"\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일")
def _year_month_day(m, today):
    return _one_day(_date(_year_of(m[1], today), int(m[2]), int(m[3])))


@phrase(_YEAR + r"\s*(\d{1,2})\s*월\s*" + _KO_PART)
def _year_month_part(m, today):
    return _part_of_month(_year_of(m[1], today), int(m[2]), _PARTS[m[3]])


@phrase(_YEAR + r"\s*(\d{1,2})\s*월")
def _year_month(m, today):
    return _so_far(_month(_year_of(m[1], today), int(m[2])), today)


@phrase(_EN_PART + r"?" + _MONTH + r",?\s+((?:19|20)\d{2})\b|" + _EN_PART + r"?(last|this)\s+year'?s\s+" + _MONTH
        + r"|" + _MONTH + r"\s+(last|this)\s+year")  # fmt: skip
def _en_year_month(m, today):
    if m[3]:
        part, month, year = m[1] or m[2], _MONTHS[m[3]], int(m[4])
    elif m[7]:
        part, month, year = m[5] or m[6], _MONTHS[m[8]], today.year - (m[7] == "last")
    else:
        part, month, year = None, _MONTHS[m[9]], today.year - (m[10] == "last")
    return _part_of_month(year, month, _PARTS[part]) if part else _month(year, month)


@phrase(r"(지지난\s*달|저저번\s*달|지난\s*달|저번\s*달|이번\s*달|이달)\s*(\d{1,2})\s*일")
def _ko_relative_month_day(m, today):
    year, month = _months_back(today, _back(m[1]))
    return _one_day(_date(year, month, int(m[2])))


@phrase(r"(?:the\s+)?" + _ORD + r"\s+of\s+(last|this)\s+month|(last|this)\s+month'?s\s+" + _ORD)
def _en_relative_month_day(m, today):
    day, which = (m[1], m[2]) if m[1] else (m[4], m[3])
    year, month = _months_back(today, _back(which))
    return _one_day(_date(year, month, int(day)))


@phrase(r"(지지난\s*달|지난\s*달|저번\s*달|이번\s*달|이달)\s*" + _KO_PART)
def _ko_relative_month_part(m, today):
    return _part_of_month(*_months_back(today, _back(m[1])), _PARTS[m[2]])


@phrase(_EN_PART + r"(last|this)\s+month")
def _en_relative_month_part(m, today):
    return _part_of_month(*_months_back(today, _back(m[3])), _PARTS[m[1] or m[2]])


@phrase(r"(\d{1,2})\s*월\s*(\d{1,2})\s*일")
def _ko_month_day(m, today):
    return _one_day(_latest_day(int(m[1]), int(m[2]), today))


@phrase(r"\b" + _MONTH + r"\.?\s+" + _ORD + r"\b|\b" + _ORD + r"\s+(?:of\s+)?" + _MONTH + r"\b")
def _en_month_day(m, today):
    month, day = (_MONTHS[m[1]], int(m[2])) if m[1] else (_MONTHS[m[4]], int(m[3]))
    return _one_day(_latest_day(month, day, today))


@phrase(r"(\d{1,2})\s*월\s*" + _KO_PART)
def _ko_month_part(m, today):
    month = int(m[1])
    return _part_of_month(_latest_month_year(month, today), month, _PARTS[m[2]])


@phrase(_EN_PART + _MONTH + r"\b")
def _en_month_part(m, today):
    month = _MONTHS[m[3]]
    return _part_of_month(_latest_month_year(month, today), month, _PARTS[m[1] or m[2]])


@phrase(r"(?<![\d월])(\d{1,2})\s*월(?!\s*\d)")
def _ko_month(m, today):
    month = int(m[1])
    return _so_far(_month(_latest_month_year(month, today), month), today) if 1 <= month <= 12 else None


@phrase(r"\b(in|during|since|of|last|this)\s+" + _MONTH + r"\b|\b" + _MONTH + r"\b")
def _en_month(m, today):
    if m[3] == "may":
        return None  # "may" on its own is a verb
    word, month = m[1], _MONTHS[m[2] or m[3]]
    if word == "this":
        return _so_far(_month(today.year, month), today)
    year = _latest_month_year(month, today)
    if word == "last" and (year, month) == (today.year, today.month):
        year -= 1
    return _so_far(_month(year, month), today)


# Weekdays of a named week: 이번 주 화요일, 지난주 금요일, 2주 전 금요일, Friday last week
@phrase(r"(이번\s*주|지난\s*주|저번\s*주|지지난\s*주|" + _KO_NUM + r"\s*주\s*전)\s*(?:의\s*)?" + _KO_WEEKDAY)
def _ko_week_weekday(m, today):
    back = _number(m[2]) if m[2] else _back(m[1])
    return _one_day(_week(today, back)[0] + _WEEKDAYS[m[3]] * DAY)


@phrase(_EN_WEEKDAY + r"\s+(last|this)\s+week|(last|this)\s+week'?s\s+" + _EN_WEEKDAY + r"|" + _EN_WEEKDAY
        + r",?\s+" + _NUM + r"\s+weeks?\s+ago")  # fmt: skip
def _en_week_weekday(m, today):
    if m[5]:
        return _one_day(_week(today, _number(m[6]))[0] + _WEEKDAYS[m[5]] * DAY)
    weekday, which = (m[1], m[2]) if m[1] else (m[4], m[3])
    return _one_day(_week(today, _back(which))[0] + _WEEKDAYS[weekday] * DAY)


# Weekends before weeks: "지난 주말" is not "지난 주".
@phrase(r"(이번|지난|저번|지지난|" + _KO_NUM + r"\s*주\s*전)?\s*주말|(this|last|the)\s+weekend(\s+before\s+last)?"
        r"|" + _NUM + r"\s+weekends?\s+ago")  # fmt: skip
def _weekend(m, today):
    if m[2] or m[5]:
        back = _number(m[2] or m[5])
    elif m[4]:
        back = 2
    elif m[1] or m[3] in ("this", "last"):
        back = _back(m[1] or m[3])
    else:
        back = 0 if today.weekday() >= 5 else 1  # the weekend: the latest that has begun
    saturday = _week(today, back)[0] + 5 * DAY
    return saturday, saturday + DAY


# Spans that end today: 지난 3일 동안, 최근 일주일, 요 며칠, the past two weeks
@phrase(r"(?:지난|최근|요\s*근래|근래)\s*(?:(\d{1,3})\s*(일|주일|주|달|개월)|" + _KO_NUM + r"\s*(주일|주|달)"
        r"|(일주일|한\s*주|한\s*달|" + _KO_DAY_COUNT[1:-1] + r"))\s*(?:동안|간|사이)?"
        r"|(?:요|지난|최근)\s*며칠")  # fmt: skip
def _ko_span(m, today):
    if m[1]:
        count, unit = int(m[1]), m[2]
    elif m[3]:
        count, unit = _number(m[3]), m[4]
    elif m[5]:
        word = m[5].replace(" ", "")
        words = {"일주일": (1, "주"), "한주": (1, "주"), "한달": (1, "달")}
        count, unit = words.get(word, (_KO_DAYS.get(word, 0), "일"))
    else:
        count, unit = 7, "일"  # 요 며칠: a few days, taken as a week
    days = count * {"일": 1, "주": 7, "주일": 7, "달": 30, "개월": 30}[unit]
    return (today - (days - 1) * DAY, today) if days else None


@phrase(
    r"(?:the\s+)?(?:past|last|previous)\s+" + _NUM + r"\s+(days?|weeks?|months?)"
    r"|(?:the\s+)?past\s+(day|week|month)"
)
def _en_span(m, today):
    count, unit = (_number(m[1]), m[2]) if m[1] else (1, m[3])
    days = count * {"day": 1, "week": 7, "month": 30}[unit.rstrip("s")]
    return today - (days - 1) * DAY, today


# N units ago: 사흘 전, 3일 전, 2주 전, 두 달 전, 3 days ago, a week ago, 1년 전, two years ago
@phrase(_KO_DAY_COUNT + r"\s*전")
def _ko_native_days_ago(m, today):
    return _one_day(today - _KO_DAYS[m[1]] * DAY)


@phrase(r"(?:(\d{1,3})\s*일|" + _KO_NUM + r"\s*(주일|주|달|개월|년)|(일주일|한\s*달))\s*전")
def _ko_ago(m, today):
    if m[1]:
        return _one_day(today - int(m[1]) * DAY)
    count, unit = (1, "주" if m[4] == "일주일" else "달") if m[4] else (_number(m[2]), m[3])
    if unit in ("주", "주일"):
        return _around(today - 7 * count * DAY, today)
    if unit == "년":
        return dt.date(today.year - count, 1, 1), dt.date(today.year - count, 12, 31)
    return _around(_day_months_back(today, count), today)


@phrase(r"\b" + _NUM + r"\s+(days?|weeks?|months?|years?)\s+ago")
def _en_ago(m, today):
    count, unit = _number(m[1]), m[2].rstrip("s")
    if unit == "day":
        return _one_day(today - count * DAY)
    if unit == "week":
        return _around(today - 7 * count * DAY, today)
    if unit == "year":
        return dt.date(today.year - count, 1, 1), dt.date(today.year - count, 12, 31)
    return _around(_day_months_back(today, count), today)


@phrase(
    r"(?<!\d)((?:19|20)\d{2})\s*년|\bin\s+((?:19|20)\d{2})\b"
    r"|(재작년|지지난해|작년|지난해|올해|금년|the year before last|last year|this year)"
)
def _year(m, today):
    year = int(m[1] or m[2]) if (m[1] or m[2]) else _year_of(m[3], today)
    return _so_far((dt.date(year, 1, 1), dt.date(year, 12, 31)), today)


@phrase(
    r"(지지난\s*주|저저번\s*주|지난\s*주|저번\s*주|이번\s*주|금주)|\b(?:the\s+)?week\s+before\s+last|\b(?:last|this)\s+week\b"
)
def _week_phrase(m, today):
    back = _back(m[1] or m[0])
    return _so_far(_week(today, back), today) if back == 0 else _week(today, back)


@phrase(
    r"(지지난\s*달|저저번\s*달|지난\s*달|저번\s*달|이번\s*달|이달|금월)|\b(?:the\s+)?month\s+before\s+last|\b(?:last|this)\s+month\b"
)
def _month_phrase(m, today):
    back = _back(m[1] or m[0])
    span = _month(*_months_back(today, back))
    return _so_far(span, today) if back == 0 else span


# Weekdays of the latest week: 지난 금요일, last Friday (before today); 금요일, on Friday (today or before)
@phrase(r"(?:지난|저번)\s*" + _KO_WEEKDAY + r"|\blast\s+" + _EN_WEEKDAY)
def _last_weekday(m, today):
    weekday = _WEEKDAYS[m[1] or m[2]]
    return _one_day(today - ((today.weekday() - weekday - 1) % 7 + 1) * DAY)


@phrase(r"(이번\s*)?" + _KO_WEEKDAY + r"|\b(this\s+)?" + _EN_WEEKDAY + r"\b")
def _latest_weekday(m, today):
    weekday = _WEEKDAYS[m[2] or m[4]]
    if m[1] or m[3]:
        return _one_day(_week(today, 0)[0] + weekday * DAY)
    return _one_day(today - ((today.weekday() - weekday) % 7) * DAY)


# A day of this month: 15일에, on the 15th (last month's when this month's is still ahead)
@phrase(r"(?<![\d월])(?<!월 )(\d{1,2})\s*일(?=\s*(?:에|날|은|는|엔|$|\?|,))|\bon\s+the\s+(\d{1,2})(?:st|nd|rd|th)\b")
def _day_of_month(m, today):
    day = int(m[1] or m[2])
    this_month = _date(today.year, today.month, day)
    if this_month and this_month <= today:
        return this_month, this_month
    return _one_day(_date(*_months_back(today, 1), day))


# Days and parts of days: 어젯밤, 오늘 아침, last night, this morning
_DAYS_BACK = [
    (r"그그저께|그끄저께", 3),
    (r"그저께|그제|엊그제|엊그저께|(?:the\s+)?day before yesterday", 2),
    (r"어젯\s*밤|어제|어저께|yesterday|last night", 1),
    (r"오늘|아까|방금|today|tonight|this (?:morning|afternoon|evening)", 0),
]


def _days_back(days: int) -> Callable[[re.Match[str], dt.date], Period | None]:
    return lambda m, today: _one_day(today - days * DAY)


for _pattern, _days in _DAYS_BACK:
    phrase(_pattern)(_days_back(_days))

_RECENT = LazyPattern(
    r"요즘|요즈음|요새|최근|근래|근간|lately|recently|these days|of late|"
    r"how (?:have|am|was) i\b|how i(?:'ve| have) been|어떻게 지냈|잘 지냈"
)


def resolve(question: str, today: dt.date, recent_days: int = 14) -> Period | None:
    """The span the question's dates cover, or None when it names none."""
    periods, rest = _read(question, today)
    if not periods and _RECENT.search(rest):
        periods.append((today - (recent_days - 1) * DAY, today))
    if not periods:
        return None
    return min(p[0] for p in periods), max(p[1] for p in periods)


def without_dates(text: str, today: dt.date) -> str:
    """The text, lower-cased, with the date phrases it names blanked: what the words say besides when."""
    return _read(text, today)[1]


def _read(text: str, today: dt.date) -> tuple[list[Period], str]:
    text = text.lower()
    periods: list[Period] = []
    for find in _FINDERS:
        for start, end, period in list(find(text, today)):
            periods.append(period)
            text = text[:start] + " " * (end - start) + text[end:]
    return periods, text
