"""Where the database credentials come from: DATABASE_URL locally, a Secrets Manager secret in AWS
(the login of each function: handler/migrations/0008_login_roles.sql)."""

from __future__ import annotations

from psycopg2.extensions import make_dsn

from handler.errors import DatabaseUnavailable
from handler.settings import Settings

SECRET_MAX_AGE_S = 300


def connection_dsn(settings: Settings, refresh: bool = False) -> str:
    """`refresh` reads the secret again instead of the cached copy (after RDS rotated the password)."""
    if settings.database_url:
        return settings.database_url
    if not settings.db_secret_arn:  # settings validation requires one of the two; this says so to mypy
        raise DatabaseUnavailable("neither DATABASE_URL nor DB_SECRET_ARN is set")
    user, password = read_login(settings.db_secret_arn, refresh=refresh)
    return make_dsn(
        host=settings.db_host,
        port=settings.db_port,
        dbname=settings.db_name,
        user=user,
        password=password,
        # Encrypted is not enough: the proxy must prove it is the endpoint dialled, with a certificate
        # from a CA this container trusts.
        sslmode="verify-full",
        sslrootcert=settings.db_ssl_root_cert,
    )


def read_login(secret_arn: str, refresh: bool = False) -> tuple[str, str]:
    """(username, password) from a secret in the shape RDS and RDS Proxy use ({"username", "password", ...}).
    `refresh` reads the secret again instead of the cached copy. Errors never carry the secret's value."""
    # Imported here: only the AWS path needs boto3 and the secrets provider.
    from aws_lambda_powertools.utilities import parameters

    try:
        secret = parameters.get_secret(secret_arn, transform="json", max_age=SECRET_MAX_AGE_S, force_fetch=refresh)
        user, password = secret["username"], secret["password"]
    except (parameters.exceptions.GetParameterError, parameters.exceptions.TransformParameterError) as exc:
        raise DatabaseUnavailable("the database secret could not be read") from exc
    except (KeyError, TypeError):
        raise DatabaseUnavailable("the database secret has no username and password") from None
    return user, password
