"""The table `make bench` prints (and stores in the JSON as "table"), and the goals of the issue.

The goals compare figures of the same run, on the same machine, never against a number from
elsewhere: the project against the baseline for the layers above the base, against the floor for
the cold starts, against the raw psycopg2 insert taking turns with it for the warm POST /records;
and an absolute limit for what a one-file code change has to push.
"""

from __future__ import annotations

from typing import Any

from benchmarks.cold_start import PYC_IGNORED
from benchmarks.common import IMAGES
from benchmarks.warm import BARE, RAW, RECORDS

# Goals of the issues (figures of the same run); issue 29 tightened the first four.
GOALS = {
    "added_vs_baseline": 0.45,
    "health_vs_floor": 1.5,
    "agent_vs_floor": 2.5,
    "records_vs_raw": 2.5,
    "code_change_mb": 1.0,
    # SnapStart (issue 18): the restored function's first response against its own cold start.
    "snap_health_vs_cold": 0.3,
    "snap_agent_vs_cold": 0.2,
}


def mb(n: int | float) -> float:
    return round(n / 1e6, 2)


def table(results: dict[str, Any]) -> str:
    img = results["images"]
    out = []
    out.append(
        f"make bench  {results['started_utc']}  {results['machine']}  starts={results['starts']} warm={results['warm']}"
    )
    out.append("")
    out.append(
        "| image | layers above base (gzip) | whole image (gzip) | cold start GET /health "
        "| cold start POST /agent (routed by the model) | cold start POST /agent (routed in code) | build |"
    )
    out.append("|---|---:|---:|---:|---:|---:|---:|")
    for name in IMAGES:
        i = img.get(name)
        if not i:
            continue
        out.append(
            f"| {name} | {mb(i['added_compressed_bytes'])} MB | {mb(i['total_compressed_bytes'])} MB "
            f"| {i['cold_health']['median_s']:.3f} s | {i['cold_agent']['median_s']:.3f} s "
            f"| {i['cold_agent_in_code']['median_s']:.3f} s | {i['build_s']:.0f} s |"
        )
    nb = results.get("project_without_pyc")
    if nb:
        out.append(
            f"| {PYC_IGNORED} | (same) | (same) | {nb['cold_health']['median_s']:.3f} s "
            f"| {nb['cold_agent']['median_s']:.3f} s | {nb['cold_agent_in_code']['median_s']:.3f} s | - |"
        )
    snap = results.get("snap_start")
    if snap:
        out.append("")
        out.append(
            "| SnapStart (median) | GET /health: init to snapshot | restore to first response "
            "| POST /agent: init to snapshot | restore to first response |"
        )
        out.append("|---|---:|---:|---:|---:|")
        for name, routes in snap.items():
            h, a = routes["health"], routes["agent"]
            out.append(
                f"| {name} | {h['init_to_snapshot_median_s']:.3f} s | {h['restore_to_first_response_median_s']:.3f} s "
                f"| {a['init_to_snapshot_median_s']:.3f} s | {a['restore_to_first_response_median_s']:.3f} s |"
            )
    out.append("")
    warm = results["warm_turns"]
    out.append(
        "| warm, taking turns (median) | queue -> answer | duration, as Lambda reports it | p90 queue -> answer |"
    )
    out.append("|---|---:|---:|---:|")
    for name, row in warm.items():
        duration = f"{row['duration_ms']:.3f} ms" if "duration_ms" in row else "-"
        out.append(f"| {name} | {row['median_ms']:.3f} ms | {duration} | {row['p90_ms']:.3f} ms |")
    records, bare, raw = warm[RECORDS], warm[BARE], warm[RAW]
    out.append(
        f"POST /records / the bare function: {records['median_ms'] / bare['median_ms']:.2f}x (queue -> answer), "
        f"{records['duration_ms'] / bare['duration_ms']:.2f}x (duration); "
        f"POST /records duration / raw insert: {records['duration_ms'] / raw['median_ms']:.2f}x "
        "(for comparison, not goals)"
    )
    paths = results.get("insert_paths_ms")
    if paths:
        out.append("")
        out.append("| one insert, in process, back to back (median) | ms |")
        out.append("|---|---:|")
        out.extend(f"| {name} | {ms} |" for name, ms in paths.items())
    c = results["code_change"]
    out.append(
        f"one-line change to {c['file']}: {c['layers_changed']} layer(s) differ "
        f"({', '.join(c['changed_created_by'])}), "
        f"{mb(c['changed_compressed_bytes'])} MB to push, rebuild {c['rebuild_s']:.0f} s"
    )
    out.append("")
    out.append("| goal | measured | limit | met |")
    out.append("|---|---:|---:|---|")
    for row in results["goals"]:
        out.append(f"| {row['goal']} | {row['measured']} | {row['limit']} | {'yes' if row['met'] else 'NO'} |")
    return "\n".join(out)


def goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    img = results["images"]
    p, b, f = img["project"], img["baseline"], img["floor"]
    rows = []

    def add(goal: str, measured: float, limit: float, unit: str = "x") -> None:
        rows.append(
            {"goal": goal, "measured": f"{measured:.2f}{unit}", "limit": f"{limit}{unit}", "met": measured <= limit}
        )

    add(
        "layers above base, project / baseline",
        p["added_compressed_bytes"] / b["added_compressed_bytes"],
        GOALS["added_vs_baseline"],
    )
    add(
        "cold start GET /health, project / floor",
        p["cold_health"]["median_s"] / f["cold_health"]["median_s"],
        GOALS["health_vs_floor"],
    )
    add(
        "cold start POST /agent (routed by the model), project / floor",
        p["cold_agent"]["median_s"] / f["cold_agent"]["median_s"],
        GOALS["agent_vs_floor"],
    )
    add(
        "cold start POST /agent (routed in code), project / floor",
        p["cold_agent_in_code"]["median_s"] / f["cold_agent_in_code"]["median_s"],
        GOALS["agent_vs_floor"],
    )
    snap = results["snap_start"]["project"]
    for route, label in (("health", "GET /health"), ("agent", "POST /agent")):
        add(
            f"SnapStart {label}: restore to first response / cold start without SnapStart",
            snap[route]["restore_to_first_response_median_s"] / p[f"cold_{route}"]["median_s"],
            GOALS[f"snap_{route}_vs_cold"],
        )
    add(
        "warm POST /records / raw psycopg2 insert, taking turns",
        results["warm_turns"][RECORDS]["median_ms"] / results["warm_turns"][RAW]["median_ms"],
        GOALS["records_vs_raw"],
    )
    add(
        "to push after a one-file code change",
        results["code_change"]["changed_compressed_bytes"] / 1e6,
        GOALS["code_change_mb"],
        " MB",
    )
    return rows
