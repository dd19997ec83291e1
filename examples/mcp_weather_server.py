"""An MCP server written without the official ``mcp`` SDK, instrumented with
``sentry_agents.mcp_server``: a small JSON-RPC handler served over stdio or HTTP.

Every request becomes an ``mcp.server`` span named as Sentry's MCP dashboards expect
(``initialize``, ``tools/list``, ``tools/call get_weather``), every notification an
``mcp.notification.client_to_server`` span. A client that puts its trace context in the
request's ``_meta`` (``sentry_agents.mcp_meta()``) gets the server's spans in its trace.

Run:
    python examples/mcp_weather_server.py            # stdio: one JSON-RPC message per line
    python examples/mcp_weather_server.py --http     # HTTP: POST /mcp on 127.0.0.1

With ``--http`` the first line printed is the server's URL; it serves until its stdin is
closed. Spans go to ``SENTRY_DSN`` when set, else they are printed on stderr (stdout is
the protocol channel). ``examples/mcp_agent.py`` runs this server both ways.
"""

from __future__ import annotations

import json
import sys
import threading
import uuid
from http.server import ThreadingHTTPServer
from typing import Any, Optional

import sentry_sdk
from _offline import QuietHandler, init_sentry

import sentry_agents

SERVER_INFO = {"name": "weather-server", "title": "Weather", "version": "1.0.0"}
PROTOCOL_VERSION = "2025-06-18"
WEATHER = {"paris": "Rain, 12°C", "lisbon": "Sunny, 24°C"}
TOOLS = [
    {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "inputSchema": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    }
]


class RpcError(Exception):
    """A request answered with a JSON-RPC error."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def get_weather(arguments: dict[str, Any]) -> dict[str, Any]:
    """The tool: a ``CallToolResult``, with ``isError`` for a city it does not know."""
    city = str(arguments.get("city", ""))
    forecast = WEATHER.get(city.lower())
    if forecast is None:
        return {"content": [{"type": "text", "text": f"Unknown city: {city}"}], "isError": True}
    return {"content": [{"type": "text", "text": f"{city}: {forecast}"}], "isError": False}


class WeatherServer:
    """The MCP protocol part: answers one JSON-RPC message, inside its span."""

    def __init__(self, transport: str, session_id: Optional[str] = None) -> None:
        self.transport = transport
        self.session_id = session_id
        self.client: Any = None

    def handle(self, message: dict[str, Any]) -> Optional[dict[str, Any]]:
        method = str(message.get("method", ""))
        params = message.get("params") or {}
        meta = params.get("_meta")
        if "id" not in message:  # a notification: no answer
            with sentry_agents.mcp_notification(
                method,
                "client_to_server",
                params=params,
                session_id=self.session_id,
                transport=self.transport,
                meta=meta,
            ):
                return None
        with sentry_agents.mcp_server(
            method,
            params.get("name") or params.get("uri"),
            request_id=message["id"],
            session_id=self.session_id,
            transport=self.transport,
            protocol_version=PROTOCOL_VERSION,
            client=params if method == "initialize" else self.client,
            server=SERVER_INFO,
            arguments=params.get("arguments"),
            meta=meta,
        ) as span:
            try:
                result = self.dispatch(method, params)
            except RpcError as error:
                span.set_error(error.code)
                return {
                    "jsonrpc": "2.0",
                    "id": message["id"],
                    "error": {"code": error.code, "message": str(error)},
                }
            span.set_result(result)
            return {"jsonrpc": "2.0", "id": message["id"], "result": result}

    def dispatch(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "initialize":
            self.client = params.get("clientInfo")
            return {
                "protocolVersion": PROTOCOL_VERSION,
                "capabilities": {"tools": {}},
                "serverInfo": SERVER_INFO,
            }
        if method == "ping":
            return {}
        if method == "tools/list":
            return {"tools": TOOLS}
        if method == "tools/call":
            if params.get("name") != "get_weather":
                raise RpcError(-32602, f"Unknown tool: {params.get('name')}")
            return get_weather(params.get("arguments") or {})
        raise RpcError(-32601, f"Method not found: {method}")


def serve_stdio() -> None:
    server = WeatherServer("stdio")
    for line in sys.stdin:
        if not line.strip():
            continue
        reply = server.handle(json.loads(line))
        if reply is not None:
            print(json.dumps(reply), flush=True)


def serve_http() -> None:
    sessions: dict[str, WeatherServer] = {}

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            message = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            session_id = self.headers.get("Mcp-Session-Id")
            if message.get("method") == "initialize" or session_id not in sessions:
                session_id = uuid.uuid4().hex
                sessions[session_id] = WeatherServer("http", session_id)
            reply = sessions[session_id].handle(message)
            body = json.dumps(reply).encode() if reply is not None else b""
            self.send_response(200 if reply is not None else 202)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Mcp-Session-Id", session_id)
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    print(f"http://127.0.0.1:{httpd.server_address[1]}/mcp", flush=True)
    sys.stdin.read()  # serve until the parent closes our stdin
    httpd.shutdown()


def main() -> None:
    init_sentry(gen_ai_only=False, console=sys.stderr)
    if "--http" in sys.argv[1:]:
        serve_http()
    else:
        serve_stdio()
    sentry_sdk.flush(timeout=10)  # returns as soon as everything is sent


if __name__ == "__main__":
    main()
