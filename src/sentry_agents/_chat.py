"""LLM call spans: ``chat`` (also ``text_completion`` and ``generate_content``)."""

from __future__ import annotations

import dataclasses
import itertools
import math
import threading
import weakref
from typing import Any, Callable, Iterator, NamedTuple, Optional

from . import _keys as keys
from ._config import UNSET, Options, Redactor, options
from ._guard import guard, logger
from ._jsonable import (
    INT64_LIMIT,
    dumps,
    exact_number,
    field,
    jsonable,
    known_name,
    optional_str,
    safe_str,
)
from ._model import ModelSpan
from ._requests import read_request
from ._requests import stop_sequences as to_stop_sequences
from ._responses import ResponseInfo
from ._sdk import AttributeValue
from ._stream import wrap_stream
from ._usage import Usage

_CHAT_OPS = keys.LLM_OPS - {keys.OP_EMBEDDINGS}
"""The integrations' spans a chat span takes in: its own model call (an embeddings call
made inside it is a call of its own)."""


class Request(NamedTuple):
    """Request parameters, as the caller gave them (converted when the span starts)."""

    temperature: Any = None
    top_p: Any = None
    top_k: Any = None
    max_tokens: Any = None
    frequency_penalty: Any = None
    presence_penalty: Any = None
    seed: Any = None
    reasoning_level: Any = None
    stop_sequences: Any = None


class ChatConfig(NamedTuple):
    model: Optional[str]
    provider: Optional[str] = None
    operation: str = keys.CHAT
    messages: Any = None
    system_instructions: Any = None
    tools: Any = None
    request: Optional[Request] = None
    prompt_name: Optional[str] = None


class ChatSpan(ModelSpan[ChatConfig]):
    """One model call: op ``gen_ai.{operation}``, named ``{operation} {model}``.

    Request parameters are sent with the types Sentry expects (floats as doubles,
    ``seed`` as a string, stop sequences as a string array). ``operation`` may be
    ``chat``, ``text_completion`` or ``generate_content``.
    """

    __slots__ = (
        "_open_streams",
        "_stream_error",
        "_stream_numbers",
        "_stream_record",
        "_streams",
        "_waiting",
    )

    def __init__(self, config: ChatConfig, options: Options) -> None:
        super().__init__(config.operation, config, options)
        # One item per open stream, and one while ``finish`` waits for the last of them:
        # appended and popped (each one atomic step), so that when the block ends in one
        # thread as a stream ends in another, exactly one of them ends the span.
        self._open_streams: list[None] = []
        self._waiting: list[None] = []
        self._streams: Optional[weakref.WeakSet[Any]] = None
        self._stream_numbers: Optional[Iterator[int]] = None
        """Numbers for the streams, in the order they open (``next`` is one atomic step)."""
        self._stream_record: Optional[_StreamRecord] = None
        """What the stream recorded on the span wrote, to be taken back by a later one."""
        self._stream_error: Optional[BaseException] = None
        """The error a stream of this span failed with (the span fails with it, though
        the consumer caught it inside the ``with`` block)."""

    def _start_attributes(self, attributes: dict[str, AttributeValue]) -> None:
        super()._start_attributes(attributes)
        request = self._config.request
        if request is not None:
            for value, (key, convert) in zip(request, _REQUEST_CONVERSIONS):
                if value is not None:
                    converted = convert(value)
                    if converted is not None:
                        attributes[key] = converted
        if self._config.prompt_name is not None:
            attributes[keys.PROMPT_NAME] = self._config.prompt_name

    @property
    def _absorbed_ops(self) -> frozenset[str]:
        return _CHAT_OPS

    def set_response(self, response: Any) -> None:
        """Record a provider response object (or its dict form) in one call: output
        messages, response model and id, finish reasons and usage (a response that
        cannot be read is logged, not raised, as ``ModelSpan.set_response`` says).

        After a stream on this span (given its final message, say) the span stays
        streamed: the stream already wrote ``gen_ai.response.streaming``."""
        if self._stream_numbers is None:
            self._set(keys.RESPONSE_STREAMING, False)
        super().set_response(response)

    # --- streams ------------------------------------------------------------------------

    def stream(self, iterable: Any) -> Any:
        """Wrap a provider stream (sync or async): chunks pass through unchanged while
        the span records the streamed output, finish reasons, model, id, usage,
        ``gen_ai.response.streaming`` and the time to the first chunk.

        Something that is not iterable raises ``TypeError`` here, as a ``for`` loop over
        it would, and the span does not wait for it: enter a stream manager (Anthropic's
        ``client.messages.stream(...)``) and pass the stream it gives. On a span that has
        ended, the chunks pass through recorded nowhere (logged). With a second stream (a
        retry), the span describes the one opened last (what was set by hand between
        them stays). A stream that says the call failed without raising (a Responses
        API ``response.failed`` or ``error`` event) fails the span quietly, as a failed
        response given to ``set_response`` does."""
        if self._has_ended():
            logger.warning(
                "sentry_agents: stream() on a chat span that has ended: its chunks pass "
                "through, recorded nowhere (wrap the stream inside the span's block)"
            )
        return wrap_stream(self, iterable)

    def finish(self, error: Optional[BaseException] = None) -> None:
        """Finish the span, or, while a stream from ``stream`` is still open (handed
        back to be read later), leave it open until that stream ends or is dropped.

        Finishing with ``error`` (the ``with`` block raised) finishes it now, its open
        streams recorded with what they received and marked abandoned: the error ended
        their consumer, and its traceback may keep them alive for good. A stream that
        failed fails the span, though its consumer caught the error."""
        if not self._open_streams:
            super().finish(error if error is not None else self._stream_error)
        elif error is None:
            self._waiting.append(None)
            self._deactivate()
            if self._agents:
                self._agents[0].outliving.append(self._end_streams)
            if not self._open_streams:  # the last one ended meanwhile, in another thread
                self._end_waiting()
        else:
            try:
                self._end_streams()
            finally:  # an interrupt while recording a stream still ends the span
                super().finish(error)

    def _end_waiting(self) -> None:
        """End the span waiting for its streams, unless it was ended already."""
        try:
            self._waiting.pop()
        except IndexError:
            return
        self._end(self._stream_error)

    def _stream_opened(self, stream: Any) -> int:
        self._open_streams.append(None)
        streams, numbers = self._streams, self._stream_numbers
        if streams is None or numbers is None:
            with _RECORDING:  # of two threads opening the first streams, one makes these
                if self._streams is None or self._stream_numbers is None:
                    self._streams = weakref.WeakSet()
                    self._stream_numbers = itertools.count(1)
                streams, numbers = self._streams, self._stream_numbers
        streams.add(stream)
        return next(numbers)

    def _end_streams(self) -> None:
        """Stop recording the open streams, what they received so far recorded as
        abandoned (the streams still pass their chunks on); a waiting span ends with
        the last of them."""
        for stream in list(self._streams or ()):
            stream._abandon()

    def _stream_closed(
        self,
        info: ResponseInfo,
        first_chunk_ns: Optional[int],
        abandoned: bool,
        error: Optional[BaseException],
        number: int,
    ) -> None:
        try:
            with guard:
                self._record_stream(info, first_chunk_ns, abandoned, number)
        finally:  # an interrupt while recording still lets the span end
            if error is not None:
                self._stream_error = error
            self._open_streams.pop()
            if self._waiting and not self._open_streams:
                self._end_waiting()

    def _record_stream(
        self, info: ResponseInfo, first_chunk_ns: Optional[int], abandoned: bool, number: int
    ) -> None:
        """Record a stream that ended, the ``number``-th opened. The span describes one
        model call, the one its last stream made (a retry after a stream left early): a
        stream opened before the one recorded is not recorded, and one opened after it
        takes back what that one wrote before writing its own.

        The redaction hook (the user's code, which may take its time) sees the output
        first; the rest is one step, under a lock, so that of two streams ending at once
        in two threads, the one opened last is what the span says."""
        output = None
        if info.output and self._outputs_ok and self._settings.redact is not None:
            with guard:  # as ``_set_content`` is: a failure loses the output alone
                output = self._redacted_output(info.output)
            info = dataclasses.replace(info, output=None)
        with _RECORDING:
            earlier = self._stream_record
            if earlier is not None:
                if number < earlier.number:
                    return
                self._forget_stream(earlier)
            # Until it is written: an earlier stream collected meanwhile (its ``__del__``
            # run by the garbage collector in this thread, the lock re-entered) is not.
            self._stream_record = _StreamRecord(number, (), None, None)
            try:
                self._write_stream(info, first_chunk_ns, abandoned, output)
            finally:  # what was written, taken back by a later stream, though this failed
                written = _stream_keys(
                    info, first_chunk_ns is not None, abandoned, output is not None
                )
                now = self._native.attributes() if self._native is not None else {}
                self._stream_record = _StreamRecord(
                    number,
                    tuple((key, now[key]) for key in written if key in now),
                    self._response_model if info.model is not None else None,
                    self._usage if not info.usage.is_empty() else None,
                )

    def _write_stream(
        self,
        info: ResponseInfo,
        first_chunk_ns: Optional[int],
        abandoned: bool,
        output: Optional[tuple[Any]],
    ) -> None:
        """Write what a stream received (its output already seen by the redaction hook
        when there is one, in ``output``)."""
        self._set(keys.RESPONSE_STREAMING, True)
        start_ns = self._native.start_ns() if self._native is not None else None
        if first_chunk_ns is not None and start_ns is not None:
            # From the span's own start, in whole microseconds as sentry-sdk measures the
            # span's duration: never more than that duration.
            first_chunk_us = max(0, first_chunk_ns - start_ns) // 1000
            self._set(keys.RESPONSE_TIME_TO_FIRST_CHUNK, first_chunk_us / 1e6)
        if abandoned:
            self._set(keys.STREAM_ABANDONED, True)
        self._apply_response(info)
        if output is not None:
            self._set_structured(keys.OUTPUT_MESSAGES, output[0])

    def _forget_stream(self, record: _StreamRecord) -> None:
        """Take back what the stream of ``record`` wrote, its usage and response model
        included, where it is still there: what was set by hand since stays."""
        now = self._native.attributes() if self._native is not None else {}
        for key, value in record.written:
            if now.get(key) is value:
                self._remove(key)
        if record.model is not None and self._response_model is record.model:
            self._response_model = None
        if record.usage is not None and self._usage is record.usage:
            self._usage = None


class _StreamRecord(NamedTuple):
    """A stream recorded on its span: the number it opened as, the attributes it set
    (each with the value the span held once it was set), and the response model and
    usage it set (kept until the span ends), ``None`` where it set none."""

    number: int
    written: tuple[tuple[str, Any], ...]
    model: Optional[str]
    usage: Optional[Usage]


_RECORDING = threading.RLock()
"""Held while a stream's record is decided and written (no user code runs inside)."""


def _stream_keys(
    info: ResponseInfo, first_chunk: bool, abandoned: bool, redacted_output: bool
) -> tuple[str, ...]:
    """The attributes ``_record_stream`` sets for a stream (``_apply_response``'s among
    them), but the usage, which is set as the span ends."""
    output = bool(info.output) or redacted_output
    written = [
        (first_chunk, keys.RESPONSE_TIME_TO_FIRST_CHUNK),
        (abandoned, keys.STREAM_ABANDONED),
        (info.model is not None, keys.RESPONSE_MODEL),
        (info.response_id is not None, keys.RESPONSE_ID),
        (bool(info.finish_reasons), keys.RESPONSE_FINISH_REASONS),
        (output, keys.OUTPUT_MESSAGES),
        (output, keys.original_length(keys.OUTPUT_MESSAGES)),
    ]
    return tuple(key for was_set, key in written if was_set)


def chat(
    model: str,
    *,
    provider: Optional[str] = None,
    messages: Any = None,
    system_instructions: Any = None,
    tools: Any = None,
    operation: str = keys.CHAT,
    temperature: Optional[float] = None,
    top_p: Optional[float] = None,
    top_k: Optional[int] = None,
    max_tokens: Optional[int] = None,
    frequency_penalty: Optional[float] = None,
    presence_penalty: Optional[float] = None,
    seed: Any = None,
    reasoning_level: Optional[str] = None,
    stop_sequences: Any = None,
    prompt_name: Optional[str] = None,
    request: Any = None,
    record_inputs: Optional[bool] = None,
    record_outputs: Optional[bool] = None,
    redact: Optional[Redactor] = UNSET,
    capture_errors: Optional[bool] = None,
) -> ChatSpan:
    """An LLM call span, ``gen_ai.{operation}`` named ``{operation} {model}``, as ``with``,
    ``async with`` or a decorator (timing each call; record with ``current_span()``).

    ``stop_sequences`` (a string or a list) is sent as the string array
    ``gen_ai.request.stop_sequences``, within the message budget as JSON writes it (over
    it: the first strings that fit, the next one's beginning ending with
    ``"...[truncated]"``, then the item ``"...[truncated]"`` when any was left out);
    ``prompt_name`` as ``gen_ai.prompt.name``.
    ``request`` takes the keyword arguments you pass to the provider (OpenAI
    ``chat.completions.create`` / ``responses.create``, Anthropic ``messages.create``,
    Google ``models.generate_content``) and reads from them whatever the other keywords
    leave unset: request parameters, stop sequences, messages, system prompt and tools.
    """
    if request is not None:
        given: dict[str, Any] = {
            "temperature": temperature,
            "top_p": top_p,
            "top_k": top_k,
            "max_tokens": max_tokens,
            "frequency_penalty": frequency_penalty,
            "presence_penalty": presence_penalty,
            "seed": seed,
            "reasoning_level": reasoning_level,
            "stop_sequences": stop_sequences,
            "messages": messages,
            "system_instructions": system_instructions,
            "tools": tools,
        }
        with guard:
            for name, value in read_request(request).items():
                if given.get(name) is None:
                    given[name] = value
        read = Request(*(given[name] for name in Request._fields))
        parameters: Optional[Request] = None if all(v is None for v in read) else read
        messages = given["messages"]
        system_instructions = given["system_instructions"]
        tools = given["tools"]
    elif (
        temperature is None
        and top_p is None
        and top_k is None
        and max_tokens is None
        and frequency_penalty is None
        and presence_penalty is None
        and seed is None
        and reasoning_level is None
        and stop_sequences is None
    ):
        parameters = None
    else:
        parameters = Request(
            temperature,
            top_p,
            top_k,
            max_tokens,
            frequency_penalty,
            presence_penalty,
            seed,
            reasoning_level,
            stop_sequences,
        )
    return ChatSpan(
        ChatConfig(
            known_name(model),
            known_name(provider),
            keys.CHAT if operation is keys.CHAT else _operation(operation),
            messages,
            system_instructions,
            tools,
            parameters,
            optional_str(prompt_name),
        ),
        options(record_inputs, record_outputs, redact, capture_errors),
    )


def _operation(operation: Any) -> str:
    """The operation named, or ``chat`` for anything that is not one (read as its text:
    ``isinstance`` would read ``__class__``, which may raise)."""
    text = safe_str(operation)
    return text if text in keys.LLM_OPERATIONS else keys.CHAT


def _float(value: Any) -> Optional[float]:
    """A request parameter as a finite float: a number as it is, anything else (a
    numeric string, a ``Decimal``) as the float it gives."""
    if type(value) is float:  # the commonest
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, bool):
        return None
    try:
        number = exact_number(value)
        result = float(value if number is None else number)
    except Exception:
        return None
    return result if math.isfinite(result) else None


def _int(value: Any) -> Optional[int]:
    """A request parameter as a 64-bit int: an int as it is, anything else as the int it
    gives."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = int.__int__(value if isinstance(value, int) else int(value))
    except Exception:
        return None
    return number if -INT64_LIMIT <= number < INT64_LIMIT else None


def _reasoning_level(value: Any) -> str:
    """A reasoning level as text: OpenAI's ``{"effort": "high"}`` as its effort, any
    other structure as JSON."""
    effort = field(value, "effort")
    if isinstance(effort, str):
        return safe_str(effort)
    structured = jsonable(value)
    return dumps(structured) if isinstance(structured, (dict, list)) else safe_str(value)


_REQUEST_ATTRIBUTES: dict[str, tuple[str, Callable[[Any], Optional[AttributeValue]]]] = {
    "temperature": (keys.REQUEST_TEMPERATURE, _float),
    "top_p": (keys.REQUEST_TOP_P, _float),
    "top_k": (keys.REQUEST_TOP_K, _int),
    "max_tokens": (keys.REQUEST_MAX_TOKENS, _int),
    "frequency_penalty": (keys.REQUEST_FREQUENCY_PENALTY, _float),
    "presence_penalty": (keys.REQUEST_PRESENCE_PENALTY, _float),
    "seed": (keys.REQUEST_SEED, safe_str),
    "reasoning_level": (keys.REQUEST_REASONING_LEVEL, _reasoning_level),
    "stop_sequences": (keys.REQUEST_STOP_SEQUENCES, to_stop_sequences),
}
"""Each request parameter by name: its attribute key and the type Sentry expects."""
_REQUEST_CONVERSIONS = tuple(_REQUEST_ATTRIBUTES[name] for name in Request._fields)
"""The same, in the order of ``Request``'s fields."""

__all__ = ["ChatConfig", "ChatSpan", "Request", "chat"]
