"""Embed what has no embedding yet, and give the diaries that have no mood theirs (read from their
words), as the stack's scheduled backfill function does in AWS.

    python -m handler.local.backfill

Uses DATABASE_URL, or the embedded PostgreSQL when it is unset, and the offline embedder unless
MODEL_PROVIDER says otherwise. Migrates as DATABASE_URL's user, then embeds logged in as
diary_backfill_login, which has no password locally (the server must trust local connections, as
the embedded one does). Runs batches until a batch embeds nothing.
"""

from __future__ import annotations

import json
import os
import sys

from handler.local.embedded_postgres import database_url, login_url


def main() -> int:
    admin_url = database_url()
    os.environ["DATABASE_URL"] = admin_url
    os.environ.setdefault("MODEL_PROVIDER", "offline")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from handler import migrate
    from handler.composition import Services
    from handler.dal.login_roles import BACKFILL_LOGIN
    from handler.logic import embedding_index, insights

    services = Services.from_environment()
    migrate.migrate(services.store, services.settings)
    # Migrated as DATABASE_URL's user; embedded as the backfill's own login, as in AWS.
    services.store.close()
    os.environ["DATABASE_URL"] = login_url(admin_url, BACKFILL_LOGIN)
    services = Services.from_environment()  # the backfill login's, once
    total = {"records": 0, "diaries": 0, "failed": 0, "moods": 0}
    while True:
        moods = insights.backfill_moods(services)
        done = {**embedding_index.backfill(services), **moods}
        for key, value in done.items():
            total[key] += value
        if done["records"] + done["diaries"] + done["moods"] == 0:
            break
    services.store.close()
    print(json.dumps(total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
