"""Embeddings spans: ``gen_ai.embeddings``, named ``embeddings {model}``."""

from __future__ import annotations

from typing import Any, Optional

from ._config import _UNSET, Redactor
from ._jsonable import jsonable
from ._model import ModelSpan


class EmbeddingsSpan(ModelSpan):
    """One embeddings call. The inputs are content (behind the gate); usage counts input tokens."""

    operation = "embeddings"

    def __init__(
        self,
        model: str,
        *,
        provider: Optional[str] = None,
        inputs: Any = None,
        record_inputs: Optional[bool] = None,
        record_outputs: Optional[bool] = None,
        redact: Optional[Redactor] = _UNSET,
    ) -> None:
        self._inputs = inputs
        super().__init__(
            model=model,
            provider=provider,
            record_inputs=record_inputs,
            record_outputs=record_outputs,
            redact=redact,
        )

    def _name(self) -> str:
        return f"embeddings {self.model}" if self.model else "embeddings"

    def _record_start_content(self) -> None:
        if self._inputs is not None:
            inputs = self._inputs if isinstance(self._inputs, (list, tuple)) else [self._inputs]
            self._set_content(
                "gen_ai.embeddings.input", "embeddings.input", inputs, jsonable, output=False
            )


embeddings = EmbeddingsSpan
"""``embeddings(model, *, provider=None, inputs=None)``: an embeddings call span."""
