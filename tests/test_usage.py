"""Token usage in Sentry's semantics: the counts, their checks, and the roll-up into agents."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

import sentry_agents
from fakes import ANTHROPIC_USAGE, CHAT_USAGE, RESPONSES_USAGE, chat_completion
from sentry_agents import Usage, usage_from
from test_spans import run_weather_agent


def test_usage_current_and_seed_names_and_agent_rollup(sentry):
    run_weather_agent()
    chat = sentry.named("chat gpt-4o-mini").attributes
    assert chat["gen_ai.usage.input_tokens"] == 120
    assert chat["gen_ai.usage.output_tokens"] == 30
    assert chat["gen_ai.usage.total_tokens"] == 150
    assert chat["gen_ai.usage.cache_read.input_tokens"] == 100
    assert chat["gen_ai.usage.input_tokens.cached"] == 100
    assert chat["gen_ai.usage.reasoning.output_tokens"] == 12
    assert chat["gen_ai.usage.output_tokens.reasoning"] == 12
    agent = sentry.named("invoke_agent Weather Agent").attributes
    assert agent["gen_ai.usage.input_tokens"] == 120
    assert agent["gen_ai.usage.total_tokens"] == 150


def test_agent_usage_sums_calls_unless_set_explicitly(sentry):
    with sentry_agents.invoke_agent("Summing"):
        for n in (10, 20):
            with sentry_agents.chat("m") as llm:
                llm.set_usage(input_tokens=n, output_tokens=1)
    with sentry_agents.invoke_agent("Explicit") as agent:
        with sentry_agents.chat("m") as llm:
            llm.set_usage(input_tokens=5, output_tokens=1)
        agent.set_usage(input_tokens=999, output_tokens=1)
    assert sentry.named("invoke_agent Summing").attributes["gen_ai.usage.input_tokens"] == 30
    assert sentry.named("invoke_agent Summing").attributes["gen_ai.usage.output_tokens"] == 2
    assert sentry.named("invoke_agent Explicit").attributes["gen_ai.usage.input_tokens"] == 999


def test_an_agent_given_its_last_response_keeps_the_sum_of_its_calls(sentry):
    """``agent.set_response(response)`` after a loop of recorded calls: the response is
    one of those calls, so the agent's usage stays their sum (not the last call's). An
    agent with no call recorded inside takes the response's usage, and ``set_usage``
    after it still wins."""

    def response(n):
        return {
            "model": "gpt-4o",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": n},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 100, "completion_tokens": 10},
        }

    with sentry_agents.invoke_agent("Loop") as agent:
        for n in ("one", "two", "three"):
            with sentry_agents.chat("gpt-4o") as llm:
                llm.set_response(response(n))
        agent.set_response(response(n))
    with sentry_agents.invoke_agent("Alone") as agent:
        agent.set_response(response("only"))
    with sentry_agents.invoke_agent("Explicit") as agent:
        with sentry_agents.chat("gpt-4o") as llm:
            llm.set_response(response("one"))
        agent.set_response(response("one"))
        agent.set_usage(input_tokens=7, output_tokens=1)
    loop = sentry.named("invoke_agent Loop").attributes
    assert (loop["gen_ai.usage.input_tokens"], loop["gen_ai.usage.output_tokens"]) == (300, 30)
    assert json.loads(loop["gen_ai.output.messages"])[0]["parts"][0]["content"] == "three"
    assert sentry.named("invoke_agent Alone").attributes["gen_ai.usage.input_tokens"] == 100
    assert sentry.named("invoke_agent Explicit").attributes["gen_ai.usage.input_tokens"] == 7


def test_sub_count_larger_than_total_warns_and_never_sends_negative_cost(sentry, sdk_log):
    sentry.init(debug=True)
    with sentry_agents.chat("m") as llm:
        llm.set_usage(
            input_tokens=10, input_tokens_cached=50, output_tokens=5, output_tokens_reasoning=9
        )
    attrs = sentry.named("chat m").attributes
    assert attrs["gen_ai.usage.input_tokens"] - attrs["gen_ai.usage.cache_read.input_tokens"] >= 0
    assert attrs["gen_ai.usage.output_tokens"] - attrs["gen_ai.usage.reasoning.output_tokens"] >= 0
    assert "input_tokens must include input_tokens_cached" in sdk_log.text
    assert "output_tokens must include output_tokens_reasoning" in sdk_log.text


def test_usage_from_dicts_and_partial_usage():
    assert usage_from({"prompt_tokens": 10}) == Usage(input_tokens=10)
    assert usage_from({"usage": {"input_tokens": 3, "output_tokens": 4}}) == Usage(
        3, 4, total_tokens=7
    )
    assert usage_from(None) == Usage()
    assert usage_from({"something": "else"}) == Usage()
    assert usage_from(Usage(1, 2)) == Usage(1, 2)


def test_a_usage_of_a_total_alone_is_that_total_neither_input_nor_output(sentry):
    """A usage reporting only ``total_tokens`` (Voyage's ``{"usage": {"total_tokens":
    N}}``, its SDK's object with ``total_tokens``) was read as no usage. It is that
    total: on a chat span ``gen_ai.usage.total_tokens`` alone (a chat call's total counts
    its output too, so it is not its input), and the agent's total counts it."""
    assert usage_from({"usage": {"total_tokens": 12}}) == Usage(total_tokens=12)
    held = SimpleNamespace(usage=SimpleNamespace(total_tokens=12))
    assert usage_from(held) == Usage(total_tokens=12)
    assert usage_from(SimpleNamespace(total_tokens=12, embeddings=[[0.5]])) == Usage(
        total_tokens=12
    )
    assert usage_from({"usage": {"total_tokens": "12"}}) == Usage()
    assert usage_from({"usage": {"total_tokens": True}}) == Usage()
    with sentry_agents.invoke_agent("Totals"):
        with sentry_agents.chat("voyage-chat") as llm:
            llm.set_usage({"usage": {"total_tokens": 12}})
        with sentry_agents.chat("held") as llm:
            llm.set_response({"model": "held-1", "usage": {"total_tokens": 7}})
        with sentry_agents.chat("m") as llm:
            llm.set_usage(input_tokens=3, output_tokens=2)
    for name, total in (("chat voyage-chat", 12), ("chat held", 7)):
        usage = {k: v for k, v in sentry.named(name).attributes.items() if "usage" in k}
        assert usage == {"gen_ai.usage.total_tokens": total}
    agent = sentry.named("invoke_agent Totals").attributes
    assert agent["gen_ai.usage.total_tokens"] == 24
    assert agent["gen_ai.usage.input_tokens"] == 3


def test_set_usage_accepts_usage_objects_and_provider_usage(sentry):
    with sentry_agents.chat("a") as llm:
        llm.set_usage(Usage(input_tokens=5, output_tokens=6))
    with sentry_agents.chat("b") as llm:
        llm.set_usage({"input_tokens": 5, "output_tokens": 1, "cache_read_input_tokens": 10})
    assert sentry.named("chat a").attributes["gen_ai.usage.total_tokens"] == 11
    b = sentry.named("chat b").attributes
    assert b["gen_ai.usage.input_tokens"] == 15
    assert b["gen_ai.usage.cache_read.input_tokens"] == 10


def test_set_usage_keywords_override_the_given_usage(sentry):
    with sentry_agents.chat("c") as llm:
        llm.set_usage(
            Usage(input_tokens=5, output_tokens=6, input_tokens_cached=2), output_tokens=9
        )
    c = sentry.named("chat c").attributes
    assert c["gen_ai.usage.input_tokens"] == 5
    assert c["gen_ai.usage.output_tokens"] == 9
    assert c["gen_ai.usage.cache_read.input_tokens"] == 2
    assert c["gen_ai.usage.total_tokens"] == 14


def test_a_usage_changed_by_the_caller_after_set_usage_is_sent_as_given(sentry):
    """``set_usage`` keeps a copy of the caller's ``Usage``: changing it afterwards, before
    the span ends, changes neither the span nor the agent's roll-up (a response's usage,
    read by the library into a ``Usage`` of its own, is kept as it is)."""
    given = Usage(input_tokens=5, output_tokens=6, total_tokens=11)
    with sentry_agents.invoke_agent("Counter"):
        with sentry_agents.chat("given") as llm:
            llm.set_usage(given)
            given.input_tokens = 500
        with sentry_agents.chat("read") as llm:
            llm.set_response(chat_completion("hi"))
    assert sentry.named("chat given").attributes["gen_ai.usage.input_tokens"] == 5
    read = sentry.named("chat read").attributes
    assert read["gen_ai.usage.input_tokens"] == 120
    assert read["gen_ai.usage.total_tokens"] == 150
    agent = sentry.named("invoke_agent Counter").attributes
    assert agent["gen_ai.usage.input_tokens"] == 125
    assert agent["gen_ai.usage.total_tokens"] == 161


def run_calls_reporting_no_total() -> None:
    """The "Researcher" agent: a chat call reporting 15 tokens in total, then an embeddings
    and a rerank call reporting 10 input tokens each and no total."""
    with sentry_agents.invoke_agent("Researcher"):
        with sentry_agents.chat("gpt-4o") as llm:
            llm.set_usage(input_tokens=10, output_tokens=5, total_tokens=15)
        with sentry_agents.embeddings("text-embedding-3-small") as emb:
            emb.set_usage(input_tokens=10)
        with sentry_agents.rerank("rerank-v3.5") as ranker:
            ranker.set_usage(input_tokens=10)


def test_agent_total_covers_calls_that_report_no_total(sentry):
    """An embeddings or rerank call reports input tokens only, so no total: the agent's
    total was the sum of the other calls' totals, below its own input (30 in, 15 total)."""
    run_calls_reporting_no_total()
    agent = sentry.named("invoke_agent Researcher").attributes
    assert agent["gen_ai.usage.input_tokens"] == 30
    assert agent["gen_ai.usage.output_tokens"] == 5
    assert agent["gen_ai.usage.total_tokens"] == 35


def test_anthropic_thinking_tokens_are_reasoning_and_the_cache_is_still_added(sentry):
    """Anthropic's usage reports the thinking tokens of extended thinking in
    ``output_tokens_details`` (within ``output_tokens``): its usage was then read as the
    Responses API's, dropping the cache reads and writes from the input total. Read as
    Anthropic's, whole message and stream alike, thinking as the reasoning sub-count."""
    from anthropic._models import construct_type
    from anthropic.types import Message
    from anthropic.types import Usage as AnthropicUsage

    counts = {
        "input_tokens": 20,
        "output_tokens": 30,
        "cache_read_input_tokens": 1000,
        "cache_creation_input_tokens": 50,
        "output_tokens_details": {"thinking_tokens": 12},
    }
    expected = Usage(1070, 30, 1000, 50, 12, 1100)
    assert usage_from(construct_type(type_=AnthropicUsage, value=counts)) == expected
    assert usage_from(counts) == expected
    no_cache = {**counts, "cache_read_input_tokens": None, "cache_creation_input_tokens": None}
    assert usage_from(no_cache) == Usage(20, 30, None, None, 12, 50)
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": [{"type": "text", "text": "Done."}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": counts,
    }
    events = [
        {
            "type": "message_start",
            "message": {
                **message,
                "content": [],
                "stop_reason": None,
                "usage": {**counts, "output_tokens": 1, "output_tokens_details": None},
            },
        },
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "text_delta", "text": "Done."},
        },
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": 30, "output_tokens_details": {"thinking_tokens": 12}},
        },
        {"type": "message_stop"},
    ]
    for attributes in _whole_and_streamed(
        sentry, construct_type(type_=Message, value=message), events
    ):
        assert attributes["gen_ai.usage.input_tokens"] == 1070
        assert attributes["gen_ai.usage.cache_read.input_tokens"] == 1000
        assert attributes["gen_ai.usage.cache_creation.input_tokens"] == 50
        assert attributes["gen_ai.usage.reasoning.output_tokens"] == 12
        assert attributes["gen_ai.usage.output_tokens"] == 30


def test_anthropic_compaction_tokens_billed_beside_the_top_level_usage_are_added(sentry):
    """With server-side compaction (beta), a ``compaction`` entry of ``usage.iterations``
    reports the summarising request's tokens, which the top-level counts leave out but
    which are billed (at the same model's price): they are added, whole message, usage
    and stream alike. ``message`` entries are within the top-level counts already."""
    from anthropic._models import construct_type
    from anthropic.types.beta import BetaMessage, BetaUsage

    iterations = [
        {
            "type": "compaction",
            "input_tokens": 180_000,
            "output_tokens": 3_500,
            "cache_read_input_tokens": 0,
            "cache_creation_input_tokens": 0,
        },
        {
            "type": "message",
            "input_tokens": 23_000,
            "output_tokens": 1_000,
            "cache_read_input_tokens": 0,
            "cache_creation_input_tokens": 0,
        },
    ]
    counts = {
        "input_tokens": 23_000,
        "output_tokens": 1_000,
        "cache_read_input_tokens": 0,
        "cache_creation_input_tokens": 0,
        "iterations": iterations,
    }
    expected = Usage(203_000, 4_500, 0, 0, None, 207_500)
    assert usage_from(counts) == expected
    assert usage_from(construct_type(type_=BetaUsage, value=counts)) == expected
    # Without cache counts, the iterations alone tell the usage is Anthropic's.
    bare = {"input_tokens": 23_000, "output_tokens": 1_000, "iterations": iterations[:1]}
    assert usage_from(bare) == Usage(203_000, 4_500, 0, 0, None, 207_500)
    # A count an entry does not hold is left out, not guessed.
    partial = {**counts, "iterations": [{"type": "compaction", "output_tokens": 7}]}
    assert usage_from(partial) == Usage(23_000, 1_007, 0, 0, None, 24_007)
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-opus-4-6",
        "content": [
            {"type": "compaction", "content": "Earlier: Paris.", "encrypted_content": None},
            {"type": "text", "text": "Rain."},
        ],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": counts,
    }
    start = {**message, "content": [], "stop_reason": None}
    start["usage"] = {**counts, "output_tokens": 1, "iterations": None}
    events = [
        {"type": "message_start", "message": start},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "R"}},
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": 1_000, "iterations": iterations},
        },
        {"type": "message_stop"},
    ]
    whole = construct_type(type_=BetaMessage, value=message)
    for attributes in _whole_and_streamed(sentry, whole, events):
        assert attributes["gen_ai.usage.input_tokens"] == 203_000
        assert attributes["gen_ai.usage.output_tokens"] == 4_500
        assert attributes["gen_ai.usage.total_tokens"] == 207_500


def _whole_and_streamed(sentry: Any, message: Any, events: list[Any]) -> list[dict[str, Any]]:
    """The attributes of two Anthropic chat spans: one given ``message`` whole, one
    streaming ``events``."""
    with sentry_agents.chat("whole", provider="anthropic") as llm:
        llm.set_response(message)
    with sentry_agents.chat("streamed", provider="anthropic") as llm:
        for _ in llm.stream(iter(events)):
            pass
    return [sentry.named(name).attributes for name in ("chat whole", "chat streamed")]


class _PosingType:
    """An entry's ``type`` whose comparison raises (a hostile or broken value)."""

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("compared")

    __hash__ = None  # type: ignore[assignment]


@pytest.mark.parametrize(
    "entry",
    [
        {"type": _PosingType(), "input_tokens": 9},
        {"type": "compaction", "input_tokens": True, "output_tokens": -3},
        {"type": "compaction", "input_tokens": None, "output_tokens": 2.5},
        {"type": "compaction", "input_tokens": "9", "output_tokens": float("nan")},
        {"type": ["compaction"], "input_tokens": 9},
        None,
        "compaction",
    ],
    ids=[
        "type raises",
        "bool and negative",
        "none and fraction",
        "text and nan",
        "list",
        "none",
        "text",
    ],
)
def test_an_unreadable_compaction_entry_leaves_the_top_level_usage_as_it_is(sentry, entry):
    """An ``iterations`` entry that is not a compaction's counts (its type cannot be
    compared, its counts are not counts) adds nothing and loses nothing: the top-level
    usage is sent as without it, from a whole response and a stream alike."""
    counts = {"input_tokens": 20, "output_tokens": 4, "cache_read_input_tokens": 0}
    given = {**counts, "iterations": [entry]}
    assert usage_from(given) == usage_from(counts) == Usage(20, 4, 0, None, None, 24)
    events = [
        {
            "type": "message_start",
            "message": {
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": "claude",
                "content": [],
                "usage": {**counts, "output_tokens": 1},
            },
        },
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": given},
        {"type": "message_stop"},
    ]
    with sentry_agents.chat("claude", provider="anthropic") as llm:
        for _ in llm.stream(iter(events)):
            pass
    attributes = sentry.named("chat claude").attributes
    assert attributes["gen_ai.usage.input_tokens"] == 20
    assert attributes["gen_ai.usage.output_tokens"] == 4
    assert attributes["gen_ai.usage.total_tokens"] == 24


def test_compaction_counts_past_64_bits_are_left_out_not_counted_again_from_zero():
    """Compaction entries whose sum with the top-level count is past 64 bits leave that
    count out (as a count past 64 bits given alone is), whatever entries come after:
    never a count made of the later entries alone."""
    huge = {"type": "compaction", "input_tokens": 2**63 - 1, "output_tokens": 2**63 - 1}
    small = {"type": "compaction", "input_tokens": 10, "output_tokens": 10}
    counts = {"input_tokens": 5, "output_tokens": 1}
    alone = usage_from({"input_tokens": 2**63 + 4, "output_tokens": 2**63})
    for iterations in ([huge], [huge, small], [small, huge], [huge, small, small]):
        usage = usage_from({**counts, "iterations": iterations})
        assert usage == alone == Usage(None, None, None, None, None, None)


def test_a_total_past_64_bits_is_not_sent_from_counts_within_them(sentry):
    # Each count is a valid 64-bit integer; their sum is not, and Sentry stores 64 bits.
    with sentry_agents.chat("m") as llm:
        llm.set_usage(input_tokens=2**62 + 5, output_tokens=2**62)
    with sentry_agents.chat("n") as llm:
        llm.set_usage(input_tokens=2**62, output_tokens=2**62 - 1)
    huge = sentry.named("chat m").attributes
    assert huge["gen_ai.usage.input_tokens"] == 2**62 + 5
    assert huge["gen_ai.usage.output_tokens"] == 2**62
    assert "gen_ai.usage.total_tokens" not in huge
    assert sentry.named("chat n").attributes["gen_ai.usage.total_tokens"] == 2**63 - 1


def _sdk_usages() -> list[Any]:
    """Each provider SDK's own usage model, validated (as the ``google-genai`` client
    builds it) and, for ``openai`` and ``anthropic``, unvalidated as their clients build
    it, and a whole response holding it, with what ``usage_from`` reads from it."""
    from anthropic._models import construct_type as anthropic_construct
    from anthropic.types import Usage as AnthropicUsage
    from google.genai.types import GenerateContentResponseUsageMetadata
    from openai._models import construct_type as openai_construct
    from openai.types import CompletionUsage
    from openai.types.responses import ResponseUsage

    no_details = {"prompt_tokens_details": None, "completion_tokens_details": None}
    written = {"prompt_tokens_details": {"cached_tokens": 100, "cache_write_tokens": 5}}
    proxied = {"prompt_tokens_details": None, "cache_read_input_tokens": 90}
    cases = [
        ("chat", CompletionUsage, CHAT_USAGE, Usage(120, 30, 100, None, 12, 150)),
        (
            "chat, no details",
            CompletionUsage,
            {**CHAT_USAGE, **no_details},
            Usage(120, 30, None, None, None, 150),
        ),
        (
            "chat, cache write",
            CompletionUsage,
            {**CHAT_USAGE, **written},
            Usage(120, 30, 100, 5, 12, 150),
        ),
        (
            "chat, proxy's cache extras",
            CompletionUsage,
            {**CHAT_USAGE, **proxied},
            Usage(120, 30, 90, None, 12, 150),
        ),
        ("responses", ResponseUsage, RESPONSES_USAGE, Usage(80, 40, 64, 0, 32, 120)),
        ("anthropic", AnthropicUsage, ANTHROPIC_USAGE, Usage(1070, 10, 1000, 50, None, 1080)),
        (
            "anthropic, thinking",
            AnthropicUsage,
            {**ANTHROPIC_USAGE, "output_tokens_details": {"thinking_tokens": 4}},
            Usage(1070, 10, 1000, 50, 4, 1080),
        ),
        (
            "anthropic, no cache",
            AnthropicUsage,
            {"input_tokens": 20, "output_tokens": 10},
            Usage(20, 10, None, None, None, 30),
        ),
        (
            "google",
            GenerateContentResponseUsageMetadata,
            GOOGLE_USAGE,
            Usage(1210, 300, 1024, None, 64, 1510),
        ),
    ]
    params = []
    for label, model, counts, expected in cases:
        built = {"validated": model.model_validate(counts)}
        if model is not GenerateContentResponseUsageMetadata:
            construct = anthropic_construct if model is AnthropicUsage else openai_construct
            built["unvalidated"] = construct(type_=model, value=counts)
        params += [
            pytest.param(usage, expected, id=f"{label}, {how}") for how, usage in built.items()
        ]
    read = {label: expected for label, _, _, expected in cases}
    params += [
        pytest.param(response, read[label], id=f"{label}, a whole response")
        for label, response in _sdk_responses()
    ]
    return params


GOOGLE_USAGE = {
    "prompt_token_count": 1200,
    "tool_use_prompt_token_count": 10,
    "candidates_token_count": 236,
    "thoughts_token_count": 64,
    "cached_content_token_count": 1024,
    "total_token_count": 1510,
    "prompt_tokens_details": [{"modality": "TEXT", "token_count": 1200}],
    "traffic_type": "ON_DEMAND",
}


def _sdk_responses() -> list[tuple[str, Any]]:
    """Whole responses as each provider SDK's client builds them, each holding the usage
    of that label in ``_sdk_usages`` (``usage``, or Google's ``usage_metadata``)."""
    from anthropic._models import construct_type as anthropic_construct
    from anthropic.types import Message
    from google.genai.types import GenerateContentResponse
    from openai._models import construct_type as openai_construct
    from openai.types.chat import ChatCompletion
    from openai.types.responses import Response

    from fakes import anthropic_message, chat_completion, response_object

    google = {
        "candidates": [{"content": {"role": "model", "parts": [{"text": "Hi."}]}}],
        "usage_metadata": GOOGLE_USAGE,
    }
    return [
        ("chat", openai_construct(type_=ChatCompletion, value=chat_completion("Hi."))),
        ("responses", openai_construct(type_=Response, value=response_object())),
        ("anthropic", anthropic_construct(type_=Message, value=anthropic_message())),
        ("google", GenerateContentResponse.model_validate(google)),
    ]


@pytest.mark.parametrize(("usage", "expected"), _sdk_usages())
def test_an_sdk_usage_model_is_read_from_its_fields_as_reading_by_shape_reads_it(
    usage: Any, expected: Usage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``usage_from`` (``set_usage``, a stream's last usage, a response read by shape)
    read a provider SDK's usage model name by name, as any object, at about twice the
    cost: it is read from its fields, without probing a name, and gives exactly what
    reading by shape gives; so is a whole response's (the usage it holds)."""
    from sentry_agents import _usage

    probed: list[str] = []
    by_name = _usage.field

    def field(value: Any, name: str, default: Any = None) -> Any:
        probed.append(name)
        return by_name(value, name, default)

    monkeypatch.setattr(_usage, "field", field)
    read = usage_from(usage)
    assert not probed
    assert read == expected
    for reader in ("model_fields", "response_fields"):
        monkeypatch.setattr(_usage, reader, lambda value: None)
    assert usage_from(usage) == read
    assert probed


def test_a_usage_holding_itself_is_no_usage_and_the_response_is_recorded(sentry, sdk_log):
    """A response whose ``usage`` is a response holding itself (or a dict holding itself
    as its ``usage``) was read until Python's recursion limit, and ``set_response`` lost
    the whole response, its output too, to the ``RecursionError``. What is held is read
    a few levels deep, then is no usage."""
    from openai.types.chat import ChatCompletion

    looped: dict[str, Any] = {}
    looped["usage"] = looped
    assert usage_from(looped) == Usage()
    loop = ChatCompletion.model_construct(id="loop", choices=[], created=1, model="m")
    loop.__dict__["usage"] = loop
    assert usage_from(loop) == Usage()
    assert "RecursionError" not in sdk_log.text

    response = ChatCompletion.model_validate(chat_completion("Sunny."))
    response.__dict__["usage"] = loop
    with sentry_agents.chat("gpt-4o-mini", provider="openai") as llm:
        llm.set_response(response)
    sent = sentry.named("chat gpt-4o-mini").attributes
    assert json.loads(sent["gen_ai.output.messages"])[0]["parts"] == [
        {"type": "text", "content": "Sunny."}
    ]
    assert sent["gen_ai.response.id"] == response.id
    assert not [key for key in sent if key.startswith("gen_ai.usage.")]
    assert "RecursionError" not in sdk_log.text
