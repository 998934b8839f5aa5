"""A function's old published versions, deleted: the newest few and every aliased one are kept.

Every deploy that changes the diary function publishes a version (the template's AutoPublishAlias),
and SAM gives each `AWS::Lambda::Version` a DeletionPolicy of Retain, so CloudFormation never deletes
one: they pile up, and with SnapStart each one's snapshot is billed for as long as it is kept
(README "SnapStart"). Run on deploy by the `Custom::VersionPruning` resource (handler.deploy_hooks)
once the alias has moved to the new version.

What is never deleted:
- `$LATEST`, and the function itself: every DeleteFunction names one numbered version as its
  Qualifier (without one, DeleteFunction deletes the function with all its versions:
  https://docs.aws.amazon.com/lambda/latest/api/API_DeleteFunction.html);
- any version an alias points to, as its version or through a routing weight (Lambda refuses
  those too: "You can't delete a version that an alias references", same page);
- the `keep` newest versions, at least two: the one before the newest is what a rollback moves the
  alias back to.
A version whose deletion fails is reported and left for the next deploy: housekeeping must not
fail a deploy that is otherwise good.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

MIN_KEEP = 2
# Stop deleting when less than this is left of the custom resource's time: the rest waits.
STOP_MARGIN_S = 15.0
_UNQUALIFIED_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9_.-]+$")


@dataclass
class Pruned:
    kept: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    # version -> (error code, message) of a deletion that failed
    failed: dict[int, tuple[str, str]] = field(default_factory=dict)
    # versions not tried because time ran short
    postponed: list[int] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the stack's output: what stays, what went, what is left for next time."""
        parts = [f"kept {_numbers(self.kept)}", f"deleted {_numbers(self.deleted)}"]
        if self.failed:
            codes = sorted({code for code, _ in self.failed.values()})
            parts.append(f"NOT deleted {_numbers(list(self.failed))} ({', '.join(codes)}; see the log)")
        if self.postponed:
            parts.append(f"left for the next deploy {_numbers(self.postponed)}")
        return ", ".join(parts)


def plan(versions: Iterable[str], aliased: set[str], keep: int) -> tuple[list[int], list[int]]:
    """(kept, to delete) among the numbered versions, oldest first; `$LATEST` is neither."""
    if keep < MIN_KEEP:
        raise ValueError(f"keep at least {MIN_KEEP} versions (the rollback target), not {keep}")
    numbered = sorted(int(v) for v in versions if v.isdigit())
    newest = set(numbered[-keep:])
    kept = [v for v in numbered if v in newest or str(v) in aliased]
    return kept, [v for v in numbered if v not in kept]


def prune(client: Any, function_arn: str, keep: int, seconds_left: Callable[[], float | None]) -> Pruned:
    """Delete the versions of `function_arn` (unqualified) that `plan` does not keep. Listing
    errors raise; a failed deletion is recorded in the result and the next one is tried."""
    if not _UNQUALIFIED_ARN.match(function_arn):
        raise ValueError("the function must be named by its unqualified ARN")
    versions = [
        v["Version"]
        for page in client.get_paginator("list_versions_by_function").paginate(FunctionName=function_arn)
        for v in page["Versions"]
    ]
    kept, doomed = plan(versions, _aliased_versions(client, function_arn), keep)
    result = Pruned(kept=kept)
    for version in doomed:
        left = seconds_left()
        if left is not None and left < STOP_MARGIN_S:
            result.postponed.append(version)
            continue
        try:
            client.delete_function(FunctionName=function_arn, Qualifier=str(version))
            result.deleted.append(version)
        except ClientError as error:
            details = error.response.get("Error", {})
            result.failed[version] = (str(details.get("Code", "error")), str(details.get("Message", ""))[:300])
        except BotoCoreError as error:  # a connection or timeout the client's retries did not overcome
            result.failed[version] = (type(error).__name__, str(error)[:300])
    return result


def _aliased_versions(client: Any, function_arn: str) -> set[str]:
    aliased: set[str] = set()
    for page in client.get_paginator("list_aliases").paginate(FunctionName=function_arn):
        for alias in page["Aliases"]:
            aliased.add(alias["FunctionVersion"])
            aliased.update((alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {})
    return aliased


def _numbers(versions: list[int]) -> str:
    return ",".join(str(v) for v in sorted(versions)) or "none"
