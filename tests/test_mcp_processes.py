"""One trace across processes: the agent here, the example MCP server (written without
the official SDK) in a subprocess over stdio and over HTTP, both sending to the same
ingest server, in both tracing modes. The server's ``tools/call`` span must be the child
of the agent's ``execute_tool`` span."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from test_examples import OFFLINE_ENV
from test_mcp import root_ids

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
sys.path.insert(0, str(EXAMPLES))

from mcp_agent import HttpClient, StdioClient, run_agent  # noqa: E402


class Server:
    """The example server in a subprocess; :meth:`stop` closes its stdin, so it sends
    its spans and exits (nothing is read before that)."""

    def __init__(self, process: subprocess.Popen[str], transport: str) -> None:
        self.process = process
        self.transport = transport
        assert process.stdout is not None
        if transport == "http":
            self.client: Any = HttpClient(process.stdout.readline().strip())
        else:
            self.client = StdioClient(process)

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(timeout=60) == 0


def server_env(sentry: Any) -> dict[str, str]:
    """The example server sends to the test's ingest server, in the test's tracing mode."""
    env = {**OFFLINE_ENV, "SENTRY_DSN": sentry.server.dsn}
    if sentry.mode == "stream":
        env["SENTRY_TRACE_LIFECYCLE"] = "stream"
    return env


@pytest.fixture
def weather_server(sentry: Any, request: pytest.FixtureRequest) -> Iterator[Server]:
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "mcp_weather_server.py"), f"--{request.param}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=server_env(sentry),
        cwd=EXAMPLES.parent,
    )
    server = Server(process, request.param)
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("weather_server", ["stdio", "http"], indirect=True)
def test_one_trace_from_agent_to_server(sentry, weather_server):
    transport = weather_server.transport
    answer = run_agent(weather_server.client, transport, ["Paris", "Atlantis"])
    assert answer == "Paris: Rain, 12°C; Unknown city: Atlantis"
    weather_server.stop()

    spans = sentry.spans()
    agent = sentry.named(f"invoke_agent Weather Agent ({transport})")
    calls = sorted(
        (s for s in spans if s.name == "execute_tool get_weather"), key=lambda s: s.start
    )
    served = sorted((s for s in spans if s.name == "tools/call get_weather"), key=lambda s: s.start)
    assert len(calls) == len(served) == 2
    roots = root_ids(sentry)
    for call, server in zip(calls, served):
        assert server.op == "mcp.server"
        assert server.trace_id == call.trace_id == agent.trace_id
        assert server.parent_span_id == call.span_id
        assert server.span_id in roots  # a new transaction / segment in the server process
        assert server.attributes["mcp.transport"] == transport
        assert server.attributes["network.transport"] == ("tcp" if transport == "http" else "pipe")
        assert server.attributes["mcp.client.name"] == "weather-agent"
        assert server.attributes["mcp.server.name"] == "weather-server"
    paris, atlantis = served
    assert paris.attributes["mcp.request.argument.city"] == '"Paris"'
    assert not paris.is_error() and not calls[0].is_error()
    assert atlantis.is_error() and atlantis.attributes["error.type"] == "tool_error"
    assert calls[1].is_error() and calls[1].attributes["error.type"] == "tool_error"

    for name in ("initialize", "tools/list", "notifications/initialized"):
        span = sentry.named(name)
        assert (span.trace_id, span.parent_span_id) == (agent.trace_id, agent.span_id), name
    if transport == "http":
        sessions = {s.attributes.get("mcp.session.id") for s in served}
        sessions.add(sentry.named("initialize").attributes.get("mcp.session.id"))
        assert len(sessions) == 1 and None not in sessions


def test_server_without_trace_context_starts_its_own_trace(sentry):
    request = '{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "x"}}\n'
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "mcp_weather_server.py")],
        input=request,
        capture_output=True,
        text=True,
        env=server_env(sentry),
        timeout=60,
        check=True,
    )
    assert '"code": -32602' in result.stdout
    server = sentry.named("tools/call x")
    assert server.parent_span_id is None
    assert server.is_error() and server.attributes["error.type"] == "-32602"
