"""Streaming: chunks reach the user unchanged while the span records the streamed text,
usage and time to first chunk (sync with OpenAI, async with Anthropic).

Offline against scripted fake servers unless the provider keys are set.
Run: ``python examples/streaming.py``
"""

from __future__ import annotations

import asyncio

import anthropic
import openai
import sentry_sdk
from _offline import FakeProvider, anthropic_events, api_key, chat_chunks, init_sentry, provider_url

import sentry_agents


def openai_stream(client: openai.OpenAI) -> str:
    messages = [{"role": "user", "content": "Describe Paris in five words."}]
    pieces = []
    with sentry_agents.chat("gpt-4o-mini", provider="openai", messages=messages) as llm:
        stream = client.chat.completions.create(
            model="gpt-4o-mini",
            messages=messages,
            stream=True,
            stream_options={"include_usage": True},
        )
        for chunk in llm.stream(stream):
            if chunk.choices and chunk.choices[0].delta.content:
                pieces.append(chunk.choices[0].delta.content)
    return "".join(pieces)


async def anthropic_stream(client: anthropic.AsyncAnthropic) -> str:
    messages = [{"role": "user", "content": "Say hello."}]
    pieces = []
    async with sentry_agents.chat(
        "claude-sonnet-4-6", provider="anthropic", messages=messages
    ) as llm:
        stream = await client.messages.create(
            model="claude-sonnet-4-6", max_tokens=50, messages=messages, stream=True
        )
        async for event in llm.stream(stream):
            if event.type == "content_block_delta" and event.delta.type == "text_delta":
                pieces.append(event.delta.text)
    return "".join(pieces)


def main() -> None:
    fake = FakeProvider()
    fake.script("/v1/chat/completions", chat_chunks("Rainy, elegant, busy, delicious, old."))
    fake.script("/v1/messages", anthropic_events("Hello from a stream"))
    openai_client = openai.OpenAI(
        api_key=api_key("OPENAI_API_KEY"), base_url=provider_url("OPENAI_API_KEY", fake, "/v1")
    )
    anthropic_client = anthropic.AsyncAnthropic(
        api_key=api_key("ANTHROPIC_API_KEY"), base_url=provider_url("ANTHROPIC_API_KEY", fake)
    )
    init_sentry()
    first = openai_stream(openai_client)
    second = asyncio.run(anthropic_stream(anthropic_client))
    sentry_sdk.flush()
    print(f"\nOpenAI: {first}\nAnthropic: {second}")


if __name__ == "__main__":
    main()
