"""What a model call is shown of the user's texts when they do not all fit its token budget.

The texts come in groups: the records of a day (a diary; each day of a report), a day's diary, the
records found for a question. The rule, in the order a diary user would accept the losses:

1. Everything whole, when it fits.
2. Every text kept, the longest shortened first: the longest length L (not under FLOOR characters)
   such that every text cut to L characters fits. Short notes are never touched; a long one loses
   its end, marked with ELLIPSIS. A day keeps every moment.
3. Texts cut to FLOOR, and at most N texts per group, the largest N that fits. Time-ordered groups
   keep N spread evenly from the first to the last (the day keeps its morning and its evening);
   ranked groups (a question's records, best first) keep their N best. A group never drops below
   one text, so in a report no day disappears: each day gets the same share, and a quiet day keeps
   all of its few records.
4. One text per group, cut below FLOOR, the longest length that fits.

`measure` gives the input tokens of the call built from what is kept (the real prompt, whatever its
format), so the result is within budget by construction; PromptTooLarge when not even step 4 fits
(the settings refuse budgets that small for the longest report).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from handler.models import LeftOut

# A note cut to this many characters still says what happened.
FLOOR = 200
ELLIPSIS = "…"

Kept = list[list[tuple[int, str]]]  # per group: (index in the group, the text as shown)


class PromptTooLarge(RuntimeError):
    """Not even one shortened text per group fits the budget: a budget set below what the settings allow."""


@dataclass(frozen=True)
class Group:
    texts: Sequence[str]
    kind: Literal["records", "diaries"] = "records"  # what LeftOut counts its texts as
    ranked: bool = False  # best first: keep the first N, not N spread over time


@dataclass(frozen=True)
class Fitted:
    kept: Kept
    left_out: LeftOut


def shorten(text: str, cap: int) -> str:
    return text if len(text) <= cap else text[:cap] + ELLIPSIS


def spread(count: int, n: int) -> list[int]:
    """`n` of `count` indices spread evenly, the first and the last included."""
    if n >= count:
        return list(range(count))
    if n == 1:
        return [0]
    return sorted({round(i * (count - 1) / (n - 1)) for i in range(n)})


def fit(groups: Sequence[Group], measure: Callable[[Kept], int], budget: int) -> Fitted:
    def attempt(cap: int, per_group: int) -> Kept | None:
        kept = [[(i, shorten(group.texts[i], cap)) for i in _chosen(group, per_group)] for group in groups]
        return kept if measure(kept) <= budget else None

    longest = max((len(t) for g in groups for t in g.texts), default=0)
    most = max((len(g.texts) for g in groups), default=0)
    steps: list[Callable[[], Kept | None]] = [
        lambda: attempt(longest, most),
        lambda: _largest(lambda cap: attempt(cap, most), FLOOR, longest),
        lambda: _largest(lambda n: attempt(FLOOR, n), 1, most),
        lambda: _largest(lambda cap: attempt(cap, 1), 0, FLOOR),
    ]
    for step in steps:
        kept = step()
        if kept is not None:
            return Fitted(kept, _left_out(groups, kept))
    raise PromptTooLarge(f"not even one short text per group fits {budget} tokens")


def _chosen(group: Group, n: int) -> list[int]:
    count = len(group.texts)
    return list(range(min(n, count))) if group.ranked else spread(count, n)


def _largest(attempt: Callable[[int], Kept | None], low: int, high: int) -> Kept | None:
    """The fitting result of the largest value in [low, high] a binary search finds; None when even
    `low` does not fit. Every result returned was measured, so it fits even where a smaller value
    happens to measure larger than a bigger one."""
    best = attempt(low)
    if best is None:
        return None
    while low < high:
        middle = (low + high + 1) // 2
        result = attempt(middle)
        if result is None:
            high = middle - 1
        else:
            best, low = result, middle
    return best


def _left_out(groups: Sequence[Group], kept: Kept) -> LeftOut:
    counts = {"omitted_records": 0, "truncated_records": 0, "omitted_diaries": 0, "truncated_diaries": 0}
    for group, shown in zip(groups, kept, strict=True):
        counts[f"omitted_{group.kind}"] += len(group.texts) - len(shown)
        counts[f"truncated_{group.kind}"] += sum(text != group.texts[i] for i, text in shown)
    return LeftOut(**counts)
