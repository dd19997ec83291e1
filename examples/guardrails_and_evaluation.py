"""An agent with an input guardrail and an output evaluation.

The Support Agent checks each question with a guardrail before it reaches the model,
answers with OpenAI, then a judge model grades the answer. The guardrail shows under the
agent in the trace without counting as an LLM call; the grading is an evaluation span
carrying Sentry's evaluation objects (questions in, answers out).

Offline against a scripted fake OpenAI server unless ``OPENAI_API_KEY`` is set; spans go
to ``SENTRY_DSN`` when set, else they are printed.
Run: ``python examples/guardrails_and_evaluation.py``
"""

from __future__ import annotations

import json
import re

import openai
import sentry_sdk
from _offline import FakeProvider, api_key, chat_completion, init_sentry, provider_url

import sentry_agents

MODEL = "gpt-4o-mini"
JUDGE = "gpt-4o-mini"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
QUESTIONS = {
    "helpful": {
        "type": "score",
        "criteria": ["unhelpful", "partly helpful", "helpful"],
        "instructions": "Does the answer solve the customer's problem?",
    },
    "on_topic": {"type": "boolean", "instructions": "Is the answer about our product?"},
}


@sentry_agents.guardrail("no_personal_data", stage="input")
def no_personal_data(question: str) -> tuple[bool, str]:
    """Block questions that carry an email address; the outcome is recorded on the span."""
    if EMAIL.search(question):
        return False, "an email address"
    return True, "no personal data found"


def grade(client: openai.OpenAI, question: str, answer: str) -> dict[str, dict[str, object]]:
    """Ask a judge model to grade the answer, recorded as an evaluation span."""
    with sentry_agents.evaluate(
        JUDGE, provider="openai", state=f"Q: {question}\nA: {answer}", questions=QUESTIONS
    ) as evaluation:
        response = client.chat.completions.create(
            model=JUDGE,
            messages=[
                {"role": "system", "content": f"Grade the answer. Questions: {QUESTIONS}"},
                {"role": "user", "content": f"Q: {question}\nA: {answer}"},
            ],
            response_format={"type": "json_object"},
        )
        answers: dict[str, dict[str, object]] = json.loads(
            response.choices[0].message.content or "{}"
        )
        evaluation.set_answers(answers)
        evaluation.set_response_model(response.model)
        evaluation.set_usage(sentry_agents.usage_from(response))
    return answers


def support_agent(client: openai.OpenAI, question: str) -> str:
    with sentry_agents.invoke_agent("Support Agent", model=MODEL, provider="openai") as agent:
        passed, _reason = no_personal_data(question)
        if not passed:
            answer = "Please ask again without personal data such as email addresses."
            agent.set_output(answer)
            return answer
        messages = [
            {"role": "system", "content": "You answer questions about the Acme CLI."},
            {"role": "user", "content": question},
        ]
        with sentry_agents.chat(MODEL, provider="openai", messages=messages) as llm:
            response = client.chat.completions.create(model=MODEL, messages=messages)
            llm.set_response(response)
        answer = response.choices[0].message.content or ""
        grades = grade(client, question, answer)
        helpful, on_topic = grades["helpful"]["score"], grades["on_topic"]["probability"]
        print(f"Helpful: {helpful} of 2, on topic: {on_topic}")
        agent.set_output(answer)
    return answer


def main() -> None:
    verdict = {
        "helpful": {"type": "score", "score": 2, "confidence": 0.86},
        "on_topic": {"type": "boolean", "probability": 0.97},
    }
    fake = FakeProvider().script(
        "/v1/chat/completions",
        chat_completion("Run `acme login --sso` and pick your organisation."),
        chat_completion(json.dumps(verdict)),
    )
    client = openai.OpenAI(
        api_key=api_key("OPENAI_API_KEY"), base_url=provider_url("OPENAI_API_KEY", fake, "/v1")
    )
    init_sentry()
    for question in (
        "How do I log in with single sign-on?",
        "My account is jane@example.com, why can't I log in?",
    ):
        print(f"> {question}\n{support_agent(client, question)}")
    sentry_sdk.flush()


if __name__ == "__main__":
    main()
