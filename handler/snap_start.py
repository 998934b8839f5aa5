"""SnapStart: init done once, at publish time, and what a snapshot must not carry.

With SnapStart on (the template's SnapStart parameter), Lambda runs init when a version is
published, snapshots the environment, and restores copies of that snapshot instead of running
init again; Lambda sets AWS_LAMBDA_INITIALIZATION_TYPE=snap-start for that init. The image's own
runtime client (awslambdaric 4.2.2) then runs the hooks registered with snapshot_restore_py
before the snapshot and after each restore, around its GET /runtime/restore/next
(https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-custom.html).
Without SnapStart nothing here runs: init stays lazy and routes build what they use.

Init, when it will be snapshotted, does what the first requests would otherwise pay for:
Strands and its Bedrock model class, the worker and its agents, the service models of every AWS
client the function makes (without resolving credentials), and both resolvers (handler.app).

Before the snapshot nothing is held that copies must not share
(https://docs.aws.amazon.com/lambda/latest/dg/snapstart-uniqueness.html): no database
connection, no cached secret, no AWS client (a client holds the credentials it resolved), no
deadline. After restore, `random` is reseeded: its state is in the snapshot, so every copy would
draw the same numbers (botocore's retry jitter among them). uuid4 and `secrets` read os.urandom,
fresh in every copy; connections and the secret are made and read on first use, as on a cold start.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from handler.composition import Services
    from handler.settings import Settings

# AWS_LAMBDA_INITIALIZATION_TYPE's value (the setting aws_lambda_initialization_type) for such an init.
SNAP_START = "snap-start"
# The services of the function's own clients (handler.aws): Bedrock's runtime, S3 and SQS. The
# database secret is read by Powertools' parameters, whose client is its own.
SERVICES = ("bedrock-runtime", "s3", "sqs")


def will_be_snapshotted(settings: Settings) -> bool:
    return settings.aws_lambda_initialization_type == SNAP_START


def load_ahead() -> None:
    """The imports and service models the first requests would load."""
    from aws_lambda_powertools.utilities import batch, parameters  # noqa: F401 (the worker, the secret)
    from holidays.countries.south_korea import SouthKorea  # noqa: F401 (a question that names a holiday)
    from strands.models.bedrock import BedrockModel  # noqa: F401

    from handler import aws, lazy_pattern, worker  # noqa: F401 (worker: the report agent, the batch processor)
    from handler.dal import idempotency_layer  # noqa: F401 (a request with an Idempotency-Key)

    aws.load_service_models(SERVICES)
    # The phrase tables' patterns, which a cold start without SnapStart compiles on first use.
    lazy_pattern.compile_all()


def register_hooks(services: Services) -> None:
    """`services`: the entry point's, whose clients the snapshot must not carry."""
    from snapshot_restore_py import register_after_restore, register_before_snapshot

    register_before_snapshot(before_snapshot, services)
    register_after_restore(after_restore)


def before_snapshot(services: Services) -> None:
    from aws_lambda_powertools.utilities import parameters

    from handler import deadline

    services.store.close()
    parameters.clear_caches()
    services.models.forget()
    services.aws.forget()
    deadline.start(None)


def after_restore() -> None:
    random.seed()
