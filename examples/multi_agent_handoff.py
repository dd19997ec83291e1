"""Multi-agent handoff: a triage agent hands the conversation to a specialist.

Each agent run is an ``invoke_agent`` span; the ``handoff`` span marks control passing,
and the target agent gets its own ``invoke_agent`` span. LLM calls carry the name of
the agent that made them, and each agent span sums its calls' usage.
Offline against a scripted fake OpenAI server unless ``OPENAI_API_KEY`` is set.
Run: ``python examples/multi_agent_handoff.py``
"""

from __future__ import annotations

import openai
import sentry_sdk
from _offline import FakeProvider, api_key, chat_completion, init_sentry, provider_url

import sentry_agents

MODEL = "gpt-4o-mini"


def ask(client: openai.OpenAI, system: str, question: str) -> str:
    messages = [{"role": "system", "content": system}, {"role": "user", "content": question}]
    with sentry_agents.chat(MODEL, provider="openai", messages=messages) as llm:
        response = client.chat.completions.create(model=MODEL, messages=messages)
        llm.set_response(response)
    return response.choices[0].message.content or ""


def main() -> None:
    fake = FakeProvider().script(
        "/v1/chat/completions",
        chat_completion("billing"),
        chat_completion("Your refund of 12 EUR was sent today."),
    )
    client = openai.OpenAI(
        api_key=api_key("OPENAI_API_KEY"), base_url=provider_url("OPENAI_API_KEY", fake, "/v1")
    )
    init_sentry()
    question = "Where is my refund?"
    with sentry_agents.conversation("support-ticket-42"):
        with sentry_agents.invoke_agent("Triage Agent", model=MODEL, provider="openai") as triage:
            route = ask(client, "Answer with one word: billing or tech.", question)
            triage.set_output(route)
            target = "Billing Agent" if "billing" in route.lower() else "Tech Agent"
            with sentry_agents.handoff("Triage Agent", target):
                pass
        with sentry_agents.invoke_agent(target, model=MODEL, provider="openai") as specialist:
            answer = ask(client, f"You are the {target}.", question)
            specialist.set_output(answer)
    sentry_sdk.flush()
    print(f"\n{target}: {answer}")


if __name__ == "__main__":
    main()
