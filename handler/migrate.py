"""Apply the numbered SQL files in handler/migrations: `python -m handler.migrate`.

Safe to run twice (applied versions are recorded) and from several processes at once (an advisory
lock serialises them; the second one finds everything applied).
"""

from __future__ import annotations

import sys
from pathlib import Path

from handler.dal import connection

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Any constant shared by every migrating process; "diary" in ASCII.
_LOCK_KEY = 0x6469617279


def pending_files(applied: set[str]) -> list[Path]:
    return [p for p in sorted(MIGRATIONS_DIR.glob("*.sql")) if p.stem not in applied]


def migrate() -> list[str]:
    """Apply what is missing; return the versions applied by this call."""
    with connection.transaction(None, bootstrap=True) as cur:
        # Session-level lock: held across the per-file transactions below.
        cur.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
    try:
        with connection.transaction(None, bootstrap=True) as cur:
            cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            cur.execute("SELECT version FROM schema_migrations")
            applied = {row["version"] for row in cur.fetchall()}
        done = []
        for path in pending_files(applied):
            with connection.transaction(None, bootstrap=True) as cur:
                cur.execute(path.read_text(encoding="utf-8"))
                cur.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (path.stem,))
            done.append(path.stem)
        return done
    finally:
        with connection.transaction(None, bootstrap=True) as cur:
            cur.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))


def main() -> int:
    done = migrate()
    print(f"applied {len(done)} migration(s): {', '.join(done) or 'none pending'}")
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
