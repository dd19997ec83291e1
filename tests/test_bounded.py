"""Content far over its budget is converted only as far as the budget can show, and sends
exactly what converting, scrubbing and fitting all of it sends (``_bounded``)."""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
from typing import Any, Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sentry_agents
from sentry_agents._bounded import TEXT_SLACK, fit_text, fit_within, json_within
from sentry_agents._budget import Fitted, fit, fit_pieces
from sentry_agents._jsonable import dumps, jsonable, without_media
from sentry_agents._keys import original_length
from sentry_agents._message_json import encode_messages, output_within, serialize_messages
from sentry_agents._messages import output_messages, split_system, to_gen_ai_messages
from sentry_agents._privacy import (
    DEFAULT_SCRUB_KEYS,
    Scrubber,
    scrub,
    scrub_messages,
    scrub_parts,
    scrubber_for,
)

SCRUBBER = scrubber_for(DEFAULT_SCRUB_KEYS)
NO_SCRUBBING = Scrubber(frozenset())
BUDGETS = (256, 1_000, 20_000)


def whole(value: Any, budget: int, scrubber: Optional[Scrubber] = SCRUBBER) -> Fitted:
    """What recording ``value`` sent before: all of it converted, without media, scrubbed
    (unless no scrubber is given), then fitted."""
    converted = without_media(jsonable(value))
    return fit(converted if scrubber is None else scrub(converted, scrubber), budget)


def assert_same(value: Any, budgets: tuple[int, ...] = BUDGETS) -> None:
    for budget in budgets:
        for scrubber in (SCRUBBER, None):
            assert fit_within(value, budget, scrubber) == whole(value, budget, scrubber), budget


def records(count: int, **extra: Any) -> list[dict[str, Any]]:
    return [
        {"id": i, "name": f"user {i}", "email": f"u{i}@example.com", "score": i * 1.5, **extra}
        for i in range(count)
    ]


def conversation(count: int, text: str = "hello there ") -> list[dict[str, Any]]:
    return [
        {"role": ("user", "assistant")[i % 2], "content": f"{i} {text * (i % 7)}"}
        for i in range(count)
    ]


PNG = "iVBORw0KGgo" * 2_000


class Kind(enum.Enum):
    IMAGE = "image"


class Text(str):
    pass


@dataclasses.dataclass
class Row:
    id: int
    token: str
    note: str


CASES: dict[str, Any] = {
    "records": records(3_000),
    "records as a tuple": tuple(records(3_000)),
    "records in a dict": {"rows": records(3_000), "total": 3_000},
    "distinct keys": {f"key_{i}": i for i in range(20_000)},
    "nested dicts": {f"k{i}": {f"j{j}": list(range(j)) for j in range(40)} for i in range(200)},
    "a long string in a list": ["x" * 100_000, 1],
    "long strings": [f"{i} " + "lorem ipsum " * 3_000 for i in range(40)],
    "long non-ASCII strings": ["春眠不覺曉🌧️" * 20_000, {"t": "é" * 50_000}],
    "lone surrogates": ["\ud83c\udf27" * 30_000, "a\ud800b" * 30_000, {"k\udc00": 1, "b": 2}],
    "surrogate pairs at every cut": [("x" * n + "\ud83c\udf27" * 40_000) for n in range(3)],
    "secrets early": [{"password": "hunter2", "api_key": ["s"] * 5, **r} for r in records(2_000)],
    "a secret past the cut": [*records(3_000), {"password": "hunter2"}],
    "secrets deep": {"data": [{"auth": {"token": "t" * 400, "n": i}} for i in range(2_000)]},
    "counts under secret-like keys": [{"max_tokens": i, "tokens": None} for i in range(5_000)],
    "JSON in strings": ['{"password": "hunter2", "pad": "' + "p" * 900 + '"}'] * 300,
    "JSON that scrubbing shortens": ['{"password": "' + "p" * 2_000 + '"}'] * 3_000,
    "JSON in long strings": [' {"a": 1, "secret": "s", "pad": "' + "p" * 50_000 + '"}'] * 3,
    "lines with a secret's name": ["token\n" + "x" * 50_000, "row\n" * 20_000],
    "a conversation": conversation(3_000),
    "a conversation with a huge last message": [
        *conversation(50),
        {"content": "c" * 60_000, "role": "user", "parts": [{"type": "text"}] * 9_000},
    ],
    "a list ending in a message": [*[1] * 20_000, {"role": "tool", "content": "done"}],
    "a list ending in a big dict": [*records(2_000), {f"k{i}": i for i in range(20_000)}],
    "marker keys": {**{f"k{i}": i for i in range(20_000)}, "...": 1, "....": 2, ".....": 3},
    "non-text keys": {**{i: str(i) for i in range(20_000)}, "7": "clash"},
    "keys that turn into others": dict(
        [("k\ud800", 0), ("k\udc00", 1), *((f"k{i}", i) for i in range(9_000))]
    ),
    "keys that turn into others in items": [{1: "x" * 500, "1": "y"}] * 3_000,
    "models": [Row(i, f"tok{i}", "n" * (i % 50)) for i in range(5_000)],
    "sets and odd values": [{1, 2}, b"bytes", float("nan"), 2**20_000] * 3_000,
    "deep": [[[[[[[[[[[[[[[[[[[[[[[[[["deep"] * 300]]]]]]]]]]]]]]]]]]]]]]]]] * 300,
    "empty things": [[], {}, "", ()] * 5_000,
    "tiny items": [0] * 100_000,
    "media": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
        {"inline_data": {"mime_type": "image/png", "data": PNG}, "text": "t" * 3_000},
        {"type": "input_audio", "input_audio": {"data": PNG, "format": "wav"}},
        {"type": "image", "data": PNG, "mimeType": "image/png"},
        {"resource": {"uri": "file:///a", "mimeType": "image/png", "blob": PNG}},
        {"url": "data:image/png;base64," + PNG, "base64": PNG, "data": "prose " * 3_000},
    ]
    * 300,
    "media at the budget's edge": [
        {"image": "data:image/png;base64," + "A" * n} for n in range(3_000)
    ],
    "media in JSON text": [
        {"text": json.dumps({"image": {"type": "image", "data": PNG, "mimeType": "image/png"}})},
        json.dumps(json.dumps({"url": "data:image/png;base64," + PNG})),
        "\ufeff " + json.dumps([{"base64": PNG}]),
        "\xa0" + json.dumps({"type": "image", "data": PNG, "mimeType": "image/png"}),
        "\u2003" + json.dumps([{"base64": PNG, "token": "t"}]) + "\x0b",
        '{"a": 1}\n' + json.dumps({"inline_data": {"mime_type": "image/png", "data": PNG}}),
        '{"base64": "cut sho',
    ]
    * 300,
    "media in JSON text nested deep": [
        "[" * 990 + json.dumps({"base64": PNG}) + "]" * 990,
        "[" * 150 + json.dumps({"base64": PNG}) + "]" * 150,
    ]
    * 50,
    "many images": [{"type": "image", "data": PNG, "mimeType": "image/png"}] * 2_000,
    # Text cut to the budget after its URLs' credentials and its data URLs are replaced
    # (each shorter than what it replaces), never before.
    "a long URL's credentials, then prose": [
        "https://u:" + "p" * 5_000 + "@h/x?sig=" + "s" * 5_000 + " then " + "y" * 30_000
    ],
    "data URLs in prose": ["see data:image/png;base64," + PNG + " then " + "y" * 30_000] * 3,
    "prose under a media block's data": [
        {"type": "file", "data": "x" * 30_000 + " a space past any budget"},
        {"type": "document", "data": "Meeting notes " * 2_000},
        {"mime_type": "text/plain", "data": "plain text"},
    ]
    * 200,
    "media blocks of odd types": [
        {"type": Kind.IMAGE, "data": PNG[:200]},
        {"type": ["image"], "data": PNG[:200]},
        {"type": None, "mime_type": "a/b", "data": PNG[:200]},
        {"type": "text", "data": PNG[:200]},
        {"type": Text("image"), "data": PNG[:200]},
    ]
    * 500,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_large_value_fits_as_all_of_it_would(name: str) -> None:
    assert_same(CASES[name])


def test_media_in_json_text_nested_deep_is_never_sent() -> None:
    """However deep the stack when JSON text is met, media in it is judged alike: JSON
    nested past what is read is replaced whole, not sent."""
    for budget in BUDGETS:
        text = fit_within(CASES["media in JSON text nested deep"], budget, SCRUBBER).text
        assert PNG[:40] not in text, budget


def _media_texts() -> dict[str, str]:
    """JSON text of each case, and texts whose media is named only through escapes."""
    escaped = "data:image/png;\\u0062ase64," + PNG
    texts = {name: dumps(jsonable(value)) for name, value in CASES.items()}
    for name, value in CASES.items():
        texts[f"{name}, ASCII"] = json.dumps(jsonable(value), ensure_ascii=True)
    texts["a data URL spelled with an escape, in lines"] = (
        '{"path": "a.py", "content": "see: ' + escaped + "line\\n" * 30_000 + '"}'
    )
    texts["a media block's key spelled with an escape"] = json.dumps(
        {"rows": records(2_000), "m": {"type": "image", "data": PNG}}
    ).replace('"type": "image"', '"typ\\u0065": "image", "mime_type": "image/png"')
    texts["JSON encoded twice"] = json.dumps({"note": json.dumps(CASES["media"]), "pad": "x" * 9})
    return texts


@pytest.mark.parametrize("name", sorted(_media_texts()))
def test_json_text_without_its_media_is_cut_alike_without_searching_it_again(name) -> None:
    """JSON text over its budget that ``without_media`` has read (a tool's result, then
    scrubbed) is cut as the structure it holds without its strings being searched for
    media again (1 MB of code was searched twice, 2.8 ms each time): exactly what
    searching them sends, as a ``\\u`` escape may spell media's name only once read."""
    text = _media_texts()[name]
    data = scrub(without_media(text), SCRUBBER)
    for budget in BUDGETS:
        sent = fit_text(data, budget, media_removed=True)
        assert sent == fit_text(data, budget), budget
        if "escape" in name:
            assert PNG[:40] not in sent and "iVBOR" in text, budget


def test_cycles_are_said_as_all_of_them_would() -> None:
    looped: list[Any] = records(2_000)
    looped.append(looped)
    looped.insert(1, {"again": looped, "rows": records(1_000)})
    mapping: dict[str, Any] = {f"k{i}": i for i in range(5_000)}
    mapping["self"] = mapping
    assert_same(looped)
    assert_same([mapping, mapping])


def test_the_original_count_is_sent() -> None:
    fitted = fit_within(records(10_000), 1_000, SCRUBBER)
    assert (fitted.original_count, fitted.truncated) == (10_000, True)
    assert fit_within(conversation(10_000), 1_000, SCRUBBER).original_count == 10_000


def test_only_what_the_budget_shows_is_converted() -> None:
    converted = 0

    class Record:
        def __init__(self, i: int) -> None:
            self.i = i

        def to_dict(self) -> dict[str, Any]:
            nonlocal converted
            converted += 1
            return {"id": self.i, "name": f"user {self.i}"}

    value = [Record(i) for i in range(100_000)]
    assert fit_within(value, 20_000, SCRUBBER) == whole(value, 20_000)
    converted = 0
    fit_within(value, 20_000, SCRUBBER)
    assert converted < 1_500  # each record writes about 30 bytes: about 700 fit


def _tree(leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    keys = st.one_of(
        st.sampled_from(["id", "password", "api_key", "max_tokens", "role", "...", "parts"]),
        st.sampled_from(["type", "data", "blob", "base64", "mime_type", "inline_data"]),
        st.text(max_size=6),
        st.integers(-3, 3),
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=6),
            st.dictionaries(keys, inner, max_size=6),
        ),
        max_leaves=30,
    )


SHIFTED_DATA_URL = "data:" + "\ud83c\udf27" * 130 + ";base64,A"
"""A data URL once its surrogate pairs are joined, not before."""

_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(['{"token": "t"}', "a\nb", "春" * 300, "\ud800x" * 200, "y" * 700]),
    st.sampled_from(
        [
            "image",
            "file",
            "data:image/png;base64,iVBO",
            '\xa0{"base64": "iVBO", "password": "p"}',
            '\u3000[{"type": "image", "data": "iVBO", "mimeType": "a/b"}]\x1c',
            "data:" + "\ud83c\udf27" * 130 + ";base64,A",
        ]
    ),
)


@st.composite
def _large(draw: st.DrawFn) -> Any:
    """A small tree repeated (and varied) until it is far over the smaller budgets."""
    shape = draw(st.sampled_from(["list", "dict", "conversation", "string"]))
    items = draw(st.lists(_tree(_LEAVES), min_size=1, max_size=4))
    count = draw(st.integers(200, 3_000))
    if shape == "list":
        return [items[i % len(items)] for i in range(count)]
    if shape == "dict":
        return {f"key{i}": items[i % len(items)] for i in range(count)}
    if shape == "conversation":
        return [{"role": "user", "content": items[i % len(items)]} for i in range(count)]
    return [draw(st.text(min_size=1, max_size=3)) * 40_000, *items]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_large(), st.sampled_from([256, 700, 4_000, 20_000]))
def test_property_fitting_within_sends_what_fitting_all_sends(value: Any, budget: int) -> None:
    for scrubber in (SCRUBBER, NO_SCRUBBING, None):
        assert fit_within(value, budget, scrubber) == whole(value, budget, scrubber)


# --- a value written as JSON text (``json_within``) ----------------------------------------


def assert_text_same(value: Any, budget: int, scrubber: Scrubber) -> None:
    """``json_within`` begins as all of the value's JSON text does, and an agent's output
    of either text sends the same."""
    whole_text = dumps(scrub(without_media(jsonable(value)), scrubber))
    text = json_within(value, budget, scrubber)
    if text != whole_text:
        room = max(budget, 256)
        assert len(text) > room and len(whole_text) > room
        assert text[: room - TEXT_SLACK] == whole_text[: room - TEXT_SLACK]
    assert output_before([{"role": "assistant", "content": text}], budget, scrubber) == (
        output_before([{"role": "assistant", "content": whole_text}], budget, scrubber)
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_large_value_as_text_begins_as_all_of_it(name: str) -> None:
    for budget in BUDGETS:
        for scrubber in (SCRUBBER, NO_SCRUBBING):
            assert_text_same(CASES[name], budget, scrubber)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_large(), st.sampled_from([256, 700, 4_000, 20_000]), st.booleans())
def test_property_a_value_as_text_begins_as_all_of_it(
    value: Any, budget: int, scrubbing: bool
) -> None:
    assert_text_same(value, budget, SCRUBBER if scrubbing else NO_SCRUBBING)


# --- through the helpers, as sentry-sdk sends it -----------------------------------------


def test_a_big_tool_result_is_sent_as_before(sentry: Any) -> None:
    if sentry.mode == "static":  # older 2.x cut strings at 1,024 characters
        sentry.init(max_value_length=100_000)
    sentry_agents.configure(max_message_bytes=8_000)
    result = records(20_000, password="hunter2")

    @sentry_agents.tool
    def query() -> list[dict[str, Any]]:
        return result

    with sentry_agents.invoke_agent("Analyst"):
        with sentry_agents.execute_tool("lookup") as tool:
            tool.set_result(result)
        query()
    key = "gen_ai.tool.call.result"
    expected = whole(result, 8_000).text
    for name in ("execute_tool lookup", "execute_tool query"):
        span = sentry.named(name)
        assert span.attributes[key] == expected
        assert span.attributes[original_length(key)] == 20_000
        kept = json.loads(span.attributes[key])
        assert kept[0]["password"] == "[Filtered]" and kept[-1] == "...[truncated]"
    assert "hunter2" not in sentry.raw().decode("utf-8", "replace")


def test_a_redaction_hook_still_sees_all_of_it(sentry: Any) -> None:
    seen: list[int] = []

    def redact(kind: str, value: Any) -> Any:
        seen.append(len(value))
        return value[-3:]

    sentry_agents.configure(redact=redact)
    with sentry_agents.execute_tool("lookup") as tool:
        tool.set_result(records(20_000))
    assert seen == [20_000]
    assert sentry.named("execute_tool lookup").json_attribute("gen_ai.tool.call.result") == (
        jsonable(records(20_000)[-3:])
    )


def test_big_arguments_and_json_text_results_are_sent_as_before(sentry: Any) -> None:
    if sentry.mode == "static":  # older 2.x cut strings at 1,024 characters
        sentry.init(max_value_length=100_000)
    sentry_agents.configure(max_message_bytes=8_000)
    arguments = {"filters": records(5_000, api_key="k-1"), "limit": 5_000}
    text = json.dumps(records(20_000, password="hunter2"))
    with sentry_agents.execute_tool("lookup", arguments=arguments) as tool:
        tool.set_result(text)
    span = sentry.named("execute_tool lookup")
    assert span.attributes["gen_ai.tool.call.arguments"] == whole(arguments, 8_000).text
    scrubbed = scrub(text, SCRUBBER)
    assert (
        span.attributes["gen_ai.tool.call.result"]
        == fit(jsonable(json.loads(scrubbed)), 8_000).text
    )
    assert "hunter2" not in sentry.raw().decode("utf-8", "replace")


# --- one message's content, and an output of messages (``_messages.within``) -------------


def sent_before(messages: Any, budget: int, scrubber: Scrubber = SCRUBBER) -> str:
    """What a message list sent before: all of it converted, scrubbed, then fitted."""
    return fit(scrub_messages(to_gen_ai_messages(messages), scrubber), budget).text


def output_before(output: Any, budget: int, scrubber: Scrubber = SCRUBBER) -> Fitted:
    """What an output sent before: all of it converted to messages, scrubbed, fitted."""
    return fit(scrub_messages(output_messages(output), scrubber), budget)


def assert_input_same(messages: list[Any], budget: int, scrubber: Scrubber) -> None:
    """A chat span's input, written message by message (system messages apart) and a
    whole ``serialize_messages``, against all of it converted."""
    assert serialize_messages(messages, max_bytes=budget) == sent_before(messages, budget, scrubber)
    encoded = encode_messages(messages, split=True, scrubber=scrubber, max_bytes=budget)
    assert encoded is not None
    system, rest = split_system(to_gen_ai_messages(messages))
    assert fit(scrub_parts(encoded.system, scrubber), budget) == fit(
        scrub_parts(system, scrubber), budget
    )
    fitted = fit_pieces(encoded.pieces, encoded.dropped, budget)
    if fitted is not None:
        assert fitted == fit(scrub_messages(rest, scrubber), budget)


def assert_message_same(message: Any, budgets: tuple[int, ...] = BUDGETS) -> None:
    """``message`` as the newest of a history, behind a message too big to keep, and as
    an output, with and without scrubbing."""
    for keys in (DEFAULT_SCRUB_KEYS, frozenset()):
        sentry_agents.configure(scrub_keys=keys)
        scrubber = scrubber_for(keys)
        for budget in budgets:
            for history in ([{"role": "user", "content": "q"}, message], [message, "answer"]):
                assert_input_same(history, budget, scrubber)
            assert output_within(message, budget, scrubber) == output_before(
                message, budget, scrubber
            )


class Odd:
    """A block no shape tells: kept as its fields."""

    def __init__(self, i: int) -> None:
        self.i = i
        self.token = f"t{i}"


class LikeAToolResult:
    """An object of no type whose fields say it is a tool result."""

    def to_dict(self) -> dict[str, Any]:
        return {"type": "tool_call_response", "id": "t", "response": "r"}


TOO_DEEP: dict[str, Any] = {"content": "deep"}
for _ in range(30):
    TOO_DEEP = {"content": [TOO_DEEP]}

BLOCKS: list[Any] = [
    "plain text",
    {"type": "text", "text": "hello " * 20},
    {"type": "row", "cells": records(3), "api_key": "k"},
    {"note": "no type", "password": "p"},
    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
    Odd(1),
    None,
]
"""Blocks of a long content, each converted without fail."""

LATE_BLOCKS: dict[str, Any] = {
    "one that fails": {"inline_data": {"mime_type": 5, "data": "x"}},
    "one nested too deep": TOO_DEEP,
    "a tool result": {"type": "tool_result", "tool_use_id": "z", "content": "r"},
    "a block a handler reads": {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
}
"""What may follow a long content's cut: read as before, the message's fate with it."""


def message_shapes(content: Any) -> dict[str, Any]:
    """Every message shape whose content (or a part's) is converted as data or parts."""
    return {
        "OpenAI tool message": {"role": "tool", "tool_call_id": "c1", "content": content},
        "user message": {"role": "user", "content": content},
        "assistant message with a call": {
            "role": "assistant",
            "content": content,
            "tool_calls": [{"id": "a", "function": {"name": "f", "arguments": "{}"}}],
        },
        "system message": {"role": "system", "content": content},
        "Anthropic tool result": {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "t", "content": content}],
        },
        "Google function response": {
            "role": "user",
            "parts": [{"function_response": {"name": "f", "response": content}}],
        },
        "role/parts tool response": {
            "role": "tool",
            "parts": [{"type": "tool_call_response", "id": "x", "response": content}],
        },
        "Responses output": {"type": "function_call_output", "call_id": "c", "output": content},
        "LangChain tool message": {"type": "tool", "tool_call_id": "c", "content": content},
        "LangChain human message": {"type": "human", "content": content},
        "bare content": content,
    }


CONTENTS: dict[str, Any] = {
    "records": records(1_000, password="hunter2"),
    "records in a dict": {"rows": records(1_000), "total": 1_000},
    "blocks": [BLOCKS[i % len(BLOCKS)] for i in range(700)],
    **{
        f"blocks then {name}": [*(BLOCKS[i % len(BLOCKS)] for i in range(400)), block]
        for name, block in LATE_BLOCKS.items()
    },
    "tool results": [
        {"type": "tool_result", "tool_use_id": f"t{i}", "content": "r"} for i in range(500)
    ],
    "a big tool result, blocks read as tool results, then text": [
        {"type": "tool_result", "tool_use_id": "t", "content": "r" * 30_000},
        *[LikeAToolResult()] * 100,
        "text",
    ],
    "tool results then text": [
        *[{"type": "tool_result", "tool_use_id": "t", "content": "r " * 50}] * 300,
        *["text"] * 300,
    ],
    "a block typed after its data": {**{f"k{i}": i for i in range(2_000)}, "type": "custom"},
    "a block with a role after its data": {
        "type": "custom",
        **{f"k{i}": i for i in range(2_000)},
        "role": "user",
    },
    "long strings": ["春" * 30_000, "x" * 40_000],
    "media": [{"url": "data:image/png;base64," + PNG, "base64": PNG}] * 100,
}


@pytest.mark.parametrize("content", sorted(CONTENTS))
def test_a_large_content_is_sent_as_all_of_it_would(content: str) -> None:
    for message in message_shapes(CONTENTS[content]).values():
        assert_message_same(message, (256, 4_000))


def test_a_message_cut_short_for_one_budget_is_not_reused_for_a_larger_one() -> None:
    history = [{"role": "user", "content": records(300)}]  # kept for reuse when whole
    for budget in (1_000, 200_000, 1_000):
        assert serialize_messages(history, max_bytes=budget) == sent_before(history, budget)


def test_a_long_output_keeps_its_newest_messages_and_their_count() -> None:
    """An output of many items (each a message of its own) as before, items that make no
    message (a Responses item reference) counted as none."""
    items: list[Any] = [
        *records(1_000),
        {"id": "msg_1"},
        {"type": "item_reference", "id": "msg_2"},
        *records(1_000),
    ]
    for budget in BUDGETS:
        assert output_within(items, budget, SCRUBBER) == output_before(items, budget)
        assert output_within(items, budget, SCRUBBER).original_count == 2_000
    grouped = [*records(500), {"text": "a bare Google part"}, "beside it", *records(500)]
    assert output_within(grouped, 1_000, SCRUBBER) == output_before(grouped, 1_000)


@st.composite
def _contents(draw: st.DrawFn) -> Any:
    """A content: a small tree repeated (and varied) until far over the smaller budgets,
    as a list, a dict, or blocks (perhaps with one after them that is read as before)."""
    shape = draw(st.sampled_from(["list", "dict", "blocks", "small"]))
    items = draw(st.lists(_tree(_LEAVES), min_size=1, max_size=4))
    count = draw(st.integers(0, 5) if shape == "small" else st.integers(65, 600))
    if shape == "dict":
        return {f"key{i}": items[i % len(items)] for i in range(count)}
    if shape == "blocks":
        kinds = [*items, *BLOCKS]
        blocks = [kinds[i % len(kinds)] for i in range(count)]
        if draw(st.booleans()):
            late = draw(st.sampled_from(sorted(LATE_BLOCKS)))
            blocks.insert(draw(st.integers(0, count)), LATE_BLOCKS[late])
        return blocks
    return [items[i % len(items)] for i in range(count)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    _contents(),
    st.sampled_from(sorted(message_shapes(None))),
    st.sampled_from([256, 700, 4_000, 20_000]),
    st.booleans(),
)
def test_property_a_message_sends_what_converting_all_of_it_sends(
    content: Any, shape: str, budget: int, scrubbing: bool
) -> None:
    keys = DEFAULT_SCRUB_KEYS if scrubbing else frozenset()
    sentry_agents.configure(scrub_keys=keys)
    scrubber = scrubber_for(keys)
    message = message_shapes(content)[shape]
    assert_input_same([{"role": "user", "content": "q"}, message], budget, scrubber)
    assert output_within(message, budget, scrubber) == output_before(message, budget, scrubber)
    assert output_within(content, budget, scrubber) == output_before(content, budget, scrubber)


@pytest.mark.parametrize("shape", ["LangChain human message", "user message"])
def test_a_long_content_whose_next_block_makes_no_part_sends_what_converting_all_sends(
    shape: str,
) -> None:
    """A content list of more than 64 blocks cut short by the room: the block kept past
    what fits (for ``fit`` to mark the rest cut) is the next that makes a part, not a
    ``None`` that makes none (hypothesis found 32 texts of 300 CJK characters, each after
    a ``None``: one part sent where converting all sends it and a cut marker)."""
    scrubber = scrubber_for(frozenset())
    sentry_agents.configure(scrub_keys=frozenset())
    content = [None, "\u6625" * 300] * 32 + [None]
    message = message_shapes(content)[shape]
    assert_input_same([{"role": "user", "content": "q"}, message], 256, scrubber)


class Counted:
    """A record that counts its conversions (``to_dict``)."""

    converted = 0

    def __init__(self, i: int) -> None:
        self.i = i

    def to_dict(self) -> dict[str, Any]:
        Counted.converted += 1
        return {"id": self.i, "name": f"user {self.i}", "password": "hunter2"}


def converted_by(convert: Any, *args: Any, **kwargs: Any) -> int:
    """How many records ``convert(*args, **kwargs)`` converted."""
    Counted.converted = 0
    convert(*args, **kwargs)
    return Counted.converted


def test_only_what_the_budget_shows_of_a_message_is_converted() -> None:
    rows = [Counted(i) for i in range(100_000)]
    tool = {"role": "tool", "tool_call_id": "c", "content": rows}
    assert serialize_messages([tool], max_bytes=20_000) == sent_before([tool], 20_000)
    assert output_within(rows, 20_000, SCRUBBER) == output_before(rows, 20_000)
    # Each record writes about 50 bytes: about 400 fit in 20,000 (and as many again for
    # a tool message, whose content is also read as parts). A system message's blocks
    # are all converted (their count is sent), and so is a role/parts message's own part.
    whole = ("system message", "role/parts tool response")
    for shape, message in message_shapes(rows).items():
        if shape not in whole:
            assert converted_by(serialize_messages, [message], max_bytes=20_000) < 2_500
            assert converted_by(output_within, message, 20_000, SCRUBBER) < 2_500
            assert (
                converted_by(
                    encode_messages, [message], split=True, scrubber=SCRUBBER, max_bytes=20_000
                )
                < 2_500
            )
    assert converted_by(output_within, rows, 20_000, SCRUBBER) < 1_000


ROWS = records(100_000, password="hunter2")


@functools.cache
def rows_sent_before(budget: int) -> tuple[str, Fitted]:
    """What a chat span's input (a tool message of ``ROWS`` after a question) and an
    agent's output of ``ROWS`` sent before: all of it converted."""
    history = [{"role": "user", "content": "Who signed up?"}, {"role": "tool", "content": ROWS}]
    return sent_before(history, budget), output_before(ROWS, budget)


def test_a_large_content_and_output_are_sent_cut_within_their_budget(sentry: Any) -> None:
    if sentry.mode == "static":  # older 2.x cut strings at 1,024 characters
        sentry.init(max_value_length=100_000)
    sentry_agents.configure(max_message_bytes=8_000)
    history = [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": "Who signed up?"},
        {"role": "tool", "content": ROWS},
    ]
    with sentry_agents.invoke_agent("Analyst") as agent:
        with sentry_agents.chat("gpt-4o", messages=history):
            pass
        agent.set_output(ROWS)
    inputs, output = rows_sent_before(8_000)
    chat = sentry.named("chat gpt-4o").attributes
    assert chat["gen_ai.input.messages"] == inputs
    assert chat[original_length("gen_ai.input.messages")] == 2
    assert json.loads(chat["gen_ai.system_instructions"]) == [
        {"type": "text", "content": "Answer briefly."}
    ]
    agent_span = sentry.named("invoke_agent Analyst").attributes
    assert agent_span["gen_ai.output.messages"] == output.text
    assert agent_span[original_length("gen_ai.output.messages")] == 100_000
    assert "...[truncated]" in chat["gen_ai.input.messages"]  # the tool message, cut
    for sent in (chat["gen_ai.input.messages"], agent_span["gen_ai.output.messages"]):
        assert len(sent.encode("utf-8")) <= 8_000
        messages = json.loads(sent)
        part = messages[-1]["parts"][0]
        row = part["response"][0] if part["type"] == "tool_call_response" else part["content"]
        assert row["password"] == "[Filtered]"
    assert "hunter2" not in sentry.raw().decode("utf-8", "replace")


def test_a_decorated_agents_large_return_value_is_sent_as_before(sentry: Any) -> None:
    if sentry.mode == "static":  # older 2.x cut strings at 1,024 characters
        sentry.init(max_value_length=100_000)
    sentry_agents.configure(max_message_bytes=8_000)
    value = {"rows": ROWS, "total": len(ROWS)}

    @sentry_agents.agent("Analyst")
    def analyst() -> dict[str, Any]:
        return value

    analyst()
    text = dumps(scrub(jsonable(value), SCRUBBER))
    sent = sentry.named("invoke_agent Analyst").attributes["gen_ai.output.messages"]
    assert sent == output_before([{"role": "assistant", "content": text}], 8_000).text
    assert len(sent.encode("utf-8")) <= 8_000 and sent.endswith('...[truncated]"}]}]')
    assert "hunter2" not in sentry.raw().decode("utf-8", "replace")


@pytest.mark.parametrize("hooked", [False, True])
def test_a_decorated_agents_return_value_is_sent_without_its_media(
    sentry: Any, hooked: bool
) -> None:
    payload = "iVBORw0KGgo" + "A" * 400
    image = {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": payload},
    }
    value = {
        "answer": "a chart",
        "image": image,
        "inline": {"mime_type": "image/png", "data": payload},
    }

    @sentry_agents.agent("Painter", redact=(lambda key, content: content) if hooked else None)
    def painter(prompt: str, reference: dict[str, Any]) -> dict[str, Any]:
        return value

    painter("draw it", image)
    attributes = sentry.named("invoke_agent Painter").attributes
    for key, wanted in (("gen_ai.input.messages", "prompt"), ("gen_ai.output.messages", "answer")):
        text = json.loads(attributes[key])[0]["parts"][0]["content"]
        assert wanted in json.loads(text)
        assert "[Blob substitute]" in text
    assert payload[:20] not in sentry.raw().decode("utf-8", "replace")


def test_what_is_not_recorded_is_not_converted(sentry: Any) -> None:
    sentry_agents.configure(max_message_bytes=20_000)
    rows = [Counted(i) for i in range(100_000)]
    history = [{"role": "user", "content": "q"}, {"role": "tool", "content": rows}]

    @sentry_agents.agent("Analyst")
    def analyst() -> dict[str, Any]:
        return {"rows": rows}

    def record() -> None:
        with sentry_agents.invoke_agent("Analyst") as agent:
            with sentry_agents.chat("gpt-4o", messages=history):
                pass
            agent.set_output(rows)
        analyst()

    assert 0 < converted_by(record) < 5_000
    sentry.init(send_default_pii=False)
    assert converted_by(record) == 0
