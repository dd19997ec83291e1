"""Conversation ids over several turns: every gen_ai span of a turn carries
``gen_ai.conversation.id``, so Sentry can show the whole conversation.

Offline against a scripted fake OpenAI server unless ``OPENAI_API_KEY`` is set.
Run: ``python examples/conversation_ids.py``
"""

from __future__ import annotations

import openai
import sentry_sdk
from _offline import FakeProvider, api_key, chat_completion, init_sentry, provider_url

import sentry_agents

MODEL = "gpt-4o-mini"


def turn(client: openai.OpenAI, history: list[dict[str, str]], text: str) -> str:
    history.append({"role": "user", "content": text})
    with sentry_agents.invoke_agent("Chat Agent", model=MODEL, provider="openai") as agent:
        with sentry_agents.chat(MODEL, provider="openai", messages=history) as llm:
            response = client.chat.completions.create(model=MODEL, messages=history)
            llm.set_response(response)
        answer = response.choices[0].message.content or ""
        agent.set_output(answer)
    history.append({"role": "assistant", "content": answer})
    return answer


def main() -> None:
    fake = FakeProvider().script(
        "/v1/chat/completions",
        chat_completion("Hi! Where to?"),
        chat_completion("Paris is lovely in spring."),
    )
    client = openai.OpenAI(
        api_key=api_key("OPENAI_API_KEY"), base_url=provider_url("OPENAI_API_KEY", fake, "/v1")
    )
    init_sentry()
    history: list[dict[str, str]] = []
    with sentry_agents.conversation("conv-2026-11-25-001"):
        for text in ("Hello", "Where should I travel?"):
            print(f"> {text}\n{turn(client, history, text)}")
    sentry_sdk.flush()


if __name__ == "__main__":
    main()
