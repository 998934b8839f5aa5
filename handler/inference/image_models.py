"""Text to one PNG, portrait 4:5, through a Bedrock image model's `InvokeModel`.

Bedrock's image models do not share a request format, so each format has a small adapter, picked
by the model id (handler.settings.IMAGE_FORMATS; an inference-profile prefix such as "us." is
looked past for the choice and kept for the call): Stability AI's text-to-image models (Stable
Image Core and Ultra, Stable Diffusion 3.5 Large) and Amazon Nova Canvas, for accounts that still
have it. A prompt or picture the model's filters refuse is `ImageRefused` (a 422 for the caller);
anything else that goes wrong is the model's side (503/504, through `model_call`).

Offline, a generated placeholder PNG of the same shape stands in, its colours derived from the prompt.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import zlib
from typing import Any, Protocol

from botocore.exceptions import ClientError

from handler.aws import Clients
from handler.deadline import seconds_left
from handler.errors import ImageRefused, ModelUnavailable
from handler.inference import usage
from handler.inference.model_call import model_call
from handler.inference.structured_call import ANSWER_MARGIN_S
from handler.settings import ImageFormatName, Settings

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Portrait 4:5 for Nova Canvas, which takes pixel sizes: both sides multiples of 16, under its
# 4.19 MP limit. Stability's models take the ratio itself.
WIDTH, HEIGHT = 1024, 1280


class ImageFormat(Protocol):
    def request(self, prompt: str, negative_prompt: str) -> dict[str, Any]: ...

    def picture(self, answer: dict[str, Any]) -> str:
        """The base64 PNG in the model's answer; ImageRefused when its filters refused."""
        ...

    def refused(self, error: ClientError) -> bool:
        """Whether an error answer is the model's filters refusing (some models answer 400 for it)."""
        ...


class StabilityFormat:
    """Stable Image Core / Ultra and SD 3.5 Large: `finish_reasons` is null per image on success,
    or says why it was not drawn ("Filter reason: prompt", "Filter reason: output image", ...)."""

    def request(self, prompt: str, negative_prompt: str) -> dict[str, Any]:
        return {
            "prompt": prompt,
            "negative_prompt": negative_prompt,
            # Only fields all three document (SD 3.5 Large's `mode` defaults to text-to-image).
            "aspect_ratio": "4:5",
            "output_format": "png",
        }

    def picture(self, answer: dict[str, Any]) -> str:
        reasons = [reason for reason in answer.get("finish_reasons") or [] if reason]
        if any(str(reason).startswith("Filter reason") for reason in reasons):
            raise ImageRefused(f"the image model's filters refused it ({reasons[0]})")
        if reasons or not answer.get("images"):
            raise ModelUnavailable(f"the image model drew nothing ({reasons[0] if reasons else 'no image'})")
        return answer["images"][0]

    def refused(self, error: ClientError) -> bool:
        return False


class NovaCanvasFormat:
    """Amazon Nova Canvas (end of life on 2026-09-30; selectable for accounts that still have it).
    Its content filters answer a ValidationException that says so."""

    def request(self, prompt: str, negative_prompt: str) -> dict[str, Any]:
        return {
            "taskType": "TEXT_IMAGE",
            "textToImageParams": {"text": prompt, "negativeText": negative_prompt},
            "imageGenerationConfig": {"numberOfImages": 1, "width": WIDTH, "height": HEIGHT, "quality": "standard"},
        }

    def picture(self, answer: dict[str, Any]) -> str:
        if answer.get("error") or not answer.get("images"):
            raise ModelUnavailable("the image model returned no image")
        return answer["images"][0]

    def refused(self, error: ClientError) -> bool:
        details = error.response.get("Error", {})
        return details.get("Code") == "ValidationException" and "content filters" in str(details.get("Message", ""))


_FORMATS: dict[ImageFormatName, ImageFormat] = {"stability": StabilityFormat(), "nova-canvas": NovaCanvasFormat()}


def draw(clients: Clients, settings: Settings, prompt: str, negative_prompt: str) -> tuple[bytes, str]:
    """(PNG bytes, the model that drew it)."""
    if settings.model_provider == "offline":
        # Counted as a model round trip, as the offline text model's answers are.
        with model_call("image"):
            return placeholder_png(prompt), "offline"
    model_id = settings.bedrock_image_model_id
    image_format = _FORMATS[settings.image_format]
    seconds_left(ANSWER_MARGIN_S)
    runtime = clients.client("bedrock-runtime", settings.bedrock_image_timeout_s, settings.bedrock_image_region)
    with model_call("image"):
        try:
            response = runtime.invoke_model(
                modelId=model_id,
                body=json.dumps(image_format.request(prompt, negative_prompt)),
                contentType="application/json",
                accept="application/json",
            )
        except ClientError as exc:
            if image_format.refused(exc):
                raise ImageRefused("the image model's filters refused it") from exc
            raise
        png = base64.b64decode(image_format.picture(json.loads(response["body"].read())), validate=True)
    # The picture's line and metric, with whom it was drawn for.
    usage.record("image", model_id, {}, settings.powertools_metrics_namespace)
    if not png.startswith(PNG_SIGNATURE):
        raise ModelUnavailable("the image model returned something that is not a PNG")
    return png, model_id


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
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
