"""Benchmarks on the path users really take: the real ``openai`` client, ``set_response``,
tool-call histories, envelopes serialised, sentry-sdk's own AI integrations as baselines.

Every figure is CPU time (``time.process_time_ns``: every thread of the process, so
sentry-sdk's span flusher is counted too) per call, the median over interleaved rounds
(A, B, A, B, ...) in this one process; ratios are medians of the per-round ratios.
Envelopes are really serialised (and then dropped) by :class:`SerializingTransport`;
model calls are answered by ``httpx.MockTransport``, so nothing leaves the process.

Run: ``make bench`` (with the classic rows) or ``python benchmarks/real_path.py [--quick]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import inspect
import io
import itertools
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Callable, ClassVar, Optional

import sentry_sdk
from sentry_sdk.transport import Transport

import sentry_agents
from sentry_agents._envelopes import Capture, SpanRecord

HAS_TRANSACTIONS = hasattr(sentry_sdk, "start_transaction")
try:
    from sentry_sdk.tracing_utils import has_span_streaming_enabled  # noqa: F401

    HAS_STREAMING = True
except ImportError:  # sentry-sdk before span streaming, or 3.x where it is the only mode
    HAS_STREAMING = not HAS_TRANSACTIONS
MODES = tuple(
    mode for mode, there in (("static", HAS_TRANSACTIONS), ("stream", HAS_STREAMING)) if there
)
"""The tracing modes the installed sentry-sdk has."""
# Child spans took ``description=`` before sentry-sdk 2.15 named it ``name=``.
NAME_KEYWORD = (
    "name"
    if not HAS_TRANSACTIONS
    or "name" in inspect.signature(sentry_sdk.tracing.Span.__init__).parameters
    else "description"
)
MODEL = "gpt-4o-mini"


@dataclass
class Plan:
    """How long to measure: ``rounds`` interleaved rounds, each side making ``calls``
    calls per round (``model_calls`` where a call goes through the ``openai`` client,
    ``runs`` two-agent runs)."""

    rounds: int = 15
    calls: int = 40
    model_calls: int = 16
    runs: int = 8

    @property
    def pool(self) -> int:
        """Objects one side uses over a whole comparison (warm-up and checks included)."""
        return max(self.calls, self.model_calls) * (self.rounds + 1) + 64


QUICK = Plan(rounds=5, calls=10, model_calls=4, runs=2)


# --- what is measured --------------------------------------------------------------------


@dataclass
class Row:
    """One line of the results table."""

    label: str
    mode: str
    ours: str
    base: str
    ratio: str
    added: str = ""
    added_ratio: str = ""
    note: str = ""
    target: str = ""


class ProviderClock:
    """CPU time spent inside the ``openai`` client's own ``create`` (request building,
    HTTP, response parsing), so the instrumentation's share of a model call can be told
    apart from the client's: wrapped before sentry-sdk's OpenAIIntegration wraps it, so
    the integration's work stays outside."""

    ns = 0
    installed = False

    @classmethod
    def install(cls) -> None:
        if cls.installed:
            return
        from openai.resources.chat.completions import AsyncCompletions, Completions
        from sentry_sdk import integrations

        if "openai" in getattr(integrations, "_installed_integrations", ()):
            raise RuntimeError("OpenAIIntegration was set up before the provider clock")
        sync_create = Completions.create
        async_create = AsyncCompletions.create

        @functools.wraps(sync_create)
        def create(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time_ns()
            try:
                return sync_create(*args, **kwargs)
            finally:
                cls.ns += time.process_time_ns() - start

        @functools.wraps(async_create)
        async def acreate(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time_ns()
            try:
                return await async_create(*args, **kwargs)
            finally:
                cls.ns += time.process_time_ns() - start

        Completions.create = create  # type: ignore[method-assign]
        AsyncCompletions.create = acreate  # type: ignore[method-assign]
        cls.installed = True


@dataclass
class Timings:
    """µs per call of each side, one figure per round: in all, and outside the
    ``openai`` client's own work (see :class:`ProviderClock`)."""

    total: dict[str, list[float]]
    outside: dict[str, list[float]]

    def med(self, side: str) -> float:
        return med(self.total[side])

    def ratio(self, a: str, b: str) -> float:
        return ratio_of(self.total[a], self.total[b])

    def added(self, side: str, bare: str) -> list[float]:
        """Per round: what ``side`` costs outside the client over the bare call."""
        return [x - z for x, z in zip(self.outside[side], self.outside[bare])]


def cpu_rounds(sides: dict[str, Callable[[], None]], per_round: int, rounds: int) -> Timings:
    """CPU µs per call of each side, round by round: each round runs every side once, in
    turn (A, B, A, B, ...), after a warm-up round; ``per_round`` calls make one side's
    round. Objects alive before the rounds are frozen out of the garbage collector (a
    full collection of this process, with four provider SDKs imported, takes about half
    a second and would land on whichever side it falls on)."""
    for side in sides.values():
        side()
    gc.collect()
    gc.freeze()
    total: dict[str, list[float]] = {name: [] for name in sides}
    outside: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, side in sides.items():
            gc.collect()
            provider = ProviderClock.ns
            start = time.process_time_ns()
            side()
            elapsed = time.process_time_ns() - start
            inside = ProviderClock.ns - provider
            total[name].append(elapsed / per_round / 1000)
            outside[name].append((elapsed - inside) / per_round / 1000)
    gc.unfreeze()
    return Timings(total, outside)


def med(values: list[float]) -> float:
    return statistics.median(values)


def ratio_of(a: list[float], b: list[float]) -> float:
    return med([x / y for x, y in zip(a, b)])


def added_ratio(da: list[float], db: list[float]) -> tuple[float, float, float]:
    """Median added costs of two sides, and the median of their per-round ratios."""
    ratios = [x / y for x, y in zip(da, db) if y > 0]
    return med(da), med(db), med(ratios) if ratios else float("nan")


def us(value: float) -> str:
    return f"{value:.1f} µs" if value < 100 else f"{value:,.0f} µs"


def x(value: float) -> str:
    return f"{value:.2f}x"


# --- sentry-sdk, one client per configuration --------------------------------------------


class SerializingTransport(Transport):
    """Serialises every envelope as the HTTP transport would (before compression) and
    drops the bytes; keeps the decoded spans only while ``keep`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.keep = False
        self.sent_bytes = 0
        self.capture = Capture()

    def capture_envelope(self, envelope: Any) -> None:
        buffer = io.BytesIO()
        envelope.serialize_into(buffer)
        self.sent_bytes += buffer.tell()
        if self.keep:
            self.capture.add_body(buffer.getvalue())

    def flush(self, timeout: float = 0, callback: Any = None) -> None:
        pass


class Env:
    """One sentry-sdk client (content gate open, tracing on), made current on demand, so
    the sides of a comparison each run with their own configuration in one process."""

    made: ClassVar[list[Env]] = []

    def __init__(self, mode: str, integrations: list[Any] | None = None) -> None:
        self.mode = mode
        self.streaming = mode == "stream"
        self.transport = SerializingTransport()
        options: dict[str, Any] = {
            "transport": self.transport,
            "traces_sample_rate": 1.0,
            "default_integrations": False,
            "auto_enabling_integrations": False,
            "integrations": integrations or [],
        }
        if HAS_TRANSACTIONS:
            options["send_default_pii"] = True
            if self.streaming:
                options["trace_lifecycle"] = "stream"
        else:
            options["data_collection"] = {"gen_ai": {"inputs": True, "outputs": True}}
        sentry_sdk.init(**options)
        self.client = sentry_sdk.get_client()
        Env.made.append(self)

    def activate(self) -> None:
        sentry_sdk.get_global_scope().set_client(self.client)

    def root(self, name: str = "round") -> Any:
        if self.streaming or not HAS_TRANSACTIONS:
            return sentry_sdk.traces.start_span(name=name)
        return sentry_sdk.start_transaction(name=name, op="task")

    def flush(self) -> None:
        self.client.flush()

    def rounds_of(
        self, call: Callable[[], Any], calls: int, root: bool = True
    ) -> Callable[[], None]:
        """One round: ``calls`` calls inside one root span (a transaction or a segment),
        then a flush, so what the round sends is serialised within the round."""

        def run() -> None:
            self.activate()
            with self.root() if root else contextlib.nullcontext():
                for _ in range(calls):
                    call()
            self.flush()

        return run

    def spans_of(self, func: Callable[[], Any], root: bool = True) -> tuple[list[SpanRecord], int]:
        """The spans sent for one call of ``func`` (the root left out) and the bytes sent."""
        self.activate()
        self.transport.keep = True
        self.transport.capture = Capture()
        before = self.transport.sent_bytes
        with self.root("check") if root else contextlib.nullcontext():
            func()
        self.flush()
        self.transport.keep = False
        spans = [s for s in self.transport.capture.spans if s.name != "check"]
        return spans, self.transport.sent_bytes - before

    def sent_per_call(self, call: Callable[[], Any], calls: int = 20) -> tuple[float, float]:
        """Bytes and spans sent per call, the root's share left out (root with ``calls``
        calls minus an empty root)."""
        empty_spans, empty_bytes = self.spans_of(lambda: None)
        spans, sent = self.spans_of(lambda: [call() for _ in range(calls)])
        return (sent - empty_bytes) / calls, (len(spans) - len(empty_spans)) / calls


def gen_ai_attributes(span: SpanRecord) -> dict[str, Any]:
    return {k: v for k, v in span.attributes.items() if k.startswith("gen_ai.")}


# --- what the model is asked and answers --------------------------------------------------

FILLER = "lorem ipsum dolor sit amet " * 3


def plain_history(n: int, tag: str = "") -> list[dict[str, Any]]:
    """``n`` plain text messages, user and assistant in turn."""
    return [
        {"role": ("user", "assistant")[i % 2], "content": f"Message {i}{tag}: {FILLER}"}
        for i in range(n)
    ]


def tool_history(n: int, tag: str = "", system: bool = True) -> list[dict[str, Any]]:
    """An OpenAI chat history of ``n`` messages, half of them tool calls (assistant with
    ``tool_calls``) and tool results (role ``tool``, JSON string content), as an agent
    loop builds it: [system,] user, then (tool call, result, assistant text, user text)..."""
    out: list[dict[str, Any]] = []
    if system:
        out.append({"role": "system", "content": f"You plan trips{tag}. Use the tools."})
    out.append({"role": "user", "content": f"Plan a weekend{tag}: {FILLER}"})
    i = 0
    while len(out) < n:
        call_id = f"call_{i}{tag.replace(' ', '_')}"
        step = [
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {
                            "name": "get_weather",
                            "arguments": json.dumps({"city": f"city {i}{tag}", "days": 3}),
                        },
                    }
                ],
            },
            {
                "role": "tool",
                "tool_call_id": call_id,
                "content": json.dumps({"city": f"city {i}{tag}", "forecast": ["rain", "sun"]}),
            },
            {"role": "assistant", "content": f"Step {i}{tag}: {FILLER}"},
            {"role": "user", "content": f"And then {i}{tag}? {FILLER}"},
        ]
        out.extend(step[: n - len(out)])
        i += 1
    return out


def anthropic_history(n: int, tag: str = "") -> list[dict[str, Any]]:
    """``n`` Anthropic messages of content blocks: user text, assistant text and
    ``tool_use``, user ``tool_result``, in turn."""
    out: list[dict[str, Any]] = []
    i = 0
    while len(out) < n:
        use_id = f"toolu_{i}{tag.replace(' ', '_')}"
        step = [
            {"role": "user", "content": [{"type": "text", "text": f"Question {i}{tag}: {FILLER}"}]},
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": f"Looking it up {i}{tag}."},
                    {
                        "type": "tool_use",
                        "id": use_id,
                        "name": "get_weather",
                        "input": {"city": f"city {i}{tag}", "days": 3},
                    },
                ],
            },
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": use_id, "content": f"rain {i}{tag}"}
                ],
            },
        ]
        out.extend(step[: n - len(out)])
        i += 1
    return out


def sdk_objects(history: list[dict[str, Any]]) -> list[Any]:
    """``history`` as agent loops hold it: each assistant turn the provider SDK's own
    object (``messages.append(completion.choices[0].message)``; Anthropic's
    ``{"role": "assistant", "content": response.content}``), the rest as written."""
    from anthropic.types import TextBlock, ToolUseBlock
    from openai.types.chat import ChatCompletionMessage

    blocks = {"text": TextBlock, "tool_use": ToolUseBlock}
    out: list[Any] = []
    for message in history:
        if message["role"] != "assistant":
            out.append(message)
        elif isinstance(message["content"], list):
            content = [blocks[b["type"]].model_validate(b) for b in message["content"]]
            out.append({"role": "assistant", "content": content})
        else:
            out.append(ChatCompletionMessage.model_validate(message))
    return out


def responses_history(n: int, tag: str = "") -> list[Any]:
    """``n`` items of an OpenAI Responses API agent loop (``input += response.output``):
    the model's reasoning, tool calls and messages the SDK's own objects, each tool's
    output and the user's turns as written."""
    from openai.types.responses import (
        ResponseFunctionToolCall,
        ResponseOutputMessage,
        ResponseOutputText,
        ResponseReasoningItem,
    )
    from openai.types.responses.response_reasoning_item import Summary

    out: list[Any] = [{"role": "user", "content": f"Plan a weekend{tag}: {FILLER}"}]
    i = 0
    while len(out) < n:
        call_id = f"call_{i}{tag.replace(' ', '_')}"
        summary = [Summary(type="summary_text", text=f"Check the weather {i}{tag}.")]
        text = ResponseOutputText(
            type="output_text", text=f"Step {i}{tag}: {FILLER}", annotations=[]
        )
        step = [
            ResponseReasoningItem(id=f"rs_{i}", type="reasoning", summary=summary),
            ResponseFunctionToolCall(
                id=f"fc_{i}",
                type="function_call",
                call_id=call_id,
                name="get_weather",
                arguments=json.dumps({"city": f"city {i}{tag}", "days": 3}),
                status="completed",
            ),
            {
                "type": "function_call_output",
                "call_id": call_id,
                "output": json.dumps({"city": f"city {i}{tag}", "forecast": ["rain", "sun"]}),
            },
            ResponseOutputMessage(
                id=f"msg_{i}", type="message", role="assistant", status="completed", content=[text]
            ),
            {"role": "user", "content": f"And then {i}{tag}? {FILLER}"},
        ]
        out.extend(step[: n - len(out)])
        i += 1
    return out


def dumps_objects(messages: Any) -> str:
    """``json.dumps`` of a history holding SDK objects, written as their JSON dumps."""
    return json.dumps(messages, default=lambda o: o.model_dump(mode="json", exclude_none=True))


def pool_of(make: Callable[[str], Any], size: int) -> Callable[[], Any]:
    """The next of ``size`` objects made in advance, each with content never seen before."""
    items = iter([make(f" #{i}") for i in range(size)])
    return lambda: next(items)


_new_tags = itertools.count()


def same_or_new(make: Callable[[str], Any], new: bool, size: int) -> Callable[[], Any]:
    """A supplier of the same object at every call, or of a new one each call."""
    if new:
        prefix = f" {next(_new_tags)}"
        return pool_of(lambda tag: make(prefix + tag), size)
    obj = make("")
    return lambda: obj


def completion_json(
    content: Optional[str] = "Pack an umbrella: rain in Paris on Saturday, sun on Sunday.",
    tool_call: Optional[tuple[str, str, str]] = None,
) -> dict[str, Any]:
    """A Chat Completions response as OpenAI sends it."""
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
    if tool_call is not None:
        call_id, name, arguments = tool_call
        message["tool_calls"] = [
            {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
        ]
    return {
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "object": "chat.completion",
        "created": 1741569952,
        "model": "gpt-4o-mini-2024-07-18",
        "system_fingerprint": "fp_06737a9306",
        "service_tier": "default",
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": "tool_calls" if tool_call else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 1200,
            "completion_tokens": 300,
            "total_tokens": 1500,
            "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 64,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
    }


def responses_json() -> dict[str, Any]:
    """A Responses API response as OpenAI sends it: one message of text."""
    text = "Pack an umbrella: rain in Paris on Saturday, sun on Sunday."
    return {
        "id": "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b",
        "object": "response",
        "created_at": 1741476542,
        "status": "completed",
        "model": "gpt-4o-mini-2024-07-18",
        "output": [
            {
                "type": "message",
                "id": "msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": text, "annotations": []}],
            }
        ],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "temperature": 0.2,
        "usage": {
            "input_tokens": 1200,
            "input_tokens_details": {"cached_tokens": 1024},
            "output_tokens": 300,
            "output_tokens_details": {"reasoning_tokens": 64},
            "total_tokens": 1500,
        },
    }


def _answer(body: bytes) -> Any:
    import httpx

    return lambda request: httpx.Response(
        200, content=body, headers={"content-type": "application/json"}
    )


def openai_client(handler: Optional[Callable[[Any], Any]] = None) -> Any:
    """The real ``openai`` client, its HTTP answered in process by ``httpx.MockTransport``."""
    import httpx
    import openai

    if handler is None:
        chat, responses = (_answer(json.dumps(body()).encode()) for body in _BODIES)
        handler = lambda request: (  # noqa: E731
            responses if request.url.path.endswith("/responses") else chat
        )(request)
    return openai.OpenAI(
        api_key="sk-benchmark",
        base_url="http://127.0.0.1:9/v1",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )


_BODIES = (completion_json, responses_json)


def chat_completion() -> Any:
    """The ``ChatCompletion`` the real ``openai`` client returns for ``completion_json``
    (as the client parses it, its ``_request_id`` set)."""
    return openai_client().chat.completions.create(model=MODEL, messages=[])


# --- 1. per model call: sentry-agents vs sentry-sdk's OpenAIIntegration ------------------

HISTORY_CASES: list[tuple[str, Callable[[str], Any], bool]] = [
    ("10 messages, history re-sent", lambda tag: plain_history(10, tag), False),
    ("10 messages, new each call", lambda tag: plain_history(10, tag), True),
    ("40 messages half tool calls, re-sent", lambda tag: tool_history(40, tag), False),
    ("40 messages half tool calls, new each call", lambda tag: tool_history(40, tag), True),
]
# Histories as agent loops usually hold them: the assistant turns are the SDK's own
# objects (model-call rows only: the hand-written baseline reads dicts).
SDK_HISTORY_CASES: list[tuple[str, Callable[[str], Any], bool]] = [
    (
        "40 messages half tool calls, assistant turns the SDK's own objects, re-sent",
        lambda tag: sdk_objects(tool_history(40, tag)),
        False,
    ),
    (
        "40 messages half tool calls, assistant turns the SDK's own objects, new each call",
        lambda tag: sdk_objects(tool_history(40, tag)),
        True,
    ),
]


# The same loop on the Responses API (``input += response.output``), called with
# ``client.responses.create``.
RESPONSES_CASES: list[tuple[str, Callable[[str], Any], bool]] = [
    (
        "Responses API, 40 items, the model's output the SDK's own items, re-sent",
        lambda tag: responses_history(40, tag),
        False,
    ),
    (
        "Responses API, 40 items, the model's output the SDK's own items, new each call",
        lambda tag: responses_history(40, tag),
        True,
    ),
]


RESPONSES_NOTE = (
    "; the openai client's own request building (its maybe_transform of the input) takes"
    " most of the bare call, so the added costs are within its noise: the serializer row"
    " of this history shows sentry-agents' side alone"
)


def openai_integration() -> Any:
    """sentry-sdk's OpenAIIntegration recording prompts (3.x has no ``include_prompts``:
    there ``data_collection`` alone decides)."""
    from sentry_sdk.integrations.openai import OpenAIIntegration

    try:
        return OpenAIIntegration(include_prompts=True)
    except TypeError:
        return OpenAIIntegration()


def helper_call(
    client: Any, messages: Callable[[], Any], responses: bool = False
) -> Callable[[], Any]:
    """A model call as a sentry-agents user writes it (on the Responses API when
    ``responses``)."""
    create = plain_call(client, messages, responses)

    def call() -> Any:
        msgs = messages()
        with sentry_agents.chat(MODEL, provider="openai", messages=msgs, temperature=0.2) as llm:
            llm.set_response(create(msgs))

    return call


def plain_call(
    client: Any, messages: Callable[[], Any], responses: bool = False
) -> Callable[..., Any]:
    """The same model call, with no helper (recorded by OpenAIIntegration when it is on);
    given the messages, it sends those."""

    def call(msgs: Any = None) -> Any:
        msgs = messages() if msgs is None else msgs
        if responses:
            return client.responses.create(model=MODEL, input=msgs, temperature=0.2)
        return client.chat.completions.create(model=MODEL, messages=msgs, temperature=0.2)

    return call


def check_recorded(spans: list[SpanRecord], side: str, llm_spans: int = 1) -> None:
    """Both sides record the call with its content: the gate is open on both."""
    chats = [s for s in spans if s.op in ("gen_ai.chat", "gen_ai.responses")]
    assert len(chats) == llm_spans, f"{side}: {len(chats)} LLM spans sent, not {llm_spans}"
    attributes = chats[0].attributes
    assert "gen_ai.input.messages" in attributes or "gen_ai.request.messages" in attributes, (
        f"{side}: the input messages were not recorded"
    )
    assert "gen_ai.output.messages" in attributes or "gen_ai.response.text" in attributes, (
        f"{side}: the output was not recorded"
    )


def call_row(label: str, mode: str, t: Timings, a: str, b: str, note: str, target: str) -> Row:
    """A row comparing two sides that each make the model call: in all, and by what each
    adds to the client's own work over the bare call."""
    da, db, r = added_ratio(t.added(a, "bare"), t.added(b, "bare"))
    return Row(
        label,
        mode,
        us(t.med(a)),
        us(t.med(b)),
        x(t.ratio(a, b)),
        f"{us(da)} / {us(db)}",
        x(r),
        f"bare call {us(t.med('bare'))}; " + note,
        target,
    )


def model_call_rows(plan: Plan) -> list[Row]:
    ProviderClock.install()
    client = openai_client()
    rows = []
    for mode in MODES:
        ours_env = Env(mode)  # no AI integration: sentry-agents alone
        sdk_env = Env(mode, [openai_integration()])
        cases = [(*case, False) for case in HISTORY_CASES + SDK_HISTORY_CASES]
        cases += [(*case, True) for case in RESPONSES_CASES]
        for label, make, new, responses in cases:
            ours = helper_call(client, same_or_new(make, new, plan.pool), responses)
            theirs = plain_call(client, same_or_new(make, new, plan.pool), responses)
            bare = plain_call(client, same_or_new(make, new, plan.pool), responses)
            ours_bytes, _ = ours_env.sent_per_call(ours)
            sdk_bytes, _ = sdk_env.sent_per_call(theirs)
            note = f"sent per call {ours_bytes:,.0f} / {sdk_bytes:,.0f} B"
            note += RESPONSES_NOTE if responses else ""
            sides = (ours_env, ours, sdk_env, theirs, bare)
            rows.append(integration_row(plan, label, mode, sides, note, "<= 1.00x"))
    return rows


def integration_row(
    plan: Plan,
    label: str,
    mode: str,
    sides: tuple[Env, Callable[[], Any], Env, Callable[[], Any], Callable[[], Any]],
    note: str,
    target: str,
) -> Row:
    """A model-call row: the helper's call in its client, the same call recorded by
    OpenAIIntegration in its own, and the bare call, each checked to record the call
    before they are timed in turn."""
    t = three_sides(plan, sides)
    label = f"model call, {label}: sentry-agents vs OpenAIIntegration"
    return call_row(label, mode, t, "ours", "sdk", note, target)


def three_sides(
    plan: Plan, sides: tuple[Env, Callable[[], Any], Env, Callable[[], Any], Callable[[], Any]]
) -> Timings:
    """The helper's call in its client, the same call recorded by OpenAIIntegration in
    its own, and the bare call, each checked to record the call, then timed in turn
    (``ours``, ``sdk``, ``bare``)."""
    ours_env, ours, sdk_env, theirs, bare = sides
    check_recorded(ours_env.spans_of(ours)[0], "sentry-agents")
    check_recorded(sdk_env.spans_of(theirs)[0], "OpenAIIntegration")
    return cpu_rounds(
        {
            "ours": ours_env.rounds_of(ours, plan.model_calls),
            "sdk": sdk_env.rounds_of(theirs, plan.model_calls),
            "bare": ours_env.rounds_of(bare, plan.model_calls),
        },
        plan.model_calls,
        plan.rounds,
    )


# --- 1a. what an agent sends at every call: its system prompt and its tools --------------

AGENT_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": f"tool_{i}",
            "description": f"Does thing {i} with care, given the inputs described below. " * 3,
            "parameters": {
                "type": "object",
                "properties": {
                    f"arg{j}": {"type": "string", "description": f"The argument {j} of the tool."}
                    for j in range(6)
                },
                "required": ["arg0"],
            },
        },
    }
    for i in range(20)
]
"""20 tools of JSON schemas (about 15 KB), as an agent gives them at every model call."""
SYSTEM_PROMPT = ("You are a careful agent. Follow these rules. " * 700)[:30_000]


def plain_history_of_10(tag: str) -> list[dict[str, Any]]:
    return plain_history(10, tag)


def with_system_prompt(tag: str) -> list[dict[str, Any]]:
    return [{"role": "system", "content": SYSTEM_PROMPT}, *plain_history(10, tag)]


AGENT_INPUT_CASES: list[tuple[str, Callable[[str], Any], Optional[list[Any]]]] = [
    ("10 messages after a 30 KB system prompt, re-sent", with_system_prompt, None),
    ("10 messages and 20 tools (15 KB of schemas), re-sent", plain_history_of_10, AGENT_TOOLS),
]


def agent_input_rows(plan: Plan) -> list[Row]:
    """A model call with what an agent sends at every call besides its messages, through
    the real ``openai`` client: sentry-agents (``chat(..., tools=...)``) against
    OpenAIIntegration, which records the same tools and prompt."""
    ProviderClock.install()
    client = openai_client()
    rows = []
    for mode in MODES:
        ours_env = Env(mode)
        sdk_env = Env(mode, [openai_integration()])
        for label, make, tools in AGENT_INPUT_CASES:
            messages = same_or_new(make, False, plan.pool)
            extra = {} if tools is None else {"tools": tools}

            def create(msgs: Any, extra: dict[str, Any] = extra) -> Any:
                return client.chat.completions.create(
                    model=MODEL, messages=msgs, temperature=0.2, **extra
                )

            def ours(messages: Any = messages, tools: Any = tools, create: Any = create) -> None:
                msgs = messages()
                with sentry_agents.chat(
                    MODEL, provider="openai", messages=msgs, tools=tools, temperature=0.2
                ) as llm:
                    llm.set_response(create(msgs))

            def theirs(messages: Any = messages, create: Any = create) -> None:
                create(messages())

            sides = (ours_env, ours, sdk_env, theirs, theirs)
            note = "both record the prompt and the tools"
            rows.append(integration_row(plan, label, mode, sides, note, ""))
    return rows


# --- 1b. a streamed model call: sentry-agents vs OpenAIIntegration -----------------------

STREAMED_CHUNKS = (20, 200)
STREAMED_WORDS = ("Pack ", "an ", "umbrella: ", "rain ", "in ", "Paris ", "on ", "Saturday. ")


def streamed_body(chunks: int) -> bytes:
    """A Chat Completions stream as OpenAI sends it (server-sent events): ``chunks`` text
    deltas after the role's, then the finish reason and the usage
    (``stream_options={"include_usage": True}``)."""
    head = {
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "object": "chat.completion.chunk",
        "created": 1741569952,
        "model": "gpt-4o-mini-2024-07-18",
        "system_fingerprint": "fp_06737a9306",
        "service_tier": "default",
    }

    def choice(delta: dict[str, Any], reason: Optional[str] = None) -> dict[str, Any]:
        return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": reason}

    events = [{**head, "choices": [choice({"role": "assistant", "content": ""})]}]
    for n in range(chunks):
        word = STREAMED_WORDS[n % len(STREAMED_WORDS)]
        events.append({**head, "choices": [choice({"content": word})]})
    events.append({**head, "choices": [choice({}, "stop")]})
    usage = completion_json()["usage"]
    events.append({**head, "choices": [], "usage": usage})
    text = "".join(f"data: {json.dumps(event)}\n\n" for event in events)
    return (text + "data: [DONE]\n\n").encode()


def streamed_client(chunks: int) -> Any:
    import httpx

    body = streamed_body(chunks)
    return openai_client(
        lambda request: httpx.Response(
            200, content=body, headers={"content-type": "text/event-stream"}
        )
    )


def _word(n: int) -> str:
    return STREAMED_WORDS[n % len(STREAMED_WORDS)]


def openai_chunks(chunks: int) -> list[Any]:
    """An OpenAI chat stream of ``chunks`` words as the real ``openai`` client yields it
    (its own ``ChatCompletionChunk`` models, the usage in the last)."""
    return list(
        streamed_client(chunks).chat.completions.create(
            model=MODEL, messages=[], stream=True, stream_options={"include_usage": True}
        )
    )


def anthropic_chunks(chunks: int) -> list[Any]:
    """An Anthropic Messages stream of ``chunks`` text deltas, each event built as the
    ``anthropic`` SDK builds the events it yields (``construct_type``)."""
    from anthropic._models import construct_type
    from anthropic.types import RawMessageStreamEvent

    start = {**_ANTHROPIC_MESSAGE, "content": [], "stop_reason": None}
    start["usage"] = {**_ANTHROPIC_MESSAGE["usage"], "output_tokens": 1}
    events: list[dict[str, Any]] = [
        {"type": "message_start", "message": start},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    ]
    events += [
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "text_delta", "text": _word(n)},
        }
        for n in range(chunks)
    ]
    events += [
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": 300},
        },
        {"type": "message_stop"},
    ]
    return [construct_type(type_=RawMessageStreamEvent, value=e) for e in events]


def google_chunks(chunks: int) -> list[Any]:
    """A Google GenAI stream of ``chunks`` words as ``google-genai`` yields it (its own
    ``GenerateContentResponse`` per chunk), its running usage in every chunk, as Gemini
    sends it."""
    from google.genai import types

    def chunk(n: int) -> dict[str, Any]:
        candidate: dict[str, Any] = {
            "content": {"role": "model", "parts": [{"text": _word(n)}]},
            "index": 0,
        }
        if n == chunks - 1:
            candidate["finish_reason"] = "STOP"
        return {
            "candidates": [candidate],
            "model_version": "gemini-2.5-flash",
            "response_id": "resp-8xK2",
            "usage_metadata": {
                "prompt_token_count": 1200,
                "candidates_token_count": n + 1,
                "total_token_count": 1201 + n,
            },
        }

    return [types.GenerateContentResponse.model_validate(chunk(n)) for n in range(chunks)]


def responses_chunks(chunks: int) -> list[Any]:
    """A Responses API stream of ``chunks`` text deltas between ``response.created`` and
    ``response.completed``, each event built as the ``openai`` SDK builds it."""
    from openai._models import construct_type
    from openai.types.responses import ResponseStreamEvent

    final = responses_json()
    started = {**final, "status": "in_progress", "output": [], "usage": None}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "sequence_number": 0, "response": started}
    ]
    events += [
        {
            "type": "response.output_text.delta",
            "sequence_number": n + 1,
            "item_id": final["output"][0]["id"],
            "output_index": 0,
            "content_index": 0,
            "delta": _word(n),
            "logprobs": [],
        }
        for n in range(chunks)
    ]
    events.append({"type": "response.completed", "sequence_number": chunks + 1, "response": final})
    return [construct_type(type_=ResponseStreamEvent, value=e) for e in events]


STREAM_CASES: list[tuple[str, Callable[[int], list[Any]]]] = [
    ("OpenAI chat, the openai client's own chunks", openai_chunks),
    ("Anthropic, the SDK's own events", anthropic_chunks),
    ("Google GenAI, the SDK's own chunks, usage in each", google_chunks),
    ("OpenAI Responses API, the SDK's own events", responses_chunks),
]
"""Provider streams as their SDKs yield them, for ``versions.py --streams``."""


def streamed_calls(client: Any, messages: Callable[[], Any]) -> tuple[Callable[[], Any], ...]:
    """A streamed model call read to its end: with the helper (``llm.stream``), and
    plain (recorded by OpenAIIntegration where it is on)."""

    def create(msgs: Any) -> Any:
        return client.chat.completions.create(
            model=MODEL,
            messages=msgs,
            temperature=0.2,
            stream=True,
            stream_options={"include_usage": True},
        )

    def ours() -> None:
        msgs = messages()
        with sentry_agents.chat(MODEL, provider="openai", messages=msgs, temperature=0.2) as llm:
            for _ in llm.stream(create(msgs)):
                pass

    def plain() -> None:
        for _ in create(messages()):
            pass

    return ours, plain


def streamed_rows(plan: Plan) -> list[Row]:
    """What a streamed call costs each side over the bare call, all of it: the client
    parses each chunk while it is read, outside its ``create``, so the provider clock
    cannot take its work out."""
    rows = []
    for mode in MODES:
        ours_env = Env(mode)
        sdk_env = Env(mode, [openai_integration()])
        for chunks in STREAMED_CHUNKS:
            client = streamed_client(chunks)
            messages = same_or_new(lambda tag: plain_history(10, tag), False, plan.pool)
            ours, plain = streamed_calls(client, messages)
            t = three_sides(plan, (ours_env, ours, sdk_env, plain, plain))
            bare = t.total["bare"]
            da, db, r = added_ratio(
                [a - z for a, z in zip(t.total["ours"], bare)],
                [b - z for b, z in zip(t.total["sdk"], bare)],
            )
            rows.append(
                Row(
                    f"streamed model call, {chunks} chunks, 10 messages re-sent: "
                    "sentry-agents vs OpenAIIntegration",
                    mode,
                    us(t.med("ours")),
                    us(t.med("sdk")),
                    x(t.ratio("ours", "sdk")),
                    f"{us(da)} / {us(db)}",
                    x(r),
                    f"bare call {us(t.med('bare'))}; added cost of all of the call",
                    "",
                )
            )
    return rows


# --- 2. sentry-agents vs a hand-written span sending exactly the same attributes ---------


def _text_json(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def messages_by_hand(messages: list[dict[str, Any]]) -> tuple[Optional[str], str]:
    """OpenAI chat messages to Sentry's role/parts JSON, written by hand: (system
    instructions, input messages), as compact JSON."""
    system = []
    out = []
    for m in messages:
        role = m["role"]
        if role == "system":
            system.append({"type": "text", "content": m["content"]})
        elif role == "tool":
            part = {"type": "tool_call_response", "id": m["tool_call_id"], "response": m["content"]}
            out.append({"role": "tool", "parts": [part]})
        else:
            parts: list[dict[str, Any]] = []
            if m.get("content"):
                parts.append({"type": "text", "content": m["content"]})
            for call in m.get("tool_calls") or ():
                function = call["function"]
                parts.append(
                    {
                        "type": "tool_call",
                        "id": call["id"],
                        "name": function["name"],
                        "arguments": json.loads(function["arguments"]),
                    }
                )
            out.append({"role": role, "parts": parts})
    dump = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    return (dump(system) if system else None), dump(out)


def response_by_hand(response: Any) -> list[tuple[str, Any]]:
    """What the helper records from a ChatCompletion, read by hand."""
    choice = response.choices[0]
    usage = response.usage
    cached = usage.prompt_tokens_details.cached_tokens
    reasoning = usage.completion_tokens_details.reasoning_tokens
    output = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode(
        [
            {
                "role": "assistant",
                "parts": [{"type": "text", "content": choice.message.content}],
                "finish_reason": choice.finish_reason,
            }
        ]
    )
    return [
        ("gen_ai.response.streaming", False),
        ("gen_ai.response.model", response.model),
        ("gen_ai.response.id", response.id),
        ("gen_ai.response.finish_reasons", json.dumps([c.finish_reason for c in response.choices])),
        ("gen_ai.output.messages", output),
        ("gen_ai.usage.input_tokens", usage.prompt_tokens),
        ("gen_ai.usage.output_tokens", usage.completion_tokens),
        ("gen_ai.usage.cache_read.input_tokens", cached),
        ("gen_ai.usage.input_tokens.cached", cached),
        ("gen_ai.usage.reasoning.output_tokens", reasoning),
        ("gen_ai.usage.output_tokens.reasoning", reasoning),
        ("gen_ai.usage.total_tokens", usage.total_tokens),
    ]


def raw_call(streaming: bool, messages: Callable[[], Any], response: Any) -> Callable[[], Any]:
    """A chat span written by hand with raw sentry-sdk: the same attributes and values
    the helper sends, messages converted and the response read by hand."""

    def fill(setter: Callable[[str, Any], None], msgs: list[dict[str, Any]]) -> None:
        system, inputs = messages_by_hand(msgs)
        setter("gen_ai.operation.name", "chat")
        setter("gen_ai.request.model", MODEL)
        setter("gen_ai.provider.name", "openai")
        setter("gen_ai.request.temperature", 0.2)
        if system is not None:
            setter("gen_ai.system_instructions", system)
        setter("gen_ai.input.messages", inputs)
        for key, value in response_by_hand(response):
            setter(key, value)

    def static() -> Any:
        with sentry_sdk.start_span(op="gen_ai.chat", **{NAME_KEYWORD: f"chat {MODEL}"}) as span:
            fill(span.set_data, messages())

    def stream() -> Any:
        with sentry_sdk.traces.start_span(
            name=f"chat {MODEL}", attributes={"sentry.op": "gen_ai.chat"}
        ) as span:
            fill(span.set_attribute, messages())

    return stream if streaming or not HAS_TRANSACTIONS else static


def helper_span(messages: Callable[[], Any], response: Any) -> Callable[[], Any]:
    """The helper on an already received response (no model call on either side)."""

    def call() -> Any:
        with sentry_agents.chat(
            MODEL, provider="openai", messages=messages(), temperature=0.2
        ) as llm:
            llm.set_response(response)

    return call


def check_same_spans(env: Env, ours: Callable[[], Any], raw: Callable[[], Any]) -> None:
    """The hand-written span must send what the helper sends, or the ratio means nothing."""
    sent = []
    for func in (ours, raw):
        spans, _ = env.spans_of(func)
        assert len(spans) == 1, f"{len(spans)} spans sent for one call"
        sent.append((spans[0].op, spans[0].name, gen_ai_attributes(spans[0])))
    assert sent[0] == sent[1], (
        "the hand-written span does not send what sentry-agents sends:\n"
        f"  sentry-agents: {sent[0]}\n  by hand:       {sent[1]}"
    )


def raw_span_rows(plan: Plan) -> list[Row]:
    response = chat_completion()
    rows = []
    for mode in MODES:
        env = Env(mode)
        for label, make, new in HISTORY_CASES:
            ours = helper_span(same_or_new(make, new, plan.pool), response)
            raw = raw_call(env.streaming, same_or_new(make, new, plan.pool), response)
            check_same_spans(
                env,
                helper_span(same_or_new(make, False, 1), response),
                raw_call(env.streaming, same_or_new(make, False, 1), response),
            )
            t = cpu_rounds(
                {"ours": env.rounds_of(ours, plan.calls), "raw": env.rounds_of(raw, plan.calls)},
                plan.calls,
                plan.rounds,
            )
            rows.append(
                Row(
                    f"chat span + set_response, {label}, vs the same span by hand",
                    mode,
                    us(t.med("ours")),
                    us(t.med("raw")),
                    x(t.ratio("ours", "raw")),
                    target="<= 1.25x",
                )
            )
    return rows


# --- 2b. what sending the richer span costs sentry-sdk --------------------------------------


def span_sending(streaming: bool, attributes: dict[str, Any]) -> Callable[[], Any]:
    """A raw sentry-sdk chat span sending ``attributes``, nothing else done."""

    def static() -> Any:
        with sentry_sdk.start_span(op="gen_ai.chat", **{NAME_KEYWORD: f"chat {MODEL}"}) as span:
            for key, value in attributes.items():
                span.set_data(key, value)

    def stream() -> Any:
        with sentry_sdk.traces.start_span(
            name=f"chat {MODEL}", attributes={"sentry.op": "gen_ai.chat"}
        ) as span:
            for key, value in attributes.items():
                span.set_attribute(key, value)

    return stream if streaming or not HAS_TRANSACTIONS else static


def sending_rows(plan: Plan) -> list[Row]:
    """sentry-sdk's own cost of sending the ``gen_ai`` attributes sentry-agents sends for a
    model call against those OpenAIIntegration sends (each as recorded on the model-call
    row's 10-message call), both written with raw sentry-sdk: how much of the model-call
    rows' difference is the richer span (output messages, response id, finish reasons,
    each usage sub-count under both its names) rather than sentry-agents' own work."""
    client = openai_client()
    make = lambda: plain_history(10, " sending")  # noqa: E731
    rows = []
    for mode in MODES:
        ours_env, sdk_env = Env(mode), Env(mode, [openai_integration()])
        ours = gen_ai_attributes(ours_env.spans_of(helper_call(client, make))[0][0])
        theirs = gen_ai_attributes(sdk_env.spans_of(plain_call(client, make))[0][0])
        env = Env(mode)
        t = cpu_rounds(
            {
                "ours": env.rounds_of(span_sending(env.streaming, ours), plan.calls),
                "sdk": env.rounds_of(span_sending(env.streaming, theirs), plan.calls),
            },
            plan.calls,
            plan.rounds,
        )
        difference = med([a - b for a, b in zip(t.total["ours"], t.total["sdk"])])
        rows.append(
            Row(
                "sending the span (raw sentry-sdk): sentry-agents' gen_ai attributes vs "
                "OpenAIIntegration's, 10 messages",
                mode,
                us(t.med("ours")),
                us(t.med("sdk")),
                x(t.ratio("ours", "sdk")),
                note=f"{len(ours)} / {len(theirs)} gen_ai attributes; {us(difference)} more "
                "per span, part of the model-call rows' added cost",
            )
        )
    return rows


# --- 3. a two-agent run: by hand with sentry-agents vs openai-agents + its integration ---

QUESTION = "What should I pack for Paris this weekend?"
TRIAGE_PROMPT = "You triage travel questions. Hand weather questions to the Weather Agent."
WEATHER_PROMPT = "You answer weather questions. Use get_weather."
WEATHER_ARGS = json.dumps({"city": "Paris"})
HANDOFF_TOOL = {
    "type": "function",
    "function": {
        "name": "transfer_to_weather_agent",
        "description": "Handoff to the Weather Agent agent to handle the request.",
        "parameters": {"type": "object", "properties": {}, "required": []},
    },
}
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather forecast for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def get_weather(city: str) -> str:
    """The weather forecast for a city."""
    return json.dumps({"city": city, "forecast": ["rain", "sun"]})


def two_agent_handler() -> Callable[[Any], Any]:
    """Answers the three model calls of the run: a handoff, a tool call, the answer."""
    import httpx

    handoff = json.dumps(
        completion_json(None, ("call_handoff", "transfer_to_weather_agent", "{}"))
    ).encode()
    tool = json.dumps(completion_json(None, ("call_weather", "get_weather", WEATHER_ARGS))).encode()
    final = json.dumps(completion_json()).encode()

    def handler(request: Any) -> Any:
        body = json.loads(request.content)
        names = [t["function"]["name"] for t in body.get("tools") or []]
        if "transfer_to_weather_agent" in names:
            out = handoff
        elif body["messages"][-1].get("tool_call_id") == "call_weather":
            out = final
        else:
            out = tool
        return httpx.Response(200, content=out, headers={"content-type": "application/json"})

    return handler


def async_openai_client() -> Any:
    import httpx
    import openai

    return openai.AsyncOpenAI(
        api_key="sk-benchmark",
        base_url="http://127.0.0.1:9/v1",
        max_retries=0,
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(two_agent_handler())),
    )


def _call_message(response: Any) -> tuple[dict[str, Any], Any]:
    message = response.choices[0].message
    call = message.tool_calls[0]
    as_dict = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.function.name, "arguments": call.function.arguments},
            }
        ],
    }
    return as_dict, call


def tool_message(call: Any, result: str) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call.id, "content": result}


def handoff_result(call: Any) -> dict[str, Any]:
    return tool_message(call, json.dumps({"assistant": "Weather Agent"}))


async def run_by_hand(client: Any, instrumented: bool) -> str:
    """The run the openai-agents side makes, written by hand: the triage agent hands off,
    the weather agent calls a tool then answers (3 model calls). ``instrumented``: with
    sentry-agents helpers, as a user would add them; otherwise the bare loop."""
    create = client.chat.completions.create
    user = {"role": "user", "content": QUESTION}
    triage_messages = [{"role": "system", "content": TRIAGE_PROMPT}, user]
    if not instrumented:
        r = await create(model=MODEL, messages=triage_messages, tools=[HANDOFF_TOOL])
        handoff_msg, call = _call_message(r)
        history: list[dict[str, Any]] = [user, handoff_msg, handoff_result(call)]
        weather_messages = [{"role": "system", "content": WEATHER_PROMPT}, *history]
        r = await create(model=MODEL, messages=weather_messages, tools=[WEATHER_TOOL])
        tool_msg, call = _call_message(r)
        result = get_weather(**json.loads(call.function.arguments))
        weather_messages += [tool_msg, tool_message(call, result)]
        r = await create(model=MODEL, messages=weather_messages, tools=[WEATHER_TOOL])
        return str(r.choices[0].message.content)
    with sentry_agents.invoke_agent("Triage Agent", model=MODEL, provider="openai"):
        with sentry_agents.chat(
            MODEL, provider="openai", messages=triage_messages, tools=[HANDOFF_TOOL]
        ) as llm:
            r = await create(model=MODEL, messages=triage_messages, tools=[HANDOFF_TOOL])
            llm.set_response(r)
        handoff_msg, call = _call_message(r)
        with sentry_agents.handoff("Triage Agent", "Weather Agent"):
            pass
        history = [user, handoff_msg, handoff_result(call)]
        weather_messages = [{"role": "system", "content": WEATHER_PROMPT}, *history]
        with sentry_agents.invoke_agent("Weather Agent", model=MODEL, provider="openai") as agent:
            with sentry_agents.chat(
                MODEL, provider="openai", messages=weather_messages, tools=[WEATHER_TOOL]
            ) as llm:
                r = await create(model=MODEL, messages=weather_messages, tools=[WEATHER_TOOL])
                llm.set_response(r)
            tool_msg, call = _call_message(r)
            with sentry_agents.execute_tool(
                "get_weather", arguments=call.function.arguments, call_id=call.id
            ) as tool:
                result = get_weather(**json.loads(call.function.arguments))
                tool.set_result(result)
            weather_messages += [tool_msg, tool_message(call, result)]
            with sentry_agents.chat(
                MODEL, provider="openai", messages=weather_messages, tools=[WEATHER_TOOL]
            ) as llm:
                r = await create(model=MODEL, messages=weather_messages, tools=[WEATHER_TOOL])
                llm.set_response(r)
            agent.set_output(r.choices[0].message.content)
    return str(r.choices[0].message.content)


def openai_agents_run(client: Any) -> Callable[[], Any]:
    """The same run made by openai-agents, its model calls through ``client``."""
    import agents

    agents.set_tracing_disabled(True)
    model = agents.OpenAIChatCompletionsModel(model=MODEL, openai_client=client)
    weather = agents.Agent(
        name="Weather Agent",
        instructions=WEATHER_PROMPT,
        model=model,
        tools=[agents.function_tool(get_weather)],
    )
    triage = agents.Agent(
        name="Triage Agent", instructions=TRIAGE_PROMPT, model=model, handoffs=[weather]
    )
    return lambda: agents.Runner.run(triage, QUESTION)


_MISSING = object()


class Patches:
    """What an integration's ``setup_once`` changed in a package's modules and classes,
    to turn it off and on again. sentry-sdk's OpenAIAgentsIntegration patches
    openai-agents for the whole process, and its patches do not check whether the current
    client has the integration: without this, no openai-agents run in this process could
    be measured uninstrumented once the integration is set up."""

    def __init__(self, package: str) -> None:
        self.package = package
        self.before = {id(owner): (owner, dict(vars(owner))) for owner in self._owners()}
        self.changes: list[tuple[Any, str, Any, Any]] = []

    def _owners(self) -> Iterator[Any]:
        package = self.package
        for name, module in list(sys.modules.items()):
            if module is None or not (name == package or name.startswith(package + ".")):
                continue
            yield module
            for value in list(vars(module).values()):
                if isinstance(value, type) and value.__module__.startswith(package):
                    yield value
                elif type(value).__module__.startswith(package) and hasattr(value, "__dict__"):
                    yield value  # DEFAULT_AGENT_RUNNER, say: its methods are patched

    def record(self) -> None:
        """Call once the integration is set up: remember what it changed."""
        for owner, old in self.before.values():
            for name, value in list(vars(owner).items()):
                previous = old.get(name, _MISSING)
                if previous is not value:
                    self.changes.append((owner, name, previous, value))

    def _set(self, index: int) -> None:
        for change in self.changes:
            owner, name, value = change[0], change[1], change[index]
            if value is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, value)

    def off(self) -> None:
        self._set(2)

    def on(self) -> None:
        self._set(3)

    def without(self, func: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            self.off()
            try:
                func()
            finally:
                self.on()

        return run


def two_agent_rows(plan: Plan) -> list[Row]:
    try:
        import agents  # noqa: F401
        from sentry_sdk.integrations.openai_agents import OpenAIAgentsIntegration
    except ImportError as exc:
        return [Row(f"two-agent run (skipped: {exc})", "", "", "", "")]
    from sentry_sdk import integrations

    if "openai_agents" in getattr(integrations, "_installed_integrations", ()):
        return [
            Row("two-agent run (skipped: OpenAIAgentsIntegration set up already)", "", "", "", "")
        ]
    patches: Optional[Patches] = None
    loop = asyncio.new_event_loop()
    client = async_openai_client()
    run_agents = openai_agents_run(client)
    ProviderClock.install()
    rows = []
    runs = plan.runs
    for mode in MODES:
        ours_env = Env(mode)
        if patches is None:  # the integration is set up by the first client that has it
            patches = Patches("agents")
            agents_env = Env(mode, [OpenAIAgentsIntegration()])
            patches.record()
            assert patches.changes, "found nothing OpenAIAgentsIntegration patched"
        else:
            agents_env = Env(mode, [OpenAIAgentsIntegration()])

        def by_hand(instrumented: bool) -> Callable[[], Any]:
            return lambda: loop.run_until_complete(run_by_hand(client, instrumented))

        def with_agents() -> Any:
            return loop.run_until_complete(run_agents())

        ours_spans, ours_bytes = ours_env.spans_of(by_hand(True), root=False)
        agents_spans, agents_bytes = agents_env.spans_of(with_agents, root=False)
        counts = []
        for spans in (ours_spans, agents_spans):
            ops = [s.op or "" for s in spans]
            counts.append(
                f"{ops.count('gen_ai.chat')} chat, {ops.count('gen_ai.execute_tool')} tool, "
                f"{ops.count('gen_ai.handoff')} handoff, {ops.count('gen_ai.invoke_agent')} agent"
            )
        # Same work on both sides; sentry-sdk 3.0's integration sends no handoff span.
        spans_note = counts[0] if counts[0] == counts[1] else " vs ".join(counts)
        t = cpu_rounds(
            {
                "ours": ours_env.rounds_of(by_hand(True), runs, root=False),
                "agents": agents_env.rounds_of(with_agents, runs, root=False),
                "bare": ours_env.rounds_of(by_hand(False), runs, root=False),
                "agents_bare": patches.without(ours_env.rounds_of(with_agents, runs, root=False)),
            },
            runs,
            plan.rounds,
        )
        da, db, r = added_ratio(t.added("ours", "bare"), t.added("agents", "agents_bare"))
        rows.append(
            Row(
                "two-agent run (3 model calls, tool, handoff): by hand vs openai-agents",
                mode,
                us(t.med("ours")),
                us(t.med("agents")),
                x(t.ratio("ours", "agents")),
                f"{us(da)} / {us(db)}",
                x(r),
                f"uninstrumented {us(t.med('bare'))} / {us(t.med('agents_bare'))}; "
                f"{spans_note}; sent {ours_bytes:,} / {agents_bytes:,} B",
                "<= 1.00x",
            )
        )
    loop.close()
    return rows


# --- 4. helper and OpenAIIntegration both on vs the integration alone --------------------


def both_on_rows(plan: Plan) -> list[Row]:
    """Run last: the first helper span under a client with an AI integration installs
    sentry-agents' merging hooks (a global event processor in transaction mode)."""
    ProviderClock.install()
    client = openai_client()
    rows = []
    for mode in MODES:
        both_env = Env(mode, [openai_integration()])
        sdk_env = Env(mode, [openai_integration()])
        bare_env = Env(mode)
        for label, make, new in HISTORY_CASES[::2]:
            both = helper_call(client, same_or_new(make, new, plan.pool))
            alone = plain_call(client, same_or_new(make, new, plan.pool))
            bare = plain_call(client, same_or_new(make, new, plan.pool))
            both_spans, _ = both_env.spans_of(both)
            check_recorded(both_spans, "helper and integration")
            both_bytes, both_count = both_env.sent_per_call(both)
            alone_bytes, alone_count = sdk_env.sent_per_call(alone)
            t = cpu_rounds(
                {
                    "both": both_env.rounds_of(both, plan.model_calls),
                    "alone": sdk_env.rounds_of(alone, plan.model_calls),
                    "bare": bare_env.rounds_of(bare, plan.model_calls),
                },
                plan.model_calls,
                plan.rounds,
            )
            extra = [s for s in both_spans if s.op != "gen_ai.chat"]
            rows.append(
                call_row(
                    f"helper + OpenAIIntegration vs the integration alone, {label}",
                    mode,
                    t,
                    "both",
                    "alone",
                    f"per call {both_bytes:,.0f} / {alone_bytes:,.0f} B, "
                    f"{both_count:g} / {alone_count:g} spans"
                    + (f" (+ {', '.join(s.op or s.name for s in extra)})" if extra else ""),
                    "<= 1.10x, 1 span",
                )
            )
    return rows


# --- 5. serialize_messages vs json.dumps -------------------------------------------------

NO_TRUNCATION = 10_000_000  # the conversion alone is compared
SERIALIZER_CASES: list[tuple[str, Callable[[str], Any], int]] = [  # vs json.dumps
    ("100 plain messages", lambda tag: plain_history(100, tag), NO_TRUNCATION),
    (
        "100 messages half tool calls",
        lambda tag: tool_history(100, tag, system=False),
        NO_TRUNCATION,
    ),
    ("99 Anthropic content-block messages", lambda tag: anthropic_history(99, tag), NO_TRUNCATION),
    (
        "400 messages half tool calls (about 55 KB) within the default 20,000 bytes",
        lambda tag: tool_history(400, tag, system=False),
        20_000,
    ),
]
# Histories holding the SDKs' own objects, as agent loops build them: against json.dumps
# writing each object's ``model_dump`` (``dumps_objects``).
SDK_SERIALIZER_CASES: list[tuple[str, Callable[[str], Any]]] = [
    (
        "100 messages half tool calls, assistant turns openai's own ChatCompletionMessage",
        lambda tag: sdk_objects(tool_history(100, tag, system=False)),
    ),
    (
        "99 Anthropic messages, assistant content the SDK's own blocks",
        lambda tag: sdk_objects(anthropic_history(99, tag)),
    ),
    (
        "100 OpenAI Responses API items, the model's output the SDK's own items",
        lambda tag: responses_history(100, tag),
    ),
]


def serializer_cases() -> list[tuple[str, Callable[[str], Any], int, Callable[[Any], str]]]:
    """Every serializer history with its budget and what it is compared to: ``json.dumps``,
    or for SDK objects ``json.dumps`` of their dumps."""
    cases = [(label, make, budget, json.dumps) for label, make, budget in SERIALIZER_CASES]
    cases += [(label, make, NO_TRUNCATION, dumps_objects) for label, make in SDK_SERIALIZER_CASES]
    return cases


def serializer_rows(plan: Plan) -> list[Row]:
    rows = []
    for label, make, budget, baseline in serializer_cases():
        for new in (True, False):
            ours_next = same_or_new(make, new, plan.pool)
            json_next = same_or_new(make, new, plan.pool)

            def ours(nxt: Callable[[], Any] = ours_next, budget: int = budget) -> None:
                for _ in range(plan.calls):
                    sentry_agents.serialize_messages(nxt(), max_bytes=budget)

            def dumps(nxt: Callable[[], Any] = json_next, baseline: Any = baseline) -> None:
                for _ in range(plan.calls):
                    baseline(nxt())

            sides = {"ours": ours, "json": dumps}
            by_hand = new and label in HAND_WRITTEN
            if by_hand:
                hand_next = same_or_new(make, new, plan.pool)

                def hand(nxt: Callable[[], Any] = hand_next) -> None:
                    for _ in range(plan.calls):
                        messages_by_hand(nxt())

                sides["hand"] = hand
            t = cpu_rounds(sides, plan.calls, plan.rounds)
            target = "<= 1.50x" if label.startswith("100 plain") else "<= 2.00x"
            if baseline is dumps_objects:
                note, target = "json.dumps writes each object's model_dump", ""
            elif budget != NO_TRUNCATION:
                note, target = "json.dumps writes all of it", ""
            else:
                note = ""
            rows.append(
                Row(
                    f"serialize_messages vs json.dumps, {label}, "
                    + ("new each call" if new else "re-sent"),
                    "",
                    us(t.med("ours")),
                    us(t.med("json")),
                    x(t.ratio("ours", "json")),
                    note=note,
                    target=target,
                )
            )
            if by_hand:
                rows.append(
                    Row(
                        f"the same JSON written by hand in Python vs json.dumps, {label}, "
                        "new each call",
                        "",
                        us(t.med("hand")),
                        us(t.med("json")),
                        x(t.ratio("hand", "json")),
                        note="messages_by_hand: dicts, json.loads of each tool call's "
                        "arguments, one encoder call; no scrubbing, budget or reuse",
                    )
                )
    return rows


# The serializer cases in OpenAI's chat shape, which ``messages_by_hand`` writes too: what
# a plain Python conversion to the same JSON costs, beside json.dumps of the input.
HAND_WRITTEN = ("100 plain messages", "100 messages half tool calls")


# --- 6. set_response on real provider objects --------------------------------------------


def anthropic_message() -> Any:
    """The ``Message`` the real ``anthropic`` client returns (as the client parses it, its
    ``_request_id`` set)."""
    import anthropic

    try:  # the HTTP client anthropic 2.x is built on, httpx's API
        import httpx2 as http
    except ImportError:
        import httpx as http

    body = json.dumps(_ANTHROPIC_MESSAGE).encode()
    answer = lambda request: http.Response(  # noqa: E731
        200, content=body, headers={"content-type": "application/json"}
    )
    client = anthropic.Anthropic(
        api_key="sk-benchmark",
        base_url="http://127.0.0.1:9",
        max_retries=0,
        http_client=http.Client(transport=http.MockTransport(answer)),
    )
    return client.messages.create(model=MODEL, max_tokens=10, messages=[])


def anthropic_json() -> dict[str, Any]:
    """The same Anthropic answer as its JSON parsed (a raw HTTP call's, or Bedrock's
    ``invoke_model`` body)."""
    return json.loads(json.dumps(_ANTHROPIC_MESSAGE))


_ANTHROPIC_MESSAGE: dict[str, Any] = {
    "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5-20250929",
    "content": [
        {"type": "text", "text": "Let me check the weather in Paris."},
        {
            "type": "tool_use",
            "id": "toolu_01A09q90qw90lq917835lq9",
            "name": "get_weather",
            "input": {"city": "Paris"},
        },
    ],
    "stop_reason": "tool_use",
    "stop_sequence": None,
    "usage": {
        "input_tokens": 200,
        "output_tokens": 300,
        "cache_read_input_tokens": 1000,
        "cache_creation_input_tokens": 24,
    },
}


def gemini_response() -> Any:
    from google.genai import types

    return types.GenerateContentResponse.model_validate(
        {
            "candidates": [
                {
                    "content": {
                        "role": "model",
                        "parts": [{"text": "Pack an umbrella: rain in Paris on Saturday."}],
                    },
                    "finish_reason": "STOP",
                    "index": 0,
                }
            ],
            "model_version": "gemini-2.5-flash",
            "response_id": "resp-8xK2",
            "usage_metadata": {
                "prompt_token_count": 1200,
                "candidates_token_count": 236,
                "thoughts_token_count": 64,
                "cached_content_token_count": 1024,
                "total_token_count": 1500,
            },
        }
    )


def read_openai(r: Any) -> tuple[Any, ...]:
    c = r.choices[0]
    u = r.usage
    return (
        r.model,
        r.id,
        [x.finish_reason for x in r.choices],
        c.message.content,
        c.message.tool_calls,
        u.prompt_tokens,
        u.completion_tokens,
        u.total_tokens,
        u.prompt_tokens_details.cached_tokens,
        u.completion_tokens_details.reasoning_tokens,
    )


def read_anthropic(r: Any) -> tuple[Any, ...]:
    u = r.usage
    blocks = [(b.type, b.text if b.type == "text" else b.input) for b in r.content]
    cached = u.cache_read_input_tokens or 0
    written = u.cache_creation_input_tokens or 0
    total_input = u.input_tokens + cached + written
    return (r.model, r.id, r.stop_reason, blocks, total_input, u.output_tokens, cached, written)


def read_gemini(r: Any) -> tuple[Any, ...]:
    u = r.usage_metadata
    c = r.candidates[0]
    return (
        r.model_version,
        r.response_id,
        [x.finish_reason for x in r.candidates],
        [p.text for p in c.content.parts],
        u.prompt_token_count,
        (u.candidates_token_count or 0) + (u.thoughts_token_count or 0),
        u.cached_content_token_count,
        u.thoughts_token_count,
        u.total_token_count,
    )


def set_response_rows(plan: Plan) -> list[Row]:
    cases = [
        ("openai ChatCompletion", chat_completion, read_openai),
        ("anthropic Message", anthropic_message, read_anthropic),
        ("google GenerateContentResponse", gemini_response, read_gemini),
    ]
    rows = []
    calls = plan.calls * 5
    for mode in MODES:
        env = Env(mode)
        for label, make, read in cases:
            try:
                response = make()
            except ImportError as exc:
                rows.append(Row(f"set_response, {label} (skipped: {exc})", mode, "", "", ""))
                continue

            def ours(response: Any = response, env: Env = env) -> None:
                env.activate()
                with env.root(), sentry_agents.chat(MODEL, provider="openai") as llm:
                    for _ in range(calls):
                        llm.set_response(response)

            def by_hand(response: Any = response, read: Any = read) -> None:
                for _ in range(calls):
                    read(response)

            t = cpu_rounds({"ours": ours, "hand": by_hand}, calls, plan.rounds)
            rows.append(
                Row(
                    f"set_response alone, {label}, vs reading the same fields by hand",
                    mode,
                    us(t.med("ours")),
                    us(t.med("hand")),
                    x(t.ratio("ours", "hand")),
                    note="per call",
                )
            )
    sentry_sdk.get_global_scope().set_client(None)
    return rows


# --- 7. memory of the reused message JSON -----------------------------------------------

SCRIPTS = {
    "ASCII": "lorem ipsum ",
    "CJK": "春眠不覺曉處處聞啼鳥",
    "emoji": "🌧️☔🌦️🧳✈️",
}


def retained_bytes(
    script: str, length: int, messages: int, max_bytes: Optional[int] = None
) -> tuple[int, int]:
    """Peak of the memory that serialising ``messages`` distinct messages of ``length``
    characters (ten at a time, within ``max_bytes``) leaves behind once the messages
    themselves are dropped (what the library keeps), and the number of entries in the
    reuse cache then."""
    from sentry_agents import _message_json

    cache = _message_json._reuse
    cache.clear()
    unit = SCRIPTS[script]
    gc.collect()
    gc.freeze()  # keeps the collections below short; nothing measured is frozen
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    peak = 0
    entries = 0
    batch = 10
    for start in range(0, messages, batch):
        conversation = []
        for i in range(start, start + batch):
            head = f"{i} "
            text = head + (unit * (length // len(unit) + 1))[: length - len(head)]
            conversation.append({"role": ("user", "assistant")[i % 2], "content": text})
        sentry_agents.serialize_messages(conversation, max_bytes=max_bytes)
        del conversation
        if (start + batch) % 250 == 0:
            gc.collect()
            now = tracemalloc.get_traced_memory()[0] - base
            if now > peak:
                peak = now
                entries = len(cache)
    tracemalloc.stop()
    gc.unfreeze()
    if isinstance(cache, dict):
        cache.clear()
    return peak, entries


LARGE_RESULTS: list[tuple[str, Callable[[], Any]]] = [
    ("300,000 distinct keys", lambda: {f"key_{i}": i for i in range(300_000)}),
    (
        "50,000 records (about 4 MB of JSON)",
        lambda: [
            {"id": i, "name": f"user {i}", "email": f"u{i}@example.com", "score": i * 1.5}
            for i in range(50_000)
        ],
    ),
    (
        "a file of 1 MB as JSON text",
        lambda: json.dumps({"path": "a.py", "content": CODE_FILE}),
    ),
]


def large_rows(plan: Plan) -> list[Row]:
    """A tool returning far more than its attribute's budget keeps: what recording it
    costs (what the budget can show converted, scrubbed, cut to the budget and sent; the
    rest is not converted), against ``json.dumps`` writing all of it once."""
    env = Env("static")
    rows = []
    for label, make in LARGE_RESULTS:
        result = make()

        def ours(result: Any = result) -> None:
            with sentry_agents.execute_tool("query") as tool:
                tool.set_result(result)

        spans, _ = env.spans_of(ours)
        sent = len(spans[0].attributes["gen_ai.tool.call.result"].encode())

        def dumps(result: Any = result) -> None:
            json.dumps(result)

        rounds = max(3, plan.rounds // 3)
        t = cpu_rounds({"ours": env.rounds_of(ours, 1), "json": dumps}, 1, rounds)
        rows.append(
            Row(
                f"a tool result of {label}: execute_tool + set_result vs json.dumps",
                "static",
                us(t.med("ours")),
                us(t.med("json")),
                x(t.ratio("ours", "json")),
                note=f"{sent:,} bytes of it sent (its budget); json.dumps writes it all",
            )
        )
    return [*rows, file_written_row(env, plan), *fetch_loop_rows(plan)]


def file_written_row(env: Env, plan: Plan) -> Row:
    """A model's answer calling a tool to write a file of 1 MB (``CODE_FILE``), read from
    the real ``openai`` client's ``ChatCompletion`` by ``set_response``, against
    ``json.loads`` and ``json.dumps`` of its arguments (what reading them once costs)."""
    from openai.types.chat import ChatCompletion

    arguments = json.dumps({"path": "a.py", "content": CODE_FILE})
    call = {"id": "call_w", "type": "function"}
    call["function"] = {"name": "write_file", "arguments": arguments}  # type: ignore[assignment]
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    response = ChatCompletion.model_validate(
        {
            "id": "chatcmpl-w",
            "object": "chat.completion",
            "created": 1,
            "model": MODEL,
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": message}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 250_000, "total_tokens": 250_010},
        }
    )

    def ours() -> None:
        with sentry_agents.chat(MODEL, messages=[{"role": "user", "content": "Write a.py."}]) as c:
            c.set_response(response)

    spans, _ = env.spans_of(ours)
    sent = len(spans[0].attributes["gen_ai.output.messages"].encode())

    def json_both() -> None:
        json.dumps(json.loads(arguments))

    t = cpu_rounds({"ours": env.rounds_of(ours, 1), "json": json_both}, 1, max(3, plan.rounds // 3))
    return Row(
        "a model's call of write_file with a file of 1 MB: chat + set_response(ChatCompletion) "
        "vs json.loads + json.dumps of its arguments",
        "static",
        us(t.med("ours")),
        us(t.med("json")),
        x(t.ratio("ours", "json")),
        note=f"{sent:,} bytes of output messages sent (their budget)",
    )


FETCH_STEPS = 12
FETCHED_PAGE = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 700  # 40 KB


def fetch_loop(steps: int, tag: str = "") -> list[list[dict[str, Any]]]:
    """The history an agent loop sends at each of its ``steps`` model calls: at each step
    it called a tool that fetched a page and added the call and the page (40 KB of JSON
    text) to the history."""

    def fetch(step: int) -> tuple[str, dict[str, Any], str]:
        page = json.dumps({"url": f"https://x.test/{step}{tag}", "text": FETCHED_PAGE})
        return "fetch", {"url": f"https://x.test/{step}"}, page

    return tool_loop(f"Read the docs{tag}.", steps, tag, fetch)


CODE_FILE = "def step(x):\n    return compute(x, retries=3)  # one line of the module\n" * 16_000


def coding_loop(steps: int, tag: str = "", shape: str = "openai") -> list[list[dict[str, Any]]]:
    """The history a coding agent sends at each of its ``steps`` model calls: it read a
    file of 1 MB (a tool result), wrote it back (a tool call's arguments of 1 MB), then
    ran small tools at each step after; as an OpenAI chat history, an ``anthropic`` one,
    a ``responses`` one (OpenAI's Responses API) or a ``google`` one holds its steps."""

    def code(step: int) -> tuple[str, dict[str, Any], str]:
        if step == 0:
            return "read_file", {"path": "a.py"}, CODE_FILE + tag
        if step == 1:
            return "write_file", {"path": "a.py", "content": CODE_FILE}, "ok"
        return "run_tests", {"k": str(step)}, f'{{"passed": {step}}}'

    return tool_loop(f"Refactor a.py{tag}.", steps, tag, code, shape)


def tool_loop(
    request: str,
    steps: int,
    tag: str,
    step_of: Callable[[int], tuple[str, dict[str, Any], str]],
    shape: str = "openai",
) -> list[list[dict[str, Any]]]:
    """The histories a tool loop sends, one a model call: the ``request``, then at each
    step the call of the tool ``step_of`` names (with its arguments) and its result, in
    the ``shape`` of ``tool_step``."""
    history: list[dict[str, Any]] = [{"role": "user", "content": request}]
    sent = []
    for step in range(steps):
        call_id = f"call_{step}{tag.replace(' ', '_')}"
        history = [*history, *tool_step(shape, call_id, *step_of(step))]
        sent.append(history)
    return sent


def tool_step(
    shape: str, call_id: str, name: str, arguments: dict[str, Any], result: str
) -> list[dict[str, Any]]:
    """A tool's call and its result as an OpenAI chat history (``openai``), an Anthropic
    one (``anthropic``), an OpenAI Responses API one (``responses``) or a Google GenAI one
    (``google``) holds them."""
    if shape == "google":
        call = {"function_call": {"name": name, "args": arguments}}
        output = {"function_response": {"name": name, "response": {"output": result}}}
        return [{"role": "model", "parts": [call]}, {"role": "user", "parts": [output]}]
    if shape == "anthropic":
        call = {"type": "tool_use", "id": call_id, "name": name, "input": arguments}
        output = {"type": "tool_result", "tool_use_id": call_id, "content": result}
        return [{"role": "assistant", "content": [call]}, {"role": "user", "content": [output]}]
    if shape == "responses":
        return [
            {
                "type": "function_call",
                "call_id": call_id,
                "name": name,
                "arguments": json.dumps(arguments),
            },
            {"type": "function_call_output", "call_id": call_id, "output": result},
        ]
    function = {"name": name, "arguments": json.dumps(arguments)}
    return [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": call_id, "type": "function", "function": function}],
        },
        {"role": "tool", "tool_call_id": call_id, "content": result},
    ]


LOOPS: list[tuple[Callable[[int, str], list[list[dict[str, Any]]]], str, int, str]] = [
    (
        fetch_loop,
        "each history the last with a fetched page of 40 KB added",
        200_000,
        "each page written once, then reused",
    ),
    (
        fetch_loop,
        "each history the last with a fetched page of 40 KB added",
        20_000,
        "the default in a transaction: the newest page cut alone, the older only counted",
    ),
    (
        coding_loop,
        "a file of 1 MB read, then written back, then small tools",
        200_000,
        "the file, too big to keep for reuse, written while it fits, then dropped unwritten",
    ),
    (
        functools.partial(coding_loop, shape="anthropic"),
        "the same as Anthropic content blocks",
        200_000,
        "the same",
    ),
    (
        functools.partial(coding_loop, shape="responses"),
        "the same as OpenAI Responses API items",
        200_000,
        "the same",
    ),
    (
        functools.partial(coding_loop, shape="google"),
        "the same as Google GenAI contents",
        200_000,
        "the same, converted by the general path",
    ),
]


def fetch_loop_rows(plan: Plan) -> list[Row]:
    """Agent loops whose histories hold big tool results and arguments: their model calls'
    histories, each the one before with a step added, within the 200,000 bytes of a span
    sent on its own (the default for gen_ai spans from sentry-sdk 2.64, and in stream
    mode) or the 20,000 of one sent in a transaction, against ``json.dumps`` of each
    history."""
    rows = []
    for make, label, budget, note in LOOPS:
        loops = iter([make(FETCH_STEPS, f" {n}") for n in range(plan.rounds * 2 + 2)])

        def ours(loops: Any = loops, budget: int = budget) -> None:
            for history in next(loops):
                sentry_agents.serialize_messages(history, max_bytes=budget)

        def dumps(loops: Any = loops) -> None:
            for history in next(loops):
                json.dumps(history)

        t = cpu_rounds({"ours": ours, "json": dumps}, FETCH_STEPS, plan.rounds)
        rows.append(
            Row(
                f"an agent loop's {FETCH_STEPS} model calls, {label}: "
                f"serialize_messages within {budget:,} bytes vs json.dumps",
                "",
                us(t.med("ours")),
                us(t.med("json")),
                x(t.ratio("ours", "json")),
                note=f"per model call; {note}",
            )
        )
    return rows


def memory_rows(plan: Plan) -> list[Row]:
    rows = []
    messages = 2_500 if plan is QUICK else 5_000
    for script in SCRIPTS:
        results = []
        for length in (200, 1_000):
            peak, entries = retained_bytes(script, length, messages)
            results.append((peak, length, entries, messages))
        # Messages as long as a span sent on its own holds whole (its budget 200,000
        # bytes): the biggest entries the cache keeps.
        peak, entries = retained_bytes(script, 60_000, 500, max_bytes=200_000)
        results.append((peak, 60_000, entries, 500))
        peak, length, entries, count = max(results)
        rows.append(
            Row(
                f"reused message JSON, {script} text",
                "",
                f"{peak / 1e6:.1f} MB",
                "",
                "",
                note=f"peak retained, {count:,} distinct messages of {length:,} characters "
                f"({entries:,} cached then)"
                + "; "
                + ", ".join(f"{p / 1e6:.1f} MB at {n} chars" for p, n, _, _ in results),
                target="<= 4.2 MB (4 MiB)",
            )
        )
    return rows


# --- the report --------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> str:
    packages = ("sentry-sdk", "openai", "openai-agents", "anthropic", "google-genai", "httpx")
    return (
        f"{cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}; "
        f"Python {platform.python_version()}; " + ", ".join(f"{p} {version(p)}" for p in packages)
    )


def table(rows: list[Row]) -> str:
    header = (
        "benchmark",
        "mode",
        "sentry-agents",
        "baseline",
        "ratio",
        "added cost (ours / theirs)",
        "added-cost ratio",
        "note",
        "target",
    )
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        cells = (r.label, r.mode, r.ours, r.base, r.ratio, r.added, r.added_ratio, r.note, r.target)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


SECTIONS: dict[str, Callable[[Plan], list[Row]]] = {
    "model-call": model_call_rows,
    "agent-inputs": agent_input_rows,
    "streamed": streamed_rows,
    "raw-span": raw_span_rows,
    "sending": sending_rows,
    "two-agent": two_agent_rows,
    "serializer": serializer_rows,
    "set-response": set_response_rows,
    "memory": memory_rows,
    "large": large_rows,
    "both-on": both_on_rows,  # last: it installs the hooks for AI integrations
}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    plan = QUICK if "--quick" in argv else Plan()
    wanted = [a for a in argv if not a.startswith("--")] or list(SECTIONS)
    print(machine())
    # Content is recorded on every side (the library's gate, besides sentry-sdk's).
    sentry_agents.configure(record_inputs=True, record_outputs=True)
    rows: list[Row] = []
    for name in SECTIONS:
        if name in wanted:
            started = time.perf_counter()
            try:
                section = SECTIONS[name](plan)
            except ImportError as exc:  # a provider SDK missing: `pip install -e '.[test]'`
                section = [Row(f"{name} (skipped: {exc})", "", "", "", "")]
            print(f"{name}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
            rows += section
    sentry_sdk.get_global_scope().set_client(None)
    print(table(rows))


if __name__ == "__main__":
    main()
