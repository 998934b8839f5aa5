"""What people read, in Korean and English: the front door's replies, and the error messages of
handler.errors for a request in Korean (handler.api.errors picks the language per request:
Accept-Language, else the words' own language; the `code` never changes).

An error's English message may carry a value (a date, a limit); its Korean wording takes the same
values, read back from the English by the pattern beside it. A message with no Korean wording here
is given in English rather than guessed.
"""

from __future__ import annotations

import re

from handler.language import Language

AGENT: dict[Language, dict[str, str]] = {
    "ko": {
        "data": "기록했어요.",
        "diary": "{date} 일기를 썼어요.",
        "image": "일기에 어울리는 그림을 그렸어요.",
        "report": "{start}~{end} 감정 리포트를 요청했어요 (상태: {status}).",
        "failed_data": "기록하지 못했어요: {reason}",
        "failed_question": "질문에는 답하지 못했어요: {reason}",
        "failed_diary": "일기는 쓰지 못했어요: {reason}",
        "failed_image": "그림은 그리지 못했어요: {reason}",
        "failed_report": "리포트는 요청하지 못했어요: {reason}",
        "failed_small_talk": "{reason}",
    },
    "en": {
        "data": "Saved.",
        "diary": "Wrote the diary for {date}.",
        "image": "Drew a picture for the diary.",
        "report": "Requested the emotion report for {start} to {end} (status: {status}).",
        "failed_data": "Could not save the record: {reason}",
        "failed_question": "Could not answer the question: {reason}",
        "failed_diary": "Could not write the diary: {reason}",
        "failed_image": "Could not draw the picture: {reason}",
        "failed_report": "Could not request the report: {reason}",
        "failed_small_talk": "{reason}",
    },
}

SMALL_TALK: dict[Language, dict[str, str]] = {
    "ko": {
        "greeting": "안녕하세요! 오늘 있었던 일을 편하게 적어 주세요.",
        "thanks": "천만에요. 언제든 적어 주세요.",
        "help": (
            '하루 동안 있었던 일을 짧게 적어 주시면 기록해 둘게요 ("오늘 영화 봤어"). '
            '"일기 써줘"라고 하시면 그날의 기록으로 일기를 쓰고, '
            '"그림 그려줘"라고 하시면 일기에 어울리는 그림을 그려요. '
            '"지난주에 뭐 했지?"처럼 물어보시면 기록에서 찾아 답하고, "이번 주 감정 리포트 만들어줘"라고 하시면 '
            '감정 리포트를 만들어요. 한 번에 여러 가지를 말씀하셔도 돼요 ("오늘 영화 봤어, 일기 써줘").'
        ),
    },
    "en": {
        "greeting": "Hello! Tell me about your day whenever you like.",
        "thanks": "You're welcome. Write any time.",
        "help": (
            'Tell me what happened during the day and I\'ll keep it as a record ("Watched a movie today"). '
            'Say "write my diary" and I\'ll write the day\'s diary from your records, or "draw a picture" for one. '
            'Ask about your past ("What did I do last week?") and I\'ll answer from your records; '
            '"make an emotion report for this week" writes a report. You can ask for several things at once '
            '("Watched a movie today, write my diary").'
        ),
    },
}

# Korean wording of error messages, by `code`: (the English message's pattern, the Korean template).
# The pattern's named groups fill the template; a message the pattern does not match keeps English.
_ANY = r"(?P<detail>.*)"
ERRORS_KO: dict[str, tuple[str, str]] = {
    "no_records": (
        r"there are no records (?:on (?P<day>\S+) to write a diary from|between (?P<start>\S+) and (?P<end>\S+))",
        "{when} 기록이 없어요. 먼저 기록을 남겨 주세요.",
    ),
    "no_diary": (
        r"there is no diary for (?P<day>\S+) to draw; write it first",
        "{day} 일기가 없어서 그릴 수 없어요. 먼저 일기를 써 주세요.",
    ),
    "diary_edited": (_ANY, "직접 고친 일기예요. 덮어쓰려면 `overwrite`를 켜 주세요."),
    "not_found": (_ANY, "찾을 수 없어요."),
    "future_date": (r"`record_date` (?P<day>\S+) is in the future.*", "아직 오지 않은 날({day})에는 기록할 수 없어요."),
    "invalid_range": (_ANY, "끝 날짜가 시작 날짜보다 앞설 수 없어요."),
    "range_too_long": (r"\D*(?P<limit>\d+) days", "한 번에 최대 {limit}일까지만 볼 수 있어요."),
    "nothing_to_draw": (_ANY, "그릴 날짜(`date`)나 글(`text`)을 주세요."),
    "invalid_cursor": (_ANY, "`cursor`가 이 API가 준 값이 아니에요."),
    "image_refused": (_ANY, "그림 모델이 이 내용은 그리지 않겠다고 했어요. 다른 내용으로 해 보세요."),
    "quota_exceeded": (_ANY, "오늘 쓸 수 있는 양을 다 썼어요. 나중에 다시 해 주세요."),
    "rate_limited": (_ANY, "요청이 너무 잦아요. 잠시 뒤에 다시 해 주세요."),
    "unauthorized": (_ANY, "로그인이 필요해요."),
    "model_unavailable": (_ANY, "지금 모델을 쓸 수 없어요. 잠시 뒤에 다시 해 주세요."),
    "database_unavailable": (_ANY, "지금 저장소에 닿을 수 없어요. 잠시 뒤에 다시 해 주세요."),
    "service_unavailable": (_ANY, "지금 서비스를 쓸 수 없어요. 잠시 뒤에 다시 해 주세요."),
    "timeout": (_ANY, "시간 안에 끝내지 못했어요. 잠시 뒤에 다시 해 주세요."),
    "body_too_large": (_ANY, "요청 본문이 너무 커요."),
    "unsupported_media_type": (_ANY, "본문은 application/json으로 보내 주세요."),
    "not_configured": (_ANY, "이 배포에서는 쓸 수 없는 기능이에요."),
    "deleted": (_ANY, "이미 지워졌어요."),
    "account_erased": (_ANY, "지워진 계정이에요."),
    "account_erasing": (_ANY, "계정을 지우고 있어요."),
    "conflict": (_ANY, "저장된 내용과 맞지 않는 요청이에요."),
    "invalid_body": (_ANY, "요청 본문이 base64로 인코딩된 UTF-8 글이 아니에요."),
    "invalid_idempotency_key": (_ANY, "Idempotency-Key는 A-Z a-z 0-9 _ - : . 로 된 1-128자여야 해요."),
    "idempotency_key_reused": (_ANY, "이 Idempotency-Key는 다른 본문과 함께 이미 쓰였어요."),
    "invalid_json": (_ANY, "요청 본문이 올바른 JSON이 아니에요."),
    "invalid_parameter": (_ANY, "요청 값이 올바르지 않아요: {detail}"),
    "validation_error": (_ANY, "요청 값이 올바르지 않아요: {detail}"),
    "request_in_progress": (_ANY, "같은 요청을 아직 처리하고 있어요. 잠시 뒤에 다시 해 주세요."),
    "method_not_allowed": (_ANY, "이 경로에서는 쓸 수 없는 메서드예요."),
    "internal_error": (_ANY, "예상하지 못한 오류가 났어요."),
    "not_an_export": (_ANY, "내보내기(GET /me/export)로 받은 문서가 아니에요."),
    "unsupported_version": (
        r"version (?P<version>.+) of the export document is not one this service imports;"
        r" it imports versions (?P<versions>.+)",
        "가져올 수 없는 판({version})의 문서예요. 가져올 수 있는 판: {versions}",
    ),
    "invalid_document": (
        r"the document cannot be imported: (?P<detail>.*); nothing was stored",
        "문서를 가져올 수 없어요. 아무것도 저장하지 않았어요: {detail}",
    ),
    "upload_missing": (_ANY, "아직 문서가 올라오지 않았어요. 먼저 업로드 주소로 올려 주세요."),
}


def error_message(code: str, english: str, language: Language) -> str:
    """The message of an error with this code, in the language; English when it has no wording."""
    if language == "en" or code not in ERRORS_KO:
        return english
    pattern, template = ERRORS_KO[code]
    match = re.fullmatch(pattern, english, re.DOTALL)
    if match is None:
        return english
    values = {k: v for k, v in match.groupdict().items() if v is not None}
    if "day" in values or "start" in values:
        values["when"] = values.get("day") or f"{values.get('start')}~{values.get('end')}"
    return template.format(**values)
