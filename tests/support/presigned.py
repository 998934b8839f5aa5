"""What a SigV4 presigned URL says about itself."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def works_until(url: str) -> dt.datetime:
    """Signed at X-Amz-Date, for X-Amz-Expires seconds."""
    params = query(url)
    signed_at = dt.datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    return signed_at + dt.timedelta(seconds=int(params["X-Amz-Expires"]))
