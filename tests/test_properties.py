"""Property-based tests: the serializer never raises, always parses, stays in budget;
every usage adapter sends non-negative raw input and output."""

from __future__ import annotations

import copy
import itertools
import json
import re
import subprocess
import sys
import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentry_agents import (
    DEFAULT_SCRUB_KEYS,
    _models,
    serialize_messages,
    to_gen_ai_messages,
    usage_from,
)
from sentry_agents._messages import ROLE_ALIASES
from sentry_agents._usage import checked

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(alphabet=st.characters(blacklist_categories=()), max_size=300),
    st.binary(max_size=50),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(
            st.one_of(st.text(max_size=10), st.integers(), st.booleans(), st.none(), st.floats()),
            children,
            max_size=5,
        ),
        st.frozensets(st.integers(), max_size=3),
    ),
    max_leaves=30,
)
block_types = st.sampled_from(
    [
        "text",
        "image_url",
        "tool_use",
        "tool_result",
        "thinking",
        "input_text",
        "function_call",
        "audio",
        "input_audio",
        "output_audio",
        "weird",
    ]
)
blocks = st.one_of(
    st.text(max_size=200),
    st.fixed_dictionaries(
        {"type": block_types},
        optional={
            "text": values,
            "input": values,
            "content": values,
            "transcript": values,
            "audio": values,
        },
    ),
    values,
)
messages = st.lists(
    st.one_of(
        st.text(max_size=200),
        st.fixed_dictionaries(
            {"role": st.sampled_from(["user", "assistant", "system", "tool", "model", "x", None])},
            optional={
                "content": st.one_of(values, st.lists(blocks, max_size=4)),
                "parts": st.lists(blocks, max_size=3),
            },
        ),
        values,
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages, st.integers(min_value=256, max_value=5000))
def test_serializer_always_parses_within_budget_and_never_mutates(msgs, budget):
    before = copy.deepcopy(msgs) if _copyable(msgs) else None
    out = serialize_messages(msgs, max_bytes=budget)
    parsed = json.loads(out)
    assert len(out.encode("utf-8")) <= budget
    assert isinstance(parsed, list)
    for message in parsed:
        assert message["role"] in ("user", "assistant", "tool", "system")
        assert isinstance(message["parts"], list)
    if before is not None:
        assert _same(msgs, before)


@settings(max_examples=200, deadline=None)
@given(messages)
def test_conversion_never_raises_and_is_json(msgs):
    json.dumps(to_gen_ai_messages(msgs), allow_nan=False)


def _copyable(value: object) -> bool:
    try:
        copy.deepcopy(value)
    except Exception:
        return False
    return True


def _same(a: object, b: object) -> bool:
    """Deep equality where NaN equals NaN (the caller's value must be unchanged)."""
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


counts = st.one_of(st.none(), st.integers(min_value=0, max_value=10**7))


def _assert_raw_non_negative(usage) -> None:
    sent, _ = checked(usage)
    if sent.input_tokens is not None:
        assert (
            sent.input_tokens
            - (sent.input_tokens_cached or 0)
            - (sent.input_tokens_cache_write or 0)
            >= 0
        )
    if sent.output_tokens is not None:
        assert sent.output_tokens - (sent.output_tokens_reasoning or 0) >= 0
    for value in vars(sent).values():
        assert value is None or (isinstance(value, int) and value >= 0)


@given(counts, counts, counts, counts, counts)
def test_openai_chat_usage(prompt, completion, cached, reasoning, write):
    usage = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "prompt_tokens_details": {"cached_tokens": cached},
        "completion_tokens_details": {"reasoning_tokens": reasoning},
        "cache_creation_input_tokens": write,
    }
    _assert_raw_non_negative(usage_from(usage))
    _assert_raw_non_negative(usage_from({"usage": usage, "choices": []}))


@given(counts, counts, counts, counts)
def test_openai_responses_usage(inputs, outputs, cached, reasoning):
    usage = {
        "input_tokens": inputs,
        "output_tokens": outputs,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens_details": {"reasoning_tokens": reasoning},
    }
    _assert_raw_non_negative(usage_from(usage))


@given(counts, counts, counts, counts)
def test_anthropic_usage(inputs, outputs, cache_read, cache_write):
    usage = {
        "input_tokens": inputs,
        "output_tokens": outputs,
        "cache_read_input_tokens": cache_read,
        "cache_creation_input_tokens": cache_write,
    }
    result = usage_from(usage)
    _assert_raw_non_negative(result)
    if inputs is not None:
        assert result.input_tokens == inputs + (cache_read or 0) + (cache_write or 0)


@given(counts, counts, counts, counts, counts)
def test_google_usage(prompt, tool_prompt, candidates, thoughts, cached):
    usage = {
        "prompt_token_count": prompt,
        "tool_use_prompt_token_count": tool_prompt,
        "candidates_token_count": candidates,
        "thoughts_token_count": thoughts,
        "cached_content_token_count": cached,
    }
    _assert_raw_non_negative(usage_from({"usage_metadata": usage}))


@given(counts, counts, counts, counts, counts)
def test_langchain_usage(inputs, outputs, cache_read, cache_creation, reasoning):
    usage = {
        "input_tokens": inputs,
        "output_tokens": outputs,
        "input_token_details": {"cache_read": cache_read, "cache_creation": cache_creation},
        "output_token_details": {"reasoning": reasoning},
    }
    _assert_raw_non_negative(usage_from({"usage_metadata": usage}))


plain_messages = st.lists(
    st.fixed_dictionaries(
        {
            "role": st.sampled_from(
                ["user", "assistant", "system", "developer", "human", "model", "odd"]
            ),
            "content": st.text(alphabet=st.characters(blacklist_categories=()), max_size=80)
            | st.builds(
                lambda before, media, after: before + media + after,
                st.text(max_size=8),
                st.sampled_from(
                    [
                        "data:image/png;base64,iVBORw0KGgo=",
                        "data:;base64,QUJD",
                        "data:image/svg+xml;charset=utf-8;base64,PHN2Zz4",
                        "data:image/png;base64,QUJDdata:image/png;base64,QUJD",
                        "data: x;base64,kept",
                    ]
                ),
                st.text(max_size=8),
            ),
        }
    ),
    max_size=10,
)


json_like = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(alphabet=st.characters(blacklist_categories=()), max_size=20),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=8), inner, max_size=4),
    ),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(json_like, st.booleans(), st.integers(min_value=0, max_value=3))
def test_json_arguments_equals_decoding_then_the_jsonable_walk(value, ensure_ascii, nest):
    from sentry_agents._jsonable import json_arguments, jsonable, parse_json_maybe

    for _ in range(nest * 10):  # now and then deeper than the walk keeps
        value = [value]
    text = json.dumps(value, ensure_ascii=ensure_ascii)
    expected = jsonable(parse_json_maybe(text))
    assert json_arguments(text) == expected
    assert json_arguments(text[:-1]) == jsonable(parse_json_maybe(text[:-1]))  # not JSON


@settings(max_examples=400, deadline=None)
@given(st.one_of(json_like, values))
def test_a_value_called_plain_json_is_its_own_jsonable_copy(value):
    """What ``is_plain_json`` lets the writers use as it is is exactly what the copying
    walk would have made of it, and writes as strict JSON."""
    from sentry_agents._jsonable import dumps, is_plain_json, jsonable

    if is_plain_json(value):
        assert jsonable(value) == value
        assert json.loads(dumps(value)) == value


secret_or_plain_key = st.sampled_from(
    ["city", "api_key", "X-Api-Key", "max_tokens", "note", "api_keys", "input_tokens", "ipaddress"]
)
json_object = st.dictionaries(secret_or_plain_key, json_like, max_size=4)
plain_or_not = st.recursive(
    st.one_of(
        json_like,
        st.just(2**10_001),
        st.sampled_from(
            [
                '{"api_key": "k"}',
                ' ["x", {"token": 1}]',
                "a\nb",
                "\ufeff{}",
                "é",
                "https://u:p@h/x?token=t",
            ]
        ),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.tuples(inner),
        st.dictionaries(
            secret_or_plain_key | st.text(max_size=6) | st.integers(), inner, max_size=3
        ),
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(secret_or_plain_key, plain_or_not, max_size=4),
    st.integers(min_value=0, max_value=14),
    st.sampled_from([DEFAULT_SCRUB_KEYS, frozenset(), frozenset({"city", "note"})]),
)
def test_scrub_plain_is_the_plain_json_test_then_the_scrub(value, nest, names):
    """The one walk that tests and scrubs a tool's input gives what the two walks gave:
    the scrubbed value (the input itself when nothing in it is a secret) when the input
    is plain JSON, else ``NOT_PLAIN``, at any depth (nesting past ``MAX_DEPTH`` too)."""
    from sentry_agents._jsonable import is_plain_json
    from sentry_agents._privacy import NOT_PLAIN, scrub, scrub_plain, scrubber_for

    for _ in range(nest):
        value = {"note": [value]}
    scrubber = scrubber_for(names)
    found = scrub_plain(value, scrubber)
    if not is_plain_json(value):
        assert found is NOT_PLAIN
        return
    expected = scrub(value, scrubber)
    assert found == expected
    assert (found is value) == (expected is value)


some_text = st.text(alphabet=st.characters(blacklist_categories=()), max_size=40)


# Keys a scrubber decides either way, spelled with escapes too; strings that scrubbing
# changes (JSON or bare keys inside, escaped quotes, line breaks); numbers ``dumps``
# writes otherwise than as given.
argument_key = secret_or_plain_key | st.sampled_from(
    ["days", "Password", "token_count", "pass\\u0077ord", 'a\\"b', "", "k" * 130]
)
hostile_string = st.sampled_from(
    [
        '{"api_key": "k"}',
        "[token: 1, secret: 2",
        " [x, {password: 1}]",
        '"api_key": "x"',
        "a\nb",
        " x",
        "\ufeff{}",
        "é",
        "\ud800",
        # media, which a tool call's arguments never send
        "data:image/png;base64,iVBORw0KGgo=",
        '{"type": "image", "data": "iVBORw0KGgo=", "mimeType": "image/png"}',
        "see data:image/png;base64,iVBORw0KGgo= here",
        "a;b;base64",
        # URLs, whose credentials a tool call's arguments never send
        "postgres://u:p@db/app",
        "see https://h/x?token=t&v=2.",
        "https://h/x?v=1",
    ]
)
# Objects holding media where the providers put it (an untyped block's ``data`` is kept).
media_object = st.sampled_from(
    [
        {"source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
        {"inline_data": {"data": "iVBORw0KGgo="}, "note": "caf\u00e9"},
        {"base64": "iVBORw0KGgo=", "api_key": "k"},
        {"image": {"type": "image", "data": "iVBORw0KGgo="}},
        {"clip": {"type": "audio", "blob": "UklGRg=="}},
        {"data": "prose", "blob": "text"},
        {"database": "d\\u0061ta:image/png;base64,x"},
    ]
)
argument_value = json_like | hostile_string | json_object | media_object
argument_text = st.one_of(
    st.builds(
        lambda pairs, separators, indent, ensure_ascii: json.dumps(
            dict(pairs), separators=separators, indent=indent, ensure_ascii=ensure_ascii
        ),
        st.lists(st.tuples(argument_key, argument_value), max_size=5),
        st.sampled_from([(", ", ": "), (",", ":"), (" , ", " : ")]),
        st.none() | st.integers(min_value=0, max_value=2),
        st.booleans(),
    ),
    st.sampled_from(
        [
            '{"city": 1, "city": 2}',
            '{"pass\\u0077ord": "x"}',
            '{"a": NaN, "b": Infinity}',
            '{"a": -0, "b": 1.50, "c": 1e5, "d": 1E2}',
            '{"a": 1} ',
            ' {"a": 1}',
            '{"a": 1}{"b": 2}',
            '{"image": "data:image/png;base64,iVBORw0KGgo="}',
            '{"image": "d\\u0061ta:image/png;base64,iVBORw0KGgo="}',
            '{"d\\u0061ta": "iVBORw0KGgo=", "type": "image"}',
            '{"a": "\\"password\\": 1"}',
            '{"a": "x\\ny"}',
            '{"a": "\\/"}',
            '{"a": "raw\ttab"}',
            '{"city": "' + "9" * 3100 + '"}',
            '{"n": ' + "9" * 3200 + "}",
            '{"n": -' + "9" * 4400 + ', "token": "t"}',
            '{"a": ' * 30 + "1" + "}" * 30,
            '{"a": [' * 30 + "1" + "]" * 30 + "}",
            '{"a": ' * 24 + "1" + "}" * 24,
            '{"a": ' * 25 + "1" + "}" * 25,
            '{"a": [' * 12 + "1" + "]" * 12 + "}",
            '{"a": [' * 13 + "1" + "]" * 13 + "}",
            '{"rows": [' + ", ".join(f'{{"id": {i}, "token": "t"}}' for i in range(30)) + "]}",
            '{"days": 3, "city": "Oslo"}',
            '{"city": {"api_key": "k"}, "days": 3}',
            '{"city": "[token: 1, secret: 2"}',
            '{"city": ["x", "[token: 1, secret: 2"]}',
            "{}",
            "{",
            '{"a"}',
        ]
    ),
    st.text(alphabet='{}[]":,\\ \n\t-.0123456789eEtrufalsnpwodkyc_', max_size=40).map(
        lambda text: '{"' + text
    ),
)


@settings(max_examples=600, deadline=None)
@given(
    argument_text,
    st.integers(min_value=0, max_value=60),
    st.sampled_from([DEFAULT_SCRUB_KEYS, frozenset(), frozenset({"city", "note"})]),
)
def test_scrubbed_arguments_json_is_the_general_path_or_declines(text, cut, names):
    """The direct writer of a tool call's arguments (the JSON text of an object) gives
    exactly what decoding, scrubbing and writing them gives, or declines; before and
    after the keys it reads are known (the second time it may skip the walk)."""
    from sentry_agents._jsonable import call_arguments, dumps
    from sentry_agents._privacy import scrub, scrubbed_arguments_json, scrubber_for

    scrubber = scrubber_for(names)
    for candidate in (text, text[: len(text) - cut] if cut else text + text):
        expected = dumps(scrub(call_arguments(candidate), scrubber))
        for _ in range(2):
            found = scrubbed_arguments_json(candidate, scrubber)
            assert found is None or found == expected, candidate


@settings(max_examples=600, deadline=None)
@given(
    argument_text
    | st.builds(
        json.dumps,
        st.recursive(
            argument_value | media_object,
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(argument_key, inner),
            max_leaves=8,
        ),
        ensure_ascii=st.booleans(),
    )
    | st.builds(json.dumps, argument_text)
)
def test_arguments_text_said_to_hold_no_media_holds_none(text):
    """``json_may_hold_media`` is what lets a tool call's arguments skip the media walk:
    text it says holds none is left as it is by that walk, whatever JSON it holds (media
    nested, encoded twice, spelled with escapes)."""
    from sentry_agents._jsonable import json_arguments, json_may_hold_media, without_media

    converted = json_arguments(text)
    if not json_may_hold_media(text):
        assert without_media(converted) is converted


def test_scrubbed_arguments_json_writes_the_commonest_arguments_and_scrubs_secrets():
    """A flat object is written directly (compact, as ``dumps`` writes it), and a secret
    in it is filtered however it was written or however often its keys were seen."""
    from sentry_agents._privacy import (
        DEFAULT_SCRUB_KEYS,
        FILTERED,
        scrubbed_arguments_json,
        scrubber_for,
    )

    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    for _ in range(2):
        found = scrubbed_arguments_json('{"city": "Oslo", "days": 3}', scrubber)
        assert found == '{"city":"Oslo","days":3}'
        secret = scrubbed_arguments_json('{"city": "Oslo", "api_key": "sk-1"}', scrubber)
        assert secret == f'{{"city":"Oslo","api_key":"{FILTERED}"}}'
        inside = scrubbed_arguments_json('{"city": "{\\"token\\": \\"t\\"}"}', scrubber)
        assert inside == '{"city":"{\\"token\\":\\"[Filtered]\\"}"}'
        assert scrubbed_arguments_json('{"pass\\u0077ord": "p"}', scrubber) is None


def test_scrubbed_arguments_json_writes_a_list_of_records_and_declines_past_max_depth():
    """Arguments of more than ``MAX_DEPTH`` brackets in all (a list of 30 records) are
    written directly when nothing in them nests ``MAX_DEPTH`` levels down, as the
    general path writes them; nested that deep, they are declined (the general path
    replaces what is too deep)."""
    from sentry_agents._jsonable import MAX_DEPTH
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrubbed_arguments_json, scrubber_for

    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    records = json.dumps({"rows": [{"id": i, "api_key": "k", "tags": ["a"]} for i in range(30)]})
    assert records.count("{") + records.count("[") > MAX_DEPTH
    found = scrubbed_arguments_json(records, scrubber)
    assert found == _general_arguments(records, scrubber)
    assert '"api_key":"[Filtered]"' in found and "[Filtered]" not in records
    within = '{"a": ' * MAX_DEPTH + "1" + "}" * MAX_DEPTH
    assert scrubbed_arguments_json(within, scrubber) == _general_arguments(within, scrubber)
    deep = '{"a": ' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1)
    assert scrubbed_arguments_json(deep, scrubber) is None
    past_the_scanner = '{"a": ' + "[" * 1400 + "]" * 1400 + "}"  # its RecursionError
    assert scrubbed_arguments_json(past_the_scanner, scrubber) is None


def _general_arguments(text, scrubber):
    from sentry_agents._jsonable import call_arguments, dumps
    from sentry_agents._privacy import scrub

    return dumps(scrub(call_arguments(text), scrubber))


def test_arguments_of_a_shape_seen_before_are_checked_by_one_regex():
    """Flat arguments whose keys name no secret teach their shape (compact, or with
    ``json.dumps``'s default separators); texts of that shape are then written without
    being decoded, as the general path writes them."""
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, Scrubber, scrubbed_arguments_json

    scrubber = Scrubber(DEFAULT_SCRUB_KEYS)
    for _ in range(2):
        scrubbed_arguments_json('{"city": "Oslo", "days": 3}', scrubber)
        scrubbed_arguments_json('{"city":"Oslo","days":3}', scrubber)
    assert set(scrubber._shapes) == {'{"city":', '{"city"'}
    spaced = '{"city": "Bergen, Norway: west", "days": -12}'
    assert scrubbed_arguments_json(spaced, scrubber) == json.dumps(
        json.loads(spaced), separators=(",", ":")
    )
    compact = '{"city":"a: b, c","days":null}'
    assert scrubbed_arguments_json(compact, scrubber) is compact
    assert scrubber._shapes['{"city"'].fullmatch(compact)


@pytest.mark.parametrize(
    ("teacher", "probe"),
    [
        # strings ``_scrub`` reads as JSON (they begin as JSON may): a bare key in them
        ('{"a":"x"}', '{"a":"{password: 1}"}'),
        ('{"a": "x"}', '{"a": " {password: 1}"}'),
        ('{"a":"x"}', '{"a":"[{password: 1}]"}'),
        # strings and numbers ``dumps`` writes otherwise, or that are not JSON
        ('{"a":"x"}', '{"a":"x\ty"}'),
        ('{"a":"x"}', '{"a":"x\\/"}'),
        ('{"a":1}', '{"a":-0}'),
        ('{"a":1}', '{"a":01}'),
        ('{"a":1}', '{"a":1.50}'),
        ('{"n": 1}', '{"n": ' + "9" * 3100 + "}"),
        ('{"a": "x"}', '{"a": "\ud800"}'),
        # the default separators' spaces taken out where a string holds them too
        ('{"a": "x"}', '{"a": ": x"}'),
        ('{"a": "x", "b": 1}', '{"a": "x, ", "b": 1}'),
        ('{": a": 1}', '{": a": 1}'),
        ('{"a": 1, "b, ": 2}', '{"a": 1, "b, ": 2}'),
        # a secret's key is never learned
        ('{"password": "x"}', '{"password": "y"}'),
        # media, never sent, in a value of a learned shape
        ('{"a": "x"}', '{"a": "data:image/png;base64,iVBORw0KGgo="}'),
    ],
)
def test_arguments_a_learned_shape_would_write_wrong_take_the_general_path(teacher, probe):
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, Scrubber, scrubbed_arguments_json

    scrubber = Scrubber(DEFAULT_SCRUB_KEYS)
    for _ in range(2):
        scrubbed_arguments_json(teacher, scrubber)
    expected = _general_arguments(probe, scrubber)
    for _ in range(2):
        found = scrubbed_arguments_json(probe, scrubber)
        assert found is None or found == expected


def test_arguments_of_no_flat_shape_teach_nothing_and_shapes_are_bounded():
    """Nested arguments (or of a float) are not learned (each would cost a regex to
    compile); past the bound, no shape is learned."""
    from sentry_agents._privacy import (
        _MAX_SHAPES,
        DEFAULT_SCRUB_KEYS,
        Scrubber,
        scrubbed_arguments_json,
    )

    scrubber = Scrubber(DEFAULT_SCRUB_KEYS)
    for text in ('{"a": {"b": 1}}', '{"a": 1.5}', '{"a": "x", "b": [1]}') * 2:
        scrubbed_arguments_json(text, scrubber)
    assert not scrubber._shapes
    for index in range(2 * _MAX_SHAPES):
        for _ in range(2):
            scrubbed_arguments_json(f'{{"k{index}": 1}}', scrubber)
    assert len(scrubber._shapes) == _MAX_SHAPES


shape_separators = st.sampled_from([(", ", ": "), (",", ":"), (",", ": "), (", ", ":")])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(argument_key, min_size=1, max_size=4, unique=True),
    st.lists(argument_value, min_size=4, max_size=4),
    shape_separators,
    shape_separators,
    st.sampled_from([DEFAULT_SCRUB_KEYS, frozenset(), frozenset({"city", "note"})]),
)
def test_arguments_of_a_learned_shape_are_what_the_general_path_writes(
    keys, values, taught, written, names
):
    """Once a shape is learned from plain values, arguments of the same keys holding
    anything, written with any separators, are still written as the general path writes
    them (or declined)."""
    from sentry_agents._privacy import Scrubber, scrubbed_arguments_json

    scrubber = Scrubber(names)
    teacher = json.dumps(dict.fromkeys(keys, "x"), separators=taught)
    for _ in range(2):
        scrubbed_arguments_json(teacher, scrubber)
    probe = json.dumps(dict(zip(keys, values)), separators=written, ensure_ascii=False)
    for candidate in (probe, probe.replace('"', '"x, ', 1), probe.replace('": ', '": ": ', 1)):
        expected = _general_arguments(candidate, scrubber)
        for _ in range(2):
            found = scrubbed_arguments_json(candidate, scrubber)
            assert found is None or found == expected, candidate


@pytest.mark.parametrize(
    ("teacher", "probe"),
    [
        ('{"a": "x", "b": ["y"]}', '{"a": "{password: 1}", "b": ["y"]}'),
        ('{"a": "x", "b": ["y"]}', '{"a": "x", "b": ["[{password: 1}]"]}'),
        ('{"a": "x", "b": ["y"]}', '{"a": " {password: 1}", "b": ["y"]}'),
        ('{"a":"x"}', '{"a":"x\t{password: 1}"}'),
        # a secret's key, kept as it holds a count, is not learned
        ('{"max_tokens": 5}', '{"max_tokens": "sk-1"}'),
    ],
)
def test_results_a_learned_shape_would_leave_wrong_are_scrubbed(teacher, probe):
    """A tool result's text of a learned shape is given back as it is only when
    scrubbing would leave it so."""
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, Scrubber, scrub_result_text, scrub_text

    scrubber = Scrubber(DEFAULT_SCRUB_KEYS)
    for _ in range(2):
        assert scrub_result_text(teacher, scrubber) == scrub_text(teacher, scrubber)
    assert scrubber._result_shapes or "tokens" in teacher
    expected = scrub_text(probe, scrubber)
    assert expected != probe
    for _ in range(2):
        assert scrub_result_text(probe, scrubber) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(argument_key, min_size=1, max_size=4, unique=True),
    st.lists(argument_value | st.lists(argument_value, max_size=3), min_size=4, max_size=4),
    shape_separators,
    shape_separators,
    st.sampled_from([DEFAULT_SCRUB_KEYS, frozenset(), frozenset({"city", "note"})]),
)
def test_results_of_a_learned_shape_are_what_scrubbing_gives(keys, values, taught, written, names):
    from sentry_agents._privacy import Scrubber, scrub_result_text, scrub_text

    scrubber = Scrubber(names)
    teacher = json.dumps({key: ["x", 1.5] for key in keys}, separators=taught)
    for _ in range(2):
        assert scrub_result_text(teacher, scrubber) == scrub_text(teacher, scrubber)
    probe = json.dumps(dict(zip(keys, values)), separators=written)
    for candidate in (probe, probe.replace('"', '"{token: 1} ', 3)):
        expected = scrub_text(candidate, scrubber)
        for _ in range(2):
            assert scrub_result_text(candidate, scrubber) == expected, candidate


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["tool", "assistant", "Tool", "ai"]),
    st.none() | some_text | st.integers(),
    some_text | st.just("") | st.integers(),
    some_text | argument_text | st.none(),
    st.booleans(),
)
def test_an_openai_step_written_directly_is_what_the_general_writers_write(
    role, content, ident, text, as_call
):
    """A tool result or an assistant message of one function call, however hostile its
    fields: the direct writer gives what ``_direct`` gives (or declines), under the same
    reuse key."""
    from sentry_agents import _message_json
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrubber_for

    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    if as_call:
        call = {"id": ident, "type": "function", "function": {"name": "f", "arguments": text}}
        item = {"role": role, "content": content, "tool_calls": [call]}
    else:
        item = {"role": role, "tool_call_id": ident, "content": text}
    _message_json._reuse.clear()
    try:
        expected = _message_json._direct(item, scrubber)
    except Exception:
        expected = None
    _message_json._reuse.clear()
    found = _message_json._openai_step(item, scrubber, 0)
    if found is None:
        return
    assert found == expected
    assert len(_message_json._reuse) == 1
    assert _message_json._direct(item, scrubber) == found
    assert len(_message_json._reuse) == 1, "found under the key the general writers use"


@settings(max_examples=300, deadline=None)
@given(st.lists(argument_key | st.text(max_size=12), max_size=8))
def test_the_keys_known_to_name_no_secret_are_those_decided_so(keys):
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrubber_for

    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    for key in keys:
        secret = scrubber.decide(key)[0]
        assert secret == scrubber.decide_by_words(key)[0]
        if secret:
            assert key not in scrubber._kept
        elif len(key) <= 128:
            assert key in scrubber._kept


def tool_call_message(content, call_id, name, arguments):
    return {
        "role": "assistant",
        "content": content,
        "tool_calls": [
            {
                "id": call_id,
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(arguments)},
            }
        ],
    }


def two_calls_message(content, call_id, name, arguments):
    """An assistant message of two function calls (written by another writer than one)."""
    message = tool_call_message(content, call_id, name, arguments)
    second = {
        "id": call_id + "b",
        "type": "function",
        "function": {"name": name, "arguments": "{}"},
    }
    message["tool_calls"].append(second)
    return message


def custom_call_message(content, call_id, name, tool_input):
    """An assistant message of an OpenAI custom tool's call: free text (or JSON) input."""
    return {
        "role": "assistant",
        "content": content,
        "tool_calls": [
            {"id": call_id, "type": "custom", "custom": {"name": name, "input": tool_input}}
        ],
    }


def beside_only(role, key, text, arguments):
    """A tool (or legacy function) message holding only a part that lies beside content
    elsewhere: a tool call, a refusal, a transcript, reasoning, a function call."""
    call = {"name": text, "arguments": json.dumps(arguments)}
    value = {
        "tool_calls": [{"id": text, "type": "function", "function": call}],
        "refusal": text,
        "audio": {"transcript": text},
        "reasoning_content": text,
        "reasoning": text,
        "function_call": call,
    }[key]
    return {"role": role, key: value}


def anthropic_message(role, text, tool_input, result):
    return {
        "role": role,
        "content": [
            {"type": "text", "text": text},
            {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": tool_input},
            {"type": "tool_result", "tool_use_id": "toolu_0", "content": result},
        ],
    }


# Tool results holding media, as text: a data URL, JSON naming media (compact or not,
# after a non-ASCII space, beside a secret or non-ASCII text), media named in prose.
_PNG = "iVBORw0KGgoAAAANSUhEUg" * 4
media_text = st.sampled_from(
    [
        "data:image/png;base64," + _PNG,
        "data:image/png;base64,\u00e9" + _PNG,
        json.dumps({"type": "image", "data": _PNG, "mimeType": "image/png"}),
        json.dumps({"image": {"type": "base64", "media_type": "image/png", "data": _PNG}}),
        json.dumps([{"base64": _PNG, "api_key": "k"}], separators=(",", ":")),
        "\xa0" + json.dumps({"inline_data": {"data": _PNG}, "note": "caf\u00e9"}),
        json.dumps({"url": "data:image/png;base64," + _PNG, "caption": "ok"}),
        "[" + json.dumps({"base64": _PNG}) + "]\n" + json.dumps({"token": "t"}),
        "the base64 of it is not here",
        "chart: ![c](data:image/png;base64," + _PNG + ")",
        "Uploaded: https://b.example.com/f?X-Amz-Signature=s&X-Amz-Expires=60",
        json.dumps({"url": "ftp://u:p@h/", "page": 2}),
        '{"data": "prose", "type": "text", "mime_type": "text/plain"}',
    ]
)

mixed_messages = st.lists(
    st.one_of(
        plain_messages.map(lambda msgs: msgs[0] if msgs else {"role": "user", "content": ""}),
        st.builds(
            tool_call_message,
            st.none() | some_text,
            some_text,
            some_text,
            json_object | media_object,
        ),
        st.builds(
            custom_call_message,
            st.none() | some_text,
            some_text,
            some_text,
            some_text | json_object.map(json.dumps),
        ),
        st.builds(two_calls_message, st.none() | some_text, some_text, some_text, json_object),
        st.builds(
            beside_only,
            st.sampled_from(["tool", "function"]),
            st.sampled_from(
                (
                    "tool_calls",
                    "refusal",
                    "audio",
                    "reasoning_content",
                    "reasoning",
                    "function_call",
                )
            ),
            some_text,
            json_object,
        ),
        st.builds(
            lambda call_id, content: {"role": "tool", "tool_call_id": call_id, "content": content},
            some_text,
            some_text | json_object.map(json.dumps) | media_text,
        ),
        st.builds(
            lambda call_id, output: {
                "type": "function_call_output",
                "call_id": call_id,
                "output": output,
            },
            some_text,
            some_text | media_text,
        ),
        st.builds(
            anthropic_message,
            st.sampled_from(["user", "assistant"]),
            some_text,
            json_object | media_object,
            some_text | json_object.map(json.dumps) | media_text,
        ),
    ),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(mixed_messages, st.booleans())
def test_messages_written_one_by_one_are_exactly_the_general_json(msgs, split):
    """Plain text written directly, other messages converted one by one, and either
    reused from earlier spans: always the text of the general path."""
    from sentry_agents._jsonable import dumps
    from sentry_agents._message_json import encode_messages
    from sentry_agents._messages import split_system
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrub_messages, scrubber_for

    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    first = encode_messages(msgs, split=split, scrubber=scrubber)
    again = encode_messages(msgs, split=split, scrubber=scrubber)  # reused this time
    assert first is not None and again == first
    converted = to_gen_ai_messages(msgs)
    system, rest = split_system(converted) if split else ([], converted)
    assert first.json == dumps(scrub_messages(rest, scrubber))
    assert first.system == system
    assert len(first.pieces) == len(rest)
    first.json.encode("utf-8")


_BIG_NEWEST = {
    "user": lambda text: {"role": "user", "content": text},
    "tool": lambda text: {"role": "tool", "tool_call_id": "call_9", "content": text},
    "json tool": lambda text: {
        "role": "tool",
        "tool_call_id": "c",
        "content": json.dumps({"page": text, "api_key": "sk-1"}),
    },
    "output": lambda text: {"type": "function_call_output", "call_id": "call_9", "output": text},
    "custom output": lambda text: {
        "type": "custom_tool_call_output",
        "call_id": "call_9",
        "output": text,
    },
    "block": lambda text: {"role": "user", "content": [{"type": "text", "text": text}]},
    "output text": lambda text: {
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    },
    "result block": lambda text: {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "t", "content": text}],
    },
    "error result": lambda text: {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "t", "content": text, "is_error": True}],
    },
    "system": lambda text: {"role": "system", "content": text},
    "developer": lambda text: {"role": "developer", "content": text},
    "langchain": lambda text: {"type": "human", "content": text},
    "langchain tool": lambda text: {"type": "tool", "tool_call_id": "c", "content": text},
    "langchain system": lambda text: {"type": "system", "content": text},
    "responses message": lambda text: {"type": "message", "role": "user", "content": text},
    "answer and call": lambda text: {
        "role": "assistant",
        "content": text,
        "tool_calls": [
            {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        ],
    },
    "refusal": lambda text: {"role": "assistant", "content": text, "refusal": "no"},
    "named": lambda text: {"role": "user", "content": text, "name": "bob"},
    "parts too": lambda text: {"role": "user", "content": text, "parts": [{"text": "p"}]},
    "no role": lambda text: {"content": text},
    "bare part": lambda text: {"text": "a part", "content": text},
}
big_newest = st.builds(
    lambda shape, text: _BIG_NEWEST[shape](text),
    st.sampled_from(sorted(_BIG_NEWEST)),
    st.sampled_from(
        [
            "a",
            "é",
            "🙂",
            "x\n",
            "\ud800",
            "password=hunter2 ",
            "data:image/png;base64,AAAA",
            "see https://u:p@h.example/f?sig=abc ",
            '{"token": "t"}\n',
        ]
    ).map(lambda unit: unit * (4000 // len(unit))),
)


def google_part(kind, text):
    """A Google part standing bare in a list of messages (``contents=["Describe",
    part]``), as a dict or the SDK's own ``Part``."""
    from google.genai import types

    if kind == "text":
        return {"text": text}
    if kind == "call":
        return {"function_call": {"name": "lookup", "args": {"q": text}}}
    if kind == "response":
        return {"function_response": {"name": "lookup", "response": {"r": text}}}
    return types.Part(text=text)


bare_parts = st.lists(
    st.one_of(
        some_text,
        st.builds(google_part, st.sampled_from(["text", "call", "response", "sdk"]), some_text),
        st.just({"role": "user", "content": "between"}),
    ),
    max_size=6,
)


@settings(max_examples=500, deadline=None)
@given(
    st.deferred(lambda: st.one_of(mixed_messages, sdk_messages, any_items, bare_parts)),
    big_newest,
    st.booleans(),
    st.integers(min_value=0, max_value=3000),
    st.sampled_from([None, (), ("page",), ("content", "text")]),
)
def test_a_newest_message_over_the_budget_is_cut_alone_as_the_general_path_cuts_it(
    older, newest, split, budget, keys
):
    """A newest message whose text is over the budget alone (a fetched page at the model
    call after it) is converted and cut by itself, the older messages only counted: the
    same text, count (what a span sends; ``serialize_messages`` sends the text alone)
    and system parts as the general path, which converts them all, whatever the older
    messages are (SDK objects, items making no message, bare Google parts a run of which
    is one message)."""
    from sentry_agents._bounded import Bounded
    from sentry_agents._budget import fit, fit_pieces
    from sentry_agents._message_json import encode_messages
    from sentry_agents._messages import is_bare_part, split_system, within
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrub_messages, scrubber_for

    msgs = [*older, newest]
    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS if keys is None else frozenset(keys))
    converted = within(Bounded(scrubber, max(budget, 256)), to_gen_ai_messages, msgs)
    system, rest = split_system(converted) if split else ([], converted)
    expected = fit(scrub_messages(rest, scrubber), budget)
    encoded = encode_messages(msgs, split=split, scrubber=scrubber, max_bytes=budget)
    fitted = None if encoded is None else fit_pieces(encoded.pieces, encoded.dropped, budget)
    page, grouped = newest.get("content"), any(map(is_bare_part, older))
    if newest.get("role") == "user" and type(page) is str and "data:" not in page and older:
        assert fitted is not None or "parts" in newest or grouped  # a page: not the general path
    if fitted is not None:
        assert encoded is not None
        assert (fitted.text, fitted.original_count) == (expected.text, expected.original_count)
        assert encoded.system == system
    if not split and keys is None:
        assert serialize_messages(msgs, max_bytes=budget) == expected.text


def _fast_and_general(sentry: Any, messages: list[Any], budget: int) -> None:
    """Two model calls of ``messages`` within ``budget``, the second through the general
    path (a redaction hook that changes nothing takes it), send the same input messages,
    system instructions and original length."""
    import sentry_agents

    sentry_agents.configure(max_message_bytes=budget)
    for hook in (None, lambda kind, value: value):
        if hook is not None:
            sentry_agents.configure(redact=hook)
        with sentry_agents.chat("m", messages=messages):
            pass
    fast, general = [span.attributes for span in sentry.gen_ai_spans()]
    for key in (
        "gen_ai.input.messages",
        "gen_ai.system_instructions",
        "sentry.sdk_meta.gen_ai.input.messages.original_length",
    ):
        assert fast.get(key) == general.get(key), key


@pytest.mark.parametrize(
    "older",
    [
        [{"text": "Describe these."}, {"text": "And this."}],
        ["Describe this.", {"inline_data": {"mime_type": "image/png", "data": "iVBOR"}}],
        [{"function_call": {"name": "f", "args": {}}}, {"function_call": {"name": "g"}}],
        [{"role": "system", "content": "Be brief."}, "Hi", {"text": "x"}],
    ],
    ids=["text parts", "string and image", "calls", "system and parts"],
)
@pytest.mark.parametrize("newest", ["user", "bare part"])
def test_a_span_sends_what_the_general_path_sends_beside_bare_google_parts(sentry, older, newest):
    """Bare Google parts before a newest message over the budget are one message per
    run, as google-genai sends them: the span sends the count of messages the general
    path (a redaction hook sees all of them) sends, and a newest message read as a part
    (a run of one) is sent as the part it is."""

    page = "A fetched page. " * 400
    last = {"role": "user", "content": page} if newest == "user" else {"text": "p", "content": page}
    _fast_and_general(sentry, [*older, last], 2_000)


def _older_of_every_kind() -> list[Any]:
    """A history of most shapes a conversation holds: plain text, a system prompt, tool
    steps, SDK objects, Responses items (one making no message), Anthropic blocks."""
    return [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Fetch the page."},
        tool_call_message(None, "call_1", "fetch", {"url": "https://e.example/?token=t"}),
        {"role": "tool", "tool_call_id": "call_1", "content": '{"password": "p", "n": 1}'},
        openai_message("Fetched.", None, [("call_2", "read", {"path": "a"})], "thinking"),
        responses_item("function_call", "call_3", {"q": "x"}),
        responses_item("item_reference", "ref_1", {}),
        responses_item("reasoning", "why", {"a": 1}),
        anthropic_blocks("assistant", [("text", "Read.", {}), ("tool_use", "t1", {"k": 1})]),
        {"role": "developer", "content": [{"type": "input_text", "text": "Cite sources."}]},
        google_content("model", "Sure", {"q": "y"}),
    ]


@pytest.mark.parametrize("shape", sorted(_BIG_NEWEST))
def test_a_span_with_a_newest_message_over_the_budget_sends_what_the_general_path_sends(
    sentry, shape
):
    """A model call whose newest message is over the budget sends the same input
    messages, system instructions and original length as the general path (a redaction
    hook that changes nothing takes it), after a history of every kind."""

    messages = [*_older_of_every_kind(), _BIG_NEWEST[shape]("A fetched page, caf\u00e9. " * 200)]
    _fast_and_general(sentry, messages, 1_500)


class _PosingKey:
    """A dict key posing as ``function_call`` (the same hash) whose comparison raises."""

    def __hash__(self) -> int:
        return hash("function_call")

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("compared")


def test_a_bare_part_that_cannot_be_grouped_is_sent_as_the_general_path_sends_it(sentry):
    """A bare Google part whose key raises once grouping reads it: ``serialize_messages``
    returns, and a span sends, what the general path makes of the list (one
    placeholder message), raising nothing."""
    import sentry_agents
    from sentry_agents._budget import fit

    messages = [{"text": "p", _PosingKey(): 1}, {"role": "user", "content": "Hi"}]
    expected = fit(to_gen_ai_messages(messages), 20_000).text
    assert serialize_messages(messages, max_bytes=20_000) == expected
    with sentry_agents.chat("m", messages=messages):
        pass
    assert sentry.gen_ai_spans()[0].attributes["gen_ai.input.messages"] == expected


@pytest.mark.parametrize("split", [False, True])
@pytest.mark.parametrize("run", ["parts", "part and strings"])
def test_bare_google_parts_past_a_full_budget_are_one_message_per_run(run, split):
    """A history longer than a block whose oldest items are bare Google parts (or a part
    and the strings beside it, one message in all) the budget is full before: the
    same text and count as the general path, which groups each run into a message."""
    from sentry_agents._bounded import Bounded
    from sentry_agents._budget import fit, fit_pieces
    from sentry_agents._message_json import encode_messages
    from sentry_agents._messages import split_system, within
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrub_messages, scrubber_for

    if run == "parts":
        msgs: list[Any] = [{"text": "p1"}, {"text": "p2"}]
        msgs += [{"role": "user", "content": f"m{n} " + "b" * 200} for n in range(200)]
    else:
        msgs = [{"text": "p1"}, *(f"s{n}" for n in range(200))]
    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    converted = within(Bounded(scrubber, 1_000), to_gen_ai_messages, msgs)
    system, rest = split_system(converted) if split else ([], converted)
    expected = fit(scrub_messages(rest, scrubber), 1_000)
    encoded = encode_messages(msgs, split=split, scrubber=scrubber, max_bytes=1_000)
    assert encoded is not None
    assert encoded.system == system
    fitted = fit_pieces(encoded.pieces, encoded.dropped, 1_000)
    if run == "parts":
        assert fitted is not None
        assert (fitted.text, fitted.original_count) == (expected.text, expected.original_count)
    else:  # one message over the budget, which the general path cuts
        assert fitted is None and len(encoded.pieces) == 1
    if not split:
        assert serialize_messages(msgs, max_bytes=1_000) == expected.text


@pytest.mark.parametrize("split", [False, True])
@pytest.mark.parametrize("newest", ["x" * 5_000, "a short question"], ids=["over", "short"])
@pytest.mark.parametrize(
    "nothing",
    [
        {"type": "item_reference", "id": "msg_1"},
        {"id": "msg_1"},
        {"type": "compaction", "id": "cmp_1", "encrypted_content": "gAAAAB"},
        "sdk",
    ],
    ids=["item reference", "id alone", "compaction", "sdk item reference"],
)
def test_items_making_no_message_older_than_the_budget_are_not_counted(nothing, newest, split):
    """Responses API items the general path makes no message of (an item reference, a
    compaction), older than what the budget keeps and only counted, before a newest
    message over the budget or after a long history: counted as none, as the general
    path counts them, split or not."""
    from sentry_agents._bounded import Bounded
    from sentry_agents._budget import fit, fit_pieces
    from sentry_agents._message_json import encode_messages
    from sentry_agents._messages import split_system, within
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrub_messages, scrubber_for

    if nothing == "sdk":
        nothing = responses_item("item_reference", "msg_1", {})
    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    msgs: list[Any] = []
    for i in range(300):
        msgs += [nothing, {"role": ("user", "assistant")[i % 2], "content": f"turn {i} " * 10}]
    msgs.append({"role": "user", "content": newest})
    converted = within(Bounded(scrubber, 1_000), to_gen_ai_messages, msgs)
    rest = split_system(converted)[1] if split else converted
    expected = fit(scrub_messages(rest, scrubber), 1_000)
    encoded = encode_messages(msgs, split=split, scrubber=scrubber, max_bytes=1_000)
    assert encoded is not None
    fitted = fit_pieces(encoded.pieces, encoded.dropped, 1_000)
    assert fitted is not None
    assert (fitted.text, fitted.original_count) == (expected.text, expected.original_count)
    assert fitted.original_count == 301


@pytest.mark.parametrize("newest", ["x" * 5_000, "a short question"])
@pytest.mark.parametrize("count", [20, 300])
def test_bare_google_parts_older_than_the_budget_are_counted_as_one_message(newest, count):
    """A run of bare Google parts is one message (google-genai sends it as one): also
    when it is older than what the budget keeps and only counted, the count is the
    general path's (before a newest message over the budget, the general path writes
    the list)."""
    from sentry_agents._bounded import Bounded
    from sentry_agents._budget import fit, fit_pieces
    from sentry_agents._message_json import encode_messages
    from sentry_agents._messages import within
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrub_messages, scrubber_for

    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    msgs: list[Any] = [{"text": "part one"}, {"text": "part two"}]
    msgs += [{"role": ("user", "model")[i % 2], "content": f"turn {i} " * 10} for i in range(count)]
    msgs.append({"role": "user", "content": newest})
    converted = within(Bounded(scrubber, 1_000), to_gen_ai_messages, msgs)
    expected = fit(scrub_messages(converted, scrubber), 1_000)
    encoded = encode_messages(msgs, split=False, scrubber=scrubber, max_bytes=1_000)
    if encoded is None:  # left to the general path, which groups the parts itself
        assert len(newest) > 1_000
        return
    fitted = fit_pieces(encoded.pieces, encoded.dropped, 1_000)
    assert fitted is not None
    assert (fitted.text, fitted.original_count) == (expected.text, expected.original_count)
    assert fitted.original_count == count + 2


@pytest.mark.parametrize("key", ["id", "name", "arguments", "response", "type"])
def test_a_deny_list_naming_a_part_key_leaves_a_tool_step_to_the_general_path(key):
    """The direct writers write the keys of our own parts as they are: under a deny list
    naming one of them, a tool call and its result (dicts of three keys) are written by
    the general path, which scrubs that key's value."""
    from sentry_agents._jsonable import dumps
    from sentry_agents._message_json import encode_messages
    from sentry_agents._privacy import scrub_messages, scrubber_for

    scrubber = scrubber_for(frozenset({key}))
    msgs = [
        {"role": "user", "content": "Weather in Paris?"},
        tool_call_message(None, "call_1", "get_weather", {"city": "Paris"}),
        {"role": "tool", "tool_call_id": "call_1", "content": '{"sky": "clear"}'},
    ]
    written = encode_messages(msgs, split=False, scrubber=scrubber)
    assert written is not None
    assert written.json == dumps(scrub_messages(to_gen_ai_messages(msgs), scrubber))


def openai_message(content, refusal, calls, reasoning):
    """The SDK's own ``ChatCompletionMessage``, as agent loops append it to their history."""
    from openai.types.chat import ChatCompletionMessage

    fields = {"role": "assistant", "content": content, "refusal": refusal}
    if calls is not None:
        fields["tool_calls"] = [
            {"id": call_id, "type": "custom", "custom": {"name": name, "input": custom}}
            if custom is not None
            else {
                "id": call_id,
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(arguments)},
            }
            for call_id, name, arguments, *rest in calls
            for custom in (rest[0] if rest else None,)
        ]
    if reasoning is not None:
        fields["reasoning_content"] = reasoning  # OpenAI-compatible providers send it
    return ChatCompletionMessage.model_validate(fields)


def anthropic_blocks(role, picks):
    """An Anthropic message whose content is the SDK's own blocks (``response.content``),
    with a tool result as the user writes it (a dict)."""
    from anthropic.types import RedactedThinkingBlock, TextBlock, ThinkingBlock, ToolUseBlock

    made = {
        "text": lambda text, _: TextBlock(type="text", text=text),
        "tool_use": lambda text, data: ToolUseBlock(
            type="tool_use", id=f"toolu_{text}", name="lookup", input=data
        ),
        "thinking": lambda text, _: ThinkingBlock(type="thinking", thinking=text, signature="s"),
        "redacted_thinking": lambda text, _: RedactedThinkingBlock(
            type="redacted_thinking", data=text
        ),
        "tool_result": lambda text, data: {
            "type": "tool_result",
            "tool_use_id": text,
            "content": json.dumps(data),
        },
    }
    return {"role": role, "content": [made[kind](text, data) for kind, text, data in picks]}


def responses_item(kind, text, data, as_dict=False):
    """An item of an OpenAI Responses API history as the SDK gives it (``input +=
    response.output``), or as a dict; a tool's output as the user writes it (a dict)."""
    from openai.types.responses import (
        ResponseFunctionToolCall,
        ResponseOutputMessage,
        ResponseOutputRefusal,
        ResponseOutputText,
        ResponseReasoningItem,
    )
    from openai.types.responses.response_reasoning_item import Summary

    if kind == "message":
        content = [ResponseOutputText(type="output_text", text=text, annotations=[])]
        if data:
            content.append(ResponseOutputRefusal(type="refusal", refusal=json.dumps(data)))
        item = ResponseOutputMessage(
            id="msg_1", type="message", role="assistant", status="completed", content=content
        )
    elif kind == "function_call":
        item = ResponseFunctionToolCall(
            type="function_call", call_id=text, name="lookup", arguments=json.dumps(data)
        )
    elif kind == "custom_tool_call":  # the SDK's class only in newer versions: a dict
        return {"type": "custom_tool_call", "call_id": text, "name": "run", "input": text}
    elif kind == "reasoning":  # a summary, the reasoning's text, or only its encryption
        shown = len(text) % 3
        summary = [Summary(type="summary_text", text=text)] if shown == 0 else []
        content = [{"type": "reasoning_text", "text": json.dumps(data)}] if shown == 1 else None
        encrypted = "gAAAAB" if shown == 2 else None
        item = ResponseReasoningItem.model_validate(
            {
                "id": "rs_1",
                "type": "reasoning",
                "summary": summary,
                "content": content,
                "encrypted_content": encrypted,
            }
        )
    elif kind in MCP_AND_BOOKKEEPING_KINDS:
        item = _mcp_or_bookkeeping_item(kind, text, data)
    else:
        return {"type": kind, "call_id": text, "output": json.dumps(data) if data else None}
    return item.model_dump(exclude_none=True) if as_dict else item


MCP_AND_BOOKKEEPING_KINDS = ["mcp_approval_request", "mcp_approval_response"]
MCP_AND_BOOKKEEPING_KINDS += ["mcp_list_tools", "item_reference", "compaction"]


def _mcp_or_bookkeeping_item(kind, text, data):
    """A Responses API item with no role: an MCP approval request (a tool call) or its
    response (the user's decision), or one sent as no message at all (an item
    reference, a compaction, an MCP server's tool list), as the SDK's own class."""
    from openai.types.responses import ResponseCompactionItem
    from openai.types.responses.response_input_item import ItemReference, McpApprovalResponse
    from openai.types.responses.response_output_item import McpApprovalRequest, McpListTools

    if kind == "mcp_approval_request":
        return McpApprovalRequest(
            type=kind, id=text, name="deploy", arguments=json.dumps(data), server_label="ops"
        )
    if kind == "mcp_approval_response":
        return McpApprovalResponse(
            type=kind,
            approval_request_id=text,
            approve=len(text) % 2 == 0,
            reason=json.dumps(data) if data else None,
        )
    if kind == "mcp_list_tools":
        tools = [{"name": name, "input_schema": {"type": "object"}} for name in data]
        return McpListTools.model_validate(
            {"type": kind, "id": text, "server_label": "ops", "tools": tools}
        )
    if kind == "item_reference":
        return ItemReference(type=kind, id=text)
    return ResponseCompactionItem(type=kind, id="cmp_1", encrypted_content=text)


def google_content(role, text, data):
    """A Gemini history's ``Content``: text, a function call and its response as parts."""
    from google.genai import types

    parts = [
        types.Part(text=text),
        types.Part(function_call=types.FunctionCall(name="lookup", args=data)),
        types.Part(function_response=types.FunctionResponse(name="lookup", response=data)),
    ]
    return types.Content(role=role, parts=parts[: 1 + len(text) % 3])


RESPONSES_KINDS = ["message", "function_call", "custom_tool_call", "reasoning"]
RESPONSES_KINDS += ["function_call_output", "custom_tool_call_output"]
RESPONSES_KINDS += MCP_AND_BOOKKEEPING_KINDS
sdk_messages = st.lists(
    st.one_of(
        st.builds(
            google_content,
            st.sampled_from(["user", "model"]),
            some_text,
            json_object | media_object,
        ),
        st.builds(
            responses_item,
            st.sampled_from(RESPONSES_KINDS),
            some_text,
            json_object | media_object,
            st.booleans(),
        ),
        st.builds(
            openai_message,
            st.none() | some_text,
            st.none() | some_text,
            st.none()
            | st.lists(
                st.tuples(
                    some_text,
                    some_text,
                    json_object | media_object,
                    st.none() | some_text | json_object.map(json.dumps),
                ),
                max_size=2,
            ),
            st.none() | some_text,
        ),
        st.builds(
            anthropic_blocks,
            st.sampled_from(["user", "assistant"]),
            st.lists(
                st.tuples(
                    st.sampled_from(
                        ["text", "tool_use", "thinking", "redacted_thinking", "tool_result"]
                    ),
                    some_text,
                    json_object | media_object,
                ),
                max_size=3,
            ),
        ),
        mixed_messages.map(lambda msgs: msgs[0] if msgs else {"role": "user", "content": ""}),
    ),
    max_size=6,
)


def _written_as_the_general_path(messages: list[Any], split: bool) -> None:
    """``encode_messages`` writes ``messages`` as the general path writes them (converted,
    scrubbed, ``dumps``), system parts apart when ``split``, and reuses them when sent
    again."""
    from sentry_agents._jsonable import dumps
    from sentry_agents._message_json import encode_messages
    from sentry_agents._messages import split_system
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrub_messages, scrubber_for

    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    first = encode_messages(messages, split=split, scrubber=scrubber)
    again = encode_messages(messages, split=split, scrubber=scrubber)
    assert first is not None and again == first
    converted = to_gen_ai_messages(messages)
    system, rest = split_system(converted) if split else ([], converted)
    assert first.json == dumps(scrub_messages(rest, scrubber))
    assert first.system == system


@settings(max_examples=300, deadline=None)
@given(sdk_messages, st.booleans())
def test_provider_sdk_objects_in_a_history_are_written_as_the_general_path_writes_them(msgs, split):
    """An SDK's own messages, items and content blocks (OpenAI, Anthropic, Google), read
    from their fields by the direct writers or converted and kept under their fields:
    the same text as the general path, and reused when sent again."""
    _written_as_the_general_path(msgs, split)


LONE_BLOCKS = [
    {"role": "user", "content": [{"type": "text", "text": "Weather in Oslo?"}]},
    {"role": "assistant", "content": [{"type": "output_text", "text": "Rain."}]},
    {"role": "user", "content": [{"type": "text", "text": "x", "cache_control": {"t": 1}}]},
    {"role": "user", "content": [{"type": "text", "text": ""}]},
    {"role": "system", "content": [{"type": "text", "text": "Be brief."}]},
    {"role": "developer", "content": [{"type": "input_text", "text": "Be kind."}]},
    {"role": "User", "content": [{"type": "text", "text": "odd role"}]},
    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "ok"}]},
    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t2"}]},
    {"role": "assistant", "content": [{"type": "tool_result", "tool_use_id": "t3"}]},
]


@pytest.mark.parametrize("split", [False, True])
@pytest.mark.parametrize("message", LONE_BLOCKS, ids=lambda m: json.dumps(m)[:60])
def test_a_message_of_one_block_is_written_as_the_general_path_writes_it(message, split):
    """A lone text block is written (and kept) by the plain-text path, a lone tool result
    as an OpenAI tool message: the same text as the general path, first and reused."""
    _written_as_the_general_path([message], split)


@pytest.mark.parametrize("split", [False, True])
@pytest.mark.parametrize("role", [*ROLE_ALIASES, "User", "AI", "narrator"])
def test_content_blocks_under_any_role_name_are_written_as_the_general_path_writes_them(
    role, split
):
    """A ``{role, content}`` message of content blocks goes straight to the blocks'
    writer when its role is one the writers keep: under every role name (an alias, a
    name in capitals, one not known), the text of the general path, first and reused."""
    messages = [
        anthropic_message(role, f"text of {role}", {"city": "Paris", "api_key": "k"}, "rain"),
        {"role": role, "content": [{"type": "tool_result", "tool_use_id": "t", "content": "ok"}]},
        {"role": role, "content": []},
    ]
    _written_as_the_general_path(messages, split)


def test_the_same_text_or_result_in_another_shape_is_found_again():
    """An Anthropic message of one text block and the same text given as a string, or of
    one tool result and the OpenAI tool message it equals, are kept once."""
    from sentry_agents import _message_json
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrubber_for

    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    _message_json._reuse.clear()
    anthropic = [
        {"role": "user", "content": [{"type": "text", "text": "Weather in Oslo?"}]},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "ok"}],
        },
    ]
    openai = [
        {"role": "user", "content": "Weather in Oslo?"},
        {"role": "tool", "tool_call_id": "t1", "content": "ok"},
    ]
    first = _message_json.encode_messages(anthropic, split=False, scrubber=scrubber)
    assert len(_message_json._reuse) == 2
    second = _message_json.encode_messages(openai, split=False, scrubber=scrubber)
    assert len(_message_json._reuse) == 2, "found again, not kept twice"
    assert first == second


def test_an_agent_loop_of_provider_sdk_objects_is_reused_message_by_message():
    """The history an OpenAI (Chat Completions or Responses) or Anthropic agent loop
    builds from the SDKs' own objects: every message is kept for reuse when first
    written, and found again at the next step."""
    from sentry_agents import _message_json
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrubber_for

    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    openai_loop = [{"role": "user", "content": "Weather in Oslo and Paris?"}]
    anthropic_loop = [{"role": "user", "content": "Weather in Oslo and Paris?"}]
    responses_loop = [{"role": "user", "content": "Weather in Oslo and Paris?"}]
    for step, city in enumerate(["Oslo", "Paris"]):
        responses_loop += [
            responses_item("reasoning", f"Look up {city}.", {}),
            responses_item("function_call", f"call_{step}", {"city": city}),
            responses_item("function_call_output", f"call_{step}", {"sky": "rain"}),
            responses_item("message", f"Rain in {city}.", {}),
        ]
        openai_loop += [
            openai_message(None, None, [(f"call_{step}", "weather", {"city": city})], None),
            {"role": "tool", "tool_call_id": f"call_{step}", "content": '{"sky": "rain"}'},
        ]
        anthropic_loop += [
            anthropic_blocks("assistant", [("text", "Looking.", {}), ("tool_use", city, {})]),
            anthropic_blocks("user", [("tool_result", f"toolu_{city}", {"sky": "rain"})]),
        ]
    responses_loop.append(responses_item("message", "Sorry.", {"why": "policy"}))
    for item in responses_loop[1:]:  # every item the loop holds is written directly
        fields = item if isinstance(item, dict) else _models.model_fields(item)
        assert _message_json._direct(fields, scrubber) is not None, item
    for history in (openai_loop, anthropic_loop, responses_loop):
        _message_json._reuse.clear()
        first = _message_json.encode_messages(history, split=True, scrubber=scrubber)
        assert first is not None
        assert len(_message_json._reuse) == len(history), "each message kept when written"
        again = _message_json.encode_messages(history, split=True, scrubber=scrubber)
        assert again == first and len(_message_json._reuse) == len(history)


@pytest.mark.parametrize("as_dict", [False, True], ids=["sdk", "dict"])
def test_responses_mcp_and_bookkeeping_items_in_a_history_are_written_and_reused(as_dict):
    """An MCP approval request is written directly, as the tool call it is; an item
    reference, a compaction and an MCP tool list write nothing (no empty message), and
    are found again next time like any message."""
    from sentry_agents import _message_json
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrubber_for

    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    asked = responses_item("mcp_approval_request", "mcpr_1", {"env": "prod"}, as_dict)
    fields = asked if as_dict else _models.model_fields(asked)
    assert _message_json._direct(fields, scrubber) == (
        '{"role":"assistant","parts":[{"type":"tool_call","id":"mcpr_1","name":"deploy",'
        '"arguments":{"env":"prod"}}]}'
    )
    history = [
        responses_item(kind, "x1", {"deploy": 1}, as_dict) for kind in MCP_AND_BOOKKEEPING_KINDS
    ]
    _message_json._reuse.clear()
    first = _message_json.encode_messages(history, split=True, scrubber=scrubber)
    assert first is not None and len(first.pieces) == 2  # the request and the response
    assert '"parts":[]' not in first.json
    kept = len(_message_json._reuse)
    again = _message_json.encode_messages(history, split=True, scrubber=scrubber)
    assert again == first and len(_message_json._reuse) == kept == len(history)


def _variants(message, path, value):
    """``message`` (nested dicts and lists) with the value at ``path`` replaced."""
    changed = copy.deepcopy(message)
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


REUSED_SHAPES = [
    (
        {
            "role": "assistant",
            "content": "Checking.",
            "refusal": "no",
            "reasoning_content": "think",
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ],
        },
        [
            ("content",),
            ("refusal",),
            ("reasoning_content",),
            ("tool_calls", 0, "id"),
            ("tool_calls", 0, "function", "name"),
            ("tool_calls", 0, "function", "arguments"),
        ],
    ),
    ({"role": "tool", "tool_call_id": "c1", "content": "14C"}, [("tool_call_id",), ("content",)]),
    (
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "a"},
                {"type": "tool_use", "id": "t1", "name": "f", "input": {"q": 1}},
                {"type": "thinking", "thinking": "hm", "signature": "s"},
                {"type": "tool_result", "tool_use_id": "t0", "content": "ok"},
                "plain",
            ],
        },
        [
            ("content", 0, "text"),
            ("content", 1, "id"),
            ("content", 1, "name"),
            ("content", 1, "input"),
            ("content", 2, "thinking"),
            ("content", 3, "tool_use_id"),
            ("content", 3, "content"),
            ("content", 4),
        ],
    ),
]


REUSED_SHAPES += [  # the items of an OpenAI Responses API history
    (
        {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}", "id": "fc"},
        [("call_id",), ("name",), ("arguments",)],
    ),
    ({"type": "custom_tool_call", "id": "ct", "name": "f", "input": "x"}, [("id",), ("input",)]),
    (
        {"type": "function_call_output", "call_id": "c1", "output": "14C"},
        [("call_id",), ("output",)],
    ),
    (
        {
            "type": "mcp_approval_request",
            "id": "mcpr_1",
            "name": "deploy",
            "arguments": "{}",
            "server_label": "ops",
        },
        [("id",), ("name",), ("arguments",)],
    ),
    (
        {"type": "mcp_approval_response", "approval_request_id": "mcpr_1", "approve": True},
        [("approval_request_id",), ("approve",)],
    ),
    (
        {
            "type": "reasoning",
            "summary": [{"type": "summary_text", "text": "a"}],
            "content": [{"type": "reasoning_text", "text": "b"}],
        },
        [("summary", 0, "text"), ("content", 0, "text")],
    ),
    (
        {
            "type": "message",
            "role": "assistant",
            "content": [
                {"type": "output_text", "text": "a", "annotations": []},
                {"type": "refusal", "refusal": "no"},
            ],
        },
        [("role",), ("content", 0, "text"), ("content", 1, "refusal")],
    ),
]


@pytest.mark.parametrize("message, paths", REUSED_SHAPES)
def test_every_field_the_direct_writers_read_is_in_the_reuse_key(message, paths):
    """A message reused from an earlier span must be the same message: changing any
    value a writer reads gives new JSON, never the JSON kept for the message before."""
    from sentry_agents._jsonable import dumps
    from sentry_agents._message_json import encode_messages
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrub_messages, scrubber_for

    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    original = encode_messages([message], split=False, scrubber=scrubber)
    assert original is not None
    for path in paths:
        changed = _variants(message, path, {"q": 2} if path[-1] == "input" else "other")
        encoded = encode_messages([changed], split=False, scrubber=scrubber)
        assert encoded is not None and encoded.json != original.json, path
        assert encoded.json == dumps(scrub_messages(to_gen_ai_messages([changed]), scrubber))


def test_an_sdk_object_with_a_property_where_a_field_is_read_takes_the_general_path():
    """A model whose ``content`` is a property, not a field: only the general path reads
    it, so the direct writers leave the message to it."""
    from pydantic import BaseModel

    from sentry_agents._message_json import encode_messages
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrubber_for

    class Reply(BaseModel):
        role: str
        tool_calls: list[dict[str, str]] = []

        @property
        def content(self) -> str:
            return "from a property"

    encoded = encode_messages(
        [Reply(role="assistant")], split=True, scrubber=scrubber_for(DEFAULT_SCRUB_KEYS)
    )
    assert encoded is not None
    assert json.loads(encoded.json) == [
        {"role": "assistant", "parts": [{"type": "text", "content": "from a property"}]}
    ]


MULTI_LINE_JSON = [
    'Settings:\n{"password": "x", "host": "h"}',
    '{"token": "a"}\n{"api_key": "b"}',
    '[\n{"a": 1},\n{"secret": 2}\n]',
    'no secret here\n{"city": "Paris"}',
    '\ufeff{"password": 1}',
    'line one\nline two {"password": 3}',
    'Send:\n{"api_key": "k", "model": "m"}\nThen read it.',
    "x = 1\n[f(u, headers={'authorization': h()}) for u in us]\nsave()",
    '{"a": 1}\n{"token": "t", "b": "cut sh',
    "{'token': 't',\n[A(api_key='k')]}",
]


@pytest.mark.parametrize("text", MULTI_LINE_JSON)
def test_json_on_later_lines_is_written_as_the_general_path_writes_it(text):
    """Tool results, tool-call arguments and tool-result blocks holding JSON on a later
    line (or after a byte order mark): the direct writers scrub them as the general
    path does, and reuse them the same."""
    from sentry_agents._jsonable import dumps
    from sentry_agents._message_json import encode_messages
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrub_messages, scrubber_for

    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    history = [
        tool_call_message(None, "c1", "lookup", {"q": text}),
        {"role": "tool", "tool_call_id": "c1", "content": text},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": text}]},
        {"type": "function_call_output", "call_id": "c2", "output": text},
    ]
    for _ in range(2):
        encoded = encode_messages(history, split=False, scrubber=scrubber)
        assert encoded is not None
        assert encoded.json == dumps(scrub_messages(to_gen_ai_messages(history), scrubber))


@pytest.mark.parametrize("split", [False, True])
def test_a_plain_text_sent_under_one_role_then_another_keeps_each_role(split):
    """Plain messages are kept for reuse under their text alone: the same text sent by
    every role (and alias) in turn, twice over, is written for the role it was sent by."""
    from sentry_agents._jsonable import dumps
    from sentry_agents._message_json import encode_messages
    from sentry_agents._messages import ROLE_ALIASES, split_system
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrub_messages, scrubber_for

    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    roles = [*ROLE_ALIASES, "User", "odd"]
    for text in ["", "OK", "h\u00e9 \ud800"]:
        history = [{"role": role, "content": text} for role in roles + roles[::-1]]
        converted = to_gen_ai_messages(history)
        system, rest = split_system(converted) if split else ([], converted)
        for _ in range(2):
            encoded = encode_messages(history, split=split, scrubber=scrubber)
            assert encoded is not None
            assert encoded.json == dumps(scrub_messages(rest, scrubber))
            assert encoded.system == system


def test_reuse_keys_give_the_garbage_collector_nothing_to_scan():
    """The reuse cache holds thousands of keys for the life of the process: made of text
    and markers only (the scrubber stands in a key as text), each is untracked by the
    garbage collector after its first collection, so full collections do not scan them."""
    import gc

    from sentry_agents import _message_json
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrubber_for

    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    _message_json._reuse.clear()
    history = [
        openai_message("a", None, [("c1", "f", {"q": 1})], "r"),
        {"role": "tool", "tool_call_id": "c1", "content": '{"ok": true}'},
        anthropic_blocks("assistant", [("text", "b", {}), ("tool_use", "t", {"q": 2})]),
        *(responses_item(kind, kind, {"k": 1}) for kind in RESPONSES_KINDS),
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x"}}]},
        google_content("model", "hi", {"k": 2}),
    ]
    _message_json.encode_messages(history, split=False, scrubber=scrubber)
    keys = list(_message_json._reuse.young)
    assert len(keys) == len(history)
    gc.collect()
    assert [key for key in keys if gc.is_tracked(key)] == []


def test_the_per_class_tables_stay_within_their_bounds():
    """How each class is read is kept per class: at most 512 classes and 2 MiB of name
    tables, however many classes (or however many fields) an application has."""
    import sys

    from pydantic import create_model

    from sentry_agents import _jsonable

    wide = [create_model(f"Wide{i}", **{f"f{n}": (int, 0) for n in range(2000)}) for i in range(24)]
    narrow = [create_model(f"Narrow{i}", role=(str, "user")) for i in range(600)]
    for cls in wide + narrow:
        instance = cls()
        assert _jsonable.field(instance, "f1" if cls in wide else "role") is not None
        _models.model_fields(instance)
    held = sum(sys.getsizeof(kind) for kind in _jsonable._kinds.values())
    assert held <= _jsonable.KINDS_MAX_BYTES and len(_jsonable._kinds) <= 512
    assert 0 < len(_models._class_names) <= 512


def test_an_sdk_object_is_reused_only_by_its_class_and_fields():
    """The key of an SDK object names its class with a random token drawn for each
    process, which no data can spell: neither a dict of the same fields nor another class
    with the same fields shares its entry; and a class that computes a field is never
    reused by its fields, nor a class that serializes itself."""
    from pydantic import BaseModel, computed_field, model_serializer

    from sentry_agents import _message_json
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrubber_for

    class Call(BaseModel):
        type: str = "function_call"
        call_id: str
        name: str
        arguments: str

    class OtherCall(Call):
        pass

    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    call = Call(call_id="c1", name="lookup", arguments='{"city": "Oslo"}')
    keys = [
        _message_json._key_of(item, "user", False, scrubber)
        for item in (call, OtherCall(**call.__dict__), dict(call.__dict__))
    ]
    assert None not in keys and len(set(keys)) == 3
    (name, fields), *_ = json.loads(keys[0][0]).items()
    assert fields == call.__dict__ and "Call" not in name
    tokens = {
        subprocess.run(
            [sys.executable, "-c", "from sentry_agents import _models as m; print(m._TOKEN)"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for _ in range(2)
    }
    assert len(tokens) == 2 and all(len(token.strip()) == 32 for token in tokens), tokens

    class Computed(BaseModel):
        type: str = "function_call_output"
        call_id: str

        @computed_field  # type: ignore[prop-decorator]
        @property
        def output(self) -> str:
            return "computed"

    class Serialized(BaseModel):
        type: str = "function_call_output"
        call_id: str

        @model_serializer
        def dump(self) -> dict[str, str]:
            return {"output": "from the serializer"}

    for item in (Computed(call_id="c1"), Serialized(call_id="c1")):
        assert _message_json._key_of(item, "user", False, scrubber) is None
        assert _models.model_fields(item) is None


def test_an_sdk_object_with_a_property_where_a_field_is_read_is_converted_every_time():
    """A Responses-style tool output whose ``output`` is a property: what it answers may
    change between spans, so the message is never reused by its fields."""
    from pydantic import BaseModel

    from sentry_agents._message_json import encode_messages
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrubber_for

    answers = iter(["first", "second"])

    class Output(BaseModel):
        type: str = "function_call_output"
        call_id: str

        @property
        def output(self) -> str:
            return next(answers)

    item = [Output(call_id="c1")]
    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    sent = [encode_messages(item, split=False, scrubber=scrubber) for _ in range(2)]
    assert [json.loads(e.json)[0]["parts"][0]["response"] for e in sent if e] == [
        "first",
        "second",
    ]


class _Text(str):
    pass


class _Number(float):  # numpy's float64 is a float subclass
    pass


SAME_KEY_PAIRS = {
    # A str subclass holding JSON: scrubbed inside, as the plain str is.
    "str subclass": (
        {"role": "tool", "tool_call_id": "c", "content": [{"type": "x", "data": "{}"}]},
        ("content", 0, "data"),
        '{"api_key": "sk-live-1"}',
        _Text,
    ),
    # A float subclass under a count-like key: kept as a count, as the plain float is.
    "float subclass": (
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "n"}]},
        ("content", 0, "input"),
        {"token_count": 3.0},
        lambda value: {"token_count": _Number(value["token_count"])},
    ),
}


class _Count(int):  # an int subclass whose int() says otherwise
    def __int__(self) -> int:
        return 5

    __index__ = __int__


SAME_KEY_PAIRS["int subclass"] = (
    {"role": "user", "content": [{"type": "x", "v": 0}]},
    ("content", 0, "v"),
    1,
    _Count,
)


@pytest.mark.parametrize("name", sorted(SAME_KEY_PAIRS))
def test_a_subclass_value_is_written_as_its_plain_value_whichever_comes_first(name):
    """A ``str`` or ``float`` subclass has the same reuse key as its plain value, so both
    must be written alike: as ``json`` writes them, scrubbed the same way."""
    from sentry_agents import _message_json

    message, path, plain, subclass = SAME_KEY_PAIRS[name]
    variants = [_variants(message, path, value) for value in (plain, subclass(plain))]
    sent = []
    for first, second in (variants, variants[::-1]):
        _message_json._reuse.clear()
        sent += [serialize_messages([first]), serialize_messages([second])]
    assert len(set(sent)) == 1, sent
    assert sent[0] == serialize_messages([variants[0]])  # as json writes the plain value
    assert "sk-live" not in sent[0] and ("token_count" not in sent[0] or "3.0" in sent[0])


def test_a_key_that_only_pretends_to_be_another_is_scrubbed_as_the_text_it_holds():
    """A ``str`` subclass key whose hash and equality say it is another key: scrubbing
    decides on the text it holds, and the plain dict sharing its reuse key stays
    scrubbed."""
    from sentry_agents import _message_json

    class Pretender(str):
        def __hash__(self) -> int:
            return hash("a")

        def __eq__(self, other: object) -> bool:
            return True

    def message(value):
        return {"role": "user", "content": [{"type": "x", "v": value}]}

    _message_json._reuse.clear()
    serialize_messages([message({"a": 1})])
    sent = [
        serialize_messages([message(value)])
        for value in ({Pretender("password"): "hunter2"}, {"password": "hunter2"})
    ]
    assert not any("hunter2" in text for text in sent), sent


_CALL = {
    "id": "c",
    "type": "function",
    "function": {"name": "f", "arguments": '{"api_key": "sk-live-3"}'},
}
_CUSTOM = {"id": "c2", "type": "custom", "custom": {"name": "grammar", "input": "free text"}}
_SECRET_INPUT = '{"query": "x", "api_key": "sk-live-4"}'
BESIDE_THE_CONTENT = [
    {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": "hi"}],
        "refusal": "no",
    },
    {"role": "assistant", "content": [{"type": "text", "text": "hi"}], "reasoning_content": "r"},
    {
        "role": "assistant",
        "content": [{"type": "text", "text": "hi"}],
        "function_call": {"name": "f", "arguments": '{"api_key": "sk-live-2"}'},
    },
    {"role": "tool", "content": "", "refusal": "x"},
    {"role": "tool", "content": "", "tool_calls": [{"id": "c", "function": {"name": "f"}}]},
    # An audio answer's transcript and sound beside blocks, a tool result or no content.
    {
        "role": "assistant",
        "content": [{"type": "text", "text": "hi"}],
        "audio": {"transcript": "t"},
    },
    {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "ok"}],
        "audio": {"transcript": "t"},
    },
    {"role": "tool", "content": "", "audio": {"transcript": "t"}},
    # Two keys: the role and one part, no content (the direct writer wrote no part).
    *(
        {"role": "tool", "tool_calls": [_CALL]},
        {"role": "tool", "refusal": "no"},
        {"role": "tool", "audio": {"transcript": "t"}},
        {"role": "function", "function_call": _CALL["function"]},
        {"role": "tool", "reasoning_content": "r"},
    ),
    {"role": "tool", "tool_call_id": "c1", "content": "ok", "refusal": "no"},
    {"role": "tool", "tool_call_id": "c1", "content": "ok", "tool_calls": [_CALL]},
    # OpenAI custom tools' calls: free text, JSON holding a secret, beside a function's.
    {"role": "assistant", "content": None, "tool_calls": [_CUSTOM]},
    {"role": "assistant", "tool_calls": [_CUSTOM, _CALL]},
    {
        "role": "assistant",
        "tool_calls": [
            {"id": "c3", "type": "custom", "custom": {"name": "g", "input": _SECRET_INPUT}}
        ],
    },
]


@pytest.mark.parametrize("message", BESIDE_THE_CONTENT)
def test_parts_beside_a_messages_content_are_written(message):
    """A refusal, reasoning or function call beside a list of content blocks (or beside
    a tool message's content) is written as the general conversion writes it."""
    from sentry_agents._jsonable import dumps
    from sentry_agents._message_json import encode_messages
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrub_messages, scrubber_for

    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    for _ in range(2):
        encoded = encode_messages([message], split=False, scrubber=scrubber)
        assert encoded is not None
        assert encoded.json == dumps(scrub_messages(to_gen_ai_messages([message]), scrubber))
    assert "sk-live" not in encoded.json and len(json.loads(encoded.json)[0]["parts"]) >= 1


def test_classes_whose_conversion_depends_on_more_than_their_fields_are_not_reused():
    """A class with private state its dump reads, or a property (from a base class)
    where the conversion reads a field, is converted every time, from the object."""
    from pydantic import BaseModel, PrivateAttr

    class Doc(BaseModel):
        title: str
        _note: str = PrivateAttr(default="")

        def model_dump(self, **kwargs):  # type: ignore[no-untyped-def]
            return {**super().model_dump(**kwargs), "note": self._note}

    class Redacting:
        @property
        def input(self) -> str:
            return "***"

    with warnings.catch_warnings():  # pydantic says the field shadows the property
        warnings.simplefilter("ignore")

        class Block(Redacting, BaseModel):
            type: str = "tool_use"
            id: str = "t"
            name: str = "f"
            input: dict[str, str]

    docs = []
    for note in ("one", "two"):
        doc = Doc(title="t")
        doc._note = note
        docs.append(doc)
    sent = [serialize_messages([doc]) for doc in docs]
    assert "one" in sent[0] and "two" in sent[1]

    block = Block(input={"pin": "1234"})
    assert _models.model_fields(block) is None and _models.model_fields(docs[0]) is None
    sent = serialize_messages([{"role": "assistant", "content": [block]}])
    assert json.loads(sent)[0]["parts"][0]["arguments"] == "***"

    class Hiding(BaseModel):
        type: str
        text: str

        def __getattribute__(self, name: str) -> Any:
            value = object.__getattribute__(self, name)
            return "[hidden]" if name == "text" else value

    hiding = Hiding(type="text", text="secret")
    assert _models.model_fields(hiding) is None
    sent = serialize_messages([{"role": "user", "content": [hiding]}])
    assert json.loads(sent)[0]["parts"][0]["content"] == "[hidden]"


def test_a_field_wins_over_an_extra_of_the_same_name():
    """A model that allows extras may hold an extra named as a field (the field given
    by its alias): the field is what the conversion reads, and what the key holds."""
    from pydantic import BaseModel, ConfigDict, Field

    from sentry_agents._jsonable import dumps
    from sentry_agents._message_json import encode_messages
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrub_messages, scrubber_for

    class Message(BaseModel):
        model_config = ConfigDict(extra="allow")
        role: str
        content: Any = Field(default=None, alias="body")

    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    for body in ("first", "second", [{"type": "text", "text": "blocks"}]):
        message = Message(role="user", body=body, content=[{"type": "text", "text": "shadow"}])
        encoded = encode_messages([message], split=False, scrubber=scrubber)
        assert encoded is not None
        assert encoded.json == dumps(scrub_messages(to_gen_ai_messages([message]), scrubber))
        assert "shadow" not in encoded.json


@pytest.mark.parametrize("key", [True, False, None, 1.5, float("nan"), float("inf"), 7])
def test_dict_keys_that_are_not_text_are_written_as_json_writes_them(key):
    """``{True: 1}`` and ``{"true": 1}`` have the same key JSON, so the message written
    for one may be reused for the other: both are written as ``json.dumps`` writes them,
    whichever was written first."""
    from sentry_agents import _message_json

    def message(arguments):
        return {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "t", "name": "f", "input": arguments}],
        }

    written = json.dumps({key: 1})
    as_text = json.loads(written)
    for first, second in ((key, *as_text), (*as_text, key)):
        _message_json._reuse.clear()
        sent = [serialize_messages([message({k: 1})]) for k in (first, second)]
        assert sent[0] == sent[1]
        assert json.loads(sent[0])[0]["parts"][0]["arguments"] == as_text
        assert sent[0] == serialize_messages([message(as_text)])


any_items = st.lists(
    st.one_of(
        mixed_messages.map(lambda msgs: msgs[0] if msgs else "a bare string"),
        some_text,
        st.builds(
            lambda text: {"role": "system", "content": [{"type": "text", "text": text}]},
            some_text,
        ),
        st.builds(
            lambda call_id, arguments: {
                "type": "function_call",
                "call_id": call_id,
                "name": "lookup",
                "arguments": json.dumps(arguments),
            },
            some_text,
            json_object,
        ),
        st.builds(
            lambda text: {"role": "system", "type": "function_call_output", "output": text},
            some_text,
        ),
        # Responses API items making no message: an item reference (its type given or
        # not), a compaction, as dicts or the SDK's classes.
        st.builds(
            responses_item,
            st.sampled_from(["item_reference", "compaction"]),
            some_text,
            st.just({}),
            st.booleans(),
        ),
        st.builds(lambda text: {"id": text}, some_text),
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(any_items, st.booleans(), st.integers(min_value=0, max_value=3000))
def test_messages_past_the_budget_are_not_written_and_nothing_changes(items, split, budget):
    """Written a block at a time, newest block first, and stopped once the budget is
    full: the same JSON, counts and system parts as writing every message and fitting
    afterwards, whatever the blocks' sizes (the default ones hold these short lists
    whole; blocks of one to nine messages cut them everywhere) and wherever messages
    heavy enough to end a block are."""
    from unittest import mock

    from sentry_agents import _message_json
    from sentry_agents._budget import MIN_BUDGET, fit_pieces
    from sentry_agents._message_json import encode_messages
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrubber_for

    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    whole = encode_messages(items, split=split, scrubber=scrubber)
    assert whole is not None and whole.dropped == 0
    default = (
        _message_json._BLOCK,
        _message_json._FIRST_BLOCK,
        _message_json._MIN_BLOCK,
        _message_json._COUNT_EVERY,
    )
    sizes = [default, (3, 2, 1, 2), (1, 1, 1, 1), (9, 4, 2, 3)]
    # And with texts of a few characters heavy (the default treats these as light), each
    # time with nothing kept for reuse (a message written before is never heavy).
    heavies = [_message_json._HEAVY_PER_BUDGET, 300, 1_000]
    for (block, first, least, every), heavy in itertools.product(sizes, heavies):
        with mock.patch.multiple(
            _message_json,
            _BLOCK=block,
            _FIRST_BLOCK=first,
            _MIN_BLOCK=least,
            _COUNT_EVERY=every,
            _HEAVY_PER_BUDGET=heavy,
            _reuse=_message_json._Reuse(1 << 20, 1 << 16),
            _over=lambda message, max_bytes: False,  # (a newest message over: checked below)
        ):
            budgeted = encode_messages(items, split=split, scrubber=scrubber, max_bytes=budget)
            in_blocks = encode_messages(items, split=split, scrubber=scrubber)
        assert budgeted is not None and in_blocks == whole
        assert budgeted.system == whole.system
        assert len(budgeted.pieces) + budgeted.dropped == len(whole.pieces)
        assert budgeted.pieces == whole.pieces[len(whole.pieces) - len(budgeted.pieces) :]
        assert fit_pieces(budgeted.pieces, budgeted.dropped, budget) == fit_pieces(
            whole.pieces, 0, budget
        )
    over = bool(items) and _message_json._over(items[-1], max(budget, MIN_BUDGET))
    sent = encode_messages(items, split=split, scrubber=scrubber, max_bytes=budget)
    if over:  # cut alone, the older only counted; or left to the general path
        assert sent is None or (len(sent.pieces) == 1 and sent.dropped == len(whole.pieces) - 1)
    else:
        assert sent is not None


@pytest.mark.parametrize("shape", ["openai", "responses", "anthropic"])
def test_a_newest_message_over_the_budget_is_written_once(mocker, shape):
    """A tool result longer than the budget as the newest message (a 1 MB JSON answer)
    is converted and scrubbed once, by the general path that cuts it, not first written
    whole for nothing; what is sent is that path's, as before."""
    from sentry_agents import _privacy

    result = json.dumps([{"row": i, "name": f"row {i}"} for i in range(5_000)])
    history = _big_results(shape, "small", 3)
    if shape == "responses":
        history.append({"type": "function_call_output", "call_id": "call_2", "output": result})
    elif shape == "anthropic":
        block = {"type": "tool_result", "tool_use_id": "call_2", "content": result}
        history.append({"role": "user", "content": [block]})
    else:
        history.append({"role": "tool", "tool_call_id": "call_2", "content": result})
    scrubbed = mocker.spy(_privacy, "scrub_text")
    sent = serialize_messages(history, max_bytes=20_000)
    assert [len(call.args[0]) for call in scrubbed.call_args_list].count(len(result)) == 1
    parsed = json.loads(sent)
    assert len(sent.encode()) <= 20_000
    assert parsed[-1]["parts"][0]["type"] == "tool_call_response"


def test_a_long_new_history_costs_what_its_budget_holds():
    """Messages older than what fills the budget are not written (nor kept for reuse),
    and the span still says how many messages there were."""
    from sentry_agents import _message_json
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrubber_for

    history = [
        tool_call_message(None, f"call_{i}", "lookup", {"q": f"question {i} " * 10})
        if i % 2
        else {"role": "tool", "tool_call_id": f"call_{i - 1}", "content": "answer " * 40}
        for i in range(1_000)
    ]
    _message_json._reuse.clear()
    encoded = _message_json.encode_messages(
        history, split=True, scrubber=scrubber_for(DEFAULT_SCRUB_KEYS), max_bytes=20_000
    )
    assert encoded is not None
    assert 20_000 <= len(encoded.json) < 30_000, "past the budget: older ones unwritten"
    assert len(encoded.pieces) + encoded.dropped == 1_000
    assert len(_message_json._reuse) == len(encoded.pieces) < 150


def test_a_long_plain_conversation_costs_what_its_budget_holds():
    """Plain text past the budget is not written either (it was, being cheap to write
    one message at a time, until a 2 MB conversation cost 4 ms): a conversation of
    2,000 messages of 1,000 characters fitted to 20,000 bytes writes a few dozen."""
    from sentry_agents import _message_json
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrubber_for

    history = [
        {"role": ("user", "assistant")[i % 2], "content": f"{i} " + "lorem ipsum " * 83}
        for i in range(2_000)
    ]
    _message_json._reuse.clear()
    encoded = _message_json.encode_messages(
        history, split=True, scrubber=scrubber_for(DEFAULT_SCRUB_KEYS), max_bytes=20_000
    )
    assert encoded is not None and len(encoded.pieces) + encoded.dropped == 2_000
    assert len(_message_json._reuse) == len(encoded.pieces) < 100
    assert encoded.pieces[-1] == _message_json._plain_piece("assistant", history[-1]["content"])


def _big_results(shape: str, result: str, count: int) -> list[Any]:
    """A history of ``count`` tool calls, each answered with ``result``, in ``shape``."""
    from pydantic import BaseModel

    class ToolMessage(BaseModel):  # as LangChain's: a model holding its content
        role: str = "tool"
        tool_call_id: str
        content: str

    history: list[Any] = [{"role": "user", "content": "Look these up."}]
    for i in range(count):
        call_id = f"call_{i}"
        if shape == "anthropic":
            use = {"type": "tool_use", "id": call_id, "name": "lookup", "input": {"q": i}}
            history.append({"role": "assistant", "content": [use]})
            block = {"type": "tool_result", "tool_use_id": call_id, "content": result}
            history.append({"role": "user", "content": [block]})
        elif shape == "responses":
            history.append(
                {"type": "function_call", "call_id": call_id, "name": "lookup", "arguments": "{}"}
            )
            history.append({"type": "function_call_output", "call_id": call_id, "output": result})
        else:
            history.append(tool_call_message(None, call_id, "lookup", {"q": i}))
            answer = {"role": "tool", "tool_call_id": call_id, "content": result}
            history.append(ToolMessage(**answer) if shape == "model" else answer)
    return history


@pytest.mark.parametrize("answered", [False, True])
@pytest.mark.parametrize("shape", ["openai", "anthropic", "responses", "model"])
def test_a_history_of_big_tool_results_costs_what_its_budget_holds(mocker, shape, answered):
    """Tool results each longer than the budget (OpenAI's, Anthropic's, the Responses
    API's, an SDK's message object): only the newest is scrubbed and written (the blocks
    are written oldest first, but one ends before such a result; the newest itself, over
    the budget, only as far as the budget can show), also when a short answer follows
    it, and the span still says how many messages there were."""
    from sentry_agents import _message_json, _privacy
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrubber_for

    result = json.dumps([{"row": i, "token": "t"} for i in range(2_000)])
    history = _big_results(shape, result, 10)
    if answered:
        history.append({"role": "assistant", "content": "Found them."})
    scrubbed = mocker.spy(_privacy, "scrub_text")
    _message_json._reuse.clear()
    encoded = _message_json.encode_messages(
        history, split=True, scrubber=scrubber_for(DEFAULT_SCRUB_KEYS), max_bytes=20_000
    )
    if not answered and shape != "model":  # the newest, over the budget: cut alone, and
        # the older ones only counted (none can fit beside it)
        assert encoded is not None and len(encoded.pieces) == 1
        assert encoded.dropped == len(history) - 1
        assert len(scrubbed.call_args_list) <= 1  # the newest's text, if any
        assert '"tool_call_response"' in encoded.pieces[0]
        return
    assert encoded is not None and len(encoded.pieces) + encoded.dropped == len(history)
    assert [len(call.args[0]) for call in scrubbed.call_args_list] == [len(result)]
    assert '"tool_call_response"' in encoded.pieces[-2 if answered else -1]


@pytest.mark.parametrize("shape", ["openai", "two calls", "custom", "responses"])
def test_a_history_of_big_tool_calls_costs_what_its_budget_holds(mocker, shape):
    """Tool calls whose arguments are each longer than the budget (a coding agent's
    ``write_file``): only the newest call's arguments are read and written, not every
    call's at every model call, and the span still says how many messages there were."""
    from sentry_agents import _message_json
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrubber_for

    history: list[Any] = [{"role": "user", "content": "Write the files."}]
    for i in range(10):
        arguments = {"path": f"f{i}.py", "content": f"print({i})\n" * 4_000}
        call_id = f"call_{i}"
        if shape == "responses":
            call = {"type": "function_call", "call_id": call_id, "name": "write_file"}
            history.append({**call, "arguments": json.dumps(arguments)})
            history.append({"type": "function_call_output", "call_id": call_id, "output": "ok"})
            continue
        if shape == "custom":
            history.append(custom_call_message(None, call_id, "write_file", arguments["content"]))
        elif shape == "two calls":
            history.append(two_calls_message(None, call_id, "write_file", arguments))
        else:
            history.append(tool_call_message(None, call_id, "write_file", arguments))
        history.append({"role": "tool", "tool_call_id": call_id, "content": "ok"})
    read = mocker.spy(_message_json, "scrubbed_arguments_json")
    _message_json._reuse.clear()
    encoded = _message_json.encode_messages(
        history, split=True, scrubber=scrubber_for(DEFAULT_SCRUB_KEYS), max_bytes=20_000
    )
    assert encoded is not None and len(encoded.pieces) + encoded.dropped == len(history)
    newest = history[-2]
    if shape == "responses":
        newest_arguments = newest["arguments"]
    else:
        call = newest["tool_calls"][0]
        newest_arguments = (
            call["custom"]["input"] if shape == "custom" else call["function"]["arguments"]
        )
    long_ones = {call.args[0] for call in read.call_args_list if len(call.args[0]) > 20_000}
    assert long_ones == {newest_arguments}
    assert encoded.pieces[-1].startswith('{"role":"tool"')


@pytest.mark.parametrize("alphabet", ["ascii", "cjk", "emoji"])
def test_reused_json_stays_within_its_byte_bound_for_any_text(alphabet):
    import sys

    from sentry_agents import _message_json
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrubber_for

    char = {"ascii": "a", "cjk": "\u4e2d", "emoji": "\U0001f600"}[alphabet]
    reuse = _message_json._reuse
    reuse.clear()
    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    for i in range(3_000):
        text = f"{i} " + char * 900
        tool = {"role": "tool", "tool_call_id": f"c{i}", "content": text}
        call = tool_call_message(text[:300], f"c{i}", "lookup", {"q": text[:300]})
        blocks = anthropic_message("assistant", text[:300], {"q": text[:300]}, text[:300])
        encoded = _message_json.encode_messages(
            [{"role": "user", "content": text}, tool, call, blocks],
            split=True,
            scrubber=scrubber,
        )
        assert encoded is not None and len(encoded.pieces) == 4
        assert reuse.used <= _message_json.REUSE_MAX_BYTES
    held = 0
    for key, value in [*reuse.young.items(), *reuse.old.items()]:
        strings = [key] if type(key) is str else [part for part in key if type(part) is str]
        values = [value] if type(value) is str else list(value)
        held += sum(sys.getsizeof(s) for s in strings + values)
    assert held <= _message_json.REUSE_MAX_BYTES
    assert len(reuse) > 100, "the bound still leaves room for a long conversation"


def test_a_plain_message_after_a_turn_over_is_kept_in_the_young_generation(mocker):
    """A tool result kept for reuse can turn the generations over in the middle of a
    history: the plain messages written after it go to the new young generation (not to
    the old one, dropped at the next turn over)."""
    from sentry_agents import _message_json
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrubber_for

    reuse = _message_json._Reuse(4_000, 4_000)
    mocker.patch.object(_message_json, "_reuse", reuse)
    reuse.young["filler"] = "x"
    reuse.used = reuse.half - 10  # the tool result's entry turns them over
    history = [
        {"role": "tool", "tool_call_id": "c1", "content": "a result"},
        {"role": "user", "content": "after the turn over"},
    ]
    _message_json.encode_messages(history, split=True, scrubber=scrubber_for(DEFAULT_SCRUB_KEYS))
    assert "filler" in reuse.old, "the generations were turned over"
    assert "after the turn over" in reuse.young


def test_a_message_too_big_to_keep_is_written_every_time():
    from sentry_agents import _message_json
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrubber_for

    long_text = "x" * _message_json.REUSE_MAX_ENTRY_BYTES
    _message_json.encode_messages(
        [{"role": "user", "content": long_text}],
        split=True,
        scrubber=scrubber_for(DEFAULT_SCRUB_KEYS),
    )
    assert _message_json._reuse.get(("user", long_text)) is None


def test_an_agent_loops_fetched_pages_are_written_once_not_at_every_model_call(mocker):
    """An agent loop's tool results of 40 KB (fetched pages, files read), re-sent at every
    model call within the 200,000 bytes of a span sent on its own, are each scrubbed and
    written once, then reused; the JSON sent is what writing them anew gives."""
    from sentry_agents import _message_json
    from sentry_agents._message_json import encode_messages
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrubber_for

    _message_json._reuse.clear()
    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    scrubbed = mocker.spy(_message_json, "scrub_result_text")
    history: list[dict[str, Any]] = [{"role": "user", "content": "Read the docs."}]
    for step in range(6):
        call = {"id": f"call_{step}", "type": "function"}
        call["function"] = {"name": "fetch", "arguments": json.dumps({"page": step})}
        page = json.dumps({"page": step, "text": f"Page {step}: " + "lorem ipsum " * 3400})
        history.append({"role": "assistant", "content": None, "tool_calls": [call]})
        history.append({"role": "tool", "tool_call_id": f"call_{step}", "content": page})
        sent = encode_messages(history, split=True, scrubber=scrubber, max_bytes=200_000)
        assert sent is not None
    assert scrubbed.call_count == 6, "each page scrubbed once"
    _message_json._reuse.clear()
    anew = encode_messages(history, split=True, scrubber=scrubber, max_bytes=200_000)
    assert anew is not None and anew.pieces == sent.pieces


@settings(max_examples=800, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                *("a", "b ", "{", "[", "]", "}", "\n", "\r", "\r\n", "\t", " ", "\ufeff"),
                *("\x85", "\u2028", "\xa0", "\x0b", "\n{", " [", "x{", '{"a": 1}', "[1]\n"),
            ]
        ),
        max_size=40,
    ).map("".join),
    st.integers(min_value=0, max_value=4),
)
def test_line_brackets_finds_what_a_regex_of_line_starts_finds(text, found_lines):
    """Where JSON may begin a line of text (scrubbed in place): exactly the places a regex
    trying every position finds, whether read line by line or, past ``_FOUND_LINES``
    lines holding a bracket, by the regex of line breaks."""
    import re

    from sentry_agents import _privacy

    every_place = re.compile(r"(?:^|[\n\r])(?:[^\S\n\r]|\ufeff)*(?=[{\[])")
    expected = [match.end() for match in every_place.finditer(text)]
    for limit in (found_lines, _privacy._FOUND_LINES):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_privacy, "_FOUND_LINES", limit)
            assert list(_privacy.line_brackets(text)) == expected


def documents_read_in_the_whole_text(text: str) -> list[tuple[int, int, Any]]:
    """What ``_privacy._documents`` finds, as it found it before reading in windows:
    each line's bracket parsed from there in the whole text."""
    from sentry_agents import _privacy
    from sentry_agents._jsonable import decode_prefix

    found, end = [], 0
    for at in _privacy.line_brackets(text):
        if at < end:
            continue
        try:
            value, stop = decode_prefix(text, at)
        except (ValueError, RecursionError):
            continue
        if isinstance(value, (dict, list)):
            found.append((at, stop, value))
            end = stop
    return found


JSON_PIECES = [
    *('{"a": 1}', "[1, 2.5e-3, -0.0]", '{"k": [true, false, null]}', "[]", "{}", "[ ]"),
    *('{"a"', "[1,", "[1.", "[1.5e", "[-", "[tru", "[nul", '["\\u12', '["\\ud83d\\ude00"]'),
    *("[NaN, Infinity, -Infinity]", "[Infin", '{"x": "', '"]', "}", "]", ",", ":"),
    *("{\n  x = 1;", "[link](u)", "[2024-01-01] log", "[x]", '{"token": "t"}', "0,"),
    *("\n", "\r\n", " ", "\t", "\ufeff"),
]


@settings(max_examples=1_000, deadline=None)
@given(
    st.lists(
        st.sampled_from(JSON_PIECES)
        | st.integers(min_value=1, max_value=90).map(lambda n: '["' + "s" * n + '"]')
        | st.integers(min_value=1, max_value=90).map(lambda n: "[" + "7" * n + "]")
        | st.integers(min_value=1, max_value=60).map(lambda n: "[" + " " * n + "1]"),
        max_size=30,
    ).map("".join),
    st.sampled_from([1, 2, 8, 17, 32, 64, 1024]),
    st.sampled_from([2, 4]),
)
def test_json_beginning_a_line_is_found_in_windows_as_in_the_whole_text(text, window, growth):
    """``_documents`` reads each line's JSON in windows of the text that grow, from one as
    far as the next line a bracket begins: it finds the same documents at the same
    places as parsing in the whole text does, whatever the windows' size, for JSON cut
    anywhere (in a string, a number's fraction or exponent, a literal, an escape, a run
    of blanks), over lines or not, and brackets that begin no JSON."""
    from unittest import mock

    from sentry_agents import _privacy

    with mock.patch.multiple(_privacy, _FIRST_WINDOW=window, _GROWTH=growth):
        assert list(_privacy._documents(text)) == documents_read_in_the_whole_text(text)


REFERRING_BACK = re.compile(r"""(\\*)(?:"([^"\\]{1,256})\1"|'([^'\\]{1,256})\1')\s*:""")
"""The regex ``quoted_keys`` replaced: the backslashes before a key's closing quote
refer back to those before its opening one (the square of a run's length to read)."""


@settings(max_examples=2_000, deadline=None)
@given(
    st.lists(
        st.sampled_from(["\\", "\\\\", '"', "'", "k", "ey", ":", " ", ",", "{", "\n"]),
        max_size=40,
    ).map("".join)
)
def test_quoted_keys_are_found_as_a_regex_referring_back_finds_them(text):
    """``quoted_keys`` finds the keys, and where their colons end, that a regex whose
    backslashes before the closing quote refer back to those before the opening one
    finds, for any run of backslashes and quotes (JSON encoded many times, or not
    matching), in time linear in the text where that regex took the square of a run."""
    from sentry_agents._privacy import quoted_keys

    expected = [(m.group(2) or m.group(3), m.end()) for m in REFERRING_BACK.finditer(text)]
    assert list(quoted_keys(text)) == expected


def test_quoted_keys_are_found_as_the_regex_finds_them_in_every_short_text():
    """Every text of up to eight of a backslash, both quotes, a key's letter and a
    colon: a key in one kind of quotes within a longer one in the other, whose closing
    quote has more backslashes than its opening (``"'k':\\":``), is found as the regex
    finds it, not passed over with the longer one."""
    import itertools

    from sentry_agents._privacy import quoted_keys

    for size in range(1, 9):
        for chars in itertools.product("\\\"'k:", repeat=size):
            text = "".join(chars)
            found = [(m.group(2) or m.group(3), m.end()) for m in REFERRING_BACK.finditer(text)]
            assert list(quoted_keys(text)) == found, text


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.sampled_from('ab"\\\n\u00e9\U0001f600 '), max_size=40),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(alphabet='ab"', max_size=3), children, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=1_000, deadline=None)
@given(
    json_values.filter(lambda value: isinstance(value, (list, dict))),
    st.sampled_from([None, 0, 1, 2]),
    st.booleans(),
    st.integers(min_value=0, max_value=400),
    st.integers(min_value=1, max_value=400),
    st.sampled_from([1, 2, 8, 17]),
)
def test_a_value_read_in_windows_is_the_value_read_in_the_whole_text(
    value, indent, ascii, cut, until, window
):
    """``_document_at`` gives the value and end that parsing in the whole text gives, or
    fails where it fails, whatever window it reads first and however the windows cut
    the JSON (a number's fraction or exponent, a literal, an escape, a string, blanks),
    for JSON whole or cut short anywhere."""
    from unittest import mock

    from sentry_agents import _privacy
    from sentry_agents._jsonable import decode_prefix

    written = json.dumps(value, indent=indent, ensure_ascii=ascii)
    for text in (written + "\nmore", written[: max(1, cut)]):
        try:
            expected: Any = decode_prefix(text, 0)
        except (ValueError, RecursionError):
            expected = None
        with mock.patch.object(_privacy, "_FIRST_WINDOW", window):
            found, stop, read, _ = _privacy._document_at(text, 0, min(until, len(text)))
        assert (None if stop < 0 else (found, stop)) == expected
        assert (read > 0) == (stop < 0)


def closes_read_a_character_at_a_time(text: str) -> dict[int, int]:
    """Where each bracket outside strings closes, a string read to its closing quote
    (escapes skipped) or to the end."""
    closes, opened, in_string, at = {}, [], False, 0
    while at < len(text):
        char = text[at]
        if in_string:
            if char == "\\":
                at += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            opened.append(at)
        elif char in "]}" and opened:
            closes[opened.pop()] = at
        at += 1
    return closes


@settings(max_examples=1_000, deadline=None)
@given(st.lists(st.sampled_from(["[", "]", "{", "}", '"', "\\", "a", ",", "\n"]), max_size=40))
def test_brackets_are_matched_outside_strings_a_string_left_open_running_to_the_end(chars):
    """``_closes`` matches the brackets outside strings as reading a character at a time
    does, for any strings, escapes and brackets, a string left open (where the JSON
    failed, maybe after many escaped quotes) running to the end: read once, where a
    regex that must close it read the rest again from each escaped quote (32 KB: 3 s)."""
    from sentry_agents import _privacy

    text = "".join(chars)
    assert _privacy._closes(text, 0, len(text)) == closes_read_a_character_at_a_time(text)


HOSTILE_LINES = {
    "lines of brackets": "[\n" * 16_000,
    "deep, then a long body": "[\n" * 900 + "0,\n" * 100_000,
    "keys that never get a value": '{"a"\n' * 40_000,
    "arrays that never close": "[1,\n" * 40_000,
}


def test_a_key_after_a_long_run_of_backslashes_is_found_and_cut():
    """Text that begins like JSON but does not parse, names a secret after a long run of
    backslashes (8 s for 40,000 of them when each was read as a key's opening): the
    key after it is still found, and the text cut after it."""
    from sentry_agents import _privacy

    text = '{"note": "' + "\\" * 40_000 + '", "password": "CANARY", "a": ['
    scrubbed = _privacy.scrub_text(text, _privacy.scrubber_for(DEFAULT_SCRUB_KEYS))
    assert scrubbed == text[: text.index('"password":') + len('"password":')] + " [Filtered]"


@pytest.mark.parametrize("name", HOSTILE_LINES)
def test_lines_of_json_that_never_parses_are_read_a_bounded_number_of_times(name, mocker):
    """Lines beginning JSON that fails to parse (each read to the text's end again, or
    to the recursion limit) are read at most about ``_FAILED_READS`` times the text's
    length in all: the characters handed to the JSON decoder were up to the square of
    the text's length (36 s for 1 MB). Past that, the rest is cut after its first
    secret's key, as text that cannot be read is: a secret after them is never sent."""
    from sentry_agents import _privacy

    text = "Notes\n" + HOSTILE_LINES[name] + '{"password": "CANARY", "a": 1}\nDone.\n'
    decoded = mocker.spy(_privacy, "decode_prefix")
    scrubbed = _privacy.scrub_text(text, _privacy.scrubber_for(DEFAULT_SCRUB_KEYS))
    assert "CANARY" not in scrubbed
    assert scrubbed.startswith(text[: text.index('"password"')])
    handed = sum(len(call.args[0]) for call in decoded.call_args_list)
    bound = (_privacy._FAILED_READS + 2) * len(text) + _privacy._FAILED_READS_FLOOR
    assert handed <= bound + _privacy._FIRST_WINDOW * decoded.call_count
    assert decoded.call_count <= len(text) // 2


@pytest.mark.parametrize("key", ["my\\/password", "x\\tpassword", "a" * 300 + "_password"])
def test_a_secret_past_what_is_read_of_lines_that_never_parse_is_never_sent(key):
    """Past what is read of lines beginning JSON that fails to parse, the rest is cut
    after its first secret's key; a key written with escapes (``\\/``, ``\\t``) or longer
    than a key is looked for, which the JSON would have read (and its value filtered),
    is not found so: the rest is then filtered whole, when it may hold a secret's key."""
    from sentry_agents import _privacy

    text = "Notes\n" + "[\n" * 16_000 + '{"' + key + '": "CANARY"}\nDone.\n'
    scrubbed = _privacy.scrub_text(text, _privacy.scrubber_for(DEFAULT_SCRUB_KEYS))
    assert "CANARY" not in scrubbed
    assert scrubbed.startswith("Notes\n[\n[\n")


def test_code_with_braces_on_lines_of_their_own_is_not_parsed_at_each_brace(mocker):
    """C or Java code with ``{`` alone on its lines, holding a deny-listed word: a brace
    that cannot begin JSON is passed over unparsed (15 s for 1 MB of such code before),
    the code is sent as written and the JSON line in it scrubbed."""
    from sentry_agents import _privacy

    code = "int check(char *token)\n{\n    return verify(token);\n}\n" * 2_000
    text = code + '{"password": "CANARY", "a": 1}\n' + code
    decoded = mocker.spy(_privacy, "decode_prefix")
    scrubbed = _privacy.scrub_text(text, _privacy.scrubber_for(DEFAULT_SCRUB_KEYS))
    assert scrubbed == code + '{"password":"[Filtered]","a":1}\n' + code
    assert decoded.call_count == 1


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.builds(lambda text: {"type": "text", "content": text}, st.text(max_size=300))
        | st.sampled_from(
            [
                {"type": "text", "content": "x", "cache_control": {"type": "ephemeral"}},
                {"type": "reasoning", "content": "r"},
                {"type": "text", "content": 3},
                {"content": "x", "type": "text"},
            ]
        ),
        max_size=4,
    ),
    st.integers(min_value=0, max_value=700),
)
def test_system_key_is_given_for_text_parts_alone_which_scrubbing_keeps(parts, budget):
    """System instructions of text parts alone have a key to reuse them by, the same for
    the same texts and budget, and no scrubbing changes them (so the key needs no
    scrubbed keys); any other part has none (the span converts them every time)."""
    from sentry_agents._message_json import system_key
    from sentry_agents._privacy import scrub_parts, scrubber_for

    plain = all(
        list(p) == ["type", "content"] and p["type"] == "text" and type(p["content"]) is str
        for p in parts
    )
    key = system_key(parts, budget)
    assert (key is not None) == plain
    if key is not None:
        assert key == system_key([dict(p) for p in parts], budget)
        assert key != system_key(parts, budget + 1)
        for keys in ((), ("content", "text", "type"), ("password",)):
            assert scrub_parts(parts, scrubber_for(frozenset(keys))) == parts


def test_a_system_prompt_sent_again_is_written_once(sentry, mocker):
    """An agent's system prompt, sent at every model call, is written to JSON once and
    reused, within each budget; what is sent is the same each time."""
    import sentry_agents
    from sentry_agents import _message_json, _span

    _message_json._reuse.clear()
    spies = [mocker.spy(_message_json, "fit"), mocker.spy(_span, "fit")]
    # Within every budget, sentry-sdk 2.12's 1,024 characters a value among them.
    prompt = "You are a careful agent. Follow these rules. " * 20
    messages = [{"role": "system", "content": prompt}, {"role": "user", "content": "Hi"}]
    for _ in range(3):
        with sentry_agents.chat("m", messages=messages):
            pass
    with sentry_agents.chat("m", messages=messages, system_instructions="Be brief."):
        pass
    # The prompt, then the prompt with the other instructions: each written once.
    assert sum(spy.call_count for spy in spies) == 2
    sent = [s.attributes["gen_ai.system_instructions"] for s in sentry.gen_ai_spans()]
    assert sent[:3] == [sent[0]] * 3
    assert json.loads(sent[0]) == [{"type": "text", "content": prompt}]
    assert [p["content"] for p in json.loads(sent[3])] == ["Be brief.", prompt]


@pytest.mark.parametrize("cut", [False, True])
def test_system_parts_of_the_same_text_in_another_key_order_are_not_reused(sentry, cut):
    """System parts given as role/parts messages are sent as given: a text part whose
    keys come in another order (or whose type is a string posing as ``"text"``) is
    written as it is, not as the same text written before (cut to a budget, the order
    decides what is kept)."""
    import sentry_agents
    from sentry_agents import _message_json

    class Posing(str):
        def __ne__(self, other: object) -> bool:
            return False

    prompt = "Follow these rules carefully. " * (60 if cut else 2)
    sentry_agents.configure(max_message_bytes=1_000)
    given = [
        {"type": "text", "content": prompt},
        {"content": prompt, "type": "text"},
        {"type": Posing("image"), "content": prompt},
    ]
    for parts in (given, given[1:], given[2:]):
        _message_json._reuse.clear()
        for part in parts:
            with sentry_agents.chat("m", messages=[{"role": "system", "parts": [part]}]):
                pass
    sent = [s.attributes["gen_ai.system_instructions"] for s in sentry.gen_ai_spans()]
    alone = [sent[3], sent[5]]  # each written with nothing kept before
    assert [sent[1], sent[2]] == alone
    assert sent[4] == sent[5]


def test_the_reuse_cache_never_holds_more_than_its_bound():
    """An entry that would take the young generation past half the bound turns the
    generations over first: the two together never hold more than the bound, however
    big the entries (up to the largest kept)."""
    from sentry_agents._message_json import _Reuse

    reuse = _Reuse(1_000, 300)
    held: dict[Any, int] = {}
    for n, cost in enumerate([200, 299, 300, 250, 250, 10, 300, 1, 300, 301]):
        reuse.put(n, "x", cost)
        if cost <= 300:
            held[n] = cost
        assert reuse.used <= reuse.half
        in_both = sum(held[k] for k in [*reuse.young, *reuse.old])
        assert in_both <= 1_000
        assert sum(held[k] for k in reuse.young) == reuse.used
    assert 9 not in reuse.young and 9 not in reuse.old


@settings(max_examples=300, deadline=None)
@given(plain_messages, st.integers(min_value=256, max_value=2000))
def test_fast_path_keeps_the_same_messages_as_the_general_path(msgs, budget):
    from sentry_agents._budget import fit

    out = serialize_messages(msgs, max_bytes=budget)
    assert out == fit(to_gen_ai_messages(msgs), budget).text
    assert len(out.encode("utf-8")) <= budget


def tool_step(shape: str, ident: str, name: str, arguments: Any, result: str) -> list[Any]:
    """One step of a tool loop, its call and its result, as an OpenAI chat history, an
    Anthropic one, an OpenAI Responses API one or a Google GenAI one holds it."""
    if shape == "google":
        call = {"function_call": {"name": name, "args": arguments}}
        output = {"function_response": {"name": name, "response": {"output": result}}}
        return [{"role": "model", "parts": [call]}, {"role": "user", "parts": [output]}]
    if shape == "anthropic":
        call = {"type": "tool_use", "id": ident, "name": name, "input": arguments}
        output = {"type": "tool_result", "tool_use_id": ident, "content": result}
        return [{"role": "assistant", "content": [call]}, {"role": "user", "content": [output]}]
    if shape == "responses":
        return [
            {
                "type": "function_call",
                "call_id": ident,
                "name": name,
                "arguments": json.dumps(arguments),
            },
            {"type": "function_call_output", "call_id": ident, "output": result},
        ]
    return [
        tool_call_message(None, ident, name, arguments),
        {"role": "tool", "tool_call_id": ident, "content": result},
    ]


@pytest.mark.parametrize("shape", ["openai", "anthropic", "responses", "google", "genai objects"])
def test_an_older_tool_call_or_result_too_big_to_keep_is_not_written_again_to_be_dropped(
    mocker, shape
):
    """A tool call's arguments or a tool's result too big to keep for reuse (a file
    written or read whole), once older than a message the budget keeps, is dropped at
    the next model call without being scrubbed and written again (its JSON length is
    kept): the same text as writing it, and as the general path; a budget it fits in
    still keeps it. So in an OpenAI chat history, an Anthropic one, a Responses one and a
    Google one, as dicts or google-genai's objects (converted by the general path)."""
    from google.genai import types

    from sentry_agents import _message_json
    from sentry_agents._budget import fit

    page = "x = compute(1)  # one line of the file\n" * 16_000  # 640 KB
    steps = shape.replace("genai objects", "google")
    history: list[Any] = [
        {"role": "user", "content": "Copy the file."},
        *tool_step(steps, "call_read", "read_file", {"path": "a.py"}, page),
        *tool_step(steps, "call_write", "write_file", {"path": "b.py", "content": page}, "done"),
        {"role": "user", "content": "Thanks."},
    ]

    def rebuilt(messages: list[Any]) -> list[Any]:
        """Equal messages, each a new object (as a client that rebuilds its history)."""
        if shape != "genai objects":
            return json.loads(json.dumps(messages))  # type: ignore[no-any-return]
        return [m.model_copy(deep=True) if isinstance(m, types.Content) else m for m in messages]

    if shape == "genai objects":
        history = [types.Content.model_validate(m) if "parts" in m else m for m in history]
    for newer in (history[-2:], history[-1:]):
        _message_json._sizes.clear()
        messages = history[: len(history) - len(newer)] + newer
        first = serialize_messages(messages, max_bytes=20_000)
        spies = [
            mocker.spy(_message_json, name)
            for name in (
                "scrubbed_arguments_json",
                "scrub_result_text",
                "_blocks_json",
                "_tool_call",
                "convert_item",
            )
        ]
        for again in (messages, rebuilt(messages)):
            assert serialize_messages(again, max_bytes=20_000) == first
        assert sum(spy.call_count for spy in spies) == 0
        assert first == fit(to_gen_ai_messages(messages), 20_000).text
        whole = serialize_messages(messages, max_bytes=4_000_000)
        assert whole == fit(to_gen_ai_messages(messages), 4_000_000).text
        assert len(json.loads(whole)) == len(messages)
        mocker.stopall()


ascii_key = st.text(
    alphabet=st.sampled_from(list("aAbBzZ09_- .")) | st.characters(max_codepoint=127),
    max_size=30,
)


@settings(max_examples=500, deadline=None)
@given(ascii_key)
def test_ascii_keys_split_alike_on_both_paths_of_words(key):
    """``words`` splits ASCII keys with a fast path; the path of every other key splits
    them exactly alike (a name and a key are never split two ways)."""
    from sentry_agents._privacy import _unicode_words, words

    assert _unicode_words(key) == words(key)


key_fragments = st.sampled_from(
    [
        "password", "Password", "PASSWORD", "pass", "word", "api", "Api", "API", "key",
        "Key", "keys", "Keys", "token", "Token", "tokens", "TOKENS", "secret", "es", "s",
        "S", "max", "count", "customer", "Customer", "ssn", "Ssn", "SSN", "Пароль",
        "пароль", "ПАРОЛЬ", "密码", "straße", "STRAẞE", "\u017f", "\u212a", "ñ", "n\u0301", "2",
        "auth0", "_", "-", " ", ".", "\ufeff", "new", "client", "izer", "ary", "less", "dsn",
        "otp", "pwd",
    ]
)  # fmt: skip
secret_like_key = st.lists(key_fragments | st.text(max_size=2), max_size=6).map("".join)
PREFILTER_NAMES = frozenset(
    {"password", "api_key", "token", "secret", "customerSsn", "пароль", "密码", "straße"}
)


@settings(max_examples=1000, deadline=None)
@given(secret_like_key)
def test_the_prefilter_sees_every_secret_key(key):
    """``Scrubber.may_hide`` skips JSON text only when no key in it can be a secret's:
    whatever the case, script, case folding (``ß``, the long s, the Kelvin sign) and spelling
    of the key (names glued to other letters too), and however JSON writes it."""
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrubber_for

    for scrubber in (scrubber_for(PREFILTER_NAMES), scrubber_for(DEFAULT_SCRUB_KEYS)):
        if scrubber.decide(key)[0]:
            for ensure_ascii in (True, False):
                assert scrubber.may_hide(json.dumps({key: "v"}, ensure_ascii=ensure_ascii))


@settings(max_examples=1000, deadline=None)
@given(secret_like_key | st.text(max_size=12))
def test_a_key_the_prefilter_passes_is_decided_as_its_words_decide(key):
    """``decide`` answers "no secret" without splitting a key into words when no deny-listed
    word occurs in it (``may_hide``): never another answer than its words give."""
    from sentry_agents._privacy import scrubber_for

    for names in (PREFILTER_NAMES, DEFAULT_SCRUB_KEYS):
        scrubber = scrubber_for(names)
        assert scrubber.decide(key) == scrubber.decide_by_words(key)


json_line = st.sampled_from(
    [
        '{"password": "p"}',
        '[1, {"token": "t"}]',
        '  {"api_key": 1}',
        '\ufeff\t[{"secret": 2}]',
        '"{\\"secret\\": 1}"',
        "x = {'token': 1}",
        "rows[0] = {}",
        "token=abc; password: hunter2",
        "{not json",
        "plain words",
        "",
        " ",
    ]
)


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(json_line, max_size=6),
    st.sampled_from(["\n", "\r\n", "\r", "\n\n"]),
    st.sampled_from(["", "x", " ", "{", "[", '"', "\ufeff"]),
)
def test_a_text_not_read_for_json_is_one_json_scrubbing_leaves_as_it_is(lines, breaks, head):
    """``may_hold_json`` (told before the deny-listed words are looked for) passes a text
    only when scrubbing the JSON in it leaves the text and every beginning of it as they
    are: no line of it begins with ``{`` or ``[``, and it does not begin as JSON may."""
    from sentry_agents._bounded import Bounded
    from sentry_agents._privacy import (
        DEFAULT_SCRUB_KEYS,
        _json_scrubbed,
        may_hold_json,
        scrub_text,
        scrubber_for,
    )

    text = head + breaks.join(lines)
    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    if not may_hold_json(text):
        for cut in range(len(text) + 1):
            assert _json_scrubbed(text[:cut], scrubber) == text[:cut]
        assert scrub_text(text, scrubber) is text
        assert Bounded(scrubber, 1_000).left_alone(text)
    elif '{"' in text.lstrip() and scrubber.may_hide(text):
        assert Bounded(scrubber, 1_000).left_alone(text) is False


json_value_text = st.sampled_from(
    [
        "x = compute(1)\n",
        "https://user:pw@h.example/x",
        "see https://h.example/?token=t",
        '{"password": "p"}',
        "[1, 2]",
        "token",
        "caf\u00e9 \U0001f642",
        "",
    ]
)


@settings(max_examples=500, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["path", "content", "api_key", "Token", "url", "n"]),
        st.lists(json_value_text, max_size=3).map("".join),
        max_size=4,
    ),
    st.sampled_from([0, 1, 2]),
    st.booleans(),
)
def test_a_json_text_of_few_values_read_first_is_scrubbed_as_the_prefilter_would(
    members, layout, escaped
):
    """A long JSON text of few values (a file's text in an object) is parsed and read
    before the deny-listed words are looked for: it is scrubbed exactly as looking for
    them first scrubs it, the credentials of a URL in it filtered in the text as written,
    whatever its keys, values, spacing and escapes."""
    from unittest import mock

    from sentry_agents import _privacy
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrubber_for, urls_filtered

    separators = [(", ", ": "), (",", ":"), (",\n", ":\t")][layout]
    text = json.dumps(members, separators=separators, ensure_ascii=escaped)
    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    expected = text
    if _privacy.may_hold_json(text) and scrubber.may_hide(text):
        expected = _privacy._json_scrubbed(text, scrubber)
    if "://" in expected:
        expected = urls_filtered(expected, scrubber)
    with mock.patch.multiple(_privacy, _FEW_VALUES_FROM=0, _CHARS_PER_VALUE=len(text)):
        assert _privacy._few_values(text) == (text[:1] in "{[" and "," not in text)
        assert _privacy.scrub_text(text, scrubber) == expected
    with mock.patch.multiple(_privacy, _FEW_VALUES_FROM=0, _CHARS_PER_VALUE=0):
        assert _privacy._few_values(text) is (text[:1] in "{[")
        assert _privacy.scrub_text(text, scrubber) == expected


def test_a_long_text_only_beginning_as_json_is_not_read_line_by_line_without_a_secret_word(
    mocker,
):
    """A long text that begins like JSON but is not one document (JSON Lines, lines of
    brackets), few commas in it, is read line by line (which costs far more for some
    texts: each line's bracket tried) only once a deny-listed word is in it, as before
    JSON texts of few values were read first; then its secrets are scrubbed."""
    from sentry_agents import _privacy
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrub_text, scrubber_for

    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    by_line = mocker.spy(_privacy, "_scrub_documents")
    for text in ("[\n" * 16_000, '{"a": 1}\n' * 3_000, "{" + "x" * 20_000):
        assert _privacy._few_values(text)
        assert scrub_text(text, scrubber) is text
    assert by_line.call_count == 0
    lines = '{"n": 1}\n' * 3_000 + '{"token": "t0p"}\n'
    assert "t0p" not in scrub_text(lines, scrubber)
    assert by_line.call_count == 1


def test_a_long_text_of_lines_no_bracket_begins_is_not_searched_for_secret_words(mocker):
    """A file of 1 MB (code, prose) none of whose lines begins as JSON is sent as it is
    without a search for deny-listed words in all of it, and so is a JSON text holding
    it (read as JSON first); a line beginning as JSON with a secret's key in it, or a
    secret's key beside the file, is still scrubbed."""
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, Scrubber, scrub_text, scrubber_for

    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    search = mocker.spy(Scrubber, "may_hide")
    code = "def step(x):\n    return compute(x[0], {'retries': 3})\n" * 20_000
    assert scrub_text(code, scrubber) is code
    assert search.call_count == 0
    leaked = code + '{"password": "hunter2"}\n'
    assert "hunter2" not in scrub_text(leaked, scrubber)
    assert search.call_args_list[0].args[1] is leaked
    search.reset_mock()
    for text in (json.dumps({"path": "a.py", "content": code}), json.dumps([code])):
        assert scrub_text(text, scrubber) is text  # read as JSON first: nothing to scrub
    # (its keys, short, are looked at once, when this scrubber first meets them)
    assert not [call for call in search.call_args_list if len(call.args[1]) > 100]
    assert "hunter2" not in scrub_text(
        json.dumps({"content": code, "password": "hunter2"}), scrubber
    )


def test_a_key_no_deny_listed_word_occurs_in_is_not_split_into_words(mocker):
    """Many distinct keys (a tool result of 300,000) cost a prefilter each, not a split."""
    from sentry_agents import _privacy

    scrubber = _privacy.Scrubber(DEFAULT_SCRUB_KEYS)
    split = mocker.spy(_privacy, "words")
    assert [scrubber.decide(f"row_{i}") for i in range(100)] == [(False, False)] * 100
    assert split.call_count == 0
    assert scrubber.decide("user_password") == (True, False)
    assert split.call_count == 1


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=st.characters(blacklist_categories=()), max_size=20),
    st.sampled_from(["", "\n", "\r", "\r\n", "\n\r", "\r\r"]),
    st.text(alphabet=" \t\ufeff\u00a0\u2003\u3000\x0b", max_size=4),
    st.dictionaries(secret_or_plain_key, json_like, max_size=3),
    st.text(alphabet=st.characters(blacklist_categories=()), max_size=20),
)
def test_json_beginning_a_line_is_scrubbed_whatever_breaks_the_line(
    before, line_break, blanks, extra, after
):
    """JSON at the start of a tool's result, or of a line of it (broken by ``\\n``,
    ``\\r`` or both), after white space and byte order marks: its secrets never sent,
    and both message writers write the same text."""
    from sentry_agents import serialize_messages
    from sentry_agents._jsonable import dumps
    from sentry_agents._messages import to_gen_ai_messages
    from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, scrub_messages, scrubber_for

    if before and not line_break:
        before = ""  # JSON that does not begin a line is text, not data
    canary = "\x01CANARY\x02"
    document = json.dumps({**extra, "password": canary}, ensure_ascii=False)
    text = f"{before}{line_break}{blanks}{document}\n{after}"
    messages = [
        {"role": "tool", "tool_call_id": "c", "content": text},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": text}]},
    ]
    written = serialize_messages(messages, max_bytes=10**6)
    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    assert written == dumps(scrub_messages(to_gen_ai_messages(messages), scrubber))
    assert "CANARY" not in json.dumps(json.loads(written), ensure_ascii=False)


def anthropic_answer(picks, reason, text_content, as_dict=False):
    """An Anthropic ``Message`` as the client parses it (unvalidated), its content the
    blocks ``picks`` names, or, ``text_content``, a string (which no reply holds);
    ``as_dict``: the JSON it came from, parsed (a raw HTTP call's, or Bedrock's body)."""
    from anthropic._models import construct_type
    from anthropic.types import Message
    from anthropic.types.beta import BetaMessage

    made = {
        "text": lambda text, _: {"type": "text", "text": text},
        "cited text": lambda text, data: {
            "type": "text",
            "text": text,
            "citations": [
                {
                    "type": "web_search_result_location",
                    "cited_text": json.dumps(data),
                    "url": "https://example.com",
                    "title": text,
                    "encrypted_index": "e",
                }
            ],
        },
        "tool_use": lambda text, data: {
            "type": "tool_use",
            "id": f"toolu_{text}",
            "name": text,
            "input": data,
        },
        "server_tool_use": lambda text, data: {
            "type": "server_tool_use",
            "id": f"srvtoolu_{text}",
            "name": "web_search",
            "input": data,
        },
        "web_search_tool_result": lambda text, _: {
            "type": "web_search_tool_result",
            "tool_use_id": f"srvtoolu_{text}",
            "content": [
                {
                    "type": "web_search_result",
                    "url": "https://example.com",
                    "title": text,
                    "encrypted_content": "e",
                    "page_age": None,
                }
            ],
        },
        "thinking": lambda text, _: {"type": "thinking", "thinking": text, "signature": "s"},
        "redacted_thinking": lambda text, _: {"type": "redacted_thinking", "data": text},
        "mcp_tool_use": lambda text, data: {
            "type": "mcp_tool_use",
            "id": f"mcptoolu_{text}",
            "name": text,
            "server_name": "ops",
            "input": data,
        },
        "tool_result": lambda text, _: {
            "type": "tool_result",
            "tool_use_id": f"toolu_{text}",
            "content": text,
        },
        "image": lambda text, _: {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
        },
        "odd": lambda text, data: {"type": text, "text": text, "input": data},
        "no text": lambda text, _: {"type": "text", "citations": None},
        "string": lambda text, _: text,
    }
    content = [made[kind](text, data) for kind, text, data in picks]
    reply = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": picks[0][1] if text_content and picks else content,
        "stop_reason": reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 5},
    }
    if as_dict:
        return reply
    beta = any(kind == "mcp_tool_use" for kind, _, _ in picks)
    return construct_type(type_=BetaMessage if beta else Message, value=reply)


ANSWER_BLOCKS = ["text", "cited text", "tool_use", "server_tool_use", "thinking"]
ANSWER_BLOCKS += ["redacted_thinking", "web_search_tool_result", "mcp_tool_use"]
# Blocks no reply holds, which a dict (or a model parsed without validation) may.
ODD_BLOCKS = ["tool_result", "image", "odd", "no text", "string"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(ANSWER_BLOCKS) | st.sampled_from(ODD_BLOCKS),
            some_text,
            json_object | media_object,
        ),
        max_size=4,
    ),
    st.none() | st.sampled_from(["end_turn", "tool_use", ""]) | some_text,
    st.sampled_from([False, False, False, True]),
    st.sampled_from([DEFAULT_SCRUB_KEYS, frozenset({"name"}), frozenset({"city", "id"})]),
    st.booleans(),
)
def test_an_anthropic_answer_written_from_its_blocks_is_what_the_general_path_writes(
    picks, reason, text_content, scrub_keys, as_dict
):
    """``set_response`` leaves an Anthropic answer's blocks unconverted (``answer``), the
    SDK's ``Message`` or its JSON as a dict, and writes its output JSON straight from them
    (``answer_json``): the same message as the reading that converts them, and, where
    written, the same text as ``dumps`` of that conversion scrubbed; blocks it does not
    write are left to that conversion."""
    import dataclasses

    from sentry_agents._jsonable import dumps
    from sentry_agents._message_json import answer_json
    from sentry_agents._privacy import scrub_messages, scrubber_for
    from sentry_agents._responses import read_response

    response = anthropic_answer(picks, reason, text_content, as_dict)
    general = read_response(response)
    apart = read_response(response, answer_apart=True)
    assert general.output and general.answer is None
    if apart.answer is None:
        assert apart == general
        return
    assert dataclasses.replace(apart, output=apart.answer.messages(), answer=None) == general
    scrubber = scrubber_for(scrub_keys)
    written = answer_json(apart.answer.content, apart.answer.reason, scrubber)
    if written is not None:
        assert written == dumps(scrub_messages(general.output, scrubber))


def test_an_anthropic_answer_of_the_common_blocks_is_written_from_them():
    """The blocks a reply commonly holds (text, with citations too, tool and server tool
    calls, thinking), in the SDK's ``Message`` or its JSON, are written straight from the
    blocks, under the default deny list: the property above compares something."""
    from sentry_agents._message_json import answer_json
    from sentry_agents._privacy import scrubber_for
    from sentry_agents._responses import read_response

    kinds = ["text", "cited text", "tool_use", "server_tool_use", "thinking", "redacted_thinking"]
    picks = [(k, "Paris", {"city": "Paris"}) for k in kinds]
    for as_dict in (False, True):
        response = anthropic_answer(picks, "tool_use", False, as_dict)
        answer = read_response(response, answer_apart=True).answer
        assert answer is not None
        assert answer_json(answer.content, answer.reason, scrubber_for(DEFAULT_SCRUB_KEYS))


def _wrapped(depth: int, value: Any) -> Any:
    for level in range(depth):
        value = [value, level] if level % 2 else {"k": value}
    return value


@settings(max_examples=300, deadline=None)
@given(st.tuples(json_like, st.integers(min_value=0, max_value=30)), st.booleans())
def test_json_arguments_give_what_decoding_then_the_walk_gives(nested, ascii_only):
    """Tool arguments as JSON text, nested to and past ``MAX_DEPTH`` among many
    brackets (read for their depth, copied only past it) or not, ASCII or not: what
    decoding then the ``jsonable`` walk gives."""
    from sentry_agents._jsonable import json_arguments, jsonable, parse_json_maybe

    value, depth = nested
    text = json.dumps(_wrapped(depth, value), ensure_ascii=ascii_only)
    assert json_arguments(text) == jsonable(parse_json_maybe(text))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=4_000),
            st.sampled_from([1, 3_009, 3_010, 3_011, 3_012, 6_021, 6_023]),
        ),
        max_size=4,
    ),
    st.sampled_from(["a", " ", "x1", "-"]),
)
def test_a_long_run_of_digits_is_found_as_the_regex_finds_it(layout, filler):
    """``has_long_digit_run`` looks at one character in ``MIN_LONG_INT_DIGITS`` and
    searches only around the digits among them: it finds a run of that many digits
    wherever it starts and however long, as searching every character does."""
    from sentry_agents._jsonable import _LONG_INT, has_long_digit_run

    text = "".join(filler * gap + "7" * run for gap, run in layout)
    assert has_long_digit_run(text) == (_LONG_INT.search(text) is not None)


sized_unit = st.sampled_from(
    ["x", "é", "🙂", "password=hunter2 ", '{"token": "t", "n": 1}\n', "\ud800"]
)
sized_step = st.tuples(
    st.sampled_from(
        [
            "call",
            "result",
            "user",
            "blocks",
            "blocks result",
            "item",
            "item output",
            "google",
            "google result",
        ]
    ),
    st.sampled_from(["c1", "c2", "c\u00e9", "https://h/x"]),
    sized_unit,
    st.integers(min_value=0, max_value=400),
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(sized_step, min_size=1, max_size=14),
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=3000),
            st.sampled_from([None, (), ("token",)]),
            st.sampled_from([None, (3, 2, 1, 2)]),
        ),
        min_size=1,
        max_size=5,
    ),
)
def test_a_tool_step_too_big_to_keep_dropped_by_its_known_length_is_what_writing_it_sends(
    steps, calls
):
    """Tool calls and results too big to keep for reuse (made so at a few hundred
    characters here), as OpenAI, Anthropic and Responses API histories hold them, each
    dropped once its JSON length, learned at an earlier call, cannot fit what the budget
    has left: the same text and count as the general path, at every call, whatever the
    budgets, scrub keys and block sizes in turn."""
    from unittest import mock

    from sentry_agents import _message_json
    from sentry_agents._bounded import Bounded
    from sentry_agents._budget import fit, fit_pieces
    from sentry_agents._message_json import encode_messages
    from sentry_agents._messages import within
    from sentry_agents._privacy import scrub_messages, scrubber_for

    history: list[Any] = []
    for kind, ident, unit, repeat in steps:
        text = unit * repeat
        if kind == "user":
            history.append({"role": "user", "content": text[:50]})
            continue
        shape = {"blocks": "anthropic", "item": "responses", "google": "google"}.get(
            kind.split()[0], "openai"
        )
        call, result = tool_step(shape, ident, "write", {"content": text}, text)
        history.append(result if kind.endswith(("result", "output")) else call)
    sizes: dict[Any, int] = {}
    for budget, keys, blocks in calls:
        scrubber = scrubber_for(DEFAULT_SCRUB_KEYS if keys is None else frozenset(keys))
        converted = within(Bounded(scrubber, max(budget, 256)), to_gen_ai_messages, history)
        expected = fit(scrub_messages(converted, scrubber), budget)
        block, first, least, every = blocks or (128, 32, 8, 16)
        with mock.patch.multiple(
            _message_json,
            _SIZED=64,
            _reuse=_message_json._Reuse(1 << 20, 700),
            _sizes=sizes,
            _BLOCK=block,
            _FIRST_BLOCK=first,
            _MIN_BLOCK=least,
            _COUNT_EVERY=every,
        ):
            encoded = encode_messages(history, split=True, scrubber=scrubber, max_bytes=budget)
        fitted = None if encoded is None else fit_pieces(encoded.pieces, encoded.dropped, budget)
        if fitted is not None:  # (else the general path: the newest alone over the budget)
            assert (fitted.text, fitted.original_count) == (expected.text, expected.original_count)


def _sized_history_item(kind: str, ident: str, text: str) -> list[Any]:
    """Messages of ``kind`` holding ``text``: tool steps in each shape, and what the
    general path writes (system messages split out, Google contents as dicts and
    google-genai objects, LangChain messages, items making no message, bare Google
    parts, dict keys that are not text, SDK objects)."""
    from google.genai import types

    if kind in ("openai", "anthropic", "responses", "google"):
        return tool_step(kind, ident, "write", {"content": text}, text)
    if kind == "genai":
        steps = tool_step("google", ident, "write", {"content": text}, text)
        return [types.Content.model_validate(step) for step in steps]
    made: dict[str, Any] = {
        "system": lambda: [{"role": "system", "content": text}],
        "system blocks": lambda: [{"role": "system", "content": [{"type": "text", "text": text}]}],
        "google system": lambda: [{"role": "system", "parts": [{"text": text}]}],
        "user": lambda: [{"role": "user", "content": text}],
        "user blocks": lambda: [
            {
                "role": "user",
                "content": [{"type": "text", "text": text}, {"type": "text", "text": ident}],
            }
        ],
        "result and text": lambda: [
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": ident, "content": text},
                    {"type": "text", "text": "and"},
                ],
            }
        ],
        "langchain": lambda: [
            {"type": "human", "content": text},
            {"type": "tool", "tool_call_id": ident, "content": text},
        ],
        "no message": lambda: [
            {"type": "item_reference", "id": text},
            {"id": text},
            responses_item("compaction", text, {}, True),
        ],
        "bare": lambda: [{"text": text}, "loose " + ident, types.Part(text=text)],
        "keys": lambda: [
            {"role": "user", "content": text, 1: ident},
            {"role": "user", "content": text, "1": ident},
        ],
        "sdk": lambda: [
            anthropic_blocks("assistant", [("text", text, {}), ("tool_use", ident, {"c": text})]),
            responses_item("function_call", ident, {"c": text}),
            responses_item("reasoning", text, {"c": text}),
            openai_message(text, None, [(ident, "write", {"c": text})], None),
            google_content("model", text, {"c": text}),
        ],
        "two calls": lambda: [two_calls_message(text, ident, "write", {"c": text})],
    }
    return made[kind]()  # type: ignore[no-any-return]


_SIZED_KINDS = ["openai", "anthropic", "responses", "google", "genai", "system"]
_SIZED_KINDS += ["system blocks", "google system", "user", "user blocks", "result and text"]
_SIZED_KINDS += ["langchain", "no message", "bare", "keys", "sdk", "two calls"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_SIZED_KINDS),
            st.sampled_from(["c1", "c2", "c\u00e9", "https://h/x"]),
            sized_unit,
            st.integers(min_value=0, max_value=300),
            st.integers(min_value=0, max_value=4),
        ),
        min_size=1,
        max_size=10,
    ),
    st.lists(
        st.tuples(
            st.sampled_from([0, 700, 1_500]) | st.integers(min_value=0, max_value=3_000),
            st.sampled_from([None, (), ("token",)]),
            st.sampled_from([None, (3, 2, 1, 2)]),
            st.booleans(),
            st.sampled_from(["user", "assistant"]),
            st.integers(min_value=0, max_value=3),
            st.integers(min_value=0, max_value=3),
        ),
        min_size=1,
        max_size=4,
    ),
    st.sampled_from([64, 1 << 30]),
)
def test_a_message_too_big_to_keep_dropped_by_its_known_length_is_what_the_general_path_sends(
    steps, calls, sized
):
    """Any message too big to keep for reuse (made so at 64 characters here), written by
    a writer or by the general path, system messages split out or not, beside items
    making no message, bare Google parts, SDK objects and keys that are not text, in a
    history grown and cut between model calls, each call made twice at each budget,
    scrub keys, default role and block sizes: the same text, count and system parts as
    the general path, once its JSON length is known too."""
    from functools import partial
    from unittest import mock

    from sentry_agents import _message_json
    from sentry_agents._bounded import Bounded
    from sentry_agents._budget import fit, fit_pieces
    from sentry_agents._message_json import encode_messages
    from sentry_agents._messages import split_system, within
    from sentry_agents._privacy import scrub_messages, scrubber_for

    history: list[Any] = []
    for kind, ident, unit, repeat, skip in steps:
        made = _sized_history_item(kind, ident, unit * repeat)
        history += made[skip:] if skip < len(made) else made
    sizes: dict[Any, int] = {}
    reuse = _message_json._Reuse(1 << 20, 700)
    for budget, keys, blocks, split, role, older, newer in calls + calls:
        messages = history[older : len(history) - newer] or history
        scrubber = scrubber_for(DEFAULT_SCRUB_KEYS if keys is None else frozenset(keys))
        bounded = Bounded(scrubber, max(budget, 256))
        converted = within(bounded, partial(to_gen_ai_messages, default_role=role), messages)
        system, rest = split_system(converted) if split else ([], converted)
        expected = fit(scrub_messages(rest, scrubber), budget)
        block, first, least, every = blocks or (128, 32, 8, 16)
        with mock.patch.multiple(
            _message_json,
            _SIZED=sized,
            _reuse=reuse,
            _sizes=sizes,
            _BLOCK=block,
            _FIRST_BLOCK=first,
            _MIN_BLOCK=least,
            _COUNT_EVERY=every,
        ):
            encoded = encode_messages(
                messages, split=split, scrubber=scrubber, default_role=role, max_bytes=budget
            )
        fitted = None if encoded is None else fit_pieces(encoded.pieces, encoded.dropped, budget)
        if fitted is not None:  # (else the general path: the newest alone over the budget)
            assert encoded is not None
            assert (fitted.text, fitted.original_count) == (expected.text, expected.original_count)
            assert encoded.system == system


@pytest.mark.parametrize("kind", _SIZED_KINDS)
@pytest.mark.parametrize("unit", ["x", "\u00e9", '{"token": "t"}\n'])
def test_a_message_too_big_to_keep_is_dropped_by_its_known_length_at_each_budget_it_just_fits(
    kind, unit
):
    """Messages too big to keep for reuse (made so at 64 characters here) before a short
    newest one, at each budget around the one at which each newest run of them just
    fits, called twice (the second time their JSON lengths are known): the same text
    and count as the general path, not one character off."""
    from unittest import mock

    from sentry_agents import _message_json
    from sentry_agents._budget import fit, fit_pieces, size
    from sentry_agents._jsonable import dumps
    from sentry_agents._message_json import encode_messages
    from sentry_agents._privacy import scrub_messages, scrubber_for

    history = [*_sized_history_item(kind, "c1", unit * (600 // len(unit))), "Thanks."]
    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    pieces = [dumps(m) for m in scrub_messages(to_gen_ai_messages(history), scrubber)]
    budgets = set()
    for newest in range(1, len(pieces) + 1):
        just = size("[" + ",".join(pieces[-newest:]) + "]")
        budgets.update(range(max(just - 3, 256), just + 3))
    sizes: dict[Any, int] = {}
    for budget in sorted(budgets):
        expected = fit(scrub_messages(to_gen_ai_messages(history), scrubber), budget)
        for _ in range(2):
            with mock.patch.multiple(
                _message_json, _SIZED=64, _reuse=_message_json._Reuse(1 << 20, 700), _sizes=sizes
            ):
                encoded = encode_messages(history, split=False, scrubber=scrubber, max_bytes=budget)
            fitted = (
                None if encoded is None else fit_pieces(encoded.pieces, encoded.dropped, budget)
            )
            if fitted is not None:
                assert (fitted.text, fitted.original_count) == (
                    expected.text,
                    expected.original_count,
                ), budget
    if kind in ("openai", "anthropic", "responses", "google", "genai", "sdk", "two calls"):
        assert sizes  # (some were too big to keep)


scrubbed_fragment = st.sampled_from(
    [
        '{"password": "p"}', '{"pass\\u0077ord": 1}', '{"a": "b"}', "[1, 2]",
        '"{\\"token\\": 1}"', '{"x": "{\\"secret\\": 2}"}', '{"url": "https://u:pw@h.example/x"}',
        "https://u:pw@h.example/y", "{'token': 1}", "{token: 1}", '{"customerSsn": "1"}',
        '{"x_y": [1]}', '{"\\u212a": 1}', '{"\u00df": 1}', "\ufeff", "\n", "\r", "\r\n", " ",
        "\t", "\u2028", "\x85", "{", "[", "]", "}", '"', ",", ":", "token", "Token",
        "\u043f\u0430\u0440\u043e\u043b\u044c", "STRASSE", "stra\u00dfe", "\u017fecret",
        "customer_ssn", "x_y", "XY", "\u212a", "K", "\u00df", "ss", "abc", "\u00e9", "NaN",
    ]
)  # fmt: skip


scrubbed_text = st.lists(scrubbed_fragment, max_size=12).map("".join)
scrubbed_lines = st.builds(
    str.join,
    st.sampled_from(["\n", "\r\n", "\r", "\n\n"]),
    st.lists(st.lists(scrubbed_fragment, max_size=4).map("".join), min_size=2, max_size=4),
)

scrubbed_json = st.builds(
    json.dumps,
    st.recursive(
        scrubbed_text | st.integers(),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(["url", "n", "Token", "x_y", "пароль"]), inner, max_size=3
            )
        ),
        max_leaves=6,
    ),
    separators=shape_separators,
    ensure_ascii=st.booleans(),
)


@settings(max_examples=1000, deadline=None)
@given(
    scrubbed_text | scrubbed_lines | scrubbed_json | st.text(max_size=30),
    st.sampled_from(
        [None, ("token",), ("пароль", "straße"), ("x_y",), ("ß",), ("K",), ("customerSsn",)]
    ),
    st.sampled_from([(0, 0), (0, 10), (0, 1_000), (16 * 1024, 40)]),
    st.integers(min_value=0, max_value=2),
)
def test_any_text_is_scrubbed_as_with_the_prefilter_first_and_left_alone_only_if_it_is(
    text, names, few, encoded
):
    """``scrub_text`` (``may_hold_json``, and a text of few values read as JSON first)
    gives what looking for the deny-listed words first gives, then scrubbing the JSON of
    a text that begins as JSON may or has lines, then a URL's credentials: for any text
    of JSON, JSON encoded twice, JSON Lines, escapes, byte order marks and line breaks,
    any scrub keys (non-ASCII, case folded), however few its values count as; and
    ``Bounded.left_alone`` holds only for a text it leaves, each beginning too."""
    from unittest import mock

    from sentry_agents import _privacy
    from sentry_agents._bounded import Bounded
    from sentry_agents._jsonable import JSON_HEADS

    if encoded:
        text = json.dumps(text, ensure_ascii=encoded == 1)
    scrubber = _privacy.scrubber_for(DEFAULT_SCRUB_KEYS if names is None else frozenset(names))

    def prefilter_first(text: str) -> str:
        if (text[:1] in JSON_HEADS or "\n" in text or "\r" in text) and scrubber.may_hide(text):
            text = _privacy._json_scrubbed(text, scrubber)
        return _privacy.urls_filtered(text, scrubber) if "://" in text else text

    with mock.patch.multiple(_privacy, _FEW_VALUES_FROM=few[0], _CHARS_PER_VALUE=few[1]):
        assert _privacy.scrub_text(text, scrubber) == prefilter_first(text)
        if Bounded(scrubber, 1_000).left_alone(text):
            for cut in range(len(text) + 1):
                assert prefilter_first(text[:cut]) == text[:cut]


@settings(max_examples=400, deadline=None)
@given(
    st.integers(min_value=0, max_value=6_100),
    st.lists(
        st.tuples(
            st.sampled_from(["7", "0", "\u0663", "\uff17", "\U0001d7e9", "1\u0663"]),
            st.sampled_from([1, 2, 3_010, 3_011, 3_012, 6_021, 6_022, 6_023]),
            st.sampled_from(["", "a", "-", "\u0663", "é" * 3, "x" * 3_010]),
        ),
        max_size=4,
    ),
    st.integers(min_value=0, max_value=3_012),
)
def test_a_long_run_of_digits_is_found_wherever_it_lies(pad, layout, tail):
    """``has_long_digit_run`` agrees with the regex for runs at the very start or end,
    texts of lengths around multiples of ``MIN_LONG_INT_DIGITS``, runs broken by one
    character, and digits of other scripts (Arabic-Indic, fullwidth, mathematical),
    which ``[0-9]`` does not match."""
    from sentry_agents._jsonable import _LONG_INT, has_long_digit_run

    text = (
        "z" * pad
        + "".join((digit * run)[:run] + filler for digit, run, filler in layout)
        + "9" * tail
    )
    assert has_long_digit_run(text) == (_LONG_INT.search(text) is not None)
    for cut in (text[1:], text[:-1], text[: len(text) // 3_011 * 3_011]):
        assert has_long_digit_run(cut) == (_LONG_INT.search(cut) is not None)


@settings(max_examples=400, deadline=None)
@given(
    st.integers(min_value=1, max_value=9),
    st.integers(min_value=0, max_value=10),
    st.lists(
        st.tuples(
            st.integers(min_value=-2, max_value=1),
            st.sampled_from(["a", "-", "\u0663", "\uff17", "\U0001d7e9", "", "12"]),
        ),
        max_size=40,
    ),
)
def test_many_runs_just_short_of_long_are_told_as_the_regex_tells(digits, pad, runs):
    """At a small scale (runs of ``digits`` digits sought), texts of many runs each a
    digit or two short of that, as long, or one longer, after any offset from the
    characters looked at, separated by a letter, other scripts' digits (which
    ``[0-9]`` does not match), nothing (two runs then one) or more digits: answered as
    the regex answers."""
    import re

    from sentry_agents import _jsonable

    text = "x" * pad + "".join("5" * max(digits + short, 0) + gap for short, gap in runs)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_jsonable, "MIN_LONG_INT_DIGITS", digits)
        patch.setattr(_jsonable, "_LONG_INT", re.compile(f"[0-9]{{{digits}}}"))
        for cut in (text, text[1:], text[:-1]):
            found = _jsonable._LONG_INT.search(cut) is not None
            assert _jsonable.has_long_digit_run(cut) == found, cut


@pytest.mark.parametrize("pad", [0, 1, 2, 1_505, 3_009, 3_010])
@pytest.mark.parametrize("gap", ["a", "\u0663", "\uff17"])
def test_runs_of_one_digit_short_fill_a_text_without_one_found(pad, gap):
    """Runs of ``MIN_LONG_INT_DIGITS - 1`` digits, one after another, each run broken
    by one character that is no ASCII digit, wherever they lie against the characters
    looked at: none is long; made one digit longer, any one of them is."""
    from sentry_agents._jsonable import MIN_LONG_INT_DIGITS, has_long_digit_run

    runs = ["7" * (MIN_LONG_INT_DIGITS - 1)] * 12
    assert not has_long_digit_run("z" * pad + gap.join(runs) + gap)
    for longer in (0, 5, 11):
        grown = [*runs[:longer], runs[longer] + "7", *runs[longer + 1 :]]
        assert has_long_digit_run("z" * pad + gap.join(grown) + gap)


@pytest.mark.parametrize("digits", [1, 2, 3, 4])
def test_a_long_run_of_digits_is_found_in_every_short_text_at_a_small_length(digits):
    """With runs of ``digits`` digits sought (the same search at a small scale), every
    text of up to 9 characters of a digit, a letter and an Arabic-Indic digit is
    answered as the regex answers it."""
    import re

    from sentry_agents import _jsonable

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_jsonable, "MIN_LONG_INT_DIGITS", digits)
        patch.setattr(_jsonable, "_LONG_INT", re.compile(f"[0-9]{{{digits}}}"))
        for length in range(10):
            for letters in itertools.product("1a\u0663", repeat=length):
                text = "".join(letters)
                found = _jsonable._LONG_INT.search(text) is not None
                assert _jsonable.has_long_digit_run(text) == found, text


def unicode_words_scanning_every_cut(key: str) -> tuple[str, ...]:
    """``_privacy._unicode_words`` as it split keys before: each run of word characters
    given its cuts by scanning all the cuts of the key."""
    import unicodedata

    from sentry_agents import _privacy

    key = unicodedata.normalize("NFKC", key)
    if key.isascii():
        return _privacy.words(key)
    shape = _privacy._shape(key)
    cuts = {m.start() + 1 for m in _privacy._CAMEL.finditer(shape)}
    cuts.update(m.start() for m in _privacy._SCRIPT_CHANGE.finditer(shape))
    found: list[str] = []
    for run in _privacy._WORD_RUN.finditer(shape):
        start, end = run.span()
        bounds = [start, *sorted(at for at in cuts if start < at < end), end]
        for begin, stop in zip(bounds, bounds[1:]):
            word = key[begin:stop].casefold()
            if word in _privacy._NAMES_WITH_DIGITS:
                found.append(word)
                continue
            changes = _privacy._DIGIT_CHANGE.finditer(shape, begin, stop)
            inner = [begin, *(m.start() for m in changes), stop]
            found += (key[a:b].casefold() for a, b in zip(inner, inner[1:]) if a < b)
    return tuple(found)


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(
        key_fragments | st.sampled_from(["éB", "密a", "aB", "ÀÉx", "é1", "ß", "auth0é"]),
        max_size=12,
    ).map("".join)
)
def test_unicode_keys_are_split_as_scanning_every_cut_for_each_run_splits(key):
    """``_unicode_words`` gives each run of word characters the cuts (camelCase, a change
    of script) inside it, looked up in the key's sorted cuts: the same words as scanning
    all the cuts for each run."""
    from sentry_agents._privacy import _unicode_words

    assert _unicode_words(key) == unicode_words_scanning_every_cut(key)


def test_a_long_key_of_many_words_is_split_in_time_growing_with_it(mocker):
    """A key of many short words each holding a cut (``éB éB ...``, a deny-listed word in
    it): each run of word characters looks its cuts up once, where it scanned all the
    key's cuts (32 KB: 2.4 s), and the key is split as before."""
    from sentry_agents import _privacy

    key = "éB " * 5_000 + "token"
    looked_up = mocker.spy(_privacy, "bisect_left")
    assert _privacy._unicode_words(key) == ("é", "b") * 5_000 + ("token",)
    assert looked_up.call_count == 2 * 5_001


# Two combining marks of different classes (an acute accent above, a grave below): NFKC
# sorts a run of them by class, CPython by insertion.
MARKS_TO_SORT = "a" + "\u0301" * 10_000 + "\u0316" * 10_000


def test_a_long_run_of_marks_to_sort_is_never_normalized(mocker):
    """Text holding a run of combining marks that NFKC would sort (20,000 of them, in
    Zalgo text or written to be slow), in a value and in a key: neither is handed to
    ``unicodedata.normalize``, which sorts a run by insertion (32 KB: 1.6 s). Text
    around it is scrubbed as before, and a key holding it is taken for a secret's."""
    import unicodedata

    from sentry_agents import _privacy

    normalized = mocker.spy(unicodedata, "normalize")
    scrubber = _privacy.scrubber_for(DEFAULT_SCRUB_KEYS)
    value = 'Log\n{"password":"CANARY","note":"' + MARKS_TO_SORT + '"}\n'
    assert scrubber.may_hide(MARKS_TO_SORT)
    assert _privacy.scrub_text(value, scrubber) == value.replace('"CANARY"', '"[Filtered]"')
    key = json.dumps({MARKS_TO_SORT: "CANARY", "a": 1}, ensure_ascii=False)
    assert json.loads(_privacy.scrub_text(key, scrubber)) == {MARKS_TO_SORT: "[Filtered]", "a": 1}
    assert not [call for call in normalized.call_args_list if len(call.args[1]) > 1_000]


marks_and_words = st.lists(
    key_fragments
    | st.sampled_from(["\u0301", "\u0316", "\u0303", "\u0f73", "\uff9e", "\u0344", "\x00"])
    | st.sampled_from(["\u00e9", "\u1e08", "\u0327", "\u0323", "\u00b4", "\u00a0", "\uff0c"])
    | st.integers(min_value=1, max_value=40).map(lambda n: "\u0316\u0301" * n)
    | st.integers(min_value=1, max_value=40).map(lambda n: "\u0301\uff9e" * n)
    | st.integers(min_value=1, max_value=40).map(lambda n: "\u0316" * n),
    max_size=12,
).map("".join)


def marks_decomposed(text: str) -> tuple[int, int]:
    """The most combining marks (characters of a combining class) in a row in the NFKD
    form of ``text``, and the swaps sorting its runs by class takes, as NFKC sorts them
    (by insertion) once each character is decomposed."""
    import unicodedata

    longest = swaps = 0
    run: list[int] = []
    for char in "".join(unicodedata.normalize("NFKD", c) for c in text) + "x":
        kind = unicodedata.combining(char)
        if kind:
            swaps += sum(1 for earlier in run if earlier > kind)
            run.append(kind)
        else:
            longest, run = max(longest, len(run)), []
    return longest, swaps


@settings(max_examples=1000, deadline=None)
@given(marks_and_words)
def test_text_with_runs_of_marks_is_looked_at_as_its_normal_form_is(text):
    """``_long_mark_run`` tells text whose decomposed form holds a run of more than
    ``_MAX_MARKS`` combining marks (in it, or made by decomposing, as U+0F73 and U+0344
    decompose to two, and U+00B4 to a space and one) that sorting them would take more
    than a few swaps a character for: any other is normalized in linear time (text in
    NFKC or NFC, its runs sorted already but for a precomposed character's own marks).
    ``may_hide`` and ``decide`` answer for any other as from its NFKC form; such text
    may hide a secret's key, and such a key is a secret's."""
    import unicodedata

    from sentry_agents import _privacy

    scrubber = _privacy.scrubber_for(PREFILTER_NAMES)
    longest, swaps = marks_decomposed(text)
    long = _privacy._long_mark_run(text)
    if long:
        assert longest > _privacy._MAX_MARKS
        assert not unicodedata.is_normalized("NFKC", text)
    else:
        assert longest <= _privacy._MAX_MARKS or swaps <= 4 * len(text)
    assert long or swaps <= _privacy._MAX_MARKS * len(text)
    if long:
        assert scrubber.may_hide(text)
        assert scrubber.decide_by_words(text) == (True, False)
    elif "\\u" not in text and not text.isascii():
        folded = unicodedata.normalize("NFKC", text).casefold()
        assert scrubber.may_hide(text) == (scrubber._hint.search(folded) is not None)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["password", "api_key", "db.password", "token", "client_secret"]),
    st.text(alphabet='/"\\\t\n\x01 é-_', max_size=4),
    st.text(alphabet='/"\\\t\n\x01 é-_', max_size=4),
    st.integers(0, 300),
    st.booleans(),
    st.booleans(),
    st.integers(1, 40),
)
def test_a_secret_key_written_with_escapes_or_long_in_text_that_does_not_parse_is_cut(
    word, before, after, padding, ascii, solidus, cut
):
    """Text that begins like JSON but does not parse (cut short), naming a secret under a
    key written with escapes (``\\/``, ``\\"``, ``\\\\``, ``\\t``, ``\\u``...) or longer than
    256 characters: cut right after that key, as a key written plainly is (it was sent
    whole). The keys before it, not secrets', are kept."""
    from sentry_agents import _privacy

    key = "x" * padding + before + "_" + word + "_" + after
    document = json.dumps(
        {"city": "Paris", "a/b": [1, 2], key: "CANARY", "z": 1}, ensure_ascii=ascii
    )
    if solidus:
        document = document.replace("/", "\\/")
    end = document.index("CANARY") + 6
    text = document[: end + cut % (len(document) - end)]  # not the whole: it would parse
    scrubber = _privacy.scrubber_for(DEFAULT_SCRUB_KEYS)
    assert scrubber.decide(key)[0]
    scrubbed = _privacy.scrub_text(text, scrubber)
    value = document.index('"CANARY"')
    assert scrubbed == text[: document.rindex(":", 0, value) + 1] + " [Filtered]"
