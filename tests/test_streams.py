"""Streams, generators and decorators: spans finish right however the code exits."""

from __future__ import annotations

import asyncio
import gc
import json
import threading
from collections.abc import Iterator

import pytest
import sentry_sdk

import sentry_agents
from conftest import DELIVERY_BOUND, ended
from fakes import FakeProvider, anthropic_events, chat_chunks, response_events


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    fake = FakeProvider()
    yield fake
    fake.close()


def openai_client(provider: FakeProvider, cls_name: str = "OpenAI"):
    import openai

    return getattr(openai, cls_name)(api_key="sk-test", base_url=provider.base_url + "/v1")


def test_openai_chat_stream_end_to_end(sentry, provider):
    provider.script(
        "/v1/chat/completions",
        chat_chunks("Hello there, traveller!"),
        chat_chunks("Hello there, traveller!"),
    )
    client = openai_client(provider)
    direct = [
        c.model_dump()
        for c in client.chat.completions.create(model="gpt-4o-mini", messages=[], stream=True)
    ]
    received = []
    with sentry_agents.chat("gpt-4o-mini", provider="openai") as llm:
        stream = client.chat.completions.create(
            model="gpt-4o-mini", messages=[], stream=True, stream_options={"include_usage": True}
        )
        for chunk in llm.stream(stream):
            received.append(chunk)
    assert [c.model_dump() for c in received] == direct
    span = sentry.named("chat gpt-4o-mini")
    attrs = span.attributes
    assert attrs["gen_ai.response.streaming"] is True
    ttfc = attrs["gen_ai.response.time_to_first_chunk"]
    assert isinstance(ttfc, float) and 0 < ttfc <= span.duration
    assert json.loads(attrs["gen_ai.output.messages"]) == [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": "Hello there, traveller!"}],
            "finish_reason": "stop",
        }
    ]
    assert attrs["gen_ai.response.model"] == "gpt-4o-mini-2024-07-18"
    assert attrs["gen_ai.response.id"] == "chatcmpl-s1"
    assert attrs["gen_ai.usage.input_tokens"] == 50
    assert attrs["gen_ai.usage.cache_read.input_tokens"] == 40
    assert attrs["gen_ai.usage.output_tokens"] == 7
    assert json.loads(attrs["gen_ai.response.finish_reasons"]) == ["stop"]
    assert "sentry_agents.stream.abandoned" not in attrs


def test_openai_responses_stream_end_to_end(sentry, provider):
    provider.script("/v1/responses", response_events("Sunny and warm."))
    client = openai_client(provider)
    with sentry_agents.chat("o4-mini", provider="openai") as llm:
        texts = [
            e.delta
            for e in llm.stream(client.responses.create(model="o4-mini", input="hi", stream=True))
            if e.type == "response.output_text.delta"
        ]
    assert "".join(texts) == "Sunny and warm."
    attrs = sentry.named("chat o4-mini").attributes
    assert attrs["gen_ai.usage.input_tokens"] == 80
    assert attrs["gen_ai.usage.reasoning.output_tokens"] == 32
    assert attrs["gen_ai.response.id"] == "resp_123"
    output = json.loads(attrs["gen_ai.output.messages"])
    assert {"type": "text", "content": "Sunny and warm."} in output[0]["parts"]


def test_anthropic_stream_end_to_end(sentry, provider):
    import anthropic

    provider.script("/v1/messages", anthropic_events("Bonjour from Claude"))
    client = anthropic.Anthropic(api_key="sk-ant", base_url=provider.base_url)
    with sentry_agents.chat("claude-sonnet-4-5", provider="anthropic") as llm:
        events = list(
            llm.stream(
                client.messages.create(
                    model="claude-sonnet-4-5", max_tokens=50, messages=[], stream=True
                )
            )
        )
    assert events[0].type == "message_start"
    attrs = sentry.named("chat claude-sonnet-4-5").attributes
    assert json.loads(attrs["gen_ai.output.messages"])[0]["parts"] == [
        {"type": "text", "content": "Bonjour from Claude "}
    ]
    assert attrs["gen_ai.usage.input_tokens"] == 1070
    assert attrs["gen_ai.usage.output_tokens"] == 15
    assert attrs["gen_ai.usage.cache_read.input_tokens"] == 1000
    assert json.loads(attrs["gen_ai.response.finish_reasons"]) == ["end_turn"]


def test_async_openai_stream(sentry, provider):
    provider.script("/v1/chat/completions", chat_chunks("async text"))
    client = openai_client(provider, "AsyncOpenAI")

    async def main() -> str:
        out = []
        async with sentry_agents.chat("gpt-4o-mini") as llm:
            stream = await client.chat.completions.create(
                model="gpt-4o-mini", messages=[], stream=True
            )
            async for chunk in llm.stream(stream):
                if chunk.choices and chunk.choices[0].delta.content:
                    out.append(chunk.choices[0].delta.content)
        return "".join(out)

    assert asyncio.run(main()) == "async text"
    output = json.loads(sentry.named("chat gpt-4o-mini").attributes["gen_ai.output.messages"])
    assert output[0]["parts"][0]["content"] == "async text"


def test_chunks_pass_through_as_the_same_objects(sentry):
    sentinels = [object(), object(), object()]
    with sentry_agents.chat("m") as llm:
        assert list(llm.stream(iter(sentinels))) == sentinels
        assert all(a is b for a, b in zip(llm.stream(iter(sentinels)), sentinels))


def test_plain_string_deltas_and_abandoned_stream(sentry):
    with sentry_agents.chat("m") as llm:
        for piece in llm.stream(iter(["Hel", "lo", " wor", "ld"])):
            if piece == " wor":
                break
    attrs = sentry.named("chat m").attributes
    assert attrs["sentry_agents.stream.abandoned"] is True
    assert json.loads(attrs["gen_ai.output.messages"])[0]["parts"][0]["content"] == "Hello wor"


def test_error_mid_stream_records_what_arrived(sentry):
    def failing():
        yield "partial "
        raise ConnectionError("dropped")

    with pytest.raises(ConnectionError):
        with sentry_agents.chat("m") as llm:
            for _ in llm.stream(failing()):
                pass
    span = sentry.named("chat m")
    assert span.is_error()
    assert span.attributes["error.type"] == "ConnectionError"
    assert (
        json.loads(span.attributes["gen_ai.output.messages"])[0]["parts"][0]["content"]
        == "partial "
    )


def test_stream_returned_from_with_block_keeps_span_open_until_consumed(sentry):
    def make_stream():
        with sentry_agents.chat("late") as llm:
            return llm.stream(iter(["a", "b"]))

    stream = make_stream()
    assert [s for s in sentry.spans() if s.name == "chat late"] == []
    assert list(stream) == ["a", "b"]
    attrs = sentry.named("chat late").attributes
    assert json.loads(attrs["gen_ai.output.messages"])[0]["parts"][0]["content"] == "ab"


def test_generator_agent_keeps_span_open_and_parents_right(sentry):
    still_open = []

    @sentry_agents.invoke_agent("Gen Agent")
    def agent_steps():
        for i in range(3):
            with sentry_agents.chat(f"step-{i}"):
                pass
            yield i
        still_open.append(not ended(sentry_agents.current_span().span))

    with sentry_agents.invoke_agent("Caller") as caller:
        seen = []
        for value in agent_steps():
            seen.append(value)
            assert sentry_agents.current_span() is caller
            if sentry.mode == "static":
                assert sentry_sdk.get_current_span() is caller.span
            with sentry_agents.execute_tool(f"between-{value}"):
                pass
    assert seen == [0, 1, 2]
    gen_agent = sentry.named("invoke_agent Gen Agent")
    caller_span = sentry.named("invoke_agent Caller")
    assert gen_agent.parent_span_id == caller_span.span_id
    for i in range(3):
        assert sentry.named(f"chat step-{i}").parent_span_id == gen_agent.span_id
        assert sentry.named(f"chat step-{i}").attributes["gen_ai.agent.name"] == "Gen Agent"
        tool = sentry.named(f"execute_tool between-{i}")
        assert tool.parent_span_id == caller_span.span_id
        assert tool.attributes["gen_ai.agent.name"] == "Caller"
    assert still_open == [True], "the agent span was open until its generator ended"


def test_generator_closed_early_thrown_into_and_collected(sentry):
    @sentry_agents.execute_tool("gen_tool")
    def numbers():
        yield 1
        yield 2
        yield 3

    for n in numbers():
        if n == 2:
            break
    gen = numbers()
    next(gen)
    with pytest.raises(ValueError):
        gen.throw(ValueError("into"))
    gen = numbers()
    next(gen)
    del gen
    gc.collect()
    spans = [s for s in sentry.spans() if s.name == "execute_tool gen_tool"]
    assert len(spans) == 3
    errors = [s for s in spans if s.attributes.get("error.type") == "ValueError"]
    assert len(errors) == 1
    cancelled = [s for s in spans if s is not errors[0]]
    if sentry.mode == "static":
        assert all(s.status == "cancelled" for s in cancelled)
    assert sentry_agents.current_span() is None


def test_async_generator_agent(sentry):
    @sentry_agents.invoke_agent("Async Gen")
    async def tokens():
        for word in ("a", "b"):
            async with sentry_agents.chat("inner"):
                await asyncio.sleep(0)
            yield word

    async def main() -> list[str]:
        out = []
        async for token in tokens():
            assert sentry_agents.current_span() is None
            out.append(token)
        return out

    assert asyncio.run(main()) == ["a", "b"]
    agent = sentry.named("invoke_agent Async Gen")
    inner = [s for s in sentry.spans() if s.name == "chat inner"]
    assert len(inner) == 2 and all(s.parent_span_id == agent.span_id for s in inner)


def test_cancellation_is_not_an_error_report(sentry):
    async def main() -> None:
        started = asyncio.Event()

        async def slow_agent() -> None:
            async with sentry_agents.invoke_agent("Slow"):
                started.set()
                await asyncio.Event().wait()  # never set: only cancellation ends it

        task = asyncio.ensure_future(slow_agent())
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    span = sentry.named("invoke_agent Slow")
    assert "error.type" not in span.attributes
    if sentry.mode == "static":
        assert span.status == "cancelled"
    assert sentry.events() == []


def test_keyboard_interrupt_finishes_and_propagates(sentry):
    with pytest.raises(KeyboardInterrupt):
        with sentry_agents.invoke_agent("Interrupted"):
            raise KeyboardInterrupt
    assert sentry.named("invoke_agent Interrupted")
    assert sentry.events() == []


def test_200_concurrent_agents_have_the_right_parents(sentry):
    async def one(i: int) -> None:
        async with sentry_agents.invoke_agent(f"agent-{i}"):
            await asyncio.sleep(0.001 * (i % 7))
            async with sentry_agents.chat(f"model-{i}"):
                await asyncio.sleep(0.001 * (i % 3))
            with sentry_agents.execute_tool(f"tool-{i}"):
                await asyncio.sleep(0)

    async def main() -> None:
        async with sentry_agents.invoke_agent("root"):
            await asyncio.gather(*(one(i) for i in range(200)))

    asyncio.run(main())
    spans = {s.name: s for s in sentry.gen_ai_spans()}
    root = spans["invoke_agent root"]
    for i in range(200):
        agent = spans[f"invoke_agent agent-{i}"]
        assert agent.parent_span_id == root.span_id
        for child in (spans[f"chat model-{i}"], spans[f"execute_tool tool-{i}"]):
            assert child.parent_span_id == agent.span_id, child.name
            assert child.attributes["gen_ai.agent.name"] == f"agent-{i}"


def test_agents_in_worker_threads_keep_their_own_parents(sentry):
    def worker(i: int) -> None:
        with sentry_agents.invoke_agent(f"thread-agent-{i}"):
            with sentry_agents.chat(f"thread-model-{i}"):
                pass

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    spans = {s.name: s for s in sentry.gen_ai_spans()}
    for i in range(8):
        assert (
            spans[f"chat thread-model-{i}"].parent_span_id
            == spans[f"invoke_agent thread-agent-{i}"].span_id
        )


def test_tool_decorator_records_name_docstring_arguments_result(sentry):
    @sentry_agents.tool
    def get_weather(city: str, unit: str = "C") -> dict:
        """Current weather for a city.

        More details that are not part of the description.
        """
        return {"city": city, "temp": 14, "unit": unit}

    @sentry_agents.tool(name="lookup", description="Look things up")
    async def search(query: str) -> str:
        return f"results for {query}"

    assert get_weather("Paris") == {"city": "Paris", "temp": 14, "unit": "C"}
    assert asyncio.run(search(query="rain")) == "results for rain"
    weather = sentry.named("execute_tool get_weather").attributes
    assert weather["gen_ai.tool.name"] == "get_weather"
    assert weather["gen_ai.tool.description"] == "Current weather for a city."
    assert json.loads(weather["gen_ai.tool.call.arguments"]) == {"city": "Paris"}
    assert json.loads(weather["gen_ai.tool.call.result"]) == {
        "city": "Paris",
        "temp": 14,
        "unit": "C",
    }
    lookup = sentry.named("execute_tool lookup").attributes
    assert lookup["gen_ai.tool.description"] == "Look things up"
    assert lookup["gen_ai.tool.call.result"] == "results for rain"


def test_tool_decorator_errors_pass_through(sentry):
    @sentry_agents.tool
    def broken() -> None:
        raise LookupError("nope")

    with pytest.raises(LookupError):
        broken()
    assert sentry.named("execute_tool broken").attributes["error.type"] == "LookupError"
    assert len(sentry.events()) == 1


def test_agent_decorator_records_input_and_output(sentry):
    @sentry_agents.agent(name="Echo Agent", model="m")
    def echo(question: str) -> str:
        return question.upper()

    @sentry_agents.agent
    def streamer(topic: str, n: int):
        yield from ["a", "b"]

    assert echo("hi") == "HI"
    assert list(streamer("x", 2)) == ["a", "b"]
    echo_span = sentry.named("invoke_agent Echo Agent")
    assert json.loads(echo_span.attributes["gen_ai.input.messages"]) == [
        {"role": "user", "parts": [{"type": "text", "content": "hi"}]}
    ]
    assert (
        json.loads(echo_span.attributes["gen_ai.output.messages"])[0]["parts"][0]["content"] == "HI"
    )
    stream_span = sentry.named("invoke_agent streamer")
    assert json.loads(
        json.loads(stream_span.attributes["gen_ai.input.messages"])[0]["parts"][0]["content"]
    ) == {
        "topic": "x",
        "n": 2,
    }
    assert (
        json.loads(stream_span.attributes["gen_ai.output.messages"])[0]["parts"][0]["content"]
        == "ab"
    )


def test_tool_definition_from_function():
    from typing import Literal, Optional

    def plan(
        city: str,
        days: int = 2,
        mode: Literal["fast", "slow"] = "fast",
        tags: Optional[list[str]] = None,
    ):
        """Plan a trip.

        Long text."""

    assert sentry_agents.tool_definition(plan) == {
        "type": "function",
        "name": "plan",
        "description": "Plan a trip.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "days": {"type": "integer", "default": 2},
                "mode": {"enum": ["fast", "slow"], "default": "fast"},
                "tags": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["city"],
        },
    }
    decorated = sentry_agents.tool(plan)
    assert sentry_agents.tool_definition(decorated)["name"] == "plan"


def test_tools_in_a_thread_pool_keep_their_agent(sentry):
    from concurrent.futures import ThreadPoolExecutor

    sentry.init(default_integrations=True)  # sentry-sdk's ThreadingIntegration carries its scope

    def run_tool(i: int) -> int:
        with sentry_agents.execute_tool(f"pool-tool-{i}"):
            with sentry_agents.chat(f"pool-model-{i}") as llm:
                llm.set_usage(input_tokens=10, output_tokens=1)
        return i

    with sentry_agents.invoke_agent("Pool Agent"):
        with ThreadPoolExecutor(max_workers=3) as pool:
            assert list(pool.map(run_tool, range(3))) == [0, 1, 2]
    agent = sentry.named("invoke_agent Pool Agent")
    for i in range(3):
        tool = sentry.named(f"execute_tool pool-tool-{i}")
        assert tool.parent_span_id == agent.span_id
        assert tool.attributes["gen_ai.agent.name"] == "Pool Agent"
        assert sentry.named(f"chat pool-model-{i}").attributes["gen_ai.agent.name"] == "Pool Agent"
    assert agent.attributes["gen_ai.usage.input_tokens"] == 30


def test_children_started_at_once_in_threads_have_their_parent(sentry):
    sentry.init(default_integrations=True)  # sentry-sdk's ThreadingIntegration carries its scope
    rounds, width = 30, 4
    barrier = threading.Barrier(width)

    def child(r: int, i: int) -> None:
        barrier.wait(DELIVERY_BOUND)  # the children of one agent start at the same moment
        with sentry_agents.execute_tool(f"tool-{r}-{i}"):
            pass

    for r in range(rounds):
        with sentry_agents.invoke_agent(f"agent-{r}"):
            threads = [threading.Thread(target=child, args=(r, i)) for i in range(width)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    spans = {s.name: s for s in sentry.gen_ai_spans()}
    wrong = [
        f"tool-{r}-{i}"
        for r in range(rounds)
        for i in range(width)
        if spans[f"execute_tool tool-{r}-{i}"].parent_span_id
        != spans[f"invoke_agent agent-{r}"].span_id
    ]
    assert wrong == []
