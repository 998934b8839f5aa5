"""Where a start's imports go: `python -X importtime` logs summed by package, as docs/image.md shows them.

Reads the import logs `make bench` keeps for each route's cold start in the project's image
(benchmarks/latest.json, or another results file), or any `-X importtime` log, and prints per
package (the first part of the module's name; the handler by its second) its modules and the time
spent in their own bodies. Self times add up to the whole, which nested cumulative times do not.

  python -m benchmarks.import_table [results.json ...]       the routes of each results file
  python -m benchmarks.import_table --log importtime.txt     one log (e.g. 2> of -X importtime)
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from pathlib import Path

LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")
LATEST = Path(__file__).resolve().parent / "latest.json"
ROUTE_KEYS = ("cold_health", "cold_agent_in_code", "cold_agent")


def package(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "handler" and len(parts) > 1 else parts[0]


def by_package(lines: list[str]) -> dict[str, tuple[int, float]]:
    """package -> (modules imported, milliseconds in their own bodies), largest first."""
    modules: dict[str, int] = defaultdict(int)
    self_us: dict[str, int] = defaultdict(int)
    for line in lines:
        m = LINE.match(line)
        if m:
            name = package(m.group(4))
            modules[name] += 1
            self_us[name] += int(m.group(1))
    order = sorted(self_us, key=self_us.__getitem__, reverse=True)
    return {name: (modules[name], self_us[name] / 1000) for name in order}


def table(routes: dict[str, list[str]], top: int = 25) -> str:
    """One row per package (the `top` largest by any route), a column pair per route."""
    sums = {route: by_package(lines) for route, lines in routes.items()}
    names: list[str] = []
    for summed in sums.values():
        names += [name for name in list(summed)[:top] if name not in names]
    header = " | ".join(f"{route}: modules | ms" for route in routes)
    out = [f"| package | {header} |", "|---|" + "---:|---:|" * len(routes)]
    for name in names:
        cells = " | ".join(
            f"{sums[r][name][0]} | {sums[r][name][1]:.1f}" if name in sums[r] else "- | -" for r in routes
        )
        out.append(f"| {name} | {cells} |")
    totals = " | ".join(
        f"**{sum(n for n, _ in s.values())}** | **{sum(ms for _, ms in s.values()):.1f}**" for s in sums.values()
    )
    out.append(f"| all | {totals} |")
    return "\n".join(out)


def routes_of(results_file: Path) -> dict[str, list[str]]:
    project = json.loads(results_file.read_text())["images"]["project"]
    return {
        key.removeprefix("cold_"): project[key]["importtime_log"]
        for key in ROUTE_KEYS
        if "importtime_log" in project.get(key, {})
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="*", type=Path, help="bench results (default: benchmarks/latest.json)")
    parser.add_argument("--log", type=Path, help="one -X importtime log instead")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    if args.log:
        print(table({args.log.name: args.log.read_text(errors="replace").splitlines()}, args.top))
        return
    for results_file in args.results or [LATEST]:
        print(f"{results_file}:")
        print(table(routes_of(results_file), args.top))


if __name__ == "__main__":
    main()
