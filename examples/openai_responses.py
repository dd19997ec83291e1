"""OpenAI Responses API: one call, recorded with ``set_response`` (reasoning summary,
output text, cached and reasoning tokens).

Offline against a scripted fake OpenAI server unless ``OPENAI_API_KEY`` is set.
Run: ``python examples/openai_responses.py``
"""

from __future__ import annotations

import openai
import sentry_sdk
from _offline import FakeProvider, api_key, init_sentry, provider_url, response_object

import sentry_agents

MODEL = "o4-mini"


def main() -> None:
    fake = FakeProvider().script("/v1/responses", response_object("Rain until noon, then sun."))
    client = openai.OpenAI(
        api_key=api_key("OPENAI_API_KEY"), base_url=provider_url("OPENAI_API_KEY", fake, "/v1")
    )
    init_sentry()
    question = "What's the weather in Paris today?"
    with sentry_agents.chat(
        MODEL, provider="openai", messages=question, reasoning_level="medium"
    ) as llm:
        response = client.responses.create(
            model=MODEL, input=question, reasoning={"effort": "medium"}
        )
        llm.set_response(response)
    sentry_sdk.flush()
    print(f"\nAnswer: {response.output_text}")


if __name__ == "__main__":
    main()
