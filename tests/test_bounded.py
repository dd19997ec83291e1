"""Content far over its budget is converted only as far as the budget can show, and sends
exactly what converting, scrubbing and fitting all of it sends (``_bounded``)."""

from __future__ import annotations

import dataclasses
import enum
import json
from typing import Any, Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sentry_agents
from sentry_agents._bounded import fit_within
from sentry_agents._budget import Fitted, fit
from sentry_agents._jsonable import jsonable, without_media
from sentry_agents._keys import original_length
from sentry_agents._privacy import DEFAULT_SCRUB_KEYS, Scrubber, scrub, scrubber_for

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
