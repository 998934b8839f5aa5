"""Crisis words found in code: the labelled phrases (tests/data/crisis_set.tsv), false alarms included."""

from __future__ import annotations

from pathlib import Path

from handler import care

CRISIS_SET = Path(__file__).resolve().parent.parent / "data" / "crisis_set.tsv"


def _labelled() -> list[tuple[bool, str]]:
    rows = []
    for line in CRISIS_SET.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, phrase = line.split("\t", 1)
            rows.append((label == "1", phrase))
    return rows


def test_the_crisis_set_is_found_with_no_miss_and_no_false_alarm():
    rows = _labelled()
    assert sum(label for label, _ in rows) >= 25 and sum(not label for label, _ in rows) >= 25
    found = [(label, care.speaks_of_crisis(phrase), phrase) for label, phrase in rows]
    missed = [phrase for label, seen, phrase in found if label and not seen]
    false_alarms = [phrase for label, seen, phrase in found if seen and not label]
    assert missed == []  # recall 1.0 on the set
    assert false_alarms == []  # precision 1.0 on the set


def test_every_language_has_a_crisis_line_with_its_source_and_a_gentle_reply_naming_it():
    assert care.CRISIS_LINES["ko"][0].number == "109"
    for language, lines in care.CRISIS_LINES.items():
        assert all(line.source for line in lines)
        assert lines[0].number in care.GENTLE_REPLY[language]
