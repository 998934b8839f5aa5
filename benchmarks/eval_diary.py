"""The evaluation's diary: a year of one-a-day records, Korean and English, and labelled questions.

Every day from 2025-11-26 to 2026-11-25 ("today" of the questions) has one record. Most are the
ordinary texture of a life (work, commutes, evenings at home), written so that they share no topic
with the events. On chosen days an event replaces the ordinary record: a film, a trip to the sea,
a dentist's appointment, the holidays... Each question names the events that answer it, by key;
the evaluation maps keys to the ids the service gave the stored records.

Categories: days, weeks and weekdays, months, years and seasons, holidays, recency, topics,
paraphrases (other words for the same thing), cross-language (asked in the other language), and
questions nothing answers (a window with no records: "nothing found" without a model call).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

TODAY = dt.date(2026, 11, 25)
FIRST_DAY = dt.date(2025, 11, 26)

_ORDINARY_KO = [
    "출근해서 메일 정리하고 보고서 썼어",
    "지하철이 붐벼서 조금 늦었어",
    "집에서 빨래하고 청소했어",
    "퇴근하고 일찍 잤어",
    "하루 종일 집에서 쉬었어",
    "장 보러 마트 다녀왔어",
    "오전에 은행 업무 보고 왔어",
    "회사 근처에서 김밥 먹었어",
    "저녁에 뉴스 보다가 잠들었어",
    "방 정리를 조금 했어",
]
_ORDINARY_EN = [
    "Answered emails all morning and wrote a report",
    "Stayed in and did the laundry",
    "Went to bed early after a long commute",
    "Picked up groceries on the way home",
    "Quiet day, sorted out some paperwork",
]

# key: (day, text). Events replace the ordinary record of their day.
EVENTS: dict[str, tuple[dt.date, str]] = {
    "yesterday_sushi": (dt.date(2026, 11, 24), "저녁에 친구랑 초밥 먹었어"),
    "three_days_ago_bike": (dt.date(2026, 11, 22), "한강에서 자전거 탔어"),
    "saturday_boardgame": (dt.date(2026, 11, 21), "Played board games with friends all evening"),
    "last_friday_concert": (dt.date(2026, 11, 20), "금요일 밤에 재즈 공연 보러 갔어"),
    "this_monday_yoga": (dt.date(2026, 11, 23), "아침에 요가 수업 들었어"),
    "gym_recent_1": (dt.date(2026, 11, 18), "헬스장 가서 운동했어"),
    "gym_recent_2": (dt.date(2026, 11, 13), "Went to the gym after work"),
    "two_weeks_ago_sat_hike": (dt.date(2026, 11, 14), "관악산 등산 다녀왔어"),
    "oct_15_dinner": (dt.date(2026, 10, 15), "엄마 생신이라 가족 외식했어"),
    "early_oct_cinema": (dt.date(2026, 10, 4), "영화관에서 친구랑 공포 영화 봤어"),
    "late_sep_coffee": (dt.date(2026, 9, 27), "Tried the new cafe downstairs, great latte"),
    "chuseok_family": (dt.date(2026, 9, 25), "추석이라 부모님 댁에서 송편 빚었어"),
    "foundation_day_hike": (dt.date(2026, 10, 3), "개천절에 북한산 올라갔어"),
    "hangul_day_book": (dt.date(2026, 10, 9), "한글날 도서관에서 소설책 읽었어"),
    "summer_sea": (dt.date(2026, 8, 10), "해운대 바다에서 수영했어"),
    "summer_rain": (dt.date(2026, 7, 14), "장마라 하루 종일 비가 왔어"),
    "spring_cherry": (dt.date(2026, 4, 5), "벚꽃 보러 여의도 갔어"),
    "may_childrens_day": (dt.date(2026, 5, 5), "어린이날이라 조카랑 놀이공원 갔어"),
    "dentist": (dt.date(2026, 6, 17), "오늘 치과에서 스케일링 받았어"),
    "march_cinema": (dt.date(2026, 3, 14), "영화관 가서 듄 봤어"),
    "seollal_grandma": (dt.date(2026, 2, 17), "설날이라 할머니께 세배 드렸어"),
    "winter_snow": (dt.date(2026, 1, 20), "눈이 펑펑 와서 눈사람 만들었어"),
    "christmas_cake": (dt.date(2025, 12, 25), "크리스마스에 친구들이랑 케이크 먹었어"),
    "new_year": (dt.date(2026, 1, 1), "새해 첫날 해돋이 보러 갔어"),
    "en_pasta": (dt.date(2026, 9, 12), "Cooked pasta for my friends at home"),
    "en_flu": (dt.date(2026, 2, 3), "Caught the flu and stayed in bed with a fever"),
    "en_airport": (dt.date(2026, 6, 30), "Flew to Jeju, the airport was packed"),
    "ko_puppy": (dt.date(2026, 7, 25), "강아지 데리고 공원 산책했어"),
    "last_year_nov": (dt.date(2025, 11, 28), "첫 월급으로 부모님 선물 샀어"),
    "swim_lesson": (dt.date(2026, 5, 20), "수영장에서 수영 강습 받았어"),
}


def records() -> list[tuple[str | None, dt.date, str]]:
    """(event key or None, day, text), one a day, oldest first."""
    rng = random.Random(20261125)
    by_day = {day: (key, text) for key, (day, text) in EVENTS.items()}
    out = []
    day = FIRST_DAY
    while day <= TODAY:
        if day in by_day:
            key, text = by_day[day]
            out.append((key, day, text))
        else:
            pool = _ORDINARY_EN if rng.random() < 0.3 else _ORDINARY_KO
            out.append((None, day, rng.choice(pool)))
        day += dt.timedelta(days=1)
    return out


@dataclass(frozen=True)
class Question:
    category: str
    text: str
    # Event keys whose records answer it; empty: nothing does.
    answers: tuple[str, ...]


def _q(category: str, text: str, *answers: str) -> Question:
    return Question(category, text, answers)


QUESTIONS = [
    # days
    _q("days", "어제 뭐 먹었어?", "yesterday_sushi"),
    _q("days", "What did I have for dinner yesterday?", "yesterday_sushi"),
    _q("days", "사흘 전에 뭐 했어?", "three_days_ago_bike"),
    _q("days", "3일 전에 어디 갔었지?", "three_days_ago_bike"),
    _q("days", "what did I do three days ago?", "three_days_ago_bike"),
    _q("days", "10월 15일에 뭐 했지?", "oct_15_dinner"),
    _q("days", "2026-06-17에 어디 다녀왔어?", "dentist"),
    _q("days", "What did I do on June 30?", "en_airport"),
    _q("days", "2026년 7월 25일에 뭐 했어?", "ko_puppy"),
    _q("days", "11일 전에 뭐 했어?", "two_weeks_ago_sat_hike"),
    _q("days", "어제 누구랑 밥 먹었어?", "yesterday_sushi"),
    _q("days", "9월 12일에 누구 초대했었지?", "en_pasta"),
    # weeks and weekdays
    _q("weeks", "지난 금요일에 뭐 했어?", "last_friday_concert"),
    _q("weeks", "What did I do last Friday?", "last_friday_concert"),
    _q("weeks", "지난 주말에 뭐 했어?", "saturday_boardgame", "three_days_ago_bike"),
    _q("weeks", "last weekend?", "saturday_boardgame", "three_days_ago_bike"),
    _q("weeks", "지난주 토요일에 뭐 했지?", "saturday_boardgame"),
    _q("weeks", "2주 전 토요일에 어디 갔어?", "two_weeks_ago_sat_hike"),
    _q("weeks", "이번 주 월요일 아침에 뭐 했어?", "this_monday_yoga"),
    _q("weeks", "지지난 주말에 뭐 했어?", "two_weeks_ago_sat_hike"),
    _q("weeks", "Saturday two weeks ago?", "two_weeks_ago_sat_hike"),
    _q("weeks", "지난주에 운동했어?", "gym_recent_1"),
    # months
    _q("months", "지난달 15일에 뭐 했어?", "oct_15_dinner"),
    _q("months", "10월 초에 영화 봤어?", "early_oct_cinema"),
    _q("months", "9월 말에 어느 카페 갔었지?", "late_sep_coffee"),
    _q("months", "Did I try a new cafe in late September?", "late_sep_coffee"),
    _q("months", "the 15th of last month", "oct_15_dinner"),
    _q("months", "3월에 무슨 영화 봤어?", "march_cinema"),
    _q("months", "What movie did I see in March?", "march_cinema"),
    _q("months", "6월에 치과 갔었나?", "dentist"),
    _q("months", "지난달 초에 누구랑 영화 봤지?", "early_oct_cinema"),
    _q("months", "2월에 아팠던 적 있어?", "en_flu"),
    # years and seasons
    _q("years", "작년 이맘때 뭐 했지?", "last_year_nov"),
    _q("years", "올해 여름에 바다 갔었나?", "summer_sea"),
    _q("years", "last summer, did I go to the beach?", "summer_sea"),
    _q("years", "올해 봄에 꽃구경 갔어?", "spring_cherry"),
    _q("years", "지난 겨울에 눈 왔을 때 뭐 했어?", "winter_snow"),
    _q("years", "What did I do in the snow last winter?", "winter_snow"),
    _q("years", "여름에 비 많이 왔지?", "summer_rain"),
    _q("years", "작년에 부모님 선물 산 적 있어?", "last_year_nov"),
    _q("years", "this spring, did I take swimming lessons?", "swim_lesson"),
    _q("years", "올해 7월에 강아지랑 뭐 했어?", "ko_puppy"),
    # holidays
    _q("holidays", "추석에 뭐 했어?", "chuseok_family"),
    _q("holidays", "What did I do for Chuseok?", "chuseok_family"),
    _q("holidays", "설날에 누구 만났어?", "seollal_grandma"),
    _q("holidays", "Lunar New Year?", "seollal_grandma"),
    _q("holidays", "크리스마스에 뭐 했더라?", "christmas_cake"),
    _q("holidays", "What did I do on Christmas?", "christmas_cake"),
    _q("holidays", "어린이날에 어디 갔어?", "may_childrens_day"),
    _q("holidays", "개천절에 등산했어?", "foundation_day_hike"),
    _q("holidays", "한글날 뭐 했지?", "hangul_day_book"),
    _q("holidays", "새해 첫날 뭐 했어?", "new_year"),
    _q("holidays", "한가위에 송편 만들었어?", "chuseok_family"),
    # recency
    _q("recency", "요즘 운동 해?", "gym_recent_1", "gym_recent_2"),
    _q("recency", "Have I been working out lately?", "gym_recent_1", "gym_recent_2"),
    _q("recency", "최근에 친구들이랑 뭐 했어?", "saturday_boardgame", "yesterday_sushi"),
    _q("recency", "요새 뭐 먹었어?", "yesterday_sushi"),
    _q("recency", "최근 일주일 동안 공연 본 적 있어?", "last_friday_concert"),
    # The three days ending today: the 23rd to the 25th.
    _q("recency", "지난 3일 동안 뭐 했어?", "this_monday_yoga", "yesterday_sushi"),
    _q("recency", "what have I been up to lately?", "yesterday_sushi", "three_days_ago_bike", "saturday_boardgame"),
    _q("recency", "요즘 어떻게 지냈어?", "yesterday_sushi", "three_days_ago_bike", "saturday_boardgame"),
    _q("recency", "the past week, did I go to a concert?", "last_friday_concert"),
    _q("recency", "최근에 등산 갔어?", "two_weeks_ago_sat_hike"),
    # topics
    _q("topics", "치과 언제 갔지?", "dentist"),
    _q("topics", "마지막으로 초밥 먹은 게 언제야?", "yesterday_sushi"),
    _q("topics", "해돋이 보러 간 적 있어?", "new_year"),
    _q("topics", "When did I have the flu?", "en_flu"),
    _q("topics", "제주 갔을 때 공항 어땠어?", "en_airport"),
    _q("topics", "벚꽃 보러 어디 갔었지?", "spring_cherry"),
    _q("topics", "송편 빚은 적 있어?", "chuseok_family"),
    _q("topics", "놀이공원 누구랑 갔어?", "may_childrens_day"),
    _q("topics", "When did I cook pasta?", "en_pasta"),
    _q("topics", "재즈 공연 언제 봤지?", "last_friday_concert"),
    # paraphrases
    _q("paraphrases", "이빨 치료 받은 날이 언제였지?", "dentist"),
    _q("paraphrases", "극장 가서 뭐 봤었지?", "march_cinema", "early_oct_cinema"),
    _q("paraphrases", "바닷가에서 물놀이 한 날", "summer_sea"),
    _q("paraphrases", "감기 걸려서 아팠던 날 있었지?", "en_flu"),
    _q("paraphrases", "책 읽은 날 있어?", "hangul_day_book"),
    _q("paraphrases", "산에 올라간 적 있어?", "foundation_day_hike", "two_weeks_ago_sat_hike"),
    _q("paraphrases", "비행기 탄 적 있어?", "en_airport"),
    _q("paraphrases", "반려견이랑 걸었던 날", "ko_puppy"),
    _q("paraphrases", "음악 공연 간 적 있어?", "last_friday_concert"),
    _q("paraphrases", "헬스 한 적 있어?", "gym_recent_1", "gym_recent_2"),
    # cross-language
    _q("cross-language", "When did I go to the dentist?", "dentist"),
    _q("cross-language", "Did I see a movie at the cinema?", "march_cinema", "early_oct_cinema"),
    _q("cross-language", "Did I swim in the sea?", "summer_sea"),
    _q("cross-language", "When did I walk the dog?", "ko_puppy"),
    _q("cross-language", "Did I read a novel at the library?", "hangul_day_book"),
    _q("cross-language", "When did I go hiking?", "foundation_day_hike", "two_weeks_ago_sat_hike"),
    _q("cross-language", "파스타 요리한 적 있어?", "en_pasta"),
    _q("cross-language", "독감 걸렸던 적 있어?", "en_flu"),
    _q("cross-language", "보드게임 한 적 있어?", "saturday_boardgame"),
    _q("cross-language", "공항 간 적 있어?", "en_airport"),
    # nothing answers: a window with no records
    _q("nothing", "2024년 크리스마스에 뭐 했어?"),
    _q("nothing", "재작년 여름에 어디 갔었지?"),
    _q("nothing", "What did I do in 2023?"),
    _q("nothing", "2025년 3월에 뭐 했어?"),
    _q("nothing", "2025년 10월 초에 영화 봤어?"),
    _q("nothing", "2년 전에 뭐 했지?"),
    _q("nothing", "2025-01-01에 뭐 했어?"),
    _q("nothing", "작년 봄에 꽃구경 갔어?"),
    _q("nothing", "the year before last?"),
    _q("nothing", "작년 추석에 뭐 했어?"),
]
