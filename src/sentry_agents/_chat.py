"""LLM call spans: ``chat`` (also ``text_completion`` and ``generate_content``)."""

from __future__ import annotations

from typing import Any, Optional

from ._config import _UNSET, Redactor
from ._jsonable import safe_str
from ._model import ModelSpan
from ._responses import ResponseInfo
from ._stream import ABANDONED_ATTRIBUTE, wrap_stream

LLM_OPERATIONS = ("chat", "text_completion", "generate_content")


class ChatSpan(ModelSpan):
    """One model call: op ``gen_ai.{operation}``, named ``{operation} {model}``.

    Request parameters are sent with the types Sentry expects (floats as doubles,
    ``seed`` as a string). ``operation`` may be ``chat``, ``text_completion`` or
    ``generate_content``.
    """

    _open_streams = 0
    _deferred: Optional[tuple[Optional[BaseException]]] = None
    _RUN_STATE = (*ModelSpan._RUN_STATE, "_open_streams", "_deferred")

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
        self._request = (
            temperature,
            top_p,
            top_k,
            max_tokens,
            frequency_penalty,
            presence_penalty,
            seed,
            reasoning_level,
        )
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
        attributes = super()._start_attributes()
        if self._request != _NO_REQUEST:
            for key, convert, value in zip(_REQUEST_KEYS, _REQUEST_TYPES, self._request):
                if value is not None:
                    attributes[key] = convert(value)
        return attributes

    def stream(self, iterable: Any) -> Any:
        """Wrap a provider stream (sync or async): chunks pass through unchanged while
        the span records the streamed output, finish reasons, model, id, usage,
        ``gen_ai.response.streaming`` and the time to the first chunk."""
        return wrap_stream(self, iterable)

    def finish(self, error: Optional[BaseException] = None) -> None:
        """Finish the span, or, while a stream from :meth:`stream` is still open,
        leave it open until that stream ends."""
        if self._open_streams and not self._finished:
            self._deferred = (error,)
            self._deactivate()
            return
        super().finish(error)

    def _stream_ended(self, error: Optional[BaseException]) -> None:
        self._open_streams -= 1
        if self._deferred is not None and not self._open_streams:
            deferred_error = self._deferred[0]
            self._deferred = None
            self._end(deferred_error if deferred_error is not None else error)

    def _record_stream(
        self, info: ResponseInfo, first_chunk_ns: Optional[int], abandoned: bool
    ) -> None:
        self._set("gen_ai.response.streaming", True)
        native = self._native
        start_ns = native.start_ns() if native is not None else None
        if first_chunk_ns is not None and start_ns is not None:
            # From the span's own start, in whole microseconds as sentry-sdk measures
            # the span's duration: never more than that duration.
            first_chunk_us = max(0, first_chunk_ns - start_ns) // 1000
            self._set("gen_ai.response.time_to_first_chunk", first_chunk_us / 1e6)
        if abandoned:
            self._set(ABANDONED_ATTRIBUTE, True)
        self._apply_response(info)


chat = ChatSpan
"""``chat(model, *, provider=None, messages=None, ..., operation="chat", ...)``: an LLM call."""


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


_REQUEST_KEYS = (
    "gen_ai.request.temperature",
    "gen_ai.request.top_p",
    "gen_ai.request.top_k",
    "gen_ai.request.max_tokens",
    "gen_ai.request.frequency_penalty",
    "gen_ai.request.presence_penalty",
    "gen_ai.request.seed",
    "gen_ai.request.reasoning.level",
)
_REQUEST_TYPES = (_float, _float, _int, _int, _float, _float, safe_str, safe_str)
_NO_REQUEST = (None,) * len(_REQUEST_KEYS)
