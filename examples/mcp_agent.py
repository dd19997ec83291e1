"""An agent whose tool calls go to an MCP server in another process, over stdio and then
over HTTP: one trace from ``invoke_agent`` through ``execute_tool`` to the server's
``tools/call get_weather`` span.

The client is a few lines of JSON-RPC, no MCP SDK needed. Each request carries
``sentry_agents.mcp_meta()`` as its ``_meta``: the trace context the server's
``mcp_server(..., meta=...)`` continues. The server is ``mcp_weather_server.py``.

Offline, both processes send to a stand-in for Sentry on 127.0.0.1 and the whole trace is
printed as one tree; with ``SENTRY_DSN`` set, both send there.
Run: ``python examples/mcp_agent.py``
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import IO, Any, Optional

import sentry_sdk
from _offline import Collector, init_sentry

import sentry_agents
from sentry_agents.console import render_tree

SERVER = str(Path(__file__).resolve().parent / "mcp_weather_server.py")
MODEL = "fake-model"


class StdioClient:
    """JSON-RPC to the server's stdin, answers from its stdout: one message per line."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.ids = itertools.count(1)

    def send(self, message: dict[str, Any]) -> Optional[dict[str, Any]]:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        stdin.write(json.dumps(message) + "\n")
        stdin.flush()
        return json.loads(stdout.readline()) if "id" in message else None


class HttpClient:
    """JSON-RPC over HTTP POST, keeping the session id the server gives."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session_id: Optional[str] = None
        self.ids = itertools.count(1)

    def send(self, message: dict[str, Any]) -> Optional[dict[str, Any]]:
        headers = {"Content-Type": "application/json"}
        if self.session_id:
            headers["Mcp-Session-Id"] = self.session_id
        request = urllib.request.Request(self.url, json.dumps(message).encode(), headers)
        with urllib.request.urlopen(request) as response:
            self.session_id = response.headers.get("Mcp-Session-Id")
            body = response.read()
        return json.loads(body) if body else None


def request(client: Any, method: str, params: dict[str, Any]) -> Any:
    """One MCP request, with the current trace context in its ``_meta``."""
    params = {**params, "_meta": sentry_agents.mcp_meta(params.get("_meta"))}
    reply = client.send(
        {"jsonrpc": "2.0", "id": next(client.ids), "method": method, "params": params}
    )
    assert reply is not None
    if "error" in reply:
        raise RuntimeError(reply["error"]["message"])
    return reply["result"]


def notify(client: Any, method: str) -> None:
    client.send({"jsonrpc": "2.0", "method": method, "params": {"_meta": sentry_agents.mcp_meta()}})


def model_asks_for_weather(city: str) -> list[dict[str, Any]]:
    """What the (scripted) model answers: a call of the MCP server's tool."""
    arguments = json.dumps({"city": city})
    call = {"name": "get_weather", "arguments": arguments}
    return [
        {
            "role": "assistant",
            "tool_calls": [{"id": f"call_{city}", "type": "function", "function": call}],
        }
    ]


def run_agent(client: Any, transport: str, cities: list[str]) -> str:
    with sentry_agents.invoke_agent(f"Weather Agent ({transport})", model=MODEL) as agent:
        client_info = {"name": "weather-agent", "version": "0.1.0"}
        request(client, "initialize", {"protocolVersion": "2025-06-18", "clientInfo": client_info})
        notify(client, "notifications/initialized")
        tools = request(client, "tools/list", {})["tools"]
        answers = []
        for city in cities:
            with sentry_agents.chat(MODEL, messages=f"Weather in {city}?", tools=tools) as llm:
                llm.set_output(model_asks_for_weather(city))
                llm.set_usage(input_tokens=40, output_tokens=12)
            with sentry_agents.execute_tool(
                "get_weather", arguments={"city": city}, mcp_server="weather-server"
            ) as tool:
                params = {"name": "get_weather", "arguments": {"city": city}}
                result = request(client, "tools/call", params)
                tool.set_result(result)  # a CallToolResult: isError fails the span
            answers.append(result["content"][0]["text"])
        answer = "; ".join(answers)
        agent.set_output(answer)
        return answer


def start_server(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, SERVER, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


def stop(process: subprocess.Popen[str]) -> None:
    """Close the server's stdin: it stops serving, sends its spans and exits."""
    stdin: Optional[IO[str]] = process.stdin
    if stdin is not None:
        stdin.close()
    process.wait(timeout=60)


def main() -> None:
    collector = None
    if not os.environ.get("SENTRY_DSN"):
        collector = Collector()
        os.environ["SENTRY_DSN"] = collector.dsn  # the servers inherit it
    init_sentry(gen_ai_only=False)

    server = start_server()
    try:
        print("stdio:", run_agent(StdioClient(server), "stdio", ["Paris", "Atlantis"]))
    finally:
        stop(server)

    server = start_server("--http")
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        print("http:", run_agent(HttpClient(url), "http", ["Lisbon"]))
    finally:
        stop(server)

    sentry_sdk.flush()
    if collector is not None:
        print(render_tree(collector.spans()))
        collector.close()


if __name__ == "__main__":
    main()
