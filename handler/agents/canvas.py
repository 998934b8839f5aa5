"""Amazon Nova Canvas through InvokeModel: text to one PNG, portrait 4:5.

Offline, a generated placeholder PNG of the same shape stands in, its colours derived from the prompt.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import zlib

from handler.agents.model_errors import ModelUnavailable, model_call
from handler.agents.structured_call import ANSWER_MARGIN_S
from handler.aws import client
from handler.deadline import seconds_left
from handler.settings import get_settings

# Portrait 4:5; both sides multiples of 16 and under Nova Canvas' 4.19 MP limit.
WIDTH, HEIGHT = 1024, 1280


def draw(prompt: str, negative_prompt: str) -> tuple[bytes, str]:
    """(PNG bytes, the model that drew it)."""
    settings = get_settings()
    if settings.model_provider == "offline":
        return placeholder_png(prompt), "offline"
    seconds_left(ANSWER_MARGIN_S)
    request = {
        "taskType": "TEXT_IMAGE",
        "textToImageParams": {"text": prompt, "negativeText": negative_prompt},
        "imageGenerationConfig": {"numberOfImages": 1, "width": WIDTH, "height": HEIGHT, "quality": "standard"},
    }
    with model_call():
        response = client("bedrock-runtime", settings.bedrock_image_timeout_s).invoke_model(
            modelId=settings.bedrock_image_model_id,
            body=json.dumps(request),
            contentType="application/json",
            accept="application/json",
        )
        payload = json.loads(response["body"].read())
        if payload.get("error") or not payload.get("images"):
            raise ModelUnavailable("the image model returned no image")
        png = base64.b64decode(payload["images"][0], validate=True)
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ModelUnavailable("the image model returned something that is not a PNG")
    return png, settings.bedrock_image_model_id


def placeholder_png(prompt: str, width: int = WIDTH // 8, height: int = HEIGHT // 8) -> bytes:
    """A vertical gradient between two colours picked by the prompt's hash."""
    digest = hashlib.sha256(prompt.encode()).digest()
    top, bottom = digest[:3], digest[3:6]
    rows = b"".join(
        b"\x00" + bytes(round(a + (b - a) * y / (height - 1)) for a, b in zip(top, bottom, strict=True)) * width
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
