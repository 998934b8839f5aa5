"""Local stand-ins for S3 and SQS (moto's server, over real HTTP), and SQS batch events for the worker.

The local runner uses them so that images and reports take the same code path as in AWS.
"""

from __future__ import annotations

import os
from typing import Any

LOCAL_BUCKET = "diary-images-local"
LOCAL_QUEUE = "diary-jobs-local"
LOCAL_ERASURE_QUEUE = "diary-erasures-local"


def start_s3_and_sqs() -> Any:
    """Start moto and point IMAGE_BUCKET, JOB_QUEUE_URL, ERASURE_QUEUE_URL and the AWS endpoints at it."""
    import logging

    import boto3
    from moto.server import ThreadedMotoServer  # dev dependency only

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    os.environ.update(AWS_ENDPOINT_URL_S3=endpoint, AWS_ENDPOINT_URL_SQS=endpoint)
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=LOCAL_BUCKET)
    # Versioned, as the stack's bucket is: deletes take every version.
    s3.put_bucket_versioning(Bucket=LOCAL_BUCKET, VersioningConfiguration={"Status": "Enabled"})
    sqs = boto3.client("sqs")
    os.environ.update(
        IMAGE_BUCKET=LOCAL_BUCKET,
        JOB_QUEUE_URL=sqs.create_queue(QueueName=LOCAL_QUEUE)["QueueUrl"],
        ERASURE_QUEUE_URL=sqs.create_queue(QueueName=LOCAL_ERASURE_QUEUE)["QueueUrl"],
    )
    return server


def receive(queue_url: str, wait_s: int = 0) -> list[dict[str, Any]]:
    import boto3

    got = boto3.client("sqs").receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=wait_s
    )
    return got.get("Messages", [])


def sqs_event(messages: list[dict[str, Any]], queue_arn: str = "arn:aws:sqs:us-east-1:000000000000:reports") -> dict:
    """The batch event Lambda's SQS event source mapping delivers, from received messages."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {
                    "ApproximateReceiveCount": m.get("Attributes", {}).get("ApproximateReceiveCount", "1"),
                    "SentTimestamp": m.get("Attributes", {}).get("SentTimestamp", "0"),
                    "SenderId": "AIDALOCAL",
                    "ApproximateFirstReceiveTimestamp": "0",
                },
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
            }
            for m in messages
        ]
    }
