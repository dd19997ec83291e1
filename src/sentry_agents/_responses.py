"""Reading a provider's response object: output messages, model, id, finish reasons, usage.

Pure functions, no sentry-sdk import and no provider SDK import: responses are
recognised by shape (OpenAI Chat Completions and Responses, Azure OpenAI, LiteLLM,
Anthropic, Google GenAI, LangChain messages), as objects or as their dict forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Callable, NamedTuple, Optional

from ._jsonable import as_list, field, has_field, optional_str, safe_str
from ._keys import RESPONSE_FAILED
from ._messages import (
    Message,
    Part,
    convert_item,
    part_list_parts,
    to_gen_ai_messages,
    to_parts,
)
from ._models import model_fields, response_fields
from ._usage import Usage, usage_from, usage_of_fields


class Answer(NamedTuple):
    """An Anthropic ``Message``'s content blocks and stop reason, its output message not
    yet converted: a chat span writes its JSON straight from the blocks when it can
    (``answer_json``), else converts it (``messages``)."""

    content: list[Any]
    reason: Optional[str]

    def messages(self) -> list[Message]:
        """The output message, as ``read_response`` reads it."""
        parts = _content_parts(self.content)
        if parts is None:  # as the reading by shape writes it (a placeholder)
            return anthropic_output(self.content, self.reason)
        return [assistant_message(parts, self.reason)]


@dataclass
class ResponseInfo:
    """What one response says, ready for a chat span. ``answer``: an Anthropic answer's
    blocks, in place of ``output``, when read for a span (``read_response``'s
    ``answer_apart``). ``error_type``: the ``error.type`` of a call the provider reports
    failed in its data, not by raising (``failed_as``), which fails the span quietly;
    ``None`` for every other."""

    output: Optional[list[Message]] = None
    model: Optional[str] = None
    response_id: Optional[str] = None
    finish_reasons: list[str] = dataclass_field(default_factory=list)
    usage: Usage = dataclass_field(default_factory=Usage)
    answer: Optional[Answer] = None
    error_type: Optional[str] = None

    def is_empty(self) -> bool:
        """Whether nothing was read (the response was of no shape known)."""
        return (
            not self.output
            and self.answer is None
            and self.model is None
            and self.response_id is None
            and not self.finish_reasons
            and self.usage.is_empty()
        )


def read_response(response: Any, answer_apart: bool = False) -> ResponseInfo:
    """Recognise ``response`` by shape; what cannot be read is left empty, never guessed.
    With ``answer_apart``, an Anthropic ``Message``'s blocks are left unconverted, in
    ``answer``."""
    if response is None:
        return ResponseInfo()
    if type(response) is dict:
        if response.get("choices") is not None:
            info = _chat_completion(response, usage_from)
            if info is not None:
                return info
        elif answer_apart and type(response.get("content")) is list:
            kind = response.get("type")  # compared as text only: its ``==`` may raise
            if type(kind) is str and kind == "message":
                # An Anthropic answer's JSON (a raw HTTP call's, Bedrock's body): its
                # blocks are written as the SDK's are.
                info = _from_fields(response, True, usage_from)
                if info is not None:
                    return info
    fields = response_fields(response)
    if fields is not None:
        info = _from_fields(fields, answer_apart)
        if info is not None:
            return info
    if isinstance(response, str):
        return ResponseInfo(output=to_gen_ai_messages(response, default_role="assistant"))
    if field(response, "choices") is not None:
        return _openai_chat(response)
    if field(response, "candidates") is not None or field(response, "model_version") is not None:
        return _google(response)
    if _equals(field(response, "object"), "response") or (
        isinstance(field(response, "output"), (list, tuple))
        and field(response, "status") is not None
    ):
        return _openai_responses(response)
    kind = field(response, "type")
    if _equals(kind, "message") and (
        _equals(field(response, "stop_reason", ""), "") is False
        or field(response, "model") is not None
        or field(response, "usage") is not None
    ):
        return _anthropic(response)
    if (
        _equals(kind, "ai")
        or _equals(kind, "AIMessageChunk")
        or field(response, "response_metadata") is not None
    ):
        return _langchain(response)
    if kind is None and _is_untyped_anthropic(response):
        return _anthropic(response)
    if field(response, "role") is not None or field(response, "content") is not None:
        return ResponseInfo(output=to_gen_ai_messages(response, default_role="assistant"))
    if field(response, "prompt_feedback") is not None:  # a prompt Gemini blocked, no model
        return _google(response)
    return ResponseInfo(usage=usage_from(response))


def _is_untyped_anthropic(response: Any) -> bool:
    """Whether ``response``, with no ``type``, is an Anthropic message all the same (a
    dict built from parsed JSON or a proxy's answer): the model's content blocks beside a
    ``stop_reason`` or a ``usage``, and nothing an Anthropic message never holds (another
    role, an OpenAI message's tool calls, refusal or audio)."""
    role = field(response, "role")
    if role is not None and _equals(role, "assistant") is not True:
        return False
    if not isinstance(field(response, "content"), (list, tuple)):
        return False
    if not has_field(response, "stop_reason") and field(response, "usage") is None:
        return False
    return all(field(response, name) is None for name in _BESIDE_CONTENT)


def is_whole_response(value: Any) -> bool:
    """Whether ``value`` is a provider's whole response rather than its output: an OpenAI
    Chat Completion (``choices``), a Responses API response, or a Google
    ``GenerateContentResponse`` (``candidates``), as an object or its dict. Given to
    ``set_output``, its output messages are recorded, not the response as one part."""
    if value is None or isinstance(value, (str, bytes, list, tuple)):
        return False
    return (
        field(value, "choices") is not None
        or field(value, "candidates") is not None
        or bool(_equals(field(value, "object"), "response"))
    )


def failed_as(status: Any, error: Any) -> Optional[str]:
    """The ``error.type`` of a Responses API response whose ``status`` says it failed:
    its ``error``'s code (``error_code``), else ``response_failed``; ``None`` for any
    other status (``incomplete`` and ``cancelled`` are finish reasons, not failures)."""
    if _equals(status, "failed") is not True:
        return None
    return error_code(error) or RESPONSE_FAILED


def response_failure(response: Any) -> Optional[str]:
    """``failed_as`` of a whole response (``is_whole_response``), read from its status and
    error alone, its output left unread: whether the call failed is no content."""
    return failed_as(field(response, "status"), field(response, "error"))


def error_code(error: Any) -> Optional[str]:
    """A provider's error's code, when it gives one as text: OpenAI's ``code``
    (``server_error``, ``rate_limit_exceeded``), else Anthropic's ``type``
    (``overloaded_error``). Never its message, which may hold the user's content."""
    return code_text(field(error, "code")) or code_text(field(error, "type"))


def code_text(value: Any) -> Optional[str]:
    """An error code read by shape, when it is text that is not empty."""
    if issubclass(type(value), str) and value:
        return safe_str(value)
    return None


def _equals(value: Any, text: str) -> Optional[bool]:
    """Whether a field read by shape is ``text``: plain text compared directly, anything
    else (an enum member, a ``str`` subclass) by its own ``==``. ``None`` when that
    comparison or its truth raises (a numpy array's ``==`` is not a bool): the field is
    then as good as absent, and the response is read by its other fields."""
    if type(value) is str:
        return value == text
    try:
        return bool(value == text)
    except Exception:
        return None


def _first_true(*values: Any) -> Any:
    """The first of ``values`` that is true (``a or b`` read by shape), else ``None``; a
    value whose truth raises (a numpy array) counts as absent."""
    for value in values:
        try:
            if value:
                return value
        except Exception:
            continue
    return None


def finish_reason(value: Any) -> Optional[str]:
    """A finish reason as the provider names it (enum members by their value or name)."""
    if value is None:
        return None
    if type(value) is str:
        return safe_str(value)
    enum_value = field(value, "value")
    if isinstance(enum_value, str):
        return safe_str(enum_value)
    name = field(value, "name")
    if isinstance(name, str) and not isinstance(value, str):
        return safe_str(name)
    return safe_str(value)


def _per_choice(
    choices: Any, message_key: str, fallback_key: Optional[str] = None
) -> tuple[list[Message], list[str]]:
    """Output messages and finish reasons of OpenAI choices or Google candidates."""
    output: list[Message] = []
    reasons: list[str] = []
    for choice in as_list(choices) or []:
        message = field(choice, message_key)
        if message is None and fallback_key is not None:
            message = field(choice, fallback_key)
        reason = finish_reason(field(choice, "finish_reason"))
        converted: list[Message] = []
        if message is not None:
            converted = to_gen_ai_messages([message], default_role="assistant")
        _add_choice(output, reasons, converted, reason)
    return output, reasons


def assistant_message(parts: list[Part], reason: Optional[str]) -> Message:
    """A reply's output message: its parts, finished for its reason when it has one."""
    message: Message = {"role": "assistant", "parts": parts}
    if reason:
        message["finish_reason"] = reason
    return message


def _add_choice(
    output: list[Message], reasons: list[str], messages: list[Message], reason: Optional[str]
) -> None:
    """A choice's (or a candidate's) messages and finish reason added to those of its
    response: each message finished for the reason, when it has one."""
    for message in messages:
        if reason:
            message["finish_reason"] = reason
        output.append(message)
    if reason:
        reasons.append(reason)


def _from_fields(
    fields: dict[str, Any],
    answer_apart: bool = False,
    usage_of: Callable[[Any], Optional[Usage]] = usage_of_fields,
) -> Optional[ResponseInfo]:
    """A provider SDK's own response (a ``ChatCompletion``, a Responses API ``Response``,
    an Anthropic ``Message``, a Google ``GenerateContentResponse``) read from its models'
    fields, when they show the shape ``read_response`` finds reading by shape, tried in
    its order; ``None`` for anything else, read by shape. ``usage_of``: how an Anthropic
    message's usage is read (``usage_from`` for one given as a dict)."""
    get = fields.get
    if get("choices") is not None:
        return _chat_completion(fields, usage_of_fields)
    if get("candidates") is not None or get("model_version") is not None:
        return _generate_content_response(fields)
    named, output = get("object"), get("output")
    if named is not None and type(named) is not str:  # compared by its own ``==`` there
        return None
    if named == "response" or (isinstance(output, (list, tuple)) and get("status") is not None):
        return _responses_response(fields)
    kind, reason = get("type"), get("stop_reason", "")
    if type(kind) is not str or kind != "message":
        return None
    if reason is None or (type(reason) is str and reason):
        return _anthropic_message(fields, reason, answer_apart, usage_of)
    if reason == "" and (get("model") is not None or get("usage") is not None):
        # dumped without ``None`` fields
        return _anthropic_message(fields, None, answer_apart, usage_of)
    return None


def _openai_chat(response: Any) -> ResponseInfo:
    output, reasons = _per_choice(field(response, "choices"), "message", "delta")
    return ResponseInfo(
        output=output,
        model=optional_str(field(response, "model")),
        response_id=optional_str(field(response, "id")),
        finish_reasons=reasons,
        usage=usage_from(field(response, "usage")),
    )


def _chat_completion(
    fields: dict[str, Any], usage_of: Callable[[Any], Optional[Usage]]
) -> Optional[ResponseInfo]:
    """A Chat Completion as the ``openai`` SDK's own models hold it, read from their
    fields, or as a plain dict (OpenAI's JSON), read by its keys: what ``_openai_chat``
    reads from it, without probing each name. ``usage_of`` reads its usage
    (``usage_of_fields``, or ``usage_from`` for a dict), after its choices, as
    ``_openai_chat`` reads it (a usage that cannot be read is logged once). ``None`` for
    what only the general reading reads right (a choice, message or usage that is
    neither a plain dict nor a model read by its fields, a choice without a message or
    finish reason as text, usage of another shape)."""
    choices = fields["choices"]
    if type(choices) is not list:
        return None
    output: list[Message] = []
    reasons: list[str] = []
    for choice in choices:
        read = choice if type(choice) is dict else model_fields(choice)
        message = read.get("message") if read is not None else None
        reason = read.get("finish_reason") if read is not None else None
        if message is None or type(reason) is not str:
            return None
        _add_choice(output, reasons, _assistant_message(message), safe_str(reason))
    usage = usage_of(fields.get("usage"))
    if usage is None:
        return None
    return ResponseInfo(
        output=output,
        model=optional_str(fields.get("model")),
        response_id=optional_str(fields.get("id")),
        finish_reasons=reasons,
        usage=usage,
    )


def _assistant_message(message: Any) -> list[Message]:
    """The model's message of a choice: a model or plain dict holding only its text (the
    commonest answer) written at once, anything else converted as any message is."""
    fields = message if type(message) is dict else model_fields(message)
    # Only plain text compared: a role's own ``==`` may raise or differ from its text.
    role = fields.get("role") if fields is not None else None
    if (
        fields is not None
        and type(role) is str
        and role == "assistant"
        and fields.get("type") is None
        and _only_content(fields)
    ):
        content = fields.get("content")
        if content is None or type(content) is str:
            return [{"role": "assistant", "parts": to_parts(content)}]
    return convert_item(message, "assistant")


def _openai_responses(response: Any) -> ResponseInfo:
    items = as_list(field(response, "output")) or []
    messages = to_gen_ai_messages(items, default_role="assistant")
    return _responses_info(
        [part for message in messages for part in message["parts"]],
        field(response, "status"),
        field(field(response, "incomplete_details"), "reason"),
        field(response, "model"),
        field(response, "id"),
        usage_from(field(response, "usage")),
        field(response, "error"),
    )


def _responses_response(fields: dict[str, Any]) -> Optional[ResponseInfo]:
    """A Responses API ``Response`` as the ``openai`` SDK's own models hold it, read from
    their fields: what ``_openai_responses`` reads from it. ``None`` when its incomplete
    details or usage are not models read by their fields."""
    incomplete = fields.get("incomplete_details")
    if incomplete is not None:
        details = model_fields(incomplete)
        if details is None:
            return None
        incomplete = details.get("reason")
    usage = usage_of_fields(fields.get("usage"))
    if usage is None:
        return None
    parts: list[Part] = []
    for item in as_list(fields.get("output")) or []:
        read = _output_message_parts(item)
        if read is None:
            for message in convert_item(item, "assistant"):
                parts.extend(message["parts"])
        else:
            parts.extend(read)
    return _responses_info(
        parts,
        fields.get("status"),
        incomplete,
        fields.get("model"),
        fields.get("id"),
        usage,
        fields.get("error"),
    )


def _output_message_parts(item: Any) -> Optional[list[Part]]:
    """The parts of a Responses API output message of the model's (a model read by its
    fields holding only its content), as ``convert_item`` converts it; ``None`` for any
    other item, or content that does not convert."""
    fields = model_fields(item)
    if fields is None:
        return None
    get = fields.get
    kind, role = get("type"), get("role")
    if type(kind) is not str or kind != "message" or type(role) is not str or role != "assistant":
        return None
    if not _only_content(fields):
        return None
    return _content_parts(get("content"))


def _only_content(fields: dict[str, Any]) -> bool:
    """Whether a message's fields hold nothing ``convert_item`` reads beside its role,
    type and content."""
    get = fields.get
    for name in _BESIDE_CONTENT:  # noqa: SIM110 (a plain loop: ``all`` costs twice)
        if get(name) is not None:
            return False
    return True


# What ``convert_item`` reads of a message beside its role, type and content.
_BESIDE_CONTENT = (
    *("parts", "refusal", "audio", "reasoning_content", "reasoning", "tool_calls"),
    "function_call",
)


def _content_parts(content: Any) -> Optional[list[Part]]:
    """``to_parts(content)``, a list of the blocks an answer commonly holds (text,
    refusal, tool use, thinking) given to it as their fields, which its handlers read as
    they read the blocks; ``None`` when it does not convert (the general reading writes a
    placeholder message for it)."""
    if type(content) is list:
        read: list[Any] = []
        for block in content:
            fields = model_fields(block)
            if fields is None:  # a dict's blocks: converted as the general reading does
                return None
            kind = fields.get("type")
            if type(kind) is not str or kind not in _FIELD_BLOCKS:
                break
            read.append(fields)
        else:
            content = read
    try:
        return to_parts(content)
    except Exception:
        return None


_FIELD_BLOCKS = frozenset(
    {"text", "output_text", "refusal", "tool_use", "server_tool_use", "thinking"}
    | {"redacted_thinking"}
)


def _responses_info(
    parts: list[Part],
    status: Any,
    incomplete: Any,
    model: Any,
    response_id: Any,
    usage: Usage,
    error: Any,
) -> ResponseInfo:
    """A Responses API response from the values its fields hold: the parts of its output
    items as one assistant message, finished for why it is incomplete, else for its
    status; failed when its status says so (``failed_as``)."""
    reason = optional_str(incomplete) or optional_str(status)
    return ResponseInfo(
        output=[assistant_message(parts, reason)] if parts else [],
        model=optional_str(model),
        response_id=optional_str(response_id),
        finish_reasons=[reason] if reason else [],
        usage=usage,
        error_type=failed_as(status, error),
    )


def anthropic_output(content: Any, reason: Optional[str]) -> list[Message]:
    """The output message of an Anthropic response's content blocks (or of those a
    stream put together), with its stop reason."""
    output = to_gen_ai_messages(
        [{"role": "assistant", "content": content}], default_role="assistant"
    )
    if reason:
        for message in output:
            message["finish_reason"] = reason
    return output


def _anthropic(response: Any) -> ResponseInfo:
    reason = finish_reason(field(response, "stop_reason"))
    return ResponseInfo(
        output=anthropic_output(field(response, "content"), reason),
        model=optional_str(field(response, "model")),
        response_id=optional_str(field(response, "id")),
        finish_reasons=[reason] if reason else [],
        usage=usage_from(field(response, "usage")),
    )


def _anthropic_message(
    fields: dict[str, Any],
    reason: Optional[str],
    answer_apart: bool = False,
    usage_of: Callable[[Any], Optional[Usage]] = usage_of_fields,
) -> Optional[ResponseInfo]:
    """An Anthropic ``Message`` as the ``anthropic`` SDK's own models hold it, read from
    their fields: what ``_anthropic`` reads from it (its content blocks converted as any
    are, or, ``answer_apart``, a list of them left in ``answer``). ``None`` when its usage
    is not a model read by its fields, or when its content cannot be converted (the
    general reading writes a placeholder for it)."""
    usage = usage_of(fields.get("usage"))
    if usage is None:
        return None
    content = fields.get("content")
    reason = None if reason is None else safe_str(reason)
    output: Optional[list[Message]] = None
    answer = None
    if answer_apart and type(content) is list:
        answer = Answer(content, reason)
    else:
        parts = _content_parts(content)
        if parts is None:
            return None
        output = [assistant_message(parts, reason)]
    return ResponseInfo(
        output=output,
        model=optional_str(fields.get("model")),
        response_id=optional_str(fields.get("id")),
        finish_reasons=[reason] if reason else [],
        usage=usage,
        answer=answer,
    )


def prompt_block_reason(feedback: Any) -> Optional[str]:
    """Why Gemini blocked a prompt (its ``prompt_feedback``'s ``block_reason``, as the
    provider names it: ``SAFETY``, say), which stands as the finish reason of a response
    that has no candidates for it; ``None`` when nothing was blocked."""
    reason = finish_reason(field(feedback, "block_reason"))
    return None if reason == "BLOCKED_REASON_UNSPECIFIED" else reason


def _google(response: Any) -> ResponseInfo:
    candidates = field(response, "candidates")
    output, reasons = _per_choice(candidates, "content")
    if not as_list(candidates):
        blocked = prompt_block_reason(field(response, "prompt_feedback"))
        if blocked is not None:
            reasons = [blocked]
    return ResponseInfo(
        output=output,
        model=optional_str(field(response, "model_version")),
        response_id=optional_str(field(response, "response_id")),
        finish_reasons=reasons,
        usage=usage_from(field(response, "usage_metadata")),
    )


def _generate_content_response(fields: dict[str, Any]) -> Optional[ResponseInfo]:
    """A ``GenerateContentResponse`` as the ``google-genai`` SDK's own models hold it,
    read from their fields: what ``_google`` reads from it. ``None`` when its candidates
    are not a list of models read by their fields, a candidate's content is not the
    model's parts (or they do not convert), or its usage metadata is not a model read by
    its fields."""
    candidates = fields.get("candidates")
    usage = usage_of_fields(fields.get("usage_metadata"))
    if usage is None or (candidates is not None and type(candidates) is not list):
        return None
    output: list[Message] = []
    reasons: list[str] = []
    for candidate in candidates or ():
        read = model_fields(candidate)
        if read is None:
            return None
        content = read.get("content")
        messages: list[Message] = []
        if content is not None:
            parts = _model_content_parts(content)
            if parts is None:
                return None
            messages.append({"role": "assistant", "parts": parts})
        _add_choice(output, reasons, messages, finish_reason(read.get("finish_reason")))
    if not candidates:
        blocked = prompt_block_reason(fields.get("prompt_feedback"))
        if blocked is not None:
            reasons.append(blocked)
    return ResponseInfo(
        output=output,
        model=optional_str(fields.get("model_version")),
        response_id=optional_str(fields.get("response_id")),
        finish_reasons=reasons,
        usage=usage,
    )


def _model_content_parts(content: Any) -> Optional[list[Part]]:
    """The parts of a candidate's ``Content`` of the model's (a model read by its fields,
    of role ``model``, holding only its parts), as ``convert_item`` converts it; ``None``
    for any other content, or parts that do not convert (the general reading writes a
    placeholder message for them)."""
    fields = model_fields(content)
    if fields is None:
        return None
    get = fields.get
    role, parts = get("role"), get("parts")
    if type(role) is not str or role != "model" or get("type") is not None:
        return None
    if parts is None and get("content") is None and _only_content(fields):
        return []
    if type(parts) is not list or get("finish_reason") is not None:
        return None
    try:
        return part_list_parts(parts)
    except Exception:
        return None


def _langchain(message: Any) -> ResponseInfo:
    metadata = _first_true(field(message, "response_metadata"))
    reason = finish_reason(
        _first_true(field(metadata, "finish_reason"), field(metadata, "stop_reason"))
    )
    output = to_gen_ai_messages([message], default_role="assistant")
    for converted in output:
        converted["role"] = "assistant"
        if reason:
            converted["finish_reason"] = reason
    model = _first_true(field(metadata, "model_name"), field(metadata, "model"))
    return ResponseInfo(
        output=output,
        model=optional_str(model),
        response_id=optional_str(field(message, "id")),
        finish_reasons=[reason] if reason else [],
        usage=_langchain_usage(message, metadata),
    )


def _langchain_usage(message: Any, metadata: Any) -> Usage:
    """A LangChain message's usage: its ``usage_metadata``, else what the provider's
    answer said in ``response_metadata`` (``token_usage`` or ``usage``, as chat models
    that fill no ``usage_metadata`` leave it)."""
    usage = field(message, "usage_metadata")
    if usage is None and metadata is not None:
        usage = _first_true(field(metadata, "token_usage"), field(metadata, "usage"))
    return usage_from(usage)


__all__ = [
    "Answer",
    "ResponseInfo",
    "error_code",
    "failed_as",
    "finish_reason",
    "is_whole_response",
    "read_response",
    "response_failure",
]
