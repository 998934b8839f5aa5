"""Apply the numbered SQL files in handler/migrations: `python -m handler.migrate`.

Run as the master user (the owner of the schema); it also creates the logins the functions use and,
in AWS, sets their passwords from their secrets (handler/dal/login_roles.py).

Safe to run twice (applied versions are recorded) and from several processes at once (an advisory
lock serialises them; the second one finds everything applied).

The schema needs pgvector: a server without it is refused before anything is applied, every time,
so that a database migrated there by an earlier version (without embeddings) is refused as well.
RDS for PostgreSQL has it ("Extension versions for Amazon RDS for PostgreSQL",
https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-extensions.html).
"""

from __future__ import annotations

import sys
from pathlib import Path

from handler.dal import login_roles
from handler.dal.store import Store
from handler.settings import Settings, load_settings

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Any constant shared by every migrating process; "diary" in ASCII.
_LOCK_KEY = 0x6469617279
NO_PGVECTOR = (
    "this PostgreSQL has no pgvector (the `vector` extension), which the schema requires for"
    " retrieval by meaning. RDS for PostgreSQL has it (the migrations create the extension); locally,"
    " leave DATABASE_URL unset for the embedded PostgreSQL, which ships it, or point DATABASE_URL at"
    " a server with pgvector installed."
)


class PgvectorMissing(RuntimeError):
    """The server offers no `vector` extension; nothing was applied."""


def pending_files(applied: set[str]) -> list[Path]:
    return [p for p in sorted(MIGRATIONS_DIR.glob("*.sql")) if p.stem not in applied]


def migrate(store: Store, settings: Settings) -> list[str]:
    """Apply what is missing; return the versions applied by this call. `settings`: the migrating
    function's (the logins' secrets)."""
    with store.bootstrap() as cur:
        cur.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
        if cur.fetchone() is None:
            raise PgvectorMissing(NO_PGVECTOR)
        # Session-level lock: held across the per-file transactions below.
        cur.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
    try:
        with store.bootstrap() as cur:
            cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            cur.execute("SELECT version FROM schema_migrations")
            applied = {row["version"] for row in cur.fetchall()}
        done = []
        for path in pending_files(applied):
            with store.bootstrap() as cur:
                cur.execute(path.read_text(encoding="utf-8"))
                cur.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (path.stem,))
            done.append(path.stem)
        # Every run, not once: a login's secret may have a new value since the last one.
        logins = login_roles.secrets_of(settings)
        if logins:
            with store.bootstrap() as cur:
                login_roles.set_passwords(cur, logins)
        return done
    finally:
        with store.bootstrap() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))


def main() -> int:
    settings = load_settings()
    store = Store(settings)
    try:
        done = migrate(store, settings)
    except PgvectorMissing as exc:
        print(f"migrate: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"applied {len(done)} migration(s): {', '.join(done) or 'none pending'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
