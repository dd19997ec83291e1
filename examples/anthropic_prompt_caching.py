"""Anthropic with prompt caching: usage recorded in Sentry's semantics.

Anthropic's ``input_tokens`` excludes cache reads and writes; Sentry's input total
includes them. ``set_response`` does the sum, so costs in Sentry come out right.
Offline against a scripted fake Anthropic server unless ``ANTHROPIC_API_KEY`` is set.
Run: ``python examples/anthropic_prompt_caching.py``
"""

from __future__ import annotations

import anthropic
import sentry_sdk
from _offline import FakeProvider, anthropic_message, api_key, init_sentry, provider_url

import sentry_agents

MODEL = "claude-sonnet-4-6"
SYSTEM = [
    {
        "type": "text",
        "text": "You are a travel planner. Here is our 40-page guide to Paris: ...",
        "cache_control": {"type": "ephemeral"},
    }
]


def main() -> None:
    fake = FakeProvider().script(
        "/v1/messages", anthropic_message("Visit the Louvre on a rainy day.")
    )
    client = anthropic.Anthropic(
        api_key=api_key("ANTHROPIC_API_KEY"), base_url=provider_url("ANTHROPIC_API_KEY", fake)
    )
    init_sentry()
    messages = [{"role": "user", "content": "One tip for a rainy day?"}]
    with sentry_agents.chat(
        MODEL, provider="anthropic", messages=messages, system_instructions=SYSTEM, max_tokens=200
    ) as llm:
        response = client.messages.create(
            model=MODEL, max_tokens=200, system=SYSTEM, messages=messages
        )
        llm.set_response(response)
    usage = sentry_agents.usage_from(response)
    sentry_sdk.flush()
    print(f"\nAnswer: {response.content[0].text}")
    print(
        f"Sentry input tokens: {usage.input_tokens} "
        f"(of which {usage.input_tokens_cached} read from cache)"
    )


if __name__ == "__main__":
    main()
