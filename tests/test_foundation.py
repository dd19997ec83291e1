"""The foundation's behaviour, read from what sentry-sdk sends to a server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json

import pytest
import sentry_sdk

import sentry_agents
from conftest import HAS_DATA_COLLECTION, MODES, Sentry

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


def test_usage_current_and_seed_names_and_agent_rollup(sentry):
    run_weather_agent()
    chat = sentry.named("chat gpt-4o-mini").attributes
    assert chat["gen_ai.usage.input_tokens"] == 120
    assert chat["gen_ai.usage.output_tokens"] == 30
    assert chat["gen_ai.usage.total_tokens"] == 150
    assert chat["gen_ai.usage.cache_read.input_tokens"] == 100
    assert chat["gen_ai.usage.input_tokens.cached"] == 100
    assert chat["gen_ai.usage.reasoning.output_tokens"] == 12
    assert chat["gen_ai.usage.output_tokens.reasoning"] == 12
    agent = sentry.named("invoke_agent Weather Agent").attributes
    assert agent["gen_ai.usage.input_tokens"] == 120
    assert agent["gen_ai.usage.total_tokens"] == 150


def test_agent_usage_sums_calls_unless_set_explicitly(sentry):
    with sentry_agents.invoke_agent("Summing"):
        for n in (10, 20):
            with sentry_agents.chat("m") as llm:
                llm.set_usage(input_tokens=n, output_tokens=1)
    with sentry_agents.invoke_agent("Explicit") as agent:
        with sentry_agents.chat("m") as llm:
            llm.set_usage(input_tokens=5, output_tokens=1)
        agent.set_usage(input_tokens=999, output_tokens=1)
    assert sentry.named("invoke_agent Summing").attributes["gen_ai.usage.input_tokens"] == 30
    assert sentry.named("invoke_agent Summing").attributes["gen_ai.usage.output_tokens"] == 2
    assert sentry.named("invoke_agent Explicit").attributes["gen_ai.usage.input_tokens"] == 999


def test_sub_count_larger_than_total_warns_and_never_sends_negative_cost(sentry, sdk_log):
    sentry.init(debug=True)
    with sentry_agents.chat("m") as llm:
        llm.set_usage(
            input_tokens=10, input_tokens_cached=50, output_tokens=5, output_tokens_reasoning=9
        )
    attrs = sentry.named("chat m").attributes
    assert attrs["gen_ai.usage.input_tokens"] - attrs["gen_ai.usage.cache_read.input_tokens"] >= 0
    assert attrs["gen_ai.usage.output_tokens"] - attrs["gen_ai.usage.reasoning.output_tokens"] >= 0
    assert "input_tokens must include input_tokens_cached" in sdk_log.text
    assert "output_tokens must include output_tokens_reasoning" in sdk_log.text


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


def test_content_not_sent_when_gate_closed(sentry, mocker):
    sentry.init(send_default_pii=False)
    to_messages = mocker.spy(sentry_agents._model, "to_gen_ai_messages")
    with sentry_agents.invoke_agent("A", messages="secret prompt canary-1") as agent:
        with sentry_agents.chat("m", messages=[{"role": "user", "content": "canary-2"}]) as llm:
            llm.set_output("canary-3")
            llm.set_usage(input_tokens=3, output_tokens=4)
            llm.set_finish_reasons("stop")
        with sentry_agents.execute_tool("lookup", arguments={"q": "canary-4"}) as tool:
            tool.set_result("canary-5")
        agent.set_output("canary-6")
    raw = sentry.raw()
    assert b"canary" not in raw
    assert to_messages.call_count == 0, "content must not even be converted when the gate is closed"
    chat = sentry.named("chat m").attributes
    assert chat["gen_ai.usage.input_tokens"] == 3
    assert chat["gen_ai.request.model"] == "m"
    assert json.loads(chat["gen_ai.response.finish_reasons"]) == ["stop"]
    assert sentry.named("execute_tool lookup").attributes["gen_ai.tool.name"] == "lookup"


@pytest.mark.skipif(not HAS_DATA_COLLECTION, reason="sentry-sdk without data_collection")
def test_data_collection_gate_and_overrides(sentry):
    sentry.init(
        send_default_pii=False, data_collection={"gen_ai": {"inputs": True, "outputs": False}}
    )
    with sentry_agents.chat("m", messages="in-text") as llm:
        llm.set_output("out-text")
    with sentry_agents.chat(
        "forced", messages="in2", record_inputs=False, record_outputs=True
    ) as llm:
        llm.set_output("out2")
    attrs = sentry.named("chat m").attributes
    assert "gen_ai.input.messages" in attrs and "gen_ai.output.messages" not in attrs
    forced = sentry.named("chat forced").attributes
    assert "gen_ai.input.messages" not in forced and "gen_ai.output.messages" in forced


def test_configure_forces_the_gate(sentry):
    sentry.init(send_default_pii=False)
    sentry_agents.configure(record_inputs=True, record_outputs=True)
    with sentry_agents.chat("m", messages="hello") as llm:
        llm.set_output("bye")
    attrs = sentry.named("chat m").attributes
    assert "hello" in attrs["gen_ai.input.messages"] and "bye" in attrs["gen_ai.output.messages"]


class ToolBroke(RuntimeError):
    pass


def test_exception_marks_spans_reports_once_and_reraises_same_object(sentry):
    error = ToolBroke("no weather")
    with pytest.raises(ToolBroke) as caught:
        with sentry_agents.invoke_agent("A"):
            with sentry_agents.execute_tool("get_weather"):
                raise error
    assert caught.value is error
    tool = sentry.named("execute_tool get_weather")
    agent = sentry.named("invoke_agent A")
    for span in (tool, agent):
        assert span.is_error()
        assert span.attributes["error.type"] == "ToolBroke"
    if sentry.mode == "static":
        assert agent.status == "internal_error"
    events = sentry.events()
    assert len(events) == 1
    exception = events[0]["exception"]["values"][-1]
    assert exception["type"] == "ToolBroke"
    assert exception["mechanism"]["type"] == "sentry_agents"
    assert exception["mechanism"]["handled"] is False
    assert events[0]["contexts"]["trace"]["span_id"] == tool.span_id


def test_a_span_used_before_still_decorates_with_fresh_spans(sentry):
    helper = sentry_agents.invoke_agent("Reused")
    with helper as first:
        first.set_usage(input_tokens=3, output_tokens=1)

    @helper
    def run(n: int) -> int:
        return n * 2

    assert run(1) == 2 and run(2) == 4
    spans = [s for s in sentry.spans() if s.name == "invoke_agent Reused"]
    assert len(spans) == 3
    assert len({s.span_id for s in spans}) == 3
    assert [s.attributes.get("gen_ai.usage.input_tokens") for s in spans].count(3) == 1


def test_async_context_manager_and_decorators(sentry):
    @sentry_agents.invoke_agent("Async Agent")
    async def run_agent() -> str:
        async with sentry_agents.chat("m") as llm:
            llm.set_usage(input_tokens=1, output_tokens=2)
        return await use_tool()

    @sentry_agents.execute_tool("async_tool")
    async def use_tool() -> str:
        return "done"

    @sentry_agents.chat("sync-model")
    def sync_call() -> int:
        return 42

    assert asyncio.run(run_agent()) == "done"
    assert asyncio.run(run_agent()) == "done"
    assert sync_call() == 42
    agents = [s for s in sentry.spans() if s.name == "invoke_agent Async Agent"]
    assert len(agents) == 2, "a decorator makes one span per call"
    tools = [s for s in sentry.spans() if s.name == "execute_tool async_tool"]
    assert {t.parent_span_id for t in tools} == {a.span_id for a in agents}
    assert sentry.named("chat sync-model").op == "gen_ai.chat"


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


def test_conversation_ids(sentry):
    with sentry_agents.conversation("conv-1"):
        with sentry_agents.invoke_agent("A"):
            with sentry_agents.conversation("conv-2"):
                with sentry_agents.chat("inner"):
                    pass
            with sentry_agents.chat("after"):
                pass
    with sentry_agents.chat("outside"):
        pass
    assert sentry.named("invoke_agent A").attributes["gen_ai.conversation.id"] == "conv-1"
    assert sentry.named("chat inner").attributes["gen_ai.conversation.id"] == "conv-2"
    assert sentry.named("chat after").attributes["gen_ai.conversation.id"] == "conv-1"
    assert "gen_ai.conversation.id" not in sentry.named("chat outside").attributes


@pytest.mark.skipif(
    not hasattr(sentry_sdk.Scope, "set_conversation_id"),
    reason="sentry-sdk before scope conversation ids",
)
def test_conversation_id_set_with_sentry_sdk_reaches_our_spans(sentry):
    from sentry_sdk.ai import set_conversation_id

    with sentry_sdk.new_scope():
        set_conversation_id("conv-sdk")
        with sentry_agents.invoke_agent("A"):
            with sentry_agents.execute_tool("lookup"):
                pass
    for name in ("invoke_agent A", "execute_tool lookup"):
        assert sentry.named(name).attributes["gen_ai.conversation.id"] == "conv-sdk"


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


def test_uninitialised_sdk_is_a_no_op():
    assert not sentry_sdk.get_client().is_active()
    with sentry_agents.invoke_agent("A") as agent:
        with sentry_agents.chat("m", messages="hi") as llm:
            llm.set_output("x")
            llm.set_usage(input_tokens=1)
        assert agent.span is None
        assert not agent.is_recording


def test_sdk_failure_while_recording_is_contained(sentry, mocker, sdk_log):
    from sentry_agents import _sdk

    sentry.init(debug=True)
    for kind in (_sdk.NativeSpan, _sdk.StreamedSpan):
        mocker.patch.object(kind, "finish", side_effect=RuntimeError("sdk broke"))
    mocker.patch.object(_sdk, "content_gate", side_effect=RuntimeError("gate broke"))
    with sentry_agents.invoke_agent("A") as agent:
        with sentry_agents.chat("m", messages="hi") as llm:
            llm.set_output("x")
        agent.set_output("y")
    assert "sdk broke" in sdk_log.text and "gate broke" in sdk_log.text
    assert sentry_agents.current_span() is None


def test_scope_is_restored_even_when_our_own_reset_fails(sentry, mocker, sdk_log):
    from sentry_agents import _span

    sentry.init(debug=True)
    real = _span._current

    class FailingReset:
        def get(self):
            return real.get()

        def set(self, value):
            return real.set(value)

        def reset(self, token):
            raise ValueError("token from another context")

    mocker.patch.object(_span, "_current", FailingReset())
    before = sentry_sdk.get_current_scope()
    try:
        with sentry_agents.chat("m"):
            assert sentry_sdk.get_current_scope() is not before
        assert sentry_sdk.get_current_scope() is before
        assert "token from another context" in sdk_log.text
    finally:
        real.set(None)


def test_user_exception_passes_through_when_sdk_also_fails(sentry, mocker):
    from sentry_agents import _sdk

    mocker.patch.object(_sdk, "capture_exception", side_effect=RuntimeError("capture broke"))
    error = KeyError("user")
    with pytest.raises(KeyError) as caught:
        with sentry_agents.chat("m"):
            raise error
    assert caught.value is error
    assert sentry.named("chat m").is_error()


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
