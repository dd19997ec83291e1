"""Streams, generators and decorators: spans finish right however the code exits."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import threading
import weakref
from typing import Any

import pytest
import sentry_sdk
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sentry_agents
from conftest import DELIVERY_BOUND, HAS_TRANSACTIONS
from fakes import (
    RESPONSES_MODEL,
    anthropic_block_events,
    anthropic_events,
    anthropic_message,
    chat_chunks,
    google_client,
    response_events,
    response_item_events,
)


def test_openai_chat_stream_end_to_end(sentry, provider):
    provider.script(
        "/v1/chat/completions",
        chat_chunks("Hello there, traveller!"),
        chat_chunks("Hello there, traveller!"),
    )
    client = provider.openai()
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
    client = provider.openai()
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


@pytest.mark.parametrize("reading", ["events", "until_done", "async"])
def test_openai_responses_stream_helper_is_recorded_once(sentry, provider, reading):
    """``client.responses.stream(...)`` yields the API's events, its own kinds in place of
    some (text deltas with the text so far, a completed event with the parsed response):
    the text, the tool call, usage, model, id and status are recorded once."""
    provider.script("/v1/responses", response_item_events("Sunny and warm."))
    request = {"model": "o4-mini", "input": "hi"}
    deltas: list[str] = []

    def read(event: Any) -> None:
        if event.type == "response.output_text.delta":
            deltas.append(event.delta)

    with sentry_agents.chat("o4-mini", provider="openai") as llm:
        if reading == "async":

            async def main() -> None:
                async with provider.async_openai().responses.stream(**request) as stream:
                    async for event in llm.stream(stream):
                        read(event)

            asyncio.run(main())
        else:
            with provider.openai().responses.stream(**request) as stream:
                if reading == "until_done":
                    final = llm.stream(stream).until_done().get_final_response()
                    deltas.append(final.output_text)
                else:
                    for event in llm.stream(stream):
                        read(event)
    assert "".join(deltas) == "Sunny and warm."
    attrs = sentry.named("chat o4-mini").attributes
    (output,) = json.loads(attrs["gen_ai.output.messages"])
    assert output["parts"] == [
        {"type": "reasoning", "content": "Think."},
        {"type": "text", "content": "Sunny and warm."},
        {
            "type": "tool_call",
            "id": "call_1",
            "name": "get_weather",
            "arguments": {"city": "Paris"},
        },
    ]
    assert attrs["gen_ai.response.model"] == RESPONSES_MODEL
    assert attrs["gen_ai.response.id"] == "resp_123"
    assert attrs["gen_ai.usage.input_tokens"] == 80
    assert attrs["gen_ai.usage.output_tokens"] == 40
    assert attrs["gen_ai.usage.cache_read.input_tokens"] == 64
    assert attrs["gen_ai.usage.reasoning.output_tokens"] == 32
    assert json.loads(attrs["gen_ai.response.finish_reasons"]) == [output["finish_reason"]]
    assert attrs["gen_ai.response.streaming"] is True
    assert "sentry_agents.stream.abandoned" not in attrs


def test_openai_responses_stream_helper_left_early_keeps_what_it_streamed(sentry, provider):
    """The helper's stream left in the middle of its text: the summary and the text
    streamed so far are recorded, with the model and id, as abandoned."""
    provider.script("/v1/responses", response_item_events("Sunny and warm."))
    with sentry_agents.chat("o4-mini", provider="openai") as llm:
        with provider.openai().responses.stream(model="o4-mini", input="hi") as stream:
            for event in llm.stream(stream):
                if event.type == "response.output_text.delta" and event.delta == " and":
                    break
    attrs = sentry.named("chat o4-mini").attributes
    assert json.loads(attrs["gen_ai.output.messages"]) == [
        {
            "role": "assistant",
            "parts": [
                {"type": "reasoning", "content": "Think."},
                {"type": "text", "content": "Sunny and"},
            ],
        }
    ]
    assert attrs["gen_ai.response.model"] == RESPONSES_MODEL
    assert attrs["gen_ai.response.id"] == "resp_123"
    assert attrs["sentry_agents.stream.abandoned"] is True


@pytest.mark.parametrize("helper", [False, True])
def test_a_responses_stream_left_in_a_function_call_keeps_the_call_so_far(sentry, provider, helper):
    """A Responses stream left while a function call's arguments stream (the call's item
    added, its first delta read) keeps that call, as a chat stream left there does: its
    id, name and the arguments received, beside the text before it."""
    provider.script("/v1/responses", response_item_events("Sunny and warm."))
    client = provider.openai()
    with sentry_agents.chat("o4-mini", provider="openai") as llm:
        with contextlib.ExitStack() as stack:
            if helper:
                source = stack.enter_context(client.responses.stream(model="o4-mini", input="hi"))
            else:
                source = client.responses.create(model="o4-mini", input="hi", stream=True)
            for event in llm.stream(source):
                if event.type == "response.function_call_arguments.delta":
                    break
    attrs = sentry.named("chat o4-mini").attributes
    (output,) = json.loads(attrs["gen_ai.output.messages"])
    assert output["parts"] == [
        {"type": "reasoning", "content": "Think."},
        {"type": "text", "content": "Sunny and warm."},
        {"type": "tool_call", "id": "call_1", "name": "get_weather", "arguments": '{"city": '},
    ]
    assert attrs["sentry_agents.stream.abandoned"] is True


def test_a_responses_stream_of_calls_without_item_ids_records_each_call_once():
    """Items added, streamed and done without an ``id`` (a proxy's events, as dicts) are
    told apart by their output index: each call is recorded once, whole, and a custom
    tool's free-text input streamed in pieces as a function's arguments are."""
    from sentry_agents._chunks import StreamAccumulator

    def call(kind: str, n: int, text: str) -> dict[str, Any]:
        given = "arguments" if kind == "function_call" else "input"
        return {"type": kind, "call_id": f"c{n}", "name": f"f{n}", given: text}

    accumulator = StreamAccumulator()
    events: list[dict[str, Any]] = []
    for n, (kind, pieces) in enumerate(
        [("function_call", ['{"a":', " 1}"]), ("custom_tool_call", ["x ", "y"])]
    ):
        delta = (
            "response.function_call_arguments.delta"
            if kind == "function_call"
            else "response.custom_tool_call_input.delta"
        )
        events.append(
            {"type": "response.output_item.added", "output_index": n, "item": call(kind, n, "")}
        )
        events += [{"type": delta, "output_index": n, "delta": p} for p in pieces]
    cut = StreamAccumulator()
    for event in events:
        cut.add(event)
    for n, (kind, whole) in enumerate([("function_call", '{"a": 1}'), ("custom_tool_call", "x y")]):
        events.append(
            {"type": "response.output_item.done", "output_index": n, "item": call(kind, n, whole)}
        )
    for event in events:
        accumulator.add(event)
    expected = [
        {
            "role": "assistant",
            "parts": [
                {"type": "tool_call", "id": "c0", "name": "f0", "arguments": {"a": 1}},
                {"type": "tool_call", "id": "c1", "name": "f1", "arguments": "x y"},
            ],
        }
    ]
    assert accumulator.result().output == expected
    assert cut.result().output == expected


def test_a_responses_stream_left_in_its_reasoning_keeps_each_text_on_a_line_of_its_own():
    """A reasoning item streams its summary (or its reasoning text) part by part; left
    before ``response.completed``, the stream keeps them as a whole response's reasoning
    item is written: each non-empty text on a line of its own, never run together."""
    from sentry_agents._chunks import StreamAccumulator

    at = {"item_id": "rs_1", "output_index": 0}
    events: list[dict[str, Any]] = [
        {"type": "response.output_item.added", "output_index": 0, "item": {"type": "reasoning"}}
    ]
    for n, text in enumerate(["Think.", "", "More."]):
        summary = {**at, "summary_index": n}
        part = {"type": "summary_text", "text": ""}
        events.append({"type": "response.reasoning_summary_part.added", **summary, "part": part})
        if text:
            events += [
                {"type": "response.reasoning_summary_text.delta", **summary, "delta": piece}
                for piece in (text[:2], text[2:])
            ]
    part = {"type": "reasoning_text", "text": ""}
    events.append({"type": "response.content_part.added", **at, "content_index": 0, "part": part})
    events.append(
        {"type": "response.reasoning_text.delta", **at, "content_index": 0, "delta": "Done."}
    )
    accumulator = StreamAccumulator()
    for event in events:
        accumulator.add(event)
    assert accumulator.result().output == [
        {"role": "assistant", "parts": [{"type": "reasoning", "content": "Think.\nMore.\nDone."}]}
    ]


def test_a_responses_stream_cut_short_keeps_its_custom_tool_calls():
    """A Responses stream ended before ``response.completed`` keeps the calls whose items
    were done: a custom tool's (its free-text input) as a function's (its arguments)."""
    from openai.types.responses import ResponseStreamEvent
    from pydantic import TypeAdapter

    from sentry_agents._chunks import StreamAccumulator

    items = [
        {"type": "function_call", "id": "fc_1", "call_id": "c1", "name": "f", "arguments": "{}"},
        {"type": "custom_tool_call", "id": "ct_1", "call_id": "c2", "name": "g", "input": "x y"},
    ]
    accumulator = StreamAccumulator()
    for n, item in enumerate(items):
        event = {
            "type": "response.output_item.done",
            "sequence_number": n,
            "output_index": n,
            "item": item,
        }
        accumulator.add(TypeAdapter(ResponseStreamEvent).validate_python(event))
    assert accumulator.result().output == [
        {
            "role": "assistant",
            "parts": [
                {"type": "tool_call", "id": "c1", "name": "f", "arguments": {}},
                {"type": "tool_call", "id": "c2", "name": "g", "arguments": "x y"},
            ],
        }
    ]


def test_anthropic_stream_end_to_end(sentry, provider):

    provider.script("/v1/messages", anthropic_events("Bonjour from Claude"))
    client = provider.anthropic()
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


def streamed_and_whole(
    sentry, provider, events: list[Any], **beta: Any
) -> tuple[dict[str, Any], ...]:
    """The attributes of a chat span recording an Anthropic stream of ``events`` and of
    one recording, with ``set_response``, the message the SDK built from the same events;
    through ``client.beta.messages.stream`` when ``beta`` (its ``betas=``) is given."""
    provider.script("/v1/messages", events)
    client = provider.anthropic()
    messages = client.beta.messages if beta else client.messages
    with sentry_agents.chat("claude-streamed", provider="anthropic") as llm:
        with messages.stream(model="claude-sonnet-4-5", max_tokens=50, messages=[], **beta) as s:
            for _ in llm.stream(s):
                pass
            final = s.get_final_message()
    with sentry_agents.chat("claude-final", provider="anthropic") as llm:
        llm.set_response(final)
    return (
        sentry.named("chat claude-streamed").attributes,
        sentry.named("chat claude-final").attributes,
    )


def test_the_final_message_of_a_stream_given_to_set_response_keeps_it_streamed(sentry, provider):
    """``set_response`` given the message a stream built (``get_final_message()``, as the
    non-streamed code passes its response) records that message but leaves the span
    streamed: it sent ``gen_ai.response.streaming = false`` beside the stream's time to
    the first chunk."""
    provider.script("/v1/messages", anthropic_events("Bonjour from Claude"))
    client = provider.anthropic()
    with sentry_agents.chat("claude-sonnet-4-5", provider="anthropic") as llm:
        with client.messages.stream(model="claude-sonnet-4-5", max_tokens=50, messages=[]) as s:
            for _ in llm.stream(s):
                pass
            llm.set_response(s.get_final_message())
    attrs = sentry.named("chat claude-sonnet-4-5").attributes
    assert attrs["gen_ai.response.streaming"] is True
    assert "gen_ai.response.time_to_first_chunk" in attrs
    assert json.loads(attrs["gen_ai.output.messages"])[0]["parts"] == [
        {"type": "text", "content": "Bonjour from Claude "}
    ]
    assert attrs["gen_ai.usage.output_tokens"] == 15


@pytest.mark.parametrize("cache_read", [None, 0, 7], ids=["unreported", "zero", "seven"])
def test_an_anthropic_stream_sends_a_cache_read_count_only_when_reported(
    sentry, provider, cache_read
):
    """A stream whose events never report cache reads sends no cache-read count (it sent
    0, a guess); one that reports 0 sends 0. Either way, as ``set_response`` records the
    message the SDK builds from the same events."""
    events = anthropic_events("Hi there")
    usage = {"input_tokens": 20, "output_tokens": 1}
    if cache_read is not None:
        usage["cache_read_input_tokens"] = cache_read
    events[0]["message"]["usage"] = usage
    streamed, whole = streamed_and_whole(sentry, provider, events)
    cache_keys = ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.input_tokens.cached")
    for attrs in (streamed, whole):
        assert attrs["gen_ai.usage.input_tokens"] == 20 + (cache_read or 0)
        assert attrs["gen_ai.usage.output_tokens"] == 15
        for key in cache_keys:
            assert attrs.get(key) == cache_read, key
            assert (key in attrs) is (cache_read is not None), key
    usage = [
        {k: v for k, v in a.items() if k.startswith("gen_ai.usage.")} for a in (streamed, whole)
    ]
    assert usage[0] == usage[1]


def test_google_stream_ending_in_a_usage_only_chunk_counts_usage_once(sentry):
    """Gemini's usage is a running total, and Gemini 3 ends a stream with a chunk of only
    ``usage_metadata``: that chunk is Google's (last total wins), not a LangChain delta."""
    from google.genai import types

    usage = {"prompt_token_count": 40, "candidates_token_count": 5, "total_token_count": 45}
    chunks = [
        types.GenerateContentResponse.model_validate(chunk)
        for chunk in (
            {
                "candidates": [
                    {
                        "content": {"role": "model", "parts": [{"text": "Rain today."}]},
                        "finish_reason": "STOP",
                    }
                ],
                "model_version": "gemini-3-flash",
                "response_id": "r1",
                "usage_metadata": usage,
            },
            {"model_version": "gemini-3-flash", "response_id": "r1", "usage_metadata": usage},
            {"usage_metadata": usage},
        )
    ]
    with sentry_agents.chat("gemini-3-flash", provider="gcp.gemini") as llm:
        assert list(llm.stream(iter(chunks))) == chunks
    attrs = sentry.named("chat gemini-3-flash").attributes
    assert attrs["gen_ai.usage.input_tokens"] == 40
    assert attrs["gen_ai.usage.output_tokens"] == 5
    assert attrs["gen_ai.usage.total_tokens"] == 45
    assert attrs["gen_ai.response.id"] == "r1"
    assert json.loads(attrs["gen_ai.output.messages"])[0]["parts"] == [
        {"type": "text", "content": "Rain today."}
    ]


def test_a_google_stream_reads_the_usage_of_its_last_chunk_once(sentry, mocker):
    """Gemini repeats its running usage in every chunk: the usage of google-genai's own
    chunks (made anew for each, never changed after) is read once, the last one's, as
    the stream ends; a dict's (which its source may change later) is read as it comes.
    The usage sent is the last chunk's either way."""
    from google.genai import types

    from sentry_agents import _chunks

    def chunk(i: int, done: bool) -> dict[str, Any]:
        return {
            "candidates": [
                {
                    "content": {"role": "model", "parts": [{"text": f"word {i} "}]},
                    **({"finish_reason": "STOP"} if done else {}),
                }
            ],
            "model_version": "gemini-2.5-flash",
            "response_id": "r1",
            "usage_metadata": {
                "prompt_token_count": 40,
                "candidates_token_count": i + 1,
                "total_token_count": 41 + i,
            },
        }

    dicts = [chunk(i, i == 29) for i in range(30)]
    read = mocker.spy(_chunks, "usage_from")
    for chunks, reads in (
        ([types.GenerateContentResponse.model_validate(c) for c in dicts], 1),
        (dicts, 30),
    ):
        read.reset_mock()
        with sentry_agents.chat("gemini-2.5-flash", provider="gcp.gemini") as llm:
            assert list(llm.stream(iter(chunks))) == chunks
        assert read.call_count == reads
    spans = sentry.gen_ai_spans()
    assert len(spans) == 2
    for span in spans:
        assert span.attributes["gen_ai.usage.input_tokens"] == 40
        assert span.attributes["gen_ai.usage.output_tokens"] == 30
        assert span.attributes["gen_ai.usage.total_tokens"] == 70


def test_a_google_chunks_usage_read_later_still_comes_before_a_later_delta(mocker):
    """Usage left to read as the stream ends is read before a later chunk's usage is
    added to it (a LangChain delta after a Google chunk): the same as reading each at
    once."""
    from google.genai import types

    from sentry_agents._chunks import StreamAccumulator

    google = types.GenerateContentResponse.model_validate(
        {
            "candidates": [{"content": {"role": "model", "parts": [{"text": "Hi"}]}}],
            "usage_metadata": {"prompt_token_count": 7, "candidates_token_count": 2},
        }
    )
    delta = {"content": "!", "usage_metadata": {"input_tokens": 1, "output_tokens": 3}}
    later = StreamAccumulator()
    for item in (google, delta):
        later.add(item)
    usage = later.result().usage
    assert (usage.input_tokens, usage.output_tokens) == (8, 5)


def test_langchain_stream_usage_is_summed_from_its_deltas(sentry):
    from langchain_core.messages import AIMessageChunk

    chunks = [
        AIMessageChunk(content="Hel", id="run-1"),
        AIMessageChunk(content="lo", usage_metadata=_lc_usage(10, 2)),
        AIMessageChunk(content="", usage_metadata=_lc_usage(0, 3)),
    ]
    with sentry_agents.chat("m") as llm:
        list(llm.stream(iter(chunks)))
    attrs = sentry.named("chat m").attributes
    assert attrs["gen_ai.usage.input_tokens"] == 10
    assert attrs["gen_ai.usage.output_tokens"] == 5
    assert json.loads(attrs["gen_ai.output.messages"])[0]["parts"][0]["content"] == "Hello"


def _lc_usage(inputs: int, outputs: int) -> dict:
    return {"input_tokens": inputs, "output_tokens": outputs, "total_tokens": inputs + outputs}


def test_async_openai_stream(sentry, provider):
    provider.script("/v1/chat/completions", chat_chunks("async text"))
    client = provider.async_openai()

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


@pytest.mark.parametrize("closer", ["close", "aclose"])
def test_an_async_openai_stream_closed_early_ends_its_span(sentry, provider, closer):
    """``await stream.close()`` (OpenAI's public way to close an ``AsyncStream``) closes
    the source and ends the span, abandoned, while the wrapper is still referenced."""
    provider.script("/v1/chat/completions", chat_chunks("async text"))
    client = provider.async_openai()

    async def main() -> Any:
        async with sentry_agents.chat("gpt-4o-mini") as llm:
            stream = llm.stream(
                await client.chat.completions.create(model="gpt-4o-mini", messages=[], stream=True)
            )
            async for _ in stream:
                break
            await getattr(stream, closer)()
            assert stream.response.is_closed
        return stream  # still referenced: only closing it ends the span

    stream = asyncio.run(main())
    span = sentry.named("chat gpt-4o-mini")
    assert span.attributes["sentry_agents.stream.abandoned"] is True
    assert span.status == "ok"
    del stream


def test_an_async_stream_whose_source_closes_at_once_can_be_closed_with_or_without_await(
    sentry,
):
    class Chunks:
        closed = 0

        def __aiter__(self) -> Any:
            return self

        async def __anext__(self) -> str:
            return "a"

        def close(self) -> None:
            Chunks.closed += 1

    async def main() -> list[Any]:
        streams = []
        for name in ("awaited", "not awaited"):
            async with sentry_agents.chat(name) as llm:
                stream = llm.stream(Chunks())
                await stream.__anext__()
                closing = stream.close()
                if name == "awaited":
                    await closing
                streams.append(stream)
        return streams

    streams = asyncio.run(main())
    assert Chunks.closed == 2
    for name in ("awaited", "not awaited"):
        assert sentry.named(f"chat {name}").attributes["sentry_agents.stream.abandoned"] is True
    del streams


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


def _sdk_chunks(text: str) -> list[Any]:
    """``chat_chunks(text)`` as the ``openai`` SDK's own chunk objects."""
    from openai.types.chat import ChatCompletionChunk

    return [ChatCompletionChunk.model_validate(c) for c in chat_chunks(text)]


_LONG_REPLY = "".join(f"word{i} " for i in range(60))  # 105 chunks of text


@pytest.mark.parametrize("end", ["read", "closed", "dropped", "failed"])
def test_a_long_stream_of_sdk_chunks_records_every_chunk_that_arrived(sentry, end):
    """A provider SDK's chunks are read a batch at a time, held back between: every chunk
    that arrived is recorded, in order, however the stream ends (70 chunks: two batches
    and some held back)."""
    chunks = _sdk_chunks(_LONG_REPLY)
    stop = len(chunks) if end == "read" else 70

    def source() -> Any:
        yield from chunks[:stop]
        if end == "failed":
            raise ConnectionError("dropped")
        yield from chunks[stop:]

    with pytest.raises(ConnectionError) if end == "failed" else contextlib.nullcontext():
        with sentry_agents.chat("m") as llm:
            stream = llm.stream(source())
            for arrived, _ in enumerate(stream, 1):
                if arrived == stop and end in ("closed", "dropped"):
                    break
            if end == "closed":
                stream.close()
            elif end == "dropped":
                del stream
    attrs = sentry.named("chat m").attributes
    (message,) = json.loads(attrs["gen_ai.output.messages"])
    # The first chunk holds the role, each after it four characters of the text.
    assert message["parts"] == [{"type": "text", "content": _LONG_REPLY[: 4 * (stop - 1)]}]
    if end == "read":
        assert message["finish_reason"] == "stop"
        assert attrs["gen_ai.usage.output_tokens"] == 7
    else:
        assert "gen_ai.usage.output_tokens" not in attrs
        assert (attrs.get("sentry_agents.stream.abandoned") is True) is (end != "failed")


@pytest.mark.parametrize("extra", [{"kind": "x"}, ["x"], 7])
def test_an_sdk_chunk_with_an_extra_type_of_no_event_is_read_as_a_chunk(sentry, extra):
    """A proxy adding a ``type`` that is no event's (a dict, a list, a number) to the
    openai SDK's chunks: each chunk's text is still read (a dict's ``type`` made the
    check against the Anthropic events raise, and the chunk was lost)."""
    from openai.types.chat import ChatCompletionChunk

    chunks = [
        ChatCompletionChunk.model_validate({**c, "type": extra}) for c in chat_chunks("abcdefgh")
    ]
    with sentry_agents.chat("m") as llm:
        for _ in llm.stream(chunks):
            pass
    attrs = sentry.named("chat m").attributes
    (message,) = json.loads(attrs["gen_ai.output.messages"])
    assert message["parts"] == [{"type": "text", "content": "abcdefgh"}]
    assert attrs["gen_ai.usage.output_tokens"] == 7


def test_sdk_chunks_held_back_are_read_before_a_chunk_read_at_once(sentry):
    """A dict (or text, or any other object) is read as it arrives, after the SDK's
    chunks held back before it: the reply keeps the order the chunks came in."""
    sdk = _sdk_chunks("abcdefgh")  # the role, "abcd", "efgh", the finish, the usage
    dict_chunk = {"choices": [{"index": 0, "delta": {"content": "-dict-"}}]}
    with sentry_agents.chat("m") as llm:
        for _ in llm.stream([sdk[0], sdk[1], dict_chunk, sdk[2], *sdk[3:]]):
            pass
    (message,) = json.loads(sentry.named("chat m").attributes["gen_ai.output.messages"])
    assert message["parts"] == [{"type": "text", "content": "abcd-dict-efgh"}]


@pytest.mark.parametrize("kind", ["dict", "model"])
def test_a_chunk_its_source_reuses_is_read_as_each_arrives(sentry, kind):
    """A source may yield one chunk again and again, changed in between: a dict, or a
    pydantic model of its own (not the openai, anthropic or google-genai SDK's). Each
    state is read as it arrives (held back to be read later, only the last state was
    left, recorded once per chunk)."""
    from pydantic import BaseModel

    class Delta(BaseModel):
        content: str = ""

    class Choice(BaseModel):
        index: int = 0
        delta: Delta

    class Chunk(BaseModel):
        choices: list[Choice]

    def source() -> Any:
        chunk: Any = {"choices": [{"index": 0, "delta": {"content": ""}}]}
        if kind == "model":
            chunk = Chunk.model_validate(chunk)
        for word in ("one ", "two ", "three"):
            if kind == "model":
                chunk.choices[0].delta.content = word
            else:
                chunk["choices"][0]["delta"]["content"] = word
            yield chunk

    with sentry_agents.chat("m") as llm:
        for _ in llm.stream(source()):
            pass
    (message,) = json.loads(sentry.named("chat m").attributes["gen_ai.output.messages"])
    assert message["parts"] == [{"type": "text", "content": "one two three"}]


def _tool_call_chunks() -> list[dict[str, Any]]:
    """Two parallel tool calls streamed by Chat Completions after some text, each call's
    arguments over two deltas, as the API sends them."""
    from openai.types.chat import ChatCompletionChunk

    frame = {"id": "chatcmpl-tc", "object": "chat.completion.chunk", "created": 1}
    frame["model"] = "gpt-4o"
    weather = {"index": 0, "id": "call_1", "type": "function"}
    time = {"index": 1, "id": "call_2", "type": "function"}
    deltas = [
        {"role": "assistant", "content": "Checking."},
        {"tool_calls": [{**weather, "function": {"name": "get_weather", "arguments": ""}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": '{"city": '}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": '"Paris"}'}}]},
        {"tool_calls": [{**time, "function": {"name": "get_time", "arguments": '{"zone": '}}]},
        {"tool_calls": [{"index": 1, "function": {"arguments": '"CET"}'}}]},
    ]
    chunks = [{**frame, "choices": [{"index": 0, "delta": d}]} for d in deltas]
    chunks.append({**frame, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
    return [ChatCompletionChunk.model_validate(c).model_dump(exclude_none=True) for c in chunks]


@pytest.mark.parametrize("helper", [False, True])
def test_tool_calls_read_as_openai_documents_are_recorded_as_they_arrived(sentry, provider, helper):
    """OpenAI's documented way to read streamed tool calls keeps each call's first delta
    and adds each later delta's arguments to it (from a raw stream, or the ``chunk``
    events of ``client.chat.completions.stream``): each call is recorded with its
    arguments once, as the consumer assembled them (read after the consumer changed the
    first delta, the arguments were recorded twice over)."""
    provider.script("/v1/chat/completions", _tool_call_chunks())
    client = provider.openai()
    calls: dict[int, Any] = {}

    def keep(chunk: Any) -> None:
        for call in chunk.choices[0].delta.tool_calls or [] if chunk.choices else []:
            if call.index not in calls:
                calls[call.index] = call
            else:
                calls[call.index].function.arguments += call.function.arguments

    with sentry_agents.chat("gpt-4o", provider="openai") as llm:
        if helper:
            with client.chat.completions.stream(model="gpt-4o", messages=[]) as stream:
                for event in llm.stream(stream):
                    if event.type == "chunk":
                        keep(event.chunk)
        else:
            for chunk in llm.stream(
                client.chat.completions.create(model="gpt-4o", messages=[], stream=True)
            ):
                keep(chunk)
    assert [c.function.arguments for c in calls.values()] == [
        '{"city": "Paris"}',
        '{"zone": "CET"}',
    ]
    (message,) = json.loads(sentry.named("chat gpt-4o").attributes["gen_ai.output.messages"])
    assert message["parts"] == [
        {"type": "text", "content": "Checking."},
        {
            "type": "tool_call",
            "id": "call_1",
            "name": "get_weather",
            "arguments": {"city": "Paris"},
        },
        {"type": "tool_call", "id": "call_2", "name": "get_time", "arguments": {"zone": "CET"}},
    ]


def test_a_reply_rebuilt_on_its_first_openai_delta_is_recorded_as_it_arrived(sentry, provider):
    """A reader that keeps a stream's first delta and adds each later delta's text to it
    (to hold the whole message): the text is recorded once (read after the reader
    changed that delta, it was recorded twice over)."""
    provider.script("/v1/chat/completions", chat_chunks("Hello there, traveller!"))
    client = provider.openai()
    message = None
    with sentry_agents.chat("gpt-4o", provider="openai") as llm:
        stream = client.chat.completions.create(model="gpt-4o", messages=[], stream=True)
        for chunk in llm.stream(stream):
            for choice in chunk.choices:
                if message is None:
                    message = choice.delta
                else:
                    message.content += choice.delta.content or ""
    assert message is not None and message.content == "Hello there, traveller!"
    (output,) = json.loads(sentry.named("chat gpt-4o").attributes["gen_ai.output.messages"])
    assert output["parts"] == [{"type": "text", "content": "Hello there, traveller!"}]


def test_a_reply_rebuilt_from_its_raw_anthropic_events_is_recorded_as_it_arrived(sentry, provider):
    """A reader of the raw Anthropic events that keeps each started block and adds each
    delta to it (as the SDK's own accumulation does, without copying): every block is
    recorded as sent (read after the reader changed it, a block's text was recorded
    twice over)."""
    text = (
        {"type": "text", "text": ""},
        [{"type": "text_delta", "text": w} for w in ("Hi ", "you")],
    )
    thinking = {"type": "thinking", "thinking": "", "signature": ""}
    thought = [{"type": "thinking_delta", "thinking": "Greet."}]
    provider.script(
        "/v1/messages", anthropic_block_events([(thinking, thought), text], "end_turn", 5)
    )
    client = provider.anthropic()
    blocks: dict[int, Any] = {}
    with sentry_agents.chat("claude", provider="anthropic") as llm:
        stream = client.messages.create(model="claude", max_tokens=50, messages=[], stream=True)
        for event in llm.stream(stream):
            if event.type == "content_block_start":
                blocks[event.index] = event.content_block
            elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                blocks[event.index].text += event.delta.text
            elif event.type == "content_block_delta" and event.delta.type == "thinking_delta":
                blocks[event.index].thinking += event.delta.thinking
    assert [blocks[0].thinking, blocks[1].text] == ["Greet.", "Hi you"]
    (output,) = json.loads(sentry.named("chat claude").attributes["gen_ai.output.messages"])
    assert output["parts"] == [
        {"type": "reasoning", "content": "Greet."},
        {"type": "text", "content": "Hi you"},
    ]


def test_a_reply_rebuilt_on_its_first_google_chunk_is_recorded_as_it_arrived(sentry):
    """A reader of google-genai's ``generate_content_stream`` that keeps the first chunk's
    part and adds each later chunk's text to it: the text is recorded once (read after
    the reader changed that part, it was recorded twice over)."""
    chunks = [
        {"candidates": [{"content": {"role": "model", "parts": [{"text": word}]}}]}
        for word in ("Rain ", "all ", "day.")
    ]
    chunks[-1]["candidates"][0]["finishReason"] = "STOP"
    client = google_client(chunks)
    part = None
    with sentry_agents.chat("gemini-2.5-flash", provider="gcp.gemini") as llm:
        stream = client.models.generate_content_stream(model="gemini-2.5-flash", contents="x")
        for chunk in llm.stream(stream):
            if part is None:
                part = chunk.candidates[0].content.parts[0]
            else:
                part.text += chunk.text
    assert part is not None and part.text == "Rain all day."
    attrs = sentry.named("chat gemini-2.5-flash").attributes
    (output,) = json.loads(attrs["gen_ai.output.messages"])
    assert output["parts"] == [{"type": "text", "content": "Rain all day."}]


@pytest.mark.parametrize("reader", ["add", "add_text"])
def test_a_chunk_that_cannot_be_read_loses_only_itself(sentry, mocker, sdk_log, reader):
    """Reading a chunk fails (fault injected): held back and read in a batch (``add``;
    text chunks are then held back too), or read as it arrives (``add_text``). That
    chunk is left out and logged; the chunks around it, in its batch too, are recorded."""
    from sentry_agents._chunks import StreamAccumulator

    chunks = _sdk_chunks(_LONG_REPLY)
    bad = chunks[10]  # the text's characters 36 to 40
    read = getattr(StreamAccumulator, reader)

    def failing(self: Any, chunk: Any) -> Any:
        if chunk is bad:
            raise RuntimeError("unreadable chunk")
        return read(self, chunk)

    mocker.patch.object(StreamAccumulator, reader, failing)
    if reader == "add":
        mocker.patch.object(StreamAccumulator, "add_text", lambda self, chunk: False)
    sentry.init(debug=True)  # sentry-sdk's logger lets its lines through only then
    with sentry_agents.chat("m") as llm:
        received = list(llm.stream(iter(chunks)))
    assert all(a is b for a, b in zip(received, chunks)) and len(received) == len(chunks)
    (message,) = json.loads(sentry.named("chat m").attributes["gen_ai.output.messages"])
    assert message["parts"] == [{"type": "text", "content": _LONG_REPLY[:36] + _LONG_REPLY[40:]}]
    assert "unreadable chunk" in sdk_log.text


def test_a_stream_wrapped_after_its_span_ended_passes_through_and_says_so(sentry, sdk_log):
    """``stream`` on a chat span whose block has ended: the chunks pass on unchanged, the
    span sent once already is not changed, and a warning says why nothing is recorded."""
    sentry.init(debug=True)  # sentry-sdk's logger lets its lines through only then
    with sentry_agents.chat("m") as llm:
        pass
    chunks = _sdk_chunks("late text")
    assert list(llm.stream(iter(chunks))) == chunks
    attrs = sentry.named("chat m").attributes
    assert "gen_ai.output.messages" not in attrs
    assert "stream() on a chat span that has ended" in sdk_log.text


def test_a_stream_ended_before_its_first_chunk_sends_no_output(sentry):
    """Abandoned (closed unread), or failing before anything arrived: no output is known,
    and none is sent (not an empty list of messages)."""

    def failing():
        raise ConnectionError("refused")
        yield "never"

    with sentry_agents.chat("unread") as llm:
        llm.stream(iter(["never read"])).close()
    with pytest.raises(ConnectionError):
        with sentry_agents.chat("refused") as llm:
            for _ in llm.stream(failing()):
                pass
    unread, refused = sentry.named("chat unread"), sentry.named("chat refused")
    assert unread.attributes["sentry_agents.stream.abandoned"] is True
    assert refused.attributes["error.type"] == "ConnectionError"
    for span in (unread, refused):
        assert span.attributes["gen_ai.response.streaming"] is True
        assert "gen_ai.output.messages" not in span.attributes


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


def test_an_error_mid_stream_caught_inside_the_block_fails_the_span(sentry):
    """The consumer catches the stream's error inside the ``with`` block (to retry, or
    to answer with what arrived): the span fails all the same, as it does when the
    stream is read after the block, and the error is reported once."""
    errors = [ConnectionError("dropped"), ConnectionError("dropped again")]

    def failing(error: BaseException):
        yield "partial "
        raise error

    async def afailing(error: BaseException):
        yield "partial "
        raise error

    with sentry_agents.chat("sync") as llm:
        with pytest.raises(ConnectionError) as caught:
            for _ in llm.stream(failing(errors[0])):
                pass
        assert caught.value is errors[0]

    async def main() -> None:
        async with sentry_agents.chat("async") as llm:
            with pytest.raises(ConnectionError) as caught:
                async for _ in llm.stream(afailing(errors[1])):
                    pass
            assert caught.value is errors[1]

    asyncio.run(main())
    for name in ("chat sync", "chat async"):
        span = sentry.named(name)
        assert span.is_error(), name
        assert span.attributes["error.type"] == "ConnectionError"
        output = json.loads(span.attributes["gen_ai.output.messages"])
        assert output[0]["parts"][0]["content"] == "partial "
    assert len(sentry.events()) == 2


def test_chunks_read_after_the_stream_ended_pass_through_unread(sentry):
    """A stream its agent abandoned (or closed, then read on) still passes its chunks to
    the consumer, but they are not looked at or kept: the span was sent already."""
    reads: list[str] = []

    class Chunk:
        def __init__(self, text: str) -> None:
            self.text = text

        def __getattr__(self, name: str) -> Any:
            reads.append(name)
            raise AttributeError(name)

    chunks = [Chunk(str(i)) for i in range(5)]
    with sentry_agents.invoke_agent("Agent"):
        with sentry_agents.chat("m") as llm:
            stream = llm.stream(iter(chunks))
            assert next(stream) is chunks[0]
    read_before = len(reads)
    assert read_before > 0  # the first chunk was recorded
    assert all(a is b for a, b in zip(stream, chunks[1:]))
    assert reads[read_before:] == []
    assert sentry.named("chat m").attributes["sentry_agents.stream.abandoned"] is True


def _request_root(sentry: Any) -> Any:
    """A request's root span: a transaction in transaction mode, a segment otherwise."""
    if sentry.mode == "static" and HAS_TRANSACTIONS:
        return sentry_sdk.start_transaction(name="request")
    return sentry_sdk.traces.start_span(name="request")


@pytest.mark.parametrize("pattern", ["with", "close"])
def test_a_stream_broken_out_of_is_sent_when_closed_though_still_referenced(sentry, pattern):
    """docs/streaming.md's pattern: a stream bound to a name and broken out of is
    recorded when its ``with`` block ends or it is closed, so the chat span is sent with
    its transaction though ``stream`` is still referenced when the transaction ends."""
    with _request_root(sentry):
        with sentry_agents.chat("m") as llm:
            if pattern == "with":
                with llm.stream(iter(["a", "b", "c"])) as stream:
                    for _ in stream:
                        break
            else:
                stream = llm.stream(iter(["a", "b", "c"]))
                for _ in stream:
                    break
                stream.close()
        # the request goes on; ``stream`` is still a live local
    span = sentry.named("chat m")
    assert span.attributes["sentry_agents.stream.abandoned"] is True
    assert json.loads(span.attributes["gen_ai.output.messages"])[0]["parts"][0]["content"] == "a"
    del stream


def test_stream_returned_from_with_block_keeps_span_open_until_consumed(sentry):
    def make_stream():
        with sentry_agents.chat("late") as llm:
            return llm.stream(iter(["a", "b"]))

    stream = make_stream()
    assert [s for s in sentry.spans() if s.name == "chat late"] == []
    assert list(stream) == ["a", "b"]
    attrs = sentry.named("chat late").attributes
    assert json.loads(attrs["gen_ai.output.messages"])[0]["parts"][0]["content"] == "ab"


def test_openai_stream_of_several_choices_keeps_each_choice_apart(sentry):
    """``n=2``: each choice is its own output message with its own finish reason, as
    ``set_response`` sends them; tool calls of different choices are not run together."""
    from openai.types.chat import ChatCompletionChunk

    def chunk(choices):  # type: ignore[no-untyped-def]
        return ChatCompletionChunk.model_validate(
            {
                "id": "c1",
                "object": "chat.completion.chunk",
                "created": 1,
                "model": "gpt-4o",
                "choices": choices,
            }
        )

    def call(ident, arguments):  # type: ignore[no-untyped-def]
        function = {"name": "login", "arguments": arguments}
        return {"tool_calls": [{"index": 0, "id": ident, "type": "function", "function": function}]}

    chunks = [
        chunk(
            [{"index": 0, "delta": {"content": "Hel"}}, {"index": 1, "delta": {"content": "Bon"}}]
        ),
        chunk(
            [
                {"index": 0, "delta": {"content": "lo"}, "finish_reason": "stop"},
                {"index": 1, "delta": {"content": "jour"}, "finish_reason": "length"},
            ]
        ),
        chunk(
            [
                {"index": 0, "delta": call("a", '{"password": "CANARY-A"}')},
                {"index": 1, "delta": call("b", '{"password": "CANARY-B"}')},
            ]
        ),
    ]
    with sentry_agents.chat("gpt-4o") as llm:
        for _ in llm.stream(iter(chunks)):
            pass
    span = sentry.named("chat gpt-4o")
    output = json.loads(span.attributes["gen_ai.output.messages"])
    assert [m["parts"][0]["content"] for m in output] == ["Hello", "Bonjour"]
    assert [m["finish_reason"] for m in output] == ["stop", "length"]
    assert [m["parts"][1]["arguments"] for m in output] == [{"password": "[Filtered]"}] * 2
    assert json.loads(span.attributes["gen_ai.response.finish_reasons"]) == ["stop", "length"]
    assert b"CANARY" not in sentry.raw()


def test_a_stream_still_open_when_its_agent_ends_ends_with_the_agent(sentry):
    """A chat's ``with`` ended while its stream was still open (returned to be read
    later, or left after a ``break``): the chat span ends, at the latest, when its agent
    does, with what was received, so it is sent and its usage counts in the agent's.
    (Being sent at all shows it ended first in transaction mode, where a span ending
    after its transaction is not sent; its output shows it ended before the rest was
    read. The timestamps are not compared: sentry-sdk 2.x computes each span's end from
    its own wall-clock start plus a monotonic duration, in microseconds, so a child
    ended just before its parent can show an end a microsecond after the parent's.)"""
    chunks = [
        {"id": "c1", "model": "gpt-4o", "choices": [{"index": 0, "delta": {"content": "Hel"}}]},
        {
            "choices": [{"index": 0, "delta": {"content": "lo"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 40, "completion_tokens": 10, "total_tokens": 50},
        },
        {"choices": [{"index": 0, "delta": {"content": " never read"}}]},
    ]
    received = []
    with sentry_agents.invoke_agent("Agent"):
        with sentry_agents.chat("gpt-4o") as llm:
            stream = llm.stream(iter(chunks))
        for chunk in stream:
            received.append(chunk)
            if len(received) == 2:
                break
    received.extend(stream)  # the stream still passes its chunks on after the agent ended
    assert received == chunks
    chat = sentry.named("chat gpt-4o")
    agent = sentry.named("invoke_agent Agent")
    assert chat.attributes["sentry_agents.stream.abandoned"] is True
    output = json.loads(chat.attributes["gen_ai.output.messages"])
    assert output[0]["parts"][0]["content"] == "Hello"
    assert agent.attributes["gen_ai.usage.input_tokens"] == 40
    assert chat.parent_span_id == agent.span_id


class Unreadable:
    """A stream whose own ``__iter__`` / ``__aiter__`` fails: the user's error."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __iter__(self):  # type: ignore[no-untyped-def]
        raise self.error


class AsyncUnreadable(Unreadable):
    def __aiter__(self):  # type: ignore[no-untyped-def]
        raise self.error


@pytest.mark.parametrize("source", [Unreadable, AsyncUnreadable])
def test_a_stream_that_cannot_be_iterated_raises_its_own_error_and_the_span_ends(sentry, source):
    error = ValueError("no iterator")
    with pytest.raises(ValueError) as caught:
        with sentry_agents.chat("m") as llm:
            llm.stream(source(error))
    assert caught.value is error
    span = sentry.named("chat m")
    assert span.attributes["error.type"] == "ValueError"
    assert "gen_ai.response.streaming" not in span.attributes


def test_an_anthropic_stream_manager_is_refused_until_entered(sentry, provider):
    """``client.messages.stream(...)`` is a context manager, not a stream: ``stream``
    raises ``TypeError`` saying so (the span does not wait for it); the stream it gives
    when entered is recorded."""
    provider.script("/v1/messages", anthropic_events("Bonjour"))
    client = provider.anthropic()
    request = {"model": "claude-sonnet-4-5", "max_tokens": 50, "messages": []}
    manager = client.messages.stream(**request)
    with pytest.raises(TypeError, match="MessageStreamManager is a context manager"):
        with sentry_agents.chat("refused") as llm:
            llm.stream(manager)
    assert sentry.named("chat refused").attributes["error.type"] == "TypeError"
    with sentry_agents.chat("entered") as llm:
        with manager as stream:
            types = [e.type for e in llm.stream(stream)]
    assert types[0] == "message_start"
    output = json.loads(sentry.named("chat entered").attributes["gen_ai.output.messages"])
    assert output[0]["parts"] == [{"type": "text", "content": "Bonjour "}]


def test_an_async_anthropic_stream_manager_is_refused_until_entered(sentry, provider):
    provider.script("/v1/messages", anthropic_events("Bonjour"))
    client = provider.async_anthropic()
    request = {"model": "claude-sonnet-4-5", "max_tokens": 50, "messages": []}

    async def main() -> None:
        manager = client.messages.stream(**request)
        with pytest.raises(TypeError, match="AsyncMessageStreamManager is a context manager"):
            async with sentry_agents.chat("refused") as llm:
                llm.stream(manager)
        async with sentry_agents.chat("entered") as llm:
            async with manager as stream:
                types = [e.type async for e in llm.stream(stream)]
        assert types[0] == "message_start"

    asyncio.run(main())
    assert sentry.named("chat refused").attributes["error.type"] == "TypeError"
    output = json.loads(sentry.named("chat entered").attributes["gen_ai.output.messages"])
    assert output[0]["parts"] == [{"type": "text", "content": "Bonjour "}]


def test_an_async_stream_not_awaited_is_refused_saying_to_await_it(sentry, provider):
    """An async client's ``create(..., stream=True)`` (or Google's
    ``client.aio.models.generate_content_stream(...)``) gives a coroutine, the stream
    once awaited: ``stream`` given the coroutine raises ``TypeError`` saying to await it;
    the stream it gives when awaited is recorded."""
    provider.script("/v1/chat/completions", chat_chunks("Bonjour"))
    client = provider.async_openai()
    request: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [], "stream": True}

    async def main() -> None:
        pending = client.chat.completions.create(**request)
        with pytest.raises(TypeError, match="coroutine is awaitable: await it"):
            async with sentry_agents.chat("refused") as llm:
                llm.stream(pending)
        async with sentry_agents.chat("awaited") as llm:
            async for _ in llm.stream(await pending):
                pass

    asyncio.run(main())
    assert sentry.named("chat refused").attributes["error.type"] == "TypeError"
    output = json.loads(sentry.named("chat awaited").attributes["gen_ai.output.messages"])
    assert output[0]["parts"] == [{"type": "text", "content": "Bonjour"}]


def test_an_error_in_the_with_block_ends_the_span_and_its_open_stream(sentry):
    """The consumer raised with the stream still open: the span ends with the error and
    what was received, though the error's traceback keeps the stream alive."""
    sentry_agents.configure(capture_errors=False)  # sentry-sdk keeps the last error it sent
    error = KeyError("choices")
    streams = []

    def handle(error: KeyError) -> None:
        with sentry_agents.chat("m") as llm:
            stream = llm.stream(iter(["Hel", "lo", " never read"]))
            streams.append(weakref.ref(stream))
            for chunk in stream:
                if chunk == "lo":
                    raise error

    with pytest.raises(KeyError) as caught:
        handle(error)
    assert caught.value is error
    span = sentry.named("chat m")
    assert span.attributes["error.type"] == "KeyError"
    assert span.attributes["sentry_agents.stream.abandoned"] is True
    assert json.loads(span.attributes["gen_ai.output.messages"])[0]["parts"][0]["content"] == (
        "Hello"
    )
    del caught, error
    gc.collect()
    assert streams[0]() is None


def test_a_task_cancelled_while_its_stream_is_open_ends_the_span(sentry):
    async def chunks():  # type: ignore[no-untyped-def]
        yield "Hel"
        yield "lo"

    async def handle(reading: asyncio.Event) -> None:
        async with sentry_agents.chat("m") as llm:
            stream = llm.stream(chunks())
            async for _ in stream:
                reading.set()
                await asyncio.Event().wait()  # a slow client: the server cancels the task

    async def main() -> None:
        reading = asyncio.Event()
        task = asyncio.create_task(handle(reading))
        await reading.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    span = sentry.named("chat m")
    if sentry.mode == "static":
        assert span.status == "cancelled"
    assert span.attributes["sentry_agents.stream.abandoned"] is True
    assert json.loads(span.attributes["gen_ai.output.messages"])[0]["parts"][0]["content"] == (
        "Hel"
    )


def _interrupted_as_the_status_says(sentry: Any, name: str) -> None:
    """The span of a stream its caller gave up on while it waited for the next chunk:
    what arrived, marked abandoned, with the status of a cancelled span (``cancelled``
    inside a transaction event, ``ok`` where a span is sent on its own), not failed."""
    span = sentry.named(name)
    assert span.attributes["sentry_agents.stream.abandoned"] is True, name
    assert span.status == ("cancelled" if sentry.mode == "static" else "ok"), name
    assert "error.type" not in span.attributes, name
    output = json.loads(span.attributes["gen_ai.output.messages"])
    assert output[0]["parts"][0]["content"] == "Hel", name


def test_a_task_cancelled_while_waiting_for_the_next_chunk_abandons_its_stream(sentry):
    """The cancellation reaches the task inside the source's ``__anext__`` (a slow
    server): the stream was given up on, as one its consumer left while reading is."""

    async def slow():  # type: ignore[no-untyped-def]
        yield "Hel"
        await asyncio.Event().wait()  # the next chunk never comes
        yield "lo"

    async def handle(reading: asyncio.Event) -> None:
        async with sentry_agents.chat("m") as llm:
            async for _ in llm.stream(slow()):
                reading.set()

    async def main() -> None:
        reading = asyncio.Event()
        task = asyncio.create_task(handle(reading))
        await reading.wait()
        await asyncio.sleep(0)  # the task waits in the source again
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    _interrupted_as_the_status_says(sentry, "chat m")
    assert sentry.events() == []


def test_an_interrupt_while_waiting_for_the_next_chunk_abandons_the_stream(sentry):
    """Ctrl-C (``KeyboardInterrupt``) or a cancellation raised by the source as it waits
    for its next chunk, the stream read in the block or after it: abandoned, not failed;
    an error of the source's own (a dropped connection) still fails the span, unmarked."""

    def interrupted(error: BaseException):  # type: ignore[no-untyped-def]
        yield "Hel"
        raise error

    async def ainterrupted(error: BaseException):  # type: ignore[no-untyped-def]
        yield "Hel"
        raise error

    with pytest.raises(KeyboardInterrupt):
        with sentry_agents.chat("sync") as llm:
            for _ in llm.stream(interrupted(KeyboardInterrupt())):
                pass

    with sentry_agents.chat("sync later") as llm:
        later = llm.stream(interrupted(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        for _ in later:
            pass

    async def main() -> None:
        with pytest.raises(asyncio.CancelledError):
            async with sentry_agents.chat("async") as llm:
                async for _ in llm.stream(ainterrupted(asyncio.CancelledError())):
                    pass
        async with sentry_agents.chat("async later") as llm:
            stream = llm.stream(ainterrupted(asyncio.CancelledError()))
        with pytest.raises(asyncio.CancelledError):
            async for _ in stream:
                pass

    asyncio.run(main())
    for name in ("sync", "sync later", "async", "async later"):
        _interrupted_as_the_status_says(sentry, f"chat {name}")
    assert sentry.events() == []

    with pytest.raises(ConnectionError):
        with sentry_agents.chat("dropped") as llm:
            for _ in llm.stream(interrupted(ConnectionError("dropped"))):
                pass
    dropped = sentry.named("chat dropped")
    assert dropped.is_error()
    assert dropped.attributes["error.type"] == "ConnectionError"
    assert "sentry_agents.stream.abandoned" not in dropped.attributes


def test_a_coroutine_closed_while_waiting_for_the_next_chunk_abandons_its_stream(sentry):
    """A consumer's coroutine closed (``GeneratorExit``) as it waits in the source (a
    task dropped while pending is closed so): the stream is abandoned, and the span is
    ``ok`` in every mode, as a generator closed early is."""

    class Suspend:
        def __await__(self):  # type: ignore[no-untyped-def]
            yield

    async def slow():  # type: ignore[no-untyped-def]
        yield "Hel"
        await Suspend()  # the next chunk never comes
        yield "lo"

    async def handle() -> None:
        async with sentry_agents.chat("m") as llm:
            async for _ in llm.stream(slow()):
                pass

    coroutine = handle()
    coroutine.send(None)  # suspended in the source, after its first chunk
    coroutine.close()
    span = sentry.named("chat m")
    assert span.attributes["sentry_agents.stream.abandoned"] is True
    assert span.status == "ok"
    assert json.loads(span.attributes["gen_ai.output.messages"])[0]["parts"][0]["content"] == (
        "Hel"
    )
    assert sentry.events() == []


def test_openai_chat_stream_helper_events_are_recorded_once(sentry, provider):
    """``client.chat.completions.stream(...)`` yields events, not chunks: each chunk
    arrives in a ``chunk`` event, beside ``content.delta`` / ``content.done`` events that
    repeat its text (which must not be counted again)."""
    provider.script("/v1/chat/completions", chat_chunks("Hello there, traveller!"))
    client = provider.openai()
    with sentry_agents.chat("gpt-4o-mini", provider="openai") as llm:
        with client.chat.completions.stream(
            model="gpt-4o-mini", messages=[], stream_options={"include_usage": True}
        ) as stream:
            kinds = {event.type for event in llm.stream(stream)}
    assert {"chunk", "content.delta", "content.done"} <= kinds
    attrs = sentry.named("chat gpt-4o-mini").attributes
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
    assert attrs["gen_ai.usage.output_tokens"] == 7
    assert json.loads(attrs["gen_ai.response.finish_reasons"]) == ["stop"]


def test_async_openai_chat_stream_helper_events_are_recorded(sentry, provider):
    provider.script("/v1/chat/completions", chat_chunks("async helper"))
    client = provider.async_openai()

    async def main() -> None:
        async with sentry_agents.chat("gpt-4o-mini", provider="openai") as llm:
            async with client.chat.completions.stream(model="gpt-4o-mini", messages=[]) as stream:
                async for _ in llm.stream(stream):
                    pass

    asyncio.run(main())
    attrs = sentry.named("chat gpt-4o-mini").attributes
    output = json.loads(attrs["gen_ai.output.messages"])
    assert output[0]["parts"] == [{"type": "text", "content": "async helper"}]
    assert attrs["gen_ai.usage.input_tokens"] == 50


def test_anthropic_stream_helper_text_stream_and_final_message_are_recorded(sentry, provider):
    """Anthropic's documented way to read ``client.messages.stream(...)``: its
    ``text_stream``, then ``get_final_message()``, called on what ``llm.stream`` gave."""
    provider.script("/v1/messages", anthropic_events("Bonjour from Claude"))
    client = provider.anthropic()
    with sentry_agents.chat("claude-sonnet-4-5", provider="anthropic") as llm:
        with client.messages.stream(
            model="claude-sonnet-4-5", max_tokens=50, messages=[]
        ) as stream:
            wrapped = llm.stream(stream)
            text = "".join(wrapped.text_stream)
            final = wrapped.get_final_message()
    assert text == "Bonjour from Claude "
    assert final.usage.output_tokens == 15
    attrs = sentry.named("chat claude-sonnet-4-5").attributes
    assert "sentry_agents.stream.abandoned" not in attrs
    assert json.loads(attrs["gen_ai.output.messages"])[0]["parts"] == [
        {"type": "text", "content": "Bonjour from Claude "}
    ]
    assert attrs["gen_ai.usage.input_tokens"] == 1070
    assert attrs["gen_ai.usage.output_tokens"] == 15
    assert json.loads(attrs["gen_ai.response.finish_reasons"]) == ["end_turn"]


def test_async_anthropic_stream_helper_final_text_is_recorded(sentry, provider):
    provider.script("/v1/messages", anthropic_events("Hola"), anthropic_events("Ciao"))
    client = provider.async_anthropic()

    async def main() -> tuple[str, str]:
        async with sentry_agents.chat("claude-a", provider="anthropic") as llm:
            async with client.messages.stream(
                model="claude-a", max_tokens=50, messages=[]
            ) as stream:
                text = "".join([t async for t in llm.stream(stream).text_stream])
        async with sentry_agents.chat("claude-b", provider="anthropic") as llm:
            async with client.messages.stream(
                model="claude-b", max_tokens=50, messages=[]
            ) as stream:
                final = await llm.stream(stream).get_final_text()
        return text, final

    assert asyncio.run(main()) == ("Hola ", "Ciao ")
    for name, text in (("chat claude-a", "Hola "), ("chat claude-b", "Ciao ")):
        attrs = sentry.named(name).attributes
        assert "sentry_agents.stream.abandoned" not in attrs
        assert json.loads(attrs["gen_ai.output.messages"])[0]["parts"][0]["content"] == text
        assert attrs["gen_ai.usage.input_tokens"] == 1070


def test_openai_audio_stream_records_its_transcript_and_a_blob(sentry, provider):
    from openai.types.chat import ChatCompletionChunk

    frame = {"id": "chatcmpl-au", "object": "chat.completion.chunk", "created": 1}
    frame["model"] = "gpt-4o-audio-preview-2024-12-17"
    deltas = [
        {"role": "assistant", "audio": {"id": "audio_abc", "transcript": "Sunny "}},
        {"audio": {"transcript": "today.", "data": "UklGRiQAAABXQVZF"}},
        {"audio": {"expires_at": 1700003600}},
    ]
    chunks = [{**frame, "choices": [{"index": 0, "delta": d}]} for d in deltas]
    chunks.append({**frame, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    chunks = [ChatCompletionChunk.model_validate(c).model_dump(mode="json") for c in chunks]
    provider.script("/v1/chat/completions", chunks)
    client = provider.openai()
    with sentry_agents.chat("gpt-4o-audio-preview", provider="openai") as llm:
        stream = client.chat.completions.create(
            model="gpt-4o-audio-preview",
            modalities=["text", "audio"],
            audio={"voice": "alloy", "format": "pcm16"},
            messages=[],
            stream=True,
        )
        for _ in llm.stream(stream):
            pass
    attrs = sentry.named("chat gpt-4o-audio-preview").attributes
    assert json.loads(attrs["gen_ai.output.messages"]) == [
        {
            "role": "assistant",
            "parts": [
                {"type": "text", "content": "Sunny today."},
                {"type": "blob", "modality": "audio", "content": "[Blob substitute]"},
            ],
            "finish_reason": "stop",
        }
    ]


def test_google_stream_of_several_candidates_keeps_each_candidate_apart(sentry):
    """``candidate_count=2``: each chunk carries both candidates by ``index``; each is
    its own output message with its own finish reason, as ``set_response`` sends them."""
    pytest.importorskip("google.genai")

    def chunk(texts: list[str], reasons: list = [None, None]) -> dict:  # noqa: B006
        candidates = []
        for index, (text, reason) in enumerate(zip(texts, reasons)):
            candidate = {"index": index, "content": {"role": "model", "parts": [{"text": text}]}}
            if reason:
                candidate["finishReason"] = reason
            candidates.append(candidate)
        usage = {"promptTokenCount": 10, "candidatesTokenCount": 8, "totalTokenCount": 18}
        return {
            "candidates": candidates,
            "modelVersion": "gemini-2.5-flash",
            "usageMetadata": usage,
        }

    client = google_client(
        [chunk(["Rain ", "Sun"]), chunk(["today.", "ny."], ["STOP", "MAX_TOKENS"])]
    )
    with sentry_agents.chat("gemini-2.5-flash", provider="gcp.gemini") as llm:
        for _ in llm.stream(
            client.models.generate_content_stream(
                model="gemini-2.5-flash",
                contents="Weather?",
            )
        ):
            pass
    attrs = sentry.named("chat gemini-2.5-flash").attributes
    assert json.loads(attrs["gen_ai.output.messages"]) == [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": "Rain today."}],
            "finish_reason": "STOP",
        },
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": "Sunny."}],
            "finish_reason": "MAX_TOKENS",
        },
    ]
    assert json.loads(attrs["gen_ai.response.finish_reasons"]) == ["STOP", "MAX_TOKENS"]
    assert attrs["gen_ai.usage.output_tokens"] == 8


def _streamed_call(*pieces: dict[str, Any], finish: bool = False) -> list[dict[str, Any]]:
    """Vertex AI chunks streaming one function call's arguments (``stream_function_call_
    arguments``): each piece is a ``functionCall`` of its own chunk."""
    chunks: list[dict[str, Any]] = [
        {
            "candidates": [
                {"content": {"role": "model", "parts": [{"functionCall": piece}]}, "index": 0}
            ],
            "modelVersion": "gemini-3-pro-preview",
        }
        for piece in pieces
    ]
    if finish:
        chunks[-1]["candidates"][0]["finishReason"] = "STOP"
    return chunks


def _needs_streamed_arguments() -> None:
    """Skip where google-genai has no streamed function-call arguments: an older one's
    ``FunctionCall`` drops ``partial_args`` (1.47 does), so no chunk holds them."""
    from google.genai import types

    if "partial_args" not in types.FunctionCall.model_fields:
        pytest.skip("this google-genai has no streamed function-call arguments")


def _string(path: str, text: str, going_on: bool = True) -> dict[str, Any]:
    return {"jsonPath": path, "stringValue": text, "willContinue": going_on}


def test_a_vertex_stream_of_function_call_arguments_records_each_call_whole(sentry):
    """Vertex AI streams a function call's arguments (``stream_function_call_arguments``)
    over several chunks: the name first, then ``partial_args`` (a JSON path each, text in
    pieces, other values whole), ``will_continue`` until the call's last chunk, then an
    empty ``function_call`` that only marks its end. Each call is recorded once, whole,
    as the reply holding it whole is (not one nameless call per chunk); a call sent whole
    beside it is kept as before."""
    _needs_streamed_arguments()
    from google.genai import types

    chunks = _streamed_call(
        {"name": "get_weather", "id": "fc_1", "willContinue": True},
        {"partialArgs": [_string("$.city", "Par")], "willContinue": True},
        {
            "partialArgs": [
                _string("$.city", "is", going_on=False),
                {"jsonPath": "$.days", "numberValue": 3},
                {"jsonPath": "$.units['temperature']", "stringValue": "C"},
                {"jsonPath": "$.tags[0]", "stringValue": "rain"},
                {"jsonPath": "$.tags[1]", "boolValue": True},
            ],
            "willContinue": True,
        },
        {"partialArgs": [{"jsonPath": "$.note", "nullValue": "NULL_VALUE"}]},
        {},
        {"name": "get_time", "args": {"tz": "CET"}},
        finish=True,
    )
    client = google_client(chunks)
    with sentry_agents.chat("streamed", provider="gcp.vertex_ai") as llm:
        for _ in llm.stream(
            client.models.generate_content_stream(model="gemini-3-pro-preview", contents="x")
        ):
            pass
    arguments = {
        "city": "Paris",
        "days": 3,
        "units": {"temperature": "C"},
        "tags": ["rain", True],
        "note": None,
    }
    calls = [
        {"function_call": {"name": "get_weather", "id": "fc_1", "args": arguments}},
        {"function_call": {"name": "get_time", "args": {"tz": "CET"}}},
    ]
    whole = {
        "candidates": [{"content": {"role": "model", "parts": calls}, "finish_reason": "STOP"}],
        "model_version": "gemini-3-pro-preview",
    }
    with sentry_agents.chat("whole", provider="gcp.vertex_ai") as llm:
        llm.set_response(types.GenerateContentResponse.model_validate(whole))
    streamed = json.loads(sentry.named("chat streamed").attributes["gen_ai.output.messages"])
    replied = json.loads(sentry.named("chat whole").attributes["gen_ai.output.messages"])
    assert streamed == replied
    assert [part["name"] for part in streamed[0]["parts"]] == ["get_weather", "get_time"]
    assert streamed[0]["parts"][0]["arguments"] == arguments


def test_a_vertex_stream_left_in_a_function_calls_arguments_keeps_them_so_far():
    """Left while a call's arguments stream, the stream keeps the call with what came:
    a text argument's pieces so far; a JSON path of no known form keeps its value under
    the path itself, and one reaching far into a list (an index of more digits than
    Python converts too) is not made a list that long."""
    _needs_streamed_arguments()
    from google.genai import types

    from sentry_agents._chunks import StreamAccumulator

    chunks = _streamed_call(
        {"name": "search", "willContinue": True},
        {
            "partialArgs": [
                _string("$.query", "Paris wea"),
                {"jsonPath": "city", "stringValue": "Lyon"},
                {"jsonPath": "$.pages[100000000]", "numberValue": 1},
                {"jsonPath": "$.rows[" + "9" * 5_000 + "]", "numberValue": 2},
            ],
            "willContinue": True,
        },
    )
    accumulator = StreamAccumulator()
    for chunk in chunks:
        accumulator.add(types.GenerateContentResponse.model_validate(chunk))
    ((part,),) = [message["parts"] for message in accumulator.result().output]
    assert part == {
        "type": "tool_call",
        "id": "search",
        "name": "search",
        "arguments": {
            "query": "Paris wea",
            "city": "Lyon",
            "$.pages[100000000]": 1,
            "$.rows[" + "9" * 5_000 + "]": 2,
        },
    }


def test_a_google_stream_records_its_media_as_a_whole_reply_does(sentry):
    """An image or file a Gemini stream sends (``inline_data``, ``file_data``, as an image
    model's ``generate_content_stream`` does) is a ``blob`` part with its content
    replaced (a ``uri`` part for a file), as ``set_response`` records it of the whole
    reply; the stream recorded the text alone, as though no image had come. Its bytes
    are never sent."""
    import base64

    from google.genai import types

    image = base64.b64encode(b"\x89PNG" + b"\0" * 3000).decode()
    parts = [
        {"text": "Here is your cat."},
        {"inlineData": {"mimeType": "image/png", "data": image}},
        {"fileData": {"mimeType": "video/mp4", "fileUri": "gs://bucket/cat.mp4"}},
    ]
    chunks = [
        {
            "candidates": [{"content": {"role": "model", "parts": [part]}, "index": 0}],
            "modelVersion": "gemini-2.5-flash-image",
        }
        for part in parts
    ]
    chunks[-1]["candidates"][0]["finishReason"] = "STOP"
    client = google_client(chunks)
    with sentry_agents.chat("streamed", provider="gcp.gemini") as llm:
        for _ in llm.stream(
            client.models.generate_content_stream(model="gemini-2.5-flash-image", contents="x")
        ):
            pass
    whole = {
        "candidates": [{"content": {"role": "model", "parts": parts}, "finish_reason": "STOP"}],
        "model_version": "gemini-2.5-flash-image",
    }
    with sentry_agents.chat("whole", provider="gcp.gemini") as llm:
        llm.set_response(types.GenerateContentResponse.model_validate(whole))
    streamed = sentry.named("chat streamed").attributes["gen_ai.output.messages"]
    replied = sentry.named("chat whole").attributes["gen_ai.output.messages"]
    assert image[:64] not in streamed
    assert json.loads(streamed) == json.loads(replied)
    assert json.loads(streamed)[0]["parts"][1:] == [
        {
            "type": "blob",
            "modality": "image",
            "content": "[Blob substitute]",
            "mime_type": "image/png",
        },
        {
            "type": "uri",
            "modality": "video",
            "uri": "gs://bucket/cat.mp4",
            "mime_type": "video/mp4",
        },
    ]


def test_a_mistral_stream_records_its_thinking_chunks(sentry, provider):
    """A Mistral reasoning model streamed through the ``openai`` client sends its
    thinking as deltas whose ``content`` is a list of blocks: their text is the
    reasoning, as ``set_response`` records the whole reply; it was dropped."""
    chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "magistral"}
    thinking = {"type": "thinking", "thinking": [{"type": "text", "text": "Rain is likely."}]}
    chunks = [
        {**chunk, "choices": [{"index": 0, "delta": {"role": "assistant", "content": [thinking]}}]},
        {
            **chunk,
            "choices": [{"index": 0, "delta": {"content": [{"type": "text", "text": "Take "}]}}],
        },
        {**chunk, "choices": [{"index": 0, "delta": {"content": "an umbrella."}}]},
        {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    ]
    provider.script("/v1/chat/completions", chunks)
    client = provider.openai()
    with sentry_agents.chat("magistral", provider="mistral_ai") as llm:
        for _ in llm.stream(
            client.chat.completions.create(model="magistral", messages=[], stream=True)
        ):
            pass
    attrs = sentry.named("chat magistral").attributes
    assert json.loads(attrs["gen_ai.output.messages"])[0]["parts"] == [
        {"type": "reasoning", "content": "Rain is likely."},
        {"type": "text", "content": "Take an umbrella."},
    ]


def _streamed_responses_events(sentry: Any, provider: Any, events: list[dict[str, Any]]) -> Any:
    """The attributes of a chat span that streamed ``events`` (numbered here) from the
    real client's Responses API stream."""
    for number, event in enumerate(events):
        event["sequence_number"] = number
    provider.script("/v1/responses", events)
    client = provider.openai()
    with sentry_agents.chat("gpt-4o", provider="openai") as llm:
        for _ in llm.stream(client.responses.create(model="gpt-4o", input="x", stream=True)):
            pass
    return sentry.named("chat gpt-4o").attributes


def test_a_responses_stream_cut_short_keeps_its_refusal(sentry, provider):
    """A Responses stream left during a refusal keeps what it refused so far
    (``response.refusal.delta``), as one left during its text keeps that text; it
    recorded no output."""
    events = response_events("unused")
    created = events[0]
    item = {"type": "message", "id": "msg_1", "status": "in_progress", "role": "assistant"}
    refusal = {"item_id": "msg_1", "output_index": 0, "content_index": 0}
    events = [
        created,
        {"type": "response.output_item.added", "output_index": 0, "item": {**item, "content": []}},
        {"type": "response.refusal.delta", **refusal, "delta": "I can't "},
        {"type": "response.refusal.delta", **refusal, "delta": "help with that."},
    ]
    attrs = _streamed_responses_events(sentry, provider, events)
    assert json.loads(attrs["gen_ai.output.messages"])[0]["parts"] == [
        {"type": "text", "content": "I can't help with that."}
    ]


@pytest.mark.parametrize("as_model", [False, True], ids=["dict", "model"])
def test_a_stream_of_a_blocked_prompt_without_usage_keeps_its_block_reason(sentry, as_model):
    """A Gemini stream of one chunk for a blocked prompt, with no usage (its feedback and
    model alone), keeps the block reason as its finish reason, as the same response set
    whole does: the chunk was taken for no chunk at all."""
    from google.genai import types

    blocked = {"prompt_feedback": {"block_reason": "SAFETY"}, "model_version": "gemini-2.5"}
    chunk = types.GenerateContentResponse.model_validate(blocked) if as_model else blocked
    with sentry_agents.chat("whole", provider="gcp.gemini") as llm:
        llm.set_response(chunk)
    with sentry_agents.chat("stream", provider="gcp.gemini") as llm:
        for _ in llm.stream(iter([chunk])):
            pass
    for name in ("whole", "stream"):
        attrs = sentry.named(f"chat {name}").attributes
        assert json.loads(attrs["gen_ai.response.finish_reasons"]) == ["SAFETY"]
        assert attrs["gen_ai.response.model"] == "gemini-2.5"


def test_a_blocked_prompts_reason_repeated_in_a_stream_is_one_finish_reason(sentry):
    """A block reason a Gemini stream repeats (its feedback on each chunk, a candidate's
    finish reason before it) is not a second finish reason: the response has one."""
    blocked = {"prompt_feedback": {"block_reason": "SAFETY"}, "model_version": "gemini-2.5"}
    answered = {
        "candidates": [{"content": {"role": "model", "parts": [{"text": "x"}]}}],
        "model_version": "gemini-2.5",
    }
    ended = {**answered, "candidates": [{**answered["candidates"][0], "finish_reason": "STOP"}]}
    streams = {"twice": [blocked, dict(blocked)], "after": [answered, ended, blocked]}
    for name, chunks in streams.items():
        with sentry_agents.chat(name, provider="gcp.gemini") as llm:
            for _ in llm.stream(iter(chunks)):
                pass
    reasons = {
        name: json.loads(sentry.named(f"chat {name}").attributes["gen_ai.response.finish_reasons"])
        for name in streams
    }
    assert reasons == {"twice": ["SAFETY"], "after": ["STOP"]}


def test_a_responses_stream_cut_short_keeps_its_audio_transcript(sentry, provider):
    """A Responses stream left during spoken audio keeps the transcript so far
    (``response.audio.transcript.delta``) and a blob part for the sound, as a whole
    audio answer records them; it recorded no output."""
    events = [
        response_events("unused")[0],
        {"type": "response.audio.delta", "delta": "UklGRg=="},
        {"type": "response.audio.transcript.delta", "delta": "Rain "},
        {"type": "response.audio.transcript.delta", "delta": "tomorrow."},
    ]
    attrs = _streamed_responses_events(sentry, provider, events)
    assert "UklGRg" not in attrs["gen_ai.output.messages"]
    assert json.loads(attrs["gen_ai.output.messages"])[0]["parts"] == [
        {"type": "text", "content": "Rain tomorrow."},
        {"type": "blob", "modality": "audio", "content": "[Blob substitute]"},
    ]


def test_openai_responses_stream_that_fails_records_its_status(sentry, provider):
    """A Responses stream ended by ``response.failed`` (with no output or usage of its
    own), which the client does not raise for, keeps the text it streamed, records
    ``failed`` as its finish reason and fails the span quietly: ``error.type`` the
    response's error code, no error event, the error's message not sent."""
    events = response_events("Partial answer")
    failed = events[-1]
    failed["type"] = "response.failed"
    failed["response"].update(
        status="failed",
        output=[],
        usage=None,
        error={"code": "server_error", "message": "The model failed."},
    )
    provider.script("/v1/responses", events)
    client = provider.openai()
    with sentry_agents.chat("o4-mini", provider="openai") as llm:
        for _ in llm.stream(client.responses.create(model="o4-mini", input="hi", stream=True)):
            pass
    span = sentry.named("chat o4-mini")
    assert span.is_error() and span.attributes["error.type"] == "server_error"
    assert sentry.events() == []
    assert b"The model failed." not in sentry.raw()
    attrs = span.attributes
    assert json.loads(attrs["gen_ai.response.finish_reasons"]) == ["failed"]
    assert json.loads(attrs["gen_ai.output.messages"]) == [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": "Partial answer"}],
            "finish_reason": "failed",
        }
    ]
    assert attrs["gen_ai.response.id"] == "resp_123"


@pytest.mark.parametrize("ending", ["code", "no code", "then failed"])
def test_a_responses_stream_error_event_fails_the_span_quietly(sentry, provider, ending):
    """An ``error`` event in a Responses stream is handed to the consumer (the client
    raises for none of its shape), whose loop goes on: the span keeps what was
    streamed and fails quietly, ``error.type`` the event's code, else the code of the
    ``response.failed`` that follows, else ``stream_error``; no error event is sent, nor
    the error's message."""
    events = response_events("Partial answer")[:-1]
    code = "rate_limit_exceeded" if ending == "code" else None
    message = "Slow down on the secret plan."
    events.append({"type": "error", "code": code, "message": message, "param": None})
    if ending == "then failed":
        failed = response_events("unused")[-1]
        failed["type"] = "response.failed"
        error = {"code": "server_error", "message": message}
        failed["response"].update(status="failed", output=[], usage=None, error=error)
        events.append(failed)
    from openai.types.responses import ResponseStreamEvent
    from pydantic import TypeAdapter

    for number, event in enumerate(events):
        event["sequence_number"] = number
        TypeAdapter(ResponseStreamEvent).validate_python(event, strict=True)
    attrs = _streamed_responses_events(sentry, provider, events)
    span = sentry.named("chat gpt-4o")
    assert span.is_error()
    expected = {"code": "rate_limit_exceeded", "no code": "stream_error"}
    assert attrs["error.type"] == expected.get(ending, "server_error")
    assert sentry.events() == []
    assert message.encode() not in sentry.raw()
    assert json.loads(attrs["gen_ai.output.messages"])[0]["parts"] == [
        {"type": "text", "content": "Partial answer"}
    ]
    assert attrs["gen_ai.response.id"] == "resp_123"
    assert "sentry_agents.stream.abandoned" not in attrs


def test_an_anthropic_error_event_fails_the_span_raised_or_not(sentry, provider):
    """The ``anthropic`` client raises for an ``error`` event (``_streaming.py``): the
    exception passes to the consumer unchanged and fails the span as any error does
    (reported once). The same events as dicts (an SSE stream read without the SDK) hand
    the event on: the span keeps the text streamed before it and fails quietly,
    ``error.type`` the error's type, with no error event."""
    import anthropic

    try:
        from anthropic.types import ErrorResponse
    except ImportError:
        pytest.skip("this anthropic has no ErrorResponse type")
    from pydantic import TypeAdapter

    error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    if "request_id" in ErrorResponse.model_fields:
        error["request_id"] = None
    TypeAdapter(ErrorResponse).validate_python(error, strict=True)
    events = [*anthropic_events("Bonjour from Claude")[:4], error]
    provider.script("/v1/messages", events)
    client = provider.anthropic()
    with pytest.raises(anthropic.APIStatusError) as raised:
        with sentry_agents.chat("raised", provider="anthropic") as llm:
            stream = client.messages.create(
                model="claude-sonnet-4-5", max_tokens=50, messages=[], stream=True
            )
            for _ in llm.stream(stream):
                pass
    with sentry_agents.chat("handed on", provider="anthropic") as llm:
        for _ in llm.stream(iter(events)):
            pass
    span = sentry.named("chat raised")
    assert span.is_error() and span.attributes["error.type"] == type(raised.value).__name__
    assert len(sentry.events()) == 1
    span = sentry.named("chat handed on")
    assert span.is_error() and span.attributes["error.type"] == "overloaded_error"
    assert json.loads(span.attributes["gen_ai.output.messages"])[0]["parts"] == [
        {"type": "text", "content": "Bonjour from "}
    ]


def _hosted_tool_items() -> list[dict[str, Any]]:
    """Hosted tools' calls as a Responses API output holds them: web search, file
    search, code interpreter and a remote MCP server's tool; skipped where this openai
    has no type for one of them."""
    from pydantic import TypeAdapter, ValidationError

    try:
        from openai.types.responses import ResponseOutputItem
    except ImportError:
        pytest.skip("this openai has no Responses API")
    items: list[dict[str, Any]] = [
        {
            "type": "web_search_call",
            "id": "ws_1",
            "status": "completed",
            "action": {"type": "search", "query": "Paris weather"},
        },
        {
            "type": "file_search_call",
            "id": "fs_1",
            "status": "completed",
            "queries": ["umbrella policy"],
            "results": None,
        },
        {
            "type": "code_interpreter_call",
            "id": "ci_1",
            "status": "completed",
            "code": "print(14 + 3)",
            "container_id": "cntr_1",
            "outputs": [{"type": "logs", "logs": "17"}],
        },
        {
            "type": "mcp_call",
            "id": "mcp_1",
            "name": "forecast",
            "arguments": '{"city": "Paris"}',
            "server_label": "weather",
            "output": "Rain",
            "status": "completed",
        },
    ]
    for item in items:
        try:
            TypeAdapter(ResponseOutputItem).validate_python(item, strict=True)
        except ValidationError:
            pytest.skip(f"this openai has no {item['type']} item")
    return items


def _hosted_tool_events(completed: bool) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A Responses stream of the hosted tools' calls (each item added, then done), then
    a message's text, ended by ``response.completed`` or cut after the text; and the
    whole response."""
    from openai.types.responses import Response, ResponseStreamEvent
    from pydantic import TypeAdapter

    items = _hosted_tool_items()
    final = response_events("Rain, take an umbrella.")[-1]["response"]
    message = final["output"][1]
    final["output"] = [*items, message]
    TypeAdapter(Response).validate_python(final, strict=True)
    started = {**final, "status": "in_progress", "output": [], "usage": None}
    events: list[dict[str, Any]] = [{"type": "response.created", "response": started}]
    for n, item in enumerate(items):
        events += [
            {
                "type": "response.output_item.added",
                "output_index": n,
                "item": {**item, "status": "in_progress"},
            },
            {"type": "response.output_item.done", "output_index": n, "item": item},
        ]
    at = {"item_id": "msg_1", "output_index": len(items), "content_index": 0}
    part = {"type": "output_text", "text": "", "annotations": []}
    text = message["content"][0]["text"]
    events += [
        {
            "type": "response.output_item.added",
            "output_index": len(items),
            "item": {**message, "status": "in_progress", "content": []},
        },
        {"type": "response.content_part.added", **at, "part": part},
        {"type": "response.output_text.delta", **at, "delta": text, "logprobs": []},
    ]
    if completed:
        events += [
            {"type": "response.output_text.done", **at, "text": text, "logprobs": []},
            {"type": "response.content_part.done", **at, "part": message["content"][0]},
            {"type": "response.output_item.done", "output_index": len(items), "item": message},
            {"type": "response.completed", "response": final},
        ]
    for number, event in enumerate(events):
        event["sequence_number"] = number
        TypeAdapter(ResponseStreamEvent).validate_python(event, strict=True)
    return events, final


def test_a_responses_stream_keeps_its_hosted_tool_calls_once(sentry, provider):
    """Hosted tools' calls (web search, file search, code interpreter, MCP) of a
    Responses stream cut before ``response.completed`` are kept from their
    ``response.output_item.done`` events, each as ``set_response`` records it of the
    whole response, after the text as a cut stream's calls are (they were lost); a
    stream that completes records them once, as the whole response."""
    from openai.types.responses import Response

    cut_events, final = _hosted_tool_events(False)
    cut = _streamed_responses_events(sentry, provider, cut_events)
    sentry.server.reset()
    completed = _streamed_responses_events(sentry, provider, _hosted_tool_events(True)[0])
    with sentry_agents.chat("whole", provider="openai") as llm:
        llm.set_response(Response.model_validate(final))
    whole = sentry.named("chat whole").attributes
    (whole_output,) = json.loads(whole["gen_ai.output.messages"])
    calls = [part for part in whole_output["parts"] if part["type"] == "tool_call"]
    assert [part["name"] for part in calls] == [
        "web_search",
        "file_search",
        "code_interpreter",
        "forecast",
    ]
    assert json.loads(completed["gen_ai.output.messages"]) == [whole_output]
    (cut_output,) = json.loads(cut["gen_ai.output.messages"])
    assert cut_output["parts"] == [{"type": "text", "content": "Rain, take an umbrella."}, *calls]


def test_a_responses_stream_left_after_its_hosted_tool_calls_keeps_them(sentry, provider):
    """The consumer leaving a Responses stream (``break``) after a hosted tool's call was
    done keeps that call, and marks the stream abandoned."""
    events, _ = _hosted_tool_events(False)
    provider.script("/v1/responses", events)
    client = provider.openai()
    with sentry_agents.chat("gpt-4o", provider="openai") as llm:
        for event in llm.stream(client.responses.create(model="gpt-4o", input="x", stream=True)):
            if event.type == "response.output_item.done":
                break
    attrs = sentry.named("chat gpt-4o").attributes
    (output,) = json.loads(attrs["gen_ai.output.messages"])
    assert output["parts"] == [
        {
            "type": "tool_call",
            "id": "ws_1",
            "name": "web_search",
            "arguments": {"type": "search", "query": "Paris weather"},
        }
    ]
    assert attrs["sentry_agents.stream.abandoned"] is True


def test_anthropic_stream_tool_call_without_arguments_has_an_empty_object(sentry, provider):
    """A tool taking no input streams one empty ``input_json_delta``: its arguments are
    ``{}``, as ``set_response`` records the same call, not the empty string."""
    tool = {"type": "tool_use", "id": "toolu_1", "name": "now", "input": {}}
    empty = {"type": "input_json_delta", "partial_json": ""}
    events = anthropic_block_events([(tool, [empty])], "tool_use", 9)
    provider.script("/v1/messages", events)
    client = provider.anthropic()
    with sentry_agents.chat("claude-sonnet-4-5", provider="anthropic") as llm:
        with client.messages.stream(model="claude-sonnet-4-5", max_tokens=50, messages=[]) as s:
            for _ in llm.stream(s):
                pass
    attrs = sentry.named("chat claude-sonnet-4-5").attributes
    assert json.loads(attrs["gen_ai.output.messages"])[0]["parts"] == [
        {"type": "tool_call", "id": "toolu_1", "name": "now", "arguments": {}}
    ]


def test_an_anthropic_stream_is_recorded_as_its_final_message_is(sentry, provider):
    """Thinking, redacted thinking, text, a server tool's call and result and a tool call,
    interleaved: the stream's output is what ``set_response`` records of the message the
    SDK builds from the same events, every block, in order (thinking was put first and
    redacted thinking and server tool results were dropped)."""
    blocks: list[tuple[dict[str, Any], list[dict[str, Any]]]] = [
        (
            {"type": "thinking", "thinking": "", "signature": ""},
            [
                {"type": "thinking_delta", "thinking": "Weather first, "},
                {"type": "thinking_delta", "thinking": "then plan."},
                {"type": "signature_delta", "signature": "sig"},
            ],
        ),
        ({"type": "redacted_thinking", "data": "opaque"}, []),
        (
            {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}},
            [
                {"type": "input_json_delta", "partial_json": '{"query": "Paris'},
                {"type": "input_json_delta", "partial_json": ' weather"}'},
            ],
        ),
        (
            {
                "type": "web_search_tool_result",
                "tool_use_id": "srvtoolu_1",
                "content": [
                    {
                        "type": "web_search_result",
                        "title": "Paris weather",
                        "url": "https://example.com/paris",
                        "encrypted_content": "e",
                        "page_age": None,
                    }
                ],
            },
            [],
        ),
        ({"type": "text", "text": ""}, [{"type": "text_delta", "text": "Rain on Saturday."}]),
        (
            {"type": "thinking", "thinking": "", "signature": ""},
            [{"type": "thinking_delta", "thinking": "Now the hotel."}],
        ),
        (
            {"type": "tool_use", "id": "toolu_1", "name": "book_hotel", "input": {}},
            [{"type": "input_json_delta", "partial_json": '{"city": "Paris"}'}],
        ),
    ]
    events = anthropic_block_events(blocks, "tool_use", 40)
    streamed_attributes, whole_attributes = streamed_and_whole(sentry, provider, events)
    streamed = json.loads(streamed_attributes["gen_ai.output.messages"])
    whole = json.loads(whole_attributes["gen_ai.output.messages"])
    assert streamed == whole
    kinds = [part["type"] for part in streamed[0]["parts"]]
    assert kinds[:2] == ["reasoning", "reasoning"]  # the thinking, then the redacted one
    assert kinds[-2:] == ["reasoning", "tool_call"]
    assert streamed[0]["parts"][-1]["arguments"] == {"city": "Paris"}
    assert streamed[0]["finish_reason"] == "tool_use"


def test_a_beta_stream_with_a_compaction_block_is_recorded_as_its_final_message_is(
    sentry, provider
):
    """``client.beta.messages.stream`` with context compaction: the compaction block's
    summary comes in one ``compaction_delta`` (which replaces the block's content, as the
    SDK builds it), and the helper repeats it in a ``compaction`` event of its own. The
    stream's output is what ``set_response`` records of the final message: the summary
    once, in its block, and never as text of the answer."""
    from anthropic.types.beta import BetaRawMessageStreamEvent
    from pydantic import TypeAdapter

    start = {**anthropic_message(""), "content": [], "stop_reason": None}
    compaction = {"type": "compaction", "content": None, "encrypted_content": None}
    summary = {
        "type": "compaction_delta",
        "content": "Earlier: the user asked about Paris.",
        "encrypted_content": "opaque",
    }
    events: list[dict[str, Any]] = [
        {"type": "message_start", "message": start},
        {"type": "content_block_start", "index": 0, "content_block": compaction},
        {"type": "content_block_delta", "index": 0, "delta": summary},
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "text_delta", "text": "Rain."},
        },
        {"type": "content_block_stop", "index": 1},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": 9},
        },
        {"type": "message_stop"},
    ]
    for event in events:
        TypeAdapter(BetaRawMessageStreamEvent).validate_python(event, strict=True)
    streamed_attributes, whole_attributes = streamed_and_whole(
        sentry, provider, events, betas=["compact-2026-01-12"]
    )
    streamed = json.loads(streamed_attributes["gen_ai.output.messages"])
    assert streamed == json.loads(whole_attributes["gen_ai.output.messages"])
    (message,) = streamed
    assert message["parts"][0]["content"] == "Earlier: the user asked about Paris."
    assert message["parts"][1:] == [{"type": "text", "content": "Rain."}]


def _streamed_as_whole(
    sentry: Any, provider: Any, chunks: list[Any], whole: dict[str, Any], **request: Any
) -> Any:
    """The output messages of ``chunks`` streamed through the real ``openai`` client
    (``chat streamed``), checked to be what ``set_response`` records of the ``whole``
    reply (``chat whole``), with the same finish reasons."""
    from openai.types.chat import ChatCompletion

    provider.script("/v1/chat/completions", chunks)
    client = provider.openai()
    with sentry_agents.chat("streamed", provider="openai") as llm:
        stream = client.chat.completions.create(
            model="streamed", messages=[], stream=True, **request
        )
        for _ in llm.stream(stream):
            pass
    with sentry_agents.chat("whole", provider="openai") as llm:
        llm.set_response(ChatCompletion.model_validate(whole))
    streamed = sentry.named("chat streamed").attributes
    replied = sentry.named("chat whole").attributes
    for key in ("gen_ai.response.finish_reasons", "gen_ai.output.messages"):
        assert json.loads(streamed[key]) == json.loads(replied[key]), key
    return json.loads(streamed["gen_ai.output.messages"])


def _accumulated(chunks: list[Any]) -> Any:
    """What a stream of ``chunks`` records."""
    from sentry_agents._chunks import StreamAccumulator

    accumulator = StreamAccumulator()
    for chunk in chunks:
        accumulator.add(chunk)
    return accumulator.result()


def _read_both_ways(monkeypatch: Any, reader: str, streams: list[list[Any]]) -> list[bool]:
    """Each stream read with the fields reading ``reader`` of ``StreamAccumulator`` and
    with it declining every chunk (reading by shape alone): asserts both record the same,
    and returns whether the fields reading took each chunk, in order."""
    from sentry_agents._chunks import StreamAccumulator

    by_fields = getattr(StreamAccumulator, reader)
    taken: list[bool] = []

    def counted(self: Any, chunk: Any) -> bool:
        result = by_fields(self, chunk)
        taken.append(result)
        return result

    for stream in streams:
        monkeypatch.setattr(StreamAccumulator, reader, counted)
        fast = _accumulated(stream)
        monkeypatch.setattr(StreamAccumulator, reader, lambda s, c: False)
        assert fast == _accumulated(stream), stream
    monkeypatch.setattr(StreamAccumulator, reader, by_fields)
    return taken


def _random_chat_chunks(rng: Any) -> list[dict[str, Any]]:
    """An OpenAI chat stream as dicts, drawn at random: text, reasoning, refusals, tool
    calls split over chunks, several choices, finish reasons, usage, empty deltas and
    fields set to ``None``."""
    chunks: list[dict[str, Any]] = []
    for n in range(rng.randint(1, 8)):
        chunk: dict[str, Any] = {
            "id": rng.choice(["chatcmpl-1", "", None]),
            "object": "chat.completion.chunk",
            "created": 1,
            "model": rng.choice(["gpt-4o", "", None]),
            "choices": [],
        }
        for index in rng.sample(range(3), rng.randint(0, 2)):
            delta: dict[str, Any] = {}
            for name in ("role", "content", "reasoning_content", "reasoning", "refusal"):
                if rng.random() < 0.4:
                    delta[name] = rng.choice(["assistant", f"{name} {n}", "", None])
            if rng.random() < 0.1:
                delta["audio"] = {"id": "audio_1", "transcript": rng.choice([f"said {n}", None])}
            if rng.random() < 0.3:
                delta["tool_calls"] = [
                    {
                        "index": rng.choice([0, 1]),
                        "id": rng.choice([f"call_{n}", None]),
                        "type": "function",
                        "function": {
                            "name": rng.choice(["get_weather", None]),
                            "arguments": rng.choice(['{"city": ', '"Paris"}', "", None]),
                        },
                    }
                    for _ in range(rng.randint(0, 2))
                ]
            choice: dict[str, Any] = {"index": index, "delta": delta}
            choice["finish_reason"] = rng.choice([None, None, "stop", "tool_calls", "length"])
            chunk["choices"].append(choice)
        if rng.random() < 0.2:
            chunk["usage"] = {"prompt_tokens": 9, "completion_tokens": n, "total_tokens": 9 + n}
        chunks.append(chunk)
    return chunks


def test_openai_chat_chunks_read_from_their_fields_as_by_shape(monkeypatch):
    """A chat chunk (a dict, or the ``openai`` SDK's own model as its stream builds it) is
    read from its fields, not by probing each name: exactly what reading by shape keeps,
    over random streams; a chunk the fields reading declines (a delta or tool calls of
    another kind) is read by shape."""
    import random
    from types import SimpleNamespace

    from openai._models import construct_type
    from openai.types.chat import ChatCompletionChunk

    rng = random.Random(15)
    streams = [_random_chat_chunks(rng) for _ in range(400)]
    models = [[construct_type(type_=ChatCompletionChunk, value=c) for c in s] for s in streams]
    declined = [
        [{"choices": [{"index": 0, "delta": SimpleNamespace(content="hi", refusal=None)}]}],
        [{"choices": ({"index": 0, "delta": {"content": "a tuple"}},)}],
        [{"choices": [{"delta": {"tool_calls": ({"index": 0, "id": "c"},)}}]}],
        [{"choices": [{"delta": {"tool_calls": [SimpleNamespace(index=0, id="c")]}}]}],
    ]
    taken = _read_both_ways(monkeypatch, "_openai_fields", streams + models + declined)
    assert taken.count(True) == sum(len(s) for s in streams + models)
    assert taken.count(False) == len(declined)
    assert any(_accumulated(s).output for s in models)
    assert any(r.finish_reasons and r.usage.input_tokens for r in map(_accumulated, models))


def test_a_chat_chunk_of_text_alone_is_kept_at_once_as_add_keeps_it():
    """A stream keeps a chunk of text alone (the commonest chunk: a chat chunk whose one
    choice's delta holds text alone, a Responses API text delta, an Anthropic text
    delta) as it arrives, by ``add_text``: exactly what ``add`` keeps, over random chat
    streams and Responses and Anthropic streams, of dicts and of the SDKs' own models,
    and for what it declines: a str subclass, a later choice, a finish reason or a usage
    beside the text, a delta to a block not begun, an index or text of another type."""
    import random

    from anthropic._models import construct_type as anthropic_construct
    from anthropic.types import RawMessageStreamEvent
    from openai._models import construct_type
    from openai.types.chat import ChatCompletionChunk
    from openai.types.responses import ResponseStreamEvent

    from sentry_agents._chunks import StreamAccumulator

    class Text(str):
        pass

    rng = random.Random(27)
    streams = [_random_chat_chunks(rng) for _ in range(400)]
    streams += [[construct_type(type_=ChatCompletionChunk, value=c) for c in s] for s in streams]
    streams += [chat_chunks(_LONG_REPLY), _sdk_chunks(_LONG_REPLY)]
    events = [response_events(_LONG_REPLY), response_item_events(_LONG_REPLY)]
    streams += events + [
        [construct_type(type_=ResponseStreamEvent, value=e) for e in s] for s in events
    ]
    text_block = ({"type": "text", "text": ""}, [{"type": "text_delta", "text": "On it."}])
    tool_block = (
        {"type": "tool_use", "id": "toolu_1", "name": "now", "input": {}},
        [{"type": "input_json_delta", "partial_json": '{"tz": "CET"}'}],
    )
    streams.append(anthropic_block_events([text_block, tool_block, text_block], "tool_use", 9))
    anthropic = anthropic_events(_LONG_REPLY)
    streams += [
        anthropic,
        [anthropic_construct(type_=RawMessageStreamEvent, value=e) for e in anthropic],
    ]

    def one(delta: Any, **more: Any) -> dict[str, Any]:
        return {"model": "m", "choices": [{"index": 0, "delta": delta, **more}]}

    declined = [
        one({"content": Text("sub")}),
        {"choices": [{"index": 1, "delta": {"content": "later choice"}}]},
        one({"content": "done"}, finish_reason="stop"),
        {**one({"content": "counted"}), "usage": {"prompt_tokens": 3}},
        one({"content": "and", "refusal": "no"}),
        {"type": "chunk", "choices": [{"index": 0, "delta": {"content": "typed"}}]},
        {"type": "response.output_text.delta", "delta": Text("sub")},
        {"type": Text("response.output_text.delta"), "delta": "typed by a str subclass"},
        {"type": "content_block_delta", "index": 5, "delta": {"type": "text_delta", "text": "a"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": 1}},
        {"type": "content_block_delta", "index": "0", "delta": {"type": "text_delta", "text": ""}},
    ]
    taken = 0
    for stream in [*streams, declined]:
        both, alone = StreamAccumulator(), StreamAccumulator()
        for chunk in stream:
            if both.add_text(chunk):
                taken += 1
                assert chunk not in declined
            else:
                both.add(chunk)
            alone.add(chunk)
        assert both.result() == alone.result(), stream
        assert both.chunks == alone.chunks
    # The long replies' text chunks at least, and their words as Responses and
    # Anthropic text deltas.
    assert taken >= 2 * (len(_LONG_REPLY) // 4) + 6 * len(_LONG_REPLY.split())


def test_openai_stream_helper_chunk_events_read_from_their_fields_as_by_shape(
    provider, monkeypatch
):
    """The chat chunk a ``chunk`` event of ``client.chat.completions.stream(...)`` holds
    (the real client's, and random ones wrapped as its helper wraps them) is read from
    its fields as a chunk streamed alone is, not by probing each name: exactly what
    reading by shape keeps."""
    import random

    from openai._models import build, construct_type
    from openai.lib.streaming.chat import ChunkEvent
    from openai.types.chat import ChatCompletionChunk

    provider.script("/v1/chat/completions", chat_chunks("Hello there, traveller!"))
    with provider.openai().chat.completions.stream(model="gpt-4o-mini", messages=[]) as stream:
        events = list(stream)
    rng = random.Random(16)
    wrapped = [
        [
            build(ChunkEvent, type="chunk", chunk=chunk, snapshot=None)
            for chunk in (construct_type(type_=ChatCompletionChunk, value=c) for c in chunks)
        ]
        for chunks in (_random_chat_chunks(rng) for _ in range(200))
    ]
    taken = _read_both_ways(monkeypatch, "_openai_fields", [events, *wrapped])
    chunk_events = [e for s in [events, *wrapped] for e in s if e.type == "chunk"]
    assert taken.count(True) == len(chunk_events) > len(events) // 2
    read = _accumulated(events)
    assert read.output[0]["parts"] == [{"type": "text", "content": "Hello there, traveller!"}]
    assert read.usage.input_tokens == 50


def test_anthropic_stream_helper_events_read_from_their_fields_as_by_shape(provider, monkeypatch):
    """``client.messages.stream(...)`` yields its own events (``text``, ``thinking``,
    ``input_json``, ``signature``) beside the raw ones, repeating what those say: read from
    their fields, they are passed over without probing each name, and the stream records
    exactly what reading by shape records."""
    from sentry_agents import _chunks, _usage

    thinking = {"type": "thinking", "thinking": "", "signature": ""}
    thought = [
        {"type": "thinking_delta", "thinking": "Weather."},
        {"type": "signature_delta", "signature": "sig"},
    ]
    text = ({"type": "text", "text": ""}, [{"type": "text_delta", "text": w} for w in "Hi you"])
    tool = {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}
    tool_input = [{"type": "input_json_delta", "partial_json": p} for p in ('{"city"', ':"P"}')]
    provider.script(
        "/v1/messages",
        anthropic_block_events([(thinking, thought), text, (tool, tool_input)], "tool_use", 9),
    )
    with provider.anthropic().messages.stream(model="c", max_tokens=50, messages=[]) as stream:
        events = list(stream)
    helpers = {"text", "thinking", "signature", "input_json"}
    assert helpers <= {event.type for event in events}
    probed: set[int] = set()
    by_name = _chunks.field

    def field(value: Any, name: str, default: Any = None) -> Any:
        probed.add(id(value))
        return by_name(value, name, default)

    monkeypatch.setattr(_chunks, "field", field)
    read = _accumulated(events)
    assert not [event for event in events if event.type in helpers and id(event) in probed]
    for module in (_chunks, _usage):
        for reader in ("model_fields", "response_fields"):
            monkeypatch.setattr(module, reader, lambda value: None)
    assert read == _accumulated(events)
    assert [part["type"] for part in read.output[0]["parts"]] == [
        "reasoning",
        "text",
        "tool_call",
    ]


def _random_google_chunks(rng: Any) -> list[dict[str, Any]]:
    """A Google GenAI stream as dicts, drawn at random: text and thought parts, function
    calls, several candidates, finish reasons, running usage, a last chunk of usage alone,
    prompt feedback, and fields set to ``None``."""
    chunks: list[dict[str, Any]] = []
    for n in range(rng.randint(1, 6)):
        chunk: dict[str, Any] = {}
        if rng.random() < 0.8:
            chunk["candidates"] = []
            for index in rng.sample(range(3), rng.randint(0, 2)):
                parts: list[dict[str, Any]] = []
                for _ in range(rng.randint(0, 2)):
                    part: dict[str, Any] = {"text": rng.choice([f"w{n} ", "", None])}
                    if rng.random() < 0.3:
                        part["thought"] = rng.choice([True, False, None])
                    if rng.random() < 0.2:
                        part["function_call"] = {
                            "id": rng.choice([f"fc{n}", None]),
                            "name": rng.choice(["get_weather", None]),
                            "args": rng.choice([{"city": "Paris"}, {}, None]),
                        }
                    parts.append(part)
                candidate: dict[str, Any] = {"index": index}
                if rng.random() < 0.9:
                    candidate["content"] = {"role": "model", "parts": parts}
                candidate["finish_reason"] = rng.choice([None, None, "STOP", "MAX_TOKENS"])
                chunk["candidates"].append(candidate)
        for name, value in (("model_version", "gemini-2.0-flash"), ("response_id", "r1")):
            if rng.random() < 0.5:
                chunk[name] = rng.choice([value, None])
        if rng.random() < 0.1:
            chunk["prompt_feedback"] = {"block_reason": None}
        if rng.random() < 0.4:
            chunk["usage_metadata"] = {
                "prompt_token_count": rng.choice([10, None]),
                "candidates_token_count": n,
                "total_token_count": 10 + n,
            }
        chunks.append(chunk)
    return chunks


def test_google_chunks_read_from_their_fields_as_by_shape(monkeypatch):
    """A Google GenAI chunk (a dict, or google-genai's own ``GenerateContentResponse`` as
    its stream builds them) is read from its fields: exactly what reading by shape keeps,
    over random streams; a chunk of another shape is left to the probing reading."""
    import random
    from types import SimpleNamespace

    from google.genai import types

    from sentry_agents import _chunks

    def googles(chunk: Any) -> bool:
        """Whether reading by shape reads ``chunk`` as Google's."""
        has = [_chunks.field(chunk, name) is not None for name in _chunks._GOOGLE_READ]
        return any(has) and _chunks._is_google_chunk(chunk)

    rng = random.Random(15)
    streams = [_random_google_chunks(rng) for _ in range(300)]
    models = [[types.GenerateContentResponse.model_validate(c) for c in s] for s in streams]
    others = [
        [{"candidates": [SimpleNamespace(index=0, content=None, finish_reason="STOP")]}],
        [{"candidates": ({"index": 0},)}],
        [{"content": "a LangChain delta", "usage_metadata": {"input_tokens": 3}}],
        [{"response_metadata": {}, "id": "run-1"}],
    ]
    taken = _read_both_ways(monkeypatch, "_google_fields", streams + models + others)
    assert taken[:-4] == [googles(c) for s in streams + models for c in s]
    assert taken.count(True) > 1500
    assert taken[-4:] == [False] * 4
    results = [_accumulated(s) for s in models]
    assert any(r.output and r.finish_reasons and r.usage.input_tokens for r in results)
    assert any(p["type"] == "tool_call" for r in results for m in r.output for p in m["parts"])
    assert any(p["type"] == "reasoning" for r in results for m in r.output for p in m["parts"])


def test_a_stream_of_empty_content_beside_tool_calls_is_recorded_as_the_whole_reply(
    sentry, provider
):
    """OpenAI-compatible servers (Ollama, vLLM) send ``"content": ""`` (and DeepSeek-style
    ``"reasoning_content": ""``) in every chunk beside the tool calls: the streamed
    output is what ``set_response`` records of the whole reply, no empty text part."""
    from openai.types.chat import ChatCompletionChunk

    frame = {"id": "chatcmpl-e", "object": "chat.completion.chunk", "created": 1}
    frame["model"] = "qwen3"
    call = {"index": 0, "id": "call_1", "type": "function"}
    deltas = [
        {"role": "assistant", "content": "", "reasoning_content": ""},
        {
            "content": "",
            "reasoning_content": "",
            "tool_calls": [{**call, "function": {"name": "get_weather", "arguments": '{"city": '}}],
        },
        {"content": "", "tool_calls": [{"index": 0, "function": {"arguments": '"Paris"}'}}]},
    ]
    chunks = [{**frame, "choices": [{"index": 0, "delta": d}]} for d in deltas]
    chunks.append({**frame, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
    chunks = [ChatCompletionChunk.model_validate(c).model_dump(mode="json") for c in chunks]
    function = {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    message = {"role": "assistant", "content": "", "tool_calls": [{**call, "function": function}]}
    whole = {"id": "chatcmpl-e", "object": "chat.completion", "created": 1, "model": "qwen3"}
    whole["choices"] = [{"index": 0, "message": message, "finish_reason": "tool_calls"}]
    streamed = _streamed_as_whole(sentry, provider, chunks, whole)
    assert [part["type"] for part in streamed[0]["parts"]] == ["tool_call"]


def test_a_chunk_model_missing_a_field_and_holding_another_name_is_read_as_by_shape(
    monkeypatch,
):
    """A model of the user's own (extra fields not kept apart) built by
    ``model_construct`` without a required field, then given another name by
    ``model_copy(update=...)``: as many names as fields are declared, one of them not a
    field, which reading by shape does not read. The fields reading keeps exactly that."""
    from typing import Optional

    from pydantic import BaseModel

    class Delta(BaseModel):
        content: str
        role: str

    class Choice(BaseModel):
        index: int
        delta: Any

    class Chunk(BaseModel):
        id: str
        model: str
        choices: list[Any]
        usage: Optional[Any] = None

    delta = Delta.model_construct(content="Hi").model_copy(
        update={"reasoning_content": "CANARY-not-a-field"}
    )
    chunk = Chunk.model_construct(
        id="c1", model="m", choices=[Choice.model_construct(index=0, delta=delta)]
    )

    _read_both_ways(monkeypatch, "_openai_fields", [[chunk]])
    assert _accumulated([chunk]).output == [
        {"role": "assistant", "parts": [{"type": "text", "content": "Hi"}]}
    ]


def _two_choices_chunks(ident: str) -> list[dict[str, Any]]:
    """An ``n=2`` chat stream as the API sends it: the shorter choice (index 1) finishes
    first (``stop``), then the first (``length``)."""
    from openai.types.chat import ChatCompletionChunk

    frame = {"id": ident, "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o"}

    def chunk(index: int, delta: dict[str, Any], finish: Any = None) -> dict[str, Any]:
        choice = {"index": index, "delta": delta, "finish_reason": finish}
        return ChatCompletionChunk.model_validate({**frame, "choices": [choice]}).model_dump(
            mode="json"
        )

    return [
        chunk(0, {"role": "assistant", "content": "A long "}),
        chunk(1, {"role": "assistant", "content": "Short."}),
        chunk(1, {}, "stop"),
        chunk(0, {"content": "answer"}),
        chunk(0, {}, "length"),
    ]


def test_finish_reasons_of_several_choices_are_listed_in_their_order_as_the_whole_reply(
    sentry, provider
):
    """``n=2``: the shorter choice (index 1) finishes first. The streamed finish reasons
    are listed in the choices' order, as ``set_response`` lists those of the whole
    reply, not in the order they arrived."""

    chunks = _two_choices_chunks("chatcmpl-n")
    whole = {"id": "chatcmpl-n", "object": "chat.completion", "created": 1, "model": "gpt-4o"}
    whole["choices"] = [
        {"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": reason}
        for i, (text, reason) in enumerate([("A long answer", "length"), ("Short.", "stop")])
    ]
    _streamed_as_whole(sentry, provider, chunks, whole, n=2)
    reasons = sentry.named("chat streamed").attributes["gen_ai.response.finish_reasons"]
    assert json.loads(reasons) == ["length", "stop"]


def test_a_choice_cut_before_it_finished_takes_no_other_choices_finish_reason(sentry, provider):
    """``n=2``, the stream broken out of after the second choice finished but before the
    first did: the first choice's message has no finish reason (it did not finish), not
    the second's."""
    chunks = _two_choices_chunks("chatcmpl-c")
    provider.script("/v1/chat/completions", chunks)
    client = provider.openai()
    with sentry_agents.chat("gpt-4o", provider="openai") as llm:
        stream = client.chat.completions.create(model="gpt-4o", messages=[], n=2, stream=True)
        with llm.stream(stream) as wrapped:
            for seen, _ in enumerate(wrapped, 1):
                if seen == 3:
                    break
    attrs = sentry.named("chat gpt-4o").attributes
    assert attrs["sentry_agents.stream.abandoned"] is True
    assert json.loads(attrs["gen_ai.output.messages"]) == [
        {"role": "assistant", "parts": [{"type": "text", "content": "A long "}]},
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": "Short."}],
            "finish_reason": "stop",
        },
    ]


@pytest.mark.parametrize("split", [False, True])
def test_tool_calls_streamed_without_an_index_are_recorded_as_the_whole_reply(
    sentry, provider, split
):
    """Gemini's OpenAI-compatible endpoint streams tool calls without ``index`` (the
    ``openai`` SDK's model then holds ``None``): two calls, each with its own id, are two
    calls as in the whole reply, not one of both arguments run together; a delta with
    no id (the rest of a call's arguments, or only metadata) goes on the last call."""

    frame = {"id": "chatcmpl-g", "object": "chat.completion.chunk", "created": 1}
    frame["model"] = "gemini-2.5-flash"
    weather = {"name": "get_weather", "arguments": '{"location":"Sydney"}'}
    time = {"name": "get_time", "arguments": '{"zone":"AEST"}'}
    first = {"id": "function-call-1", "type": "function", "function": weather}
    second = {"id": "function-call-2", "type": "function", "function": time}
    if split:  # the first call's arguments in two deltas, then a metadata-only delta
        head = {**first, "function": {"name": "get_weather", "arguments": '{"location":'}}
        rest = {"function": {"arguments": '"Sydney"}'}}
        metadata = {"extra_content": {"google": {"thought_signature": "c2ln"}}}
        deltas = [[head], [rest], [metadata], [second]]
    else:
        deltas = [[first], [second]]
    chunks = [
        {**frame, "choices": [{"index": 0, "delta": {"role": "assistant", "tool_calls": d}}]}
        for d in deltas
    ]
    chunks.append({**frame, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    message = {"role": "assistant", "content": None, "tool_calls": [first, second]}
    whole = {"id": "chatcmpl-g", "object": "chat.completion", "created": 1}
    whole["model"] = "gemini-2.5-flash"
    whole["choices"] = [{"index": 0, "message": message, "finish_reason": "stop"}]
    streamed = _streamed_as_whole(sentry, provider, chunks, whole)
    assert [part["name"] for part in streamed[0]["parts"]] == ["get_weather", "get_time"]


def test_a_choice_finishing_with_its_tool_calls_keeps_its_own_place_among_finish_reasons():
    """A chunk of two choices: the second's tool call (its own index 0) and finish
    reason in one delta; its reason is the second choice's, listed after the first's."""
    from sentry_agents._chunks import StreamAccumulator

    call = {"index": 0, "id": "c1", "type": "function", "function": {"name": "f"}}
    accumulator = StreamAccumulator()
    accumulator.add(
        {
            "id": "c",
            "choices": [
                {"index": 1, "delta": {"tool_calls": [call]}, "finish_reason": "tool_calls"},
                {"index": 0, "delta": {"content": "Hi"}, "finish_reason": "stop"},
            ],
        }
    )
    assert accumulator.result().finish_reasons == ["stop", "tool_calls"]


def test_a_legacy_function_call_stream_is_recorded_as_the_whole_reply(sentry, provider):
    """The deprecated ``functions=`` API streams its call as ``function_call`` deltas,
    the arguments in pieces: recorded as the tool call ``set_response`` records of the
    whole reply's ``function_call``."""
    from openai.types.chat import ChatCompletionChunk

    frame = {"id": "chatcmpl-f", "object": "chat.completion.chunk", "created": 1}
    frame["model"] = "gpt-4o"
    deltas = [
        {
            "role": "assistant",
            "content": None,
            "function_call": {"name": "get_weather", "arguments": ""},
        },
        {"function_call": {"arguments": '{"city": '}},
        {"function_call": {"arguments": '"Paris"}'}},
    ]
    chunks = [{**frame, "choices": [{"index": 0, "delta": d}]} for d in deltas]
    chunks.append(
        {**frame, "choices": [{"index": 0, "delta": {}, "finish_reason": "function_call"}]}
    )
    chunks = [ChatCompletionChunk.model_validate(c).model_dump(mode="json") for c in chunks]
    call = {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    message = {"role": "assistant", "content": None, "function_call": call}
    whole = {"id": "chatcmpl-f", "object": "chat.completion", "created": 1, "model": "gpt-4o"}
    whole["choices"] = [{"index": 0, "message": message, "finish_reason": "function_call"}]
    streamed = _streamed_as_whole(sentry, provider, chunks, whole)
    assert streamed[0]["parts"][0]["arguments"] == {"city": "Paris"}


_ARGUMENT_VALUES = st.one_of(st.integers(-(10**6), 10**6), st.booleans(), st.text(max_size=20))


@st.composite
def _streamed_calls(draw: Any) -> list[tuple[int, str]]:
    """One or two calls' JSON arguments (non-ASCII text among them), each cut into
    pieces at random places (empty pieces too): (the call's index, a piece), the calls'
    pieces interleaved."""
    calls = []
    for _ in range(draw(st.integers(1, 2))):
        whole = json.dumps(
            draw(st.dictionaries(st.text(max_size=8), _ARGUMENT_VALUES, max_size=4)),
            ensure_ascii=draw(st.booleans()),
        )
        cuts = sorted(draw(st.lists(st.integers(0, len(whole)), max_size=12)))
        bounds = [0, *cuts, len(whole)]
        calls.append([whole[a:b] for a, b in zip(bounds, bounds[1:])])
    order = draw(st.permutations([i for i, pieces in enumerate(calls) for _ in pieces]))
    return [(i, calls[i].pop(0)) for i in order]


def _argument_chunk(shape: str, index: int, piece: str) -> dict[str, Any]:
    """A delta of ``piece`` to the call at ``index``, as a dict chunk of ``shape``."""
    if shape == "langchain":
        return {"content": "", "tool_call_chunks": [{"index": index, "args": piece}]}
    choice = 0
    if shape == "function_call":  # the legacy call: one a choice, so a choice per index
        choice, delta = index, {"function_call": {"arguments": piece}}
    else:
        delta = {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
    return {
        "id": "x",
        "object": "chat.completion.chunk",
        "model": "m",
        "choices": [{"index": choice, "delta": delta}],
    }


@pytest.mark.parametrize("shape", ["tool_calls", "function_call", "langchain"])
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streamed=_streamed_calls())
def test_streamed_arguments_are_kept_as_pieces_and_recorded_as_sent_whole(
    shape: str, streamed: list[tuple[int, str]]
) -> None:
    """Dict chunks adding to a call's arguments (the Chat Completions ``tool_calls`` and
    legacy ``function_call`` deltas, LangChain's ``tool_call_chunks``): each piece is
    kept as it came, joined once at the end (adding each to the text so far copied that
    text every time: 100,000 deltas took 7 s), and the calls are recorded as the same
    arguments sent whole, one chunk a call, are, however they were cut."""
    from sentry_agents._chunks import _FUNCTION_CALL, StreamAccumulator

    accumulator = StreamAccumulator()
    for index, piece in streamed:
        accumulator.add(_argument_chunk(shape, index, piece))
    pieces: dict[int, list[str]] = {}  # in the order the calls began
    for index, piece in streamed:
        pieces.setdefault(index, []).append(piece)
    for index, sent in pieces.items():
        if shape == "function_call":
            call = accumulator._choices[index].tool_calls[_FUNCTION_CALL]
        else:
            call = accumulator.tool_calls[index]
        assert call.arguments == [piece for piece in sent if piece]
    result = accumulator.result()
    whole = [_argument_chunk(shape, index, "".join(sent)) for index, sent in pieces.items()]
    assert result.output == _accumulated(whole).output
    recorded = [part["arguments"] for message in result.output for part in message["parts"]]
    calls = sorted(pieces.items()) if shape == "function_call" else pieces.items()
    assert recorded == [json.loads("".join(sent)) for _, sent in calls]


def test_langchain_tool_call_chunks_without_an_index_are_calls_of_their_own(sentry):
    """LangChain's chunks hold ``"index": None`` for a provider that gives none: each is
    a call of its own in LangChain's sum of the chunks (it merges only equal int
    indexes), and so in the span, not one call of both arguments run together."""
    from langchain_core.messages import AIMessageChunk

    chunks = [
        AIMessageChunk(
            content="",
            tool_call_chunks=[
                {"name": "get_weather", "args": '{"city": "Paris"}', "id": "c1", "index": None}
            ],
        ),
        AIMessageChunk(
            content="",
            tool_call_chunks=[{"name": "get_time", "args": "{}", "id": "c2", "index": None}],
        ),
    ]
    total = chunks[0] + chunks[1]
    with sentry_agents.chat("streamed", provider="langchain") as llm:
        for _ in llm.stream(iter(chunks)):
            pass
    with sentry_agents.chat("whole", provider="langchain") as llm:
        llm.set_response(total)
    streamed = json.loads(sentry.named("chat streamed").attributes["gen_ai.output.messages"])
    whole = json.loads(sentry.named("chat whole").attributes["gen_ai.output.messages"])
    assert streamed[0]["parts"] == whole[0]["parts"]
    assert [part["id"] for part in streamed[0]["parts"]] == ["c1", "c2"]


def test_tool_calls_side_by_side_in_one_delta_without_index_or_id_are_calls_of_their_own():
    """Two calls in one delta, neither with an index nor an id: two calls (a delta never
    holds two pieces of one call), the second not run into the first."""
    from sentry_agents._chunks import StreamAccumulator

    calls = [
        {"type": "function", "function": {"name": "get_weather", "arguments": "{}"}},
        {"type": "function", "function": {"name": "get_time", "arguments": "{}"}},
    ]
    accumulator = StreamAccumulator()
    accumulator.add({"id": "c", "choices": [{"index": 0, "delta": {"tool_calls": calls}}]})
    parts = accumulator.result().output[0]["parts"]
    assert [(part["name"], part["arguments"]) for part in parts] == [
        ("get_weather", {}),
        ("get_time", {}),
    ]


def test_parallel_tool_calls_streamed_at_one_index_are_recorded_as_the_whole_reply(
    sentry, provider, monkeypatch
):
    """Proxies that stream parallel tool calls all at ``index: 0``, each call's first
    delta with an id of its own: a delta at an index whose call has another id starts a
    new call, a delta without an id goes on the latest call at that index. Recorded as
    ``set_response`` records the whole reply (read both ways), not one call of every
    call's arguments run together."""
    from openai._models import construct_type
    from openai.types.chat import ChatCompletionChunk

    frame = {"id": "chatcmpl-p", "object": "chat.completion.chunk", "created": 1}
    frame["model"] = "proxied"
    weather = {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    time = {"name": "get_time", "arguments": '{"zone": "CET"}'}
    first = {"id": "call_1", "type": "function", "function": weather}
    second = {"id": "call_2", "type": "function", "function": time}
    deltas = [
        {"index": 0, "id": "call_1", "type": "function", "function": {"name": "get_weather"}},
        {"index": 0, "function": {"arguments": '{"city": '}},
        {"index": 0, "function": {"arguments": '"Paris"}'}},
        {"index": 0, "id": "call_2", "type": "function", "function": {"name": "get_time"}},
        {"index": 0, "id": "call_2", "function": {"arguments": '{"zone": '}},
        {"index": 0, "function": {"arguments": '"CET"}'}},
    ]
    chunks = [
        {**frame, "choices": [{"index": 0, "delta": {"role": "assistant", "tool_calls": [d]}}]}
        for d in deltas
    ]
    chunks.append({**frame, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
    chunks = [ChatCompletionChunk.model_validate(c).model_dump(mode="json") for c in chunks]
    models = [construct_type(type_=ChatCompletionChunk, value=c) for c in chunks]
    assert _read_both_ways(monkeypatch, "_openai_fields", [chunks, models]) == [True] * 14
    message = {"role": "assistant", "content": None, "tool_calls": [first, second]}
    whole = {"id": "chatcmpl-p", "object": "chat.completion", "created": 1, "model": "proxied"}
    whole["choices"] = [{"index": 0, "message": message, "finish_reason": "tool_calls"}]
    streamed = _streamed_as_whole(sentry, provider, chunks, whole)
    assert [(part["id"], part["arguments"]) for part in streamed[0]["parts"]] == [
        ("call_1", {"city": "Paris"}),
        ("call_2", {"zone": "CET"}),
    ]


def test_a_stream_of_content_and_a_refusal_is_recorded_as_the_whole_reply(
    sentry, provider, monkeypatch
):
    """Deltas of both ``content`` and ``refusal`` (a model that began to answer, then
    refused): the content and the refusal are two text parts, as ``set_response``
    records a whole message holding both, not one text of both run together."""
    from openai._models import construct_type
    from openai.types.chat import ChatCompletionChunk

    frame = {"id": "chatcmpl-r", "object": "chat.completion.chunk", "created": 1}
    frame["model"] = "gpt-4o"
    deltas = [
        {"role": "assistant", "content": "Here is "},
        {"content": "how.", "refusal": "I can't "},
        {"refusal": "help with that."},
    ]
    chunks = [{**frame, "choices": [{"index": 0, "delta": d}]} for d in deltas]
    chunks.append({**frame, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    chunks = [ChatCompletionChunk.model_validate(c).model_dump(mode="json") for c in chunks]
    models = [construct_type(type_=ChatCompletionChunk, value=c) for c in chunks]
    assert _read_both_ways(monkeypatch, "_openai_fields", [chunks, models]) == [True] * 8
    message = {"role": "assistant", "content": "Here is how.", "refusal": "I can't help with that."}
    whole = {"id": "chatcmpl-r", "object": "chat.completion", "created": 1, "model": "gpt-4o"}
    whole["choices"] = [{"index": 0, "message": message, "finish_reason": "stop"}]
    streamed = _streamed_as_whole(sentry, provider, chunks, whole)
    assert streamed[0]["parts"] == [
        {"type": "text", "content": "Here is how."},
        {"type": "text", "content": "I can't help with that."},
    ]


def test_a_stream_of_content_and_an_audio_transcript_is_recorded_as_the_whole_reply(
    sentry, provider, monkeypatch
):
    """Deltas of ``content`` and of an audio transcript: the transcript is a text part
    of its own before the audio's blob, as ``set_response`` records a whole message
    holding both, not run into the content's text."""
    from openai._models import construct_type
    from openai.types.chat import ChatCompletionChunk

    frame = {"id": "chatcmpl-at", "object": "chat.completion.chunk", "created": 1}
    frame["model"] = "gpt-4o-audio-preview"
    deltas = [
        {"role": "assistant", "content": "Text. "},
        {"audio": {"id": "audio_1", "transcript": "Sunny "}},
        {"audio": {"transcript": "today."}},
    ]
    chunks = [{**frame, "choices": [{"index": 0, "delta": d}]} for d in deltas]
    chunks.append({**frame, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    chunks = [ChatCompletionChunk.model_validate(c).model_dump(mode="json") for c in chunks]
    models = [construct_type(type_=ChatCompletionChunk, value=c) for c in chunks]
    assert _read_both_ways(monkeypatch, "_openai_fields", [chunks, models]) == [True] * 8
    audio = {"id": "audio_1", "data": "", "expires_at": 1, "transcript": "Sunny today."}
    message = {"role": "assistant", "content": "Text. ", "audio": audio}
    whole = {"id": "chatcmpl-at", "object": "chat.completion", "created": 1}
    whole["model"] = "gpt-4o-audio-preview"
    whole["choices"] = [{"index": 0, "message": message, "finish_reason": "stop"}]
    streamed = _streamed_as_whole(sentry, provider, chunks, whole)
    assert [part.get("content") for part in streamed[0]["parts"][:2]] == ["Text. ", "Sunny today."]


@pytest.mark.parametrize("first_ends", ["before the retry", "after the retry"])
def test_a_retried_stream_is_described_by_the_retry_alone(sentry, first_ends):
    """A stream left early, then a second one (a retry) read to its end in the same chat
    span: the span said the call was abandoned and sent the first stream's usage beside
    the retry's output. It describes the stream opened last: the first one's attributes
    are taken back, and the first one ending after the retry (dropped, bound to a name,
    once the block ended) changes nothing."""
    from fakes import chat_chunks

    role, part, *rest, stop, usage_only = chat_chunks("Partial")
    retry = chat_chunks("Hello there")[:-1]  # no usage chunk: the retry's usage is unknown
    with sentry_agents.chat("gpt-4o-mini", provider="openai") as llm:
        first = llm.stream(iter([role, part, usage_only, *rest, stop]))
        if first_ends == "before the retry":
            with first:
                for _ in zip(range(3), first):
                    pass
        else:
            for _ in range(3):
                next(first)
        received = list(llm.stream(iter(retry)))
    assert received == retry
    del first  # the span ends once the first stream is dropped
    span = sentry.named("chat gpt-4o-mini")
    attrs = span.attributes
    assert "sentry_agents.stream.abandoned" not in attrs
    assert json.loads(attrs["gen_ai.output.messages"]) == [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": "Hello there"}],
            "finish_reason": "stop",
        }
    ]
    assert json.loads(attrs["gen_ai.response.finish_reasons"]) == ["stop"]
    assert not [key for key in attrs if key.startswith("gen_ai.usage.")]
    assert attrs["gen_ai.response.streaming"] is True
    assert 0 < attrs["gen_ai.response.time_to_first_chunk"] <= span.duration


def test_what_is_set_between_a_stream_and_its_retry_is_kept(sentry):
    """Usage, a response model or id set by hand after a stream was recorded (the
    caller's own count, say) was taken back with that stream's when its retry ended,
    though the retry set none: the span was sent without them, and its agent's usage too.
    A retry takes back only what the earlier stream wrote and is still there."""
    role, part, *rest, stop, usage_only = chat_chunks("Partial")
    retry = [{**chunk, "id": None} for chunk in chat_chunks("Hello")[:-1]]
    with sentry_agents.invoke_agent("Retrying Agent"):
        with sentry_agents.chat("gpt-4o-mini", provider="openai") as llm:
            first = llm.stream(iter([role, part, usage_only, *rest, stop]))
            with first:
                for _ in zip(range(3), first):
                    pass
            llm.set_usage(input_tokens=11, output_tokens=3)
            llm.set_response_id("mine")
            list(llm.stream(iter(retry)))
    for name in ("chat gpt-4o-mini", "invoke_agent Retrying Agent"):
        attrs = sentry.named(name).attributes
        assert attrs["gen_ai.usage.input_tokens"] == 11, name
        assert attrs["gen_ai.usage.output_tokens"] == 3, name
    attrs = sentry.named("chat gpt-4o-mini").attributes
    assert attrs["gen_ai.response.id"] == "mine"
    assert "sentry_agents.stream.abandoned" not in attrs
    assert json.loads(attrs["gen_ai.output.messages"])[0]["parts"] == [
        {"type": "text", "content": "Hello"}
    ]


def test_a_stream_recorded_in_another_thread_as_its_retry_ends_is_not_recorded(sentry):
    """A stream closed in one thread while its retry ends in another: the first one's
    record, held up in the redaction hook, wrote its output and usage after the retry
    had written its own, so the span described the call left early. The hook runs
    before a stream's record is decided; a stream opened before the one recorded
    records nothing."""
    retry = chat_chunks("Hello there")[:-1]  # no usage: the retry's usage is unknown
    in_hook, go_on = threading.Event(), threading.Event()

    def wait_in_the_first_streams_output(kind: str, value: Any) -> Any:
        if kind == "output.messages" and "Partial" in json.dumps(value):
            in_hook.set()
            assert go_on.wait(DELIVERY_BOUND)
        return value

    sentry_agents.configure(redact=wait_in_the_first_streams_output)
    with sentry_agents.chat("gpt-4o-mini", provider="openai") as llm:
        first = llm.stream(iter(chat_chunks("Partial answer")))
        for _ in range(3):
            next(first)
        second = llm.stream(iter(retry))
        closing = threading.Thread(target=first.close)
        closing.start()
        assert in_hook.wait(DELIVERY_BOUND)
        assert list(second) == retry
        go_on.set()
        closing.join()
    attrs = sentry.named("chat gpt-4o-mini").attributes
    assert json.loads(attrs["gen_ai.output.messages"])[0]["parts"] == [
        {"type": "text", "content": "Hello there"}
    ]
    assert "sentry_agents.stream.abandoned" not in attrs
    assert not [key for key in attrs if key.startswith("gen_ai.usage.")]
