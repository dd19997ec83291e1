"""OpenAI Chat Completions with a tool loop: the model asks for a tool, we run it, repeat.

Offline against a scripted fake OpenAI server unless ``OPENAI_API_KEY`` is set; spans go to
``SENTRY_DSN`` when set, else they are printed. Run: ``python examples/openai_tool_loop.py``
"""

from __future__ import annotations

import json

import openai
import sentry_sdk
from _offline import FakeProvider, api_key, chat_completion, init_sentry, provider_url

import sentry_agents

MODEL = "gpt-4o-mini"


@sentry_agents.tool
def get_weather(city: str) -> dict[str, object]:
    """Current weather for a city."""
    return {"city": city, "forecast": "rain", "celsius": 14}


TOOLS = [sentry_agents.tool_definition(get_weather, format="chat_completions")]
TOOL_CALL = {
    "id": "call_1",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
}


def main() -> None:
    fake = FakeProvider().script(
        "/v1/chat/completions",
        chat_completion(None, tool_calls=[TOOL_CALL]),
        chat_completion("It is raining in Paris: take an umbrella."),
    )
    client = openai.OpenAI(
        api_key=api_key("OPENAI_API_KEY"), base_url=provider_url("OPENAI_API_KEY", fake, "/v1")
    )
    init_sentry()
    messages: list[dict[str, object]] = [
        {"role": "user", "content": "Do I need an umbrella in Paris?"}
    ]
    with sentry_agents.invoke_agent(
        "Weather Agent", model=MODEL, provider="openai", tools=TOOLS
    ) as agent:
        while True:
            with sentry_agents.chat(
                MODEL, provider="openai", messages=messages, tools=TOOLS
            ) as llm:
                response = client.chat.completions.create(
                    model=MODEL, messages=messages, tools=TOOLS
                )
                llm.set_response(response)
            message = response.choices[0].message
            messages.append(message.model_dump(exclude_none=True))
            if not message.tool_calls:
                break
            for call in message.tool_calls:
                result = get_weather(**json.loads(call.function.arguments))
                messages.append(
                    {"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)}
                )
        agent.set_output(message.content)
    sentry_sdk.flush()
    print(f"\nAnswer: {message.content}")


if __name__ == "__main__":
    main()
