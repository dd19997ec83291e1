"""Message conversion: every provider's shapes, built from the providers' real types."""

from __future__ import annotations

import dataclasses
import json

import pytest

import sentry_agents
from sentry_agents import serialize_messages, to_gen_ai_messages
from sentry_agents._messages import split_system, system_parts

BLOB = "[Blob substitute]"
PNG_DATA_URL = "data:image/png;base64,iVBORw0KGgo="


def text(content: str) -> dict:
    return {"type": "text", "content": content}


def test_plain_string_and_legacy_and_role_parts():
    assert to_gen_ai_messages("hi") == [{"role": "user", "parts": [text("hi")]}]
    assert to_gen_ai_messages([{"role": "assistant", "content": "yo"}]) == [
        {"role": "assistant", "parts": [text("yo")]}
    ]
    role_parts = [
        {
            "role": "user",
            "parts": [text("a"), {"type": "blob", "modality": "image", "content": "xx"}],
        }
    ]
    assert to_gen_ai_messages(role_parts) == [
        {
            "role": "user",
            "parts": [text("a"), {"type": "blob", "modality": "image", "content": BLOB}],
        }
    ]
    legacy_list = [{"role": "user", "content": [{"type": "text", "text": "x"}, "y"]}]
    assert to_gen_ai_messages(legacy_list) == [{"role": "user", "parts": [text("x"), text("y")]}]


def test_roles_are_normalised():
    messages = [
        {"role": "developer", "content": "d"},
        {"role": "human", "content": "h"},
        {"role": "model", "content": "m"},
        {"role": "ai", "content": "a"},
        {"role": "function", "name": "f", "content": "r"},
    ]
    roles = [m["role"] for m in to_gen_ai_messages(messages)]
    assert roles == ["system", "user", "assistant", "assistant", "tool"]


def test_openai_chat_completions_params_and_objects():
    from openai.types.chat import ChatCompletion

    messages = [
        {"role": "developer", "content": "Be brief."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": PNG_DATA_URL}},
                {"type": "image_url", "image_url": {"url": "https://x.test/cat.png"}},
                {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}},
                {"type": "file", "file": {"file_id": "file-1"}},
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "look", "arguments": '{"q": 1}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "a cat"},
    ]
    converted = to_gen_ai_messages(messages)
    system, rest = split_system(converted)
    assert system == [text("Be brief.")]
    assert rest[0]["parts"] == [
        text("What is this?"),
        {"type": "blob", "modality": "image", "content": BLOB, "mime_type": "image/png"},
        {"type": "uri", "modality": "image", "uri": "https://x.test/cat.png"},
        {"type": "blob", "modality": "audio", "content": BLOB, "mime_type": "audio/wav"},
        {"type": "file", "modality": "document", "file_id": "file-1"},
    ]
    assert rest[1] == {
        "role": "assistant",
        "parts": [{"type": "tool_call", "id": "c1", "name": "look", "arguments": {"q": 1}}],
    }
    assert rest[2] == {
        "role": "tool",
        "parts": [{"type": "tool_call_response", "id": "c1", "response": "a cat"}],
    }

    completion = ChatCompletion.model_validate(
        {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": "gpt-4o",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": None, "refusal": "I can't."},
                }
            ],
        }
    )
    assert to_gen_ai_messages([completion.choices[0].message]) == [
        {"role": "assistant", "parts": [text("I can't.")]}
    ]


def test_openai_responses_items():
    from openai.types.responses import Response

    response = Response.model_validate(
        {
            "id": "resp_1",
            "object": "response",
            "created_at": 0,
            "model": "o4-mini",
            "status": "completed",
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "output": [
                {
                    "type": "reasoning",
                    "id": "rs_1",
                    "summary": [{"type": "summary_text", "text": "Thinking about weather."}],
                },
                {
                    "type": "function_call",
                    "id": "fc_1",
                    "call_id": "call_1",
                    "name": "get_weather",
                    "arguments": '{"city": "Paris"}',
                },
                {
                    "type": "message",
                    "id": "msg_1",
                    "role": "assistant",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": "Rainy.", "annotations": []}],
                },
            ],
        }
    )
    converted = to_gen_ai_messages(response.output)
    assert converted == [
        {
            "role": "assistant",
            "parts": [{"type": "reasoning", "content": "Thinking about weather."}],
        },
        {
            "role": "assistant",
            "parts": [
                {
                    "type": "tool_call",
                    "id": "call_1",
                    "name": "get_weather",
                    "arguments": {"city": "Paris"},
                }
            ],
        },
        {"role": "assistant", "parts": [text("Rainy.")]},
    ]
    inputs = [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "hi"},
                {"type": "input_image", "image_url": PNG_DATA_URL},
            ],
        },
        {"type": "function_call_output", "call_id": "call_1", "output": "14C"},
        {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_file", "file_id": "file-9"}],
        },
    ]
    assert to_gen_ai_messages(inputs) == [
        {
            "role": "user",
            "parts": [
                text("hi"),
                {"type": "blob", "modality": "image", "content": BLOB, "mime_type": "image/png"},
            ],
        },
        {
            "role": "tool",
            "parts": [{"type": "tool_call_response", "id": "call_1", "response": "14C"}],
        },
        {"role": "user", "parts": [{"type": "file", "modality": "document", "file_id": "file-9"}]},
    ]
    assert to_gen_ai_messages("plain input") == [{"role": "user", "parts": [text("plain input")]}]


MCP_CALL = {"type": "tool_call", "id": "mcpr_1", "name": "deploy", "arguments": {"env": "prod"}}


def _mcp_and_bookkeeping_items(as_dict: bool) -> list:
    """The Responses API items with no role of their own besides calls, outputs and
    reasoning, as the SDK gives them (``input += response.output``) or as dicts."""
    from openai.types.responses import ResponseCompactionItem
    from openai.types.responses.response_input_item import (
        ItemReference,
        McpApprovalRequest,
        McpApprovalResponse,
        McpListTools,
    )

    items = [
        ItemReference(type="item_reference", id="msg_0"),
        ResponseCompactionItem(type="compaction", id="cmp_1", encrypted_content="gAAAAB"),
        McpListTools.model_validate(
            {
                "type": "mcp_list_tools",
                "id": "mcpl_1",
                "server_label": "ops",
                "tools": [{"name": "deploy", "input_schema": {"type": "object"}}],
            }
        ),
        McpApprovalRequest(
            type="mcp_approval_request",
            id="mcpr_1",
            name="deploy",
            arguments='{"env": "prod"}',
            server_label="ops",
        ),
        McpApprovalResponse(
            type="mcp_approval_response",
            approval_request_id="mcpr_1",
            approve=False,
            reason="Not on a Friday.",
        ),
    ]
    return [item.model_dump(exclude_none=True) for item in items] if as_dict else items


@pytest.mark.parametrize("as_dict", [False, True], ids=["sdk", "dict"])
def test_openai_responses_mcp_and_bookkeeping_items_are_never_empty_messages(as_dict):
    """An item reference, a compaction and an MCP tool list say nothing of the
    conversation: dropped (they were empty user messages). An MCP approval request is
    the model's tool call; the approval response, the user's decision as text."""
    items = _mcp_and_bookkeeping_items(as_dict)
    expected = [
        {"role": "user", "parts": [text("Deploy?")]},
        {"role": "assistant", "parts": [MCP_CALL]},
        {
            "role": "user",
            "parts": [text("MCP tool call denied (request mcpr_1): Not on a Friday.")],
        },
    ]
    history = [{"role": "user", "content": "Deploy?"}, *items]
    assert to_gen_ai_messages(history) == expected
    assert json.loads(serialize_messages(history)) == expected
    for dropped in items[:3]:
        assert to_gen_ai_messages([dropped]) == []
        assert serialize_messages([dropped]) == "[]"


def test_an_openai_item_reference_without_its_type_is_dropped_too():
    """The Responses API lets an item reference leave out its type (``{"id": ...}``): it
    is no message either, never an unknown part; an item that holds more than an id is
    kept."""
    from openai.types.responses.response_input_item import ItemReference

    history = [{"role": "user", "content": "Again?"}, {"id": "msg_0"}, ItemReference(id="rs_1")]
    assert to_gen_ai_messages(history) == [{"role": "user", "parts": [text("Again?")]}]
    assert serialize_messages(history) == serialize_messages(history[:1])
    kept = {"id": "msg_0", "content": "Hi"}
    assert to_gen_ai_messages([kept]) == [{"role": "user", "parts": [text("Hi")]}]


@pytest.mark.parametrize(
    "answer, said",
    [
        ({"approve": True}, "MCP tool call approved (request mcpr_1)"),
        ({"approve": False}, "MCP tool call denied (request mcpr_1)"),
        ({"approve": True, "reason": "Fine."}, "MCP tool call approved (request mcpr_1): Fine."),
        ({"approve": "yes"}, "MCP tool call answered (request mcpr_1)"),
        ({"approve": 1}, "MCP tool call answered (request mcpr_1)"),
        ({"approve": None, "approval_request_id": None}, "MCP tool call answered"),
    ],
)
def test_an_mcp_approval_response_says_what_was_decided_and_never_guesses(answer, said):
    """Only a boolean ``approve`` is read as approved or denied; anything else is not
    guessed at."""
    item = {"type": "mcp_approval_response", "approval_request_id": "mcpr_1", **answer}
    assert to_gen_ai_messages([item]) == [{"role": "user", "parts": [text(said)]}]
    assert json.loads(serialize_messages([item])) == to_gen_ai_messages([item])


def test_anthropic_blocks_and_system():
    from anthropic.types import Message

    message = Message.model_validate(
        {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5",
            "stop_reason": "tool_use",
            "stop_sequence": None,
            "usage": {"input_tokens": 10, "output_tokens": 5},
            "content": [
                {"type": "thinking", "thinking": "Need weather.", "signature": "sig"},
                {"type": "redacted_thinking", "data": "opaque"},
                {"type": "text", "text": "Checking."},
                {
                    "type": "tool_use",
                    "id": "tu_1",
                    "name": "get_weather",
                    "input": {"city": "Oslo"},
                },
            ],
        }
    )
    assert to_gen_ai_messages([message]) == [
        {
            "role": "assistant",
            "parts": [
                {"type": "reasoning", "content": "Need weather."},
                {"type": "reasoning", "content": "[redacted]"},
                text("Checking."),
                {
                    "type": "tool_call",
                    "id": "tu_1",
                    "name": "get_weather",
                    "arguments": {"city": "Oslo"},
                },
            ],
        }
    ]
    user_turn = [
        {
            "role": "user",
            "content": [
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/"},
                },
                {"type": "image", "source": {"type": "url", "url": "https://x.test/a.jpg"}},
                {"type": "document", "source": {"type": "file", "file_id": "file_1"}},
                {
                    "type": "document",
                    "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBER"},
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "tu_1",
                    "content": [{"type": "text", "text": "3C"}],
                },
                {"type": "tool_result", "tool_use_id": "tu_2", "content": "dry"},
            ],
        },
    ]
    converted = to_gen_ai_messages(user_turn)
    assert converted[0]["parts"] == [
        {"type": "blob", "modality": "image", "content": BLOB, "mime_type": "image/jpeg"},
        {"type": "uri", "modality": "image", "uri": "https://x.test/a.jpg"},
        {"type": "file", "modality": "document", "file_id": "file_1"},
        {"type": "blob", "modality": "document", "content": BLOB, "mime_type": "application/pdf"},
    ]
    assert converted[1] == {
        "role": "tool",
        "parts": [
            {"type": "tool_call_response", "id": "tu_1", "response": [text("3C")]},
            {"type": "tool_call_response", "id": "tu_2", "response": "dry"},
        ],
    }
    assert system_parts("Be terse.") == [text("Be terse.")]
    assert system_parts([{"type": "text", "text": "A"}, {"type": "text", "text": "B"}]) == [
        text("A"),
        text("B"),
    ]


def test_google_genai_contents():
    from google.genai import types

    contents = [
        types.Content(
            role="user",
            parts=[
                types.Part(text="Describe"),
                types.Part(inline_data=types.Blob(mime_type="image/png", data=b"\x89PNG")),
                types.Part(
                    file_data=types.FileData(mime_type="video/mp4", file_uri="gs://b/v.mp4")
                ),
            ],
        ),
        types.Content(
            role="model",
            parts=[
                types.Part(text="Let me think", thought=True),
                types.Part(
                    function_call=types.FunctionCall(name="lookup", args={"q": "x"}, id="fc1")
                ),
            ],
        ),
        types.Content(
            role="user",
            parts=[
                types.Part(
                    function_response=types.FunctionResponse(
                        name="lookup", response={"r": 1}, id="fc1"
                    )
                )
            ],
        ),
    ]
    assert to_gen_ai_messages(contents) == [
        {
            "role": "user",
            "parts": [
                text("Describe"),
                {"type": "blob", "modality": "image", "content": BLOB, "mime_type": "image/png"},
                {
                    "type": "uri",
                    "modality": "video",
                    "uri": "gs://b/v.mp4",
                    "mime_type": "video/mp4",
                },
            ],
        },
        {
            "role": "assistant",
            "parts": [
                {"type": "reasoning", "content": "Let me think"},
                {"type": "tool_call", "id": "fc1", "name": "lookup", "arguments": {"q": "x"}},
            ],
        },
        {
            "role": "tool",
            "parts": [{"type": "tool_call_response", "id": "fc1", "response": {"r": 1}}],
        },
    ]
    dict_form = [{"role": "user", "parts": [{"text": "hi"}]}]
    assert to_gen_ai_messages(dict_form) == [{"role": "user", "parts": [text("hi")]}]


def test_langchain_messages_by_shape():
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

    messages = [
        SystemMessage("sys"),
        HumanMessage("hello"),
        AIMessage("", tool_calls=[{"name": "search", "args": {"q": "x"}, "id": "t1"}]),
        ToolMessage("found", tool_call_id="t1"),
    ]
    assert to_gen_ai_messages(messages) == [
        {"role": "system", "parts": [text("sys")]},
        {"role": "user", "parts": [text("hello")]},
        {
            "role": "assistant",
            "parts": [{"type": "tool_call", "id": "t1", "name": "search", "arguments": {"q": "x"}}],
        },
        {
            "role": "tool",
            "parts": [{"type": "tool_call_response", "id": "t1", "response": "found"}],
        },
    ]


def test_dataclasses_and_objects_and_unrecognised_inputs():
    @dataclasses.dataclass
    class Msg:
        role: str
        content: str

    assert to_gen_ai_messages([Msg("user", "dc")]) == [{"role": "user", "parts": [text("dc")]}]

    class Opaque:
        def __str__(self) -> str:
            return "opaque thing"

    assert to_gen_ai_messages([Opaque()]) == [{"role": "user", "parts": [text("opaque thing")]}]
    assert to_gen_ai_messages(42) == [{"role": "user", "parts": [text("42")]}]


def test_input_is_never_mutated():
    original = [
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": PNG_DATA_URL}}]}
    ]
    snapshot = json.dumps(original)
    to_gen_ai_messages(original)
    serialize_messages(original, max_bytes=300)
    assert json.dumps(original) == snapshot


def test_budget_keeps_newest_messages_and_always_the_last():
    messages = [{"role": "user", "content": f"message {i} " + "x" * 200} for i in range(50)]
    out = json.loads(serialize_messages(messages, max_bytes=2000))
    assert len(out) < 50
    assert out[-1]["parts"][0]["content"].startswith("message 49")
    assert len(serialize_messages(messages, max_bytes=2000).encode()) <= 2000
    contents = [m["parts"][0]["content"] for m in out]
    assert contents == [f"message {i} " + "x" * 200 for i in range(50 - len(out), 50)]


def test_budget_trims_a_huge_last_message_with_a_marker():
    huge = "é" * 3_000_000
    out = serialize_messages(
        [{"role": "user", "content": "old"}, {"role": "user", "content": huge}], max_bytes=20_000
    )
    assert len(out.encode()) <= 20_000
    parsed = json.loads(out)
    assert len(parsed) == 1
    assert parsed[0]["parts"][0]["content"].endswith("...[truncated]")


def test_configured_budget_is_the_default(mocker):
    import sentry_agents

    sentry_agents.configure(max_message_bytes=500)
    out = serialize_messages(["y" * 5000])
    assert len(out.encode()) <= 500
    json.loads(out)


@pytest.mark.parametrize(
    "weird",
    [
        float("nan"),
        float("inf"),
        b"\x00\xff",
        "\ud800 lone surrogate",
        {1: "int key", (1, 2): "tuple key"},
        {"a", "b"},
    ],
)
def test_weird_values_never_raise_and_always_parse(weird):
    out = serialize_messages(
        [
            {
                "role": "user",
                "content": [{"type": "tool_use", "id": "1", "name": "t", "input": weird}],
            }
        ]
    )
    json.loads(out)
    out.encode("utf-8")


def test_cycles_deep_nesting_and_raising_repr():
    cyclic: dict = {"role": "user"}
    cyclic["content"] = [{"type": "tool_use", "id": "1", "name": "t", "input": cyclic}]
    json.loads(serialize_messages([cyclic]))
    deep: list = []
    node = deep
    for _ in range(5000):
        node.append([])
        node = node[0]
    json.loads(
        serialize_messages([{"role": "user", "content": [{"type": "tool_use", "input": deep}]}])
    )

    class Bad:
        def __repr__(self) -> str:
            raise RuntimeError("repr")

        __str__ = __repr__

    json.loads(serialize_messages([Bad()]))
    json.loads(serialize_messages([{"role": Bad(), "content": Bad()}]))


def test_span_records_the_original_message_count_when_trimmed(sentry):
    import sentry_agents

    sentry_agents.configure(max_message_bytes=1000)
    messages = [{"role": "user", "content": f"m{i} " + "x" * 100} for i in range(30)]
    with sentry_agents.chat("m", messages=messages):
        pass
    attrs = sentry.named("chat m").attributes
    sent = json.loads(attrs["gen_ai.input.messages"])
    assert len(attrs["gen_ai.input.messages"].encode()) <= 1000
    assert 0 < len(sent) < 30
    assert attrs["sentry.sdk_meta.gen_ai.input.messages.original_length"] == 30


def test_a_trimmed_history_keeps_its_older_system_prompt_and_count(sentry):
    """Messages past the budget are not written, but their system prompt is still sent
    and the count still includes them."""
    import sentry_agents

    sentry_agents.configure(max_message_bytes=1000)
    messages = [
        {"role": "system", "content": [{"type": "text", "text": "You are terse."}]},
        *({"role": "user", "content": f"m{i} " + "x" * 100} for i in range(30)),
    ]
    with sentry_agents.chat("m", messages=messages):
        pass
    attrs = sentry.named("chat m").attributes
    assert json.loads(attrs["gen_ai.system_instructions"]) == [
        {"type": "text", "content": "You are terse."}
    ]
    assert 0 < len(json.loads(attrs["gen_ai.input.messages"])) < 30
    assert attrs["sentry.sdk_meta.gen_ai.input.messages.original_length"] == 30


def test_a_system_message_serialized_before_is_still_split_out_of_a_span(sentry):
    """``serialize_messages`` keeps a system message in the list; a span given the same
    message afterwards still sends it as system instructions (not reused as written)."""
    import sentry_agents

    messages = [
        {"role": "system", "content": [{"type": "text", "text": "Be brief."}]},
        {"role": "user", "content": "hi"},
    ]
    assert json.loads(sentry_agents.serialize_messages(messages))[0]["role"] == "system"
    with sentry_agents.chat("m", messages=messages):
        pass
    attrs = sentry.named("chat m").attributes
    assert json.loads(attrs["gen_ai.system_instructions"])[0]["content"] == "Be brief."
    assert [m["role"] for m in json.loads(attrs["gen_ai.input.messages"])] == ["user"]


def test_max_value_length_is_respected_in_transaction_mode(sentry):
    import sentry_agents

    sentry.init(max_value_length=600)
    messages = [{"role": "user", "content": "y" * 400} for _ in range(5)]
    with sentry_agents.chat("m", messages=messages):
        pass
    value = sentry.named("chat m").attributes["gen_ai.input.messages"]
    json.loads(value)
    if sentry.mode == "static":
        assert len(value) <= 600


def test_an_output_of_bare_content_blocks_is_one_message(sentry):
    """``set_output(message.content)``: Anthropic's blocks (or Google's parts) are the
    parts of one assistant message, as ``set_response`` sends them."""
    from anthropic.types import RedactedThinkingBlock, TextBlock, ToolUseBlock
    from google.genai import types

    import sentry_agents

    blocks = [
        RedactedThinkingBlock(type="redacted_thinking", data="opaque"),
        TextBlock(type="text", text="Checking."),
        ToolUseBlock(type="tool_use", id="tu_1", name="weather", input={"city": "Oslo"}),
    ]
    with sentry_agents.invoke_agent("Agent") as agent:
        agent.set_output(blocks)
        with sentry_agents.chat("gemini") as llm:
            llm.set_output([types.Part(text="Rain."), types.Part(text="Bring a coat.")])
    sent = json.loads(sentry.named("invoke_agent Agent").attributes["gen_ai.output.messages"])
    assert sent == [
        {
            "role": "assistant",
            "parts": [
                {"type": "reasoning", "content": "[redacted]"},
                text("Checking."),
                {
                    "type": "tool_call",
                    "id": "tu_1",
                    "name": "weather",
                    "arguments": {"city": "Oslo"},
                },
            ],
        }
    ]
    gemini = json.loads(sentry.named("chat gemini").attributes["gen_ai.output.messages"])
    assert gemini == [{"role": "assistant", "parts": [text("Rain."), text("Bring a coat.")]}]
    two = [{"role": "assistant", "content": "a"}, {"role": "assistant", "content": "b"}]
    assert len(sentry_agents.to_gen_ai_messages(two, default_role="assistant")) == 2


def test_base64_in_a_block_of_an_unknown_type_is_never_sent():
    """A content block of a type not read here is kept as structure, but its base64
    content (a ``base64`` field, a data: URL, a media block's data) becomes
    ``[Blob substitute]``, as images
    and audio always do (LangChain's standard ``audio`` and ``video`` blocks are blobs)."""
    messages = pytest.importorskip("langchain_core.messages")

    sound = "UklGRiQAAABXQVZFZm10IBAAAAABAAEA"
    film = "data:video/mp4;base64,AAAAIGZ0eXBpc29tAAACAGlzb21pc28y"
    message = messages.HumanMessage(
        content=[
            {"type": "audio", "base64": sound, "mime_type": "audio/wav"},
            {"type": "video", "url": film},
            {"type": "hologram", "base64": sound, "mime_type": "x/holo"},
            {"type": "hologram", "url": film},
            {"type": "note", "text": "data: not a data URL"},
            {"type": "widget", "preview": {"type": "image", "data": sound}},
            {"type": "widget", "media": {"mime_type": "image/png", "data": sound}},
        ]
    )
    sent = serialize_messages([message])
    assert sound not in sent and "AAAAIGZ0eXBp" not in sent
    assert json.loads(sent)[0]["parts"] == [
        {"type": "blob", "modality": "audio", "content": BLOB, "mime_type": "audio/wav"},
        {"type": "blob", "modality": "video", "content": BLOB, "mime_type": "video/mp4"},
        {"type": "hologram", "base64": "[Blob substitute]", "mime_type": "x/holo"},
        {"type": "hologram", "url": "[Blob substitute]"},
        {"type": "note", "text": "data: not a data URL"},
        {"type": "widget", "preview": {"type": "image", "data": BLOB}},
        {"type": "widget", "media": {"mime_type": "image/png", "data": BLOB}},
    ]


_SOUND = "UklGRiQAAABXQVZFZm10IBAAAAABAAEA"
_AUDIO_BLOB = {"type": "blob", "modality": "audio", "content": BLOB}


def test_realtime_audio_blocks_keep_their_transcript_as_text(sentry):
    """OpenAI Realtime conversation items' audio blocks (``audio`` before the GA API,
    ``output_audio`` and ``input_audio`` in it) lost their transcript: each became a blob
    (or, for ``output_audio``, a part of a type Sentry does not know). The transcript is
    text, as an audio answer's is; the sound, when the block holds it, a blob, never
    sent."""
    from openai.types.realtime import (
        RealtimeConversationItemAssistantMessage,
        RealtimeConversationItemUserMessage,
    )

    history = [
        RealtimeConversationItemUserMessage.model_validate(
            {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_audio", "audio": _SOUND, "transcript": "Weather?"}],
            }
        ),
        RealtimeConversationItemAssistantMessage.model_validate(
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_audio", "transcript": "Sunny.", "audio": _SOUND}],
            }
        ),
        {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_audio", "transcript": "And Rome?"}],
        },
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "audio", "transcript": "Rainy."}],
        },
        {"role": "user", "content": [{"type": "input_audio", "audio": _SOUND}]},
    ]
    expected = [
        {"role": "user", "parts": [text("Weather?"), _AUDIO_BLOB]},
        {"role": "assistant", "parts": [text("Sunny."), _AUDIO_BLOB]},
        {"role": "user", "parts": [text("And Rome?")]},
        {"role": "assistant", "parts": [text("Rainy.")]},
        {"role": "user", "parts": [_AUDIO_BLOB]},
    ]
    assert to_gen_ai_messages(history) == expected
    for _ in range(2):  # written, then reused
        assert json.loads(serialize_messages(history)) == expected
    with sentry_agents.chat("gpt-realtime", provider="openai", messages=history) as llm:
        llm.set_output([{"type": "output_audio", "transcript": "Sunny.", "audio": _SOUND}])
    attributes = sentry.named("chat gpt-realtime").attributes
    assert json.loads(attributes["gen_ai.input.messages"]) == expected
    assert json.loads(attributes["gen_ai.output.messages"]) == [expected[1]]
    assert _SOUND.encode() not in sentry.raw()


_CALL = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}
_CALL_PART = {"type": "tool_call", "id": "c1", "name": "f", "arguments": {"a": 1}}
_NO_ID_CALL_PART = {**_CALL_PART, "id": ""}
_AUDIO = [text("t"), {"type": "blob", "modality": "audio", "content": BLOB}]


@pytest.mark.parametrize(
    ("message", "parts"),
    [
        ({"role": "tool", "tool_calls": [_CALL]}, [_CALL_PART]),
        ({"role": "tool", "refusal": "no"}, [text("no")]),
        ({"role": "tool", "audio": {"transcript": "t"}}, _AUDIO),
        ({"role": "function", "function_call": _CALL["function"]}, [_NO_ID_CALL_PART]),
        ({"role": "tool", "reasoning_content": "r"}, [{"type": "reasoning", "content": "r"}]),
        (
            {"role": "tool", "tool_call_id": "c0", "content": "ok", "refusal": "no"},
            [{"type": "tool_call_response", "id": "c0", "response": "ok"}, text("no")],
        ),
        (
            {"role": "tool", "tool_call_id": "c0", "content": "ok", "reasoning_content": "r"},
            [
                {"type": "reasoning", "content": "r"},
                {"type": "tool_call_response", "id": "c0", "response": "ok"},
            ],
        ),
    ],
    ids=lambda value: json.dumps(value)[:50],
)
def test_what_a_tool_message_holds_beside_its_content_is_kept(message, parts):
    """A tool message's tool calls, refusal, transcript and reasoning are kept, by both
    writers: not an empty tool result (the general path) nor no part (the direct one).
    Its content, or an id of the call it answers, is its one tool result."""
    assert to_gen_ai_messages([message]) == [{"role": "tool", "parts": parts}]
    for _ in range(2):  # written, then reused
        assert json.loads(serialize_messages([message])) == [{"role": "tool", "parts": parts}]


def _custom_call(tool_input: str) -> dict:
    return {"id": "ct1", "type": "custom", "custom": {"name": "grammar", "input": tool_input}}


@pytest.mark.parametrize("as_object", [False, True], ids=["dict", "sdk object"])
def test_an_openai_custom_tool_call_keeps_its_name_and_input(as_object):
    """A Chat Completions call of a custom tool holds its name and free-text input under
    ``custom``: written as a tool call with that name and the input as its arguments (as
    a Responses API ``custom_tool_call``'s: text, or JSON when it parses, scrubbed)."""
    from openai.types.chat import ChatCompletionMessage

    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            _custom_call("free text"),
            _custom_call('{"q": "x", "api_key": "sk-live-9"}'),
            _CALL,
        ],
    }
    history = [ChatCompletionMessage.model_validate(message) if as_object else message]
    expected = [
        {"type": "tool_call", "id": "ct1", "name": "grammar", "arguments": "free text"},
        {"type": "tool_call", "id": "ct1", "name": "grammar", "arguments": {"q": "x"}},
        _CALL_PART,
    ]
    converted = to_gen_ai_messages(history)[0]["parts"]
    assert converted[0] == expected[0] and converted[2] == expected[2]
    assert converted[1]["arguments"]["q"] == "x"
    for _ in range(2):  # written, then reused
        written = json.loads(serialize_messages(history))[0]["parts"]
        assert written[0] == expected[0] and written[2] == expected[2]
        assert written[1]["arguments"] == {"q": "x", "api_key": "[Filtered]"}
    responses_item = {"type": "custom_tool_call", "call_id": "ct1", "name": "grammar"}
    assert json.loads(serialize_messages([{**responses_item, "input": "free text"}])) == [
        {"role": "assistant", "parts": [expected[0]]}
    ]


def test_a_google_content_as_the_system_prompt_is_its_text(sentry):
    """``GenerateContentConfig(system_instruction=types.Content(...))``, as Google's docs
    write it (or its dict), is read as its parts, given to ``request=`` or to
    ``system_instructions=``: not one part of unknown type holding the whole object."""
    from google.genai import types

    import sentry_agents

    content = types.Content(
        parts=[types.Part(text="Answer in French."), types.Part(text="Be brief.")]
    )
    config = types.GenerateContentConfig(system_instruction=content)
    with sentry_agents.chat("gemini-a", request={"contents": "Hi", "config": config}):
        pass
    with sentry_agents.chat(
        "gemini-b", system_instructions={"role": "user", "parts": [{"text": "Be brief."}]}
    ):
        pass
    sent = sentry.named("chat gemini-a").attributes["gen_ai.system_instructions"]
    assert json.loads(sent) == [text("Answer in French."), text("Be brief.")]
    sent = sentry.named("chat gemini-b").attributes["gen_ai.system_instructions"]
    assert json.loads(sent) == [text("Be brief.")]


def test_google_contents_of_bare_parts_and_strings_are_one_message_per_run(sentry):
    """google-genai sends ``contents=["Describe this", image_part]`` as one user Content:
    each run of bare parts, with the strings beside them, is one message (each was sent
    as a message of its own). A run of function calls is the model's; strings alone stay
    a message each, as before."""
    from google.genai import types

    import sentry_agents

    image = types.Part.from_bytes(data=b"\x89PNG", mime_type="image/png")
    call = types.Part.from_function_call(name="lookup", args={"q": "x"})
    alone = types.Content(role="user", parts=[types.Part(text="alone")])
    contents = ["Describe this", image, call, {"text": "and this"}, "too", alone, "a", "b"]
    blob = {"type": "blob", "modality": "image", "content": "[Blob substitute]"}
    expected = [
        {"role": "user", "parts": [text("Describe this"), {**blob, "mime_type": "image/png"}]},
        {
            "role": "assistant",
            "parts": [
                {"type": "tool_call", "id": "lookup", "name": "lookup", "arguments": {"q": "x"}}
            ],
        },
        {"role": "user", "parts": [text("and this"), text("too")]},
        {"role": "user", "parts": [text("alone")]},
        {"role": "user", "parts": [text("a")]},
        {"role": "user", "parts": [text("b")]},
    ]
    assert to_gen_ai_messages(contents) == expected
    assert json.loads(serialize_messages(contents)) == expected
    with sentry_agents.chat("gemini", messages=contents):
        pass
    sent = sentry.named("chat gemini").attributes["gen_ai.input.messages"]
    assert json.loads(sent) == expected


# LangChain's v1 standard content blocks (``langchain_core.messages.content``), and the
# role/parts parts each becomes.
_SECRET = "sk-live-abcdefghijklmnopqrstuvwxyz"
_LC_BLOCKS = [
    {"type": "reasoning", "reasoning": "hmm"},
    {"type": "text", "text": "hi"},
    {"type": "tool_call", "id": "t1", "name": "f", "args": {"city": "Oslo", "api_key": _SECRET}},
    {"type": "image", "base64": "iVBORw0KGgo=", "mime_type": "image/png"},
    {"type": "image", "url": "https://example.com/cat.png", "mime_type": "image/png"},
    {"type": "image", "file_id": "file-1"},
    {"type": "audio", "base64": "UklGRiQAAABXQVZF", "mime_type": "audio/wav"},
    {"type": "video", "url": "https://example.com/v.mp4"},
    {"type": "file", "file_id": "file-2", "mime_type": "application/pdf"},
    {"type": "file", "url": "https://example.com/a.pdf", "mime_type": "application/pdf"},
    {"type": "text-plain", "text": "notes", "mime_type": "text/plain"},
    {"type": "server_tool_call", "id": "s1", "name": "web_search", "args": {"q": "rain"}},
    {"type": "server_tool_result", "tool_call_id": "s1", "status": "success", "output": "wet"},
]
_LC_PARTS = [
    {"type": "reasoning", "content": "hmm"},
    text("hi"),
    {
        "type": "tool_call",
        "id": "t1",
        "name": "f",
        "arguments": {"city": "Oslo", "api_key": _SECRET},
    },
    {"type": "blob", "modality": "image", "content": BLOB, "mime_type": "image/png"},
    {
        "type": "uri",
        "modality": "image",
        "uri": "https://example.com/cat.png",
        "mime_type": "image/png",
    },
    {"type": "file", "modality": "image", "file_id": "file-1"},
    {"type": "blob", "modality": "audio", "content": BLOB, "mime_type": "audio/wav"},
    {"type": "uri", "modality": "video", "uri": "https://example.com/v.mp4"},
    {"type": "file", "modality": "document", "file_id": "file-2", "mime_type": "application/pdf"},
    {
        "type": "uri",
        "modality": "document",
        "uri": "https://example.com/a.pdf",
        "mime_type": "application/pdf",
    },
    text("notes"),
    {"type": "tool_call", "id": "s1", "name": "web_search", "arguments": {"q": "rain"}},
    {"type": "tool_call_response", "id": "s1", "response": "wet"},
]


def _scrubbed(parts: list) -> list:
    """``parts`` as sent: the secret in the tool call's arguments filtered."""
    call = {**parts[2], "arguments": {"city": "Oslo", "api_key": "[Filtered]"}}
    return [*parts[:2], call, *parts[3:]]


def test_langchain_v1_standard_blocks_become_role_parts_parts():
    """LangChain's standard blocks share type names with role/parts parts (``tool_call``,
    ``reasoning``, ``file``) but not their fields: a tool call's ``args`` are its
    arguments, a reasoning block's ``reasoning`` its text, and an image, a sound, a video
    or a file is read from its ``base64``, ``url`` or ``file_id`` and ``mime_type``."""
    from langchain_core.messages import AIMessage, HumanMessage

    message = AIMessage(content=_LC_BLOCKS, output_version="v1")
    assert to_gen_ai_messages([message]) == [{"role": "assistant", "parts": _LC_PARTS}]
    sent = serialize_messages([message])
    assert _SECRET not in sent and "iVBORw0KGgo" not in sent and "UklGRiQ" not in sent
    assert json.loads(sent) == [{"role": "assistant", "parts": _scrubbed(_LC_PARTS)}]
    human = HumanMessage(content=_LC_BLOCKS)
    assert to_gen_ai_messages([human]) == [{"role": "user", "parts": _LC_PARTS}]
    # The same blocks as dicts in a message's content, and as a bare output.
    as_dicts = [{"role": "assistant", "content": _LC_BLOCKS}]
    assert to_gen_ai_messages(as_dicts) == [{"role": "assistant", "parts": _LC_PARTS}]
    assert json.loads(serialize_messages(as_dicts)) == [
        {"role": "assistant", "parts": _scrubbed(_LC_PARTS)}
    ]
    assert json.loads(serialize_messages([{"role": "user", "content": _LC_BLOCKS[2:3]}])) == [
        {"role": "user", "parts": _scrubbed(_LC_PARTS)[2:3]}
    ]


def _needs_langchain_v1_messages() -> None:
    """Skip where ``langchain_core`` predates its v1 messages (``content_blocks=``, from
    langchain-core 1.0, which needs Python 3.10)."""
    from langchain_core.messages import AIMessage

    try:
        AIMessage(content_blocks=[])
    except TypeError:
        pytest.skip("this langchain_core has no v1 messages (content_blocks=)")


def test_langchain_v1_tool_calls_are_sent_once():
    """A v1 ``AIMessage`` holds each tool call both in its content and in ``tool_calls``:
    it is sent once."""
    from langchain_core.messages import AIMessage

    _needs_langchain_v1_messages()

    call = {"type": "tool_call", "id": "t1", "name": "f", "args": {"x": 1}}
    message = AIMessage(content_blocks=[{"type": "text", "text": "Looking."}, call])
    assert message.tool_calls  # (LangChain holds it in both)
    assert to_gen_ai_messages([message]) == [
        {
            "role": "assistant",
            "parts": [
                text("Looking."),
                {"type": "tool_call", "id": "t1", "name": "f", "arguments": {"x": 1}},
            ],
        }
    ]


def test_role_parts_parts_named_as_langchain_blocks_pass_through():
    """Role/parts parts given back in (a ``tool_call`` with ``arguments``, a
    ``reasoning`` with ``content``, a ``file`` with its ``modality``) are sent as given."""
    parts = [
        {"type": "reasoning", "content": "hmm"},
        {"type": "tool_call", "id": "t1", "name": "f", "arguments": {"x": 1}},
        {"type": "file", "modality": "image", "file_id": "file-1", "mime_type": "image/png"},
    ]
    for message in ({"role": "assistant", "parts": parts}, {"role": "assistant", "content": parts}):
        assert to_gen_ai_messages([message]) == [{"role": "assistant", "parts": parts}]
        assert json.loads(serialize_messages([message])) == [{"role": "assistant", "parts": parts}]


def test_langchain_v1_blocks_on_a_span(sentry):
    """What a span sends of LangChain's standard blocks, in either tracing mode."""
    from langchain_core.messages import AIMessage, HumanMessage

    import sentry_agents

    _needs_langchain_v1_messages()

    history = [
        HumanMessage(content=_LC_BLOCKS[3:4]),
        AIMessage(content=_LC_BLOCKS[:3], output_version="v1"),
    ]
    with sentry_agents.chat("m", messages=history) as llm:
        llm.set_response(AIMessage(content_blocks=_LC_BLOCKS[:3]))
    attributes = sentry.named("chat m").attributes
    sent = attributes["gen_ai.input.messages"]
    assert _SECRET not in sent and _SECRET not in attributes["gen_ai.output.messages"]
    assert json.loads(sent) == [
        {"role": "user", "parts": _LC_PARTS[3:4]},
        {"role": "assistant", "parts": _scrubbed(_LC_PARTS)[:3]},
    ]
    assert json.loads(attributes["gen_ai.output.messages"]) == [
        {"role": "assistant", "parts": _scrubbed(_LC_PARTS)[:3]}
    ]


def test_a_bare_langchain_reasoning_block_is_its_text():
    """A reasoning block given alone (an output of ``message.content[0]``, or an item in a
    history) is sent with its text, however the history is written."""
    block = {"type": "reasoning", "reasoning": "hmm", "id": "rs_1"}
    expected = [{"role": "assistant", "parts": [{"type": "reasoning", "content": "hmm"}]}]
    assert to_gen_ai_messages([block]) == expected
    assert json.loads(serialize_messages([block])) == expected
    assert json.loads(serialize_messages([{"role": "user", "content": "q"}, block]))[1:] == expected


_UNNAMED_CALL = {"function_call": {"name": "lookup", "args": {"q": "x"}}}
_UNNAMED_RESPONSE = {"function_response": {"name": "lookup", "response": {"r": 1}}}


def test_a_gemini_call_and_its_response_without_ids_share_the_function_name():
    """Gemini sends function calls without ids: a call and its response then both have
    the function's name as their id (before, the call's was empty and the response's the
    name, so they never matched)."""
    from google.genai import types

    expected = [
        {
            "role": "assistant",
            "parts": [
                {"type": "tool_call", "id": "lookup", "name": "lookup", "arguments": {"q": "x"}}
            ],
        },
        {
            "role": "tool",
            "parts": [{"type": "tool_call_response", "id": "lookup", "response": {"r": 1}}],
        },
    ]
    history = [
        {"role": "model", "parts": [_UNNAMED_CALL]},
        {"role": "user", "parts": [_UNNAMED_RESPONSE]},
    ]
    assert to_gen_ai_messages(history) == expected
    assert json.loads(serialize_messages(history)) == expected
    contents = [types.Content.model_validate(message) for message in history]
    assert to_gen_ai_messages(contents) == expected


def test_a_gemini_reply_of_a_call_without_an_id_is_sent_with_its_name(sentry):
    """The same in a span's output, whether the reply is read whole or streamed."""
    from google.genai import types

    import sentry_agents

    reply = {
        "candidates": [{"content": {"role": "model", "parts": [_UNNAMED_CALL]}}],
        "model_version": "gemini-2.5-flash",
    }
    with sentry_agents.chat("whole", provider="gcp.gemini") as llm:
        llm.set_response(types.GenerateContentResponse.model_validate(reply))
    with sentry_agents.chat("streamed", provider="gcp.gemini") as llm:
        for _ in llm.stream(iter([types.GenerateContentResponse.model_validate(reply)])):
            pass
    with sentry_agents.chat("streamed dicts", provider="gcp.gemini") as llm:
        for _ in llm.stream(iter([reply])):
            pass
    call = {"type": "tool_call", "id": "lookup", "name": "lookup", "arguments": {"q": "x"}}
    for name in ("chat whole", "chat streamed", "chat streamed dicts"):
        sent = json.loads(sentry.named(name).attributes["gen_ai.output.messages"])
        assert [part for message in sent for part in message["parts"]] == [call], name
