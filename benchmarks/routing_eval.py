"""`make routing-eval`: how many requests of the labelled routing set (tests/data/routing_set.tsv) the
code-side router (handler/agents/router/rules.py) decides with no model call, and how many of those
it gets right, by language and by kind (the label's steps: "data+diary" is a compound kind). A
request it does not decide goes to the routing model; that is not a mistake, only a call spent.

    python -m benchmarks.routing_eval [--wrong]
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from handler.agents.router import rules
from handler.language import has_hangul

ROUTING_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "routing_set.tsv"
# The day the set is read on; its dates only matter to the words, never to the labels.
TODAY = dt.date(2026, 12, 5)


@dataclass(frozen=True)
class Outcome:
    request: str
    label: str
    decided: str | None  # the steps code decided, joined as labels are; None: left to the model

    @property
    def language(self) -> str:
        return "ko" if has_hangul(self.request) else "en"

    @property
    def right(self) -> bool:
        return self.decided == self.label


def labelled_set(path: Path = ROUTING_SET) -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, request = line.split("\t", 1)
            rows.append((label, request))
    return rows


def run(rows: list[tuple[str, str]]) -> list[Outcome]:
    outcomes = []
    for label, request in rows:
        steps = rules.decide(request, TODAY)
        outcomes.append(Outcome(request, label, "+".join(s.type for s in steps) if steps is not None else None))
    return outcomes


def table(outcomes: list[Outcome]) -> list[tuple[str, int, int, int]]:
    """Rows of (group, requests, decided in code, of those right): all, by language, by kind."""
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups["all"].append(o)
        groups[f"language {o.language}"].append(o)
        groups[f"kind {o.label}"].append(o)
    rows = []
    for name in ["all", "language ko", "language en", *sorted(g for g in groups if g.startswith("kind "))]:
        members = groups.get(name, [])
        decided = [o for o in members if o.decided is not None]
        rows.append((name, len(members), len(decided), sum(o.right for o in decided)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wrong", action="store_true", help="list the requests decided wrongly")
    outcomes = run(labelled_set())
    print(f"{'group':<26}{'requests':>9}{'decided':>9}{'share':>8}{'right':>7}{'precision':>11}")
    for name, n, decided, right in table(outcomes):
        share = f"{decided / n:.0%}" if n else "-"
        precision = f"{right / decided:.1%}" if decided else "-"
        print(f"{name:<26}{n:>9}{decided:>9}{share:>8}{right:>7}{precision:>11}")
    if parser.parse_args().wrong:
        for o in outcomes:
            if o.decided is not None and not o.right:
                print(f"wrong: {o.request!r}: labelled {o.label}, decided {o.decided}")


if __name__ == "__main__":
    main()
