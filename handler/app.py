"""Lambda entry point: `handler.app.lambda_handler`.

Takes API Gateway HTTP API (2.0) and REST API (1.0) proxy events, and SQS batches of jobs
(handler.worker). Everything else is Powertools' event handler and the routers in
handler.api; per-request state travels in Powertools' own context (the caller, read by routes with
`Depends`) and its route middleware (idempotency).

Only what must happen before Powertools looks at the event is here:
- 413, a body over the size limit: checked before anything reads the body.
- 401 on every route but the public ones: Powertools routes (404/405) and validates bodies (422,
  with the fields' names) before any middleware runs, and an unverified caller must learn neither
  which routes exist nor what their bodies hold. Deny by default, before routing.
- 410 for a caller whose erasure was asked for or is done (handler.logic.erasure), for the same
  reason, and before any model call: every route but DELETE /me.
- 415 and 400 for bodies Powertools' parser would take as form data or fail on with an unexpected
  exception (handler.api.request_body).
"""

from __future__ import annotations

import functools
import json
import logging

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent, APIGatewayProxyEventV2
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from handler import deadline, snap_start
from handler.api import (
    agent_routes,
    diaries_routes,
    errors,
    health_routes,
    identity,
    images_routes,
    insights_routes,
    me_routes,
    paths,
    photos_routes,
    questions_routes,
    records_routes,
    reports_routes,
    request_body,
    voice_notes_routes,
)
from handler.composition import Services
from handler.errors import ServiceError, Unauthorized
from handler.function_logger import function_logger
from handler.inference import usage
from handler.logic import erasure
from handler.settings import Settings

# At DEBUG (AWS_LAMBDA_LOG_LEVEL lowers the root logger) botocore logs whole response bodies,
# GetSecretValue's password included; these libraries never log below INFO here.
for _noisy in ("botocore", "boto3", "urllib3"):
    logging.getLogger(_noisy).setLevel(logging.INFO)
logger = function_logger()
# Fail the container at start, with the setting's name, rather than on the first request (after the
# logger is made: a deprecated setting's name is logged through it).
# Tests replace `services` with their own (tests/support/services.py); every request reads it here.
services = Services.from_environment()
metrics = Metrics(namespace=services.settings.powertools_metrics_namespace)

_ROUTERS = (
    health_routes.router,
    records_routes.router,
    photos_routes.router,
    voice_notes_routes.router,
    diaries_routes.router,
    questions_routes.router,
    images_routes.router,
    reports_routes.router,
    agent_routes.router,
    me_routes.router,
    insights_routes.router,
)
_serialize = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"))


def _build(resolver_class: type[ApiGatewayResolver], base_path: str | None) -> ApiGatewayResolver:
    app = resolver_class(
        enable_validation=True,
        serializer=_serialize,
        strip_prefixes=[base_path] if base_path else None,
    )
    for router in _ROUTERS:
        app.include_router(router)
    errors.register(app, base_path)

    @app.get("/openapi.json", summary="This API's OpenAPI document", include_in_schema=False)
    @identity.public
    def openapi() -> Response[dict]:
        # A dict, as the annotation says: the JSON string itself failed response validation (a 400).
        document = json.loads(app.get_openapi_json_schema(title="Diary API"))
        return Response(status_code=200, content_type="application/json", body=_without_default_422(document))

    return app


def _without_default_422(document: dict) -> dict:
    """Powertools lists its own 422 body on every validated route; this API answers 422 only where a
    route documents it (with ErrorBody, handler.api.errors.documented), and a bad path or query
    parameter is a 400."""
    default = {"$ref": "#/components/schemas/HTTPValidationError"}
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if responses.get("422", {}).get("content", {}).get("application/json", {}).get("schema") == default:
                del responses["422"]
    for name in ("HTTPValidationError", "ValidationError"):
        document.get("components", {}).get("schemas", {}).pop(name, None)
    return document


# One resolver per event shape and base path, built on the first event of that shape: a function of
# its arguments alone (the routers are fixed at import), so a cache of it holds nothing else.
_resolver_for = functools.cache(_build)

if snap_start.will_be_snapshotted(services.settings):
    # Init runs once, when Lambda publishes the version, and is then restored from its snapshot:
    # build now what the first requests would, and keep out of the snapshot what must not be shared.
    for _shape in (APIGatewayHttpResolver, APIGatewayRestResolver):
        _resolver_for(_shape, services.settings.api_base_path)
    snap_start.load_ahead()
    snap_start.register_hooks(services)


def _parse(event: dict, base_path: str | None) -> tuple[ApiGatewayResolver, BaseProxyEvent]:
    if event.get("version") == "2.0":
        return _resolver_for(APIGatewayHttpResolver, base_path), APIGatewayProxyEventV2(event)
    if "httpMethod" in event:
        return _resolver_for(APIGatewayRestResolver, base_path), APIGatewayProxyEvent(event)
    raise ValueError("unsupported event: expected an API Gateway 2.0 or 1.0 proxy event, or an SQS batch")


def _is_sqs_batch(event: dict) -> bool:
    records = event.get("Records") or []
    return bool(records) and all(r.get("eventSource") == "aws:sqs" for r in records)


def _body_limit(request: BaseProxyEvent, settings: Settings) -> int:
    """POST /me/import takes a whole export document (IMPORT_MAX_BODY_BYTES); the rest MAX_BODY_BYTES."""
    route = (request.http_method.upper(), paths.routed(request.path, settings.api_base_path))
    return settings.import_max_body_bytes if route == me_routes.IMPORT_ROUTE else settings.max_body_bytes


@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context(correlation_id_path="requestContext.requestId", clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    deadline.start(context.get_remaining_time_in_millis())
    if _is_sqs_batch(event):
        # Imported here: the worker pulls in the report agent and Powertools' batch utilities,
        # which an API container's cold start does not need.
        from handler import worker

        return worker.handle_batch(event, context, services)
    settings = services.settings
    paths.without_trailing_slash(event)
    app, request = _parse(event, settings.api_base_path)
    try:
        request_body.check_size(request, _body_limit(request, settings))
        public = identity.is_public(app, request, settings.api_base_path)
        user_id = None if public else identity.verified_caller(request, settings.allow_user_id_header)
        if not public and user_id is None:
            raise Unauthorized("a verified identity is required")
        caller = None if user_id is None else services.acting_for(user_id)
        if caller is not None and not identity.is_erasure(request, settings.api_base_path):
            # An erased user's token stays valid until it expires: refused here, before anything runs.
            erasure.refuse_if_erased(caller)
        request_body.check_parsable(request)
    except ServiceError as exc:
        # In the request's language, as routed errors are (handler.api.errors).
        return errors.proxy_response(exc, errors.request_language(request))
    request_body.as_powertools_reads_it(event)
    # Routes read it with Depends(identity.current_caller); Powertools clears the context after resolving.
    app.append_context(**{identity.CONTEXT_KEY: caller, identity.SERVICES_KEY: services})
    # Every model call of the request names its caller, as a pseudonym, in its usage line and metric.
    with usage.calls_for(user_id, settings.caller_id_salt):
        return app.resolve(event, context)
