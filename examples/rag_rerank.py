"""A retrieval-augmented answer: search, rerank, then ask the model with the best passages.

Search is a tool span; the reranker (a self-hosted cross-encoder, here a word-overlap
stand-in) is a ``rerank`` span with the query, the candidate documents and the ranking;
the answer is a ``chat`` span. All three sit under the agent run.

Offline against a scripted fake OpenAI server unless ``OPENAI_API_KEY`` is set; spans go
to ``SENTRY_DSN`` when set, else they are printed. Run: ``python examples/rag_rerank.py``
"""

from __future__ import annotations

import openai
import sentry_sdk
from _offline import FakeProvider, api_key, chat_completion, init_sentry, provider_url

import sentry_agents

MODEL = "gpt-4o-mini"
RERANKER = "bge-reranker-v2-m3"
DOCS = [
    "A refund goes to the original payment method within 5 business days.",
    "Our office is closed on public holidays.",
    "To request a refund, open Billing > Orders and choose Request refund.",
    "Gift cards cannot be exchanged for a refund or for cash.",
]


@sentry_agents.tool
def search_docs(query: str) -> list[str]:
    """Keyword search over the help center."""
    words = set(query.lower().split())
    return [doc for doc in DOCS if words & set(doc.lower().replace(",", "").split())]


def rerank(query: str, documents: list[str], top_n: int = 2) -> list[str]:
    """Order the candidates by relevance, recorded as a rerank span."""
    with sentry_agents.rerank(
        RERANKER, provider="self-hosted", query=query, documents=documents
    ) as span:
        words = set(query.lower().split())
        scores = [
            round(len(words & set(doc.lower().replace(",", "").split())) / len(words), 2)
            for doc in documents
        ]
        ranking = sorted(enumerate(scores), key=lambda item: item[1], reverse=True)[:top_n]
        span.set_result(ranking)  # (index, score) pairs, best first
        span.set_usage(input_tokens=sum(len(doc.split()) for doc in documents) + len(words))
    return [documents[index] for index, _score in ranking]


def answer(client: openai.OpenAI, question: str) -> str:
    with sentry_agents.invoke_agent("Help Center Agent", model=MODEL, provider="openai") as agent:
        passages = rerank(question, search_docs(question))
        messages = [
            {"role": "system", "content": "Answer from these passages:\n" + "\n".join(passages)},
            {"role": "user", "content": question},
        ]
        with sentry_agents.chat(MODEL, provider="openai", messages=messages) as llm:
            response = client.chat.completions.create(model=MODEL, messages=messages)
            llm.set_response(response)
        text = response.choices[0].message.content or ""
        agent.set_output(text)
    return text


def main() -> None:
    fake = FakeProvider().script(
        "/v1/chat/completions",
        chat_completion("Open Billing > Orders, choose Request refund; it arrives in 5 days."),
    )
    client = openai.OpenAI(
        api_key=api_key("OPENAI_API_KEY"), base_url=provider_url("OPENAI_API_KEY", fake, "/v1")
    )
    init_sentry()
    question = "how do I request a refund"
    print(f"> {question}\n{answer(client, question)}")
    sentry_sdk.flush()


if __name__ == "__main__":
    main()
