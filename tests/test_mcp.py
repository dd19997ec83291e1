"""MCP: server and notification spans for any framework, client tool calls, and the trace
context in ``_meta``, checked on what sentry-sdk really sends (both tracing modes)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Optional

import pytest
import sentry_sdk
from sentry_sdk.envelope import Envelope

import sentry_agents
from conftest import HAS_TRANSACTIONS
from sentry_agents._envelopes import SpanRecord
from sentry_agents._sdk import _NAME_KEYWORD

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN_ID = "00f067aa0ba902b7"


# --- stand-ins for the official SDK's result types (read by shape and class name) -------


@dataclass
class TextContent:
    text: str
    type: str = "text"


@dataclass
class ImageContent:
    data: str
    mime_type: str
    type: str = "image"


@dataclass
class CallToolResult:
    content: list[Any]
    structured_content: Optional[dict[str, Any]] = None
    is_error: bool = False


@dataclass
class PromptMessage:
    role: str
    content: Any


@dataclass
class GetPromptResult:
    messages: list[PromptMessage] = field(default_factory=list)
    description: Optional[str] = None


# --- what was sent, beyond SpanRecord: which spans are roots ---------------------------


def payloads(sentry: Any) -> list[tuple[str, dict[str, Any]]]:
    """(item type, payload) of every envelope item the ingest server received."""
    sentry.flush()
    with sentry.server.lock:
        bodies = list(sentry.server.bodies)
    out = []
    for body in bodies:
        envelope = Envelope.deserialize(body)
        for item in envelope.items:
            payload = item.payload.json
            if payload is None:
                payload = json.loads(item.payload.bytes)
            out.append((item.type, payload))
    return out


def root_ids(sentry: Any) -> set[str]:
    """Span ids of the transactions' roots (transaction mode) and segments (streaming)."""
    roots = set()
    for kind, payload in payloads(sentry):
        if kind == "transaction":
            roots.add(payload["contexts"]["trace"]["span_id"])
        elif kind == "span":
            roots.update(s["span_id"] for s in payload.get("items", []) if s.get("is_segment"))
    return roots


def mcp_spans(sentry: Any) -> list[SpanRecord]:
    return [s for s in sentry.spans() if (s.op or "").startswith("mcp.")]


def no_gen_ai_common(span: SpanRecord) -> None:
    for key in ("gen_ai.operation.name", "gen_ai.agent.name", "gen_ai.conversation.id"):
        assert key not in span.attributes, key


# --- server spans: op, name and attributes per method ----------------------------------

CLIENT_INFO = {"name": "cursor-vscode", "title": "Cursor", "version": "1.2.3"}


@pytest.mark.parametrize(
    ("method", "target", "name", "target_attributes"),
    [
        (
            "tools/call",
            "get_weather",
            "tools/call get_weather",
            {"gen_ai.tool.name": "get_weather", "mcp.tool.name": "get_weather"},
        ),
        (
            "prompts/get",
            "summarize",
            "prompts/get summarize",
            {"gen_ai.prompt.name": "summarize", "mcp.prompt.name": "summarize"},
        ),
        (
            "resources/read",
            "file:///notes.txt",
            "resources/read file:///notes.txt",
            {"mcp.resource.uri": "file:///notes.txt", "mcp.resource.protocol": "file"},
        ),
        (
            "resources/subscribe",
            "config://app",
            "resources/subscribe config://app",
            {"mcp.resource.uri": "config://app", "mcp.resource.protocol": "config"},
        ),
        (
            "resources/unsubscribe",
            "config://app",
            "resources/unsubscribe config://app",
            {"mcp.resource.uri": "config://app"},
        ),
        ("initialize", None, "initialize", {}),
        ("tools/list", None, "tools/list", {}),
        ("prompts/list", None, "prompts/list", {}),
        ("resources/list", None, "resources/list", {}),
        ("ping", None, "ping", {}),
        ("completion/complete", "ignored", "completion/complete", {}),
    ],
)
def test_server_span_per_method(sentry, method, target, name, target_attributes):
    with sentry_agents.invoke_agent("In-process Agent"), sentry_agents.conversation("c1"):
        with sentry_agents.mcp_server(
            method,
            target,
            request_id=7,
            session_id="550e8400",
            transport="stdio",
            protocol_version="2025-06-18",
            client=CLIENT_INFO,
            server=SimpleNamespace(name="weather-server", title=None, version="1.0.0"),
        ):
            pass
    span = sentry.named(name)
    assert span.op == "mcp.server"
    attributes = span.attributes
    assert attributes["mcp.method.name"] == method
    assert attributes["jsonrpc.request.id"] == attributes["mcp.request.id"] == "7"
    assert attributes["jsonrpc.protocol.version"] == "2.0"
    assert attributes["mcp.session.id"] == "550e8400"
    assert attributes["mcp.transport"] == "stdio"
    assert attributes["network.transport"] == "pipe"
    assert attributes["mcp.protocol.version"] == "2025-06-18"
    assert attributes["mcp.client.name"] == "cursor-vscode"
    assert attributes["mcp.client.title"] == "Cursor"
    assert attributes["mcp.client.version"] == "1.2.3"
    assert attributes["mcp.server.name"] == "weather-server"
    assert attributes["mcp.server.version"] == "1.0.0"
    assert "mcp.server.title" not in attributes  # None is never sent
    for key, value in target_attributes.items():
        assert attributes[key] == value
    if not target_attributes:
        for key in ("gen_ai.tool.name", "mcp.tool.name", "gen_ai.prompt.name", "mcp.resource.uri"):
            assert key not in attributes
    no_gen_ai_common(span)


def test_initialize_info_from_params_and_result_objects_or_dicts(sentry):
    params = {
        "protocolVersion": "2025-03-26",
        "capabilities": {},
        "clientInfo": {"name": "CustomMCPClient", "version": "0.9"},
    }
    result = SimpleNamespace(
        protocol_version="2025-03-26",
        server_info=SimpleNamespace(name="files", title="Files", version="2.0"),
    )
    with sentry_agents.mcp_server("initialize", request_id="init-1", client=params) as span:
        span.set_result(result)
    attributes = sentry.named("initialize").attributes
    assert attributes["mcp.client.name"] == "CustomMCPClient"
    assert attributes["mcp.client.version"] == "0.9"
    assert attributes["mcp.protocol.version"] == "2025-03-26"
    assert attributes["mcp.server.name"] == "files"
    assert attributes["mcp.server.title"] == "Files"
    assert attributes["jsonrpc.request.id"] == "init-1"


def test_transports_and_network_transport(sentry):
    for transport, explicit in (("http", None), ("sse", None), ("StdioServerTransport", None)):
        with sentry_agents.mcp_server("ping", transport=transport, network_transport=explicit):
            pass
    with sentry_agents.mcp_server("tools/list", transport="custom", network_transport="unix"):
        pass
    spans = {(s.name, s.attributes["mcp.transport"]): s.attributes for s in mcp_spans(sentry)}
    assert spans[("ping", "http")]["network.transport"] == "tcp"
    assert spans[("ping", "sse")]["network.transport"] == "tcp"
    assert "network.transport" not in spans[("ping", "StdioServerTransport")]
    assert spans[("tools/list", "custom")]["network.transport"] == "unix"


# --- arguments: the content gate, scrubbing, the hook, the budget ----------------------

ARGUMENTS = {"city": "Paris", "days": 3, "units": {"temp": "C"}, "api_key": "sk-live-123"}


def test_arguments_as_json_strings_scrubbed(sentry):
    with sentry_agents.mcp_server("tools/call", "get_weather", arguments=ARGUMENTS):
        pass
    attributes = sentry.named("tools/call get_weather").attributes
    assert attributes["mcp.request.argument.city"] == '"Paris"'
    assert attributes["mcp.request.argument.days"] == "3"
    assert json.loads(attributes["mcp.request.argument.units"]) == {"temp": "C"}
    assert attributes["mcp.request.argument.api_key"] == '"[Filtered]"'
    assert b"sk-live-123" not in sentry.raw()


def test_arguments_behind_the_input_gate(sentry):
    sentry.init(send_default_pii=False)
    with sentry_agents.mcp_server("prompts/get", "summarize", arguments={"text": "secret plan"}):
        pass
    with sentry_agents.mcp_server(
        "prompts/get", "opted", arguments={"text": "shown"}, record_inputs=True
    ):
        pass
    assert not any(
        k.startswith("mcp.request.argument")
        for k in sentry.named("prompts/get summarize").attributes
    )
    assert b"secret plan" not in sentry.raw()
    assert sentry.named("prompts/get opted").attributes["mcp.request.argument.text"] == '"shown"'


def test_arguments_go_through_the_redaction_hook_as_tool_arguments(sentry):
    seen = []

    def hook(kind: str, value: Any) -> Any:
        seen.append(kind)
        return {**value, "city": "[city]"} if kind == "tool.arguments" else value

    with sentry_agents.mcp_server(
        "tools/call", "get_weather", arguments='{"city": "Paris"}', redact=hook
    ):
        pass
    assert seen == ["tool.arguments"]
    attributes = sentry.named("tools/call get_weather").attributes
    assert attributes["mcp.request.argument.city"] == '"[city]"'


def sent_arguments(sentry: Any, span_name: str) -> dict[str, Any]:
    """The ``mcp.request.argument.*`` attributes the named span was sent with."""
    attributes = sentry.named(span_name).attributes
    return {k: v for k, v in attributes.items() if k.startswith("mcp.request.argument.")}


def test_arguments_within_the_budget(sentry):
    sentry_agents.configure(max_message_bytes=1_000)
    many = {f"key{i}": "x" * 300 for i in range(20)}
    with sentry_agents.mcp_server("tools/call", "bulk", arguments=many):
        pass
    sent = sent_arguments(sentry, "tools/call bulk")
    assert 1 <= len(sent) < 20
    assert sum(len(v.encode()) for v in sent.values()) <= 1_000
    for value in sent.values():
        json.loads(value)
    assert sentry.named("tools/call bulk").attributes[ARGUMENT_COUNT] == 20


def test_argument_keys_count_against_the_budget(sentry):
    """Many arguments with long names and short values: the names are part of what one
    request's arguments send, so they share the budget (2,000 128-byte names were sent
    whatever the budget)."""
    sentry_agents.configure(max_message_bytes=1_000)
    many = {f"{i:04d}" + "k" * 124: i for i in range(2_000)}
    with sentry_agents.mcp_server("tools/call", "bulk", arguments=many):
        pass
    sent = sent_arguments(sentry, "tools/call bulk")
    assert 1 <= len(sent) < 2_000
    assert sum(len(k.encode()) + len(v.encode()) for k, v in sent.items()) <= 1_000


ARGUMENT_COUNT = "sentry_agents.mcp.request.argument_count"


def test_long_argument_names_sharing_their_first_128_characters_stay_apart(sentry):
    """Names are cut to 128 characters; two that differ only past that were sent under one
    key, the second value overwriting the first. A cut name ends in a hash of the whole
    name, the same for the same name in every request."""
    prefix = "p" * 128
    arguments = {prefix + "_city": "Paris", prefix + "_days": 3, "short": True}
    for name in ("tools/call first", "tools/call again"):
        with sentry_agents.mcp_server("tools/call", name.split()[1], arguments=arguments):
            pass
    first = sent_arguments(sentry, "tools/call first")
    assert sorted(first.values()) == ['"Paris"', "3", "true"]
    assert first == sent_arguments(sentry, "tools/call again")
    for key in first:
        name = key.removeprefix("mcp.request.argument.")
        assert len(name) <= 128
        assert name == "short" or name.startswith(prefix[:100])
    assert ARGUMENT_COUNT not in sentry.named("tools/call first").attributes


def test_an_argument_named_like_a_cut_name_does_not_overwrite_it(sentry):
    """A name that happens to be another's cut key: the first argument's value stays, and
    the count tells that one argument is missing."""
    from sentry_agents._mcp_data import argument_key

    long = "n" * 200
    lookalike = argument_key(long).removeprefix("mcp.request.argument.")
    with sentry_agents.mcp_server("tools/call", "t", arguments={long: 1, lookalike: 2}):
        pass
    assert list(sent_arguments(sentry, "tools/call t").values()) == ["1"]
    assert sentry.named("tools/call t").attributes[ARGUMENT_COUNT] == 2


def test_argument_attributes_are_capped_and_the_count_says_how_many_there_were(sentry):
    """Thousands of small arguments fit the byte budget, and each was an attribute of its
    own; at most ``MAX_ARGUMENTS`` (64) are sent, the first ones, and
    ``sentry_agents.mcp.request.argument_count`` gives how many the request had."""
    if sentry.mode == "static":  # sentry-sdk 2.12 cuts at 1,024 characters: a smaller budget
        sentry.init(max_value_length=100_000)
    many = {f"a{i}": i for i in range(5_000)}
    with sentry_agents.mcp_server("tools/call", "bulk", arguments=many):
        pass
    sent = sent_arguments(sentry, "tools/call bulk")
    assert sent == {f"mcp.request.argument.a{i}": str(i) for i in range(64)}
    assert sentry.named("tools/call bulk").attributes[ARGUMENT_COUNT] == 5_000


def test_set_arguments_again_replaces_the_arguments_wholly(sentry):
    """A second ``set_arguments`` (the arguments known at start, then the ones the handler
    really ran with) replaces the first: keys only the first had, and the first's
    ``sentry_agents.mcp.request.argument_count``, were sent beside the second's. Arguments
    the redaction hook drops leave none of the earlier ones sent."""
    first = {f"a{i}": i for i in range(100)}
    with sentry_agents.mcp_server("tools/call", "retry", arguments=first) as span:
        span.set_arguments({"city": "Paris", "a1": 5})
    assert sent_arguments(sentry, "tools/call retry") == {
        "mcp.request.argument.city": '"Paris"',
        "mcp.request.argument.a1": "5",
    }
    assert ARGUMENT_COUNT not in sentry.named("tools/call retry").attributes

    def drop_secret_arguments(kind: str, data: Any) -> Any:
        return None if kind == "tool.arguments" and "secret" in data else data

    with sentry_agents.mcp_server(
        "tools/call", "dropped", arguments={"city": "Paris"}, redact=drop_secret_arguments
    ) as span:
        span.set_arguments({"secret": "s-1"})
    assert sent_arguments(sentry, "tools/call dropped") == {}


@pytest.mark.parametrize("again", ["not an object", "redacted to text"])
def test_set_arguments_again_with_no_object_takes_the_earlier_ones_back(sentry, again):
    """A second ``set_arguments`` whose arguments are no object (a JSON array, or text
    the redaction hook put in their place) is sent as no arguments, as a first call of
    them is: the earlier call's arguments were kept and sent as the request's."""

    def mask(kind: str, data: Any) -> Any:
        return "[masked]" if kind == "tool.arguments" and "secret" in data else data

    with sentry_agents.mcp_server(
        "tools/call", "again", arguments={f"a{i}": i for i in range(100)}, redact=mask
    ) as span:
        span.set_arguments("[1, 2]" if again == "not an object" else {"secret": "s-1"})
    assert sent_arguments(sentry, "tools/call again") == {}
    assert ARGUMENT_COUNT not in sentry.named("tools/call again").attributes


# --- results --------------------------------------------------------------------------


def test_call_tool_result_text_content(sentry):
    result = CallToolResult([TextContent("Rain,"), TextContent("12°C")])
    with sentry_agents.mcp_server("tools/call", "get_weather") as span:
        span.set_result(result)
    span_record = sentry.named("tools/call get_weather")
    attributes = span_record.attributes
    assert attributes["gen_ai.tool.call.result"] == "Rain,\n12°C"
    assert attributes["mcp.tool.result.content"] == "Rain,\n12°C"
    assert attributes["mcp.tool.result.content_count"] == 2
    assert attributes["mcp.tool.result.is_error"] is False
    assert not span_record.is_error()


def test_call_tool_result_dict_structured_content_scrubbed(sentry):
    result = {
        "content": [{"type": "text", "text": '{"temp": 12}'}],
        "structuredContent": {"temp": 12, "token": "t-999"},
    }
    with sentry_agents.mcp_server("tools/call", "get_weather") as span:
        span.set_result(result)
    attributes = sentry.named("tools/call get_weather").attributes
    assert json.loads(attributes["gen_ai.tool.call.result"]) == {"temp": 12, "token": "[Filtered]"}
    assert attributes["mcp.tool.result.content"] == attributes["gen_ai.tool.call.result"]
    assert attributes["mcp.tool.result.content_count"] == 1
    assert b"t-999" not in sentry.raw()


def test_call_tool_result_binary_blocks_are_substituted(sentry):
    result = CallToolResult([TextContent("chart:"), ImageContent("iVBORw0KGgo" * 50, "image/png")])
    with sentry_agents.mcp_server("tools/call", "chart") as span:
        span.set_result(result)
    blocks = json.loads(sentry.named("tools/call chart").attributes["gen_ai.tool.call.result"])
    assert blocks[0] == {"text": "chart:", "type": "text"}
    assert blocks[1] == {"data": "[Blob substitute]", "mime_type": "image/png", "type": "image"}
    assert b"iVBORw0KGgo" not in sentry.raw()


def test_result_behind_the_output_gate_counts_and_is_error_always(sentry):
    sentry.init(send_default_pii=False)
    with sentry_agents.mcp_server("tools/call", "get_weather") as span:
        span.set_result(
            {"content": [{"type": "text", "text": "private forecast"}], "isError": True}
        )
    span_record = sentry.named("tools/call get_weather")
    attributes = span_record.attributes
    assert "gen_ai.tool.call.result" not in attributes
    assert "mcp.tool.result.content" not in attributes
    assert attributes["mcp.tool.result.content_count"] == 1
    assert attributes["mcp.tool.result.is_error"] is True
    assert span_record.is_error() and attributes["error.type"] == "tool_error"
    assert b"private forecast" not in sentry.raw()


def test_result_within_the_budget(sentry):
    sentry_agents.configure(max_message_bytes=500)
    with sentry_agents.mcp_server("tools/call", "long") as span:
        span.set_result({"content": [{"type": "text", "text": "y" * 5_000}]})
    text = sentry.named("tools/call long").attributes["gen_ai.tool.call.result"]
    assert len(text.encode()) <= 500 and text.endswith("...[truncated]")


def test_result_goes_through_the_redaction_hook_once(sentry):
    seen = []

    def hook(kind: str, value: Any) -> Any:
        seen.append(kind)
        return "[redacted]"

    with sentry_agents.mcp_server("tools/call", "get_weather", redact=hook) as span:
        span.set_result(CallToolResult([TextContent("Rain")]))
    attributes = sentry.named("tools/call get_weather").attributes
    assert seen == ["tool.result"]
    assert attributes["gen_ai.tool.call.result"] == attributes["mcp.tool.result.content"]
    assert attributes["mcp.tool.result.content"] == "[redacted]"


def test_plain_return_value_of_a_tool_handler(sentry):
    with sentry_agents.mcp_server("tools/call", "add") as span:
        span.set_result({"sum": 3})
    attributes = sentry.named("tools/call add").attributes
    assert json.loads(attributes["gen_ai.tool.call.result"]) == {"sum": 3}
    assert attributes["mcp.tool.result.content"] == attributes["gen_ai.tool.call.result"]


def test_is_error_fails_the_span_without_an_error_event(sentry):
    with sentry_agents.mcp_server("tools/call", "get_weather") as span:
        span.set_result(CallToolResult([TextContent("Unknown city")], is_error=True))
    span_record = sentry.named("tools/call get_weather")
    assert span_record.is_error()
    assert span_record.attributes["error.type"] == "tool_error"
    assert span_record.attributes["mcp.tool.result.is_error"] is True
    assert sentry.events() == []


class WeatherServiceDown(Exception):
    pass


def test_handler_exception_fails_the_span_and_is_reported_once(sentry):
    error = WeatherServiceDown("503")
    with pytest.raises(WeatherServiceDown) as raised:
        with sentry_agents.mcp_server("tools/call", "get_weather"):
            raise error
    assert raised.value is error
    span_record = sentry.named("tools/call get_weather")
    assert span_record.is_error()
    assert span_record.attributes["error.type"] == "WeatherServiceDown"
    events = sentry.events()
    assert len(events) == 1
    assert events[0]["exception"]["values"][-1]["type"] == "WeatherServiceDown"


def test_json_rpc_error_answer(sentry):
    with sentry_agents.mcp_server("tools/call", "missing") as span:
        span.set_error(-32602)
    span_record = sentry.named("tools/call missing")
    assert span_record.is_error() and span_record.attributes["error.type"] == "-32602"
    assert sentry.events() == []


class MCPError(Exception):
    """The ``mcp`` SDK's JSON-RPC error answer: its ``ErrorData`` as ``error``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.error = SimpleNamespace(code=code, message=message, data=None)


@pytest.mark.parametrize("code", [-32601, -32602])
def test_a_raised_json_rpc_error_of_a_request_at_fault_sends_no_event(sentry, code):
    """The ``mcp`` SDK answers an unknown method or invalid params by raising
    ``MCPError`` through the middleware: a JSON-RPC error answer, as ``set_error(code)``
    records it (``error.type`` = the code), not a crash of the server to report."""
    error = MCPError(code, "Method not found")
    with pytest.raises(MCPError) as raised:
        with sentry_agents.mcp_server("resources/read", "config://missing"):
            raise error
    assert raised.value is error
    span_record = sentry.named("resources/read config://missing")
    assert span_record.is_error() and span_record.attributes["error.type"] == str(code)
    assert sentry.events() == []


def test_a_raised_internal_json_rpc_error_is_reported_with_its_code(sentry):
    with pytest.raises(MCPError):
        with sentry_agents.mcp_server("tools/call", "get_weather"):
            raise MCPError(-32603, "Internal error")
    span_record = sentry.named("tools/call get_weather")
    assert span_record.is_error() and span_record.attributes["error.type"] == "-32603"
    assert [e["exception"]["values"][-1]["type"] for e in sentry.events()] == ["MCPError"]


class CodedInterrupt(BaseException):
    error = SimpleNamespace(code=-32601)


def test_an_interrupt_holding_a_json_rpc_code_is_an_interrupt(sentry):
    """Only an exception is a JSON-RPC error answer: an interrupt is not a failure."""
    with pytest.raises(CodedInterrupt):
        with sentry_agents.mcp_server("tools/call", "get_weather"):
            raise CodedInterrupt()
    span_record = sentry.named("tools/call get_weather")
    assert "error.type" not in span_record.attributes
    assert span_record.status in ("ok", "cancelled", None)


class Unreadable(Exception):
    @property
    def error(self) -> Any:
        raise RuntimeError("no error data")


@pytest.mark.parametrize("kind", ["unreadable", "text code"])
def test_an_exception_without_a_json_rpc_code_is_reported_by_its_class(sentry, kind):
    """An ``error`` that raises, or whose code is no integer, is no JSON-RPC answer."""
    error: Exception = Unreadable("x")
    if kind == "text code":
        error = MCPError(-32602, "x")
        error.error.code = "-32602"
    with pytest.raises(type(error)):
        with sentry_agents.mcp_server("tools/call", "get_weather"):
            raise error
    span_record = sentry.named("tools/call get_weather")
    assert span_record.attributes["error.type"] == type(error).__name__
    assert len(sentry.events()) == 1


def test_set_error_none_records_no_error(sentry):
    """``set_error(None)`` (as ``span.set_error(reply.error.code if reply.error else
    None)`` calls it for a success) records nothing: no failure, no ``error.type =
    "None"``."""
    with sentry_agents.mcp_server("tools/call", "get_weather") as span:
        span.set_error(None)
    span_record = sentry.named("tools/call get_weather")
    assert not span_record.is_error()
    assert "error.type" not in span_record.attributes


def test_set_error_of_an_empty_code_fails_the_span_as_other(sentry):
    """An empty error code still fails the span, with OpenTelemetry's ``_OTHER`` (an
    error of no known type), not an empty ``error.type``."""
    with sentry_agents.mcp_server("tools/call", "get_weather") as span:
        span.set_error("")
    span_record = sentry.named("tools/call get_weather")
    assert span_record.is_error()
    assert span_record.attributes["error.type"] == "_OTHER"


def test_prompt_result(sentry):
    one = GetPromptResult(
        [PromptMessage("user", TextContent("Summarize the notes"))], description="Summary"
    )
    two = {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}
    with sentry_agents.mcp_server("prompts/get", "summarize") as span:
        span.set_result(one)
    with sentry_agents.mcp_server("prompts/get", "dialogue") as span:
        span.set_result(two)
    single = sentry.named("prompts/get summarize").attributes
    assert single["mcp.prompt.result.message_count"] == 1
    assert single["mcp.prompt.result.message_role"] == "user"
    assert single["mcp.prompt.result.message_content"] == "Summarize the notes"
    assert single["mcp.prompt.result.description"] == "Summary"
    double = sentry.named("prompts/get dialogue").attributes
    assert double["mcp.prompt.result.message_count"] == 2
    assert "mcp.prompt.result.message_content" not in double


def test_an_empty_prompt_description_is_not_sent(sentry):
    """The ``mcp`` SDK's ``MCPServer`` answers ``description=""`` for a prompt function
    without a docstring: no description, not an empty attribute."""
    with sentry_agents.mcp_server("prompts/get", "greet") as span:
        span.set_result({"description": "", "messages": [{"role": "user", "content": "hi"}]})
    attributes = sentry.named("prompts/get greet").attributes
    assert attributes["mcp.prompt.result.message_content"] == "hi"
    assert "mcp.prompt.result.description" not in attributes


def test_prompt_content_behind_the_output_gate(sentry):
    sentry.init(send_default_pii=False)
    with sentry_agents.mcp_server("prompts/get", "summarize") as span:
        span.set_result(
            {"messages": [{"role": "user", "content": {"type": "text", "text": "hush"}}]}
        )
    attributes = sentry.named("prompts/get summarize").attributes
    assert attributes["mcp.prompt.result.message_count"] == 1
    assert "mcp.prompt.result.message_content" not in attributes
    assert b"hush" not in sentry.raw()


def test_prompt_description_is_content_budgeted_and_redacted(sentry):
    """A prompt's description is content: within the byte budget, seen by the redaction
    hook as ``tool.result`` like the prompt's message, and behind the output gate."""
    sentry_agents.configure(max_message_bytes=500)
    seen = []

    def hook(kind: str, value: Any) -> Any:
        seen.append((kind, value[:9]))
        return value.replace("K-4711", "[id]")

    # Not hex digits alone: a random trace or span id in the envelope could hold those.
    prompt = {"description": "Customer K-4711 notes: " + "x" * 5_000, "messages": []}
    with sentry_agents.mcp_server("prompts/get", "long", redact=hook) as span:
        span.set_result(prompt)
    with sentry_agents.mcp_server("prompts/get", "dropped", redact=lambda k, v: None) as span:
        span.set_result(prompt)
    with sentry_agents.mcp_server("prompts/get", "gated", record_outputs=False) as span:
        span.set_result(prompt)
    assert seen == [("tool.result", "Customer ")]
    text = sentry.named("prompts/get long").attributes["mcp.prompt.result.description"]
    assert len(text.encode()) <= 500 and text.startswith("Customer [id] notes: xx")
    for name in ("prompts/get dropped", "prompts/get gated"):
        attributes = sentry.named(name).attributes
        assert attributes["mcp.prompt.result.message_count"] == 0
        assert "mcp.prompt.result.description" not in attributes
    assert b"K-4711" not in sentry.raw()


def test_real_mcp_types(sentry):
    types = pytest.importorskip("mcp.types")
    result = types.CallToolResult(
        content=[types.TextContent(type="text", text="Rain")],
        structured_content={"forecast": "rain"},
        is_error=True,
    )
    prompt = types.GetPromptResult(
        messages=[
            types.PromptMessage(role="user", content=types.TextContent(type="text", text="Hi"))
        ]
    )
    init = types.InitializeResult(
        protocol_version="2025-06-18",
        capabilities=types.ServerCapabilities(),
        server_info=types.Implementation(name="srv", version="3"),
    )
    with sentry_agents.mcp_server("tools/call", "get_weather") as span:
        span.set_result(result)
    with sentry_agents.mcp_server("prompts/get", "hi") as span:
        span.set_result(prompt)
    with sentry_agents.mcp_server("initialize") as span:
        span.set_result(init)
    tool = sentry.named("tools/call get_weather")
    assert json.loads(tool.attributes["gen_ai.tool.call.result"]) == {"forecast": "rain"}
    assert tool.is_error() and tool.attributes["error.type"] == "tool_error"
    assert sentry.named("prompts/get hi").attributes["mcp.prompt.result.message_content"] == "Hi"
    initialize = sentry.named("initialize").attributes
    assert initialize["mcp.server.name"] == "srv"
    assert initialize["mcp.protocol.version"] == "2025-06-18"


def test_decorated_handlers_sync_and_async(sentry):
    @sentry_agents.mcp_server("tools/call", "get_weather", transport="http")
    def get_weather(city: str) -> dict[str, Any]:
        return {"content": [{"type": "text", "text": f"no data for {city}"}], "isError": True}

    @sentry_agents.mcp_server("tools/call", "get_time")
    async def get_time() -> CallToolResult:
        return CallToolResult([TextContent("noon")])

    assert get_weather("Oslo")["isError"] is True
    assert asyncio.run(get_time()).content[0].text == "noon"
    weather = sentry.named("tools/call get_weather")
    assert weather.is_error() and weather.attributes["error.type"] == "tool_error"
    assert sentry.named("tools/call get_time").attributes["gen_ai.tool.call.result"] == "noon"


def test_a_decorated_handler_records_its_arguments_as_the_requests(sentry):
    """A decorated ``tools/call`` or ``prompts/get`` handler is called with the request's
    arguments: they are recorded as ``mcp.request.argument.*``, scrubbed, without a
    framework's context object or a middleware's ``call_next``; ``arguments=`` wins, and
    other methods' handlers record none."""

    class Context:  # as FastMCP's, passed beside the arguments
        session = object()

    @sentry_agents.mcp_server("tools/call", "get_weather")
    def get_weather(city: str, days: int, ctx: Context, api_key: str = "CANARY") -> str:
        return f"{city}: rain"

    @sentry_agents.mcp_server("prompts/get", "greet")
    async def greet(name: str, call_next: Any = None) -> str:
        return f"Hi {name}"

    @sentry_agents.mcp_server("tools/call", "given", arguments={"city": "Lyon"})
    def given(city: str) -> str:
        return city

    @sentry_agents.mcp_server("resources/read", "file:///notes.txt")
    def read(uri: str) -> str:
        return "notes"

    @sentry_agents.mcp_server("tools/call", "no_data")
    def no_data(ctx: Context) -> str:
        return "ok"

    @sentry_agents.mcp_server("tools/call", "keywords")
    def keywords(ctx: Context, **arguments: Any) -> str:
        return "ok"

    get_weather("Paris", 3, Context(), api_key="CANARY-KEY")
    asyncio.run(greet("Ada", call_next=lambda: None))
    given("Oslo")
    read("file:///notes.txt")
    no_data(Context())
    keywords(Context(), city="Rome", token="CANARY-KEY")

    def arguments(name: str) -> dict[str, Any]:
        attributes = sentry.named(name).attributes
        return {k: v for k, v in attributes.items() if k.startswith("mcp.request.argument")}

    assert arguments("tools/call get_weather") == {
        "mcp.request.argument.city": '"Paris"',
        "mcp.request.argument.days": "3",
        "mcp.request.argument.api_key": '"[Filtered]"',
    }
    assert arguments("prompts/get greet") == {"mcp.request.argument.name": '"Ada"'}
    assert arguments("tools/call given") == {"mcp.request.argument.city": '"Lyon"'}
    assert arguments("resources/read file:///notes.txt") == {}
    assert arguments("tools/call no_data") == {}
    assert arguments("tools/call keywords") == {
        "mcp.request.argument.city": '"Rome"',
        "mcp.request.argument.token": '"[Filtered]"',
    }
    assert b"CANARY-KEY" not in sentry.raw()


def test_a_decorated_handler_records_only_named_arguments(sentry):
    """Request arguments have names: values a handler takes as ``*args`` (a generic
    handler given the low-level server's context and raw params) are not recorded, as
    the context object they may hold would be (its lifespan state, say); where a
    positional-only parameter and a ``**kwargs`` entry share a name, the keyword, as
    FastMCP passes a request's arguments, is the one recorded."""

    @dataclass
    class RequestContext:
        lifespan_context: dict[str, Any]

    @sentry_agents.mcp_server("tools/call", "generic")
    async def generic(*args: Any, **arguments: Any) -> str:
        return "ok"

    @sentry_agents.mcp_server("tools/call", "positional")
    def positional(city: str, /, **arguments: Any) -> str:
        return city

    context = RequestContext({"state": "CANARY-STATE"})
    asyncio.run(generic(context, {"name": "generic"}, city="Paris"))
    positional("Oslo", city="Rome", days=3)

    def arguments(name: str) -> dict[str, Any]:
        attributes = sentry.named(name).attributes
        return {k: v for k, v in attributes.items() if k.startswith("mcp.request.argument")}

    assert arguments("tools/call generic") == {"mcp.request.argument.city": '"Paris"'}
    assert arguments("tools/call positional") == {
        "mcp.request.argument.city": '"Rome"',
        "mcp.request.argument.days": "3",
    }
    assert b"CANARY-STATE" not in sentry.raw()


# --- notifications --------------------------------------------------------------------


def test_notifications(sentry):
    with sentry_agents.mcp_notification(
        "notifications/initialized", "client_to_server", transport="stdio", session_id="s1"
    ):
        pass
    with sentry_agents.mcp_notification(
        "notifications/progress",
        "server_to_client",
        params={"progressToken": 42, "progress": 3, "total": 4, "message": "three of four"},
    ):
        pass
    with sentry_agents.mcp_notification(
        "notifications/cancelled",
        "client_to_server",
        params=SimpleNamespace(request_id=9, reason="user left"),
    ):
        pass
    with sentry_agents.mcp_notification(
        "notifications/message",
        "server_to_client",
        params={"level": "warning", "logger": "db", "data": {"msg": "slow", "password": "pw1"}},
    ):
        pass
    spans = {s.name: s for s in mcp_spans(sentry)}
    initialized = spans["notifications/initialized"]
    assert initialized.op == "mcp.notification.client_to_server"
    assert initialized.attributes["mcp.lifecycle.phase"] == "initialization_complete"
    assert initialized.attributes["mcp.protocol.ready"] == 1
    assert initialized.attributes["mcp.method.name"] == "notifications/initialized"
    assert initialized.attributes["network.transport"] == "pipe"
    assert initialized.attributes["mcp.session.id"] == "s1"
    progress = spans["notifications/progress"]
    assert progress.op == "mcp.notification.server_to_client"
    assert progress.attributes["mcp.progress.token"] == "42"
    assert progress.attributes["mcp.progress.current"] == 3.0
    assert progress.attributes["mcp.progress.total"] == 4.0
    assert progress.attributes["mcp.progress.percentage"] == 75.0
    assert progress.attributes["mcp.progress.message"] == "three of four"
    cancelled = spans["notifications/cancelled"].attributes
    assert cancelled["mcp.cancelled.request_id"] == "9"
    assert cancelled["mcp.cancelled.reason"] == "user left"
    logging = spans["notifications/message"].attributes
    assert logging["mcp.logging.level"] == "warning"
    assert logging["mcp.logging.logger"] == "db"
    assert logging["mcp.logging.data_type"] == "object"
    assert json.loads(logging["mcp.logging.message"]) == {"msg": "slow", "password": "[Filtered]"}
    for span in spans.values():
        no_gen_ai_common(span)


def test_progress_numbers_a_float_cannot_hold_are_left_out(sentry):
    """JSON-RPC numbers parse to ints of any size, and an int subclass may say anything
    of itself: progress past a float's range is left out, an int subclass is read as the
    int it holds, and the notification's span is sent finished."""

    class RaisingInt(int):
        def __float__(self) -> float:
            raise RuntimeError("float")

    huge = json.loads("1" + "0" * 400)
    with sentry_agents.mcp_notification(
        "notifications/progress",
        "server_to_client",
        params={"progressToken": "t", "progress": huge, "total": RaisingInt(100)},
    ):
        pass
    progress = sentry.named("notifications/progress").attributes
    assert progress["mcp.progress.token"] == "t"
    assert progress["mcp.progress.total"] == 100.0
    assert "mcp.progress.current" not in progress
    assert "mcp.progress.percentage" not in progress


def test_logging_message_behind_the_input_gate(sentry):
    sentry.init(send_default_pii=False)
    with sentry_agents.mcp_notification(
        "notifications/message", "server_to_client", params={"level": "info", "data": "typed x"}
    ):
        pass
    span = sentry.named("notifications/message")
    assert span.attributes["mcp.logging.data_type"] == "string"
    assert "mcp.logging.message" not in span.attributes
    assert b"typed x" not in sentry.raw()


def test_unknown_direction_is_logged_and_taken_as_client_to_server(sentry, sdk_log):
    sentry.init(debug=True)
    with sentry_agents.mcp_notification("notifications/roots/list_changed", "sideways"):
        pass
    assert sentry.named("notifications/roots/list_changed").op == (
        "mcp.notification.client_to_server"
    )
    assert "direction 'sideways'" in sdk_log.text


# --- the client side: execute_tool(mcp_server=...) -------------------------------------


def test_client_tool_call(sentry):
    with sentry_agents.invoke_agent("Weather Agent"):
        with sentry_agents.execute_tool(
            "get_weather", arguments={"city": "Paris"}, mcp_server="weather-server"
        ) as tool:
            tool.set_result(
                {"content": [{"type": "text", "text": "Rain"}], "structuredContent": {"mm": 3}}
            )
        with sentry_agents.execute_tool("lookup", mcp_server="weather-server") as tool:
            tool.set_result(CallToolResult([TextContent("Unknown city")], is_error=True))
        with sentry_agents.execute_tool("plain") as tool:
            tool.set_result({"content": ["kept as is"]})
    weather = sentry.named("execute_tool get_weather")
    assert weather.op == "gen_ai.execute_tool"
    assert weather.attributes["mcp.server.name"] == "weather-server"
    assert weather.attributes["mcp.method.name"] == "tools/call"
    assert weather.attributes["gen_ai.agent.name"] == "Weather Agent"
    assert json.loads(weather.attributes["gen_ai.tool.call.result"]) == {"mm": 3}
    assert not weather.is_error()
    lookup = sentry.named("execute_tool lookup")
    assert lookup.is_error() and lookup.attributes["error.type"] == "tool_error"
    assert lookup.attributes["gen_ai.tool.call.result"] == "Unknown city"
    assert "mcp.tool.result.is_error" not in lookup.attributes  # deprecated keys: server only
    plain = sentry.named("execute_tool plain")
    assert json.loads(plain.attributes["gen_ai.tool.call.result"]) == {"content": ["kept as is"]}
    assert "mcp.server.name" not in plain.attributes
    assert sentry.events() == []


# --- _meta: merging, continuing, nesting ------------------------------------------------


def test_mcp_meta_merges_without_replacing(sentry):
    with sentry_agents.execute_tool("get_weather", mcp_server="weather") as tool:
        empty = sentry_agents.mcp_meta()
        given = {"progressToken": 1, "baggage": "mine=1", "io.modelcontextprotocol/x": "y"}
        merged = sentry_agents.mcp_meta(given)
        native = tool.span
    trace_id = native.trace_id
    span_id = native.span_id
    assert set(empty) == {"sentry-trace", "baggage", "traceparent"}
    assert empty["sentry-trace"] == f"{trace_id}-{span_id}-1"
    assert empty["traceparent"] == f"00-{trace_id}-{span_id}-01"
    assert f"sentry-trace_id={trace_id}" in empty["baggage"]
    assert merged["baggage"] == "mine=1" and merged["progressToken"] == 1
    assert merged["io.modelcontextprotocol/x"] == "y"
    assert merged["sentry-trace"] == empty["sentry-trace"]
    assert given == {"progressToken": 1, "baggage": "mine=1", "io.modelcontextprotocol/x": "y"}
    kept = sentry_agents.mcp_meta({"traceparent": "00-" + "1" * 32 + "-" + "2" * 16 + "-01"})
    assert kept["traceparent"].startswith("00-1111")


def test_mcp_meta_adds_no_baggage_of_another_trace_beside_a_given_sentry_trace(sentry):
    """A ``_meta`` that already held a ``sentry-trace`` (the caller's own trace) got this
    trace's ``baggage`` beside it: a server continuing that ``sentry-trace`` read the
    other trace's id and sampling decision from the baggage."""
    theirs = "1" * 32 + "-" + "2" * 16 + "-1"
    with sentry_agents.execute_tool("get_weather", mcp_server="weather") as tool:
        merged = sentry_agents.mcp_meta({"sentry-trace": theirs})
        trace_id = tool.span.trace_id
    assert merged["sentry-trace"] == theirs
    assert "baggage" not in merged, merged
    assert trace_id not in merged.get("baggage", "")


class _UnreadableMeta(Mapping):  # type: ignore[type-arg]
    """A lazy ``_meta`` whose reading fails (its session closed)."""

    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("session closed")

    def __iter__(self) -> Any:
        raise RuntimeError("session closed")

    def __len__(self) -> int:
        return 1


def test_mcp_meta_of_a_mapping_that_cannot_be_read_does_not_raise(sentry, sdk_log):
    """Copying it raised into the app; the trace context is still given, and the
    failure logged."""
    sentry.init(debug=True)
    with sentry_agents.execute_tool("get_weather", mcp_server="weather"):
        meta = sentry_agents.mcp_meta(_UnreadableMeta())
    assert set(meta) == {"sentry-trace", "baggage", "traceparent"}
    assert "session closed" in sdk_log.text


def test_mcp_meta_without_sentry_sdk_is_a_copy():
    given = {"a": 1}
    assert sentry_agents.mcp_meta(given) == {"a": 1}
    assert sentry_agents.mcp_meta(given) is not given
    assert sentry_agents.mcp_meta() == {}


def test_server_continues_the_client_trace_as_a_new_root(sentry):
    with sentry_agents.invoke_agent("Weather Agent"):
        with sentry_agents.execute_tool("get_weather", mcp_server="weather"):
            meta = sentry_agents.mcp_meta()
    before = sentry_sdk.get_traceparent()
    with sentry_agents.mcp_server("tools/call", "get_weather", meta=meta):
        pass
    assert sentry_sdk.get_traceparent() == before  # nothing leaked into the host's scope
    client = sentry.named("execute_tool get_weather")
    server = sentry.named("tools/call get_weather")
    assert server.trace_id == client.trace_id
    assert server.parent_span_id == client.span_id
    assert server.span_id in root_ids(sentry)


def test_w3c_traceparent_alone(sentry):
    meta = {"traceparent": f"00-{TRACE_ID}-{SPAN_ID}-01", "tracestate": "vendor=1"}
    with sentry_agents.mcp_server("tools/call", "get_weather", meta=meta):
        pass
    server = sentry.named("tools/call get_weather")
    assert (server.trace_id, server.parent_span_id) == (TRACE_ID, SPAN_ID)
    assert server.span_id in root_ids(sentry)


def test_an_uppercase_sentry_trace_is_continued(sentry):
    meta = {"sentry-trace": f"{TRACE_ID.upper()}-{SPAN_ID.upper()}-1"}
    with sentry_agents.mcp_server("tools/call", "get_weather", meta=meta):
        pass
    server = sentry.named("tools/call get_weather")
    assert (server.trace_id, server.parent_span_id) == (TRACE_ID, SPAN_ID)


def test_w3c_traceparent_not_sampled_leaves_the_decision_here(sentry):
    with sentry_agents.mcp_server(
        "tools/call", "get_weather", meta={"traceparent": f"00-{TRACE_ID}-{SPAN_ID}-00"}
    ):
        pass
    assert sentry.named("tools/call get_weather").trace_id == TRACE_ID


def test_sentry_trace_wins_and_its_sampling_decision_holds(sentry):
    other = "a" * 32
    with sentry_agents.mcp_server(
        "tools/call",
        "kept",
        meta={
            "sentry-trace": f"{other}-{'b' * 16}-1",
            "traceparent": f"00-{TRACE_ID}-{SPAN_ID}-01",
        },
    ):
        pass
    with sentry_agents.mcp_server(
        "tools/call", "dropped", meta={"sentry-trace": f"{TRACE_ID}-{SPAN_ID}-0"}
    ):
        pass
    assert sentry.named("tools/call kept").trace_id == other
    assert not [s for s in sentry.spans() if s.name == "tools/call dropped"]


def test_a_baggage_over_the_w3c_limit_is_not_carried_on(sentry):
    """A client's baggage of 1 MB went into the envelope's trace header and into every
    ``_meta`` and header sent onward from the request; over W3C Baggage's 8,192 bytes
    it is dropped, and the trace is still continued from ``sentry-trace``."""
    huge = f"sentry-trace_id={TRACE_ID},sentry-release=" + "x" * 1_000_000
    meta = {"sentry-trace": f"{TRACE_ID}-{SPAN_ID}-1", "baggage": huge}
    with sentry_agents.mcp_server("tools/call", "get_weather", meta=meta):
        onward = sentry_agents.mcp_meta()
    assert len(onward.get("baggage", "")) <= 8_192
    assert len(sentry.raw()) < 100_000
    assert sentry.named("tools/call get_weather").trace_id == TRACE_ID


@pytest.mark.parametrize(
    "meta",
    [
        {"traceparent": "00-" + "0" * 32 + "-" + SPAN_ID + "-01"},
        {"traceparent": "ff-" + TRACE_ID + "-" + SPAN_ID + "-01"},
        {"traceparent": "not a traceparent"},
        {"sentry-trace": 12},
        "a string",
        None,
    ],
)
def test_invalid_trace_context_starts_a_new_trace(sentry, meta):
    with sentry_agents.mcp_server("ping", meta=meta):
        pass
    server = sentry.named("ping")
    assert server.trace_id != TRACE_ID and server.parent_span_id is None


def test_requests_without_trace_context_get_a_trace_each(sentry):
    """A request (or notification) whose ``_meta`` has no trace context starts a trace of
    its own, as an HTTP server's request does. In streaming mode a new segment took the
    trace of the scope instead, so every request a server handled without ``_meta`` fell
    into one trace with the application's other roots; the application's trace is still
    not changed by it."""
    with sentry_agents.invoke_agent("Before"):
        pass
    with sentry_agents.mcp_server("tools/call", "first"):
        pass
    with sentry_agents.mcp_server("tools/call", "second", meta={"sentry-trace": "garbage"}):
        pass
    with sentry_agents.mcp_notification("notifications/initialized", "client_to_server"):
        pass
    with sentry_agents.invoke_agent("After"):
        pass
    trace = {s.name: s.trace_id for s in sentry.spans()}
    served = ["tools/call first", "tools/call second", "notifications/initialized"]
    assert len({trace[name] for name in served}) == 3
    assert not {trace[name] for name in served} & {trace["invoke_agent Before"]}
    if sentry.mode == "stream":
        assert trace["invoke_agent After"] == trace["invoke_agent Before"]


def test_inside_a_request_transaction_the_server_span_nests_there(sentry):
    if sentry.mode == "stream" or not HAS_TRANSACTIONS:
        root = sentry_sdk.traces.start_span(
            name="POST /mcp", attributes={"sentry.op": "http.server"}
        )
    else:
        root = sentry_sdk.start_transaction(name="POST /mcp", op="http.server")
    with root:
        with sentry_agents.mcp_server(
            "tools/call", "get_weather", meta={"traceparent": f"00-{TRACE_ID}-{SPAN_ID}-01"}
        ):
            pass
    request = sentry.named("POST /mcp")
    server = sentry.named("tools/call get_weather")
    assert server.parent_span_id == request.span_id
    assert server.trace_id == request.trace_id != TRACE_ID


def test_continued_roots_do_not_share_trace_context(sentry):
    first = {"sentry-trace": f"{'1' * 32}-{'2' * 16}-1"}
    with sentry_agents.mcp_server("tools/call", "first", meta=first):
        pass
    with sentry_agents.mcp_server("tools/call", "second"):
        pass
    assert sentry.named("tools/call first").trace_id == "1" * 32
    assert sentry.named("tools/call second").trace_id != "1" * 32


def test_no_sentry_sdk_no_work():
    with sentry_agents.mcp_server("tools/call", "t", meta={"traceparent": "x"}) as span:
        span.set_result({"content": [], "isError": True})
        assert span.span is None and not span.is_recording
    with sentry_agents.mcp_notification("notifications/progress", "server_to_client"):
        pass


# --- registry --------------------------------------------------------------------------


def test_every_mcp_key_sent_is_in_the_registry_with_its_type(sentry):
    conventions = pytest.importorskip("sentry_conventions.attributes")
    registry = conventions.ATTRIBUTE_METADATA
    from test_conformance import DEPRECATED_ON_PURPOSE

    with sentry_agents.mcp_server(
        "tools/call",
        "get_weather",
        request_id=1,
        session_id="s",
        transport="stdio",
        protocol_version="2025-06-18",
        client=CLIENT_INFO,
        server=CLIENT_INFO,
        arguments={"city": "Paris"},
    ) as span:
        span.set_result({"content": [{"type": "text", "text": "x"}], "isError": True})
    with sentry_agents.mcp_server("prompts/get", "p") as span:
        span.set_result({"messages": [{"role": "user", "content": "hi"}], "description": "d"})
    with sentry_agents.mcp_server("resources/read", "file:///x"):
        pass
    for method, params in (
        ("notifications/initialized", None),
        (
            "notifications/progress",
            {"progressToken": "t", "progress": 1, "total": 2, "message": "m"},
        ),
        ("notifications/cancelled", {"requestId": 1, "reason": "r"}),
        ("notifications/message", {"level": "info", "logger": "l", "data": "d"}),
    ):
        with sentry_agents.mcp_notification(method, "server_to_client", params=params):
            pass
    types = {"string": str, "integer": int, "double": float, "boolean": bool}
    seen = set()
    for span_record in mcp_spans(sentry):
        for key, value in span_record.attributes.items():
            if not key.startswith(("mcp.", "gen_ai.", "jsonrpc.", "network.", "error.")):
                continue
            seen.add(key)
            template = (
                "mcp.request.argument.<key>" if key.startswith("mcp.request.argument.") else key
            )
            meta = registry.get(template)
            assert meta is not None, f"{key} is not in sentry-conventions"
            if meta.deprecation is not None:
                assert key in DEPRECATED_ON_PURPOSE, f"{key} is deprecated"
            expected = types.get(meta.type.value)
            if expected is not None:
                assert type(value) is expected, (key, value, meta.type)
    assert {"mcp.progress.percentage", "mcp.tool.result.is_error", "jsonrpc.request.id"} <= seen


# --- hostile values -------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "raising everything",
        "cyclic dict",
        "bytes",
        "odd keys",
        "nan",
        "lone surrogates",
        "deep list",
        "many keys",
        "array-like",
    ],
)
def test_hostile_values_at_every_mcp_entry_point(sentry, name):
    from test_hostile import HOSTILE, _mcp_server_calls

    value = HOSTILE[name]()
    _mcp_server_calls(value, method="tools/call")
    with sentry_agents.mcp_server(value, value) as span:
        span.set_result(value)
    for method in ("notifications/progress", "notifications/message", "notifications/cancelled"):
        with sentry_agents.mcp_notification(method, value, params=value, meta=value):
            pass
        with sentry_agents.mcp_notification(
            method, "server_to_client", params={"progress": value, "total": value, "data": value}
        ):
            pass
    with sentry_agents.execute_tool("t", mcp_server=value) as tool:
        sentry_agents.mcp_meta(value)
        tool.set_result({"content": value, "isError": value})
    raw = sentry.raw()
    raw.decode("utf-8")
    spans = mcp_spans(sentry)
    assert len(spans) == 8
    for span_record in spans:
        for key, attribute in span_record.attributes.items():
            assert attribute is not None, key
            if key.startswith(("mcp.request.argument.", "gen_ai.tool.call.result")):
                assert isinstance(attribute, str)
            if key.startswith("mcp.request.argument."):
                json.loads(attribute)


def test_terminal_view_keeps_mcp_spans_with_the_gen_ai_ones(sentry):
    from sentry_agents._render import GenAiFilter, render_tree

    if sentry.mode == "stream" or not HAS_TRANSACTIONS:
        root = sentry_sdk.traces.start_span(name="GET /health")
    else:
        root = sentry_sdk.start_transaction(name="GET /health", op="http.server")
    with root:
        pass
    with sentry_agents.mcp_server("tools/call", "get_weather", transport="stdio"):
        pass
    with sentry_agents.mcp_notification("notifications/initialized", "client_to_server"):
        pass
    kept = GenAiFilter()(sentry.spans())
    assert {s.name for s in kept} == {"tools/call get_weather", "notifications/initialized"}
    assert "tools/call get_weather" in render_tree(kept)


def test_inside_a_flask_request_the_server_span_nests_under_it(static_sentry):
    """sentry-sdk's Flask integration makes the request's transaction (continuing the
    sentry-trace HTTP header); the MCP span nests there instead of using ``_meta``."""
    flask = pytest.importorskip("flask")
    from sentry_sdk.integrations.flask import FlaskIntegration

    static_sentry.init(integrations=[FlaskIntegration()])
    app = flask.Flask(__name__)

    @app.post("/mcp")
    def mcp_endpoint() -> Any:
        message = flask.request.get_json()
        params = message["params"]
        with sentry_agents.mcp_server(
            message["method"],
            params["name"],
            request_id=message["id"],
            transport="http",
            meta=params.get("_meta"),
        ) as span:
            result = {"content": [{"type": "text", "text": "Rain"}]}
            span.set_result(result)
        return {"jsonrpc": "2.0", "id": message["id"], "result": result}

    with sentry_agents.execute_tool("get_weather", mcp_server="weather") as tool:
        meta = sentry_agents.mcp_meta()
        headers = {"sentry-trace": meta["sentry-trace"], "baggage": meta["baggage"]}
        body = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": "get_weather", "_meta": meta},
        }
        with app.test_client() as client:
            reply = client.post("/mcp", json=body, headers=headers)
        tool.set_result(reply.get_json()["result"])
    request = static_sentry.one(lambda s: s.op == "http.server")
    server = static_sentry.named("tools/call get_weather")
    client_span = static_sentry.named("execute_tool get_weather")
    assert server.parent_span_id == request.span_id
    assert request.parent_span_id == client_span.span_id
    assert server.trace_id == request.trace_id == client_span.trace_id
    assert server.span_id not in root_ids(static_sentry)


# --- resource URIs: credentials never sent --------------------------------------------------

SECRET_URI = "postgres://admin:CANARY-PW@db/x?api_key=CANARY-KEY&sslmode=require#token=CANARY-T"
SHOWN_URI = (
    "postgres://[Filtered]:[Filtered]@db/x?api_key=[Filtered]&sslmode=require#token=[Filtered]"
)


@pytest.mark.parametrize("gate", [True, False], ids=["content-on", "content-off"])
@pytest.mark.parametrize("method", ["resources/read", "resources/subscribe"])
def test_resource_uri_credentials_are_filtered_in_name_and_attributes(sentry, gate, method):
    sentry.init(send_default_pii=gate)
    with sentry_agents.mcp_server(
        method, SECRET_URI, arguments={"uri": SECRET_URI, "limit": 3}, record_inputs=gate
    ):
        pass
    span = sentry.named(f"{method} {SHOWN_URI}")
    assert span.attributes["mcp.resource.uri"] == SHOWN_URI
    assert span.attributes["mcp.resource.protocol"] == "postgres"
    if gate:
        assert span.attributes["mcp.request.argument.uri"] == json.dumps(SHOWN_URI)
        assert span.attributes["mcp.request.argument.limit"] == "3"
    else:
        assert "mcp.request.argument.uri" not in span.attributes
    raw = sentry.raw()
    for canary in (b"CANARY-PW", b"CANARY-KEY", b"CANARY-T"):
        assert canary not in raw


def test_tool_and_prompt_targets_are_not_read_as_uris(sentry):
    with sentry_agents.mcp_server("tools/call", "fetch?token=x"):
        pass
    with sentry_agents.mcp_server("prompts/get", "//user@host"):
        pass
    assert (
        sentry.named("tools/call fetch?token=x").attributes["gen_ai.tool.name"] == "fetch?token=x"
    )
    assert sentry.named("prompts/get //user@host").attributes["mcp.prompt.name"] == "//user@host"


@pytest.mark.parametrize("root", [True, False], ids=["integration-root", "integration-child"])
def test_integrations_span_named_with_a_secret_uri_is_renamed(sentry, root):
    """Recording on sentry-sdk's own MCP span (which names it with the raw URI), the span's
    name and ``mcp.resource.uri`` are replaced by the filtered URI."""
    from sentry_agents._sdk.integrations import MCP_ORIGIN

    raw_name = f"resources/read {SECRET_URI}"

    def integration_span() -> Any:
        if sentry.mode == "stream":
            return sentry_sdk.traces.start_span(
                name=raw_name,
                attributes={"sentry.op": "mcp.server", "sentry.origin": MCP_ORIGIN},
            )
        if root:
            return sentry_sdk.start_transaction(op="mcp.server", name=raw_name, origin=MCP_ORIGIN)
        return sentry_sdk.start_span(
            op="mcp.server", origin=MCP_ORIGIN, **{_NAME_KEYWORD: raw_name}
        )

    def run() -> None:
        with integration_span() as span:
            if sentry.mode == "stream":
                span.set_attribute("mcp.resource.uri", SECRET_URI)
            else:
                span.set_data("mcp.resource.uri", SECRET_URI)
            with sentry_agents.mcp_server("resources/read", SECRET_URI, request_id=4):
                pass

    if root or sentry.mode == "stream":
        run()
    else:
        with sentry_sdk.start_transaction(op="http.server", name="POST /mcp"):
            run()
    served = [s for s in sentry.spans() if s.op == "mcp.server"]
    assert [s.name for s in served] == [f"resources/read {SHOWN_URI}"]
    assert served[0].attributes["mcp.resource.uri"] == SHOWN_URI
    assert served[0].attributes["mcp.request.id"] == "4"
    raw = sentry.raw()
    for canary in (b"CANARY-PW", b"CANARY-KEY", b"CANARY-T"):
        assert canary not in raw
