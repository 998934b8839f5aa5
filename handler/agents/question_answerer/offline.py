"""How the offline model answers: it quotes the records it was given."""

from __future__ import annotations

import re
from typing import Any

from handler.language import has_hangul

_RECORD = re.compile(r"^- \[(r\d+)\] (\d{4}-\d{2}-\d{2}) \d{2}:\d{2} (.*)$", re.M)


def answer(prompt: str) -> dict[str, Any]:
    question = re.search(r"<question>\n(.*)\n</question>", prompt, re.S).group(1)
    found = _RECORD.findall(prompt)[:5]
    quoted = " / ".join(f"{day} {text}" for _, day, text in found)
    intro = "기록을 보면: " if has_hangul(question) else "From your records: "
    return {"answer": intro + quoted, "used_records": [ref for ref, _, _ in found]}
