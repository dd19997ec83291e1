"""Fitting JSON values into a byte budget: always valid JSON within budget, unchanged when
it fits, and cut keeping structure (first items and keys, beginnings of strings, a marker
where something was left out); a conversation keeps its newest messages."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sentry_agents
from sentry_agents import serialize_messages
from sentry_agents._budget import MIN_BUDGET, TRUNCATION_MARKER, fit
from sentry_agents._jsonable import MAX_DEPTH, dumps, jsonable

MARK = TRUNCATION_MARKER
TRICKY = 'aé€😀"\\\n\x01\u2028'


def nbytes(text: str) -> int:
    return len(text.encode("utf-8"))


def rows(n: int) -> list[dict[str, Any]]:
    return [
        {"id": i, "name": f"customer {i}", "email": f"user{i}@example.com", "balance": i * 1.5}
        for i in range(n)
    ]


def is_cut_of(out: Any, orig: Any) -> bool:
    """``out`` is ``orig`` kept from its start: equal, or a string's beginning followed by
    the marker, or a list's / dict's first items (the last of them possibly cut) followed
    by a marker exactly when items were left out."""
    if out == orig and type(out) is type(orig):
        return True
    if isinstance(orig, str):
        return isinstance(out, str) and out.endswith(MARK) and orig.startswith(out[: -len(MARK)])
    if isinstance(orig, list):
        return isinstance(out, list) and _list_cut(out, orig, MARK)
    if isinstance(orig, dict):
        return isinstance(out, dict) and _dict_cut(out, orig)
    return False


def _list_cut(out: list[Any], orig: list[Any], marker: Any) -> bool:
    candidates = [(out, False)]
    if out and out[-1] == marker:
        candidates.append((out[:-1], True))
    for kept, marked in candidates:
        if not kept or len(kept) > len(orig):
            continue
        if kept[:-1] != orig[: len(kept) - 1] or not is_cut_of(kept[-1], orig[len(kept) - 1]):
            continue
        if marked == (len(kept) < len(orig)):
            return True
    return False


def _dict_cut(out: dict[str, Any], orig: dict[str, Any]) -> bool:
    keys = list(out)
    marked = (
        len(keys[-1] if keys else "") >= 3
        and keys[-1].strip(".") == ""
        and out[keys[-1]] == "[truncated]"
    )
    if marked:
        keys.pop()
    if not keys or keys != list(orig)[: len(keys)] or marked != (len(keys) < len(orig)):
        return False
    *whole, last = keys
    if any(out[k] != orig[k] for k in whole):
        return False
    return out[last] == MARK or is_cut_of(out[last], orig[last])


def check(value: Any, budget: int) -> tuple[Any, Any]:
    """Fit ``value``; assert what holds for every value and budget; return (fitted, parsed)."""
    fitted = fit(value, budget)
    assert fit(value, budget) == fitted
    assert nbytes(fitted.text) <= max(budget, MIN_BUDGET)
    parsed = json.loads(fitted.text)
    count = len(value) if isinstance(value, list) else 1
    assert fitted.original_count == count
    if nbytes(dumps(value)) <= max(budget, MIN_BUDGET):
        assert fitted == (dumps(value), count, count, False)
    else:
        assert fitted.truncated
    return fitted, parsed


# --- common cases keep today's behaviour --------------------------------------------------


def test_a_value_that_fits_is_returned_as_dumps_writes_it():
    value = {"a": [1, 2.5, None, True], "b": TRICKY}
    assert fit(value, 1000) == (dumps(value), 1, 1, False)
    assert fit([1, 2, 3], 256) == ("[1,2,3]", 3, 3, False)


def test_a_conversation_keeps_exactly_its_newest_messages_that_fit():
    messages = [
        {"role": "user", "parts": [{"type": "text", "content": f"m{i} " + "x" * 200}]}
        for i in range(20)
    ]
    fitted = fit(messages, 2000)
    kept = fitted.kept_count
    assert fitted == (dumps(messages[-kept:]), 20, kept, True)
    assert nbytes(dumps(messages[-kept - 1 :])) > 2000


def test_a_conversation_whose_last_message_is_too_big_keeps_it_cut_with_its_parts():
    messages = [
        {"role": "user", "parts": [{"type": "text", "content": "old"}]},
        {
            "role": "assistant",
            "parts": [
                {"type": "text", "content": "é" * 5000},
                {"type": "text", "content": "second"},
            ],
        },
    ]
    fitted, parsed = check(messages, 1000)
    assert fitted.kept_count == 1
    [message] = parsed
    assert message["role"] == "assistant"
    first, marker = message["parts"]
    assert first["content"].endswith(MARK) and first["content"].startswith("é" * 400)
    assert marker == {"type": "text", "content": MARK}


def test_a_last_message_whose_first_part_cannot_fit_keeps_a_list_of_parts():
    messages = [{"role": "user", "parts": [{"k" * 400: 1}]}]
    _, parsed = check(messages, 256)
    assert parsed == [{"role": "user", "parts": [{"type": "text", "content": MARK}]}]


# --- structured values keep their structure -----------------------------------------------


def test_rows_in_a_dict_keep_the_first_rows_and_mark_the_rest():
    value = {"rows": rows(1000), "total": 1000}
    fitted, parsed = check(value, 20_000)
    assert nbytes(fitted.text) > 19_000
    kept = parsed["rows"]
    assert kept[-1] == MARK
    whole = [row for row in kept[:-1] if "..." not in row]
    assert whole == value["rows"][: len(whole)] and len(whole) > 150
    assert list(parsed) == ["rows", "..."] and parsed["..."] == "[truncated]"
    assert is_cut_of(parsed, value)


def test_a_top_level_list_keeps_its_first_items_and_counts_them():
    value = rows(1000)
    fitted, parsed = check(value, 20_000)
    assert parsed[-1] == MARK
    assert fitted.kept_count == len(parsed) - 1
    assert fitted.original_count == 1000
    assert parsed[0] == value[0]
    assert is_cut_of(parsed, value)


def test_a_deep_value_keeps_its_depth_and_the_beginning_of_its_string():
    value: Any = "x" * 100_000
    for depth in range(MAX_DEPTH):
        value = {f"level{depth}": value, "after": depth} if depth % 2 else [value, depth]
    _, parsed = check(value, 5000)
    assert is_cut_of(parsed, value)
    node = parsed
    while not isinstance(node, str):
        node = node[0] if isinstance(node, list) else next(iter(node.values()))
    assert node.endswith(MARK) and len(node) > 3000


def test_the_dict_marker_key_never_replaces_a_kept_key():
    value = {"...": "kept", "....": 1, "big": "y" * 1000, "later": 2}
    _, parsed = check(value, 300)
    assert parsed["..."] == "kept" and parsed["...."] == 1
    assert parsed["big"].endswith(MARK)
    assert parsed["....."] == "[truncated]" and "later" not in parsed


def test_a_value_too_big_to_cut_keeps_its_key_with_a_marker():
    value = {"a": 1, "number": 10**300, "b": 2}
    _, parsed = check(value, 256)
    assert parsed == {"a": 1, "number": MARK, "...": "[truncated]"}


def test_a_gemini_history_with_a_big_structured_function_response_keeps_its_structure():
    history = [
        {"role": "user", "parts": [{"text": "look it up"}]},
        {"role": "model", "parts": [{"function_call": {"name": "lookup", "args": {"q": "x"}}}]},
        {
            "role": "user",
            "parts": [{"function_response": {"name": "lookup", "response": {"rows": rows(1650)}}}],
        },
    ]
    out = serialize_messages(history, max_bytes=20_000)
    assert nbytes(out) <= 20_000
    [message] = json.loads(out)
    [part] = message["parts"]
    assert part["type"] == "tool_call_response" and part["id"] == "lookup"
    kept = part["response"]["rows"]
    assert kept[0] == rows(1)[0] and kept[-1] == MARK and len(kept) > 100


def test_tool_results_over_budget_keep_their_first_rows(sentry):
    sentry_agents.configure(max_message_bytes=5000)
    with sentry_agents.execute_tool("query") as tool:
        tool.set_result({"rows": rows(1000)})
    text = sentry.named("execute_tool query").attributes["gen_ai.tool.call.result"]
    assert nbytes(text) <= 5000
    parsed = json.loads(text)
    assert parsed["rows"][:2] == rows(2) and parsed["rows"][-1] == MARK


def test_tool_results_given_as_json_text_over_budget_still_parse(sentry):
    """A result already serialised (``json.dumps(rows)``, as tools often return it) is
    cut as the structure it holds; text that is not JSON is cut as text."""
    sentry_agents.configure(max_message_bytes=5000)
    with sentry_agents.execute_tool("query") as tool:
        tool.set_result(json.dumps({"rows": rows(1000)}))
    with sentry_agents.execute_tool("prose") as tool:
        tool.set_result("{not json " + "x" * 10_000)
    with sentry_agents.execute_tool("small") as tool:
        tool.set_result('{"rows": [1, 2]}')
    text = sentry.named("execute_tool query").attributes["gen_ai.tool.call.result"]
    assert nbytes(text) <= 5000
    parsed = json.loads(text)
    assert parsed["rows"][:2] == rows(2) and parsed["rows"][-1] == MARK
    prose = sentry.named("execute_tool prose").attributes["gen_ai.tool.call.result"]
    assert nbytes(prose) <= 5000 and prose.startswith("{not json xxx")
    small = sentry.named("execute_tool small").attributes["gen_ai.tool.call.result"]
    assert small == '{"rows": [1, 2]}', "text within budget is sent as it is"


# --- strings are cut at character and escape boundaries, as long as they can be ----------


@pytest.mark.parametrize("budget", range(MIN_BUDGET, MIN_BUDGET + 60))
def test_strings_are_cut_at_the_longest_boundary_that_fits(budget):
    text = TRICKY * 100
    _, parsed = check({"k": text}, budget)
    cut = parsed["k"]
    assert cut.endswith(MARK)
    prefix = cut[: -len(MARK)]
    assert text.startswith(prefix)
    assert nbytes(dumps({"k": text[: len(prefix) + 1] + MARK})) > budget


def test_no_character_is_ever_split():
    for char in ("é", "€", "😀", "\x01", '"'):
        for budget in range(MIN_BUDGET, MIN_BUDGET + 8):
            fitted, parsed = check([char * 1000], budget)
            assert set(parsed[0][: -len(MARK)]) == {char}
            fitted.text.encode("utf-8").decode("utf-8")


# --- properties ---------------------------------------------------------------------------

keys = st.text(max_size=12)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from(list(TRICKY)), max_size=3000),
    st.text(alphabet=st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF), max_size=500),
)
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=8), st.dictionaries(keys, children, max_size=8)
    ),
    max_leaves=60,
)


def nested(depth: int, leaf: Any, width: int) -> Any:
    """``leaf`` under ``depth`` levels of lists and dicts, the top four ``width`` wide."""
    for level in range(depth):
        n = width if level >= depth - 4 else 1
        leaf = [leaf] * n if level % 2 else {f"k{i}": leaf for i in range(n)}
    return leaf


deep = st.builds(nested, st.integers(min_value=1, max_value=MAX_DEPTH), trees, st.integers(1, 2))
budgets = st.integers(min_value=0, max_value=6000)
PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(st.one_of(trees, deep), budgets)
def test_any_value_parses_within_budget_and_keeps_its_beginning(raw, budget):
    value = jsonable(raw)
    fitted, parsed = check(value, budget)
    if not fitted.truncated:
        return
    conversation = isinstance(value, list) and isinstance(value[-1], dict) and "role" in value[-1]
    if conversation:
        return
    assert parsed not in (MARK, [MARK]), "a bare marker although the beginning would fit"
    assert is_cut_of(parsed, value)
    if isinstance(value, list):
        assert fitted.kept_count == len(parsed) - (fitted.kept_count < len(value))


messages = st.lists(
    st.fixed_dictionaries(
        {
            "role": st.sampled_from(["user", "assistant", "tool"]),
            "parts": st.lists(
                st.fixed_dictionaries({"type": st.just("text"), "content": st.text(max_size=2000)}),
                min_size=1,
                max_size=3,
            ),
        }
    ),
    min_size=1,
    max_size=10,
)


@PROPERTY
@given(messages, budgets)
def test_a_conversation_keeps_its_newest_messages_or_the_last_one_cut(value, budget):
    fitted, parsed = check(value, budget)
    if not fitted.truncated:
        return
    kept = fitted.kept_count
    assert kept == len(parsed) >= 1
    room = max(budget, MIN_BUDGET)
    if nbytes(dumps(value[-1:])) <= room:
        assert parsed == value[-kept:]
        assert nbytes(dumps(value[-kept - 1 :])) > room
    else:
        [last] = parsed
        assert last["role"] == value[-1]["role"]
        assert _list_cut(last["parts"], value[-1]["parts"], {"type": "text", "content": MARK})


def test_the_benchmark_values_have_their_sizes_and_fit_within_budget():
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "budget.py"
    spec = importlib.util.spec_from_file_location("sentry_agents_budget_benchmark", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.check((0.05, 0.2))


@settings(max_examples=300, deadline=None)
@given(
    items=st.lists(st.text(alphabet=TRICKY + "ab", max_size=60), min_size=1, max_size=3),
    budget=st.integers(0, 400),
)
def test_strings_json_writes_what_fit_strings_keeps(items: list[str], budget: int) -> None:
    """A string array attribute (stop sequences, finish reasons; one short reason is
    written at once) is the JSON of what ``fit_strings`` keeps, within the budget."""
    from sentry_agents._budget import fit_strings, strings_json

    text = strings_json(items, budget)
    assert json.loads(text) == fit_strings(items, budget)
    assert nbytes(text) <= max(budget, MIN_BUDGET)
