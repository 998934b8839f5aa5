"""The trimming rule (handler.logic.prompt_fit) and the token bound (handler.inference.prompt_budget)."""

from __future__ import annotations

import datetime as dt

import pytest

from handler.agents.reporter.prompt import SYSTEM_PROMPT, build_prompt
from handler.agents.reporter.schema import ReportDraft
from handler.inference.prompt_budget import call_tokens, tokens
from handler.logic.prompt_fit import ELLIPSIS, FLOOR, Group, PromptTooLarge, fit, spread
from handler.settings import REPORT_DAY_TOKENS, REPORT_FIXED_TOKENS, SettingsError, load_settings


def _bytes(kept) -> int:
    """A measure that is the texts alone, so the tests can reason about the numbers."""
    return sum(tokens(text) for group in kept for _, text in group)


def test_the_bound_is_the_utf8_length():
    assert tokens("abc") == 3
    assert tokens("가나") == 6  # Hangul: 3 bytes a syllable
    assert tokens("🙂") == 4


def test_what_fits_is_shown_whole():
    fitted = fit([Group(["a" * 10, "b" * 20])], _bytes, budget=30)
    assert fitted.kept == [[(0, "a" * 10), (1, "b" * 20)]]
    assert fitted.left_out.omitted_records == fitted.left_out.truncated_records == 0


def test_the_longest_are_shortened_first_and_short_notes_are_untouched():
    texts = ["short", "x" * 3000, "y" * 1000]
    fitted = fit([Group(texts)], _bytes, budget=1800)
    shown = dict(fitted.kept[0])
    assert shown[0] == "short"
    assert shown[1].endswith(ELLIPSIS) and shown[2].endswith(ELLIPSIS)
    assert len(shown[1]) == len(shown[2])  # cut to the same length, the largest that fits
    assert _bytes(fitted.kept) <= 1800
    assert fitted.left_out.truncated_records == 2 and fitted.left_out.omitted_records == 0


def test_a_crowded_day_is_spread_from_its_first_to_its_last_record():
    texts = [f"{n:04d}" + "z" * 500 for n in range(100)]
    fitted = fit([Group(texts)], _bytes, budget=20 * (FLOOR + 3))
    indices = [i for i, _ in fitted.kept[0]]
    assert indices[0] == 0 and indices[-1] == 99
    assert 1 < len(indices) < 100
    assert fitted.left_out.omitted_records == 100 - len(indices)
    assert _bytes(fitted.kept) <= 20 * (FLOOR + 3)


def test_ranked_texts_keep_the_best():
    texts = ["r" * 500 for _ in range(50)]
    fitted = fit([Group(texts, ranked=True)], _bytes, budget=5 * (FLOOR + 3))
    assert [i for i, _ in fitted.kept[0]] == list(range(len(fitted.kept[0])))


def test_no_day_disappears_and_a_quiet_day_keeps_its_records():
    busy = Group(["b" * 4000 for _ in range(300)])
    quiet = Group(["quiet note"])
    diary = Group(["d" * 20_000], kind="diaries")
    fitted = fit([busy, quiet, diary], _bytes, budget=10_000)
    assert fitted.kept[1] == [(0, "quiet note")]
    assert len(fitted.kept[0]) >= 1 and len(fitted.kept[2]) == 1
    assert fitted.left_out.truncated_diaries == 1
    assert _bytes(fitted.kept) <= 10_000


def test_a_budget_too_small_for_one_text_per_group_is_refused():
    with pytest.raises(PromptTooLarge):
        fit([Group(["a"]) for _ in range(10)], _bytes, budget=5)


def test_spread():
    assert spread(5, 10) == [0, 1, 2, 3, 4]
    assert spread(101, 3) == [0, 50, 100]
    assert spread(7, 1) == [0]


@pytest.mark.parametrize("days", [31, 366])
def test_the_least_report_budget_the_settings_allow_fits_the_longest_period(days):
    """The settings' floor is real: a period of REPORT_MAX_DAYS long days, each with 50 of the
    longest records and the longest diary in emoji (4 bytes a character), fits it."""
    budget = REPORT_FIXED_TOKENS + REPORT_DAY_TOKENS * days
    start = dt.date(2026, 1, 1)
    period = [start + dt.timedelta(days=n) for n in range(days)]
    groups = [Group(["🙂" * 4000] * 50) for _ in period] + [Group(["🙂" * 20_000], kind="diaries") for _ in period]

    def measure(kept) -> int:
        records = [(f"{day} 23:59", text) for day, group in zip(period, kept[:days], strict=True) for _, text in group]
        diaries = [(day.isoformat(), text) for day, group in zip(period, kept[days:], strict=True) for _, text in group]
        # What reporter.prompt_tokens measures (that module is not imported here: it would create
        # Powertools' child loggers before the app's, which the log-capturing tests rely on).
        return call_tokens(SYSTEM_PROMPT, ReportDraft, build_prompt(period[0], period[-1], records, diaries))

    fitted = fit(groups, measure, budget)
    assert measure(fitted.kept) <= budget
    assert all(len(group) == 1 for group in fitted.kept)


def test_settings_refuse_a_report_budget_below_that_floor():
    base = {"DATABASE_URL": "postgresql://x", "REPORT_MAX_DAYS": "31"}
    least = REPORT_FIXED_TOKENS + REPORT_DAY_TOKENS * 31
    assert load_settings({**base, "PROMPT_TOKENS_REPORT": str(least)}).prompt_tokens_report == least
    with pytest.raises(SettingsError, match="PROMPT_TOKENS_REPORT must be at least"):
        load_settings({**base, "PROMPT_TOKENS_REPORT": str(least - 1)})


def test_the_table_of_largest_prompts_in_the_docs_is_the_settings_defaults():
    """docs/agents.md states the largest prompt per route: it must be what the settings default to."""
    import re
    from pathlib import Path

    from handler.settings import Settings

    docs = (Path(__file__).resolve().parents[2] / "docs" / "agents.md").read_text(encoding="utf-8")
    stated = {
        name.lower(): int(value.replace(",", ""))
        for name, value in re.findall(r"`(PROMPT_TOKENS_\w+)` \| ([\d,]+) \|", docs)
    }
    defaults = {
        name: field.default for name, field in Settings.model_fields.items() if name.startswith("prompt_tokens_")
    }
    assert stated == defaults
