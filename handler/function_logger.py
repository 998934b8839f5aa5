"""The one logger of each function (the API and worker, the backfill, the deploy hooks); every module
logs through a child of it (Logger(child=True)), as JSON on stdout, whatever Lambda's log format.

- Lambda reads a JSON line's level only with an RFC 3339 timestamp, and takes any other line as INFO
  (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html).
- An exception is logged as its type and its frames, never its message: a message may quote what a
  user wrote (psycopg2's "DETAIL: Failing row contains (...)" repeats a row's text; a validation
  error repeats its input). Powertools' own stack trace (serialize_stacktrace) carries the message
  too, so it is off.
"""

from __future__ import annotations

import traceback
from types import TracebackType

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


class _WordlessFormatter(LambdaPowertoolsFormatter):
    def formatException(self, ei: _ExcInfo) -> str:  # type: ignore[override]
        exc_type, _, tb = ei
        frames = "".join(traceback.format_list(traceback.extract_tb(tb)))
        return f"Traceback (most recent call last):\n{frames}{exc_type.__name__}"


def function_logger() -> Logger:
    # Given a formatter, Logger passes it none of its own options: they are the formatter's.
    return Logger(logger_formatter=_WordlessFormatter(use_rfc3339=True, serialize_stacktrace=False))
