"""Reading a provider's response object: output messages, model, id, finish reasons, usage.

Pure functions, no sentry-sdk import and no provider SDK import: responses are
recognised by shape (OpenAI Chat Completions and Responses, Azure OpenAI, LiteLLM,
Anthropic, Google GenAI, LangChain messages), as objects or as their dict forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Optional

from ._jsonable import as_list, field, optional_str, safe_str
from ._messages import READ_NAMES, Message, convert_item, to_gen_ai_messages, to_parts
from ._models import model_fields
from ._usage import Usage, openai_chat_usage, usage_from


@dataclass
class ResponseInfo:
    """What one response says, ready for a chat span."""

    output: Optional[list[Message]] = None
    model: Optional[str] = None
    response_id: Optional[str] = None
    finish_reasons: list[str] = dataclass_field(default_factory=list)
    usage: Usage = dataclass_field(default_factory=Usage)


def read_response(response: Any) -> ResponseInfo:
    """Recognise ``response`` by shape; what cannot be read is left empty, never guessed."""
    if response is None:
        return ResponseInfo()
    fields = model_fields(response)
    if fields is not None and "choices" in fields:
        info = _chat_completion(fields)
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
    if _equals(kind, "message") and _equals(field(response, "stop_reason", ""), "") is False:
        return _anthropic(response)
    if (
        _equals(kind, "ai")
        or _equals(kind, "AIMessageChunk")
        or field(response, "response_metadata") is not None
    ):
        return _langchain(response)
    if field(response, "role") is not None or field(response, "content") is not None:
        return ResponseInfo(output=to_gen_ai_messages(response, default_role="assistant"))
    return ResponseInfo(usage=usage_from(response))


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
        if message is not None:
            for converted in to_gen_ai_messages([message], default_role="assistant"):
                if reason:
                    converted["finish_reason"] = reason
                output.append(converted)
        if reason:
            reasons.append(reason)
    return output, reasons


def _openai_chat(response: Any) -> ResponseInfo:
    output, reasons = _per_choice(field(response, "choices"), "message", "delta")
    return ResponseInfo(
        output=output,
        model=optional_str(field(response, "model")),
        response_id=optional_str(field(response, "id")),
        finish_reasons=reasons,
        usage=usage_from(field(response, "usage")),
    )


def _chat_completion(fields: dict[str, Any]) -> Optional[ResponseInfo]:
    """A Chat Completion as the ``openai`` SDK's own models hold it, read from their
    fields: what ``_openai_chat`` reads from it, without probing each name. ``None`` for
    what only the general reading reads right (a choice, message or usage that is not a
    model read by its fields, a choice without a message or finish reason as text)."""
    choices = fields["choices"]
    usage = fields.get("usage")
    usage_fields = _fields_or_empty(usage)
    if type(choices) is not list or usage_fields is None:
        return None
    prompt = _fields_or_empty(usage_fields.get("prompt_tokens_details"))
    completion = _fields_or_empty(usage_fields.get("completion_tokens_details"))
    if prompt is None or completion is None:
        return None
    output: list[Message] = []
    reasons: list[str] = []
    for choice in choices:
        read = model_fields(choice)
        message = read.get("message") if read is not None else None
        reason = read.get("finish_reason") if read is not None else None
        if message is None or type(reason) is not str:
            return None
        reason = safe_str(reason)
        for converted in _assistant_message(message):
            if reason:
                converted["finish_reason"] = reason
            output.append(converted)
        if reason:
            reasons.append(reason)
    return ResponseInfo(
        output=output,
        model=optional_str(fields.get("model")),
        response_id=optional_str(fields.get("id")),
        finish_reasons=reasons,
        usage=Usage()
        if usage is None
        else openai_chat_usage(
            usage_fields.get("prompt_tokens"),
            usage_fields.get("completion_tokens"),
            usage_fields.get("total_tokens"),
            (prompt.get("cached_tokens"), usage_fields.get("cache_read_input_tokens")),
            (
                usage_fields.get("cache_creation_input_tokens"),
                prompt.get("cache_write_tokens"),
                prompt.get("cache_creation_tokens"),
            ),
            completion.get("reasoning_tokens"),
        ),
    )


def _fields_or_empty(value: Any) -> Optional[dict[str, Any]]:
    """A model's fields, no fields for ``None``, or ``None`` for anything else."""
    return _NO_FIELDS if value is None else model_fields(value)


_NO_FIELDS: dict[str, Any] = {}


def _assistant_message(message: Any) -> list[Message]:
    """The model's message of a choice: a model holding only its text (the commonest
    answer) written at once, anything else converted as any message is."""
    fields = model_fields(message)
    if fields is not None and fields.get("role") == "assistant":
        content = fields.get("content")
        if content is None or type(content) is str:
            for name, value in fields.items():
                if value is not None and name in READ_NAMES and name not in _TEXT_MESSAGE:
                    break
            else:
                return [{"role": "assistant", "parts": to_parts(content)}]
    return convert_item(message, "assistant")


_TEXT_MESSAGE = ("role", "content")


def _openai_responses(response: Any) -> ResponseInfo:
    items = as_list(field(response, "output")) or []
    messages = to_gen_ai_messages(items, default_role="assistant")
    parts = [part for message in messages for part in message["parts"]]
    status = optional_str(field(response, "status"))
    incomplete = optional_str(field(field(response, "incomplete_details"), "reason"))
    reason = incomplete or status
    output: list[Message] = [{"role": "assistant", "parts": parts}] if parts else []
    if output and reason:
        output[0]["finish_reason"] = reason
    return ResponseInfo(
        output=output,
        model=optional_str(field(response, "model")),
        response_id=optional_str(field(response, "id")),
        finish_reasons=[reason] if reason else [],
        usage=usage_from(field(response, "usage")),
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


def _google(response: Any) -> ResponseInfo:
    output, reasons = _per_choice(field(response, "candidates"), "content")
    return ResponseInfo(
        output=output,
        model=optional_str(field(response, "model_version")),
        response_id=optional_str(field(response, "response_id")),
        finish_reasons=reasons,
        usage=usage_from(field(response, "usage_metadata")),
    )


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
        usage=usage_from(field(message, "usage_metadata")),
    )


__all__ = ["ResponseInfo", "finish_reason", "read_response"]
