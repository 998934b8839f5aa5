"""Text to a vector for retrieval by meaning: Bedrock's embedding model, or the offline embedder.

One adapter per request format, picked by the model id (handler.settings.EMBEDDING_FORMATS): Amazon
Titan Text Embeddings V2 and Cohere Embed (multilingual v3, v4). Vectors have DIMENSIONS numbers
and unit length, so cosine distance ranks them.

An embedding is an index, not data: `embed` is bounded by EMBEDDING_TIMEOUT_S and one attempt,
never runs past the request's deadline, and answers None instead of failing, so that nothing a
user writes is lost or delayed for it (the backfill embeds what is missing later).
"""

from __future__ import annotations

import json
import math
from typing import Any, Literal, Protocol

from aws_lambda_powertools import Logger

from handler.aws import Clients
from handler.deadline import seconds_left
from handler.errors import ServiceError
from handler.inference import offline_embedder, usage
from handler.inference.model_call import model_call
from handler.settings import EmbeddingFormatName, Settings

logger = Logger(child=True)

DIMENSIONS = 1024
Purpose = Literal["document", "query"]
# Time kept back for the rest of the request after an embedding call.
MARGIN_S = 2.0


class EmbeddingFormat(Protocol):
    def request(self, text: str, purpose: Purpose, model_id: str) -> dict[str, Any]: ...

    def vector(self, answer: dict[str, Any]) -> list[float]: ...

    def tokens(self, answer: dict[str, Any]) -> int | None: ...


class TitanFormat:
    """Titan Text Embeddings V2: 8,192 tokens or 50,000 characters in; 1024, 512 or 256 dimensions."""

    MAX_CHARS = 50_000

    def request(self, text: str, purpose: Purpose, model_id: str) -> dict[str, Any]:
        return {"inputText": text[: self.MAX_CHARS], "dimensions": DIMENSIONS, "normalize": True}

    def vector(self, answer: dict[str, Any]) -> list[float]:
        return answer["embedding"]

    def tokens(self, answer: dict[str, Any]) -> int | None:
        return answer.get("inputTextTokenCount")


class CohereFormat:
    """Cohere Embed: a document and a query are embedded differently (`input_type`)."""

    MAX_CHARS = 2048

    def request(self, text: str, purpose: Purpose, model_id: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "texts": [text[: self.MAX_CHARS]],
            "input_type": "search_document" if purpose == "document" else "search_query",
            "embedding_types": ["float"],
        }
        if "embed-v4" in model_id:
            body["output_dimension"] = DIMENSIONS  # v3's are 1024 already
        return body

    def vector(self, answer: dict[str, Any]) -> list[float]:
        embeddings = answer["embeddings"]
        return (embeddings["float"] if isinstance(embeddings, dict) else embeddings)[0]

    def tokens(self, answer: dict[str, Any]) -> int | None:
        return None


_FORMATS: dict[EmbeddingFormatName, EmbeddingFormat] = {"titan": TitanFormat(), "cohere": CohereFormat()}


def embed(clients: Clients, settings: Settings, text: str, purpose: Purpose) -> list[float] | None:
    """The text's vector, or None when the model could not give one in time."""
    if settings.model_provider == "offline":
        return offline_embedder.embed(text, DIMENSIONS)
    model_id = settings.bedrock_embedding_model_id
    embedding_format = _FORMATS[settings.embedding_format]
    try:
        left = seconds_left(MARGIN_S)
        timeout_s = max(1, math.ceil(min(settings.embedding_timeout_s, left if left is not None else math.inf)))
        runtime = clients.client("bedrock-runtime", timeout_s, attempts=1)
        with model_call("embedding"):
            response = runtime.invoke_model(
                modelId=model_id,
                body=json.dumps(embedding_format.request(text, purpose, model_id)),
                contentType="application/json",
                accept="application/json",
            )
            answer = json.loads(response["body"].read())
            vector = [float(x) for x in embedding_format.vector(answer)]
        if len(vector) != DIMENSIONS:
            raise ValueError(f"{len(vector)} dimensions, expected {DIMENSIONS}")
    except (ServiceError, ValueError) as exc:
        logger.warning("embedding skipped", extra={"model": model_id, "reason": str(exc)})
        return None
    tokens = embedding_format.tokens(answer)
    if tokens is not None:
        usage.record("embedding", model_id, {"inputTokens": tokens}, settings.powertools_metrics_namespace)
    return vector
