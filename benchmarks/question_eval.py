"""`make eval`: do questions people ask find the records that answer them? Not a timed test.

The year of records in benchmarks/eval_diary.py is stored through the function's own entry point
(POST /records, embedded as in production), then every labelled question is asked (POST /questions,
today 2026-11-25). Per category it reports:
- found: the share of questions whose answering records are all among the records handed to the
  model (for "nothing" questions: answered "nothing found" with no model call);
- top 5: the same, among the first five handed (what the offline answerer quotes);
- handed: records handed to the model, the most for one question and the mean;
- text / embedding calls: model round trips per question.

Without a real model here, the answer is given by an answerer that cites every record it is handed,
so that `sources` is what retrieval delivered. Modes:
- offline: MODEL_PROVIDER=offline, the local embedder (words and a small synonym list), pgvector;
- semantic: Bedrock's code path against the fake Bedrock, whose Titan embeddings come from the
  semantic double (tests/fakes/semantic_double.py), pgvector;
- embedding-down: the semantic mode with the embedding model unavailable (every embedding call
  fails): nothing is embedded and questions are answered by words, the service's fault path;
- bedrock: the real Bedrock (credentials and EVAL_BEDROCK=1 needed; the model's own citations).
Each mode uses a throwaway embedded PostgreSQL (with pgvector, as production) of its own.

    python -m benchmarks.question_eval [--modes offline,semantic,embedding-down]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import statistics
import sys
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.eval_diary import QUESTIONS, TODAY, records  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
LATEST = ROOT / "benchmarks" / "eval-latest.json"
GOAL_OVERALL, GOAL_CATEGORY, GOAL_MAX_HANDED = 0.95, 0.90, 40
_REF = re.compile(r"^- \[(r\d+)\]", re.M)


@contextlib.contextmanager
def _database() -> Iterator[str]:
    from tests.throwaway_postgres import throwaway_server

    with throwaway_server() as server:
        yield server.get_uri()


@contextlib.contextmanager
def _models(mode: str) -> Iterator[Any]:
    """The environment of a mode, and the fake Bedrock when it has one."""
    env = {
        "POWERTOOLS_SERVICE_NAME": "diary-eval",
        "POWERTOOLS_METRICS_NAMESPACE": "DiaryEval",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "LOG_LEVEL": "WARNING",
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-west-2"),
        # One user asks every question in a few seconds: the per-user rate would refuse most.
        "RATE_LIMIT_REQUESTS": "1000000",
        "MODEL_CALLS_PER_DAY": "1000000",
    }
    fake = server = None
    if mode == "offline":
        env["MODEL_PROVIDER"] = "offline"
    elif mode in ("semantic", "embedding-down"):
        from tests.fakes.bedrock import Failure, FakeBedrock, serve

        fake = FakeBedrock()
        if mode == "embedding-down":
            fake.embeddings_down = Failure(503, "ServiceUnavailableException")
        # An answerer that cites every record it is handed: `sources` is what retrieval delivered.
        fake.policies["AnswerDraft"] = lambda call: {"answer": "...", "used_records": _REF.findall(call.prompt_text)}
        server = serve(fake)
        env.update(
            MODEL_PROVIDER="bedrock",
            AWS_ENDPOINT_URL_BEDROCK_RUNTIME=f"http://127.0.0.1:{server.server_address[1]}",
            AWS_ACCESS_KEY_ID="eval",
            AWS_SECRET_ACCESS_KEY="eval",  # noqa: S106 - the fake Bedrock takes any key
        )
    else:
        env["MODEL_PROVIDER"] = "bedrock"
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield fake
    finally:
        if server is not None:
            server.shutdown()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _reset_caches() -> None:
    """The app's services made again from this mode's environment (the old ones' connection closed)."""
    from tests.support import services

    services.reload()


def run_mode(mode: str) -> dict[str, Any]:
    with _database() as url, _models(mode) as fake:
        os.environ["DATABASE_URL"] = url
        _reset_caches()
        from handler import migrate
        from handler.agents.question_answerer import offline as offline_answerer
        from handler.inference import offline_embedder
        from tests.support import services
        from tests.support.requests import call

        migrate.migrate(services.current().store, services.current().settings)
        embeddings = [0]
        original_embed = offline_embedder.embed
        original_answer = offline_answerer.answer

        def counting_embed(text: str, dimensions: int) -> list[float]:
            embeddings[0] += 1
            return original_embed(text, dimensions)

        def citing_everything(question: str, today: Any, handed: Any) -> dict[str, Any]:
            return {"answer": "...", "used_records": [ref for ref, _, _ in handed]}

        offline_embedder.embed = counting_embed  # type: ignore[assignment]
        offline_answerer.answer = citing_everything  # type: ignore[assignment]
        try:
            user = f"eval-{uuid.uuid4()}"
            ids: dict[str, str] = {}
            for key, day, text in records():
                reply = call("POST", "/records", {"content": text, "record_date": day.isoformat()}, user=user)
                assert reply.status == 201, reply.body
                if key:
                    ids[key] = reply.body["id"]
            rows = []
            for question in QUESTIONS:
                embeddings[0] = 0
                if fake is not None:
                    fake.calls.clear()
                reply = call(
                    "POST", "/questions", {"question": question.text, "current_date": TODAY.isoformat()}, user=user
                )
                assert reply.status == 200, (question.text, reply.body)
                sources = reply.body["sources"]
                wanted = {ids[key] for key in question.answers}
                embedding_calls = len(fake.embedding_calls()) if fake is not None else embeddings[0]
                if wanted:
                    found, top5 = wanted <= set(sources), wanted <= set(sources[:5])
                else:
                    found = top5 = reply.body["model_calls"] == 0 and not sources
                rows.append(
                    {
                        "category": question.category,
                        "question": question.text,
                        "found": found,
                        "top5": top5,
                        "handed": len(sources),
                        "text_calls": reply.body["model_calls"],
                        "embedding_calls": embedding_calls,
                        "period": reply.body["period"],
                    }
                )
        finally:
            offline_embedder.embed = original_embed  # type: ignore[assignment]
            offline_answerer.answer = original_answer  # type: ignore[assignment]
            os.environ.pop("DATABASE_URL", None)
            _reset_caches()
    return {"mode": mode, "questions": rows}


def summarise(result: dict[str, Any]) -> list[dict[str, Any]]:
    by_category: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in result["questions"]:
        by_category[row["category"]].append(row)
    lines = []
    for category, rows in [*by_category.items(), ("overall", result["questions"])]:
        lines.append(
            {
                "category": category,
                "questions": len(rows),
                "found": sum(r["found"] for r in rows) / len(rows),
                "top5": sum(r["top5"] for r in rows) / len(rows),
                "handed_max": max(r["handed"] for r in rows),
                "handed_mean": statistics.mean(r["handed"] for r in rows),
                "text_calls_max": max(r["text_calls"] for r in rows),
                "embedding_calls_max": max(r["embedding_calls"] for r in rows),
            }
        )
    return lines


def table(results: list[dict[str, Any]]) -> str:
    out = []
    for result in results:
        out.append(f"\n**{result['mode']}**\n")
        out.append(
            "| category | questions | found | top 5 | handed max / mean | text calls max | embedding calls max |"
        )
        out.append("|---|---:|---:|---:|---:|---:|---:|")
        for line in summarise(result):
            out.append(
                f"| {line['category']} | {line['questions']} | {line['found']:.0%} | {line['top5']:.0%} |"
                f" {line['handed_max']} / {line['handed_mean']:.1f} | {line['text_calls_max']} |"
                f" {line['embedding_calls_max']} |"
            )
        misses = [r["question"] for r in result["questions"] if not r["found"]]
        if misses:
            out.append("\nnot found: " + "; ".join(misses))
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modes", default="offline,semantic,embedding-down")
    args = parser.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    if "bedrock" in modes and not os.environ.get("EVAL_BEDROCK"):
        print("[eval] bedrock: set EVAL_BEDROCK=1 with AWS credentials to run it; skipped")
        modes.remove("bedrock")
    results = [run_mode(mode) for mode in modes]
    text = table(results)
    print(text)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(parents=True, exist_ok=True)
    document = {"when": stamp, "today": TODAY.isoformat(), "results": results, "summary": {
        r["mode"]: summarise(r) for r in results}}  # fmt: skip
    for path in (RESULTS / f"eval-{stamp}.json", LATEST):
        path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
