"""`make smoke STACK=<name>`: one record walked through the deployed API, run by a person after
`sam deploy`, with their own AWS credentials (profile, SSO or environment, as the AWS CLI finds them).

    python -m handler.local.smoke --stack diary-dev [--region us-west-2] [--dry-run]
    python -m handler.local.smoke --local http://127.0.0.1:3000 [--dry-run]     # against `make dev`

Against a stack, in this order:
1. CloudFormation DescribeStacks: the outputs ApiUrl, UserPoolId and UserPoolClientId.
2. A throwaway user in the stack's user pool, signed in: Cognito AdminCreateUser (no invitation
   e-mail), AdminSetUserPassword (permanent, random, never printed), AdminInitiateAuth with
   ADMIN_USER_PASSWORD_AUTH, which the stack's app client allows and which needs the caller's IAM
   credentials (template.yaml, UserPoolClient). Its ID token is what the API's authorizer checks.
3. The walk (STEPS): health, a request without a token refused, a record stored and listed, the
   day's diary written from it, a picture drawn and its presigned URL loaded as a PNG, the user's
   data erased (the worker's job on the erasure queue, after which the API refuses the user's
   still-valid token with 410 `account_erased`) and the picture gone.
4. Cleanup, also when a step failed: DELETE /me if the walk stopped before it, then AdminDeleteUser
   (a user the erasure's worker deleted already is fine).

The caller needs cloudformation:DescribeStacks and cognito-idp:AdminCreateUser,
AdminSetUserPassword, AdminInitiateAuth and AdminDeleteUser on the pool.

`--local URL` walks `make dev`'s server instead, as the local caller `X-User-Id` (no token, no AWS).
`--dry-run` prints every call and request, in order, and sends nothing. Neither the password, the
token nor a presigned URL's query (its signature) is ever printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import secrets
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# API Gateway ends an integration after 30 s; a little more for the network.
REQUEST_TIMEOUT_S = 35
# The erasure is the worker's: SQS hands it over within seconds; give it this long.
ERASURE_ATTEMPTS = 30
ERASURE_PAUSE_S = 3.0
REQUIRED_OUTPUTS = ("ApiUrl", "UserPoolId", "UserPoolClientId")

# (status, body) for (method, url, headers, body)
Send = Callable[[str, str, Mapping[str, str], bytes | None], tuple[int, bytes]]


class SmokeFailure(Exception):
    pass


@dataclass(frozen=True)
class Step:
    """One request of the walk. `path` is the API's, or `{picture_url}` for the picture itself
    (S3, no token); `check` reads the answer, may remember what later steps need, and raises
    SmokeFailure when the answer is wrong; `until_true` repeats the step until `check` passes."""

    title: str
    method: str
    path: str
    expect: tuple[int, ...]
    body: dict[str, Any] | None = None
    token: bool = True
    check: Callable[[bytes, dict[str, str]], None] | None = None
    until_true: bool = False


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError as error:
        raise SmokeFailure(f"the answer is not JSON: {raw[:120]!r}") from error


def _record_stored(raw: bytes, found: dict[str, str]) -> None:
    found["record_id"] = str(_json(raw)["id"])


def _record_listed(raw: bytes, found: dict[str, str]) -> None:
    if found["record_id"] not in [str(item["id"]) for item in _json(raw)["items"]]:
        raise SmokeFailure("the stored record is not in the day's list")


def _diary_from_record(raw: bytes, found: dict[str, str]) -> None:
    if found["record_id"] not in [str(i) for i in _json(raw)["record_ids"]]:
        raise SmokeFailure("the diary was not written from the stored record")


def _picture_url(raw: bytes, found: dict[str, str]) -> None:
    found["picture_url"] = str(_json(raw)["url"])


def _is_png(raw: bytes, found: dict[str, str]) -> None:
    if not raw.startswith(PNG_SIGNATURE):
        raise SmokeFailure(f"the picture is not a PNG (starts {raw[:8]!r})")


def _erased(raw: bytes, found: dict[str, str]) -> None:
    # `account_erasing` while the worker is at it; `account_erased` once everything is gone.
    if _json(raw)["error"]["code"] != "account_erased":
        raise SmokeFailure("the user's erasure is not done yet")


def steps(day: str) -> list[Step]:
    """The walk, in order. `day`: the date every step names (the record's, the diary's)."""
    records_of_the_day = f"/records?date={day}"
    return [
        Step("the API answers", "GET", "/health", (200,), token=False),
        Step("a request without a token is refused", "GET", records_of_the_day, (401,), token=False),
        Step(
            "store a record",
            "POST",
            "/records",
            (201,),
            {"content": f"smoke test {day}: 오늘 친구랑 영화 봤어", "record_date": day},
            check=_record_stored,
        ),
        Step("the record is listed", "GET", records_of_the_day, (200,), check=_record_listed),
        Step("write the day's diary from it", "POST", "/diaries", (201,), {"date": day}, check=_diary_from_record),
        Step("draw a picture of the diary", "POST", "/images", (201,), {"date": day}, check=_picture_url),
        Step("the picture loads, a PNG", "GET", "{picture_url}", (200,), token=False, check=_is_png),
        Step("erase the user's data", "DELETE", "/me", (202,)),
        Step(
            "the account is erased (the worker's erasure); its token is refused",
            "GET",
            records_of_the_day,
            (410,),
            check=_erased,
            until_true=True,
        ),
        # The object is deleted: S3 answers 404, or 403 to a signer without s3:ListBucket.
        Step("the picture is gone", "GET", "{picture_url}", (403, 404), token=False),
    ]


ERASE = Step("erase the user's data (cleanup)", "DELETE", "/me", (202,))


@dataclass(frozen=True)
class Exchange:
    title: str
    method: str
    shown_url: str  # the URL as printed: a presigned URL without its query
    status: int


def http_send(method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> tuple[int, bytes]:
    # https from the stack's output or the API's answer; http for `make dev` on 127.0.0.1. Nothing else.
    if not url.startswith(("https://", "http://")):
        raise SmokeFailure(f"not an http(s) URL: {url.split('?', 1)[0]}")
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers))  # noqa: S310 - checked above
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as response:  # noqa: S310 - checked above
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@dataclass
class Walk:
    """The walk against `base_url` (the API's root, ending in /), signed by `auth` (the headers
    that say who calls: a Cognito ID token, or `make dev`'s X-User-Id)."""

    base_url: str
    auth: Callable[[], Mapping[str, str]]
    send: Send = http_send
    pause: Callable[[float], None] = time.sleep
    out: Callable[[str], None] = print
    exchanges: list[Exchange] = field(default_factory=list)
    found: dict[str, str] = field(default_factory=dict)
    erased: bool = False

    def run(self, day: str) -> list[Exchange]:
        for step in steps(day):
            self._take(step)
        return self.exchanges

    def erase_quietly(self) -> None:
        """Cleanup after a failed walk: the user's data goes even so; a failure here is only shown."""
        try:
            self._take(ERASE)
        except SmokeFailure as failure:
            self.out(f"cleanup: {failure}")

    def _take(self, step: Step) -> None:
        attempts = ERASURE_ATTEMPTS if step.until_true else 1
        for attempt in range(1, attempts + 1):
            status, raw = self._request(step)
            try:
                if status not in step.expect:
                    raise SmokeFailure(f"{status}, not {' or '.join(map(str, step.expect))}: {raw[:300]!r}")
                if step.check:
                    step.check(raw, self.found)
                break
            except SmokeFailure:
                if attempt == attempts:
                    self.out(f"FAIL {status} {step.method} {self._shown(step)}  {step.title}")
                    raise
                self.pause(ERASURE_PAUSE_S)
        if step.method == "DELETE" and step.path == "/me":
            self.erased = True
        self.out(f"ok   {status} {step.method} {self._shown(step)}  {step.title}")

    def _request(self, step: Step) -> tuple[int, bytes]:
        headers = {"accept": "application/json"}
        if step.token:
            headers.update(self.auth())
        body = None
        if step.body is not None:
            body = json.dumps(step.body, ensure_ascii=False).encode("utf-8")
            headers["content-type"] = "application/json"
        url = self._url(step)
        status, raw = self.send(step.method, url, headers, body)
        self.exchanges.append(Exchange(step.title, step.method, self._shown(step), status))
        return status, raw

    def _url(self, step: Step) -> str:
        if step.path == "{picture_url}":
            return self.found["picture_url"]
        return self.base_url.rstrip("/") + step.path

    def _shown(self, step: Step) -> str:
        if step.path == "{picture_url}":
            url = self.found.get("picture_url", "<the picture's presigned URL>")
            return url.split("?", 1)[0] + "?<signature>"
        return step.path


# --- the stack: outputs and a throwaway Cognito user --------------------------------------------


def stack_outputs(session: Any, stack: str) -> dict[str, str]:
    (described,) = session.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    missing = [name for name in REQUIRED_OUTPUTS if name not in outputs]
    if missing:
        raise SmokeFailure(
            f"stack {stack} has no output {', '.join(missing)}: the smoke test signs in through the stack's own "
            "user pool (JwtIssuer empty)"
        )
    return outputs


@dataclass
class TestUser:
    """A user of the stack's pool that lives for one smoke run."""

    cognito: Any
    pool_id: str
    client_id: str
    username: str = field(default_factory=lambda: f"smoke-{uuid.uuid4().hex[:12]}@example.invalid")
    # The pool's policy: 12+ characters with upper case, lower case and a digit (template.yaml).
    password: str = field(default_factory=lambda: f"Sm0ke-{secrets.token_urlsafe(24)}", repr=False)
    created: bool = False

    def create_and_sign_in(self) -> str:
        """The user's ID token."""
        self.cognito.admin_create_user(
            UserPoolId=self.pool_id,
            Username=self.username,
            UserAttributes=[{"Name": "email", "Value": self.username}, {"Name": "email_verified", "Value": "true"}],
            MessageAction="SUPPRESS",
        )
        self.created = True
        self.cognito.admin_set_user_password(
            UserPoolId=self.pool_id, Username=self.username, Password=self.password, Permanent=True
        )
        answer = self.cognito.admin_initiate_auth(
            UserPoolId=self.pool_id,
            ClientId=self.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": self.username, "PASSWORD": self.password},
        )
        if "AuthenticationResult" not in answer:
            raise SmokeFailure(f"Cognito asked for {answer.get('ChallengeName')} instead of signing the user in")
        return str(answer["AuthenticationResult"]["IdToken"])

    def delete(self) -> None:
        """The user, unless the erasure's worker deleted them already (it does, once it has run)."""
        if self.created:
            try:
                self.cognito.admin_delete_user(UserPoolId=self.pool_id, Username=self.username)
            except self.cognito.exceptions.UserNotFoundException:
                pass
            self.created = False


# --- the command -------------------------------------------------------------------------------


def dry_run(args: argparse.Namespace, day: str, out: Callable[[str], None] = print) -> None:
    out("make smoke, dry run: nothing is sent.")
    if args.local:
        base, who = args.local, "X-User-Id: smoke-<random>"
    else:
        base, who = "<ApiUrl>", "Authorization: Bearer <the user's ID token>"
        region = args.region or "<your default region>"
        out(f"AWS, with your credentials, region {region}:")
        out(f"  cloudformation DescribeStacks StackName={args.stack} -> ApiUrl, UserPoolId, UserPoolClientId")
        out(
            "  cognito-idp AdminCreateUser UserPoolId=<UserPoolId> Username=smoke-<random>@example.invalid "
            "email_verified=true MessageAction=SUPPRESS"
        )
        out("  cognito-idp AdminSetUserPassword Password=<random, never printed> Permanent=true")
        out("  cognito-idp AdminInitiateAuth ClientId=<UserPoolClientId> AuthFlow=ADMIN_USER_PASSWORD_AUTH")
    out(f"The API at {base}, as the user ({who}):")
    for number, step in enumerate(steps(day), start=1):
        url = "<the picture's presigned URL>" if step.path == "{picture_url}" else step.path
        line = f"  {number:2}. {step.method} {url}"
        if step.body is not None:
            line += f" {json.dumps(step.body, ensure_ascii=False)}"
        line += f"  -> {' or '.join(map(str, step.expect))}"
        line += "" if step.token else "  (anonymous)"
        line += "  (repeated until it holds)" if step.until_true else ""
        out(f"{line}  {step.title}")
    out("Cleanup, also after a failure:")
    out("  DELETE /me, if the walk stopped before it")
    if not args.local:
        out("  cognito-idp AdminDeleteUser UserPoolId=<UserPoolId> Username=smoke-<random>@example.invalid")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--stack", help="the service stack's name (samconfig.toml: stack_name)")
    target.add_argument("--local", metavar="URL", help="`make dev`'s server, e.g. http://127.0.0.1:3000")
    parser.add_argument("--region", help="the stack's region (default: your AWS configuration's)")
    parser.add_argument("--dry-run", action="store_true", help="print every call and request; send nothing")
    args = parser.parse_args(argv)
    day = dt.datetime.now(dt.UTC).date().isoformat()
    if args.dry_run:
        dry_run(args, day)
        return 0
    try:
        if args.local:
            user_id = f"smoke-{uuid.uuid4()}"
            _walk_and_erase(Walk(args.local, lambda: {"x-user-id": user_id}), day)
        else:
            _against_the_stack(args.stack, args.region, day)
    except SmokeFailure as failure:
        print(f"smoke test FAILED: {failure}", file=sys.stderr)
        return 1
    print("smoke test passed")
    return 0


def _against_the_stack(stack: str, region: str | None, day: str) -> None:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        session = boto3.Session(region_name=region)
        outputs = stack_outputs(session, stack)
        user = TestUser(session.client("cognito-idp"), outputs["UserPoolId"], outputs["UserPoolClientId"])
        try:
            token = user.create_and_sign_in()
            print(f"signed in as {user.username}")
            _walk_and_erase(Walk(outputs["ApiUrl"], lambda: {"authorization": f"Bearer {token}"}), day)
        finally:
            if user.created:
                user.delete()
                print(f"deleted the user {user.username}")
    except (BotoCoreError, ClientError) as error:  # no credentials, no permission, no such stack
        raise SmokeFailure(f"AWS: {error}") from error


def _walk_and_erase(walk: Walk, day: str) -> None:
    try:
        walk.run(day)
    finally:
        if not walk.erased:
            walk.erase_quietly()


if __name__ == "__main__":
    sys.exit(main())
