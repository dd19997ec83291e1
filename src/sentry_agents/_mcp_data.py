"""MCP data shaping, read by shape without importing ``mcp``: span names per method,
``initialize`` info, tool / prompt results, request arguments and notification params as
attributes, and trace context in a request's ``_meta``.

Trace context travels in ``_meta`` as Sentry's ``sentry-trace`` and ``baggage`` (what
sentry-sdk reads and writes) and as W3C ``traceparent``, which the MCP specification
reserves for trace context and OpenTelemetry-instrumented MCP servers read. Pure
functions, no sentry-sdk import.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from itertools import islice
from typing import Any, NamedTuple, Optional

from . import _keys as keys
from ._budget import MIN_BUDGET, fit, size
from ._jsonable import BLOB_SUBSTITUTE, field, finite_number, instance_of, jsonable, safe_str
from ._privacy import Scrubber, filter_uri

Attributes = dict[str, Any]

SENTRY_TRACE = "sentry-trace"
BAGGAGE = "baggage"
TRACEPARENT = "traceparent"

JSONRPC_VERSION = "2.0"

MAX_BAGGAGE_BYTES = 8192
"""W3C Baggage's limit: a client's larger baggage is not continued (it would go into the
envelope's trace header and into every request sent onward)."""

# Methods whose span name and attributes carry a target, and the keys it goes under.
TARGET_KEYS: dict[str, tuple[str, ...]] = {
    "tools/call": (keys.TOOL_NAME, keys.MCP_TOOL_NAME),
    "prompts/get": (keys.PROMPT_NAME, keys.MCP_PROMPT_NAME),
    "resources/read": (keys.MCP_RESOURCE_URI,),
    "resources/subscribe": (keys.MCP_RESOURCE_URI,),
    "resources/unsubscribe": (keys.MCP_RESOURCE_URI,),
}

RESOURCE_METHODS = frozenset(m for m, k in TARGET_KEYS.items() if keys.MCP_RESOURCE_URI in k)
"""Methods whose target is a resource's URI."""

_NETWORK_TRANSPORTS = {
    "stdio": "pipe",
    "pipe": "pipe",
    "http": "tcp",
    "https": "tcp",
    "sse": "tcp",
    "streamable-http": "tcp",
    "streamable_http": "tcp",
    "streamablehttp": "tcp",
    "websocket": "tcp",
}
MAX_ARGUMENTS = 64
"""At most this many ``mcp.request.argument.<key>`` attributes per request (each is an
attribute of its own, and thousands of small ones fit any byte budget); the first ones
are kept."""
MAX_ARGUMENT_NAME = 128
"""Longest argument name in a key; see ``argument_key``."""
_NAME_HASH_BYTES = 4


def shown_target(method: str, target: Optional[str], scrubber: Scrubber) -> Optional[str]:
    """The target as the span name and attributes show it: a resource's URI with its
    credentials filtered (``filter_uri``), since the name and ``mcp.resource.uri`` are
    sent whatever the content gate says; a tool or prompt name as given."""
    if target is not None and method in RESOURCE_METHODS:
        return filter_uri(target, scrubber)
    return target


def argument_uri_filtered(arguments: Any, scrubber: Scrubber) -> Any:
    """A request's arguments with a resource URI under ``uri`` filtered as the target is,
    so ``mcp.request.argument.uri`` does not send what the span's name hides."""
    if isinstance(arguments, dict) and isinstance(arguments.get("uri"), str):
        return {**arguments, "uri": filter_uri(arguments["uri"], scrubber)}
    return arguments


def span_name(method: str, target: Optional[str]) -> str:
    """``{method} {target}`` for methods that have a target, else ``{method}``."""
    return f"{method} {target}" if target and method in TARGET_KEYS else method


def target_attributes(method: str, target: Optional[str]) -> Attributes:
    """The target under its current and deprecated keys; a resource's URI scheme too."""
    if not target or method not in TARGET_KEYS:
        return {}
    attributes: Attributes = dict.fromkeys(TARGET_KEYS[method], target)
    if keys.MCP_RESOURCE_URI in attributes:
        # Read by RFC 3986's grammar, not urlsplit: a filtered userinfo's brackets would
        # read as an IPv6 address that does not parse.
        scheme = _SCHEME.match(target)
        if scheme:
            attributes[keys.MCP_RESOURCE_PROTOCOL] = scheme[1].lower()
    return attributes


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


def network_transport(transport: Optional[str]) -> Optional[str]:
    """``pipe`` for stdio, ``tcp`` for HTTP-based MCP transports, else unknown (``None``)."""
    return _NETWORK_TRANSPORTS.get(transport.lower()) if transport else None


def _first(obj: Any, *names: str) -> Any:
    for name in names:
        value = field(obj, name)
        if value is not None:
            return value
    return None


def _text(value: Any) -> Optional[str]:
    if isinstance(value, str):
        return safe_str(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return safe_str(value)
    return None


def implementation(info: Any, side: str) -> Attributes:
    """``mcp.{side}.name|title|version`` from an ``Implementation`` (``clientInfo`` /
    ``serverInfo``), or from the ``initialize`` params or result holding one, as a dict or
    an object; ``side`` is ``client`` or ``server``."""
    if info is None:
        return {}
    named = _IMPLEMENTATION_KEYS[side]
    if isinstance(info, str):
        return {named["name"]: safe_str(info)}
    inner = _first(info, f"{side}Info", f"{side}_info")
    source = inner if inner is not None else info
    out: Attributes = {}
    for part, key in named.items():
        value = _text(field(source, part))
        if value:
            out[key] = value
    return out


_IMPLEMENTATION_KEYS = {
    "client": {
        "name": keys.MCP_CLIENT_NAME,
        "title": keys.MCP_CLIENT_TITLE,
        "version": keys.MCP_CLIENT_VERSION,
    },
    "server": {
        "name": keys.MCP_SERVER_NAME,
        "title": keys.MCP_SERVER_TITLE,
        "version": keys.MCP_SERVER_VERSION,
    },
}


def protocol_version(*sources: Any) -> Optional[str]:
    """The first ``protocolVersion`` found on the ``initialize`` params or result given."""
    for source in sources:
        if source is None or isinstance(source, str):
            continue
        value = _text(_first(source, "protocolVersion", "protocol_version"))
        if value:
            return value
    return None


def request_id(value: Any) -> Optional[str]:
    """A JSON-RPC id (string or number) as the string Sentry's keys take."""
    if value is None or type(value) is bool:
        return None
    return safe_str(value)


REQUEST_AT_FAULT = frozenset({-32700, -32600, -32601, -32602})
"""JSON-RPC's codes for a request at fault (parse error, invalid request, method not
found, invalid params): answers to the client, not failures of the server."""


def error_code(error: BaseException) -> Optional[int]:
    """The JSON-RPC error code an exception answers its request with: the ``mcp`` SDK's
    ``MCPError`` (``McpError`` before 2.0) holds its ``ErrorData`` as ``error``."""
    try:
        code = field(error.error, "code")  # type: ignore[attr-defined]
    except Exception:  # no ``error``, or one whose reading raises: no JSON-RPC answer
        return None
    return code if type(code) is int else None


# --- results ----------------------------------------------------------------------------


class ToolResult(NamedTuple):
    """What a ``CallToolResult`` says: its content blocks, structured content, and
    ``isError``. ``tool_result_content`` gives what to record of it."""

    blocks: list[Any]
    structured: Any
    is_error: bool


def is_call_tool_result(value: Any, *, by_shape: bool) -> bool:
    """Whether ``value`` is an MCP ``CallToolResult``: by its class name, or with
    ``by_shape`` (where an MCP tool call is known) anything with a ``content`` list."""
    if value is None or issubclass(type(value), (str, bytes, int, float)):
        return False  # by type: a value's ``__class__`` may raise
    if type(value).__name__ == "CallToolResult":
        return True
    return by_shape and instance_of(field(value, "content"), (list, tuple))


def tool_result(value: Any) -> ToolResult:
    """Read a ``CallToolResult`` (or its dict) by shape, without converting its content."""
    blocks = field(value, "content")
    return ToolResult(
        list(blocks) if isinstance(blocks, (list, tuple)) else [],
        _first(value, "structuredContent", "structured_content"),
        _first(value, "isError", "is_error") is True,
    )


def tool_result_content(result: ToolResult) -> Any:
    """The result as recorded: structured content when there is some, else the text of
    its text blocks (one per line), else its blocks as JSON without binary data."""
    if result.structured is not None:
        return jsonable(result.structured)
    blocks = result.blocks
    texts = [field(block, "text") for block in blocks]
    if blocks and all(
        field(block, "type") == "text" and isinstance(text, str)
        for block, text in zip(blocks, texts)
    ):
        return safe_str("\n".join(texts))
    return [content_block(block) for block in blocks]


def content_block(block: Any) -> Any:
    """One MCP content block as JSON, binary data (``data``, ``blob``) replaced by the
    blob substitute, embedded resources included."""
    data = jsonable(block)
    if not isinstance(data, dict):
        return data
    return _without_blobs(data)


def _without_blobs(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("data", "blob") and isinstance(value, str):
            out[key] = BLOB_SUBSTITUTE
        elif isinstance(value, dict):
            out[key] = _without_blobs(value)
        else:
            out[key] = value
    return out


class PromptResult(NamedTuple):
    """What a ``GetPromptResult`` says: its description, message count, and the role and
    content (unconverted, see ``prompt_content``) of its message when it has exactly one."""

    description: Optional[str]
    message_count: int
    role: Optional[str]
    content: Any


def is_prompt_result(value: Any) -> bool:
    return isinstance(field(value, "messages"), (list, tuple))


def prompt_result(value: Any) -> PromptResult:
    messages = list(field(value, "messages") or ())
    role = content = None
    if len(messages) == 1:
        role = _text(field(messages[0], "role"))
        content = field(messages[0], "content")
    description = _text(field(value, "description")) or None  # MCPServer sends "" for none
    return PromptResult(description, len(messages), role, content)


def prompt_content(block: Any) -> Any:
    """A prompt message's content as recorded: its text, else the block as JSON."""
    if isinstance(block, str):
        return safe_str(block)
    text = field(block, "text")
    return safe_str(text) if isinstance(text, str) else content_block(block)


def is_initialize_result(value: Any) -> bool:
    return _first(value, "serverInfo", "server_info") is not None


# --- arguments ------------------------------------------------------------------------------


def argument_key(name: str) -> str:
    """The attribute key of the argument ``name``: the name itself up to
    ``MAX_ARGUMENT_NAME`` characters; a longer one cut, and ended with ``~`` and a hash of
    the whole name, so names sharing their first characters keep keys of their own (the
    same name always gets the same key)."""
    if len(name) > MAX_ARGUMENT_NAME:
        digest = hashlib.blake2s(name.encode(), digest_size=_NAME_HASH_BYTES).hexdigest()
        name = f"{name[: MAX_ARGUMENT_NAME - len(digest) - 1]}~{digest}"
    return keys.mcp_argument(name)


def argument_attributes(arguments: Any, budget: int) -> Attributes:
    """``mcp.request.argument.<key>`` per argument (see ``argument_key``), each value as
    JSON (a string in quotes, as Sentry's SDKs send it): the first ``MAX_ARGUMENTS`` of
    them, names included, within ``budget`` bytes together (the first argument is always
    kept, its value within the least budget). When some are left out,
    ``sentry_agents.mcp.request.argument_count`` says how many the request had."""
    if not isinstance(arguments, dict):
        return {}
    out: Attributes = {}
    remaining = budget
    for key, value in islice(arguments.items(), MAX_ARGUMENTS):
        name = argument_key(safe_str(key))
        room = remaining - size(name)
        if room < MIN_BUDGET and out:
            break
        if name in out:
            continue  # a name that is another's cut key: neither replaces the other
        text = fit(value, room).text
        remaining = room - size(text)
        out[name] = text
    if len(out) < len(arguments):
        out[keys.MCP_REQUEST_ARGUMENT_COUNT] = len(arguments)
    return out


# --- notifications --------------------------------------------------------------------------

INITIALIZED = "notifications/initialized"
CANCELLED = "notifications/cancelled"
PROGRESS = "notifications/progress"
LOGGING = "notifications/message"


def notification_attributes(method: str, params: Any) -> Attributes:
    """The attributes a notification's params give (cancelled, progress, logging,
    initialized); the logging message itself is content, see ``logging_data``."""
    out: Attributes = {}
    if method == INITIALIZED:
        out[keys.MCP_LIFECYCLE_PHASE] = "initialization_complete"
        out[keys.MCP_PROTOCOL_READY] = 1
    if params is None:
        return out
    if method == CANCELLED:
        _put(
            out,
            keys.MCP_CANCELLED_REQUEST_ID,
            request_id(_first(params, "requestId", "request_id")),
        )
        _put(out, keys.MCP_CANCELLED_REASON, _text(field(params, "reason")))
    elif method == PROGRESS:
        _put(
            out,
            keys.MCP_PROGRESS_TOKEN,
            request_id(_first(params, "progressToken", "progress_token")),
        )
        current = finite_number(field(params, "progress"))
        total = finite_number(field(params, "total"))
        _put(out, keys.MCP_PROGRESS_CURRENT, current)
        _put(out, keys.MCP_PROGRESS_TOTAL, total)
        if current is not None and total:
            _put(out, keys.MCP_PROGRESS_PERCENTAGE, finite_number(current / total * 100))
        _put(out, keys.MCP_PROGRESS_MESSAGE, _text(field(params, "message")))
    elif method == LOGGING:
        _put(out, keys.MCP_LOGGING_LEVEL, _text(field(params, "level")))
        _put(out, keys.MCP_LOGGING_LOGGER, _text(field(params, "logger")))
        data = field(params, "data")
        if data is not None:
            out[keys.MCP_LOGGING_DATA_TYPE] = _json_type(data)
    return out


def logging_data(method: str, params: Any) -> Any:
    """The data of a logging notification (``None`` for other notifications)."""
    return field(params, "data") if method == LOGGING and params is not None else None


def _json_type(value: Any) -> str:
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, (list, tuple)):
        return "array"
    return "object"


def _put(out: Attributes, key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


# --- trace context in _meta -----------------------------------------------------------------

_SENTRY_TRACE = re.compile(r"([0-9a-f]{32})-([0-9a-f]{16})(?:-([01]))?")
_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?")


def sentry_trace_from_traceparent(value: Any) -> Optional[str]:
    """A W3C ``traceparent`` as a ``sentry-trace`` value, or ``None`` when it is not valid.

    The sampled flag is carried over when set; an unset flag leaves the decision to this
    side's sampling, since a W3C tracer that did not record says nothing of Sentry's.
    """
    if not isinstance(value, str):
        return None
    match = _TRACEPARENT.fullmatch(value.strip().lower())
    if match is None:
        return None
    version, trace_id, span_id, flags, rest = match.groups()
    if (
        version == "ff"
        or (version == "00" and rest)
        or not int(trace_id, 16)
        or not int(span_id, 16)
    ):
        return None
    return f"{trace_id}-{span_id}-1" if int(flags, 16) & 1 else f"{trace_id}-{span_id}"


def traceparent_from_sentry_trace(value: Any) -> Optional[str]:
    """A ``sentry-trace`` value as a W3C ``traceparent`` (sampled flag ``01`` only when
    sampled), or ``None`` when it is not valid."""
    if not isinstance(value, str):
        return None
    match = _SENTRY_TRACE.fullmatch(value.strip().lower())
    if match is None:
        return None
    trace_id, span_id, sampled = match.groups()
    return f"00-{trace_id}-{span_id}-{'01' if sampled == '1' else '00'}"


def incoming_trace(meta: Any) -> Optional[dict[str, str]]:
    """The trace context of a request's ``_meta`` as the headers sentry-sdk continues
    from (``sentry-trace`` and ``baggage``): ``sentry-trace`` when present and valid, else
    a W3C ``traceparent`` converted; ``None`` when there is neither."""
    if meta is None or isinstance(meta, (str, bytes)):
        return None
    sentry_trace = field(meta, SENTRY_TRACE)
    if isinstance(sentry_trace, str):
        # Hex read case-blind, as the traceparent path reads it; sentry-sdk takes lowercase.
        sentry_trace = sentry_trace.strip().lower()
    if not (isinstance(sentry_trace, str) and _SENTRY_TRACE.fullmatch(sentry_trace)):
        sentry_trace = sentry_trace_from_traceparent(field(meta, TRACEPARENT))
    if sentry_trace is None:
        return None
    headers = {SENTRY_TRACE: sentry_trace}
    baggage = field(meta, BAGGAGE)
    if isinstance(baggage, str) and baggage and size(baggage) <= MAX_BAGGAGE_BYTES:
        headers[BAGGAGE] = baggage
    return headers


def merged_meta(meta: Any, sentry_trace: Optional[str], baggage: Optional[str]) -> dict[str, Any]:
    """A copy of ``meta`` with ``sentry-trace``, ``baggage`` and ``traceparent`` added
    where they are not already there (existing keys are never replaced). ``baggage`` goes
    only with the ``sentry-trace`` it belongs to: beside one already there (another
    trace's) it would give the server that trace's id and sampling decision."""
    out: dict[str, Any] = dict(meta) if isinstance(meta, Mapping) else {}
    if SENTRY_TRACE in out:
        baggage = None
    for key, value in (
        (SENTRY_TRACE, sentry_trace),
        (BAGGAGE, baggage),
        (TRACEPARENT, traceparent_from_sentry_trace(sentry_trace)),
    ):
        if value and key not in out:
            out[key] = value
    return out


__all__ = [
    "BAGGAGE",
    "CANCELLED",
    "INITIALIZED",
    "JSONRPC_VERSION",
    "LOGGING",
    "MAX_ARGUMENTS",
    "MAX_ARGUMENT_NAME",
    "MAX_BAGGAGE_BYTES",
    "PROGRESS",
    "RESOURCE_METHODS",
    "SENTRY_TRACE",
    "TARGET_KEYS",
    "TRACEPARENT",
    "PromptResult",
    "ToolResult",
    "argument_attributes",
    "argument_key",
    "argument_uri_filtered",
    "content_block",
    "implementation",
    "incoming_trace",
    "is_call_tool_result",
    "is_initialize_result",
    "is_prompt_result",
    "logging_data",
    "merged_meta",
    "network_transport",
    "notification_attributes",
    "prompt_content",
    "prompt_result",
    "protocol_version",
    "request_id",
    "sentry_trace_from_traceparent",
    "shown_target",
    "span_name",
    "target_attributes",
    "tool_result",
    "tool_result_content",
    "traceparent_from_sentry_trace",
]
