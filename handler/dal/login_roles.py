"""The database logins of the functions (created by migration 0008_login_roles.sql), and their passwords.

Each function logs in as a role that can act only as what it serves: the API and the worker as
APP_LOGIN (a member of diary_app only), the embedding backfill as BACKFILL_LOGIN (a member of
diary_backfill only). Only the migrations log in as the master user.

In AWS each login's password lives in a Secrets Manager secret of its own (the template generates
it; RDS Proxy reads it to log in: "You create a separate Secrets Manager secret for each database
user account that the proxy connects to",
https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-secrets-arns.html). The migration
function, as the master user, sets each login's password from its secret on every run, so a secret
given a new value reaches the database on the next migration run.

The password never travels in clear: it is sent as a SCRAM-SHA-256 verifier computed here (libpq's
PQencryptPasswordConn, psycopg2.extensions.encrypt_password), which PostgreSQL stores as it is
("If the presented password string is already in MD5-encrypted or SCRAM-encrypted format, then it is
stored as-is", https://www.postgresql.org/docs/16/sql-createrole.html). A failed or logged
ALTER ROLE shows no password; nothing here logs the secret or the verifier.
"""

from __future__ import annotations

import psycopg2.extensions
from psycopg2 import sql

from handler.dal.credentials import read_login
from handler.settings import Settings

APP_LOGIN = "diary_app_login"
BACKFILL_LOGIN = "diary_backfill_login"


class LoginSecretMismatch(RuntimeError):
    """A login's secret names another user; nothing was changed for it."""


def secrets_of(settings: Settings) -> dict[str, str]:
    """The secret ARN of each login whose password the migrations set (none locally)."""
    arns = {APP_LOGIN: settings.db_app_login_secret_arn, BACKFILL_LOGIN: settings.db_backfill_login_secret_arn}
    return {login: arn for login, arn in arns.items() if arn}


def set_passwords(cur: psycopg2.extensions.cursor, secrets: dict[str, str]) -> list[str]:
    """Set each login's password from its secret (read fresh); the logins changed."""
    done = []
    for login, arn in secrets.items():
        user, password = read_login(arn, refresh=True)
        if user != login:
            # Not repeated: a secret filled in by hand may hold anything in that field.
            raise LoginSecretMismatch(f"the secret for {login} names another user")
        verifier = psycopg2.extensions.encrypt_password(password, login, cur.connection, "scram-sha-256")
        cur.execute(sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD %s").format(sql.Identifier(login)), (verifier,))
        done.append(login)
    return done
