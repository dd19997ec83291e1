"""Each kind of span: its op, name, attributes and place in the tree, read from what
sentry-sdk sends to a server on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
import sentry_sdk

import sentry_agents
from conftest import MODES, Sentry

MESSAGES = [
    {"role": "system", "content": "You are a weather bot."},
    {"role": "user", "content": "Weather in Paris?"},
]


def run_weather_agent() -> None:
    with sentry_agents.invoke_agent(
        "Weather Agent", model="gpt-4o-mini", provider="openai"
    ) as agent:
        with sentry_agents.chat(
            "gpt-4o-mini",
            provider="openai",
            messages=MESSAGES,
            temperature=0.2,
            max_tokens=100,
            seed=7,
            top_k=3,
        ) as llm:
            llm.set_output("Let me check.")
            llm.set_response_model("gpt-4o-mini-2024-07-18")
            llm.set_response_id("chatcmpl-1")
            llm.set_finish_reasons(["tool_calls"])
            llm.set_usage(
                input_tokens=120,
                output_tokens=30,
                input_tokens_cached=100,
                output_tokens_reasoning=12,
            )
        with sentry_agents.execute_tool(
            "get_weather",
            arguments={"city": "Paris"},
            description="Weather lookup",
            call_id="call_1",
        ) as tool:
            tool.set_result({"forecast": "rain"})
        with sentry_agents.handoff("Weather Agent", "Travel Agent"):
            pass
        agent.set_output("Pack an umbrella.")


def test_span_kinds_ops_names_and_tree(sentry):
    run_weather_agent()
    spans = sentry.gen_ai_spans()
    by_name = {s.name: s for s in spans}
    assert set(by_name) == {
        "invoke_agent Weather Agent",
        "chat gpt-4o-mini",
        "execute_tool get_weather",
        "handoff from Weather Agent to Travel Agent",
    }
    agent = by_name["invoke_agent Weather Agent"]
    expected = {
        "invoke_agent Weather Agent": ("gen_ai.invoke_agent", "invoke_agent"),
        "chat gpt-4o-mini": ("gen_ai.chat", "chat"),
        "execute_tool get_weather": ("gen_ai.execute_tool", "execute_tool"),
        "handoff from Weather Agent to Travel Agent": ("gen_ai.handoff", "handoff"),
    }
    for name, (op, operation) in expected.items():
        span = by_name[name]
        assert span.op == op
        assert span.attributes["gen_ai.operation.name"] == operation
        assert span.attributes["gen_ai.agent.name"] == "Weather Agent"
        assert span.trace_id == agent.trace_id
        if span is not agent:
            assert span.parent_span_id == agent.span_id
    assert agent.parent_span_id is None


def test_a_handoff_leaves_an_unknown_agent_out_of_its_name_and_attributes(sentry):
    """A framework's handoff may not know its source or target (``None``, or no name):
    that side is left out of the span's name, and ``gen_ai.agent.name`` is the enclosing
    agent's or the source's when known, never the text ``None``."""
    with sentry_agents.handoff("Triage Agent", None):
        pass
    with sentry_agents.handoff(None, "Billing Agent"):
        pass
    with sentry_agents.handoff("", None):
        pass
    with sentry_agents.invoke_agent("Router"):
        with sentry_agents.handoff(None, "Support Agent"):
            pass

    assert sentry.named("handoff from Triage Agent").attributes["gen_ai.agent.name"] == (
        "Triage Agent"
    )
    assert "gen_ai.agent.name" not in sentry.named("handoff to Billing Agent").attributes
    assert "gen_ai.agent.name" not in sentry.named("handoff").attributes
    inside = sentry.named("handoff to Support Agent")
    assert inside.attributes["gen_ai.agent.name"] == "Router"
    assert inside.op == "gen_ai.handoff"
    assert b"None" not in sentry.raw()


def test_a_name_not_known_is_left_out_of_span_names_and_attributes(sentry):
    """``invoke_agent(None)`` was named ``invoke_agent None`` and sent ``gen_ai.agent.name``
    "None", on its own span and the spans inside it; ``invoke_agent("")`` was named
    ``invoke_agent `` (so were the other helpers', and empty names and models were sent).
    As for a handoff, a name not known (``None`` or empty) is left out of the span's name
    and attributes (an MCP span without its method is named by its op), and the spans
    inside an unnamed run carry no agent's name (not an outer run's: it is not theirs)."""

    @sentry_agents.invoke_agent(None)
    def unnamed_agent() -> str:
        return "done"

    for unknown in (None, ""):
        with sentry_agents.invoke_agent("Router"):
            with sentry_agents.invoke_agent(unknown, model=unknown, provider=unknown):
                with sentry_agents.execute_tool(unknown):
                    pass
                with sentry_agents.chat(unknown, provider=unknown):
                    pass
        with sentry_agents.create_agent(unknown, model=unknown, provider=unknown):
            pass
        with sentry_agents.embeddings(unknown, provider=unknown):
            pass
        with sentry_agents.rerank(unknown, provider=unknown):
            pass
        with sentry_agents.guardrail(unknown, stage=unknown):
            pass
        with sentry_agents.mcp_server(unknown):
            pass
        with sentry_agents.mcp_notification(unknown, "client_to_server"):
            pass
    assert unnamed_agent() == "done"

    spans = [s for s in sentry.spans() if s.name != "invoke_agent Router"]
    assert sorted(s.name for s in spans) == sorted(
        ["invoke_agent", "execute_tool", "chat", "create_agent", "embeddings", "rerank"] * 2
        + ["guardrail", "mcp.server", "mcp.notification.client_to_server"] * 2
        + ["invoke_agent"]
    )
    unknown_keys = {
        "gen_ai.agent.name",
        "gen_ai.tool.name",
        "gen_ai.request.model",
        "gen_ai.provider.name",
        "sentry_agents.guardrail.name",
        "sentry_agents.guardrail.stage",
        "mcp.method.name",
    }
    for span in spans:
        assert not unknown_keys & set(span.attributes), (span.name, span.attributes)
    assert b"None" not in sentry.raw()


def test_request_attributes_have_the_right_types(sentry):
    run_weather_agent()
    chat = sentry.named("chat gpt-4o-mini")
    attrs = chat.attributes
    assert attrs["gen_ai.request.model"] == "gpt-4o-mini"
    assert attrs["gen_ai.provider.name"] == "openai"
    assert attrs["gen_ai.request.temperature"] == 0.2 and isinstance(
        attrs["gen_ai.request.temperature"], float
    )
    assert attrs["gen_ai.request.max_tokens"] == 100 and isinstance(
        attrs["gen_ai.request.max_tokens"], int
    )
    assert attrs["gen_ai.request.top_k"] == 3
    assert attrs["gen_ai.request.seed"] == "7"
    assert attrs["gen_ai.response.model"] == "gpt-4o-mini-2024-07-18"
    assert attrs["gen_ai.response.id"] == "chatcmpl-1"
    assert json.loads(attrs["gen_ai.response.finish_reasons"]) == ["tool_calls"]


def test_float_request_parameters_are_sent_when_finite(sentry):
    """A float parameter is sent as it is, a float subclass (numpy's) as the float it
    holds, a numeric string as its float; a NaN or an infinity is left out."""

    class Precise(float):
        pass

    with sentry_agents.chat(
        "floats", temperature=0.5, top_p=Precise(0.25), frequency_penalty="0.75"
    ):
        pass
    with sentry_agents.chat(
        "not finite", temperature=float("nan"), top_p=float("inf"), presence_penalty=-1e400
    ):
        pass
    sent = sentry.named("chat floats").attributes
    assert sent["gen_ai.request.temperature"] == 0.5
    assert sent["gen_ai.request.top_p"] == 0.25 and type(sent["gen_ai.request.top_p"]) is float
    assert sent["gen_ai.request.frequency_penalty"] == 0.75
    left_out = sentry.named("chat not finite").attributes
    assert not any(
        key.startswith("gen_ai.request.") and key != "gen_ai.request.model" for key in left_out
    )


def test_messages_are_role_parts_and_system_is_separate(sentry):
    run_weather_agent()
    chat = sentry.named("chat gpt-4o-mini")
    assert chat.json_attribute("gen_ai.input.messages") == [
        {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]}
    ]
    assert chat.json_attribute("gen_ai.system_instructions") == [
        {"type": "text", "content": "You are a weather bot."}
    ]
    assert chat.json_attribute("gen_ai.output.messages") == [
        {"role": "assistant", "parts": [{"type": "text", "content": "Let me check."}]}
    ]
    tool = sentry.named("execute_tool get_weather")
    assert tool.json_attribute("gen_ai.tool.call.arguments") == {"city": "Paris"}
    assert json.loads(tool.attributes["gen_ai.tool.call.result"]) == {"forecast": "rain"}
    assert tool.attributes["gen_ai.tool.description"] == "Weather lookup"
    assert tool.attributes["gen_ai.tool.call.id"] == "call_1"
    agent = sentry.named("invoke_agent Weather Agent")
    assert (
        agent.json_attribute("gen_ai.output.messages")[0]["parts"][0]["content"]
        == "Pack an umbrella."
    )


def test_innermost_agent_names_children(sentry):
    with sentry_agents.invoke_agent("Outer"):
        with sentry_agents.invoke_agent("Inner"):
            with sentry_agents.chat("m"):
                pass
        with sentry_agents.execute_tool("t"):
            pass
    assert sentry.named("chat m").attributes["gen_ai.agent.name"] == "Inner"
    assert sentry.named("execute_tool t").attributes["gen_ai.agent.name"] == "Outer"
    inner = sentry.named("invoke_agent Inner")
    assert inner.parent_span_id == sentry.named("invoke_agent Outer").span_id


def test_standalone_chat_is_sent(sentry):
    with sentry_agents.chat("gpt-4o", provider="openai") as llm:
        llm.set_usage(input_tokens=1, output_tokens=1)
    span = sentry.named("chat gpt-4o")
    assert span.parent_span_id is None
    assert span.op == "gen_ai.chat"
    assert "gen_ai.agent.name" not in span.attributes


@pytest.mark.skipif("static" not in MODES, reason="transactions not tested in this run")
def test_nests_under_an_existing_transaction(static_sentry):
    with sentry_sdk.start_transaction(op="http.server", name="GET /plan") as transaction:
        with sentry_agents.invoke_agent("Planner"):
            with sentry_agents.chat("m"):
                pass
    agent = static_sentry.named("invoke_agent Planner")
    assert agent.parent_span_id == transaction.span_id
    assert static_sentry.named("chat m").parent_span_id == agent.span_id


@pytest.mark.skipif("stream" not in MODES, reason="span streaming not tested in this run")
def test_nests_under_an_existing_streamed_segment(ingest):
    helper = Sentry(ingest, "stream")
    ingest.reset()
    helper.init()
    try:
        with sentry_sdk.traces.start_span(
            name="GET /plan", attributes={"sentry.op": "http.server"}
        ) as seg:
            with sentry_agents.invoke_agent("Planner"):
                pass
        assert helper.named("invoke_agent Planner").parent_span_id == seg.span_id
    finally:
        helper.close()


def test_operations_embeddings_and_create_agent(sentry):
    with sentry_agents.chat("text-davinci", operation="text_completion"):
        pass
    with sentry_agents.chat("gemini-2.0", operation="generate_content", provider="gcp.gemini"):
        pass
    with sentry_agents.embeddings(
        "text-embedding-3-small", provider="openai", inputs=["a", "b"]
    ) as emb:
        emb.set_usage(input_tokens=4)
    with sentry_agents.create_agent("Travel Agent", model="gpt-4o"):
        pass
    assert sentry.named("text_completion text-davinci").op == "gen_ai.text_completion"
    assert (
        sentry.named("generate_content gemini-2.0").attributes["gen_ai.operation.name"]
        == "generate_content"
    )
    emb_span = sentry.named("embeddings text-embedding-3-small")
    assert emb_span.op == "gen_ai.embeddings"
    assert emb_span.json_attribute("gen_ai.embeddings.input") == ["a", "b"]
    assert emb_span.attributes["gen_ai.usage.input_tokens"] == 4
    created = sentry.named("create_agent Travel Agent")
    assert created.op == "gen_ai.create_agent"
    assert created.attributes["gen_ai.agent.name"] == "Travel Agent"


def test_no_attribute_is_none_or_a_repr_and_json_parses(sentry):
    class Weird:
        def __repr__(self) -> str:
            raise ValueError("no repr")

    with sentry_agents.invoke_agent("A", model=None, provider=None, tools=[len]) as agent:
        with sentry_agents.chat(
            "m", messages=[{"role": "user", "content": [Weird(), b"\x00"]}]
        ) as llm:
            llm.set_output({"role": "assistant", "content": float("nan")})
            llm.set_attribute("app.extra", {"nested": {1: {2, 3}}})
            llm.set_attribute("app.none", None)
        with sentry_agents.execute_tool("t", arguments={"x": Weird()}) as tool:
            tool.set_result(Weird())
        agent.set_output(None)
    for span in sentry.gen_ai_spans():
        for key, value in span.attributes.items():
            if not key.startswith(("gen_ai.", "app.", "error.")):
                continue  # sentry-sdk's own attributes
            assert value is not None, key
            assert isinstance(value, (str, int, float, bool)), (key, value)
            if isinstance(value, str) and value[:1] in "[{":
                json.loads(value)
            if isinstance(value, str):
                assert "object at 0x" not in value, (key, value)
    assert "app.none" not in sentry.named("chat m").attributes
    assert json.loads(sentry.named("chat m").attributes["app.extra"]) == {"nested": {"1": [2, 3]}}


def test_set_input_when_messages_are_known_later(sentry):
    with sentry_agents.invoke_agent("Late") as agent:
        agent.set_input(
            [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "Hi"}]
        )
    attrs = sentry.named("invoke_agent Late").attributes
    assert json.loads(attrs["gen_ai.input.messages"]) == [
        {"role": "user", "parts": [{"type": "text", "content": "Hi"}]}
    ]
    assert json.loads(attrs["gen_ai.system_instructions"]) == [
        {"type": "text", "content": "Be kind."}
    ]
