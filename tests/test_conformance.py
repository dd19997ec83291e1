"""Conformance: for the same model call, our span carries what sentry-sdk's own AI
integrations record, plus the sentry-conventions registry check of every key we send.

Keys are compared after mapping deprecated names to current ones with the registry
(``sentry-conventions``). Where we differ on purpose, ``DELIBERATE`` says so, key by key.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
from typing import Any, Callable

import pytest
import sentry_sdk

import sentry_agents
from conftest import HAS_TRANSACTIONS, MODES
from fakes import anthropic_message, chat_completion, response_object
from sentry_agents._envelopes import SpanRecord
from sentry_agents.testing import start_capture, stop_capture

conventions = pytest.importorskip("sentry_conventions.attributes")
REGISTRY = conventions.ATTRIBUTE_METADATA

DELIBERATE = {
    "gen_ai.input.messages": "sentry-sdk sends legacy {role, content} under the deprecated "
    "gen_ai.request.messages; we send role/parts under the current key. Compared after "
    "converting both to role/parts.",
    "gen_ai.output.messages": "sentry-sdk's OpenAI integration sends the message object's "
    "repr-like dict under the deprecated gen_ai.response.text; we send role/parts with "
    "finish_reason. Compared by the text the model returned.",
    "gen_ai.response.finish_reasons": "sentry-sdk sends a list attribute; we send the JSON "
    "string array the conventions specify. Compared parsed. For OpenAI, sentry-sdk does not "
    "send it at all; we do.",
    "gen_ai.response.id": "not sent by sentry-sdk's OpenAI chat integration; we send it.",
}

# Keys we send that the registry does not list, and why.
NOT_IN_REGISTRY = {
    "gen_ai.tool.call.id": "an OpenTelemetry GenAI conventions key, not in the registry yet",
    "sentry_agents.stream.abandoned": "our own marker: the consumer left the stream early",
    "sentry.sdk_meta.gen_ai.input.messages.original_length": "message count before budget trimming",
    "sentry_agents.guardrail.name": "ours: the registry has no guardrail attributes, and "
    "gen_ai.* markers would make Sentry count a guardrail as an LLM call",
    "sentry_agents.guardrail.stage": "ours: what a guardrail checks (input, output, tool)",
    "sentry_agents.guardrail.passed": "ours: whether the guardrail let it through",
    "sentry_agents.guardrail.reason": "ours: why the guardrail blocked or passed",
    "sentry_agents.rerank.documents": "ours: the registry has no rerank attributes",
    "sentry_agents.rerank.results": "ours: the registry has no rerank attributes",
    "sentry_agents.mcp.request.argument_count": "ours: how many arguments an MCP request "
    "had when not all were recorded; the registry has no such key",
}
# Deprecated keys we send on purpose, and why.
_USAGE_DOCS = "the name Sentry's AI Agents docs page uses for this usage sub-count"
_MCP_DOCS = (
    "Sentry's MCP docs (manual instrumentation) still show it and sentry-sdk's MCP "
    "integration sends it; sent beside its replacement"
)
DEPRECATED_ON_PURPOSE = {
    "gen_ai.usage.input_tokens.cached": _USAGE_DOCS,
    "gen_ai.usage.input_tokens.cache_write": _USAGE_DOCS,
    "gen_ai.usage.output_tokens.reasoning": _USAGE_DOCS,
    "mcp.tool.name": _MCP_DOCS + " (gen_ai.tool.name)",
    "mcp.prompt.name": _MCP_DOCS + " (gen_ai.prompt.name)",
    "mcp.request.id": _MCP_DOCS + " (jsonrpc.request.id)",
    "mcp.tool.result.content": _MCP_DOCS + " (gen_ai.tool.call.result)",
    "mcp.tool.result.is_error": _MCP_DOCS + " (error.type = tool_error, also set)",
    "mcp.tool.result.content_count": _MCP_DOCS + " (no replacement: the block count)",
}


def current_key(key: str) -> str:
    meta = REGISTRY.get(key)
    if meta is not None and meta.deprecation is not None and meta.deprecation.replacement:
        return str(meta.deprecation.replacement)
    return key


def normalized(span: SpanRecord) -> dict[str, Any]:
    """gen_ai.* attributes under current names, JSON parsed, messages as role/parts."""
    out: dict[str, Any] = {}
    for key, value in span.attributes.items():
        if not key.startswith("gen_ai."):
            continue
        if isinstance(value, str) and value[:1] in "[{":
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        target = current_key(key)
        if target in out and key != target:
            continue  # the current key, sent alongside, wins
        out[target] = value
    if "gen_ai.input.messages" in out:
        out["gen_ai.input.messages"] = sentry_agents.to_gen_ai_messages(
            out["gen_ai.input.messages"]
        )
    return out


def output_text(value: Any) -> str:
    """The text the model returned, from either side's output attribute (a plain string,
    a message dict, or role/parts messages, depending on the sentry-sdk version)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return str(value.get("content"))
    parts = [p for m in value for p in m.get("parts", [])]
    return "".join(p.get("content", "") for p in parts if p.get("type") == "text")


def capture(mode: str, integrations: list[Any], run: Callable[[], None]) -> list[SpanRecord]:
    spans = start_capture(mode, integrations=integrations)
    try:
        run()
    finally:
        stop_capture()
    return spans.spans


def with_prompts(integration: Any) -> Any:
    """The integration with prompts recorded (3.x has no switch: data_collection decides)."""
    if "include_prompts" in inspect.signature(integration.__init__).parameters:
        return integration(include_prompts=True)
    return integration()


def compare_one(theirs: list[SpanRecord], ours: list[SpanRecord]) -> None:
    if not theirs:
        pytest.skip("this sentry-sdk's integration does not make gen_ai.* spans (older ai.* ops)")
    assert len(theirs) == 1 and len(ours) == 1
    compare(theirs[0], ours[0])


def compare(theirs: SpanRecord, ours: SpanRecord) -> None:
    assert ours.op == theirs.op
    assert ours.name == theirs.name
    assert ours.is_error() == theirs.is_error()
    a, b = normalized(theirs), normalized(ours)
    for key in sorted(set(a) | set(b)):
        if key == "gen_ai.output.messages":
            assert output_text(b[key]) == output_text(a[key]), DELIBERATE[key]
        elif key in ("gen_ai.response.id", "gen_ai.response.finish_reasons") and key not in a:
            assert key in b, DELIBERATE[key]
        else:
            assert key in a, f"we send {key} and sentry-sdk does not"
            assert key in b, f"sentry-sdk sends {key} and we do not"
            assert b[key] == a[key], (key, a[key], b[key])


MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather?"}]


@pytest.mark.parametrize("mode", MODES)
def test_openai_chat_matches_sentry_sdk_integration(mode, provider):
    from sentry_sdk.integrations.openai import OpenAIIntegration

    provider.script(
        "/v1/chat/completions", chat_completion("It is sunny."), chat_completion("It is sunny.")
    )
    client = provider.openai()

    def call():
        return client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, temperature=0.2, max_tokens=50
        )

    theirs = capture(mode, [with_prompts(OpenAIIntegration)], call)

    def ours_call():
        with sentry_agents.chat(
            "gpt-4o-mini", provider="openai", messages=MESSAGES, temperature=0.2, max_tokens=50
        ) as llm:
            llm.set_response(call())

    ours = capture(mode, [], ours_call)
    compare_one(theirs, ours)


@pytest.mark.parametrize("mode", MODES)
def test_anthropic_matches_sentry_sdk_integration(mode, provider):
    from sentry_sdk.integrations.anthropic import AnthropicIntegration

    provider.script("/v1/messages", anthropic_message("Salut."), anthropic_message("Salut."))
    client = provider.anthropic()
    messages = [{"role": "user", "content": "Hi"}]

    def call():
        return client.messages.create(
            model="claude-sonnet-4-5", max_tokens=100, system="Be French.", messages=messages
        )

    theirs = capture(mode, [with_prompts(AnthropicIntegration)], call)

    def ours_call():
        with sentry_agents.chat(
            "claude-sonnet-4-5",
            provider="anthropic",
            messages=messages,
            system_instructions="Be French.",
            max_tokens=100,
        ) as llm:
            llm.set_response(call())

    ours = capture(mode, [], ours_call)
    compare_one(theirs, ours)


def test_every_key_we_send_is_in_the_registry_with_the_right_type(sentry):
    from test_spans import run_weather_agent

    sentry_agents.configure(prices={"gpt-4o-mini": {"input": 0.15, "context_window": 128000}})
    with sentry_agents.conversation("conv-1"):
        run_weather_agent()
        with sentry_agents.chat("m", stop_sequences=["END"], prompt_name="p-1"):
            pass
        with sentry_agents.evaluate("judge", questions={"ok": {"type": "boolean"}}) as e:
            e.set_answers({"ok": {"type": "boolean", "probability": 1.0}})
        with sentry_agents.rerank("ranker", query="q"):
            pass
        with sentry_agents.embeddings("emb", inputs=["x"]):
            pass
        with sentry_agents.create_agent("Maker"):
            pass
        with sentry_agents.chat(
            "m", reasoning_level="high", top_p=0.5, frequency_penalty=0.1, presence_penalty=0.1
        ) as llm:
            for _ in llm.stream(iter(["a", "b"])):
                break
    types = {
        "string": str,
        "integer": int,
        "double": (float, int),
        "boolean": bool,
        "string[]": list,
    }
    seen = set()
    for span in sentry.gen_ai_spans():
        for key, value in span.attributes.items():
            if not key.startswith(("gen_ai.", "sentry_agents.")) or key.startswith(
                "sentry.sdk_meta"
            ):
                continue
            seen.add(key)
            if key in NOT_IN_REGISTRY:
                continue
            meta = REGISTRY.get(key)
            assert meta is not None, f"{key} is not in sentry-conventions"
            if key not in DEPRECATED_ON_PURPOSE:
                assert meta.deprecation is None, (
                    f"{key} is deprecated in favour of {meta.deprecation.replacement}"
                )
            expected = types.get(meta.type.value)
            if expected is not None:
                assert isinstance(value, expected), (key, value, meta.type)
    assert {
        "gen_ai.tool.call.arguments",
        "gen_ai.usage.cache_read.input_tokens",
        "gen_ai.conversation.id",
        "gen_ai.cost.total_tokens",
        "gen_ai.cost.cache_read.input_tokens",
        "gen_ai.context.utilization",
        "gen_ai.request.stop_sequences",
        "gen_ai.prompt.name",
    } <= seen


def test_every_attribute_key_we_name_is_in_the_registry():
    """Every key in ``sentry_agents._keys`` (where all keys we send are named), read from
    that module, is a current key of the registry or one of the named exceptions; the
    ``*_DEPRECATED`` keys (read from integrations' spans, never sent) are deprecated
    there, in favour of the key we send instead."""
    from sentry_agents import _keys

    constants = {name: getattr(_keys, name) for name in _keys.__all__}
    named = {
        value
        for name, value in constants.items()
        if isinstance(value, str)
        and "." in value
        and not name.startswith("OP_")
        and not name.endswith("_DEPRECATED")
    }
    assert {_keys.SYSTEM_DEPRECATED, _keys.REQUEST_MESSAGES_DEPRECATED} <= set(_keys.DEPRECATED)
    assert _keys.USAGE_INPUT_TOKENS in named and _keys.TOOL_CALL_RESULT in named
    for key in sorted(named):
        if key in NOT_IN_REGISTRY:
            continue
        meta = REGISTRY.get(key)
        assert meta is not None, f"{key} is not in sentry-conventions"
        if key not in DEPRECATED_ON_PURPOSE:
            assert meta.deprecation is None, f"{key} is deprecated: {meta.deprecation}"
    for old, current in _keys.DEPRECATED.items():
        meta = REGISTRY.get(old)
        assert meta is not None and meta.deprecation is not None, old
        assert current_key(old) == current or old in ("gen_ai.response.tool_calls",), old


# --- a two-agent openai-agents run versus the same flow written with our helpers --------


def agents_responses() -> list[dict[str, Any]]:
    def reply(output: list[dict[str, Any]], rid: str, inputs: int, outputs: int) -> dict[str, Any]:
        usage = {
            "input_tokens": inputs,
            "output_tokens": outputs,
            "total_tokens": inputs + outputs,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens_details": {"reasoning_tokens": 0},
        }
        return response_object(id=rid, model="gpt-4o-mini-2024-07-18", output=output, usage=usage)

    def call(name: str, args: dict[str, Any], call_id: str) -> dict[str, Any]:
        return {
            "type": "function_call",
            "id": "fc_" + call_id,
            "call_id": call_id,
            "name": name,
            "arguments": json.dumps(args),
            "status": "completed",
        }

    message = {
        "type": "message",
        "id": "msg_1",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": "Rainy in Paris.", "annotations": []}],
    }
    return [
        reply([call("transfer_to_weather_agent", {}, "c1")], "r1", 100, 5),
        reply([call("get_weather", {"city": "Paris"}, "c2")], "r2", 200, 7),
        reply([message], "r3", 300, 9),
    ]


def edges(spans: list[SpanRecord]) -> list[tuple[str, str, str]]:
    """(op, name, parent's name or ROOT) for every gen_ai span: the tree, ids aside."""
    names = {s.span_id: s.name for s in spans if (s.op or "").startswith("gen_ai.")}
    return sorted(
        (s.op or "", s.name, names.get(s.parent_span_id or "", "ROOT"))
        for s in spans
        if s.span_id in names
    )


def agent_usage(spans: list[SpanRecord]) -> dict[str, tuple[Any, Any]]:
    return {
        s.attributes["gen_ai.agent.name"]: (
            s.attributes.get("gen_ai.usage.input_tokens"),
            s.attributes.get("gen_ai.usage.output_tokens"),
        )
        for s in spans
        if s.op == "gen_ai.invoke_agent"
    }


def calls_usage_per_agent(spans: list[SpanRecord]) -> dict[str, tuple[int, int]]:
    agents = {
        s.span_id: s.attributes["gen_ai.agent.name"] for s in spans if s.op == "gen_ai.invoke_agent"
    }
    totals: dict[str, tuple[int, int]] = {}
    for span in spans:
        if span.op == "gen_ai.chat" and span.parent_span_id in agents:
            name = agents[span.parent_span_id]
            inputs, outputs = totals.get(name, (0, 0))
            totals[name] = (
                inputs + span.attributes["gen_ai.usage.input_tokens"],
                outputs + span.attributes["gen_ai.usage.output_tokens"],
            )
    return totals


def root_span(mode: str, name: str) -> Any:
    if mode == "stream" or not HAS_TRANSACTIONS:
        return sentry_sdk.traces.start_span(name=name)
    return sentry_sdk.start_transaction(name=name)


@pytest.mark.skipif(
    not HAS_TRANSACTIONS,
    reason="compared against sentry-sdk 2.x: the 3.0 pre-release's openai-agents integration "
    "makes no workflow root, handoff span or agent usage",
)
@pytest.mark.parametrize("mode", MODES)
def test_openai_agents_two_agent_run_matches_hand_written_flow(mode, provider):
    pytest.importorskip("agents")
    from agents import Agent, Runner, function_tool, set_default_openai_client, set_tracing_disabled
    from sentry_sdk.integrations.openai_agents import OpenAIAgentsIntegration

    provider.script("/v1/responses", *agents_responses(), *agents_responses())
    async_client = provider.async_openai()
    set_default_openai_client(async_client, use_for_tracing=False)
    set_tracing_disabled(True)

    @function_tool
    def get_weather(city: str) -> str:
        """Weather for a city."""
        return f"rain in {city}"

    weather = Agent(
        name="Weather Agent", instructions="Weather.", tools=[get_weather], model="gpt-4o-mini"
    )
    triage = Agent(
        name="Triage Agent", instructions="Route.", handoffs=[weather], model="gpt-4o-mini"
    )
    theirs = capture(
        mode,
        [OpenAIAgentsIntegration()],
        lambda: asyncio.run(Runner.run(triage, "Weather in Paris?")),
    )

    client = provider.openai()

    def model_call() -> Any:
        with sentry_agents.chat("gpt-4o-mini", provider="openai") as llm:
            response = client.responses.create(model="gpt-4o-mini", input="Weather in Paris?")
            llm.set_response(response)
        return response

    def by_hand() -> None:
        with root_span(mode, "Triage Agent workflow"):
            with sentry_agents.invoke_agent("Triage Agent", model="gpt-4o-mini", provider="openai"):
                model_call()
                with sentry_agents.handoff("Triage Agent", "Weather Agent"):
                    pass
            with sentry_agents.invoke_agent(
                "Weather Agent", model="gpt-4o-mini", provider="openai"
            ):
                model_call()
                with sentry_agents.execute_tool("get_weather", arguments={"city": "Paris"}) as tool:
                    tool.set_result("rain in Paris")
                model_call()

    ours = capture(mode, [], by_hand)
    if not theirs:
        pytest.skip("this sentry-sdk's openai-agents integration makes no gen_ai spans")
    assert edges(ours) == edges(theirs)
    # Usage per agent: the sum of the LLM calls inside it, read from sentry-sdk's own chat
    # spans. Deliberate difference: sentry-sdk's agent span for the agent that finishes
    # the run reports the whole run's usage (the Weather Agent shows 600 = 100 + 500).
    assert (
        agent_usage(ours)
        == calls_usage_per_agent(theirs)
        == {
            "Triage Agent": (100, 5),
            "Weather Agent": (500, 16),
        }
    )
    assert agent_usage(theirs)["Triage Agent"] == (100, 5)
    theirs_names = {(s.op, s.name, s.start): s.attributes.get("gen_ai.agent.name") for s in theirs}
    for span in ours:
        if span.op == "gen_ai.handoff":
            # Deliberate: sentry-sdk's handoff span carries no agent name; ours carries the
            # agent handing off, as every span inside an agent does.
            assert span.attributes["gen_ai.agent.name"] == "Triage Agent"
            continue
        expected = [
            n for (op, name, _), n in theirs_names.items() if op == span.op and name == span.name
        ]
        assert span.attributes.get("gen_ai.agent.name") in expected
