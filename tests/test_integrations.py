"""Alongside sentry-sdk's own AI integrations, enabled the way they are by default:
one LLM span per model call, agent names and usage on the integrations' spans too."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sentry_sdk

import sentry_agents
from conftest import HAS_TRANSACTIONS, child_span
from fakes import anthropic_message, chat_completion, embeddings_reply, response_object
from test_usage import run_calls_reporting_no_total

# gen_ai.responses: sentry-sdk 2.x's op for an OpenAI Responses call (3.0 uses gen_ai.chat).
LLM_OPS = {"gen_ai.chat", "gen_ai.text_completion", "gen_ai.generate_content", "gen_ai.responses"}
pytestmark = pytest.mark.skipif(
    not hasattr(sentry_sdk.consts.OP, "GEN_AI_CHAT"),
    reason="this sentry-sdk's AI integrations make ai.* spans, which the dashboards do not count",
)


@pytest.fixture
def with_integrations(sentry):
    """sentry-sdk with its default and auto-enabling integrations on, OpenAI and Anthropic
    with their default options. They are named explicitly because sentry-sdk deactivates
    them when its LangChain integration is active, as it is here (langchain-core is a
    test dependency); in an app without LangChain they are on by default."""
    from sentry_sdk.integrations.anthropic import AnthropicIntegration
    from sentry_sdk.integrations.openai import OpenAIIntegration

    sentry.init(
        default_integrations=True,
        auto_enabling_integrations=True,
        integrations=[OpenAIIntegration(), AnthropicIntegration()],
    )
    return sentry


def llm_spans(sentry) -> list:
    return [s for s in sentry.spans() if s.op in LLM_OPS]


MESSAGES = [{"role": "user", "content": "Weather in Paris?"}]


def test_integration_is_really_on(with_integrations, provider):
    provider.script("/v1/chat/completions", chat_completion("sunny"))
    provider.openai().chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    spans = llm_spans(with_integrations)
    assert len(spans) == 1 and spans[0].attributes.get(
        "sentry.origin", "auto.ai.openai"
    ).startswith("auto.ai")


def test_chat_around_an_instrumented_call_is_one_span(with_integrations, provider):
    provider.script(
        "/v1/chat/completions", chat_completion("It is sunny."), chat_completion("Still sunny.")
    )
    client = provider.openai()
    with sentry_agents.invoke_agent("Weather Agent") as agent:
        for _ in range(2):
            with sentry_agents.chat(
                "gpt-4o-mini", provider="openai", messages=MESSAGES, temperature=0.3
            ) as llm:
                llm.set_response(
                    client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
                )
    spans = llm_spans(with_integrations)
    assert len(spans) == 2, [s.name for s in spans]
    for span in spans:
        attrs = span.attributes
        assert attrs["gen_ai.agent.name"] == "Weather Agent"
        assert json.loads(attrs["gen_ai.input.messages"]) == [
            {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]}
        ]
        assert attrs["gen_ai.usage.input_tokens"] == 120
        assert attrs["gen_ai.request.temperature"] == 0.3
        # The integration's deprecated copies of what ours has under current keys: not sent.
        assert "gen_ai.request.messages" not in attrs and "gen_ai.system" not in attrs
        assert "gen_ai.response.text" not in attrs
        assert span.parent_span_id == with_integrations.named("invoke_agent Weather Agent").span_id
    agent_attrs = with_integrations.named("invoke_agent Weather Agent").attributes
    assert agent_attrs["gen_ai.usage.input_tokens"] == 240
    assert agent_attrs["gen_ai.usage.output_tokens"] == 60
    assert agent.span is not None


def test_integration_spans_inside_our_agent_get_its_name_and_usage(with_integrations, provider):

    provider.script("/v1/chat/completions", chat_completion("ok"))
    provider.script("/v1/messages", anthropic_message("Salut."))
    anthropic_client = provider.anthropic()
    with sentry_agents.invoke_agent("Travel Agent"):
        with sentry_agents.execute_tool("lookup"):
            provider.openai().chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        anthropic_client.messages.create(
            model="claude-sonnet-4-5", max_tokens=10, messages=MESSAGES
        )
    spans = llm_spans(with_integrations)
    assert len(spans) == 2
    assert {s.attributes["gen_ai.agent.name"] for s in spans} == {"Travel Agent"}
    agent = with_integrations.named("invoke_agent Travel Agent").attributes
    assert agent["gen_ai.usage.input_tokens"] == 120 + 1070
    assert agent["gen_ai.usage.output_tokens"] == 30 + 10


def test_integration_calls_under_a_span_of_the_users_count_in_its_agents(
    with_integrations, provider
):
    """A model call the integration records under a span of the user's own (not one of
    ours) counts in the usage and cost of every agent around it, is priced and gets the
    nearest agent's name, in streaming mode as in transaction mode (in streaming mode
    only calls directly under one of our spans counted)."""
    sentry_agents.configure(prices={"gpt-4o-mini": {"input": 1_000_000, "output": 1_000_000}})
    provider.script("/v1/chat/completions", chat_completion("ok"), chat_completion("ok"))
    client = provider.openai()
    mode = with_integrations.mode
    with sentry_agents.invoke_agent("Outer"):
        with child_span(mode, "task", "plan"):
            client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
            with sentry_agents.invoke_agent("Inner"):
                with child_span(mode, "task", "step"), child_span(mode, "task", "sub-step"):
                    client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    spans = llm_spans(with_integrations)
    assert sorted(s.attributes["gen_ai.agent.name"] for s in spans) == ["Inner", "Outer"]
    assert [s.attributes["gen_ai.cost.total_tokens"] for s in spans] == [150, 150]
    for name, calls in (("Outer", 2), ("Inner", 1)):
        agent = with_integrations.named(f"invoke_agent {name}").attributes
        assert agent["gen_ai.usage.input_tokens"] == 120 * calls, name
        assert agent["gen_ai.usage.output_tokens"] == 30 * calls, name
        assert agent["gen_ai.cost.total_tokens"] == 150 * calls, name


def test_evaluate_and_rerank_usage_counts_in_the_agent_with_the_integrations_on(
    with_integrations, provider
):
    """With one of sentry-sdk's AI integrations on (OpenAI's is, wherever ``openai`` is
    installed), an agent's usage and cost in a transaction left out its evaluation and
    rerank calls, which count without the integrations and in streaming mode."""
    sentry_agents.configure(prices={"judge": {"input": 1_000_000, "output": 1_000_000}})
    provider.script("/v1/chat/completions", chat_completion("ok"))
    with sentry_agents.invoke_agent("Support Agent"):
        provider.openai().chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        with sentry_agents.evaluate("judge") as evaluation:
            evaluation.set_usage(input_tokens=10, output_tokens=2)
        with sentry_agents.rerank("judge") as ranker:
            ranker.set_usage(input_tokens=100)
    agent = with_integrations.named("invoke_agent Support Agent").attributes
    assert agent["gen_ai.usage.input_tokens"] == 120 + 10 + 100
    assert agent["gen_ai.usage.output_tokens"] == 30 + 2
    assert agent["gen_ai.cost.total_tokens"] == 10 + 2 + 100


def test_agent_total_covers_calls_that_report_no_total_with_the_integrations_on(
    with_integrations,
):
    """An embeddings or rerank call reports input tokens only: its input counts in the
    agent's total, as without the integrations. With one of sentry-sdk's AI integrations
    on, a transaction's agent total was the other calls' totals alone (15, below its own
    30 input tokens)."""
    run_calls_reporting_no_total()
    agent = with_integrations.named("invoke_agent Researcher").attributes
    assert agent["gen_ai.usage.input_tokens"] == 30
    assert agent["gen_ai.usage.total_tokens"] == 35


def test_a_judge_call_the_integration_records_inside_evaluate_counts_once(
    with_integrations, provider
):
    """A judge model called through an instrumented client inside ``evaluate`` is one
    call: with the evaluation's own usage set from its response, the agent counts it
    once, and without it, the integration's record of it once."""
    provider.script("/v1/chat/completions", chat_completion("ok"), chat_completion("ok"))
    client = provider.openai()
    with sentry_agents.invoke_agent("Own Usage"):
        with sentry_agents.evaluate("gpt-4o-mini") as evaluation:
            reply = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
            evaluation.set_usage(reply.usage)
    with sentry_agents.invoke_agent("No Usage"):
        with sentry_agents.evaluate("gpt-4o-mini"):
            client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    for name in ("Own Usage", "No Usage"):
        agent = with_integrations.named(f"invoke_agent {name}").attributes
        assert agent["gen_ai.usage.input_tokens"] == 120, name
        assert agent["gen_ai.usage.output_tokens"] == 30, name


def test_a_judge_call_under_a_span_of_the_users_inside_evaluate_counts_once(
    with_integrations, provider
):
    """The judge's call is the evaluation's own, a span of the user's own in between or
    not: with the evaluation's usage set from its response, the agent counts it once."""
    provider.script("/v1/chat/completions", chat_completion("ok"))
    with sentry_agents.invoke_agent("Judged"):
        with sentry_agents.evaluate("gpt-4o-mini") as evaluation:
            with child_span(with_integrations.mode, "task", "ask the judge"):
                reply = provider.openai().chat.completions.create(
                    model="gpt-4o-mini", messages=MESSAGES
                )
            evaluation.set_usage(reply.usage)
    agent = with_integrations.named("invoke_agent Judged").attributes
    assert agent["gen_ai.usage.input_tokens"] == 120
    assert agent["gen_ai.usage.output_tokens"] == 30


def test_explicit_agent_usage_is_kept(with_integrations, provider):
    provider.script("/v1/chat/completions", chat_completion("ok"))
    with sentry_agents.invoke_agent("Explicit") as agent:
        provider.openai().chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        agent.set_usage(input_tokens=7, output_tokens=1)
    assert (
        with_integrations.named("invoke_agent Explicit").attributes["gen_ai.usage.input_tokens"]
        == 7
    )


def test_standalone_chat_around_an_instrumented_call(with_integrations, provider):
    provider.script("/v1/chat/completions", chat_completion("ok"))
    with sentry_agents.chat("gpt-4o-mini", provider="openai", messages=MESSAGES) as llm:
        llm.set_response(
            provider.openai().chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        )
    spans = llm_spans(with_integrations)
    assert len(spans) == 1
    assert spans[0].attributes["gen_ai.usage.input_tokens"] == 120
    assert "gen_ai.input.messages" in spans[0].attributes


@pytest.mark.skipif(not HAS_TRANSACTIONS, reason="needs sentry-sdk without AI integrations too")
def test_no_change_without_integrations(sentry, provider):
    from sentry_agents import _sdk
    from sentry_agents._sdk import integrations

    provider.script("/v1/chat/completions", chat_completion("ok"))
    with sentry_agents.invoke_agent("Plain"):
        with sentry_agents.chat("gpt-4o-mini") as llm:
            llm.set_response(
                provider.openai().chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
            )
    assert not integrations.enabled(_sdk.active_client())
    assert len(llm_spans(sentry)) == 1


def test_anthropic_call_inside_chat_is_one_span(with_integrations, provider):

    provider.script("/v1/messages", anthropic_message("Salut."))
    client = provider.anthropic()
    with sentry_agents.invoke_agent("French Agent"):
        with sentry_agents.chat(
            "claude-sonnet-4-5", provider="anthropic", messages=MESSAGES
        ) as llm:
            llm.set_response(
                client.messages.create(model="claude-sonnet-4-5", max_tokens=10, messages=MESSAGES)
            )
    spans = llm_spans(with_integrations)
    assert len(spans) == 1
    attrs = spans[0].attributes
    assert attrs["gen_ai.agent.name"] == "French Agent"
    assert attrs["gen_ai.usage.input_tokens"] == 1070
    assert attrs["gen_ai.usage.cache_read.input_tokens"] == 1000
    assert (
        with_integrations.named("invoke_agent French Agent").attributes["gen_ai.usage.input_tokens"]
        == 1070
    )


def test_finished_spans_are_not_kept_with_the_integrations_on(with_integrations, provider):
    """The hooks know our spans by id while they are open; once finished (and their
    transaction sent) nothing of them is kept, messages least of all."""
    from sentry_agents._sdk import integrations

    big = [{"role": "user", "content": "x" * 10_000}]
    for _ in range(5):
        provider.script("/v1/chat/completions", chat_completion("ok"))
        with sentry_agents.invoke_agent("Agent", messages=big):
            with sentry_agents.chat("gpt-4o-mini", provider="openai", messages=big) as llm:
                llm.set_response(
                    provider.openai().chat.completions.create(model="gpt-4o-mini", messages=big)
                )
    assert len(llm_spans(with_integrations)) == 5
    with integrations._lock:
        kept = list(integrations._ours.values())
    assert not any(isinstance(entry, sentry_agents.GenAISpan) for entry in kept)
    assert kept == [], "every entry is dropped once its span or transaction was sent"


def test_what_the_integration_adds_follows_our_gate_and_current_keys(with_integrations, provider):
    """A chat span without messages takes the integration's input under the current key,
    as role/parts; with record_inputs/record_outputs=False it takes no content at all."""
    provider.script("/v1/chat/completions", chat_completion("Rain."), chat_completion("Rain."))
    client = provider.openai()
    with sentry_agents.chat("gpt-4o-mini", provider="openai") as llm:
        llm.set_response(client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES))
    with sentry_agents.chat(
        "gpt-4o-mini", provider="openai", record_inputs=False, record_outputs=False
    ) as quiet:
        quiet.set_response(client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES))
    first, second = sorted(llm_spans(with_integrations), key=lambda span: span.start)
    assert first.json_attribute("gen_ai.input.messages") == [
        {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]}
    ]
    for span in (first, second):
        assert not {"gen_ai.request.messages", "gen_ai.response.text", "gen_ai.system"} & set(
            span.attributes
        )
        assert span.attributes["gen_ai.provider.name"] == "openai"
    assert not {"gen_ai.input.messages", "gen_ai.output.messages"} & set(second.attributes)
    assert b"Weather in Paris" in with_integrations.raw(), "control: the first span has it"


def _demoted(sentry, parent) -> list:
    """The integration's spans of the same call sent under ``parent`` as plain
    ``function`` children (streaming mode; in transaction mode they are dropped)."""
    return [s for s in sentry.spans() if s.parent_span_id == parent.span_id and s.op == "function"]


def test_chat_around_a_responses_call_is_one_span(with_integrations, provider):
    """sentry-sdk 2.x records ``client.responses.create`` as ``gen_ai.responses``: one model
    call all the same, merged into ours like a chat completion."""
    provider.script("/v1/responses", response_object("Rain."))
    with sentry_agents.invoke_agent("Rain Agent"):
        with sentry_agents.chat("o4-mini", provider="openai") as llm:
            llm.set_response(provider.openai().responses.create(model="o4-mini", input="Rain?"))
    spans = llm_spans(with_integrations)
    assert [s.op for s in spans] == ["gen_ai.chat"], [s.name for s in spans]
    ours = spans[0]
    assert ours.attributes["gen_ai.usage.input_tokens"] == 80
    assert ours.attributes["gen_ai.agent.name"] == "Rain Agent"
    assert len(_demoted(with_integrations, ours)) == (with_integrations.mode == "stream")
    agent = with_integrations.named("invoke_agent Rain Agent").attributes
    assert agent["gen_ai.usage.input_tokens"] == 80
    assert agent["gen_ai.usage.output_tokens"] == 40


def test_an_integration_only_responses_call_counts_in_the_agent_usage(with_integrations, provider):
    provider.script("/v1/responses", response_object("Rain."))
    with sentry_agents.invoke_agent("Rain Agent"):
        provider.openai().responses.create(model="o4-mini", input="Rain?")
    (span,) = llm_spans(with_integrations)
    assert span.attributes["gen_ai.agent.name"] == "Rain Agent"
    agent = with_integrations.named("invoke_agent Rain Agent").attributes
    assert agent["gen_ai.usage.input_tokens"] == 80
    assert agent["gen_ai.usage.output_tokens"] == 40


def test_embeddings_around_an_instrumented_call_is_one_span(with_integrations, provider):
    """Ours takes what it lacks (the inputs; the usage, when not set) from the
    integration's span of the same call, and the agent counts the tokens once."""
    model = "text-embedding-3-small"
    provider.script("/v1/embeddings", embeddings_reply(model), embeddings_reply(model))
    client = provider.openai()
    with sentry_agents.invoke_agent("Search Agent"):
        with sentry_agents.embeddings(model, provider="openai", inputs=["Paris"]) as emb:
            emb.set_usage(client.embeddings.create(model=model, input=["Paris"]))
        with sentry_agents.embeddings(model, provider="openai"):
            client.embeddings.create(model=model, input=["Lyon"])
    spans = [s for s in with_integrations.spans() if s.op == "gen_ai.embeddings"]
    assert [s.name for s in spans] == [f"embeddings {model}"] * 2
    for span in spans:
        assert span.attributes["gen_ai.usage.input_tokens"] == 7
        assert span.attributes["gen_ai.agent.name"] == "Search Agent"
        assert len(_demoted(with_integrations, span)) == (with_integrations.mode == "stream")
    inputs = sorted(s.json_attribute("gen_ai.embeddings.input") for s in spans)
    assert inputs == [["Lyon"], ["Paris"]]
    agent = with_integrations.named("invoke_agent Search Agent").attributes
    assert agent["gen_ai.usage.input_tokens"] == 14


def test_an_embeddings_call_inside_chat_stays_a_call_of_its_own(with_integrations, provider):
    """Retrieval inside a chat span's block: the chat span takes in only its own model
    call; the embeddings call is still sent, and its tokens counted, on its own."""
    model = "text-embedding-3-small"
    provider.script("/v1/embeddings", embeddings_reply(model))
    with sentry_agents.invoke_agent("RAG Agent"):
        with sentry_agents.chat("gpt-4o-mini", provider="openai") as llm:
            provider.openai().embeddings.create(model=model, input=["Paris"])
            llm.set_usage(input_tokens=100, output_tokens=10)
    (chat,) = [s for s in with_integrations.spans() if s.op == "gen_ai.chat"]
    (emb,) = [s for s in with_integrations.spans() if s.op == "gen_ai.embeddings"]
    assert chat.attributes["gen_ai.usage.input_tokens"] == 100
    assert emb.attributes["gen_ai.usage.input_tokens"] == 7
    agent = with_integrations.named("invoke_agent RAG Agent").attributes
    assert agent["gen_ai.usage.input_tokens"] == 107


def test_embeddings_take_no_inputs_from_the_integration_past_our_gate(with_integrations, provider):
    model = "text-embedding-3-small"
    provider.script("/v1/embeddings", embeddings_reply(model))
    with sentry_agents.embeddings(model, provider="openai", record_inputs=False):
        provider.openai().embeddings.create(model=model, input=["Secret town"])
    (span,) = [s for s in with_integrations.spans() if s.op == "gen_ai.embeddings"]
    assert span.attributes["gen_ai.usage.input_tokens"] == 7
    assert "gen_ai.embeddings.input" not in span.attributes
    assert b"Secret town" not in with_integrations.raw()


def test_parent_ids_that_loop_end_the_walk_up_a_transaction():
    """A transaction's spans whose parent ids loop (set by hand: sentry-sdk makes none)
    end the walks that name and count an integration's call, not loop for ever."""
    from sentry_agents._sdk import integrations

    nodes = {
        "a": {"op": "gen_ai.invoke_agent", "parent_span_id": "b", "data": {}},
        "b": {"op": "function", "parent_span_id": "a", "data": {}},
        "c": {"op": "gen_ai.chat", "parent_span_id": "b", "data": {}},
    }
    parents = {span_id: node["parent_span_id"] for span_id, node in nodes.items()}
    assert integrations._agent_ancestors("c", nodes, parents).count("a") <= len(nodes)
    assert integrations._counted_by_parent("c", nodes, parents, {}) is False


def test_the_integrations_messages_holding_a_huge_integer_are_still_merged(
    with_integrations, provider
):
    """The integration's legacy messages holding an integer of more digits than Python
    converts (written while the app allowed more, ``sys.set_int_max_str_digits``) are
    read and merged onto ours all the same, the integer sent as text saying its size, as
    every other path sends it; never dropped."""
    import inspect
    import sys

    import sentry_sdk.integrations.openai as integration

    if "GEN_AI_REQUEST_MESSAGES" not in inspect.getsource(integration):
        pytest.skip("this sentry-sdk's OpenAI integration sends no legacy messages")
    provider.script("/v1/chat/completions", chat_completion("Rain."))
    client = provider.openai()
    huge = 10**5000
    blocks = [{"type": "text", "text": "Count?"}, {"type": "widget", "n": huge}]
    messages = [{"role": "user", "content": blocks}]
    limit = sys.get_int_max_str_digits()
    with sentry_agents.chat("gpt-4o-mini", provider="openai") as llm:
        sys.set_int_max_str_digits(0)
        try:
            llm.set_response(client.chat.completions.create(model="gpt-4o-mini", messages=messages))
        finally:
            sys.set_int_max_str_digits(limit)
    (span,) = llm_spans(with_integrations)
    # Its size in digits when merged once the limit is back (a transaction's spans, at
    # its end), in bits when merged as their span ended (span streaming, still unlimited).
    size = "[integer of 5001 digits]" if with_integrations.mode == "static" else None
    sent = span.json_attribute("gen_ai.input.messages")
    assert sent == [
        {
            "role": "user",
            "parts": [
                {"type": "text", "content": "Count?"},
                {"type": "widget", "n": size or "[integer of 16610 bits]"},
            ],
        }
    ]
    assert "gen_ai.request.messages" not in span.attributes


def test_what_the_integration_adds_is_scrubbed_as_ours_is(with_integrations, provider):
    """The integration's content merged onto our span (its messages, under the legacy or
    the current key, and its tool definitions, when ours has none) is scrubbed, and its
    media left out, as our own content is: ours never sends a secret the deny list names."""
    provider.script("/v1/chat/completions", chat_completion("Rain."))
    client = provider.openai()
    arguments = json.dumps({"password": "CANARY-1", "url": "https://u:CANARY-2@h/x"})
    messages = [
        {"role": "user", "content": "pay"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c", "type": "function", "function": {"name": "pay", "arguments": arguments}}
            ],
        },
        {"role": "tool", "tool_call_id": "c", "content": json.dumps({"token": "CANARY-3"})},
    ]
    secret = {"type": "string", "default": "CANARY-4"}
    tools = [
        {
            "type": "function",
            "function": {
                "name": "pay",
                "parameters": {"type": "object", "properties": {"api_key": secret}},
            },
        }
    ]
    with sentry_agents.chat("gpt-4o-mini", provider="openai") as llm:
        llm.set_response(
            client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=tools)
        )
    (span,) = llm_spans(with_integrations)
    assert b"CANARY" not in with_integrations.raw()
    sent = span.json_attribute("gen_ai.input.messages")
    call = sent[1]["parts"][-1]
    assert call["type"] == "tool_call"
    assert call["arguments"] == {
        "password": "[Filtered]",
        "url": "https://[Filtered]:[Filtered]@h/x",
    }
    assert json.loads(sent[2]["parts"][0]["response"]) == {"token": "[Filtered]"}
    if "gen_ai.tool.definitions" in span.attributes:  # this sentry-sdk records them
        assert "[Filtered]" in span.attributes["gen_ai.tool.definitions"]


def test_a_span_with_a_redaction_hook_takes_no_content_from_the_integration(
    with_integrations, provider
):
    """The redaction hook sees every piece of content ours sends; the integration's
    cannot be shown to it where that span ends, so a span with a hook takes none (its
    usage and response fields still), while one without takes it."""
    provider.script("/v1/chat/completions", chat_completion("Rain."), chat_completion("Rain."))
    client = provider.openai()
    seen: list[str] = []

    def hook(kind: str, value: Any) -> Any:
        seen.append(kind)
        return value

    with sentry_agents.chat("gpt-4o-mini", provider="openai", redact=hook) as llm:
        llm.set_response(client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES))
    with sentry_agents.chat("gpt-4o-mini", provider="openai") as llm:
        llm.set_response(client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES))
    hooked, plain = sorted(llm_spans(with_integrations), key=lambda span: span.start)
    assert seen == ["output.messages"]
    assert "gen_ai.input.messages" not in hooked.attributes
    assert hooked.attributes["gen_ai.usage.input_tokens"] == 120
    assert hooked.json_attribute("gen_ai.output.messages")[0]["parts"] == [
        {"type": "text", "content": "Rain."}
    ]
    assert plain.json_attribute("gen_ai.input.messages") == [
        {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]}
    ]
