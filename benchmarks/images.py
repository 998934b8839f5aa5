"""The images measured, how they are built, and what they weigh.

Every image is built from one snapshot of the sources (`snapshot`), so edits made while the
benchmark runs do not mix into it: the project's image with .ci/build-image, as CI and the README
build it (it also makes the base stand-in when needed), the variants, the baseline and the floor
with `buildah bud` and the flags .ci/build-image uses.

Measured:
  - compressed size of every layer (`buildah push <image> oci:<dir>`, gzip, as a registry would
    receive them: the blob sizes in the pushed OCI manifest), and of the layers above the base
    (the base's own layers counted from `buildah inspect` of the base);
  - after a one-line change to one file in handler/: the layers whose content differs (compared by
    uncompressed digest), their compressed size, and the rebuild time. This is what a code-only
    deploy has to push.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks.common import BASE_REF, BUILDAH, ROOT, TAGS, log, run

CHANGED_FILE = "handler/app.py"


# ------------------------------------------------------------------------------------ builds
def snapshot(dest: Path) -> None:
    """What the builds need, copied once: every image is built from the same files."""
    for name in ("Dockerfile", ".dockerignore", "requirements.txt"):
        shutil.copy2(ROOT / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "handler", dest / "handler", ignore=ignore)
    shutil.copytree(ROOT / ".ci", dest / ".ci")
    (dest / "benchmarks").mkdir()
    shutil.copy2(ROOT / "benchmarks" / "baseline.Dockerfile", dest / "benchmarks" / "baseline.Dockerfile")
    shutil.copytree(ROOT / "benchmarks" / "floor", dest / "benchmarks" / "floor", ignore=ignore)


def build_env() -> dict[str, str]:
    env = {**os.environ, "BUILD_ENGINE": "buildah"}
    if not env.get("SSL_CERT_FILE") and Path("/etc/ssl/certs/ca-certificates.crt").exists():
        env["SSL_CERT_FILE"] = "/etc/ssl/certs/ca-certificates.crt"
    return env


def build_with_script(ctx: Path, tag: str) -> float:
    """.ci/build-image: the project's own build (also makes the base stand-in if needed)."""
    started = time.monotonic()
    run([str(ctx / ".ci" / "build-image"), tag], cwd=ctx, env={**build_env(), "BASE_IMAGE": BASE_REF})
    return time.monotonic() - started


def bud(ctx: Path, tag: str, dockerfile: str, context: str = ".", build_args: dict[str, str] | None = None) -> float:
    """buildah bud with the flags .ci/build-image uses."""
    cmd = [
        *BUILDAH,
        "bud",
        "--isolation",
        "chroot",
        "--layers",
        "--force-rm",
        "--pull=never",
        "--build-arg",
        f"BASE_IMAGE={BASE_REF}",
    ]
    for key, value in (build_args or {}).items():
        cmd += ["--build-arg", f"{key}={value}"]
    cert = build_env().get("SSL_CERT_FILE")
    if cert and Path(cert).is_file():
        cmd += ["--secret", f"id=cacert,src={cert}"]
    started = time.monotonic()
    run([*cmd, "-t", tag, "-f", dockerfile, context], cwd=ctx)
    return time.monotonic() - started


def build_all(ctx: Path) -> dict[str, float]:
    """Builds every image from the snapshot in ctx; seconds each of the measured ones took."""
    build_s: dict[str, float] = {}
    log("building the project's image (.ci/build-image; makes the base stand-in if it is missing)")
    build_s["project"] = build_with_script(ctx, TAGS["project"])
    log("building the untrimmed variant (TRIM=0)")
    build_s["untrimmed"] = bud(ctx, TAGS["untrimmed"], "Dockerfile", build_args={"TRIM": "0"})
    log("building the variant without the standard library's bytecode (STDLIB_PYC=0)")
    build_s["stdlib-src"] = bud(ctx, TAGS["stdlib-src"], "Dockerfile", build_args={"STDLIB_PYC": "0"})
    log("building the baseline (benchmarks/baseline.Dockerfile)")
    build_s["baseline"] = bud(ctx, TAGS["baseline"], "benchmarks/baseline.Dockerfile")
    log("building the floor (benchmarks/floor/)")
    build_s["floor"] = bud(ctx, TAGS["floor"], "benchmarks/floor/Dockerfile", context="benchmarks/floor")
    log("building the bare function with one raw INSERT (benchmarks/floor/, raw_insert.py)")
    bud(
        ctx,
        TAGS["raw-function"],
        "benchmarks/floor/Dockerfile",
        context="benchmarks/floor",
        build_args={"REQUIREMENTS": "requirements-insert.txt", "HANDLER": "raw_insert.py"},
    )
    return build_s


# ------------------------------------------------------------------------------------ layers
def image_layers(tag: str, workdir: Path) -> list[dict[str, Any]]:
    """Every layer: its command, uncompressed digest and gzip-compressed size as pushed."""
    dest = workdir / f"oci-{uuid.uuid4().hex[:8]}"
    run([*BUILDAH, "push", "--quiet", "--compression-format", "gzip", tag, f"oci:{dest}"])
    index = json.loads((dest / "index.json").read_text())
    manifest_digest = index["manifests"][0]["digest"].split(":", 1)[1]
    manifest = json.loads((dest / "blobs" / "sha256" / manifest_digest).read_text())
    config = json.loads((dest / "blobs" / "sha256" / manifest["config"]["digest"].split(":", 1)[1]).read_text())
    diff_ids = config["rootfs"]["diff_ids"]
    history = [h for h in config.get("history", []) if not h.get("empty_layer")]
    layers = []
    for i, layer in enumerate(manifest["layers"]):
        created_by = history[i].get("created_by", "") if i < len(history) else ""
        layers.append(
            {
                "created_by": re.sub(r"\s+", " ", created_by.replace("/bin/sh -c #(nop) ", "")).strip()[:160],
                "diff_id": diff_ids[i],
                "compressed_bytes": layer["size"],
            }
        )
    shutil.rmtree(dest, ignore_errors=True)
    return layers


def base_layer_count() -> int:
    out = run([*BUILDAH, "inspect", "--type", "image", BASE_REF]).stdout
    return len(json.loads(out)["OCIv1"]["rootfs"]["diff_ids"])


def summarise(layers: list[dict[str, Any]], n_base: int) -> dict[str, Any]:
    added = layers[n_base:]
    return {
        "layers": layers,
        "base_compressed_bytes": sum(layer["compressed_bytes"] for layer in layers[:n_base]),
        "added_compressed_bytes": sum(layer["compressed_bytes"] for layer in added),
        "total_compressed_bytes": sum(layer["compressed_bytes"] for layer in layers),
    }


# ------------------------------------------------------------------------------------ code change
def code_change(ctx: Path, workdir: Path, before: list[dict[str, Any]]) -> dict[str, Any]:
    """One comment line appended to CHANGED_FILE in the snapshot, the project rebuilt with
    .ci/build-image: the layers that differ from `before` (the project's layers) and their size."""
    with open(ctx / CHANGED_FILE, "a", encoding="utf-8") as f:
        f.write(f"\n# make bench: a code-only change {uuid.uuid4().hex}\n")
    rebuild_s = build_with_script(ctx, TAGS["project-changed"])
    after = image_layers(TAGS["project-changed"], workdir)
    changed = [layer for i, layer in enumerate(after) if i >= len(before) or before[i]["diff_id"] != layer["diff_id"]]
    result = {
        "file": CHANGED_FILE,
        "rebuild_s": round(rebuild_s, 1),
        "layers_changed": len(changed),
        "changed_created_by": [layer["created_by"][:60] for layer in changed],
        "changed_compressed_bytes": sum(layer["compressed_bytes"] for layer in changed),
    }
    subprocess.run([*BUILDAH, "rmi", TAGS["project-changed"]], capture_output=True, check=False)
    return result
