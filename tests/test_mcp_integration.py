"""Alongside sentry-sdk's own MCPIntegration, with a server built on the official ``mcp``
SDK: one ``mcp.server`` span per request, whether ``mcp_server`` wraps the request
(middleware first in line) or runs inside the integration's span (in a tool function)."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest

import sentry_agents
from sentry_agents._envelopes import SpanRecord

pytest.importorskip("mcp")
mcp_integration = pytest.importorskip(
    "sentry_sdk.integrations.mcp", reason="this sentry-sdk has no MCP integration"
)


def add_documented_middleware(server: Any) -> None:
    """Adds the middleware docs/mcp.md gives users of the official SDK to ``server``, as
    the page has it (a ``text`` block there: the page's snippets run on Python 3.9, ``mcp``
    needs 3.10)."""
    page = (Path(__file__).resolve().parent.parent / "docs" / "mcp.md").read_text("utf-8")
    found = re.search(r"```text\n(async def sentry_agents_middleware.*?)```", page, re.S)
    assert found, "docs/mcp.md has no sentry_agents_middleware block"
    exec(found.group(1), {"sentry_agents": sentry_agents, "server": server})


def build_server(pattern: str) -> Any:
    from mcp.server.mcpserver import MCPServer

    app = MCPServer("weather-server")
    if pattern == "inside":

        @app.tool()
        def get_weather(city: str) -> str:
            with sentry_agents.mcp_server("tools/call", "get_weather", arguments={"city": city}):
                return f"Rain in {city}"

        return app

    @app.tool()
    def get_weather(city: str) -> str:
        if city == "Atlantis":
            raise ValueError("no such city")
        return f"Rain in {city}"

    add_documented_middleware(app)
    assert app.middleware[0].__name__ == "sentry_agents_middleware"
    return app


async def call(app: Any, cities: list[str], meta: Any = None, mode: str = "auto") -> list[Any]:
    from mcp import Client

    async with Client(app, mode=mode) as client:
        return [await client.call_tool("get_weather", {"city": city}, meta=meta) for city in cities]


def tool_spans(spans: list[SpanRecord]) -> list[SpanRecord]:
    return [s for s in spans if s.name == "tools/call get_weather"]


@pytest.fixture
def with_integration(sentry: Any) -> Any:
    sentry.init(integrations=[mcp_integration.MCPIntegration()])
    return sentry


def test_middleware_first_one_span_per_request(with_integration):
    sentry = with_integration
    results = asyncio.run(call(build_server("middleware"), ["Paris", "Atlantis"]))
    assert results[1].is_error is True
    spans = sentry.spans()
    served = sorted((s for s in tool_spans(spans) if s.op == "mcp.server"), key=lambda s: s.start)
    assert len(served) == 2
    paris, atlantis = served
    assert paris.attributes["jsonrpc.request.id"] == paris.attributes["mcp.request.id"]
    assert isinstance(paris.attributes["mcp.request.id"], str)
    assert paris.attributes["gen_ai.tool.name"] == "get_weather"
    assert paris.attributes["mcp.request.argument.city"] == '"Paris"'
    # What only the integration knew is kept on ours.
    assert paris.attributes["network.transport"] == "pipe"
    assert not paris.is_error()
    # The integration records a tool that raised (returned isError) as a success; ours fails.
    assert atlantis.is_error() and atlantis.attributes["error.type"] == "tool_error"
    ids = {s.span_id for s in served}
    leftovers = [s for s in tool_spans(spans) if s.span_id not in ids]
    if sentry.mode == "stream":
        # Streamed spans cannot be dropped: the integration's is a plain child of ours.
        assert sorted(s.parent_span_id for s in leftovers) == sorted(ids)
        for span in leftovers:
            assert span.op == "function"
            assert not any(k.startswith(("mcp.", "gen_ai.")) for k in span.attributes)
    else:
        assert leftovers == []
    discover = [s for s in spans if s.op == "mcp.server" and s not in served]
    assert discover and all(s.attributes["mcp.method.name"] != "tools/call" for s in discover)


def test_the_documented_middleware_over_the_initialize_handshake(with_integration):
    """The handshake's ``notifications/initialized`` passes through the middleware too:
    a client-to-server notification span, not an ``mcp.server`` request; every request
    records its transport; a resource not found (the SDK raises ``MCPError`` -32602
    through the middleware) fails its span with the code, and only sentry-sdk's
    integration reports it."""
    from mcp import Client, Implementation
    from mcp.shared.exceptions import MCPError

    sentry = with_integration

    async def session() -> None:
        info = Implementation(name="test-client", version="1.0")
        async with Client(build_server("middleware"), mode="legacy", client_info=info) as client:
            await client.call_tool("get_weather", {"city": "Paris"})
            with pytest.raises(MCPError):
                await client.read_resource("config://missing")

    asyncio.run(session())
    spans = sentry.spans()
    (initialized,) = [s for s in spans if s.name == "notifications/initialized"]
    assert initialized.op == "mcp.notification.client_to_server"
    assert initialized.attributes["mcp.lifecycle.phase"] == "initialization_complete"
    served = [s for s in spans if s.op == "mcp.server"]
    assert {s.name for s in served} >= {"initialize", "tools/call get_weather"}
    assert all(s.attributes["mcp.transport"] == "stdio" for s in served)
    (tool,) = [s for s in served if s.name == "tools/call get_weather"]
    assert tool.attributes["mcp.client.name"] == "test-client"  # "Traffic by Client"
    (missing,) = [s for s in served if s.name == "resources/read config://missing"]
    assert missing.is_error() and missing.attributes["error.type"] == "-32602"
    mechanisms = [e["exception"]["values"][-1]["mechanism"]["type"] for e in sentry.events()]
    assert mechanisms == ["mcp"]


def test_the_integration_set_up_by_an_earlier_client_is_merged_too(sentry):
    """sentry-sdk's MCP integration, once set up by a client (the app's own, initialised
    before a test's capture), adds its middleware to every server made after, and that
    middleware makes spans whatever the current client's integrations: they were sent
    beside ours as a second ``mcp.server`` span of the same request."""
    sentry.init(integrations=[mcp_integration.MCPIntegration()])
    sentry.init()  # no integrations: the agent_spans capture's client, say
    asyncio.run(call(build_server("middleware"), ["Paris"]))
    served = [s for s in tool_spans(sentry.spans()) if s.op == "mcp.server"]
    assert len(served) == 1
    assert served[0].attributes["mcp.request.argument.city"] == '"Paris"'


def test_middleware_continues_the_client_trace(with_integration):
    sentry = with_integration

    async def agent() -> None:
        app = build_server("middleware")
        async with sentry_agents.invoke_agent("Weather Agent"):
            async with sentry_agents.execute_tool("get_weather", mcp_server="weather-server"):
                await call(app, ["Paris"], meta=sentry_agents.mcp_meta())

    asyncio.run(agent())
    client = sentry.named("execute_tool get_weather")
    served = [s for s in tool_spans(sentry.spans()) if s.op == "mcp.server"]
    assert len(served) == 1
    assert (served[0].trace_id, served[0].parent_span_id) == (client.trace_id, client.span_id)


def test_inside_the_integrations_span_one_span(with_integration):
    sentry = with_integration
    asyncio.run(call(build_server("inside"), ["Paris"]))
    spans = tool_spans(sentry.spans())
    assert len(spans) == 1
    span = spans[0]
    assert span.op == "mcp.server"
    assert span.attributes["gen_ai.tool.name"] == span.attributes["mcp.tool.name"]
    assert span.attributes["jsonrpc.request.id"] == span.attributes["mcp.request.id"]
    assert isinstance(span.attributes["mcp.request.id"], str)
    assert span.attributes["jsonrpc.protocol.version"] == "2.0"


def drop_secrets(kind: str, data: Any) -> Any:
    return None if kind == "tool.arguments" and "secret" in data else data


def build_renaming_server(pattern: str) -> Any:
    """A server whose ``mcp_server`` records the request's arguments as the handler reads
    them (``town``, or ``secret`` for the redaction hook to drop), not as the client sent
    them (``city``), which is what sentry-sdk's integration records on its span."""
    from mcp.server.mcpserver import MCPServer

    app = MCPServer("weather-server")

    def arguments_for(city: str) -> dict[str, str]:
        return {"secret": city} if city == "Secret" else {"town": city}

    if pattern == "inside":

        @app.tool()
        def get_weather(city: str) -> str:
            with sentry_agents.mcp_server("tools/call", "get_weather", redact=drop_secrets) as span:
                span.set_arguments(arguments_for(city))
                return f"Rain in {city}"

        return app

    @app.tool()
    def get_weather(city: str) -> str:
        return f"Rain in {city}"

    async def sentry_agents_middleware(ctx: Any, call_next: Any) -> Any:
        params = ctx.params or {}
        city = (params.get("arguments") or {}).get("city", "")
        async with sentry_agents.mcp_server(
            ctx.method,
            params.get("name") or params.get("uri"),
            request_id=ctx.request_id,
            arguments=arguments_for(city) if ctx.method == "tools/call" else None,
            redact=drop_secrets,
        ):
            return await call_next(ctx)

    app.middleware.insert(0, sentry_agents_middleware)
    return app


@pytest.mark.parametrize("pattern", ["inside", "middleware"])
def test_set_arguments_replaces_the_integrations_arguments(with_integration, pattern):
    """Arguments given to ``mcp_server`` replace those sentry-sdk's MCP integration
    recorded for the same request wholly, as a second ``set_arguments`` replaces a first:
    the integration's ``mcp.request.argument.city`` was sent beside ours, on the span
    joined (``inside``) and on ours that took what the integration's span had
    (``middleware``), even when our redaction hook dropped the arguments."""
    sentry = with_integration
    asyncio.run(call(build_renaming_server(pattern), ["Paris", "Secret"]))
    served = sorted(
        (s for s in tool_spans(sentry.spans()) if s.op == "mcp.server"), key=lambda s: s.start
    )
    assert len(served) == 2
    arguments = [
        {k: v for k, v in s.attributes.items() if k.startswith("mcp.request.argument")}
        for s in served
    ]
    assert arguments == [{"mcp.request.argument.town": '"Paris"'}, {}]
    assert served[0].attributes["gen_ai.tool.name"] == "get_weather"


@pytest.mark.parametrize("closed_by", ["send_default_pii", "record_inputs"])
def test_inputs_off_takes_back_the_integrations_arguments_on_a_joined_span(sentry, closed_by):
    """sentry-sdk's MCP integration records a request's arguments even with
    ``send_default_pii=False``; once ``mcp_server`` joins its span, that span is ours and
    our input gate decides: with it closed (by the client, or by ``record_inputs=False``),
    no ``mcp.request.argument.*`` is sent, while the names and ids still are."""
    from mcp.server.mcpserver import MCPServer

    sentry.init(
        integrations=[mcp_integration.MCPIntegration()],
        send_default_pii=closed_by != "send_default_pii",
    )
    app = MCPServer("weather-server")

    @app.tool()
    def get_weather(city: str) -> str:
        record = False if closed_by == "record_inputs" else None
        with sentry_agents.mcp_server("tools/call", "get_weather", record_inputs=record) as span:
            span.set_arguments({"city": city})
            return f"Rain in {city}"

    asyncio.run(call(app, ["Paris"]))
    spans = tool_spans(sentry.spans())
    assert len(spans) == 1
    attributes = spans[0].attributes
    assert attributes["gen_ai.tool.name"] == "get_weather"
    assert attributes["mcp.tool.name"] == "get_weather"
    assert not [k for k in attributes if k.startswith("mcp.request.argument")]


def test_concurrent_requests_joined_keep_a_span_each(with_integration):
    """Two requests handled at once, each recording inside the integration's span: the one
    answered first keeps its own span and arguments. With span streaming on sentry-sdk
    2.x, the integration's span of the second request has the first's as parent (the
    requests share a scope); once our ``mcp_server`` had ended on it, that span was taken
    for a duplicate of the first request's and sent as a plain ``function`` span."""
    from mcp import Client
    from mcp.server.mcpserver import MCPServer

    sentry = with_integration
    app = MCPServer("weather-server")
    answered = asyncio.Event()

    @app.tool()
    async def get_weather(city: str) -> str:
        with sentry_agents.mcp_server("tools/call", "get_weather", arguments={"city": city}):
            if city == "Slow":
                await answered.wait()  # still open while Paris is answered
            return f"Rain in {city}"

    async def run() -> None:
        async with Client(app) as client:

            async def one(city: str) -> None:
                await client.call_tool("get_weather", {"city": city})
                if city == "Paris":
                    answered.set()

            await asyncio.gather(one("Slow"), one("Paris"))

    asyncio.run(run())
    served = [s for s in tool_spans(sentry.spans()) if s.op == "mcp.server"]
    cities = sorted(s.attributes.get("mcp.request.argument.city") for s in served)
    assert cities == ['"Paris"', '"Slow"']
    from sentry_agents._sdk import integrations

    with integrations._lock:
        assert not integrations._ours, "a joined span is forgotten once the integration sent it"


def test_a_decorated_tool_function_keeps_the_integrations_arguments(with_integration):
    """``@mcp_server`` under the framework's ``@app.tool()``: one span per request, with
    the request's arguments as the integration recorded them (the handler's are the
    same), and its result."""
    from mcp.server.mcpserver import MCPServer

    sentry = with_integration
    app = MCPServer("weather-server")

    @app.tool()
    @sentry_agents.mcp_server("tools/call", "get_weather")
    def get_weather(city: str, days: int = 1) -> str:
        return f"Rain in {city} for {days} days"

    results = asyncio.run(call(app, ["Paris"]))
    assert results[0].is_error is False
    (served,) = [s for s in tool_spans(sentry.spans()) if s.op == "mcp.server"]
    arguments = {
        k: v for k, v in served.attributes.items() if k.startswith("mcp.request.argument.")
    }
    # As the integration wrote it (its own format: text as it is), not replaced.
    assert arguments == {"mcp.request.argument.city": "Paris"}
    assert "Rain in Paris" in served.attributes["gen_ai.tool.call.result"]


def test_the_integrations_arguments_are_scrubbed_by_name_as_ours_are(with_integration):
    """The integration's ``mcp.request.argument.*`` kept on our span are judged by their
    names and scrubbed as ours: a ``password`` argument is filtered, a URL's credentials
    too, the rest kept as the integration wrote it."""
    from mcp import Client
    from mcp.server.mcpserver import MCPServer

    sentry = with_integration
    app = MCPServer("login-server")

    @app.tool()
    @sentry_agents.mcp_server("tools/call", "login")
    def login(user: str, password: str, server: str) -> str:
        return f"Welcome {user}"

    async def run() -> Any:
        async with Client(app) as client:
            arguments = {"user": "ada", "password": "CANARY-1", "server": "ftp://a:CANARY-2@h/"}
            return await client.call_tool("login", arguments)

    assert asyncio.run(run()).is_error is False
    (served,) = [s for s in sentry.spans() if s.name == "tools/call login" and s.op == "mcp.server"]
    arguments = {
        k: v for k, v in served.attributes.items() if k.startswith("mcp.request.argument.")
    }
    assert arguments == {
        "mcp.request.argument.user": "ada",
        "mcp.request.argument.password": "[Filtered]",
        "mcp.request.argument.server": "ftp://[Filtered]:[Filtered]@h/",
    }
    assert b"CANARY" not in sentry.raw()


@pytest.mark.parametrize("record_outputs", [None, False])
def test_what_the_integration_writes_on_a_joined_span_after_ours_is_ours_to_judge(
    with_integration, record_outputs
):
    """On the integration's span we joined, the integration writes the handler's result
    (``mcp.tool.result.content``) after ours ended: it is scrubbed as ours is, and left
    out when our output gate is closed, as ours would have done."""
    from mcp import Client
    from mcp.server.mcpserver import MCPServer

    sentry = with_integration
    app = MCPServer("s")
    secret = {"token": "CANARY-1", "url": "https://u:CANARY-2@h/x", "city": "Paris"}

    @app.tool()
    @sentry_agents.mcp_server("tools/call", "login", record_outputs=record_outputs)
    def login(user: str) -> str:
        return json.dumps(secret)

    async def run() -> Any:
        async with Client(app) as client:
            return await client.call_tool("login", {"user": "ada"})

    asyncio.run(run())
    (served,) = [s for s in sentry.spans() if s.name == "tools/call login" and s.op == "mcp.server"]
    assert b"CANARY" not in sentry.raw()
    attributes = served.attributes
    if record_outputs is False:
        assert "mcp.tool.result.content" not in attributes
        assert "gen_ai.tool.call.result" not in attributes
    else:
        assert "Paris" in attributes["mcp.tool.result.content"]
        result = json.loads(attributes["gen_ai.tool.call.result"])
        if set(result) == {"result"}:  # sentry-sdk 3.x's integration wraps a text result
            result = json.loads(result["result"])
        assert result == {
            "token": "[Filtered]",
            "url": "https://[Filtered]:[Filtered]@h/x",
            "city": "Paris",
        }
