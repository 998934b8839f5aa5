"""Care on bad days: words that speak of suicide or self-harm, found in code, and what is said back.

Detection is by phrases in Korean and English, read so that the everyday hyperbole of both languages
("죽을 만큼 맛있었다", "배고파 죽겠다", "dying to see it", "to die for", "자살골") does not count;
tests/data/crisis_set.tsv holds phrases of both kinds. A false alarm costs a kind sentence and two
phone numbers; a miss costs more, so a phrase that plainly speaks of wanting to die counts even in
the past tense. Nothing is blocked: the record is kept, the reply is gentle and carries the crisis
lines of the user's language. What was detected is never logged with the words.

The numbers and where each comes from (checked 2026-12 in published sources, not by calling them):
- 109, Korea's suicide prevention line (자살예방상담전화), 24 hours: the Ministry of Health and
  Welfare's press release of 2024-01-02, "분산된 자살예방 상담전화 1월 1일부터 '109'로 통합 운영"
  (republished by KDI at https://eiec.kdi.re.kr/policy/materialView.do?num=246730); it replaced 1393
  and the other scattered numbers.
- 988, the US 988 Suicide & Crisis Lifeline, call or text, 24 hours: designated by the FCC in 2020
  and live since 2022-07-16, as the Wyoming Department of Health describes it at
  https://health.wyo.gov/publichealth/prevention/wivpp/suicide-prevention/988-suicide-crisis-lifeline
- 112 and 119 (Korea) and 911 (US) are the emergency numbers for immediate danger.
English speakers outside the US are pointed to their local emergency number: the service does not
know their country, and no other English-speaking country's line was verified here.
"""

from __future__ import annotations

from dataclasses import dataclass

from handler.language import Language
from handler.lazy_pattern import LazyPattern


@dataclass(frozen=True)
class CrisisLine:
    name: str
    number: str
    source: str


CRISIS_LINES: dict[Language, list[CrisisLine]] = {
    "ko": [
        CrisisLine("자살예방상담전화 (24시간)", "109", "보건복지부 보도자료, 2024-01-02"),
        CrisisLine("긴급한 위험: 경찰 / 119 구급", "112 / 119", "대한민국 긴급신고 번호"),
    ],
    "en": [
        CrisisLine(
            "988 Suicide & Crisis Lifeline (US, call or text, 24 hours)", "988", "FCC designation, live 2022-07-16"
        ),
        CrisisLine("Immediate danger: emergency services (US)", "911", "US emergency number"),
    ],
}

GENTLE_REPLY: dict[Language, str] = {
    "ko": (
        "남겨 준 말 잘 받았고, 기록도 그대로 간직할게요. 많이 힘든 하루였던 것 같아요. 혼자 견디지 않아도 돼요. "
        "지금 이야기 나눌 사람이 필요하면 자살예방상담전화 109(24시간)에 전화해 주세요. "
        "당장 위험하다면 112나 119에 연락해 주세요."
    ),
    "en": (
        "Thank you for writing this down; your record is kept. It sounds like today has been really hard, and you "
        "don't have to carry it alone. If you are in the US, you can call or text 988 (Suicide & Crisis Lifeline, "
        "24 hours); if you are in immediate danger, call 911 or your local emergency number."
    ),
}

_KO = LazyPattern(
    r"죽고\s*싶(?!지\s*않)|죽어\s*버리고\s*싶|죽었으면\s*좋겠|죽는\s*(?:게|편이)\s*나[아을]|"
    r"자살\s*(?:생각|충동|시도|계획|하고\s*싶|할까|하려|해\s*버리)|자해|"
    r"살고\s*싶지\s*않|살기\s*싫|(?:그만|더\s*이상\s*못)\s*살겠|사라지고\s*싶|사라져\s*버리고\s*싶|없어지고\s*싶|"
    r"목숨을?\s*끊|극단적(?:인)?\s*(?:선택|생각)|손목을?\s*긋|뛰어\s*내리고\s*싶|"
    r"(?:살|사는|살아갈)\s*(?:이유|의미)가?\s*없|사는\s*게\s*의미\s*없|살아\s*있는\s*게\s*(?:너무\s*)?(?:괴로|지옥|고통)|"
    r"내일이\s*(?:안\s*왔|오지\s*않았)으면|눈을?\s*뜨지\s*않았으면|"
    r"삶을\s*끝내|다\s*끝내고\s*싶|세상에\s*없었으면|태어나지\s*말았어야"
)
_EN = LazyPattern(
    r"\b(?:kill(?:ing)?\s+myself|suicid(?:e|al)(?!\s+prevention)|self[-\s]?harm|"
    r"end(?:ing)?\s+(?:my|it)\s+(?:life|all)|take\s+my\s+(?:own\s+)?life|"
    r"(?:want|wanted|wanna)\s+to\s+die\b(?!\s+(?:my|of|for|laughing))|wish\s+i\s+(?:was|were)\s+dead|"
    r"better\s+off\s+(?:dead|without\s+me)|better\s+without\s+me|no\s+reason\s+to\s+live|"
    r"(?:no|see\s+no|don't\s+see\s+the|dont\s+see\s+the)\s+point\s+(?:in\s+)?(?:living|going\s+on|being\s+alive)|"
    r"(?:don't|do\s+not|dont)\s+want\s+to\s+(?:live|be\s+alive|be\s+here\s+any\s*more|exist)|"
    r"(?:hurt|cut|harm)(?:ing|ting|ed)?\s+myself|can't\s+go\s+on\s+(?:any\s*more|like\s+this))"
)


def speaks_of_crisis(text: str) -> bool:
    lowered = text.lower().replace("’", "'")
    return bool(_KO.search(lowered) or _EN.search(lowered))
