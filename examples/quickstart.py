"""Quickstart: a two-agent trip planner, traced with sentry-agents.

The Weather Agent asks its model, calls a tool, then hands off to the Travel Agent.
The model is a scripted fake that answers like OpenAI's Chat Completions API, so
this runs offline with no keys.

- With ``SENTRY_DSN`` set, the spans go to your Sentry project (AI Agents dashboards).
- Without it, the agent run is printed as a tree in the terminal, built from the
  exact envelopes sentry-sdk would have sent.

Run: ``python examples/quickstart.py``
"""

from __future__ import annotations

import inspect
import json
import os
import time
from typing import Any

import sentry_sdk

import sentry_agents
from sentry_agents.console import ConsoleTransport

MODEL = "gpt-4o-mini"


def get_weather(city: str) -> dict[str, Any]:
    """Current weather for a city."""
    time.sleep(0.01)
    return {"city": city, "forecast": "rain", "celsius": 14}


class FakeOpenAI:
    """Answers like ``client.chat.completions.create`` would, from a script."""

    def __init__(self, script: list[dict[str, Any]]) -> None:
        self.script = list(script)
        self.calls = 0

    def create(self, *, model: str, messages: list[dict[str, Any]], **_: Any) -> dict[str, Any]:
        time.sleep(0.02)
        self.calls += 1
        message = self.script.pop(0)
        finish = "tool_calls" if message.get("tool_calls") else "stop"
        prompt = sum(len(json.dumps(m)) // 4 for m in messages)
        return {
            "id": f"chatcmpl-{self.calls}",
            "object": "chat.completion",
            "model": f"{model}-2024-07-18",
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": 18,
                "total_tokens": prompt + 18,
                "prompt_tokens_details": {"cached_tokens": prompt // 2},
                "completion_tokens_details": {"reasoning_tokens": 6},
            },
        }


WEATHER_SCRIPT = [
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            }
        ],
    },
    {"role": "assistant", "content": "Rain in Paris. Handing off to the Travel Agent."},
]
TRAVEL_SCRIPT = [{"role": "assistant", "content": "Pack an umbrella and book a museum day."}]


def call_model(
    client: FakeOpenAI, messages: list[dict[str, Any]], tools: list[Any]
) -> dict[str, Any]:
    """One LLM call, recorded as a ``chat`` span."""
    with sentry_agents.chat(
        MODEL, provider="openai", messages=messages, tools=tools, temperature=0.2
    ) as llm:
        response = client.create(model=MODEL, messages=messages)
        llm.set_response(response)
    message: dict[str, Any] = response["choices"][0]["message"]
    return message


def travel_agent(question: str) -> str:
    client = FakeOpenAI(TRAVEL_SCRIPT)
    messages = [
        {"role": "system", "content": "You plan trips."},
        {"role": "user", "content": question},
    ]
    with sentry_agents.invoke_agent("Travel Agent", model=MODEL, provider="openai") as agent:
        answer = str(call_model(client, messages, [])["content"])
        agent.set_output(answer)
    return answer


def weather_agent(question: str) -> str:
    client = FakeOpenAI(WEATHER_SCRIPT)
    tools = [get_weather]
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You answer weather questions, then hand off."},
        {"role": "user", "content": question},
    ]
    with sentry_agents.invoke_agent(
        "Weather Agent", model=MODEL, provider="openai", messages=messages, tools=tools
    ) as agent:
        while True:
            message = call_model(client, messages, tools)
            messages.append(message)
            if not message.get("tool_calls"):
                break
            for call in message["tool_calls"]:
                arguments = json.loads(call["function"]["arguments"])
                with sentry_agents.execute_tool(
                    "get_weather",
                    arguments=arguments,
                    call_id=call["id"],
                    description="Current weather",
                ) as tool:
                    result = get_weather(**arguments)
                    tool.set_result(result)
                messages.append(
                    {"role": "tool", "tool_call_id": call["id"], "content": json.dumps(result)}
                )
        with sentry_agents.handoff("Weather Agent", "Travel Agent"):
            pass
        answer = travel_agent(f"{message['content']} Plan my day in Paris.")
        agent.set_output(answer)
    return answer


def record_prompts() -> dict[str, Any]:
    """Prompts and outputs are recorded when sentry-sdk's own switch allows it (off by
    default): ``data_collection`` where the installed sentry-sdk has it, else
    ``send_default_pii`` (older 2.x releases)."""
    if "data_collection" in inspect.signature(sentry_sdk.consts.ClientConstructor).parameters:
        return {"data_collection": {"gen_ai": {"inputs": True, "outputs": True}}}
    return {"send_default_pii": True}


def main() -> None:
    dsn = os.environ.get("SENTRY_DSN")
    sentry_sdk.init(
        dsn=dsn,
        transport=None if dsn else ConsoleTransport(),
        traces_sample_rate=1.0,
        **record_prompts(),
    )
    answer = weather_agent("What's the weather in Paris? I'm visiting tomorrow.")
    sentry_sdk.flush()
    print(f"\nAnswer: {answer}")
    if dsn:
        print("Sent to Sentry: open Insights > AI > Agents.")


if __name__ == "__main__":
    main()
