"""Embed what has no embedding yet, as the worker's scheduled job does in AWS.

    python -m handler.local.backfill

Uses DATABASE_URL, or the embedded PostgreSQL when it is unset, and the offline embedder unless
MODEL_PROVIDER says otherwise. Runs batches until a batch embeds nothing.
"""

from __future__ import annotations

import json
import os
import sys

from handler.local.embedded_postgres import database_url


def main() -> int:
    os.environ["DATABASE_URL"] = database_url()
    os.environ.setdefault("MODEL_PROVIDER", "offline")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from handler import migrate
    from handler.dal import connection
    from handler.logic import embedding_index

    migrate.migrate()
    total = {"records": 0, "diaries": 0, "failed": 0}
    while True:
        done = embedding_index.backfill()
        for key, value in done.items():
            total[key] += value
        if done["records"] + done["diaries"] == 0:
            break
    connection.close()
    print(json.dumps(total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
