"""Counts the robustness tests keep (bad inputs tried, 5xx seen, writes lost, ...).

Tests add to them while they run; the root conftest prints them in the terminal summary, so a run of
`pytest` ends with figures a release note can quote. Also written to `.local/robustness-tallies.json`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

_COUNTS: dict[str, dict[str, Any]] = defaultdict(dict)


def add(section: str, name: str, amount: float = 1) -> None:
    _COUNTS[section][name] = _COUNTS[section].get(name, 0) + amount


def put(section: str, name: str, value: Any) -> None:
    _COUNTS[section][name] = value


def sections() -> dict[str, dict[str, Any]]:
    return {section: dict(values) for section, values in _COUNTS.items()}


def summary_lines() -> list[str]:
    return [
        f"{section}: " + ", ".join(f"{name} {value}" for name, value in values.items())
        for section, values in sections().items()
    ]


def write(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(sections(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
