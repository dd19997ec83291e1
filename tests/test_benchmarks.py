"""The benchmarks compare like with like: their hand-written baseline sends exactly what
the helper sends. Nothing is timed here (timings live in ``make bench``)."""

from __future__ import annotations

import importlib.util
import inspect
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
import sentry_sdk
from pytest_mock import MockerFixture

import sentry_agents
from conftest import MODES

RUN_PY = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


@pytest.fixture
def bench() -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location("sentry_agents_benchmarks", RUN_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    sentry_sdk.get_global_scope().set_client(None)


def _child_spans_take_name() -> bool:
    try:
        from sentry_sdk.tracing import Span
    except ImportError:
        return True
    return "name" in inspect.signature(Span.__init__).parameters


@pytest.mark.parametrize("mode", MODES)
def test_benchmark_baseline_sends_what_the_helper_sends(bench: ModuleType, mode: str) -> None:
    if mode == "static" and not _child_spans_take_name():
        pytest.skip("the benchmark's baseline is written for sentry-sdk 2.15 and later")
    bench.check_equivalent("sampled" if mode == "static" else "stream")


def test_equivalence_check_fails_when_the_baseline_sends_less(
    bench: ModuleType, mocker: MockerFixture
) -> None:
    if not _child_spans_take_name():
        pytest.skip("the benchmark's baseline is written for sentry-sdk 2.15 and later")
    original = bench._fill

    def fill_without_cached_tokens(setter, messages):  # type: ignore[no-untyped-def]
        original(lambda key, value: None if "cache" in key else setter(key, value), messages)

    mocker.patch.object(bench, "_fill", fill_without_cached_tokens)
    with pytest.raises(AssertionError, match="does not send what sentry-agents sends"):
        bench.check_equivalent(bench.RECORDING)


REAL_PATH_PY = RUN_PY.parent / "real_path.py"


@pytest.fixture
def real_path() -> Iterator[ModuleType]:
    name = "sentry_agents_real_path"
    spec = importlib.util.spec_from_file_location(name, REAL_PATH_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    del sys.modules[name]
    sentry_sdk.get_global_scope().set_client(None)
    for env in module.Env.made:
        env.client.close()


@pytest.mark.parametrize("case", range(4))
@pytest.mark.parametrize("mode", MODES)
def test_real_path_hand_written_span_sends_what_the_helper_sends(
    real_path: ModuleType, mode: str, case: int
) -> None:
    if mode == "static" and not _child_spans_take_name():
        pytest.skip("the benchmark's baseline is written for sentry-sdk 2.15 and later")
    _, make, _ = real_path.HISTORY_CASES[case]
    response = real_path.chat_completion()
    env = real_path.Env(mode)
    messages = make("")
    real_path.check_same_spans(
        env,
        real_path.helper_span(lambda: messages, response),
        real_path.raw_call(env.streaming, lambda: messages, response),
    )


def test_real_path_equivalence_check_fails_when_the_hand_written_span_differs(
    real_path: ModuleType, mocker: MockerFixture
) -> None:
    original = real_path.response_by_hand

    def without_reasoning(response):  # type: ignore[no-untyped-def]
        return [(k, v) for k, v in original(response) if "reasoning" not in k]

    mocker.patch.object(real_path, "response_by_hand", without_reasoning)
    response = real_path.chat_completion()
    env = real_path.Env(real_path.MODES[-1])
    messages = real_path.tool_history(40)
    with pytest.raises(AssertionError, match="does not send what sentry-agents sends"):
        real_path.check_same_spans(
            env,
            real_path.helper_span(lambda: messages, response),
            real_path.raw_call(env.streaming, lambda: messages, response),
        )


def test_real_path_responses_history_holds_the_sdks_items(real_path: ModuleType) -> None:
    """The Responses API history holds the SDK's own items, and is sent as the same
    history of their dumps would be: reasoning, tool calls, tool outputs and text."""
    import sentry_agents

    history = real_path.responses_history(12)
    assert len(history) == 12 and sum(not isinstance(item, dict) for item in history) >= 6
    dumped = [
        item if isinstance(item, dict) else item.model_dump(exclude_none=True) for item in history
    ]
    sent = sentry_agents.serialize_messages(history, max_bytes=real_path.NO_TRUNCATION)
    assert sent == sentry_agents.serialize_messages(dumped, max_bytes=real_path.NO_TRUNCATION)
    kinds = {part["type"] for message in json.loads(sent) for part in message["parts"]}
    assert kinds == {"reasoning", "tool_call", "tool_call_response", "text"}


@pytest.mark.parametrize("mode", MODES)
def test_real_path_sdk_object_history_is_the_same_conversation(
    real_path: ModuleType, mode: str
) -> None:
    """The histories holding the SDKs' own objects are the dict histories, converted: the
    helper sends the same messages for both, so their rows differ only by the objects."""
    response = real_path.chat_completion()
    env = real_path.Env(mode)
    for history in (real_path.tool_history(40), real_path.anthropic_history(9)):
        objects = real_path.sdk_objects(history)
        assert any(not isinstance(m, dict) for m in objects) or any(
            not isinstance(block, dict) for m in objects for block in m["content"]
        )
        sent = [
            real_path.gen_ai_attributes(
                env.spans_of(real_path.helper_span(lambda m=m: m, response))[0][0]
            )
            for m in (history, objects)
        ]
        assert sent[0] == sent[1]
        assert "gen_ai.input.messages" in sent[0]


@pytest.mark.skipif(
    not hasattr(sentry_sdk.consts.OP, "GEN_AI_CHAT"),
    reason="this sentry-sdk's OpenAI integration makes ai.* spans, not gen_ai.chat",
)
def test_real_path_model_call_sides_record_content(real_path: ModuleType) -> None:
    """Both sides of the model-call rows record the call and its content, on Chat
    Completions and on the Responses API."""

    client = real_path.openai_client()
    ours = real_path.Env(real_path.MODES[-1])
    theirs = real_path.Env(real_path.MODES[-1], [real_path.openai_integration()])
    for messages, responses in (
        (real_path.tool_history(40), False),
        (real_path.responses_history(40), True),
    ):
        spans, sent = ours.spans_of(real_path.helper_call(client, lambda m=messages: m, responses))
        real_path.check_recorded(spans, "sentry-agents")
        assert sent > 0
        output = json.loads(spans[0].attributes["gen_ai.output.messages"])
        assert output[0]["parts"][0]["content"].startswith("Pack an umbrella")
        spans, _ = theirs.spans_of(real_path.plain_call(client, lambda m=messages: m, responses))
        real_path.check_recorded(spans, "OpenAIIntegration")
    with pytest.raises(AssertionError, match="LLM spans sent"):
        real_path.check_recorded([], "nothing")


def test_real_path_streamed_sides_record_the_whole_stream(real_path: ModuleType) -> None:
    """Both sides of the streamed rows read the stream to its end and record it: the
    helper sends every chunk's text, the finish reason and the usage of the last chunk."""
    client = real_path.streamed_client(20)
    messages = real_path.plain_history(10)
    ours, plain = real_path.streamed_calls(client, lambda: messages)
    spans, _ = real_path.Env(real_path.MODES[-1]).spans_of(ours)
    real_path.check_recorded(spans, "sentry-agents")
    attributes = spans[0].attributes
    [output] = json.loads(attributes["gen_ai.output.messages"])
    words = real_path.STREAMED_WORDS
    assert output["parts"] == [
        {"type": "text", "content": "".join(words[n % len(words)] for n in range(20))}
    ]
    assert output["finish_reason"] == "stop"
    assert attributes["gen_ai.usage.input_tokens"] == 1200
    assert attributes["gen_ai.response.streaming"] is True
    if hasattr(sentry_sdk.consts.OP, "GEN_AI_CHAT"):  # older 2.x: ai.* spans, not gen_ai
        theirs = real_path.Env(real_path.MODES[-1], [real_path.openai_integration()])
        real_path.check_recorded(theirs.spans_of(plain)[0], "OpenAIIntegration")


@pytest.mark.parametrize("case", range(4))
def test_real_path_stream_cases_are_recorded_whole(real_path: ModuleType, case: int) -> None:
    """Each provider stream ``versions.py --streams`` times is read to its end and
    recorded as its SDK sent it: every delta's text, a finish reason and the usage."""
    label, make = real_path.STREAM_CASES[case]
    chunks = make(12)

    def read() -> None:
        with sentry_agents.chat(real_path.MODEL, provider="openai") as llm:
            assert list(llm.stream(iter(chunks))) == chunks

    spans, _ = real_path.Env(real_path.MODES[-1]).spans_of(read)
    attributes = spans[0].attributes
    [output] = json.loads(attributes["gen_ai.output.messages"])
    words = real_path.STREAMED_WORDS
    text = "".join(part["content"] for part in output["parts"] if part["type"] == "text")
    if "Responses" in label:  # its completed response, as the API sends it whole
        assert text == real_path.responses_json()["output"][0]["content"][0]["text"]
    else:
        assert text == "".join(words[n % len(words)] for n in range(12)), label
    assert attributes["gen_ai.response.finish_reasons"], label
    assert attributes["gen_ai.usage.input_tokens"] > 0, label
    assert attributes["gen_ai.usage.output_tokens"] > 0, label


@pytest.mark.skipif(
    not hasattr(sentry_sdk.consts.OP, "GEN_AI_CHAT"),
    reason="this sentry-sdk's OpenAI integration makes ai.* spans, not gen_ai.chat",
)
def test_real_path_sending_rows_send_each_sides_attributes(real_path: ModuleType) -> None:
    """The "sending the span" rows time raw spans that send exactly the attributes each
    side recorded (ours more of them: the output, response id, finish reasons...)."""
    attributes = {"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 12}
    for mode in real_path.MODES:
        env = real_path.Env(mode)
        spans, _ = env.spans_of(real_path.span_sending(env.streaming, attributes))
        assert [real_path.gen_ai_attributes(s) for s in spans] == [attributes]
    rows = real_path.sending_rows(real_path.Plan(rounds=1, calls=1))
    assert [row.mode for row in rows] == list(real_path.MODES)
    for row in rows:
        ours, theirs = (int(n) for n in row.note.split(" gen_ai")[0].split(" / "))
        assert ours > theirs >= 10


def test_real_path_large_rows_record_the_result_cut_to_its_budget(
    real_path: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The "large" rows time a tool span whose result is far over its budget, and say how
    much of it was sent: the result cut, with its marker."""
    big = {f"key_{i}": i for i in range(20_000)}
    monkeypatch.setattr(real_path, "LARGE_RESULTS", [("20,000 keys", lambda: big)])
    rows = real_path.large_rows(real_path.Plan(rounds=1, calls=1))
    assert rows[0].label == "a tool result of 20,000 keys: execute_tool + set_result vs json.dumps"
    fetch = "an agent loop's 12 model calls, each history the last with a fetched page of 40 KB"
    assert rows[1].label.startswith("a model's call of write_file with a file of 1 MB")
    sent_out = int(rows[1].note.split()[0].replace(",", ""))
    assert 1_000 < sent_out <= 200_000  # (older 2.x cut strings at 1,024 characters)
    assert [row.label.split(":")[1] for row in rows[2:]] == [
        " serialize_messages within 200,000 bytes vs json.dumps",
        " serialize_messages within 20,000 bytes vs json.dumps",
        *[" serialize_messages within 200,000 bytes vs json.dumps"] * 4,
    ]
    coding = "an agent loop's 12 model calls, "
    assert [row.label.split(":")[0] for row in rows[2:]] == [
        f"{fetch} added",
        f"{fetch} added",
        f"{coding}a file of 1 MB read, then written back, then small tools",
        f"{coding}the same as Anthropic content blocks",
        f"{coding}the same as OpenAI Responses API items",
        f"{coding}the same as Google GenAI contents",
    ]
    sent = int(rows[0].note.split(" bytes")[0].split()[-1].replace(",", ""))
    assert sent < len(json.dumps(big, separators=(",", ":")))
    env = real_path.Env("static")
    spans, _ = env.spans_of(lambda: _record(big))
    result = spans[0].attributes["gen_ai.tool.call.result"]
    assert len(result.encode()) == sent and "[truncated]" in result


def test_real_path_fetch_loop_grows_a_page_a_step_and_sends_the_newest(
    real_path: ModuleType,
) -> None:
    """The fetch-loop row's histories: each the one before with a call and its page
    added, and what is sent of the last within 200,000 bytes holds its newest page."""
    histories = real_path.fetch_loop(4, " t")
    for before, after in zip(histories, histories[1:]):
        assert after[: len(before)] == before and len(after) == len(before) + 2
    last = histories[-1]
    assert len(last[-1]["content"]) > 39_000
    sent = json.loads(sentry_agents.serialize_messages(last, max_bytes=200_000))
    assert sent[-1]["parts"][0]["response"] == last[-1]["content"]


@pytest.mark.parametrize("shape", ["openai", "anthropic", "responses", "google"])
def test_real_path_coding_loop_reads_and_writes_a_file_then_drops_it(
    real_path: ModuleType, shape: str
) -> None:
    """The coding-loop rows' histories, in each provider's shape: each the one before
    with a call and its result added; the file read is cut alone while it is the newest,
    and once newer steps come neither it nor the call writing it back is sent, only
    counted."""
    histories = real_path.coding_loop(5, " t", shape)
    for before, after in zip(histories, histories[1:]):
        assert after[: len(before)] == before and len(after) == len(before) + 2
    assert len(json.dumps(histories[0][-1])) > 1_000_000
    assert len(json.dumps(histories[1][-2])) > 1_000_000
    first = json.loads(sentry_agents.serialize_messages(histories[0], max_bytes=200_000))
    assert len(first) == 1 and json.dumps(first[0]["parts"][0]["response"]).endswith(
        '...[truncated]"' + "}" * (shape == "google")
    )
    last = json.loads(sentry_agents.serialize_messages(histories[-1], max_bytes=200_000))
    assert [m["parts"][0].get("name") for m in last[-4::2]] == ["run_tests", "run_tests"]
    assert "retries=3" not in json.dumps(last) and len(last) < len(histories[-1])


def _record(result: Any) -> None:
    with sentry_agents.execute_tool("query") as tool:
        tool.set_result(result)


@pytest.fixture
def versions(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """``benchmarks/versions.py`` as a module (with the ``run`` it imports); what it adds
    to ``sys.path`` and ``sys.modules`` is undone afterwards."""
    monkeypatch.syspath_prepend(str(RUN_PY.parent))
    monkeypatch.delitem(sys.modules, "run", raising=False)
    try:
        yield importlib.import_module("versions")
    finally:
        for name in list(sys.modules):
            if name in ("run", "versions") or name.startswith("sentry_agents_"):
                del sys.modules[name]
        sentry_sdk.get_global_scope().set_client(None)


def test_versions_names_what_an_older_version_sends_differently(versions: ModuleType) -> None:
    """``versions.py`` times older commits beside this tree; it must say when one sends
    something else, since that alone changes its cost."""

    def chat_without_temperature(model: str, **options: Any) -> Any:
        return sentry_agents.chat(model, **{**options, "temperature": None})

    older = SimpleNamespace(chat=chat_without_temperature)
    same = SimpleNamespace(chat=sentry_agents.chat)
    sentry_agents.configure(record_inputs=True, record_outputs=True)
    found = versions.differences(
        versions.run.RECORDING, {"older": older, "same": same, "this tree": sentry_agents}
    )
    assert found == {"older": ["gen_ai.request.temperature"], "same": []}


@pytest.mark.skipif(
    not (RUN_PY.parent.parent / ".git").exists(), reason="not a git checkout (an sdist, say)"
)
def test_versions_times_a_commit_beside_this_tree(versions: ModuleType, tmp_path: Path) -> None:
    if not _child_spans_take_name():
        pytest.skip("the benchmark's baseline is written for sentry-sdk 2.15 and later")
    older = importlib.import_module(versions.extract("HEAD", tmp_path))
    assert str(Path(older.__file__).resolve()).startswith(str(tmp_path.resolve()))
    assert older.chat is not sentry_agents.chat
    older.configure(record_inputs=True, record_outputs=True)
    rows = versions.compare(
        versions.run.RECORDING, {"HEAD": older, "this tree": sentry_agents}, rounds=1
    )
    assert list(rows) == ["HEAD", "this tree", "raw span"]
    assert all(per_call > 0 and ratio > 0 for per_call, ratio in rows.values())
    assert rows["raw span"][1] == 1.0


@pytest.mark.skipif(
    not (RUN_PY.parent.parent / ".git").exists(), reason="not a git checkout (an sdist, say)"
)
def test_versions_compares_the_serializer_of_a_commit_beside_this_tree(
    versions: ModuleType, tmp_path: Path
) -> None:
    older = importlib.import_module(versions.extract("HEAD", tmp_path))
    rows = versions.compare_serializer({"HEAD": older, "this tree": sentry_agents}, 1, batch=1)
    labels = [label for label, _, _ in versions.serializer_cases()]
    assert len(rows) == 2 * len(labels) and len(labels) >= 5
    assert any("ChatCompletionMessage" in label for label in labels)
    assert all(set(r) == {"HEAD", "this tree"} for r in rows.values())
    assert all(ratio > 0 for r in rows.values() for ratio in r.values())


@pytest.mark.skipif(
    not (RUN_PY.parent.parent / ".git").exists(), reason="not a git checkout (an sdist, say)"
)
def test_versions_compares_set_response_of_a_commit_beside_this_tree(
    versions: ModuleType, tmp_path: Path
) -> None:
    older = importlib.import_module(versions.extract("HEAD", tmp_path))
    rows = versions.compare_set_response({"HEAD": older, "this tree": sentry_agents}, 1, 2)
    assert {label.split(",")[0] for label in rows} == {
        "openai ChatCompletion",
        "anthropic Message",
        "google GenerateContentResponse",
        "Chat Completions dict",
        "Anthropic message dict",
    }
    assert all(set(r) == {"HEAD", "this tree"} for r in rows.values())
    assert all(value > 0 for r in rows.values() for value in r.values())


def test_versions_compares_streams_of_a_commit_beside_this_tree(
    versions: ModuleType, tmp_path: Path
) -> None:
    older = importlib.import_module(versions.extract("HEAD", tmp_path))
    rows = versions.compare_streams({"HEAD": older, "this tree": sentry_agents}, 1, 4)
    import real_path

    labels = {label for label, _ in real_path.STREAM_CASES}
    assert {label.rsplit(",", 1)[0] for label in rows} == labels
    assert len(rows) == len(labels) * len(real_path.MODES)
    assert all(set(r) == {"HEAD", "this tree"} for r in rows.values())
