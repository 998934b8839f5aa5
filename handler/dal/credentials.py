"""Where the database credentials come from: DATABASE_URL locally, the RDS-managed secret in AWS."""

from __future__ import annotations

from psycopg2.extensions import make_dsn

from handler.settings import Settings

SECRET_MAX_AGE_S = 300


def connection_dsn(settings: Settings) -> str:
    if settings.database_url:
        return settings.database_url
    # Imported here: only the AWS path needs boto3 and the secrets provider.
    from aws_lambda_powertools.utilities import parameters

    secret = parameters.get_secret(settings.db_secret_arn, transform="json", max_age=SECRET_MAX_AGE_S)
    return make_dsn(
        host=settings.db_host,
        port=settings.db_port,
        dbname=settings.db_name,
        user=secret["username"],
        password=secret["password"],
        sslmode="require",
    )
