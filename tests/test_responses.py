"""Recording provider responses: real response types, and the real clients end to end."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import warnings
from collections.abc import Iterator, Mapping
from typing import Any, Optional

import pytest
from pydantic import BaseModel

import sentry_agents
from fakes import anthropic_message, chat_completion, google_client, response_object
from sentry_agents import Usage
from sentry_agents._messages import MAX_NESTING, UNCONVERTIBLE
from sentry_agents._responses import ResponseInfo, read_response


def test_openai_chat_completion_object():
    from openai.types.chat import ChatCompletion

    info = read_response(ChatCompletion.model_validate(chat_completion("Hi")))
    assert info.model == "gpt-4o-mini-2024-07-18"
    assert info.response_id == "chatcmpl-abc"
    assert info.finish_reasons == ["stop"]
    assert info.output == [
        {"role": "assistant", "parts": [{"type": "text", "content": "Hi"}], "finish_reason": "stop"}
    ]
    assert info.usage == Usage(120, 30, 100, None, 12, 150)


def test_openai_responses_object():
    from openai.types.responses import Response

    info = read_response(Response.model_validate(response_object("Rainy.")))
    assert info.model == "o4-mini-2025-04-16"
    assert info.response_id == "resp_123"
    assert info.finish_reasons == ["completed"]
    assert info.output[0]["parts"] == [
        {"type": "reasoning", "content": "Think."},
        {"type": "text", "content": "Rainy."},
    ]
    assert info.usage == Usage(80, 40, 64, 0, 32, 120)


def test_anthropic_message_sums_cache_into_input():
    from anthropic.types import Message

    info = read_response(Message.model_validate(anthropic_message()))
    assert info.finish_reasons == ["end_turn"]
    assert info.model == "claude-sonnet-4-5-20250929"
    assert info.usage == Usage(
        input_tokens=1070,
        output_tokens=10,
        input_tokens_cached=1000,
        input_tokens_cache_write=50,
        total_tokens=1080,
    )


def test_an_anthropic_message_dumped_without_its_none_fields_is_read_whole():
    """An Anthropic message as ``model_dump(exclude_none=True)`` gives it (no
    ``stop_reason`` key while it is ``None``, as in a stream's ``message_start``) was
    read as bare output: its usage, model and id were lost. A message with a model or a
    usage is Anthropic's; a Responses API output item (neither) is still output alone."""
    from anthropic.types import Message

    dumped = Message.model_validate({**anthropic_message(), "stop_reason": None}).model_dump(
        exclude_none=True
    )
    assert "stop_reason" not in dumped
    info = read_response(dumped)
    assert (info.model, info.response_id) == ("claude-sonnet-4-5-20250929", "msg_01")
    assert info.usage.input_tokens == 1070
    assert info.output == [
        {"role": "assistant", "parts": [{"type": "text", "content": "Bonjour."}]}
    ]
    item = {"type": "message", "id": "msg_2", "role": "assistant", "status": "completed"}
    item["content"] = [{"type": "output_text", "text": "Hi", "annotations": []}]
    assert read_response(item) == ResponseInfo(
        output=[{"role": "assistant", "parts": [{"type": "text", "content": "Hi"}]}]
    )


@pytest.mark.parametrize(
    "variant",
    ["no type or role", "no type", "no role", "no stop reason", "stop reason None", "no usage"],
)
def test_an_anthropic_message_dict_without_its_type_is_read_whole(sentry, variant):
    """An Anthropic message as a dict without ``type`` (or ``role``), as one built from
    parsed JSON or a proxy's answer is, was read as bare output: its usage, model, id and
    stop reason were lost. Content blocks beside a ``stop_reason`` or a ``usage`` are
    Anthropic's."""
    reply = {key: value for key, value in anthropic_message().items() if key != "type"}
    if variant != "no type":
        del reply["role"]
    if variant == "no stop reason":
        del reply["stop_reason"]
    elif variant == "stop reason None":
        reply["stop_reason"] = None
    elif variant == "no usage":
        del reply["usage"]
    with sentry_agents.chat("claude-sonnet-4-5", provider="anthropic") as llm:
        llm.set_response(reply)
    span = sentry.named("chat claude-sonnet-4-5").attributes
    assert span["gen_ai.response.model"] == "claude-sonnet-4-5-20250929"
    assert span["gen_ai.response.id"] == "msg_01"
    message = {"role": "assistant", "parts": [{"type": "text", "content": "Bonjour."}]}
    if variant in ("no stop reason", "stop reason None"):
        assert "gen_ai.response.finish_reasons" not in span
    else:
        assert json.loads(span["gen_ai.response.finish_reasons"]) == ["end_turn"]
        message["finish_reason"] = "end_turn"
    assert json.loads(span["gen_ai.output.messages"]) == [message]
    if variant == "no usage":
        assert not [key for key in span if key.startswith("gen_ai.usage.")]
    else:
        assert span["gen_ai.usage.input_tokens"] == 1070
        assert span["gen_ai.usage.cache_read.input_tokens"] == 1000
        assert span["gen_ai.usage.cache_creation.input_tokens"] == 50
        assert span["gen_ai.usage.output_tokens"] == 10


def test_a_hand_written_anthropic_dict_records_its_usage(sentry):
    """The shape as a user writes it by hand: its counts, with no cache counts."""
    reply = {
        "id": "msg_9",
        "model": "claude-haiku-4-5",
        "content": [{"type": "text", "text": "hi"}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 10, "output_tokens": 5},
    }
    with sentry_agents.chat("claude-haiku-4-5", provider="anthropic") as llm:
        llm.set_response(reply)
    span = sentry.named("chat claude-haiku-4-5").attributes
    assert (span["gen_ai.usage.input_tokens"], span["gen_ai.usage.output_tokens"]) == (10, 5)
    assert span["gen_ai.usage.total_tokens"] == 15
    assert (span["gen_ai.response.model"], span["gen_ai.response.id"]) == (
        "claude-haiku-4-5",
        "msg_9",
    )


def test_other_dicts_are_not_read_as_anthropic_messages():
    """Reading a typeless Anthropic dict whole changes no other provider's dict: an
    OpenAI Chat Completion, a Responses API response, a Google response, a chat message
    and an Anthropic-like dict with another role or fields Anthropic's messages never
    hold read as before."""
    completion = read_response(chat_completion("Hi"))
    assert (completion.model, completion.response_id) == ("gpt-4o-mini-2024-07-18", "chatcmpl-abc")
    assert completion.usage == Usage(120, 30, 100, None, 12, 150)
    assert completion.output == [
        {"role": "assistant", "parts": [{"type": "text", "content": "Hi"}], "finish_reason": "stop"}
    ]
    responses = read_response(response_object("Rainy."))
    assert responses.usage == Usage(80, 40, 64, 0, 32, 120)
    assert responses.finish_reasons == ["completed"]
    google = read_response(
        {
            "response_id": "g-1",
            "model_version": "gemini-2.5-flash",
            "candidates": [
                {"content": {"role": "model", "parts": [{"text": "Hi"}]}, "finish_reason": "STOP"}
            ],
            "usage_metadata": {"prompt_token_count": 4, "candidates_token_count": 2},
        }
    )
    assert (google.model, google.response_id, google.finish_reasons) == (
        "gemini-2.5-flash",
        "g-1",
        ["STOP"],
    )
    assert google.usage == Usage(4, 2, None, None, None, 6)
    assert google.output == [
        {"role": "assistant", "parts": [{"type": "text", "content": "Hi"}], "finish_reason": "STOP"}
    ]
    blocks = [{"type": "text", "text": "Hi"}]
    text = [{"role": "assistant", "parts": [{"type": "text", "content": "Hi"}]}]
    assert read_response({"role": "assistant", "content": blocks}) == ResponseInfo(output=text)
    assert read_response({"role": "assistant", "content": "Hi"}) == ResponseInfo(output=text)
    user = read_response({"role": "user", "content": blocks, "stop_reason": "end_turn"})
    assert user == ResponseInfo(
        output=[{"role": "user", "parts": [{"type": "text", "content": "Hi"}]}]
    )
    with_calls = {"content": blocks, "stop_reason": "end_turn", "tool_calls": []}
    assert read_response(with_calls).usage == Usage()
    assert read_response({"content": "Hi", "stop_reason": "end_turn"}).finish_reasons == []


def test_google_generate_content_response():
    from google.genai import types

    response = types.GenerateContentResponse.model_validate(
        {
            "response_id": "g-1",
            "model_version": "gemini-2.5-flash",
            "candidates": [
                {
                    "content": {
                        "role": "model",
                        "parts": [{"text": "plan", "thought": True}, {"text": "Answer"}],
                    },
                    "finish_reason": "STOP",
                }
            ],
            "usage_metadata": {
                "prompt_token_count": 100,
                "tool_use_prompt_token_count": 5,
                "cached_content_token_count": 60,
                "candidates_token_count": 20,
                "thoughts_token_count": 30,
                "total_token_count": 155,
            },
        }
    )
    info = read_response(response)
    assert info.model == "gemini-2.5-flash"
    assert info.response_id == "g-1"
    assert info.finish_reasons == ["STOP"]
    assert info.output[0]["role"] == "assistant"
    assert info.output[0]["parts"] == [
        {"type": "reasoning", "content": "plan"},
        {"type": "text", "content": "Answer"},
    ]
    assert info.usage == Usage(105, 50, 60, None, 30, 155)


def test_langchain_ai_message():
    from langchain_core.messages import AIMessage

    message = AIMessage(
        "Done",
        id="run-1",
        usage_metadata={
            "input_tokens": 300,
            "output_tokens": 40,
            "total_tokens": 340,
            "input_token_details": {"cache_read": 200, "cache_creation": 20},
            "output_token_details": {"reasoning": 10},
        },
        response_metadata={"model_name": "gpt-4o-2024-08-06", "finish_reason": "stop"},
    )
    info = read_response(message)
    assert info.model == "gpt-4o-2024-08-06"
    assert info.finish_reasons == ["stop"]
    assert info.response_id == "run-1"
    assert info.output == [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": "Done"}],
            "finish_reason": "stop",
        }
    ]
    assert info.usage == Usage(300, 40, 200, 20, 10, 340)


def test_langchain_usage_only_in_response_metadata_is_read(sentry):
    """A LangChain message without ``usage_metadata`` (chat models that fill none) keeps
    the provider's usage in ``response_metadata``: OpenAI's ``token_usage`` and
    Anthropic's ``usage`` are read as those providers' usage are (Anthropic's input
    includes its cache reads); ``usage_metadata``, when there, wins."""
    from langchain_core.messages import AIMessage

    openai_usage = {
        "prompt_tokens": 30,
        "completion_tokens": 7,
        "total_tokens": 37,
        "prompt_tokens_details": {"cached_tokens": 10},
    }
    anthropic_usage = {"input_tokens": 5, "output_tokens": 3, "cache_read_input_tokens": 20}
    cases = {
        "openai": AIMessage("a", response_metadata={"token_usage": openai_usage}),
        "anthropic": AIMessage("b", response_metadata={"usage": anthropic_usage}),
        "both": AIMessage(
            "c",
            usage_metadata={"input_tokens": 1, "output_tokens": 2, "total_tokens": 3},
            response_metadata={"token_usage": openai_usage},
        ),
    }
    for name, message in cases.items():
        with sentry_agents.chat(name) as llm:
            llm.set_response(message)
    usage = {
        name: {
            key.removeprefix("gen_ai.usage."): value
            for key, value in sentry.named(f"chat {name}").attributes.items()
            if key.startswith("gen_ai.usage.")
        }
        for name in cases
    }
    assert usage["openai"]["input_tokens"] == 30
    assert usage["openai"]["output_tokens"] == 7
    assert usage["openai"]["cache_read.input_tokens"] == 10
    assert usage["anthropic"]["input_tokens"] == 25
    assert usage["anthropic"]["cache_read.input_tokens"] == 20
    assert usage["both"]["input_tokens"] == 1


def test_langchain_invalid_tool_calls_are_recorded_with_the_text_the_model_wrote(sentry):
    """A LangChain message's ``invalid_tool_calls`` (calls whose arguments did not parse)
    are tool calls the model made: sent, in the reply and in a history sent back, with
    their arguments as the text the model wrote, after the valid ones."""
    from langchain_core.messages import AIMessage

    message = AIMessage(
        "",
        tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}],
        invalid_tool_calls=[
            {"name": "book", "args": '{"hotel": "Ritz', "id": "call_2", "error": "bad JSON"}
        ],
    )
    expected = [
        {
            "type": "tool_call",
            "id": "call_1",
            "name": "get_weather",
            "arguments": {"city": "Paris"},
        },
        {"type": "tool_call", "id": "call_2", "name": "book", "arguments": '{"hotel": "Ritz'},
    ]
    with sentry_agents.chat("reply") as llm:
        llm.set_response(message)
    with sentry_agents.chat("history", messages=[message]):
        pass
    reply = sentry.named("chat reply").attributes
    assert json.loads(reply["gen_ai.output.messages"])[0]["parts"] == expected
    history = sentry.named("chat history").attributes
    assert json.loads(history["gen_ai.input.messages"])[0]["parts"] == expected


def test_litellm_model_response():
    litellm = pytest.importorskip("litellm")
    response = litellm.ModelResponse(
        id="chatcmpl-lite",
        model="claude-3-5-sonnet",
        choices=[
            {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
        ],
        usage={
            "prompt_tokens": 1200,
            "completion_tokens": 10,
            "total_tokens": 1210,
            "cache_read_input_tokens": 1000,
            "cache_creation_input_tokens": 100,
        },
    )
    info = read_response(response)
    assert info.model == "claude-3-5-sonnet"
    usage = info.usage
    assert usage.input_tokens == 1200 and usage.input_tokens_cached == 1000
    assert usage.input_tokens_cache_write == 100


def test_openai_client_chat_completions_end_to_end(sentry, provider):

    provider.script("/v1/chat/completions", chat_completion("It is sunny."))
    client = provider.openai()
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather?"}]
    with sentry_agents.chat("gpt-4o-mini", provider="openai", messages=messages) as llm:
        llm.set_response(client.chat.completions.create(model="gpt-4o-mini", messages=messages))
    span = sentry.named("chat gpt-4o-mini").attributes
    assert span["gen_ai.response.model"] == "gpt-4o-mini-2024-07-18"
    assert span["gen_ai.response.id"] == "chatcmpl-abc"
    assert json.loads(span["gen_ai.response.finish_reasons"]) == ["stop"]
    assert json.loads(span["gen_ai.output.messages"])[0]["parts"] == [
        {"type": "text", "content": "It is sunny."}
    ]
    assert span["gen_ai.usage.input_tokens"] == 120
    assert span["gen_ai.usage.cache_read.input_tokens"] == 100
    assert span["gen_ai.usage.reasoning.output_tokens"] == 12


def test_openai_client_responses_end_to_end(sentry, provider):

    provider.script("/v1/responses", response_object("Cloudy."))
    client = provider.openai()
    with sentry_agents.chat("o4-mini", provider="openai", messages="Weather?") as llm:
        llm.set_response(client.responses.create(model="o4-mini", input="Weather?"))
    span = sentry.named("chat o4-mini").attributes
    assert span["gen_ai.response.model"] == "o4-mini-2025-04-16"
    assert span["gen_ai.usage.input_tokens"] == 80
    assert span["gen_ai.usage.output_tokens"] == 40
    assert span["gen_ai.usage.reasoning.output_tokens"] == 32
    output = json.loads(span["gen_ai.output.messages"])
    assert {"type": "text", "content": "Cloudy."} in output[0]["parts"]


def test_anthropic_client_end_to_end(sentry, provider):

    provider.script("/v1/messages", anthropic_message("Salut."))
    client = provider.anthropic()
    with sentry_agents.chat(
        "claude-sonnet-4-5", provider="anthropic", system_instructions="Be French."
    ) as llm:
        llm.set_response(
            client.messages.create(
                model="claude-sonnet-4-5",
                max_tokens=100,
                system="Be French.",
                messages=[{"role": "user", "content": "Hi"}],
            )
        )
    span = sentry.named("chat claude-sonnet-4-5").attributes
    assert span["gen_ai.usage.input_tokens"] == 1070
    assert span["gen_ai.usage.cache_read.input_tokens"] == 1000
    assert span["gen_ai.usage.cache_creation.input_tokens"] == 50
    assert json.loads(span["gen_ai.system_instructions"]) == [
        {"type": "text", "content": "Be French."}
    ]


def test_anthropic_server_tool_results_are_tool_call_responses(sentry, provider):
    """A server tool's result block (web search, code execution, ...) answers its
    ``server_tool_use`` call: a ``tool_call_response`` part with the call's id, in the
    reply and in the history sent again, not a part of a type Sentry does not know."""
    reply = anthropic_message("Rain.")
    search_result = {
        "type": "web_search_result",
        "url": "https://weather.example/paris",
        "title": "Paris",
        "encrypted_content": "e",
        "page_age": None,
    }
    reply["content"] = [
        {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"q": "x"}},
        {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": [search_result]},
        {"type": "server_tool_use", "id": "srvtoolu_2", "name": "code_execution", "input": {}},
        {
            "type": "code_execution_tool_result",
            "tool_use_id": "srvtoolu_2",
            "content": {
                "type": "code_execution_result",
                "stdout": "14",
                "stderr": "",
                "return_code": 0,
                "content": [],
            },
        },
        *reply["content"],
    ]
    provider.script("/v1/messages", reply)
    client = provider.anthropic()
    messages: list = [{"role": "user", "content": "Weather in Paris?"}]
    with sentry_agents.chat("claude-sonnet-4-5", provider="anthropic") as llm:
        message = client.messages.create(
            model="claude-sonnet-4-5", max_tokens=100, messages=messages
        )
        llm.set_response(message)
    messages.append({"role": "assistant", "content": message.content})
    with sentry_agents.chat("claude-sonnet-4-5", provider="anthropic", messages=messages):
        pass
    output, again = (
        span.attributes for span in sorted(sentry.gen_ai_spans(), key=lambda s: s.start)
    )
    expected = [
        {"type": "tool_call", "id": "srvtoolu_1", "name": "web_search", "arguments": {"q": "x"}},
        {
            "type": "tool_call_response",
            "id": "srvtoolu_1",
            "response": [{k: v for k, v in search_result.items() if v is not None}],
        },
        {"type": "tool_call", "id": "srvtoolu_2", "name": "code_execution", "arguments": {}},
        {
            "type": "tool_call_response",
            "id": "srvtoolu_2",
            "response": {
                "type": "code_execution_result",
                "stdout": "14",
                "stderr": "",
                "return_code": 0,
                "content": [],
            },
        },
        {"type": "text", "content": "Rain."},
    ]
    assert json.loads(output["gen_ai.output.messages"])[0]["parts"] == expected
    assert json.loads(again["gen_ai.input.messages"])[1]["parts"] == expected


def test_anthropic_mcp_tool_use_is_a_tool_call(sentry, provider):
    """A call the MCP connector made (``client.beta.messages.create(mcp_servers=...)``,
    an ``mcp_tool_use`` block) is a ``tool_call`` part, as its ``mcp_tool_result`` is the
    ``tool_call_response``, in the reply and in the history sent again: it was sent as
    the block itself, a part of a type Sentry does not know."""
    from anthropic.types.beta import BetaMessage

    reply = anthropic_message("Found it.")
    reply["content"] = [
        {
            "type": "mcp_tool_use",
            "id": "mcptoolu_1",
            "name": "search_docs",
            "server_name": "docs",
            "input": {"query": "rate limits"},
        },
        {
            "type": "mcp_tool_result",
            "tool_use_id": "mcptoolu_1",
            "is_error": False,
            "content": [{"type": "text", "text": "100 per minute"}],
        },
        *reply["content"],
    ]
    BetaMessage.model_validate(reply)  # the beta SDK's own shape
    provider.script("/v1/messages", reply)
    client = provider.anthropic()
    messages: list = [{"role": "user", "content": "Rate limits?"}]
    with sentry_agents.chat("claude-sonnet-4-5", provider="anthropic") as llm:
        message = client.beta.messages.create(
            model="claude-sonnet-4-5", max_tokens=100, messages=messages
        )
        llm.set_response(message)
    messages.append({"role": "assistant", "content": message.content})
    with sentry_agents.chat("claude-sonnet-4-5", provider="anthropic", messages=messages):
        pass
    output, again = (
        span.attributes for span in sorted(sentry.gen_ai_spans(), key=lambda s: s.start)
    )
    expected = [
        {
            "type": "tool_call",
            "id": "mcptoolu_1",
            "name": "search_docs",
            "arguments": {"query": "rate limits"},
        },
        {
            "type": "tool_call_response",
            "id": "mcptoolu_1",
            "response": [{"type": "text", "content": "100 per minute"}],
        },
        {"type": "text", "content": "Found it."},
    ]
    assert json.loads(output["gen_ai.output.messages"])[0]["parts"] == expected
    assert json.loads(again["gen_ai.input.messages"])[1]["parts"] == expected


def test_mistral_thinking_chunks_are_reasoning_text(sentry, provider):
    """Mistral's reasoning models (through the ``openai`` client) answer with content
    blocks whose ``thinking`` is a list of text chunks: a ``reasoning`` part of their
    text, in the reply and in the history sent again; it was sent as the list's Python
    repr (``"[{'type': 'text', ...}]"``)."""
    reply = chat_completion("unused")
    reply["model"] = "magistral-medium-2509"
    reply["choices"][0]["message"]["content"] = [
        {"type": "thinking", "thinking": [{"type": "text", "text": "Rain is likely."}]},
        {"type": "text", "text": "Take an umbrella."},
    ]
    provider.script("/v1/chat/completions", reply)
    client = provider.openai()
    messages: list = [{"role": "user", "content": "Umbrella?"}]
    with sentry_agents.chat("magistral-medium", provider="mistral_ai") as llm:
        completion = client.chat.completions.create(model="magistral-medium", messages=messages)
        llm.set_response(completion)
    messages.append(completion.choices[0].message)
    with sentry_agents.chat("magistral-medium", provider="mistral_ai", messages=messages):
        pass
    output, again = (
        span.attributes for span in sorted(sentry.gen_ai_spans(), key=lambda s: s.start)
    )
    expected = [
        {"type": "reasoning", "content": "Rain is likely."},
        {"type": "text", "content": "Take an umbrella."},
    ]
    assert json.loads(output["gen_ai.output.messages"])[0]["parts"] == expected
    assert json.loads(again["gen_ai.input.messages"])[1]["parts"] == expected


def _audio_completion() -> dict:
    """A Chat Completions reply of an audio model (``modalities=["text", "audio"]``): no
    ``content``, the spoken answer in ``message.audio`` with its transcript."""
    reply = chat_completion("unused")
    reply["model"] = "gpt-4o-audio-preview-2024-12-17"
    reply["choices"][0]["message"] = {
        "role": "assistant",
        "content": None,
        "refusal": None,
        "audio": {
            "id": "audio_abc",
            "data": "UklGRiQAAABXQVZFZm10IBAAAAABAAEA" * 8,
            "expires_at": 1700003600,
            "transcript": "It is sunny in Paris.",
        },
    }
    return reply


def test_openai_audio_output_records_its_transcript_and_a_blob(sentry, provider):
    provider.script("/v1/chat/completions", _audio_completion())
    client = provider.openai()
    messages = [{"role": "user", "content": "Weather?"}]
    with sentry_agents.chat("gpt-4o-audio-preview", provider="openai") as llm:
        completion = client.chat.completions.create(
            model="gpt-4o-audio-preview",
            modalities=["text", "audio"],
            audio={"voice": "alloy", "format": "wav"},
            messages=messages,
        )
        llm.set_response(completion)
    # The agent loop's next call: the audio answer, as it came back, in the history.
    history = [*messages, completion.choices[0].message, {"role": "user", "content": "Rome?"}]
    with sentry_agents.chat("gpt-4o-audio-preview-2", provider="openai", messages=history):
        pass
    expected = [
        {"type": "text", "content": "It is sunny in Paris."},
        {"type": "blob", "modality": "audio", "content": "[Blob substitute]"},
    ]
    attrs = sentry.named("chat gpt-4o-audio-preview").attributes
    assert json.loads(attrs["gen_ai.output.messages"]) == [
        {"role": "assistant", "parts": expected, "finish_reason": "stop"}
    ]
    sent = json.loads(
        sentry.named("chat gpt-4o-audio-preview-2").attributes["gen_ai.input.messages"]
    )
    assert sent[1] == {"role": "assistant", "parts": expected}
    assert b"UklGRiQAAAB" not in sentry.raw()


def test_an_openai_custom_tool_call_is_recorded_in_the_output_and_the_next_input(sentry, provider):
    """A Chat Completions reply calling a custom tool (free-text input, not JSON): the
    call's id, name and input in ``gen_ai.output.messages``, and the same when the
    message is sent back in the next call's history."""
    reply = chat_completion("unused")
    reply["choices"][0]["finish_reason"] = "tool_calls"
    reply["choices"][0]["message"] = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_c1",
                "type": "custom",
                "custom": {"name": "sql", "input": "SELECT 1 -- api_key=none"},
            }
        ],
    }
    provider.script("/v1/chat/completions", reply)
    client = provider.openai()
    messages = [{"role": "user", "content": "Count?"}]
    with sentry_agents.chat("gpt-5", provider="openai") as llm:
        completion = client.chat.completions.create(model="gpt-5", messages=messages)
        llm.set_response(completion)
    history = [*messages, completion.choices[0].message]
    with sentry_agents.chat("gpt-5-next", provider="openai", messages=history):
        pass
    call = {
        "type": "tool_call",
        "id": "call_c1",
        "name": "sql",
        "arguments": "SELECT 1 -- api_key=none",
    }
    output = json.loads(sentry.named("chat gpt-5").attributes["gen_ai.output.messages"])
    assert output == [{"role": "assistant", "parts": [call], "finish_reason": "tool_calls"}]
    sent = json.loads(sentry.named("chat gpt-5-next").attributes["gen_ai.input.messages"])
    assert sent[1] == {"role": "assistant", "parts": [call]}


def test_openai_responses_built_in_tool_calls_are_assistant_tool_calls(sentry, provider):
    """Web search and file search calls in a Responses API output are the model's tool
    calls: in the output, and as assistant messages when the output is sent back as the
    next call's input (``input += response.output``)."""
    web = {
        "type": "web_search_call",
        "id": "ws_1",
        "status": "completed",
        "action": {"type": "search", "query": "Paris weather"},
    }
    files = {
        "type": "file_search_call",
        "id": "fs_1",
        "status": "completed",
        "queries": ["umbrella policy"],
        "results": [{"file_id": "file-1", "filename": "a.txt", "score": 0.9, "text": "Yes."}],
    }
    reply = response_object("Rain.")
    reply["output"] = [web, files, *reply["output"]]
    provider.script("/v1/responses", reply)
    client = provider.openai()
    tools = [{"type": "web_search"}, {"type": "file_search", "vector_store_ids": ["vs_1"]}]
    with sentry_agents.chat("o4-mini", provider="openai") as llm:
        response = client.responses.create(model="o4-mini", input="Weather?", tools=tools)
        llm.set_response(response)
    history = [{"role": "user", "content": "Weather?"}, *response.output]
    with sentry_agents.chat("o4-mini-next", provider="openai", messages=history):
        pass
    web_call = {
        "type": "tool_call",
        "id": "ws_1",
        "name": "web_search",
        "arguments": {"type": "search", "query": "Paris weather"},
    }
    file_call = {
        "type": "tool_call",
        "id": "fs_1",
        "name": "file_search",
        "arguments": ["umbrella policy"],
    }
    output = json.loads(sentry.named("chat o4-mini").attributes["gen_ai.output.messages"])
    assert output[0]["parts"][:2] == [web_call, file_call]
    sent = json.loads(sentry.named("chat o4-mini-next").attributes["gen_ai.input.messages"])
    assert sent[1:3] == [
        {"role": "assistant", "parts": [web_call]},
        {"role": "assistant", "parts": [file_call]},
    ]


def test_openai_responses_mcp_approval_loop_sends_no_empty_messages(sentry, provider):
    """A remote MCP tool that needs approval: the response lists the server's tools and
    asks to call one. Its output is the call alone (the tool list is no message); sent
    back with the user's approval, an item reference and a compaction, the history is
    the question, the call and the decision, with no empty message."""
    listed = {
        "type": "mcp_list_tools",
        "id": "mcpl_1",
        "server_label": "ops",
        "tools": [{"name": "deploy", "input_schema": {"type": "object"}}],
    }
    asked = {
        "type": "mcp_approval_request",
        "id": "mcpr_1",
        "name": "deploy",
        "arguments": '{"env": "prod"}',
        "server_label": "ops",
    }
    provider.script("/v1/responses", response_object("unused", output=[listed, asked]))
    client = provider.openai()
    tools = [{"type": "mcp", "server_label": "ops", "server_url": "https://mcp.example.com"}]
    with sentry_agents.chat("o4-mini", provider="openai") as llm:
        response = client.responses.create(model="o4-mini", input="Deploy?", tools=tools)
        llm.set_response(response)
    history = [
        {"type": "item_reference", "id": "msg_0"},
        {"role": "user", "content": "Deploy?"},
        {"type": "compaction", "id": "cmp_1", "encrypted_content": "gAAAAB"},
        *response.output,
        {"type": "mcp_approval_response", "approval_request_id": "mcpr_1", "approve": True},
    ]
    with sentry_agents.chat("o4-mini-next", provider="openai", messages=history):
        pass
    call = {"type": "tool_call", "id": "mcpr_1", "name": "deploy", "arguments": {"env": "prod"}}
    output = json.loads(sentry.named("chat o4-mini").attributes["gen_ai.output.messages"])
    assert output == [{"role": "assistant", "parts": [call], "finish_reason": "completed"}]
    sent = json.loads(sentry.named("chat o4-mini-next").attributes["gen_ai.input.messages"])
    assert sent == [
        {"role": "user", "parts": [{"type": "text", "content": "Deploy?"}]},
        {"role": "assistant", "parts": [call]},
        {
            "role": "user",
            "parts": [{"type": "text", "content": "MCP tool call approved (request mcpr_1)"}],
        },
    ]


def test_google_blocked_prompt_keeps_the_response_model_and_id(sentry):
    """A prompt Gemini blocks has no ``candidates``, only ``prompt_feedback``: still a
    Google response, whose model, id and usage are recorded."""
    pytest.importorskip("google.genai")
    client = google_client(
        {
            "responseId": "g-blocked",
            "modelVersion": "gemini-2.5-flash-001",
            "promptFeedback": {"blockReason": "SAFETY"},
            "usageMetadata": {"promptTokenCount": 12, "totalTokenCount": 12},
        }
    )
    with sentry_agents.chat("gemini-2.5-flash", provider="gcp.gemini") as llm:
        llm.set_response(client.models.generate_content(model="gemini-2.5-flash", contents="?"))
    attrs = sentry.named("chat gemini-2.5-flash").attributes
    assert attrs["gen_ai.response.model"] == "gemini-2.5-flash-001"
    assert attrs["gen_ai.response.id"] == "g-blocked"
    assert attrs["gen_ai.usage.input_tokens"] == 12
    assert json.loads(attrs["gen_ai.response.finish_reasons"]) == ["SAFETY"]
    assert "gen_ai.output.messages" not in attrs


def _google_three_ways(response: dict[str, Any]) -> None:
    """Record a Google response on three chat spans: ``chat model`` given the SDK's
    ``GenerateContentResponse``, ``chat dict`` its dict, ``chat stream`` a stream of it."""
    from google.genai import types

    model = types.GenerateContentResponse.model_validate(response)
    with sentry_agents.chat("model", provider="gcp.gemini") as llm:
        llm.set_response(model)
    with sentry_agents.chat("dict", provider="gcp.gemini") as llm:
        llm.set_response(response)
    with sentry_agents.chat("stream", provider="gcp.gemini") as llm:
        for _ in llm.stream(iter([model])):
            pass


def test_a_blocked_prompts_reason_is_its_finish_reason_in_every_form(sentry):
    """The block reason of a prompt Gemini blocked (no candidates) is the response's
    finish reason, read from the SDK's model, from a dict (read by shape) and from a
    stream; an unspecified reason is none."""
    from google.genai import types

    blocked = {
        "prompt_feedback": {"block_reason": "PROHIBITED_CONTENT"},
        "usage_metadata": {"prompt_token_count": 5, "total_token_count": 5},
    }
    unspecified = {"prompt_feedback": {"block_reason": "BLOCKED_REASON_UNSPECIFIED"}}
    _google_three_ways(blocked)
    with sentry_agents.chat("unspecified", provider="gcp.gemini") as llm:
        llm.set_response(types.GenerateContentResponse.model_validate(unspecified))
    for name in ("model", "dict", "stream"):
        attrs = sentry.named(f"chat {name}").attributes
        assert json.loads(attrs["gen_ai.response.finish_reasons"]) == ["PROHIBITED_CONTENT"]
        assert attrs["gen_ai.usage.input_tokens"] == 5
    assert "gen_ai.response.finish_reasons" not in sentry.named("chat unspecified").attributes


def test_a_block_reason_beside_candidates_is_no_finish_reason(sentry):
    """A block reason stands only for a response without candidates: beside a candidate
    (without a finish reason of its own) it is none, set whole or streamed alike."""

    answered = {
        "candidates": [{"content": {"role": "model", "parts": [{"text": "x"}]}}],
        "prompt_feedback": {"block_reason": "SAFETY"},
        "model_version": "g",
    }
    _google_three_ways(answered)
    for name in ("dict", "model", "stream"):
        attrs = sentry.named(f"chat {name}").attributes
        assert "gen_ai.response.finish_reasons" not in attrs, name
        assert json.loads(attrs["gen_ai.output.messages"])[0]["parts"] == [
            {"type": "text", "content": "x"}
        ]


def test_openai_responses_computer_use_loop_history(sentry, provider):
    """A computer-use loop sends back the model's ``computer_call`` and its
    ``computer_call_output`` (a screenshot as a data URL): a tool call and its result,
    the screenshot as a blob, never its bytes."""
    call = {
        "type": "computer_call",
        "id": "cu_1",
        "call_id": "call_cu",
        "action": {"type": "click", "button": "left", "x": 10, "y": 20},
        "pending_safety_checks": [],
        "status": "completed",
    }
    reply = response_object("unused")
    reply["output"] = [call]
    provider.script("/v1/responses", reply)
    client = provider.openai()
    tools = [{"type": "computer_use_preview", "display_width": 8, "display_height": 8}]
    response = client.responses.create(
        model="computer-use-preview", input="Click it.", tools=tools, truncation="auto"
    )
    screenshot = "data:image/png;base64," + "iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB" * 4
    history = [
        {"role": "user", "content": "Click it."},
        *response.output,
        {
            "type": "computer_call_output",
            "call_id": "call_cu",
            "output": {"type": "computer_screenshot", "image_url": screenshot},
        },
    ]
    with sentry_agents.chat("computer-use-preview", provider="openai", messages=history):
        pass
    sent = json.loads(sentry.named("chat computer-use-preview").attributes["gen_ai.input.messages"])
    assert sent[1:] == [
        {
            "role": "assistant",
            "parts": [
                {
                    "type": "tool_call",
                    "id": "call_cu",
                    "name": "computer",
                    "arguments": {"type": "click", "button": "left", "x": 10, "y": 20},
                }
            ],
        },
        {
            "role": "tool",
            "parts": [
                {
                    "type": "tool_call_response",
                    "id": "call_cu",
                    "response": [
                        {
                            "type": "blob",
                            "modality": "image",
                            "content": "[Blob substitute]",
                            "mime_type": "image/png",
                        }
                    ],
                }
            ],
        },
    ]
    assert b"iVBORw0KGgo" not in sentry.raw()


def _chat_variants() -> list[tuple[str, dict[str, Any], bool]]:
    """Chat Completions as the ``openai`` SDK parses them, each with whether its own
    models' fields are enough to read it (else it is read by shape)."""
    base = chat_completion("Hi")

    def variant(label: str, change: Any, fast: bool = True) -> tuple[str, dict[str, Any], bool]:
        reply = copy.deepcopy(base)
        change(reply)
        return label, reply, fast

    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}

    def message(reply: dict[str, Any]) -> dict[str, Any]:
        return reply["choices"][0]["message"]  # type: ignore[no-any-return]

    return [
        variant("text", lambda r: None),
        variant("empty text", lambda r: message(r).update(content="")),
        variant("no text", lambda r: message(r).update(content=None)),
        variant("non-ASCII text", lambda r: message(r).update(content="Grüß dich 🌧")),
        variant("annotations", lambda r: message(r).update(annotations=[])),
        variant("tool call", lambda r: message(r).update(content=None, tool_calls=[call])),
        variant("refusal", lambda r: message(r).update(content=None, refusal="No.")),
        variant(
            "audio",
            lambda r: message(r).update(
                audio={"id": "a", "data": "AAAA", "expires_at": 1, "transcript": "Hi"}
            ),
        ),
        variant("reasoning extra", lambda r: message(r).update(reasoning_content="Think.")),
        variant("reasoning extra (vLLM, OpenRouter)", lambda r: message(r).update(reasoning="Hm.")),
        variant("unrelated extras (Azure)", _azure_extras),
        variant(
            "two choices",
            lambda r: r["choices"].append(
                {**copy.deepcopy(r["choices"][0]), "index": 1, "finish_reason": "length"}
            ),
        ),
        variant("no choices", lambda r: r.update(choices=[])),
        variant("empty finish reason", lambda r: r["choices"][0].update(finish_reason="")),
        variant("no usage", lambda r: r.pop("usage")),
        variant("no usage details", lambda r: r["usage"].pop("prompt_tokens_details")),
        variant(
            "cache counts as extras (proxies)",
            lambda r: r["usage"].update(cache_read_input_tokens=90, cache_creation_input_tokens=7),
        ),
        variant(
            "cache write in the details",
            lambda r: r["usage"]["prompt_tokens_details"].update(
                cache_write_tokens=5, cache_creation_tokens=6
            ),
        ),
        variant("sub-counts over the total", lambda r: r["usage"].update(prompt_tokens=10)),
        variant("no model", lambda r: r.pop("model")),
        variant("no finish reason", lambda r: r["choices"][0].pop("finish_reason"), False),
        variant("no message", lambda r: r["choices"][0].pop("message"), False),
        variant("usage not an object", lambda r: r.update(usage=150), False),
        variant(
            "Responses API counts (proxies)",
            lambda r: r.update(usage={"input_tokens": 10, "output_tokens": 5}),
        ),
        variant(
            "Anthropic counts (proxies)",
            lambda r: r.update(
                usage={"input_tokens": 10, "output_tokens": 5, "cache_read_input_tokens": 90}
            ),
        ),
        variant("only a total", lambda r: r.update(usage={"total_tokens": 7}), False),
        variant(
            "Google counts (extra)",
            lambda r: r["usage"].update(
                prompt_tokens=None, completion_tokens=None, prompt_token_count=3
            ),
        ),
        variant(
            "usage in Google's names",
            lambda r: r.update(usage={"prompt_token_count": 3, "candidates_token_count": 4}),
        ),
        variant(
            "usage with a usage_metadata",
            lambda r: r["usage"].update(usage_metadata={"input_tokens": 9, "output_tokens": 1}),
        ),
        variant(
            "usage with a usage inside",
            lambda r: r.update(usage={"completion_tokens": 1, "usage": {"input_tokens": 9}}),
        ),
    ]


def _azure_extras(reply: dict[str, Any]) -> None:
    """The extra fields Azure OpenAI adds to a Chat Completion, none of which is read."""
    safe = {"filtered": False, "severity": "safe"}
    reply["prompt_filter_results"] = [{"prompt_index": 0, "content_filter_results": {}}]
    reply["choices"][0]["content_filter_results"] = {"hate": safe, "violence": safe}
    reply["usage"]["provider_specific_fields"] = {"region": "eastus"}
    reply["choices"][0]["message"]["provider_specific_fields"] = {"region": "eastus"}


def _chat_completions() -> list[Any]:
    """Every Chat Completions variant as ``pytest`` parameters: as the ``openai`` client
    builds it (unvalidated), and validated from its JSON where it is a valid reply (a
    pydantic model validated keeps the keys its class does not declare as extra fields,
    as unvalidated)."""
    from openai._models import construct_type
    from openai.types.chat import ChatCompletion
    from pydantic import ValidationError

    params = []
    for label, reply, fast in _chat_variants():
        built = construct_type(type_=ChatCompletion, value=reply)  # as the client parses it
        params.append(pytest.param(built, fast, id=label))
        try:
            validated = ChatCompletion.model_validate_json(json.dumps(reply))
        except ValidationError:
            continue
        params.append(pytest.param(validated, fast, id=f"validated: {label}"))
    return params


@pytest.mark.parametrize(("response", "fast"), _chat_completions())
def test_a_chat_completion_read_from_its_fields_reads_as_reading_by_shape(
    response: Any, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``set_response`` reads the ``openai`` SDK's own ``ChatCompletion`` (built as its
    client builds it, or validated) from its models' fields, without probing each name:
    it must give exactly what reading by shape gives (and what the same reply as a dict
    gives), whatever the reply holds, extra fields (which the SDK's models keep apart,
    in ``__pydantic_extra__``) read or not among them. Its message, written into a
    history, is what the general conversion writes."""
    from openai.types.chat import ChatCompletion

    from sentry_agents import _models, _responses
    from sentry_agents._jsonable import dumps
    from sentry_agents._message_json import encode_messages
    from sentry_agents._messages import to_gen_ai_messages
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrub_messages, scrubber_for

    assert isinstance(response, ChatCompletion)
    fields = _models.model_fields(response)
    assert fields is not None
    read = read_response(response)
    assert read == _responses._openai_chat(response)
    with _by_shape(monkeypatch):
        assert read == read_response(response)
    assert (_responses._from_fields(fields) is not None) is fast
    as_dict = response.model_dump(exclude_unset=True, warnings=False)
    assert read == read_response(as_dict)
    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    history = [choice.message for choice in response.choices if choice.message is not None]
    encoded = encode_messages(history, split=False, scrubber=scrubber)
    assert encoded is not None
    assert encoded.json == dumps(scrub_messages(to_gen_ai_messages(history), scrubber))


@pytest.mark.parametrize(
    ("reply", "fast"),
    [
        pytest.param(reply, label not in ("no finish reason", "no message"), id=label)
        for label, reply, _ in _chat_variants()
    ]
    + [
        pytest.param(
            {"choices": [{"delta": {"content": "Hi"}, "finish_reason": "stop"}]}, False, id="delta"
        ),
        pytest.param({"choices": "Hi"}, False, id="choices not a list"),
        pytest.param({"choices": [["message", "Hi"]]}, False, id="choice not a dict"),
        pytest.param(
            {"choices": [{"message": {"role": "assistant", "content": "Hi", "name": "bot"}}]},
            False,
            id="no finish reason, a name",
        ),
        pytest.param(
            {"choices": [{"message": {"content": "Hi", "name": "bot"}, "finish_reason": "stop"}]},
            True,
            id="message without a role, a name",
        ),
        pytest.param(
            {"choices": [{"message": {"role": "model", "content": "Hi"}, "finish_reason": "stop"}]},
            True,
            id="another role",
        ),
        pytest.param(
            {
                "choices": [
                    {"message": {"role": "assistant", "content": ["Hi"]}, "finish_reason": "stop"}
                ]
            },
            True,
            id="content a list",
        ),
    ],
)
def test_a_chat_completion_dict_read_by_its_keys_reads_as_reading_by_shape(
    reply: dict[str, Any], fast: bool
) -> None:
    """A Chat Completion passed as a plain dict (OpenAI's JSON, as many callers pass it)
    is read by its keys, without probing each name, when its choices are dicts with a
    message and a finish reason as text: it must give exactly what reading by shape
    gives, whatever the reply holds (its usage, of any shape, read by ``usage_from``)."""
    from sentry_agents import _responses

    reply = json.loads(json.dumps(reply))
    read = read_response(reply)
    assert read == _responses._openai_chat(reply)
    taken = _responses._chat_completion(reply, _responses.usage_from)
    assert (taken is not None) is fast


def _reply_of(*choices: tuple[Any, Any]) -> dict[str, Any]:
    """A Chat Completion dict of choices given as (content, finish reason)."""
    return {
        "id": "chatcmpl-abc",
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [
            {"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": why}
            for i, (text, why) in enumerate(choices)
        ],
    }


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(_reply_of(("Hi", "stop")), id="text"),
        pytest.param(_reply_of(("", "stop")), id="empty text"),
        pytest.param(_reply_of((None, "length")), id="no text"),
        pytest.param(_reply_of(("Hi", "")), id="empty finish reason"),
        pytest.param(_reply_of(("Hi", None)), id="no finish reason"),
        pytest.param(_reply_of(("Grüß dich 🌧 \ud83c\udf27", "stöp")), id="non-ASCII"),
        pytest.param(_reply_of(("lone \ud83d surrogate", "stop\udc00")), id="lone surrogates"),
        pytest.param(_reply_of(('"quoted"\n\x00\u2028</script>', "stop")), id="escapes"),
        pytest.param(_reply_of(('{"api_key": "sk-1"}', "stop")), id="JSON text"),
        pytest.param(_reply_of(("Rain. " * 60_000, "length")), id="over the budget"),
        pytest.param(_reply_of(("Hi", "stop"), ("Ho", "length")), id="two choices"),
    ],
)
def test_an_answer_of_text_alone_is_sent_as_the_general_path_sends_it(sentry, reply):
    """An answer of text alone is written at once: it must send exactly what the general
    path (scrubbed, fitted) sends, which a redaction hook that keeps the value takes."""
    for model, redact in (("fast", None), ("general", lambda kind, value: value)):
        with sentry_agents.chat(model, redact=redact) as llm:
            llm.set_response(reply)
    fast, general = (sentry.named(f"chat {model}").attributes for model in ("fast", "general"))
    assert "gen_ai.output.messages" in fast
    assert {k: v for k, v in fast.items() if "output" in k} == {
        k: v for k, v in general.items() if "output" in k
    }


def _anthropic_answer(content: Any, stop_reason: Optional[str] = "tool_use") -> Any:
    """An Anthropic ``Message`` of ``content`` (block dicts) as the client parses it."""
    from anthropic._models import construct_type
    from anthropic.types import Message

    reply = {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 200, "output_tokens": 40},
    }
    return construct_type(type_=Message, value=reply)


_LOOKUP = {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}


@pytest.mark.parametrize(
    "response",
    [
        pytest.param(_anthropic_answer([{"type": "text", "text": "Looking."}, _LOOKUP]), id="tool"),
        pytest.param(
            _anthropic_answer(
                [
                    {"type": "thinking", "thinking": "Grüß \ud83d", "signature": "s"},
                    {"type": "redacted_thinking", "data": "x"},
                    {"type": "text", "text": '{"api_key": "sk-1"}\n\u2028'},
                    {**_LOOKUP, "input": {"api_key": "sk-1", "q": [1.5, None]}},
                ],
                "stöp \udc00",
            ),
            id="escapes and secrets",
        ),
        pytest.param(
            _anthropic_answer([{"type": "text", "text": "Rain. " * 60_000}, _LOOKUP]),
            id="over the budget",
        ),
        pytest.param(
            _anthropic_answer(
                [
                    {"type": "server_tool_use", "id": "srv_1", "name": "web_search", "input": {}},
                    {
                        "type": "web_search_tool_result",
                        "tool_use_id": "srv_1",
                        "content": [{"type": "web_search_result", "url": "https://a.example"}],
                    },
                ],
                "end_turn",
            ),
            id="a block written by the general path",
        ),
        pytest.param(_anthropic_answer([], None), id="empty"),
    ],
)
def test_an_anthropic_answer_is_sent_as_the_general_path_sends_it(sentry, response):
    """An Anthropic answer's output is written straight from its blocks, the SDK's
    ``Message`` or its JSON as a dict: it must send exactly what the general path
    (converted, scrubbed, fitted) sends, which a redaction hook that keeps the value
    takes, and the same for both (``model_dump`` adds the ``None`` fields the answer's JSON
    leaves out, which a tool result's content sends as they are)."""
    forms = {
        "model": response,
        "dict": response.model_dump(warnings=False),  # an odd block's dump warns
        "json": response.to_dict(warnings=False),
    }
    for form, given in forms.items():
        for path, redact in (("fast", None), ("general", lambda kind, value: value)):
            with sentry_agents.chat(f"{form} {path}", redact=redact) as llm:
                llm.set_response(given)
    sent = {
        (form, path): {
            k: v
            for k, v in sentry.named(f"chat {form} {path}").attributes.items()
            if k.startswith("gen_ai.response") or "output" in k
        }
        for form in forms
        for path in ("fast", "general")
    }
    assert "gen_ai.output.messages" in sent["model", "fast"]
    assert all(sent[form, "fast"] == sent[form, "general"] for form in forms)
    assert sent["json", "fast"] == sent["model", "fast"]


def test_an_anthropic_answer_goes_to_the_redaction_hook_and_the_output_gate(sentry):
    """An Anthropic answer written from its blocks still goes through the redaction hook
    (which sees it converted) and the output gate."""
    response = _anthropic_answer([{"type": "text", "text": "Looking."}, _LOOKUP])
    seen: list[Any] = []

    def redact(kind: str, value: Any) -> Any:
        if kind == "output.messages":
            seen.append(value)
            return [{"role": "assistant", "parts": [{"type": "text", "content": "[hidden]"}]}]
        return value

    with sentry_agents.chat("hook", redact=redact) as llm:
        llm.set_response(response)
    with sentry_agents.chat("gated", record_outputs=False) as llm:
        llm.set_response(response)
    hooked = sentry.named("chat hook").attributes
    assert json.loads(hooked["gen_ai.output.messages"]) == [
        {"role": "assistant", "parts": [{"type": "text", "content": "[hidden]"}]}
    ]
    assert seen == [read_response(response).output]
    gated = sentry.named("chat gated").attributes
    assert "gen_ai.output.messages" not in gated
    assert gated["gen_ai.response.id"] == "msg_01"


def test_an_anthropic_answer_the_direct_writer_fails_on_is_sent_by_the_general_path(sentry, mocker):
    """A failure in writing an answer from its blocks loses nothing: the general path
    converts it."""
    from sentry_agents import _message_json

    response = _anthropic_answer([{"type": "text", "text": "Looking."}, _LOOKUP])
    mocker.patch.object(_message_json, "_read_blocks", side_effect=RuntimeError("injected"))
    with sentry_agents.chat("m") as llm:
        llm.set_response(response)
    sent = sentry.named("chat m").attributes["gen_ai.output.messages"]
    assert json.loads(sent) == read_response(response).output


def test_text_answer_json_is_what_dumps_writes():
    """The answers ``text_answer_json`` writes are written as ``dumps`` writes them; any
    other message is not written."""
    from sentry_agents._jsonable import dumps
    from sentry_agents._message_json import text_answer_json

    text = {"type": "text", "content": "Hi \ud83d"}
    answers = [
        {"role": "assistant", "parts": []},
        {"role": "assistant", "parts": [text]},
        {"role": "assistant", "parts": [text], "finish_reason": "stöp \udc00"},
        {"role": "assistant", "parts": [], "finish_reason": ""},
    ]
    for answer in answers:
        assert text_answer_json(answer) == dumps(answer)
    others = [
        {"role": "user", "parts": [text]},
        {"parts": [text], "role": "assistant"},
        {"role": "assistant", "finish_reason": "stop", "parts": [text]},
        {"role": "assistant", "parts": [text], "finish_reason": None},
        {"role": "assistant", "parts": [text, text]},
        {"role": "assistant", "parts": [{"content": "Hi", "type": "text"}]},
        {"role": "assistant", "parts": [{"type": "text", "content": ""}]},
        {"role": "assistant", "parts": [{"type": "reasoning", "content": "Hm."}]},
        {"role": "assistant", "parts": [{"type": "text", "content": "Hi", "x": 1}]},
        {"role": "assistant", "parts": [text], "name": "bot"},
        {"role": "assistant", "parts": [text], "finish_reason": 1},
        {"role": "assistant", "parts": (text,)},
        {"role": "assistant"},
    ]
    for other in others:
        assert text_answer_json(other) is None


@contextlib.contextmanager
def _by_shape(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Within it, ``read_response`` reads every response by shape: no model (response,
    usage, choice, message or block) is read from its fields."""
    from sentry_agents import _responses, _usage

    with monkeypatch.context() as patched:
        for module in (_responses, _usage):
            for reader in ("model_fields", "response_fields"):
                patched.setattr(module, reader, lambda value: None)
        yield


def _variant(
    base: dict[str, Any], label: str, change: Any, route: str, fast: bool = True
) -> tuple[str, dict[str, Any], str, bool]:
    """A copy of ``base`` changed by ``change``, with the reader reading by shape picks for
    it and whether its own models' fields are enough to read it."""
    reply = copy.deepcopy(base)
    change(reply)
    return label, reply, route, fast


def _nested_too_deep(depth: int = 3000) -> dict[str, Any]:
    """A block holding blocks ``depth`` deep (by default 3,000): converting it past
    ``MAX_NESTING`` raises ``RecursionError``, which the general reading turns into a
    placeholder message."""
    block = {"type": "text", "text": "Deep."}
    for _ in range(depth):
        block = {"type": "document", "source": {"type": "content", "content": [block]}}
    return block


def _anthropic_variants() -> list[tuple[str, dict[str, Any], str, bool]]:
    """Anthropic Messages replies, each with the reader reading by shape picks for it and
    whether its own models' fields are enough to read it."""
    base = anthropic_message("Bonjour.")

    def variant(
        label: str, change: Any, route: str = "anthropic", fast: bool = True
    ) -> tuple[str, dict[str, Any], str, bool]:
        return _variant(base, label, change, route, fast)

    def content(*blocks: dict[str, Any]) -> Any:
        return lambda r: r.update(content=list(blocks))

    text = {"type": "text", "text": "Let me check."}
    call = {
        "type": "tool_use",
        "id": "toolu_01",
        "name": "get_weather",
        "input": {"city": "Paris", "days": [{"n": 1, "when": None}], "at": {"lat": 48.85}},
    }
    thinking = {"type": "thinking", "thinking": "Rain?", "signature": "EqQBCgIYAhIM"}
    usage = lambda **counts: lambda r: r["usage"].update(counts)  # noqa: E731
    return [
        variant("text", lambda r: None),
        variant("non-ASCII text", content({"type": "text", "text": "Grüß dich 🌧"})),
        variant("a lone surrogate", content({"type": "text", "text": "a\ud800b"})),
        variant("tool use, nested input", content(text, call)),
        variant("tool use, no input", content({**call, "input": {}})),
        variant("tool use, non-ASCII", content({**call, "name": "météo", "input": {"é": "ü"}})),
        variant("tool use, input as text", content({**call, "input": '{"a": [1, 2]}'})),
        variant(
            "server tool use and its result",
            content(
                {**call, "type": "server_tool_use", "name": "web_search", "input": {"q": "x"}},
                {
                    "type": "web_search_tool_result",
                    "tool_use_id": "toolu_01",
                    "content": [{"type": "web_search_result", "url": "https://a.example"}],
                },
            ),
        ),
        variant("thinking", content(thinking, text)),
        variant("empty thinking", content({**thinking, "thinking": ""}, text)),
        variant("redacted thinking", content({"type": "redacted_thinking", "data": "EmwK"}, text)),
        variant("empty content", content()),
        variant("an unknown block", content(text, {"type": "future", "base64": "AAAA"})),
        variant("a text block without text", content({"type": "text"})),
        variant("content nested too deep", content(_nested_too_deep()), "anthropic", False),
        variant("content nested as deep as converted", content(_nested_too_deep(MAX_NESTING))),
        variant(
            "content nested a block too deep",
            content(_nested_too_deep(MAX_NESTING + 1)),
            "anthropic",
            False,
        ),
        variant("stop reason None", lambda r: r.update(stop_reason=None)),
        variant("tool use stop", lambda r: r.update(stop_reason="tool_use")),
        variant(
            "unusual stop reason", lambda r: r.update(stop_reason="model_context_window_exceeded")
        ),
        variant("new stop reason", lambda r: r.update(stop_reason="später")),
        variant("empty stop reason", lambda r: r.update(stop_reason="")),
        variant("no stop reason", lambda r: r.pop("stop_reason")),
        variant("stop reason not text", lambda r: r.update(stop_reason=5), "anthropic", False),
        variant(
            "no cache counts",
            lambda r: (
                r["usage"].pop("cache_read_input_tokens")
                and r["usage"].pop("cache_creation_input_tokens")
            ),
        ),
        variant(
            "zero cache counts", usage(cache_read_input_tokens=0, cache_creation_input_tokens=0)
        ),
        variant("only cache reads", usage(input_tokens=None, cache_creation_input_tokens=None)),
        variant(
            "no counts",
            usage(
                input_tokens=None,
                output_tokens=None,
                cache_read_input_tokens=None,
                cache_creation_input_tokens=None,
            ),
            "anthropic",
            False,
        ),
        variant(
            "a total and no output count (extras)",
            usage(
                output_tokens=None,
                total_tokens=77,
                cache_read_input_tokens=None,
                cache_creation_input_tokens=None,
            ),
        ),
        variant("thinking token details", usage(output_tokens_details={"thinking_tokens": 7})),
        variant(
            "cache creation and server tool use",
            usage(
                cache_creation={"ephemeral_5m_input_tokens": 50, "ephemeral_1h_input_tokens": 0},
                server_tool_use={"web_search_requests": 1},
                service_tier="standard",
            ),
        ),
        variant("no usage", lambda r: r.pop("usage")),
        variant("usage not an object", lambda r: r.update(usage=150), "anthropic", False),
        variant("OpenAI counts (proxies)", usage(prompt_tokens=5)),
        variant("Google counts (extra)", usage(usage_metadata={"a": 1})),
        variant("no model", lambda r: r.pop("model")),
        variant("model not text", lambda r: r.update(model=4)),
        variant(
            "extras",
            lambda r: r.update(
                container={"id": "c", "expires_at": "2026-01-01T00:00:00Z"},
                stop_sequence="STOP",
                request_id="req_1",
            ),
        ),
        variant("no choices (extra)", lambda r: r.update(choices=[]), "chat"),
        variant("choices (extra)", lambda r: r.update(choices=[{"index": 0}]), "chat", False),
        variant("candidates (extra)", lambda r: r.update(candidates=[]), "google"),
        variant("model version (extra)", lambda r: r.update(model_version="m"), "google"),
        variant("object response (extra)", lambda r: r.update(object="response"), "responses"),
        variant(
            "output and status (extras)",
            lambda r: r.update(output=[], status="completed"),
            "responses",
        ),
        variant("object not text (extra)", lambda r: r.update(object=5), "anthropic", False),
        variant("another type", lambda r: r.update(type="ai"), "langchain", False),
    ]


def _responses_variants() -> list[tuple[str, dict[str, Any], str, bool]]:
    """Responses API replies, each with the reader reading by shape picks for it and
    whether its own models' fields are enough to read it."""
    base = response_object("Rainy.")

    def variant(
        label: str, change: Any, route: str = "responses", fast: bool = True
    ) -> tuple[str, dict[str, Any], str, bool]:
        return _variant(base, label, change, route, fast)

    def blocks(*content: dict[str, Any]) -> Any:
        return lambda r: r["output"][1].update(content=list(content))

    def output(*items: dict[str, Any]) -> Any:
        return lambda r: r.update(output=list(items))

    text = {"type": "output_text", "text": "Rainy.", "annotations": []}
    call = {
        "type": "function_call",
        "id": "fc_1",
        "call_id": "call_1",
        "name": "get_weather",
        "arguments": '{"city": "Paris", "days": [1, 2]}',
        "status": "completed",
    }
    usage = lambda **counts: lambda r: r["usage"].update(counts)  # noqa: E731
    return [
        variant("reasoning and text", lambda r: None),
        variant("text", lambda r: r["output"].pop(0)),
        variant("non-ASCII text", blocks({**text, "text": "Grüß dich 🌧"})),
        variant("two texts", blocks(text, {**text, "text": "Sunny."})),
        variant(
            "annotations and logprobs",
            blocks(
                {
                    **text,
                    "annotations": [
                        {
                            "type": "url_citation",
                            "url": "https://a.example",
                            "title": "A",
                            "start_index": 0,
                            "end_index": 5,
                        }
                    ],
                    "logprobs": [],
                }
            ),
        ),
        variant("refusal", blocks({"type": "refusal", "refusal": "No."})),
        variant("text and refusal", blocks(text, {"type": "refusal", "refusal": ""})),
        variant("empty content", blocks()),
        variant("an unknown block", blocks(text, {"type": "output_audio", "data": "AAAA"})),
        variant("a text block without text", blocks({"type": "output_text"})),
        variant("a tool message", lambda r: r["output"][1].update(role="tool")),
        variant("content nested too deep", blocks(_nested_too_deep())),
        variant("content nested as deep as converted", blocks(_nested_too_deep(MAX_NESTING))),
        variant("content nested a block too deep", blocks(_nested_too_deep(MAX_NESTING + 1))),
        variant("a message with a refusal (extra)", lambda r: r["output"][1].update(refusal="No.")),
        variant(
            "encrypted reasoning",
            lambda r: r["output"][0].update(summary=[], encrypted_content="gAAAA"),
        ),
        variant("function call", output(call)),
        variant("function call, arguments not JSON", output({**call, "arguments": "Paris"})),
        variant(
            "built-in tool call",
            output(
                {
                    "type": "web_search_call",
                    "id": "ws_1",
                    "status": "completed",
                    "action": {"type": "search", "query": "rain"},
                },
                base["output"][1],
            ),
        ),
        variant("no output", output()),
        variant(
            "incomplete",
            lambda r: r.update(
                status="incomplete", incomplete_details={"reason": "max_output_tokens"}
            ),
        ),
        variant("incomplete, no reason", lambda r: r.update(incomplete_details={})),
        variant(
            "incomplete details as text",
            lambda r: r.update(incomplete_details="max_output_tokens"),
            "responses",
            False,
        ),
        variant(
            "failed",
            lambda r: r.update(
                status="failed", output=[], error={"code": "server_error", "message": "Boom."}
            ),
        ),
        variant("in progress", lambda r: r.update(status="in_progress")),
        variant("cancelled", lambda r: r.update(status="cancelled")),
        variant("queued", lambda r: r.update(status="queued")),
        variant("non-ASCII status", lambda r: r.update(status="terminé")),
        variant("no status", lambda r: r.pop("status")),
        variant("no usage", lambda r: r.pop("usage")),
        variant(
            "usage without details",
            lambda r: (
                r["usage"].pop("input_tokens_details") and r["usage"].pop("output_tokens_details")
            ),
        ),
        variant(
            "cache writes",
            lambda r: r["usage"]["input_tokens_details"].update(cache_write_tokens=9),
        ),
        variant("sub-counts over the total", usage(input_tokens=10, total_tokens=None)),
        variant("no counts", usage(input_tokens=None, output_tokens=None, total_tokens=None)),
        variant(
            "cache counts as extras (proxies)",
            usage(cache_read_input_tokens=5, cache_creation_input_tokens=3),
        ),
        variant("usage not an object", lambda r: r.update(usage=150), "responses", False),
        variant("usage details not objects", usage(input_tokens_details=5), "responses", False),
        variant("OpenAI chat counts (proxies)", usage(prompt_tokens=5)),
        variant("Google counts (extra)", usage(prompt_token_count=5)),
        variant("no model", lambda r: r.pop("model")),
        variant("output text (extra)", lambda r: r.update(output_text="Rainy.")),
        variant("extras", lambda r: r.update(request_id="req_1", service_tier="default")),
        variant("no choices (extra)", lambda r: r.update(choices=[]), "chat"),
        variant("choices (extra)", lambda r: r.update(choices=[{"index": 0}]), "chat", False),
        variant("candidates (extra)", lambda r: r.update(candidates=[]), "google"),
        variant(
            "another object, output and status",
            lambda r: r.update(object="chat.completion"),
        ),
        variant("object not text", lambda r: r.update(object=5), "responses", False),
        variant(
            "another object, no status",
            lambda r: r.update(object="list") or r.pop("status"),
            "other",
            False,
        ),
    ]


@pytest.mark.parametrize(
    ("provider_model", "reply", "route", "fast"),
    [
        pytest.param(provider_model, reply, route, fast, id=f"{provider_model}: {label}")
        for provider_model, variants in (
            ("anthropic", _anthropic_variants()),
            ("responses", _responses_variants()),
        )
        for label, reply, route, fast in variants
    ],
)
def test_an_sdk_response_read_from_its_fields_reads_as_reading_by_shape(
    provider_model: str,
    reply: dict[str, Any],
    route: str,
    fast: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``set_response`` reads the ``anthropic`` SDK's own ``Message`` and the ``openai``
    SDK's own Responses API ``Response`` (built as their clients build them, unvalidated)
    from their models' fields, without probing each name, when the fields show the shape
    reading by shape finds: it must give exactly what reading by shape gives (and what
    the same reply as a dict gives), whatever the reply holds."""
    from sentry_agents import _models, _responses

    if provider_model == "anthropic":
        from anthropic._models import construct_type
        from anthropic.types import Message as model
    else:
        from openai._models import construct_type  # type: ignore[no-redef]
        from openai.types.responses import Response as model  # type: ignore[assignment]

    response = construct_type(type_=model, value=reply)  # as the client parses it
    assert isinstance(response, model)
    fields = _models.response_fields(response)
    assert fields is not None
    assert (_responses._from_fields(fields) is not None) is fast
    read = read_response(response)
    with _by_shape(monkeypatch):
        assert read == read_response(response)
    readers = {
        "anthropic": _responses._anthropic,
        "responses": _responses._openai_responses,
        "chat": _responses._openai_chat,
        "google": _responses._google,
        "langchain": _responses._langchain,
    }
    if route in readers:
        assert read == readers[route](response)
    else:
        assert not any(read == reader(response) for reader in readers.values())
    assert read == read_response(response.model_dump(exclude_unset=True, warnings=False))


def _gemini_reply() -> dict[str, Any]:
    """A ``generateContent`` reply (in the SDK's field names): the model's text, its
    finish reason, and usage with thoughts and cached tokens."""
    return {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": "Rain on Saturday."}]},
                "finish_reason": "STOP",
                "index": 0,
                "safety_ratings": [{"category": "HARM_CATEGORY_HARASSMENT", "blocked": False}],
            }
        ],
        "model_version": "gemini-2.5-flash",
        "response_id": "resp-8xK2",
        "create_time": "2026-01-01T00:00:00Z",
        "usage_metadata": {
            "prompt_token_count": 1200,
            "candidates_token_count": 236,
            "thoughts_token_count": 64,
            "cached_content_token_count": 1024,
            "total_token_count": 1500,
            "prompt_tokens_details": [{"modality": "TEXT", "token_count": 1200}],
            "traffic_type": "ON_DEMAND",
        },
    }


def _google_variants() -> list[tuple[str, dict[str, Any], str, bool]]:
    """``generateContent`` replies, each with the reader reading by shape picks for it and
    whether its own models' fields are enough to read it."""
    base = _gemini_reply()

    def variant(
        label: str, change: Any, route: str = "google", fast: bool = True
    ) -> tuple[str, dict[str, Any], str, bool]:
        return _variant(base, label, change, route, fast)

    def candidate(**changes: Any) -> Any:
        return lambda r: r["candidates"][0].update(changes)

    def content(**changes: Any) -> Any:
        return lambda r: r["candidates"][0]["content"].update(changes)

    def parts(*given: dict[str, Any]) -> Any:
        return content(parts=list(given))

    def usage(**counts: Any) -> Any:
        return lambda r: r["usage_metadata"].update(counts)

    text = {"text": "Rain on Saturday."}
    call = {
        "function_call": {
            "id": "call-1",
            "name": "get_weather",
            "args": {"city": "Paris", "days": [{"n": 1, "when": None}], "at": {"lat": 48.85}},
        }
    }
    blocked = {
        "model_version": "gemini-2.5-flash-001",
        "response_id": "g-blocked",
        "prompt_feedback": {"block_reason": "SAFETY", "block_reason_message": "Blocked."},
        "usage_metadata": {"prompt_token_count": 12, "total_token_count": 12},
    }
    return [
        variant("text", lambda r: None),
        variant("non-ASCII text", parts({"text": "Grüß dich 🌧"})),
        variant("a lone surrogate", parts({"text": "a\ud800b"})),
        variant("empty text", parts({"text": ""})),
        variant("thought and text", parts({"text": "Rain?", "thought": True}, text)),
        variant(
            "thought signature", parts({**text, "thought_signature": b"\x01\x02", "thought": False})
        ),
        variant("function call", parts(text, call)),
        variant("function call, no args", parts({"function_call": {"name": "now"}})),
        variant(
            "function response",
            parts({"function_response": {"name": "now", "response": {"at": "noon"}}}),
        ),
        variant("inline data", parts({"inline_data": {"mime_type": "image/png", "data": b"PNG"}})),
        variant("inline data, no type", parts({"inline_data": {"data": b"AAAA"}})),
        variant(
            "file data",
            parts({"file_data": {"mime_type": "video/mp4", "file_uri": "gs://b/v.mp4"}}),
        ),
        variant(
            "executable code and its result",
            parts(
                {"executable_code": {"language": "PYTHON", "code": "print(1)"}},
                {"code_execution_result": {"outcome": "OUTCOME_OK", "output": "1"}},
            ),
        ),
        variant("an empty part", parts({})),
        variant("no parts", parts()),
        variant("parts not given", lambda r: r["candidates"][0]["content"].pop("parts")),
        variant("content of no role", content(role=None), "google", False),
        variant("content of the user", content(role="user"), "google", False),
        variant("no content", lambda r: r["candidates"][0].pop("content")),
        variant(
            "two candidates",
            lambda r: r["candidates"].append(
                {**copy.deepcopy(r["candidates"][0]), "index": 1, "finish_reason": "MAX_TOKENS"}
            ),
        ),
        variant("no candidates", lambda r: r.update(candidates=[])),
        variant("blocked prompt", lambda r: (r.clear(), r.update(copy.deepcopy(blocked)))),
        variant(
            "blocked prompt, no model version",
            lambda r: (r.clear(), r.update(copy.deepcopy(blocked)), r.pop("model_version")),
            "google",
            False,
        ),
        variant("safety stop", candidate(finish_reason="SAFETY", content=None)),
        variant("malformed function call", candidate(finish_reason="MALFORMED_FUNCTION_CALL")),
        variant("unspecified finish reason", candidate(finish_reason="FINISH_REASON_UNSPECIFIED")),
        variant("no finish reason", candidate(finish_reason=None)),
        variant("finish message", candidate(finish_message="Stopped.", avg_logprobs=-0.5)),
        variant("tool use prompt counts", usage(tool_use_prompt_token_count=40)),
        variant("no thoughts", usage(thoughts_token_count=None)),
        variant("no cache", usage(cached_content_token_count=None)),
        variant("only candidates counted", usage(prompt_token_count=None)),
        variant(
            "only a total",
            usage(
                prompt_token_count=None,
                candidates_token_count=None,
                thoughts_token_count=None,
                cached_content_token_count=None,
            ),
            "google",
            False,
        ),
        variant("sub-counts over the total", usage(total_token_count=3)),
        variant("no usage", lambda r: r.pop("usage_metadata")),
        variant("no model version", lambda r: r.pop("model_version")),
        variant("no response id", lambda r: r.pop("response_id")),
        variant("model version only", lambda r: (r.pop("candidates"), r.pop("usage_metadata"))),
    ]


def _model_in(annotation: Any) -> Any:
    """The pydantic model class a field's annotation holds (``Optional[list[Part]]``
    holds ``Part``), else ``None``."""
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def _constructed(cls: Any, value: Any) -> Any:
    """``value`` as ``cls`` unvalidated, ``model_construct`` at every level: an enum's
    value stays the text it was given, bytes stay bytes."""
    if isinstance(value, list):
        return [_constructed(cls, item) for item in value]
    if cls is None or not isinstance(value, dict):
        return value
    given = {}
    for name, item in value.items():
        declared = cls.model_fields.get(name)
        given[name] = (
            item if declared is None else _constructed(_model_in(declared.annotation), item)
        )
    return cls.model_construct(**given)


def _unvalidated_google_variants() -> list[tuple[str, Any, str, bool]]:
    """``GenerateContentResponse`` models built unvalidated, holding what validation would
    have refused or changed, each with the reader reading by shape picks for it and
    whether its own models' fields are enough to read it."""
    from google.genai import types

    def built(change: Any) -> Any:
        reply = _gemini_reply()
        change(reply)
        return _constructed(types.GenerateContentResponse, reply)

    def part(**given: Any) -> Any:
        return lambda r: r["candidates"][0]["content"].update(parts=[given])

    def holding(*parts: Any) -> Any:
        response = built(lambda r: None)
        response.candidates[0].content = types.Content.model_construct(
            role="model", parts=list(parts)
        )
        return response

    return [
        ("finish reason as text", built(lambda r: None), "google", True),
        (
            "a new finish reason",
            built(lambda r: r["candidates"][0].update(finish_reason="NEW")),
            "google",
            True,
        ),
        (
            "finish reason not text",
            built(lambda r: r["candidates"][0].update(finish_reason=5)),
            "google",
            True,
        ),
        ("a role/parts part", holding({"type": "text", "content": "Hi."}), "google", True),
        ("a part as a dict", holding({"text": "Hi.", "thought": True}), "google", True),
        ("a part as text", holding("Hi.", None), "google", True),
        ("an unknown part", built(part(type="text", content="Hi.")), "google", True),
        ("text not text", built(part(text=5)), "google", True),
        (
            "a mime type not text",
            built(part(inline_data={"mime_type": 5, "data": b"A"})),
            "google",
            False,
        ),
        (
            "a role not text",
            built(lambda r: r["candidates"][0]["content"].update(role=5)),
            "google",
            False,
        ),
        (
            "counts as text",
            built(lambda r: r["usage_metadata"].update(prompt_token_count="12")),
            "google",
            True,
        ),
        (
            "a negative count",
            built(lambda r: r["usage_metadata"].update(candidates_token_count=-1)),
            "google",
            True,
        ),
        ("model version not text", built(lambda r: r.update(model_version=5)), "google", True),
        (
            "candidates as a tuple",
            types.GenerateContentResponse.model_construct(
                candidates=tuple(built(lambda r: None).candidates), model_version="m"
            ),
            "google",
            False,
        ),
        (
            "candidates not a list",
            types.GenerateContentResponse.model_construct(candidates=5, model_version="m"),
            "google",
            False,
        ),
        (
            "a candidate as a dict",
            types.GenerateContentResponse.model_construct(
                candidates=[_gemini_reply()["candidates"][0]]
            ),
            "google",
            False,
        ),
        (
            "content as a dict",
            types.GenerateContentResponse.model_construct(
                candidates=[types.Candidate.model_construct(content={"role": "model", "parts": []})]
            ),
            "google",
            False,
        ),
        (
            "usage as a dict",
            types.GenerateContentResponse.model_construct(
                model_version="m", usage_metadata={"prompt_token_count": 3}
            ),
            "google",
            False,
        ),
    ]


def _google_responses() -> list[Any]:
    """Every Google variant as ``pytest`` parameters: each reply validated (as the client
    parses it) and unvalidated, and the unvalidated-only models."""
    from google.genai import types

    params = []
    for label, reply, route, fast in _google_variants():
        with warnings.catch_warnings():  # a finish reason the SDK does not know
            warnings.simplefilter("ignore")
            validated = types.GenerateContentResponse.model_validate(reply)
        unvalidated = _constructed(types.GenerateContentResponse, reply)
        params.append(pytest.param(validated, route, fast, id=f"validated: {label}"))
        params.append(pytest.param(unvalidated, route, fast, id=f"unvalidated: {label}"))
    for label, response, route, fast in _unvalidated_google_variants():
        params.append(pytest.param(response, route, fast, id=f"unvalidated: {label}"))
    return params


@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings")  # unvalidated parts
@pytest.mark.parametrize(("response", "route", "fast"), _google_responses())
def test_a_google_response_read_from_its_fields_reads_as_reading_by_shape(
    response: Any, route: str, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``set_response`` reads the ``google-genai`` SDK's own ``GenerateContentResponse``
    (validated as its client parses it, or built unvalidated) from its models' fields,
    without probing each name, when the fields show the shape reading by shape finds: it
    must give exactly what reading by shape gives, whatever the reply holds."""
    from sentry_agents import _models, _responses

    fields = _models.response_fields(response)
    assert fields is not None
    assert _models.model_fields(response) is None  # its ``text`` and ``parts`` properties
    assert (_responses._from_fields(fields) is not None) is fast
    read = read_response(response)
    with _by_shape(monkeypatch):
        assert read == read_response(response)
    if route == "google":
        assert read == _responses._google(response)
    else:
        assert read.output is None and read.model is None


def test_the_google_clients_response_is_read_from_its_fields(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the real ``google-genai`` client returns (its JSON parsed as the client parses
    it) takes the fields reading, and reads as reading by shape."""
    from google.genai import types

    from sentry_agents import _models, _responses

    reply = _gemini_reply()
    reply["candidates"][0]["content"]["parts"].insert(0, {"text": "Rain?", "thought": True})
    wire = types.GenerateContentResponse.model_validate(reply).model_dump(
        mode="json", by_alias=True, exclude_none=True
    )
    client = google_client(wire)
    response = client.models.generate_content(model="gemini-2.5-flash", contents="?")
    fields = _models.response_fields(response)
    assert fields is not None and _responses._from_fields(fields) is not None
    read = read_response(response)
    with _by_shape(monkeypatch):
        assert read == read_response(response)
    assert read.finish_reasons == ["STOP"] and read.usage == Usage(1200, 300, 1024, None, 64, 1500)
    assert read.output is not None and [part["type"] for part in read.output[0]["parts"]] == [
        "reasoning",
        "text",
    ]


@pytest.mark.parametrize("api", ["chat", "responses", "anthropic"])
def test_the_openai_and_anthropic_clients_responses_are_read_from_their_fields(
    provider: Any, monkeypatch: pytest.MonkeyPatch, api: str
) -> None:
    """The ``openai`` and ``anthropic`` clients set ``_request_id`` on every response they
    return, a private attribute in the object's ``__dict__`` beside its fields: such a
    response takes the fields reading all the same (it was read name by name, as any
    object is), and reads as reading by shape."""
    from sentry_agents import _models, _responses

    response: Any
    if api == "chat":
        provider.script("/v1/chat/completions", chat_completion("It is sunny."))
        response = provider.openai().chat.completions.create(model="gpt-4o-mini", messages=[])
    elif api == "responses":
        provider.script("/v1/responses", response_object("Cloudy."))
        response = provider.openai().responses.create(model="o4-mini", input="Weather?")
    else:
        provider.script("/v1/messages", anthropic_message("Salut."))
        response = provider.anthropic().messages.create(
            model="claude-sonnet-4-5", max_tokens=100, messages=[{"role": "user", "content": "Hi"}]
        )
    assert "_request_id" in vars(response)
    fields = _models.response_fields(response)
    # The object's own fields, not a copy without the private name: the response readers
    # look only their names up. The message writers, which count names, get a copy.
    assert fields is vars(response)
    written = _models.model_fields(response)
    assert written is None or (written is not fields and "_request_id" not in written)
    assert _responses._from_fields(fields) is not None
    read = read_response(response)
    with _by_shape(monkeypatch):
        assert read == read_response(response)
    assert read.output and read.usage.input_tokens


@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings")  # unvalidated parts
def test_a_response_and_its_usage_are_read_only_for_the_response_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A response's or its usage's class is read by its fields however many other names
    the conversion reads are its attributes (Google's ``text`` and ``parts``): every name
    the response readers read of those fields must be one of ``RESPONSE_READ_NAMES``, none
    of which such a class has as an attribute."""
    from anthropic._models import construct_type as anthropic_construct
    from anthropic.types import Message
    from openai._models import construct_type as openai_construct
    from openai.types.chat import ChatCompletion
    from openai.types.responses import Response

    from sentry_agents import _models, _responses, _usage

    read: set[str] = set()

    class Recording(dict[str, Any]):
        def get(self, key: str, default: Any = None) -> Any:
            read.add(key)
            return super().get(key, default)

        def __getitem__(self, key: str) -> Any:
            read.add(key)
            return super().__getitem__(key)

    def recording(value: Any) -> Any:
        fields = _models.response_fields(value)
        return None if fields is None else Recording(fields)

    responses = [param.values[0] for param in _google_responses()]
    responses += [openai_construct(type_=ChatCompletion, value=r) for _, r, _ in _chat_variants()]
    responses += [anthropic_construct(type_=Message, value=r) for _, r, *_ in _anthropic_variants()]
    responses += [openai_construct(type_=Response, value=r) for _, r, *_ in _responses_variants()]
    monkeypatch.setattr(_responses, "response_fields", recording)
    monkeypatch.setattr(_usage, "response_fields", recording)
    for response in responses:
        read_response(response)
    assert {"choices", "output", "content", "candidates", "thoughts_token_count"} <= read
    assert read <= _models.RESPONSE_READ_NAMES, read - _models.RESPONSE_READ_NAMES


@pytest.mark.parametrize("provider_model", ["anthropic", "responses"])
def test_content_nested_deep_reads_the_same_from_fields_and_by_shape(
    provider_model: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading from the models' fields takes a few frames fewer than reading by shape:
    content nested so deep that the interpreter's stack ran out on one reading and not
    on the other (about 330 blocks) was converted on one and a placeholder on the
    other. Nesting is counted, not left to the stack: past ``MAX_NESTING`` blocks both
    read a placeholder, however deep, and so does an Anthropic answer converted later."""
    if provider_model == "anthropic":
        from anthropic._models import construct_type
        from anthropic.types import Message as model

        base = anthropic_message("Bonjour.")
    else:
        from openai._models import construct_type  # type: ignore[no-redef]
        from openai.types.responses import Response as model  # type: ignore[assignment]

        base = response_object("Rainy.")

    def deeper(frames: int, response: Any) -> ResponseInfo:
        """``read_response(response)`` called ``frames`` frames deeper."""
        return deeper(frames - 1, response) if frames else read_response(response)

    placeholder = [{"type": "text", "content": UNCONVERTIBLE}]
    for depth in [*range(1, 40), *range(150, 420)]:
        reply = copy.deepcopy(base)
        block = _nested_too_deep(depth)
        if provider_model == "anthropic":
            reply["content"] = [block]
        else:
            reply["output"][1]["content"] = [block]
        response = construct_type(type_=model, value=reply)
        for frames in range(4):  # wherever the stack would run out
            read = deeper(frames, response)
            with _by_shape(monkeypatch):
                assert read == deeper(frames, response), (depth, frames)
            assert (read.output[0]["parts"][-1:] == placeholder) is (depth > MAX_NESTING)
        if provider_model == "anthropic":  # as ``set_response`` reads it: converted later
            apart = read_response(response, answer_apart=True)
            assert apart.answer is not None
            converted = dataclasses.replace(apart, output=apart.answer.messages(), answer=None)
            assert converted == read_response(response)


class _AnyRole(str):
    """A role whose ``==`` says it equals anything (its text is ``user``)."""

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = str.__hash__


class _UncomparableRole:
    """A role whose ``==`` raises (as a numpy array's truth does)."""

    def __eq__(self, other: object) -> bool:
        raise ValueError("not comparable")

    __hash__ = object.__hash__

    def __str__(self) -> str:
        return "assistant"


@pytest.mark.parametrize("role", [_AnyRole("user"), _UncomparableRole()], ids=["lying", "raising"])
def test_a_chat_message_role_is_read_as_its_text(role: Any) -> None:
    """A message's role is compared as plain text, as reading by shape reads it: a role
    whose own ``==`` lies or raises is read by shape, never taken for ``assistant`` nor
    let raise out of ``read_response``."""
    from openai.types.chat import ChatCompletion, ChatCompletionMessage
    from openai.types.chat.chat_completion import Choice

    from sentry_agents import _responses

    message = ChatCompletionMessage.model_construct(role=role, content="Hi")
    choice = Choice.model_construct(index=0, finish_reason="stop", message=message)
    response = ChatCompletion.model_construct(id="c1", model="m", choices=[choice])
    assert read_response(response) == _responses._openai_chat(response)


@pytest.mark.parametrize("part", ["response", "message", "usage"])
def test_a_chat_completion_whose_extras_are_not_a_dict_is_read_by_shape(part: str) -> None:
    """A model's ``__pydantic_extra__`` set to something other than a dict (by hand) is
    not read as its fields: ``read_response`` reads it by shape, as before, instead of
    raising."""
    from openai._models import construct_type
    from openai.types.chat import ChatCompletion

    from sentry_agents import _responses

    response = construct_type(type_=ChatCompletion, value=chat_completion("Hi"))
    model = {
        "response": response,
        "message": response.choices[0].message,
        "usage": response.usage,
    }[part]
    object.__setattr__(model, "__pydantic_extra__", ("choices",))
    assert read_response(response) == _responses._openai_chat(response)


class _KeyedMessage(BaseModel, Mapping):  # type: ignore[misc]
    """A model that is also a mapping, whose keys say other than its fields."""

    role: Any = None
    content: Any = None

    def __getitem__(self, key: str) -> Any:
        return {"role": "user", "content": "By key."}[key]

    def __iter__(self) -> Iterator[str]:  # type: ignore[override]
        return iter(("role", "content"))

    def __len__(self) -> int:
        return 2


class _KeyedCompletion(BaseModel, Mapping):  # type: ignore[misc]
    """A Chat Completion shaped model that is also a mapping with no ``choices`` key."""

    choices: Any = None
    model: Any = None

    def __getitem__(self, key: str) -> Any:
        return {"model": "by-key"}[key]

    def __iter__(self) -> Iterator[str]:  # type: ignore[override]
        return iter(("model",))

    def __len__(self) -> int:
        return 1


@pytest.mark.parametrize("keyed", ["response", "message"])
def test_a_model_that_is_a_mapping_is_read_by_its_keys(keyed: str) -> None:
    """Reading by shape reads a mapping by its keys (its ``get``), a pydantic model that
    is one too: the fields of such a model are not read in their place."""
    from openai.types.chat import ChatCompletion

    response = ChatCompletion.model_construct(**chat_completion("By field."))
    if keyed == "message":
        # Set after construction: the SDK builds a message of its own from a mapping.
        response.choices[0].message = _KeyedMessage(role="assistant", content="By field.")
        info = read_response(response)
        assert info.output == [
            {
                "role": "user",
                "parts": [{"type": "text", "content": "By key."}],
                "finish_reason": "stop",
            }
        ]
    else:
        # Its keys hold no choices (nor anything else a response holds).
        assert read_response(_KeyedCompletion(model="m", choices=response.choices)) == (
            ResponseInfo()
        )


class _Reply(BaseModel):
    """A model of some library's with no ``choices`` field."""

    model: Any = None


class _Counts(BaseModel):
    """A usage model of some library's with only a total."""

    total_tokens: Any = None


class _Stop(BaseModel):
    """A choice model of some library's with no ``message`` field."""

    finish_reason: Any = None


def test_names_set_beside_a_models_fields_are_not_read_as_fields() -> None:
    """``model_copy(update=...)`` puts a name the class does not declare (nor allows as
    an extra) in the model's ``__dict__``; reading by shape never reads it, so neither
    does reading by fields: a response, choice or usage holding one is read by shape."""
    from openai.types.chat import ChatCompletion, ChatCompletionMessage

    from sentry_agents import _responses

    message = ChatCompletionMessage(role="assistant", content="Hi")
    reply = _Reply(model="m").model_copy(update={"choices": [{"message": message}]})
    assert read_response(reply) == ResponseInfo()

    choice = _Stop(finish_reason="stop").model_copy(update={"message": message})
    usage = _Counts(total_tokens=3).model_copy(update={"prompt_tokens": 2})
    for response in (
        ChatCompletion.model_construct(model="m", choices=[choice]),
        ChatCompletion.model_construct(model="m", choices=[], usage=usage),
    ):
        assert read_response(response) == _responses._openai_chat(response)


class _ReasoningMixin:
    """A plain base giving a message a property where a field would be read."""

    @property
    def reasoning_content(self) -> str:
        return "From a property."


def test_a_property_inherited_from_a_plain_base_is_read_as_reading_by_shape_reads_it() -> None:
    """Whether a class has an attribute where a field would be read is looked up in its
    classes' namespaces (as an instance's attributes are): one from a base that is not a
    model still sends its message to reading by shape."""
    from openai.types.chat import ChatCompletion, ChatCompletionMessage

    from sentry_agents import _models, _responses

    class Message(_ReasoningMixin, ChatCompletionMessage):
        pass

    response = ChatCompletion.model_construct(**chat_completion("Hi"))
    response.choices[0].message = Message(role="assistant", content="Hi")
    assert _models.model_fields(response.choices[0].message) is None
    info = read_response(response)
    assert info == _responses._openai_chat(response)
    assert info.output is not None
    assert info.output[0]["parts"][0] == {"type": "reasoning", "content": "From a property."}


class _UnhashableClass(type):
    """A metaclass whose classes cannot be hashed (it defines ``==`` without a hash)."""

    def __eq__(cls, other: object) -> bool:
        return cls is other

    __hash__ = None  # type: ignore[assignment]


class _Text(str, metaclass=_UnhashableClass):
    """Text whose class cannot be a dict key."""


def test_text_whose_class_cannot_be_hashed_is_read_as_text() -> None:
    """Looking a response's class up among the models read by their fields must not
    raise for a class that cannot be hashed: text of one is the model's text, as it
    was before any class was looked up."""
    info = read_response(_Text("Hi"))
    assert info.output == [{"role": "assistant", "parts": [{"type": "text", "content": "Hi"}]}]


# --- embeddings responses ---------------------------------------------------------------


def test_embeddings_set_response_records_the_openai_client_reply(sentry, provider):
    """``set_response`` was missing on embeddings spans (an ``AttributeError`` in the
    app); it records the response model and the usage, never the vectors."""
    from fakes import embeddings_reply

    model = "text-embedding-3-small"
    provider.script("/v1/embeddings", embeddings_reply(model, count=2))
    client = provider.openai()
    with sentry_agents.embeddings(model, provider="openai", inputs=["Paris", "Lyon"]) as emb:
        emb.set_response(client.embeddings.create(model=model, input=["Paris", "Lyon"]))
    span = sentry.named(f"embeddings {model}").attributes
    assert span["gen_ai.response.model"] == model
    assert span["gen_ai.usage.input_tokens"] == 7
    assert span["gen_ai.usage.total_tokens"] == 7
    assert "gen_ai.usage.output_tokens" not in span
    assert not [key for key, value in span.items() if "0.1" in str(value)]
    assert b"0.1, 0.2" not in sentry.raw() and b"0.1,0.2" not in sentry.raw()


def test_embeddings_set_response_reads_each_providers_shape(sentry):
    """OpenAI's dict form, Google GenAI's own ``EmbedContentResponse`` (usage in
    ``usage_metadata``, no model), Voyage's ``usage.total_tokens`` (all of it input:
    an embeddings call writes no tokens) and Cohere's ``meta.billed_units``."""
    from google.genai import types

    from fakes import embeddings_reply

    replies: dict[str, Any] = {
        "openai": embeddings_reply("text-embedding-3-large"),
        "voyage": {"data": [], "model": "voyage-3.5", "usage": {"total_tokens": 12}},
        "cohere": {"embeddings": {}, "meta": {"billed_units": {"input_tokens": 9.0}}},
    }
    expected = {"openai": 7, "voyage": 12, "cohere": 9}
    if "usage_metadata" in types.EmbedContentResponse.model_fields:  # not in older SDKs
        replies["google"] = types.EmbedContentResponse(
            embeddings=[types.ContentEmbedding(values=[0.5, 0.25])],
            usage_metadata=types.UsageMetadata(prompt_token_count=5, total_token_count=5),
        )
        expected["google"] = 5
    for name, reply in replies.items():
        with sentry_agents.embeddings(name) as emb:
            emb.set_response(reply)
    spans = {name: sentry.named(f"embeddings {name}").attributes for name in replies}
    assert spans["openai"]["gen_ai.response.model"] == "text-embedding-3-large"
    assert spans["voyage"]["gen_ai.response.model"] == "voyage-3.5"
    assert "gen_ai.response.model" not in spans.get("google", {})
    counts = {name: span.get("gen_ai.usage.input_tokens") for name, span in spans.items()}
    assert counts == expected
    assert spans["voyage"]["gen_ai.usage.total_tokens"] == 12


@dataclasses.dataclass
class _TextEmbeddingStatistics:
    """As ``vertexai.language_models.TextEmbeddingStatistics``."""

    token_count: int
    truncated: bool


@dataclasses.dataclass
class _TextEmbedding:
    """As ``vertexai.language_models.TextEmbedding``, what ``get_embeddings`` returns a
    list of."""

    values: list[float]
    statistics: Optional[_TextEmbeddingStatistics] = None
    _prediction_response: Any = None


def test_embeddings_set_response_sums_vertex_ai_statistics(sentry):
    """Vertex AI reports tokens per vector (``statistics.token_count``), not as a usage:
    the ``vertexai`` SDK's list of ``TextEmbedding``, the REST response's
    ``predictions`` and Google GenAI's ``embeddings`` on Vertex recorded no usage. Their
    counts are summed as the input tokens (truncated inputs as Vertex counts them); a
    response where a vector reports no count records none rather than too few."""
    from google.genai import types

    def rest(*counts: Any) -> dict[str, Any]:
        return {
            "predictions": [
                {"embeddings": {"statistics": {"token_count": n, "truncated": False}, "values": []}}
                for n in counts
            ],
            "metadata": {"billableCharacterCount": 40},
        }

    def genai_statistics(n: float) -> Any:
        return types.ContentEmbeddingStatistics(token_count=n, truncated=False)

    replies: dict[str, Any] = {
        "sdk": [
            _TextEmbedding([0.5], _TextEmbeddingStatistics(5, False)),
            _TextEmbedding([0.314159], _TextEmbeddingStatistics(7, True)),
        ],
        "rest": rest(6, 4.0),
        "genai": types.EmbedContentResponse(
            embeddings=[
                types.ContentEmbedding(values=[0.5], statistics=genai_statistics(3.0)),
                types.ContentEmbedding(values=[0.5], statistics=genai_statistics(8.0)),
            ]
        ),
        "partial": [
            _TextEmbedding([0.5], _TextEmbeddingStatistics(5, False)),
            _TextEmbedding([0.25]),
        ],
        "not-counts": rest(6, "4"),
        "no-vectors": [],
    }
    for name, reply in replies.items():
        with sentry_agents.embeddings(name, provider="gcp.vertex_ai") as emb:
            emb.set_response(reply)
    usage = {
        name: {
            k: v
            for k, v in sentry.named(f"embeddings {name}").attributes.items()
            if k.startswith("gen_ai.usage.")
        }
        for name in replies
    }
    both = "gen_ai.usage.input_tokens", "gen_ai.usage.total_tokens"
    assert usage == {
        "sdk": dict.fromkeys(both, 12),
        "rest": dict.fromkeys(both, 10),
        "genai": dict.fromkeys(both, 11),
        "partial": {},
        "not-counts": {},
        "no-vectors": {},
    }
    assert b"0.314159" not in sentry.raw()


def test_embeddings_set_response_of_a_response_without_usage_records_none(sentry):
    """Google GenAI's Gemini API may answer without ``usage_metadata`` (the per-vector
    statistics are Vertex-only): no usage is sent, none is guessed."""
    from google.genai import types

    bare = types.EmbedContentResponse(embeddings=[types.ContentEmbedding(values=[0.5])])
    with sentry_agents.embeddings("gemini-embedding-001") as emb:
        emb.set_response(bare)
        emb.set_response({"data": [{"embedding": [0.5]}], "usage": {"search_units": 1}})
    span = sentry.named("embeddings gemini-embedding-001").attributes
    assert not [key for key in span if key.startswith("gen_ai.usage.")]
    assert all(value is not None for value in span.values())


def test_embeddings_a_later_set_usage_wins_over_set_response(sentry):
    """As on a chat span: whichever of ``set_response`` and ``set_usage`` comes last."""
    from fakes import embeddings_reply

    with sentry_agents.embeddings("by-hand") as emb:
        emb.set_response(embeddings_reply("m"))
        emb.set_usage(input_tokens=3)
    with sentry_agents.embeddings("read") as emb:
        emb.set_usage(input_tokens=3)
        emb.set_response(embeddings_reply("m"))
    assert sentry.named("embeddings by-hand").attributes["gen_ai.usage.input_tokens"] == 3
    assert sentry.named("embeddings read").attributes["gen_ai.usage.input_tokens"] == 7


def test_embeddings_set_response_of_unreadable_values_is_logged(sentry, sdk_log):
    """A response whose fields raise is logged, not raised, and the span still sent."""

    class Raising:
        @property
        def model(self) -> str:
            raise RuntimeError("model")

        @property
        def usage(self) -> Any:
            raise RuntimeError("usage")

    with sentry_agents.embeddings("hostile") as emb:
        emb.set_response(Raising())
        emb.set_response({"model": 5, "usage": {"prompt_tokens": -1, "total_tokens": 2**70}})
    span = sentry.named("embeddings hostile").attributes
    assert "gen_ai.response.model" not in span
    assert not [key for key in span if key.startswith("gen_ai.usage.")]


@pytest.mark.parametrize("kind", ["ChatCompletion", "its dict", "Responses API", "Google"])
def test_set_output_of_a_whole_response_records_its_output_messages(sentry, kind):
    """``set_output(response)`` (where ``set_response`` is the documented call) sent the
    whole response as one ``unknown`` part; it records the response's output messages,
    as ``set_response`` does, and nothing else of it (no usage, model or id)."""
    if kind == "ChatCompletion":
        from openai.types.chat import ChatCompletion

        response: Any = ChatCompletion.model_validate(chat_completion("Rainy."))
    elif kind == "its dict":
        response = chat_completion("Rainy.")
    elif kind == "Responses API":
        from openai.types.responses import Response

        response = Response.model_validate(response_object("Rainy."))
    else:
        genai_types = pytest.importorskip("google.genai.types")
        response = genai_types.GenerateContentResponse.model_validate(
            {"candidates": [{"content": {"role": "model", "parts": [{"text": "Rainy."}]}}]}
        )
    with sentry_agents.chat("m") as llm:
        llm.set_output(response)
    attributes = sentry.named("chat m").attributes
    output = json.loads(attributes["gen_ai.output.messages"])
    assert len(output) == 1 and output[0]["role"] == "assistant"
    assert output[0]["parts"][-1] == {"type": "text", "content": "Rainy."}
    assert "unknown" not in attributes["gen_ai.output.messages"]
    assert not [k for k in attributes if k.startswith("gen_ai.usage.")]
    assert "gen_ai.response.id" not in attributes


@pytest.mark.parametrize("as_model", [False, True])
@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"reasoning": "Rain is likely."}, "Rain is likely."),
        ({"reasoning_content": "From DeepSeek."}, "From DeepSeek."),
        ({"reasoning_content": "Both sent.", "reasoning": "Both sent."}, "Both sent."),
        ({"reasoning_content": "", "reasoning": "Only this."}, "Only this."),
        ({"reasoning": {"effort": "low"}}, None),
    ],
)
def test_openai_compatible_reasoning_is_read_from_either_name(sentry, as_model, given, expected):
    """vLLM (since 0.10), OpenRouter and Groq send a chat answer's reasoning as
    ``reasoning``, DeepSeek as ``reasoning_content``: either is the answer's reasoning
    part, in a whole answer, in a stream's deltas and in a history sent again; one part
    when both hold it; only text is reasoning."""
    from openai._models import construct_type
    from openai.types.chat import ChatCompletion, ChatCompletionChunk

    from fakes import chat_chunks

    whole = chat_completion("Take an umbrella.")
    whole["choices"][0]["message"].update(given)
    chunks = chat_chunks("Take an umbrella.")
    chunks.insert(1, {**chunks[1], "choices": [{"index": 0, "delta": dict(given)}]})
    if as_model:
        whole = ChatCompletion.model_validate(whole)
        chunks = [construct_type(type_=ChatCompletionChunk, value=c) for c in chunks]
    history = [
        {"role": "user", "content": "Weather?"},
        {"role": "assistant", "content": "Take an umbrella.", **given},
        {"role": "user", "content": "Thanks."},
    ]
    with sentry_agents.chat("m", provider="openai", messages=history) as llm:
        llm.set_response(whole)
    with sentry_agents.chat("m", provider="openai") as llm:
        list(llm.stream(iter(chunks)))
    said, streamed = sentry.gen_ai_spans()
    reasoning = [{"type": "reasoning", "content": expected}] if expected else []
    text = [{"type": "text", "content": "Take an umbrella."}]
    for span in (said, streamed):
        [output] = json.loads(span.attributes["gen_ai.output.messages"])
        assert output["parts"] == reasoning + text
    assert json.loads(said.attributes["gen_ai.input.messages"])[1]["parts"] == reasoning + text


_FAILED_MESSAGE = "The model failed on the secret plan."


@pytest.mark.parametrize("given", ["client", "dict", "set_output", "no code"])
def test_a_failed_responses_api_response_fails_the_span_quietly(sentry, provider, given):
    """A Responses API response whose status is ``failed`` (the client raises nothing:
    HTTP 200) fails its span as a tool whose result says it failed does: status
    ``internal_error``, ``error.type`` the provider's code (``response_failed`` when it
    gives none), no error event, and the message (which may hold the user's content) not
    sent; what the response says besides is still recorded."""
    error = None if given == "no code" else {"code": "server_error", "message": _FAILED_MESSAGE}
    reply = response_object("Partial.", status="failed", error=error)
    provider.script("/v1/responses", reply)
    response: Any = provider.openai().responses.create(model="o4-mini", input="Plan?")
    assert response.status == "failed"
    with sentry_agents.chat("o4-mini", provider="openai") as llm:
        if given == "set_output":
            llm.set_output(response)
        else:
            llm.set_response(reply if given == "dict" else response)
    span = sentry.named("chat o4-mini")
    assert span.is_error()
    assert span.attributes["error.type"] == ("response_failed" if error is None else "server_error")
    assert sentry.events() == []
    assert _FAILED_MESSAGE.encode() not in sentry.raw()
    output = json.loads(span.attributes["gen_ai.output.messages"])
    assert output[0]["parts"][-1] == {"type": "text", "content": "Partial."}
    if given != "set_output":
        assert json.loads(span.attributes["gen_ai.response.finish_reasons"]) == ["failed"]
        assert span.attributes["gen_ai.response.id"] == "resp_123"
        assert span.attributes["gen_ai.usage.input_tokens"] == 80


def test_a_failed_response_fails_the_span_behind_a_closed_output_gate(sentry):
    """Whether the call failed is no content: a failed response given to ``set_output``
    fails the span though outputs are not recorded."""
    from openai.types.responses import Response

    sentry.init(send_default_pii=False)
    error = {"code": "rate_limit_exceeded", "message": _FAILED_MESSAGE}
    response = Response.model_validate(response_object("Partial.", status="failed", error=error))
    with sentry_agents.chat("o4-mini", provider="openai") as llm:
        llm.set_output(response)
    span = sentry.named("chat o4-mini")
    assert span.is_error() and span.attributes["error.type"] == "rate_limit_exceeded"
    assert "gen_ai.output.messages" not in span.attributes
    assert sentry.events() == []


def test_a_later_response_does_not_undo_a_reported_failure(sentry):
    """A span failed by a failed response stays failed when a later call records a
    response that did not fail (kept simple: one span, one call)."""
    failed = response_object("x", status="failed", error={"code": "server_error", "message": "m"})
    with sentry_agents.chat("o4-mini", provider="openai") as llm:
        llm.set_response(failed)
        llm.set_response(response_object("Fine."))
    span = sentry.named("chat o4-mini")
    assert span.is_error() and span.attributes["error.type"] == "server_error"


def test_only_a_failed_response_fails_its_span(sentry):
    """A response cut at its token limit (``incomplete``), cancelled, or a refusal (of
    either provider) is an answer with a finish reason, not a failed call: its span
    stays ``ok``; only the response whose status is ``failed`` fails its span."""
    from anthropic.types import Message
    from openai.types.responses import Response

    refused = response_object("unused")
    refused["output"][1]["content"] = [{"type": "refusal", "refusal": "I can't help."}]
    anthropic_refusal = anthropic_message("I can't help.")
    anthropic_refusal["stop_reason"] = "refusal"
    error = {"code": "server_error", "message": "m"}
    responses: dict[str, Any] = {
        "incomplete": Response.model_validate(
            response_object(
                "Cut", status="incomplete", incomplete_details={"reason": "max_output_tokens"}
            )
        ),
        "cancelled": Response.model_validate(response_object("x", status="cancelled")),
        "refusal": Response.model_validate(refused),
        "anthropic refusal": Message.model_validate(anthropic_refusal),
        "failed": Response.model_validate(response_object("x", status="failed", error=error)),
    }
    for name, response in responses.items():
        with sentry_agents.chat(name) as llm:
            llm.set_response(response)
    failed = {
        name: sentry.named(f"chat {name}").attributes.get("error.type")
        for name in responses
        if sentry.named(f"chat {name}").is_error()
    }
    assert failed == {"failed": "server_error"}
