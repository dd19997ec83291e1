"""Token usage of embeddings and rerank responses, in Sentry's semantics.

Pure functions, no sentry-sdk import. These calls read tokens and write none, so a
provider that reports only a total reports the input. Read by shape: OpenAI-shaped
``usage`` (OpenAI, Azure, LiteLLM, Mistral, Jina), Google GenAI's ``usage_metadata``,
Voyage's ``usage.total_tokens`` (its SDK's ``total_tokens``), and Cohere's and
LiteLLM's rerank ``meta`` (``tokens``, then ``billed_units``). Cohere's search units
are a billing unit, not tokens, and are not read.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ._jsonable import field
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
    total, output = usage.total_tokens, usage.output_tokens or 0
    if usage.input_tokens is None and total is not None and output <= total:
        usage = replace(usage, input_tokens=total - output)
    return usage


__all__ = ["input_usage"]
