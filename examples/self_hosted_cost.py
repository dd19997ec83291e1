"""Cost for a self-hosted model: prices you set, on every LLM span and summed on the agent.

Sentry prices the models it knows during ingestion; a model you serve yourself (vLLM,
TGI, Ollama behind an OpenAI-compatible API) has no public price, so its calls would show
no cost. ``sentry_agents.configure(prices=...)`` gives it one: each LLM span gets the six
``gen_ai.cost.*`` attributes (USD, by Sentry's formula, cached and reasoning subsets
included) and the agent span their sum; with a context window, each call also reports
how full the window was (``gen_ai.context.utilization``).

Offline against a scripted fake OpenAI-compatible server; spans go to ``SENTRY_DSN`` when
set, else they are printed with their cost. Run: ``python examples/self_hosted_cost.py``
"""

from __future__ import annotations

from typing import Any

import openai
import sentry_sdk
from _offline import FakeProvider, chat_completion, init_sentry

import sentry_agents

MODEL = "llama-3.3-70b-instruct"
# What one million tokens cost you on your own GPUs (an estimate you choose), in USD.
PRICES = {MODEL: {"input": 0.60, "output": 0.60, "cached_input": 0.15, "context_window": 131_072}}


def reply(text: str) -> dict[str, Any]:
    """A vLLM-style reply: the served model's name, usage with cached prompt tokens."""
    return {**chat_completion(text), "model": MODEL}


def main() -> None:
    fake = FakeProvider().script(
        "/v1/chat/completions",
        reply("Three days: museums, Montmartre, a day trip to Giverny."),
        reply("Pack layers and an umbrella."),
    )
    client = openai.OpenAI(api_key="self-hosted", base_url=fake.base_url + "/v1")
    init_sentry()
    sentry_agents.configure(prices=PRICES)
    history: list[dict[str, str]] = []
    with sentry_agents.invoke_agent("Trip Planner", model=MODEL, provider="vllm") as agent:
        for question in ("Plan three days in Paris.", "What should I pack?"):
            history.append({"role": "user", "content": question})
            with sentry_agents.chat(MODEL, provider="vllm", messages=history) as llm:
                response = client.chat.completions.create(model=MODEL, messages=history)
                llm.set_response(response)
            history.append(
                {"role": "assistant", "content": response.choices[0].message.content or ""}
            )
        agent.set_output(history[-1]["content"])
    sentry_sdk.flush()
    # Each call: (120 - 100 cached) * 0.60 + 100 * 0.15 + 30 * 0.60 = 45 per million tokens.
    print("\nEach call: $0.000045, the agent run: $0.000090 (see gen_ai.cost.* on the spans)")


if __name__ == "__main__":
    main()
