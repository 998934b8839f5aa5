"""The short-window rate of the routes that call a model (handler.logic.quotas), as a route
middleware: `middlewares=[idempotent, limited]`. After idempotency, so that a replayed response
costs no request; after body validation (Powertools validates before route middlewares), so that
a malformed request costs none either. The day's quotas are reserved deeper, by the use cases,
which alone know what model work a request needs."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from handler.api.identity import current_caller
from handler.logic import quotas


def limited(app: ApiGatewayResolver, next_middleware: NextMiddleware) -> Response:
    quotas.admit_request(current_caller(app.request))
    return next_middleware(app)
