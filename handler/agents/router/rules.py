"""Routing in code: the requests whose words decide what they ask for, with no model call.

A request is cut into clauses at sentence ends (and at a comma before a command or a question, and
where a Korean statement in the past runs on into a command: "영화 봤는데 일기 써줘"), and
each clause is read on its own: a greeting, thanks or "what can you do" is small talk; a bare command
("일기 써줘", "draw a picture for yesterday", "이번 주 감정 리포트 만들어줘": only a command, dates and
filler words) is that command; a clause ending in a question mark, or asking with question words and a
question ending, is a question; a clause with none of these marks and no word of a capability is a
plain statement, stored as a record. Neighbouring statements are one record. A clause that fits none
of these (a command with more in it, "일기 쓰기 싫다", a question word without a question's ending)
leaves the whole request to the routing model: code decides only where a person reading it would not
hesitate, so what it decides it decides right (benchmarks/routing_eval.py measures both).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from handler import date_phrases
from handler.lazy_pattern import LazyPattern

StepType = Literal["data", "question", "diary", "image", "report", "small_talk"]
MAX_STEPS = 3


@dataclass(frozen=True)
class Step:
    type: StepType
    text: str = ""


# --- small talk -----------------------------------------------------------------------------------
_SMALL_TALK = LazyPattern(
    r"(?:(?:안녕(?:하세요|하십니까)?|하이|ㅎㅇ|반가워요?|반갑습니다|고마워요?|고맙습니다|감사(?:합니다|해요)?|땡큐|"
    r"잘\s*자|좋은\s*아침|수고했어요?|넌\s*누구(?:야|니|예요)?|누구세요|도움말|사용법|도와줘|"
    r"(?:너는?\s*|넌\s*)?(?:뭐|뭘|무엇을)\s*할\s*수\s*있(?:어|어요|니|나요)|어떻게\s*(?:써|쓰는\s*거야|사용해)|"
    r"hi|hello|hey|hiya|good\s+(?:morning|evening|night)|thanks(?:\s+a\s+lot)?|thank\s+you(?:\s+so\s+much)?|thx|"
    r"what\s+can\s+you\s+do(?:\s+for\s+me)?|help|how\s+do\s+i\s+use\s+(?:this|you|it)|who\s+are\s+you)"
    r"(?:\s+(?:there|again|you|too))?[\s!?.~,ㅎㅋ^]*)+"
)

# --- commands -------------------------------------------------------------------------------------
# After the dates are blanked: the command words, filler around them, nothing else.
_KO_ASK = r"(?:줘|줘요|주세요|줄래|줄래요|주라|줘라|주실래요|줄\s*수\s*있어|줄\s*수\s*있어요|주겠니)"
_KO_FILLER = (
    r"(?:\s|내|나의|제|우리|하루|의|에|좀|오늘|날|그날|한\s*장|하나|빨리|얼른|다시"
    r"|그리고|그\s*다음에?|다음에?|또|이어서)*"
)
_KO_PARTICLE = r"(?:를|을|로|으로|도|는|은)?"
_KO_PLEASE = r"(?:부탁해|부탁해요|부탁합니다|부탁)"


def _ko_command(noun: str, verbs: str) -> str:
    """The noun (with its particle), then a verb asking for it or a bare 부탁해, filler around both."""
    asking = r"(?:(?:" + verbs + r")\s*" + _KO_ASK + "|" + _KO_PLEASE + ")"
    return _KO_FILLER + noun + _KO_PARTICLE + _KO_FILLER + asking


_KO_COMMANDS: list[tuple[StepType, str]] = [
    ("image", _ko_command(r"(?:일기\s*(?:에\s*(?:어울리는|맞는)|로|으로|에)?\s*)?(?:그림|이미지|일러스트)",
                          r"그려|만들어|생성해|그려서\s*보여")),
    ("diary", _ko_command(r"(?:일기|다이어리)", r"써|작성해|적어|만들어|정리해")),
    ("report", _ko_command(r"(?:감정|기분|마음)?\s*(?:리포트|레포트|보고서|분석)",
                           r"만들어|작성해|써|뽑아|보여|해|정리해")),
]  # fmt: skip
_EN_LEAD = r"(?:(?:please|pls|can\s+you|could\s+you|would\s+you|will\s+you|then|and|also|now)\s+)*"
_EN_DET = r"(?:(?:me|my|a|an|the|'s|s|one|for|of|on|about|day|days|diary|emotion|emotional|mood)\s+)*"
_EN_TAIL = r"(?:\s*(?:for|of|on|about|from|to|over|the|my|me|day|days|diary|entry|please|now|and|'s|it|too|also))*"
_EN_COMMANDS: list[tuple[StepType, str]] = [
    ("image", _EN_LEAD + r"(?:draw|make|create|generate|paint)\s+" + _EN_DET
              + r"(?:picture|image|drawing|illustration|painting)" + _EN_TAIL),
    ("image", _EN_LEAD + r"draw" + _EN_TAIL),
    ("diary", _EN_LEAD + r"(?:write|make|create|generate|do)\s+" + _EN_DET
              + r"(?:diary|journal)(?:\s+entry)?" + _EN_TAIL),
    ("report", _EN_LEAD + r"(?:make|create|generate|write|give\s+me|show\s+me|do)\s+" + _EN_DET
               + r"(?:report|analysis)" + _EN_TAIL),
]  # fmt: skip
_COMMANDS = [(kind, LazyPattern(pattern + r"[\s!.~?]*")) for kind, pattern in _KO_COMMANDS + _EN_COMMANDS]

# --- questions and statements ---------------------------------------------------------------------
_KO_QUESTION_WORD = LazyPattern(
    r"뭐|뭘|무엇|무슨|언제|어디|누구|누가|몇|얼마나|어땠|어떤|어떻게|어떘|왜|있었나|했나|였나"
)
_KO_QUESTION_END = LazyPattern(
    r"(?:지|더라|까|니|냐|나|나요|까요|죠|는지\s*알려\s*줘|알려\s*줘|알려\s*주세요)[\s.!~]*$"
)
_EN_QUESTION_START = LazyPattern(
    # "What a day", "How lovely it was" exclaim; they do not ask.
    r"^(?:what(?!\s+an?\b)|when|where|who|whom|whose|which|why|tell\s+me|remind\s+me|"
    r"how(?=\s+(?:many|much|often|long|did|do|does|was|were|have|has|is|am|are|about)\b)|"
    r"(?:did|do|does|have|has|had|was|were|is|are|am)\s+(?:i|we|my|there)\b)"
)
_CAPABILITY = LazyPattern(
    r"일기|다이어리|그림|이미지|리포트|레포트|보고서|\b(?:diary|journal|picture|image|draw|report)"
)
# Words that ask for something or name a capability: a clause holding them is no plain statement.
_NOT_A_STATEMENT = LazyPattern(
    r"일기|다이어리|그림|이미지|리포트|레포트|보고서|분석|줘|주세요|줄래|알려|보여|찾아|해봐|할래|하자|기록해|저장해|"
    r"\b(?:diary|journal|picture|image|draw|drawing|report|analysis|please|remind|tell\s+me|show\s+me|"
    r"write|make|create|generate|save|store|remember|note)\b"
)
_EN_IMPERATIVE_START = LazyPattern(r"^(?:let's|lets|give|find|list|summari[sz]e|help|can\s+you|could\s+you)\b")
_HAS_WORDS = LazyPattern(r"[0-9a-z\uac00-\ud7a3]")

# Sentence ends; and a comma, split only when what follows it is a clause of its own (below).
_SENTENCES = LazyPattern(r"(?<=[.!?。？！\n])\s*|(?<=[ㅋㅎ]{2})\s+")


def decide(request: str, today: dt.date) -> list[Step] | None:
    """The ordered steps the request holds, or None when its words do not decide them."""
    parts = [c for c in clauses(request) if _HAS_WORDS.search(c.lower())]
    if not parts:
        return None
    steps: list[Step] = []
    for clause in parts:
        kind = classify(clause, today)
        if kind is None:
            return None
        if kind == "data" and steps and steps[-1].type == "data":
            steps[-1] = Step("data", f"{steps[-1].text} {clause}")
        else:
            steps.append(Step(kind, clause))
    # A greeting beside something to do is manners, not a step of its own.
    if len(steps) > 1:
        steps = [s for s in steps if s.type != "small_talk"] or steps[:1]
    return steps if len(steps) <= MAX_STEPS else None


def classify(clause: str, today: dt.date) -> StepType | None:
    """What one clause asks for, or None when its words do not say."""
    text = clause.lower().strip()
    if _SMALL_TALK.fullmatch(text):
        return "small_talk"
    bare = _bare(text, today)
    for kind, pattern in _COMMANDS:
        if pattern.fullmatch(bare):
            return kind
    if text.rstrip().endswith(("?", "？")):
        return "question" if not _CAPABILITY.search(text) else None
    if _EN_QUESTION_START.search(text):
        return "question" if not _CAPABILITY.search(text) else None
    if _KO_QUESTION_WORD.search(text):
        return "question" if _KO_QUESTION_END.search(text) else None
    if _NOT_A_STATEMENT.search(text) or _EN_IMPERATIVE_START.search(text):
        return None
    return "data"


def clauses(request: str) -> list[str]:
    """The request cut where one thing it asks for may end and another begin."""
    found: list[str] = []
    for sentence in _SENTENCES.split(request.strip()):
        parts = [p.strip() for p in sentence.split(",")]
        # "오늘 영화 봤어, 일기 써줘": a comma parts two clauses only when the part after it asks for
        # something on its own; "Yesterday, what did I eat?" stays one question.
        current = parts[0]
        for part in parts[1:]:
            if part and _is_step_of_its_own(part) and _HAS_WORDS.search(_bare(current)):
                found.append(current)
                current = part
            else:
                current = f"{current}, {part}"
        found.append(current)
    return [part for clause in found if clause.strip() for part in _statement_then_command(clause.strip())]


# A Korean statement in the past running on into a command: "오늘 영화 봤는데 일기 써줘".
_PAST_RUNNING_ON = LazyPattern(r"(?:었|았|였|했|봤|갔|왔|샀|됐|났|췄|웠)(?:는데|고|어서|으니까|으니|어|다|음)?$")


def _statement_then_command(clause: str) -> list[str]:
    """The clause as a statement and the command it runs on into, or whole when it does not."""
    words = clause.split(" ")
    for i in range(1, len(words)):
        head, tail = " ".join(words[:i]), " ".join(words[i:])
        if _PAST_RUNNING_ON.search(head) and any(p.fullmatch(_bare(tail)) for _, p in _COMMANDS):
            return [head, tail]
    return [clause]


def _is_step_of_its_own(part: str) -> bool:
    return any(p.fullmatch(_bare(part)) for _, p in _COMMANDS) or part.rstrip().endswith(("?", "？"))


def _bare(text: str, today: dt.date = dt.date(2000, 1, 1)) -> str:
    """The words of a text besides its dates (which day they name does not matter here), lower-cased."""
    return re.sub(r"\s+", " ", date_phrases.without_dates(text, today)).strip()
