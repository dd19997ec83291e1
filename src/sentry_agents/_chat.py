"""LLM call spans: ``chat`` (also ``text_completion`` and ``generate_content``)."""

from __future__ import annotations

from typing import Any, Optional

from ._config import _UNSET, Redactor
from ._jsonable import safe_str
from ._model import ModelSpan

LLM_OPERATIONS = ("chat", "text_completion", "generate_content")


class ChatSpan(ModelSpan):
    """One model call: op ``gen_ai.{operation}``, named ``{operation} {model}``.

    Request parameters are sent with the types Sentry expects (floats as doubles,
    ``seed`` as a string). ``operation`` may be ``chat``, ``text_completion`` or
    ``generate_content``.
    """

    def __init__(
        self,
        model: str,
        *,
        provider: Optional[str] = None,
        messages: Any = None,
        system_instructions: Any = None,
        tools: Any = None,
        operation: str = "chat",
        temperature: Optional[float] = None,
        top_p: Optional[float] = None,
        top_k: Optional[int] = None,
        max_tokens: Optional[int] = None,
        frequency_penalty: Optional[float] = None,
        presence_penalty: Optional[float] = None,
        seed: Any = None,
        reasoning_level: Optional[str] = None,
        record_inputs: Optional[bool] = None,
        record_outputs: Optional[bool] = None,
        redact: Optional[Redactor] = _UNSET,
    ) -> None:
        self.operation = operation if operation in LLM_OPERATIONS else "chat"  # type: ignore[misc]
        self._request = {
            "gen_ai.request.temperature": _float(temperature),
            "gen_ai.request.top_p": _float(top_p),
            "gen_ai.request.top_k": _int(top_k),
            "gen_ai.request.max_tokens": _int(max_tokens),
            "gen_ai.request.frequency_penalty": _float(frequency_penalty),
            "gen_ai.request.presence_penalty": _float(presence_penalty),
            "gen_ai.request.seed": None if seed is None else safe_str(seed),
            "gen_ai.request.reasoning.level": (
                None if reasoning_level is None else safe_str(reasoning_level)
            ),
        }
        super().__init__(
            model=model,
            provider=provider,
            messages=messages,
            system_instructions=system_instructions,
            tools=tools,
            record_inputs=record_inputs,
            record_outputs=record_outputs,
            redact=redact,
        )

    def _name(self) -> str:
        return f"{self.operation} {self.model}" if self.model else self.operation

    def _start_attributes(self) -> dict[str, Any]:
        return {**super()._start_attributes(), **self._request}

    def stream(self, iterable: Any) -> Any:
        """Wrap a provider stream: chunks pass through unchanged while the span records
        the streamed output, usage and time to first chunk (sync or async iterables)."""
        from ._stream import wrap_stream

        return wrap_stream(self, iterable)


chat = ChatSpan
"""``chat(model, *, provider=None, messages=None, ..., operation="chat", temperature=None, ...)``."""


def _float(value: Any) -> Optional[float]:
    if value is None or isinstance(value, bool):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if result == result and abs(result) != float("inf") else None


def _int(value: Any) -> Optional[int]:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
