"""Conversion of every common provider's message shapes to Sentry's role/parts format.

Pure functions, no sentry-sdk import. Messages are recognised by shape (dicts,
pydantic models, dataclasses or plain objects alike), so no provider SDK is
imported: OpenAI Chat Completions and Responses, Anthropic, Google GenAI,
LangChain, legacy ``{role, content}`` and role/parts itself.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from itertools import islice
from typing import Any, Callable, Optional, TypeVar

from ._bounded import Bounded
from ._jsonable import (
    BLOB_SUBSTITUTE,
    MAX_DEPTH,
    as_list,
    as_sequence,
    call_arguments,
    clean_text,
    convert_at,
    declared_fields,
    field,
    has_field,
    jsonable,
    safe_str,
    text_media_removed,
    text_without_media,
    without_media,
)

Part = dict[str, Any]
Message = dict[str, Any]
T = TypeVar("T")

ROLE_ALIASES = {
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "ai": "assistant",
    "model": "assistant",
    "bot": "assistant",
    "system": "system",
    "developer": "system",
    "tool": "tool",
    "function": "tool",
    "ipython": "tool",
}
# Every name the conversion reads from a message, part, block, tool call or source
# (``test_structure`` keeps it complete): an SDK object whose class has none of them
# but as fields converts the same as its fields do.
READ_NAMES = frozenset(
    {"role", "content", "contents", "type", "parts", "text", "thinking", "thought", "refusal"}
    | {"reasoning_content", "summary", "encrypted_content", "finish_reason", "name", "id"}
    | {"tool_calls", "tool_call_id", "tool_use_id", "call_id", "function", "function_call"}
    | {"invalid_tool_calls"}
    | {"function_response", "arguments", "args", "input", "output", "response", "source"}
    | {"data", "inline_data", "file_data", "file", "file_id", "file_uri", "file_url", "url"}
    | {"image_url", "input_audio", "format", "media_type", "mime_type", "audio", "transcript"}
    | {"action", "queries", "code", "approval_request_id", "approve", "reason", "custom"}
    | {"reasoning"}
)
_PART_TYPES = ("text", "reasoning", "tool_call", "tool_call_response", "blob", "uri", "file")
_TEXT_BLOCKS = ("text", "input_text", "output_text")


def normalize_role(role: Any, default: str = "user") -> str:
    key = safe_str(role).lower() if role is not None else ""
    return ROLE_ALIASES.get(key, default)


def to_gen_ai_messages(messages: Any, *, default_role: str = "user") -> list[Message]:
    """Convert whatever a caller holds into ``[{"role": ..., "parts": [...]}]``.

    Accepts a string, one message, bare content blocks, or a sequence of messages in
    any supported provider shape; ``default_role`` is the role of what carries none
    (``"assistant"`` for model output). System messages are kept (role ``system``; the
    helpers send them as ``gen_ai.system_instructions``). Never raises and never
    mutates its input.
    """
    role = normalize_role(default_role)
    try:
        return _convert_messages(messages, role)
    except Exception:
        return [_unconvertible(role)]


def output_messages(output: Any) -> list[Message]:
    """A model's output as messages: a list of bare content blocks (Anthropic's
    ``message.content``, Google parts) is one assistant message, not one per block."""
    items = as_list(output)
    if items and all(_is_block(item) for item in items):
        try:
            return [{"role": "assistant", "parts": to_parts(items, cut=True)}]
        except Exception:
            return [_unconvertible("assistant")]
    return to_gen_ai_messages(output, default_role="assistant")


def newest_output_messages(output: Any, bounded: Bounded) -> tuple[list[Message], int]:
    """``output_messages(output)`` ``within`` ``bounded``, and how many messages it makes:
    of a long list of items (each a message of its own) only the newest, converted newest
    first until the room is surely full, the older items counted without being
    converted (``fit`` keeps a conversation's newest messages, so it sends the same)."""
    return within(bounded, _newest_output_messages, output, bounded)


def _newest_output_messages(output: Any, bounded: Bounded) -> tuple[list[Message], int]:
    """``newest_output_messages``' work, inside ``within``."""
    if (
        (type(output) is list or type(output) is tuple)
        and len(output) > _MANY_MESSAGES
        and not all(_is_block(item) for item in output)
    ):
        try:
            found = _newest_messages(list(output), "assistant", bounded)
        except Exception:  # what the general conversion makes of it: a placeholder
            found = None
        if found is not None:
            return found
    messages = output_messages(output)
    return messages, len(messages)


_MANY_MESSAGES = 128
"""Items of an output list above which its messages are converted newest first (inside
``within``): a shorter list is converted whole, each of its messages bounded alike."""


def _newest_messages(
    items: list[Any], default_role: str, bounded: Bounded
) -> Optional[tuple[list[Message], int]]:
    """``to_gen_ai_messages(items)``'s newest messages, until their lower bounds once
    written pass the room, and how many messages all the items make; ``None`` when an
    item is a bare Google part (``group_parts`` would join it to its neighbours)."""
    room = bounded.room
    newest: list[Message] = []
    total = 1
    for index in range(len(items) - 1, -1, -1):
        if total > room:
            older = _count_messages(items, index + 1, default_role)
            if older is None:
                return None
            newest.reverse()
            return newest, len(newest) + older
        item = items[index]
        if type(item) is not str and is_bare_part(item):
            return None
        for message in reversed(convert_item(item, default_role)):
            newest.append(message)
            total += bounded.floor(message, room) + 1
    newest.reverse()
    return newest, len(newest)


def _count_messages(items: list[Any], end: int, default_role: str) -> Optional[int]:
    """How many messages ``convert_item`` makes of the first ``end`` items (none or one
    each), told without converting them; ``None`` when one is a bare Google part."""
    count = 0
    for item in islice(items, end):
        made = messages_made(item, default_role)
        if made is None:
            return None
        count += made
    return count


def messages_made(item: Any, default_role: str) -> Optional[int]:
    """How many messages ``convert_item`` makes of ``item``, read as ``_convert_one``
    reads it up to where it tells (none for what holds nothing of the conversation, one
    for all else, a placeholder too); ``None`` for a bare Google part."""
    if type(item) is str:
        return 1
    if type(item) is dict:  # the commonest, by its keys
        try:
            role, kind = item.get("role"), item.get("type")
            if role is not None:
                return 1
            if kind is not None or item.keys().isdisjoint(_GOOGLE_PART_FIELDS):
                if kind is None and type(item.get("id")) is not str:
                    return 1  # a record, no item reference
                return 0 if _holds_nothing(item, kind, role, default_role) else 1
        except Exception:  # a key posing as one of these: read as any item is
            pass
    if is_bare_part(item):
        return None
    try:
        return (
            0 if _holds_nothing(item, field(item, "type"), field(item, "role"), default_role) else 1
        )
    except Exception:  # the conversion's placeholder
        return 1


def _holds_nothing(item: Any, kind: Any, role: Any, default_role: str) -> bool:
    """Whether ``_convert_one`` makes no message of ``item`` (of type ``kind`` and role
    ``role``): a Responses API item of nothing in the conversation. Raises where the
    conversion does (which makes a placeholder message of it)."""
    return (
        role is None
        and (kind in _NOT_CONVERSATION or (kind is None and _is_item_reference(item)))
        and _plain_text_message(item, default_role) is None
    )


def _is_block(item: Any) -> bool:
    """A typed content block, or a Google part, with no role of its own."""
    if isinstance(item, str) or field(item, "role") is not None:
        return False
    kind = field(item, "type")
    if isinstance(kind, str):
        return kind in _BLOCK_HANDLERS or kind in _PART_TYPES
    return kind is None and _has_google_part_field(item)


_GOOGLE_PART_FIELDS = ("text", "inline_data", "file_data", "function_call", "function_response")
_NESTING_FIELDS = (*_GOOGLE_PART_FIELDS, "content")
"""The fields a block of no type is read from (``_google_part``), all else kept as data."""


def _has_google_part_field(item: Any) -> bool:
    return any(field(item, name) is not None for name in _GOOGLE_PART_FIELDS)


def is_bare_part(item: Any) -> bool:
    """A Google part (an SDK ``Part`` or its dict) standing in a list of messages, with
    no role and no type of its own. Never raises: a message it cannot read is not one."""
    try:
        return (
            field(item, "role") is None
            and field(item, "type") is None
            and _has_google_part_field(item)
        )
    except Exception:
        return False


def group_parts(items: Any, default_role: str) -> Any:
    """``items`` with each run of bare Google parts, and the strings beside them, as one
    message, as google-genai sends ``contents=["Describe this", image_part]``: one user
    message, or an assistant message for a run of function calls. A run of strings
    alone stays a message per string. ``items`` itself when it holds no bare part."""
    if not any(type(item) is not str and is_bare_part(item) for item in items):
        return items
    out: list[Any] = []
    run: list[Any] = []
    calls = False

    def end_run() -> None:
        if all(type(item) is str for item in run):
            out.extend(run)
        else:
            out.append({"role": "assistant" if calls else default_role, "content": list(run)})
        run.clear()

    for item in items:
        text = type(item) is str
        if text or is_bare_part(item):
            call = not text and field(item, "function_call") is not None
            if run and call != calls:
                end_run()
            calls = call
            run.append(item)
        else:
            end_run()
            out.append(item)
    end_run()
    return out


def split_system(messages: list[Message]) -> tuple[list[Part], list[Message]]:
    """Separate system messages (their parts) from the conversation."""
    system: list[Part] = []
    rest: list[Message] = []
    for message in messages:
        if message.get("role") == "system":
            system.extend(message.get("parts", []))
        else:
            rest.append(message)
    return system, rest


def to_parts(content: Any, *, cut: bool = False) -> list[Part]:
    """Convert content (a string, a block, or a list of blocks) to parts. ``cut``: they
    are a message's own parts (not a system message's, which are counted) or a tool
    result's, so that inside ``within`` a long list of blocks is converted only as far
    as the room can show (``_parts_within``)."""
    if content is None:
        return []
    if isinstance(content, str):
        return [_text(content)] if content else []
    if isinstance(content, (bytes, bytearray, memoryview)):
        return [_blob("document", "application/octet-stream")]
    items = as_list(content)
    if items is None:
        items = [content]
    elif cut and len(items) > _MANY_PARTS:
        bounded = _conversion.bounded
        if bounded is not None:
            return _parts_within(items, bounded)
    parts: list[Part] = []
    for item in items:
        parts.extend(_block_parts(item))
    return parts


_MANY_PARTS = 64
"""Blocks of a content above which its parts may be cut short (inside ``within``)."""


def _parts_within(items: list[Any], bounded: Bounded) -> list[Part]:
    """``to_parts(items)`` while the parts' lower bounds once written may fit the room,
    and one more block's (the next that makes any: a ``None`` makes none, and the parts
    kept would then not tell ``fit`` that more were cut): ``fit`` never reads further.
    The blocks after it are left out only when none of them could fail (``_plain_block``:
    a failure makes the message a placeholder) and the parts kept are not all tool
    results (which make a user's message a tool message); else all are converted, as
    before."""
    room = bounded.room
    count = len(items)
    parts: list[Part] = []
    total = 1
    for index, item in enumerate(items):
        for part in _block_parts(item):
            parts.append(part)
            # Measured without media, as a tool result's parts are sent: as low a bound
            # for a message's own parts, which keep it.
            total += bounded.floor(_text_without_media(part), room) + 1
        if total > room and index + 2 < count:
            start = index + 1
            if _plain_blocks(items, start):
                while start < count:
                    more = _block_parts(items[start])
                    parts.extend(more)
                    start += 1
                    if more:
                        break
                if any(part.get("type") != "tool_call_response" for part in parts):
                    bounded.cuts += 1
                    return parts  # its role stays what all its parts would make it
            for rest in islice(items, start, None):
                parts.extend(_block_parts(rest))
            return parts
    return parts


def _plain_blocks(items: list[Any], start: int) -> bool:
    """Whether every item from ``start`` on is a ``_plain_block``."""
    try:
        return all(map(_plain_block, islice(items, start, None)))
    except Exception:  # a key posing as ``type``
        return False


def _plain_block(item: Any) -> bool:
    """Whether ``_block_parts`` cannot fail on ``item``, told without converting it:
    text, a text block, or a block of a type no handler reads, or of no type and none of
    the fields a Google part (or nested content) is read from, which is kept as data."""
    if type(item) is str:
        return True
    if type(item) is dict:  # the commonest, by its keys
        kind = item.get("type")
        if kind is None:
            return item.keys().isdisjoint(_NESTING_FIELDS)
    elif isinstance(item, Mapping):
        return False
    else:
        kind = field(item, "type")
        if kind is None:
            return not _has_google_part_field(item)
    return type(kind) is str and (
        kind in _TEXT_BLOCKS or (kind not in _BLOCK_HANDLERS and kind not in _PART_TYPES)
    )


def _nested_parts(content: Any, *, cut: bool = False) -> list[Part]:
    """``to_parts`` of content held in a block (a document's, a tool result's, a part's):
    past ``MAX_NESTING`` blocks deep it raises ``RecursionError`` itself, at the same
    depth however deep the caller's stack is, so that a reply converts the same whichever
    way it is read (from its models' fields or by shape, a few calls apart), never
    converted on one and a placeholder on the other."""
    depth = _conversion.depth
    if depth >= MAX_NESTING:
        raise RecursionError("content nested too deep")
    _conversion.depth = depth + 1
    try:
        return to_parts(content, cut=cut)
    finally:
        _conversion.depth = depth


MAX_NESTING = MAX_DEPTH
"""How many blocks deep content held in blocks is converted (beyond, the message is a
placeholder), as deep as ``jsonable`` copies; each level takes a few frames of the
interpreter's stack."""


class _Conversion(threading.local):
    """What a conversion of messages in progress in each thread carries down to its
    parts: how many blocks deep ``_nested_parts`` is, and the bounded conversion
    ``within`` runs (none outside it)."""

    depth = 0
    bounded: Optional[Bounded] = None


_conversion = _Conversion()


def within(bounded: Optional[Bounded], convert: Callable[..., T], *args: Any) -> T:
    """``convert(*args)``, a conversion of messages, with what their parts hold (a tool's
    result, a block's data, a long list of blocks) converted only as far as
    ``bounded``'s room can show: what it makes, once scrubbed by ``bounded``'s scrubber
    and fitted into that room or less, is the same text as the whole conversion's
    (``bounded.cuts`` tells whether anything was cut short). Never for what a redaction
    hook is to see: it must see all of it."""
    previous = _conversion.bounded
    _conversion.bounded = bounded
    try:
        return convert(*args)
    finally:
        _conversion.bounded = previous


def _data(value: Any) -> Any:
    """``without_media(jsonable(value))``, what a part holds as data: inside ``within``,
    only as far as the room can show (``Bounded.value``)."""
    bounded = _conversion.bounded
    if bounded is None:
        return without_media(jsonable(value))
    return bounded.value(value)


def system_parts(system: Any) -> list[Part]:
    """Parts of a separately passed system prompt (string, blocks, or messages). One
    message with ``parts`` (Google's ``Content``, as ``system_instruction`` takes it) is
    read as a message too, not as a block of unknown type."""
    if system is None:
        return []
    items = as_list(system)
    if items is None and not isinstance(system, str) and has_field(system, "parts"):
        items = [system]
    if items is not None and items and all(_looks_like_message(item) for item in items):
        parts: list[Part] = []
        for message in _convert_messages(items, "system"):
            parts.extend(message["parts"])
        return parts
    return to_parts(system)


# --- messages ---------------------------------------------------------------------------


def _convert_messages(messages: Any, default_role: str) -> list[Message]:
    if messages is None:
        return []
    if isinstance(messages, str):
        return [{"role": default_role, "parts": [_text(messages)]}]
    items = as_sequence(messages)
    if items is None:
        contents = field(messages, "contents")
        if contents is not None:
            return _convert_messages(contents, default_role)
        items = [messages]
    else:
        items = group_parts(items, default_role)
    out: list[Message] = []
    for item in items:
        out.extend(convert_item(item, default_role))
    return out


def convert_item(item: Any, default_role: str) -> list[Message]:
    """One item of a conversation as messages (usually one); a placeholder message when
    it cannot be read."""
    try:
        return _merge_tool_roles(_convert_one(item, default_role))
    except Exception:
        return [_unconvertible(default_role)]


UNCONVERTIBLE = "[unconvertible message]"


def _unconvertible(role: str) -> Message:
    """What stands for a message that could not be read: never its repr, which could
    carry what scrubbing would have removed."""
    return {"role": role, "parts": [{"type": "text", "content": UNCONVERTIBLE}]}


def _looks_like_message(item: Any) -> bool:
    return isinstance(item, str) or any(
        has_field(item, key) for key in ("role", "parts", "content", "type")
    )


def _convert_one(item: Any, default_role: str) -> list[Message]:
    if isinstance(item, str):
        return [{"role": default_role, "parts": [_text(item)]}]
    plain = _plain_text_message(item, default_role)
    if plain is not None:
        role, content = plain
        parts = [{"type": "text", "content": content}] if content else []
        return [{"role": role, "parts": parts}]
    item_type = field(item, "type")
    role = field(item, "role")

    if role is None and (
        item_type in _NOT_CONVERSATION or (item_type is None and _is_item_reference(item))
    ):
        return []
    if role is None and item_type == "mcp_approval_response":
        return [_mcp_approval_response(item)]
    if item_type in _RESPONSES_CALLS:
        return [{"role": "assistant", "parts": [_tool_call_from_responses(item)]}]
    if item_type in _RESPONSES_OUTPUTS:
        part = {
            "type": "tool_call_response",
            "id": safe_str(field(item, "call_id") or ""),
            "response": _response_value(field(item, "output")),
        }
        return [{"role": "tool", "parts": [part]}]
    if item_type == "reasoning" and role is None:
        return [{"role": "assistant", "parts": _reasoning_item_parts(item)}]
    if role is None and _is_built_in_call(item_type):
        return [{"role": "assistant", "parts": [_built_in_call(item, item_type)]}]
    if role is None and isinstance(item_type, str) and item_type.endswith("_call_output"):
        output = field(item, "output")
        typed = field(output, "type") in _BLOCK_HANDLERS
        part = {
            "type": "tool_call_response",
            "id": safe_str(field(item, "call_id") or field(item, "id") or ""),
            "response": to_parts([output]) if typed else _response_value(output),
        }
        return [{"role": "tool", "parts": [part]}]

    if role is None and isinstance(item_type, str) and _is_langchain_type(item_type):
        return [_langchain_message(item, item_type)]
    if role is None and isinstance(item_type, str) and item_type in _BLOCK_HANDLERS:
        return [{"role": default_role, "parts": _block_parts(item)}]

    parts_field = field(item, "parts")
    if isinstance(parts_field, (list, tuple)) and (role is not None or item_type is None):
        message: Message = {
            "role": normalize_role(role, default_role),
            "parts": part_list_parts(parts_field),
        }
        finish_reason = field(item, "finish_reason")
        if isinstance(finish_reason, str):
            message["finish_reason"] = finish_reason
        return [message]

    if role is None and item_type is None and not has_field(item, "content"):
        if isinstance(item, Mapping) or parts_field is not None:
            return [{"role": default_role, "parts": to_parts(item)}]
        return [{"role": default_role, "parts": _object_parts(item)}]

    normalized = normalize_role(role, default_role)
    content = field(item, "content")
    parts = to_parts(content, cut=normalized != "system")
    if normalized == "tool":
        parts = _tool_result_parts(item, content, parts)
    refusal = field(item, "refusal")
    if isinstance(refusal, str) and refusal:
        parts.append(_text(refusal))
    audio = field(item, "audio")
    if audio is not None:
        parts.extend(audio_parts(field(audio, "transcript")))
    reasoning = reasoning_text(item, field)
    if reasoning:
        parts.insert(0, _reasoning(reasoning))
    for call in as_list(field(item, "tool_calls")) or []:
        parts.append(_tool_call(call))
    function_call = field(item, "function_call")
    if function_call is not None:
        parts.append(_tool_call(function_call))
    return [{"role": normalized, "parts": parts}]


def reasoning_text(item: Any, read: Callable[[Any, str], Any]) -> Optional[str]:
    """An OpenAI-compatible message's (or delta's) reasoning, read by ``read``: its
    ``reasoning_content`` (DeepSeek's, and vLLM's before 0.10), else its ``reasoning``
    (vLLM's since, OpenRouter's, Groq's), when text; one of them, not both, as a server
    sending both sends the same text twice."""
    reasoning = read(item, "reasoning_content")
    if isinstance(reasoning, str) and reasoning:
        return reasoning
    reasoning = read(item, "reasoning")
    return reasoning if isinstance(reasoning, str) and reasoning else None


def _tool_result_parts(item: Any, content: Any, content_parts: list[Part]) -> list[Part]:
    """A tool message's content as its one ``tool_call_response`` (the content kept as
    the response, not as parts), when it answers a call (a ``tool_call_id``) or has
    content; else no part. What lies beside the content (reasoning, a refusal, an audio
    transcript, tool calls) is added by the caller, as for any role: a tool message of
    only those is not an empty tool result."""
    call_id = field(item, "tool_call_id")
    if call_id is None and not content_parts:
        return []
    return [
        {
            "type": "tool_call_response",
            "id": safe_str(call_id or field(item, "name") or ""),
            "response": _response_value(content),
        }
    ]


# An MCP approval request is the call the model asks the user to allow: a tool call
# (its id, the MCP tool's name and its JSON arguments), as the model's other calls are.
_RESPONSES_CALLS = ("function_call", "custom_tool_call", "mcp_approval_request")
_RESPONSES_OUTPUTS = ("function_call_output", "custom_tool_call_output")
# Responses API items holding nothing of the conversation: a reference to an item the
# API stores, a compaction's encrypted summary (or the request for one), an MCP
# server's list of tools. Dropped: no message stands for them (an empty one would be
# noise). A tuple, not a set: an item's type may be any value, even unhashable.
_NOT_CONVERSATION = ("item_reference", "compaction", "compaction_trigger", "mcp_list_tools")


def _is_item_reference(item: Any) -> bool:
    """A Responses API item that only refers to a stored item by its id, its type (which
    may be left out) not given: ``{"id": "msg_1"}``, or the SDK's ``ItemReference`` of
    only an id. Every other key or declared field must be empty."""
    names = item.keys() if isinstance(item, Mapping) else declared_fields(type(item))
    return (
        names is not None
        and type(field(item, "id")) is str
        and all(field(item, name) is None for name in names if name != "id")
    )


def _mcp_approval_response(item: Any) -> Message:
    """The user's answer to an ``mcp_approval_request``: a user message saying which
    request was approved or denied, and why when a reason is given. Text, not a
    ``tool_call_response``: the decision is the user's, not the MCP tool's result (a
    later ``mcp_call`` holds that), and a message of tool results alone is sent as the
    tool's. An ``approve`` that is not a boolean is not guessed: the text says
    "answered"."""
    approve = field(item, "approve")
    decision = "approved" if approve is True else "denied" if approve is False else "answered"
    request = safe_str(field(item, "approval_request_id") or "")
    reason = safe_str(field(item, "reason") or "")
    text = f"MCP tool call {decision}" + (f" (request {request})" if request else "")
    return {"role": "user", "parts": [_text(f"{text}: {reason}" if reason else text)]}


def _is_built_in_call(item_type: Any) -> bool:
    """A Responses API item of a built-in tool's call (``web_search_call``,
    ``file_search_call``, ``code_interpreter_call``, ``computer_call``, ``mcp_call``...)."""
    return (
        isinstance(item_type, str)
        and item_type.endswith("_call")
        and item_type not in _BLOCK_HANDLERS
        and item_type not in _PART_TYPES
    )


def _built_in_call(item: Any, item_type: str) -> Part:
    """A built-in tool's call as a ``tool_call``: named by its ``name`` (an MCP tool) or
    its type, with what it was asked (never its results, which may be an image)."""
    asked = (
        field(item, "arguments"),
        field(item, "args"),
        field(item, "action"),
        field(item, "queries"),
        field(item, "code"),
        field(item, "input"),
    )
    arguments = next((value for value in asked if value is not None), None)
    return {
        "type": "tool_call",
        "id": safe_str(field(item, "call_id") or field(item, "id") or ""),
        "name": safe_str(field(item, "name") or item_type[: -len("_call")]),
        "arguments": call_arguments(arguments) if arguments is not None else {},
    }


def may_be_system(item: Any, default_role: str) -> bool:
    """Whether ``convert_item`` may make ``item`` a system message, told without
    converting it: ``False`` only for a dict whose role says it is not (read as
    ``_convert_one`` reads it; a Responses tool item is never one)."""
    if type(item) is not dict:
        return True
    try:
        role = item.get("role")
        if type(role) is not str:
            return True
        item_type = item.get("type")
        return (
            ROLE_ALIASES.get(role.lower(), default_role) == "system"
            and item_type not in _RESPONSES_CALLS
            and item_type not in _RESPONSES_OUTPUTS
        )
    except Exception:  # a key posing as the role, a type that cannot be compared
        return True


def _plain_text_message(item: Any, default_role: str) -> Optional[tuple[str, str]]:
    """(role, text) of the most common message, a plain ``{role, content}`` text dict
    that is not a tool result; ``None`` for anything else."""
    if type(item) is not dict or len(item) != 2:
        return None
    role, content = item.get("role"), item.get("content")
    if type(role) is not str or type(content) is not str:
        return None
    normalized = ROLE_ALIASES.get(role.lower(), default_role)
    if normalized == "tool":
        return None
    text = clean_text(content)
    return normalized, text_media_removed(text) if (";" in text and ";base64," in text) else text


def _merge_tool_roles(messages: list[Message]) -> list[Message]:
    """A user message made only of tool results (Anthropic, Google) is a tool message."""
    for message in messages:
        parts = message["parts"]
        if (
            message["role"] == "user"
            and parts
            and all(p.get("type") == "tool_call_response" for p in parts)
        ):
            message["role"] = "tool"
    return messages


def _is_langchain_type(item_type: str) -> bool:
    return item_type in ("human", "ai", "system", "tool", "AIMessageChunk", "function", "chat")


def _langchain_message(item: Any, item_type: str) -> Message:
    role = "assistant" if item_type == "AIMessageChunk" else normalize_role(item_type)
    if item_type == "chat":
        role = normalize_role(field(item, "role"))
    if role == "tool":
        part = {
            "type": "tool_call_response",
            "id": safe_str(field(item, "tool_call_id") or field(item, "name") or ""),
            "response": _response_value(field(item, "content")),
        }
        return {"role": "tool", "parts": [part]}
    parts = to_parts(field(item, "content"), cut=role != "system")
    # A v1 message holds each tool call in its content too: sent once.
    given = {
        ident
        for part in parts
        if part.get("type") == "tool_call" and isinstance(ident := part.get("id"), str) and ident
    }
    # Calls whose arguments did not parse (``invalid_tool_calls``) are calls the model
    # made all the same: their arguments are sent as the text it wrote.
    calls = (as_list(field(item, "tool_calls")) or []) + (
        as_list(field(item, "invalid_tool_calls")) or []
    )
    for call in calls:
        ident = safe_str(field(call, "id") or "")
        if ident in given:
            continue
        parts.append(
            {
                "type": "tool_call",
                "id": ident,
                "name": safe_str(field(call, "name") or ""),
                "arguments": call_arguments(field(call, "args")),
            }
        )
    return {"role": role, "parts": parts}


def _reasoning_item_parts(item: Any) -> list[Part]:
    """A Responses API reasoning item, or LangChain's standard reasoning block (its text
    under ``reasoning``), as one reasoning part."""
    reasoning = field(item, "reasoning")
    texts = [reasoning] if isinstance(reasoning, str) and reasoning else []
    texts += [safe_str(field(s, "text") or "") for s in as_list(field(item, "summary")) or []]
    texts += [safe_str(field(c, "text") or "") for c in as_list(field(item, "content")) or []]
    text = "\n".join(t for t in texts if t)
    if not text and field(item, "encrypted_content"):
        text = "[encrypted]"
    return [_reasoning(text)]


# --- parts ------------------------------------------------------------------------------


def _text(content: str) -> Part:
    """A text part: its base64 data URLs replaced (``text_media_removed``), as every
    path writing a message's text replaces them."""
    text = safe_str(content)
    if ";" in text and ";base64," in text:  # (tested here: the call costs more than the test)
        text = text_media_removed(text)
    return {"type": "text", "content": text}


def _reasoning(content: str) -> Part:
    """A reasoning part, its data URLs replaced as a text part's are."""
    return {"type": "reasoning", "content": text_media_removed(safe_str(content))}


def _blob(modality: str, mime_type: Optional[str]) -> Part:
    part: Part = {"type": "blob", "modality": modality, "content": BLOB_SUBSTITUTE}
    if mime_type:
        part["mime_type"] = mime_type
    return part


def audio_parts(transcript: Any) -> list[Part]:
    """An OpenAI audio answer (``message.audio``): its transcript as text, the sound
    itself as a substituted blob."""
    parts = [_text(transcript)] if isinstance(transcript, str) and transcript else []
    parts.append(_blob("audio", None))
    return parts


def _modality(mime_type: Optional[str], default: str = "document") -> str:
    if mime_type:
        head = mime_type.split("/", 1)[0].lower()
        if head in ("image", "audio", "video"):
            return head
    return default


def _media(url: Any, default_modality: str, mime_type: Optional[str] = None) -> Part:
    """A ``blob`` for data: URLs (content replaced), a ``uri`` part otherwise."""
    text = safe_str(url)
    if text.startswith("data:"):
        declared = text[5:].split(";", 1)[0].split(",", 1)[0] or mime_type
        return _blob(_modality(declared, default_modality), declared)
    part: Part = {"type": "uri", "modality": _modality(mime_type, default_modality), "uri": text}
    if mime_type:
        part["mime_type"] = mime_type
    return part


def _file(file_id: Any, modality: str, mime_type: Optional[str] = None) -> Part:
    part: Part = {"type": "file", "modality": modality, "file_id": safe_str(file_id)}
    if mime_type:
        part["mime_type"] = mime_type
    return part


def _tool_call(call: Any) -> Part:
    """OpenAI chat ``tool_calls`` entry (a function's or a custom tool's), legacy
    ``function_call``, or a generic call. A custom tool's call holds its name and its
    ``input`` (free text) under ``custom``: the input is its arguments, read as a
    Responses API ``custom_tool_call``'s is (JSON when it parses as JSON, else text)."""
    function = field(call, "function")
    if function is None:
        function = field(call, "custom")
    source = function if function is not None else call
    arguments = field(source, "arguments")
    if arguments is None:
        arguments = field(source, "args", field(source, "input"))
    return {
        "type": "tool_call",
        "id": safe_str(field(call, "id") or ""),
        "name": safe_str(field(source, "name") or ""),
        "arguments": call_arguments(arguments),
    }


def _tool_call_from_responses(item: Any) -> Part:
    arguments = field(item, "arguments")
    if arguments is None:
        arguments = field(item, "input")
    return {
        "type": "tool_call",
        "id": safe_str(field(item, "call_id") or field(item, "id") or ""),
        "name": safe_str(field(item, "name") or ""),
        "arguments": call_arguments(arguments),
    }


def _response_value(value: Any) -> Any:
    """A tool result for ``tool_call_response``: text stays text, blocks become parts.
    Media in it is never sent, as a tool span sends the same result: a data URL, or
    media in JSON text or in a structure, becomes the blob substitute."""
    if value is None or isinstance(value, str):
        return text_without_media(clean_text(value)) if value is not None else ""
    items = as_list(value)
    if items is not None and items and all(has_field(i, "type") for i in items):
        return [_text_without_media(part) for part in _nested_parts(items, cut=True)]
    return _data(value)


def _text_without_media(part: Part) -> Part:
    """A tool result's text part with its media left out (``text_without_media``)."""
    content = part.get("content")
    if part.get("type") != "text" or type(content) is not str:
        return part
    cleaned = text_without_media(content)
    return part if cleaned is content else {**part, "content": cleaned}


def part_list_parts(parts: Any) -> list[Part]:
    """A message's ``parts`` (role/parts parts, Google parts or any blocks) as parts: a
    role/parts part given as a mapping passed through, anything else converted as a block."""
    out: list[Part] = []
    for part in parts:
        part_type = field(part, "type")
        if part_type in _PART_TYPES and isinstance(part, Mapping) and _is_own_part(part):
            out.append(_validated_part(part))
        else:
            out.extend(_block_parts(part))
    return out


def _is_own_part(part: Mapping[str, Any]) -> bool:
    """Whether a mapping typed as a role/parts part is one, not a LangChain standard block
    of the same type: its ``tool_call`` holds ``args`` (ours ``arguments``), its
    ``reasoning`` its text under ``reasoning`` (ours under ``content``), and its ``file``
    no ``modality``."""
    kind = part.get("type")
    if kind == "tool_call":
        return "arguments" in part or "args" not in part
    if kind == "reasoning":
        return "content" in part or "reasoning" not in part
    if kind == "file":
        return "file_id" in part and "modality" in part
    return True


def _validated_part(part: Mapping[str, Any]) -> Part:
    """A role/parts part passed through, with binary content substituted, and the media
    a tool call's arguments or a tool's response hold left out as any provider's are."""
    clean: Part = jsonable(part)
    kind = clean.get("type")
    if kind == "blob":
        clean["content"] = BLOB_SUBSTITUTE
    elif kind == "tool_call" and "arguments" in clean:
        clean["arguments"] = without_media(clean["arguments"])
    elif kind == "tool_call_response" and "response" in clean:
        clean["response"] = without_media(clean["response"])
    if kind == "uri" and safe_str(clean.get("uri", "")).startswith("data:"):
        return _media(clean["uri"], clean.get("modality") or "document", clean.get("mime_type"))
    if kind in ("text", "reasoning"):
        content = clean.get("content", "")
        clean["content"] = text_media_removed(
            content if isinstance(content, str) else safe_str(content)
        )
    return clean


def _block_parts(block: Any) -> list[Part]:
    """One content block of any provider (or a Google part) as parts."""
    if block is None:
        return []
    if isinstance(block, str):
        return [_text(block)]
    if isinstance(block, (bytes, bytearray, memoryview)):
        return [_blob("document", "application/octet-stream")]
    block_type = field(block, "type")
    if block_type is None:
        return _google_part(block)
    if (
        block_type in _PART_TYPES
        and block_type != "text"
        and isinstance(block, Mapping)
        and _is_own_part(block)
    ):
        return [_validated_part(block)]
    handler = _BLOCK_HANDLERS.get(safe_str(block_type))
    if handler is not None:
        return handler(block)
    return [_unknown_part(block)]


def _text_block(block: Any) -> list[Part]:
    text = field(block, "text")
    if text is None:
        text = field(block, "content", "")
    return [_text(safe_str(text))]


def _refusal_block(block: Any) -> list[Part]:
    return [_text(safe_str(field(block, "refusal") or ""))]


def _openai_image_url(block: Any) -> list[Part]:
    image = field(block, "image_url")
    url = field(image, "url") if image is not None and not isinstance(image, str) else image
    if url is None and field(block, "file_id") is not None:
        return [_file(field(block, "file_id"), "image")]
    return [_media(url or "", "image")]


def _openai_input_audio(block: Any) -> list[Part]:
    audio = field(block, "input_audio")
    audio_format = field(audio, "format")
    return [_blob("audio", f"audio/{audio_format}" if audio_format else None)]


def _spoken(sound: Callable[[Any], list[Part]]) -> Callable[[Any], list[Part]]:
    """A handler of an audio block that may hold its ``transcript`` (OpenAI's Realtime
    API: ``audio``, ``input_audio``, ``output_audio``): the transcript as text, as an
    audio answer's is, then the sound as ``sound`` reads it when the block holds it (its
    base64 ``audio`` or ``data``, a Chat Completions ``input_audio``, a LangChain
    ``url`` or ``file_id``). A block without a transcript is its sound alone."""

    def parts(block: Any) -> list[Part]:
        transcript = field(block, "transcript")
        if not isinstance(transcript, str) or not transcript:
            return sound(block)
        read = [_text(transcript)]
        if (
            field(block, "audio") is not None
            or field(block, "data") is not None
            or field(block, "input_audio") is not None
            or field(block, "url") is not None
            or field(block, "file_id") is not None
        ):
            read.extend(sound(block))
        return read

    return parts


def _audio_data_block(block: Any) -> list[Part]:
    """LangChain's standard ``audio`` block, or a Realtime API audio block's sound."""
    return _data_block(block, "audio")


def _openai_file(block: Any) -> list[Part]:
    """An OpenAI file block (its file under ``file``, or ``input_file``'s own fields), or
    LangChain's standard file block (``file_id``, ``url`` or ``base64``, ``mime_type``)."""
    inner = field(block, "file")
    source = inner if inner is not None else block
    if field(source, "file_url") is not None:
        return [_media(field(source, "file_url"), "document")]
    data = field(source, "file_data")
    if isinstance(data, str) and data.startswith("data:"):
        return [_media(data, "document")]
    return _data_block(source, "document")


def _data_block(block: Any, default: str) -> list[Part]:
    """LangChain's standard image, audio, video or file block: the file it names
    (``file_id``), its ``url``, or its data (``base64``, never sent), with its
    ``mime_type``."""
    mime_type = field(block, "mime_type")
    mime = safe_str(mime_type) if mime_type else None
    modality = _modality(mime, default)
    file_id = field(block, "file_id")
    if file_id is not None:
        return [_file(file_id, modality, mime)]
    url = field(block, "url")
    if url is not None:
        return [_media(url, modality, mime)]
    return [_blob(modality, mime)]


def _plain_text_block(block: Any) -> list[Part]:
    """LangChain's standard ``text-plain`` block: a document given as its text, or as
    any file block."""
    text = field(block, "text")
    return [_text(text)] if isinstance(text, str) else _data_block(block, "document")


def _anthropic_source(block: Any) -> list[Part]:
    """An Anthropic image or document (its ``source``), or LangChain's standard image
    block (no ``source``)."""
    default = "image" if field(block, "type") == "image" else "document"
    source = field(block, "source")
    if source is None:
        return _data_block(block, default)
    source_type = field(source, "type")
    media_type = field(source, "media_type")
    mime = safe_str(media_type) if media_type else None
    if source_type == "url":
        return [_media(field(source, "url") or "", default, mime)]
    if source_type == "file":
        return [_file(field(source, "file_id") or "", _modality(mime, default), mime)]
    if source_type == "text":
        return [_text(safe_str(field(source, "data") or ""))]
    if source_type == "content":
        return _nested_parts(field(source, "content"))
    return [_blob(_modality(mime, default), mime)]


def _anthropic_tool_use(block: Any) -> list[Part]:
    return [
        {
            "type": "tool_call",
            "id": safe_str(field(block, "id") or ""),
            "name": safe_str(field(block, "name") or ""),
            "arguments": call_arguments(field(block, "input")),
        }
    ]


def _anthropic_tool_result(block: Any) -> list[Part]:
    return [
        {
            "type": "tool_call_response",
            "id": safe_str(field(block, "tool_use_id") or ""),
            "response": _response_value(field(block, "content")),
        }
    ]


def _server_tool_result(block: Any) -> list[Part]:
    """LangChain's standard ``server_tool_result``: the answer to its ``tool_call_id``."""
    return [
        {
            "type": "tool_call_response",
            "id": safe_str(field(block, "tool_call_id") or ""),
            "response": _response_value(field(block, "output")),
        }
    ]


def thinking_text(thinking: Any) -> str:
    """A thinking block's text: Anthropic's string, or Mistral's list of text chunks
    joined (not the list's repr)."""
    if isinstance(thinking, (list, tuple)):
        texts = (field(chunk, "text") for chunk in thinking)
        return "".join(text for text in texts if isinstance(text, str))
    return safe_str(thinking or "")


def _thinking(block: Any) -> list[Part]:
    return [_reasoning(thinking_text(field(block, "thinking")))]


def _redacted_thinking(block: Any) -> list[Part]:
    return [{"type": "reasoning", "content": "[redacted]"}]


def _google_part(part: Any) -> list[Part]:
    text = field(part, "text")
    if isinstance(text, str):
        return [_reasoning(text) if field(part, "thought") is True else _text(text)]
    media = google_media(field(part, "inline_data"), field(part, "file_data"))
    if media is not None:
        return [media]
    # Gemini's calls usually have no id: a call and its response are then both known by
    # the function's name.
    call = field(part, "function_call")
    if call is not None:
        return [
            {
                "type": "tool_call",
                "id": safe_str(field(call, "id") or field(call, "name") or ""),
                "name": safe_str(field(call, "name") or ""),
                "arguments": call_arguments(field(call, "args")),
            }
        ]
    response = field(part, "function_response")
    if response is not None:
        return [
            {
                "type": "tool_call_response",
                "id": safe_str(field(response, "id") or field(response, "name") or ""),
                "response": _data(field(response, "response")),
            }
        ]
    if isinstance(part, Mapping) and "content" in part:
        return _nested_parts(part["content"])
    return [_unknown_part(part)]


def google_media(inline: Any, file_data: Any) -> Optional[Part]:
    """A Google part's media: its ``inline_data`` as a ``blob`` (the bytes never sent),
    else its ``file_data`` as a ``uri`` part; ``None`` when it holds neither."""
    if inline is not None:
        mime = field(inline, "mime_type")
        return _blob(_modality(mime), safe_str(mime) if mime else None)
    if file_data is not None:
        mime = field(file_data, "mime_type")
        uri = field(file_data, "file_uri") or ""
        return _media(uri, _modality(mime), safe_str(mime) if mime else None)
    return None


def _object_parts(item: Any) -> list[Part]:
    """An object that is not a message, in a list of messages: a Google part (``contents``
    may hold bare parts) read as one; any other object as its fields, scrubbed like any
    structured part, or as its text when it has no fields. Never its ``repr``, which would
    show what scrubbing removes (or an image's bytes)."""
    parts = _google_part(item)
    unstructured = not isinstance(parts[0].get("content"), (dict, list))
    if len(parts) == 1 and parts[0]["type"] == "unknown" and unstructured:
        return [_text(safe_str(item))]
    return parts


def _unknown_part(block: Any) -> Part:
    """A block of a type we do not know, kept as structure (so secrets in it are scrubbed
    like any structured part): its own fields when it has a ``type``, else under
    ``content`` of a part typed ``unknown``."""
    data = _data(block)
    if isinstance(data, dict):
        if "type" in data:
            kind = data["type"]
        elif type(block) is dict and len(data) < len(block) and "type" in block:
            # Cut short before its type (its keys are then plain text): read alone.
            kind = convert_at(block["type"], 1, {id(block)})
        else:
            kind = None
        if isinstance(kind, str) and kind:
            return data
    return {"type": "unknown", "content": data}


_SERVER_TOOL_RESULTS = (
    "web_search_tool_result",
    "web_fetch_tool_result",
    "code_execution_tool_result",
    "bash_code_execution_tool_result",
    "text_editor_code_execution_tool_result",
    "tool_search_tool_result",
    "mcp_tool_result",
)
"""Anthropic blocks holding a server tool's result for the ``tool_use_id`` of its call."""

_BLOCK_HANDLERS: dict[str, Callable[[Any], list[Part]]] = {
    **{name: _text_block for name in _TEXT_BLOCKS},
    "refusal": _refusal_block,
    "image_url": _openai_image_url,
    "input_image": _openai_image_url,
    "computer_screenshot": _openai_image_url,
    "input_audio": _spoken(_openai_input_audio),
    # OpenAI's Realtime API's spoken answer (``audio`` before its GA), and LangChain's
    # standard ``audio`` block.
    "audio": _spoken(_audio_data_block),
    "output_audio": _spoken(_audio_data_block),
    "file": _openai_file,
    "input_file": _openai_file,
    "image": _anthropic_source,
    "document": _anthropic_source,
    "tool_use": _anthropic_tool_use,
    "server_tool_use": _anthropic_tool_use,
    # A call Anthropic's MCP connector made (beta), answered by an ``mcp_tool_result``.
    "mcp_tool_use": _anthropic_tool_use,
    "tool_result": _anthropic_tool_result,
    # The results of Anthropic's server tools, answers to their server_tool_use calls.
    **{name: _anthropic_tool_result for name in _SERVER_TOOL_RESULTS},
    "thinking": _thinking,
    "redacted_thinking": _redacted_thinking,
    "reasoning": _reasoning_item_parts,
    "function_call": lambda block: [_tool_call_from_responses(block)],
    "tool_call": lambda block: [_tool_call(block)],
    # LangChain's standard blocks (langchain_core.messages.content) of types no
    # provider's blocks have.
    "video": lambda block: _data_block(block, "video"),
    "text-plain": _plain_text_block,
    "tool_call_chunk": lambda block: [_tool_call(block)],
    "invalid_tool_call": lambda block: [_tool_call(block)],
    "server_tool_call": lambda block: [_tool_call(block)],
    "server_tool_call_chunk": lambda block: [_tool_call(block)],
    "server_tool_result": _server_tool_result,
}


__all__ = [
    "ROLE_ALIASES",
    "UNCONVERTIBLE",
    "Message",
    "Part",
    "audio_parts",
    "convert_item",
    "google_media",
    "group_parts",
    "is_bare_part",
    "may_be_system",
    "messages_made",
    "newest_output_messages",
    "normalize_role",
    "output_messages",
    "part_list_parts",
    "reasoning_text",
    "split_system",
    "system_parts",
    "thinking_text",
    "to_gen_ai_messages",
    "to_parts",
    "within",
]
