"""Token usage of embeddings and rerank responses, in Sentry's semantics.

Pure functions, no sentry-sdk import. These calls read tokens and write none, so a
provider that reports only a total reports the input. Read by shape: OpenAI-shaped
``usage`` (OpenAI, Azure, LiteLLM, Mistral, Jina), Google GenAI's ``usage_metadata``,
Voyage's ``usage.total_tokens`` (its SDK's ``total_tokens``), Cohere's and LiteLLM's
rerank ``meta`` (``tokens``, then ``billed_units``), and Vertex AI's per-vector
``statistics.token_count``, summed. Cohere's search units are a billing unit, not
tokens, and are not read.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional

from ._jsonable import INT64_LIMIT, field, instance_of
from ._usage import Usage, count, usage_from


def input_usage(response: Any) -> Usage:
    """The usage an embeddings or rerank response reports; an empty ``Usage`` when it
    reports none. Never the vectors. Values that cannot be read are no counts, as
    ``usage_from`` and ``count`` read them."""
    usage = usage_from(response)
    if usage.is_empty():
        meta = field(response, "meta")
        if meta is not None:
            usage = usage_from(field(meta, "tokens"))
            totals = field(meta, "billed_units")
            if usage.is_empty():
                usage = usage_from(totals)
        else:
            held = field(response, "usage")
            totals = response if held is None else held
        if usage.total_tokens is None:
            usage = replace(usage, total_tokens=count(field(totals, "total_tokens")))
    if usage.is_empty():
        tokens = vertex_tokens(response)
        if tokens is not None:
            usage = Usage(input_tokens=tokens, total_tokens=tokens)
    total, output = usage.total_tokens, usage.output_tokens or 0
    if usage.input_tokens is None and total is not None and output <= total:
        usage = replace(usage, input_tokens=total - output)
    return usage


def vertex_tokens(response: Any) -> Optional[int]:
    """The tokens of a Vertex AI embeddings response, each vector's
    ``statistics.token_count`` summed: the ``list`` of ``TextEmbedding`` that the
    ``vertexai`` SDK's ``get_embeddings`` returns, the REST response's ``predictions``
    (each count under ``embeddings.statistics``), or Google GenAI's ``embeddings`` on
    Vertex. ``None`` unless every vector reports a count (a partial sum would be too
    low), and for no vectors."""
    vectors = field(response, "predictions")
    if vectors is None:
        vectors = field(response, "embeddings")
    if vectors is None:
        vectors = response
    if not instance_of(vectors, (list, tuple)) or not vectors:
        return None
    total = 0
    for vector in vectors:
        held = field(vector, "embeddings")
        tokens = count(field(field(vector if held is None else held, "statistics"), "token_count"))
        if tokens is None:
            return None
        total += tokens
    return total if total < INT64_LIMIT else None


__all__ = ["input_usage", "vertex_tokens"]
