"""The stack's Cognito user pool: an erased user is signed out everywhere and deleted.

The pool lets users sign in with their e-mail address (UsernameAttributes), so Cognito makes each
user's username the same UUID as their `sub`, the id the API knows them by; the admin operations
take a `sub` as Username too ("this value must be the sub of a local user",
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminDeleteUser.html).

AdminUserGlobalSignOut invalidates the user's refresh tokens; their access and ID tokens stay valid
until they expire (an hour, the template's AccessTokenValidity)
(https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminUserGlobalSignOut.html),
and API Gateway's JWT authorizer checks only signature and expiry, so the API refuses an erased
user's tokens itself (handler.logic.erasure).
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from handler.aws import Clients
from handler.errors import AwsUnavailable


def sign_out_and_delete(clients: Clients, pool_id: str, user_id: str) -> int:
    """1 when the user was deleted now, 0 when they were gone already (an earlier delivery)."""
    cognito = clients.client("cognito-idp")
    try:
        cognito.admin_user_global_sign_out(UserPoolId=pool_id, Username=user_id)
        cognito.admin_delete_user(UserPoolId=pool_id, Username=user_id)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "UserNotFoundException":
            return 0
        raise AwsUnavailable("the user pool failed; retry later") from exc
    except BotoCoreError as exc:
        raise AwsUnavailable("the user pool failed; retry later") from exc
    return 1
