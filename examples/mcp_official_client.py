"""The official ``mcp`` SDK's client calling ``mcp_weather_server.py`` over stdio, with the
trace context in ``_meta`` (``meta=`` on ``call_tool``): the server's ``tools/call`` span
is the child of the agent's ``execute_tool`` span, in one trace.

Needs the ``mcp`` package (Python 3.10+). Offline, both processes send to a stand-in for
Sentry on 127.0.0.1 and the trace is printed as one tree (after it, the session's
``initialize``, ``notifications/initialized`` and ``tools/list`` print as roots of their
own: the client sends them before any ``_meta`` is passed); with ``SENTRY_DSN`` set,
both send there. Run: ``python examples/mcp_official_client.py``
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import sentry_sdk
from _offline import Collector, init_sentry
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

import sentry_agents
from sentry_agents.console import render_tree

SERVER = str(Path(__file__).resolve().parent / "mcp_weather_server.py")


async def run_agent(city: str) -> str:
    # The server inherits SENTRY_DSN (the SDK passes only a few variables by default).
    server = StdioServerParameters(command=sys.executable, args=[SERVER], env=dict(os.environ))
    async with sentry_agents.invoke_agent("Weather Agent", model="fake-model") as agent:
        async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            async with sentry_agents.execute_tool(
                "get_weather", arguments={"city": city}, mcp_server="weather-server"
            ) as tool:
                result = await session.call_tool(
                    "get_weather", {"city": city}, meta=sentry_agents.mcp_meta()
                )
                tool.set_result(result)  # CallToolResult: content, isError
        answer = result.content[0].text  # type: ignore[union-attr]
        agent.set_output(answer)
        return answer


def main() -> None:
    collector = None
    if not os.environ.get("SENTRY_DSN"):
        collector = Collector()
        os.environ["SENTRY_DSN"] = collector.dsn
    init_sentry(gen_ai_only=False)
    print("Answer:", asyncio.run(run_agent("Paris")))
    sentry_sdk.flush()
    if collector is not None:
        print(render_tree(collector.spans()))
        collector.close()


if __name__ == "__main__":
    main()
