"""GET /health: is the function up and can it reach its database."""

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router

from handler.api import identity
from handler.api.errors import documented
from handler.errors import RETRY_AFTER_S, DatabaseUnavailable, DeadlineExceeded

router = Router()


@router.get(
    "/health",
    summary="Liveness and database reachability; needs no identity",
    responses={
        **documented(200, "Up, and the database answers", 413),
        503: {"description": "The database does not answer; retry after Retry-After"},
    },
)
@identity.public
def health(services: identity.AppServices) -> Response[dict]:
    try:
        services.store.ping()
    except (DatabaseUnavailable, DeadlineExceeded):
        return Response(
            status_code=503,
            content_type=content_types.APPLICATION_JSON,
            body={"status": "unavailable", "database": "unreachable"},
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )
    return Response(
        status_code=200, content_type=content_types.APPLICATION_JSON, body={"status": "ok", "database": "ok"}
    )
