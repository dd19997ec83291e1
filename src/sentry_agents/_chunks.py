"""Accumulating provider stream chunks into one response.

Pure, no sentry-sdk import. Understands OpenAI chat chunks, OpenAI Responses stream
events, Anthropic stream events, Google GenAI chunks, LangChain ``AIMessageChunk``s
and plain strings (text deltas), recognised by shape.
"""

from __future__ import annotations

import re
from typing import Any, Optional, Protocol, Sequence

from ._jsonable import (
    as_list,
    call_arguments,
    dumps,
    field,
    json_arguments,
    jsonable,
    safe_str,
    text_media_removed,
)
from ._keys import RESPONSE_FAILED, STREAM_ERROR
from ._messages import (
    Part,
    audio_parts,
    convert_item,
    google_media,
    reasoning_text,
    thinking_text,
)
from ._models import is_response_model, model_fields, response_fields
from ._responses import (
    ResponseInfo,
    anthropic_output,
    assistant_message,
    code_text,
    error_code,
    finish_reason,
    prompt_block_reason,
    read_response,
)
from ._usage import Usage, anthropic_usage, usage_from


class _ToolCall:
    """A tool call as it streams: its id, name, and its arguments' pieces, joined once
    it is read (adding each delta to a text attribute copied the text so far each time,
    quadratic in the call's deltas)."""

    __slots__ = ("arguments", "id", "name", "paths", "whole")

    def __init__(self) -> None:
        self.id = ""
        self.name = ""
        self.arguments: list[str] = []
        # A Vertex AI call's arguments as they stream (``partial_args``): each JSON path's
        # text pieces (a list) or whole value (in a tuple), in the order they came; none
        # for every other call.
        self.paths: Optional[dict[str, Any]] = None
        # The parts of a Responses API item kept whole once done (a hosted tool's call),
        # as a whole response's output records it; none for a call that streams.
        self.whole: Optional[list[Part]] = None

    def arguments_text(self) -> str:
        """The call's arguments as the JSON text (or other text) they make."""
        if self.paths is not None:
            return dumps(jsonable(_path_arguments(self.paths)))
        return "".join(self.arguments)


class _Choice:
    """What one choice of a stream said (OpenAI streams ``n`` choices at once, Google
    ``candidate_count`` candidates)."""

    __slots__ = (
        "audio",
        "finish_reason",
        "latest",
        "media",
        "reasoning",
        "refusal",
        "streaming",
        "text",
        "tool_calls",
        "transcript",
    )

    def __init__(self) -> None:
        self.audio = False
        self.text: list[str] = []
        # Text parts of their own, after the text, as in a whole message.
        self.refusal: list[str] = []
        self.transcript: list[str] = []  # the audio's
        self.media: list[dict[str, Any]] = []  # Google's images and files, as parts
        self.reasoning: list[str] = []
        self.tool_calls: dict[Any, _ToolCall] = {}
        # The key of the latest call at a streamed index that began more than one call
        # (a proxy sending parallel calls all at index 0); none for any other index.
        self.latest: dict[Any, Any] = {}
        self.finish_reason: Optional[str] = None
        self.streaming: Optional[_ToolCall] = None  # a Vertex AI call still streaming

    def parts(self) -> list[dict[str, Any]]:
        parts: list[dict[str, Any]] = []
        # Empty pieces alone make no part, as empty content in a whole response makes
        # none (OpenAI-compatible servers send ``"content": ""`` beside tool calls).
        # Data URLs are looked for once the text is whole: one may span chunks.
        reasoning = "".join(self.reasoning)
        if reasoning:
            parts.append({"type": "reasoning", "content": text_media_removed(reasoning)})
        text = "".join(self.text)
        if text:
            parts.append({"type": "text", "content": text_media_removed(text)})
        refusal = "".join(self.refusal)
        if refusal:
            parts.append({"type": "text", "content": text_media_removed(refusal)})
        parts.extend(self.media)
        if self.audio:
            parts.extend(audio_parts("".join(self.transcript)))
        for call in self.tool_calls.values():
            if call.whole is not None:
                parts.extend(call.whole)
                continue
            parts.append(
                {
                    "type": "tool_call",
                    "id": call.id,
                    "name": call.name,
                    "arguments": call_arguments(call.arguments_text()),
                }
            )
        return parts


_MAX_CHOICES = 128


class StreamAccumulator:
    """Collects text, reasoning, tool calls, finish reasons, model, id and usage, and
    whether the stream said the call failed; each choice of an OpenAI stream (or
    candidate of a Google one) apart (the first's are ``text``, ``reasoning`` and
    ``tool_calls``, where every other provider's go)."""

    def __init__(self) -> None:
        self.chunks = 0
        first = _Choice()
        self._choices = {0: first}
        self.text = first.text
        self.reasoning = first.reasoning
        self.tool_calls = first.tool_calls
        self.finish_reasons: list[str] = []
        self._reason_choices: list[int] = []  # the choice each finish reason is of
        self.model: Optional[str] = None
        self.response_id: Optional[str] = None
        self.usage = Usage()
        self._held_usage: Any = None
        """The usage metadata of a Google chunk made by google-genai, read once it is
        needed (``_settle_usage``): each chunk's replaces the one before, and reading it
        is most of a chunk's cost, while a chunk the SDK makes anew is not changed after."""
        self._anthropic_usage: dict[str, Any] = {}
        self._blocks: dict[Any, _Block] = {}  # an Anthropic message's, by index
        self._final: Optional[ResponseInfo] = None
        # A Responses reasoning text began since the last piece of reasoning kept.
        self._reasoning_break = False
        # The call failed, as the stream said in its data (``_failed``): the provider's
        # error code, the first given, and else the fallback of the first failure.
        self._error_code: Optional[str] = None
        self._error_fallback: Optional[str] = None

    def add(self, chunk: Any) -> None:
        self.chunks += 1
        if isinstance(chunk, str):
            self.text.append(chunk)
            return
        # Read from its fields where it can be (a stream sends hundreds of chunks), else by
        # probing each name.
        fields = _chunk_fields(chunk)
        if fields is not None:
            kind = fields.get("type")
            if kind is None:
                if fields.get("choices") is not None:
                    if self._openai_fields(fields):
                        return
                elif self._google_fields(fields):
                    return
            elif type(kind) is str:
                if kind == "chunk":
                    # The openai SDK's stream helper (``client.chat.completions.stream``)
                    # wraps each chat chunk in a ``chunk`` event: read as a chunk alone is.
                    held = _chunk_fields(fields.get("chunk"))
                    if held is not None and self._openai_fields(held):
                        return
                elif kind == "error":
                    self._error_event(fields)
                    return
                elif _repeats(kind, fields):
                    return
        event_type = field(chunk, "type")
        if not isinstance(event_type, str):  # no event's (a proxy's extra ``type``, say)
            event_type = ""
        if event_type == "chunk":
            self._openai_chunk(field(chunk, "chunk"))
        elif event_type.startswith(_CHAT_HELPER_EVENTS) or event_type in _ANTHROPIC_HELPER_EVENTS:
            return
        elif event_type.startswith("response."):
            self._responses_event(event_type, chunk)
        elif event_type in _ANTHROPIC_EVENTS:
            self._anthropic_event(event_type, chunk)
        elif event_type == "error":
            self._error_event(chunk)
        elif field(chunk, "choices") is not None:
            self._openai_chunk(chunk)
        elif any(field(chunk, key) is not None for key in _GOOGLE_READ):
            self._google_or_langchain(chunk)

    def add_text(self, chunk: Any) -> bool:
        """Keep a chunk of text alone, the commonest chunk of a stream, as ``add`` keeps
        it, read straight from its fields (a dict, or a provider SDK's own model): an
        OpenAI chat chunk of one choice whose delta holds text alone, a Responses API
        text delta event, an Anthropic text delta to a block begun before. ``False``,
        with nothing kept, for any other chunk (``add`` reads it)."""
        fields = chunk if type(chunk) is dict else model_fields(chunk)
        if fields is None:
            return False
        kind = fields.get("type")
        if kind is None:
            return self._chat_text(fields)
        if type(kind) is not str:
            return False
        if kind == "content_block_delta":
            return self._anthropic_text(fields)
        if kind == "response.output_text.delta":
            text = fields.get("delta")
            if type(text) is str:
                self.chunks += 1
                self.text.append(text)
                return True
        return False

    def _chat_text(self, fields: dict[str, Any]) -> bool:
        """``add_text`` of an OpenAI chat chunk, ``_with_held`` and ``_keep_meta`` written
        out (the model and id are kept from the first chunk that gives them): this runs
        for nearly every chunk of the commonest stream."""
        choices = fields.get("choices")
        if type(choices) is not list or len(choices) != 1 or fields.get("usage") is not None:
            return False
        choice = choices[0]
        if type(choice) is not dict:
            choice = model_fields(choice)
            if choice is None:
                return False
        delta = choice.get("delta")
        if delta is None:
            return False
        if type(delta) is not dict:
            delta = model_fields(delta)
            if delta is None:
                return False
        content = delta.get("content")
        if (
            type(content) is not str
            or choice.get("finish_reason") is not None
            or delta.get("tool_calls") is not None
            or delta.get("refusal") is not None
            or delta.get("reasoning_content") is not None
            or delta.get("reasoning") is not None
            or delta.get("audio") is not None
            or delta.get("function_call") is not None
        ):
            return False
        index = choice.get("index")
        if type(index) is int and index > 0:
            return False
        self.chunks += 1
        if self.model is None or self.response_id is None:
            self._keep_meta(fields.get("model"), fields.get("id"))
        self.text.append(content)
        return True

    def _anthropic_text(self, fields: dict[str, Any]) -> bool:
        delta = fields.get("delta")
        held = None if delta is None else _fields_of(delta)
        index = fields.get("index")
        if held is None or type(index) is not int:
            return False
        kind, text = held.get("type"), held.get("text")
        if type(kind) is not str or kind != "text_delta" or type(text) is not str:
            return False
        target = self._blocks.get(index)
        if target is None:  # ``add`` begins it
            return False
        self.chunks += 1
        target.pieces.setdefault("text", []).append(text)
        return True

    def result(self) -> ResponseInfo:
        if self._final is not None:
            self._final.error_type = self._error_code or self._error_fallback
            return self._final
        self._settle_usage()
        output: list[dict[str, Any]] = []
        # The last finish reason of the first choice, which is every other provider's:
        # another choice's is not the first's (a stream cut before the first finished).
        last = next(
            (
                reason
                for reason, choice in zip(
                    reversed(self.finish_reasons), reversed(self._reason_choices)
                )
                if choice == 0
            ),
            None,
        )
        reasons = self.finish_reasons
        if any(self._reason_choices):
            # Several choices finished, in any order: listed in the choices' order, as a
            # whole response lists them.
            order = sorted(range(len(reasons)), key=self._reason_choices.__getitem__)
            reasons = [reasons[i] for i in order]
        if self._blocks:
            # An Anthropic stream: its blocks in order, read as a whole message is read.
            output = anthropic_output([block.whole() for block in self._blocks.values()], last)
        for index in sorted(self._choices):
            choice = self._choices[index]
            parts = choice.parts()
            if parts:
                reason = choice.finish_reason or (last if index == 0 else None)
                output.append(assistant_message(parts, reason))
        return ResponseInfo(
            output=output,
            model=self.model,
            response_id=self.response_id,
            finish_reasons=list(reasons),
            usage=self.usage,
            error_type=self._error_code or self._error_fallback,
        )

    def _failed(self, code: Optional[str], fallback: str) -> None:
        """The stream said the call failed (an ``error`` event, a failed response): the
        first error code given is its ``error.type``, else the first ``fallback``; a
        later event does not undo it."""
        if self._error_code is None:
            self._error_code = code
        if self._error_fallback is None:
            self._error_fallback = fallback

    def _error_event(self, event: Any) -> None:
        """An ``error`` event, which a client hands on rather than raise for (OpenAI's
        Responses API: its ``code`` beside it; Anthropic's, read without its SDK: its
        ``error``'s ``type``)."""
        code = code_text(field(event, "code")) or error_code(field(event, "error"))
        self._failed(code, STREAM_ERROR)

    # --- providers ------------------------------------------------------------------------

    def _meta(self, chunk: Any, model_key: str = "model", id_key: str = "id") -> None:
        self._keep_meta(field(chunk, model_key), field(chunk, id_key))

    def _settle_usage(self) -> None:
        """Read the usage a Google chunk left to read later (before any other usage is
        kept, so the last given still wins)."""
        held, self._held_usage = self._held_usage, None
        if held is not None:
            self.usage = usage_from(held)

    def _keep_meta(self, model: Any, response_id: Any) -> None:
        """The response's model and id, the first given of each."""
        if model and self.model is None:
            self.model = safe_str(model)
        if response_id and self.response_id is None:
            self.response_id = safe_str(response_id)

    def _choice(self, index: Any) -> _Choice:
        """The choice of this index (the first for a missing or unusable one)."""
        if type(index) is not int or index <= 0:
            return self._choices[0]
        choice = self._choices.get(index)
        if choice is None:
            if len(self._choices) >= _MAX_CHOICES:
                return self._choices[0]
            choice = self._choices[index] = _Choice()
        return choice

    def _reason(self, reason: Any, choice: int = 0) -> Optional[str]:
        """Keep a finish reason (of the choice of that index); the reason as text
        (``None`` when there is none)."""
        text = finish_reason(reason)
        if text is not None:
            self.finish_reasons.append(text)
            self._reason_choices.append(choice)
        return text

    def _openai_chunk(self, chunk: Any) -> None:
        """An OpenAI chat chunk of any shape (an object of another library, say), each
        name probed."""
        choices: list[_ReadChoice] = []
        for choice in as_list(field(chunk, "choices")) or []:
            delta = field(choice, "delta")
            calls = [
                (_Probed(call), _Probed(field(call, "function")))
                for call in as_list(field(delta, "tool_calls")) or []
            ]
            choices.append((_Probed(choice), _Probed(delta), calls))
        self._openai_choices(_Probed(chunk), choices)

    def _openai_fields(self, chunk: dict[str, Any]) -> bool:
        """An OpenAI chat chunk (a dict, or the ``openai`` SDK's own model) read from its
        fields, not name by name: a stream sends hundreds of these. ``False``, with
        nothing kept, for a chunk whose choices, deltas or tool calls are not dicts or
        models read by their fields (``_openai_chunk`` reads it)."""
        choices = chunk.get("choices")
        if type(choices) is not list:
            return False
        read: list[_ReadChoice] = []
        for choice in choices:
            both = _with_held(choice, "delta")
            if both is None:
                return False
            fields, delta = both
            given = delta.get("tool_calls")
            calls = _NO_CALLS if given is None else _calls_fields(given)
            if calls is None:
                return False
            read.append((fields, delta, calls))
        self._openai_choices(chunk, read)
        return True

    def _openai_choices(self, chunk: _Reader, choices: list[_ReadChoice]) -> None:
        """What an OpenAI chat chunk says, kept: its model and id, each choice's text,
        reasoning, audio transcript, tool calls and finish reason, and its usage; each
        object given as what reads its names (its fields, or ``_Probed``)."""
        self._keep_meta(chunk.get("model"), chunk.get("id"))
        first = self._choices[0]
        for choice, delta, calls in choices:
            index = choice.get("index")  # the first choice's, without a call: the commonest
            target = first if type(index) is not int or index <= 0 else self._choice(index)
            content = delta.get("content")
            if isinstance(content, str):
                target.text.append(content)
            elif isinstance(content, list):  # Mistral's: text and thinking blocks
                _content_blocks(target, content)
            reasoning = reasoning_text(delta, _get)
            if reasoning:
                target.reasoning.append(reasoning)
            refusal = delta.get("refusal")
            if isinstance(refusal, str):
                target.refusal.append(refusal)
            audio = delta.get("audio")
            if audio is not None:
                target.audio = True
                transcript = field(audio, "transcript")
                if isinstance(transcript, str):
                    target.transcript.append(transcript)
            unindexed = False  # a call without an index came before, in this delta
            for call, function in calls:
                key = call.get("index")
                if key is None:
                    # Calls beside each other in one delta are calls of their own.
                    tool_calls = target.tool_calls
                    key = (
                        _new_key(tool_calls)
                        if unindexed
                        else _unindexed(tool_calls, call.get("id"))
                    )
                    unindexed = True
                else:
                    key = _indexed(target, key, call.get("id"))
                entry = target.tool_calls.setdefault(key, _ToolCall())
                entry.id = safe_str(call.get("id") or entry.id)
                entry.name = safe_str(function.get("name") or entry.name)
                piece = function.get("arguments")
                if piece:
                    entry.arguments.append(safe_str(piece))
            legacy = delta.get("function_call")  # the deprecated ``functions`` API's call
            if legacy is not None:
                entry = target.tool_calls.setdefault(_FUNCTION_CALL, _ToolCall())
                entry.name = safe_str(field(legacy, "name") or entry.name)
                piece = field(legacy, "arguments")
                if piece:
                    entry.arguments.append(safe_str(piece))
            reason = choice.get("finish_reason")
            if reason is not None:
                reason = self._reason(reason, 0 if target is first else index)
                if reason is not None:
                    target.finish_reason = reason
        usage = chunk.get("usage")
        if usage is not None:
            self._held_usage = None
            self.usage = usage_from(usage)

    def _responses_event(self, event_type: str, event: Any) -> None:
        if event_type == "response.output_text.delta":
            self.text.append(safe_str(field(event, "delta") or ""))
        elif event_type in (
            "response.reasoning_summary_text.delta",
            "response.reasoning_text.delta",
        ):
            piece = safe_str(field(event, "delta") or "")
            if piece and self._reasoning_break:
                # A text after another, on a line of its own, as a whole response's
                # reasoning item is written.
                self._reasoning_break = False
                if any(self.reasoning):
                    self.reasoning.append("\n")
            self.reasoning.append(piece)
        elif event_type == "response.reasoning_summary_part.added" or (
            event_type == "response.content_part.added"
            and field(field(event, "part"), "type") == "reasoning_text"
        ):
            self._reasoning_break = True
        elif event_type == "response.refusal.delta":
            self._choices[0].refusal.append(safe_str(field(event, "delta") or ""))
        elif event_type == "response.audio.transcript.delta":
            self._choices[0].audio = True
            self._choices[0].transcript.append(safe_str(field(event, "delta") or ""))
        elif event_type == "response.audio.delta":
            self._choices[0].audio = True
        elif event_type in _CALL_DELTAS:
            # A call's arguments (a custom tool's input) as they stream, kept so that a
            # stream left before the call is done records what it received.
            entry = self.tool_calls.get(_item_key(event, field(event, "item_id")))
            piece = field(event, "delta")
            if entry is not None and piece:
                entry.arguments.append(safe_str(piece))
        elif event_type in ("response.output_item.added", "response.output_item.done"):
            item = field(event, "item")
            kind = field(item, "type")
            if kind == "function_call" or kind == "custom_tool_call":
                # A custom tool's call holds its free-text input where a function's
                # holds its arguments (written as a whole response's call is). An added
                # call's arguments are its deltas' (its item may be added to as they come).
                entry = self.tool_calls.setdefault(_item_key(event, field(item, "id")), _ToolCall())
                entry.id = safe_str(field(item, "call_id") or "")
                entry.name = safe_str(field(item, "name") or "")
                if event_type == "response.output_item.done":
                    arguments = field(item, "arguments" if kind == "function_call" else "input")
                    entry.arguments = [safe_str(arguments or "")]
            elif (
                event_type == "response.output_item.done"
                and isinstance(kind, str)
                and kind not in _STREAMED_ITEMS
            ):
                # An item no delta streams (a hosted tool's call: web or file search,
                # code interpreter, MCP...), kept whole once done, as a whole response's
                # output records it: a stream cut before ``response.completed`` keeps it.
                parts = [
                    part for message in convert_item(item, "assistant") for part in message["parts"]
                ]
                if parts:
                    key = _item_key(event, field(item, "id"))
                    self.tool_calls.setdefault(key, _ToolCall()).whole = parts
        elif event_type in ("response.created", "response.in_progress"):
            self._meta(field(event, "response"))
        elif event_type in ("response.completed", "response.incomplete", "response.failed"):
            response = field(event, "response")
            final = read_response(response)
            if event_type == "response.failed" or final.error_type is not None:
                self._failed(error_code(field(response, "error")), RESPONSE_FAILED)
            if final.output or not final.usage.is_empty():
                self._final = final
            else:  # a failed response may say only its status; what was streamed stays
                self.finish_reasons.extend(final.finish_reasons)
                self._reason_choices.extend([0] * len(final.finish_reasons))

    def _anthropic_event(self, event_type: str, event: Any) -> None:
        if event_type == "message_start":
            message = field(event, "message")
            self._meta(message)
            self._merge_anthropic_usage(field(message, "usage"))
        elif event_type == "content_block_start":
            block = jsonable(field(event, "content_block"))
            if isinstance(block, dict) and len(self._blocks) < _MAX_BLOCKS:
                self._blocks[field(event, "index")] = _Block(block)
        elif event_type == "content_block_delta":
            delta = field(event, "delta")
            delta_type = field(delta, "type")
            kind = _DELTAS.get(delta_type)
            if kind is not None:
                block_type, key, name = kind
                target = self._blocks.get(field(event, "index"))
                if target is None and len(self._blocks) < _MAX_BLOCKS:
                    target = self._blocks[field(event, "index")] = _Block({"type": block_type})
                if target is not None:
                    target.pieces.setdefault(key, []).append(safe_str(field(delta, name) or ""))
            elif delta_type == "compaction_delta":
                # A compaction block's summary (beta), whole in one delta that replaces
                # what the block held, as the SDK builds the message.
                target = self._blocks.get(field(event, "index"))
                if target is not None:
                    target.start = {
                        **target.start,
                        "content": jsonable(field(delta, "content")),
                        "encrypted_content": jsonable(field(delta, "encrypted_content")),
                    }
        elif event_type == "message_delta":
            self._reason(field(field(event, "delta"), "stop_reason"))
            self._merge_anthropic_usage(field(event, "usage"))

    def _merge_anthropic_usage(self, usage: Any) -> None:
        """Anthropic reports counts cumulatively across events: keep the latest of each.
        A count no event reported (cache reads, say) stays unset, never 0."""
        for key in (
            "input_tokens",
            "output_tokens",
            "cache_read_input_tokens",
            "cache_creation_input_tokens",
            "output_tokens_details",
            "iterations",
        ):
            value = field(usage, key)
            if value is not None:
                self._anthropic_usage[key] = value
        self._held_usage = None
        self.usage = anthropic_usage(self._anthropic_usage)

    def _google_or_langchain(self, chunk: Any) -> None:
        if not _is_google_chunk(chunk):
            self._langchain_chunk(chunk)
            return
        candidates: list[_ReadCandidate] = []
        for candidate in as_list(field(chunk, "candidates")) or []:
            parts = as_list(field(field(candidate, "content"), "parts")) or []
            read: list[tuple[_Reader, _Reader]] = [
                (_Probed(part), _Probed(field(part, "function_call"))) for part in parts
            ]
            candidates.append((_Probed(candidate), read))
        self._google_candidates(_Probed(chunk), candidates)

    def _google_fields(self, chunk: dict[str, Any]) -> bool:
        """A Google GenAI chunk (a dict, or google-genai's own response) read from its
        fields, not name by name; ``False``, with nothing kept, for any other chunk, or
        one whose candidates, content, parts or calls are not dicts or models read by
        their fields (``_google_or_langchain`` reads it)."""
        get = chunk.get
        given = get("candidates")  # (the commonest: a chunk of candidates is Google's)
        if given is None:
            if all(get(name) is None for name in _GOOGLE_FIELDS):
                metadata = get("usage_metadata")
                if metadata is None:
                    return False
                usage = metadata if type(metadata) is dict else response_fields(metadata)
                if usage is None or all(usage.get(name) is None for name in _GOOGLE_USAGE):
                    return False
            elif all(get(name) is None for name in _GOOGLE_READ):
                return False  # no chunk of any shape read
            given = []
        elif type(given) is not list:
            return False
        candidates: list[_ReadCandidate] = []
        for candidate in given:
            both = _with_held(candidate, "content")
            if both is None:
                return False
            fields, content = both
            parts = content.get("parts")
            if parts is not None and type(parts) is not list:
                return False
            read: list[tuple[_Reader, _Reader]] = []
            for part in parts or ():
                held = _with_held(part, "function_call")
                if held is None:
                    return False
                read.append(held)
            candidates.append((fields, read))
        self._google_candidates(chunk, candidates)
        return True

    def _google_candidates(self, chunk: _Reader, candidates: list[_ReadCandidate]) -> None:
        """What a Google chunk says, kept: its model and id, each candidate's text,
        thoughts, function calls and finish reason, and its usage; each object given as
        what reads its names (its fields, or ``_Probed``)."""
        self._keep_meta(chunk.get("model_version"), chunk.get("response_id"))
        first = self._choices[0]
        for candidate, parts in candidates:
            index = candidate.get("index")
            target = self._choice(index)
            for part, call in parts:
                text = part.get("text")
                if isinstance(text, str):
                    thought = part.get("thought") is True
                    (target.reasoning if thought else target.text).append(text)
                else:
                    media = google_media(part.get("inline_data"), part.get("file_data"))
                    if media is not None:
                        target.media.append(media)
                if part.get("function_call") is not None:
                    _google_call(target, call)
            reason = self._reason(candidate.get("finish_reason"), 0 if target is first else index)
            if reason is not None:
                target.finish_reason = reason
        if not candidates and not self.finish_reasons:  # (a block reason repeated: one)
            self._reason(prompt_block_reason(chunk.get("prompt_feedback")))
        metadata = chunk.get("usage_metadata")
        if metadata is not None:
            if is_response_model(metadata):
                self._held_usage = metadata
            else:  # a dict, or another object, which its source may change later
                self._held_usage = None
                self.usage = usage_from(metadata)

    def _langchain_chunk(self, chunk: Any) -> None:
        content = field(chunk, "content")
        if isinstance(content, str):
            self.text.append(content)
        else:
            for block in as_list(content) or []:
                kind = field(block, "type")
                if kind == "text":
                    self.text.append(safe_str(field(block, "text") or ""))
                elif kind in ("thinking", "reasoning"):
                    self.reasoning.append(
                        safe_str(field(block, "thinking") or field(block, "reasoning") or "")
                    )
        for call in as_list(field(chunk, "tool_call_chunks")) or []:
            index = field(call, "index")
            if index is None:  # a call of its own, as LangChain's sum of the chunks has it
                index = _new_key(self.tool_calls)
            entry = self.tool_calls.setdefault(index, _ToolCall())
            entry.id = safe_str(field(call, "id") or entry.id)
            entry.name = safe_str(field(call, "name") or entry.name)
            piece = field(call, "args")
            if piece:
                entry.arguments.append(safe_str(piece))
        metadata = field(chunk, "response_metadata") or {}
        model = field(metadata, "model_name") or field(metadata, "model")
        if model and self.model is None:
            self.model = safe_str(model)
        if self.response_id is None and field(chunk, "id"):
            self.response_id = safe_str(field(chunk, "id"))
        self._reason(field(metadata, "finish_reason") or field(metadata, "stop_reason"))
        usage = field(chunk, "usage_metadata")
        if usage is not None:
            self._settle_usage()
            self.usage = self.usage + usage_from(usage)


# The Responses API's output items whose content its events stream (text, refusal,
# audio, reasoning), or that are kept as they stream (function and custom tool calls).
_STREAMED_ITEMS = frozenset({"message", "reasoning", "function_call", "custom_tool_call"})

# The Responses API's events streaming a call's arguments (a custom tool's input).
_CALL_DELTAS = frozenset(
    {"response.function_call_arguments.delta", "response.custom_tool_call_input.delta"}
)


def _item_key(event: Any, item_id: Any) -> Any:
    """The key of the Responses API output item an event is about: its id, else (events
    without ids, a proxy's) its place in the output, else a place of its own."""
    if item_id:
        return safe_str(item_id)
    index = field(event, "output_index")
    return ("output", index) if type(index) is int else object()


def _google_call(target: _Choice, call: _Reader) -> None:
    """A Google function call, kept in ``target``: a call of its own, or a piece of one
    whose arguments Vertex AI streams (``stream_function_call_arguments``: the name, then
    ``partial_args``, ``will_continue`` until the call's last piece), then an empty call
    that only marks the end of one streamed."""
    partial = call.get("partial_args")
    going_on = call.get("will_continue") is True
    name, ident = call.get("name"), call.get("id")
    entry = target.streaming
    if partial or going_on:
        if entry is None:
            calls = target.tool_calls
            entry = target.streaming = calls.setdefault(_new_key(calls), _ToolCall())
            entry.paths = {}
        if name:
            entry.name = safe_str(name)
        if ident or (name and not entry.id):
            # (no id, as Gemini's calls mostly have: its name, as a whole reply's)
            entry.id = safe_str(ident or name)
        if entry.paths is not None:
            for arg in as_list(partial) or ():
                _partial_arg(entry.paths, arg)
        if not going_on:
            target.streaming = None
        return
    target.streaming = None
    arguments = call.get("args")
    if not name and not ident and not arguments:
        return  # the end of a streamed call, no call of its own
    calls = target.tool_calls
    entry = calls.setdefault(_new_key(calls), _ToolCall())
    entry.id = safe_str(ident or name or "")
    entry.name = safe_str(name or "")
    entry.arguments = [dumps(jsonable(arguments or {}))]


def _partial_arg(paths: dict[str, Any], arg: Any) -> None:
    """Keep a Vertex AI ``PartialArg``: a piece of text added to its JSON path's, any
    other value (a number, a boolean, null) in place of what the path held."""
    path = field(arg, "json_path")
    if not isinstance(path, str) or not path:
        return
    text = field(arg, "string_value")
    if isinstance(text, str):
        held = paths.get(path)
        if type(held) is list:
            held.append(text)
        else:
            paths[path] = [text]
        return
    for name in ("number_value", "bool_value"):
        value = field(arg, name)
        if value is not None:
            paths[path] = (value,)
            return
    if field(arg, "null_value") is not None:
        paths[path] = (None,)


def _path_arguments(paths: dict[str, Any]) -> dict[str, Any]:
    """The arguments the JSON paths of a streamed call make (``$.city``, ``$.a.b[0]``,
    ``$['a b']``); a value whose path is of no form known, or cannot be placed, is kept
    under the path itself."""
    arguments: dict[str, Any] = {}
    for path, held in paths.items():
        value = "".join(held) if type(held) is list else held[0]
        keys = _path_keys(path)
        if keys is None or not _place(arguments, keys, value):
            arguments[path] = value
    return arguments


_PATH_STEP = re.compile(
    r"""\.([^.\[\]]+)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]"""
)
_MAX_PATH_INDEX = 1024  # a list index beyond: the value kept under its path


def _path_keys(path: str) -> Optional[list[Any]]:
    """The keys and list indexes of a JSON path (RFC 9535, the forms Vertex AI sends);
    ``None`` for any other text."""
    if not path.startswith("$"):
        return None
    keys: list[Any] = []
    at = 1
    while at < len(path):
        step = _PATH_STEP.match(path, at)
        if step is None:
            return None
        name, index, single, double = step.groups()
        if index is not None:
            try:
                number = int(index)
            except ValueError:  # more digits than Python converts: far beyond too
                return None
            if number > _MAX_PATH_INDEX:
                return None
            keys.append(number)
        else:
            keys.append(name if name is not None else single if single is not None else double)
        at = step.end()
    return keys or None


def _place(arguments: dict[str, Any], keys: list[Any], value: Any) -> bool:
    """Put ``value`` at ``keys`` in ``arguments``, making the objects and lists on the way
    (a list padded with nulls to an index); ``False``, nothing changed, where something
    else is in the way (a path into a text, a list given a name)."""
    holder: Any = arguments
    for at, key in enumerate(keys):
        last = at == len(keys) - 1
        if type(key) is int:
            if type(holder) is not list:
                return False
            if len(holder) <= key:
                holder.extend([None] * (key + 1 - len(holder)))
        elif type(holder) is not dict:
            return False
        if last:
            holder[key] = value
            return True
        following = holder[key] if type(key) is int else holder.get(key)
        if following is None:
            following = [] if type(keys[at + 1]) is int else {}
            holder[key] = following
        holder = following
    return False


def _content_blocks(target: _Choice, blocks: list[Any]) -> None:
    """The text and thinking blocks of a chat delta whose content is a list (Mistral's
    reasoning models), kept as its text and reasoning."""
    for block in blocks:
        kind = field(block, "type")
        if not isinstance(kind, str):
            continue
        if kind == "text":
            text = field(block, "text")
            if isinstance(text, str):
                target.text.append(text)
        elif kind == "thinking":
            target.reasoning.append(thinking_text(field(block, "thinking")))


def _is_google_chunk(chunk: Any) -> bool:
    """Whether a chunk is Google GenAI's rather than LangChain's: one of Google's own
    fields, or usage in Google's names. Gemini ends a stream with a chunk of only
    ``usage_metadata``, a running total, which LangChain's rules would add as a delta."""
    if any(field(chunk, key) is not None for key in _GOOGLE_FIELDS):
        return True
    metadata = field(chunk, "usage_metadata")
    return metadata is not None and any(field(metadata, key) is not None for key in _GOOGLE_USAGE)


_GOOGLE_FIELDS = ("candidates", "prompt_feedback", "model_version", "response_id")
# The fields of a Google or LangChain chunk, one of which any such chunk has (a blocked
# prompt's chunk may have its feedback alone).
_GOOGLE_READ = ("candidates", "usage_metadata", "content", "tool_call_chunks", "prompt_feedback")
_GOOGLE_USAGE = (
    "prompt_token_count",
    "candidates_token_count",
    "total_token_count",
    "thoughts_token_count",
    "cached_content_token_count",
    "tool_use_prompt_token_count",
)


class _Block:
    """An Anthropic content block as it streams: its start, and the pieces each delta
    adds to one of its fields."""

    __slots__ = ("pieces", "start")

    def __init__(self, start: dict[str, Any]) -> None:
        self.start = start
        self.pieces: dict[str, list[str]] = {}

    def whole(self) -> dict[str, Any]:
        """The block as a message holds it, its tool input parsed (``{}`` when none came)."""
        block = dict(self.start)
        for key, pieces in self.pieces.items():
            if key == "input":
                block["input"] = json_arguments("".join(pieces) or "{}")
            else:
                block[key] = safe_str(block.get(key) or "") + "".join(pieces)
        return block


# Anthropic deltas: the kind of block they belong to, the field they add to, and where
# their piece is.
_DELTAS: dict[str, tuple[str, str, str]] = {
    "text_delta": ("text", "text", "text"),
    "thinking_delta": ("thinking", "thinking", "thinking"),
    "input_json_delta": ("tool_use", "input", "partial_json"),
}
_MAX_BLOCKS = 1024


class _Reader(Protocol):
    """What reads the names of a chunk and of what it holds (an OpenAI chunk's choices,
    a Google chunk's candidates): its fields (a dict), or ``_Probed``."""

    def get(self, name: str, default: Any = None, /) -> Any: ...


def _get(reader: _Reader, name: str) -> Any:
    """``reader``'s ``name``, for the readers shared with whole messages (which take a
    function, not a method)."""
    return reader.get(name)


class _Probed:
    """An object of any shape read as a dict of its fields is: each name probed with
    ``field``."""

    __slots__ = ("_value",)

    def __init__(self, value: Any) -> None:
        self._value = value

    def get(self, name: str, default: Any = None, /) -> Any:
        return field(self._value, name, default)


# A choice of an OpenAI chat chunk, its delta, and its delta's (tool call, function)s.
_ReadChoice = tuple[_Reader, _Reader, Sequence[tuple[_Reader, _Reader]]]
# A candidate of a Google chunk, and its content's (part, function call)s.
_ReadCandidate = tuple[_Reader, list[tuple[_Reader, _Reader]]]


def _fields_of(value: Any) -> Optional[dict[str, Any]]:
    """A dict as it is, a model's fields, ``None`` for anything else."""
    return value if type(value) is dict else model_fields(value)


def read_later(chunk: Any) -> bool:
    """Whether a stream's chunk (not its first, which is read at once) may be read later,
    a batch at a time: a provider SDK's own chunk model, made anew for each chunk, that
    begins nothing its reader may keep and add the later chunks to (``_begins``)."""
    return is_response_model(chunk) and not _begins(chunk)


def _begins(chunk: Any) -> bool:
    """Whether a provider SDK's chunk (not the stream's first, which is read at once too)
    begins something its reader may keep and add the later chunks to, so that read later
    it holds them all: an Anthropic ``message_start`` or ``content_block_start`` event,
    or an OpenAI chat chunk (or the chat helper's ``chunk`` event) whose delta holds a
    role or a tool or function call (OpenAI's documented way to read streamed tool calls
    keeps a call's first delta and adds each later delta's arguments to it). ``True``
    also for one that cannot be told (read at once, as before it could be held back)."""
    try:
        fields = chunk.__dict__
        kind = fields.get("type")
        if kind == "chunk":
            fields = fields["chunk"].__dict__
        elif kind == "message_start" or kind == "content_block_start":
            return True
        for choice in fields.get("choices") or ():
            delta = choice.__dict__.get("delta")
            if delta is not None:
                held = delta.__dict__
                if (
                    held.get("tool_calls")
                    or held.get("function_call") is not None
                    or held.get("role") is not None
                ):
                    return True
        return False
    except Exception:
        return True


def _repeats(kind: str, fields: dict[str, Any]) -> bool:
    """Whether an event of type ``kind``, read from its ``fields``, holds nothing the
    reading by shape keeps: an event of a stream helper's own that repeats what its
    stream's other events say (the ``text``, ``input_json`` or ``thinking`` events of
    ``anthropic``'s ``client.messages.stream``, and its beta's ``compaction`` event, whose
    ``content`` is a compaction's summary, no text of the answer), whose names were each
    probed."""
    if kind in _ANTHROPIC_HELPER_EVENTS:
        return True
    return (
        kind not in _ANTHROPIC_EVENTS
        and not kind.startswith("response.")
        and fields.get("choices") is None
        and all(fields.get(key) is None for key in _GOOGLE_READ)
    )


def _chunk_fields(chunk: Any) -> Optional[dict[str, Any]]:
    """A chunk's fields: a dict as it is, a model's fields, or those a response's are
    read by (a Google chunk's class has properties the message conversion reads:
    ``text``, ``parts``); ``None`` for anything else."""
    fields = _fields_of(chunk)
    return response_fields(chunk) if fields is None else fields


def _with_held(value: Any, name: str) -> Optional[tuple[dict[str, Any], dict[str, Any]]]:
    """``_fields_of`` ``value`` and of what it holds under ``name`` (none, an empty dict,
    when it holds nothing there); ``None`` when either is not read by its fields."""
    fields = _fields_of(value)
    if fields is None:
        return None
    held = fields.get(name)
    held_fields = _NO_FIELDS if held is None else _fields_of(held)
    return None if held_fields is None else (fields, held_fields)


_NO_FIELDS: dict[str, Any] = {}
_NO_CALLS: tuple[tuple[_Reader, _Reader], ...] = ()


def _calls_fields(calls: Any) -> Optional[list[tuple[_Reader, _Reader]]]:
    """The tool calls of an OpenAI chat delta as (call, function) fields, for
    ``_openai_fields``; ``None`` when one is not a dict or a model read by its fields."""
    if type(calls) is not list:
        return None
    read: list[tuple[_Reader, _Reader]] = []
    for call in calls:
        both = _with_held(call, "function")
        if both is None:
            return None
        read.append(both)
    return read


_FUNCTION_CALL = ("function_call",)  # the key of a legacy call, no tool call's index


def _unindexed(calls: dict[Any, _ToolCall], ident: Any) -> Any:
    """The key of a streamed tool call given no index (Gemini's OpenAI-compatible
    endpoint sends none; the ``openai`` SDK's model holds ``None``): the last call's for a
    delta without an id or with the last call's id (its arguments go on), a new key for
    a delta with another id (a call of its own, as the whole reply holds it)."""
    if calls:
        last = next(reversed(calls))
        if not ident or safe_str(ident) == calls[last].id:
            return last
    return _new_key(calls)


def _indexed(choice: _Choice, index: Any, ident: Any) -> Any:
    """The key of a streamed tool call given ``index``: the latest call's at that index,
    or a new key when the delta has an id other than that call's (proxies that send
    parallel calls all at index 0, each with its own id, as the whole reply lists them)."""
    key = choice.latest.get(index, index) if choice.latest else index
    if ident:
        entry = choice.tool_calls.get(key)
        if entry is not None and entry.id and safe_str(ident) != entry.id:
            key = (index, len(choice.tool_calls))
            while key in choice.tool_calls:
                key = (index, key[1] + 1)
            choice.latest[index] = key
    return key


def _new_key(calls: dict[Any, _ToolCall]) -> int:
    """A key for a tool call of its own: no key of ``calls``."""
    key = len(calls)
    while key in calls:
        key += 1
    return key


# The events of OpenAI's ``client.chat.completions.stream(...)``: each chunk comes in a
# ``chunk`` event; the others repeat what that chunk said.
_CHAT_HELPER_EVENTS = ("content.", "refusal.", "tool_calls.", "logprobs.")

# The events of ``anthropic``'s ``client.messages.stream(...)`` (and its beta's) of its
# own, beside the API's: each repeats what an API event said (a ``compaction`` event its
# block's summary, under a ``content`` that is no chunk's text).
_ANTHROPIC_HELPER_EVENTS = frozenset(
    {"text", "citation", "thinking", "signature", "input_json", "compaction"}
)

_ANTHROPIC_EVENTS = frozenset(
    {
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
        "ping",
    }
)


__all__ = ["StreamAccumulator", "read_later"]
