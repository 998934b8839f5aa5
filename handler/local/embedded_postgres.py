"""A PostgreSQL for local runs and tests when DATABASE_URL is not set: the `pgserver` package's.

The server lives in a folder of the project (.local/pgdata), so its data survives between runs and
never touches a system database.
"""

from __future__ import annotations

import os
from pathlib import Path

PGDATA = Path(__file__).resolve().parents[2] / ".local" / "pgdata"


def database_url() -> str:
    """DATABASE_URL when set, else the URL of the embedded server, started if needed."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    import pgserver  # dev dependency only

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode="stop": the server stops when the last process using it exits.
    return pgserver.get_server(PGDATA, cleanup_mode="stop").get_uri()
