"""Embeddings spans: ``gen_ai.embeddings``, named ``embeddings {model}``."""

from __future__ import annotations

from typing import Any, NamedTuple, Optional

from . import _keys as keys
from ._config import UNSET, Options, Redactor, options
from ._jsonable import instance_of, jsonable, known_name
from ._model import UsageSpan

_EMBEDDINGS_OPS = frozenset({keys.OP_EMBEDDINGS})


class EmbeddingsConfig(NamedTuple):
    model: Optional[str]
    provider: Optional[str] = None
    inputs: Any = None


class EmbeddingsSpan(UsageSpan[EmbeddingsConfig]):
    """One embeddings call. The inputs are content (behind the gate); usage counts input
    tokens, and ``set_response`` (or ``set_response_model``) records the model that
    answered."""

    __slots__ = ()

    def __init__(self, config: EmbeddingsConfig, options: Options) -> None:
        super().__init__(keys.EMBEDDINGS, config, options)

    @property
    def _absorbed_ops(self) -> frozenset[str]:
        return _EMBEDDINGS_OPS

    def _record_start_content(self) -> None:
        inputs = self._config.inputs
        if inputs is not None:
            listed = inputs if instance_of(inputs, (list, tuple)) else [inputs]
            self._set_content(
                keys.EMBEDDINGS_INPUT, "embeddings.input", listed, jsonable, output=False
            )

    def set_response(self, response: Any) -> None:
        """Record an embeddings response (the object your client returned, or its dict
        form): its ``model`` as the response model and the tokens it reports as usage
        (OpenAI and OpenAI-shaped ``usage``, Google GenAI's ``usage_metadata``, Voyage's
        ``total_tokens``, Cohere's ``meta``, Vertex AI's per-vector
        ``statistics.token_count`` summed: pass ``get_embeddings``'s list as it is).
        Never the vectors. A later ``set_usage`` wins over the usage read here; a
        response that cannot be read is logged."""
        self._set_call_response(response)


def embeddings(
    model: str,
    *,
    provider: Optional[str] = None,
    inputs: Any = None,
    record_inputs: Optional[bool] = None,
    record_outputs: Optional[bool] = None,
    redact: Optional[Redactor] = UNSET,
    capture_errors: Optional[bool] = None,
) -> EmbeddingsSpan:
    """An embeddings call span, ``gen_ai.embeddings``, named ``embeddings {model}``."""
    return EmbeddingsSpan(
        EmbeddingsConfig(
            known_name(model),
            known_name(provider),
            inputs,
        ),
        options(record_inputs, record_outputs, redact, capture_errors),
    )


__all__ = ["EmbeddingsConfig", "EmbeddingsSpan", "embeddings"]
