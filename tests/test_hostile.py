"""Hostile values at every entry point: nothing raises into the user's code, every span
that started is sent, and everything sent is valid (UTF-8, JSON that parses, no None)."""

from __future__ import annotations

import datetime
import decimal
import enum
import functools
import json
import math
from typing import Any, Callable, Optional

import pytest
from sentry_sdk.envelope import Envelope

import sentry_agents
from conftest import HAS_TRANSACTIONS, Sentry
from sentry_agents import _keys as keys
from sentry_agents._mcp import DIRECTIONS
from sentry_agents.testing import start_capture

JSON_KEYS = {
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.system_instructions",
    "gen_ai.tool.definitions",
    "gen_ai.tool.call.arguments",
    "gen_ai.response.finish_reasons",
    "gen_ai.embeddings.input",
}


class RaisingStr:
    def __str__(self) -> str:
        raise RuntimeError("str")

    def __repr__(self) -> str:
        raise RuntimeError("repr")


class RaisingEverything(RaisingStr):
    def __eq__(self, other: object) -> bool:
        raise RuntimeError("eq")

    def __hash__(self) -> int:
        raise RuntimeError("hash")

    def __bool__(self) -> bool:
        raise RuntimeError("bool")

    def __len__(self) -> int:
        raise RuntimeError("len")

    def __iter__(self) -> Any:
        raise RuntimeError("iter")

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(name)


class ArrayLike:
    """Compares element-wise, like a numpy array: ``x == y`` is not a bool."""

    def __eq__(self, other: object) -> Any:
        return self

    def __bool__(self) -> bool:
        raise ValueError("the truth value of an array is ambiguous")

    __hash__ = object.__hash__


class LyingInt(int):
    """An int subclass whose methods lie: it converts to 2**70 and compares as in any
    range."""

    def __int__(self) -> int:
        return 2**70

    def __float__(self) -> float:
        return math.inf

    def __lt__(self, other: object) -> bool:
        return True

    __le__ = __gt__ = __ge__ = __lt__


class RaisingInt(int):
    """An int subclass whose conversions and comparisons raise."""

    def __int__(self) -> int:
        raise RuntimeError("int")

    def __float__(self) -> float:
        raise RuntimeError("float")

    def __lt__(self, other: object) -> bool:
        raise RuntimeError("lt")

    __le__ = __gt__ = __ge__ = __lt__


class LyingFloat(float):
    def __float__(self) -> float:
        return math.nan

    def is_integer(self) -> bool:
        return True

    def __lt__(self, other: object) -> bool:
        return True

    __le__ = __gt__ = __ge__ = __lt__


class Color(enum.Enum):
    RED = "red"


def deep(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = [value]
    return value


def cyclic() -> Any:
    a: dict[str, Any] = {"name": "a"}
    a["self"] = a
    return a


HOSTILE: dict[str, Callable[[], Any]] = {
    "none": lambda: None,
    "empty": lambda: "",
    "lone surrogates": lambda: "a\ud800b\udfff",
    "surrogate pair": lambda: "\ud83d\ude00",
    "bytes": lambda: b"\xff\x00\xfe",
    "bytearray": lambda: bytearray(b"\x01\x02"),
    "nan": lambda: math.nan,
    "infinity": lambda: -math.inf,
    "huge int": lambda: 10**100,
    "int whose methods lie": lambda: LyingInt(2**70),
    "negative int whose methods lie": lambda: LyingInt(-3),
    "int whose methods raise": lambda: RaisingInt(7),
    "float whose methods lie": lambda: LyingFloat(2.5e30),
    "negative": lambda: -5,
    "bool": lambda: True,
    "object": object,
    "raising str": RaisingStr,
    "raising everything": RaisingEverything,
    "array-like": ArrayLike,
    "deep list": lambda: deep(1000),
    "cyclic dict": cyclic,
    "odd keys": lambda: {(1, 2): "tuple", None: "none", b"k": "bytes", 3.5: "float"},
    "huge text": lambda: "x" * 300_000,
    "type": lambda: int,
    "generator": lambda: (i for i in range(3)),
    "set": lambda: {1, 2},
    "datetime": lambda: datetime.datetime(2026, 1, 1),
    "decimal": lambda: decimal.Decimal("NaN"),
    "enum": lambda: Color.RED,
    "exception": lambda: ValueError("boom"),
    "many keys": lambda: {f"k{i}": i for i in range(5_000)},
    "control text": lambda: "\x1b[2J\x00\x07",
}


def every_entry_point(value: Any) -> int:
    """Call every public entry point with ``value`` where an argument goes; returns how
    many spans were started."""
    started = 0
    sentry_agents.to_gen_ai_messages(value)
    sentry_agents.serialize_messages(value)
    sentry_agents.usage_from(value)
    with sentry_agents.conversation(value, user=value):
        with sentry_agents.invoke_agent(
            value, model=value, provider=value, messages=value, tools=value, pipeline=value
        ) as agent:
            started += 1
            with sentry_agents.chat(
                value,
                provider=value,
                messages=value,
                system_instructions=value,
                tools=value,
                operation=value,
                temperature=value,
                top_k=value,
                seed=value,
                reasoning_level=value,
            ) as llm:
                started += 1
                llm.set_input(value)
                llm.set_response(value)
                llm.set_usage(value)
                llm.set_usage(input_tokens=value, output_tokens=value, total_tokens=value)
                llm.set_output(value)
                llm.set_finish_reasons(value)
                llm.set_response_model(value)
                llm.set_response_id(value)
                llm.set_attribute("custom.value", value)
                llm.set_attribute(value, "custom key")
            with sentry_agents.execute_tool(
                value, arguments=value, description=value, call_id=value
            ) as tool:
                started += 1
                tool.set_arguments(value)
                tool.set_result(value)
            with sentry_agents.embeddings(value, provider=value, inputs=value) as emb:
                started += 1
                emb.set_usage(input_tokens=value)
            with sentry_agents.handoff(value, value):
                started += 1
            with sentry_agents.create_agent(value, model=value, provider=value):
                started += 1
            agent.set_output(value)
            agent.set_usage(value)
    return started


def assert_all_valid(sentry: Sentry, expected_spans: int) -> None:
    raw = sentry.raw()
    raw.decode("utf-8")  # strict: no lone surrogate reached the wire
    spans = sentry.gen_ai_spans()
    assert len(spans) == expected_spans, sorted(s.name for s in spans)
    for span in spans:
        span.name.encode("utf-8")
        for key, value in span.attributes.items():
            assert value is not None, key
            key.encode("utf-8")
            if isinstance(value, str):
                value.encode("utf-8")
            if key in JSON_KEYS:
                json.loads(value)
            if type(value) is int:  # what Sentry stores: 64-bit, and counts not negative
                assert -(2**63) <= value < 2**63, key
                assert value >= 0 or not key.startswith("gen_ai.usage."), key


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_values_never_raise_and_every_span_is_sent_valid(sentry, name):
    started = every_entry_point(HOSTILE[name]())
    assert_all_valid(sentry, started)


def test_hostile_attribute_keys_are_skipped_without_losing_the_batch(sentry, sdk_log, mocker):
    """One bad key among 201 spans: in stream mode a whole batch failed to serialise."""
    sentry.init(debug=True)  # sentry-sdk's logger lets debug lines through only then
    keys: list[Any] = [b"k", math.nan, int, mocker.MagicMock(), "", None, ("t",)]
    with sentry_agents.invoke_agent("Batch"):
        for i in range(200):
            with sentry_agents.chat(f"m{i}") as llm:
                llm.set_attribute(keys[i % len(keys)], "x")
                llm.set_attribute("ok.key\ud800", "kept")
    spans = sentry.gen_ai_spans()
    assert len(spans) == 201
    chats = [s for s in spans if s.op == "gen_ai.chat"]
    assert all(s.attributes["ok.key\ufffd"] == "kept" for s in chats)
    assert "attribute key of type bytes skipped" in sdk_log.text


def test_set_usage_with_values_whose_repr_fails_or_nest_deeply(sentry, sdk_log):
    sentry.init(debug=True)
    with sentry_agents.chat("m") as llm:
        llm.set_usage(input_tokens=RaisingStr(), output_tokens=deep(1000), total_tokens=7)
    span = sentry.named("chat m")
    assert span.attributes["gen_ai.usage.total_tokens"] == 7
    assert "gen_ai.usage.input_tokens" not in span.attributes
    assert "input_tokens (a RaisingStr) is not a non-negative 64-bit integer" in sdk_log.text


def test_operation_array_like_and_model_without_str_still_send_the_span(sentry):
    with sentry_agents.chat("gpt-4o", operation=ArrayLike()):  # type: ignore[arg-type]
        pass
    with sentry_agents.chat(RaisingStr()):  # type: ignore[arg-type]
        pass
    with sentry_agents.conversation(RaisingStr()):  # type: ignore[arg-type]
        with sentry_agents.chat("in-conversation"):
            pass
    names = {s.name for s in sentry.gen_ai_spans()}
    assert names == {"chat gpt-4o", "chat <RaisingStr>", "chat in-conversation"}
    span = sentry.named("chat in-conversation")
    assert "gen_ai.conversation.id" not in span.attributes  # no text, no id


def test_lone_surrogates_never_reach_the_wire(sentry):
    assert sentry_agents.serialize_messages(
        [{"role": "tool", "content": "\ud82d\ud847\ud8dd"}]
    ).encode("utf-8")
    with sentry_agents.conversation("conv\udc00"):
        with sentry_agents.chat("gpt\ud800", messages=[{"role": "user", "content": "hi\udfff"}]):
            pass
    raw = sentry.raw()
    raw.decode("utf-8")
    span = sentry.one(lambda s: s.op == "gen_ai.chat")
    assert span.name == "chat gpt\ufffd"
    assert span.attributes["gen_ai.conversation.id"] == "conv\ufffd"


def test_keys_written_alike_keep_a_value_each(sentry):
    """Keys that differ only in lone surrogates (each replaced by U+FFFD) or that are
    written as the same text (``1`` and ``"1"``) were sent as one key, the later value
    replacing the earlier: each keeps its value, a later one under ``~2``, ``~3``, ...
    Over the budget, the bounded conversion keeps them apart the same way."""
    keyed = dict([("a\ud800", 1), ("a\udc00", 2), ("a\udfff", 3), (1, 4), ("1", 5), ("1~2", 6)])
    call = {"id": "c", "type": "function", "function": {"name": "f", "arguments": keyed}}
    with sentry_agents.chat("m", messages=[{"role": "assistant", "tool_calls": [call]}]) as llm:
        llm.set_attribute("app.keys", keyed)
        llm.set_attribute("app.long", {**keyed, "pad": ["x" * 100] * 5_000})
    sentry.raw().decode("utf-8")
    attributes = sentry.named("chat m").attributes
    written = {"a\ufffd": 1, "a\ufffd~2": 2, "a\ufffd~3": 3, "1": 4, "1~2": 5, "1~2~2": 6}
    assert json.loads(attributes["app.keys"]) == written
    long = json.loads(attributes["app.long"])
    assert {k: v for k, v in long.items() if k in written} == written
    message = json.loads(attributes["gen_ai.input.messages"])[0]
    assert message["parts"][0]["arguments"] == written


@pytest.mark.skipif(not HAS_TRANSACTIONS, reason="max_value_length cuts transaction spans only")
def test_json_attributes_stay_valid_under_max_value_length(static_sentry):
    """sentry-sdk cuts long strings at max_value_length in transaction mode; our JSON
    attributes are fitted below it so they are never cut mid-JSON."""
    static_sentry.init(max_value_length=1000)
    with sentry_agents.chat("m") as llm:
        llm.set_finish_reasons([f"reason number {i}" for i in range(200)])
        llm.set_attribute("custom.list", [{"item": i, "text": "y" * 50} for i in range(200)])
        llm.set_attribute("custom.text", "z" * 5000)
    attrs = static_sentry.named("chat m").attributes
    reasons = json.loads(attrs["gen_ai.response.finish_reasons"])
    assert reasons[0] == "reason number 0" and reasons[-1] == "...[truncated]"
    assert all(r.startswith("reason number ") for r in reasons[:-1])
    assert len(attrs["gen_ai.response.finish_reasons"]) <= 1000
    custom = json.loads(attrs["custom.list"])
    assert custom and len(attrs["custom.list"]) <= 1000
    assert len(attrs["custom.text"]) <= 1000 and attrs["custom.text"].endswith("[truncated]")


def test_integers_too_large_for_json_or_for_sentry_keep_the_rest(sentry):
    """An integer Python refuses to write (over 4,300 digits) no longer loses the whole
    attribute, and counts and parameters past 64 bits (what Sentry stores) are left out,
    not sent as numbers Sentry would reject."""
    huge = 10**5000
    with sentry_agents.chat("m", max_tokens=2**70, reasoning_level={"effort": "high"}) as llm:
        llm.set_output({"value": huge, "kept": "yes"})
        llm.set_attribute("app.huge", huge)
        llm.set_usage(input_tokens=10, output_tokens=2**70)
    with sentry_agents.execute_tool("t") as tool:
        tool.set_result({"value": huge, "kept": "yes"})
    chat = sentry.named("chat m").attributes
    output = json.loads(chat["gen_ai.output.messages"])
    assert "yes" in json.dumps(output) and "integer of 16610 bits" in json.dumps(output)
    assert chat["app.huge"] == "[integer of 16610 bits]"
    assert chat["gen_ai.usage.input_tokens"] == 10
    assert "gen_ai.usage.output_tokens" not in chat
    assert "gen_ai.request.max_tokens" not in chat
    assert chat["gen_ai.request.reasoning.level"] == "high"
    result = json.loads(sentry.named("execute_tool t").attributes["gen_ai.tool.call.result"])
    assert result == {"value": "[integer of 16610 bits]", "kept": "yes"}


def test_int_and_float_subclasses_are_sent_as_the_numbers_they_hold(sentry):
    """Counts, parameters and attributes of an int or float subclass are read as the
    number it holds (as ``json`` writes it), whatever its ``__int__``, ``__float__`` or
    comparisons say: never a number out of Sentry's range, never a raise."""
    with sentry_agents.chat(
        "m", max_tokens=LyingInt(100), top_k=RaisingInt(5), temperature=LyingFloat(0.5)
    ) as llm:
        llm.set_usage(
            input_tokens=LyingInt(10),
            output_tokens=RaisingInt(3),
            input_tokens_cached=LyingFloat(4.0),
            total_tokens=LyingInt(-1),
        )
        llm.set_attribute("app.count", LyingInt(2**70))
        llm.set_attribute("app.raising", RaisingInt(7))
        llm.set_attribute("app.ratio", LyingFloat(0.25))
    chat = sentry.named("chat m").attributes
    assert chat["gen_ai.request.max_tokens"] == 100
    assert chat["gen_ai.request.top_k"] == 5
    assert chat["gen_ai.request.temperature"] == 0.5
    assert chat["gen_ai.usage.input_tokens"] == 10
    assert chat["gen_ai.usage.output_tokens"] == 3
    assert chat["gen_ai.usage.input_tokens.cached"] == 4
    assert "gen_ai.usage.total_tokens" not in chat or chat["gen_ai.usage.total_tokens"] == 13
    assert chat["app.count"] == str(2**70)
    assert chat["app.raising"] == 7
    assert chat["app.ratio"] == 0.25


def test_names_and_ids_of_any_length_stay_within_the_budget(sentry):
    """A name or an id is the caller's text: a span's name and its start attributes are
    kept within the message budget like content (cut with a marker)."""
    huge = "n" * 300_000
    with sentry_agents.conversation(huge):
        with sentry_agents.invoke_agent(huge, model=huge, provider=huge):
            with sentry_agents.execute_tool(huge, call_id=huge, description=huge):
                pass
            with sentry_agents.mcp_server("tools/call", huge, request_id=huge):
                pass
    spans = sentry.gen_ai_spans() + [s for s in sentry.spans() if s.op == "mcp.server"]
    assert len(spans) == 3
    # the budget of a span sent in its transaction's event, or on its own (streaming)
    budget = 200_000 if sentry.mode == "stream" else 20_000
    for span in spans:
        assert len(span.name.encode()) <= budget, span.op
        for key, value in span.attributes.items():
            if isinstance(value, str):
                limit = 20_000 if key == "gen_ai.conversation.id" else budget
                assert len(value.encode()) <= limit, key
    with sentry_agents.execute_tool("t", description="d" * 30_000):
        pass
    description = sentry.named("execute_tool t").attributes["gen_ai.tool.description"]
    if sentry.mode == "stream":
        assert len(description) == 30_000
    else:  # or less where sentry-sdk's own max_value_length cuts (1,024 in older 2.x)
        assert 0 < len(description) <= 20_000


def test_a_span_of_huge_names_ids_and_content_stays_under_relays_limit(sentry):
    """Every name, model, id and finish reason was cut at the content budget (200,000
    bytes for a span sent on its own), so a span holding several of them besides its
    content went past Relay's 1 MB per span (1.5 MB split out of its transaction, 2.8 MB
    streamed), where Relay cuts an attribute mid-JSON. Those are cut at
    ``IDENTIFIER_BYTES``; content keeps its budget."""
    from sentry_agents._span import IDENTIFIER_BYTES

    big = "x" * 10_000_000
    with sentry_agents.invoke_agent(big, model=big, provider=big, pipeline=big, prompt_name=big):
        with sentry_agents.execute_tool(big, call_id=big):
            pass
        with sentry_agents.mcp_server("tools/call", big, request_id=big, session_id=big) as mcp:
            mcp.set_arguments({"a": big})
        with sentry_agents.chat(
            big,
            provider=big,
            prompt_name=big,
            seed=big,
            reasoning_level=big,
            messages=[{"role": "user", "content": big}],
            system_instructions=big,
            tools=[{"type": "function", "function": {"name": big, "description": big}}],
        ) as llm:
            llm.set_output(big)
            llm.set_response_id(big)
            llm.set_response_model(big)
            llm.set_finish_reasons([big])
    chat = next(s for s in sentry.gen_ai_spans() if s.op == "gen_ai.chat")
    attrs = chat.attributes
    for key in (
        "gen_ai.agent.name",
        "gen_ai.provider.name",
        "gen_ai.request.model",
        "gen_ai.request.seed",
        "gen_ai.request.reasoning.level",
        "gen_ai.response.id",
        "gen_ai.response.model",
    ):
        assert attrs[key].startswith("xxx") and len(attrs[key]) <= IDENTIFIER_BYTES, key
    assert json.loads(attrs["gen_ai.response.finish_reasons"])[0].startswith("xxx")
    assert len(attrs["gen_ai.response.finish_reasons"]) <= IDENTIFIER_BYTES
    assert len(chat.name.encode()) <= IDENTIFIER_BYTES
    identifiers = (
        "gen_ai.pipeline.name",
        "gen_ai.prompt.name",
        "gen_ai.tool.call.id",
        "gen_ai.tool.name",
        "mcp.tool.name",
        "mcp.request.id",
        "jsonrpc.request.id",
        "mcp.session.id",
    )
    spans = sentry.gen_ai_spans() + [s for s in sentry.spans() if s.op == "mcp.server"]
    assert len(spans) == 4
    for span in spans:
        assert len(json.dumps(span.attributes).encode()) < 1_000_000, span.op
        for key in identifiers:
            if key in span.attributes:
                assert len(str(span.attributes[key]).encode()) <= IDENTIFIER_BYTES, key
    if sentry.mode == "stream":  # content keeps its own budget
        assert len(attrs["gen_ai.input.messages"].encode()) > 100_000
    assert len(json.dumps(attrs).encode()) < 1_000_000


class _Ambiguous:
    """An array-like value: asking whether it is true raises, as numpy's arrays do."""

    def __bool__(self) -> bool:
        raise ValueError("the truth value of an array is ambiguous")


class _NoEquality:
    def __eq__(self, other: object) -> bool:
        raise ValueError("cannot compare")

    __hash__ = object.__hash__


class _Posing:
    """A dict key hashed as the name a reader looks up, which cannot be compared: the
    lookup itself raises."""

    def __init__(self, name: str) -> None:
        self.hash = hash(name)

    def __hash__(self) -> int:
        return self.hash

    def __eq__(self, other: object) -> bool:
        raise ValueError("cannot compare")


class _BrokenDict(dict):  # type: ignore[type-arg]
    def items(self):  # type: ignore[no-untyped-def]
        raise RuntimeError("items() failed")


HOSTILE_MESSAGES = {
    "reasoning item, encrypted content array-like": {
        "type": "reasoning",
        "summary": [],
        "encrypted_content": _Ambiguous(),
    },
    "function call, id array-like": {
        "type": "function_call",
        "call_id": _Ambiguous(),
        "name": "f",
        "arguments": "{}",
    },
    "function call output, id array-like": {
        "type": "function_call_output",
        "call_id": _Ambiguous(),
        "output": "x",
    },
    "refusal block array-like": {
        "role": "assistant",
        "content": [{"type": "refusal", "refusal": _Ambiguous()}],
    },
    "tool result array-like": {"role": "tool", "tool_call_id": None, "content": _Ambiguous()},
    "type that cannot be compared": {"role": "user", "content": "x", "type": _NoEquality()},
    "block type that cannot be compared": {
        "role": "user",
        "content": [{"type": _NoEquality(), "text": "x"}],
    },
    "role that cannot be hashed": {"role": ["user"], "content": "x", "name": "n"},
    "lone block, type that cannot be hashed": {
        "role": "user",
        "content": [{"type": ["text"], "text": "x"}],
    },
    "lone block, role that cannot be hashed": {
        "role": ["user"],
        "content": [{"type": "text", "text": "x"}],
    },
    "dict whose items() raises": {"role": "user", "content": "x", "meta": _BrokenDict(a=1)},
    "key posing as the role": {_Posing("role"): "user", "content": "x"},
    "key posing as the content": {"role": "user", _Posing("content"): "x"},
    "lone block, key posing as its type": {
        "role": "user",
        "content": [{_Posing("type"): "text", "text": "x"}],
    },
    "lone block, key posing as its text": {
        "role": "user",
        "content": [{"type": "text", _Posing("text"): "x"}],
    },
}


@pytest.mark.parametrize("name", sorted(HOSTILE_MESSAGES))
def test_messages_whose_values_raise_past_the_budget_are_counted_without_raising(name):
    """A message older than a full budget is only counted (its system parts taken when
    split): it gives way to the general conversion there too, never raises."""
    from sentry_agents import _message_json
    from sentry_agents._message_json import encode_messages
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrubber_for

    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    newer = [{"role": "assistant", "content": [{"type": "text", "text": "a" * 50}]}]
    newer *= _message_json._BLOCK + 20  # a block after the first, past the budget
    for split in (False, True):
        whole = encode_messages([HOSTILE_MESSAGES[name], *newer], split=split, scrubber=scrubber)
        budgeted = encode_messages(
            [HOSTILE_MESSAGES[name], *newer], split=split, scrubber=scrubber, max_bytes=300
        )
        assert whole is not None and budgeted is not None
        assert budgeted.dropped > 0 and budgeted.system == whole.system
        assert len(budgeted.pieces) + budgeted.dropped == len(whole.pieces)


@pytest.mark.parametrize("name", sorted(HOSTILE_MESSAGES))
def test_messages_whose_values_raise_are_written_without_raising(name):
    """The direct writers and the reuse keys meet such values before the general
    conversion (which contains them) does: they give way to it, never raise."""
    from sentry_agents._message_json import _reuse

    for _ in range(2):  # written, then looked up
        sent = sentry_agents.serialize_messages(
            [HOSTILE_MESSAGES[name], {"role": "user", "content": "ok"}]
        )
        messages = json.loads(sent)
        assert messages[-1] == {"role": "user", "parts": [{"type": "text", "content": "ok"}]}
        assert len(messages) == 2
    _reuse.clear()


def transaction_users(sentry: Sentry) -> list[Any]:
    """The ``user`` of each transaction event received."""
    sentry.flush()
    with sentry.server.lock:
        bodies = list(sentry.server.bodies)
    users = []
    for body in bodies:
        for item in Envelope.deserialize(body).items:
            if item.type == "transaction":
                users.append(json.loads(item.payload.get_bytes()).get("user"))
    return users


def test_conversation_user_fields_are_cleaned_as_the_id_is(sentry):
    """A lone surrogate in a user field (a header decoded with ``surrogateescape``)
    reached the wire as an escape strict JSON parsers reject; other values went to
    sentry-sdk as they were (NaN, bytes)."""
    user = {
        "id": 42,
        "email": "ada\ud800@example.com",
        "username": RaisingStr(),
        "segment": {"note": "x\udfff", "score": math.nan, "blob": b"\x00"},
        "plan": None,
    }
    with sentry_agents.conversation("conv\ud800", user=user):
        with sentry_agents.invoke_agent("Support Agent"):
            pass
    raw = sentry.raw()
    assert b"\\ud800" not in raw and b"\\udfff" not in raw
    attrs = sentry.named("invoke_agent Support Agent").attributes
    assert attrs["gen_ai.conversation.id"] == "conv\ufffd"
    if sentry.mode == "stream":
        assert attrs["user.id"] == "42"
        assert attrs["user.email"] == "ada\ufffd@example.com"
        assert "user.name" not in attrs  # a field without text is left out
    else:
        assert transaction_users(sentry) == [
            {
                "id": "42",
                "email": "ada\ufffd@example.com",
                "segment": {"note": "x\ufffd", "score": "nan", "blob": "[Blob substitute]"},
            }
        ]


class Provider(enum.Enum):
    OPENAI = "openai"


class Vendor(str, enum.Enum):
    ANTHROPIC = "anthropic"


class Attempt(enum.IntEnum):
    FIRST = 1


def test_names_given_as_bytes_or_enum_members_are_sent_as_their_text(sentry):
    """A name given as bytes was sent as Python writes bytes (``"b'openai'"``), and an
    Enum member as ``Provider.OPENAI`` (an ``IntEnum``'s before Python 3.11 too): bytes
    are decoded as UTF-8 (an invalid byte replaced), a member is its value's text."""
    with sentry_agents.invoke_agent(b"Weather Agent", model=b"gpt-4o", provider=Provider.OPENAI):
        with sentry_agents.chat("claude-3-5-haiku", provider=Vendor.ANTHROPIC):
            pass
        with sentry_agents.execute_tool(bytearray(b"caf\xc3\xa9 \xff"), call_id=Attempt.FIRST):
            pass
    agent = sentry.named("invoke_agent Weather Agent").attributes
    assert agent["gen_ai.agent.name"] == "Weather Agent"
    assert (agent["gen_ai.request.model"], agent["gen_ai.provider.name"]) == ("gpt-4o", "openai")
    chat = sentry.named("chat claude-3-5-haiku").attributes
    assert chat["gen_ai.provider.name"] == "anthropic"
    tool = sentry.named("execute_tool caf\xe9 \ufffd").attributes
    assert tool["gen_ai.tool.name"] == "caf\xe9 \ufffd"
    assert tool["gen_ai.tool.call.id"] == "1"
    assert tool["gen_ai.provider.name"] == "openai"
    raw = sentry.raw()
    assert b"b'" not in raw and b"bytearray" not in raw and b"Provider." not in raw


def test_conversation_values_given_as_bytes_or_containers_are_sent_as_text(sentry):
    """A conversation id given as bytes was sent as ``"b'conv-9'"``, and a user field
    holding a list as Python writes it (``"[None]"``): bytes are decoded, a list, tuple,
    set or dict is written as its JSON."""
    user = {"id": b"u-9", "email": [None], "username": ("ada", "lovelace")}
    with sentry_agents.conversation(b"conv-9", user=user):
        with sentry_agents.invoke_agent("Support Agent"):
            pass
    attrs = sentry.named("invoke_agent Support Agent").attributes
    assert attrs["gen_ai.conversation.id"] == "conv-9"
    expected = {"id": "u-9", "email": "[null]", "username": '["ada","lovelace"]'}
    if sentry.mode == "stream":
        sent = (attrs["user.id"], attrs["user.email"], attrs["user.name"])
        assert sent == tuple(expected.values())
    else:
        assert transaction_users(sentry) == [expected]
    assert b"None" not in sentry.raw()


def test_conversation_user_fields_are_cut_as_the_id_is(sentry):
    """A user's id and email of any length were sent whole (300,000 characters each as
    ``user.id`` and ``user.email`` of every span in stream mode)."""
    with sentry_agents.conversation(
        "c" * 300_000, user={"id": "i" * 300_000, "email": "é" * 300_000}
    ):
        with sentry_agents.invoke_agent("Support Agent"):
            pass
    attrs = sentry.named("invoke_agent Support Agent").attributes
    sent = [attrs[k] for k in ("user.id", "user.email") if k in attrs]
    sent += [v for user in transaction_users(sentry) if user for v in user.values()]
    assert sent, "the user was sent"
    limit = len(attrs["gen_ai.conversation.id"].encode())
    assert limit <= 20_000
    for value in sent:
        assert len(value.encode()) <= limit


def test_conversation_user_extra_fields_stay_within_the_budget_together(sentry):
    """A user's other fields were sent whole: an avatar's data URL, or a profile of
    thousands of fields, made a transaction over Relay's 1 MiB event limit, which loses
    the whole agent run. Together they get the bytes the id gets, the first fields kept
    and the cut marked; the standard fields are kept."""
    avatar = "data:image/png;base64," + "A" * 700_000
    profile = {f"pref{i}": "v" * 1_000 for i in range(2_000)}
    user = {"plan": "pro", "avatar": avatar, **profile, "id": "u-42", "email": "a@b.c"}
    with sentry_agents.conversation("conv-1", user=user):
        with sentry_agents.invoke_agent("Support Agent"):
            pass
    assert len(sentry.raw()) < 100_000
    if sentry.mode == "stream":
        attrs = sentry.named("invoke_agent Support Agent").attributes
        assert (attrs["user.id"], attrs["user.email"]) == ("u-42", "a@b.c")
    else:
        (sent,) = transaction_users(sentry)
        assert (sent["id"], sent["email"], sent["plan"]) == ("u-42", "a@b.c", "pro")
        assert sent["avatar"] == "[Blob substitute]", "media is never sent"
        assert sent["..."] == "[truncated]"
        extra = {k: v for k, v in sent.items() if k not in ("id", "email")}
        assert len(json.dumps(extra, separators=(",", ":")).encode()) <= 20_000


def test_an_anonymous_web_user_with_empty_fields_is_no_user(sentry):
    """Django's anonymous user has the fields, all empty (``id`` None, ``username`` ""),
    and a text of its own: it was sent as a user named "", every anonymous visitor the
    same user on Sentry's pages. It is left out, as Flask-Login's anonymous user is; an
    empty field beside others is left out too."""

    class AnonymousUser:  # as django.contrib.auth.models.AnonymousUser
        id = None
        pk = None
        username = ""

        def __str__(self) -> str:
            return "AnonymousUser"

    with sentry_agents.conversation("conv-anonymous", user=AnonymousUser()):
        with sentry_agents.invoke_agent("Anonymous Agent"):
            pass
    with sentry_agents.conversation("conv-known", user={"id": "u-42", "email": ""}):
        with sentry_agents.invoke_agent("Known Agent"):
            pass
    anonymous = sentry.named("invoke_agent Anonymous Agent").attributes
    assert not [k for k in anonymous if k.startswith("user.")]
    known = sentry.named("invoke_agent Known Agent").attributes
    if sentry.mode == "stream":
        assert known["user.id"] == "u-42" and "user.email" not in known
    else:
        assert transaction_users(sentry) == [None, {"id": "u-42"}]


def test_conversation_user_that_cannot_be_read_is_left_out(sentry, sdk_log):
    """A mapping whose ``items()`` raises (a lazy session whose load fails) raised into
    the app before the block ran."""
    sentry.init(debug=True)
    ran = False
    with sentry_agents.conversation("conv-1", user=_BrokenDict(id="u-42")):
        with sentry_agents.invoke_agent("Support Agent"):
            ran = True
    assert ran
    attrs = sentry.named("invoke_agent Support Agent").attributes
    assert attrs["gen_ai.conversation.id"] == "conv-1"
    assert "user.id" not in attrs
    assert "the conversation's user could not be read" in sdk_log.text
    assert "items() failed" in sdk_log.text


def test_a_conversation_id_or_user_without_text_is_left_out(sentry, sdk_log):
    """A user, an id field or a conversation id whose ``__str__`` raises was sent as its
    type's name (``"<RaisingEverything>"``): every such conversation one conversation,
    every such user one user. Each is left out, with a warning; the block still runs."""
    sentry.init(debug=True)

    class UserWithUnreadableId:
        id = RaisingStr()
        email = "a@b.c"

    with sentry_agents.conversation(RaisingEverything(), user=RaisingEverything()):
        with sentry_agents.invoke_agent("Unreadable Agent"):
            pass
    with sentry_agents.conversation("conv-2", user=UserWithUnreadableId()):
        with sentry_agents.invoke_agent("Email Agent"):
            pass
    attrs = sentry.named("invoke_agent Unreadable Agent").attributes
    assert "gen_ai.conversation.id" not in attrs
    assert not [key for key in attrs if key.startswith("user.")]
    assert "the conversation id (a RaisingEverything) has no text" in sdk_log.text
    assert "the conversation's user (a RaisingEverything) has no text" in sdk_log.text
    attrs = sentry.named("invoke_agent Email Agent").attributes
    if sentry.mode == "stream":
        assert attrs["user.email"] == "a@b.c" and "user.id" not in attrs
    else:
        assert transaction_users(sentry) == [None, {"email": "a@b.c"}]


class _ClassRaises:
    """A callable proxy whose ``__class__`` raises: ``isinstance`` checks on it raise."""

    @property  # type: ignore[misc]
    def __class__(self) -> Any:
        raise RuntimeError("__class__")

    def __call__(self) -> None:
        pass


def test_a_tool_that_cannot_be_read_leaves_the_others(sentry):
    """One such tool lost the whole ``gen_ai.tool.definitions`` attribute."""

    def get_weather(city: str) -> dict[str, Any]:
        """Current weather for a city."""
        return {}

    with sentry_agents.chat("m", tools=[get_weather, _ClassRaises()]):
        pass
    definitions = sentry.named("chat m").json_attribute("gen_ai.tool.definitions")
    assert [d["name"] for d in definitions] == ["get_weather", "_ClassRaises"]
    assert definitions[0]["parameters"]["required"] == ["city"]


def test_values_whose_class_raises_are_written_without_raising(sentry, sdk_log):
    """``isinstance`` reads ``__class__``: such a value as a tool's arguments or result,
    or inside them, raised out of ``execute_tool`` (and ``safe_str`` and ``jsonable``
    raised). It is written as its text, its memory address as its type's name."""
    from sentry_agents._jsonable import jsonable, safe_str

    hostile = _ClassRaises()
    assert safe_str(hostile) == "<_ClassRaises>"
    assert jsonable(hostile) == "<_ClassRaises>"
    assert jsonable({"city": [hostile], hostile: 1}) == {
        "city": ["<_ClassRaises>"],
        "<_ClassRaises>": 1,
    }
    with sentry_agents.execute_tool("lookup", arguments={"city": hostile, hostile: 1}) as tool:
        tool.set_result(hostile)
    with sentry_agents.execute_tool("search", arguments=hostile) as tool:
        tool.set_result({"hits": [hostile]})
    assert_all_valid(sentry, 2)
    lookup = sentry.named("execute_tool lookup").attributes
    assert json.loads(lookup["gen_ai.tool.call.arguments"]) == {
        "city": "<_ClassRaises>",
        "<_ClassRaises>": 1,
    }
    assert lookup["gen_ai.tool.call.result"] == "<_ClassRaises>"
    search = sentry.named("execute_tool search").attributes
    assert json.loads(search["gen_ai.tool.call.arguments"]) == "<_ClassRaises>"
    assert json.loads(search["gen_ai.tool.call.result"]) == {"hits": ["<_ClassRaises>"]}
    assert "Traceback" not in sdk_log.text


class _UnreadableList(list):  # type: ignore[type-arg]
    """A list whose length and iteration raise."""

    def __len__(self) -> int:
        raise RuntimeError("len")

    def __iter__(self) -> Any:
        raise RuntimeError("iter")


def test_a_ranking_item_that_cannot_be_read_leaves_the_others(sentry, sdk_log):
    """A rerank result, one item of it or an item's document text whose ``__class__``
    raises (``isinstance`` raised), or a pair whose length and iteration raise: the
    whole ranking was lost (contained, with a traceback in the log). Each is written as
    its text and the other items are kept."""
    with sentry_agents.rerank("ranked") as ranker:
        ranker.set_result(
            {
                "results": [
                    _ClassRaises(),
                    _UnreadableList([1, 0.5]),
                    {"index": 2, "document": {"text": _ClassRaises()}},
                    (0, 0.9),
                ],
                "model": "m",
            }
        )
    with sentry_agents.rerank("whole") as ranker:
        ranker.set_result(_ClassRaises())
    results = "sentry_agents.rerank.results"
    assert sentry.named("rerank ranked").json_attribute(results) == [
        {"document": "<_ClassRaises>"},
        {"document": "[_UnreadableList]"},
        {"index": 2, "document": {"text": "<_ClassRaises>"}},
        {"index": 0, "score": 0.9},
    ]
    assert sentry.named("rerank whole").json_attribute(results) == [{"document": "<_ClassRaises>"}]
    assert "Traceback" not in sdk_log.text


def test_helper_values_whose_class_raises_are_written_and_the_rest_recorded(sentry, sdk_log):
    """Embeddings inputs or rerank documents whose ``__class__`` raises were lost (the
    list check raised), and so was everything an evaluation response carried when its
    ``model`` was such a value: its usage and answers. Each is written as its text (a
    model that is not text is no response model) and the rest is recorded."""
    with sentry_agents.embeddings("e", inputs=_ClassRaises()):
        pass
    with sentry_agents.rerank("r", documents=_ClassRaises()) as ranker:
        ranker.set_result({"model": _ClassRaises(), "results": [(0, 0.5)]})
    answers = {"helpful": {"type": "boolean", "probability": 0.9}}
    with sentry_agents.evaluate("j", questions={"helpful": {"type": "boolean"}}) as judge:
        judge.set_response(
            {"model": _ClassRaises(), "usage": {"input_tokens": 3}, "answers": answers}
        )
    embedded = sentry.named("embeddings e").attributes
    assert json.loads(embedded["gen_ai.embeddings.input"]) == ["<_ClassRaises>"]
    ranked = sentry.named("rerank r")
    assert ranked.json_attribute("sentry_agents.rerank.documents") == ["<_ClassRaises>"]
    assert ranked.json_attribute("sentry_agents.rerank.results") == [{"index": 0, "score": 0.5}]
    assert "gen_ai.response.model" not in ranked.attributes
    judged = sentry.named("evaluate j").attributes
    assert judged["gen_ai.usage.input_tokens"] == 3
    assert json.loads(judged["gen_ai.output.messages"]) == [
        {"type": "evaluation", "answers": answers}
    ]
    assert "Traceback" not in sdk_log.text


def test_set_usage_of_a_value_whose_class_raises_keeps_the_counts_given(sentry, sdk_log):
    """``set_usage(obj, input_tokens=3, output_tokens=1)`` with an ``obj`` whose
    ``__class__`` raises recorded no usage at all (the check for a ``Usage`` raised): the
    counts given by name are recorded, and the object reads as no usage (logged)."""
    sentry.init(debug=True)  # sentry-sdk's logger lets its lines through only then
    with sentry_agents.chat("m") as llm:
        llm.set_usage(_ClassRaises(), input_tokens=3, output_tokens=1)
    attrs = sentry.named("chat m").attributes
    assert attrs["gen_ai.usage.input_tokens"] == 3
    assert attrs["gen_ai.usage.output_tokens"] == 1
    assert "usage could not be read" in sdk_log.text


def test_a_decorated_agent_returning_a_value_whose_class_raises_records_its_text(sentry, sdk_log):
    """A decorated agent's return value whose ``__class__`` raises (a proxy) lost the
    agent's output, with a traceback in the log, where a decorated tool records such a
    result as its text. The agent's output is that text too, and the value is returned."""
    returned = _ClassRaises()

    @sentry_agents.agent
    def proxied(question: str) -> Any:
        return returned

    assert proxied("hi") is returned
    output = sentry.named("invoke_agent proxied").json_attribute("gen_ai.output.messages")
    assert output[0]["role"] == "assistant"
    assert json.loads(output[0]["parts"][0]["content"]) == "<_ClassRaises>"
    assert "Traceback" not in sdk_log.text


def test_a_decorated_generator_yielding_a_value_whose_class_raises_records_the_rest(
    sentry, sdk_log
):
    """A decorated agent or tool generator that yielded a value whose ``__class__``
    raises lost all it yielded (telling text pieces from other items raised), with a
    traceback in the log. What it yielded is recorded as a list (an agent's as messages,
    a tool's as JSON), that value as what it can be written as."""

    @sentry_agents.agent
    def agent_steps(question: str) -> Any:
        yield "a"
        yield _ClassRaises()

    @sentry_agents.tool
    def tool_steps(query: str) -> Any:
        yield "a"
        yield _ClassRaises()

    assert len(list(agent_steps("hi"))) == len(list(tool_steps("hi"))) == 2
    output = sentry.named("invoke_agent agent_steps").json_attribute("gen_ai.output.messages")
    assert [m["parts"][0]["content"] for m in output] == ["a", "[unconvertible message]"]
    result = sentry.named("execute_tool tool_steps").json_attribute("gen_ai.tool.call.result")
    assert result == ["a", "<_ClassRaises>"]
    assert "Traceback" not in sdk_log.text


class _OverridingStr(str):
    """Text whose own methods raise (a lazy or tracked string type)."""

    def strip(self, *args: Any) -> str:
        raise RuntimeError("strip")

    def lower(self) -> str:
        raise RuntimeError("lower")


def test_guardrail_outcomes_whose_methods_or_truth_raise_are_read_without_a_traceback(
    sentry, sdk_log
):
    """A guardrail's outcome given as text whose own ``strip`` raises (``"TRUE"``) was no
    outcome, and one whose truth cannot be told (a numpy array) was logged as a failure
    to record, with a traceback. Text is read as the text it holds; a truth that cannot
    be told is no outcome, with the usual warning."""
    sentry.init(debug=True)  # sentry-sdk's logger lets its lines through only then
    with sentry_agents.guardrail("text") as check:
        check.set_outcome(_OverridingStr(" TRUE "))
    sentry_agents.guardrail("pair")(lambda: (_OverridingStr("false"), "a model said so"))()
    with sentry_agents.guardrail("array") as check:
        check.set_outcome(ArrayLike(), "scores")
    spans = {s.name: s.attributes for s in sentry.spans()}
    assert spans["guardrail text"]["sentry_agents.guardrail.passed"] is True
    assert spans["guardrail pair"]["sentry_agents.guardrail.passed"] is False
    assert spans["guardrail pair"]["sentry_agents.guardrail.reason"] == "a model said so"
    assert "sentry_agents.guardrail.passed" not in spans["guardrail array"]
    assert spans["guardrail array"]["sentry_agents.guardrail.reason"] == "scores"
    assert "guardrail outcome <ArrayLike> is not true or false" in sdk_log.text
    assert "Traceback" not in sdk_log.text


class _UnreprText(str):
    """Text whose own ``repr`` raises."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def test_guardrail_outcome_whose_repr_raises_is_named_in_a_warning(sentry, sdk_log):
    """The warning for an outcome that is none named it by its ``repr``: when that (and
    its ``__class__``) raised, a "failed to record" traceback was logged instead of the
    warning. It names the value by its type (text by its content), and the span is sent
    with its reason."""
    sentry.init(debug=True)  # sentry-sdk's logger lets its lines through only then
    with sentry_agents.guardrail("proxy") as check:
        check.set_outcome(_Unreadable(), "scores")
    with sentry_agents.guardrail("text") as check:
        check.set_outcome(_UnreprText("maybe"))
    spans = {s.name: s.attributes for s in sentry.spans()}
    assert "sentry_agents.guardrail.passed" not in spans["guardrail proxy"]
    assert spans["guardrail proxy"]["sentry_agents.guardrail.reason"] == "scores"
    assert "sentry_agents.guardrail.passed" not in spans["guardrail text"]
    records = {id(r): r for r in sdk_log.records if r.name == "sentry_sdk.errors"}.values()
    warnings = sorted(r.getMessage() for r in records if r.levelname == "WARNING")
    assert warnings == [
        "sentry_agents: guardrail outcome 'maybe' is not true or false",
        "sentry_agents: guardrail outcome <_Unreadable> is not true or false (RuntimeError: bool)",
    ]
    assert not any(r.exc_info for r in records)


def test_text_set_after_the_start_stays_within_the_budget(sentry):
    """An error code, a response model, an MCP server's name and a prompt's role given
    after the span started are cut to the budget as its start attributes are."""
    sentry_agents.configure(max_message_bytes=1_000)
    huge = "é" * 100_000
    with sentry_agents.mcp_server("initialize") as server:
        server.set_result({"serverInfo": {"name": huge, "version": huge}, "protocolVersion": huge})
    with sentry_agents.mcp_server("prompts/get", "greet") as prompt:
        prompt.set_result({"messages": [{"role": huge, "content": "hi"}]})
    with sentry_agents.mcp_server("tools/call", "t") as failed:
        failed.set_error(huge)
    with sentry_agents.rerank("r") as ranked:
        ranked.set_result({"model": huge, "results": []})
    spans = sentry.spans()
    assert len(spans) == 4
    for span in spans:
        for key, value in span.attributes.items():
            if isinstance(value, str):
                assert len(value.encode()) <= 1_000, (span.name, key)
    assert sentry.named("tools/call t").attributes["error.type"].startswith("éé")


_UNCOMPARABLE_RESPONSES: dict[str, Callable[[], Any]] = {
    "object array-like": lambda: {"object": ArrayLike(), "content": "hello"},
    "object raising ==": lambda: {"object": _NoEquality(), "content": "hello"},
    "type raising ==": lambda: {"type": _NoEquality(), "content": "hello"},
    "type array-like": lambda: {"type": ArrayLike(), "content": "hello"},
    "type raising ==, content blocks": lambda: {
        "type": _NoEquality(),
        "content": [{"type": "text", "text": "hello"}],
        "stop_reason": None,
    },
    "stop_reason raising ==": lambda: {
        "type": "message",
        "stop_reason": _NoEquality(),
        "content": "hello",
    },
    "langchain finish_reason array-like": lambda: {
        "type": "ai",
        "content": "hello",
        "response_metadata": {"finish_reason": ArrayLike(), "model_name": "m-1"},
    },
    "langchain metadata array-like": lambda: {
        "type": "ai",
        "content": "hello",
        "response_metadata": ArrayLike(),
    },
}


@pytest.mark.parametrize("name", sorted(_UNCOMPARABLE_RESPONSES))
def test_set_response_with_fields_that_cannot_be_compared_records_the_rest(sentry, name):
    """A response field whose ``==`` or truth raises (a numpy array's) is as good as
    absent: set_response does not raise, and the output it holds is still recorded (a
    message whose own ``type`` cannot be read is one the converter cannot read either)."""
    with sentry_agents.chat("m") as llm:
        llm.set_response(_UNCOMPARABLE_RESPONSES[name]())
    attrs = sentry.named("chat m").attributes
    assert attrs["gen_ai.response.streaming"] is False
    output = json.loads(attrs["gen_ai.output.messages"])
    content = "[unconvertible message]" if name.startswith("type ") else "hello"
    assert output[0]["parts"] == [{"type": "text", "content": content}]
    assert "gen_ai.response.finish_reasons" not in attrs
    if name == "langchain finish_reason array-like":
        assert attrs["gen_ai.response.model"] == "m-1"


def test_set_response_that_cannot_be_read_is_contained(sentry, sdk_log, mocker):
    """Whatever the readers could not tell apart is contained at set_response: logged,
    never raised, and the span is still sent."""
    sentry.init(debug=True)  # sentry-sdk's logger lets its lines through only then
    mocker.patch("sentry_agents._model.read_response", side_effect=ValueError("unreadable"))
    with sentry_agents.chat("m") as llm:
        llm.set_response({"content": "hello"})
    attrs = sentry.named("chat m").attributes
    assert attrs["gen_ai.response.streaming"] is False
    assert "gen_ai.output.messages" not in attrs
    assert "unreadable" in sdk_log.text


@pytest.mark.parametrize(
    "make",
    [object, lambda: 42, dict, lambda: iter([{"role": "assistant", "content": "a"}])],
    ids=["object", "int", "empty dict", "iterator"],
)
def test_set_response_given_nothing_it_recognises_says_so(sentry, sdk_log, make):
    """Something that is no response (a stream not yet read, a result of another
    library) records nothing: set_response says so in sentry-sdk's debug log, naming its
    type, rather than leaving the output missing unexplained; it never raises, and an
    iterator is not read."""
    sentry.init(debug=True)  # sentry-sdk's logger lets its lines through only then
    given = make()
    with sentry_agents.chat("m") as llm:
        llm.set_response(given)
    attrs = sentry.named("chat m").attributes
    assert "gen_ai.output.messages" not in attrs
    assert f"set_response: nothing recognised in a {type(given).__name__}" in sdk_log.text
    if hasattr(given, "__next__"):
        assert list(given) == [{"role": "assistant", "content": "a"}]


def test_set_response_given_none_logs_nothing(sentry, sdk_log):
    """``None`` (no response, the call failed) is not a mistake worth a line."""
    sentry.init(debug=True)
    with sentry_agents.chat("m") as llm:
        llm.set_response(None)
    assert "set_response" not in sdk_log.text


class _TextStreamSource:
    """A stream helper with ``text_stream`` (as Anthropic's ``MessageStream``)."""

    def __init__(self, chunks: list[Any]) -> None:
        self._chunks = chunks
        self.text_stream = iter(())

    def __iter__(self) -> Any:
        return iter(self._chunks)


def test_text_stream_skips_chunks_whose_type_cannot_be_compared(sentry):
    def delta(text: str) -> dict[str, Any]:
        return {"type": "content_block_delta", "delta": {"type": "text_delta", "text": text}}

    chunks = [
        delta("Hel"),
        {"type": ArrayLike()},
        {"type": "content_block_delta", "delta": {"type": _NoEquality(), "text": "x"}},
        delta("lo"),
    ]
    with sentry_agents.chat("m") as llm:
        text = "".join(llm.stream(_TextStreamSource(chunks)).text_stream)
    assert text == "Hello"
    assert sentry.named("chat m").attributes["gen_ai.response.streaming"] is True


DEEP_JSON = "[" * 3000 + "]" * 3000
"""JSON text nested deeper than Python's recursion limit lets ``json`` read."""


def test_json_nested_too_deep_to_read_is_kept_as_text(sentry):
    """Tool arguments nested past the recursion limit are kept as text, as invalid JSON
    is: a stream keeps its whole response, a history its message and its role."""
    from sentry_agents._jsonable import json_arguments, parse_json_maybe

    if sentry.mode == "static":  # older 2.x cut strings at 1,024 characters
        sentry.init(max_value_length=100_000)
    assert parse_json_maybe(DEEP_JSON) == DEEP_JSON
    assert json_arguments(DEEP_JSON) == DEEP_JSON
    call = {"index": 0, "id": "c1", "function": {"name": "f", "arguments": DEEP_JSON}}
    chunks = [
        {"id": "r1", "model": "gpt-x", "choices": [{"index": 0, "delta": {"content": "Hi"}}]},
        {
            "id": "r1",
            "model": "gpt-x",
            "choices": [
                {"index": 0, "finish_reason": "tool_calls", "delta": {"tool_calls": [call]}}
            ],
        },
        {"id": "r1", "model": "gpt-x", "choices": [], "usage": {"prompt_tokens": 10}},
    ]
    with sentry_agents.chat("gpt-x") as llm:
        for _ in llm.stream(iter(chunks)):
            pass
    history = [
        {"role": "user", "content": "go"},
        {
            "role": "assistant",
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": DEEP_JSON}}
            ],
        },
    ]
    with sentry_agents.chat("history", messages=history):
        pass
    for written in (sentry_agents.serialize_messages(history),):
        assert json.loads(written)[1]["parts"][0]["arguments"] == DEEP_JSON
    streamed = sentry.named("chat gpt-x").attributes
    assert streamed["gen_ai.response.id"] == "r1"
    assert streamed["gen_ai.response.model"] == "gpt-x"
    assert streamed["gen_ai.usage.input_tokens"] == 10
    output = json.loads(streamed["gen_ai.output.messages"])
    assert output[0]["parts"][-1]["arguments"] == DEEP_JSON
    inputs = json.loads(sentry.named("chat history").attributes["gen_ai.input.messages"])
    assert [m["role"] for m in inputs] == ["user", "assistant"]
    assert inputs[1]["parts"][0] == {
        "type": "tool_call",
        "id": "c1",
        "name": "f",
        "arguments": DEEP_JSON,
    }


@pytest.mark.parametrize("extra", [-1, 0, 1])
def test_tool_arguments_nested_to_the_depth_limit_in_the_fewest_characters(extra):
    """json_arguments does not count brackets in text too short to nest past MAX_DEPTH:
    the shortest texts nesting to the limit and past it give what decoding then the
    jsonable walk gives (the deepest level written as its placeholder)."""
    from sentry_agents._jsonable import MAX_DEPTH, json_arguments, jsonable, parse_json_maybe

    depth = MAX_DEPTH + extra
    for text in ("[" * depth + "]" * depth, '{"a":' * depth + "0" + "}" * depth):
        assert json_arguments(text) == jsonable(parse_json_maybe(text))
    deepest = json_arguments("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    for _ in range(MAX_DEPTH):
        (deepest,) = deepest
    assert deepest == "[...]"


def _nested(depth: int, leaf: Any) -> Any:
    for _ in range(depth):
        leaf = [leaf]
    return leaf


@pytest.mark.parametrize(
    "value",
    [
        {"rows": [{"id": i, "tags": ["a", {"b": i}]} for i in range(40)]},
        [_nested(22, {}) for _ in range(3)],  # every level kept
        [_nested(22, {}), _nested(23, [1]), {"x": 1}],  # one container at the limit
        [*({"i": i} for i in range(30)), _nested(30, 0)],  # deep after many siblings
        {"a": [[]] * 30, "b": {"c": {"d": _nested(21, {"e": []})}}},  # exactly past it
    ],
)
def test_tool_arguments_of_many_brackets_are_read_for_depth_not_copied(mocker, value):
    """Text of more than ``MAX_DEPTH`` brackets (a list of records) gives what decoding
    then the jsonable walk gives, the deepest level written as its placeholder, and is
    copied by that walk only when it nests past ``MAX_DEPTH``."""
    from sentry_agents import _jsonable
    from sentry_agents._jsonable import MAX_DEPTH, json_arguments, jsonable, parse_json_maybe

    text = json.dumps(value)
    assert text.count("{") + text.count("[") > MAX_DEPTH
    expected = jsonable(parse_json_maybe(text))
    walk = mocker.spy(_jsonable, "jsonable")
    assert json_arguments(text) == expected
    assert (walk.call_count > 0) == ("[...]" in json.dumps(expected))


@pytest.mark.parametrize("digits", [3011, 3500, 4300])
def test_tool_arguments_with_an_integer_too_large_are_written_as_its_size(sentry, digits):
    """json_arguments' fast path gives what decoding then the jsonable walk gives: an
    integer past MAX_INT_BITS as text saying its size, never the integer itself."""
    from sentry_agents._jsonable import json_arguments, jsonable, parse_json_maybe

    text = '{"n": ' + "9" * digits + "}"
    size = (10**digits - 1).bit_length()
    assert (
        json_arguments(text)
        == jsonable(parse_json_maybe(text))
        == {"n": f"[integer of {size} bits]"}
    )
    assert json_arguments("[" + "9" * 3011 + "]") == ["[integer of 10003 bits]"]
    assert json_arguments('["' + "1" * 3011 + '"]') == ["1" * 3011]  # text stays text
    with sentry_agents.execute_tool("t", arguments=text):
        pass
    history = [
        {
            "role": "assistant",
            "tool_calls": [{"id": "c", "function": {"name": "f", "arguments": text}}],
        }
    ]
    with sentry_agents.chat("m", messages=history):
        pass
    arguments = json.loads(sentry.named("execute_tool t").attributes["gen_ai.tool.call.arguments"])
    assert arguments == {"n": f"[integer of {size} bits]"}
    inputs = json.loads(sentry.named("chat m").attributes["gen_ai.input.messages"])
    assert inputs[0]["parts"][0]["arguments"] == {"n": f"[integer of {size} bits]"}


@pytest.mark.parametrize("digits", [4301, 20_000])
def test_json_with_an_integer_past_pythons_conversion_limit_is_still_json(sentry, digits):
    """Valid JSON holding an integer of more digits than Python converts (4,300 by
    default) is read as JSON, the integer written as its size: a tool's result and
    arguments are scrubbed as JSON (the secret alone filtered, what follows it kept) and
    sent as JSON, never cut at the secret by the text scrubber into invalid JSON."""
    big = "-" + "9" * digits
    text = '{"password": "hunter2", "big": ' + big + ', "after": [1, "kept"]}'
    size = f"[integer of {digits} digits]"
    expected = {"password": "[Filtered]", "big": size, "after": [1, "kept"]}
    with sentry_agents.execute_tool("t", arguments=text) as tool:
        tool.set_result(text)
    call = {"id": "c", "type": "function", "function": {"name": "t", "arguments": text}}
    history = [
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c", "content": text},
    ]
    with sentry_agents.chat("m", messages=history):
        pass

    raw = sentry.raw()
    assert b"hunter2" not in raw and big.encode() not in raw
    attributes = sentry.named("execute_tool t").attributes
    assert json.loads(attributes["gen_ai.tool.call.arguments"]) == expected
    assert json.loads(attributes["gen_ai.tool.call.result"]) == expected
    call_part, result_message = sentry.named("chat m").json_attribute("gen_ai.input.messages")
    assert call_part["parts"][0]["arguments"] == expected
    assert json.loads(result_message["parts"][0]["response"]) == expected


def test_stop_sequences_are_cleaned_and_kept_within_the_budget(sentry):
    """Stop sequences are the caller's text: each cleaned, and the list kept within the
    message budget as JSON writes it (its first strings, the next cut with the marker,
    then the marker item when any was left out)."""
    sentry_agents.configure(max_message_bytes=1_000)
    with sentry_agents.chat("huge", stop_sequences=["x" * 300_000, "y" * 300_000]):
        pass
    with sentry_agents.chat("lone", stop_sequences="stop\ud800"):
        pass
    with sentry_agents.chat("request", request={"stop": ["ok", "é" * 5_000, "never", None]}):
        pass
    with sentry_agents.chat("small", stop_sequences=["END", "\ud800"]):
        pass
    sentry.raw().decode("utf-8")  # strict: no lone surrogate reached the wire

    def stops(name: str) -> list[str]:
        value = sentry.named(f"chat {name}").attributes["gen_ai.request.stop_sequences"]
        assert len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()) <= 1_000
        return value  # type: ignore[no-any-return]

    huge = stops("huge")
    assert len(huge) == 2 and huge[1] == "...[truncated]"
    assert huge[0].startswith("xxx") and huge[0].endswith("x...[truncated]")
    assert stops("lone") == ["stop\ufffd"]
    request = stops("request")
    assert request[0] == "ok" and request[-1] == "...[truncated]" and len(request) == 3
    assert request[1].startswith("éé") and request[1].endswith("é...[truncated]")
    assert stops("small") == ["END", "\ufffd"]


def test_a_generator_or_iterator_is_written_as_its_type_never_consumed(sentry):
    """A one-shot value (a generator given as messages or output, an iterator of tool
    definitions, a coroutine) is not read, as reading it would take it from the
    application; it was written as its text, a memory address: its type's name now."""

    def messages():
        yield {"role": "user", "content": "never read"}

    async def answer() -> str:
        return "never awaited"

    given, coroutine = messages(), answer()
    try:
        with sentry_agents.chat("m", messages=given, tools=iter([{"name": "t"}])) as llm:
            llm.set_output(coroutine)
        with sentry_agents.execute_tool("t", arguments=map(str, [1])) as tool:
            tool.set_result(x for x in [1])
    finally:
        coroutine.close()
    assert next(given) == {"role": "user", "content": "never read"}, "not consumed"
    raw = sentry.raw()
    assert b" at 0x" not in raw
    chat = sentry.named("chat m").attributes
    assert "<generator>" in chat["gen_ai.input.messages"]
    assert "<coroutine>" in chat["gen_ai.output.messages"]
    tool_span = sentry.named("execute_tool t").attributes
    assert "<map>" in tool_span["gen_ai.tool.call.arguments"]
    assert "<generator>" in tool_span["gen_ai.tool.call.result"]


class _Reads:
    """A property counting its reads, which gives ``value`` (itself, when ``None``) and
    raises after 1,000 reads: a reader following it round a cycle fails, not hangs."""

    def __init__(self, value: Any = None) -> None:
        self.value = value
        self.reads = 0

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        self.reads += 1
        if self.reads > 1000:
            raise RuntimeError("read round a cycle")
        return obj if self.value is None else self.value


_UNREADABLE = _ClassRaises()


def _hostile_callables() -> list[tuple[Any, str, Optional[str], dict[str, Any]]]:
    """Callables whose parts raise or are not what they should be, each with the name,
    the description and the parameters ``tool_definition`` gives it."""
    anything: dict[str, Any] = {"type": "object", "properties": {}}

    def get_weather(city: str, unit: str = "celsius") -> str:
        """Current weather for a city."""
        return city

    class Partial(functools.partial):  # type: ignore[type-arg]
        func = property(lambda self: (_ for _ in ()).throw(RuntimeError("func")))

    class Keywords(functools.partial):  # type: ignore[type-arg]
        keywords = 5

    class Cyclic(functools.partial):  # type: ignore[type-arg]
        func = _Reads()

    class BadDoc:
        """A doc whose truth raises."""

        __doc__ = RaisingEverything()

        def __call__(self, query: str) -> str:
            return query

    class BrokenText(str):
        def expandtabs(self, tabsize: int = 8) -> str:
            raise RuntimeError("expandtabs")

    def broken_doc(query: str) -> str:
        return query

    broken_doc.__doc__ = BrokenText("A doc of a str subclass that breaks.")

    def with_default(query: str, scope: Any = _UNREADABLE) -> str:
        return query

    class WrapsRound:
        __wrapped__ = _Reads()

    def wrapped_round(query: str) -> str:
        return query

    wrapped_round.__wrapped__ = WrapsRound()  # type: ignore[attr-defined]

    class CallNotCallable:
        __call__ = 5

    class CallRaises:
        __call__ = property(lambda self: (_ for _ in ()).throw(RuntimeError("call")))

    def unreadable_hint(query: str) -> str:
        return query

    unreadable_hint.__annotations__ = {"query": "1 / 0"}

    def unreadable_signature(query: str) -> str:
        return query

    unreadable_signature.__signature__ = 5  # type: ignore[attr-defined]

    city = {"type": "object", "properties": {"city": {"type": "string"}}}
    city["required"] = ["city"]
    query = {"type": "object", "properties": {"query": {"type": "string"}}}
    query["required"] = ["query"]
    unreadable = {"default": "<_ClassRaises>"}  # its text, its address as its type's name
    scope = {**query, "properties": {**query["properties"], "scope": unreadable}}
    weather = "Current weather for a city."
    return [
        (_ClassRaises(), "_ClassRaises", _ClassRaises.__doc__, anything),
        (Partial(get_weather, unit="kelvin"), "Partial", None, anything),
        (Keywords(get_weather, unit="kelvin"), "get_weather", weather, anything),
        (Cyclic(get_weather), "Cyclic", None, anything),
        (BadDoc(), "BadDoc", None, query),
        (broken_doc, "broken_doc", "A doc of a str subclass that breaks.", query),
        (with_default, "with_default", None, scope),
        (wrapped_round, "wrapped_round", None, anything),
        (CallNotCallable(), "CallNotCallable", None, anything),
        (CallRaises(), "CallRaises", None, anything),
        (unreadable_hint, "unreadable_hint", None, {**query, "properties": {"query": {}}}),
        (unreadable_signature, "unreadable_signature", None, anything),
    ]


def test_tool_definition_of_a_hostile_callable_is_a_definition_and_tools_keep_it(sentry):
    """Callables whose ``func``, ``keywords``, ``__doc__``, ``__class__``, ``__call__``,
    ``__wrapped__`` or defaults raise, lead round a cycle or are not what they should
    be raised into ``tool_definition``'s caller (or read round the cycle), and were
    placeholders in ``tools=``: each is given its name (as the decorators name it) and
    what can be read of its parameters (parameters that allow any value, else), in
    every format, and ``tools=`` records those definitions."""
    if sentry.mode == "static":  # older 2.x cut strings at 1,024 characters
        sentry.init(max_value_length=100_000)
    cases = _hostile_callables()
    for tool, name, description, parameters in cases:
        expected = {"type": "function", "name": name, "parameters": parameters}
        if description is not None:
            expected["description"] = description
        assert sentry_agents.tool_definition(tool) == expected, name
        for format in ("chat_completions", "responses", "anthropic", "google"):
            assert sentry_agents.tool_definition(tool, format=format), (name, format)
    with sentry_agents.chat("m", tools=[case[0] for case in cases]):
        pass
    definitions = sentry.named("chat m").json_attribute("gen_ai.tool.definitions")
    assert [d["name"] for d in definitions] == [case[1] for case in cases]
    wrapped = cases[7][0].__wrapped__
    # Stopped at the cycle (a few reads for each of the six definitions), never read round it.
    assert type(wrapped).__dict__["__wrapped__"].reads < 100


class _Unreadable(RaisingEverything):
    """Everything a reader may try raises: its ``__class__`` (so ``isinstance`` raises),
    ``==``, ``hash``, ``len``, iteration, truth, text and attributes."""

    @property  # type: ignore[misc]
    def __class__(self) -> Any:
        raise RuntimeError("__class__")


def _self_list() -> list[Any]:
    value: list[Any] = ["a"]
    value.append(value)
    return value


ENTRY_HOSTILE: dict[str, Callable[[], Any]] = {
    "class raises": _ClassRaises,
    "dunders raise": RaisingEverything,
    "class and dunders raise": _Unreadable,
    "str and repr raise": RaisingStr,
    "huge int": lambda: 10**5000,
    "self-referencing list": _self_list,
    "self-referencing dict": cyclic,
    "message whose class raises": lambda: [{"role": "user", "content": _ClassRaises()}],
    "messages whose class raises": lambda: [_Unreadable(), {"role": "user", "content": "hi"}],
    "fields whose class raises": lambda: {
        "role": _Unreadable(),
        "content": _Unreadable(),
        "tool_calls": [_Unreadable()],
        "name": _ClassRaises(),
    },
    "response whose parts' class raises": lambda: {
        "choices": [{"message": _Unreadable(), "finish_reason": _Unreadable()}],
        "usage": {"prompt_tokens": _Unreadable(), "completion_tokens": _ClassRaises()},
        "model": _Unreadable(),
    },
}
"""Values a reader cannot take apart, for ``test_every_entry_point_contains_hostile_values``."""


def _response_calls(span: Any, value: Any) -> None:
    """Every setter a model call and an agent share, each given ``value``."""
    span.set_input(value)
    span.set_response(value)
    span.set_usage(value)
    span.set_output(value)
    span.set_finish_reasons(value)
    span.set_response_model(value)
    span.set_response_id(value)


def _chat_calls(value: Any) -> None:
    with sentry_agents.chat(
        value,
        provider=value,
        messages=value,
        system_instructions=value,
        tools=value,
        operation=value,
        temperature=value,
        top_p=value,
        top_k=value,
        max_tokens=value,
        frequency_penalty=value,
        presence_penalty=value,
        seed=value,
        reasoning_level=value,
        stop_sequences=value,
        prompt_name=value,
        request=value,
    ) as llm:
        _response_calls(llm, value)
        llm.set_usage(
            input_tokens=value,
            output_tokens=value,
            input_tokens_cached=value,
            input_tokens_cache_write=value,
            output_tokens_reasoning=value,
            total_tokens=value,
        )
        llm.set_attribute("custom.value", value)
        llm.set_attribute(value, "custom key")


def _switch_calls(value: Any) -> None:
    with sentry_agents.chat(
        "switches", record_inputs=value, record_outputs=value, capture_errors=value, redact=value
    ) as llm:
        llm.set_output("answer")


def _stream_calls(value: Any) -> None:
    with sentry_agents.chat("streamed") as llm:
        for _ in llm.stream([value, {"choices": [{"delta": {"content": value}}]}]):
            pass


def _agent_calls(value: Any) -> None:
    with sentry_agents.invoke_agent(
        value,
        model=value,
        provider=value,
        messages=value,
        system_instructions=value,
        tools=value,
        pipeline=value,
        prompt_name=value,
    ) as agent:
        _response_calls(agent, value)


def _decorated_calls(value: Any) -> None:
    @sentry_agents.agent(
        name=value, model=value, provider=value, system_instructions=value, tools=value
    )
    def run(request: Any) -> Any:
        return lookup(request, scope=request)

    @sentry_agents.tool(name=value, description=value)
    def lookup(query: Any, scope: Any = None) -> Any:
        return query

    run(value)


def _tool_calls(value: Any) -> None:
    with sentry_agents.execute_tool(
        value, arguments=value, description=value, call_id=value, mcp_server=value
    ) as tool:
        tool.set_arguments(value)
        tool.set_result(value)


def _embeddings_calls(value: Any) -> None:
    with sentry_agents.embeddings(value, provider=value, inputs=value) as emb:
        emb.set_usage(value)
        emb.set_usage(input_tokens=value)
        emb.set_response(value)
        emb.set_response_model(value)


def _evaluate_calls(value: Any) -> None:
    with sentry_agents.evaluate(value, provider=value, state=value, questions=value) as ev:
        ev.set_answers(value)
        ev.set_response(value)
        ev.set_usage(value)


def _rerank_calls(value: Any) -> None:
    with sentry_agents.rerank(value, provider=value, query=value, documents=value) as ranked:
        ranked.set_result(value)
        ranked.set_usage(value)
        ranked.set_response_model(value)


def _guardrail_calls(value: Any) -> None:
    with sentry_agents.guardrail(value, stage=value) as check:
        check.set_outcome(value, value)


def _mcp_server_calls(value: Any, method: Any = None) -> None:
    """An MCP server span given ``value`` everywhere (its method too, unless given)."""
    with sentry_agents.mcp_server(
        value if method is None else method,
        value,
        request_id=value,
        session_id=value,
        transport=value,
        network_transport=value,
        protocol_version=value,
        client=value,
        server=value,
        arguments=value,
        meta=value,
    ) as server:
        server.set_arguments(value)
        server.set_result(value)
        server.set_result({"content": [value], "structuredContent": value, "isError": value})
        server.set_result({"messages": [value]})
        server.set_error(value)


def _mcp_notification_calls(value: Any) -> None:
    with sentry_agents.mcp_notification(
        value,
        value,
        params=value,
        session_id=value,
        transport=value,
        network_transport=value,
        meta=value,
    ):
        pass


def _conversation_calls(value: Any) -> None:
    with sentry_agents.conversation(value, user=value):
        with sentry_agents.handoff(value, value):
            pass
        with sentry_agents.create_agent(value, model=value, provider=value) as created:
            created.set_attribute("custom.value", value)


def _function_calls(value: Any) -> None:
    sentry_agents.to_gen_ai_messages(value)
    sentry_agents.to_gen_ai_messages([value], default_role=value)
    sentry_agents.serialize_messages(value)
    sentry_agents.serialize_messages([value])
    sentry_agents.usage_from(value)
    sentry_agents.usage_from({"usage": value})
    sentry_agents.mcp_meta(value)
    sentry_agents.mcp_meta({"key": value})
    for format in (None, "anthropic"):
        if callable(value):
            sentry_agents.tool_definition(value, format=format)
        else:  # what the caller gave is not a tool: said so, whatever the value is
            with pytest.raises(TypeError, match="another callable, not"):
                sentry_agents.tool_definition(value, format=format)
    sampler = sentry_agents.traces_sampler()
    sampler(value)
    sampler({"transaction_context": value, "parent_sampled": value})


ENTRY_POINTS: dict[str, tuple[Callable[[Any], None], int]] = {
    "chat": (_chat_calls, 1),
    "chat stream": (_stream_calls, 1),
    "chat switches": (_switch_calls, 1),
    "invoke_agent": (_agent_calls, 1),
    "agent and tool decorators": (_decorated_calls, 2),
    "execute_tool": (_tool_calls, 1),
    "embeddings": (_embeddings_calls, 1),
    "evaluate": (_evaluate_calls, 1),
    "rerank": (_rerank_calls, 1),
    "guardrail": (_guardrail_calls, 0),  # not gen_ai: checked with the MCP spans
    "mcp_server": (_mcp_server_calls, 0),
    "mcp_notification": (_mcp_notification_calls, 0),
    "conversation, handoff, create_agent": (_conversation_calls, 2),
    "functions": (_function_calls, 0),
}
"""Each public recording entry point, called with one value in every position where
the user's data goes, and the gen_ai spans it starts."""
MCP_OPS = (keys.OP_MCP_SERVER, *DIRECTIONS.values())


@pytest.mark.parametrize("name", sorted(ENTRY_HOSTILE))
def test_every_entry_point_contains_hostile_values(sentry, name):
    """A value whose ``__class__``, comparisons, hash, length, iteration, truth or text
    raise, an integer too large to write, or a value that contains itself, given to any
    public entry point in any position where the user's data goes: nothing raises into
    the app, every span is sent, and everything sent is valid."""
    raised = []
    expected = 0
    for entry, (call, spans) in ENTRY_POINTS.items():
        try:
            call(ENTRY_HOSTILE[name]())
        except Exception as exc:
            raised.append(f"{entry}: {exc!r}")
        expected += spans
    assert not raised
    assert_all_valid(sentry, expected)
    others = [s for s in sentry.spans() if s.op in (keys.OP_GUARDRAIL, *MCP_OPS)]
    assert len(others) == 3
    for span in others:
        assert all(value is not None for value in span.attributes.values()), span.op


CONFIGURATION: dict[str, Callable[[Any], Any]] = {
    "configure(record_inputs)": lambda v: sentry_agents.configure(record_inputs=v),
    "configure(record_outputs)": lambda v: sentry_agents.configure(record_outputs=v),
    "configure(max_message_bytes)": lambda v: sentry_agents.configure(max_message_bytes=v),
    "configure(capture_errors)": lambda v: sentry_agents.configure(capture_errors=v),
    "configure(genai_prices)": lambda v: sentry_agents.configure(genai_prices=v),
    "configure(scrub_keys)": lambda v: sentry_agents.configure(scrub_keys=v),
    "configure(prices)": lambda v: sentry_agents.configure(prices=v),
    "configure(prices) model": lambda v: sentry_agents.configure(prices={v: {"input": 1}}),
    "configure(prices) entry": lambda v: sentry_agents.configure(prices={"m": v}),
    "traces_sampler(default)": lambda v: sentry_agents.traces_sampler(default=v),
    "traces_sampler(agents)": lambda v: sentry_agents.traces_sampler(agents=v),
    "traces_sampler(per_agent)": lambda v: sentry_agents.traces_sampler(per_agent=v),
    "traces_sampler(per_agent) name": lambda v: sentry_agents.traces_sampler(per_agent={v: 1}),
    "traces_sampler(per_agent) rate": lambda v: sentry_agents.traces_sampler(per_agent={"a": v}),
    "traces_sampler(routes)": lambda v: sentry_agents.traces_sampler(routes=v),
    "traces_sampler(routes) route": lambda v: sentry_agents.traces_sampler(routes=["/a", v]),
    "tool_definition(format)": lambda v: sentry_agents.tool_definition(len, format=v),
    "start_capture(mode)": lambda v: start_capture(v),
}
"""Configuration entry points, each given one value where the caller configures."""


@pytest.mark.parametrize("value", [_ClassRaises, RaisingStr], ids=["class", "repr"])
@pytest.mark.parametrize("call", sorted(CONFIGURATION))
def test_configuration_refuses_hostile_values_with_its_documented_error(call, value):
    """Configuration raises ``TypeError`` or ``ValueError`` for a value it cannot take;
    one whose ``__class__`` or ``repr`` raises (read to check it, or to say what it was)
    raised that error instead."""
    with pytest.raises((TypeError, ValueError)):
        CONFIGURATION[call](value())


class _AttributesRaise:
    """Not iterable, and any attribute it lacks raises an error of its own."""

    def __getattr__(self, name: str) -> Any:
        raise LookupError(name)


class _RaisingLookups(type):
    def __getattr__(cls, name: str) -> Any:
        raise LookupError(name)


class _ClassAttributesRaise(metaclass=_RaisingLookups):
    """Not iterable, and any attribute its class lacks (``__iter__``) raises."""


@pytest.mark.parametrize(
    "value",
    [_AttributesRaise, _ClassAttributesRaise, _ClassRaises],
    ids=["attribute", "class attribute", "class"],
)
def test_stream_refuses_what_is_not_iterable_with_type_error_whatever_its_lookups_raise(
    sentry, value
):
    """``stream`` raises ``TypeError`` for something that is not iterable, as a ``for``
    loop over it does; one whose attribute lookups (``__aiter__``, ``__iter__``,
    ``__enter__``, read by the hint) raise raised that error instead. The span ends."""
    with pytest.raises(TypeError, match="takes an iterable"):
        with sentry_agents.chat("m") as llm:
            llm.stream(value())
    assert sentry.named("chat m").attributes["error.type"] == "TypeError"
