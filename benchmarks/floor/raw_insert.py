"""A bare function that stores a record with one raw psycopg2 INSERT: what warm POST /records
costs through the same runtime and emulator without Powertools, validation, identity or row-level
security. One connection per container, like the project's."""

import json
import os
import uuid

import psycopg2

_connection = None


def lambda_handler(event, context):
    global _connection
    if _connection is None:
        _connection = psycopg2.connect(os.environ["DATABASE_URL"])
    content = json.loads(event["body"])["content"]
    with _connection.cursor() as cur:
        cur.execute(
            "INSERT INTO records (id, user_id, content, record_date, search_terms)"
            " VALUES (%s, %s, %s, %s, to_tsvector('simple', %s)) RETURNING id",
            (str(uuid.uuid4()), "bench-raw-function", content, "2026-11-25", content),
        )
        record_id = cur.fetchone()[0]
    _connection.commit()
    return {"statusCode": 201, "headers": {"content-type": "application/json"}, "body": json.dumps({"id": record_id})}
